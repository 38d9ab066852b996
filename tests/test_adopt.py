"""``ack-irsa adopt``: what runs on a cluster taken over with nothing replaced.

AWS is moto in server mode (IAM, EKS, CloudFormation), or botocore's Stubber for EKS where moto has no Pod
Identity API; Kubernetes is recorded objects served over 127.0.0.1 to the real kubernetes client. For each
shape (the guide's hand-made state, eksctl's, terraform's, a Pod Identity association, a Helm release with an
annotated ServiceAccount): the stack file's plan holds only imports, its documents equal what exists, and the
second step renders the expected diff; bad or ambiguous states get their message.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

import boto3
import botocore.exceptions
import pytest
import yaml

from ack_irsa import catalog
from ack_irsa.commands import main as cli
from ack_irsa.iam.policies import issuer_host
from ack_irsa.review.adopt import equivalent

from .conftest import QUICK_SHUTDOWN, ROOT, empty_moto, moto_clients

REGION = "us-west-2"
ACCOUNT = "123456789012"  # moto's
GUIDE_DESCRIPTION = "IRSA role for ACK $SERVICE controller deployment on EKS cluster using Helm charts"
"""The guide quotes it in single quotes: ``$SERVICE`` is never expanded."""
S3_FULL = "arn:aws:iam::aws:policy/AmazonS3FullAccess"
RECORDED = "2026-11-02T09:12:44Z"


# --- AWS: moto ---------------------------------------------------------------------------------------------


@pytest.fixture
def aws(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    empty_moto(moto_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    iam, eks = moto_clients(moto_url)
    cloudformation = boto3.Session(region_name=REGION).client("cloudformation", endpoint_url=moto_url)
    cluster = eks.create_cluster(
        name="dev-eks", roleArn=f"arn:aws:iam::{ACCOUNT}:role/eks", resourcesVpcConfig={"subnetIds": []}
    )["cluster"]
    issuer = issuer_host(cluster["identity"]["oidc"]["issuer"])
    provider = iam.create_open_id_connect_provider(
        Url=f"https://{issuer}",
        ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"],
    )["OpenIDConnectProviderArn"]
    yield {
        "url": moto_url,
        "iam": iam,
        "eks": eks,
        "cloudformation": cloudformation,
        "issuer": issuer,
        "provider": provider,
    }
    empty_moto(moto_url)  # the stacks' roles go first: moto, as IAM, refuses a role with policies attached
    for stack in cloudformation.list_stacks()["StackSummaries"]:
        if stack["StackStatus"] != "DELETE_COMPLETE":
            with contextlib.suppress(botocore.exceptions.ClientError):  # the role it made is gone already
                cloudformation.delete_stack(StackName=stack["StackName"])


def guide_trust(
    aws: dict[str, Any], subject: str = "system:serviceaccount:ack-system:ack-s3-controller"
) -> dict[str, Any]:
    """The guide's TRUST_RELATIONSHIP, exactly: ``sub`` pinned, no ``aud``."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": aws["provider"]},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {f"{aws['issuer']}:sub": subject}},
            }
        ],
    }


def make_role(
    aws: dict[str, Any],
    name: str,
    trust: dict[str, Any],
    *,
    description: str | None = None,
    tags: dict[str, str] | None = None,
    attached: tuple[str, ...] = (S3_FULL,),
    inline: dict[str, dict[str, Any]] | None = None,
    path: str = "/",
) -> str:
    """A role as the guide's commands make it (create-role, attach-role-policy, put-role-policy)."""
    args: dict[str, Any] = {"RoleName": name, "Path": path, "AssumeRolePolicyDocument": json.dumps(trust, indent=2)}
    if description is not None:
        args["Description"] = description
    if tags:
        args["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    arn: str = aws["iam"].create_role(**args)["Role"]["Arn"]
    for policy in attached:
        aws["iam"].attach_role_policy(RoleName=name, PolicyArn=policy)
    for policy_name, document in (inline or {}).items():
        aws["iam"].put_role_policy(RoleName=name, PolicyName=policy_name, PolicyDocument=json.dumps(document))
    return arn


def guide_role(aws: dict[str, Any]) -> str:
    """Step 2 of the guide for s3, command by command."""
    return make_role(
        aws,
        "ack-s3-controller",
        guide_trust(aws),
        description=GUIDE_DESCRIPTION,
        inline={"ack-recommended-policy": dict(catalog.get("s3").inline_policy or {})},
    )


# --- Kubernetes: recorded objects ----------------------------------------------------------------------------


FORBIDDEN: list[dict[str, Any]] = [{"forbidden": True}]
"""Served as 403: what a reader without the right to list Secrets gets."""


class RecordedApi(BaseHTTPRequestHandler):
    """Answers the lists adopt makes (Deployments, ServiceAccounts, Secrets by label) from recorded objects."""

    objects: ClassVar[dict[str, list[dict[str, Any]]]] = {}

    def do_GET(self) -> None:
        url = urlparse(self.path)
        items = self.objects.get(url.path)
        if items == FORBIDDEN:
            body = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Forbidden", "code": 403}
            self._send(403, body)
            return
        if items is None:
            body = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404}
            self._send(404, body)
            return
        selector = parse_qs(url.query).get("labelSelector", [""])[0]
        wanted = dict(pair.split("=") for pair in selector.split(",") if pair)
        chosen = [i for i in items if wanted.items() <= (i["metadata"].get("labels") or {}).items()]
        self._send(200, {"apiVersion": "v1", "kind": "List", "metadata": {}, "items": chosen})

    def _send(self, code: int, body: dict[str, Any]) -> None:
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body).encode())

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def kubernetes(tmp_path: Path) -> Iterator[tuple[Path, dict[str, list[dict[str, Any]]]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordedApi)
    thread = threading.Thread(target=server.serve_forever, kwargs=QUICK_SHUTDOWN, daemon=True)
    thread.start()
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "recorded", "cluster": {"server": f"http://127.0.0.1:{server.server_port}"}}],
                "users": [{"name": "reader", "user": {"token": "recorded"}}],
                "contexts": [{"name": "recorded", "context": {"cluster": "recorded", "user": "reader"}}],
                "current-context": "recorded",
            }
        )
    )
    RecordedApi.objects = {}
    yield kubeconfig, RecordedApi.objects
    server.shutdown()
    server.server_close()


