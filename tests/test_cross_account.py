"""Cross-account management: the documents, the CARM layout, the components under mocks, the stack config,
render and diff, and bad input refused before anything is created."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pulumi_aws as aws
import pytest

from ack_irsa import ArgsError, ControllerIrsa, CrossAccountTargetArgs, RoleAccountMap, TargetAccountRole
from ack_irsa.commands import main as cli
from ack_irsa.iam import accounts
from ack_irsa.iam.accounts import CarmGrant, CrossAccountTarget
from ack_irsa.review import engine_schema

from .conftest import ACCOUNT, ISSUER_URL, PROVIDER_ARN, ROOT, refused, run

TEAM_A, TEAM_B = "444455556666", "777788889999"
ROLE_A = f"arn:aws:iam::{TEAM_A}:role/ack-s3"
ROLE_B = f"arn:aws:iam::{TEAM_B}:role/ack/ack-rds"
SELECTOR = "kubernetes:services.k8s.aws/v1alpha1:IAMRoleSelector"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
NAMESPACE_PATCH = "kubernetes:core/v1:NamespacePatch"
RELEASE = "kubernetes:helm.sh/v3:Release"


# --- the documents and the layout (pure) -------------------------------------------------------------


def test_the_assume_policy_names_exactly_the_target_roles() -> None:
    assert accounts.assume_policy([ROLE_B, ROLE_A, ROLE_A], pod_identity=False) == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AssumeAckTargetRoles", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": [ROLE_A, ROLE_B]}
        ],
    }
    # Pod Identity's session tags are transitive: without sts:TagSession the assume fails
    assert accounts.assume_policy([ROLE_A], pod_identity=True)["Statement"] == [
        {
            "Sid": "AssumeAckTargetRoles",
            "Effect": "Allow",
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Resource": ROLE_A,
        }
    ]


def test_the_target_trust_pins_the_controller_roles_by_arn() -> None:
    source = f"arn:aws:iam::{ACCOUNT}:role/ack-s3-dev"
    assert accounts.target_trust_policy([source], pod_identity=False) == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": source}, "Action": "sts:AssumeRole"}],
    }
    other = f"arn:aws:iam::{ACCOUNT}:role/ack-s3-prod"
    assert accounts.target_trust_policy([other, source, other], pod_identity=True)["Statement"] == [
        {"Effect": "Allow", "Principal": {"AWS": [source, other]}, "Action": ["sts:AssumeRole", "sts:TagSession"]}
    ]


@pytest.mark.parametrize(
    ("arn", "parts"),
    [
        (ROLE_A, ("aws", TEAM_A, "/", "ack-s3")),
        (ROLE_B, ("aws", TEAM_B, "/ack/", "ack-rds")),
        (f"arn:aws-cn:iam::{TEAM_A}:role/a/b/c", ("aws-cn", TEAM_A, "/a/b/", "c")),
    ],
)
def test_role_arns_are_read_whole(arn: str, parts: tuple[str, ...]) -> None:
    assert accounts.parse_role_arn(arn) == parts


@pytest.mark.parametrize(
    "arn",
    [
        f"arn:aws:iam::{TEAM_A}:user/ack-s3",
        f"arn:aws:iam::{TEAM_A}:role/",
        "arn:aws:iam::4444:role/ack-s3",
        f"arn:aws:sts::{TEAM_A}:role/ack-s3",
        f"arn:aws:iam::{TEAM_A}:role/ack-s3 ",
        f"arn:aws:iam::{TEAM_A}:role/ack-ſ3",
        "ack-s3",
    ],
)
def test_anything_else_is_not_a_role_arn(arn: str) -> None:
    with pytest.raises(ValueError, match="must be an IAM role ARN such as arn:aws:iam::111122223333:role/ack-s3"):
        accounts.parse_role_arn(arn)


@pytest.mark.parametrize("value", ["44445555666", "4444555566667", "44445555666a", "４４４４５５５５６６６６", ""])
def test_account_ids_are_twelve_ascii_digits(value: str) -> None:
    with pytest.raises(ValueError, match=f"must be a 12-digit AWS account ID, got {value!r}"):
        accounts.check_account_id(value)
    accounts.check_account_id(TEAM_A)


def test_keys_names_and_selector_specs() -> None:
    assert accounts.carm_key("s3", TEAM_A, service_level=False) == TEAM_A
    assert accounts.carm_key("s3", TEAM_A, service_level=True) == f"s3.{TEAM_A}"
    digest = hashlib.sha256(ROLE_A.encode()).hexdigest()[:10]
    assert accounts.selector_name("ack-system", "s3", TEAM_A, ROLE_A) == f"ack-system.s3.{TEAM_A}.{digest}"
    # another role in the same account is another selector; the same role is the same name every time
    other = accounts.selector_name("ack-system", "s3", TEAM_A, f"arn:aws:iam::{TEAM_A}:role/ack-s3-archive")
    assert other != accounts.selector_name("ack-system", "s3", TEAM_A, ROLE_A)
    assert accounts.selector_spec("s3", ROLE_A, ["team-a", "team-c"]) == {
        "arn": ROLE_A,
        "namespaceSelector": {"names": ["team-a", "team-c"]},
        # the CRD requires all three; "" matches any version and kind
        "resourceTypeSelector": [{"group": "s3.services.k8s.aws", "version": "", "kind": ""}],
    }


def grant(
    controller: str, account: str, role: str, namespaces: tuple[str, ...], *, ns: str = "ack-system"
) -> CarmGrant:
    target = CrossAccountTarget(account, role, "/", None, namespaces)
    return CarmGrant(controller, controller, ns, target, service_level=False)


def test_the_carm_layout_merges_controllers_per_namespace() -> None:
    layout = accounts.carm_layout(
        [
            grant("s3", TEAM_A, "ack", ("team-a",)),
            grant("rds", TEAM_A, "ack", ("team-a", "team-c")),
            grant("ecr", TEAM_B, "ack-ecr", ("team-b",), ns="ack-ecr"),
        ]
    )
    assert {ns: {key: g.controller for key, g in keys.items()} for ns, keys in layout.maps.items()} == {
        "ack-system": {TEAM_A: "s3"},
        "ack-ecr": {TEAM_B: "ecr"},
    }
    assert layout.owners == {"team-a": TEAM_A, "team-c": TEAM_A, "team-b": TEAM_B}


def test_the_carm_layout_refuses_what_one_configmap_or_annotation_cannot_say() -> None:
    with pytest.raises(ValueError) as raised:
        accounts.carm_layout(
            [
                grant("s3", TEAM_A, "ack-s3", ("team-a",)),
                grant("rds", TEAM_A, "ack-rds", ("team-c",)),
                grant("ecr", TEAM_B, "ack-ecr", ("team-a",)),
            ]
        )
    assert str(raised.value).splitlines() == [
        f"rds and s3 map account {TEAM_A} to different roles (/ack-rds and /ack-s3) in ack-system/ack-role-account-map; "
        "give both carm_service_level=True (the ServiceLevelCARM feature gate)",
        f"namespace team-a is given to account {TEAM_B} by ecr and to account {TEAM_A} by s3; its "
        "services.k8s.aws/owner-account-id annotation names one",
    ]


def test_service_level_keys_only_for_controllers_that_need_them() -> None:
    grants = [
        grant("s3", TEAM_A, "ack-s3", ("team-a",)),
        grant("rds", TEAM_A, "ack-rds", ("team-a",)),
        grant("ec2", TEAM_A, "ack-s3", ("team-a",)),
        grant("ecr", TEAM_B, "ack-ecr", ("team-b",)),
        grant("sqs", TEAM_A, "ack-sqs", ("team-a",), ns="other"),
    ]
    assert accounts.needs_service_level(grants) == {"s3", "rds", "ec2"}
    assert accounts.needs_service_level(grants[2:]) == set()
    with_keys = [CarmGrant(g.controller, g.service, g.controller_namespace, g.target, True) for g in grants[:3]]
    layout = accounts.carm_layout(with_keys)  # service-level keys: no conflict left
    assert sorted(layout.maps["ack-system"]) == [f"ec2.{TEAM_A}", f"rds.{TEAM_A}", f"s3.{TEAM_A}"]


# --- the components under mocks ------------------------------------------------------------------------


def controller_program(**extra: Any) -> Any:
    def program_() -> dict[str, Any]:
        irsa = ControllerIrsa("s3", {"service": "s3", "oidc_provider_arn": PROVIDER_ARN, **extra})  # type: ignore[typeddict-item]
        return {"role_arn": irsa.role.arn}

    return program_


TARGET_A: CrossAccountTargetArgs = {"account_id": TEAM_A, "role_name": "ack-s3", "namespaces": ["team-a"]}


def test_the_source_role_gets_a_separate_policy_for_exactly_the_target_roles() -> None:
    targets = [TARGET_A, {"account_id": TEAM_B, "role_arn": ROLE_B, "namespaces": ["team-b", "team-c"]}]
    result = run(controller_program(cross_account=targets))
    policy = result.named("s3-ack-cross-account")
    assert policy.inputs["name"] == "ack-cross-account"
    assert json.loads(policy.inputs["policy"]) == accounts.assume_policy([ROLE_A, ROLE_B], pod_identity=False)
    assert result.named("s3-inline-policies").inputs["policyNames"] == ["ack-controller-policy", "ack-cross-account"]
    # the recommended policy is left as it was
    assert "sts:AssumeRole" not in result.named("s3-inline").inputs["policy"]
    assert ("aws:index/getCallerIdentity:getCallerIdentity", {}) in result.invokes
    # nothing on the cluster for CARM here: the RoleAccountMap makes the shared objects
    assert [r for r in result.resources if r.type in (CONFIG_MAP, NAMESPACE_PATCH, SELECTOR)] == []


def test_pod_identity_may_tag_the_session_and_the_target_trust_says_so() -> None:
    def program_() -> None:
        target = aws.Provider("team-a", region="us-west-2", allowed_account_ids=[TEAM_A])
        ControllerIrsa(
            "s3",
            {
                "service": "s3",
                "identity": "pod_identity",
                "cluster_name": "dev-eks",
                "cross_account": [{**TARGET_A, "manage_role": True, "provider": target}],
            },
        )

    result = run(program_)
    policy = json.loads(result.named("s3-ack-cross-account").inputs["policy"])
    assert policy["Statement"][0]["Action"] == ["sts:AssumeRole", "sts:TagSession"]
    target_role = result.named(f"s3-{TEAM_A}-ack-s3-role")
    source_arn = result.named("s3-role").state["arn"]
    assert json.loads(target_role.inputs["assumeRolePolicy"]) == accounts.target_trust_policy([source_arn], True)


def test_a_managed_target_role_is_made_in_the_target_account_with_the_recommended_policies() -> None:
    def program_() -> dict[str, Any]:
        target = aws.Provider("team-a", region="us-west-2", allowed_account_ids=[TEAM_A])
        irsa = ControllerIrsa(
            "s3",
            {
                "service": "s3",
                "oidc_provider_arn": PROVIDER_ARN,
                "cross_account": [{**TARGET_A, "manage_role": True, "provider": target}],
            },
        )
        return {"targets": irsa.target_roles[f"{TEAM_A}/ack-s3"].role_arn, "source": irsa.role.arn}

    result = run(program_)
    component = result.named(f"s3-{TEAM_A}-ack-s3")
    assert component.type == "ack-irsa:index:TargetAccountRole" and component.parent == result.named("s3").urn
    role = result.named(f"s3-{TEAM_A}-ack-s3-role")
    assert role.inputs["name"] == "ack-s3" and role.inputs["path"] == "/"
    assert json.loads(role.inputs["assumeRolePolicy"]) == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": result.outputs["source"]}, "Action": "sts:AssumeRole"}],
    }
    provider = result.named("team-a")
    made = [r for r in result.resources if r.parent in (component.urn, role.urn)]
    assert {r.name for r in made} == {
        f"s3-{TEAM_A}-ack-s3-role",
        f"s3-{TEAM_A}-ack-s3-AmazonS3FullAccess",
        f"s3-{TEAM_A}-ack-s3-inline",
        f"s3-{TEAM_A}-ack-s3-managed-policies",
        f"s3-{TEAM_A}-ack-s3-inline-policies",
    }
    # every resource of the target role goes through the target account's provider
    assert {r.provider.split("::")[-2] for r in made} == {provider.urn.split("::")[-1]}
    assert result.outputs["targets"] == ROLE_A  # made in the target account
    assert result.named(f"s3-{TEAM_A}-ack-s3-AmazonS3FullAccess").inputs["policyArn"] == (
        "arn:aws:iam::aws:policy/AmazonS3FullAccess"
    )


def test_iam_role_selector_mode_makes_one_selector_per_target_and_sets_the_chart_values() -> None:
    targets = [
        TARGET_A,
        {"account_id": TEAM_A, "role_name": "ack-s3-archive", "namespaces": ["archive"]},
        {"account_id": TEAM_B, "role_arn": ROLE_B, "namespaces": ["team-b"]},
    ]
    result = run(
        controller_program(cross_account=targets, cross_account_mode="iam_role_selector", install=True),
        config={"aws:region": "us-west-2"},
    )
    selectors = {r.name: (r.inputs["metadata"]["name"], r.inputs["spec"]) for r in result.of_type(SELECTOR)}
    archive = f"arn:aws:iam::{TEAM_A}:role/ack-s3-archive"
    assert selectors == {
        f"s3-selector-{TEAM_A}": (
            accounts.selector_name("ack-system", "s3", TEAM_A, ROLE_A),
            accounts.selector_spec("s3", ROLE_A, ["team-a"]),
        ),
        f"s3-selector-{TEAM_A}-2": (
            accounts.selector_name("ack-system", "s3", TEAM_A, archive),
            accounts.selector_spec("s3", archive, ["archive"]),
        ),
        f"s3-selector-{TEAM_B}": (
            accounts.selector_name("ack-system", "s3", TEAM_B, ROLE_B),
            accounts.selector_spec("s3", ROLE_B, ["team-b"]),
        ),
    }
    for selector in result.of_type(SELECTOR):
        assert selector.inputs["apiVersion"] == "services.k8s.aws/v1alpha1"
        assert selector.inputs["kind"] == "IAMRoleSelector"
        assert result.named("s3-ack-cross-account").urn in selector.dependencies
    values = result.named("s3-release").inputs["values"]
    assert values["enableCARM"] is False and values["featureGates"] == {"IAMRoleSelector": True}


def test_user_feature_gates_are_kept_beside_the_ones_ack_irsa_sets() -> None:
    install = {"values": {"featureGates": {"ReadOnlyResources": True}, "enableCARM": False}}
    result = run(
        controller_program(cross_account=[TARGET_A], cross_account_mode="iam_role_selector", install=install),
        config={"aws:region": "us-west-2"},
    )
    values = result.named("s3-release").inputs["values"]
    assert values["featureGates"] == {"ReadOnlyResources": True, "IAMRoleSelector": True}


def test_carm_service_level_turns_on_its_gate_on_an_installed_controller() -> None:
    result = run(
        controller_program(cross_account=[TARGET_A], carm_service_level=True, install=True),
        config={"aws:region": "us-west-2"},
    )
    values = result.named("s3-release").inputs["values"]
    assert values["featureGates"] == {"ServiceLevelCARM": True} and "enableCARM" not in values
    plain = run(controller_program(cross_account=[TARGET_A], install=True), config={"aws:region": "us-west-2"})
    assert "featureGates" not in plain.named("s3-release").inputs["values"]


def test_the_role_account_map_merges_every_controller_and_annotates_each_namespace() -> None:
    def program_() -> None:
        s3 = ControllerIrsa("s3", {"service": "s3", "oidc_provider_arn": PROVIDER_ARN, "cross_account": [TARGET_A]})
        rds = ControllerIrsa(
            "rds",
            {
                "service": "rds",
                "oidc_provider_arn": PROVIDER_ARN,
                "cross_account": [{"account_id": TEAM_B, "role_arn": ROLE_B, "namespaces": ["team-b", "team-c"]}],
            },
        )
        ecr = ControllerIrsa(  # nothing on the cluster: left out of the map
            "ecr",
            {
                "service": "ecr",
                "oidc_provider_arn": PROVIDER_ARN,
                "service_account_mode": "none",
                "cross_account": [{"account_id": TEAM_B, "role_name": "x", "namespaces": ["team-a"]}],
            },
        )
        RoleAccountMap("carm", {"controllers": [s3, rds, ecr]})

    result = run(program_)
    (config_map,) = result.of_type(CONFIG_MAP)
    assert config_map.inputs["metadata"] == {"name": "ack-role-account-map", "namespace": "ack-system"}
    assert config_map.inputs["data"] == {TEAM_A: ROLE_A, TEAM_B: ROLE_B}
    annotations = {
        r.inputs["metadata"]["name"]: r.inputs["metadata"]["annotations"] for r in result.of_type(NAMESPACE_PATCH)
    }
    assert annotations == {
        "team-a": {"services.k8s.aws/owner-account-id": TEAM_A},
        "team-b": {"services.k8s.aws/owner-account-id": TEAM_B},
        "team-c": {"services.k8s.aws/owner-account-id": TEAM_B},
    }
    # the map switches the controllers over: it waits for their roles and policies
    for name in ("s3-role", "s3-ack-cross-account", "rds-ack-cross-account", "rds-managed-policies"):
        assert result.named(name).urn in config_map.dependencies


def test_the_role_account_map_refuses_a_conflict_before_registering_anything() -> None:
    def program_() -> None:
        s3 = ControllerIrsa("s3", {"service": "s3", "oidc_provider_arn": PROVIDER_ARN, "cross_account": [TARGET_A]})
        rds = ControllerIrsa(
            "rds",
            {
                "service": "rds",
                "oidc_provider_arn": PROVIDER_ARN,
                "cross_account": [{"account_id": TEAM_A, "role_name": "ack-rds", "namespaces": ["team-a"]}],
            },
        )
        RoleAccountMap("carm", {"controllers": [s3, rds]})

    with pytest.raises(ArgsError) as raised:
        run(program_)
    assert str(raised.value) == (
        f"RoleAccountMap 'carm': controllers: rds and s3 map account {TEAM_A} to different roles (/ack-rds and "
        "/ack-s3) in ack-system/ack-role-account-map; give both carm_service_level=True (the ServiceLevelCARM "
        "feature gate)"
    )


def test_target_account_role_alone_in_the_target_accounts_program() -> None:
    source = f"arn:aws:iam::{ACCOUNT}:role/ack-rds-shared"

    def program_() -> dict[str, Any]:
        role = TargetAccountRole(
            "rds-from-shared",
            {"service": "rds", "role_name": "ack-rds", "role_path": "/ack/", "trusted_role_arns": [source]},
        )
        return {"arn": role.role_arn}

    result = run(program_)
    role = result.named("rds-from-shared-role")
    assert json.loads(role.inputs["assumeRolePolicy"]) == accounts.target_trust_policy([source], False)
    assert role.inputs["path"] == "/ack/"
    assert result.outputs["arn"] == f"arn:aws:iam::{ACCOUNT}:role/ack/ack-rds"
    assert [r.inputs["policyArn"] for r in result.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")] == [
        "arn:aws:iam::aws:policy/AmazonRDSFullAccess"
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"service": "rds", "role_name": "ack-rds"},
            "trusted_role_arns: is required: the ARNs of the controller roles that assume this role",
        ),
        (
            {"service": "rds", "role_name": "ack-rds", "trusted_role_arns": "arn:aws:iam::111122223333:role/a"},
            "trusted_role_arns: must be a list of controller role ARNs, got 'arn:aws:iam::111122223333:role/a'",
        ),
        (
            {"service": "rds", "role_name": "ack-rds", "trusted_role_arns": ["arn:aws:iam::111122223333:user/a"]},
            "trusted_role_arns[0]: must be an IAM role ARN such as arn:aws:iam::111122223333:role/ack-s3, got "
            "'arn:aws:iam::111122223333:user/a'",
        ),
        (
            {
                "service": "rds",
                "role_name": "ack-rds",
                "trusted_role_arns": ["arn:aws:iam::111122223333:role/a", "arn:aws-cn:iam::111122223333:role/a"],
            },
            "trusted_role_arns: lie in different partitions (aws, aws-cn)",
        ),
        (
            {"service": "rds", "trusted_role_arns": ["arn:aws:iam::111122223333:role/a"]},
            "role_name: must be a role name, got None",
        ),
    ],
)
def test_target_account_role_refuses_bad_arguments(args: dict[str, Any], message: str) -> None:
    def program_() -> None:
        TargetAccountRole("t", args)  # type: ignore[arg-type]

    with pytest.raises(ArgsError) as raised:
        run(program_)
    assert str(raised.value) == f"TargetAccountRole 't': {message}"


# --- bad input, refused before anything is created ---------------------------------------------------


def refused_args(**extra: Any) -> list[str]:
    with pytest.raises(ArgsError) as raised:
        run(controller_program(**extra))
    return [line.removeprefix("ControllerIrsa 's3': ") for line in str(raised.value).splitlines()]


def test_bad_targets_are_each_reported_by_key() -> None:
    assert refused_args(
        cross_account=[
            {"account_id": "4444", "role_name": "ack-s3", "namespaces": ["team-a"]},
            {"account_id": TEAM_A, "role_arn": f"arn:aws:iam::{TEAM_B}:role/x", "namespaces": ["team-b"]},
            {"account_id": TEAM_B, "role_name": "a", "role_arn": ROLE_B, "namespaces": []},
            {"acount_id": TEAM_B, "role_name": "a", "namespaces": ["Team"]},
            {"account_id": 444455556666, "role_name": "a", "namespaces": "team-a"},
            "team-a",
        ],
        cross_account_mode="carn",
    ) == [
        "cross_account_mode: must be 'carm' or 'iam_role_selector', got 'carn'; did you mean 'carm'?",
        "cross_account[0].account_id: must be a 12-digit AWS account ID, got '4444'",
        f"cross_account[1].role_arn: is a role in account {TEAM_B}, but account_id is {TEAM_A}",
        "cross_account[2]: give role_name or role_arn, not both",
        "cross_account[2].namespaces: must list the namespaces whose resources go to this account, got []",
        "cross_account[3].acount_id: unknown key; did you mean 'account_id'?",
        "cross_account[3].account_id: is required (the 12-digit ID of the account to manage resources in)",
        "cross_account[3].namespaces[0]: 'Team' is not a valid RFC 1123 label (at most 63 lowercase letters, digits "
        "and '-', starting and ending with a letter or digit)",
        "cross_account[4].account_id: must be a 12-digit AWS account ID in quotes, got 444455556666",
        "cross_account[4].namespaces: must list the namespaces whose resources go to this account, got 'team-a'",
        "cross_account[5]: must be a map with account_id, role_name or role_arn, and namespaces, got 'team-a'",
    ]


def test_one_namespace_goes_to_one_account_and_carm_maps_an_account_once() -> None:
    assert refused_args(
        cross_account=[
            TARGET_A,
            {"account_id": TEAM_B, "role_name": "ack-s3", "namespaces": ["team-b", "team-a"]},
            {"account_id": TEAM_A, "role_name": "ack-s3-other", "namespaces": ["team-c"]},
        ]
    ) == [
        f"cross_account[1].namespaces: team-a is mapped to account {TEAM_A} by cross_account[0] already",
        f"cross_account[2].account_id: {TEAM_A} is listed by cross_account[0] already; CARM maps an account to one "
        "role per controller (list all its namespaces there, or use cross_account_mode 'iam_role_selector')",
    ]


def test_target_roles_in_two_partitions_are_refused() -> None:
    assert refused_args(
        cross_account=[
            {"account_id": TEAM_A, "role_arn": ROLE_A, "namespaces": ["team-a"]},
            {"account_id": TEAM_B, "role_arn": f"arn:aws-cn:iam::{TEAM_B}:role/x", "namespaces": ["team-b"]},
        ]
    ) == ["cross_account: the role ARNs lie in different partitions (aws, aws-cn); a role is assumed in its own only"]


def test_a_managed_role_needs_its_provider_and_a_provider_needs_manage_role() -> None:
    assert refused_args(
        cross_account=[
            {**TARGET_A, "manage_role": True},
            {"account_id": TEAM_B, "role_name": "x", "namespaces": ["team-b"], "provider": "p"},
            {"account_id": "999988887777", "role_name": "x", "namespaces": ["team-c"], "manage_role": "yes"},
        ]
    ) == [
        "cross_account[0].provider: is required with manage_role: the AWS provider of the target account",
        "cross_account[1].provider: is used only with manage_role: true (otherwise the role is made elsewhere)",
        "cross_account[2].manage_role: must be true or false, got 'yes'",
    ]


def test_chart_values_that_switch_the_wiring_off_are_refused() -> None:
    selector = {"values": {"enableCARM": True, "featureGates": {"IAMRoleSelector": False}}}
    assert refused_args(cross_account=[TARGET_A], cross_account_mode="iam_role_selector", install=selector) == [
        "install.values.enableCARM: must not be true in cross_account_mode 'iam_role_selector': the controller "
        "refuses to start with both (ack-irsa sets it false)",
        "install.values.featureGates.IAMRoleSelector: must not be false in cross_account_mode 'iam_role_selector'",
    ]
    carm = {"values": {"enableCARM": False, "installScope": "namespace", "featureGates": {"ServiceLevelCARM": False}}}
    assert refused_args(cross_account=[TARGET_A], carm_service_level=True, install=carm) == [
        "install.values.enableCARM: must not be false: cross_account uses CARM (cross_account_mode 'carm')",
        "install.values.installScope: must be 'cluster' for CARM (the controller watches the target namespaces), "
        "got 'namespace'",
        "install.values.featureGates.ServiceLevelCARM: must not be false with carm_service_level",
    ]
    # without targets the same values are the user's business
    run(controller_program(install=carm), config={"aws:region": "us-west-2"})


def test_the_stacks_own_account_is_refused_before_anything_is_created() -> None:
    with pytest.raises(
        Exception, match=re.escape(f"cross_account[0].account_id {ACCOUNT} is this stack's own account")
    ):
        run(controller_program(cross_account=[{**TARGET_A, "account_id": ACCOUNT}]))


def test_a_target_in_another_partition_than_the_stacks_is_refused() -> None:
    role = f"arn:aws-cn:iam::{TEAM_A}:role/ack-s3"
    with pytest.raises(
        Exception, match=re.escape("cross_account[0].role_arn is in partition 'aws-cn', not 'aws', the stack's")
    ):
        run(controller_program(cross_account=[{"account_id": TEAM_A, "role_arn": role, "namespaces": ["team-a"]}]))


def test_a_controller_installed_elsewhere_is_told_what_to_turn_on() -> None:
    result = run(controller_program(cross_account=[TARGET_A], cross_account_mode="iam_role_selector"))
    assert [m for _, m in result.warnings if m.startswith("cross_account")] == [
        "cross_account: the controller is not installed by ack-irsa; start it with featureGates.IAMRoleSelector=true "
        "and enableCARM=false"
    ]
    result = run(controller_program(cross_account=[TARGET_A], carm_service_level=True))
    assert [m for _, m in result.warnings if m.startswith("cross_account")] == [
        "cross_account: the controller is not installed by ack-irsa; start it with featureGates.ServiceLevelCARM=true"
    ]


# --- the stack config --------------------------------------------------------------------------------


def stack(controllers: list[dict[str, Any]], **keys: Any) -> dict[str, Any]:
    config = {
        "aws:region": "us-west-2",
        "ack-irsa:clusterName": "dev",
        "ack-irsa:controllers": json.dumps(controllers),
    }
    return config | {f"ack-irsa:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in keys.items()}


def program_run(config: dict[str, Any]) -> Any:
    from ack_irsa.stack import program

    return run(program.main, config=config, issuers={"dev": ISSUER_URL})


def test_the_shared_example_stack_wires_both_sides() -> None:
    from ack_irsa.stack.stackfile import load

    config = load(ROOT, ROOT / "stacks" / "Pulumi.shared.yaml").config
    result = run(
        __import__("ack_irsa.stack.program").stack.program.main, config=config, issuers={"shared-eks": ISSUER_URL}
    )
    (provider,) = result.of_type("pulumi:providers:aws")
    assert provider.name == "account-444455556666"
    assert json.loads(provider.inputs["allowedAccountIds"]) == [TEAM_A]
    assert provider.inputs["profile"] == "team-a" and provider.inputs["region"] == "us-west-2"
    (config_map,) = result.of_type(CONFIG_MAP)
    assert config_map.inputs["data"] == {
        TEAM_A: f"arn:aws:iam::{TEAM_A}:role/ack-s3-from-shared",
        TEAM_B: f"arn:aws:iam::{TEAM_B}:role/ack/ack-rds-from-shared",
    }
    assert sorted(r.inputs["metadata"]["name"] for r in result.of_type(NAMESPACE_PATCH)) == ["team-a", "team-b"]
    assert result.named(f"s3-{TEAM_A}-ack-s3-from-shared-role").inputs["name"] == "ack-s3-from-shared"


def test_a_target_provider_that_assumes_a_role_sends_it_as_the_aws_provider_reads_it() -> None:
    """The provider receives its nested inputs as JSON with the keys as given: ``role_arn`` from a plain dict
    would be ignored ("IAM Role ARN not set in assume role 1 of 1", pulumi/pulumi-aws#5271)."""
    deployer = f"arn:aws:iam::{TEAM_A}:role/deployer"
    target = {"accountId": TEAM_A, "roleName": "ack-s3", "namespaces": ["team-a"], "manageRole": True}
    config = stack([{"service": "s3", "crossAccount": [{**target, "provider": {"assumeRoleArn": deployer}}]}])
    result = program_run(config)  # the engine-schema check passes: no mismatch is raised
    (provider,) = result.of_type("pulumi:providers:aws")
    assert json.loads(provider.inputs["assumeRoles"]) == [{"roleArn": deployer}]
    assert "profile" not in provider.inputs


def test_two_controllers_with_different_roles_in_one_account_get_service_level_keys() -> None:
    targets = {"accountId": TEAM_A, "namespaces": ["team-a"]}
    config = stack(
        [
            {"service": "s3", "crossAccount": [{**targets, "roleName": "ack-s3"}]},
            {"service": "rds", "crossAccount": [{**targets, "roleName": "ack-rds"}]},
            {"service": "ecr", "crossAccount": [{"accountId": TEAM_B, "roleName": "ack-ecr", "namespaces": ["b"]}]},
        ],
        install=True,
    )
    result = program_run(config)
    (config_map,) = result.of_type(CONFIG_MAP)
    assert config_map.inputs["data"] == {
        f"s3.{TEAM_A}": f"arn:aws:iam::{TEAM_A}:role/ack-s3",
        f"rds.{TEAM_A}": f"arn:aws:iam::{TEAM_A}:role/ack-rds",
        TEAM_B: f"arn:aws:iam::{TEAM_B}:role/ack-ecr",
    }
    gates = {r.name: r.inputs["values"].get("featureGates") for r in result.of_type(RELEASE)}
    assert gates == {
        "s3-release": {"ServiceLevelCARM": True},
        "rds-release": {"ServiceLevelCARM": True},
        "ecr-release": None,
    }


def test_iam_role_selector_mode_from_the_stack_config() -> None:
    config = stack(
        [{"service": "s3", "crossAccount": [{"accountId": TEAM_A, "roleName": "ack-s3", "namespaces": ["team-a"]}]}],
        crossAccountMode="iamRoleSelector",
    )
    result = program_run(config)
    assert [r.inputs["spec"] for r in result.of_type(SELECTOR)] == [accounts.selector_spec("s3", ROLE_A, ["team-a"])]
    assert result.of_type(CONFIG_MAP) == [] and result.of_type(NAMESPACE_PATCH) == []


def test_the_components_messages_speak_the_configs_words() -> None:
    targets: list[dict[str, Any]] = [
        {"accountId": TEAM_A, "roleName": "ack-s3", "namespaces": ["team-a"]},
        {"accountId": TEAM_A, "roleName": "ack-s3-b", "namespaces": ["team-b"], "manageRole": True},
    ]
    assert refused(stack([{"service": "s3", "crossAccount": targets}])) == [
        "ack-irsa:controllers[0].crossAccount[1].provider: is required with manageRole: the AWS provider of the "
        "target account",
    ]
    targets[1].pop("manageRole")
    assert refused(stack([{"service": "s3", "crossAccount": targets}])) == [
        f"ack-irsa:controllers[0].crossAccount[1].accountId: {TEAM_A} is listed by crossAccount[0] already; CARM maps "
        "an account to one role per controller (list all its namespaces there, or use crossAccountMode "
        "'iamRoleSelector')",
    ]


def test_an_unquoted_account_id_is_refused_with_the_fix() -> None:
    target = {"accountId": 44455556666, "roleName": "ack-s3", "namespaces": ["team-a"]}
    assert refused(stack([{"service": "s3", "crossAccount": [target]}])) == [
        "ack-irsa:controllers[0].crossAccount[0].accountId: must be a 12-digit account ID in quotes ('044455556666'): "
        "unquoted, YAML reads a number, got 44455556666",
    ]


def test_the_stack_config_reports_every_cross_account_problem_by_key_path() -> None:
    config = stack(
        [
            {
                "service": "s3",
                "crossAccount": [
                    {"accountId": TEAM_B, "roleArn": f"arn:aws:iam::{TEAM_A}:role/x", "namespaces": ["team-b"]},
                    {
                        "accountId": TEAM_B,
                        "roleName": "ack-s3",
                        "namespaces": ["team-c"],
                        "manageRole": True,
                        "provider": {"assumeRoleArn": f"arn:aws:iam::{TEAM_A}:role/deployer"},
                    },
                    {
                        "accountId": "999988887777",
                        "roleName": "y",
                        "namespaces": ["team-d"],
                        "manageRole": True,
                        "provider": {},
                    },
                ],
            },
            {
                "service": "rds",
                "install": {"values": {"installScope": "namespace"}},
                "crossAccount": [
                    {"accountId": TEAM_A, "roleArn": f"arn:aws-cn:iam::{TEAM_A}:role/x", "namespaces": ["team-c"]}
                ],
            },
        ],
        oidcProviderArn=f"arn:aws:iam::{TEAM_B}:oidc-provider/{ISSUER_URL.removeprefix('https://')}",
    )
    assert refused(config) == [
        f"ack-irsa:controllers[0].crossAccount[0].roleArn: is a role in account {TEAM_A}, but accountId is {TEAM_B}",
        "ack-irsa:controllers[1].install.values.installScope: must be 'cluster' for CARM (the controller watches the "
        "target namespaces), got 'namespace'",
        f"ack-irsa:controllers[0].crossAccount[0].accountId: {TEAM_B} is this stack's own account (of oidcProviderArn); "
        "a role there needs no cross-account access",
        f"ack-irsa:controllers[0].crossAccount[1].accountId: {TEAM_B} is this stack's own account (of "
        "oidcProviderArn); a role there needs no cross-account access",
        "ack-irsa:controllers[0].crossAccount[1].provider.assumeRoleArn: is a role in account 444455556666, but "
        f"accountId is {TEAM_B}",
        "ack-irsa:controllers[0].crossAccount[2].provider: give profile or assumeRoleArn (how to reach account "
        "999988887777)",
        f"ack-irsa:controllers[1].crossAccount[0].namespaces: team-c is given to account {TEAM_B} by "
        "ack-irsa:controllers[0].crossAccount[1]; under CARM a namespace's owner-account annotation names one "
        "account for every controller",
        f"ack-irsa:controllers[1].crossAccount[0].roleArn: 'arn:aws-cn:iam::{TEAM_A}:role/x' is in partition "
        "'aws-cn', but this stack's is 'aws' (from aws:region 'us-west-2')",
    ]


# --- render and diff -----------------------------------------------------------------------------------


def test_render_shows_every_grant_at_the_top(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["render", "--stack", "shared", "--project-dir", str(ROOT), "--account-id", ACCOUNT]) == 0
    out = capsys.readouterr().out
    section = out.split("## Cross-account grants", 1)[1].split("\n## ", 1)[0]
    assert out.index("## Cross-account grants") < out.index("## Controller")
    assert section.strip().splitlines()[-2:] == [
        f"| `rds` | `{TEAM_B}` | `arn:aws:iam::{TEAM_B}:role/ack/ack-rds-from-shared` | `team-b` | CARM "
        "(`ack-role-account-map`) | the target account |",
        f"| `s3` | `{TEAM_A}` | `arn:aws:iam::{TEAM_A}:role/ack-s3-from-shared` | `team-a` | CARM "
        "(`ack-role-account-map`) | this stack |",
    ]
    assert f"| Cross-account | ⚠️ may assume a role in `{TEAM_A}` (`team-a`) |" in out
    assert "Inline policy `ack-cross-account`:" in out
    assert "Role made in the target account, `ack-s3-from-shared`" in out


def test_render_json_lists_the_grants(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["render", "--stack", "shared", "--project-dir", str(ROOT), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["crossAccount"] == [
        {
            "controller": "rds",
            "accountId": TEAM_B,
            "roleArn": f"arn:aws:iam::{TEAM_B}:role/ack/ack-rds-from-shared",
            "namespaces": ["team-b"],
            "mode": "carm",
            "roleMadeHere": False,
        },
        {
            "controller": "s3",
            "accountId": TEAM_A,
            "roleArn": f"arn:aws:iam::{TEAM_A}:role/ack-s3-from-shared",
            "namespaces": ["team-a"],
            "mode": "carm",
            "roleMadeHere": True,
        },
    ]


def test_diff_puts_a_new_grant_at_the_top(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def stack_file(path: Path, controllers: list[dict[str, Any]]) -> Path:
        path.parent.mkdir(parents=True)
        config = {"aws:region": "us-west-2", "ack-irsa:clusterName": "dev", "ack-irsa:controllers": controllers}
        path.write_text(json.dumps({"config": config}))
        return path

    target = {"accountId": TEAM_A, "roleName": "ack-s3", "namespaces": ["team-a"]}
    base = stack_file(tmp_path / "base" / "Pulumi.dev.yaml", [{"service": "s3", "crossAccount": [target]}])
    widened = {**target, "namespaces": ["team-a", "team-z"]}
    head = stack_file(tmp_path / "head" / "Pulumi.dev.yaml", [{"service": "s3", "crossAccount": [widened]}])
    args = ["--base-file", str(base), "--head-file", str(head), "--project-dir", str(ROOT), "--account-id", ACCOUNT]
    assert cli(["diff", *args, "--issuer-url", ISSUER_URL]) == 2  # changes, as `pulumi preview --detailed-exitcode`
    out = capsys.readouterr().out
    first = out.split("\n\n")[2]
    assert first == (
        f"> ⚠️ **New cross-account grant** on controller `s3`: it may assume `{ROLE_A}` and manage resources in "
        f"account `{TEAM_A}` for namespaces team-a, team-z. It widens what the controller can touch: review it."
    )
    assert "cross-account-team-z-owner" in out


# --- the Kubernetes objects against their schemas -----------------------------------------------------


def test_the_cross_account_objects_are_valid_kubernetes_objects(capsys: pytest.CaptureFixture[str]) -> None:
    import kubernetes_validate
    import yaml

    from .test_render import KUBERNETES, validate_patch

    assert cli(["render", "--stack", "shared", "--project-dir", str(ROOT), "--format", "manifests"]) == 0
    documents = list(yaml.safe_load_all(capsys.readouterr().out))
    assert sorted((d["kind"], d["metadata"]["name"]) for d in documents) == [
        ("ConfigMap", "ack-role-account-map"),
        ("Namespace", "team-a"),
        ("Namespace", "team-b"),
    ]
    for document in documents:
        if document["kind"] == "ConfigMap":
            kubernetes_validate.validate(document, KUBERNETES, strict=True)
        else:
            validate_patch(document)
    config = stack(
        [{"service": "s3", "crossAccount": [{"accountId": TEAM_A, "roleName": "ack-s3", "namespaces": ["team-a"]}]}],
        crossAccountMode="iamRoleSelector",
    )
    (selector,) = program_run(config).of_type(SELECTOR)
    # against the CRD ACK ships (vendored), as every offline run checks it; and the name is RFC 1123
    assert engine_schema.check(SELECTOR, selector.inputs) == []
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", selector.inputs["metadata"]["name"])
    # the check can fail
    assert engine_schema.check(SELECTOR, {**selector.inputs, "spec": {"namespaceSelector": {"names": []}}}) != []


# --- the argument checks, message by message (pure: resolve_controller and resolve_target_role) -----------

BASE: dict[str, Any] = {"service": "s3", "oidc_provider_arn": PROVIDER_ARN}


def problems_of(args: dict[str, Any]) -> list[str]:
    from ack_irsa.spec.controller import resolve_controller

    with pytest.raises(ArgsError) as raised:
        resolve_controller({**BASE, **args})
    return str(raised.value).splitlines()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"cross_account_mode": "xyz"}, ["cross_account_mode: must be 'carm' or 'iam_role_selector', got 'xyz'"]),
        (
            {"cross_account_mode": "xyz", "cross_account": [TARGET_A, {**TARGET_A, "namespaces": ["b"]}]},
            [
                "cross_account_mode: must be 'carm' or 'iam_role_selector', got 'xyz'",
                f"cross_account[1].account_id: {TEAM_A} is listed by cross_account[0] already; CARM maps an account to "
                "one role per controller (list all its namespaces there, or use cross_account_mode 'iam_role_selector')",
            ],
        ),
        ({"carm_service_level": "yes"}, ["carm_service_level: must be true or false, got 'yes'"]),
        (
            {"cross_account": "team-a"},
            ["cross_account: must be a list of {account_id, role_name or role_arn, namespaces}, got 'team-a'"],
        ),
        (
            {"cross_account": {"account_id": TEAM_A}},
            [
                "cross_account: must be a list of {account_id, role_name or role_arn, namespaces}, got {'account_id': '444455556666'}"
            ],
        ),
        (
            {"cross_account": 5},
            ["cross_account: must be a list of {account_id, role_name or role_arn, namespaces}, got 5"],
        ),
        (
            {"cross_account": [{**TARGET_A, "zzz": 1}]},
            [
                "cross_account[0].zzz: unknown key (known: account_id, role_name, role_arn, namespaces, manage_role, provider)"
            ],
        ),
        (
            {"cross_account": [{"account_id": TEAM_A, "namespaces": ["a"]}]},
            ["cross_account[0]: give role_name or role_arn (the role to assume)"],
        ),
        ({"cross_account": [{**TARGET_A, "role_name": 5}]}, ["cross_account[0].role_name: must be a role name, got 5"]),
        (
            {"cross_account": [{**TARGET_A, "role_name": "a/b"}]},
            ["cross_account[0].role_name: 'a/b' is not a valid IAM role name (letters, digits and +=,.@_- only)"],
        ),
        (
            {"cross_account": [{"account_id": TEAM_A, "role_arn": 5, "namespaces": ["a"]}]},
            ["cross_account[0].role_arn: must be an IAM role ARN, got 5"],
        ),
        (
            {"cross_account": [{"account_id": TEAM_A, "role_arn": "ack-s3", "namespaces": ["a"]}]},
            [
                "cross_account[0].role_arn: must be an IAM role ARN such as arn:aws:iam::111122223333:role/ack-s3, got 'ack-s3'"
            ],
        ),
        (
            {"cross_account": [{**TARGET_A, "namespaces": [5]}]},
            ["cross_account[0].namespaces[0]: must be a namespace name, got 5"],
        ),
        (
            {"cross_account": [{**TARGET_A, "namespaces": ["a", "a"]}]},
            ["cross_account[0].namespaces: lists a namespace twice"],
        ),
        (
            {
                "cross_account": [
                    {
                        **TARGET_A,
                        "account_id": "4444",
                        "role_arn": "arn:aws:iam::444455556666:role/x",
                        "role_name": None,
                    }
                ]
            },
            ["cross_account[0].account_id: must be a 12-digit AWS account ID, got '4444'"],
        ),
        (
            {
                "cross_account": [TARGET_A],
                "cross_account_mode": "iam_role_selector",
                "install": {"values": {"featureGates": "on"}},
            },
            ["install.values.featureGates: must be a map of feature gates to true or false, got 'on'"],
        ),
        (
            {
                "service": "glue",
                "inline_policy": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "glue:GetJob", "Resource": "*"}],
                },
                "cross_account": [{**TARGET_A, "manage_role": True, "provider": "p"}],
            },
            [
                "cross_account[0].manage_role: the target role gets the recommended policies, and the glue controller "
                "has none; make the role with TargetAccountRole and policy_arns or inline_policy"
            ],
        ),
    ],
)
def test_each_bad_cross_account_argument_gets_its_message(args: dict[str, Any], expected: list[str]) -> None:
    assert problems_of(args) == expected


