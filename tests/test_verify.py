"""``python -m ack_irsa verify``: the AWS side against moto's server, the Kubernetes side against recorded
API objects served to the real kubernetes client, both on 127.0.0.1."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

import boto3
import pytest

from ack_irsa import catalog
from ack_irsa.commands import main as cli
from ack_irsa.iam.limits import default_role_name
from ack_irsa.iam.policies import issuer_host
from ack_irsa.iam.trust import TrustedIssuer, irsa_trust_policy
from ack_irsa.live.aws import Provider, trust_problem

from .conftest import POD_IDENTITY_STATEMENT, QUICK_SHUTDOWN, empty_moto, moto_clients

FIXTURES = Path(__file__).parent / "fixtures" / "kubernetes"
REGION = "us-west-2"
SUBJECT = "system:serviceaccount:ack-system:ack-s3-controller"


@pytest.fixture
def aws(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Empty moto accounts and clients; credentials that only moto accepts."""
    empty_moto(moto_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    iam, eks = moto_clients(moto_url)
    return {"url": moto_url, "eks": eks, "iam": iam}


def account(
    aws: dict[str, Any],
    *,
    audiences: tuple[str, ...] = ("sts.amazonaws.com",),
    provider: bool = True,
    subject: str = SUBJECT,
    pin_aud: bool = True,
    attach: bool = True,
    inline: bool = True,
) -> dict[str, str]:
    """An account set up as ack-irsa would for the s3 controller on dev-eks, with the given defects."""
    cluster = aws["eks"].create_cluster(
        name="dev-eks", roleArn="arn:aws:iam::123456789012:role/eks", resourcesVpcConfig={"subnetIds": []}
    )["cluster"]
    issuer = issuer_host(cluster["identity"]["oidc"]["issuer"])
    provider_arn = f"arn:aws:iam::123456789012:oidc-provider/{issuer}"
    if provider:
        provider_arn = aws["iam"].create_open_id_connect_provider(
            Url=f"https://{issuer}",
            ClientIDList=list(audiences),
            ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"],
        )["OpenIDConnectProviderArn"]
    trust = irsa_trust_policy([TrustedIssuer(provider_arn, issuer, (subject,))])
    if not pin_aud:
        del trust["Statement"][0]["Condition"]["StringEquals"][f"{issuer}:aud"]
    role_name = default_role_name("s3", issuer, "ack-system", "ack-s3-controller", "dev-eks")
    role_arn = aws["iam"].create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    if attach:
        aws["iam"].attach_role_policy(RoleName=role_name, PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
    if inline:
        document = json.dumps(catalog.get("s3").inline_policy)
        aws["iam"].put_role_policy(RoleName=role_name, PolicyName="ack-controller-policy", PolicyDocument=document)
    return {"issuer": issuer, "provider_arn": provider_arn, "role_name": role_name, "role_arn": role_arn}


def verify(capsys: pytest.CaptureFixture[str], aws: dict[str, Any], *args: str) -> tuple[int, dict[str, Any]]:
    base = ["verify", "--region", REGION, "--aws-endpoint-url", aws["url"], "--json"]
    code = cli([*base, *args])
    out = capsys.readouterr().out
    return code, json.loads(out)


def checks(report: dict[str, Any], controller: str = "s3") -> dict[str, tuple[str, str]]:
    found = {c["name"]: (c["status"], c["detail"]) for c in report["cluster"]}
    found |= {c["name"]: (c["status"], c["detail"]) for c in report["controllers"][controller]}
    return found


def aws_only(capsys: pytest.CaptureFixture[str], aws: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return verify(capsys, aws, "--cluster", "dev-eks", "--service", "s3", "--skip-kubernetes")


def test_aws_side_all_good(capsys: pytest.CaptureFixture[str], aws: dict[str, Any]) -> None:
    facts = account(aws)
    code, report = aws_only(capsys, aws)
    assert code == 0
    assert report["passed"] is True
    assert checks(report) == {
        "cluster": ("pass", f"dev-eks has issuer https://{facts['issuer']}"),
        "oidc-provider": ("pass", f"{facts['provider_arn']} lists sts.amazonaws.com"),
        "role-trust": ("pass", f"{facts['role_name']} admits exactly {SUBJECT} with aud sts.amazonaws.com"),
        "role-settings": ("pass", "path /, sessions up to 3600 s, no boundary, no tags, as planned"),
        "managed-policies": ("pass", "1 expected attached, nothing else"),
        "inline-policy": ("pass", "ack-controller-policy holds the expected document"),
        "service-account": ("skipped", "--skip-kubernetes"),
        "pods": ("skipped", "--skip-kubernetes"),
    }


def test_no_provider(capsys: pytest.CaptureFixture[str], aws: dict[str, Any]) -> None:
    facts = account(aws, provider=False)
    code, report = aws_only(capsys, aws)
    assert code == 1
    assert checks(report)["oidc-provider"] == ("fail", f"no IAM OIDC provider for {facts['issuer']}")
    assert checks(report)["role-trust"] == ("skipped", "needs the cluster's OIDC provider")


def test_provider_without_the_audience(capsys: pytest.CaptureFixture[str], aws: dict[str, Any]) -> None:
    facts = account(aws, audiences=("my-app",))
    code, report = aws_only(capsys, aws)
    assert code == 1
    assert checks(report)["oidc-provider"] == (
        "fail",
        f"{facts['provider_arn']} lists audiences ['my-app'], not sts.amazonaws.com",
    )
    fix = next(c["fix"] for c in report["cluster"] if c["name"] == "oidc-provider")
    assert fix.startswith("aws iam add-client-id-to-open-id-connect-provider")


def test_trust_policy_with_a_wrong_subject(capsys: pytest.CaptureFixture[str], aws: dict[str, Any]) -> None:
    facts = account(aws, subject="system:serviceaccount:default:ack-s3-controller")
    code, report = aws_only(capsys, aws)
    assert code == 1
    assert checks(report)["role-trust"] == (
        "fail",
        f"{facts['role_name']}: the trust policy admits ['system:serviceaccount:default:ack-s3-controller'], "
        f"not ['{SUBJECT}']",
    )


def test_trust_policy_without_aud(capsys: pytest.CaptureFixture[str], aws: dict[str, Any]) -> None:
    facts = account(aws, pin_aud=False)
    code, report = aws_only(capsys, aws)
    assert code == 1
    assert checks(report)["role-trust"] == (
        "fail",
        f"{facts['role_name']}: the trust policy does not pin {facts['issuer']}:aud, "
        "so a token for any audience is accepted",
    )


def test_a_missing_attachment(capsys: pytest.CaptureFixture[str], aws: dict[str, Any]) -> None:
    account(aws, attach=False)
    code, report = aws_only(capsys, aws)
    assert code == 1
    assert checks(report)["managed-policies"] == ("fail", "not attached: arn:aws:iam::aws:policy/AmazonS3FullAccess")
    assert checks(report)["inline-policy"][0] == "pass"


def test_a_missing_inline_policy(capsys: pytest.CaptureFixture[str], aws: dict[str, Any]) -> None:
    account(aws, inline=False)
    code, report = aws_only(capsys, aws)
    assert code == 1
    assert checks(report)["inline-policy"] == ("fail", "no inline policy ack-controller-policy")


# --- drift: what someone added by hand fails, every trust statement is evaluated ----------------------------


def trust_of(aws: dict[str, Any], role_name: str) -> dict[str, Any]:
    document: dict[str, Any] = aws["iam"].get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    return document  # boto3 decodes it


def test_a_policy_attached_by_hand_fails(capsys: pytest.CaptureFixture[str], aws: dict[str, Any]) -> None:
    facts = account(aws)
    # a narrow extra; a broad one is a widening (test_verify_widened)
    readonly = "arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess"
    aws["iam"].attach_role_policy(RoleName=facts["role_name"], PolicyArn=readonly)
    code, report = aws_only(capsys, aws)
    assert code == 1
    assert checks(report)["managed-policies"] == ("fail", f"attached, but not asked for by the stack: {readonly}")
    fix = next(c["fix"] for c in report["controllers"]["s3"] if c["name"] == "managed-policies")
    assert fix.startswith("pulumi up --refresh removes them")


def test_an_inline_policy_put_by_hand_fails(capsys: pytest.CaptureFixture[str], aws: dict[str, Any]) -> None:
    facts = account(aws)
    narrow = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:ListQueues", "Resource": "*"}]}
    aws["iam"].put_role_policy(RoleName=facts["role_name"], PolicyName="debug", PolicyDocument=json.dumps(narrow))
    code, report = aws_only(capsys, aws)
    assert code == 1
    assert checks(report)["inline-policy"] == ("fail", "inline policies the stack did not ask for: debug")


def test_a_changed_inline_policy_fails(capsys: pytest.CaptureFixture[str], aws: dict[str, Any]) -> None:
    facts = account(aws)
    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    aws["iam"].put_role_policy(
        RoleName=facts["role_name"], PolicyName="ack-controller-policy", PolicyDocument=json.dumps(everything)
    )
    code, report = aws_only(capsys, aws)
    assert (code, checks(report)["inline-policy"]) == (1, ("fail", "ack-controller-policy differs from the stack's"))


def test_a_second_trust_statement_fails_even_after_a_good_one(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any]
) -> None:
    facts = account(aws)
    trust = trust_of(aws, facts["role_name"])
    trust["Statement"].append(
        {
            "Effect": "Allow",
            "Principal": {"Federated": facts["provider_arn"]},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringLike": {f"{facts['issuer']}:sub": "system:serviceaccount:*:*"}},
        }
    )
    trust["Statement"].append({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})
    aws["iam"].update_assume_role_policy(RoleName=facts["role_name"], PolicyDocument=json.dumps(trust))
    code, report = aws_only(capsys, aws)
    assert code == 1
    assert checks(report)["role-trust"] == (
        "fail",
        f"{facts['role_name']}: statement 1: the trust policy does not pin {facts['issuer']}:aud, so a token for any "
        'audience is accepted; statement 2 allows {"AWS": "*"} to sts:AssumeRole, which the stack did not ask for',
    )


def test_allow_extra_turns_what_was_added_into_warnings(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any]
) -> None:
    facts = account(aws)
    aws["iam"].attach_role_policy(RoleName=facts["role_name"], PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    trust = trust_of(aws, facts["role_name"])
    trust["Statement"].append(
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    )
    aws["iam"].update_assume_role_policy(RoleName=facts["role_name"], PolicyDocument=json.dumps(trust))
    code, report = verify(capsys, aws, "--cluster", "dev-eks", "--service", "s3", "--skip-kubernetes", "--allow-extra")
    assert code == 0
    assert checks(report)["managed-policies"] == (
        "warn",
        "attached, but not asked for by the stack: arn:aws:iam::aws:policy/ReadOnlyAccess (allowed by --allow-extra)",
    )
    status, detail = checks(report)["role-trust"]
    assert status == "warn"
    assert detail.endswith(
        'also: statement 1 allows {"Service": "ec2.amazonaws.com"} to sts:AssumeRole, which the stack did not ask '
        "for (allowed by --allow-extra)"
    )


def test_allow_extra_never_excuses_a_wrong_statement(capsys: pytest.CaptureFixture[str], aws: dict[str, Any]) -> None:
    account(aws, pin_aud=False)
    code, report = verify(capsys, aws, "--cluster", "dev-eks", "--service", "s3", "--skip-kubernetes", "--allow-extra")
    assert code == 1
    assert checks(report)["role-trust"][0] == "fail"


def test_no_role_and_no_cluster(capsys: pytest.CaptureFixture[str], aws: dict[str, Any]) -> None:
    code, report = verify(capsys, aws, "--cluster", "other", "--service", "s3", "--skip-kubernetes")
    assert code == 1
    assert checks(report)["cluster"] == ("fail", "no EKS cluster 'other' in this account and region")
    assert checks(report)["oidc-provider"] == ("skipped", "needs the cluster's issuer")


def test_the_table(capsys: pytest.CaptureFixture[str], aws: dict[str, Any]) -> None:
    account(aws, attach=False)
    base = ["verify", "--region", REGION, "--aws-endpoint-url", aws["url"], "--cluster", "dev-eks", "--service", "s3"]
    assert cli([*base, "--skip-kubernetes"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["CHECK", "RESULT", "DETAIL"]
    assert lines[1].split()[:2] == ["cluster", "pass"]
    row = next(i for i, line in enumerate(lines) if line.startswith("s3 managed-policies"))
    assert lines[row].split()[2:] == ["fail", "not", "attached:", "arn:aws:iam::aws:policy/AmazonS3FullAccess"]
    assert lines[row + 1].split() == ["fix:", "pulumi", "up", "the", "stack"]
    assert lines[-1] == "some checks failed"


def test_every_controller_of_a_stack(capsys: pytest.CaptureFixture[str], aws: dict[str, Any], tmp_path: Path) -> None:
    account(aws)
    (tmp_path / "stacks").mkdir()
    (tmp_path / "Pulumi.yaml").write_text("name: ack-irsa\nruntime: python\nstackConfigDir: stacks\n")
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text(
        "config:\n  aws:region: us-west-2\n  ack-irsa:clusterName: dev-eks\n"
        "  ack-irsa:controllers:\n    - service: s3\n    - service: rds\n"
    )
    code, report = verify(capsys, aws, "--stack", "dev", "--project-dir", str(tmp_path), "--skip-kubernetes")
    assert code == 1
    assert checks(report, "s3")["role-trust"][0] == "pass"
    assert checks(report, "rds")["role-trust"][0] == "fail"  # rds was never deployed
    assert checks(report, "rds")["role-trust"][1].startswith("no role 'ack-rds-dev-eks-")


def test_bad_arguments(capsys: pytest.CaptureFixture[str], aws: dict[str, Any]) -> None:
    assert cli(["verify", "--cluster", "dev-eks", "--aws-endpoint-url", aws["url"]]) == 1
    assert capsys.readouterr().err == "error: --cluster needs --service, the ACK service name (e.g. s3)\n"
    assert cli(["verify", "--cluster", "dev-eks", "--service", "s4", "--aws-endpoint-url", aws["url"]]) == 1
    assert capsys.readouterr().err.startswith("error: service: unknown ACK service 's4'")


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        ({"Principal": {"Federated": "arn:aws:iam::1:oidc-provider/other"}}, "no statement lets"),
        ({"Condition": {"StringEquals": {"i:sub": SUBJECT, "i:aud": "x"}}}, "i:aud is ['x'], not 'sts.amazonaws.com'"),
        (
            {
                "Condition": {
                    "StringEquals": {"i:aud": "sts.amazonaws.com"},
                    "StringLike": {"i:sub": "system:serviceaccount:*"},
                }
            },
            "the trust policy admits wildcard subjects ['system:serviceaccount:*']",
        ),
        (
            {
                "Condition": {
                    "StringEquals": {"i:aud": "sts.amazonaws.com", "i:sub": [SUBJECT, "system:serviceaccount:a:b"]}
                }
            },
            "the trust policy admits ['system:serviceaccount:a:b', "
            "'system:serviceaccount:ack-system:ack-s3-controller'], not",
        ),
        ({"Condition": {"StringEquals": {"i:aud": "sts.amazonaws.com", "i:sub": SUBJECT}}}, None),
    ],
)
def test_trust_problems(statement: dict[str, Any], problem: str | None) -> None:
    base = {
        "Effect": "Allow",
        "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/i"},
        "Action": "sts:AssumeRoleWithWebIdentity",
    }
    found = trust_problem({"Statement": [base | statement]}, Provider("arn:aws:iam::1:oidc-provider/i", "i"), [SUBJECT])
    assert (found or "").startswith(problem or "") and (found is None) == (problem is None)


# --- the Kubernetes side ---------------------------------------------------------------------------------


class RecordedApi(BaseHTTPRequestHandler):
    """Answers the GETs the verify command makes with recorded objects; 404 for anything else."""

    objects: ClassVar[dict[str, Any]] = {}
    forbidden: ClassVar[set[str]] = set()
    """Paths answered 403, as an API server answers credentials without RBAC for them."""

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path in self.forbidden:
            refused = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Forbidden", "code": 403}
            self.send_response(403)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps(refused).encode())
            return
        found = self.objects.get(url.path)
        if url.path.endswith("/pods") and found is not None:
            wanted = dict(
                pair.split("=") for pair in parse_qs(url.query).get("labelSelector", [""])[0].split(",") if pair
            )
            items = [p for p in found["items"] if wanted.items() <= p["metadata"]["labels"].items()]
            found = {**found, "items": items}
        body = json.dumps(
            found or {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404}
        )
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def kubernetes(tmp_path: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """A kubeconfig for an API server on 127.0.0.1 that serves the recorded objects (edit them per test)."""
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
    RecordedApi.forbidden = set()
    yield kubeconfig, RecordedApi.objects
    server.shutdown()
    server.server_close()


def recorded(name: str, role_arn: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text().replace("${ROLE_ARN}", role_arn))


def serve(
    objects: dict[str, Any], account_object: dict[str, Any] | None, pods: list[dict[str, Any]], role_arn: str
) -> None:
    if account_object is not None:
        objects["/api/v1/namespaces/ack-system/serviceaccounts/ack-s3-controller"] = account_object
    objects["/apis/apps/v1/namespaces/ack-system/deployments/ack-s3-controller-s3-chart"] = recorded(
        "deployment", role_arn
    )
    objects["/api/v1/namespaces/ack-system/pods"] = {
        "apiVersion": "v1",
        "kind": "PodList",
        "metadata": {},
        "items": pods,
    }


def full(capsys: pytest.CaptureFixture[str], aws: dict[str, Any], kubeconfig: Path) -> tuple[int, dict[str, Any]]:
    return verify(capsys, aws, "--cluster", "dev-eks", "--service", "s3", "--kubeconfig", str(kubeconfig))


def test_kubernetes_side_all_good(capsys: pytest.CaptureFixture[str], aws: dict[str, Any], kubernetes: Any) -> None:
    kubeconfig, objects = kubernetes
    role_arn = account(aws)["role_arn"]
    serve(objects, recorded("serviceaccount", role_arn), [recorded("pod", role_arn)], role_arn)
    code, report = full(capsys, aws, kubeconfig)
    assert (code, report["passed"]) == (0, True)
    assert checks(report)["service-account"] == ("pass", f"ack-system/ack-s3-controller is annotated with {role_arn}")
    assert checks(report)["pods"] == (
        "pass",
        "1 running pod(s) of Deployment ack-system/ack-s3-controller-s3-chart carry AWS_ROLE_ARN and "
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    )


def test_annotation_missing(capsys: pytest.CaptureFixture[str], aws: dict[str, Any], kubernetes: Any) -> None:
    kubeconfig, objects = kubernetes
    role_arn = account(aws)["role_arn"]
    service_account = recorded("serviceaccount", role_arn)
    del service_account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    serve(objects, service_account, [recorded("pod", role_arn)], role_arn)
    code, report = full(capsys, aws, kubeconfig)
    assert code == 1
    assert checks(report)["service-account"] == (
        "fail",
        "ack-system/ack-s3-controller has no eks.amazonaws.com/role-arn annotation",
    )


def test_annotation_pointing_to_another_role(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], kubernetes: Any
) -> None:
    kubeconfig, objects = kubernetes
    role_arn = account(aws)["role_arn"]
    other = "arn:aws:iam::123456789012:role/ack-s3-controller"
    serve(objects, recorded("serviceaccount", other), [recorded("pod", other)], role_arn)
    code, report = full(capsys, aws, kubeconfig)
    assert code == 1
    assert checks(report)["service-account"] == (
        "fail",
        f"ack-system/ack-s3-controller is annotated with {other}, not {role_arn}",
    )