def chart_labels(service: str, release: str, version: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/instance": release,
        "app.kubernetes.io/managed-by": "Helm",
        "app.kubernetes.io/name": f"{service}-chart",
        "app.kubernetes.io/version": version,
        "helm.sh/chart": f"{service}-chart-{version}",
        "k8s-app": f"{service}-chart",
    }


def deployment(service: str = "s3", version: str = "1.10.0", account: str | None = None) -> dict[str, Any]:
    """The Deployment `helm install ack-<svc>-controller` makes, as `kubectl get -o json` shows it."""
    release = f"ack-{service}-controller"
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": f"{release}-{service}-chart",
            "namespace": "ack-system",
            "annotations": {"meta.helm.sh/release-name": release, "meta.helm.sh/release-namespace": "ack-system"},
            "labels": chart_labels(service, release, version),
            "creationTimestamp": RECORDED,
        },
        "spec": {
            "replicas": 1,
            "selector": {
                "matchLabels": {"app.kubernetes.io/instance": release, "app.kubernetes.io/name": f"{service}-chart"}
            },
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": f"{service}-chart"}},
                "spec": {
                    "serviceAccountName": account or release,
                    "containers": [
                        {
                            "name": "controller",
                            "image": f"public.ecr.aws/aws-controllers-k8s/{service}-controller:{version}",
                        }
                    ],
                },
            },
        },
    }


def service_account(
    name: str = "ack-s3-controller", role_arn: str | None = None, manager: str = "kubectl-annotate", service: str = "s3"
) -> dict[str, Any]:
    annotations = {
        "meta.helm.sh/release-name": f"ack-{service}-controller",
        "meta.helm.sh/release-namespace": "ack-system",
    }
    fields: list[dict[str, Any]] = [
        {
            "manager": "helm",
            "operation": "Update",
            "apiVersion": "v1",
            "time": RECORDED,
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:metadata": {"f:annotations": {"f:meta.helm.sh/release-name": {}}}},
        },
    ]
    if role_arn is not None:
        annotations["eks.amazonaws.com/role-arn"] = role_arn
        fields.append(
            {
                "manager": manager,
                "operation": "Update",
                "apiVersion": "v1",
                "time": RECORDED,
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:metadata": {"f:annotations": {"f:eks.amazonaws.com/role-arn": {}}}},
            }
        )
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {
            "name": name,
            "namespace": "ack-system",
            "annotations": annotations,
            "labels": chart_labels(service, f"ack-{service}-controller", "1.10.0"),
            "managedFields": fields,
            "creationTimestamp": RECORDED,
        },
    }


