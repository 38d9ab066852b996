"""The stack config (``ack-irsa:*`` keys), parsed and checked in one place before anything is created.

:func:`parse` takes the raw Pulumi config map and returns a :class:`StackConfig`, or raises
:class:`ConfigError` listing every problem, each named by its full key path
(``ack-irsa:controllers[2].serviceAccountMode``) with the value given and the allowed form. It runs
the same checks as the components (``ack_irsa.spec``) on the plain values, so a typo surfaces in
``pulumi preview`` or an offline plan, never half-way through ``pulumi up``.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from types import SimpleNamespace, UnionType
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator
from pydantic.alias_generators import to_camel

from ack_irsa import catalog
from ack_irsa.errors import SECRET_KEYS, InputError, kind_of, shown
from ack_irsa.iam import limits
from ack_irsa.iam.accounts import CarmGrant, CrossAccountTarget, needs_service_level, parse_role_arn
from ack_irsa.iam.arns import aws_managed_policy_arn, oidc_provider_arn, parsed_or_none, partition_of_region
from ack_irsa.iam.capability import DEFAULT_CAPABILITY_NAME
from ack_irsa.spec.capability import (
    CAPABILITY_ARGUMENTS,
    ENTRY_ARGUMENTS,
    REFUSED,
    CapabilitySpec,
    resolve_capability,
)
from ack_irsa.spec.controller import CONTROLLER_ARGUMENTS, INSTALL_KEYS, ControllerSpec, resolve_controller
from ack_irsa.spec.cross_account import CROSS_ACCOUNT_KEYS
from ack_irsa.spec.oidc_provider import OIDC_ARGUMENTS, OidcProviderSpec, resolve_oidc_provider
from ack_irsa.spec.problems import DEFAULT_NAMESPACE, ArgsError, Problem
from ack_irsa.stack import kubeconfig
from ack_irsa.stack.stackfile import SECRET_PLACEHOLDER

NAMESPACE = "ack-irsa"
"""The config namespace (the project name): keys are ``ack-irsa:<key>``."""
MAX_CONTROLLERS = 1000
"""Controllers per stack. IAM's default quota is 1,000 roles per account: a larger stack would fail
half-way through ``pulumi up``, so it is refused before anything is parsed into models."""


M = TypeVar("M", bound=BaseModel)

HandoverStep = Literal["prepare", "create", "handOver", "finish"]

IdentityKey = Literal["irsa", "podIdentity", "both"]
IDENTITY_KEYS: tuple[IdentityKey, ...] = ("irsa", "podIdentity", "both")
"""The identity modes as the stack config spells them; the Python API says ``pod_identity``."""


_INSTALL_KEYS = {"releaseName": "release_name", "createNamespace": "create_namespace"}


_INSTALL_WRITTEN = ("version", "releaseName", "values", "createNamespace")


def _preview(service: str) -> bool:
    """A controller the capability does not include (not GA upstream); an unknown service is the capability's
    to refuse."""
    try:
        return catalog.get(service).status != "GA"
    except ValueError:
        return False


_SHARED_WITH_THE_CAPABILITY = frozenset(
    {
        "service",
        "name",
        "namespaces",
        "secret_namespaces",
        "policy_arns",
        "extra_policy_arns",
        "inline_policy",
        "permissions_boundary",
        "tags",
        "acknowledge_risks",
        "policy",
        "kinds",
        "pass_roles",
    }
)
"""During the handover, the keys of an entry that its capability entry takes too: the same policies, checks and
acknowledgements (the permissions the controller has today); the others are its release's and its own role's."""


def _install_args(value: bool | dict[str, Any]) -> bool | dict[str, Any]:
    """``install`` in the component's words (``releaseName`` → ``release_name``); a key the stack file may
    not use (``release_name`` too) is left out here and reported by :func:`_install_key_problems`."""
    if isinstance(value, dict):
        return {_INSTALL_KEYS.get(key, key): item for key, item in value.items() if key in _INSTALL_WRITTEN}
    return value


def _install_key_problems(stack: StackConfig, controllers: Mapping[int, ControllerConfig]) -> Iterator[str]:
    """Keys of ``install`` objects as the stack file spells them (camelCase), each unknown one named."""
    installs = [(("install",), stack.install)] + [
        (("controllers", index, "install"), c.install) for index, c in controllers.items()
    ]
    for where, install in installs:
        for key in install if isinstance(install, dict) else ():
            if key not in _INSTALL_WRITTEN:
                close = difflib.get_close_matches(to_camel(str(key)), _INSTALL_WRITTEN, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(_INSTALL_WRITTEN)})"
                yield f"{_path((*where, key))}: unknown key{hint}"


def _install_shape(value: Any) -> Any:
    """``install`` is true, false or an object: one message for anything else (not one per kind it is not)."""
    if value is None or isinstance(value, bool | dict):
        return value
    if value == "null":  # a stack-level `install: ~`, as Pulumi passes it
        raise ValueError("must be true, false or an object {values, createNamespace}, not empty")
    try:  # a stack-level true arrives as the text "true", as Pulumi passes config values
        return TypeAdapter(bool).validate_python(value)
    except ValidationError:
        raise ValueError("must be true, false or an object {version, releaseName, values, createNamespace}") from None


def _identity_key(value: Any) -> Any:
    """A misspelt identity mode gets the closest one suggested (``podidentity`` → ``podIdentity``)."""
    if value is None or value in IDENTITY_KEYS:
        return value
    close = difflib.get_close_matches(str(value), IDENTITY_KEYS, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"must be 'irsa', 'podIdentity' or 'both'{hint}")


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, extra="forbid", frozen=True)


def _quoted_account(value: Any) -> Any:
    """An account ID written as a YAML number loses its leading zeros: it must be quoted."""
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(f"must be a 12-digit account ID in quotes ('{value:012d}'): unquoted, YAML reads a number")
    return value


class TargetProviderConfig(_Model):
    """How the stack reaches a target account to make its role (``manageRole: true``)."""

    profile: str | None = Field(None, description="AWS profile with credentials for the target account.")
    assume_role_arn: str | None = Field(
        None, description="Role in the target account to assume (from the profile or ambient credentials)."
    )
    region: str | None = Field(None, description="Region of the provider. Default: the stack's `aws:region`.")


class CrossAccountConfig(_Model):
    """One account a controller manages resources in."""

    account_id: str = Field(description="The target account's 12-digit ID, in quotes.")
    role_name: str | None = Field(None, description="Role to assume there (path `/`). Give this or `roleArn`.")
    role_arn: str | None = Field(None, description="ARN of the role to assume there. Give this or `roleName`.")
    namespaces: list[str] = Field(description="Namespaces whose ACK resources go to this account.")
    manage_role: bool = Field(False, description="Create the target role from this stack, through `provider`.")
    provider: TargetProviderConfig | None = Field(
        None, description="`{profile or assumeRoleArn, region}` of the target account; required with `manageRole`."
    )

    @field_validator("account_id", mode="before")
    @classmethod
    def _quoted(cls, value: Any) -> Any:
        return _quoted_account(value)

    def target_args(self, provider: Any) -> dict[str, Any]:
        """The entry in ``ControllerIrsa``'s words, with ``provider`` for the one the config describes."""
        args = {field: getattr(self, field) for field in self.model_fields_set if field != "provider"}
        if self.provider is not None:
            args["provider"] = provider
        return args


