"""The peer: the guide's steps written by hand in Pulumi, the way a competent user writes them without ack-irsa.

Per cluster one ``aws.eks.get_cluster`` and the IAM OIDC provider; per controller the role with its trust
policy, the recommended managed policies attached, the recommended inline policy, the ServiceAccount
annotated (``ServiceAccountPatch``) and the Deployment restarted (``DeploymentPatch``). The policies are
the catalog's, as a user would copy them from the controllers' repositories. No checks, no exclusive policy
sets, no components: the floor of doing the same job by hand. ``bench/scale.py`` runs it beside ack-irsa.
"""

from __future__ import annotations

import json
from typing import Any

POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}],
}
"""For controllers without a recommendation: the same stand-in ack-irsa's fleet gives them."""


def fleet(services: list[str], clusters: int) -> dict[str, Any]:
    """The hand-written program for ``services`` on each of ``clusters`` clusters."""
    import pulumi
    import pulumi_aws as aws
    from pulumi_kubernetes.apps.v1 import DeploymentPatch, DeploymentSpecPatchArgs
    from pulumi_kubernetes.core.v1 import PodTemplateSpecPatchArgs, ServiceAccountPatch
    from pulumi_kubernetes.meta.v1 import ObjectMetaPatchArgs

    from ack_irsa import catalog

    for index in range(clusters):
        cluster = aws.eks.get_cluster_output(name=f"cluster-{index}")
        issuer = cluster.identities[0].oidcs[0].issuer
        provider = aws.iam.OpenIdConnectProvider(
            f"cluster-{index}-provider", url=issuer, client_id_lists=["sts.amazonaws.com"]
        )
        host = issuer.apply(lambda url: url.removeprefix("https://"))
        for service in services:
            controller = catalog.get(service)
            account = f"ack-{service}-controller"

            def trust(values: list[str], account: str = account) -> str:
                arn, issuer_host = values
                return json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Federated": arn},
                                "Action": "sts:AssumeRoleWithWebIdentity",
                                "Condition": {
                                    "StringEquals": {
                                        f"{issuer_host}:sub": f"system:serviceaccount:ack-system:{account}",
                                        f"{issuer_host}:aud": "sts.amazonaws.com",
                                    }
                                },
                            }
                        ],
                    }
                )

            name = f"{service}-{index}"
            role = aws.iam.Role(f"{name}-role", assume_role_policy=pulumi.Output.all(provider.arn, host).apply(trust))
            for policy in controller.managed_policies:
                aws.iam.RolePolicyAttachment(
                    f"{name}-{policy}", role=role.name, policy_arn=f"arn:aws:iam::aws:policy/{policy}"
                )
            inline = controller.inline_policy if controller.has_recommended_policy else POLICY
            if inline is not None:
                aws.iam.RolePolicy(f"{name}-inline", role=role.name, policy=json.dumps(inline))
            ServiceAccountPatch(
                f"{name}-service-account",
                metadata=ObjectMetaPatchArgs(
                    name=account, namespace="ack-system", annotations={"eks.amazonaws.com/role-arn": role.arn}
                ),
            )
            DeploymentPatch(
                f"{name}-restart",
                metadata=ObjectMetaPatchArgs(name=f"{account}-{service}-chart", namespace="ack-system"),
                spec=DeploymentSpecPatchArgs(
                    template=PodTemplateSpecPatchArgs(
                        metadata=ObjectMetaPatchArgs(annotations={"ack-irsa/role-arn": role.arn})
                    )
                ),
            )
    return {}