def release_secret(name: str = "ack-s3-controller", revision: int = 1, status: str = "deployed") -> dict[str, Any]:
    """Helm's record of a release: its payload (``data.release``) is never read, only these labels."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "helm.sh/release.v1",
        "metadata": {
            "name": f"sh.helm.release.v1.{name}.v{revision}",
            "namespace": "ack-system",
            "labels": {"owner": "helm", "name": name, "status": status, "version": str(revision)},
        },
        "data": {"release": "SDRzSUFBQUFBQUFBLzZxdUJRUUFBUC8vQUFBQS8vOD0="},
    }


def serve(objects: dict[str, list[dict[str, Any]]], *items: dict[str, Any]) -> None:
    paths = {
        "Deployment": "/apis/apps/v1/namespaces/ack-system/deployments",
        "ServiceAccount": "/api/v1/namespaces/ack-system/serviceaccounts",
        "Secret": "/api/v1/namespaces/ack-system/secrets",
    }
    for path in paths.values():
        objects.setdefault(path, [])
    for item in items:
        objects[paths[item["kind"]]].append(item)


# --- running adopt, rendering its stack file ----------------------------------------------------------------


def project(tmp_path: Path) -> Path:
    """A project directory with the repository's Pulumi.yaml, for adopt's stacks/ and render."""
    directory = tmp_path / "project"
    directory.mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", directory / "Pulumi.yaml")
    return directory


def adopt(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], kubeconfig: Path, directory: Path, *more: str
) -> tuple[int, dict[str, Any]]:
    code = cli(
        [
            "adopt",
            "--stack",
            "dev",
            "--cluster",
            "dev-eks",
            "--region",
            REGION,
            "--aws-endpoint-url",
            aws["url"],
            "--kubeconfig",
            str(kubeconfig),
            "--out-dir",
            str(directory / "stacks"),
            "--json",
            *more,
        ]
    )
    out = capsys.readouterr().out
    return code, json.loads(out)


def rendered(directory: Path, stack: str = "dev", issuer: str = "") -> dict[str, Any]:
    """``render --format json`` of the stack file adopt wrote, with the account and issuer a live account has."""
    import io
    from contextlib import redirect_stdout

    out = io.StringIO()
    with redirect_stdout(out):
        code = cli(
            [
                "render",
                "--stack",
                stack,
                "--project-dir",
                str(directory),
                "--format",
                "json",
                "--account-id",
                ACCOUNT,
                *(["--issuer-url", f"https://{issuer}"] if issuer else []),
            ]
        )
    assert code == 0
    return json.loads(out.getvalue())


def resources(plan: dict[str, Any], parent: str = "s3") -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in plan["resources"] if r["parent"] == parent}


def assert_only_imports(plan: dict[str, Any]) -> None:
    """The first step's plan: every resource is imported, nothing else is registered (no ServiceAccount, patch,
    restart, release or provider created)."""
    custom = [r for r in plan["resources"] if not r["type"].startswith("ack-irsa:")]
    assert custom, "the plan registers nothing"
    assert [r["name"] for r in custom if "import" not in r] == []


def assert_role_as_found(aws: dict[str, Any], plan: dict[str, Any], role_name: str, parent: str = "s3") -> None:
    """The plan's role, attachments and inline policy are what IAM holds."""
    found = aws["iam"].get_role(RoleName=role_name)["Role"]
    mine = resources(plan, parent)
    role = mine[f"{parent}-role"]["inputs"]
    assert role["name"] == found["RoleName"] and role.get("path", "/") == found["Path"]
    # As the AWS provider compares them (a one-item list is its item): the import shows no change.
    assert equivalent(json.loads(role["assumeRolePolicy"]), found["AssumeRolePolicyDocument"])
    assert (role.get("description") or "") == found.get("Description", "")  # none: moto says ""
    assert role["maxSessionDuration"] == found["MaxSessionDuration"]
    attached = {p["PolicyArn"] for p in aws["iam"].list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]}
    assert {r["inputs"]["policyArn"] for r in mine.values() if r["type"].endswith("RolePolicyAttachment")} == attached
    names = aws["iam"].list_role_policies(RoleName=role_name)["PolicyNames"]
    inline = [r["inputs"] for r in mine.values() if r["type"] == "aws:iam/rolePolicy:RolePolicy"]
    assert [i["name"] for i in inline] == names
    for put in inline:
        document = aws["iam"].get_role_policy(RoleName=role_name, PolicyName=put["name"])["PolicyDocument"]
        assert json.loads(put["policy"]) == document


def test_the_guides_hand_made_state(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], kubernetes: Any, tmp_path: Path
) -> None:
    kubeconfig, objects = kubernetes
    role_arn = guide_role(aws)
    serve(objects, deployment(), service_account(role_arn=role_arn), release_secret())
    directory = project(tmp_path)
    code, report = adopt(capsys, aws, kubeconfig, directory)
    assert code == 0, report
    written = directory / "stacks" / "Pulumi.dev.yaml"
    assert report["stackFile"] == str(written)
    config = yaml.safe_load(written.read_text())["config"]
    assert config == {
        "aws:region": REGION,
        "ack-irsa:clusterName": "dev-eks",
        "ack-irsa:oidcProviderArn": aws["provider"],
        "ack-irsa:controllers": [
            {
                "service": "s3",
                "serviceAccountMode": "none",
                "deploymentName": "",
                "roleName": "ack-s3-controller",
                "roleDescription": GUIDE_DESCRIPTION,
                "policyArns": [S3_FULL],
                "inlinePolicy": catalog.get("s3").inline_policy,
                "inlinePolicyName": "ack-recommended-policy",
                "trustPolicy": guide_trust(aws),
            }
        ],
        "ack-irsa:import": {
            "s3-AmazonS3FullAccess": f"ack-s3-controller/{S3_FULL}",
            "s3-inline": "ack-s3-controller:ack-recommended-policy",
            "s3-inline-policies": "ack-s3-controller",
            "s3-managed-policies": "ack-s3-controller",
            "s3-role": "ack-s3-controller",
        },
    }
    plan = rendered(directory)
    assert_only_imports(plan)
    assert_role_as_found(aws, plan, "ack-s3-controller")
    assert {r["name"]: r["import"] for r in plan["resources"] if "import" in r} == config["ack-irsa:import"]
    whats = [d["what"] for d in report["controllers"][0]["differences"]]
    assert f"the trust policy does not pin `{aws['issuer']}:aud`, so a token for any audience is accepted" in whats
    assert "the inline policy is named `ack-recommended-policy`, not `ack-controller-policy`" in whats
    assert "the policies are the catalog's" in whats
    assert report["refused"] == []
    # The guardrails hold the trust as found to account until step 2: check fails on it, as the report says.
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan))
    capsys.readouterr()
    assert cli(["check", "--plan-file", str(plan_file)]) == 1
    assert "irsa-trust-pins-sub-and-aud" in capsys.readouterr().out
    aud = next(d for d in report["controllers"][0]["differences"] if d["what"].startswith("the trust policy does not"))
    assert "`ack-irsa check` fails on it (rule `irsa-trust-pins-sub-and-aud`) until then" in aud["change"]


