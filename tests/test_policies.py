import json

import pytest

from ack_irsa.iam.policies import issuer_host, parse_policy_document, policy_size, to_json
from ack_irsa.iam.trust import TrustedIssuer, irsa_trust_policy

from .conftest import ISSUER_HOST, OTHER_ISSUER_HOST, OTHER_PROVIDER_ARN, PROVIDER_ARN

SUBJECT = "system:serviceaccount:ack-system:ack-s3-controller"


def test_trust_policy_pins_sub_and_aud_with_string_equals() -> None:
    assert irsa_trust_policy([TrustedIssuer(PROVIDER_ARN, ISSUER_HOST, (SUBJECT,))]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": PROVIDER_ARN},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{ISSUER_HOST}:sub": SUBJECT,
                        f"{ISSUER_HOST}:aud": "sts.amazonaws.com",
                    }
                },
            }
        ],
    }


def test_several_subjects_are_a_list_under_one_statement() -> None:
    other = "system:serviceaccount:team-a:ack-s3-controller"
    document = irsa_trust_policy([TrustedIssuer(PROVIDER_ARN, ISSUER_HOST, (SUBJECT, other))])
    assert document["Statement"][0]["Condition"] == {
        "StringEquals": {f"{ISSUER_HOST}:sub": [SUBJECT, other], f"{ISSUER_HOST}:aud": "sts.amazonaws.com"}
    }


def test_one_statement_per_provider_each_with_its_own_keys() -> None:
    document = irsa_trust_policy(
        [
            TrustedIssuer(PROVIDER_ARN, ISSUER_HOST, (SUBJECT,)),
            TrustedIssuer(OTHER_PROVIDER_ARN, OTHER_ISSUER_HOST, (SUBJECT,)),
        ]
    )
    assert [s["Principal"]["Federated"] for s in document["Statement"]] == [PROVIDER_ARN, OTHER_PROVIDER_ARN]
    assert document["Statement"][1]["Condition"] == {
        "StringEquals": {f"{OTHER_ISSUER_HOST}:sub": SUBJECT, f"{OTHER_ISSUER_HOST}:aud": "sts.amazonaws.com"}
    }


def test_a_wildcard_moves_only_sub_to_string_like() -> None:
    pattern = "system:serviceaccount:ack-system:ack-*"
    document = irsa_trust_policy([TrustedIssuer(PROVIDER_ARN, ISSUER_HOST, (pattern,))])
    assert document["Statement"][0]["Condition"] == {
        "StringEquals": {f"{ISSUER_HOST}:aud": "sts.amazonaws.com"},
        "StringLike": {f"{ISSUER_HOST}:sub": pattern},
    }


def test_no_string_like_without_a_wildcard() -> None:
    document = irsa_trust_policy([TrustedIssuer(PROVIDER_ARN, ISSUER_HOST, (SUBJECT,))])
    assert "StringLike" not in document["Statement"][0]["Condition"]


@pytest.mark.parametrize(
    ("url", "host"),
    [
        (f"https://{ISSUER_HOST}", ISSUER_HOST),
        (f"https://{ISSUER_HOST}/", ISSUER_HOST),
        (ISSUER_HOST, ISSUER_HOST),
        (f" https://{ISSUER_HOST} ", ISSUER_HOST),
    ],
)
def test_issuer_host_drops_scheme_and_trailing_slash(url: str, host: str) -> None:
    assert issuer_host(url) == host


def test_size_counts_compact_json() -> None:
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    assert to_json(document) == json.dumps(document, separators=(",", ":"))
    assert policy_size(document) == len(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'
    )


def test_parse_policy_document_accepts_json_text_and_mappings() -> None:
    text = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}'
    assert parse_policy_document(text) == json.loads(text)
    assert parse_policy_document(json.loads(text)) == json.loads(text)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("{not json", "is not valid JSON (Expecting property name enclosed in double quotes at line 1 column 2)"),
        ('["a list"]', "must be a policy document (a JSON object with Version and Statement)"),
        (
            '{"Statement": [{"Effect": "Allow"}]}',
            "Version: must be '2012-10-17', the current policy language, got None; Statement[0]: must have exactly "
            "one of Action and NotAction; Statement[0]: must have exactly one of Resource and NotResource",
        ),
        (
            '{"Version": "2012-10-17", "Statement": []}',
            "Statement: must be a statement or a non-empty list of statements, got []",
        ),
        (
            '{"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}',
            "Version: must be '2012-10-17', the current policy language, got '2008-10-17'",
        ),
    ],
)
def test_parse_policy_document_refuses(value: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_policy_document(value)
    assert str(raised.value) == message


def test_allowed_actions_of_allow_statements_in_order_and_once() -> None:
    from ack_irsa.iam.policies import allowed_actions

    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
            {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"},
            "not a statement",
        ],
    }
    assert allowed_actions(document) == ["s3:GetObject", "s3:PutObject", "all but iam:*", "all but organizations:*"]
    single = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}}
    assert allowed_actions(single) == ["sqs:*"]
    assert allowed_actions({"Version": "2012-10-17"}) == []


def test_summary_cuts_long_lists() -> None:
    from ack_irsa.iam.policies import summary

    assert summary([]) == ""
    assert summary(["a"]) == "`a`"
    assert summary(list("abcdef")) == "`a`, `b`, `c`, `d`, `e`, `f`"
    assert summary(list("abcdefgh")) == "`a`, `b`, `c`, `d`, `e`, `f` and 2 more"
    assert summary(list("abc"), shown=2) == "`a`, `b` and 1 more"


def test_issuer_host_and_url() -> None:
    from ack_irsa.iam.policies import issuer_host, issuer_url

    assert issuer_host(" https://oidc.eks.us-west-2.amazonaws.com/id/A/ ") == "oidc.eks.us-west-2.amazonaws.com/id/A"
    assert issuer_host("oidc.eks.us-west-2.amazonaws.com/id/A") == "oidc.eks.us-west-2.amazonaws.com/id/A"
    assert issuer_url("oidc.eks.us-west-2.amazonaws.com/id/A/") == "https://oidc.eks.us-west-2.amazonaws.com/id/A"


def test_grammar_errors_list_every_problem_with_its_path() -> None:
    from ack_irsa.iam.policies import PolicyGrammarError

    with pytest.raises(PolicyGrammarError) as raised:
        parse_policy_document({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "x"}]})
    assert raised.value.problems == [
        ("Statement[0].Action", "'x' is not an action (service:Action, e.g. s3:GetObject, or *)"),
        ("Statement[0]", "must have exactly one of Resource and NotResource"),
    ]
    assert str(raised.value) == (
        "Statement[0].Action: 'x' is not an action (service:Action, e.g. s3:GetObject, or *); "
        "Statement[0]: must have exactly one of Resource and NotResource"
    )
    assert str(PolicyGrammarError([("", "must be a policy document")])) == "must be a policy document"
    with pytest.raises(ValueError) as deep:
        parse_policy_document("[" * 100_000 + "]" * 100_000)
    assert str(deep.value) == "is nested too deeply to be a policy document"


def test_issuer_host_strips_only_slashes() -> None:
    from ack_irsa.iam.policies import issuer_host

    assert issuer_host("https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLEX/") == (
        "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLEX"
    )
