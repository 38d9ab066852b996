"""The managed ACK capability's arguments, resolved and checked before anything is created.

:func:`resolve_capability` turns ``AckCapability``'s arguments into a :class:`CapabilitySpec` of plain,
defaulted, checked values, or raises :class:`ArgsError` with every problem at once: each controller entry's
policies with every check, risk and acknowledgement a ``ControllerIrsa`` has; what the capability makes
meaningless (a ServiceAccount, an OIDC provider, a Helm install), each refused with why; only GA controllers;
selectors that could match one resource; IAM's limits on a ``direct`` capability role.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ack_irsa import catalog
from ack_irsa.catalog.derived import DerivedPolicy
from ack_irsa.errors import shown
from ack_irsa.iam import limits
from ack_irsa.iam.accounts import CrossAccountTarget
from ack_irsa.iam.capability import (
    DEFAULT_CAPABILITY_NAME,
    PERMISSIONS,
    SECRET_READING_SERVICES,
    Permissions,
    Selector,
    overlaps,
)
from ack_irsa.iam.policies import policy_size
from ack_irsa.iam.risks import Risk, acknowledged_tag
from ack_irsa.spec.cross_account import resolve_cross_account
from ack_irsa.spec.permissions import (
    PolicyRef,
    derived_warnings,
    resolve_derived,
    resolve_permissions,
    resolve_risks,
    role_tags,
    stale_acknowledgements,
)
from ack_irsa.spec.problems import (
    DEFAULT_ROLE_PATH,
    DEFAULT_SESSION_DURATION,
    ArgsError,
    Problems,
    as_mapping,
    checked_quota,
    checked_tags,
)

CAPABILITY_ARGUMENTS = (
    "cluster_name",
    "name",
    "role_name",
    "role_path",
    "permissions",
    "controllers",
    "tags",
    "managed_policies_per_role",
    "create_capability",
)
ENTRY_ARGUMENTS = (
    "service",
    "name",
    "namespaces",
    "secret_namespaces",
    "policy",
    "kinds",
    "pass_roles",
    "policy_arns",
    "extra_policy_arns",
    "inline_policy",
    "role_name",
    "role_path",
    "permissions_boundary",
    "max_session_duration",
    "tags",
    "acknowledge_risks",
    "cross_account",
)
_NO_SERVICE_ACCOUNT = "the capability's controllers run outside the cluster, in AWS: there is no ServiceAccount"
_ONLY_THE_CAPABILITY = "a selected role trusts exactly the capability role, no ServiceAccount or OIDC provider"
REFUSED = {
    "install": "AWS runs the capability's controllers: there is no Helm chart to install",
    "identity": "the capability acts through its capability role, not through IRSA or EKS Pod Identity",
    "pod_identity_agent": "no pod of yours runs a controller of the capability: there is no Pod Identity agent to need",
    "service_account_name": _NO_SERVICE_ACCOUNT,
    "service_account_mode": _NO_SERVICE_ACCOUNT,
    "deployment_name": "AWS runs and patches the capability's controllers: there is no Deployment to restart",
    "namespace": "the capability's controllers run in no namespace of yours; `namespaces` says whose resources "
    "use the role",
    "extra_service_accounts": _ONLY_THE_CAPABILITY,
    "extra_oidc_providers": _ONLY_THE_CAPABILITY,
    "allow_wildcard_subject": _ONLY_THE_CAPABILITY,
    "extra_cluster_names": "one capability serves one cluster, and its selected roles trust its capability role only",
    "oidc_provider": "the capability needs no OIDC provider: its role is trusted by capabilities.eks.amazonaws.com",
    "oidc_provider_arn": "the capability needs no OIDC provider: its role is trusted by capabilities.eks.amazonaws.com",
    "oidc_issuer": "the capability needs no OIDC provider: its role is trusted by capabilities.eks.amazonaws.com",
    "trust_policy": _ONLY_THE_CAPABILITY,
    "inline_policy_name": "the capability takes over no role as it is: a selected role's inline policy is named by "
    "ack-irsa (ack-<service>)",
    "role_description": "the capability takes over no role as it is: a selected role's description is ack-irsa's",
    "carm_service_level": "CARM is not available on the capability: cross-account targets get IAMRoleSelectors",
    "cross_account_mode": "CARM is not available on the capability (its controllers' namespace is AWS's): "
    "cross-account targets get IAMRoleSelectors",
}
"""Arguments of a self-managed controller that mean nothing under the capability, each with why."""
_SELECTED_ROLE_ONLY = (
    "namespaces",
    "cross_account",
    "role_name",
    "role_path",
    "permissions_boundary",
    "max_session_duration",
    "tags",
)


@dataclass(frozen=True)
class SelectedRoleSpec:
    """One controller entry: its policies and, in ``selectors`` mode, the roles the capability assumes for it."""

    name: str
    """The entry's logical name (its resources' and stack output's)."""
    controller: catalog.Controller
    group: str
    """The service's Kubernetes API group."""
    namespaces: tuple[str, ...] | None
    """The namespaces whose resources the entry covers; None: every namespace."""
    local_namespaces: tuple[str, ...] | None
    """What the role in the stack's account serves: the entry's namespaces less those sent to other accounts
    (None: every namespace); ``()`` when every namespace goes to a target (then no local role is made)."""
    managed_policies: dict[str, PolicyRef]
    inline_policy: Any
    role_name: str
    role_path: str
    permissions_boundary: Any
    max_session_duration: int
    tags: dict[str, str]
    risks: tuple[Risk, ...]
    cross_account: tuple[CrossAccountTarget, ...]
    secret_namespaces: tuple[str, ...]
    """Namespaces whose Secrets the capability must read for this entry (empty for a service that reads none)."""
    given: Mapping[str, Any] = field(default_factory=dict)
    """The entry's own arguments (a target role made here carries the same policies)."""
    warnings: tuple[str, ...] = ()
    """What ``pulumi preview`` and the plan warn of: an acknowledged risk the entry's policies no longer have,
    role fields a derived policy cannot pass."""
    derived_policy: DerivedPolicy | None = None
    """``policy: derived``: the policy derived from the controller's calls, instead of the recommended ones
    (checked in the ``aws`` partition, or the first role to pass's; the component derives it again in the
    cluster's)."""

    @property
    def has_local_role(self) -> bool:
        return self.local_namespaces != ()