def test_a_controller_without_a_recommendation_may_still_use_a_role_made_elsewhere() -> None:
    from ack_irsa import catalog
    from ack_irsa.spec.controller import resolve_controller

    assert not catalog.get("glue").has_recommended_policy
    spec = resolve_controller(
        {
            **BASE,
            "service": "glue",
            "inline_policy": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "glue:GetJob", "Resource": "*"}],
            },
            "cross_account": [TARGET_A],
        }
    )
    assert spec.cross_account == (CrossAccountTarget(TEAM_A, "ack-s3", "/", None, ("team-a",)),)
    assert (spec.cross_account_mode, spec.carm_service_level) == ("carm", False)
    spec = resolve_controller(
        {**BASE, "cross_account": [TARGET_A], "carm_service_level": True, "cross_account_mode": "iam_role_selector"}
    )
    assert (spec.cross_account_mode, spec.carm_service_level) == ("iam_role_selector", True)


def target_problems(args: dict[str, Any]) -> list[str]:
    from ack_irsa.spec.target_role import resolve_target_role

    with pytest.raises(ArgsError) as raised:
        resolve_target_role(args)
    return str(raised.value).splitlines()


TARGET_ARGS: dict[str, Any] = {
    "service": "rds",
    "role_name": "ack-rds",
    "trusted_role_arns": [f"arn:aws:iam::{ACCOUNT}:role/a"],
}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            "rds",
            [
                "the arguments must be a mapping such as {'service': 's3', 'role_name': 'ack-s3', 'trusted_role_arns': [controller.role_arn]}, got 'rds'"
            ],
        ),
        ({**TARGET_ARGS, "service": None}, ["service: is required (an ACK service name such as 's3')"]),
        ({**TARGET_ARGS, "service": 5}, ["service: must be an ACK service name such as 's3', got 5"]),
        ({**TARGET_ARGS, "service": ""}, ["service: is required (an ACK service name such as 's3')"]),
        ({**TARGET_ARGS, "servce": "rds"}, ["servce: unknown argument; did you mean 'service'?"]),
        (
            {**TARGET_ARGS, "service": "s4"},
            ["service: unknown ACK service 's4'; did you mean 's3'? (`python -m ack_irsa catalog` lists all 82)"],
        ),
        (
            {**TARGET_ARGS, "role_name": "a/b"},
            ["role_name: 'a/b' is not a valid IAM role name (letters, digits and +=,.@_- only)"],
        ),
        ({**TARGET_ARGS, "role_name": None}, ["role_name: must be a role name, got None"]),
        ({**TARGET_ARGS, "role_path": 5}, ["role_path: must be an IAM path such as /ack/, got 5"]),
        (
            {**TARGET_ARGS, "role_path": "ack"},
            ["role_path: 'ack' is not a valid IAM path (it must begin and end with '/', e.g. /ack/)"],
        ),
        (
            {**TARGET_ARGS, "trusted_role_arns": []},
            ["trusted_role_arns: is required: the ARNs of the controller roles that assume this role"],
        ),
        ({**TARGET_ARGS, "trusted_role_arns": [5]}, ["trusted_role_arns[0]: must be an IAM role ARN, got 5"]),
        ({**TARGET_ARGS, "pod_identity": "yes"}, ["pod_identity: must be true or false, got 'yes'"]),
        (
            {**TARGET_ARGS, "max_session_duration": "7200"},
            ["max_session_duration: must be a whole number of seconds, got '7200'"],
        ),
        (
            {**TARGET_ARGS, "max_session_duration": 60},
            ["max_session_duration: 60 is out of range (seconds, 3600 to 43200)"],
        ),
        ({**TARGET_ARGS, "tags": "x"}, ["tags: must be a mapping of tag keys to values, got 'x'"]),
        (
            {**TARGET_ARGS, "acknowledge_risks": ["all-action"]},
            [
                "acknowledge_risks[0]: 'all-action' is not a risk id (privilege-escalation, pass-role-unrestricted, "
                "all-actions, service-wide-access, broad-managed-policy)"
            ],
        ),
    ],
)
def test_each_bad_target_role_argument_gets_its_message(args: Any, expected: list[str]) -> None:
    assert target_problems(args) == expected


