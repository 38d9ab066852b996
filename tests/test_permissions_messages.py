"""Pins the exact messages and results of a role's permissions: the tags ack-irsa sets for the guardrails, the
derived policy's refusals (values known only at deploy time, the partition it is checked in), what a refused
derived policy leaves (no recommended policy, no knock-on problem, no risk), the risks of a derived policy with
more policies, stale acknowledgements of a value that is not a list, and how deep an argument may nest."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from ack_irsa import catalog
from ack_irsa.catalog import derived
from ack_irsa.iam.limits import TAGS_PER_ROLE
from ack_irsa.iam.policies import policy_size
from ack_irsa.iam.risks import ACKNOWLEDGED_TAG, Risk
from ack_irsa.iam.trust import WILDCARD_SUBJECT_TAG
from ack_irsa.spec.controller import resolve_controller
from ack_irsa.spec.permissions import resolve_permissions, resolve_risks, role_tags, stale_acknowledgements
from ack_irsa.spec.problems import ArgsError, Problem, Problems, as_mapping
from ack_irsa.spec.target_role import managed_target_role_args, resolve_target_role

from .conftest import ACCOUNT, PROVIDER_ARN, run

TARGET: dict[str, Any] = {
    "service": "s3",
    "role_name": "ack-s3",
    "trusted_role_arns": [f"arn:aws:iam::{ACCOUNT}:role/a"],
}
CHINA_PROVIDER_ARN = (
    f"arn:aws-cn:iam::{ACCOUNT}:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
)
CHINA_ROLE = f"arn:aws-cn:iam::{ACCOUNT}:role/rds-monitoring"
MONITORING = f"arn:aws:iam::{ACCOUNT}:role/rds-monitoring"
IAM_ANYTHING = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}
ACKNOWLEDGED = Risk("all-actions", "the inline policy", "allows Action *", acknowledged=True)
ACK_REASON = "list the risk ids in acknowledge_risks instead"
WILDCARD_REASON = "it is set when the trust admits a wildcard subject (allow_wildcard_subject)"


def target_problems(args: dict[str, Any]) -> list[str]:
    with pytest.raises(ArgsError) as raised:
        resolve_target_role(args)
    return str(raised.value).splitlines()


def controller_problems(args: dict[str, Any]) -> list[str]:
    with pytest.raises(ArgsError) as raised:
        resolve_controller({"service": "rds", "oidc_provider_arn": PROVIDER_ARN, **args})
    return str(raised.value).splitlines()


def caller_tags(count: int) -> dict[str, str]:
    return {f"team-{i:02d}": "a" for i in range(count)}


# --- the tags ack-irsa sets for the guardrails ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "risks", "wildcard", "expected"),
    [
        pytest.param({"team": "a"}, (), False, {"team": "a"}, id="none-of-its-own"),
        pytest.param(
            {"team": "a"}, (), True, {"team": "a", WILDCARD_SUBJECT_TAG: "true"}, id="wildcard-subject-opt-in"
        ),
        pytest.param(
            {},
            (ACKNOWLEDGED,),
            True,
            {ACKNOWLEDGED_TAG: "all-actions", WILDCARD_SUBJECT_TAG: "true"},
            id="both-of-its-own",
        ),
        # the caller may repeat what ack-irsa sets: the guardrails read the same value
        pytest.param(
            {ACKNOWLEDGED_TAG: "all-actions", WILDCARD_SUBJECT_TAG: "true"},
            (ACKNOWLEDGED,),
            True,
            {ACKNOWLEDGED_TAG: "all-actions", WILDCARD_SUBJECT_TAG: "true"},
            id="the-same-values-given",
        ),
    ],
)
def test_the_role_tags_are_the_callers_and_ack_irsas_own(
    tags: dict[str, str], risks: tuple[Risk, ...], wildcard: bool, expected: dict[str, str]
) -> None:
    problems = Problems()
    assert role_tags(tags, risks, wildcard, problems) == expected
    assert problems == []


@pytest.mark.parametrize(
    ("tags", "risks", "wildcard", "expected"),
    [
        pytest.param(
            {ACKNOWLEDGED_TAG: "all-actions"},
            (),
            False,
            [f"{ACKNOWLEDGED_TAG!r} is set by ack-irsa: {ACK_REASON}"],
            id="ack-unacknowledged",
        ),
        pytest.param(
            {ACKNOWLEDGED_TAG: "privilege-escalation"},
            (ACKNOWLEDGED,),
            False,
            [f"{ACKNOWLEDGED_TAG!r} is set by ack-irsa: {ACK_REASON}"],
            id="ack-another-value",
        ),
        pytest.param(
            {WILDCARD_SUBJECT_TAG: "true"},
            (),
            False,
            [f"{WILDCARD_SUBJECT_TAG!r} is set by ack-irsa: {WILDCARD_REASON}"],
            id="wildcard-without-one",
        ),
        pytest.param(
            {WILDCARD_SUBJECT_TAG: "false"},
            (),
            True,
            [f"{WILDCARD_SUBJECT_TAG!r} is set by ack-irsa: {WILDCARD_REASON}"],
            id="wildcard-another-value",
        ),
    ],
)
def test_a_reserved_tag_of_another_value_is_refused(
    tags: dict[str, str], risks: tuple[Risk, ...], wildcard: bool, expected: list[str]
) -> None:
    problems = Problems()
    role_tags(tags, risks, wildcard, problems)
    assert problems == [Problem("tags", message) for message in expected]


@pytest.mark.parametrize(
    ("tags", "risks", "wildcard", "expected"),
    [
        pytest.param(caller_tags(49), (), True, [], id="49-and-one-make-50"),
        pytest.param(
            caller_tags(50),
            (),
            True,
            [f"50 tags and ack-irsa's own {WILDCARD_SUBJECT_TAG} make 51; IAM allows at most 50 per role"],
            id="50-and-one",
        ),
        pytest.param(
            caller_tags(49),
            (ACKNOWLEDGED,),
            True,
            [
                f"49 tags and ack-irsa's own {ACKNOWLEDGED_TAG}, {WILDCARD_SUBJECT_TAG} make 51; "
                "IAM allows at most 50 per role"
            ],
            id="49-and-two",
        ),
        # only the tags ack-irsa adds are named: one the caller already gave (with its value) adds nothing
        pytest.param(
            {**caller_tags(49), ACKNOWLEDGED_TAG: "all-actions"},
            (ACKNOWLEDGED,),
            True,
            [f"50 tags and ack-irsa's own {WILDCARD_SUBJECT_TAG} make 51; IAM allows at most 50 per role"],
            id="one-of-its-own-given",
        ),
        # more than 50 of the caller's own: the tag check has said so already, in its own words
        pytest.param(caller_tags(51), (), True, [], id="51-given"),
    ],
)
def test_ack_irsas_own_tags_count_against_the_quota(
    tags: dict[str, str], risks: tuple[Risk, ...], wildcard: bool, expected: list[str]
) -> None:
    assert TAGS_PER_ROLE == 50
    problems = Problems()
    role_tags(tags, risks, wildcard, problems)
    assert problems == [Problem("tags", message) for message in expected]


def test_a_target_role_refuses_both_reserved_tags() -> None:
    # a target role's trust names roles, never a wildcard subject: its opt-in tag is never set
    assert target_problems({**TARGET, "tags": {ACKNOWLEDGED_TAG: "all-actions", WILDCARD_SUBJECT_TAG: "true"}}) == [
        f"tags: {ACKNOWLEDGED_TAG!r} is set by ack-irsa: {ACK_REASON}",
        f"tags: {WILDCARD_SUBJECT_TAG!r} is set by ack-irsa: {WILDCARD_REASON}",
    ]


def test_a_managed_target_role_gets_the_controllers_own_tags_only() -> None:
    spec = resolve_controller(
        {
            "service": "s3",
            "oidc_provider_arn": PROVIDER_ARN,
            "tags": {"team": "a"},
            "acknowledge_risks": ["service-wide-access"],
            "cross_account": [
                {
                    "account_id": "444455556666",
                    "role_name": "ack-s3",
                    "namespaces": ["team-a"],
                    "manage_role": True,
                    "provider": "team-a",
                }
            ],
        }
    )
    assert spec.role_tags == {"team": "a", ACKNOWLEDGED_TAG: "service-wide-access"}
    args = managed_target_role_args(spec, spec.cross_account[0], f"arn:aws:iam::{ACCOUNT}:role/ack-s3")
    assert (args["tags"], args["acknowledge_risks"]) == ({"team": "a"}, ["service-wide-access"])


# --- the derived policy: refusals, and the partition it is checked in ----------------------------------------


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        pytest.param("zzz", "must be 'recommended' (the default) or 'derived', got 'zzz'", id="no-close-match"),
        pytest.param(
            "derive",
            "must be 'recommended' (the default) or 'derived', got 'derive'; did you mean 'derived'?",
            id="typo",
        ),
    ],
)
def test_an_unknown_policy_choice(policy: str, expected: str) -> None:
    assert target_problems({**TARGET, "policy": policy}) == [f"policy: {expected}"]


LATE_LIST = "must be a plain list known before deploying, not a Pulumi Output"
LATE_ITEM = "must be a plain value known before deploying, not a Pulumi Output"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        pytest.param({"kinds": "<output>"}, [("kinds", LATE_LIST)], id="kinds"),
        pytest.param({"pass_roles": "<output>"}, [("pass_roles", LATE_LIST)], id="pass-roles"),
        pytest.param({"kinds": ["DBInstance", "<output>"]}, [("kinds[1]", LATE_ITEM)], id="a-kind"),
        pytest.param(
            {"pass_roles": ["<output>", MONITORING, "<output>"]},
            [("pass_roles[0]", LATE_ITEM), ("pass_roles[2]", LATE_ITEM)],
            id="roles",
        ),
    ],
)
def test_a_derived_policy_needs_values_known_up_front(given: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    found: list[tuple[str, str]] = []

    def late(value: Any) -> Any:
        if isinstance(value, list):
            return [late(item) for item in value]
        return pulumi.Output.from_input(["DBInstance"]) if value == "<output>" else value

    def main() -> None:  # an Output needs the engine's event loop: under the mocks
        args = {**TARGET, "service": "rds", "policy": "derived", **{k: late(v) for k, v in given.items()}}
        try:
            resolve_target_role(args)
        except ArgsError as error:
            found.extend((p.field, p.message) for p in error.problems)

    run(main)
    assert found == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        pytest.param(
            {"kinds": 5}, "kinds: must be a non-empty list of kinds (omit it for every kind: {kinds})", id="kinds"
        ),
        pytest.param(
            {"kinds": ["DBInstance"], "pass_roles": 5}, "pass_roles: must be a list of IAM role ARNs", id="roles"
        ),
    ],
)
def test_a_derived_policys_lists_that_are_no_lists_are_refused_by_their_argument(
    given: dict[str, Any], expected: str
) -> None:
    """From Python, a number where a list is meant is refused with the argument's name, not a TypeError."""
    kinds = ", ".join(derived.calls("rds").kinds)
    assert controller_problems({"policy": "derived", **given}) == [expected.format(kinds=kinds)]