@dataclass(frozen=True)
class CapabilitySpec:
    cluster_name: str
    name: str
    role_name: str
    role_path: str
    permissions: Permissions
    tags: dict[str, str]
    controllers: tuple[SelectedRoleSpec, ...]
    selectors: tuple[Selector, ...]
    """Every IAMRoleSelector (``selectors`` mode), by entry then target."""
    secret_namespaces: tuple[str, ...]
    """Every namespace whose Secrets the capability reads, sorted (one access policy association for all)."""
    direct_managed: dict[str, PolicyRef]
    """``direct`` mode: the managed policies of every entry, on the capability role."""
    direct_inline: dict[str, Any]
    """``direct`` mode: ``{ack-<service>: document}``, one inline policy per entry: the recommended (or given)
    one, or with ``policy: derived`` the :class:`DerivedPolicy` (a given one beside it: ``ack-<service>-inline``)."""
    create_capability: bool = True
    """False: the roles only (the first step of a move from Helm); no capability, selector or Secret reader."""

    @property
    def risks(self) -> tuple[tuple[str, Risk], ...]:
        """(entry, risk) of every entry's policies."""
        return tuple((entry.name, risk) for entry in self.controllers for risk in entry.risks)


def default_capability_role_name(cluster: str, name: str) -> str:
    """``ack-capability-<cluster>-<hash>``: derived like the controllers' role names, unique per cluster."""
    return limits.default_role_name("capability", f"capability:{cluster}", name, "", cluster)


