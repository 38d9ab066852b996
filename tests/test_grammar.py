"""IAM's policy grammar for a role's own (inline) policy: every problem, exactly, with its path."""

from __future__ import annotations

from typing import Any

import pytest

from ack_irsa.iam.grammar import identity_policy_problems

ALLOW = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_a_well_formed_policy_has_no_problems() -> None:
    condition = {
        "StringEquals": {"aws:RequestedRegion": ["us-west-2", "eu-west-1"]},
        "Bool": {"aws:SecureTransport": True},
    }
    assert identity_policy_problems(document({**ALLOW, "Sid": "Read", "Condition": condition})) == []


@pytest.mark.parametrize(
    ("policy", "problems"),
    [
        (
            [1],
            [("", "must be a policy document (an object with Version and Statement), got [1]")],
        ),
        (
            document({**ALLOW, "Sid": 5}, {**ALLOW, "Sid": 5}),
            [
                ("Statement[0].Sid", "must be letters and digits only, got 5"),
                ("Statement[1].Sid", "must be letters and digits only, got 5"),
            ],
        ),
        (
            document({**ALLOW, "Sid": "A"}, {**ALLOW, "Sid": "A"}, {**ALLOW, "Sid": ""}, {**ALLOW, "Sid": ""}),
            [("Statement[1].Sid", "'A' is the Sid of Statement[0] too; Sids must be unique")],
        ),
        (
            document({**ALLOW, "Resource": "arn:aws:s3:::bucket "}),
            [("Statement[0].Resource", "'arn:aws:s3:::bucket ' has white space or control characters around or in it")],
        ),
        (
            document({**ALLOW, "Resource": ["*", "arn:aws:s3:::a\x07b"]}),
            [
                (
                    "Statement[0].Resource[1]",
                    "'arn:aws:s3:::a\\x07b' has white space or control characters around or in it",
                )
            ],
        ),
        (
            document({**ALLOW, "Condition": {}}),
            [("Statement[0].Condition", "must map condition operators to their keys, got {}")],
        ),
        (
            document({**ALLOW, "Condition": "aws:SecureTransport"}),
            [("Statement[0].Condition", "must map condition operators to their keys, got 'aws:SecureTransport'")],
        ),
        (
            document({**ALLOW, "Condition": {"StringEquals": {}, "Bool": ["x"], "StringLike": {"a b": "x"}}}),
            [
                ("Statement[0].Condition.StringEquals", "must map condition keys to values, got {}"),
                ("Statement[0].Condition.Bool", "must map condition keys to values, got ['x']"),
                ("Statement[0].Condition.StringLike.a b", "is not a condition key (e.g. aws:RequestedRegion)"),
            ],
        ),
        (
            document({**ALLOW, "Condition": {"StringEqual": {"aws:PrincipalTag/team": "a", 5: "b"}}}),
            [
                (
                    "Statement[0].Condition.StringEqual",
                    "is not a condition operator (e.g. StringEquals, ArnLike, BoolIfExists, ForAnyValue:StringLike)",
                ),
                ("Statement[0].Condition.StringEqual.5", "is not a condition key (e.g. aws:RequestedRegion)"),
            ],
        ),
    ],
    ids=[
        "not-a-document",
        "sid-not-text-twice",
        "sid-repeated",
        "resource-trailing-space",
        "resource-control-character",
        "condition-empty",
        "condition-text",
        "condition-tests-not-a-map",
        "condition-bad-operator-and-key",
    ],
)
def test_each_problem_is_reported_with_its_path(policy: Any, problems: list[tuple[str, str]]) -> None:
    assert identity_policy_problems(policy) == problems
