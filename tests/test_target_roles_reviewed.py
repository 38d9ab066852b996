"""Every role the stack makes is a workload role: a cross-account target role made with ``manageRole``
carries the controller's recommended policies, and the plan shows them, its risks are computed and listed,
the diff calls a new one out, and the guardrails apply to it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ack_irsa.commands import main as cli

from .conftest import ROOT

TARGET = "444455556666"
IAM_TARGET = (
    "    - service: iam\n"
    "      crossAccount:\n"
    f"        - accountId: '{TARGET}'\n"
    "          roleName: ack-iam-team-a\n"
    "          namespaces: [team-a]\n"
    "          manageRole: true\n"
    "          provider: {profile: team-a}\n"
)


def stack(tmp_path: Path, name: str, controllers: str) -> Path:
    path = tmp_path / name / "Pulumi.dev.yaml"
    path.parent.mkdir()
    path.write_text(
        "config:\n  aws:region: us-west-2\n  ack-irsa:clusterName: dev\n  ack-irsa:crossAccountMode: carm\n"
        f"  ack-irsa:controllers:\n{controllers}"
    )
    return path


def test_the_plan_shows_the_target_roles_permissions_and_risks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = stack(tmp_path, "s", IAM_TARGET)
    assert cli(["render", "--project-dir", str(ROOT), "--config-file", str(path), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    target_risks = [r for r in document["risks"] if r["controller"] != "iam"]
    assert [(r["id"], r["acknowledged"]) for r in target_risks] == [("privilege-escalation", False)]
    assert cli(["render", "--project-dir", str(ROOT), "--config-file", str(path)]) == 0
    markdown = capsys.readouterr().out
    target = markdown.split("Role made in the target account")[1].split("## ")[0]
    assert "Inline policy `ack-controller-policy`" in target or "Inline policy `" in target
    assert "`privilege-escalation`" in target


def test_the_diff_calls_out_the_target_roles_new_risk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = stack(tmp_path, "base", "    - service: iam\n")
    head = stack(tmp_path, "head", IAM_TARGET)
    capsys.readouterr()
    cli(["diff", "--project-dir", str(ROOT), "--base-file", str(base), "--head-file", str(head)])
    top = capsys.readouterr().out.split("### ")[0]
    assert "New risk `privilege-escalation`" in top


def test_check_applies_the_guardrails_to_the_target_role(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = stack(tmp_path, "s", IAM_TARGET.replace("service: iam", "service: eks").replace("ack-iam-", "ack-eks-"))
    capsys.readouterr()
    cli(["check", "--project-dir", str(ROOT), "--config-file", str(path)])
    out = capsys.readouterr().out
    assert "an inline policy of the workload role ack-eks-team-a allows iam:PassRole on every role" in out