def default_selected_role_name(service: str, cluster: str, capability: str, entry: str) -> str:
    """``ack-<service>-<cluster>-<hash>``, the hash over the cluster, the capability and the entry's name."""
    return limits.default_role_name(service, f"capability:{cluster}", capability, entry, cluster)


def selector_name(capability: str, entry: str, account: str | None = None, ordinal: int = 1) -> str:
    """Name of an IAMRoleSelector (cluster-scoped): ``<capability>.<entry>`` and, for a target,
    ``.<account>`` (``-2`` for the second role in one account)."""
    name = f"{capability}.{entry}"
    if account is not None:
        name += f".{account}" + (f"-{ordinal}" if ordinal > 1 else "")
    return name


def resolve_capability(args: Mapping[str, Any]) -> CapabilitySpec:
    """Defaults applied, every plain value checked; raises :class:`ArgsError` with all problems."""
    args = as_mapping(args, "{'cluster_name': 'prod-eks', 'controllers': [{'service': 's3'}]}")
    problems = Problems()
    for key in args:
        if key in REFUSED:
            problems.add(str(key), f"does not apply to the capability: {REFUSED[key]}")
    problems.unknown_arguments({k: v for k, v in args.items() if k not in REFUSED}, CAPABILITY_ARGUMENTS)
    cluster = args.get("cluster_name")
    if cluster is None:
        problems.add(
            "cluster_name", "is required: a capability belongs to one EKS cluster (and its selectors need its API)"
        )
    elif problems.plain("cluster_name", cluster, str, "an EKS cluster name"):
        problems.check("cluster_name", limits.check_cluster_name, cluster)
    name = args.get("name", DEFAULT_CAPABILITY_NAME)
    if problems.plain("name", name, str, "a capability name"):
        problems.check("name", limits.check_dns_label, name)
    permissions = args.get("permissions", "selectors")
    if permissions not in PERMISSIONS:
        problems.add("permissions", f"must be 'selectors' or 'direct', got {shown(permissions)}")
        permissions = "selectors"
    plain_cluster = cluster if isinstance(cluster, str) else ""
    plain_name = name if isinstance(name, str) else DEFAULT_CAPABILITY_NAME
    role_name = args.get("role_name") or default_capability_role_name(plain_cluster, plain_name)
    if problems.plain("role_name", role_name, str, "a role name"):
        problems.check("role_name", limits.check_role_name, role_name)
    role_path = args.get("role_path", DEFAULT_ROLE_PATH)
    if problems.plain("role_path", role_path, str, "an IAM path such as /ack/"):
        problems.check("role_path", limits.check_role_path, role_path)
    tags = checked_tags(args.get("tags"), problems)
    quota = checked_quota(
        args, "managed_policies_per_role", limits.MANAGED_POLICIES_PER_ROLE, limits.MANAGED_POLICIES_QUOTA_MAX, problems
    )
    entries = args.get("controllers")
    if isinstance(entries, str | bytes | Mapping) or not isinstance(entries, Sequence) or not entries:
        problems.add(
            "controllers", f"must list at least one controller, such as [{{'service': 's3'}}], got {shown(entries)}"
        )
        entries = []
    context = (plain_cluster, plain_name, permissions, tags)
    resolved = [_entry(f"controllers[{i}]", entry, context, quota, problems) for i, entry in enumerate(entries)]
    controllers = tuple(entry for entry in resolved if entry is not None)
    _entries_together(controllers, permissions, role_name, problems)
    selectors = _selectors(plain_name, controllers) if permissions == "selectors" else ()
    for owner, message in overlaps(selectors):
        problems.add(owner, message)
    direct_managed, direct_inline = _direct(controllers, quota, problems) if permissions == "direct" else ({}, {})
    create = args.get("create_capability", True)
    problems.plain("create_capability", create, bool, "true or false")
    if problems:
        raise ArgsError(problems)
    return CapabilitySpec(
        cluster_name=str(cluster),
        name=plain_name,
        role_name=str(role_name),
        role_path=str(role_path),
        permissions=permissions,
        # direct: the capability role holds every entry's policies, so it carries their acknowledgements
        tags=tags | (acknowledged_tag(r for e in controllers for r in e.risks) if permissions == "direct" else {}),
        controllers=controllers,
        selectors=selectors,
        secret_namespaces=tuple(sorted({n for entry in controllers for n in entry.secret_namespaces})),
        direct_managed=direct_managed,
        direct_inline=direct_inline,
        create_capability=create is True,
    )