def test_pods_older_than_the_annotation(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], kubernetes: Any
) -> None:
    kubeconfig, objects = kubernetes
    role_arn = account(aws)["role_arn"]
    pod = recorded("pod", role_arn)
    pod["metadata"]["creationTimestamp"] = "2026-11-02T09:13:02Z"  # before the annotation (2026-11-20T14:03:10Z)
    pod["spec"]["containers"][0]["env"] = pod["spec"]["containers"][0]["env"][:2]  # nothing injected then
    serve(objects, recorded("serviceaccount", role_arn), [pod], role_arn)
    code, report = full(capsys, aws, kubeconfig)
    assert code == 1
    assert checks(report)["pods"] == (
        "fail",
        "ack-s3-controller-s3-chart-6f9c7d8b5-x2kqp: restart needed (created before the ServiceAccount was annotated)",
    )
    fix = next(c["fix"] for c in report["controllers"]["s3"] if c["name"] == "pods")
    assert fix == "kubectl -n ack-system rollout restart deployment/ack-s3-controller-s3-chart"


def test_env_missing_on_a_new_pod(capsys: pytest.CaptureFixture[str], aws: dict[str, Any], kubernetes: Any) -> None:
    kubeconfig, objects = kubernetes
    role_arn = account(aws)["role_arn"]
    pod = recorded("pod", role_arn)
    pod["spec"]["containers"][0]["env"] = [
        e for e in pod["spec"]["containers"][0]["env"] if e["name"] != "AWS_ROLE_ARN"
    ]
    serve(objects, recorded("serviceaccount", role_arn), [pod], role_arn)
    code, report = full(capsys, aws, kubeconfig)
    assert code == 1
    assert checks(report)["pods"] == (
        "fail",
        "ack-s3-controller-s3-chart-6f9c7d8b5-x2kqp/controller: AWS_ROLE_ARN or AWS_WEB_IDENTITY_TOKEN_FILE missing",
    )