def test_a_target_role_spec_has_its_defaults() -> None:
    from ack_irsa.spec.permissions import PolicyRef
    from ack_irsa.spec.target_role import resolve_target_role

    spec = resolve_target_role(TARGET_ARGS)
    assert (spec.role_name, spec.role_path, spec.pod_identity, spec.max_session_duration, spec.tags) == (
        "ack-rds",
        "/",
        False,
        3600,
        {},
    )
    assert spec.trusted_role_arns == (f"arn:aws:iam::{ACCOUNT}:role/a",)
    assert spec.managed_policies == {"AmazonRDSFullAccess": PolicyRef(aws_managed_name="AmazonRDSFullAccess")}
    assert spec.inline_policy is None
    assert [r.id for r in spec.risks] == ["service-wide-access"]
    given = resolve_target_role(
        {
            **TARGET_ARGS,
            "role_path": "/ack/",
            "pod_identity": True,
            "max_session_duration": 7200,
            "tags": {"a": "b"},
            "acknowledge_risks": ["service-wide-access"],
        }
    )
    assert (given.role_path, given.pod_identity, given.max_session_duration, given.tags) == (
        "/ack/",
        True,
        7200,
        {"a": "b", "ack-irsa/acknowledged-risks": "service-wide-access"},  # for the guardrails
    )
    assert given.warnings == ()
    stale = resolve_target_role({**TARGET_ARGS, "acknowledge_risks": ["all-actions"]})
    assert stale.warnings == (
        "the acknowledged risk 'all-actions' is no longer a risk of this role (its risks: service-wide-access): "
        "drop it from acknowledge_risks (acknowledgeRisks in a stack file)",
    )
    assert [r.acknowledged for r in given.risks] == [True]