class ControllerConfig(_Model):
    """One entry of ``controllers``: an ACK controller and the role it gets."""

    service: str = Field(description="ACK service name, e.g. `s3` (`python -m ack_irsa catalog` lists all).")
    name: str | None = Field(
        None,
        description="Logical name of this controller's resources and stack output. Default: the service. "
        "Needed when one service is listed twice.",
    )
    namespace: str | None = Field(None, description="Namespace of the controller. Default: the stack's `namespace`.")
    service_account_name: str | None = Field(
        None, description="The controller's ServiceAccount. Default: the chart's, `ack-<service>-controller`."
    )
    service_account_mode: Literal["patch", "create", "none"] = Field(
        "patch",
        description="`patch`: annotate the ServiceAccount the ACK Helm chart created; `create`: create it "
        "(install the chart with `serviceAccount.create=false`); `none`: the role only.",
    )
    deployment_name: str | None = Field(
        None,
        description="Deployment restarted when the role changes. Default: `ack-<service>-controller-<service>-chart`; "
        '`""` disables the restart.',
    )
    policy: str | None = Field(
        None,
        description="`recommended`: the catalog's recommended policies; `derived`: one inline policy of exactly "
        "the actions the controller's code calls for `kinds` (`python -m ack_irsa catalog show <service>`). "
        "Default: `recommended`.",
    )
    kinds: list[str] | None = Field(
        None, description="`policy: derived`: the kinds the controller manages here. Default: every kind."
    )
    pass_roles: list[str] | None = Field(
        None,
        description="`policy: derived`: role ARNs the controller may pass (`iam:PassRole`), for fields such as "
        "rds `monitoringRoleARN`; `*` is refused. Default: none.",
    )
    policy_arns: list[str] | None = Field(
        None, description="Managed policy ARNs instead of the recommended ones. Default: the catalog's."
    )
    extra_policy_arns: list[str] = Field([], description="Managed policy ARNs attached in addition.")
    inline_policy: dict[str, Any] | str | None = Field(
        None,
        description="Inline policy document (object or JSON string) instead of the recommended one; "
        '`""` or `{}` drops it. Default: the catalog\'s.',
    )
    role_name: str | None = Field(
        None, description="Role name. Default: `ack-<service>-<cluster>-<hash>`, unique per cluster, ≤ 64 characters."
    )
    role_path: str = Field("/", description="Role path, e.g. `/ack/`.")
    permissions_boundary: str | None = Field(None, description="ARN of the policy set as permissions boundary.")
    max_session_duration: int = Field(3600, description="Maximum session in seconds, 3600 to 43200.")
    tags: dict[str, str] = Field({}, description="Role tags, merged over the stack's `tags`.")
    extra_service_accounts: list[str] = Field(
        [], description="More `namespace:name` ServiceAccounts the role trusts (not annotated)."
    )
    extra_oidc_providers: list[str] = Field(
        [],
        description="OIDC provider ARNs of other clusters whose ServiceAccounts the role trusts as well. A provider "
        "in another account than the cluster's, or whose issuer is not an EKS cluster's "
        "(`oidc.eks.<region>.amazonaws.com/id/<ID>`, a self-managed cluster's for instance), is a warning in the "
        "plan and in `pulumi preview`.",
    )
    allow_wildcard_subject: bool = Field(
        False, description="Accept `*` and `?` in namespaces and ServiceAccount names (`sub` uses `StringLike`)."
    )
    acknowledge_risks: list[str] = Field(
        [],
        description="Risk ids of this controller's policies that were reviewed and accepted, e.g. "
        "`[privilege-escalation]`: shown as acknowledged, not as new.",
    )
    identity: IdentityKey | None = Field(
        None,
        description="`irsa`, `podIdentity` (an EKS Pod Identity association) or `both` (the migration step). "
        "Default: the stack's `identity`.",
    )
    extra_cluster_names: list[str] = Field(
        [],
        description="Pod Identity: other clusters whose associations for this ServiceAccount the role admits, each "
        "an EKS cluster ARN (pinned by `eks-cluster-arn`) or a name (pinned by `eks-cluster-name`: any cluster of "
        "that name in the partition).",
    )
    install: bool | dict[str, Any] | None = Field(
        None,
        description="Install the controller's ACK Helm chart, wired to its role: `true`, or `{version, releaseName, "
        "values, createNamespace}` (version: the catalog's; releaseName: `ack-<service>-controller`). Default: "
        "the stack's `install`.",
    )

    cross_account: list[CrossAccountConfig] = Field(
        [],
        description="Accounts the controller manages resources in: `[{accountId, roleName or roleArn, namespaces, "
        "manageRole, provider}]`. The role may assume exactly those roles.",
    )
    namespaces: list[str] | None = Field(
        None,
        description="Capability only: the namespaces whose resources of this service use the entry's selected role. "
        "Default: every namespace.",
    )
    secret_namespaces: list[str] | None = Field(
        None,
        description="Capability only, for acm, acmpca, documentdb, memorydb, mq, rds and secretsmanager: the "
        "namespaces holding the Secrets they read. Default: `namespaces`; required without them.",
    )
    trust_policy: dict[str, Any] | str | None = Field(
        None,
        description="The role's trust policy exactly as given, instead of the one ack-irsa builds: for a role taken "
        "over as it is (`ack-irsa adopt` writes it). Default: ack-irsa's (`sub` and `aud` pinned).",
    )
    inline_policy_name: str | None = Field(
        None,
        description="Name of the inline policy. Default: `ack-controller-policy` (a role taken over keeps its own).",
    )
    role_description: str | None = Field(
        None,
        description="The role's description (`\"\"`: none). Default: ack-irsa's (a role taken over keeps its own).",
    )

    @field_validator("identity", mode="before")
    @classmethod
    def _known_identity(cls, value: Any) -> Any:
        return _identity_key(value)

    @field_validator("install", mode="before")
    @classmethod
    def _install_shape(cls, value: Any) -> Any:
        return _install_shape(value)

    @field_validator("inline_policy", "trust_policy", mode="before")
    @classmethod
    def _document_or_text(cls, value: Any) -> Any:
        if value is not None and not isinstance(value, dict | str):
            raise ValueError("must be a policy document (an object) or its JSON text")
        return value

    @property
    def logical_name(self) -> str:
        return self.name or self.service


class CapabilityConfig(_Model):
    """``capability``: ACK as the managed EKS Capability. AWS runs the controllers; nothing is installed with Helm."""

    name: str = Field(DEFAULT_CAPABILITY_NAME, description="The capability's name; one ACK capability per cluster.")
    role_name: str | None = Field(
        None,
        description="The capability role's name. Default: `ack-capability-<cluster>-<hash>`, derived like the "
        "controllers' role names.",
    )
    permissions: Literal["selectors", "direct"] = Field(
        "selectors",
        description="`selectors`: the capability role may only assume one selected role per controller entry, "
        "chosen by IAMRoleSelectors; `direct`: the capability role carries the services' policies itself.",
    )
    handover: HandoverStep | None = Field(
        None,
        description="Moving Helm-installed controllers to the capability, one pull request per step: `prepare` "
        "(leader election on every release, the capability's roles), `create` (the capability, waiting on the "
        "shared leases), `handOver` (the releases at 0 replicas), `finish` (the releases uninstalled; the same as "
        'leaving it out). README, "Moving from Helm to the capability".',
    )


