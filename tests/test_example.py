"""The example programs, tested as their users would test them: through the public testing module only
(``ack_irsa.review.testing``), with the program directory as ``pulumi up`` runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ack_irsa.review import testing

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ISSUER = "https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
FACTS = testing.Facts(account_id="111122223333", region="us-west-2", issuer_urls={"ack": ISSUER})
PROVIDER_ARN = "arn:aws:iam::111122223333:oidc-provider/" + ISSUER.removeprefix("https://")


def test_the_eks_example_installs_each_controller_wired_to_its_role() -> None:
    run = testing.run(EXAMPLES / "eks-cluster", facts=FACTS)
    kubernetes = run.named("ack-k8s")
    assert kubernetes.type == "pulumi:providers:kubernetes"
    host = ISSUER.removeprefix("https://")
    for service, policy in (("s3", "AmazonS3FullAccess"), ("dynamodb", "AmazonDynamoDBFullAccess")):
        statement = json.loads(run.named(f"{service}-role").inputs["assumeRolePolicy"])["Statement"][0]
        assert statement["Principal"] == {"Federated": PROVIDER_ARN}
        assert statement["Condition"]["StringEquals"][f"{host}:sub"] == (
            f"system:serviceaccount:ack-system:ack-{service}-controller"
        )
        attachment = run.named(f"{service}-{policy}")
        assert attachment.inputs["policyArn"] == f"arn:aws:iam::aws:policy/{policy}"
        release = run.named(f"{service}-release")
        assert release.type == "kubernetes:helm.sh/v3:Release"
        assert release.provider.startswith(kubernetes.urn + "::")
        assert (release.inputs["name"], release.inputs["namespace"]) == (f"ack-{service}-controller", "ack-system")
        account = release.inputs["values"]["serviceAccount"]
        assert account["create"] is True and account["annotations"]["eks.amazonaws.com/role-arn"].endswith(
            f"role/{run.named(f'{service}-role').inputs['name']}"
        )
        assert attachment.urn in release.dependencies  # the pods start with their permissions
    assert run.of_type("kubernetes:apps/v1:DeploymentPatch") == []
    assert run.of_type("kubernetes:core/v1:ServiceAccountPatch") == []
    assert run.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    assert sorted(run.outputs) == ["dynamodbRoleArn", "kubeconfig", "s3RoleArn"]


def test_the_eks_examples_plan_names_the_clusters_provider_and_each_service_account() -> None:
    plan = testing.plan(EXAMPLES / "eks-cluster", facts=FACTS)
    assert [(p.arn, p.source, p.made_by, p.trusted_by) for p in plan.oidc_providers] == [
        (PROVIDER_ARN, "pulumi-eks", "ack", ("dynamodb", "s3"))
    ]
    markdown = testing.to_markdown(plan)
    for service in ("s3", "dynamodb"):
        assert f"| ServiceAccount | `ack-system/ack-{service}-controller` created by the chart" in markdown
    assert plan.outputs["kubeconfig"] == "<secret>"  # exported as a secret: never shown


@pytest.mark.parametrize("face", ["typescript", "yaml"])
def test_the_other_language_faces_are_refused_with_where_they_are_checked(face: str) -> None:
    """A TypeScript or YAML program needs its language host (the Pulumi CLI) to run: the testing module says
    so instead of running something else. Their properties are checked against the schema in test_package."""
    runtime = {"typescript": "nodejs", "yaml": "yaml"}[face]
    with pytest.raises(ValueError, match=rf"runtime '{runtime}': only a Python program runs offline here"):
        testing.run(EXAMPLES / face)
