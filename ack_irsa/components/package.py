"""The component package: ack-irsa's components for every Pulumi language.

``provider/PulumiPlugin.yaml`` makes this repository a source-based component package: ``pulumi package add``
runs ``provider/__main__.py``, which hosts the classes below, and generates an SDK in the consumer's language
from the schema Pulumi's analyzer infers from their annotations (``python -m ack_irsa schema`` prints it).

These classes are the package's face, not a second implementation. The analyzer accepts fewer types than the
Python API uses (no ``Literal``, no unions, no component references), so each face declares arguments it
accepts: enums for the modes, a map for policy ARNs, the provider's ARN and issuer instead of a
``ClusterOidcProvider``. It translates them into the Python API's arguments, and the same component body
checks and builds. A bad argument gets the same message from TypeScript as from Python.
"""

# No ``from __future__ import annotations`` here: Pulumi's analyzer reads the annotations as objects.
import json
from collections.abc import Mapping
from enum import Enum, StrEnum
from typing import Any, Required, TypedDict

import pulumi

from ack_irsa.components.capability import AckCapabilityComponent
from ack_irsa.components.controller import ControllerIrsaComponent
from ack_irsa.components.cross_account import RoleAccountMapComponent, TargetAccountRoleComponent
from ack_irsa.components.oidc import ClusterOidcProviderComponent
from ack_irsa.spec.cross_account import resolve_carm_entries
from ack_irsa.spec.problems import ArgsError

PACKAGE = "ack-irsa"
"""The package's name: its types are `ack-irsa:index:<Component>`, as the Python API's are."""

_WHOLE_NUMBERS = ("max_session_duration", "trust_policy_max_chars", "managed_policies_per_role")
# (the capability's entries are plain maps too: plain_args turns their whole numbers back as well)


class ServiceAccountMode(StrEnum):
    """What `ControllerIrsa` does with the controller's ServiceAccount."""

    PATCH = "patch"
    """Annotate the ServiceAccount the ACK chart created (the default)."""
    CREATE = "create"
    """Create the annotated ServiceAccount."""
    NONE = "none"
    """The role only; nothing on the cluster."""


class PolicyChoice(StrEnum):
    """Where the role's permissions come from."""

    RECOMMENDED = "recommended"
    """The catalog's recommended policies (the default)."""
    DERIVED = "derived"
    """One inline policy of exactly the actions the controller's code calls for `kinds`."""


class IdentityMode(StrEnum):
    """How the controller's pods get the role."""

    IRSA = "irsa"
    """The ServiceAccount annotation and the cluster's OIDC provider (the default)."""
    POD_IDENTITY = "pod_identity"
    """An EKS Pod Identity association."""
    BOTH = "both"
    """Both trusts: the migration step."""


class CrossAccountMode(StrEnum):
    """How the controller learns the roles it assumes in other accounts."""

    CARM = "carm"
    """The `ack-role-account-map` ConfigMap and namespace annotations (the default)."""
    IAM_ROLE_SELECTOR = "iam_role_selector"
    """One IAMRoleSelector per target."""


class InstallOptions(TypedDict, total=False):
    """Install the controller's ACK Helm chart, wired to its role. An empty object installs the catalog's
    pinned version."""

    version: str
    """Chart version. Default: the catalog's."""
    release_name: str
    """Helm release name. Default `ack-<service>-controller`."""
    values: dict[str, Any]
    """Extra chart values, merged under ack-irsa's own. Default: none."""
    create_namespace: bool
    """Create the namespace if it does not exist. Default `true`."""
    leader_election: bool
    """Share the managed capability's lease (`leaderElection` in `kube-system`). Default `false`."""
    replicas: int
    """The chart's `deployment.replicas`; `0` hands the lease over to the capability. Default: the chart's."""


class CrossAccountTarget(TypedDict, total=False):
    """One account the controller manages resources in. The target role is made by the target account's
    program (`TargetAccountRole`)."""

    account_id: Required[str]
    """The target account's 12-digit ID."""
    role_name: str
    """Name of the role to assume there. Give this or `role_arn`."""
    role_arn: str
    """ARN of the role to assume there. Give this or `role_name`."""
    namespaces: Required[list[str]]
    """Namespaces whose ACK resources go to this account."""


