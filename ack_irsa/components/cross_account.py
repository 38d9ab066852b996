"""The components of cross-account management: the role in a target account, and CARM's shared objects.

- :class:`TargetAccountRole`: the role a controller assumes in another account, trusting exactly the
  controller roles by ARN, with the service's recommended policies for that account's partition. Made by
  ``ControllerIrsa`` for a target with ``manage_role``, or used alone in the target account's own program.
- :class:`RoleAccountMap`: CARM's ``ack-role-account-map`` ConfigMap in each controller namespace, merged
  over every controller there, and the ``services.k8s.aws/owner-account-id`` annotation on each target
  namespace. One per cluster, as the objects are shared.

The documents and the layout are pure (:mod:`ack_irsa.iam.accounts`); this module only registers resources.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, Required, TypedDict

import pulumi
import pulumi_aws as aws

from ack_irsa.components.apidoc import document_arguments
from ack_irsa.components.permissions import (
    INLINE_POLICY_NAME,
    attach_policies,
    derived_policy_json,
    inline_policy_json,
)
from ack_irsa.errors import shown
from ack_irsa.iam.accounts import (
    CARM_CONFIG_MAP,
    OWNER_ACCOUNT_ANNOTATION,
    CarmGrant,
    CrossAccountTarget,
    carm_layout,
    target_trust_policy,
)
from ack_irsa.iam.arns import partition_of
from ack_irsa.iam.policies import to_json
from ack_irsa.spec.permissions import DERIVED_POLICY_NAME
from ack_irsa.spec.problems import ArgsError, Problem, Problems, as_mapping, deploy_time
from ack_irsa.spec.target_role import resolve_target_role

TARGET_ROLE_TYPE = "ack-irsa:index:TargetAccountRole"
ROLE_ACCOUNT_MAP_TYPE = "ack-irsa:index:RoleAccountMap"


class TargetAccountRoleArgs(TypedDict, total=False):
    """Arguments of :class:`TargetAccountRole`."""

    service: Required[str]
    """ACK service name, e.g. ``"s3"``: the role gets this controller's recommended policies. Required."""
    trusted_role_arns: Required[Sequence[pulumi.Input[str]]]
    """ARNs of the controller roles (in other accounts) that may assume this role; the trust names exactly
    these, as ACK sends no ExternalId. Required."""
    role_name: Required[str]
    """Role name: the ``role_name`` the controller's ``cross_account`` entry gives. Required."""
    role_path: str
    """Role path. Default ``"/"``."""
    pod_identity: bool
    """The controllers run on EKS Pod Identity (or ``both``): the trust allows ``sts:TagSession`` as well, as
    Pod Identity's session tags are transitive. Default ``False``."""
    policy: str
    """``"recommended"`` (default) or ``"derived"``: one inline policy of exactly the actions the code of
    ``kinds`` calls, as :class:`ControllerIrsa` takes it."""
    kinds: Sequence[str]
    """With ``policy="derived"``: the kinds the controller manages in this account. Default: every kind."""
    pass_roles: Sequence[str]
    """With ``policy="derived"``: ARNs of roles in this account the controller may pass. Default: none."""
    policy_arns: Sequence[str]
    """Managed policies instead of the recommended ones. Default: the catalog's, for the partition."""
    extra_policy_arns: Sequence[str]
    """Managed policies in addition. Default: none."""
    inline_policy: pulumi.Input[str] | dict[str, Any] | None
    """Inline policy instead of the recommended one; ``None`` drops it. Default: the catalog's."""
    max_session_duration: int
    """Maximum session length in seconds, 3600 to 43200. Default 3600."""
    tags: dict[str, str]
    """Role tags. Default: none."""
    acknowledge_risks: Sequence[str]
    """Ids of risks of the role's policies that were reviewed and accepted. Default: none."""


document_arguments(TargetAccountRoleArgs)