def _entry(
    where: str, entry: Any, context: tuple[str, str, Permissions, dict[str, str]], quota: int, problems: Problems
) -> SelectedRoleSpec | None:
    """One controller entry, its problems added under ``where``."""
    cluster, capability, permissions, stack_tags = context
    if not isinstance(entry, Mapping):
        problems.add(where, f"must be a map such as {{'service': 's3'}}, got {shown(entry)}")
        return None
    own = Problems()
    for key in entry:
        if key in REFUSED:
            own.add(str(key), f"does not apply to the capability: {REFUSED[key]}")
        elif key in _SELECTED_ROLE_ONLY and permissions == "direct":
            own.add(
                str(key),
                "applies to a selected role; with permissions 'direct' the capability role itself carries the "
                "policies, and there are no selectors",
            )
    own.unknown_arguments({k: v for k, v in entry.items() if k not in REFUSED}, ENTRY_ARGUMENTS)
    controller = _ga_controller(entry.get("service"), own)
    if controller is None:
        _prefixed(where, own, problems)
        return None
    logical = entry.get("name", controller.service)
    if own.plain("name", logical, str, "a name"):
        own.check("name", limits.check_dns_label, logical)
    namespaces = _namespaces(entry, "namespaces", own) if "namespaces" in entry else None
    args = {k: v for k, v in entry.items() if k in ENTRY_ARGUMENTS} | {"managed_policies_per_role": quota}
    derived_policy = resolve_derived(args, controller, own)
    managed, inline = resolve_permissions(args, controller, own, derived_policy)
    risks = resolve_risks(args, controller, managed, inline, own, derived_policy=derived_policy)
    targets: tuple[CrossAccountTarget, ...] = ()
    if "cross_account" in entry:
        targets, _, _ = resolve_cross_account(
            {"cross_account": entry["cross_account"], "cross_account_mode": "iam_role_selector"}, controller, own
        )
    local = _local_namespaces(namespaces, targets, own)
    secrets = _secret_namespaces(entry, controller, namespaces, permissions, own)
    role_name = entry.get("role_name") or default_selected_role_name(
        controller.service, cluster, capability, str(logical)
    )
    if own.plain("role_name", role_name, str, "a role name"):
        own.check("role_name", limits.check_role_name, role_name)
    role_path = entry.get("role_path", DEFAULT_ROLE_PATH)
    if own.plain("role_path", role_path, str, "an IAM path such as /ack/"):
        own.check("role_path", limits.check_role_path, role_path)
    boundary = entry.get("permissions_boundary")
    if boundary is not None and own.plain("permissions_boundary", boundary, str, "an IAM policy ARN"):
        from ack_irsa.iam.arns import check_policy_arn

        own.check("permissions_boundary", check_policy_arn, boundary)
    duration = entry.get("max_session_duration", DEFAULT_SESSION_DURATION)
    if own.plain("max_session_duration", duration, int, "a whole number of seconds"):
        own.check("max_session_duration", limits.check_session_duration, duration)
    # The acknowledged risk ids travel as a role tag, as a controller role's do: the guardrails read them.
    tags = role_tags({**stack_tags, **checked_tags(entry.get("tags"), own)}, risks, False, own)
    _prefixed(where, own, problems)
    if own:
        return None
    return SelectedRoleSpec(
        name=str(logical),
        controller=controller,
        group=catalog.api_group(controller.service),
        namespaces=namespaces,
        local_namespaces=local,
        managed_policies=managed,
        inline_policy=inline,
        role_name=str(role_name),
        role_path=str(role_path),
        permissions_boundary=boundary,
        max_session_duration=duration,
        tags=tags,
        risks=risks,
        cross_account=targets,
        secret_namespaces=secrets,
        given=dict(entry),
        warnings=(
            *(derived_warnings(derived_policy) if derived_policy is not None else ()),
            *stale_acknowledgements(args, risks),
        ),
        derived_policy=derived_policy,
    )