def test_a_pod_running_with_the_old_role(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], kubernetes: Any
) -> None:
    kubeconfig, objects = kubernetes
    role_arn = account(aws)["role_arn"]
    old = "arn:aws:iam::123456789012:role/ack-s3-old"
    serve(
        objects,
        recorded("serviceaccount", role_arn),
        [recorded("pod", old), copy.deepcopy(recorded("pod", role_arn))],
        role_arn,
    )
    code, report = full(capsys, aws, kubeconfig)
    assert code == 1
    assert (
        checks(report)["pods"][1] == f"ack-s3-controller-s3-chart-6f9c7d8b5-x2kqp: restart needed (it runs with {old})"
    )


def test_no_service_account_and_no_cluster_access(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], kubernetes: Any, tmp_path: Path
) -> None:
    kubeconfig, objects = kubernetes
    role_arn = account(aws)["role_arn"]
    serve(objects, None, [], role_arn)
    code, report = full(capsys, aws, kubeconfig)
    assert code == 1
    assert checks(report)["service-account"] == ("fail", "no ServiceAccount ack-system/ack-s3-controller")
    unreachable = tmp_path / "unreachable"
    unreachable.write_text(kubeconfig.read_text().replace("http://127.0.0.1:", "http://127.0.0.1:1"))
    code, report = full(capsys, aws, unreachable)
    assert code == 1
    assert checks(report)["service-account"][1].startswith("cannot read the cluster: ")
    assert checks(report)["pods"] == ("skipped", "needs the cluster")


