"""A role's permissions as resources: managed policy attachments, inline policies, and both sets claimed
exclusively. Shared by ControllerIrsa and TargetAccountRole."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from ack_irsa.iam.arns import aws_managed_policy_arn, partition_of
from ack_irsa.iam.limits import INLINE_POLICIES_MAX_CHARS, check_size
from ack_irsa.iam.policies import parse_policy_document, policy_size, to_json
from ack_irsa.spec.controller import DEFAULT_INLINE_POLICY_NAME
from ack_irsa.spec.permissions import PolicyRef

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
    arns = {key: policy_arn(ref, partition) for key, ref in sorted(managed.items())}
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


def policy_arn(ref: PolicyRef, partition: pulumi.Output[str]) -> pulumi.Output[str]:
    if ref.aws_managed_name is not None:
        name = ref.aws_managed_name
        return partition.apply(lambda p: aws_managed_policy_arn(p, name))
    checked = in_partition(ref.arn, partition, "policy ARN")
    assert checked is not None, "a PolicyRef has a name or an ARN"
    return checked


def in_partition(arn: Any, partition: pulumi.Output[str], what: str) -> pulumi.Output[Any] | None:
    """The ARN, refused when it lies in another partition than the cluster's OIDC provider; None for None."""
    if arn is None:
        return None

    def checked(pair: list[str]) -> str:
        if partition_of(pair[0]) != pair[1]:
            raise ValueError(f"{what} {pair[0]!r} is not in partition {pair[1]!r}, the cluster's")
        return pair[0]

    return pulumi.Output.all(arn, partition).apply(checked)


def inline_policy_json(value: Any) -> pulumi.Input[str]:
    """The inline policy as JSON text: at once for a document the spec has checked; when it resolves (and
    checked then) for one known only at deploy time. A plain value spares Pulumi an Output to await."""

    def checked(resolved: Any) -> str:
        document = parse_policy_document(resolved)
        check_size(policy_size(document), INLINE_POLICIES_MAX_CHARS, "the inline policy")
        return to_json(document)

    if isinstance(value, Mapping):
        return checked(value)
    return pulumi.Output.from_input(value).apply(checked)
