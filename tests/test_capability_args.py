"""The Python API of the managed capability (``resolve_capability``, what ``AckCapability`` checks its arguments
with): pins the exact messages of its refusals, each by the argument as written in Python, and the accepted edges
and returned shapes (default names, selectors, ``direct`` mode's limits on the one capability role)."""

from __future__ import annotations

from typing import Any

import pytest

from ack_irsa import catalog
from ack_irsa.iam.capability import Selector
from ack_irsa.iam.limits import INLINE_POLICIES_MAX_CHARS
from ack_irsa.iam.policies import policy_size
from ack_irsa.iam.risks import ACKNOWLEDGED_TAG
from ack_irsa.spec.capability import (
    CapabilitySpec,
    default_capability_role_name,
    resolve_capability,
    selector_name,
)
from ack_irsa.spec.problems import ArgsError

CLUSTER = "prod-eks"
TARGET = "444455556666"
S3 = {"service": "s3"}
S3_GROUP = "s3.services.k8s.aws"
LABEL = (
    "is not a valid RFC 1123 label (at most 63 lowercase letters, digits and '-', starting and ending with a letter "
    "or digit)"
)
SELECTED_ROLE_ONLY = (
    "applies to a selected role; with permissions 'direct' the capability role itself carries the policies, and "
    "there are no selectors"
)
ENTRY_KEYS = (
    "service, name, namespaces, secret_namespaces, policy, kinds, pass_roles, policy_arns, extra_policy_arns, "
    "inline_policy, role_name, role_path, permissions_boundary, max_session_duration, tags, acknowledge_risks, "
    "cross_account"
)
SECRET_READER = (
    "the rds controller reads Secrets (passwords, keys), and the capability is granted AmazonEKSSecretReaderPolicy "
    "only in the namespaces named here, never cluster-wide"
)
NOT_GA = (
    "upstream, and the capability includes only GA controllers; run it self-managed beside the capability (a "
    "ControllerIrsa whose install has leader_election, as the stack program does for such an entry)"
)
HELM = "does not apply to the capability: AWS runs the capability's controllers: there is no Helm chart to install"
PREVIEW = next(c.service for c in catalog.controllers() if c.status == "preview")


def capability(*entries: Any, **args: Any) -> dict[str, Any]:
    """The arguments of a capability on prod-eks with these controller entries (and other arguments)."""
    return {"cluster_name": CLUSTER, "controllers": list(entries), **args}


def refusal(args: Any) -> list[str]:
    """The lines of the ArgsError ``resolve_capability`` raises: ``<argument>: <why>``, one per problem."""
    with pytest.raises(ArgsError) as error:
        resolve_capability(args)
    return str(error.value).splitlines()


def catalog_refusal(service: str) -> str:
    """The catalog's own words for a service it does not know (the capability passes them on unchanged)."""
    with pytest.raises(ValueError) as error:
        catalog.get(service)
    return str(error.value)


def selector(name: str, namespaces: tuple[str, ...] | None, owner: str) -> Selector:
    return Selector(name, S3_GROUP, namespaces, owner)