def test_no_kubeconfig_keeps_the_aws_side(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], tmp_path: Path
) -> None:
    account(aws)
    code, report = verify(
        capsys, aws, "--cluster", "dev-eks", "--service", "s3", "--kubeconfig", str(tmp_path / "none")
    )
    assert code == 1
    assert checks(report)["role-trust"][0] == "pass"
    status, detail = checks(report)["service-account"]
    assert (status, detail.startswith("no usable kubeconfig (")) == ("fail", True)
    assert checks(report)["pods"] == ("skipped", "needs the cluster")


# --- EKS Pod Identity: moto has no Pod Identity APIs, so EKS is botocore's Stubber (it checks every request
# and response against the service model); IAM is moto; Kubernetes the recorded objects -----------------------

POD_ENV = [
    {"name": "AWS_CONTAINER_CREDENTIALS_FULL_URI", "value": "http://169.254.170.23/v1/credentials"},
    {
        "name": "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        "value": "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token",
    },
]


DEV_EKS = f"arn:aws:eks:{REGION}:123456789012:cluster/dev-eks"
"""The cluster's ARN in moto's account and the EKS client's region: what the stack's trust pins."""


def pod_identity_role(
    aws: dict[str, Any], *, tag_session: bool = True, namespace: str = "ack-system", cluster: str = DEV_EKS
) -> str:
    from ack_irsa.iam.trust import TrustedAssociation, pod_identity_trust_policy

    trust = pod_identity_trust_policy(TrustedAssociation(namespace, "ack-s3-controller", (cluster,)))
    if not tag_session:
        trust["Statement"][0]["Action"] = ["sts:AssumeRole"]
    role_name = default_role_name("s3", "pod-identity:dev-eks", "ack-system", "ack-s3-controller", "dev-eks")
    arn: str = aws["iam"].create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    aws["iam"].attach_role_policy(RoleName=role_name, PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
    document = json.dumps(catalog.get("s3").inline_policy)
    aws["iam"].put_role_policy(RoleName=role_name, PolicyName="ack-controller-policy", PolicyDocument=document)
    return arn


def stubbed_eks(
    association_role: str | None,
    addon_status: str | None,
    target_role_arn: str | None = None,
    disable_session_tags: bool | None = None,
) -> Any:
    from botocore.stub import Stubber

    eks = boto3.Session(region_name=REGION).client("eks")
    stubber = Stubber(eks)
    where = {"clusterName": "dev-eks", "namespace": "ack-system", "serviceAccount": "ack-s3-controller"}
    if association_role is None:
        stubber.add_response("list_pod_identity_associations", {"associations": []}, where)
    else:
        summary = {
            **where,
            "associationId": "a-1234567890abcdef0",
            "associationArn": "arn:aws:eks:us-west-2:123456789012:podidentityassociation/dev-eks/a-1234567890abcdef0",
        }
        stubber.add_response("list_pod_identity_associations", {"associations": [summary]}, where)
        stubber.add_response(
            "describe_pod_identity_association",
            {
                "association": {
                    **summary,
                    "roleArn": association_role,
                    **({"targetRoleArn": target_role_arn} if target_role_arn else {}),
                    **({"disableSessionTags": disable_session_tags} if disable_session_tags is not None else {}),
                }
            },
            {"clusterName": "dev-eks", "associationId": "a-1234567890abcdef0"},
        )
    if addon_status is None:
        stubber.add_client_error("describe_addon", "ResourceNotFoundException", http_status_code=404)
    else:
        addon = {"addonName": "eks-pod-identity-agent", "clusterName": "dev-eks", "status": addon_status}
        stubber.add_response(
            "describe_addon", {"addon": addon}, {"clusterName": "dev-eks", "addonName": "eks-pod-identity-agent"}
        )
    stubber.activate()
    return eks


def pod_identity_spec(identity: str = "pod_identity") -> Any:
    from ack_irsa.spec.controller import resolve_controller

    return resolve_controller({"service": "s3", "identity": identity, "cluster_name": "dev-eks"})


def pod_identity_checks(aws: dict[str, Any], eks: Any, spec: Any, kubernetes: Any = None) -> dict[str, tuple[str, str]]:
    from ack_irsa.live.aws import Aws
    from ack_irsa.live.verify import verify_controller

    found = verify_controller(Aws(eks, aws["iam"]), kubernetes, spec, None, "dev-eks")
    return {c.name: (c.status, c.detail) for c in found}


def test_pod_identity_aws_side_all_good(aws: dict[str, Any]) -> None:
    role_arn = pod_identity_role(aws)
    found = pod_identity_checks(aws, stubbed_eks(role_arn, "ACTIVE"), pod_identity_spec())
    role_name = role_arn.rsplit("/", 1)[1]
    assert found == {
        "role-trust": (
            "pass",
            f"{role_name} admits exactly pods.eks.amazonaws.com for ack-system/ack-s3-controller on {DEV_EKS}",
        ),
        "role-settings": ("pass", "path /, sessions up to 3600 s, no boundary, no tags, as planned"),
        "managed-policies": ("pass", "1 expected attached, nothing else"),
        "inline-policy": ("pass", "ack-controller-policy holds the expected document"),
        "pod-identity-association": ("pass", f"dev-eks: ack-system/ack-s3-controller is associated with {role_arn}"),
        "pod-identity-agent": ("pass", "the eks-pod-identity-agent add-on is ACTIVE"),
        "service-account": ("skipped", "--skip-kubernetes"),
        "pods": ("skipped", "--skip-kubernetes"),
    }


def test_no_association_and_one_for_another_role(aws: dict[str, Any]) -> None:
    role_arn = pod_identity_role(aws)
    missing = pod_identity_checks(aws, stubbed_eks(None, None), pod_identity_spec())
    assert missing["pod-identity-association"] == (
        "fail",
        "no Pod Identity association for dev-eks: ack-system/ack-s3-controller",
    )
    other = "arn:aws:iam::123456789012:role/someone-else"
    wrong = pod_identity_checks(aws, stubbed_eks(other, "ACTIVE"), pod_identity_spec())
    assert wrong["pod-identity-association"] == (
        "fail",
        f"the association for dev-eks: ack-system/ack-s3-controller names {other}, not {role_arn}",
    )


def test_an_agent_that_is_not_active(aws: dict[str, Any]) -> None:
    role_arn = pod_identity_role(aws)
    found = pod_identity_checks(aws, stubbed_eks(role_arn, "DEGRADED"), pod_identity_spec())
    assert found["pod-identity-agent"] == ("fail", "the eks-pod-identity-agent add-on is DEGRADED")


def test_a_pod_identity_trust_without_tag_session_or_for_another_namespace(aws: dict[str, Any]) -> None:
    pod_identity_role(aws, tag_session=False)
    found = pod_identity_checks(aws, stubbed_eks(None, None), pod_identity_spec())
    assert found["role-trust"][0] == "fail"
    assert found["role-trust"][1].endswith(
        "pods.eks.amazonaws.com may ['sts:AssumeRole'], not exactly ['sts:AssumeRole', 'sts:TagSession']"
    )


def test_a_pod_identity_trust_pinned_elsewhere(aws: dict[str, Any]) -> None:
    pod_identity_role(aws, namespace="default")
    found = pod_identity_checks(aws, stubbed_eks(None, None), pod_identity_spec())
    assert found["role-trust"][1].endswith(
        "the Pod Identity trust pins aws:RequestTag/kubernetes-namespace to ['default'], not ['ack-system']"
    )


def test_a_pod_identity_trust_pinning_the_cluster_by_name_only(aws: dict[str, Any]) -> None:
    """A role pinning the name (as ack-irsa wrote it before) admits a cluster of that name in any region or
    account of the partition: it fails until pulumi up writes the ARN pin."""
    pod_identity_role(aws, cluster="dev-eks")
    found = pod_identity_checks(aws, stubbed_eks(None, None), pod_identity_spec())
    assert found["role-trust"][0] == "fail"
    assert found["role-trust"][1].endswith(
        f"the Pod Identity trust pins aws:RequestTag/eks-cluster-arn to nothing, not ['{DEV_EKS}']"
    )


def test_a_pod_identity_trust_pinning_the_same_name_in_another_region(aws: dict[str, Any]) -> None:
    elsewhere = DEV_EKS.replace(REGION, "eu-west-1")
    pod_identity_role(aws, cluster=elsewhere)
    found = pod_identity_checks(aws, stubbed_eks(None, None), pod_identity_spec())
    assert found["role-trust"][1].endswith(
        f"the Pod Identity trust pins aws:RequestTag/eks-cluster-arn to ['{elsewhere}'], not ['{DEV_EKS}']"
    )


def pod_identity_kubernetes(kubeconfig: Path) -> Any:
    import argparse

    from ack_irsa.commands.verify import _kubernetes_factory

    return _kubernetes_factory(argparse.Namespace(kubeconfig=str(kubeconfig), context=None))


def pod_on_pod_identity(role_arn: str, name: str = "ack-s3-controller-s3-chart-6f9c7d8b5-x2kqp") -> dict[str, Any]:
    pod = recorded("pod", role_arn)
    pod["metadata"]["name"] = name
    container = pod["spec"]["containers"][0]
    container["env"] = [
        e for e in container["env"] if not e["name"].startswith("AWS_ROLE_ARN") and "TOKEN" not in e["name"]
    ] + POD_ENV
    return pod


def test_pods_on_pod_identity_and_the_trap_of_a_left_annotation(aws: dict[str, Any], kubernetes: Any) -> None:
    kubeconfig, objects = kubernetes
    role_arn = pod_identity_role(aws)
    account_object = recorded("serviceaccount", role_arn)  # still annotated for IRSA
    serve(objects, account_object, [pod_on_pod_identity(role_arn)], role_arn)
    found = pod_identity_checks(
        aws, stubbed_eks(role_arn, "ACTIVE"), pod_identity_spec(), pod_identity_kubernetes(kubeconfig)
    )
    assert found["service-account"] == (
        "warn",
        f"ack-system/ack-s3-controller is still annotated for IRSA ({role_arn}), but it has a Pod Identity "
        "association: the EKS webhook injects Pod Identity only, so the association's role is the one in use",
    )
    assert found["pods"] == ("pass", "1 pod(s) of Deployment ack-system/ack-s3-controller-s3-chart run on Pod Identity")


def test_a_pod_still_on_irsa_needs_a_restart_unless_migrating(aws: dict[str, Any], kubernetes: Any) -> None:
    kubeconfig, objects = kubernetes
    role_arn = pod_identity_role(aws)
    pods = [pod_on_pod_identity(role_arn), recorded("pod", role_arn)]
    pods[1]["metadata"]["name"] = "ack-s3-controller-s3-chart-6f9c7d8b5-old"
    serve(objects, recorded("serviceaccount", role_arn), pods, role_arn)
    only = pod_identity_checks(
        aws, stubbed_eks(role_arn, "ACTIVE"), pod_identity_spec(), pod_identity_kubernetes(kubeconfig)
    )
    assert only["pods"][0] == "fail"
    assert only["pods"][1].endswith(
        "ack-s3-controller-s3-chart-6f9c7d8b5-old: restart needed (it runs on IRSA, not Pod Identity)"
    )


def test_the_agent_daemon_set_stands_in_for_the_add_on(aws: dict[str, Any], kubernetes: Any) -> None:
    kubeconfig, objects = kubernetes
    role_arn = pod_identity_role(aws)
    serve(objects, None, [pod_on_pod_identity(role_arn)], role_arn)
    objects["/api/v1/namespaces/ack-system/serviceaccounts/ack-s3-controller"] = {
        **recorded("serviceaccount", role_arn),
        "metadata": {"name": "ack-s3-controller", "namespace": "ack-system"},
    }
    objects["/apis/apps/v1/namespaces/kube-system/daemonsets/eks-pod-identity-agent"] = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "eks-pod-identity-agent", "namespace": "kube-system"},
        "spec": {
            "selector": {"matchLabels": {"app": "agent"}},
            "template": {
                "metadata": {"labels": {"app": "agent"}},
                "spec": {"containers": [{"name": "agent", "image": "agent"}]},
            },
        },
        "status": {"numberReady": 3, "desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberMisscheduled": 0},
    }
    found = pod_identity_checks(
        aws, stubbed_eks(role_arn, None), pod_identity_spec(), pod_identity_kubernetes(kubeconfig)
    )
    assert found["pod-identity-agent"] == ("pass", "eks-pod-identity-agent is ready on 3 of 3 nodes")
    assert found["service-account"] == ("pass", "ack-system/ack-s3-controller exists; Pod Identity needs no annotation")