class ControllerIrsaArgs(TypedDict, total=False):
    """Arguments of `ControllerIrsa` in the component package."""

    service: Required[str]
    """ACK service name, e.g. `s3`."""
    oidc_provider_arn: pulumi.Input[str]
    """ARN of the cluster's IAM OIDC provider (a `ClusterOidcProvider`'s `arn`). Required for IRSA."""
    oidc_issuer: pulumi.Input[str]
    """The cluster's issuer. Default: read from `oidc_provider_arn`."""
    namespace: str
    """Namespace of the controller. Default `ack-system`."""
    service_account_name: str
    """The controller's ServiceAccount. Default: the chart's."""
    service_account_mode: ServiceAccountMode
    """What to do with the ServiceAccount. Default `patch`."""
    deployment_name: str
    """The Deployment restarted when the role changes; empty disables it. Default: the chart's."""
    policy: PolicyChoice
    """`derived`: the actions the controller's code calls, instead of the recommendation. Default `recommended`."""
    kinds: list[str]
    """`policy` `derived`: the kinds the controller manages. Default: every kind."""
    pass_roles: list[str]
    """`policy` `derived`: role ARNs the controller may pass (`iam:PassRole`); `*` is refused. Default: none."""
    policy_arns: dict[str, pulumi.Input[str]]
    """Managed policies instead of the recommended ones, `{key: arn}` (the key names the attachment).
    Default: the catalog's recommendation."""
    extra_policy_arns: dict[str, pulumi.Input[str]]
    """Managed policies in addition, `{key: arn}`. Default: none."""
    inline_policy: pulumi.Input[str]
    """Inline policy (JSON text) instead of the recommended one; an empty string drops it. Default: the
    catalog's."""
    role_name: str
    """Role name. Default `ack-<service>-<cluster>-<hash>`."""
    role_path: str
    """Role path. Default `/`."""
    permissions_boundary: pulumi.Input[str]
    """ARN of the role's permissions boundary. Default: none."""
    max_session_duration: int
    """Maximum session length in seconds, 3600 to 43200. Default 3600."""
    tags: dict[str, str]
    """Role tags. Default: none."""
    extra_service_accounts: list[str]
    """More `namespace:name` ServiceAccounts the role admits. Default: none."""
    extra_oidc_providers: list[pulumi.Input[str]]
    """ARNs of other clusters' OIDC providers the role admits. Default: none."""
    allow_wildcard_subject: bool
    """Accept `*` and `?` in namespaces and ServiceAccount names. Default `false`."""
    trust_policy_max_chars: int
    """Trust policy size limit, for a raised quota. Default 2048."""
    managed_policies_per_role: int
    """Managed policies per role, for a raised quota. Default 10."""
    identity: IdentityMode
    """How the pods get the role. Default `irsa`."""
    cluster_name: pulumi.Input[str]
    """The cluster of the Pod Identity association; required for `pod_identity` and `both`."""
    extra_cluster_names: list[str]
    """Other clusters whose Pod Identity associations the role admits. Default: none."""
    install: InstallOptions
    """Install the controller's chart. Default: not installed."""
    acknowledge_risks: list[str]
    """Ids of the role's risks that were reviewed and accepted. Default: none."""
    cross_account: list[CrossAccountTarget]
    """Accounts the controller manages resources in. Default: none."""
    cross_account_mode: CrossAccountMode
    """How the controller learns the target roles. Default `carm`."""
    carm_service_level: bool
    """CARM: key the targets `<service>.<account>` and turn on the ServiceLevelCARM gate. Default `false`."""


class ControllerIrsa(ControllerIrsaComponent):
    """A least-privilege IAM role for one ACK controller, trusted by exactly its ServiceAccount."""

    role_arn: pulumi.Output[str]
    """ARN of the role; resolves once every policy is attached."""
    role_name: pulumi.Output[str]
    """Name of the role."""
    service_account_name: pulumi.Output[str]
    """The controller's ServiceAccount."""
    namespace: pulumi.Output[str]
    """The controller's namespace."""

    def __init__(self, name: str, args: ControllerIrsaArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, controller_args(args), opts)


class ClusterOidcProviderArgs(TypedDict, total=False):
    """Arguments of `ClusterOidcProvider` in the component package."""

    cluster_name: str
    """Name of the EKS cluster; its issuer is looked up. Give this, `issuer_url` or `provider_arn`."""
    issuer_url: pulumi.Input[str]
    """The cluster's OIDC issuer URL; no lookup is made."""
    provider_arn: pulumi.Input[str]
    """Adopt the existing provider with this ARN and create nothing."""
    client_ids: list[str]
    """Audiences of a created provider. Default `["sts.amazonaws.com"]`."""
    thumbprints: list[str]
    """Thumbprints of a created provider. Default: none."""
    retain_on_delete: bool
    """Keep a created provider when the stack is destroyed. Default `true`."""
    tags: dict[str, str]
    """Tags of a created provider. Default: none."""