# --- the capability's own arguments ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            ["prod-eks"],
            [
                "the arguments must be a mapping such as {'cluster_name': 'prod-eks', 'controllers': "
                "[{'service': 's3'}]}, got ['prod-eks']"
            ],
            id="not-a-mapping",
        ),
        pytest.param(
            {"controllers": [S3]},
            ["cluster_name: is required: a capability belongs to one EKS cluster (and its selectors need its API)"],
            id="cluster-missing",
        ),
        pytest.param(
            capability(S3, cluster_name=5), ["cluster_name: must be an EKS cluster name, got 5"], id="cluster-number"
        ),
        pytest.param(
            capability(S3, cluster_name="Bad Name!"),
            ["cluster_name: 'Bad Name!' is not an EKS cluster name (1 to 100 letters, digits, '-' and '_')"],
            id="cluster-bad-name",
        ),
        pytest.param(capability(S3, name=5), ["name: must be a capability name, got 5"], id="name-number"),
        pytest.param(capability(S3, name="ACK!"), [f"name: 'ACK!' {LABEL}"], id="name-not-a-label"),
        pytest.param(
            capability(S3, permissions="both"),
            ["permissions: must be 'selectors' or 'direct', got 'both'"],
            id="permissions-unknown",
        ),
        pytest.param(capability(S3, role_name=5), ["role_name: must be a role name, got 5"], id="role-name-number"),
        pytest.param(
            capability(S3, role_name="x" * 65),
            [f"role_name: '{'x' * 65}' is 65 characters long; IAM allows at most 64"],
            id="role-name-too-long",
        ),
        pytest.param(
            capability(S3, role_path=5), ["role_path: must be an IAM path such as /ack/, got 5"], id="role-path-number"
        ),
        pytest.param(
            capability(S3, role_path="ack"),
            ["role_path: 'ack' is not a valid IAM path (it must begin and end with '/', e.g. /ack/)"],
            id="role-path-no-slashes",
        ),
        pytest.param(
            capability(S3, create_capability="yes"),
            ["create_capability: must be true or false, got 'yes'"],
            id="create-capability-not-a-boolean",
        ),
        pytest.param(
            capability(S3, install=True, nmae="ack"),
            [f"install: {HELM}", "nmae: unknown argument; did you mean 'name'?"],
            id="refused-and-unknown",
        ),
        pytest.param(
            capability(S3, cross_account_mode="carm"),
            [
                "cross_account_mode: does not apply to the capability: CARM is not available on the capability (its "
                "controllers' namespace is AWS's): cross-account targets get IAMRoleSelectors"
            ],
            id="refused-carm",
        ),
        pytest.param(
            {"cluster_name": CLUSTER},
            ["controllers: must list at least one controller, such as [{'service': 's3'}], got None"],
            id="controllers-missing",
        ),
        pytest.param(
            capability(),
            ["controllers: must list at least one controller, such as [{'service': 's3'}], got []"],
            id="controllers-empty",
        ),
        pytest.param(
            {"cluster_name": CLUSTER, "controllers": "s3"},
            ["controllers: must list at least one controller, such as [{'service': 's3'}], got 's3'"],
            id="controllers-a-string",
        ),
        pytest.param(
            {"cluster_name": CLUSTER, "controllers": S3},
            ["controllers: must list at least one controller, such as [{'service': 's3'}], got {'service': 's3'}"],
            id="controllers-one-map",
        ),
    ],
)
def test_a_bad_capability_argument_is_refused_by_its_name(args: Any, expected: list[str]) -> None:
    assert refusal(args) == expected


def test_a_bad_permissions_value_still_has_the_selectors_checked() -> None:
    """A mistyped mode falls back to ``selectors`` for the other checks: the overlap is reported with it."""
    assert refusal(capability(S3, {"service": "s3", "name": "s3-b", "namespaces": ["team-b"]}, permissions="both")) == [
        "permissions: must be 'selectors' or 'direct', got 'both'",
        "controllers[1]: controllers[1] and controllers[0] would both select s3.services.k8s.aws in team-b; a "
        "resource two IAMRoleSelectors match fails to reconcile (give them disjoint namespaces)",
    ]


@pytest.mark.parametrize(
    "args",
    [
        pytest.param({"controllers": [S3]}, id="cluster-missing"),
        pytest.param(capability(S3, cluster_name=5), id="cluster-number"),
    ],
)
def test_without_a_plain_cluster_name_the_capability_role_is_named_without_one(args: dict[str, Any]) -> None:
    """The other checks go on with the cluster-less default name: a selected role taking it is still refused."""
    taken = default_capability_role_name("", "ack")
    args["controllers"] = [{"service": "s3", "role_name": taken}]
    assert refusal(args)[1:] == [f"controllers[0].role_name: {taken!r} is the role name of the capability role too"]


def test_without_a_plain_capability_name_the_default_one_names_the_role() -> None:
    taken = default_capability_role_name(CLUSTER, "ack")
    assert refusal(capability({"service": "s3", "role_name": taken}, name=5)) == [
        "name: must be a capability name, got 5",
        f"controllers[0].role_name: {taken!r} is the role name of the capability role too",
    ]