def test_the_adopted_providers_partition_is_the_derived_policys() -> None:
    spec = resolve_controller(
        {"service": "rds", "oidc_provider_arn": CHINA_PROVIDER_ARN, "policy": "derived", "kinds": ["DBInstance"]}
    )
    assert spec.derived_policy is not None
    kms = spec.derived_policy.document["Statement"][1]
    assert kms["Condition"] == {"StringLike": {"kms:ViaService": "rds.*.amazonaws.com.cn"}}


def test_a_role_to_pass_in_another_partition_than_the_providers() -> None:
    assert controller_problems(
        {"oidc_provider_arn": CHINA_PROVIDER_ARN, "policy": "derived", "pass_roles": [MONITORING]}
    ) == [f"pass_roles[0]: {MONITORING!r} is in partition aws; the stack is in aws-cn"]


@pytest.mark.parametrize(
    ("pass_roles", "expected"),
    [
        pytest.param([CHINA_ROLE], [], id="the-first-role-sets-it"),
        # only the first role counts: a later one in another partition is refused, not followed
        pytest.param(
            ["not-an-arn", CHINA_ROLE],
            [
                f"pass_roles[0]: 'not-an-arn' is not an IAM role ARN, e.g. arn:aws:iam::{ACCOUNT}:role/rds-monitoring",
                f"pass_roles[1]: {CHINA_ROLE!r} is in partition aws-cn; the stack is in aws",
            ],
            id="only-the-first",
        ),
    ],
)
def test_without_a_provider_the_first_role_to_pass_sets_the_partition(
    pass_roles: list[str], expected: list[str]
) -> None:
    args = {**TARGET, "service": "rds", "policy": "derived", "kinds": ["DBInstance"], "pass_roles": pass_roles}
    if expected:
        assert target_problems(args) == expected
    else:
        spec = resolve_target_role(args)
        assert spec.derived_policy is not None
        assert spec.derived_policy.document["Statement"][1]["Condition"] == {
            "StringLike": {"kms:ViaService": "rds.*.amazonaws.com.cn"}
        }