def test_mid_migration_pods_on_either_identity_pass(aws: dict[str, Any], kubernetes: Any) -> None:
    """identity both: the trust holds both statements; a pod not restarted since the association keeps IRSA."""
    kubeconfig, objects = kubernetes
    facts = account(aws)
    role_arn = facts["role_arn"]
    trust = trust_of(aws, facts["role_name"])
    pinned = POD_IDENTITY_STATEMENT["Condition"]["StringEquals"] | {"aws:RequestTag/eks-cluster-arn": DEV_EKS}  # type: ignore[index]
    trust["Statement"].append({**POD_IDENTITY_STATEMENT, "Condition": {"StringEquals": pinned}})
    aws["iam"].update_assume_role_policy(RoleName=facts["role_name"], PolicyDocument=json.dumps(trust))
    pods = [pod_on_pod_identity(role_arn), recorded("pod", role_arn)]
    pods[1]["metadata"]["name"] = "ack-s3-controller-s3-chart-6f9c7d8b5-old"
    serve(objects, recorded("serviceaccount", role_arn), pods, role_arn)
    from ack_irsa.live.aws import Aws
    from ack_irsa.live.verify import verify_controller
    from ack_irsa.spec.controller import resolve_controller

    spec = resolve_controller(
        {"service": "s3", "identity": "both", "cluster_name": "dev-eks", "oidc_provider_arn": facts["provider_arn"]}
    )
    provider = Provider(facts["provider_arn"], facts["issuer"])
    found = verify_controller(
        Aws(stubbed_eks(role_arn, "ACTIVE"), aws["iam"]), pod_identity_kubernetes(kubeconfig), spec, provider, "dev-eks"
    )
    results = {c.name: (c.status, c.detail) for c in found}
    assert results["role-trust"][0] == "pass"
    assert results["service-account"][0] == "pass"
    assert results["pods"] == (
        "pass",
        "1 pod(s) of Deployment ack-system/ack-s3-controller-s3-chart run on Pod Identity, 1 still on IRSA (not "
        "restarted since the association: ack-s3-controller-s3-chart-6f9c7d8b5-old)",
    )