class ClusterOidcProvider(ClusterOidcProviderComponent):
    """The IAM OIDC provider that lets a cluster's ServiceAccount tokens assume IAM roles (one per cluster)."""

    arn: pulumi.Output[str]
    """ARN of the provider."""
    url: pulumi.Output[str]
    """Issuer URL, with `https://`."""
    issuer: pulumi.Output[str]
    """Issuer without the scheme."""

    def __init__(self, name: str, args: ClusterOidcProviderArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, plain_args(args), opts)


class TargetAccountRoleArgs(TypedDict, total=False):
    """Arguments of `TargetAccountRole` in the component package."""

    service: Required[str]
    """ACK service name: the role gets this controller's recommended policies."""
    trusted_role_arns: Required[list[pulumi.Input[str]]]
    """ARNs of the controller roles that may assume this role."""
    role_name: Required[str]
    """Role name."""
    role_path: str
    """Role path. Default `/`."""
    pod_identity: bool
    """The controllers run on EKS Pod Identity: the trust allows `sts:TagSession` too. Default `false`."""
    policy: PolicyChoice
    """`derived`: the actions the controller's code calls, instead of the recommendation. Default `recommended`."""
    kinds: list[str]
    """`policy` `derived`: the kinds the controller manages in this account. Default: every kind."""
    pass_roles: list[str]
    """`policy` `derived`: role ARNs in this account the controller may pass. Default: none."""
    policy_arns: list[str]
    """Managed policies instead of the recommended ones. Default: the catalog's."""
    extra_policy_arns: list[str]
    """Managed policies in addition. Default: none."""
    inline_policy: pulumi.Input[str]
    """Inline policy (JSON text) instead of the recommended one; an empty string drops it."""
    max_session_duration: int
    """Maximum session length in seconds. Default 3600."""
    tags: dict[str, str]
    """Role tags. Default: none."""
    acknowledge_risks: list[str]
    """Ids of the role's risks that were reviewed and accepted. Default: none."""


class TargetAccountRole(TargetAccountRoleComponent):
    """The role an ACK controller assumes in another account to manage resources there."""

    role_arn: pulumi.Output[str]
    """ARN of the role; resolves once every policy is attached."""
    role_name: pulumi.Output[str]
    """Name of the role."""

    def __init__(self, name: str, args: TargetAccountRoleArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, plain_args(args), opts)


class RoleAccountMapEntry(TypedDict, total=False):
    """One controller's target, as CARM maps it: what its `crossAccount` entry says, with the role's ARN."""

    controller: str
    """The controller's name, for messages. Default: `<service> in <namespace>`."""
    service: Required[str]
    """The controller's ACK service name."""
    namespace: str
    """The controller's namespace (where its `ack-role-account-map` lives). Default `ack-system`."""
    account_id: Required[str]
    """The target account's 12-digit ID."""
    role_arn: Required[str]
    """ARN of the role the controller assumes there."""
    namespaces: Required[list[str]]
    """Namespaces whose ACK resources go to this account."""
    service_level: bool
    """Key the entry `<service>.<account>` (the controller runs with the ServiceLevelCARM gate). Default `false`."""


class RoleAccountMapArgs(TypedDict):
    """Arguments of `RoleAccountMap` in the component package."""

    entries: list[RoleAccountMapEntry]
    """Every CARM target of the cluster's controllers (those with `crossAccountMode` `carm`)."""