def _prefixed(where: str, own: Problems, problems: Problems) -> None:
    for problem in own:
        problems.add(f"{where}.{problem.field}" if problem.field else where, problem.message)


def _ga_controller(service: Any, problems: Problems) -> catalog.Controller | None:
    """The entry's controller, if the capability has it: AWS includes only controllers that are GA upstream."""
    if service is None or service == "":
        problems.add("service", "is required (an ACK service name such as 's3')")
        return None
    if not isinstance(service, str):
        problems.add("service", f"must be an ACK service name such as 's3', got {shown(service)}")
        return None
    try:
        controller = catalog.get(service)
    except ValueError as error:
        problems.add("service", str(error))
        return None
    if controller.status != "GA":
        problems.add(
            "service",
            f"the {service} controller is {controller.status} upstream, and the capability includes only GA "
            "controllers; run it self-managed beside the capability (a ControllerIrsa whose install has "
            "leader_election, as the stack program does for such an entry)",
        )
        return None
    return controller


def _namespaces(entry: Mapping[str, Any], key: str, problems: Problems) -> tuple[str, ...] | None:
    value = entry.get(key)
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence) or not value:
        problems.add(key, f"must list namespaces (leave it out for every namespace), got {shown(value)}")
        return None
    for position, namespace in enumerate(value):
        if problems.plain(f"{key}[{position}]", namespace, str, "a namespace name"):
            problems.check(f"{key}[{position}]", limits.check_dns_label, namespace)
    if len(set(map(str, value))) != len(value):
        problems.add(key, "lists a namespace twice")
    return tuple(map(str, value))


def _local_namespaces(
    namespaces: tuple[str, ...] | None, targets: Sequence[CrossAccountTarget], problems: Problems
) -> tuple[str, ...] | None:
    """The namespaces the role in the stack's account serves: the entry's, less those sent to a target. A
    target's namespaces must be the entry's (when it lists any)."""
    sent = [n for target in targets for n in target.namespaces]
    if namespaces is None:
        return None  # every namespace: a target's namespaces would be selected twice (refused as an overlap)
    for index, target in enumerate(targets):
        strays = [n for n in target.namespaces if n not in namespaces]
        if strays:
            problems.add(
                f"cross_account[{index}].namespaces",
                f"{', '.join(strays)} not among the entry's namespaces ({', '.join(namespaces)}); list them there too",
            )
    return tuple(n for n in namespaces if n not in sent)


def _secret_namespaces(
    entry: Mapping[str, Any],
    controller: catalog.Controller,
    namespaces: tuple[str, ...] | None,
    permissions: Permissions,
    problems: Problems,
) -> tuple[str, ...]:
    """Where the capability reads Secrets for this entry: ``secret_namespaces``, else the entry's namespaces. An
    entry for every namespace must say: cluster-wide Secret reads are never granted silently."""
    reads = controller.service in SECRET_READING_SERVICES
    if "secret_namespaces" in entry:
        if not reads:
            problems.add("secret_namespaces", f"the {controller.service} controller reads no Secrets; drop it")
            return ()
        return _namespaces(entry, "secret_namespaces", problems) or ()
    if not reads:
        return ()
    if namespaces is None:
        scope = "with permissions 'direct'" if permissions == "direct" else "in an entry for every namespace"
        problems.add(
            "secret_namespaces",
            f"is required {scope}: the {controller.service} controller reads Secrets (passwords, keys), and the "
            "capability is granted AmazonEKSSecretReaderPolicy only in the namespaces named here, never cluster-wide",
        )
        return ()
    return namespaces