# --- one controller entry ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        pytest.param(["s3"], ["controllers[0]: must be a map such as {'service': 's3'}, got 's3'"], id="not-a-map"),
        pytest.param([{}], ["controllers[0].service: is required (an ACK service name such as 's3')"], id="no-service"),
        pytest.param(
            [{"service": ""}], ["controllers[0].service: is required (an ACK service name such as 's3')"], id="empty"
        ),
        pytest.param(
            [{"service": 5}],
            ["controllers[0].service: must be an ACK service name such as 's3', got 5"],
            id="service-number",
        ),
        pytest.param([{"service": "s4"}], [f"controllers[0].service: {catalog_refusal('s4')}"], id="service-unknown"),
        pytest.param(
            [{"service": PREVIEW}],
            [f"controllers[0].service: the {PREVIEW} controller is preview {NOT_GA}"],
            id="service-preview",
        ),
        pytest.param(
            [{"service": "s3", "install": True, "instal": True}],
            [f"controllers[0].install: {HELM}", f"controllers[0].instal: unknown argument (known: {ENTRY_KEYS})"],
            id="refused-and-unknown",
        ),
        pytest.param(
            [{"service": "s3", "": True}],
            [f"controllers[0]: unknown argument (known: {ENTRY_KEYS})"],
            id="empty-key",
        ),
        pytest.param([{"service": "s3", "name": 5}], ["controllers[0].name: must be a name, got 5"], id="name-number"),
        pytest.param(
            [{"service": "s3", "name": "Bad!"}], [f"controllers[0].name: 'Bad!' {LABEL}"], id="name-not-a-label"
        ),
        pytest.param(
            [{"service": "s3", "namespaces": []}],
            ["controllers[0].namespaces: must list namespaces (leave it out for every namespace), got []"],
            id="namespaces-empty",
        ),
        pytest.param(
            [{"service": "s3", "namespaces": "team-a"}],
            ["controllers[0].namespaces: must list namespaces (leave it out for every namespace), got 'team-a'"],
            id="namespaces-a-string",
        ),
        pytest.param(
            [{"service": "s3", "namespaces": {"team-a": True}}],
            [
                "controllers[0].namespaces: must list namespaces (leave it out for every namespace), got "
                "{'team-a': True}"
            ],
            id="namespaces-a-map",
        ),
        pytest.param(
            [{"service": "s3", "namespaces": ["team-a", 5, "Team_B"]}],
            [
                "controllers[0].namespaces[1]: must be a namespace name, got 5",
                f"controllers[0].namespaces[2]: 'Team_B' {LABEL}",
            ],
            id="namespace-items",
        ),
        pytest.param(
            [{"service": "s3", "namespaces": ["team-a", "team-a"]}],
            ["controllers[0].namespaces: lists a namespace twice"],
            id="namespace-twice",
        ),
        pytest.param(
            [{"service": "rds", "namespaces": ["team-a"], "secret_namespaces": []}],
            ["controllers[0].secret_namespaces: must list namespaces (leave it out for every namespace), got []"],
            id="secret-namespaces-empty",
        ),
        pytest.param(
            [{"service": "s3", "secret_namespaces": ["team-a"]}],
            ["controllers[0].secret_namespaces: the s3 controller reads no Secrets; drop it"],
            id="secret-namespaces-of-s3",
        ),
        pytest.param(
            [{"service": "rds"}],
            [f"controllers[0].secret_namespaces: is required in an entry for every namespace: {SECRET_READER}"],
            id="secret-namespaces-required",
        ),
        pytest.param(
            [
                {
                    "service": "rds",
                    "namespaces": ["team-a", "team-b"],
                    "cross_account": [{"account_id": TARGET, "role_name": "r", "namespaces": ["team-c", "team-d"]}],
                }
            ],
            [
                "controllers[0].cross_account[0].namespaces: team-c, team-d not among the entry's namespaces "
                "(team-a, team-b); list them there too"
            ],
            id="target-namespaces-stray",
        ),
        pytest.param(
            [
                {
                    "service": "s3",
                    "role_name": 5,
                    "role_path": 5,
                    "permissions_boundary": 5,
                    "max_session_duration": "1h",
                    "tags": 5,
                }
            ],
            [
                "controllers[0].role_name: must be a role name, got 5",
                "controllers[0].role_path: must be an IAM path such as /ack/, got 5",
                "controllers[0].permissions_boundary: must be an IAM policy ARN, got 5",
                "controllers[0].max_session_duration: must be a whole number of seconds, got '1h'",
                "controllers[0].tags: must be a mapping of tag keys to values, got 5",
            ],
            id="role-fields-wrong-types",
        ),
        pytest.param(
            [
                {
                    "service": "s3",
                    "role_name": "x" * 65,
                    "role_path": "ack",
                    "permissions_boundary": "arn:nope",
                    "max_session_duration": 100,
                    "tags": {ACKNOWLEDGED_TAG: "all-actions"},
                }
            ],
            [
                f"controllers[0].role_name: '{'x' * 65}' is 65 characters long; IAM allows at most 64",
                "controllers[0].role_path: 'ack' is not a valid IAM path (it must begin and end with '/', e.g. /ack/)",
                "controllers[0].permissions_boundary: 'arn:nope' is not an ARN (expected "
                "arn:<partition>:<service>:<region>:<account>:<resource>)",
                "controllers[0].max_session_duration: 100 is out of range (seconds, 3600 to 43200)",
                f"controllers[0].tags: {ACKNOWLEDGED_TAG!r} is set by ack-irsa: list the risk ids in "
                "acknowledge_risks instead",
            ],
            id="role-fields-bad-values",
        ),
        pytest.param(
            [S3, S3],
            [
                "controllers[1].name: 's3' is taken by controllers[0]; give each entry its own",
                "controllers[1].role_name: 'ack-s3-prod-eks-13bb2b23' is the role name of controllers[0] too",
                "controllers[1]: controllers[1] and controllers[0] would both select s3.services.k8s.aws in every "
                "namespace; a resource two IAMRoleSelectors match fails to reconcile (give them disjoint namespaces)",
            ],
            id="same-entry-twice",
        ),
        pytest.param(
            [{"service": "s3", "role_name": "mine"}, {"service": "sqs", "role_name": "mine"}],
            ["controllers[1].role_name: 'mine' is the role name of controllers[0] too"],
            id="role-name-twice",
        ),
    ],
)
def test_a_bad_entry_is_refused_by_its_argument(entries: list[Any], expected: list[str]) -> None:
    assert refusal(capability(*entries)) == expected