def test_a_managed_target_role_takes_over_the_acknowledgements_that_apply_to_it() -> None:
    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}

    def program_(acknowledged: list[str]) -> Any:
        def build() -> None:
            target = aws.Provider("team-a", region="us-west-2", allowed_account_ids=[TEAM_A])
            ControllerIrsa(
                "s3",
                {
                    "service": "s3",
                    "oidc_provider_arn": PROVIDER_ARN,
                    "inline_policy": everything,
                    "acknowledge_risks": acknowledged,
                    "cross_account": [{**TARGET_A, "manage_role": True, "provider": target}],
                },
            )

        return build

    result = run(program_(["all-actions", "service-wide-access"]))
    component = result.named(f"s3-{TEAM_A}-ack-s3")
    assert [m for urn, m in result.warnings if urn == component.urn] == []  # its one risk is acknowledged
    result = run(program_(["all-actions"]))  # not a risk of the target role: not passed on, and no error
    assert [m for urn, m in result.warnings if urn == result.named(f"s3-{TEAM_A}-ack-s3").urn] == [
        "risk service-wide-access in managed policy AmazonS3FullAccess: allows s3-object-lambda:*, s3:*",
        "risk service-wide-access in the inline policy: allows s3-object-lambda:*, s3:*, s3express:*",
    ]