def test_the_warning_names_every_role_field_of_every_kind() -> None:
    spec = resolve_controller({"service": "rds", "oidc_provider_arn": PROVIDER_ARN, "policy": "derived"})
    assert spec.warnings == (
        "policy derived grants iam:PassRole on no role: a manifest that sets DBCluster `spec.domainIAMRoleName`, "
        "`spec.monitoringRoleARN`, `spec.monitoringRoleRef`; DBInstance `spec.customIAMInstanceProfile`, "
        "`spec.domainIAMRoleName`, `spec.monitoringRoleARN`, `spec.monitoringRoleRef`; DBProxy `spec.roleARN`, "
        "`spec.roleRef` would fail with AccessDenied; list the roles the controller may pass in passRoles "
        "(pass_roles in Python)",
    )


# --- what a refused derived policy leaves --------------------------------------------------------------------


def test_a_refused_derived_policy_brings_back_nothing_recommended() -> None:
    # the policy_arns given with policy derived are refused as such, not checked as ARNs on top
    assert target_problems({**TARGET, "policy": "derived", "kinds": ["Nope"], "policy_arns": ["bad"]}) == [
        "policy_arns: replaces the recommended managed policies, which policy derived replaces already; "
        "give more managed policies with extra_policy_arns",
        "kinds[0]: 'Nope' is not a kind of the s3 controller (its kinds: Bucket)",
    ]
    problems = Problems()
    args = {**TARGET, "policy": "derived", "kinds": ["Nope"]}
    assert resolve_permissions(args, catalog.get("s3"), problems, None) == ({}, None)
    assert problems == []