# --- an installed controller: the Helm release Secret, the Deployment and its chart version -----------------


def release_secret(status: str, version: int = 1) -> dict[str, Any]:
    labels = {"owner": "helm", "name": "ack-s3-controller", "status": status, "version": str(version)}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "helm.sh/release.v1",
        "metadata": {
            "name": f"sh.helm.release.v1.ack-s3-controller.v{version}",
            "namespace": "ack-system",
            "labels": labels,
        },
    }


def test_an_installed_controller_all_good(aws: dict[str, Any], kubernetes: Any) -> None:
    kubeconfig, objects = kubernetes
    history = [release_secret("superseded", 1), release_secret("deployed", 2)]
    objects["/api/v1/namespaces/ack-system/secrets"] = {
        "apiVersion": "v1",
        "kind": "SecretList",
        "metadata": {},
        "items": history,
    }
    role_arn = account(aws)["role_arn"]
    serve(objects, recorded("serviceaccount", role_arn), [recorded("pod", role_arn)], role_arn)
    found = installed_checks_with_account(aws, kubeconfig)
    assert found["helm-release"] == ("pass", "the Helm release ack-system/ack-s3-controller is deployed")
    assert found["deployment"] == (
        "pass",
        "ack-system/ack-s3-controller-s3-chart runs s3-chart-1.10.0 with 1 of 1 replicas",
    )


def installed_checks_with_account(
    aws: dict[str, Any], kubeconfig: Path, install: Any = True
) -> dict[str, tuple[str, str]]:
    from ack_irsa.live.aws import Aws
    from ack_irsa.live.verify import verify_controller
    from ack_irsa.spec.controller import resolve_controller

    provider_arn = aws["iam"].list_open_id_connect_providers()["OpenIDConnectProviderList"][0]["Arn"]
    issuer = provider_arn.split(":oidc-provider/")[1]
    spec = resolve_controller({"service": "s3", "oidc_provider_arn": provider_arn, "install": install})
    found = verify_controller(
        Aws(aws["eks"], aws["iam"]),
        pod_identity_kubernetes(kubeconfig),
        spec,
        Provider(provider_arn, issuer),
        "dev-eks",
    )
    return {c.name: (c.status, c.detail) for c in found}


def test_an_installed_controller_failed_or_at_another_version(aws: dict[str, Any], kubernetes: Any) -> None:
    kubeconfig, objects = kubernetes
    role_arn = account(aws)["role_arn"]
    serve(objects, recorded("serviceaccount", role_arn), [recorded("pod", role_arn)], role_arn)
    objects["/api/v1/namespaces/ack-system/secrets"] = {
        "apiVersion": "v1",
        "kind": "SecretList",
        "metadata": {},
        "items": [release_secret("failed")],
    }
    found = installed_checks_with_account(aws, kubeconfig, {"version": "1.11.0"})
    assert found["helm-release"] == ("fail", "the Helm release ack-system/ack-s3-controller is failed")
    assert found["deployment"] == (
        "fail",
        "ack-system/ack-s3-controller-s3-chart runs chart s3-chart-1.10.0, not s3-chart-1.11.0",
    )
    objects["/api/v1/namespaces/ack-system/secrets"] = {
        "apiVersion": "v1",
        "kind": "SecretList",
        "metadata": {},
        "items": [],
    }
    assert installed_checks_with_account(aws, kubeconfig)["helm-release"] == (
        "fail",
        "no Helm release ack-system/ack-s3-controller",
    )