def converge(directory: Path, report: dict[str, Any]) -> tuple[int, str]:
    """Step 2: the converged config as the next pull request's stack file, diffed against step 1's."""
    import io
    from contextlib import redirect_stdout

    head = directory / "converged.yaml"
    head.write_text(yaml.safe_dump({"config": report["converged"]}, sort_keys=False))
    out = io.StringIO()
    with redirect_stdout(out):
        code = cli(
            [
                "diff",
                "--base-file",
                str(directory / "stacks" / "Pulumi.dev.yaml"),
                "--head-file",
                str(head),
                "--account-id",
                ACCOUNT,
            ]
        )
    return code, out.getvalue()


def test_the_guides_state_converges_in_a_second_step(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], kubernetes: Any, tmp_path: Path
) -> None:
    kubeconfig, objects = kubernetes
    role_arn = guide_role(aws)
    serve(objects, deployment(), service_account(role_arn=role_arn), release_secret())
    directory = project(tmp_path)
    code, report = adopt(capsys, aws, kubeconfig, directory)
    assert code == 0, report
    assert report["converged"] == {
        "aws:region": REGION,
        "ack-irsa:clusterName": "dev-eks",
        "ack-irsa:oidcProviderArn": aws["provider"],
        "ack-irsa:controllers": [{"service": "s3", "roleName": "ack-s3-controller"}],
    }
    code, diff = converge(directory, report)
    assert code == 2, diff
    assert f'+          "{aws["issuer"]}:aud": "sts.amazonaws.com"' in diff
    assert "#### `s3-inline` (`aws:iam/rolePolicy:RolePolicy`) — **replaced**" in diff
    assert '| `name` | `"ack-recommended-policy"` | `"ack-controller-policy"` |' in diff
    assert "**Controller `s3` restarts**" in diff
    assert "- `s3-service-account` (`kubernetes:core/v1:ServiceAccountPatch`) in `s3`" in diff
    assert "will be replaced" not in diff  # the role keeps its name and path: same ARN, no new credentials


def test_eksctl_roles_belong_to_a_cloudformation_stack(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], kubernetes: Any, tmp_path: Path
) -> None:
    """`eksctl create iamserviceaccount`: a role made by a stack, tagged by eksctl and CloudFormation; eksctl's
    trust pins sub and aud, so ack-irsa's own trust matches it and no trustPolicy is needed."""
    kubeconfig, objects = kubernetes
    stack = "eksctl-dev-eks-addon-iamserviceaccount-ack-system-ack-s3-controller"
    name = "eksctl-dev-eks-addon-iamserviceaccount-ack-Role1-1A2B3C4D5E6F"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": aws["provider"]},
                "Action": ["sts:AssumeRoleWithWebIdentity"],
                "Condition": {
                    "StringEquals": {
                        f"{aws['issuer']}:aud": "sts.amazonaws.com",
                        f"{aws['issuer']}:sub": "system:serviceaccount:ack-system:ack-s3-controller",
                    }
                },
            }
        ],
    }
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": 'IAM role for serviceaccount "ack-system/ack-s3-controller" [created and managed by eksctl]',
        "Resources": {
            "Role1": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": name, "AssumeRolePolicyDocument": trust}}
        },
    }
    aws["cloudformation"].create_stack(StackName=stack, TemplateBody=json.dumps(template))
    eksctl_tags = {
        "alpha.eksctl.io/cluster-name": "dev-eks",
        "alpha.eksctl.io/iamserviceaccount-name": "ack-system/ack-s3-controller",
        "alpha.eksctl.io/eksctl-version": "0.190.0",
        "eksctl.cluster.k8s.io/v1alpha1/cluster-name": "dev-eks",
    }
    cloudformation_tags = {"aws:cloudformation:stack-name": stack, "aws:cloudformation:logical-id": "Role1"}
    tags = eksctl_tags | cloudformation_tags  # the stack's tags, which CloudFormation puts on the role
    aws["iam"].tag_role(RoleName=name, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
    aws["iam"].attach_role_policy(RoleName=name, PolicyArn=S3_FULL)
    role_arn = aws["iam"].get_role(RoleName=name)["Role"]["Arn"]
    serve(objects, deployment(), service_account(role_arn=role_arn, manager="eksctl"), release_secret())
    directory = project(tmp_path)
    code, report = adopt(capsys, aws, kubeconfig, directory)
    assert code == 0, report
    entry = report["config"]["ack-irsa:controllers"][0]
    assert "trustPolicy" not in entry
    assert entry["tags"] == eksctl_tags  # aws:-tags are CloudFormation's own: IAM refuses them in a request
    assert entry["inlinePolicy"] == ""
    owners = report["controllers"][0]["owners"]
    assert len(owners) == 1
    assert f"aws cloudformation delete-stack --stack-name {stack} --retain-resources Role1" in owners[0]
    assert "logical ID Role1 (listed in the stack)" in owners[0]
    plan = rendered(directory)
    assert_only_imports(plan)
    assert_role_as_found(aws, plan, name)
    whats = [d["what"] for d in report["controllers"][0]["differences"]]
    assert "the inline policy is missing, so narrower than the catalog's" in whats


def test_terraform_module_roles(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], kubernetes: Any, tmp_path: Path
) -> None:
    """terraform-aws-modules' iam-role-for-service-accounts-eks: its trust (sub and aud with StringEquals, an
    empty Sid, from aws_iam_policy_document), two ServiceAccounts, the module's tags."""
    kubeconfig, objects = kubernetes
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "",
                "Effect": "Allow",
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Principal": {"Federated": aws["provider"]},
                "Condition": {
                    "StringEquals": {
                        f"{aws['issuer']}:sub": [
                            "system:serviceaccount:ack-system:ack-s3-controller",
                            "system:serviceaccount:team-a:ack-s3-controller",
                        ],
                        f"{aws['issuer']}:aud": "sts.amazonaws.com",
                    }
                },
            }
        ],
    }
    role_arn = make_role(
        aws, "s3-controller-irsa", trust, path="/ack/", tags={"Terraform": "true", "Environment": "dev"}
    )
    aws["iam"].update_role(RoleName="s3-controller-irsa", MaxSessionDuration=7200)
    serve(objects, deployment(), service_account(role_arn=role_arn, manager="terraform-provider-kubernetes"))
    directory = project(tmp_path)
    code, report = adopt(capsys, aws, kubeconfig, directory)
    assert code == 0, report
    entry = report["config"]["ack-irsa:controllers"][0]
    assert entry["extraServiceAccounts"] == ["team-a:ack-s3-controller"]
    assert "trustPolicy" not in entry  # ack-irsa's trust for both ServiceAccounts is the module's
    assert (entry["rolePath"], entry["maxSessionDuration"], entry["roleDescription"]) == ("/ack/", 7200, "")
    owners = report["controllers"][0]["owners"]
    assert owners and "terraform state rm" in owners[0] and "before step 1's `pulumi up`" in owners[0]
    assert report["converged"]["ack-irsa:controllers"][0]["extraServiceAccounts"] == ["team-a:ack-s3-controller"]
    plan = rendered(directory)
    assert_only_imports(plan)
    assert_role_as_found(aws, plan, "s3-controller-irsa")
    assert resources(plan)["s3-role"]["inputs"].get("description") is None  # the module's role has none