def _entries_together(
    controllers: Sequence[SelectedRoleSpec], permissions: Permissions, capability_role: Any, problems: Problems
) -> None:
    """Names and roles are one per entry; with ``direct``, a service once."""
    names: dict[str, int] = {}
    roles: dict[str, str] = {str(capability_role): "the capability role"}
    services: dict[str, int] = {}
    for index, entry in enumerate(controllers):
        where = f"controllers[{index}]"
        if (first := names.setdefault(entry.name, index)) != index:
            problems.add(f"{where}.name", f"{entry.name!r} is taken by controllers[{first}]; give each entry its own")
        if permissions == "direct":
            if (first := services.setdefault(entry.controller.service, index)) != index:
                problems.add(
                    f"{where}.service",
                    f"{entry.controller.service} is listed by controllers[{first}] already; with permissions "
                    "'direct' every entry's policies go to the one capability role",
                )
            continue
        if entry.has_local_role and (other := roles.setdefault(entry.role_name, where)) != where:
            problems.add(f"{where}.role_name", f"{entry.role_name!r} is the role name of {other} too")


def _selectors(capability: str, controllers: Sequence[SelectedRoleSpec]) -> tuple[Selector, ...]:
    """One selector for each entry's local role, and one per target."""
    found: list[Selector] = []
    for index, entry in enumerate(controllers):
        if entry.has_local_role:
            name = selector_name(capability, entry.name)
            found.append(Selector(name, entry.group, entry.local_namespaces, f"controllers[{index}]"))
        ordinals: dict[str, int] = {}
        for position, target in enumerate(entry.cross_account):
            ordinal = ordinals[target.account_id] = ordinals.get(target.account_id, 0) + 1
            name = selector_name(capability, entry.name, target.account_id, ordinal)
            owner = f"controllers[{index}].cross_account[{position}]"
            found.append(Selector(name, entry.group, target.namespaces, owner))
    return tuple(found)


def _direct(
    controllers: Sequence[SelectedRoleSpec], quota: int, problems: Problems
) -> tuple[dict[str, PolicyRef], dict[str, Any]]:
    """``direct`` mode: every entry's policies on the capability role, within IAM's limits for one role."""
    managed: dict[str, PolicyRef] = {}
    inline: dict[str, Any] = {}
    for entry in controllers:
        for key, ref in entry.managed_policies.items():
            managed.setdefault(key, ref)
        name = f"ack-{entry.controller.service}"
        if entry.derived_policy is not None:  # the entry's policy; one it gives too goes beside it
            inline[name] = entry.derived_policy
            name += "-inline"
        if entry.inline_policy is not None:
            inline[name] = entry.inline_policy
    if len(managed) > quota:
        problems.add(
            "controllers",
            f"with permissions 'direct' the capability role would have {len(managed)} managed policies "
            f"({', '.join(sorted(managed))}); the quota is {quota} (use permissions 'selectors', or set "
            "managed_policies_per_role if your account's quota is higher)",
        )
    size = sum(
        policy_size(document.document if isinstance(document, DerivedPolicy) else document)
        for document in inline.values()
        if isinstance(document, Mapping | DerivedPolicy)
    )
    if size > limits.INLINE_POLICIES_MAX_CHARS:
        problems.add(
            "controllers",
            f"with permissions 'direct' the capability role's inline policies would be {size:,} characters; IAM "
            f"allows {limits.INLINE_POLICIES_MAX_CHARS:,} per role (use permissions 'selectors')",
        )
    return managed, inline
