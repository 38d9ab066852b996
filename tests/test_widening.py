"""A widening is called out at the top of a diff whatever its risk id: new actions, new resources, a weaker
condition, a wider trust, a new managed policy, a boundary removed. A narrowing is not."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from ack_irsa.commands import main as cli

from .conftest import ROOT


def stack(tmp_path: Path, name: str, entry: str) -> Path:
    path = tmp_path / name / "Pulumi.dev.yaml"
    path.parent.mkdir()
    path.write_text(f"config:\n  aws:region: us-west-2\n  ack-irsa:clusterName: dev\n  ack-irsa:controllers:\n{entry}")
    return path


def policy(*statements: Mapping[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def top_of_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str], base: str, head: str) -> str:
    before, after = stack(tmp_path, "base", base), stack(tmp_path, "head", head)
    assert cli(["diff", "--project-dir", str(ROOT), "--base-file", str(before), "--head-file", str(after)]) == 2
    return capsys.readouterr().out.split("### ")[0]


SECRETS = {
    "Effect": "Allow",
    "Action": "secretsmanager:GetSecretValue",
    "Resource": "arn:aws:secretsmanager:*:*:secret:a",
}
ECR = {"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}
PASS = {
    "Effect": "Allow",
    "Action": "iam:PassRole",
    "Resource": "*",
    "Condition": {"StringEquals": {"iam:PassedToService": "eks.amazonaws.com"}},
}


def entry(document: str, extra: str = "") -> str:
    acknowledged = "      acknowledgeRisks: [service-wide-access]\n"
    return f"    - service: ecr\n      inlinePolicy: {json.dumps(document)}\n{acknowledged}{extra}"


@pytest.mark.parametrize(
    ("base", "head", "expected"),
    [
        # same risk id, already acknowledged: secretsmanager:* beside ecr:*
        (
            entry(policy(ECR)),
            entry(policy(ECR, {**SECRETS, "Action": "secretsmanager:*"})),
            "new actions: `secretsmanager:*` on `arn:aws:secretsmanager:*:*:secret:a`",
        ),
        (
            entry(policy(ECR, SECRETS)),
            entry(policy(ECR, {**SECRETS, "Resource": "*"})),
            "`secretsmanager:GetSecretValue` on `*`",
        ),
        (
            entry(policy(ECR, PASS)),
            entry(
                policy(
                    ECR, {**PASS, "Condition": {"StringEqualsIfExists": {"iam:PassedToService": "eks.amazonaws.com"}}}
                )
            ),
            "weaker condition",
        ),
        (
            entry(policy(ECR)),
            entry(policy(ECR), "      extraServiceAccounts: ['team-a:*']\n      allowWildcardSubject: true\n"),
            "wider trust",
        ),
        (
            entry(policy(ECR), "      permissionsBoundary: arn:aws:iam::111122223333:policy/boundary\n"),
            entry(policy(ECR)),
            "permissions boundary `arn:aws:iam::111122223333:policy/boundary` removed",
        ),
        (
            entry(policy(ECR)),
            entry(policy(ECR), "      extraPolicyArns: [arn:aws:iam::aws:policy/ReadOnlyAccess]\n"),
            "new managed policy `arn:aws:iam::aws:policy/ReadOnlyAccess`",
        ),
    ],
)
def test_a_widening_is_called_out(
    base: str, head: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    top = top_of_diff(tmp_path, capsys, base, head)
    assert "> ⚠️ **Widened** `ecr`" in top
    assert expected in top


def test_a_narrowing_is_not(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    unconditioned = {key: value for key, value in PASS.items() if key != "Condition"}
    base = policy(ECR, {**SECRETS, "Action": "secretsmanager:*", "Resource": "*"}, unconditioned)
    top = top_of_diff(
        tmp_path, capsys, entry(base, "      extraServiceAccounts: ['team-a:x']\n"), entry(policy(ECR, SECRETS, PASS))
    )
    assert "Widened" not in top