# --- EKS Pod Identity: moto has no Pod Identity API, so EKS is botocore's Stubber (every request and response
# checked against the service model); IAM and CloudFormation are moto; Kubernetes the recorded objects ---------

ASSOCIATION = "a-0123456789abcdef0"


def stubbed_eks(aws: dict[str, Any], role_arn: str, tags: dict[str, str] | None = None) -> Any:
    from botocore.stub import Stubber

    eks = boto3.Session(region_name=REGION).client("eks")
    stubber = Stubber(eks)
    cluster = aws["eks"].describe_cluster(name="dev-eks")["cluster"]
    stubber.add_response("describe_cluster", {"cluster": cluster}, {"name": "dev-eks"})
    summary = {
        "clusterName": "dev-eks",
        "namespace": "ack-system",
        "serviceAccount": "ack-s3-controller",
        "associationId": ASSOCIATION,
        "associationArn": f"arn:aws:eks:{REGION}:{ACCOUNT}:podidentityassociation/dev-eks/{ASSOCIATION}",
    }
    stubber.add_response("list_pod_identity_associations", {"associations": [summary]}, {"clusterName": "dev-eks"})
    stubber.add_response(
        "describe_pod_identity_association",
        {"association": {**summary, "roleArn": role_arn, "tags": tags or {}}},
        {"clusterName": "dev-eks", "associationId": ASSOCIATION},
    )
    stubber.activate()
    return eks


def read_cluster(aws: dict[str, Any], eks: Any, kubeconfig: Path) -> Any:
    from argparse import Namespace

    from ack_irsa.commands.adopt import _kubernetes
    from ack_irsa.live.adopt import AdoptAws
    from ack_irsa.review import adopt as review

    clients = AdoptAws(eks, aws["iam"], aws["cloudformation"])
    kubernetes = _kubernetes(Namespace(kubeconfig=str(kubeconfig), context=None))
    return review.read(clients, kubernetes, "dev-eks", ["ack-system"], REGION)


def test_a_pod_identity_association(aws: dict[str, Any], kubernetes: Any, tmp_path: Path) -> None:
    """The EKS user guide's Pod Identity role (its trust pins no session tags) and its association."""
    from ack_irsa.review import adopt as review

    kubeconfig, objects = kubernetes
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "pods.eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            }
        ],
    }
    role_arn = make_role(aws, "ack-s3-pod-identity", trust, description="ACK s3 on Pod Identity")
    serve(objects, deployment(), service_account(), release_secret())
    found = read_cluster(aws, stubbed_eks(aws, role_arn), kubeconfig)
    adoption = review.take_over(found, "dev")
    assert adoption.refused == []
    assert adoption.config["ack-irsa:controllers"] == [
        {
            "service": "s3",
            "identity": "podIdentity",
            "deploymentName": "",
            "roleName": "ack-s3-pod-identity",
            "roleDescription": "ACK s3 on Pod Identity",
            "policyArns": [S3_FULL],
            "inlinePolicy": "",
            "trustPolicy": trust,
        }
    ]
    assert "ack-irsa:oidcProviderArn" not in adoption.config  # Pod Identity needs no OIDC provider
    assert adoption.config["ack-irsa:import"]["s3-pod-identity"] == f"dev-eks,{ASSOCIATION}"
    directory = project(tmp_path)
    (directory / "stacks").mkdir()
    (directory / "stacks" / "Pulumi.dev.yaml").write_text(review.stack_file(adoption))
    plan = rendered(directory)
    assert_only_imports(plan)
    assert_role_as_found(aws, plan, "ack-s3-pod-identity")
    association = resources(plan)["s3-pod-identity"]
    assert association["inputs"] == {
        "clusterName": "dev-eks",
        "namespace": "ack-system",
        "serviceAccount": "ack-s3-controller",
        "roleArn": role_arn,
    }
    assert association["import"] == f"dev-eks,{ASSOCIATION}"
    assert "s3-service-account" not in resources(plan)  # Pod Identity: the ServiceAccount is left alone
    whats = [d.what for d in adoption.controllers[0].differences]
    assert (
        "the Pod Identity trust pins no session tags: any Pod Identity association in the account may use the role"
        in whats
    )
    code, diff = converge(directory, {"converged": adoption.converged})
    assert code == 2
    assert '+          "aws:RequestTag/kubernetes-service-account": "ack-s3-controller",' in diff
    assert "**Controller `s3` restarts**" in diff