def test_no_warning_where_there_is_nothing_to_turn_on() -> None:
    from ack_irsa.spec.controller import resolve_controller

    def warnings(**args: Any) -> list[str]:
        spec = resolve_controller({**BASE, **args})
        return [w for w in spec.warnings if w.startswith("cross_account")]

    assert warnings(cross_account_mode="iam_role_selector") == []  # no targets
    assert (
        warnings(cross_account=[TARGET_A], cross_account_mode="iam_role_selector", install=True) == []
    )  # ack-irsa sets it
    assert warnings(cross_account=[TARGET_A], cross_account_mode="iam_role_selector", service_account_mode="none") == []
    assert warnings(cross_account=[TARGET_A], carm_service_level=True, install=True) == []
    assert warnings(cross_account=[TARGET_A]) == []  # plain CARM keys need no gate
    assert len(warnings(cross_account=[TARGET_A], cross_account_mode="iam_role_selector")) == 1


def test_a_target_roles_own_inline_policy_is_analysed_for_risks() -> None:
    from ack_irsa.spec.target_role import resolve_target_role

    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    spec = resolve_target_role({**TARGET_ARGS, "inline_policy": everything})
    assert [(r.id, r.source) for r in spec.risks] == [
        ("service-wide-access", "managed policy AmazonRDSFullAccess"),
        ("privilege-escalation", "the inline policy"),
        ("pass-role-unrestricted", "the inline policy"),
        ("all-actions", "the inline policy"),
    ]