def test_a_selected_role_may_not_take_the_capability_roles_name() -> None:
    assert refusal(capability({"service": "s3", "role_name": "ack-shared"}, role_name="ack-shared")) == [
        "controllers[0].role_name: 'ack-shared' is the role name of the capability role too"
    ]


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        pytest.param(
            [{"service": "s3", "namespaces": ["team-a"]}, {"service": "sqs", "tags": {}}],
            [f"controllers[0].namespaces: {SELECTED_ROLE_ONLY}", f"controllers[1].tags: {SELECTED_ROLE_ONLY}"],
            id="selected-role-fields",
        ),
        pytest.param(
            [S3, {"service": "s3", "name": "s3-b"}],
            [
                "controllers[1].service: s3 is listed by controllers[0] already; with permissions 'direct' every "
                "entry's policies go to the one capability role"
            ],
            id="service-twice",
        ),
        pytest.param(
            [{"service": "rds"}],
            [f"controllers[0].secret_namespaces: is required with permissions 'direct': {SECRET_READER}"],
            id="secret-namespaces-required",
        ),
    ],
)
def test_a_direct_capability_refuses_what_only_a_selected_role_has(entries: list[Any], expected: list[str]) -> None:
    assert refusal(capability(*entries, permissions="direct")) == expected


# --- what is accepted, and returned -----------------------------------------------------------------


