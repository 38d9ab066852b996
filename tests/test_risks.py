"""Broad grants are computed from the documents and shown where decisions are made: the catalog, the plan,
the diff and ``pulumi preview`` (warnings on the component); an acknowledged risk is not new."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from ack_irsa import ControllerIrsa
from ack_irsa.commands import main as cli
from ack_irsa.commands.catalog import recommended_risks
from ack_irsa.iam import risks

from .conftest import PROVIDER_ARN, ROOT, run

sys.path.insert(0, str(ROOT / "scripts"))
import refresh_risks

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


@pytest.mark.parametrize(
    ("service", "ids"),
    [
        ("iam", ["privilege-escalation"]),
        ("eks", ["pass-role-unrestricted", "service-wide-access"]),
        ("mwaa", ["pass-role-unrestricted", "service-wide-access"]),
        ("mwaaserverless", ["pass-role-unrestricted", "service-wide-access"]),
        ("lambda", ["privilege-escalation", "service-wide-access"]),
        ("organizations", ["service-wide-access"]),
        ("secretsmanager", ["broad-managed-policy", "service-wide-access"]),
        ("applicationautoscaling", ["broad-managed-policy"]),
        ("rds", ["service-wide-access"]),
        ("acm", []),
    ],
)
def test_the_risks_of_the_recommended_policies(service: str, ids: list[str]) -> None:
    from ack_irsa import catalog

    assert [i for i, _, _ in recommended_risks(catalog.get(service))] == ids


@pytest.mark.slow
def test_the_pinned_analysis_is_what_the_documents_say() -> None:
    """catalog/risks.json is regenerated from the catalog and moto's copy of the AWS-managed policies."""
    assert (ROOT / "ack_irsa" / "catalog" / "risks.json").read_text() == refresh_risks.text(), (
        "run: python scripts/refresh_risks.py"
    )


