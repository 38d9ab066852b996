"""AckCapability: ACK as a managed EKS Capability, with least privilege.

AWS runs the controllers and they act through one capability role. In ``selectors`` mode (the default) that
role may only assume the selected roles; each controller entry gets one (a ``CapabilitySelectedRole``, with
its policies and its IAMRoleSelectors), so a resource is handled with exactly its service's permissions and a
resource no selector matches fails with AccessDenied. In ``direct`` mode the capability role carries the
services' policies itself. The documents are pure (:mod:`ack_irsa.iam.capability`); the arguments are
resolved by :mod:`ack_irsa.spec.capability`; this module only registers resources.

Order of creation: the capability role, then the selected roles (their trust names it), then its one policy
(which names them), then the capability (once that policy is attached and IAM had time to propagate the new
role), then the IAMRoleSelectors (their CRD comes with the capability) and the Secret reader association (on
the access entry EKS creates for the capability).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, Required, TypedDict

import pulumi
import pulumi_aws as aws

from ack_irsa.catalog.derived import DerivedPolicy
from ack_irsa.components.apidoc import document_arguments
from ack_irsa.components.controller import _stack_partition
from ack_irsa.components.cross_account import TargetAccountRole
from ack_irsa.components.permissions import (
    INLINE_POLICY_NAME,
    attach_policies,
    derived_policy_json,
    in_partition,
    inline_policy_json,
    policy_facts,
)
from ack_irsa.iam.accounts import SELECTOR_API_VERSION, SELECTOR_KIND, CrossAccountTarget
from ack_irsa.iam.capability import (
    CAPABILITY_TYPE,
    DELETE_PROPAGATION_POLICY,
    SELECTED_ROLES_POLICY_NAME,
    capability_trust_policy,
    parse_created,
    propagation_delay,
    secret_reader_policy_arn,
    selected_role_trust_policy,
    selected_roles_policy,
    selector_spec,
)
from ack_irsa.iam.policies import to_json
from ack_irsa.spec.capability import CapabilitySpec, SelectedRoleSpec, resolve_capability, selector_name
from ack_irsa.spec.permissions import DERIVED_POLICY_NAME
from ack_irsa.spec.problems import ArgsError

TYPE_TOKEN = "ack-irsa:index:AckCapability"
SELECTED_ROLE_TYPE = "ack-irsa:index:CapabilitySelectedRole"
__all__ = ["AckCapability", "AckCapabilityArgs", "CapabilityControllerArgs", "CapabilityTargetArgs"]


class CapabilityTargetArgs(TypedDict, total=False):
    """One account a capability entry manages resources in (``CapabilityControllerArgs``' ``cross_account``)."""

    account_id: Required[str]
    """The target account's 12-digit ID. Required."""
    role_name: str
    """Name of the selected role there (path ``/``). Give this or ``role_arn``."""
    role_arn: str
    """ARN of the selected role there. Give this or ``role_name``."""
    namespaces: Required[Sequence[str]]
    """Namespaces whose resources of this service go to this account; each must be one of the entry's
    ``namespaces``. Required."""
    manage_role: bool
    """Create the selected role in the target account too (a ``TargetAccountRole`` trusting the capability role,
    through ``provider``). Default ``False``: the target account's program makes it, trusting the capability
    role's ARN with ``sts:AssumeRole`` and ``sts:TagSession``."""
    provider: pulumi.ProviderResource
    """The ``pulumi_aws.Provider`` of the target account; required with ``manage_role``."""


class CapabilityControllerArgs(TypedDict, total=False):
    """One controller of the capability: its service, the namespaces it serves and its policies."""

    service: Required[str]
    """ACK service name, e.g. ``"s3"``; the controller must be GA upstream (the capability has no other). Required."""
    name: str
    """Logical name of the entry (its resources, its selector, its stack output). Default: the service. Needed
    when a service is listed twice."""
    namespaces: Sequence[str]
    """Namespaces whose resources of this service use the selected role. Default: every namespace."""
    secret_namespaces: Sequence[str]
    """acm, acmpca, documentdb, memorydb, mq, rds and secretsmanager read Secrets: the namespaces that hold them
    (``AmazonEKSSecretReaderPolicy`` is associated for these only). Default: ``namespaces``; required when the
    entry serves every namespace, or with ``permissions="direct"``."""
    policy: Literal["recommended", "derived"]
    """``"recommended"`` (default): the catalog's recommended policies. ``"derived"``: instead, exactly the IAM
    actions the code of ``kinds`` calls, as for a ``ControllerIrsa``: the selected role's inline policy
    ``ack-derived-policy`` (with ``permissions="direct"``, the capability role's ``ack-<service>``)."""
    kinds: Sequence[str]
    """With ``policy="derived"``: the kinds the capability manages for this entry, e.g. ``["Bucket"]``. Default:
    every kind."""
    pass_roles: Sequence[str]
    """With ``policy="derived"``: ARNs of the roles the controller may pass (``iam:PassRole``); ``*`` is refused.
    Default: none."""
    policy_arns: Sequence[str] | Mapping[str, pulumi.Input[str]]
    """Managed policies instead of the recommended ones. Default: the catalog's recommendation."""
    extra_policy_arns: Sequence[str] | Mapping[str, pulumi.Input[str]]
    """Managed policies in addition. Default: none."""
    inline_policy: pulumi.Input[str] | Mapping[str, Any] | None
    """Inline policy instead of the recommended one; ``None``, ``""`` or ``{}`` drops it. Default: the catalog's."""
    role_name: str
    """The selected role's name. Default ``ack-<service>-<cluster>-<hash>``."""
    role_path: str
    """The selected role's path. Default ``"/"``."""
    permissions_boundary: pulumi.Input[str]
    """ARN of the selected role's permissions boundary. Default: none."""
    max_session_duration: int
    """Maximum session length of the selected role in seconds, 3600 to 43200. Default 3600."""
    tags: Mapping[str, str]
    """Tags of the selected role, over the capability's. Default: none."""
    acknowledge_risks: Sequence[str]
    """Ids of risks of the entry's policies that were reviewed and accepted. Default: none."""
    cross_account: Sequence[CapabilityTargetArgs]
    """Accounts whose selected roles serve some of the entry's namespaces; the capability role may assume each.
    Default: none."""


class AckCapabilityArgs(TypedDict, total=False):
    """Arguments of :class:`AckCapability`. ``cluster_name`` and ``controllers`` are required."""

    cluster_name: Required[str]
    """The EKS cluster (authentication mode ``API`` or ``API_AND_CONFIG_MAP``). Required."""
    name: str
    """The capability's name; one ACK capability per cluster. Default ``"ack"``."""
    role_name: str
    """The capability role's name. Default ``ack-capability-<cluster>-<hash>``."""
    role_path: str
    """The capability role's path. Default ``"/"``."""
    permissions: Literal["selectors", "direct"]
    """``"selectors"`` (default): the capability role may only assume one selected role per entry, chosen by
    IAMRoleSelectors; ``"direct"``: the capability role carries every entry's policies, and there are no
    selectors (IAM's limits for one role apply)."""
    controllers: Required[Sequence[CapabilityControllerArgs]]
    """The controllers whose resources the capability may manage. Required."""
    tags: Mapping[str, str]
    """Tags of the capability and of every role. Default: none."""
    managed_policies_per_role: int
    """Managed policies per role, for accounts whose quota was raised. Default 10."""
    create_capability: bool
    """``False``: the roles only, no capability, selector or Secret reader yet: the first step of a move from
    Helm-installed controllers, whose releases keep reconciling meanwhile. Default ``True``."""


document_arguments(CapabilityTargetArgs)
document_arguments(CapabilityControllerArgs)
document_arguments(AckCapabilityArgs)


class CapabilitySelectedRoleComponent(pulumi.ComponentResource):
    """The role the capability assumes for one entry's resources (and the roles in other accounts)."""

    def __init__(
        self,
        name: str,
        entry: SelectedRoleSpec,
        capability_role_arn: pulumi.Output[str],
        partition: pulumi.Output[str],
        opts: pulumi.ResourceOptions,
    ) -> None:
        super().__init__(SELECTED_ROLE_TYPE, name, {}, opts)
        self.entry, self.resource_name = entry, name
        # The risks of the policies this stack attaches: none when every role of the entry is another account's.
        carried = entry.has_local_role or any(target.manage_role for target in entry.cross_account)
        for risk in entry.risks if carried else ():
            if not risk.acknowledged:
                pulumi.log.warn(f"risk {risk.id} in {risk.source}: {risk.detail}", resource=self)
        self.risks = [risk.to_json() for risk in entry.risks] if carried else []
        # Which policy the roles made here have, as a controller reports it (the plan shows it)
        self.policy = policy_facts(entry.controller, entry.derived_policy) if carried else {}
        for warning in entry.warnings:  # shown by pulumi preview, and in the offline plan
            pulumi.log.warn(warning, resource=self)
        self.role: aws.iam.Role | None = None
        self.role_arn: pulumi.Output[str] | None = None
        if entry.has_local_role:
            self.role = aws.iam.Role(
                f"{name}-role",
                name=entry.role_name,
                path=entry.role_path,
                assume_role_policy=capability_role_arn.apply(lambda arn: to_json(selected_role_trust_policy(arn))),
                description=f"ACK {entry.controller.service} resources of the EKS capability "
                f"({', '.join(entry.local_namespaces or ['every namespace'])}), managed by ack-irsa",
                max_session_duration=entry.max_session_duration,
                permissions_boundary=in_partition(entry.permissions_boundary, partition, "permissions_boundary"),
                tags=entry.tags or None,
                opts=pulumi.ResourceOptions(parent=self),
            )
            inline: dict[str, pulumi.Input[str]] = {}
            if entry.derived_policy is not None:  # derived again in the cluster's partition
                inline[DERIVED_POLICY_NAME] = derived_policy_json(entry.derived_policy, partition)
            if entry.inline_policy:
                inline[INLINE_POLICY_NAME] = inline_policy_json(entry.inline_policy)
            permissions = attach_policies(self, name, self.role, entry.managed_policies, inline, partition)
            self.role_arn = pulumi.Output.all(self.role.arn, *permissions).apply(lambda values: values[0])
        self.target_roles = {
            _target_key(target): TargetAccountRole(
                f"{name}-{target.account_id}-{target.role_name}",
                _target_args(entry, target, capability_role_arn),  # type: ignore[arg-type]
                pulumi.ResourceOptions(parent=self, providers=[target.provider]),
            )
            for target in entry.cross_account
            if target.manage_role
        }
        self.register_outputs({"role_arn": self.role_arn, "risks": self.risks, "policy": self.policy})

    def target_role_arn(self, target: CrossAccountTarget, partition: pulumi.Output[str]) -> pulumi.Output[str]:
        """A target's role ARN: the made role's (once its policies are attached), else the one the entry names."""
        made = self.target_roles.get(_target_key(target))
        return made.role_arn if made is not None else partition.apply(target.role_arn)


def _target_key(target: CrossAccountTarget) -> str:
    return f"{target.account_id}{target.role}"


def _target_args(entry: SelectedRoleSpec, target: CrossAccountTarget, trusted: pulumi.Output[str]) -> dict[str, Any]:
    """The target account's selected role: trusting the capability role (with session tags), with the entry's
    policies as it gave them (the recommended ones otherwise; with ``policy: derived``, the policy derived for
    the same kinds, whose roles to pass are this account's and not carried over)."""
    args: dict[str, Any] = {
        "service": entry.controller.service,
        "trusted_role_arns": [trusted],
        "role_name": target.role_name,
        "role_path": target.role_path,
        "pod_identity": True,  # sts:TagSession: the capability's session tags are transitive
        "tags": entry.tags,
    }
    for key in (
        "policy",
        "kinds",
        "policy_arns",
        "extra_policy_arns",
        "inline_policy",
        "acknowledge_risks",
        "max_session_duration",
    ):
        if key in entry.given:
            args[key] = entry.given[key]
    return args


class AckCapabilityComponent(pulumi.ComponentResource):
    """What :class:`AckCapability` builds, for the Python API and the component package alike."""

    def __init__(self, name: str, args: Mapping[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        try:
            spec = resolve_capability(args)
        except ArgsError as error:
            raise ArgsError(error.problems, f"AckCapability {name!r}: ") from None
        super().__init__(TYPE_TOKEN, name, {}, opts)
        self.spec = spec
        self.partition = partition = _stack_partition()
        child = pulumi.ResourceOptions(parent=self)
        how = "assumes its selected roles only" if spec.permissions == "selectors" else "carries its services' policies"
        self.role = aws.iam.Role(
            f"{name}-role",
            name=spec.role_name,
            path=spec.role_path,
            assume_role_policy=to_json(capability_trust_policy()),
            description=f"EKS capability {spec.name} (ACK) of {spec.cluster_name}: {how}; managed by ack-irsa",
            tags=spec.tags or None,
            opts=child,
        )
        self.selected_roles: dict[str, CapabilitySelectedRoleComponent] = {}
        if spec.permissions == "selectors":
            self.selected_roles = {
                entry.name: CapabilitySelectedRoleComponent(
                    f"{name}-{entry.name}", entry, self.role.arn, partition, child
                )
                for entry in spec.controllers
            }
            arns = [arn for _, _, arn in self._selections(partition)]
            inline: dict[str, pulumi.Input[str]] = {
                SELECTED_ROLES_POLICY_NAME: pulumi.Output.all(*arns).apply(
                    lambda known: to_json(selected_roles_policy(known))
                )
            }
            permissions = attach_policies(self, name, self.role, {}, inline, partition)
            self.risks: list[dict[str, Any]] = []
        else:
            for entry_name, risk in spec.risks:
                if not risk.acknowledged:
                    pulumi.log.warn(f"risk {risk.id} in {entry_name}'s {risk.source}: {risk.detail}", resource=self)
            for entry in spec.controllers:  # no selected role to say them: the capability role has the policies
                for warning in entry.warnings:
                    pulumi.log.warn(f"{entry.name}: {warning}", resource=self)
            direct = {
                policy: derived_policy_json(document, partition)
                if isinstance(document, DerivedPolicy)
                else inline_policy_json(document)
                for policy, document in spec.direct_inline.items()
            }
            permissions = attach_policies(self, name, self.role, spec.direct_managed, direct, partition)
            self.risks = [{**risk.to_json(), "source": f"{n}: {risk.source}"} for n, risk in spec.risks]
        # direct: which policy each entry put on the capability role, where it says more than "recommended"
        self.policies = {
            entry.name: facts
            for entry in spec.controllers
            if spec.permissions == "direct"
            and (facts := policy_facts(entry.controller, entry.derived_policy)) != {"policy": "recommended"}
        }
        # EKS checks that it can assume the role when the capability is created: the ARN is handed over once
        # every policy is attached, and no sooner than IAM_PROPAGATION_WAIT after the role was created.
        self.role_arn: pulumi.Output[str] = pulumi.Output.all(self.role.arn, self.role.create_date, *permissions).apply(
            _after_propagation
        )
        self.role_name = self.role.name
        self.capability: aws.eks.Capability | None = None
        self.capability_arn: pulumi.Output[str] | None = None
        self.secret_reader: aws.eks.AccessPolicyAssociation | None = None
        if spec.create_capability:
            self._create(name, partition, opts)
        self.register_outputs(
            {
                "capability_arn": self.capability_arn,
                "role_arn": self.role_arn,
                "role_name": self.role_name,
                "permissions": spec.permissions,
                "risks": self.risks,
                **({"policies": self.policies} if self.policies else {}),
                "controllers": {
                    entry.name: {
                        "service": entry.controller.service,
                        "group": entry.group,
                        "role_arn": self.selected_role_arn(entry.name),
                        "namespaces": list(entry.local_namespaces) if entry.local_namespaces is not None else None,
                        "secret_namespaces": list(entry.secret_namespaces),
                        "cross_account": [
                            {
                                "account_id": target.account_id,
                                "role_arn": self.selected_roles[entry.name].target_role_arn(target, partition),
                                "namespaces": list(target.namespaces),
                                "role_made_here": target.manage_role,
                            }
                            for target in entry.cross_account
                        ]
                        if entry.name in self.selected_roles
                        else [],
                    }
                    for entry in spec.controllers
                },
            }
        )

    def _create(self, name: str, partition: pulumi.Output[str], opts: pulumi.ResourceOptions | None) -> None:
        """The capability, then what needs it: the IAMRoleSelectors (their CRD comes with it) and the Secret
        reader association (on the access entry EKS creates for it)."""
        spec = self.spec
        self.capability = aws.eks.Capability(
            f"{name}-capability",
            capability_name=spec.name,
            cluster_name=spec.cluster_name,
            type=CAPABILITY_TYPE,
            role_arn=self.role_arn,
            delete_propagation_policy=DELETE_PROPAGATION_POLICY,
            tags=spec.tags or None,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.capability_arn = self.capability.arn
        self._selectors(name, partition, opts)
        waits = pulumi.ResourceOptions(parent=self, depends_on=[self.capability])
        self.secret_reader = self._secret_reader(name, partition, waits)

    def selected_role_arn(self, entry: str) -> pulumi.Output[str] | None:
        """The ARN of an entry's role in the stack's account (None: there is none, its namespaces all go to other
        accounts, or the mode is ``direct``)."""
        selected = self.selected_roles.get(entry)
        return selected.role_arn if selected is not None else None

    def _selections(
        self, partition: pulumi.Output[str]
    ) -> list[tuple[SelectedRoleSpec, CrossAccountTarget | None, Any]]:
        """(entry, target or None for the local role, the selected role's ARN), as the selectors name them."""
        found: list[tuple[SelectedRoleSpec, CrossAccountTarget | None, Any]] = []
        for entry in self.spec.controllers:
            selected = self.selected_roles[entry.name]
            if selected.role_arn is not None:
                found.append((entry, None, selected.role_arn))
            found += [(entry, target, selected.target_role_arn(target, partition)) for target in entry.cross_account]
        return found

    def _selectors(self, name: str, partition: pulumi.Output[str], opts: pulumi.ResourceOptions | None) -> None:
        """One IAMRoleSelector per selected role, cluster-scoped, made once the capability (which brings the CRD)
        exists and the role has its permissions. Their children inherit the Kubernetes provider from this
        component's ``providers``."""
        if self.spec.permissions != "selectors" or self.capability is None:
            return
        capability = self.capability
        from pulumi_kubernetes.apiextensions import CustomResource
        from pulumi_kubernetes.meta.v1 import ObjectMetaArgs

        ordinals: dict[tuple[str, str], int] = {}
        for entry, target, arn in self._selections(partition):
            parent = self.selected_roles[entry.name]
            if target is None:
                resource, selector = f"{parent.resource_name}-selector", selector_name(self.spec.name, entry.name)
                namespaces = entry.local_namespaces
            else:
                key = (entry.name, target.account_id)
                ordinal = ordinals[key] = ordinals.get(key, 0) + 1
                suffix = f"-{ordinal}" if ordinal > 1 else ""
                resource = f"{parent.resource_name}-selector-{target.account_id}{suffix}"
                selector = selector_name(self.spec.name, entry.name, target.account_id, ordinal)
                namespaces = target.namespaces
            CustomResource(
                resource,
                api_version=SELECTOR_API_VERSION,
                kind=SELECTOR_KIND,
                metadata=ObjectMetaArgs(name=selector),
                spec=pulumi.Output.from_input(arn).apply(functools.partial(_spec, entry.group, namespaces)),
                opts=pulumi.ResourceOptions(parent=parent, depends_on=[capability]),
            )

    def _secret_reader(
        self, name: str, partition: pulumi.Output[str], opts: pulumi.ResourceOptions
    ) -> aws.eks.AccessPolicyAssociation | None:
        """``AmazonEKSSecretReaderPolicy`` on the capability's access entry (which EKS creates with the capability),
        for exactly the namespaces whose Secrets the entries read: one association, as EKS keeps one per policy."""
        if not self.spec.secret_namespaces:
            return None
        return aws.eks.AccessPolicyAssociation(
            f"{name}-secret-reader",
            cluster_name=self.spec.cluster_name,
            principal_arn=self.role.arn,
            policy_arn=partition.apply(secret_reader_policy_arn),
            access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(
                type="namespace", namespaces=list(self.spec.secret_namespaces)
            ),
            opts=opts,
        )


def _spec(group: str, namespaces: Sequence[str] | None, arn: str) -> dict[str, Any]:
    return selector_spec(arn, group, namespaces)


async def _after_propagation(values: Sequence[Any]) -> str:
    """The role's ARN, once IAM has had time to propagate a role created moments ago (no wait otherwise)."""
    delay = propagation_delay([parse_created(values[1])], datetime.now(UTC))
    if delay:
        await asyncio.sleep(delay)
    return str(values[0])


class AckCapability(AckCapabilityComponent):
    """ACK as a managed EKS Capability whose role holds no service permission: each controller's resources are
    handled through a selected role with exactly that service's policies."""

    role: aws.iam.Role
    """The capability role (trusted by ``capabilities.eks.amazonaws.com``)."""
    role_arn: pulumi.Output[str]
    """ARN of the capability role; resolves once its policy is attached and IAM had time to propagate it."""
    role_name: pulumi.Output[str]
    capability: aws.eks.Capability | None
    """None until ``create_capability`` (the handover's ``prepare`` makes the roles only)."""
    capability_arn: pulumi.Output[str] | None
    partition: pulumi.Output[str]
    spec: CapabilitySpec
    selected_roles: dict[str, CapabilitySelectedRoleComponent]
    """Entry name → its selected role and selectors (``selectors`` mode)."""
    secret_reader: aws.eks.AccessPolicyAssociation | None
    """The ``AmazonEKSSecretReaderPolicy`` association, when an entry reads Secrets."""
    risks: list[dict[str, Any]]
    """``direct`` mode: the broad grants of the capability role's policies (each entry's, in ``selectors`` mode)."""
    policies: dict[str, dict[str, Any]]
    """``direct`` mode: entry name → which policy it put on the capability role, when derived (or a
    recommendation too narrow upstream); each selected role's ``policy``, in ``selectors`` mode."""

    def __init__(self, name: str, args: AckCapabilityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, args, opts)