# --- cross-account: two accounts in one moto server (the target's IAM is reached with credentials assumed
# into it, as the stack's provider would); the ConfigMap, namespaces and IAMRoleSelectors are recorded objects ---

TEAM_A = "444455556666"
DEPLOYER = f"arn:aws:iam::{TEAM_A}:role/deployer"
TARGET_ROLE = f"arn:aws:iam::{TEAM_A}:role/ack-s3-team"


def cross_account_stack(tmp_path: Path, mode: str = "carm") -> Path:
    (tmp_path / "stacks").mkdir()
    (tmp_path / "Pulumi.yaml").write_text("name: ack-irsa\nruntime: python\nstackConfigDir: stacks\n")
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text(
        "config:\n  aws:region: us-west-2\n  ack-irsa:clusterName: dev-eks\n"
        f"  ack-irsa:crossAccountMode: {mode}\n"
        "  ack-irsa:controllers:\n    - service: s3\n      crossAccount:\n"
        f"        - {{accountId: '{TEAM_A}', roleName: ack-s3-team, namespaces: [team-a, team-c], manageRole: true,\n"
        f"           provider: {{assumeRoleArn: '{DEPLOYER}'}}}}\n"
    )
    return tmp_path


def both_sides(
    aws: dict[str, Any],
    *,
    grant: bool = True,
    target: bool = True,
    trusted: str | None = None,
    recommended: bool = True,
) -> dict[str, str]:
    """The stack account as ack-irsa leaves it for an s3 controller with one target, and the target account
    (with the recommended policies that ``manageRole`` gives the target role, unless not ``recommended``)."""
    facts = account(aws)
    if grant:
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "AssumeAckTargetRoles", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": TARGET_ROLE}
            ],
        }
        aws["iam"].put_role_policy(
            RoleName=facts["role_name"], PolicyName="ack-cross-account", PolicyDocument=json.dumps(policy)
        )
    if target:
        sts = boto3.Session(region_name=REGION).client("sts", endpoint_url=aws["url"])
        credentials = sts.assume_role(RoleArn=DEPLOYER, RoleSessionName="setup")["Credentials"]
        iam = boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=REGION,
        ).client("iam", endpoint_url=aws["url"])
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": trusted or facts["role_arn"]}, "Action": "sts:AssumeRole"}
            ],
        }
        iam.create_role(RoleName="ack-s3-team", AssumeRolePolicyDocument=json.dumps(trust))
        if recommended:
            iam.attach_role_policy(RoleName="ack-s3-team", PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
            document = json.dumps(catalog.get("s3").inline_policy)
            iam.put_role_policy(RoleName="ack-s3-team", PolicyName="ack-controller-policy", PolicyDocument=document)
    return facts


def cross_account_checks(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], project: Path, *extra: str
) -> tuple[int, dict[str, tuple[str, str]]]:
    code, report = verify(capsys, aws, "--stack", "dev", "--project-dir", str(project), *extra)
    return code, checks(report)


def test_cross_account_both_sides_hold(capsys: pytest.CaptureFixture[str], aws: dict[str, Any], tmp_path: Path) -> None:
    facts = both_sides(aws)
    code, found = cross_account_checks(capsys, aws, cross_account_stack(tmp_path), "--skip-kubernetes")
    assert code == 0
    assert found["inline-policy"] == ("pass", "ack-controller-policy and ack-cross-account hold the expected document")
    assert found[f"cross-account {TEAM_A}"] == (
        "pass",
        f"{facts['role_name']} may sts:AssumeRole on {TARGET_ROLE}, and its trust admits {facts['role_arn']}",
    )


def test_a_target_role_that_trusts_another_role_fails(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], tmp_path: Path
) -> None:
    other = "arn:aws:iam::123456789012:role/someone-else"
    facts = both_sides(aws, trusted=other)
    code, found = cross_account_checks(capsys, aws, cross_account_stack(tmp_path), "--skip-kubernetes")
    assert code == 1
    assert found[f"cross-account {TEAM_A}"] == (
        "fail",
        f"{facts['role_name']} may sts:AssumeRole on {TARGET_ROLE}, but the trust of {TARGET_ROLE} does not let "
        f"{facts['role_arn']} sts:AssumeRole",
    )


def test_a_missing_grant_or_target_role_fails(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], tmp_path: Path
) -> None:
    facts = both_sides(aws, grant=False, target=False)
    code, found = cross_account_checks(capsys, aws, cross_account_stack(tmp_path), "--skip-kubernetes")
    assert code == 1
    assert found["inline-policy"] == ("fail", "no inline policy ack-cross-account (has: ack-controller-policy)")
    assert found[f"cross-account {TEAM_A}"] == ("fail", f"{facts['role_name']} may not sts:AssumeRole on {TARGET_ROLE}")


def test_a_target_role_that_was_never_made_fails(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], tmp_path: Path
) -> None:
    facts = both_sides(aws, target=False)
    code, found = cross_account_checks(capsys, aws, cross_account_stack(tmp_path), "--skip-kubernetes")
    assert code == 1
    assert found[f"cross-account {TEAM_A}"] == (
        "fail",
        f"{facts['role_name']} may sts:AssumeRole on {TARGET_ROLE}, but there is no role {TARGET_ROLE}",
    )


def serve_cross_account(objects: dict[str, Any], role_arn: str, data: dict[str, str], owners: dict[str, str]) -> None:
    serve(objects, recorded("serviceaccount", role_arn), [recorded("pod", role_arn)], role_arn)
    objects["/api/v1/namespaces/ack-system/configmaps/ack-role-account-map"] = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "ack-role-account-map", "namespace": "ack-system"},
        "data": data,
    }
    for namespace, owner in owners.items():
        objects[f"/api/v1/namespaces/{namespace}"] = {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": namespace, "annotations": {"services.k8s.aws/owner-account-id": owner}},
        }