def test_the_defaults_name_the_capability_role_and_one_selector_per_entry() -> None:
    spec = resolve_capability(capability(S3))
    assert (spec.name, spec.role_name, spec.role_path, spec.permissions, spec.create_capability) == (
        "ack",
        "ack-capability-prod-eks-9d7c49f2",
        "/",
        "selectors",
        True,
    )
    assert spec.role_name == default_capability_role_name(CLUSTER, "ack")
    assert spec.tags == {}
    assert spec.selectors == (selector("ack.s3", None, "controllers[0]"),)
    [entry] = spec.controllers
    assert (entry.name, entry.role_name, entry.role_path, entry.permissions_boundary) == (
        "s3",
        "ack-s3-prod-eks-13bb2b23",
        "/",
        None,
    )
    assert (entry.max_session_duration, entry.tags, entry.namespaces, entry.secret_namespaces) == (3600, {}, None, ())
    # Both the managed and the recommended inline policy grant all of S3: each is its own risk.
    assert [(risk.id, risk.source) for risk in entry.risks] == [
        ("service-wide-access", "managed policy AmazonS3FullAccess"),
        ("service-wide-access", "the inline policy"),
    ]


def test_a_named_capability_hashes_its_name_into_the_role_and_prefixes_its_selectors() -> None:
    spec = resolve_capability(capability(S3, name="team", role_path="/ack/", create_capability=False))
    assert (spec.name, spec.role_name, spec.role_path, spec.create_capability) == (
        "team",
        "ack-capability-prod-eks-0527568e",
        "/ack/",
        False,
    )
    assert spec.selectors == (selector("team.s3", None, "controllers[0]"),)


def test_an_entrys_own_role_fields_and_namespaces_are_kept() -> None:
    boundary = "arn:aws:iam::111122223333:policy/boundary"
    entry = {
        "service": "rds",
        "namespaces": ["team-a"],
        "role_name": "mine",
        "role_path": "/ack/",
        "permissions_boundary": boundary,
        "max_session_duration": 7200,
        "tags": {"team": "a"},
    }
    spec = resolve_capability(capability(entry, tags={"environment": "prod"}))
    [rds] = spec.controllers
    assert (rds.role_name, rds.role_path, rds.permissions_boundary, rds.max_session_duration) == (
        "mine",
        "/ack/",
        boundary,
        7200,
    )
    assert rds.tags == {"environment": "prod", "team": "a"}
    # The entry's namespaces are where the capability reads its Secrets too.
    assert (rds.namespaces, rds.local_namespaces, rds.secret_namespaces) == (("team-a",), ("team-a",), ("team-a",))
    assert spec.secret_namespaces == ("team-a",)


def test_two_targets_in_one_account_get_one_selector_each() -> None:
    """Unlike CARM, selectors map one account to several roles: the second one's selector is numbered."""
    targets = [
        {"account_id": TARGET, "role_name": "team-a", "namespaces": ["team-a"]},
        {"account_id": TARGET, "role_name": "team-b", "namespaces": ["team-b"]},
    ]
    spec = resolve_capability(
        capability({"service": "s3", "namespaces": ["team-a", "team-b", "team-c"], "cross_account": targets})
    )
    assert spec.selectors == (
        selector("ack.s3", ("team-c",), "controllers[0]"),
        selector(f"ack.s3.{TARGET}", ("team-a",), "controllers[0].cross_account[0]"),
        selector(f"ack.s3.{TARGET}-2", ("team-b",), "controllers[0].cross_account[1]"),
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(("ack", "s3"), "ack.s3", id="local"),
        pytest.param(("ack", "s3", TARGET), f"ack.s3.{TARGET}", id="first-in-account"),
        pytest.param(("ack", "s3", TARGET, 2), f"ack.s3.{TARGET}-2", id="second-in-account"),
        pytest.param(("ack", "s3", TARGET, 3), f"ack.s3.{TARGET}-3", id="third-in-account"),
    ],
)
def test_selector_names(args: tuple[Any, ...], expected: str) -> None:
    assert selector_name(*args) == expected


def test_the_stack_quota_of_managed_policies_applies_to_each_entry() -> None:
    """With a raised quota, an entry may have more managed policies than the default 10."""
    arns = [f"arn:aws:iam::111122223333:policy/p-{i}" for i in range(11)]
    spec = resolve_capability(capability({"service": "s3", "policy_arns": arns}, managed_policies_per_role=12))
    assert len(spec.controllers[0].managed_policies) == 11


# --- direct: every entry's policies on the one capability role --------------------------------------