ENTRY: dict[str, Any] = {"service": "s3", "account_id": TEAM_A, "role_arn": ROLE_A, "namespaces": ["team-a"]}


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ("x", ["entries: must be a non-empty list of CARM entries, got 'x'"]),
        ({"a": 1}, ["entries: must be a non-empty list of CARM entries, got {'a': 1}"]),
        (5, ["entries: must be a non-empty list of CARM entries, got 5"]),
        ([], ["entries: must be a non-empty list of CARM entries, got []"]),
        (
            ["x"],
            [
                "entries[0]: must be a map with controller, service, namespace, account_id, role_arn, namespaces, service_level, got 'x'"
            ],
        ),
        (
            [{**ENTRY, "zz": 1}],
            [
                "entries[0].zz: unknown key (known: controller, service, namespace, account_id, role_arn, namespaces, service_level)"
            ],
        ),
        ([{**ENTRY, "service": 5}], ["entries[0].service: must be an ACK service name such as 's3', got 5"]),
        ([{**ENTRY, "service": "s4"}], ["entries[0].service: must be an ACK service name such as 's3', got 's4'"]),
        ([{**ENTRY, "namespace": 5}], ["entries[0].namespace: must be a namespace name, got 5"]),
        (
            [{**ENTRY, "namespace": "A"}],
            [
                "entries[0].namespace: 'A' is not a valid RFC 1123 label (at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit)"
            ],
        ),
        ([{**ENTRY, "account_id": 5}], ["entries[0].account_id: must be a 12-digit AWS account ID, got 5"]),
        ([{**ENTRY, "account_id": "4444"}], ["entries[0].account_id: must be a 12-digit AWS account ID, got '4444'"]),
        (
            [{k: v for k, v in ENTRY.items() if k != "role_arn"}],
            ["entries[0].role_arn: is required (the ARN of the role to assume in account_id)"],
        ),
        (
            [{**ENTRY, "role_arn": ROLE_B}],
            [f"entries[0].role_arn: is a role in account {TEAM_B}, but account_id is {TEAM_A}"],
        ),
        (
            [{**ENTRY, "namespaces": []}],
            ["entries[0].namespaces: must list the namespaces whose resources go to this account, got []"],
        ),
        ([{**ENTRY, "service_level": "yes"}], ["entries[0].service_level: must be true or false, got 'yes'"]),
    ],
)
def test_each_bad_carm_entry_gets_its_message(entries: Any, expected: list[str]) -> None:
    from ack_irsa.spec.cross_account import resolve_carm_entries

    with pytest.raises(ArgsError) as raised:
        resolve_carm_entries(entries)
    assert str(raised.value).splitlines() == expected


