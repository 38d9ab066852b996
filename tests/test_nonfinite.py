"""NaN and Infinity, which Python's json reads but JSON and IAM do not, refused in an inline policy by key."""

from __future__ import annotations

from typing import Any

import pytest

from ack_irsa import ArgsError, ControllerIrsa
from ack_irsa.stack.config import ConfigError, parse

from .conftest import PROVIDER_ARN, run
from .test_config import config


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_in_an_inline_policy_are_refused_by_key(literal: str) -> None:
    text = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", '
    text += '"Condition": {"NumericLessThan": {"s3:max-keys": ' + literal + "}}}]}"
    with pytest.raises(ConfigError) as raised:
        parse(config({"service": "s3", "inlinePolicy": text}))
    assert raised.value.problems == [
        f"ack-irsa:controllers[0].inlinePolicy: is not valid JSON ({literal} is not a JSON number; write numbers "
        "such as 10 or 1.5, or a string) at line 1 column "
        f"{text.index(literal) + 1}"
    ]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_nan_and_infinity_in_a_document_given_as_a_mapping_are_refused_by_path(value: float) -> None:
    document: dict[str, Any] = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"NumericLessThan": {"s3:max-keys": value}},
            }
        ],
    }

    def program() -> None:
        ControllerIrsa("s3", {"service": "s3", "oidc_provider_arn": PROVIDER_ARN, "inline_policy": document})

    with pytest.raises(ArgsError) as raised:
        run(program)
    assert [(p.field, p.message) for p in raised.value.problems] == [
        (
            "inline_policy.Statement[0].Condition.NumericLessThan.s3:max-keys",
            f"{value} is not a JSON number (write numbers such as 10 or 1.5, or a string)",
        )
    ]


def test_finite_numbers_still_pass() -> None:
    text = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", '
    text += '"Condition": {"NumericLessThan": {"s3:max-keys": 10.5}}}]}'
    parse(config({"service": "s3", "inlinePolicy": text}))