def test_the_carm_objects_match_the_stack(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], kubernetes: Any, tmp_path: Path
) -> None:
    kubeconfig, objects = kubernetes
    facts = both_sides(aws)
    serve_cross_account(objects, facts["role_arn"], {TEAM_A: TARGET_ROLE}, {"team-a": TEAM_A, "team-c": TEAM_A})
    project = cross_account_stack(tmp_path)
    code, found = cross_account_checks(capsys, aws, project, "--kubeconfig", str(kubeconfig))
    assert code == 0
    assert found[f"cross-account-map {TEAM_A}"] == (
        "pass",
        f"ack-system/ack-role-account-map maps {TEAM_A} to {TARGET_ROLE}; team-a, team-c owned by {TEAM_A}",
    )
    serve_cross_account(objects, facts["role_arn"], {TEAM_A: "arn:aws:iam::444455556666:role/x"}, {})
    code, found = cross_account_checks(capsys, aws, project, "--kubeconfig", str(kubeconfig))
    assert code == 1
    assert found[f"cross-account-map {TEAM_A}"] == (
        "fail",
        f"ack-system/ack-role-account-map maps {TEAM_A} to arn:aws:iam::444455556666:role/x, not {TARGET_ROLE}",
    )
    serve_cross_account(objects, facts["role_arn"], {TEAM_A: TARGET_ROLE}, {"team-a": "999988887777"})
    del objects["/api/v1/namespaces/team-c"]
    code, found = cross_account_checks(capsys, aws, project, "--kubeconfig", str(kubeconfig))
    assert found[f"cross-account-map {TEAM_A}"] == (
        "fail",
        f"namespaces not owned by {TEAM_A}: team-a (999988887777), team-c ((no such namespace))",
    )


def test_the_role_selectors_match_the_stack(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], kubernetes: Any, tmp_path: Path
) -> None:
    kubeconfig, objects = kubernetes
    facts = both_sides(aws)
    serve(
        objects, recorded("serviceaccount", facts["role_arn"]), [recorded("pod", facts["role_arn"])], facts["role_arn"]
    )
    project = cross_account_stack(tmp_path, mode="iamRoleSelector")
    code, found = cross_account_checks(capsys, aws, project, "--kubeconfig", str(kubeconfig))
    assert found[f"cross-account-map {TEAM_A}"] == (
        "fail",
        "the cluster has no IAMRoleSelector resource",
    )
    selector: dict[str, Any] = {
        "apiVersion": "services.k8s.aws/v1alpha1",
        "kind": "IAMRoleSelector",
        "metadata": {"name": f"ack-system.s3.{TEAM_A}"},
        "spec": {
            "arn": TARGET_ROLE,
            "namespaceSelector": {"names": ["team-c", "team-a"]},
            "resourceTypeSelector": [{"group": "s3.services.k8s.aws"}],
        },
    }
    listing = {
        "apiVersion": "services.k8s.aws/v1alpha1",
        "kind": "IAMRoleSelectorList",
        "metadata": {},
        "items": [selector],
    }
    objects["/apis/services.k8s.aws/v1alpha1/iamroleselectors"] = listing
    code, found = cross_account_checks(capsys, aws, project, "--kubeconfig", str(kubeconfig))
    assert code == 0
    assert found[f"cross-account-map {TEAM_A}"] == (
        "pass",
        f"IAMRoleSelector ack-system.s3.{TEAM_A} sends s3.services.k8s.aws in team-a, team-c to {TARGET_ROLE}",
    )
    selector["spec"]["resourceTypeSelector"] = [{"group": "rds.services.k8s.aws"}]
    code, found = cross_account_checks(capsys, aws, project, "--kubeconfig", str(kubeconfig))
    assert found[f"cross-account-map {TEAM_A}"] == (
        "fail",
        f"no IAMRoleSelector sends s3.services.k8s.aws in team-a, team-c to {TARGET_ROLE}",
    )


def role_made_elsewhere_stack(tmp_path: Path) -> Path:
    (tmp_path / "stacks").mkdir(parents=True)
    (tmp_path / "Pulumi.yaml").write_text("name: ack-irsa\nruntime: python\nstackConfigDir: stacks\n")
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text(
        "config:\n  aws:region: us-west-2\n  ack-irsa:clusterName: dev-eks\n"
        "  ack-irsa:controllers:\n    - service: s3\n      crossAccount:\n"
        f"        - {{accountId: '{TEAM_A}', roleName: ack-s3-team, namespaces: [team-a, team-c]}}\n"
    )
    return tmp_path


def test_a_target_made_elsewhere_is_read_with_a_profile_for_its_account(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    facts = both_sides(aws)
    project = role_made_elsewhere_stack(tmp_path / "project")
    code, found = cross_account_checks(capsys, aws, project, "--skip-kubernetes")
    assert code == 0
    assert found[f"cross-account {TEAM_A}"] == (
        "skipped",
        f"{facts['role_name']} may sts:AssumeRole on {TARGET_ROLE}; the target role's trust was not read: no "
        "credentials for the target account (verify --target-profile ACCOUNT=PROFILE)",
    )
    # a profile whose credentials are in the target account (in moto: assumed into it)
    sts = boto3.Session(region_name=REGION).client("sts", endpoint_url=aws["url"])
    credentials = sts.assume_role(RoleArn=DEPLOYER, RoleSessionName="profile")["Credentials"]
    shared = tmp_path / "credentials"
    shared.write_text(
        f"[team-a]\naws_access_key_id = {credentials['AccessKeyId']}\n"
        f"aws_secret_access_key = {credentials['SecretAccessKey']}\naws_session_token = {credentials['SessionToken']}\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(shared))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    code, found = cross_account_checks(
        capsys, aws, project, "--skip-kubernetes", "--target-profile", f"{TEAM_A}=team-a"
    )
    assert code == 0
    assert found[f"cross-account {TEAM_A}"] == (
        "pass",
        f"{facts['role_name']} may sts:AssumeRole on {TARGET_ROLE}, and its trust admits {facts['role_arn']}",
    )


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        (
            "4444=team-a",
            "error: --target-profile '4444=team-a': the account must be a 12-digit AWS account ID, got '4444', as "
            "in 444455556666=team-a\n",
        ),
        (f"{TEAM_A}=", f"error: --target-profile '{TEAM_A}=': give the profile after '=', as in 444455556666=team-a\n"),
    ],
)
def test_a_bad_target_profile_flag(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], tmp_path: Path, flag: str, message: str
) -> None:
    project = role_made_elsewhere_stack(tmp_path)
    args = ["verify", "--stack", "dev", "--project-dir", str(project), "--aws-endpoint-url", aws["url"]]
    assert cli([*args, "--skip-kubernetes", "--target-profile", flag]) == 1
    assert capsys.readouterr().err == message


def test_a_target_profile_that_does_not_exist(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The profile is read when the target's trust is: one error naming it, no table."""
    both_sides(aws)
    project = role_made_elsewhere_stack(tmp_path / "project")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    args = ["verify", "--stack", "dev", "--project-dir", str(project), "--aws-endpoint-url", aws["url"]]
    assert cli([*args, "--skip-kubernetes", "--target-profile", f"{TEAM_A}=team-b"]) == 1
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "error: The config profile (team-b) could not be found\n")