def test_carm_entries_become_grants_with_their_role_arns() -> None:
    from ack_irsa.spec.cross_account import resolve_carm_entries

    assert resolve_carm_entries(
        [
            ENTRY,
            {
                **ENTRY,
                "controller": "s3-b",
                "namespace": "ack-b",
                "role_arn": f"arn:aws:iam::{TEAM_A}:role/ack/b",
                "service_level": True,
            },
        ]
    ) == [
        (
            CarmGrant(
                "s3 in ack-system",
                "s3",
                "ack-system",
                CrossAccountTarget(TEAM_A, "ack-s3", "/", "aws", ("team-a",)),
                False,
            ),
            ROLE_A,
        ),
        (
            CarmGrant("s3-b", "s3", "ack-b", CrossAccountTarget(TEAM_A, "b", "/ack/", "aws", ("team-a",)), True),
            f"arn:aws:iam::{TEAM_A}:role/ack/b",
        ),
    ]


def test_the_stack_config_refuses_switching_off_the_service_level_gate_it_needs() -> None:
    """The checks see every controller at once: the two that share an account under different roles need the
    ServiceLevelCARM gate, so a chart value turning it off is refused before anything is created."""
    targets = {"accountId": TEAM_A, "namespaces": ["team-a"]}
    off = {"values": {"featureGates": {"ServiceLevelCARM": False}}}
    config = stack(
        [
            {"service": "s3", "install": off, "crossAccount": [{**targets, "roleName": "ack-s3"}]},
            {"service": "rds", "crossAccount": [{**targets, "roleName": "ack-rds"}]},
        ]
    )
    assert refused(config) == [
        "ack-irsa:controllers[0].install.values.featureGates.ServiceLevelCARM: must not be false with carmServiceLevel"
    ]


def test_a_second_build_of_the_shared_stack_changes_nothing() -> None:
    from ack_irsa.stack import program
    from ack_irsa.stack.stackfile import load

    config = load(ROOT, ROOT / "stacks" / "Pulumi.shared.yaml").config

    def build() -> list[tuple[str, str, str, dict[str, Any]]]:
        result = run(program.main, config=config, issuers={"shared-eks": ISSUER_URL})
        return sorted((r.type, r.name, r.parent, r.inputs) for r in result.resources)

    first = build()
    assert first == build()
    assert any(t == "kubernetes:core/v1:ConfigMap" for t, _, _, _ in first)