def test_a_refused_derived_policy_with_an_inline_policy() -> None:
    assert target_problems({**TARGET, "policy": "derived", "kinds": ["Nope"], "inline_policy": IAM_ANYTHING}) == [
        "kinds[0]: 'Nope' is not a kind of the s3 controller (its kinds: Bucket)"
    ]


@pytest.mark.parametrize(
    ("given", "inline"),
    [
        pytest.param({}, None, id="no-inline-policy"),  # not the recommended inline policy's risks
        pytest.param({"inline_policy": IAM_ANYTHING}, IAM_ANYTHING, id="an-inline-policy"),
    ],
)
def test_a_refused_derived_policy_has_no_risks(given: dict[str, Any], inline: Any) -> None:
    problems = Problems()
    args = {**TARGET, "policy": "derived", "kinds": ["Nope"], **given}
    assert resolve_risks(args, catalog.get("s3"), {}, inline, problems, derived_policy=None) == ()
    assert problems == []


# --- a derived policy with more policies ---------------------------------------------------------------------


def test_the_risks_of_a_derived_policy_with_more_policies() -> None:
    spec = resolve_target_role(
        {
            **TARGET,
            "policy": "derived",
            "extra_policy_arns": ["arn:aws:iam::aws:policy/AdministratorAccess"],
            "inline_policy": IAM_ANYTHING,
        }
    )
    assert [(r.id, r.source) for r in spec.risks] == [
        ("broad-managed-policy", "managed policy AdministratorAccess"),
        ("pass-role-unrestricted", "managed policy AdministratorAccess"),
        ("privilege-escalation", "the inline policy"),
        ("pass-role-unrestricted", "the inline policy"),
        ("service-wide-access", "the inline policy"),
    ]