class StackConfig(_Model):
    """Every ``ack-irsa:*`` key of a stack."""

    capability: CapabilityConfig | None = Field(
        None,
        description='Run ACK as the managed EKS Capability: `{name, roleName, permissions}` (README, "Managed '
        "capability\"). Needs `clusterName`; the controllers' entries become the capability's.",
    )

    cluster_name: str | None = Field(
        None, description="EKS cluster name; its OIDC issuer is looked up. Give this, `issuerUrl` or `oidcProviderArn`."
    )
    issuer_url: str | None = Field(None, description="The cluster's OIDC issuer URL, when no lookup is wanted.")
    oidc_provider_arn: str | None = Field(
        None, description="Adopt this existing IAM OIDC provider instead of creating one."
    )
    client_ids: list[str] | None = Field(
        None, description="Audiences of a created provider. Default: `[sts.amazonaws.com]`."
    )
    thumbprints: list[str] | None = Field(None, description="Certificate thumbprints of a created provider.")
    retain_oidc_provider: bool = Field(
        True, description="Keep a created provider when the stack is destroyed (other IRSA workloads use it)."
    )
    namespace: str = Field(DEFAULT_NAMESPACE, description="Default namespace of the controllers.")
    kubeconfig: str | None = Field(
        None,
        description="Path or contents (YAML, JSON, or a map) of the kubeconfig for the cluster; never printed. "
        "Default: the ambient kubeconfig.",
    )
    kube_context: str | None = Field(None, description="Kubeconfig context to use. Default: the current context.")
    tags: dict[str, str] = Field({}, description="Tags for every role and a created OIDC provider.")
    trust_policy_max_chars: int = Field(
        limits.TRUST_POLICY_MAX_CHARS,
        ge=limits.TRUST_POLICY_MAX_CHARS,
        le=limits.TRUST_POLICY_QUOTA_MAX,
        description=f"Trust policy size limit (raise it with a raised quota; at most {limits.TRUST_POLICY_QUOTA_MAX}).",
    )
    managed_policies_per_role: int = Field(
        limits.MANAGED_POLICIES_PER_ROLE,
        ge=limits.MANAGED_POLICIES_PER_ROLE,
        le=limits.MANAGED_POLICIES_QUOTA_MAX,
        description="Managed policies per role (raise it with a raised quota; at most "
        f"{limits.MANAGED_POLICIES_QUOTA_MAX}).",
    )
    controllers: list[ControllerConfig] = Field(
        [], description=f"The ACK controllers to give a role: at least one, at most {MAX_CONTROLLERS}."
    )
    identity: IdentityKey = Field(
        "irsa",
        description="How the controllers' pods get their role: `irsa`, `podIdentity` (EKS Pod Identity, needs "
        "`clusterName`) or `both` (the migration step).",
    )
    install: bool | dict[str, Any] = Field(
        False,
        description="Install every controller's chart: `true`, or `{values, createNamespace}` for all of them. "
        "Each controller's `install` replaces it.",
    )
    cross_account_mode: Literal["carm", "iamRoleSelector"] = Field(
        "carm",
        description="How controllers learn their cross-account roles: `carm` (the `ack-role-account-map` ConfigMap "
        "and namespace annotations) or `iamRoleSelector` (one IAMRoleSelector per target; alpha in ACK).",
    )
    pod_identity_agent: Literal["present", "install"] = Field(
        "present",
        description="`present`: the eks-pod-identity-agent add-on is installed already (EKS Auto Mode has it); "
        "`install`: the stack installs it (kept on destroy).",
    )
    imports: dict[str, str] = Field(
        {},
        alias="import",
        description="Resources the next `pulumi up` imports instead of creating: `{resource name: import ID}` "
        "(`ack-irsa adopt` writes it). Each resource must match what exists.",
    )

    @field_validator("identity", mode="before")
    @classmethod
    def _known_identity(cls, value: Any) -> Any:
        return _identity_key(value)

    @field_validator("install", mode="before")
    @classmethod
    def _install_shape(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("must be true, false or an object {values, createNamespace}")
        return _install_shape(value)

    def install_of(self, controller: ControllerConfig) -> bool | dict[str, Any]:
        """The controller's own ``install``, else the stack's."""
        return controller.install if controller.install is not None else self.install

    def identity_of(self, controller: ControllerConfig) -> str:
        """The controller's identity mode in the Python API's words (``pod_identity``)."""
        key = controller.identity or self.identity
        return "pod_identity" if key == "podIdentity" else key

    def service_level_controllers(self, controllers: Iterable[ControllerConfig] | None = None) -> frozenset[str]:
        """CARM: the controllers that share a ConfigMap with one that maps the same account to another role
        (among ``controllers``, default the stack's own). Computed once per stack by each caller."""
        chosen = self.controllers if controllers is None else list(controllers)
        return frozenset(needs_service_level(carm_grants(self, dict(enumerate(chosen)))))

    @property
    def handover(self) -> HandoverStep | None:
        """The handover's step (None outside one, or once finished)."""
        step = self.capability.handover if self.capability is not None else None
        return None if step == "finish" else step

    def self_managed(self, controller: ControllerConfig) -> bool:
        """Whether the controller runs from a release of the user's: every controller of a stack without the
        capability; beside it, a controller the capability lacks (not GA), and every one until the handover's
        ``finish``."""
        return self.capability is None or self.handover is not None or _preview(controller.service)

    @property
    def self_managed_controllers(self) -> list[ControllerConfig]:
        return [c for c in self.controllers if self.self_managed(c)]

    @property
    def capability_controllers(self) -> list[ControllerConfig]:
        """The entries the capability serves: every GA one (already during the handover: its roles come first)."""
        return [c for c in self.controllers if self.capability is not None and not _preview(c.service)]

    @property
    def needs_oidc_provider(self) -> bool:
        return any(self.identity_of(c) != "pod_identity" for c in self.self_managed_controllers)

    @property
    def uses_pod_identity(self) -> bool:
        return any(self.identity_of(c) != "irsa" for c in self.self_managed_controllers)

    def oidc_provider_args(self) -> dict[str, Any]:
        """Arguments of the stack's ClusterOidcProvider."""
        args: dict[str, Any] = {
            "cluster_name": self.cluster_name,
            "issuer_url": self.issuer_url,
            "provider_arn": self.oidc_provider_arn,
            "client_ids": self.client_ids,
            "thumbprints": self.thumbprints,
            # the default is always set (Pulumi.yaml declares it): only a change of it is the user's word
            "retain_on_delete": None if self.retain_oidc_provider else False,
        }
        if self.oidc_provider_arn is None:
            args["tags"] = self.tags or None  # an adopted provider is not ours to tag
        return {k: v for k, v in args.items() if v is not None}

    def capability_args(
        self,
        controllers: Iterable[ControllerConfig] | None = None,
        target_provider: Callable[[ControllerConfig, CrossAccountConfig], Any] | None = None,
    ) -> dict[str, Any]:
        """Arguments of the stack's AckCapability: the ``capability`` keys, the stack's cluster and tags, and every
        controller entry as the keys it sets (the ones that mean nothing to the capability too: it refuses them
        with why). ``target_provider`` makes a target account's AWS provider (default: the entry stands in)."""
        assert self.capability is not None
        make = target_provider or (lambda _, target: target.provider)
        entries = []
        for controller in self.capability_controllers if controllers is None else controllers:
            given = controller.model_fields_set
            if self.handover is not None:  # the entry's other keys are its Helm release's and its own role's
                given = given & _SHARED_WITH_THE_CAPABILITY
            entry = {f: getattr(controller, f) for f in given if f != "cross_account"}
            if controller.cross_account and "cross_account" in given:
                entry["cross_account"] = [
                    t.target_args(make(controller, t) if t.provider else None) for t in controller.cross_account
                ]
            entries.append(entry)
        args: dict[str, Any] = {
            "cluster_name": self.cluster_name,
            "name": self.capability.name,
            "permissions": self.capability.permissions,
            "controllers": entries,
            "managed_policies_per_role": self.managed_policies_per_role,
        }
        if self.capability.role_name is not None:
            args["role_name"] = self.capability.role_name
        if self.handover == "prepare":
            args["create_capability"] = False  # the roles first, with what the controllers have today
        if self.tags:
            args["tags"] = self.tags
        return args

    def controller_args(
        self,
        controller: ControllerConfig,
        oidc_provider: Any,
        target_provider: Callable[[ControllerConfig, CrossAccountConfig], Any] | None = None,
        service_level: Collection[str] = frozenset(),
    ) -> dict[str, Any]:
        """Arguments of one ControllerIrsa: the keys the entry sets, over the stack's defaults.
        ``target_provider`` makes the AWS provider of a target account (default: the config entry stands in
        for it, for the checks); ``service_level`` names the controllers that need service-level CARM keys
        (:meth:`service_level_controllers`)."""
        args = {
            field: getattr(controller, field)
            for field in controller.model_fields_set
            # the others are ControllerIrsa arguments (namespaces: the capability's only, refused on their own)
            if field not in ("name", "tags", "cross_account", "namespaces", "secret_namespaces")
        }
        if controller.cross_account:
            make = target_provider or (lambda _, target: target.provider)
            args["cross_account"] = [
                t.target_args(make(controller, t) if t.provider else None) for t in controller.cross_account
            ]
            if self.cross_account_mode == "iamRoleSelector":
                args["cross_account_mode"] = "iam_role_selector"
            elif controller.logical_name in service_level:
                args["carm_service_level"] = True
        args["namespace"] = controller.namespace or self.namespace
        if self.tags or controller.tags:
            args["tags"] = {**self.tags, **controller.tags}
        install = self.install_of(controller)
        if install is not False:  # `install: {}` installs, with no values of its own (decision 171)
            args["install"] = _install_args(install)
            if self.capability is not None:  # beside the capability, every release shares its leases
                handed_over = self.handover == "handOver" and not _preview(controller.service)
                args["install"] = {
                    **(args["install"] if isinstance(args["install"], dict) else {}),
                    "leader_election": True,
                    **({"replicas": 0} if handed_over else {}),
                }
        args["identity"] = self.identity_of(controller)
        if args["identity"] == "irsa":
            del args["identity"]  # the default: an existing stack's components get what they always got
        elif self.cluster_name is not None:
            args["cluster_name"] = self.cluster_name
        if oidc_provider is not None and args.get("identity") != "pod_identity":
            args["oidc_provider"] = oidc_provider
        return {
            **args,
            "trust_policy_max_chars": self.trust_policy_max_chars,
            "managed_policies_per_role": self.managed_policies_per_role,
        }


class ConfigError(InputError):
    """The stack config has problems; the message lists each on its own line, by key path."""

    def __init__(self, problems: list[str], subject: str = "the stack config has") -> None:
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        super().__init__(f"{subject} {count}:\n" + "\n".join(f"  {p}" for p in problems))


_NO_CONTROLLER = (
    "list at least one controller, e.g. [{service: s3}] (to create only the cluster's OIDC provider, use "
    'ClusterOidcProvider from a Pulumi program of your own: README, "Use from your own Pulumi program")'
)


def parse(
    raw: Mapping[str, Any],
    secret_keys: Iterable[str] = (),
    partition: str | None = None,
    written: Mapping[str, str] | None = None,
) -> StackConfig:
    """Parse a Pulumi config map (``{"ack-irsa:clusterName": "prod", ...}``; structured values as
    JSON text, as Pulumi passes them) into a checked :class:`StackConfig`.

    The values of ``secret_keys`` (and of a kubeconfig, always) are never echoed in a message.
    ``partition``: the stack's partition where ``aws:region`` does not say it (an offline flag).
    ``written``: the text of the stack file's unquoted booleans and numbers by key path
    (:attr:`~ack_irsa.stack.stackfile.StackFile.written`), where the file was read: one where a string is
    meant is refused with that text, quoted."""
    secret = {key.split(":", 1)[1] for key in secret_keys if key.startswith(f"{NAMESPACE}:")} | SECRET_KEYS
    problems: list[str] = []
    values = {}
    for key, value in raw.items():
        if key.startswith(f"{NAMESPACE}:"):
            name = key.split(":", 1)[1]
            values[name] = _kubeconfig(value, problems) if name == "kubeconfig" else _decode(value, name, problems)
    faulty: list[str] = []  # key paths whose values were refused (and left out) by the schema
    quoted = {
        path: what
        for path, text in (written or {}).items()
        if path.partition(".")[0].partition("[")[0].removeprefix(f"{NAMESPACE}:") not in secret
        and (what := _read_as(path, text)) is not None
    }
    problems += [f"{path}: {what}" for path, what in quoted.items()]
    faulty += quoted
    entries = values.pop("controllers", None)
    stack = _validated(StackConfig, values, (), problems, secret, faulty) or StackConfig()
    if entries is None or entries == []:
        problems.append(f"{NAMESPACE}:controllers: {_NO_CONTROLLER}")
        entries = []
    elif not isinstance(entries, list):
        problems.append(f"{NAMESPACE}:controllers: must be a list of controllers, got {shown(entries)}")
        entries = []
    elif len(entries) > MAX_CONTROLLERS:
        problems.append(
            f"{NAMESPACE}:controllers: {len(entries):,} controllers; a stack may have at most {MAX_CONTROLLERS:,}"
        )
        entries = []
    parsed: dict[int, ControllerConfig] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            problems.append(
                f"{_path(('controllers', index))}: must be an object such as {{service: s3}}, got {shown(entry)}"
            )
        elif controller := _validated(ControllerConfig, entry, ("controllers", index), problems, set(), faulty):
            parsed[index] = controller
    # A value YAML read as a boolean or a number is reported as such, not also as not being a string.
    problems = [
        p for p in problems if not _below(p, quoted) or p.removeprefix(p.partition(": ")[0] + ": ") in quoted.values()
    ]
    # The checks below run on every part that parsed, so one run reports every problem.
    if stack.capability is not None:
        semantic = _capability_problems(stack, parsed, raw.get("aws:region"), partition)
    else:
        semantic = _semantic_problems(stack, parsed, raw.get("aws:region"), partition)
    problems += [p for p in semantic if not _below(p, faulty)]
    if problems:
        raise ConfigError(list(dict.fromkeys(problems)))  # a stack-wide value's problem once, however inherited
    return stack.model_copy(update={"controllers": list(parsed.values())})


def _below(problem: str, paths: Iterable[str]) -> bool:
    """Whether ``problem`` is about a value at or inside one of ``paths``."""
    return any(problem.startswith((f"{f}:", f"{f}[", f"{f}.")) for f in paths)


_PART = re.compile(r"\.?([^.\[\]]+)|\[([0-9]+)\]")


def _read_as(path: str, text: str) -> str | None:
    """Why the unquoted ``text`` at ``path`` is refused: YAML read it as a boolean or a number where the
    config means a string; None where a boolean or a number is meant (or the key is not known)."""
    if not path.startswith(f"{NAMESPACE}:"):
        return None
    parts = [int(i) if i else key for key, i in _PART.findall(path.removeprefix(f"{NAMESPACE}:"))]
    if not _means_text(parts):
        return None
    read = yaml.safe_load(text)
    kind = "a boolean" if isinstance(read, bool) else "a number"
    what = "" if isinstance(read, bool) or str(read) == text else f" ({read})"
    return f"YAML reads {text} as {kind}{what}; this key takes a string: quote it ({text!r})"


def _means_text(parts: list[str | int]) -> bool:
    """Whether the config schema means a string at ``parts`` (key names as written, list indexes)."""
    if len(parts) >= 2 and parts[-2] == "install":  # install's own keys; chart values are the chart's
        return parts[-1] in ("version", "releaseName")
    annotation: Any = StackConfig
    for part in parts:
        annotation = next((inner for o in _options(annotation) if (inner := _inside(o, part)) is not None), None)
        if annotation is None:
            return False
    return all(
        option is str or (get_origin(option) is Literal and all(isinstance(v, str) for v in get_args(option)))
        for option in _options(annotation)
    )


def _options(annotation: Any) -> list[Any]:
    if get_origin(annotation) in (Union, UnionType):
        return [option for option in get_args(annotation) if option is not type(None)]
    return [annotation]


def _inside(annotation: Any, part: str | int) -> Any:
    """The type of the value at ``part`` inside a value of type ``annotation``; None if there is none."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(part, str):
        field = next((f for name, f in annotation.model_fields.items() if (f.alias or name) == part), None)
        return field.annotation if field else None
    if get_origin(annotation) is list and isinstance(part, int):
        return get_args(annotation)[0]
    if get_origin(annotation) is dict and isinstance(part, str):
        return get_args(annotation)[1]
    return None


def _kubeconfig(value: Any, problems: list[str]) -> Any:
    """A kubeconfig path or contents. A map (or JSON text: a valid kubeconfig form) becomes the text the
    provider reads; any other shape is refused without showing it, since it may hold a token."""
    if isinstance(value, dict):
        return json.dumps(value)
    listed = isinstance(value, str) and value.lstrip().startswith("[")  # JSON text of a list, as Pulumi passes it
    if value is None or (isinstance(value, str) and not listed):
        return value
    problems.append(
        f"{NAMESPACE}:kubeconfig: must be a path or the kubeconfig's contents (text or a map), got "
        f"{'a list' if listed else kind_of(value)} (not shown: a kubeconfig can hold credentials)"
    )
    return None


def _validated(  # noqa: PLR0917 - the schema's errors go to three lists, one per use
    model: type[M],
    data: Mapping[str, Any],
    prefix: tuple[Any, ...],
    problems: list[str],
    secret: set[str],
    faulty_paths: list[str],
) -> M | None:
    """``data`` as ``model``; on errors, report them and parse what remains without the faulty keys (whose
    paths go to ``faulty_paths``: what the later checks find there is a knock-on, not a problem of its own)."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems += _shape_problems(error, model, prefix, secret)
        faulty = {item["loc"][0] for item in error.errors() if item["loc"]}
        faulty_paths += [_path((*prefix, key)) for key in faulty]
    try:
        return model.model_validate({key: value for key, value in data.items() if key not in faulty})
    except ValidationError:
        return None  # a required key is missing: reported above


def _decode(value: Any, name: str, problems: list[str]) -> Any:
    """Structured values arrive as JSON text under ``pulumi up``; a string that is not JSON stays one."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
        except RecursionError:
            problems.append(f"{_path((name,))}: nested too deeply to be a stack config value")
            return None
    return value


def _shape_problems(
    error: ValidationError, model: type[BaseModel], prefix: tuple[Any, ...], secret: set[str]
) -> Iterator[str]:
    for item in error.errors():
        loc = prefix + tuple(item["loc"])
        if item["type"] == "extra_forbidden":
            yield f"{_path(loc)}: unknown key{_suggestion(str(loc[-1]), model, loc[len(prefix) : -1])}"
        elif item["type"] == "missing":
            yield f"{_path(loc)}: is required"
        else:
            message, _, hint = item["msg"].removeprefix("Value error, ").partition("; did you mean")
            value = item["input"]
            echo = f"{kind_of(value)} (not shown: it is secret)" if item["loc"][0] in secret else shown(value)
            yield f"{_path(loc)}: {message}, got {echo}" + (f"; did you mean{hint}" if hint else "")


def _suggestion(key: str, model: type[BaseModel], within: tuple[Any, ...]) -> str:
    if within:  # unknown keys below the top level of an entry (there are none today)
        return ""
    aliases = [field.alias or name for name, field in model.model_fields.items()]
    close = difflib.get_close_matches(key, aliases, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f" (known keys: {', '.join(sorted(aliases))})"


def _path(loc: tuple[Any, ...]) -> str:
    text = NAMESPACE + ":"
    for index, part in enumerate(loc):
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if index else str(part))
    return text


def _semantic_problems(
    stack: StackConfig, controllers: Mapping[int, ControllerConfig], region: Any, partition: str | None
) -> list[str]:
    """The components' own checks on the plain values, and the checks that span controllers."""
    problems: list[str] = []
    try:
        oidc = resolve_oidc_provider(stack.oidc_provider_args())
    except ArgsError as error:
        problems += [_problem((), p, _OIDC_KEYS) for p in error.problems if p.field != "tags"]
        oidc = None
    stack_wide: tuple[tuple[str, Callable[[Any], None], Any], ...] = (
        ("namespace", limits.check_dns_label, stack.namespace),
        ("tags", limits.check_tags, stack.tags),
    )
    for key, check, value in stack_wide:
        try:
            check(value)
        except ValueError as error:
            problems.append(f"{_path((key,))}: {error}")
    stand_in = _planned_provider(oidc, stack)
    service_level = stack.service_level_controllers(controllers.values())
    specs: dict[str, ControllerSpec] = {}
    for index, controller in controllers.items():
        try:
            specs[controller.logical_name] = resolve_controller(
                stack.controller_args(controller, stand_in, service_level=service_level)
            )
        except ArgsError as error:
            # A stack-wide value is reported once, above, not again for every controller that inherits it.
            inherited = {"namespace", "cluster_name"} if controller.namespace is None else {"cluster_name"}
            inherited |= {"tags"} if not controller.tags else set()
            for problem in error.problems:
                if problem.field in inherited:
                    continue
                stack_install = controller.install is None and problem.field.startswith("install")
                problems.append(_problem(() if stack_install else ("controllers", index), problem, {}))
    problems += _stack_install_check(stack, controllers)
    problems += _capability_only(controllers)
    stack_partition, region_problems = _stack_partition(stack, controllers, region, partition)
    problems += _pod_identity_problems(stack, controllers)
    problems += _cross_account_problems(stack, controllers, stack_partition)
    problems += _stack_install_problems(stack)
    problems += _install_key_problems(stack, controllers)
    problems += _duplicates(stack, controllers)
    problems += region_problems
    problems += _partition_problems(stack, controllers, stack_partition)
    problems += _account_problems(stack, controllers)
    if (
        stack.kubeconfig is not None
        and stack.kubeconfig != SECRET_PLACEHOLDER
        and not kubeconfig.is_path(stack.kubeconfig)
    ):
        problems += [
            f"{_path(('kubeconfig',))}: {p}" for p in kubeconfig.contents_problems(stack.kubeconfig, stack.kube_context)
        ]
    if len(specs) == len(controllers):  # imports are checked against what the controllers register
        problems += _import_problems(stack, specs, stack_partition[0] if stack_partition else None)
    return problems


def importable(stack: StackConfig, specs: Mapping[str, ControllerSpec], partition: str | None) -> dict[str, str | None]:
    """Every resource of the stack that ``import`` may name → the import ID it must have (None where only a live
    account knows it: an association's ID, a provider's ARN). The resource names are the components' own."""
    found: dict[str, str | None] = {}
    if stack.needs_oidc_provider and stack.oidc_provider_arn is None:
        found["cluster-provider"] = None
    for name, spec in specs.items():
        role = spec.role_name
        found[f"{name}-role"] = role
        for key, ref in spec.managed_policies.items():
            arn = ref.arn if ref.aws_managed_name is None else None
            if ref.aws_managed_name is not None and partition is not None:
                arn = aws_managed_policy_arn(partition, ref.aws_managed_name)
            found[f"{name}-{key}"] = f"{role}/{arn}" if role and isinstance(arn, str) else None
        if spec.inline_policy is not None:
            found[f"{name}-inline"] = f"{role}:{spec.inline_policy_name}" if role else None
        found[f"{name}-managed-policies"] = found[f"{name}-inline-policies"] = role
        if spec.uses_pod_identity and spec.service_account_mode != "none":
            found[f"{name}-pod-identity"] = None
        if spec.install is not None:
            found[f"{name}-release"] = f"{spec.namespace}/{spec.install.release_name}"
    return found


def _import_problems(stack: StackConfig, specs: Mapping[str, ControllerSpec], partition: str | None) -> Iterator[str]:
    """An import names a resource the stack registers, with the ID that resource would have: a mistaken
    import fails at ``pulumi up``, after other resources were imported; here it fails before anything."""
    known = importable(stack, specs, partition)
    for name, given in stack.imports.items():
        where = f"{_path(('import',))}.{name}"
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f" (importable: {', '.join(sorted(known))})"
            yield f"{where}: no resource of this stack that can be imported has this name{hint}"
            continue
        expected = known[name]
        if name.endswith("-role") and expected is None:
            yield f"{where}: give the controller a roleName, the name of the role to import"
        elif expected is not None and given != expected:
            yield (
                f"{where}: the import ID of this resource is {expected!r} (from the controller's config), got "
                + shown(given)
            )
        elif name.endswith("-pod-identity") and not re.fullmatch(r"[^,]+,a-[0-9a-z]+", given):
            yield f"{where}: must be '<cluster>,<associationId>' (as a-0123456789abcdef0), got {shown(given)}"
        elif name == "cluster-provider" and ":oidc-provider/" not in given:
            yield f"{where}: must be the ARN of the cluster's IAM OIDC provider, got {shown(given)}"


# Stack keys whose component argument has another name.
_OIDC_KEYS = {"provider_arn": "oidcProviderArn", "retain_on_delete": "retainOidcProvider"}
# Component argument names as they appear in problem messages, longest first.
_ARGUMENT = re.compile(
    r"\b("
    + "|".join(
        sorted({*CONTROLLER_ARGUMENTS, *OIDC_ARGUMENTS, *INSTALL_KEYS, *CROSS_ACCOUNT_KEYS}, key=len, reverse=True)
    )
    + r")\b"
)


def _problem(prefix: tuple[Any, ...], problem: Problem, renamed: Mapping[str, str]) -> str:
    """A component problem (snake_case argument names) in the words of the config (camelCase key paths)."""

    def key(name: str) -> str:
        return renamed.get(name) or to_camel(name)

    # The field is an argument name, then an index or a path inside its value: extra_policy_arns[1],
    # inline_policy.Statement[0].Effect.
    name = re.match(r"[a-z_]*", problem.field)[0]  # type: ignore[index]
    loc = (*prefix, key(name)) if name else prefix
    rest = problem.field[len(name) :]
    if name == "cross_account":  # keys inside an entry are the config's too: [0].account_id → [0].accountId
        rest = re.sub(r"\.([a-z_]+)", lambda match: "." + to_camel(match[1]), rest)
    elif name == "install":  # install.release_name → install.releaseName; chart values stay as written
        rest = re.sub(r"^\.(release_name|create_namespace)\b", lambda match: "." + to_camel(match[1]), rest)
    message = _ARGUMENT.sub(lambda match: key(match[0]), problem.message).replace(
        "'iam_role_selector'", "'iamRoleSelector'"
    )
    return f"{_path(loc)}{rest}: {message}"


def _capability_only(controllers: Mapping[int, ControllerConfig]) -> Iterator[str]:
    """The keys that only the capability's entries have."""
    for index, controller in controllers.items():
        if controller.namespaces is not None:
            yield (
                f"{_path(('controllers', index, 'namespaces'))}: applies only under ack-irsa:capability (self-managed "
                "controllers serve their namespaces through crossAccount or their install scope)"
            )
        if controller.secret_namespaces is not None:
            yield f"{_path(('controllers', index, 'secretNamespaces'))}: applies only under ack-irsa:capability"


# Stack keys of self-managed controllers that mean nothing to the capability, by the refusal that says why.
_STACK_REFUSED = {
    "issuer_url": "oidc_provider",
    "oidc_provider_arn": "oidc_provider",
    "client_ids": "oidc_provider",
    "thumbprints": "oidc_provider",
    "identity": "identity",
    "install": "install",
    "pod_identity_agent": "pod_identity_agent",
}
# The capability's arguments as the stack config names them.
_CAPABILITY_KEYS: dict[str, tuple[str, ...]] = {
    "cluster_name": ("clusterName",),
    "name": ("capability", "name"),
    "role_name": ("capability", "roleName"),
    "permissions": ("capability", "permissions"),
    "tags": ("tags",),
    "managed_policies_per_role": ("managedPoliciesPerRole",),
}
_CAPABILITY_WORDS = re.compile(
    r"\b("
    + "|".join(sorted({*CAPABILITY_ARGUMENTS, *ENTRY_ARGUMENTS, *CROSS_ACCOUNT_KEYS, *REFUSED}, key=len, reverse=True))
    + r")\b"
)


def _capability_problems(
    stack: StackConfig, controllers: Mapping[int, ControllerConfig], region: Any, partition: str | None
) -> list[str]:
    """The capability's checks: the stack keys it makes meaningless, then the component's own (every entry it
    serves); beside it, the checks of the controllers that stay on Helm, as in a stack without it."""
    problems: list[str] = []
    helm = {i: c for i, c in controllers.items() if stack.self_managed(c)}
    served = {i: c for i, c in controllers.items() if not _preview(c.service)}
    if not helm:  # with a controller on Helm, the stack's self-managed keys are that controller's
        for field in sorted(stack.model_fields_set & _STACK_REFUSED.keys()):
            problems.append(
                f"{_path((to_camel(field),))}: does not apply to the capability: {REFUSED[_STACK_REFUSED[field]]}"
            )
        if not stack.retain_oidc_provider:
            problems.append(
                f"{_path(('retainOidcProvider',))}: does not apply to the capability: {REFUSED['oidc_provider']}"
            )
        if stack.namespace != DEFAULT_NAMESPACE:
            problems.append(f"{_path(('namespace',))}: does not apply to the capability: {REFUSED['namespace']}")
    if "cross_account_mode" in stack.model_fields_set and stack.cross_account_mode == "carm":
        problems.append(
            f"{_path(('crossAccountMode',))}: does not apply to the capability: {REFUSED['cross_account_mode']}"
        )
    positions = list(served)  # the component numbers the entries it serves; the config, every entry
    if served:
        try:
            resolve_capability(stack.capability_args(list(served.values())))
        except ArgsError as error:
            problems += [_capability_problem(p, positions) for p in error.problems]
    elif controllers:  # every entry that parsed is one the capability lacks
        problems.append(
            f"{_path(('controllers',))}: lists no controller the capability includes (only GA ones): a stack of "
            "preview controllers only needs no capability"
        )
    if helm:
        problems += _helm_beside_the_capability(stack, helm, region, partition)
    stack_partition, region_problems = _stack_partition(stack, controllers, region, partition)
    for index, controller in served.items():
        for position, entry in enumerate(controller.cross_account):
            problems += _provider_problems(("controllers", index, "crossAccount", position), entry, stack_partition)
    problems += region_problems
    problems += _partition_problems(stack, controllers, stack_partition)
    return problems


def _helm_beside_the_capability(
    stack: StackConfig, helm: Mapping[int, ControllerConfig], region: Any, partition: str | None
) -> list[str]:
    """The controllers that run from a release beside the capability: checked as in a stack of their own, every
    release sharing the capability's leases; during the handover each needs its release in the stack."""
    problems: list[str] = []
    own: dict[int, ControllerConfig] = {}
    for index, controller in helm.items():
        preview = _preview(controller.service)
        for key in ("namespaces", "secret_namespaces"):
            if preview and key in controller.model_fields_set:
                problems.append(
                    f"{_path(('controllers', index, to_camel(key)))}: applies to the capability's entries only: the "
                    f"{controller.service} controller is {catalog.get(controller.service).status}, and stays on Helm "
                    "beside the capability"
                )
        if not preview and stack.install_of(controller) is False:
            problems.append(
                f"{_path(('controllers', index, 'install'))}: the handover needs the controller's Helm release in "
                "the stack: ack-irsa sets its leader-election values and, at handOver, its replicas (`ack-irsa adopt` "
                "writes the install of a release made by hand)"
            )
        if not preview and controller.namespaces is not None:
            problems.append(
                f"{_path(('controllers', index, 'namespaces'))}: not during the handover: the release serves every "
                "namespace, so the capability must too, or the resources outside these fail with AccessDenied once "
                "handed over; narrow it after `finish` (give `secretNamespaces` for a controller that reads Secrets)"
            )
        if not preview and controller.cross_account:
            problems.append(
                f"{_path(('controllers', index, 'crossAccount'))}: not during the handover: the target roles would "
                "have to trust the controller's role and the capability's at once; hand over the entries without "
                "crossAccount first, or move the cross-account entries to the capability in a stack of their own"
            )
        own[index] = controller.model_copy(update={"namespaces": None, "secret_namespaces": None})
    return problems + _semantic_problems(stack, own, region, partition)


def _capability_problem(problem: Problem, positions: list[int]) -> str:
    """A problem of ``AckCapability`` in the words of the stack config: its key path, camelCase, and the entries
    numbered as the config lists them."""

    def renumbered(text: str) -> str:
        text = re.sub(r"controllers\[(\d+)\]", lambda match: f"controllers[{positions[int(match[1])]}]", text)
        return _CAPABILITY_WORDS.sub(lambda match: to_camel(match[0]), text)

    field = problem.field
    if field in _CAPABILITY_KEYS:
        where = _path(_CAPABILITY_KEYS[field])
    else:
        # every segment of a key path is a key: camelCase each, the ones the capability refuses included
        path = ".".join(to_camel(part) if "_" in part else part for part in renumbered(field).split("."))
        where = f"{NAMESPACE}:{path}" if field else f"{NAMESPACE}:capability"
    return f"{where}: {renumbered(problem.message)}"


def capability_spec(stack: StackConfig) -> CapabilitySpec:
    """The capability's checked arguments as the program passes them (for a parsed stack with ``capability``)."""
    return resolve_capability(stack.capability_args())


def controller_specs(stack: StackConfig) -> dict[str, ControllerSpec]:
    """Each controller's checked arguments as the program passes them, by logical name (for a parsed stack)."""
    stand_in = _planned_provider(resolve_oidc_provider(stack.oidc_provider_args()), stack)
    service_level = stack.service_level_controllers()
    return {
        c.logical_name: resolve_controller(stack.controller_args(c, stand_in, service_level=service_level))
        for c in stack.self_managed_controllers
    }


def _planned_provider(oidc: OidcProviderSpec | None, stack: StackConfig) -> SimpleNamespace:
    """What the controllers' checks need to know of the stack's provider before it exists."""
    return SimpleNamespace(
        arn=None,  # unknown until deployed
        known_arn=oidc.provider_arn if oidc else None,
        known_issuer=oidc.known_issuer if oidc else None,
        cluster_name=stack.cluster_name,
    )


def carm_grants(stack: StackConfig, controllers: Mapping[int, ControllerConfig]) -> list[CarmGrant]:
    """The CARM targets of the controllers with a ServiceAccount on the cluster (malformed ones are left out:
    they are reported on their own); each grant names its controller by its logical name."""
    if stack.cross_account_mode != "carm":
        return []
    grants = []
    for controller in controllers.values():
        if controller.service_account_mode == "none":
            continue
        namespace = controller.namespace or stack.namespace
        for entry in controller.cross_account:
            if (target := _plain_target(entry)) is not None:
                grants.append(CarmGrant(controller.logical_name, controller.service, namespace, target, False))
    return grants


def _plain_target(entry: CrossAccountConfig) -> CrossAccountTarget | None:
    namespaces = tuple(entry.namespaces)
    if entry.role_name is not None and entry.role_arn is None:
        return CrossAccountTarget(entry.account_id, entry.role_name, "/", None, namespaces)
    if entry.role_arn is not None and entry.role_name is None:
        try:
            partition, _, path, name = parse_role_arn(entry.role_arn)
        except ValueError:
            return None
        return CrossAccountTarget(entry.account_id, name, path, partition, namespaces)
    return None


def _cross_account_problems(
    stack: StackConfig, controllers: Mapping[int, ControllerConfig], stack_partition: tuple[str, str] | None
) -> Iterator[str]:
    """What spans controllers (a namespace's owner account is one for the whole cluster under CARM), and
    what the component cannot see (the target providers, the stack's own account)."""
    own = parsed_or_none(stack.oidc_provider_arn)
    owners: dict[str, tuple[str, str]] = {}
    for index, controller in controllers.items():
        for position, entry in enumerate(controller.cross_account):
            where = ("controllers", index, "crossAccount", position)
            if own is not None and entry.account_id == own.account:
                yield (
                    f"{_path((*where, 'accountId'))}: {entry.account_id} is this stack's own account (of "
                    "oidcProviderArn); a role there needs no cross-account access"
                )
            yield from _provider_problems(where, entry, stack_partition)
            if stack.cross_account_mode != "carm" or controller.service_account_mode == "none":
                continue
            for namespace in entry.namespaces:
                account, first = owners.setdefault(namespace, (entry.account_id, _path(where)))
                if account != entry.account_id:
                    yield (
                        f"{_path((*where, 'namespaces'))}: {namespace} is given to account {account} by {first}; "
                        "under CARM a namespace's owner-account annotation names one account for every controller"
                    )


def _provider_problems(
    where: tuple[Any, ...], entry: CrossAccountConfig, stack_partition: tuple[str, str] | None
) -> Iterator[str]:
    provider = entry.provider
    if provider is None:
        return
    if provider.profile is not None and (provider.profile.strip() != provider.profile or not provider.profile):
        yield (
            f"{_path((*where, 'provider', 'profile'))}: {shown(provider.profile)} is not an AWS profile name "
            "(empty, or with spaces or a line break at an end)"
        )
    if provider.region is not None:
        try:
            region_partition = partition_of_region(provider.region)
        except ValueError as error:
            yield f"{_path((*where, 'provider', 'region'))}: {error}"
        else:
            if stack_partition is not None and region_partition != stack_partition[0]:
                yield (
                    f"{_path((*where, 'provider', 'region'))}: {provider.region} is in partition "
                    f"{region_partition!r}, but this stack's is {stack_partition[0]!r} (from {stack_partition[1]})"
                )
    if provider.profile is None and provider.assume_role_arn is None:
        yield f"{_path((*where, 'provider'))}: give profile or assumeRoleArn (how to reach account {entry.account_id})"
    if provider.assume_role_arn is not None:
        try:
            _, account, _, _ = parse_role_arn(provider.assume_role_arn)
        except ValueError as error:
            yield f"{_path((*where, 'provider', 'assumeRoleArn'))}: {error}"
        else:
            if account != entry.account_id:
                yield (
                    f"{_path((*where, 'provider', 'assumeRoleArn'))}: is a role in account {account}, but "
                    f"accountId is {entry.account_id}"
                )


def _stack_install_check(stack: StackConfig, controllers: Mapping[int, ControllerConfig]) -> Iterator[str]:
    """The stack's ``install`` is checked even when every controller replaces it: as a chart of the first
    controller would be installed with it (every ACK chart takes the same values)."""
    if stack.install is False or any(c.install is None for c in controllers.values()):
        return  # checked through the controllers that inherit it
    service = next((c.service for c in controllers.values() if c.service in catalog.services()), "s3")
    if catalog.get(service).chart_version is None:
        service = "s3"
    try:
        resolve_controller(
            {"service": service, "oidc_provider_arn": _STAND_IN_PROVIDER, "install": _install_args(stack.install)}
        )
    except ArgsError as error:
        yield from (_problem((), p, {}) for p in error.problems if p.field.startswith("install"))


# Only the install values are read from this resolution: any partition serves, and the provider is never used.
_STAND_IN_PROVIDER = oidc_provider_arn("aws", "111122223333", "oidc.eks.us-west-2.amazonaws.com/id/STANDIN")


def _stack_install_problems(stack: StackConfig) -> Iterator[str]:
    """The stack's ``install`` applies to every controller: a version or release name is per controller."""
    if isinstance(stack.install, dict):
        for key in ("version", "releaseName"):
            if key in stack.install:
                yield f"{_path(('install', key))}: is per controller (each controller's chart has its own)"


def _pod_identity_problems(stack: StackConfig, controllers: Mapping[int, ControllerConfig]) -> Iterator[str]:
    """Pod Identity associates by the cluster's name: a stack that uses it must name its cluster."""
    users = [f"controllers[{i}]" for i, c in controllers.items() if stack.identity_of(c) != "irsa"]
    if users and stack.cluster_name is None:
        yield (
            f"{_path(('clusterName',))}: is required for identity 'podIdentity' or 'both' (an EKS Pod Identity "
            f"association names its cluster), which {', '.join(users)} use"
        )
    if stack.pod_identity_agent == "install" and stack.cluster_name is None:
        yield (
            f"{_path(('podIdentityAgent',))}: 'install' needs clusterName, the cluster the add-on is installed on "
            "(a stack that only adopts a provider names no cluster)"
        )


def _duplicates(stack: StackConfig, controllers: Mapping[int, ControllerConfig]) -> Iterator[str]:
    seen_names: dict[str, int] = {}
    seen_accounts: dict[tuple[str, str, str], int] = {}
    seen_roles: dict[str, int] = {}
    seen_associations: dict[tuple[str, str], int] = {}
    seen_releases: dict[tuple[str, str], int] = {}
    for index, controller in controllers.items():
        where = _path(("controllers", index))
        if (first := seen_names.setdefault(controller.logical_name, index)) != index:
            yield (
                f"{where}: the name {shown(controller.logical_name)} is taken by controllers[{first}]; "
                "give one of them a distinct `name`"
            )
        namespace = controller.namespace or stack.namespace
        account = (controller.service, namespace, controller.service_account_name or _default_account(controller))
        if (first := seen_accounts.setdefault(account, index)) != index:
            yield (
                f"{where}: the {controller.service} controller for the same ServiceAccount is listed twice "
                f"(controllers[{first}])"
            )
        if controller.role_name and (first := seen_roles.setdefault(controller.role_name, index)) != index:
            yield f"{where}.roleName: {shown(controller.role_name)} is the role name of controllers[{first}] too"
        install = stack.install_of(controller)
        if install is not False:
            options = install if isinstance(install, dict) else {}
            release = (namespace, str(options.get("releaseName", f"ack-{_chart_key(controller)}-controller")))
            if (first := seen_releases.setdefault(release, index)) != index:
                yield f"{where}: controllers[{first}] installs the Helm release {release[0]}/{release[1]} already"
        if stack.identity_of(controller) != "irsa" and controller.service_account_mode != "none":
            associated = (namespace, account[2])
            if (first := seen_associations.setdefault(associated, index)) != index:
                yield (
                    f"{where}: controllers[{first}] has a Pod Identity association for the ServiceAccount "
                    f"{namespace}/{account[2]} already; EKS allows one per ServiceAccount"
                )


def _chart_key(controller: ControllerConfig) -> str:
    try:
        return catalog.get(controller.service).chart_key
    except ValueError:
        return controller.service  # an unknown service is reported on its own


def _default_account(controller: ControllerConfig) -> str:
    try:
        return catalog.get(controller.service).service_account_name
    except ValueError:
        return ""  # an unknown service is reported on its own


def _stack_partition(
    stack: StackConfig, controllers: Mapping[int, ControllerConfig], region: Any, partition: str | None
) -> tuple[tuple[str, str] | None, list[str]]:
    """(the stack's partition and where it comes from: aws:region, else the ``partition`` given, else the
    first ARN of the stack), and what is wrong with aws:region."""
    if region is not None:
        try:
            if not isinstance(region, str):
                raise ValueError(f"must be a region name such as us-west-2, got {shown(region)}")
            return (partition_of_region(region), f"aws:region {region!r}"), []
        except ValueError as error:
            return None, [f"aws:region: {error}"]
    if partition is not None:
        return (partition, "--partition"), []
    return first_arn_partition(stack, controllers), []


def first_arn_partition(
    stack: StackConfig, controllers: Mapping[int, ControllerConfig] | None = None
) -> tuple[str, str] | None:
    """Without aws:region, the partition the stack's own ARNs give (the first well-formed one, and its key):
    every other ARN must agree with it, and the offline plan assumes it. None when the stack has no ARN."""
    for loc, arn in _arns(stack, dict(enumerate(stack.controllers)) if controllers is None else controllers):
        if (parsed := parsed_or_none(arn)) is not None:  # an adopted provider lies in the stack's own partition
            return parsed.partition, "oidcProviderArn" if loc == ("oidcProviderArn",) else _path(loc)
    return None


def _partition_problems(
    stack: StackConfig, controllers: Mapping[int, ControllerConfig], stack_partition: tuple[str, str] | None
) -> Iterator[str]:
    """Every ARN in the stack must lie in the stack's partition. Malformed ARNs are left to the checks
    that report them."""
    if stack_partition is None:
        return
    partition, source = stack_partition
    for loc, arn in _arns(stack, controllers):
        if (parsed := parsed_or_none(arn)) is None or parsed.partition == partition:
            continue
        if source.startswith(f"{NAMESPACE}:"):  # no aws:region: the first ARN stands for the stack
            yield (
                f"{_path(loc)}: {shown(arn)} is in partition {parsed.partition!r}, but {source} is in "
                f"{partition!r}: the stack's ARNs share one partition (set aws:region to say which)"
            )
        else:
            yield (
                f"{_path(loc)}: {shown(arn)} is in partition {parsed.partition!r}, "
                f"but this stack's is {partition!r} (from {source})"
            )


def _arns(stack: StackConfig, controllers: Mapping[int, ControllerConfig]) -> Iterator[tuple[tuple[Any, ...], str]]:
    if stack.oidc_provider_arn:
        yield ("oidcProviderArn",), stack.oidc_provider_arn
    for index, controller in controllers.items():
        prefix: tuple[Any, ...] = ("controllers", index)
        for key in ("policyArns", "extraPolicyArns", "extraOidcProviders", "passRoles"):
            for position, arn in enumerate(getattr(controller, _snake(key)) or []):
                yield (*prefix, key, position), arn
        if controller.permissions_boundary:
            yield (*prefix, "permissionsBoundary"), controller.permissions_boundary
        for position, entry in enumerate(controller.cross_account):
            where = (*prefix, "crossAccount", position)
            if entry.role_arn:
                yield (*where, "roleArn"), entry.role_arn
            if entry.provider is not None and entry.provider.assume_role_arn:
                yield (*where, "provider", "assumeRoleArn"), entry.provider.assume_role_arn


def _account_problems(stack: StackConfig, controllers: Mapping[int, ControllerConfig]) -> Iterator[str]:
    """A customer-managed policy (attached, or the permissions boundary) lies in the role's own account: IAM
    attaches no policy of another account. The account is known when the stack adopts a provider by ARN."""
    own = parsed_or_none(stack.oidc_provider_arn)
    if own is None:
        return
    for index, controller in controllers.items():
        prefix: tuple[Any, ...] = ("controllers", index)
        arns = [
            ((*prefix, key, i), arn)
            for key in ("policyArns", "extraPolicyArns")
            for i, arn in enumerate(getattr(controller, _snake(key)) or [])
        ]
        if controller.permissions_boundary:
            arns.append(((*prefix, "permissionsBoundary"), controller.permissions_boundary))
        for loc, arn in arns:
            parsed = parsed_or_none(arn)
            if parsed is not None and parsed.service == "iam" and parsed.account not in ("aws", own.account):
                yield (
                    f"{_path(loc)}: {shown(arn)} is a policy of account {parsed.account}, but the role is made in "
                    f"{own.account} (of oidcProviderArn); IAM attaches only AWS-managed policies and the role's "
                    "own account's"
                )


def _snake(camel: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in camel)


def reference() -> str:
    """The stack config reference as Markdown tables, from the schema itself (the README embeds it)."""
    sections: list[tuple[str, type[BaseModel]]] = [
        ("Stack keys (`ack-irsa:<key>`)", StackConfig),
        ('`capability` (README, "Managed capability")', CapabilityConfig),
        ("Each entry of `controllers`", ControllerConfig),
        ("Each entry of a controller's `crossAccount`", CrossAccountConfig),
        ("A `crossAccount` entry's `provider`", TargetProviderConfig),
    ]
    lines: list[str] = []
    for title, model in sections:
        lines += [f"**{title}**", "", "| key | type | default | description |", "| --- | --- | --- | --- |"]
        for name, field in model.model_fields.items():
            default = "required" if field.is_required() else _default_text(field.default)
            kind = _type_text(field.annotation)
            lines.append(f"| `{field.alias or name}` | {kind} | {default} | {field.description} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _default_text(value: Any) -> str:
    if value is None:
        return "—"
    return f"`{json.dumps(value)}`"


def _type_text(annotation: Any) -> str:
    """``str | None`` → ``string``; ``list[str]`` → ``list of strings``; a Literal → its values."""
    if get_origin(annotation) in (Union, UnionType):
        return " or ".join(_type_text(a) for a in get_args(annotation) if a is not type(None))
    if get_origin(annotation) is Literal:
        return ", ".join(f"`{value}`" for value in get_args(annotation))
    if get_origin(annotation) is list:
        return f"list of {_type_text(get_args(annotation)[0])}s"
    if get_origin(annotation) is dict:
        return "map of strings" if get_args(annotation)[1] is str else "object"
    names: dict[Any, str] = {str: "string", int: "integer", bool: "boolean", ControllerConfig: "controller"}
    names |= {CrossAccountConfig: "target", TargetProviderConfig: "provider", CapabilityConfig: "capability"}
    return names[annotation]