def test_an_association_tagged_otherwise_than_its_role_is_refused(aws: dict[str, Any], kubernetes: Any) -> None:
    from ack_irsa.review import adopt as review

    kubeconfig, objects = kubernetes
    statement = {"Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"}, "Action": ["sts:AssumeRole"]}
    trust = {"Version": "2012-10-17", "Statement": [statement]}
    role_arn = make_role(aws, "ack-s3-pod-identity", trust)
    serve(objects, deployment(), service_account())
    found = read_cluster(aws, stubbed_eks(aws, role_arn, tags={"team": "data"}), kubeconfig)
    adoption = review.take_over(found, "dev")
    assert [r.reason for r in adoption.refused] == [
        "the Pod Identity association a-0123456789abcdef0 is tagged {'team': 'data'}, its role {}: ack-irsa tags "
        "the association as the role, so the import would change its tags; tag them alike first"
    ]


# --- a Helm release whose values annotate the ServiceAccount ---------------------------------------------------


def test_a_helm_release_with_an_annotated_service_account(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], kubernetes: Any, tmp_path: Path
) -> None:
    """`helm install ... --set serviceAccount.annotations...`: the chart annotated the ServiceAccount; the
    release (revision 3) stays Helm's in step 1; its name and chart version are what step 2's install names."""
    kubeconfig, objects = kubernetes
    role_arn = make_role(
        aws,
        "ack-s3-controller",
        guide_trust(aws),
        inline={"ack-recommended-policy": dict(catalog.get("s3").inline_policy or {})},
    )
    serve(
        objects,
        deployment(version="1.9.2"),
        service_account(role_arn=role_arn, manager="helm"),
        release_secret(revision=2, status="superseded"),
        release_secret(revision=3),
        release_secret("another-release", revision=1),
    )
    directory = project(tmp_path)
    code, report = adopt(capsys, aws, kubeconfig, directory)
    assert code == 0, report
    differences = {d["what"]: d["change"] for d in report["controllers"][0]["differences"]}
    release = (
        "the controller was installed by Helm: release `ack-system/ack-s3-controller` (revision 3, deployed, chart "
        "`s3-chart-1.9.2`), left to Helm in step 1"
    )
    assert release in differences
    assert "install: {releaseName: ack-s3-controller, version: 1.9.2}" in differences[release]
    plan = rendered(directory)
    assert_only_imports(plan)
    assert "s3-release" not in resources(plan)
    assert_role_as_found(aws, plan, "ack-s3-controller")


# --- refused, and why -----------------------------------------------------------------------------------------


def test_bad_and_ambiguous_states_are_refused_with_their_reason(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], kubernetes: Any, tmp_path: Path
) -> None:
    """A ServiceAccount annotated with a role in another account; a role trusted by another principal too; two
    controllers on one role. Each is left out, and the one controller that can be taken over is."""
    kubeconfig, objects = kubernetes
    shared = make_role(aws, "ack-shared", guide_trust(aws), attached=())
    widened = guide_trust(aws, "system:serviceaccount:ack-system:ack-dynamodb-controller")
    widened["Statement"].append(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "sts:AssumeRole"}
    )
    dynamodb = make_role(aws, "ack-dynamodb-controller", widened, attached=())
    s3 = guide_role(aws)
    serve(
        objects,
        deployment("s3"),
        service_account("ack-s3-controller", s3),
        deployment("rds"),
        service_account("ack-rds-controller", shared, service="rds"),
        deployment("ec2"),
        service_account("ack-ec2-controller", shared, service="ec2"),
        deployment("dynamodb"),
        service_account("ack-dynamodb-controller", dynamodb, service="dynamodb"),
        deployment("sqs"),
        service_account("ack-sqs-controller", "arn:aws:iam::444455556666:role/ack-sqs-controller", service="sqs"),
        deployment("sns"),
        service_account("ack-sns-controller", service="sns"),
    )
    directory = project(tmp_path)
    code, report = adopt(capsys, aws, kubeconfig, directory)
    assert code == 1  # written for s3; the refusals make the exit code say so
    assert [c["service"] for c in report["controllers"]] == ["s3"]
    refused = {r["controller"]: r["reason"] for r in report["refused"]}
    assert refused == {
        "sqs ack-system/ack-sqs-controller": (
            "the ServiceAccount is annotated with arn:aws:iam::444455556666:role/ack-sqs-controller, a role in "
            f"account 444455556666, not the cluster's account {ACCOUNT}: ack-irsa makes and takes over roles in the "
            "cluster's account only (a role in another account is a cross-account target: crossAccount); leave "
            f"this controller out, or give it a role in {ACCOUNT}"
        ),
        "sns ack-system/ack-sns-controller": (
            "no identity to take over: the ServiceAccount has no eks.amazonaws.com/role-arn annotation and no Pod "
            "Identity association; add `- service: sns` to the stack in a later pull request and ack-irsa makes "
            "its role"
        ),
        "dynamodb ack-system/ack-dynamodb-controller": (
            'the role ack-dynamodb-controller is also trusted by {"AWS": "arn:aws:iam::999988887777:root"} '
            "(sts:AssumeRole, statement 1): ack-irsa's trust admits ServiceAccounts only, so taking the role over "
            "would drop that principal at step 2; remove the statement by hand first, or keep this role outside "
            "ack-irsa"
        ),
        "ec2 ack-system/ack-ec2-controller": (
            "the role ack-shared is the role of rds ack-system/ack-rds-controller too: each controller needs a "
            "role of its own (ack-irsa claims a role's policies exclusively, so one entry would remove the "
            "other's); give one of them a role of its own first, then run adopt again"
        ),
        "rds ack-system/ack-rds-controller": (
            "the role ack-shared is the role of ec2 ack-system/ack-ec2-controller too: each controller needs a "
            "role of its own (ack-irsa claims a role's policies exclusively, so one entry would remove the "
            "other's); give one of them a role of its own first, then run adopt again"
        ),
    }
    written = yaml.safe_load((directory / "stacks" / "Pulumi.dev.yaml").read_text())["config"]
    assert [c["service"] for c in written["ack-irsa:controllers"]] == ["s3"]


