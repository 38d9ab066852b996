"""examples/eks-cluster under Pulumi's mocks: a pulumi-eks cluster wired to ControllerIrsa."""

from __future__ import annotations

import runpy
from typing import Any

import pulumi
import pytest

from ack_irsa.review import offline

from .conftest import ISSUER_HOST, PROVIDER_ARN, ROOT, facts, run

EXAMPLE = ROOT / "examples" / "eks-cluster" / "__main__.py"


class EksMocks(offline.OfflineMocks):
    """pulumi-eks's Cluster is a multi-language component: the mock answers with its outputs."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ == "eks:index:Cluster":
            return f"{args.name}-id", {
                **args.inputs,
                "oidcProviderArn": PROVIDER_ARN,
                "oidcIssuer": ISSUER_HOST,
                "kubeconfigJson": '{"apiVersion": "v1", "kind": "Config"}',
            }
        return super().new_resource(args)


def test_the_example_installs_each_controller_wired_to_its_role() -> None:
    result = run(lambda: runpy.run_path(str(EXAMPLE)) and None, mocks=EksMocks(facts()))
    kubernetes = result.named("ack-k8s")
    assert kubernetes.type == "pulumi:providers:kubernetes"
    for service, policy in (("s3", "AmazonS3FullAccess"), ("dynamodb", "AmazonDynamoDBFullAccess")):
        statement = offline_trust(result, service)
        assert statement["Principal"] == {"Federated": PROVIDER_ARN}
        assert statement["Condition"]["StringEquals"][f"{ISSUER_HOST}:sub"] == (
            f"system:serviceaccount:ack-system:ack-{service}-controller"
        )
        attachment = result.named(f"{service}-{policy}")
        assert attachment.inputs["policyArn"] == f"arn:aws:iam::aws:policy/{policy}"
        release = result.named(f"{service}-release")
        assert release.type == "kubernetes:helm.sh/v3:Release"
        assert release.provider.startswith(kubernetes.urn + "::")
        assert (release.inputs["name"], release.inputs["namespace"]) == (f"ack-{service}-controller", "ack-system")
        account = release.inputs["values"]["serviceAccount"]
        assert account["create"] is True and account["annotations"]["eks.amazonaws.com/role-arn"].endswith(
            f"role/{result.named(f'{service}-role').inputs['name']}"
        )
        assert attachment.urn in release.dependencies  # the pods start with their permissions
    assert result.of_type("kubernetes:apps/v1:DeploymentPatch") == []
    assert result.of_type("kubernetes:core/v1:ServiceAccountPatch") == []
    assert result.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    assert sorted(result.outputs) == ["dynamodbRoleArn", "kubeconfig", "s3RoleArn"]


def offline_trust(result: offline.OfflineRun, service: str) -> dict[str, Any]:
    import json

    return json.loads(result.named(f"{service}-role").inputs["assumeRolePolicy"])["Statement"][0]


def test_the_readme_offline_plan_of_your_own_program_runs(capsys: pytest.CaptureFixture[str]) -> None:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- own-program:start -->\n```python\n", 1)[1].split("```\n<!-- own-program:end -->")[0]
    exec(compile(block, "README.md", "exec"), {"__name__": "readme"})
    out = capsys.readouterr().out
    assert out.startswith("# ack-irsa plan: stack `prod`\n")
    assert "## Controller `rds`" in out
    assert "| Role ARN | `arn:aws:iam::111122223333:role/ack-s3-prod-eks-" in out
    assert "oidc.eks.us-east-1.amazonaws.com/id/5C7D1E9A3B2F4E6D8A0C1B3D5F7E9A2C:sub" in out