class RoleAccountMap(RoleAccountMapComponent):
    """CARM's shared objects for one cluster: the `ack-role-account-map` ConfigMaps and namespace annotations."""

    def __init__(self, name: str, args: RoleAccountMapArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        try:
            grants = resolve_carm_entries(plain_args(args).get("entries"))
        except ArgsError as error:
            raise ArgsError(error.problems, f"RoleAccountMap {name!r}: ") from None
        super().__init__(name, grants, opts, field="entries")


class CapabilityPermissions(StrEnum):
    """How the managed capability's role gets its permissions."""

    SELECTORS = "selectors"
    """It may only assume one selected role per entry, chosen by IAMRoleSelectors (the default)."""
    DIRECT = "direct"
    """It carries every entry's policies itself; no selectors."""


class CapabilityTarget(TypedDict, total=False):
    """One account a capability entry manages resources in; its selected role there is made by that account's
    program (a `TargetAccountRole` trusting the capability role, with `pod_identity` for `sts:TagSession`)."""

    account_id: Required[str]
    """The target account's 12-digit ID."""
    role_name: str
    """Name of the selected role there. Give this or `role_arn`."""
    role_arn: str
    """ARN of the selected role there. Give this or `role_name`."""
    namespaces: Required[list[str]]
    """Namespaces whose resources of this service go to this account (each one of the entry's `namespaces`)."""


class CapabilityController(TypedDict, total=False):
    """One controller of the managed capability."""

    service: Required[str]
    """ACK service name, e.g. `s3`; GA upstream."""
    name: str
    """Logical name of the entry. Default: the service."""
    namespaces: list[str]
    """Namespaces whose resources of this service use the selected role. Default: every namespace."""
    secret_namespaces: list[str]
    """For controllers that read Secrets: the namespaces that hold them. Default: `namespaces`."""
    policy: PolicyChoice
    """`derived`: the actions the controller's code calls, instead of the recommendation. Default `recommended`."""
    kinds: list[str]
    """`policy` `derived`: the kinds the capability manages for this entry. Default: every kind."""
    pass_roles: list[str]
    """`policy` `derived`: role ARNs the controller may pass (`iam:PassRole`); `*` is refused. Default: none."""
    policy_arns: dict[str, pulumi.Input[str]]
    """Managed policies instead of the recommended ones, `{key: arn}`. Default: the catalog's."""
    extra_policy_arns: dict[str, pulumi.Input[str]]
    """Managed policies in addition, `{key: arn}`. Default: none."""
    inline_policy: pulumi.Input[str]
    """Inline policy (JSON text) instead of the recommended one; an empty string drops it. Default: the catalog's."""
    role_name: str
    """The selected role's name. Default `ack-<service>-<cluster>-<hash>`."""
    role_path: str
    """The selected role's path. Default `/`."""
    permissions_boundary: pulumi.Input[str]
    """ARN of the selected role's permissions boundary. Default: none."""
    max_session_duration: int
    """Maximum session length of the selected role in seconds. Default 3600."""
    tags: dict[str, str]
    """Tags of the selected role, over the capability's. Default: none."""
    acknowledge_risks: list[str]
    """Ids of the entry's risks that were reviewed and accepted. Default: none."""
    cross_account: list[CapabilityTarget]
    """Accounts whose selected roles serve some of the entry's namespaces. Default: none."""


class AckCapabilityArgs(TypedDict, total=False):
    """Arguments of `AckCapability` in the component package."""

    cluster_name: Required[str]
    """The EKS cluster."""
    name: str
    """The capability's name. Default `ack`."""
    role_name: str
    """The capability role's name. Default `ack-capability-<cluster>-<hash>`."""
    role_path: str
    """The capability role's path. Default `/`."""
    permissions: CapabilityPermissions
    """How the capability role gets its permissions. Default `selectors`."""
    controllers: Required[list[CapabilityController]]
    """The controllers whose resources the capability may manage."""
    tags: dict[str, str]
    """Tags of the capability and of every role. Default: none."""
    managed_policies_per_role: int
    """Managed policies per role, for a raised quota. Default 10."""
    create_capability: bool
    """`false`: the roles only, for the first step of a move from Helm. Default `true`."""


class AckCapability(AckCapabilityComponent):
    """ACK as a managed EKS Capability whose role may only assume one least-privilege selected role per service."""

    capability_arn: pulumi.Output[str]
    """ARN of the capability."""
    role_arn: pulumi.Output[str]
    """ARN of the capability role; resolves once its policy is attached."""
    role_name: pulumi.Output[str]
    """Name of the capability role."""

    def __init__(self, name: str, args: AckCapabilityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, plain_args(args), opts)


COMPONENTS: list[type[pulumi.ComponentResource]] = [
    ClusterOidcProvider,
    ControllerIrsa,
    TargetAccountRole,
    RoleAccountMap,
    AckCapability,
]


def controller_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """The package's `ControllerIrsa` arguments as the Python API takes them: enums as their values, whole
    numbers that came as floats as integers, `install` as `True` or its options."""
    converted = plain_args(args)
    if converted.get("install") == {}:
        converted["install"] = True
    return converted


def plain_args(value: Any) -> Any:
    """Arguments as another language's SDK sends them (enums, integers as floats, nested maps) in the Python
    API's forms. Anything else is passed on untouched, to be checked by the component."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {key: _whole(key, plain_args(item)) for key, item in value.items()}
    if isinstance(value, list):
        return [plain_args(item) for item in value]
    return value


def _whole(key: str, value: Any) -> Any:
    if key in _WHOLE_NUMBERS and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def schema(version: str | None = None) -> dict[str, Any]:
    """The package schema, inferred by Pulumi's own analyzer from the classes above (no CLI needed)."""
    from pulumi.provider.experimental.component import ComponentProvider

    from ack_irsa import __version__

    provider = ComponentProvider(COMPONENTS, PACKAGE, None, version or __version__)
    assert provider.schema is not None
    document: dict[str, Any] = json.loads(provider.schema)
    return document


def host() -> None:
    """Serve the components to the Pulumi engine (`provider/__main__.py`)."""
    from pulumi.provider.experimental import component_provider_host

    from ack_irsa import __version__

    component_provider_host(COMPONENTS, PACKAGE, version=__version__)