def test_nothing_to_take_over_writes_nothing(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], kubernetes: Any, tmp_path: Path
) -> None:
    kubeconfig, objects = kubernetes
    serve(objects, deployment("sns"), service_account("ack-sns-controller", service="sns"))
    directory = project(tmp_path)
    code, report = adopt(capsys, aws, kubeconfig, directory)
    assert code == 1
    assert report["stackFile"] is None and report["controllers"] == []
    assert not (directory / "stacks").exists()


def test_an_existing_stack_file_is_never_overwritten(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], kubernetes: Any, tmp_path: Path
) -> None:
    kubeconfig, objects = kubernetes
    serve(objects, deployment(), service_account(role_arn=guide_role(aws)))
    directory = project(tmp_path)
    (directory / "stacks").mkdir()
    existing = directory / "stacks" / "Pulumi.dev.yaml"
    existing.write_text("config: {}\n")
    code = cli(
        ["adopt", "--stack", "dev", "--cluster", "dev-eks", "--region", REGION, "--aws-endpoint-url", aws["url"],
         "--kubeconfig", str(kubeconfig), "--out-dir", str(directory / "stacks")]
    )  # fmt: skip
    assert code == 1
    assert capsys.readouterr().err == (
        f"error: {existing} exists already; adopt never overwrites a stack file: choose another --stack, or move it\n"
    )
    assert existing.read_text() == "config: {}\n"


def test_a_wrong_cluster_and_a_bad_stack_name(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], kubernetes: Any, tmp_path: Path
) -> None:
    kubeconfig, _ = kubernetes
    base = ["adopt", "--region", REGION, "--aws-endpoint-url", aws["url"], "--kubeconfig", str(kubeconfig)]
    assert cli([*base, "--stack", "dev", "--cluster", "prod-eks", "--out-dir", str(tmp_path)]) == 1
    assert capsys.readouterr().err == "error: no EKS cluster 'prod-eks' in this account and region (check --region)\n"
    assert cli([*base, "--stack", "../dev", "--cluster", "dev-eks"]) == 1
    assert "is not a stack name" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [kubeconfig]


# --- the stack program's side: ack-irsa:import, checked before anything; the values a role keeps ---------------

PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"


def stack(**imports: str) -> dict[str, Any]:
    return {
        "aws:region": REGION,
        "ack-irsa:oidcProviderArn": PROVIDER,
        "ack-irsa:controllers": [
            {
                "service": "s3",
                "roleName": "ack-s3-controller",
                "inlinePolicyName": "ack-recommended-policy",
                "serviceAccountMode": "none",
            }
        ],
        "ack-irsa:import": imports,
    }


def test_imports_name_the_stacks_resources_with_the_ids_they_would_have() -> None:
    from ack_irsa.stack.config import ConfigError, parse

    with pytest.raises(ConfigError) as raised:
        parse(
            stack(
                **{
                    "s3-rol": "ack-s3-controller",
                    "s3-inline": "ack-s3-controller:ack-controller-policy",
                    "s3-AmazonS3FullAccess": "ack-s3-controller/arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
                }
            )
        )
    assert raised.value.problems == [
        "ack-irsa:import.s3-rol: no resource of this stack that can be imported has this name; did you mean 's3-role'?",
        "ack-irsa:import.s3-inline: the import ID of this resource is 'ack-s3-controller:ack-recommended-policy' "
        "(from the controller's config), got 'ack-s3-controller:ack-controller-policy'",
        "ack-irsa:import.s3-AmazonS3FullAccess: the import ID of this resource is "
        "'ack-s3-controller/arn:aws:iam::aws:policy/AmazonS3FullAccess' (from the controller's config), got "
        "'ack-s3-controller/arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'",
    ]
    unnamed = stack(**{"s3-role": "ack-s3-controller"})
    del unnamed["ack-irsa:controllers"][0]["roleName"]
    with pytest.raises(ConfigError) as raised:
        parse(unnamed)
    assert raised.value.problems == [
        "ack-irsa:import.s3-role: give the controller a roleName, the name of the role to import"
    ]