class TargetAccountRoleComponent(pulumi.ComponentResource):
    """What :class:`TargetAccountRole` builds, for the Python API and the component package alike."""

    def __init__(self, name: str, args: Mapping[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        try:
            spec = resolve_target_role(args)
        except ArgsError as error:
            raise ArgsError(error.problems, f"TargetAccountRole {name!r}: ") from None
        super().__init__(TARGET_ROLE_TYPE, name, {}, opts)
        for warning in spec.warnings:
            pulumi.log.warn(warning, resource=self)
        for risk in spec.risks:
            if not risk.acknowledged:
                pulumi.log.warn(f"risk {risk.id} in {risk.source}: {risk.detail}", resource=self)
        trusted = pulumi.Output.all(*spec.trusted_role_arns)
        partition = trusted.apply(_one_partition)
        self.role = aws.iam.Role(
            f"{name}-role",
            name=spec.role_name,
            path=spec.role_path,
            assume_role_policy=trusted.apply(lambda arns: to_json(target_trust_policy(arns, spec.pod_identity))),
            description=f"ACK {spec.controller.service} controller in another account, managed by ack-irsa",
            max_session_duration=spec.max_session_duration,
            tags=spec.tags or None,
            opts=pulumi.ResourceOptions(parent=self),
        )
        inline: dict[str, pulumi.Input[str]] = {}
        if spec.derived_policy is not None:
            inline[DERIVED_POLICY_NAME] = derived_policy_json(spec.derived_policy, partition)
        if spec.inline_policy is not None:
            inline[INLINE_POLICY_NAME] = inline_policy_json(spec.inline_policy)
        permissions = attach_policies(self, name, self.role, spec.managed_policies, inline, partition)
        self.role_arn = pulumi.Output.all(self.role.arn, *permissions).apply(lambda values: values[0])
        self.role_name = self.role.name
        # the plan lists these beside the controllers' (a target role is a workload role like any other)
        self.register_outputs(
            {"role_arn": self.role_arn, "role_name": self.role_name, "risks": [r.to_json() for r in spec.risks]}
        )


class TargetAccountRole(TargetAccountRoleComponent):
    """The role an ACK controller assumes in another account to manage resources there."""

    role: aws.iam.Role
    role_arn: pulumi.Output[str]
    """ARN of the role; resolves once every policy is attached."""
    role_name: pulumi.Output[str]

    def __init__(self, name: str, args: TargetAccountRoleArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, args, opts)


def _one_partition(arns: Sequence[str]) -> str:
    partitions = sorted({partition_of(arn) for arn in arns})
    if len(partitions) != 1:
        raise ValueError(f"trusted_role_arns lie in different partitions: {', '.join(partitions)}")
    return partitions[0]


class RoleAccountMapArgs(TypedDict, total=False):
    """Arguments of :class:`RoleAccountMap`."""

    controllers: Required[Sequence[Any]]
    """Every ``ControllerIrsa`` on the cluster; those with ``cross_account`` in mode ``carm`` (and a
    ServiceAccount on the cluster) are mapped, the others are left out. Required."""


document_arguments(RoleAccountMapArgs)


class RoleAccountMapComponent(pulumi.ComponentResource):
    """What :class:`RoleAccountMap` builds from the grants themselves and their role ARNs (the Python API
    takes them from the controllers, the component package from plain entries)."""

    def __init__(
        self,
        name: str,
        grants: Sequence[tuple[CarmGrant, pulumi.Input[str]]],
        opts: pulumi.ResourceOptions | None = None,
        field: str = "controllers",
    ) -> None:
        try:
            layout = carm_layout([grant for grant, _ in grants])
        except ValueError as error:
            problems = [Problem(field, line) for line in str(error).splitlines()]
            raise ArgsError(problems, f"RoleAccountMap {name!r}: ") from None
        super().__init__(ROLE_ACCOUNT_MAP_TYPE, name, {}, opts)
        from pulumi_kubernetes.core.v1 import ConfigMap, NamespacePatch
        from pulumi_kubernetes.meta.v1 import ObjectMetaArgs, ObjectMetaPatchArgs

        arns = {_grant_key(grant): pulumi.Output.from_input(arn) for grant, arn in grants}
        # Each object waits for exactly the ARNs it holds or switches over (each resolves once its role and
        # policies exist), never for whole components: a component in depends_on stands for all its children,
        # and one map waiting for every controller made the graph grow as n².
        targeted: dict[str, list[pulumi.Output[str]]] = {}
        for grant, _ in grants:
            for namespace in grant.target.namespaces:
                targeted.setdefault(namespace, []).append(arns[_grant_key(grant)])
        child = pulumi.ResourceOptions(parent=self)
        self.config_maps: dict[str, pulumi.CustomResource] = {
            namespace: ConfigMap(
                f"{name}-{namespace}",
                metadata=ObjectMetaArgs(name=CARM_CONFIG_MAP, namespace=namespace),
                data={key: arns[_grant_key(grant)] for key, grant in sorted(keys.items())},
                opts=child,
            )
            for namespace, keys in sorted(layout.maps.items())
        }
        self.namespaces: dict[str, pulumi.CustomResource] = {
            namespace: NamespacePatch(
                f"{name}-{namespace}-owner",
                metadata=ObjectMetaPatchArgs(
                    name=namespace, annotations={OWNER_ACCOUNT_ANNOTATION: _after(account, targeted.get(namespace, []))}
                ),
                opts=child,
            )
            for namespace, account in sorted(layout.owners.items())
        }
        self.register_outputs({})


class CarmController(Protocol):
    """What :class:`RoleAccountMap` reads of a controller (``ControllerIrsa`` is one): its CARM grants and the
    ARN of each target's role. A protocol, so that this module needs nothing of the controller's."""

    @property
    def carm_grants(self) -> Sequence[CarmGrant]: ...

    def target_role_arn(self, target: CrossAccountTarget) -> pulumi.Output[str]: ...

    @property
    def role_arn(self) -> pulumi.Output[str]:
        """The controller's own role's ARN, resolved once its policies are attached."""
        ...

    @property
    def release(self) -> pulumi.CustomResource | None:
        """The controller's Helm release when ack-irsa installs it (it may create the namespace)."""
        ...


def _carm_controllers(args: Any, where: str) -> list[CarmController]:
    """``controllers``, checked before anything is registered: a list of ``ControllerIrsa``."""
    try:
        args = as_mapping(args, "{'controllers': [ControllerIrsa, ...]}")
    except ArgsError as error:
        raise ArgsError(error.problems, where) from None
    problems = Problems()
    problems.unknown_arguments(args, ("controllers",))
    value = args.get("controllers")
    if value is None:
        problems.add("controllers", "is required (every ControllerIrsa on the cluster)")
    elif deploy_time(value):
        problems.add("controllers", "must be a list of ControllerIrsa known before deploying, not a Pulumi Output")
    elif isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
        problems.add("controllers", f"must be a list of ControllerIrsa, got {shown(value)}")
    else:
        for index, controller in enumerate(value):
            if not all(hasattr(controller, a) for a in ("carm_grants", "target_role_arn", "role_arn", "release")):
                problems.add(f"controllers[{index}]", f"must be a ControllerIrsa, got {shown(controller)}")
    if problems:
        raise ArgsError(problems, where)
    return list(value)


def _after_role(arn: pulumi.Output[str], controller: CarmController) -> pulumi.Output[str]:
    """``arn``, once the controller's role and policies, and its Helm release when it has one, exist."""
    waits = [controller.role_arn] + ([controller.release.id] if controller.release is not None else [])
    return pulumi.Output.all(arn, *waits).apply(lambda values: values[0])


class RoleAccountMap(RoleAccountMapComponent):
    """CARM's objects for every controller on one cluster: ``ack-role-account-map`` in each controller
    namespace (created: an existing one is an error, never taken over) and the owner-account annotation on
    each target namespace (patched: the namespace must exist, and stays its owner's)."""

    config_maps: dict[str, pulumi.CustomResource]
    """Controller namespace → its ``ack-role-account-map``."""
    namespaces: dict[str, pulumi.CustomResource]
    """Target namespace → the patch that sets its owner account."""

    def __init__(self, name: str, args: RoleAccountMapArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        controllers = _carm_controllers(args, f"RoleAccountMap {name!r}: ")
        # The map and the annotations switch the controllers over: each ARN resolves once the target's role
        # and the controller's own role and policies (its cross-account policy among them) exist.
        grants = [
            (grant, _after_role(controller.target_role_arn(grant.target), controller))
            for controller in controllers
            for grant in controller.carm_grants
        ]
        super().__init__(name, grants, opts)


def _after(value: str, outputs: Sequence[pulumi.Output[str]]) -> pulumi.Output[str]:
    """``value``, once every one of ``outputs`` has resolved (and with their resources as dependencies)."""
    return pulumi.Output.all(*outputs).apply(lambda _: value)


def _grant_key(grant: CarmGrant) -> tuple[str, str, str]:
    return grant.controller, grant.target.account_id, grant.target.role