@pytest.mark.parametrize(
    ("document", "ids"),
    [
        (
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            ["privilege-escalation", "pass-role-unrestricted", "all-actions"],
        ),
        ({"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"}, ["privilege-escalation", "all-actions"]),
        ({"Effect": "Allow", "Action": "iam:Pass*", "Resource": "*"}, ["pass-role-unrestricted"]),
        ({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111122223333:role/ack-*"}, []),
        (
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws-cn:iam::*:role/*"},
            ["pass-role-unrestricted"],
        ),
        (
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws-us-gov:iam::*:*"},
            ["pass-role-unrestricted"],
        ),
        ({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws-cn:iam::111122223333:role/ack-*"}, []),
        (
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": "*",
                "Condition": {"StringEquals": {"iam:PassedToService": "eks.amazonaws.com"}},
            },
            [],
        ),
        ({"Effect": "Allow", "Action": ["sqs:*", "sns:Publish"], "Resource": "*"}, ["service-wide-access"]),
        ({"Effect": "Deny", "Action": "*", "Resource": "*"}, []),
        ({"Effect": "Allow", "Action": "iam:PutRolePolicy", "Resource": "*"}, ["privilege-escalation"]),
        # broad grants written without the obvious literal
        ({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:*"}, ["pass-role-unrestricted"]),
        (
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::*:role/*"},
            ["pass-role-unrestricted"],
        ),
        (
            {"Effect": "Allow", "Action": "iam:PutRolePolicy", "Resource": "arn:*:iam::*:role/*"},
            ["privilege-escalation"],
        ),
        (
            {"Effect": "Allow", "Action": "iam:PassRole", "NotResource": "arn:aws:iam::111122223333:role/x"},
            ["pass-role-unrestricted"],
        ),
        ({"Effect": "Allow", "Action": "iam:PutRolePolicy", "NotResource": "arn:aws:s3:::b"}, ["privilege-escalation"]),
        ({"Effect": "Allow", "Action": "iam:PassRole", "NotResource": "arn:aws:iam::*:role/*"}, []),
        (
            {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"},
            ["privilege-escalation", "pass-role-unrestricted", "all-actions"],
        ),
        (
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": "*",
                "Condition": {"StringEqualsIfExists": {"iam:PassedToService": "eks.amazonaws.com"}},
            },
            ["pass-role-unrestricted"],
        ),
        (
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": "*",
                "Condition": {"StringLike": {"iam:PassedToService": "*"}},
            },
            ["pass-role-unrestricted"],
        ),
        (
            {"Effect": "Allow", "Action": "iam:?*", "Resource": "*"},
            ["privilege-escalation", "pass-role-unrestricted", "service-wide-access"],
        ),
        ({"Effect": "Allow", "Action": "kms:?*", "Resource": "*"}, ["service-wide-access"]),
        ({"Effect": "Allow", "Action": "KMS:*", "Resource": "*"}, ["service-wide-access"]),
        (
            {"Effect": "Allow", "Action": "iam:*Role*", "Resource": "*"},
            ["privilege-escalation", "pass-role-unrestricted"],
        ),
        (
            {"Effect": "Allow", "Action": "*:*", "Resource": "*"},
            ["privilege-escalation", "pass-role-unrestricted", "all-actions"],
        ),
        ({"Effect": "Allow", "Action": ["iam:Get*", "iam:List*", "kms:Decrypt*"], "Resource": "*"}, []),
        ({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::*:user/*"}, []),
    ],
)
def test_risks_of_a_document(document: dict[str, Any], ids: list[str]) -> None:
    found = risks.document_risks({"Version": "2012-10-17", "Statement": [document]})
    assert [i for i, _ in found] == ids


def test_managed_policies_fold_the_broadest_risks() -> None:
    assert risks.managed_risks(["all-actions", "pass-role-unrestricted"]) == [
        "broad-managed-policy",
        "pass-role-unrestricted",
    ]
    assert risks.managed_risks(["service-wide-access"]) == ["service-wide-access"]
    assert [i for i, _ in risks.aws_managed_policy_risks("IAMFullAccess")] == [
        "broad-managed-policy",
        "pass-role-unrestricted",
        "service-wide-access",
    ]
    assert risks.aws_managed_policy_risks("ReadOnlyAccess") == []


def test_the_component_warns_of_each_unacknowledged_risk_and_reports_all() -> None:
    def program() -> None:
        ControllerIrsa("iam", {"service": "iam", "oidc_provider_arn": PROVIDER_ARN})
        ControllerIrsa(
            "iam-reviewed",
            {
                "service": "iam",
                "oidc_provider_arn": PROVIDER_ARN,
                "namespace": "reviewed",
                "acknowledge_risks": ["privilege-escalation"],
            },
        )
        ControllerIrsa(
            "admin", {"service": "rds", "oidc_provider_arn": PROVIDER_ARN, "namespace": "x", "policy_arns": [ADMIN]}
        )

    result = run(program)
    names = {r.urn: r.name for r in result.resources}
    warned = sorted((names[urn], message.split(":")[0]) for urn, message in result.warnings)
    assert warned == [
        ("admin", "risk broad-managed-policy in managed policy AdministratorAccess"),
        ("admin", "risk pass-role-unrestricted in managed policy AdministratorAccess"),
        ("iam", "risk privilege-escalation in the inline policy"),
    ]
    outputs = {names[urn]: o["risks"] for urn, o in result.component_outputs.items() if urn in names}
    assert [(r["id"], r["acknowledged"]) for r in outputs["iam-reviewed"]] == [("privilege-escalation", True)]


def stack(tmp_path: Path, name: str, controllers: str) -> Path:
    path = tmp_path / name / "Pulumi.dev.yaml"
    path.parent.mkdir()
    path.write_text(
        f"config:\n  aws:region: us-west-2\n  ack-irsa:clusterName: dev\n  ack-irsa:controllers:\n{controllers}"
    )
    return path


def test_plans_list_the_risks_by_id(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = stack(
        tmp_path, "s", "    - service: iam\n      acknowledgeRisks: [privilege-escalation]\n    - service: eks\n"
    )
    assert cli(["render", "--project-dir", str(ROOT), "--config-file", str(path), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [(r["controller"], r["id"], r["acknowledged"]) for r in document["risks"]] == [
        ("eks", "pass-role-unrestricted", False),
        ("eks", "service-wide-access", False),
        ("iam", "privilege-escalation", True),
    ]
    assert cli(["render", "--project-dir", str(ROOT), "--config-file", str(path)]) == 0
    markdown = capsys.readouterr().out
    iam = markdown.split("## Controller `iam`")[1].split("## ")[0]
    assert "Risks:\n\n- ⚠️ `privilege-escalation` (acknowledged) in the inline policy: escalation paths " in iam
    eks = markdown.split("## Controller `eks`")[1].split("## ")[0]
    assert (
        "- ⚠️ `pass-role-unrestricted` in the inline policy: iam:PassRole on every role, with no restricting Condition\n"
        in eks
    )


def test_a_diff_calls_out_a_new_risk_at_the_top(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    base = stack(tmp_path, "base", "    - service: rds\n")
    head = stack(tmp_path, "head", f"    - service: rds\n      extraPolicyArns: [{ADMIN}]\n    - service: iam\n")
    code = cli(["diff", "--project-dir", str(ROOT), "--base-file", str(base), "--head-file", str(head)])
    out = capsys.readouterr().out
    assert code == 2
    head_lines = out.split("### ")[0]
    assert (
        "> ⚠️ **New risk `broad-managed-policy`** on controller `rds`, in managed policy AdministratorAccess"
        in head_lines
    )
    assert "> ⚠️ **New risk `privilege-escalation`** on controller `iam`, in the inline policy" in head_lines
    assert "New risk `service-wide-access`" not in head_lines  # rds had it before
    acknowledged = stack(
        tmp_path, "ack", "    - service: rds\n    - service: iam\n      acknowledgeRisks: [privilege-escalation]\n"
    )
    assert cli(["diff", "--project-dir", str(ROOT), "--base-file", str(base), "--head-file", str(acknowledged)]) == 2
    assert "New risk" not in capsys.readouterr().out


def test_an_acknowledgement_must_name_a_risk_the_controller_has(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A typo of a risk id is an error; a risk the controller no longer has is a warning (the next test)."""
    path = stack(tmp_path, "s", "    - service: rds\n      acknowledgeRisks: [privilege-escalation, root]\n")
    assert cli(["render", "--project-dir", str(ROOT), "--config-file", str(path)]) == 1
    assert capsys.readouterr().err.splitlines()[1:] == [
        "  ack-irsa:controllers[0].acknowledgeRisks[1]: 'root' is not a risk id (privilege-escalation, "
        "pass-role-unrestricted, all-actions, service-wide-access, broad-managed-policy)",
    ]


STALE = (
    "the acknowledged risk 'privilege-escalation' is no longer a risk of this role (its risks: service-wide-access): "
    "drop it from acknowledge_risks (acknowledgeRisks in a stack file)"
)


def test_a_stale_acknowledgement_is_a_warning_in_the_plan_and_preview(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """An upgrade whose catalog narrowed a policy must not break `pulumi up`: the component logs the warning
    (what `pulumi preview` shows), the plan carries it in every format."""
    path = stack(tmp_path, "s", "    - service: rds\n      acknowledgeRisks: [privilege-escalation]\n")
    assert cli(["render", "--project-dir", str(ROOT), "--config-file", str(path), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert {"resource": "rds", "message": STALE} in document["warnings"]
    assert cli(["render", "--project-dir", str(ROOT), "--config-file", str(path)]) == 0
    assert f"> ⚠️ {STALE}" in capsys.readouterr().out


@pytest.mark.slow
def test_escalation_paths_are_what_cloudsplaining_finds() -> None:
    """On every AWS-managed policy and every catalog policy the analysis finds what Cloudsplaining's own scan
    finds, and more only where Cloudsplaining reads literals: restricted to the statements Cloudsplaining
    counts (``Resource: "*"``, no Condition), it finds exactly the same."""
    from cloudsplaining.scan.policy_document import PolicyDocument
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    from ack_irsa import catalog

    documents = [p["Document"] for p in json.loads(aws_managed_policies_data).values()]
    documents += [dict(c.inline_policy) for c in catalog.controllers() if c.inline_policy is not None]
    for document in documents:
        expected = {m["type"] for m in PolicyDocument(document).allows_privilege_escalation}
        found = set(risks.escalation_methods(risks._statements(document)))
        assert expected <= found, document
        if found - expected:  # only where Cloudsplaining reads a literal: `arn:*`, NotResource, …IfExists
            literal = [
                s
                for s in risks._statements(document)
                if "*" in risks._actions(s, "Resource") and not s.get("Condition")
            ]
            assert set(risks.escalation_methods(literal)) == expected, document


def test_a_stale_acknowledgement_names_every_risk_the_controller_has() -> None:
    from ack_irsa import ArgsError
    from ack_irsa.spec.controller import resolve_controller

    provider = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/A"
    spec = resolve_controller({"service": "eks", "oidc_provider_arn": provider, "acknowledge_risks": ["all-actions"]})
    assert spec.warnings == (
        "the acknowledged risk 'all-actions' is no longer a risk of this role "
        "(its risks: pass-role-unrestricted, service-wide-access): drop it from acknowledge_risks "
        "(acknowledgeRisks in a stack file)",
    )
    with pytest.raises(ArgsError):  # a typo stays an error
        resolve_controller({"service": "eks", "oidc_provider_arn": provider, "acknowledge_risks": ["all-action"]})
