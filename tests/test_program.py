"""The whole stack program, run from the stack files under Pulumi's mocks."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from ack_irsa.iam.arns import issuer_of_provider_arn
from ack_irsa.review import offline
from ack_irsa.stack import program, stackfile

from .conftest import ISSUER_URL, ROOT, run

PROD_PROVIDER = (
    "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/5C7D1E9A3B2F4E6D8A0C1B3D5F7E9A2C"
)


def stack(name: str) -> dict[str, Any]:
    return stackfile.load(ROOT, ROOT / "stacks" / f"Pulumi.{name}.yaml").config


def run_stack(config: dict[str, Any], issuers: dict[str, str] | None = None) -> offline.OfflineRun:
    return run(program.main, config=config, issuers=issuers)


def test_dev_creates_the_provider_and_patches_s3_and_rds() -> None:
    result = run_stack(stack("dev"), {"dev-eks": ISSUER_URL})
    assert result.invokes == [("aws:eks/getCluster:getCluster", {"name": "dev-eks"})]
    assert sorted((r.type, r.name) for r in result.resources if r.custom) == [
        ("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "cluster-provider"),
        ("aws:iam/role:Role", "rds-role"),
        ("aws:iam/role:Role", "s3-role"),
        ("aws:iam/rolePoliciesExclusive:RolePoliciesExclusive", "rds-inline-policies"),
        ("aws:iam/rolePoliciesExclusive:RolePoliciesExclusive", "s3-inline-policies"),
        ("aws:iam/rolePolicy:RolePolicy", "s3-inline"),
        ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "rds-AmazonRDSFullAccess"),
        ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "s3-AmazonS3FullAccess"),
        ("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "rds-managed-policies"),
        ("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "s3-managed-policies"),
        ("kubernetes:helm.sh/v3:Release", "rds-release"),
        ("kubernetes:helm.sh/v3:Release", "s3-release"),
    ]
    assert result.named("s3-role").inputs["tags"] == {"environment": "dev", "owner": "platform"}
    assert result.named("cluster-provider").inputs["tags"] == {"environment": "dev", "owner": "platform"}
    outputs = result.outputs
    assert outputs["oidcProviderArn"] == f"arn:aws:iam::111122223333:oidc-provider/{ISSUER_URL[8:]}"
    assert sorted(outputs["controllers"]) == ["rds", "s3"]
    assert outputs["controllers"]["s3"]["serviceAccount"] == "ack-system/ack-s3-controller"
    assert outputs["controllers"]["s3"]["roleArn"].startswith("arn:aws:iam::111122223333:role/ack-s3-dev-eks-")


def test_prod_adopts_the_provider_and_wires_every_controller() -> None:
    result = run_stack(stack("prod"), {"prod-eks": "https://" + issuer_of_provider_arn(PROD_PROVIDER)})
    assert result.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    assert result.outputs["oidcProviderArn"] == PROD_PROVIDER
    assert sorted(result.outputs["controllers"]) == ["dynamodb", "ec2", "eks", "iam", "rds", "s3"]
    attachments = {
        r.name: r.inputs["policyArn"] for r in result.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    }
    assert attachments == {
        "s3-AmazonS3FullAccess": "arn:aws:iam::aws:policy/AmazonS3FullAccess",
        "s3-111122223333-s3-bucket-kms": "arn:aws:iam::111122223333:policy/ack/s3-bucket-kms",
        "rds-AmazonRDSFullAccess": "arn:aws:iam::aws:policy/AmazonRDSFullAccess",
        "dynamodb-111122223333-dynamodb-prod-tables": "arn:aws:iam::111122223333:policy/ack/dynamodb-prod-tables",
        "ec2-AmazonEC2FullAccess": "arn:aws:iam::aws:policy/AmazonEC2FullAccess",
    }
    assert [r.name for r in result.of_type("kubernetes:core/v1:ServiceAccount")] == ["ec2-service-account"]
    ec2 = result.named("ec2-role").inputs
    assert (ec2["path"], ec2["permissionsBoundary"]) == ("/ack/", "arn:aws:iam::111122223333:policy/platform-boundary")
    assert result.named("rds-role").inputs["maxSessionDuration"] == 7200
    # the Kubernetes provider for the configured context serves every Kubernetes resource
    (provider,) = result.of_type("pulumi:providers:kubernetes")
    assert provider.inputs["context"] == "arn:aws:eks:us-east-1:111122223333:cluster/prod-eks"
    # CARM's map is updated in place when a target changes, never deleted and re-created
    assert provider.inputs["enableConfigMapMutable"] == "true"
    for resource in (r for r in result.resources if r.type.startswith("kubernetes:")):
        assert resource.provider.startswith(provider.urn + "::")


def test_a_bad_stack_config_stops_the_program_with_a_clean_error_and_nothing_registered() -> None:
    config = {**stack("dev"), "ack-irsa:controllers": json.dumps([{"service": "s3", "serviceAccountMode": "patched"}])}
    with pytest.raises(pulumi.RunError) as raised:
        run_stack(config, {"dev-eks": ISSUER_URL})
    assert str(raised.value) == (
        "the stack config has 1 problem:\n"
        "  ack-irsa:controllers[0].serviceAccountMode: Input should be 'patch', 'create' or 'none', got 'patched'"
    )


def test_the_program_defaults_to_the_ambient_kubeconfig() -> None:
    result = run_stack(stack("dev"), {"dev-eks": ISSUER_URL})
    assert result.of_type("pulumi:providers:kubernetes") == []
    assert all(r.provider == "" for r in result.resources if r.type.startswith("kubernetes:"))


def test_a_stack_of_role_only_controllers_needs_no_cluster_access() -> None:
    config = {
        "ack-irsa:issuerUrl": ISSUER_URL,
        "ack-irsa:kubeContext": "unused",
        "ack-irsa:controllers": json.dumps([{"service": "iam", "serviceAccountMode": "none"}]),
    }
    result = run_stack(config)
    assert not [r for r in result.resources if r.type.startswith(("kubernetes:", "pulumi:providers:kubernetes"))]


def test_the_root_main_only_calls_the_program() -> None:
    source = (ROOT / "__main__.py").read_text()
    code = [line for line in source.splitlines() if line and not line.startswith(("#", '"""'))]
    assert code == [
        "from ack_irsa.stack.program import main, tune_collector",
        "tune_collector()  # after the imports: what they made is never scanned again",
        "main()",
    ]


def test_the_collector_is_tuned_for_the_real_path_only() -> None:
    """`pulumi preview` runs `__main__.py`, which freezes what the imports made and collects less often; the
    offline runs (and every test) keep the interpreter's defaults and pause the collector instead."""
    import subprocess
    import sys

    code = (
        "import gc, json; from ack_irsa.stack.program import tune_collector; before = gc.get_threshold(); "
        "tune_collector(); print(json.dumps([before, gc.get_threshold(), gc.get_freeze_count() > 1000]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert json.loads(done.stdout) == [[700, 10, 10], [100000, 20, 20], True]
    import gc

    assert gc.get_threshold() == (700, 10, 10)  # the test process itself was left alone
