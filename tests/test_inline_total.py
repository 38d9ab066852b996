"""A role's inline policies together, as IAM counts them, and JSON IAM would not read: refused by key before
anything is made."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ack_irsa import ArgsError, ControllerIrsa
from ack_irsa.iam.accounts import assume_policy
from ack_irsa.iam.policies import policy_size, to_json
from ack_irsa.stack.config import ConfigError, parse

from .conftest import PROVIDER_ARN, run
from .test_config import config, inline_policy_of_size

TARGET = {"accountId": "444455556666", "roleName": "ack-s3", "namespaces": ["team-b"]}
# sized in the longest partition: the stack's is known only at deploy time
CROSS = policy_size(assume_policy(["arn:aws-us-gov:iam::444455556666:role/ack-s3"], False))


def test_the_cross_account_policy_counts_with_the_inline_policy() -> None:
    fits = inline_policy_of_size(10240 - CROSS)
    parse(config({"service": "s3", "inlinePolicy": fits, "crossAccount": [TARGET]}))
    over = inline_policy_of_size(10241 - CROSS)
    with pytest.raises(ConfigError) as raised:
        parse(config({"service": "s3", "inlinePolicy": over, "crossAccount": [TARGET]}))
    assert raised.value.problems == [
        "ack-irsa:controllers[0].inlinePolicy: with the ack-cross-account policy, the role's inline policies "
        f"would be up to 10241 characters ({10241 - CROSS} + {CROSS}); IAM allows at most 10240 for all of a "
        "role's inline policies together"
    ]


def test_alone_each_fits_and_neither_is_counted_twice() -> None:
    parse(config({"service": "s3", "inlinePolicy": inline_policy_of_size(10240)}))
    parse(config({"service": "s3", "inlinePolicy": inline_policy_of_size(10240 - CROSS), "crossAccount": [TARGET]}))


def targets(count: int) -> list[dict[str, Any]]:
    return [{"accountId": f"4444555566{i:02}", "roleName": "r" * 64, "namespaces": [f"t{i}"]} for i in range(count)]


def test_the_recommended_policy_counts_too() -> None:
    """Without an inline policy of the user's, the recommended one is counted, and the key to change is the
    cross-account list (the recommended policy is no key of the stack's)."""
    from ack_irsa import catalog

    recommended = catalog.get("iam").inline_policy
    assert recommended is not None
    sizes = {
        count: policy_size(
            assume_policy([f"arn:aws-us-gov:iam::4444555566{i:02}:role/{'r' * 64}" for i in range(count)], False)
        )
        for count in (70, 80)
    }
    assert sizes[70] <= 10240 - policy_size(recommended) < sizes[80]
    parse(config({"service": "iam", "crossAccount": targets(70)}))
    with pytest.raises(ConfigError) as raised:
        parse(config({"service": "iam", "crossAccount": targets(80)}))
    assert raised.value.problems == [
        "ack-irsa:controllers[0].crossAccount: with the ack-cross-account policy, the role's inline policies would "
        f"be up to {policy_size(recommended) + sizes[80]} characters ({policy_size(recommended)} + {sizes[80]}); "
        "IAM allows at most 10240 for all of a role's inline policies together"
    ]


def test_the_component_refuses_the_total_by_its_argument_name() -> None:
    def program() -> None:
        ControllerIrsa(
            "s3",
            {
                "service": "s3",
                "oidc_provider_arn": PROVIDER_ARN,
                "inline_policy": inline_policy_of_size(10241 - CROSS),
                "cross_account": [{"account_id": "444455556666", "role_name": "ack-s3", "namespaces": ["team-b"]}],
            },
        )

    with pytest.raises(ArgsError) as raised:
        run(program)
    assert [(p.field, p.message) for p in raised.value.problems] == [
        (
            "inline_policy",
            "with the ack-cross-account policy, the role's inline policies would be up to 10241 characters "
            f"({10241 - CROSS} + {CROSS}); IAM allows at most 10240 for all of a role's inline policies together",
        )
    ]


def test_whitespace_is_not_counted() -> None:
    """IAM does not count whitespace: a document given as indented text counts as its compact form."""
    document = inline_policy_of_size(10240 - CROSS)
    parse(config({"service": "s3", "inlinePolicy": json.dumps(document, indent=40), "crossAccount": [TARGET]}))
    assert len(json.dumps(document, indent=40)) > 10240 >= len(to_json(document)) + CROSS


def test_an_inline_policy_known_at_deploy_time_is_counted_with_the_cross_account_policy_then() -> None:
    import pulumi

    from .test_input_third import _resolution_error

    exact = policy_size(assume_policy(["arn:aws:iam::444455556666:role/ack-s3"], False))

    def build(size: int) -> Any:
        return ControllerIrsa(
            "s3",
            {
                "service": "s3",
                "oidc_provider_arn": PROVIDER_ARN,
                "inline_policy": pulumi.Output.from_input(inline_policy_of_size(size)),  # type: ignore[arg-type]
                "cross_account": [{"account_id": "444455556666", "role_name": "ack-s3", "namespaces": ["team-b"]}],
            },
        )

    run(lambda: (build(10240 - exact), None)[1])
    assert _resolution_error(lambda: build(10241 - exact)) == (
        "ControllerIrsa 's3': inline_policy: with the ack-cross-account policy, the role's inline policies are "
        f"10241 characters ({10241 - exact} + {exact}); IAM allows at most 10240 for all of a role's inline "
        "policies together"
    )


A_TARGET = [{"account_id": "444455556666", "role_name": "ack-s3", "namespaces": ["team-b"]}]


def inline_total_problems(**given: Any) -> list[tuple[str, str]]:
    from ack_irsa.spec.controller import resolve_controller

    with pytest.raises(ArgsError) as raised:
        resolve_controller({"service": "s3", "cross_account": A_TARGET, **given})
    return [(p.field, p.message) for p in raised.value.problems]


def test_a_derived_policy_and_an_inline_one_are_counted_with_the_cross_account_policy() -> None:
    """All three inline policies add up, each named in the sum in the order the role carries them."""
    from ack_irsa.catalog import derived
    from ack_irsa.spec.controller import resolve_controller

    derived_size = policy_size(derived.derive("s3").document)
    given = {"oidc_provider_arn": PROVIDER_ARN, "policy": "derived"}
    fits = inline_policy_of_size(10240 - derived_size - CROSS)
    assert resolve_controller({"service": "s3", "cross_account": A_TARGET, "inline_policy": fits, **given})
    over = inline_policy_of_size(10241 - derived_size - CROSS)
    assert inline_total_problems(inline_policy=over, **given) == [
        (
            "inline_policy",
            "with the ack-cross-account policy, the role's inline policies would be up to 10241 characters "
            f"({derived_size} + {10241 - derived_size - CROSS} + {CROSS}); IAM allows at most 10240 for all of a "
            "role's inline policies together",
        )
    ]


def test_on_pod_identity_the_cross_account_policy_is_sized_with_its_session_tags() -> None:
    """Pod Identity's cross-account policy also allows sts:TagSession, so it is larger than IRSA's."""
    from ack_irsa.spec.controller import resolve_controller

    pod = policy_size(assume_policy(["arn:aws-us-gov:iam::444455556666:role/ack-s3"], True))
    assert pod > CROSS
    given = {"identity": "pod_identity", "cluster_name": "dev-eks"}
    fits = inline_policy_of_size(10240 - pod)
    assert resolve_controller({"service": "s3", "cross_account": A_TARGET, "inline_policy": fits, **given})
    assert inline_total_problems(inline_policy=inline_policy_of_size(10241 - pod), **given) == [
        (
            "inline_policy",
            "with the ack-cross-account policy, the role's inline policies would be up to 10241 characters "
            f"({10241 - pod} + {pod}); IAM allows at most 10240 for all of a role's inline policies together",
        )
    ]
