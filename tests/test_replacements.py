"""What an update replaces, and in which order: each field of ``diff.REPLACED_BY``, changed in a rendered stack,
and what the diff says of it; a second identical render of every example stack and every mode changes nothing.

Every render here runs the engine-schema check as well (``offline.run`` enforces it): each stack and mode below
has no registration the real engine would refuse.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ack_irsa.review import diff, plan
from ack_irsa.review.diff import REPLACED_BY
from ack_irsa.stack.stackfile import load

from .conftest import ISSUER_URL, ROOT, facts

TEAM_A = "444455556666"
S3 = {"service": "s3"}
TARGET = {"accountId": TEAM_A, "roleName": "ack-s3", "namespaces": ["team-a"]}


def config(controllers: list[dict[str, Any]], **keys: Any) -> dict[str, Any]:
    base = {"aws:region": "us-west-2", "ack-irsa:clusterName": "dev", "ack-irsa:controllers": json.dumps(controllers)}
    return base | {f"ack-irsa:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in keys.items()}


def rendered(stack_config: dict[str, Any], partition: str = "aws") -> plan.Plan:
    return plan.plan_stack("dev", stack_config, facts(partition, {"dev": ISSUER_URL}))


def markdown(before: dict[str, Any], after: dict[str, Any]) -> tuple[diff.PlanDiff, str]:
    head = rendered(after)
    changes = diff.diff_plans(rendered(before), head)
    return changes, diff.to_markdown(changes, "dev", head)


def change_of(changes: diff.PlanDiff, name: str) -> diff.Change:
    (found,) = [c for c in changes.changed if c.after.name == name]
    return found


# ---- each entry of the table, rendered


def test_a_role_path_change_deletes_the_fixed_name_role_first_and_says_so() -> None:
    changes, out = markdown(config([S3]), config([{**S3, "rolePath": "/ack/"}]))
    role = change_of(changes, "s3-role")
    assert (role.replaced_by, role.deleted_first) == (["path"], True)
    assert "#### `s3-role` (`aws:iam/role:Role`) — **replaced, deleted first**" in out
    assert (
        "> ⚠️ **`s3-role` is deleted before it is re-created** (`path` changes): the controller has no role for a "
        "moment: its AWS calls fail until the new role and its policies exist.\n"
    ) in out
    assert "> ⚠️ **Role `s3-role` will be replaced** (`path` changes)" in out


def test_a_role_name_change_makes_the_new_role_first_and_replaces_what_names_it() -> None:
    changes, out = markdown(config([S3]), config([{**S3, "roleName": "ack-s3-new"}]))
    role = change_of(changes, "s3-role")
    assert (role.replaced_by, role.deleted_first) == (["name"], False)
    assert "#### `s3-role` (`aws:iam/role:Role`) — **replaced**\n" in out
    assert "`s3-role` is deleted before" not in out
    # what names the role by name follows it: each is made anew for the new role, then the old one goes
    for name, field in [
        ("s3-inline", "role"),
        ("s3-AmazonS3FullAccess", "role"),
        ("s3-managed-policies", "roleName"),
        ("s3-inline-policies", "roleName"),
    ]:
        each = change_of(changes, name)
        assert (each.replaced_by, each.deleted_first) == ([field], False), name


def test_an_issuer_change_replaces_the_oidc_provider_deleting_it_first() -> None:
    other = "https://oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"

    def by_issuer(url: str) -> dict[str, Any]:  # no cluster to look up: the issuer is given
        return {k: v for k, v in config([S3], issuerUrl=url).items() if k != "ack-irsa:clusterName"}

    changes, out = markdown(by_issuer(ISSUER_URL), by_issuer(other))
    (provider,) = [c for c in changes.changed if c.after.type == "aws:iam/openIdConnectProvider:OpenIdConnectProvider"]
    assert (provider.replaced_by, provider.deleted_first) == (["url"], True)
    assert f"**`{provider.after.name}` is deleted before it is re-created** (`url` changes): one provider" in out


def test_a_pod_identity_association_in_another_namespace_is_deleted_first() -> None:
    before = config([{**S3, "identity": "podIdentity"}])
    changes, out = markdown(before, config([{**S3, "identity": "podIdentity", "namespace": "ack-s3"}]))
    association = change_of(changes, "s3-pod-identity")
    assert (association.replaced_by, association.deleted_first) == (["namespace"], True)
    assert "**`s3-pod-identity` is deleted before it is re-created** (`namespace` changes): EKS allows one" in out
    # the restart patches the Deployment of the new namespace instead (a patch of another object)
    assert change_of(changes, "s3-restart").replaced_by == ["metadata.namespace"]


def test_the_pod_identity_agent_on_another_cluster_is_deleted_first() -> None:
    before = config([{**S3, "identity": "podIdentity"}], podIdentityAgent="install")
    after = before | {"ack-irsa:clusterName": "dev-2"}
    head = plan.plan_stack("dev", after, facts(issuers={"dev-2": ISSUER_URL}))
    changes = diff.diff_plans(rendered(before), head)
    out = diff.to_markdown(changes, "dev", head)
    agent = change_of(changes, "pod-identity-agent")
    assert (agent.replaced_by, agent.deleted_first) == (["clusterName"], True)
    assert "**`pod-identity-agent` is deleted before it is re-created** (`clusterName` changes): one add-on" in out


def test_a_created_service_account_renamed_is_a_new_one_first() -> None:
    created = {**S3, "serviceAccountMode": "create"}
    changes, out = markdown(config([created]), config([{**created, "serviceAccountName": "ack-s3"}]))
    account = change_of(changes, "s3-service-account")
    assert (account.replaced_by, account.deleted_first) == (["metadata.name"], False)
    assert "#### `s3-service-account` (`kubernetes:core/v1:ServiceAccount`) — **replaced**\n" in out


def test_patches_of_another_object_replace_the_patch() -> None:
    changes, _ = markdown(config([S3]), config([{**S3, "deploymentName": "s3-controller"}]))
    restart = change_of(changes, "s3-restart")
    assert (restart.replaced_by, restart.deleted_first) == (["metadata.name"], False)
    changes, _ = markdown(config([S3]), config([{**S3, "namespace": "ack-s3"}]))
    for name in ("s3-service-account", "s3-restart"):
        each = change_of(changes, name)
        assert (each.replaced_by, each.deleted_first) == (["metadata.namespace"], False), name


def test_a_release_renamed_is_a_new_release_first() -> None:
    installed = {**S3, "install": True}
    changes, out = markdown(config([installed]), config([{**S3, "install": {"releaseName": "s3"}}]))
    release = change_of(changes, "s3-release")
    assert (release.replaced_by, release.deleted_first) == (["name"], False)
    assert "#### `s3-release` (`kubernetes:helm.sh/v3:Release`) — **replaced**\n" in out


def test_a_carm_map_change_on_the_default_provider_deletes_the_map_first_and_says_what_that_means() -> None:
    other = {**TARGET, "roleName": "ack-s3-other"}
    changes, out = markdown(config([{**S3, "crossAccount": [TARGET]}]), config([{**S3, "crossAccount": [other]}]))
    (config_map,) = [c for c in changes.changed if c.after.type == diff.CONFIG_MAP]
    assert (config_map.replaced_by, config_map.deleted_first) == ([f"data.{TEAM_A}"], True)
    assert (
        f"> ⚠️ **`{config_map.after.name}` is deleted before it is re-created** (`data.{TEAM_A}` changes): every "
        "controller in the namespace has no account map for a moment: reconciles of resources in the mapped "
        "namespaces fail and are retried until the new map exists. To change the map in place instead, give the "
        "stack `ack-irsa:kubeconfig` or `ack-irsa:kubeContext`: the Kubernetes provider ack-irsa then makes sets "
        "`enableConfigMapMutable`.\n"
    ) in out


def test_a_carm_map_change_on_ack_irsas_own_provider_is_an_update_in_place() -> None:
    context = {"kubeContext": "dev-context"}
    other = {**TARGET, "roleName": "ack-s3-other"}
    changes, out = markdown(
        config([{**S3, "crossAccount": [TARGET]}], **context), config([{**S3, "crossAccount": [other]}], **context)
    )
    (config_map,) = [c for c in changes.changed if c.after.type == diff.CONFIG_MAP]
    assert (config_map.replaced_by, config_map.deleted_first) == ([], False)
    assert "deleted before it is re-created" not in out
    assert f"#### `{config_map.after.name}` (`kubernetes:core/v1:ConfigMap`)\n" in out
    # a namespace change still replaces it: another object
    moved = config([{**S3, "namespace": "ack-s3", "crossAccount": [other]}], **context)
    changes, _ = markdown(config([{**S3, "crossAccount": [other]}], **context), moved)
    assert not changes.changed or all(c.after.type != diff.CONFIG_MAP for c in changes.changed)


def test_a_selector_for_a_new_role_is_a_new_selector_made_first_and_the_overlap_is_said() -> None:
    mode = {"crossAccountMode": "iamRoleSelector"}
    other = {**TARGET, "roleName": "ack-s3-other"}
    changes, out = markdown(
        config([{**S3, "crossAccount": [TARGET]}], **mode), config([{**S3, "crossAccount": [other]}], **mode)
    )
    selector = change_of(changes, f"s3-selector-{TEAM_A}")
    assert (sorted(selector.replaced_by), selector.deleted_first) == (["metadata.name", "spec.arn"], False)
    assert (
        f"> ⚠️ **Selector `s3-selector-{TEAM_A}` is replaced**: the new selector is made before the old one is "
        "deleted (spec.arn cannot change); while both exist, the resources both match fail to reconcile and are "
        "retried.\n"
    ) in out


def test_a_namespace_patch_of_another_namespace_is_replaced() -> None:
    """ack-irsa names each owner patch after its namespace, so a render never changes one's namespace (it
    adds one and removes the other); the entry is held on plans made for it."""
    patch = "kubernetes:core/v1:NamespacePatch"
    before = plan.PlannedResource(patch, "owner", None, {"metadata": {"name": "team-a"}})
    after = plan.PlannedResource(patch, "owner", None, {"metadata": {"name": "team-b"}})
    changes = diff.diff_plans(plan.Plan("dev", [before], {}), plan.Plan("dev", [after], {}))
    (change,) = changes.changed
    assert (change.replaced_by, change.deleted_first) == (["metadata.name"], False)


def test_every_entry_of_the_table_has_a_test_here_and_its_source() -> None:
    text = (ROOT / "tests" / "test_replacements.py").read_text(encoding="utf-8")
    tested = {
        "aws:iam/role:Role": "rolePath",
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "issuer_change",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "s3-AmazonS3FullAccess",
        "aws:iam/rolePolicy:RolePolicy": '"s3-inline"',
        "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "s3-managed-policies",
        "aws:iam/rolePoliciesExclusive:RolePoliciesExclusive": "s3-inline-policies",
        "aws:eks/podIdentityAssociation:PodIdentityAssociation": "s3-pod-identity",
        "aws:eks/addon:Addon": "pod-identity-agent",
        "kubernetes:core/v1:ServiceAccount": "created_service_account",
        "kubernetes:core/v1:ServiceAccountPatch": "patches_of_another_object",
        "kubernetes:apps/v1:DeploymentPatch": "s3-restart",
        "kubernetes:core/v1:NamespacePatch": "namespace_patch",
        "kubernetes:core/v1:ConfigMap": "carm_map_change",
        "kubernetes:services.k8s.aws/v1alpha1:IAMRoleSelector": "selector_for_a_new_role",
        "kubernetes:helm.sh/v3:Release": "release_renamed",
    }
    assert set(tested) == set(REPLACED_BY)
    for token, marker in tested.items():
        assert marker in text, token
        assert REPLACED_BY[token].source, token
        assert (REPLACED_BY[token].delete_first != "") == bool(REPLACED_BY[token].gap) or token.endswith(
            "IAMRoleSelector"
        ), token


# ---- a second identical render changes nothing, for every example stack and every mode

MODES = {
    "irsa": config([S3]),
    "pod-identity": config([{**S3, "identity": "podIdentity"}], podIdentityAgent="install"),
    "both": config([{**S3, "identity": "both"}]),
    "install": config([{**S3, "install": True}, {"service": "rds", "install": True}]),
    "carm": config([{**S3, "crossAccount": [TARGET]}], install=True),
    # two controllers with different roles in one account: service-level keys
    "carm-service-level": config(
        [{**S3, "crossAccount": [TARGET]}, {"service": "rds", "crossAccount": [{**TARGET, "roleName": "ack-rds"}]}],
        install=True,
    ),
    "selector": config([{**S3, "crossAccount": [TARGET]}], crossAccountMode="iamRoleSelector", install=True),
    "managed-target-role": config(
        [
            {
                **S3,
                "crossAccount": [
                    {**TARGET, "manageRole": True, "provider": {"assumeRoleArn": f"arn:aws:iam::{TEAM_A}:role/deploy"}}
                ],
            }
        ]
    ),
    "create": config([{**S3, "serviceAccountMode": "create"}]),
    "none": config([{**S3, "serviceAccountMode": "none"}]),
    "own-kubernetes-provider": config([{**S3, "crossAccount": [TARGET]}], kubeContext="dev"),
}


def example_stacks() -> list[str]:
    return sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in (ROOT / "stacks").glob("Pulumi.*.yaml"))


# every mode in the commercial partition, and those whose ARNs and trust another partition changes in aws-cn
PARTITION_CASES = [(mode, "aws") for mode in sorted(MODES)] + [
    (mode, "aws-cn") for mode in ("irsa", "pod-identity", "carm", "selector")
]


@pytest.mark.parametrize(("mode", "partition"), PARTITION_CASES)
def test_a_second_identical_render_of_each_mode_changes_nothing(mode: str, partition: str) -> None:
    stack_config = MODES[mode] | ({"aws:region": "cn-north-1"} if partition == "aws-cn" else {})
    first, second = rendered(stack_config, partition), rendered(stack_config, partition)
    assert first.resources  # a real plan, checked against the engine's schemas on the way
    assert diff.diff_plans(first, second).empty
    assert diff.to_markdown(diff.diff_plans(first, second), "dev", second).endswith("No changes.\n")


@pytest.mark.parametrize("stack", example_stacks())
def test_a_second_identical_render_of_each_example_stack_changes_nothing(stack: str) -> None:
    stack_file = load(ROOT, ROOT / "stacks" / f"Pulumi.{stack}.yaml")
    facts_ = plan.facts_for(stack_file.config, None, None, None, stack_file.secret_keys)  # as `render --stack`
    first = plan.plan_stack(stack, stack_file.config, facts_)
    second = plan.plan_stack(stack, stack_file.config, facts_)
    assert first.resources
    assert diff.diff_plans(first, second).empty
