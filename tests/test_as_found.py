"""A role taken over as it is (``trust_policy``, ``inline_policy_name``, ``role_description``): what is kept, and
every bad value refused by its argument with the allowed form."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ack_irsa.spec.controller import resolve_controller
from ack_irsa.spec.problems import ArgsError

A = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/AAAA"
TRUSTED = {"Effect": "Allow", "Principal": {"Federated": A}, "Action": "sts:AssumeRoleWithWebIdentity"}
NAME_FORM = "must be 1 to 128 of A-Z a-z 0-9 +=,.@_-, got "
DESCRIPTION_FORM = "must be at most 1,000 printable Latin-1 characters, got "


def problems(**given: Any) -> list[tuple[str, str]]:
    with pytest.raises(ArgsError) as error:
        resolve_controller({"service": "s3", "oidc_provider_arn": A, **given})
    return [(p.field, p.message) for p in error.value.problems]


def kept(**given: Any) -> tuple[Any, str, str | None]:
    spec = resolve_controller({"service": "s3", "oidc_provider_arn": A, **given})
    return spec.trust_policy, spec.inline_policy_name, spec.role_description


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"inline_policy_name": 5}, [("inline_policy_name", "must be an inline policy name, got 5")]),
        ({"inline_policy_name": ""}, [("inline_policy_name", NAME_FORM + "''")]),
        ({"inline_policy_name": "a b"}, [("inline_policy_name", NAME_FORM + "'a b'")]),
        (
            {"inline_policy_name": "x" * 129},
            [("inline_policy_name", NAME_FORM + f"'{'x' * 57}...{'x' * 58}' (129 characters)")],
        ),
        (
            {"inline_policy_name": "ack-cross-account"},
            [("inline_policy_name", "'ack-cross-account' is the cross-account policy's name; choose another")],
        ),
        ({"role_description": 5}, [("role_description", "must be a description, got 5")]),
        ({"role_description": "\u2603"}, [("role_description", DESCRIPTION_FORM + "'\u2603'")]),
        (
            {"role_description": "x" * 1001},
            [("role_description", DESCRIPTION_FORM + f"'{'x' * 57}...{'x' * 58}' (1001 characters)")],
        ),
        (
            {"trust_policy": "{"},
            [("trust_policy", "is not valid JSON (Expecting property name enclosed in double quotes at character 1)")],
        ),
        ({"trust_policy": "[]"}, [("trust_policy", "must be a trust policy document with a Statement, got []")]),
        (
            {"trust_policy": {"Statement": "x"}},
            [("trust_policy", "must be a trust policy document with a Statement, got {'Statement': 'x'}")],
        ),
        (
            {"trust_policy": {"Statement": [5, {**TRUSTED, "Effect": "Maybe"}]}},
            [
                ("trust_policy.Statement[0]", "must be an object, got 5"),
                ("trust_policy.Statement[1].Effect", "must be 'Allow' or 'Deny', got 'Maybe'"),
            ],
        ),
        (
            {"trust_policy": {"Statement": [{"Principal": TRUSTED["Principal"], "Action": "sts:AssumeRole"}]}},
            [("trust_policy.Statement[0].Effect", "must be 'Allow' or 'Deny', got None")],
        ),
        (
            {"trust_policy": {"Statement": [{"Effect": "Allow"}]}},
            [
                ("trust_policy.Statement[0]", "names no Principal: a trust policy says who may assume the role"),
                ("trust_policy.Statement[0]", "names no Action"),
            ],
        ),
        (
            {"trust_policy": {"Statement": [{**TRUSTED, "Condition": {"NumericLessThan": {"x": float("nan")}}}]}},
            [
                (
                    "trust_policy.Statement[0].Condition.NumericLessThan.x",
                    "NaN is not a JSON number (write a number such as 10 or 1.5, or a string)",
                )
            ],
        ),
        (
            {"trust_policy": "[]", "inline_policy_name": "", "role_description": 5},
            [
                ("trust_policy", "must be a trust policy document with a Statement, got []"),
                ("inline_policy_name", NAME_FORM + "''"),
                ("role_description", "must be a description, got 5"),
            ],
        ),
    ],
)
def test_a_bad_value_of_a_role_taken_over_is_refused_by_its_argument(
    given: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert problems(**given) == expected


def test_what_a_role_taken_over_keeps_at_the_limits() -> None:
    assert kept() == (None, "ack-controller-policy", None)
    assert kept(inline_policy_name="x" * 128) == (None, "x" * 128, None)
    assert kept(inline_policy_name="ack-recommended-policy+=,.@_-9") == (None, "ack-recommended-policy+=,.@_-9", None)
    assert kept(role_description="x" * 1000)[2] == "x" * 1000
    assert kept(role_description="é\ttab\r\n~")[2] == "é\ttab\r\n~"
    assert kept(role_description="")[2] == ""


def test_a_trust_policy_is_kept_as_given_in_either_form() -> None:
    one = {"Version": "2012-10-17", "Statement": TRUSTED}
    assert kept(trust_policy=one)[0] == one
    denied = {"Effect": "Deny", "NotPrincipal": {"AWS": "x"}, "NotAction": "sts:AssumeRole"}
    as_text = '{"Version": "2012-10-17", "Statement": [' + ", ".join(json.dumps(s) for s in (denied, TRUSTED)) + "]}"
    assert kept(trust_policy=as_text)[0] == {"Version": "2012-10-17", "Statement": [denied, TRUSTED]}