def test_an_import_reaches_pulumi_as_its_import_option() -> None:
    """Under the mocks, the engine receives the ID (``importId``) for exactly the resources named."""
    from ack_irsa.review import offline
    from ack_irsa.stack import program

    config = stack(**{"s3-role": "ack-s3-controller", "s3-inline": "ack-s3-controller:ack-recommended-policy"})
    facts = offline.Facts(account_id=ACCOUNT, region=REGION)
    result = offline.run(program.main, offline.OfflineMocks(facts), config)
    imported = {r.name: r.import_id for r in result.resources if r.import_id}
    assert imported == {"s3-role": "ack-s3-controller", "s3-inline": "ack-s3-controller:ack-recommended-policy"}
    assert result.named("s3-inline").inputs["name"] == "ack-recommended-policy"


def test_a_trust_policy_given_as_found_is_checked() -> None:
    from ack_irsa.stack.config import ConfigError, parse

    bad = stack()
    bad["ack-irsa:controllers"][0] |= {
        "trustPolicy": {"Statement": [{"Effect": "Alow", "Action": "sts:AssumeRole"}]},
        "inlinePolicyName": "ack cross",
        "roleDescription": "tab\u0000",
    }
    with pytest.raises(ConfigError) as raised:
        parse(bad)
    assert raised.value.problems == [
        "ack-irsa:controllers[0].trustPolicy.Statement[0].Effect: must be 'Allow' or 'Deny', got 'Alow'",
        "ack-irsa:controllers[0].trustPolicy.Statement[0]: names no Principal: a trust policy says who may assume "
        "the role",
        "ack-irsa:controllers[0].inlinePolicyName: must be 1 to 128 of A-Z a-z 0-9 +=,.@_-, got 'ack cross'",
        "ack-irsa:controllers[0].roleDescription: must be at most 1,000 printable Latin-1 characters, got 'tab\\x00'",
    ]


def test_the_markdown_report_for_the_pull_request_and_two_namespaces(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], kubernetes: Any, tmp_path: Path
) -> None:
    """The same service in two namespaces (``--namespace`` twice): each gets a logical name of its own."""
    kubeconfig, objects = kubernetes
    team = make_role(aws, "team-a-s3", guide_trust(aws, "system:serviceaccount:team-a:ack-s3-controller"))
    serve(objects, deployment(), service_account(role_arn=guide_role(aws)))
    moved = deployment()
    moved["metadata"]["namespace"] = "team-a"
    account = service_account(role_arn=team)
    account["metadata"]["namespace"] = "team-a"
    objects["/apis/apps/v1/namespaces/team-a/deployments"] = [moved]
    objects["/api/v1/namespaces/team-a/serviceaccounts"] = [account]
    objects["/api/v1/namespaces/team-a/secrets"] = []
    directory = project(tmp_path)
    code = cli(
        ["adopt", "--stack", "dev", "--cluster", "dev-eks", "--region", REGION, "--aws-endpoint-url", aws["url"],
         "--kubeconfig", str(kubeconfig), "--out-dir", str(directory / "stacks"), "--namespace", "ack-system",
         "--namespace", "team-a"]
    )  # fmt: skip
    report = capsys.readouterr().out
    assert code == 0
    assert report.startswith("# ack-irsa adopt: stack `dev`, cluster `dev-eks`\n")
    assert "## Step 1: take over as it is (this pull request)\n" in report
    assert "| `s3-ack-system-role` | `aws:iam/role:Role` | `ack-s3-controller` |" in report
    assert "| `s3-team-a-role` | `aws:iam/role:Role` | `team-a-s3` |" in report
    assert "### `s3-team-a` (team-a/ack-s3-controller, role `team-a-s3`)" in report
    assert "## Step 2: converge to ack-irsa's defaults (the next pull request)\n" in report
    entries = yaml.safe_load((directory / "stacks" / "Pulumi.dev.yaml").read_text())["config"]["ack-irsa:controllers"]
    assert [(e.get("name"), e.get("namespace")) for e in entries] == [("s3-ack-system", None), ("s3-team-a", "team-a")]
    plan = rendered(directory)
    assert_only_imports(plan)
    assert_role_as_found(aws, plan, "team-a-s3", parent="s3-team-a")


def test_a_cluster_that_cannot_be_read(capsys: pytest.CaptureFixture[str], aws: dict[str, Any], tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "gone", "cluster": {"server": "http://127.0.0.1:9"}}],
                "users": [{"name": "reader", "user": {"token": "recorded"}}],
                "contexts": [{"name": "gone", "context": {"cluster": "gone", "user": "reader"}}],
                "current-context": "gone",
            }
        )
    )
    code = cli(
        ["adopt", "--stack", "dev", "--cluster", "dev-eks", "--region", REGION, "--aws-endpoint-url", aws["url"],
         "--kubeconfig", str(kubeconfig), "--out-dir", str(tmp_path / "stacks")]
    )  # fmt: skip
    assert code == 1
    assert capsys.readouterr().err.startswith("error: cannot read the cluster (")
    assert not (tmp_path / "stacks").exists()


def test_releases_are_left_out_where_secrets_may_not_be_listed(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], kubernetes: Any, tmp_path: Path
) -> None:
    kubeconfig, objects = kubernetes
    serve(objects, deployment(), service_account(role_arn=guide_role(aws)))
    objects["/api/v1/namespaces/ack-system/secrets"] = FORBIDDEN
    code, report = adopt(capsys, aws, kubeconfig, project(tmp_path))
    assert code == 0
    assert (
        "the Helm releases in ack-system could not be listed (reading Secrets is forbidden): releases are not reported"
    ) in report["notes"]
    assert [c["service"] for c in report["controllers"]] == ["s3"]
