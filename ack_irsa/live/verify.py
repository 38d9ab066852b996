"""Check a live account and cluster the way the guide's step 4 does, and the whole chain before it.

Read-only: every call here is a Describe, Get or List. Each check ends as ``pass``, ``fail`` (with a
one-line fix) or ``skipped`` (with why). AWS is read with boto3, Kubernetes with its official client.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ack_irsa.iam.accounts import (
    CrossAccountTarget,
)
from ack_irsa.iam.arns import parse_arn
from ack_irsa.live.aws import Aws, Provider, expected_inline_policies, expected_managed_policies
from ack_irsa.live.kubernetes import _FIX_KUBECONFIG, Kubernetes
from ack_irsa.live.report import Check, skipped
from ack_irsa.spec.controller import ControllerSpec

AWS_CHECKS = ("role-trust", "role-settings", "managed-policies", "inline-policy")
KUBERNETES_CHECKS = ("service-account", "pods")


def verify_controller(  # noqa: PLR0917 - the clients and what the stack says
    aws: Aws,
    kubernetes: Callable[[], Kubernetes] | None,
    spec: ControllerSpec,
    provider: Provider | None,
    cluster: str | None,
    target_iam: Callable[[CrossAccountTarget], Any] | None = None,
) -> list[Check]:
    """Every check of one controller, in order; later ones are skipped when they cannot run.
    ``kubernetes`` makes the client on first use (None: the Kubernetes side is skipped); ``target_iam`` makes an
    IAM client for a cross-account target's account (None when the stack does not say how)."""
    if spec.uses_irsa and provider is None:
        return skipped((*AWS_CHECKS, *KUBERNETES_CHECKS), "needs the cluster's OIDC provider")
    role_name = spec.role_name_for(provider.issuer if spec.uses_irsa and provider else None, cluster)
    trust, role_arn = aws.role(role_name, provider if spec.uses_irsa else None, spec, cluster)
    checks = [trust]
    if role_arn is None:
        return checks + skipped((*AWS_CHECKS[1:], *KUBERNETES_CHECKS), "needs the role")
    checks.append(aws.role_settings(role_name, spec))
    acknowledged = {risk.id for risk in spec.risks if risk.acknowledged}
    expected = expected_managed_policies(spec, parse_arn(role_arn).partition)
    checks.append(aws.managed_policies(role_name, expected, acknowledged=acknowledged))
    partition = parse_arn(role_arn).partition
    checks.append(aws.inline_policy(role_name, expected_inline_policies(spec, partition)))
    if spec.cross_account:
        checks += aws.cross_account(spec, role_arn, target_iam)
    agent = None
    if spec.uses_pod_identity and cluster:
        checks.append(aws.association(cluster, spec, role_arn))
        agent = aws.agent(cluster)
        checks += [agent] if agent is not None else []
    if kubernetes is None:
        return checks + skipped(KUBERNETES_CHECKS, "--skip-kubernetes")
    try:
        client = kubernetes()
    except ValueError as error:  # no usable kubeconfig: the AWS side still stands
        return [
            *checks,
            Check("service-account", "fail", str(error), _FIX_KUBECONFIG),
            *skipped(["pods"], "needs the cluster"),
        ]
    step = "service-account"  # the check being made, named in the report if the API server refuses it
    try:
        if spec.uses_pod_identity and cluster and agent is None:
            step = "pod-identity-agent"
            checks.append(client.agent_daemon_set())
        step = "service-account"
        account, annotated_at = client.service_account(spec, role_arn)
        if spec.install is not None:
            step = "helm-release"
            checks += client.release(spec)
        checks.append(account)
        step = "pods"
        checks.append(client.pods(spec, role_arn, annotated_at))
        if spec.cross_account and spec.service_account_mode != "none":
            partition = parse_arn(role_arn).partition
            step = "cross-account-map"
            checks += [client.cross_account(spec, target, target.role_arn(partition)) for target in spec.cross_account]
    except client.unreachable as error:
        checks += [Check("service-account", "fail", f"cannot read the cluster: {error}", _FIX_KUBECONFIG)]
        checks += skipped(KUBERNETES_CHECKS[1:], "needs the cluster")
    except client.api_exception as error:  # 401, 403 and the like: this check fails, the report stands
        status, reason = getattr(error, "status", None), getattr(error, "reason", None) or "refused"
        fix = (
            f"give your credentials read access in {spec.namespace} (kubectl auth can-i list pods -n {spec.namespace})"
        )
        checks.append(Check(step, "fail", f"the API server answered {status} ({reason})", fix))
        done = {c.name for c in checks}
        checks += skipped([n for n in KUBERNETES_CHECKS if n not in done], f"needs {step}")
    return checks
