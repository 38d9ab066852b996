"""NaN and Infinity, which Python's json reads (and writes) but JSON and IAM do not: refused in an inline
policy, and in a trust policy given as found, by key and path before anything is made."""

from __future__ import annotations

import json

import pytest

from ack_irsa import ArgsError, ControllerIrsa
from ack_irsa.iam.policies import parse_policy_document
from ack_irsa.stack.config import ConfigError, parse

from .conftest import PROVIDER_ARN, run
from .test_config import config

LITERALS = [("NaN", float("nan")), ("Infinity", float("inf")), ("-Infinity", float("-inf"))]
HOW = "is not a JSON number (write a number such as 10 or 1.5, or a string)"


def text(literal: str, values: str = "{literal}") -> str:
    condition = '{"NumericLessThan": {"s3:max-keys": ' + values.format(literal=literal) + "}}"
    return (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*", '
        f'"Condition": {condition}}}]}}'
    )


@pytest.mark.parametrize(("literal", "value"), LITERALS)
def test_in_the_stack_config_refused_by_key_and_path(literal: str, value: float) -> None:
    with pytest.raises(ConfigError) as raised:
        parse(config({"service": "s3", "inlinePolicy": text(literal)}))
    assert raised.value.problems == [
        f"ack-irsa:controllers[0].inlinePolicy.Statement[0].Condition.NumericLessThan.s3:max-keys: {literal} {HOW}"
    ]


@pytest.mark.parametrize(("literal", "value"), LITERALS)
def test_in_a_list_of_values_the_index_is_named(literal: str, value: float) -> None:
    with pytest.raises(ValueError) as raised:
        parse_policy_document(text(literal, "[10, {literal}]"))
    assert str(raised.value) == f"Statement[0].Condition.NumericLessThan.s3:max-keys[1]: {literal} {HOW}"


@pytest.mark.parametrize(("literal", "value"), LITERALS)
def test_given_to_the_component_as_text_or_as_a_mapping(literal: str, value: float) -> None:
    document = json.loads(text("0"))
    document["Statement"][0]["Condition"]["NumericLessThan"]["s3:max-keys"] = value
    found: list[list[tuple[str, str]]] = []

    def program() -> None:
        for given in (text(literal), document):
            with pytest.raises(ArgsError) as raised:
                ControllerIrsa("s3", {"service": "s3", "oidc_provider_arn": PROVIDER_ARN, "inline_policy": given})
            found.append([(p.field, p.message) for p in raised.value.problems])

    result = run(program)
    assert result.resources == []
    expected = [("inline_policy.Statement[0].Condition.NumericLessThan.s3:max-keys", f"{literal} {HOW}")]
    assert found == [expected, expected]


@pytest.mark.parametrize(("literal", "value"), LITERALS)
def test_in_a_trust_policy_given_as_found(literal: str, value: float) -> None:
    trust = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Principal": {"Service": "pods.eks.amazonaws.com"}, "Action": "sts:AssumeRole", '
        '"Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": '
        f"{literal}}}}}}}]}}"
    )
    with pytest.raises(ConfigError) as raised:
        parse(config({"service": "s3", "roleName": "r", "trustPolicy": trust}))
    assert raised.value.problems == [
        "ack-irsa:controllers[0].trustPolicy.Statement[0].Condition.NumericLessThan.aws:MultiFactorAuthAge: "
        f"{literal} {HOW}"
    ]


def test_finite_numbers_still_pass() -> None:
    parse(config({"service": "s3", "inlinePolicy": text("10.5")}))
    assert parse_policy_document(text("1e3", "[10, {literal}]"))["Statement"][0]["Condition"] == {
        "NumericLessThan": {"s3:max-keys": [10, 1000.0]}
    }
