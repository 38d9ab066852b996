"""The pinned catalog: every published controller, its facts, its policies, the upstream defects."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from moto.iam.aws_managed_policies import aws_managed_policies_data
from parliament import analyze_policy_string
from parliament import config as parliament_config

from ack_irsa import catalog
from ack_irsa.commands import main as cli
from ack_irsa.iam.limits import INLINE_POLICIES_MAX_CHARS
from ack_irsa.iam.policies import parse_policy_document, policy_size
from ack_irsa.iam.risks import RISKS
from ack_irsa.spec.controller import resolve_controller
from ack_irsa.spec.problems import ArgsError

from .conftest import PROVIDER_ARN, ROOT

FACTS_VARIABLE = "ACK_IRSA_FACTS"
"""Names the facts file the catalog was pinned from (``.ci/run`` sets it where the file lies beside the
checkout). The cross-checks against it run only where it is set; everything else reads the pinned catalog."""
PINNED: dict[str, Any] = json.loads((ROOT / "ack_irsa" / "catalog" / "upstream.json").read_text())["controllers"]
STUBS = {"batch", "cloudwatchevents", "globalaccelerator", "servicecatalog"}
CORRECTED = {"cloudwatch", "networkfirewall", "opensearchserverless"}
# Recommendations that miss actions the controller's code calls, corrected so the controller works.
TOO_NARROW_CORRECTED = {"cloudwatchlogs", "emrcontainers", "iam", "kinesis", "kms", "ssm"}
CORRECTED |= TOO_NARROW_CORRECTED
AWS_MANAGED = json.loads(aws_managed_policies_data)
# Actions and prefixes newer than parliament's IAM database (parliament 1.6.4, April 2025): each is
# what parliament reports today, so a new unknown action, or parliament learning one, fails the test.
UNKNOWN_TO_PARLIAMENT = {
    "lambdamicrovms": {
        "UNKNOWN_ACTION": {
            "lambda:CreateMicrovmImage",
            "lambda:UpdateMicrovmImage",
            "lambda:DeleteMicrovmImage",
            "lambda:GetMicrovmImage",
            "lambda:GetMicrovmImageVersion",
            "lambda:ListMicrovmImages",
            "lambda:RunMicrovm",
            "lambda:GetMicrovm",
            "lambda:TerminateMicrovm",
            "lambda:ListMicrovms",
        }
    },
    "mwaaserverless": {"UNKNOWN_PREFIX": {"airflow-serverless:*"}},
    "s3vectors": {"UNKNOWN_PREFIX": {"s3vectors:*"}},
}
UNKNOWN_ISSUES = ("UNKNOWN_ACTION", "UNKNOWN_PREFIX", "UNKNOWN_CONDITION_FOR_ACTION", "UNKNOWN_OPERATOR")
SEVERITY = {"LOW": 1, "MEDIUM": 2, "HIGH": 3, "CRITICAL": 4}


@pytest.fixture(scope="module")
def facts_file() -> Path:
    """The facts file for the cross-checks: skipped in a lone clone, but a failure in CI, where it must be."""
    named = os.environ.get(FACTS_VARIABLE)
    path = Path(named) if named else None
    if path is None or not path.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must cross-check the catalog: {FACTS_VARIABLE}={named or ''} names no file")
        pytest.skip(f"the cross-check with the facts file runs where {FACTS_VARIABLE} names it")
    return path


@pytest.fixture(scope="module")
def facts(facts_file: Path) -> dict[str, Any]:
    controllers: dict[str, Any] = json.loads(facts_file.read_text())["controllers"]
    return controllers


def inline_services() -> list[str]:
    return [c.service for c in catalog.controllers() if c.inline_policy is not None]


def test_every_pinned_controller_and_no_stub() -> None:
    assert catalog.services() == sorted(PINNED)
    assert len(catalog.services()) == 82
    assert not STUBS & set(catalog.services())


def test_every_published_controller_of_the_facts_file(facts: dict[str, Any]) -> None:
    assert catalog.services() == sorted(set(facts) - STUBS)


@pytest.mark.parametrize("service", sorted(PINNED))
def test_facts_per_controller(service: str, facts: dict[str, Any]) -> None:
    fact, controller = facts[service], catalog.get(service)
    assert controller.service_account_name == fact["service_account_name"]
    assert controller.chart_name == fact["chart_name"]
    assert controller.repository == fact["repo"]
    if service not in CORRECTED:
        arns = fact["recommended_policy_arns"] or []
        assert [f"arn:aws:iam::aws:policy/{name}" for name in controller.managed_policies] == arns
        assert controller.inline_policy == fact["recommended_inline_policy"]
    if fact["recommended_policy_arns"] is None and fact["recommended_inline_policy"] is None:
        assert "policy-unknown" in controller.flags  # null in the facts: said, not invented
    chart_version = fact["chart_version"]
    assert controller.chart_version == (None if chart_version and chart_version.startswith("0.0.0") else chart_version)


def test_release_status_is_ga_preview_deprecated_or_unknown() -> None:
    statuses = {c.service: c.status for c in catalog.controllers()}
    assert set(statuses.values()) == {"GA", "preview", "deprecated", "unknown"}
    assert (statuses["s3"], statuses["backup"], statuses["fsx"], statuses["elasticsearchservice"]) == (
        "GA",
        "preview",
        "preview",
        "deprecated",
    )
    assert statuses["bedrockagentcorecontrol"] == "unknown"


def test_names_that_differ_from_the_service() -> None:
    controller = catalog.get("cognito-identity")
    assert controller.service_account_name == "ack-cognitoidentity-controller"
    assert controller.release_name == "ack-cognitoidentity-controller"
    assert controller.deployment_name == "ack-cognitoidentity-controller-cognitoidentity-chart"
    assert catalog.get("s3").deployment_name == "ack-s3-controller-s3-chart"
    assert catalog.get("lambdacore").deployment_name == "ack-lambdacore-controller-lambdacore-chart"  # no chart yet


@pytest.mark.parametrize("partition", ["aws", "aws-cn", "aws-us-gov"])
def test_managed_policies_render_for_the_partition(partition: str) -> None:
    assert catalog.get("s3").managed_policy_arns(partition) == [f"arn:{partition}:iam::aws:policy/AmazonS3FullAccess"]
    assert catalog.get("apigatewayv2").managed_policy_arns(partition) == [
        f"arn:{partition}:iam::aws:policy/AmazonAPIGatewayAdministrator",
        f"arn:{partition}:iam::aws:policy/AmazonAPIGatewayInvokeFullAccess",
    ]
    pattern = re.compile(rf"^arn:{partition}:iam::aws:policy/[\w+=,.@-]+$")
    for controller in catalog.controllers():
        assert all(pattern.match(arn) for arn in controller.managed_policy_arns(partition)), controller.service


@pytest.mark.parametrize("name", sorted({name for c in catalog.controllers() for name in c.managed_policies}), ids=str)
def test_every_managed_policy_is_an_existing_aws_managed_policy_at_the_root_path(name: str) -> None:
    assert name in AWS_MANAGED, f"{name} is not in moto's copy of the AWS-managed policies"
    assert AWS_MANAGED[name]["Path"] == "/"  # so arn:<partition>:iam::aws:policy/<name> is its ARN


@pytest.mark.parametrize("service", inline_services())
def test_inline_policies_are_valid_sized_and_known_to_parliament(service: str) -> None:
    document = catalog.get(service).inline_policy
    assert document is not None
    assert parse_policy_document(json.dumps(document)) == document
    assert policy_size(document) <= INLINE_POLICIES_MAX_CHARS
    findings = analyze_policy_string(json.dumps(document)).findings
    serious = [f for f in findings if SEVERITY[parliament_config[f.issue]["severity"]] >= SEVERITY["MEDIUM"]]
    assert serious == []
    unknown: dict[str, set[str]] = {}
    for finding in (f for f in findings if f.issue in UNKNOWN_ISSUES):
        unknown.setdefault(finding.issue, set()).add(finding.location["string"])
    assert unknown == UNKNOWN_TO_PARLIAMENT.get(service, {})


def test_networkfirewall_ships_the_corrected_document() -> None:
    controller = catalog.get("networkfirewall")
    assert controller.flags == ("corrected", "recommended-too-narrow")
    raw = PINNED["networkfirewall"]["recommended_inline_policy_raw"]
    with pytest.raises(json.JSONDecodeError):
        json.loads(raw)
    # With only its commas repaired, upstream's document still names an action IAM never matches.
    repaired = json.loads(
        raw.replace('Configuration"\n', 'Configuration",\n').replace(
            'Configuration",\n            ]', 'Configuration"\n            ]'
        )
    )
    unknown = {
        f.location["string"]
        for f in analyze_policy_string(json.dumps(repaired)).findings
        if f.issue == "UNKNOWN_ACTION"
    }
    assert unknown == {"network-firewall:DeleteFirewall "}
    assert controller.inline_policy is not None
    (statement,) = controller.inline_policy["Statement"]
    actions = statement["Action"]
    assert len(actions) == len(set(actions)) == 16
    assert all(action == action.strip() for action in actions)
    assert "network-firewall:DescribeFirewallPolicy" in actions
    # the controller's RuleGroup kind and firewall policy updates, which upstream grants none of
    assert (
        actions[10:]
        == list(controller.too_narrow)
        == [
            "network-firewall:AssociateFirewallPolicy",
            "network-firewall:CreateRuleGroup",
            "network-firewall:DeleteRuleGroup",
            "network-firewall:DescribeRuleGroup",
            "network-firewall:UpdateFirewallPolicy",
            "network-firewall:UpdateRuleGroup",
        ]
    )


def test_cloudwatch_inline_file_is_treated_as_a_managed_policy() -> None:
    controller = catalog.get("cloudwatch")
    assert (
        PINNED["cloudwatch"]["recommended_inline_policy_raw"].strip()
        == "arn:aws:iam::aws:policy/CloudWatchFullAccessV2"
    )
    assert (controller.managed_policies, controller.inline_policy) == (("CloudWatchFullAccessV2",), None)
    assert controller.managed_policy_arns("aws-us-gov") == ["arn:aws-us-gov:iam::aws:policy/CloudWatchFullAccessV2"]


def test_opensearchserverless_glue_policy_is_not_shipped() -> None:
    glue = json.dumps(AWS_MANAGED["AWSGlueConsoleFullAccess"]["Document"])
    assert "aoss:" not in glue  # the upstream recommendation grants nothing the controller calls
    controller = catalog.get("opensearchserverless")
    assert (controller.managed_policies, controller.inline_policy) == ((), None)
    assert controller.flags == ("corrected", "needs-policy", "recommended-too-narrow")
    assert len(controller.too_narrow) == 11
    with pytest.raises(ArgsError) as raised:
        resolve_controller({"service": "opensearchserverless", "oidc_provider_arn": PROVIDER_ARN})
    assert str(raised.value) == (
        "policy_arns: there is no recommended policy for the opensearchserverless controller (upstream's is "
        "unusable, see `python -m ack_irsa catalog show opensearchserverless`); give policy_arns or inline_policy "
        "or policy derived"
    )


def test_power_user_access_is_a_computed_risk_not_a_flag() -> None:
    from ack_irsa.commands.catalog import recommended_risks

    controller = catalog.get("applicationautoscaling")
    assert (controller.managed_policies, controller.flags) == (("PowerUserAccess",), ())
    assert [(i, source) for i, source, _ in recommended_risks(controller)] == [
        ("broad-managed-policy", "managed policy PowerUserAccess")
    ]


NEEDS_POLICY = sorted(c.service for c in catalog.controllers() if "needs-policy" in c.flags)


def test_the_controllers_without_a_recommended_policy() -> None:
    assert NEEDS_POLICY == [
        "amg",
        "appconfig",
        "cognito-identity",
        "drs",
        "elasticsearchservice",
        "glue",
        "lakeformation",
        "lambdacore",
        "opensearchserverless",
        "s3files",
    ]


@pytest.mark.parametrize("service", NEEDS_POLICY)
def test_a_controller_without_a_policy_needs_one_in_config(service: str) -> None:
    with pytest.raises(ArgsError, match=rf"^policy_arns: there is no recommended policy for the {service} controller"):
        resolve_controller({"service": service, "oidc_provider_arn": PROVIDER_ARN})
    given = resolve_controller(
        {
            "service": service,
            "oidc_provider_arn": PROVIDER_ARN,
            "policy_arns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
        }
    )
    assert list(given.managed_policies) == ["ReadOnlyAccess"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("s4", "unknown ACK service 's4'; did you mean 's3'? (`python -m ack_irsa catalog` lists all 82)"),
        (
            "cognito",
            "unknown ACK service 'cognito'; did you mean 'cognito-identity', 'cognitoidentityprovider' or "
            "'s3control'? (`python -m ack_irsa catalog` lists all 82)",
        ),
        (
            "dynamo",
            "unknown ACK service 'dynamo'; did you mean 'dynamodb'? (`python -m ack_irsa catalog` lists all 82)",
        ),
        ("xyz", "unknown ACK service 'xyz' (`python -m ack_irsa catalog` lists all 82)"),
    ],
)
def test_unknown_services_name_the_closest(typed: str, message: str) -> None:
    with pytest.raises(catalog.UnknownServiceError) as raised:
        catalog.get(typed)
    assert str(raised.value) == message


def test_the_listing(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["catalog"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert re.split(r"\s{2,}", lines[0]) == [
        "SERVICE",
        "SERVICEACCOUNT",
        "MANAGED POLICIES",
        "INLINE",
        "STATUS",
        "FLAGS",
        "RISKS",
    ]
    rows = {re.split(r"\s{2,}", line)[0]: re.split(r"\s{2,}", line) for line in lines[1:83]}
    assert rows["s3"] == [
        "s3", "ack-s3-controller", "AmazonS3FullAccess", "2 statements", "GA", "-", "service-wide-access",
    ]  # fmt: skip
    assert rows["applicationautoscaling"][-2:] == ["-", "broad-managed-policy"]
    assert rows["opensearchserverless"][2:] == [
        "-",
        "-",
        "unknown",
        "corrected,needs-policy,recommended-too-narrow",
        "-",
    ]
    assert rows["kinesis"][-2] == "corrected,recommended-too-narrow"
    assert rows["appconfig"][-2:] == ["policy-unknown,needs-policy", "-"]
    assert lines[83:] == [
        "",
        "82 controllers. Flags:",
        *(f"  {flag}: {text}" for flag, text in catalog.FLAG_DESCRIPTIONS.items()),
        "Risks, computed from the policy documents:",
        *(f"  {risk}: {text}" for risk, text in RISKS.items()),
    ]


def test_show_prints_the_exact_policies_for_the_partition(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["catalog", "show", "s3", "--partition", "aws-us-gov"]) == 0
    out = capsys.readouterr().out
    assert "Managed policies (aws-us-gov):\n  arn:aws-us-gov:iam::aws:policy/AmazonS3FullAccess\n" in out
    assert "Inline policy (ack-controller-policy, 309 of 10240 characters):\n" in out
    assert json.loads(out.split("characters):\n", 1)[1]) == catalog.get("s3").inline_policy


def test_show_says_when_a_policy_must_be_given(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["catalog", "show", "glue"]) == 0
    assert capsys.readouterr().out.endswith(
        "\nNo recommended policy: a stack must give policyArns or inlinePolicy for this controller.\n"
    )


def test_show_refuses_an_unknown_service(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["catalog", "show", "s4"]) == 1
    assert capsys.readouterr().err == (
        "error: unknown ACK service 's4'; did you mean 's3'? (`python -m ack_irsa catalog` lists all 82)\n"
    )


def test_the_catalog_is_read_on_first_use_not_at_import() -> None:
    code = (
        "import ack_irsa.catalog as c; before = c._catalog.cache_info().currsize; c.get('s3');"
        "print(before, c._catalog.cache_info().currsize)"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert output.stdout.split() == ["0", "1"]


# --- scripts/refresh_catalog.py -------------------------------------------------------------------

sys.path.insert(0, str(ROOT / "scripts"))
import refresh_catalog  # noqa: E402


def clone(root: Path, service: str, arns: str | None, inline: str | None, account: str = "ack-x") -> None:
    repo = root / f"{service}-controller"
    (repo / "helm").mkdir(parents=True)
    (repo / "helm" / "Chart.yaml").write_text(f"name: {service}-chart\nversion: 1.2.3\n")
    (repo / "helm" / "values.yaml").write_text(f"serviceAccount:\n  create: true\n  name: {account}\n")
    iam = repo / "config" / "iam"
    iam.mkdir(parents=True)
    if arns is not None:
        (iam / "recommended-policy-arn").write_text(arns)
    if inline is not None:
        (iam / "recommended-inline-policy").write_text(inline)


def test_refresh_from_local_clones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clones, output = tmp_path / "clones", tmp_path / "upstream.json"
    clone(clones, "s3", "arn:aws:iam::aws:policy/AmazonS3FullAccess\n", '{"Version": "2012-10-17", "Statement": []}')
    clone(clones, "kms", None, "{not json")
    (clones / "batch-controller").mkdir()  # a stub repository: no helm/
    assert refresh_catalog.main(["--from", str(clones), "--output", str(output)]) == 0
    written = json.loads(output.read_text())
    assert written["source"] == "local clones under clones/"
    assert written["controllers"] == {
        "kms": {
            "repository": "aws-controllers-k8s/kms-controller",
            "service_account_name": "ack-x",
            "chart_name": "kms-chart",
            "chart_version": "1.2.3",
            "recommended_policy_arns": [],
            "recommended_inline_policy_raw": "{not json",
        },
        "s3": {
            "repository": "aws-controllers-k8s/s3-controller",
            "service_account_name": "ack-x",
            "chart_name": "s3-chart",
            "chart_version": "1.2.3",
            "recommended_policy_arns": ["arn:aws:iam::aws:policy/AmazonS3FullAccess"],
            "recommended_inline_policy": {"Version": "2012-10-17", "Statement": []},
        },
    }
    report = capsys.readouterr().out
    assert "+ added: kms\n+ added: s3\n" in report
    assert "! correction for networkfirewall: the controller is gone from upstream" in report
    # a second run with nothing new reports no change in the data, and --check agrees
    assert refresh_catalog.main(["--from", str(clones), "--output", str(output), "--check"]) == 2  # corrections
    (clones / "s3-controller" / "helm" / "Chart.yaml").write_text("name: s3-chart\nversion: 1.2.4\n")
    refresh_catalog.main(["--from", str(clones), "--output", str(output), "--check"])
    assert "~ s3.chart_version changed" in capsys.readouterr().out
    assert json.loads(output.read_text())["controllers"]["s3"]["chart_version"] == "1.2.3"  # --check wrote nothing


def test_refresh_from_the_facts_file_reproduces_the_pinned_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], facts_file: Path
) -> None:
    output = tmp_path / "upstream.json"
    output.write_text((ROOT / "ack_irsa" / "catalog" / "upstream.json").read_text())
    assert refresh_catalog.main(["--facts", str(facts_file), "--output", str(output), "--check"]) == 0
    assert capsys.readouterr().out == "no changes\n"


def test_users_see_the_reviewed_notes_once_and_no_maintainer_notes(capsys: pytest.CaptureFixture[str]) -> None:
    for service in ("applicationautoscaling", "cloudwatch"):
        assert cli(["catalog", "show", service]) == 0
        notes = [line for line in capsys.readouterr().out.splitlines() if line.startswith("note:")]
        assert len(notes) == 1, notes
    assert cli(["catalog", "show", "glue"]) == 0
    out = capsys.readouterr().out
    assert "note:" not in out and "snapshot" not in out


def test_the_listing_counts_statements_in_good_english(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["catalog"]) == 0
    out = capsys.readouterr().out
    assert " 1 statements " not in out
    assert " 1 statement " in out and " 2 statements " in out