def test_a_target_roles_derived_policy_with_an_inline_policy() -> None:
    spec = resolve_target_role({**TARGET, "policy": "derived", "inline_policy": IAM_ANYTHING})
    assert spec.derived_policy is not None
    assert (spec.managed_policies, spec.inline_policy) == ({}, IAM_ANYTHING)
    assert [(r.id, r.source) for r in spec.risks] == [
        ("privilege-escalation", "the inline policy"),
        ("pass-role-unrestricted", "the inline policy"),
        ("service-wide-access", "the inline policy"),
    ]


def bucket_reads(count: int) -> dict[str, Any]:
    resources = [f"arn:aws:s3:::bucket-{i:04d}/*" for i in range(count)]
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": resources}],
    }


def test_a_target_roles_derived_and_inline_policies_are_sized_together() -> None:
    derived_policy = resolve_target_role({**TARGET, "policy": "derived"}).derived_policy
    assert derived_policy is not None
    derived_size, inline = policy_size(derived_policy.document), bucket_reads(340)
    assert policy_size(inline) <= 10240 < policy_size(inline) + derived_size  # alone it fits, not with the derived
    assert resolve_target_role({**TARGET, "inline_policy": inline}).inline_policy == inline
    assert target_problems({**TARGET, "policy": "derived", "inline_policy": inline}) == [
        f"inline_policy: with the derived policy, the inline policies is {policy_size(inline) + derived_size} "
        "characters; the limit is 10240"
    ]


# --- stale acknowledgements ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given",
    [
        pytest.param({"all-actions": True}, id="a-mapping"),  # not its keys
        pytest.param("all-actions", id="a-string"),  # not its characters
        pytest.param(5, id="a-number"),
    ],
)
def test_no_stale_warning_for_a_value_that_is_not_a_list(given: Any) -> None:
    # refused as not a list of risk ids when the risks are resolved: no warning on top
    assert stale_acknowledgements({"acknowledge_risks": given}, ()) == []


def test_no_stale_warning_without_acknowledgements() -> None:
    assert stale_acknowledgements({}, (ACKNOWLEDGED,)) == []


# --- how deep an argument may nest ---------------------------------------------------------------------------


def nested(depth: int) -> list[Any]:
    """``depth`` lists, each in the one before: ``[[[]]]`` is 3 levels."""
    value: list[Any] = []
    for _ in range(depth - 1):
        value = [value]
    return value


DEEP = "is nested more than 32 levels deep"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(nested(32), None, id="32-levels"),
        pytest.param(nested(33), DEEP, id="33-levels"),
        pytest.param({"a": nested(31)}, None, id="a-map-and-31"),
        pytest.param({"a": nested(32)}, DEEP, id="a-map-and-32"),
        # every item is walked: a plain value or a shallow list beside a deep one does not end the walk
        pytest.param([nested(32), 1], DEEP, id="a-plain-value-after"),
        pytest.param([nested(32), [1]], DEEP, id="a-shallow-list-after"),
        pytest.param([1, nested(32)], DEEP, id="a-plain-value-before"),
    ],
)
def test_an_argument_nests_at_most_32_levels(value: Any, expected: str | None) -> None:
    if expected is None:
        assert as_mapping({"tags": value}, "{}") == {"tags": value}
    else:
        with pytest.raises(ArgsError) as raised:
            as_mapping({"tags": value, "role_name": "ack-s3"}, "{}")
        assert raised.value.problems == [Problem("tags", expected)]
