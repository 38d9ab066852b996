"""``python -m ack_irsa render``: the offline plan of the example stacks, in every format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import schema_contents
from referencing import Registry, Resource

from ack_irsa.commands import main as cli

from .conftest import ROOT

KUBERNETES = "1.31"
PROD_ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/5C7D1E9A3B2F4E6D8A0C1B3D5F7E9A2C"


def render(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli(["render", "--project-dir", str(ROOT), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_markdown_review_of_dev_with_placeholders_marked(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = render(capsys, "--stack", "dev")
    assert (code, err) == (0, "")
    assert out.startswith("# ack-irsa plan: stack `dev`\n\n> **Offline plan with placeholders.**")
    assert "> - account id: `<account-id>`\n" in out
    assert "> - issuer: `https://oidc.eks.us-west-2.amazonaws.com/id/<cluster-id>`\n" in out
    assert "> - partition" not in out  # known from aws:region
    assert (
        "Created for `https://oidc.eks.us-west-2.amazonaws.com/id/<cluster-id>`, audiences `sts.amazonaws.com`." in out
    )
    s3 = out.split("## Controller `s3`")[1].split("## ")[0]
    assert (
        "| ServiceAccount | `ack-system/ack-s3-controller` created by the chart, annotated "
        "`eks.amazonaws.com/role-arn` |" in s3
    )
    assert "| Restart | the chart's pods roll when the role ARN changes (`deployment.annotations`" in s3
    assert "| Tags | `environment=dev`, `owner=platform` |" in s3
    trust = json.loads(s3.split("Trust policy:\n\n```json\n")[1].split("```")[0])
    assert trust["Statement"][0]["Condition"]["StringEquals"] == {
        "oidc.eks.us-west-2.amazonaws.com/id/<cluster-id>:sub": "system:serviceaccount:ack-system:ack-s3-controller",
        "oidc.eks.us-west-2.amazonaws.com/id/<cluster-id>:aud": "sts.amazonaws.com",
    }
    assert "Managed policies:\n\n- `arn:aws:iam::aws:policy/AmazonS3FullAccess`\n" in s3
    assert "Inline policy `ack-controller-policy`:" in s3
    assert "Inline policy: none" in out.split("## Controller `rds`")[1].split("## ")[0]


def test_the_same_input_renders_byte_identical_output(capsys: pytest.CaptureFixture[str]) -> None:
    for output_format in ("markdown", "json", "manifests"):
        first = render(capsys, "--stack", "prod", "--format", output_format)
        second = render(capsys, "--stack", "prod", "--format", output_format)
        assert first == second
        assert first[0] == 0


def test_json_lists_every_resource_with_type_name_parent_and_inputs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = render(capsys, "--stack", "prod", "--format", "json")
    document = json.loads(out)
    assert code == 0
    assert document["placeholders"] == {}  # the adopted provider's ARN names account, partition and issuer
    assert all(set(r) == {"type", "name", "parent", "inputs"} for r in document["resources"])
    shapes = {(r["type"], r["name"], r["parent"]) for r in document["resources"]}
    assert ("ack-irsa:index:ClusterOidcProvider", "cluster", None) in shapes
    assert ("ack-irsa:index:ControllerIrsa", "ec2", None) in shapes
    assert ("aws:iam/role:Role", "ec2-role", "ec2") in shapes
    assert ("kubernetes:core/v1:ServiceAccount", "ec2-service-account", "ec2") in shapes
    assert ("pulumi:providers:kubernetes", "kubernetes", None) in shapes
    assert not [r for r in document["resources"] if r["type"].endswith("OpenIdConnectProvider")]
    role = next(r for r in document["resources"] if r["name"] == "ec2-role")["inputs"]
    assert role["permissionsBoundary"] == "arn:aws:iam::111122223333:policy/platform-boundary"
    assert json.loads(role["assumeRolePolicy"])["Statement"][0]["Principal"] == {
        "Federated": f"arn:aws:iam::111122223333:oidc-provider/{PROD_ISSUER}"
    }
    assert document["outputs"]["oidcIssuer"] == PROD_ISSUER


def test_flags_replace_the_placeholders(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    issuer = "https://oidc.eks.us-gov-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
    stack = tmp_path / "Pulumi.gov.yaml"
    stack.write_text("config:\n  ack-irsa:clusterName: gov\n  ack-irsa:controllers: [{service: s3}, {service: rds}]\n")
    code, out, _ = render(
        capsys, "--config-file", str(stack), "--format", "json", "--account-id", "444455556666", "--issuer-url", issuer,
        "--partition", "aws-us-gov",
    )  # fmt: skip
    document = json.loads(out)
    assert (code, document["placeholders"]) == (0, {"region": "<region>"})
    assert document["outputs"]["oidcProviderArn"] == f"arn:aws-us-gov:iam::444455556666:oidc-provider/{issuer[8:]}"
    attachments = [
        r["inputs"]["policyArn"] for r in document["resources"] if r["type"].endswith("RolePolicyAttachment")
    ]
    assert sorted(attachments) == [
        "arn:aws-us-gov:iam::aws:policy/AmazonRDSFullAccess",
        "arn:aws-us-gov:iam::aws:policy/AmazonS3FullAccess",
    ]


def test_bad_flags_are_refused_with_the_config_problems(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.bad.yaml"
    stack.write_text("config:\n  aws:region: us-west-2\n  ack-irsa:clusterName: c\n  ack-irsa:controllers: []\n")
    code, out, err = render(
        capsys, "--config-file", str(stack), "--account-id", "12345", "--issuer-url", "not-a-url",
        "--partition", "aws-cn",
    )  # fmt: skip
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "error: the stack config and the flags have 4 problems:",
        "  ack-irsa:controllers: list at least one controller, e.g. [{service: s3}] (to create only the cluster's "
        'OIDC provider, use ClusterOidcProvider from a Pulumi program of your own: README, "Use from your own '
        'Pulumi program")',
        "  --account-id: '12345' is not an AWS account ID (12 digits)",
        "  --partition: 'aws-cn' does not hold the stack's aws:region 'us-west-2' (partition 'aws'); drop the flag "
        "or correct aws:region",
        "  --issuer-url: 'not-a-url' is not an OIDC issuer URL (expected https://oidc.eks.<region>.amazonaws.com/id/<id>)",
    ]
    code, _, err = render(capsys, "--stack", "dev", "--partition", "foo")
    assert (code, err) == (
        1,
        "error: the flags have 1 problem:\n  --partition: 'foo' is not an AWS partition (aws, aws-cn, aws-eusc, "
        "aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-us-gov)\n",
    )


def test_an_unknown_partition_is_marked_as_assumed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.bare.yaml"
    stack.write_text("config:\n  ack-irsa:clusterName: c\n  ack-irsa:controllers:\n    - service: s3\n")
    code, out, _ = render(capsys, "--config-file", str(stack), "--format", "json")
    assert code == 0
    assert json.loads(out)["placeholders"] == {
        "account_id": "<account-id>",
        "issuer": "https://oidc.eks.<region>.amazonaws.com/id/<cluster-id>",
        "partition": "aws (assumed)",
        "region": "<region>",
    }


def strip_required(schema: Any) -> Any:
    """The schema without its required properties: a server-side apply patch sets only some fields."""
    if isinstance(schema, dict):
        return {k: strip_required(v) for k, v in schema.items() if k != "required"}
    if isinstance(schema, list):
        return [strip_required(v) for v in schema]
    return schema


def validate_patch(document: dict[str, Any]) -> None:
    """Every field of a partial object exists in the strict Kubernetes schema, with the right type."""
    directory = f"kubernetes-json-schema/v{KUBERNETES}.0-local-strict"
    group = document["apiVersion"].replace("/", "-")  # apps/v1 -> apps-v1; the core group is just v1
    schema = strip_required(schema_contents(f"{directory}/{document['kind'].lower()}-{group}.json", KUBERNETES))
    definitions = strip_required(schema_contents(f"{directory}/_definitions.json", KUBERNETES))
    registry = Resource.from_contents(definitions) @ (Resource.from_contents(schema) @ Registry())
    jsonschema.Draft202012Validator(schema, registry=registry).validate(document)


def test_manifests_are_valid_kubernetes_objects(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = render(capsys, "--stack", "prod", "--format", "manifests")
    assert code == 0
    documents = list(yaml.safe_load_all(out))
    comments = [line for line in out.splitlines() if line.startswith("# ")]
    assert len(documents) == len(comments) == 12  # six ServiceAccounts (one created, five patched), six restarts
    kinds = sorted((d["kind"], d["metadata"]["name"]) for d in documents)
    assert ("ServiceAccount", "ack-ec2-controller") in kinds
    assert ("Deployment", "ack-s3-controller-s3-chart") in kinds
    created = [c for c in comments if c.endswith(": created")]
    assert created == ["# ec2-service-account (kubernetes:core/v1:ServiceAccount): created"]
    for document in documents:
        if document["kind"] == "ServiceAccount":
            kubernetes_validate.validate(document, KUBERNETES, strict=True)
        validate_patch(document)


def test_the_schema_check_of_a_patch_can_fail() -> None:
    with pytest.raises(jsonschema.ValidationError):
        validate_patch({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"metdata": {}}}})
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(
            {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "x", "annotation": {}}},
            KUBERNETES,
            strict=True,
        )


def test_a_bad_config_exits_1_with_the_message_and_no_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stack = tmp_path / "Pulumi.bad.yaml"
    stack.write_text("config:\n  ack-irsa:clusterName: c\n  ack-irsa:controllers:\n    - service: s4\n")
    code, out, err = render(capsys, "--config-file", str(stack))
    assert (code, out) == (1, "")
    assert err == (
        "error: the stack config has 1 problem:\n"
        "  ack-irsa:controllers[0].service: unknown ACK service 's4'; did you mean 's3'? "
        "(`python -m ack_irsa catalog` lists all 82)\n"
    )


def test_a_partition_mismatch_is_refused_before_rendering(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.gov.yaml"
    stack.write_text(
        "config:\n  ack-irsa:clusterName: c\n  ack-irsa:controllers:\n    - service: s3\n"
        "      extraPolicyArns: [arn:aws:iam::111122223333:policy/x]\n"
    )
    code, _, err = render(capsys, "--config-file", str(stack), "--partition", "aws-us-gov")
    assert code == 1
    assert err == (
        "error: the stack config has 1 problem:\n  ack-irsa:controllers[0].extraPolicyArns[0]: "
        "'arn:aws:iam::111122223333:policy/x' is in partition 'aws', but this stack's is 'aws-us-gov' "
        "(from --partition)\n"
    )


def test_a_deploy_time_failure_exits_1_with_the_innermost_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """An issuer given by flag that is not the adopted provider's fails only when the values resolve."""
    stack = tmp_path / "Pulumi.adopt.yaml"
    provider = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/AAAA"
    stack.write_text(
        f"config:\n  ack-irsa:clusterName: c\n  ack-irsa:oidcProviderArn: {provider}\n"
        "  ack-irsa:controllers: [{service: s3}]\n"
    )
    other = "https://oidc.eks.us-west-2.amazonaws.com/id/BBBB"
    code, _, err = render(capsys, "--config-file", str(stack), "--issuer-url", other)
    assert code == 1
    assert err == (
        "error: provider_arn names issuer 'oidc.eks.us-west-2.amazonaws.com/id/AAAA', but the cluster's issuer is "
        "'oidc.eks.us-west-2.amazonaws.com/id/BBBB'\n"
    )