def _acknowledged(permissions: str) -> CapabilitySpec:
    entry = {"service": "s3", "acknowledge_risks": ["service-wide-access"]}
    return resolve_capability(capability(entry, permissions=permissions))


def test_only_a_direct_capability_role_carries_the_acknowledgements_of_its_entries() -> None:
    direct = _acknowledged("direct")
    assert direct.tags == {ACKNOWLEDGED_TAG: "service-wide-access"}
    assert direct.selectors == ()
    assert list(direct.direct_managed) == ["AmazonS3FullAccess"]
    assert list(direct.direct_inline) == ["ack-s3"]
    selectors = _acknowledged("selectors")
    assert selectors.tags == {}  # the selected role carries them
    assert selectors.controllers[0].tags == {ACKNOWLEDGED_TAG: "service-wide-access"}
    assert (selectors.direct_managed, selectors.direct_inline) == ({}, {})


def _managed(count: int) -> list[dict[str, Any]]:
    """s3 and sqs entries with ``count`` managed policies between them (each has one of its own)."""
    arns = [f"arn:aws:iam::111122223333:policy/p-{i}" for i in range(count - 2)]
    return [{"service": "s3", "extra_policy_arns": arns}, {"service": "sqs"}]


def test_a_direct_capability_role_may_hold_the_quota_of_managed_policies() -> None:
    spec = resolve_capability(capability(*_managed(10), permissions="direct"))
    assert len(spec.direct_managed) == 10


def test_a_direct_capability_role_over_the_quota_is_refused_with_every_policy_named() -> None:
    # The policies are named as on the role: an AWS-managed one by its name, another by account and name.
    names = ", ".join([*(f"111122223333-p-{i}" for i in range(9)), "AmazonS3FullAccess", "AmazonSQSFullAccess"])
    assert refusal(capability(*_managed(11), permissions="direct")) == [
        f"controllers: with permissions 'direct' the capability role would have 11 managed policies ({names}); the "
        "quota is 10 (use permissions 'selectors', or set managed_policies_per_role if your account's quota is "
        "higher)"
    ]


def _inline_entries(total: int) -> list[dict[str, Any]]:
    """Two entries whose inline policies are ``total`` characters together (IAM's count), no managed one."""

    def document(size: int) -> dict[str, Any]:
        statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/"}
        made = {"Version": "2012-10-17", "Statement": [statement]}
        statement["Resource"] += "x" * (size - policy_size(made))
        assert policy_size(made) == size
        return made

    half = total // 2
    return [
        {"service": "s3", "policy_arns": [], "inline_policy": document(half)},
        {"service": "sqs", "policy_arns": [], "inline_policy": document(total - half)},
    ]


def test_a_direct_capability_role_may_hold_inline_policies_up_to_iams_limit() -> None:
    spec = resolve_capability(capability(*_inline_entries(INLINE_POLICIES_MAX_CHARS), permissions="direct"))
    assert sum(policy_size(document) for document in spec.direct_inline.values()) == INLINE_POLICIES_MAX_CHARS


def test_a_direct_capability_role_over_iams_inline_limit_is_refused() -> None:
    assert refusal(capability(*_inline_entries(INLINE_POLICIES_MAX_CHARS + 1), permissions="direct")) == [
        "controllers: with permissions 'direct' the capability role's inline policies would be 10,241 characters; "
        "IAM allows 10,240 per role (use permissions 'selectors')"
    ]


def test_an_entrys_own_inline_policy_is_judged_for_its_risks() -> None:
    """The inline policy given replaces the recommended one: its broad grants are the entry's risks."""
    anything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}
    spec = resolve_capability(capability({"service": "s3", "policy_arns": [], "inline_policy": anything}))
    assert [(risk.id, risk.source, risk.detail) for risk in spec.controllers[0].risks] == [
        (
            "privilege-escalation",
            "the inline policy",
            "escalation paths AddUserToGroup, AttachGroupPolicy, AttachRolePolicy and 16 more",
        ),
        ("pass-role-unrestricted", "the inline policy", "iam:PassRole on every role, with no restricting Condition"),
        ("service-wide-access", "the inline policy", "allows iam:*"),
    ]
