"""A role's permissions as resources: managed policy attachments, inline policies, and both sets claimed
exclusively. Shared by ControllerIrsa and TargetAccountRole."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from ack_irsa import catalog
from ack_irsa.catalog.derived import DerivedPolicy, derive
from ack_irsa.errors import shown
from ack_irsa.iam.arns import aws_managed_policy_arn, check_policy_arn, partition_of
from ack_irsa.iam.limits import INLINE_POLICIES_MAX_CHARS, check_size
from ack_irsa.iam.policies import parse_policy_document, policy_size, to_json
from ack_irsa.spec.controller import DEFAULT_INLINE_POLICY_NAME
from ack_irsa.spec.permissions import PolicyRef
from ack_irsa.spec.problems import when_resolved

INLINE_POLICY_NAME = DEFAULT_INLINE_POLICY_NAME


def attach_policies(  # noqa: PLR0917 - the role and its policies, as resolved by the spec
    parent: pulumi.Resource,
    name: str,
    role: aws.iam.Role,
    managed: Mapping[str, PolicyRef],
    inline: Mapping[str, pulumi.Input[str]],
    partition: pulumi.Output[str],
    primary: str = INLINE_POLICY_NAME,
) -> list[pulumi.Output[str]]:
    """Attach the managed policies and put the inline ones (``{policy name: JSON}``), then claim both sets
    exclusively; the IDs of all of them, which resolve once each exists. ``primary`` names the recommended
    (or given) inline policy, whose resource is ``<name>-inline`` whatever its name.

    The exclusive sets remove, at every ``pulumi up``, any policy someone attached or put by hand (seen
    after a refresh). The per-policy resources stay: the exclusive ones alone would leave the
    attachments behind on destroy, and IAM refuses to delete a role that still has them."""
    child = pulumi.ResourceOptions(parent=parent)
    where = f"{type(parent).__name__} {name!r}: "
    arns = {key: policy_arn(ref, partition, where) for key, ref in sorted(managed.items())}
    attachments: list[pulumi.CustomResource] = [
        aws.iam.RolePolicyAttachment(f"{name}-{key}", role=role.name, policy_arn=arn, opts=child)
        for key, arn in arns.items()
    ]
    # The recommended policy keeps its resource name (``<name>-inline``), so existing stacks see no change.
    puts: list[pulumi.CustomResource] = [
        aws.iam.RolePolicy(
            f"{name}-inline" if policy_name == primary else f"{name}-{policy_name}",
            role=role.name,
            name=policy_name,
            policy=document,
            opts=child,
        )
        for policy_name, document in inline.items()
    ]
    only_these: list[pulumi.CustomResource] = [
        aws.iam.RolePolicyAttachmentsExclusive(
            f"{name}-managed-policies",
            role_name=role.name,
            policy_arns=list(arns.values()),
            opts=pulumi.ResourceOptions(parent=parent, depends_on=attachments),
        ),
        aws.iam.RolePoliciesExclusive(
            f"{name}-inline-policies",
            role_name=role.name,
            policy_names=list(inline),
            opts=pulumi.ResourceOptions(parent=parent, depends_on=puts),
        ),
    ]
    return [resource.id for resource in [*attachments, *puts, *only_these]]


def policy_arn(ref: PolicyRef, partition: pulumi.Output[str], where: str = "") -> pulumi.Output[str]:
    if ref.aws_managed_name is not None:
        name = ref.aws_managed_name
        return partition.apply(lambda p: aws_managed_policy_arn(p, name))
    checked = in_partition(ref.arn, partition, ref.argument or "policy_arns", where)
    assert checked is not None, "a PolicyRef has a name or an ARN"
    return checked


def in_partition(arn: Any, partition: pulumi.Output[str], field: str, where: str = "") -> pulumi.Output[Any] | None:
    """The policy ARN ``field`` (of the component ``where`` names), refused when it is no policy ARN or lies
    in another partition than the cluster's OIDC provider; None for None."""
    if arn is None:
        return None

    def checked(pair: list[Any]) -> str:
        check_policy_arn(pair[0])  # a value known only now was not checked up front
        if partition_of(pair[0]) != pair[1]:
            raise ValueError(f"{shown(pair[0])} is not in partition {pair[1]!r}, the cluster's")
        return str(pair[0])

    return pulumi.Output.all(arn, partition).apply(when_resolved(where, field, checked))


def inline_policy_json(value: Any, where: str = "") -> pulumi.Input[str]:
    """The inline policy as JSON text: at once for a document the spec has checked; when it resolves (and
    checked then) for one known only at deploy time. A plain value spares Pulumi an Output to await."""

    def checked(resolved: Any) -> str:
        document = parse_policy_document(resolved)
        check_size(policy_size(document), INLINE_POLICIES_MAX_CHARS, "the inline policy")
        return to_json(document)

    if isinstance(value, Mapping):
        return checked(value)
    return pulumi.Output.from_input(value).apply(when_resolved(where, "inline_policy", checked))


def derived_policy_json(policy: DerivedPolicy, partition: pulumi.Output[str]) -> pulumi.Output[str]:
    """The derived policy as JSON, derived again in the cluster's partition once it is known (its KMS
    condition names the partition's endpoints; a role to pass in another partition is refused then)."""
    kinds = None if policy.all_kinds else list(policy.kinds)
    return partition.apply(lambda p: to_json(derive(policy.service, kinds, policy.pass_roles, p).document))


def policy_facts(controller: catalog.Controller, policy: DerivedPolicy | None) -> dict[str, Any]:
    """What the plan says of a role's policy: the derived one against the recommendation (counts, kinds,
    what it cannot grant), or the recommendation and what upstream's misses of the controller's calls."""
    if policy is None:
        facts: dict[str, Any] = {"policy": "recommended"}
        if controller.too_narrow:
            facts["too_narrow"] = list(controller.too_narrow)
            facts["corrected"] = "corrected" in controller.flags
        return facts
    return {
        "policy": "derived",
        "summary": policy.summary(),
        "kinds": list(policy.kinds),
        "actions": len(policy.actions),
        "recommended_actions": policy.recommended_actions,
        "pass_roles": list(policy.pass_roles),
        "unset_role_fields": {kind: list(fields) for kind, fields in policy.unset_role_fields.items()},
        "not_granted": {kind: list(actions) for kind, actions in policy.not_granted.items()},
        "source": policy.source,
    }