def test_a_missing_stack_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = render(capsys, "--stack", "qa")
    assert code == 1
    stacks = "capability, dev, prod, shared, staging"
    assert err == f"error: {ROOT / 'stacks' / 'Pulumi.qa.yaml'}: no such stack file (stacks here: {stacks})\n"


def test_kubeconfig_contents_are_never_printed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.k.yaml"
    stack.write_text(
        "config:\n  ack-irsa:clusterName: c\n"
        "  ack-irsa:kubeconfig: 'apiVersion: v1\\nusers: [{user: {token: hunter2}}]'\n"
        "  ack-irsa:controllers:\n    - service: s3\n"
    )
    code, out, _ = render(capsys, "--config-file", str(stack), "--format", "json")
    assert code == 0
    assert "hunter2" not in out
    provider = next(r for r in json.loads(out)["resources"] if r["type"] == "pulumi:providers:kubernetes")
    assert provider["inputs"]["kubeconfig"] == "<redacted>"


def test_no_managed_policy_reads_none_and_permissions_are_summed_up(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stack = tmp_path / "Pulumi.narrow.yaml"
    stack.write_text(
        "config:\n  aws:region: us-west-2\n  ack-irsa:clusterName: c\n  ack-irsa:controllers:\n"
        "    - service: s3\n      policyArns: []\n"
        "    - service: rds\n      inlinePolicy: {Version: '2012-10-17', Statement: "
        "[{Effect: Allow, Action: ['rds:Describe*', 'rds:CreateDBInstance'], Resource: '*'}]}\n"
    )
    code, out, err = render(capsys, "--config-file", str(stack))
    assert (code, err) == (0, "")
    s3 = out.split("## Controller `s3`")[1].split("## ")[0]
    assert "Managed policies: none\n" in s3
    assert "- `none`" not in s3
    assert (
        "| Permissions | no managed policy; `ack-controller-policy` allows `s3:*`, `s3-object-lambda:*`, "
        "`s3express:*`, `iam:PassRole` |" in s3
    )
    assert (
        "> ⚠️ the managed policies are given, but the recommended inline policy stays and allows `s3:*`, "
        "`s3-object-lambda:*`, `s3express:*`, `iam:PassRole`; give an inline policy to replace it, or an empty one "
        "to drop it\n"
    ) in s3
    rds = out.split("## Controller `rds`")[1].split("## ")[0]
    assert (
        "| Permissions | managed `AmazonRDSFullAccess`; `ack-controller-policy` allows `rds:Describe*`, "
        "`rds:CreateDBInstance` |" in rds
    )
    assert "> ⚠️ the inline policy is given, but the recommended managed policies stay: `AmazonRDSFullAccess`" in rds
    document = json.loads(render(capsys, "--config-file", str(stack), "--format", "json")[1])
    assert [w["resource"] for w in document["warnings"]] == ["rds", "s3"]
