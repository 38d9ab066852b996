"""``ControllerIrsa``'s arguments: identity, trust, ServiceAccount, install and cross-account."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ack_irsa import catalog
from ack_irsa.catalog.derived import DerivedPolicy
from ack_irsa.errors import shown
from ack_irsa.iam import limits
from ack_irsa.iam.accounts import (
    CROSS_ACCOUNT_POLICY_NAME,
    CrossAccountMode,
    CrossAccountTarget,
    assume_policy,
)
from ack_irsa.iam.arns import (
    CLUSTER_ARN_FORM,
    check_oidc_provider_arn,
    check_policy_arn,
    cluster_arn,
    is_cluster_arn,
    issuer_of_provider_arn,
    parsed_or_none,
    partitions,
)
from ack_irsa.iam.policies import (
    allowed_actions,
    issuer_host,
    non_finite_numbers,
    policy_size,
    summary,
)
from ack_irsa.iam.risks import Risk
from ack_irsa.iam.trust import (
    IDENTITIES,
    Identity,
    TrustedAssociation,
    TrustedIssuer,
    has_wildcard,
    service_account_subject,
    trust_policy,
)
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
    DEFAULT_NAMESPACE,
    DEFAULT_ROLE_PATH,
    DEFAULT_SESSION_DURATION,
    ArgsError,
    Problems,
    checked_quota,
    checked_tags,
    component_arguments,
    deploy_time,
    listed,
)

ServiceAccountMode = Literal["patch", "create", "none"]
SERVICE_ACCOUNT_MODES: tuple[ServiceAccountMode, ...] = ("patch", "create", "none")

# Sizes a trust policy whose issuer is not known yet: the longest issuer EKS hands out
# (China regions end in .amazonaws.com.cn; the longest region names have 14 characters).
WORST_CASE_ISSUER = "oidc.eks.ap-southeast-4.amazonaws.com.cn/id/" + "0" * 32
LONGEST_CLUSTER_NAME = "x" * 100
"""Sizes a Pod Identity trust whose cluster name is known only at deploy time (EKS allows 100 characters)."""

CONTROLLER_ARGUMENTS = (
    "service",
    "oidc_provider",
    "oidc_provider_arn",
    "oidc_issuer",
    "namespace",
    "service_account_name",
    "service_account_mode",
    "deployment_name",
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
    "extra_service_accounts",
    "extra_oidc_providers",
    "allow_wildcard_subject",
    "trust_policy_max_chars",
    "managed_policies_per_role",
    "acknowledge_risks",
    "identity",
    "cluster_name",
    "extra_cluster_names",
    "install",
    "cross_account",
    "cross_account_mode",
    "carm_service_level",
    "trust_policy",
    "inline_policy_name",
    "role_description",
)
DEFAULT_INLINE_POLICY_NAME = "ack-controller-policy"
"""The name of the role's inline policy, unless ``inline_policy_name`` says another (a role taken over)."""
_POLICY_NAME = re.compile(r"[\w+=,.@-]{1,128}", re.ASCII)
_DESCRIPTION = re.compile(r"[\t\n\r\u0020-\u007e\u00a1-\u00ff]{0,1000}")
"""IAM's alphabet and length of a role description."""
INSTALL_KEYS = ("version", "release_name", "values", "create_namespace", "leader_election", "replicas")
LEADER_ELECTION_NAMESPACE = "kube-system"
"""Where the managed capability takes its leases: a Helm controller electing its leader there shares one lease
with the capability for the same service, so only one of them reconciles at a time."""
CHART_REPOSITORY = "oci://public.ecr.aws/aws-controllers-k8s"
"""Where ACK publishes its controller charts (``<repository>/<service>-chart``)."""
_FROM_THE_ROLE = "from the role, the identity and the stack"
OWNED_VALUES = {
    "aws.region": _FROM_THE_ROLE,
    "serviceAccount.create": _FROM_THE_ROLE,
    "serviceAccount.name": _FROM_THE_ROLE,
    "serviceAccount.annotations": _FROM_THE_ROLE,
    "deployment.annotations": _FROM_THE_ROLE,
}
"""Chart values ack-irsa sets itself, each with why: a value given for one of them (or inside one) is refused."""
_LEADER_ELECTION_OWNED = {
    "leaderElection": f"enabled=true and namespace={LEADER_ELECTION_NAMESPACE}, both: the lease the capability "
    "shares; with only one of them nothing is shared and both would reconcile"
}
_REPLICAS_OWNED = "the handover's step: 0 hands the lease to the capability"
_SEMVER = re.compile(
    r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?", re.ASCII
)

WILDCARD_REFUSED = (
    "{value} contains a wildcard, which would let every matching ServiceAccount assume the role; "
    "set allow_wildcard_subject to true to accept it (then only sub uses StringLike, aud stays StringEquals)"
)


@dataclass(frozen=True)
class ControllerSpec:
    controller: catalog.Controller
    namespace: str
    service_account_name: str
    service_account_mode: ServiceAccountMode
    deployment_name: str
    """Deployment to restart; empty when there is none to restart."""
    managed_policies: dict[str, PolicyRef]
    """Keyed by a stable, partition-neutral key (the attachments' resource names derive from it)."""
    inline_policy: Any
    """A policy document (dict), None for no inline policy, or a Pulumi Output resolving to one."""
    role_name: str | None
    """None: the default name, derived from the issuer once it is known."""
    role_path: str
    permissions_boundary: Any
    max_session_duration: int
    tags: dict[str, str]
    """The caller's tags: on the role, the Pod Identity association and the roles made in other accounts."""
    role_tags: dict[str, str]
    """The role's tags: the caller's, and ack-irsa's own for the guardrails (acknowledged risks, wildcard
    subject; :func:`ack_irsa.spec.permissions.role_tags`)."""
    subjects: tuple[str, ...]
    """Every ``system:serviceaccount:<ns>:<name>`` the role admits, the primary one first."""
    extra_oidc_providers: tuple[Any, ...]
    """Other clusters' OIDC providers (ClusterOidcProvider or provider ARN) admitting the same subjects."""
    trust_policy_max_chars: int
    warnings: tuple[str, ...] = ()
    """What a reviewer should know: half of the recommendation replaced while the other half stays; role
    fields a derived policy cannot pass."""
    derived_policy: DerivedPolicy | None = None
    """``policy: derived``: the policy derived from the controller's calls (in the partition checked before
    deploying; the component derives it again in the cluster's). None: the recommendation."""
    risks: tuple[Risk, ...] = ()
    """Broad grants of the role's policies (:mod:`ack_irsa.iam.risks`), acknowledged or not."""
    identity: Identity = "irsa"
    """How the controller's pods get the role: IRSA, EKS Pod Identity, or both (the migration step)."""
    cluster_name: Any = None
    """The cluster of the Pod Identity association (plain or an Output); None for IRSA alone."""
    extra_cluster_names: tuple[str, ...] = ()
    """Other clusters whose Pod Identity associations for the same ServiceAccount the role admits."""
    install: Install | None = None
    """The controller's Helm release, when ack-irsa installs it; None when someone else did."""
    cross_account: tuple[CrossAccountTarget, ...] = ()
    """Accounts the controller manages resources in, through a role it assumes there."""
    cross_account_mode: CrossAccountMode = "carm"
    carm_service_level: bool = False
    """CARM: this controller's keys are ``<service>.<account>`` (the ServiceLevelCARM feature gate)."""
    trust_policy: dict[str, Any] | None = None
    """The trust policy as given (a role taken over as it is); None: the one ack-irsa builds."""
    inline_policy_name: str = DEFAULT_INLINE_POLICY_NAME
    role_description: str | None = None
    """The role's description as given (``""``: none); None: the one ack-irsa writes."""

    @property
    def uses_irsa(self) -> bool:
        return self.identity in ("irsa", "both")

    @property
    def uses_pod_identity(self) -> bool:
        return self.identity in ("pod_identity", "both")

    def role_name_for(self, issuer: str | None, cluster: str | None) -> str:
        """The role's name: the one given, else the default for the cluster (``ack-<svc>-…``): its hash is over
        the cluster's issuer when the role uses IRSA, else over the cluster's name (no issuer is looked up
        for Pod Identity alone)."""
        unique = issuer if issuer is not None else f"pod-identity:{cluster}"
        return self.role_name or limits.default_role_name(
            self.controller.service, unique, self.namespace, self.service_account_name, cluster
        )


def resolve_controller(args: Mapping[str, Any]) -> ControllerSpec:
    """Defaults applied, every plain value checked; raises :class:`ArgsError` with all problems."""
    args, problems, controller = component_arguments(
        args, "{'service': 's3', 'oidc_provider': oidc}", CONTROLLER_ARGUMENTS
    )

    identity, cluster_name, extra_clusters = _identity_mode(args, problems)
    namespace, service_account, mode, deployment, subjects = _service_account(args, controller, problems)
    install = _install(args, controller, mode, problems)
    deployment = install.deployment_name if install else deployment  # the chart names its Deployment
    derived_policy = resolve_derived(args, controller, problems)
    managed, inline = resolve_permissions(args, controller, problems, derived_policy)
    warnings = tuple(derived_warnings(derived_policy) if derived_policy else _half_replaced(args, controller))
    warnings += tuple(install_warnings(install, controller))
    risks = resolve_risks(args, controller, managed, inline, problems, derived_policy=derived_policy)
    warnings += tuple(stale_acknowledgements(args, risks))
    cross_account, cross_mode, service_level = resolve_cross_account(args, controller, problems)
    _cross_account_values(install, cross_account, cross_mode, service_level, problems)
    if cross_account:
        _check_inline_total(args, inline, derived_policy, cross_account, identity != "irsa", problems)
    warnings += tuple(_cross_account_warnings(cross_account, cross_mode, service_level, install, mode))
    role_name = args.get("role_name")
    if role_name is not None and problems.plain("role_name", role_name, str, "a role name"):
        problems.check("role_name", limits.check_role_name, role_name)
    role_path = args.get("role_path", DEFAULT_ROLE_PATH)
    if problems.plain("role_path", role_path, str, "an IAM path such as /ack/"):
        problems.check("role_path", limits.check_role_path, role_path)
    boundary = args.get("permissions_boundary")
    if isinstance(boundary, str):
        problems.check("permissions_boundary", check_policy_arn, boundary)
    elif boundary is not None and not deploy_time(boundary):
        problems.add("permissions_boundary", f"must be an IAM policy ARN, got {shown(boundary)}")
    duration = args.get("max_session_duration", DEFAULT_SESSION_DURATION)
    if problems.plain("max_session_duration", duration, int, "a whole number of seconds"):
        problems.check("max_session_duration", limits.check_session_duration, duration)
    tags = checked_tags(args.get("tags"), problems)
    given_trust, inline_name, description = _as_found(args, problems)
    tagged = role_tags(tags, risks, any(has_wildcard(s) for s in subjects), problems)

    extra_providers = _extra_providers(args, problems)
    if identity == "pod_identity":
        _pod_identity_only(args, namespace, service_account, problems)
    else:
        _check_oidc_source(args, problems)
    trust_max = checked_quota(
        args, "trust_policy_max_chars", limits.TRUST_POLICY_MAX_CHARS, limits.TRUST_POLICY_QUOTA_MAX, problems
    )
    if given_trust is not None:
        problems.check(
            "trust_policy",
            lambda document: limits.check_size(
                policy_size(document), trust_max, "the trust policy", "trust_policy_max_chars"
            ),
            given_trust,
        )
    elif not problems:  # sizing needs well-formed ARNs and subjects
        association = _sized_association(identity, namespace, service_account, cluster_name, extra_clusters)
        _check_trust_size(args, identity, subjects, extra_providers, association, trust_max, problems)
    if problems:
        raise ArgsError(problems)
    return ControllerSpec(
        controller=controller,
        namespace=namespace,
        service_account_name=service_account,
        service_account_mode=mode,
        deployment_name=deployment,
        managed_policies=managed,
        inline_policy=inline,
        role_name=role_name,
        role_path=role_path,
        permissions_boundary=boundary,
        max_session_duration=duration,
        tags=tags,
        role_tags=tagged,
        subjects=tuple(subjects),
        extra_oidc_providers=extra_providers,
        trust_policy_max_chars=trust_max,
        warnings=warnings,
        derived_policy=derived_policy,
        risks=risks,
        identity=identity,
        cluster_name=cluster_name,  # None for IRSA alone (see _identity_mode)
        extra_cluster_names=extra_clusters,
        install=install,
        cross_account=cross_account,
        cross_account_mode=cross_mode,
        carm_service_level=service_level,
        trust_policy=given_trust,
        inline_policy_name=inline_name,
        role_description=description,
    )


def _as_found(args: Mapping[str, Any], problems: Problems) -> tuple[dict[str, Any] | None, str, str | None]:
    """What a role taken over keeps as it was: its trust policy, its inline policy's name, its description."""
    given_trust = _given_trust(args, problems)
    inline_name = args.get("inline_policy_name", DEFAULT_INLINE_POLICY_NAME)
    if problems.plain("inline_policy_name", inline_name, str, "an inline policy name") and not _POLICY_NAME.fullmatch(
        inline_name
    ):
        problems.add("inline_policy_name", f"must be 1 to 128 of A-Z a-z 0-9 +=,.@_-, got {shown(inline_name)}")
    elif inline_name == CROSS_ACCOUNT_POLICY_NAME:
        problems.add("inline_policy_name", f"{inline_name!r} is the cross-account policy's name; choose another")
    description = args.get("role_description")
    if (
        description is not None
        and problems.plain("role_description", description, str, "a description")
        and not _DESCRIPTION.fullmatch(description)
    ):
        problems.add(
            "role_description", f"must be at most 1,000 printable Latin-1 characters, got {shown(description)}"
        )
    return given_trust, inline_name, description


def _given_trust(args: Mapping[str, Any], problems: Problems) -> dict[str, Any] | None:
    """A trust policy given as it is (a JSON text or a document): an object with a ``Statement`` whose every
    statement has an ``Effect``, a principal and an action, as IAM requires of a trust policy."""
    value = args.get("trust_policy")
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            problems.add("trust_policy", f"is not valid JSON ({error.msg} at character {error.pos})")
            return None
    if not isinstance(value, Mapping) or not isinstance(value.get("Statement"), list | Mapping):
        problems.add("trust_policy", f"must be a trust policy document with a Statement, got {shown(value)}")
        return None
    if nonfinite := list(non_finite_numbers(value)):
        for path, message in nonfinite:
            problems.add(f"trust_policy.{path}", message)
        return None
    statements = value["Statement"]
    for index, statement in enumerate([statements] if isinstance(statements, Mapping) else statements):
        where = f"trust_policy.Statement[{index}]"
        if not isinstance(statement, Mapping):
            problems.add(where, f"must be an object, got {shown(statement)}")
            continue
        if statement.get("Effect") not in ("Allow", "Deny"):
            problems.add(f"{where}.Effect", f"must be 'Allow' or 'Deny', got {shown(statement.get('Effect'))}")
        if not ({"Principal", "NotPrincipal"} & set(statement)):
            problems.add(where, "names no Principal: a trust policy says who may assume the role")
        if not ({"Action", "NotAction"} & set(statement)):
            problems.add(where, "names no Action")
    return dict(value)


@dataclass(frozen=True)
class Install:
    """A controller installed with its ACK Helm chart, as a Helm release."""

    chart: str
    """``oci://public.ecr.aws/aws-controllers-k8s/<service>-chart``."""
    version: str
    release_name: str
    values: dict[str, Any]
    """The user's values; ack-irsa's own are merged over them by the component."""
    create_namespace: bool
    leader_election: bool = False
    """``leaderElection.enabled=true`` and ``leaderElection.namespace=kube-system``: the lease the capability shares."""
    replicas: int | None = None
    """``deployment.replicas``; None: the chart's (one). Zero hands the lease over to the capability."""

    @property
    def deployment_name(self) -> str:
        """The chart's name for its Deployment: the release name if it holds ``<service>-chart``, else
        ``<release>-<service>-chart`` (the chart's ``fullname`` helper)."""
        chart_name = self.chart.rsplit("/", 1)[-1]
        return self.release_name if chart_name in self.release_name else f"{self.release_name}-{chart_name}"


def _install(args: Mapping[str, Any], controller: catalog.Controller, mode: str, problems: Problems) -> Install | None:
    """The Helm install of the controller, checked: a released chart, a semver version, a release name
    Helm accepts, and values that are a map, of the types the chart's schema gives, leaving ack-irsa's own
    keys alone."""
    value = args.get("install", False)
    if value is False or value is None:
        return None
    if value is not True and not isinstance(value, Mapping):
        problems.add("install", f"must be true, false or an object with {', '.join(INSTALL_KEYS)}, got {shown(value)}")
        return None
    options: Mapping[str, Any] = {} if value is True else value
    for key in options:
        if key not in INSTALL_KEYS:
            problems.add(f"install.{key}", f"unknown key (known: {', '.join(INSTALL_KEYS)})")
    if mode != "patch":
        problems.add("service_account_mode", f"{mode!r} does not go with install: the chart creates the ServiceAccount")
    version = options.get("version", controller.chart_version)
    if version is None:
        problems.add("install", f"the {controller.service} controller has no released chart to install")
        return None
    if isinstance(version, int | float) and not isinstance(version, bool):
        problems.add(
            "install.version",
            f"must be a chart version as text (semver, e.g. {controller.chart_version!r}), got the number "
            f"{shown(version)}: YAML reads an unquoted 1.10 as the number 1.1; quote it",
        )
    elif not isinstance(version, str) or not _SEMVER.fullmatch(version):
        problems.add("install.version", f"{shown(version)} is not a chart version (semver, e.g. 1.2.3)")
    release = options.get("release_name", controller.release_name)
    if problems.plain("install.release_name", release, str, "a release name"):
        problems.check("install.release_name", limits.check_release_name, release)
    leader_election = options.get("leader_election", False)
    problems.plain("install.leader_election", leader_election, bool, "true or false")
    replicas = options.get("replicas")
    if replicas is not None and (not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0):
        problems.add("install.replicas", f"must be a whole number of replicas, 0 or more, got {shown(replicas)}")
    owned = {**OWNED_VALUES, **(_LEADER_ELECTION_OWNED if leader_election is True else {})}
    if replicas is not None:
        owned["deployment.replicas"] = _REPLICAS_OWNED
    values = _install_values(options.get("values", {}), owned, problems)
    create = options.get("create_namespace", True)
    problems.plain("install.create_namespace", create, bool, "true or false")
    chart = f"{CHART_REPOSITORY}/{controller.chart_key}-chart"
    return Install(chart, str(version), str(release), dict(values), bool(create), leader_election is True, replicas)


def _install_values(values: Any, owned_values: Mapping[str, str], problems: Problems) -> Mapping[str, Any]:
    """The chart values: a map (``""``, ``false``, ``0`` or ``[]`` are no map), of the types the chart's
    schema gives, leaving ack-irsa's own keys (``owned_values``, each with why) alone."""
    if not isinstance(values, Mapping):
        problems.add("install.values", f"must be a map of chart values, got {shown(values)}")
        return {}
    owned = list(_owned_paths(values, owned_values))
    for path in owned:
        why = next(
            w
            for key, w in owned_values.items()
            if path == key or path.startswith(f"{key}.") or key.startswith(f"{path}.")
        )
        problems.add(f"install.values.{path}", f"is set by ack-irsa ({why})")
    for path, message in chart_value_problems(values):
        if path not in owned:
            problems.add(f"install.values.{path}", message)
    return values


def install_warnings(install: Install | None, controller: catalog.Controller) -> Iterator[str]:
    """A chart version other than the catalog's: allowed (charts are released after the catalog was pinned),
    but neither its existence nor its values were checked against it."""
    known = controller.chart_version
    if install is not None and known and install.version != known and _SEMVER.fullmatch(install.version):
        yield (
            f"install.version: {install.version} is not the chart version the catalog knows for {controller.service} "
            f"({known}); Helm fails if it was never released, and its values were checked against {known}'s schema"
        )


CHART_VALUE_TYPES: dict[str, type | tuple[str, ...]] = {
    "enableCARM": bool,
    "enableCrossNamespace": bool,
    "installScope": ("cluster", "namespace"),
    "watchNamespace": str,
    "watchSelectors": str,
    "deletionPolicy": ("delete", "retain"),
    "resourceTags": list,
    "nameOverride": str,
    "fullNameOverride": str,
    "leaderElection": dict,
    "leaderElection.enabled": bool,
    "leaderElection.namespace": str,
    "featureGates": dict,
    "featureGates.*": bool,
    "log": dict,
    "log.enable_development_logging": bool,
    "log.level": str,
    "image": dict,
    "deployment": dict,
    "metrics": dict,
    "resources": dict,
    "reconcile": dict,
    "aws": dict,
    "serviceAccount": dict,
}
"""The types of the ACK chart values ack-irsa knows, from the charts' ``values.schema.json`` (the s3 chart's
v1.10.0, which every ACK chart shares): a value of another type is refused before Helm refuses it."""
_KIND_NAMES = {bool: "true or false", str: "a string", list: "a list", dict: "a map"}
_FORMS = {"featureGates": "a map of feature gates to true or false"}


def chart_value_problems(values: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(dotted path, message) for each known chart value of a type its schema forbids."""
    for path, kind, value in _typed(values):
        if kind is None:
            continue
        if isinstance(kind, tuple):
            if value not in kind or not isinstance(value, str):
                yield path, f"must be one of {', '.join(map(repr, kind))}, got {shown(value)}"
        elif not (isinstance(value, bool) if kind is bool else isinstance(value, kind) and not isinstance(value, bool)):
            unquote = "; write it without quotes" if kind is bool and value in ("true", "false") else ""
            form = _FORMS.get(path, f"{_KIND_NAMES[kind]} (the chart's schema)")
            yield path, f"must be {form}, got {shown(value)}{unquote}"


def _typed(
    values: Mapping[str, Any], parent: str | None = None
) -> Iterator[tuple[str, type | tuple[str, ...] | None, Any]]:
    """Every (dotted path, the schema's type or None, value) of nested chart values, maps included (two levels:
    the schema's depth). The type is looked up by the keys, not by the dotted path: a key may hold a dot itself
    (a feature gate ``a.b``), and a top-level key ``log.level`` is no ``level`` inside ``log``."""
    for key, value in values.items():
        if parent is None:
            path = str(key)
            kind = None if "." in path else CHART_VALUE_TYPES.get(path)
        else:
            path = f"{parent}.{key}"
            kind = CHART_VALUE_TYPES.get(path) or CHART_VALUE_TYPES.get(f"{parent}.*")
        yield path, kind, value
        if isinstance(value, Mapping) and parent is None:
            yield from _typed(value, path)


def _owned_paths(values: Mapping[str, Any], owned_values: Mapping[str, str], prefix: str = "") -> Iterator[str]:
    """The dotted paths in ``values`` that are, or lie inside, one of ``owned_values``."""
    for key, value in values.items():
        path = f"{prefix}{key}"
        if any(path == owned or path.startswith(f"{owned}.") for owned in owned_values):
            yield path
        elif any(owned.startswith(f"{path}.") for owned in owned_values):
            # A map is searched further; anything else here (``aws: x``) would be replaced by ack-irsa's map.
            yield from _owned_paths(value, owned_values, f"{path}.") if isinstance(value, Mapping) else [path]


def _identity_mode(args: Mapping[str, Any], problems: Problems) -> tuple[Identity, Any, tuple[str, ...]]:
    """(identity mode, the cluster's name for Pod Identity, other clusters the role admits)."""
    identity = args.get("identity", "irsa")
    if identity not in IDENTITIES:
        close = difflib.get_close_matches(str(identity), IDENTITIES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        problems.add("identity", f"{shown(identity)} is not one of 'irsa', 'pod_identity' or 'both'{hint}")
        identity = "irsa"
    cluster = args.get("cluster_name", getattr(args.get("oidc_provider"), "cluster_name", None))
    extras = listed(args, "extra_cluster_names", "EKS cluster names", problems)
    if identity == "irsa":
        if extras:
            problems.add("extra_cluster_names", "applies to Pod Identity only (identity 'pod_identity' or 'both')")
        return identity, None, ()
    if cluster is None:
        problems.add(
            "cluster_name",
            f"is required for identity {identity!r}: Pod Identity associates a ServiceAccount of a cluster, "
            "named by cluster_name (or a ClusterOidcProvider made with cluster_name)",
        )
    elif not deploy_time(cluster):
        problems.check("cluster_name", limits.check_cluster_name, cluster)
    for index, extra in enumerate(extras):
        if problems.check(f"extra_cluster_names[{index}]", _check_extra_cluster, extra) and (
            extra == cluster or extras.index(extra) != index
        ):
            problems.add(f"extra_cluster_names[{index}]", f"{shown(extra)} is listed already")
    return identity, cluster, tuple(extras)


def _check_extra_cluster(value: Any) -> None:
    """Another cluster the role admits: by its ARN (pinned so), or by its name (its region unknown)."""
    if isinstance(value, str) and value.startswith("arn:"):
        if not is_cluster_arn(value):
            raise ValueError(
                f"{shown(value)} is neither an EKS cluster name (1 to 100 letters, digits, '-' and '_') nor an EKS "
                f"cluster ARN ({CLUSTER_ARN_FORM})"
            )
        return
    limits.check_cluster_name(value)


def _pod_identity_only(args: Mapping[str, Any], namespace: Any, service_account: Any, problems: Problems) -> None:
    """What means nothing when the role trusts EKS Pod Identity alone: say so rather than ignore it."""
    if args.get("extra_oidc_providers"):
        problems.add(
            "extra_oidc_providers",
            "means nothing for identity 'pod_identity': the role trusts EKS Pod Identity, not OIDC providers; "
            "list other clusters in extra_cluster_names",
        )
    if args.get("extra_service_accounts"):
        problems.add(
            "extra_service_accounts",
            "means nothing for identity 'pod_identity': an association admits exactly one ServiceAccount",
        )
    if any(isinstance(v, str) and has_wildcard(v) for v in (namespace, service_account)):
        problems.add(
            "service_account_name",
            "a wildcard means nothing for identity 'pod_identity': an association names one ServiceAccount",
        )


def _service_account(
    args: Mapping[str, Any], controller: catalog.Controller, problems: Problems
) -> tuple[str, str, ServiceAccountMode, str, list[str]]:
    """Namespace, ServiceAccount, mode, Deployment to restart, and every trusted subject."""
    namespace = args.get("namespace", DEFAULT_NAMESPACE)
    service_account = args.get("service_account_name", controller.service_account_name)
    mode = args.get("service_account_mode", "patch")
    allow_wildcard = args.get("allow_wildcard_subject", False)
    if not problems.plain("allow_wildcard_subject", allow_wildcard, bool, "true or false"):
        allow_wildcard = False
    if mode not in SERVICE_ACCOUNT_MODES:
        problems.add("service_account_mode", f"{shown(mode)} is not one of 'patch', 'create' or 'none'")
    ok = problems.check("namespace", _subject_part(limits.check_dns_label, allow_wildcard), namespace)
    ok &= problems.check(
        "service_account_name", _subject_part(limits.check_dns_subdomain, allow_wildcard), service_account
    )
    pattern = ok and (has_wildcard(namespace) or has_wildcard(service_account))
    if pattern and mode != "none":
        problems.add("service_account_mode", "must be 'none' when the ServiceAccount is a wildcard pattern")

    deployment = args.get("deployment_name", controller.deployment_name)
    if mode == "none" or pattern:
        deployment = ""  # nothing on the cluster is touched
    elif deployment != "" and problems.plain("deployment_name", deployment, str, "a Deployment name"):
        problems.check("deployment_name", limits.check_dns_subdomain, deployment)

    subjects = [service_account_subject(str(namespace), str(service_account))]
    for index, pair in enumerate(listed(args, "extra_service_accounts", "'namespace:name' pairs", problems)):
        where = f"extra_service_accounts[{index}]"
        if problems.check(where, _pair_check(allow_wildcard), pair):
            subject = service_account_subject(*pair.split(":", 1))
            if subject in subjects:
                problems.add(where, f"{shown(pair)} is listed twice")
            else:
                subjects.append(subject)
    return namespace, service_account, mode, deployment, subjects


def _cross_account_values(
    install: Install | None,
    targets: Sequence[CrossAccountTarget],
    mode: CrossAccountMode,
    service_level: bool,
    problems: Problems,
) -> None:
    """User chart values that would switch off the cross-account wiring ack-irsa sets up."""
    if install is None or not targets:
        return
    values = install.values
    gates = values.get("featureGates", {})
    if not isinstance(gates, Mapping):
        gates = {}  # reported with the chart's value types
    if mode == "iam_role_selector":
        if values.get("enableCARM") is True:
            problems.add(
                "install.values.enableCARM",
                "must not be true in cross_account_mode 'iam_role_selector': the controller refuses to start with "
                "both (ack-irsa sets it false)",
            )
        if gates.get("IAMRoleSelector") is False:
            problems.add(
                "install.values.featureGates.IAMRoleSelector",
                "must not be false in cross_account_mode 'iam_role_selector'",
            )
        return
    if values.get("enableCARM") is False:
        problems.add(
            "install.values.enableCARM", "must not be false: cross_account uses CARM (cross_account_mode 'carm')"
        )
    if values.get("installScope", "cluster") == "namespace":  # another value is no scope at all: reported above
        problems.add(
            "install.values.installScope",
            "must be 'cluster' for CARM (the controller watches the target namespaces), "
            f"got {shown(values.get('installScope'))}",
        )
    if service_level and gates.get("ServiceLevelCARM") is False:
        problems.add("install.values.featureGates.ServiceLevelCARM", "must not be false with carm_service_level")


def _cross_account_warnings(
    targets: Sequence[CrossAccountTarget],
    mode: CrossAccountMode,
    service_level: bool,
    install: Install | None,
    service_account_mode: str,
) -> Iterator[str]:
    """What a controller installed by someone else must be started with."""
    if not targets or install is not None or service_account_mode == "none":
        return
    start = "cross_account: the controller is not installed by ack-irsa; start it with"
    if mode == "iam_role_selector":
        yield f"{start} featureGates.IAMRoleSelector=true and enableCARM=false"
    elif service_level:
        yield f"{start} featureGates.ServiceLevelCARM=true"


LONGEST_PARTITION = "aws-us-gov"
"""The longest partition name: the cross-account policy of roles named without an ARN is sized in it offline."""


def _check_inline_total(  # noqa: PLR0917 - the role's inline policies, as resolved above
    args: Mapping[str, Any],
    inline: Any,
    derived_policy: DerivedPolicy | None,
    targets: Sequence[CrossAccountTarget],
    pod_identity: bool,
    problems: Problems,
) -> None:
    """The role's inline policies together (derived, recommended or given, and ``ack-cross-account``) against
    IAM's limit for all of them, as IAM counts (compact JSON). A target named without an ARN is sized in the
    longest partition (the stack's is known at deploy time, where the sum is counted again). The key named is
    the inline policy the user gave, else the cross-account list."""
    sizes = [policy_size(derived_policy.document)] if derived_policy is not None else []
    sizes += [policy_size(inline)] if isinstance(inline, Mapping) else []
    if not sizes:
        return
    sizes.append(policy_size(assume_policy([t.role_arn(LONGEST_PARTITION) for t in targets], pod_identity)))
    estimate = any(t.partition is None for t in targets)
    key = "inline_policy" if isinstance(inline, Mapping) and "inline_policy" in args else "cross_account"
    why = f"with the {CROSS_ACCOUNT_POLICY_NAME} policy"
    problems.check(key, lambda parts: limits.check_inline_total(parts, why, estimate), sizes)


def _half_replaced(args: Mapping[str, Any], controller: catalog.Controller) -> Iterator[str]:
    """Replacing the recommended managed policies leaves the recommended inline policy in place, and the
    other way round (s3's inline policy allows s3:* whatever managed policies replace AmazonS3FullAccess):
    say so where the decision is reviewed."""
    if "policy_arns" in args and "inline_policy" not in args and controller.inline_policy is not None:
        actions = summary(allowed_actions(controller.inline_policy))
        yield (
            f"the managed policies are given, but the recommended inline policy stays and allows {actions}; "
            "give an inline policy to replace it, or an empty one to drop it"
        )
    if "inline_policy" in args and "policy_arns" not in args and controller.managed_policies:
        yield (
            f"the inline policy is given, but the recommended managed policies stay: "
            f"{summary(list(controller.managed_policies))}; give the managed policies to replace them, or "
            "an empty list to drop them"
        )


def _subject_part(checker: Callable[[str], None], allow_wildcard: bool) -> Callable[[Any], None]:
    """A namespace or ServiceAccount name check that knows about wildcard patterns."""

    def check(value: Any) -> None:
        if deploy_time(value):
            raise ValueError("must be a plain string known before deploying, not a Pulumi Output")
        if not isinstance(value, str):
            raise ValueError(f"{shown(value)} is not a string")
        if not has_wildcard(value):
            checker(value)
        elif not allow_wildcard:
            raise ValueError(WILDCARD_REFUSED.format(value=shown(value)))
        else:
            checker(value.replace("*", "x").replace("?", "x"))

    return check


def _pair_check(allow_wildcard: bool) -> Callable[[Any], None]:
    def check(pair: Any) -> None:
        namespace, _, name = str(pair).partition(":")
        if not isinstance(pair, str) or not namespace or not name:
            raise ValueError(f"{shown(pair)} is not a 'namespace:serviceaccount' pair")
        _subject_part(limits.check_dns_label, allow_wildcard)(namespace)
        _subject_part(limits.check_dns_subdomain, allow_wildcard)(name)

    return check


def _misspelt(args: Mapping[str, Any], names: Sequence[str]) -> bool:
    """Whether an unknown argument is a misspelling of one of ``names`` (its unknown-argument problem says so)."""
    return any(key not in CONTROLLER_ARGUMENTS and difflib.get_close_matches(str(key), names, n=1) for key in args)


def _check_oidc_source(args: Mapping[str, Any], problems: Problems) -> None:
    """The cluster's provider: a ClusterOidcProvider, or a provider ARN with the issuer it names, optionally."""
    provider, arn, issuer = args.get("oidc_provider"), args.get("oidc_provider_arn"), args.get("oidc_issuer")
    if provider is not None:
        if arn is not None or issuer is not None:
            problems.add("oidc_provider", "give either oidc_provider or oidc_provider_arn/oidc_issuer, not both")
        elif not hasattr(provider, "arn"):
            problems.add("oidc_provider", f"must be a ClusterOidcProvider, got {shown(provider)}")
        return
    if arn is None:
        if not _misspelt(args, ("oidc_provider", "oidc_provider_arn")):  # else that is the one problem to name
            problems.add("oidc_provider", "is required: give a ClusterOidcProvider, or oidc_provider_arn")
            if issuer is not None:
                problems.add("oidc_issuer", "goes with oidc_provider_arn")
        return
    plain = [
        problems.plain(name, value, str, "a string")
        for name, value in (("oidc_provider_arn", arn), ("oidc_issuer", issuer))
        if value is not None and not deploy_time(value)
    ]
    if (
        not all(plain)
        or not isinstance(arn, str)
        or not problems.check("oidc_provider_arn", check_oidc_provider_arn, arn)
    ):
        return
    if isinstance(issuer, str) and issuer_host(issuer) != issuer_of_provider_arn(arn):
        problems.add("oidc_issuer", f"{shown(issuer)} is not the issuer of {shown(arn)}")


def _extra_providers(args: Mapping[str, Any], problems: Problems) -> tuple[Any, ...]:
    """Other clusters' providers: well-formed, each listed once, none the primary one again, and all
    in the primary's partition where the ARNs are known now."""
    providers = listed(args, "extra_oidc_providers", "OIDC provider ARNs or ClusterOidcProviders", problems)
    primary_arn, _ = _primary_source(args)
    seen = {primary_arn: "the cluster's own provider"} if isinstance(primary_arn, str) else {}
    primary = parsed_or_none(primary_arn)
    for index, provider in enumerate(providers):
        where = f"extra_oidc_providers[{index}]"
        arn = _oidc_source(provider)[0]
        if not problems.check(where, _check_extra_provider, provider) or not isinstance(arn, str):
            continue
        if arn in seen:
            problems.add(where, f"{shown(arn)} is already trusted ({seen[arn]})")
        elif primary is not None and (partition := parsed_or_none(arn)) and partition.partition != primary.partition:
            problems.add(
                where, f"{shown(arn)} is in partition {partition.partition!r}, the cluster's is {primary.partition!r}"
            )
        seen.setdefault(arn, f"extra_oidc_providers[{index}]")
    return providers


EKS_ISSUER = re.compile(
    r"oidc\.eks\.[a-z]{2,4}(-[a-z]+)+-[0-9]+\.amazonaws\.com(\.cn)?/id/([0-9A-Z]{32}|<cluster-id>)", re.ASCII
)
"""An EKS cluster's issuer (without ``https://``): its region's ``oidc.eks`` host and the cluster's 32-character
ID (the offline plan's placeholder ID included)."""


def extra_provider_warnings(primary_arn: str, extras: Sequence[str], subjects: Sequence[str]) -> Iterator[str]:
    """What to warn of in the extra providers, once their ARNs are known: one in another account than the
    cluster's provider (the role's account), and one whose issuer is not of EKS's shape. Neither is refused: a
    self-managed cluster has an issuer of its own, and the role trusts the providers it is given (decision 108).
    An account that is not 12 digits (the offline plan's placeholder) is no account to compare with."""
    own = parsed_or_none(primary_arn)
    for index, arn in enumerate(extras):
        where = f"extra_oidc_providers[{index}]"
        parsed = parsed_or_none(arn)
        if parsed is None:
            continue
        if own is not None and own.account.isdigit() and parsed.account.isdigit() and parsed.account != own.account:
            yield (
                f"{where}: {shown(arn)} is in account {parsed.account}, not the role's ({own.account}): the role "
                "would trust an identity provider another account controls; create the provider in the role's "
                "account and list that one"
            )
        issuer = issuer_of_provider_arn(arn)
        if not EKS_ISSUER.fullmatch(issuer):
            yield (
                f"{where}: {shown(issuer)} is not an EKS cluster's issuer (oidc.eks.<region>.amazonaws.com/id/<ID>): "
                f"the role trusts every token it signs for {', '.join(subjects)}; list it only if it is a "
                "self-managed cluster's issuer"
            )


def _check_extra_provider(provider: Any) -> None:
    if isinstance(provider, str):
        check_oidc_provider_arn(provider)
    elif not deploy_time(provider) and not hasattr(provider, "arn"):  # hasattr would lift an Output's
        raise ValueError(f"{shown(provider)} is neither a ClusterOidcProvider nor an OIDC provider ARN")


def _primary_source(args: Mapping[str, Any]) -> tuple[Any, Any]:
    if args.get("oidc_provider") is not None:
        return _oidc_source(args["oidc_provider"])
    return args.get("oidc_provider_arn"), args.get("oidc_issuer")


def _oidc_source(source: Any) -> tuple[Any, Any]:
    """(provider ARN, issuer) of a ClusterOidcProvider or a provider ARN, where known without deploying."""
    if isinstance(source, str):
        return source, None
    if deploy_time(source):  # an Output lifts every attribute: known_arn would be one too
        return None, None
    return getattr(source, "known_arn", None), getattr(source, "known_issuer", None)


def _sized_association(
    identity: Identity, namespace: str, service_account: str, cluster: Any, extras: tuple[str, ...]
) -> TrustedAssociation | None:
    """The Pod Identity part of the trust, for sizing: the cluster's ARN, whose partition and region are known
    only at deploy time, counts as the longest (and a name known only then as the longest EKS allows)."""
    if identity == "irsa":
        return None
    name = cluster if isinstance(cluster, str) else LONGEST_CLUSTER_NAME
    return TrustedAssociation(namespace, service_account, (_longest_cluster_arn(name), *extras))


def _longest_cluster_arn(name: str) -> str:
    longest_region = max((r for regions in partitions().values() for r in regions), key=len)
    return cluster_arn(LONGEST_PARTITION, longest_region, "0" * 12, name)


def _check_trust_size(  # noqa: PLR0917 - the parts of the trust policy, resolved above
    args: Mapping[str, Any],
    identity: Identity,
    subjects: Sequence[str],
    extra_providers: Sequence[Any],
    association: TrustedAssociation | None,
    limit: int,
    problems: Problems,
) -> None:
    sources = [_primary_source(args), *(_oidc_source(p) for p in extra_providers)] if identity != "pod_identity" else []
    problems.check("", _trust_size_check(sources, subjects, association, limit), None)


def _trust_size_check(
    sources: Sequence[tuple[Any, Any]],
    subjects: Sequence[str],
    association: TrustedAssociation | None,
    limit: int,
) -> Callable[[Any], None]:
    """Sizes the trust policy with what is known before deploying; what is not (a provider's ARN, an
    issuer, a cluster's name) is sized at its longest, and the message then says "would be up to"."""

    def check(_: Any) -> None:
        sized = [_sizing(arn, issuer) for arn, issuer in sources]
        trusted = [TrustedIssuer(arn, issuer, tuple(subjects)) for arn, issuer, _ in sized]
        size = policy_size(trust_policy(trusted, association))
        estimate = any(estimated for _, _, estimated in sized)
        estimate |= association is not None  # the cluster's ARN, sized at its longest
        limits.check_size(size, limit, "the trust policy", "trust_policy_max_chars", estimate=estimate)

    return check


def _sizing(arn: Any, issuer: Any) -> tuple[str, str, bool]:
    """(provider ARN, issuer, whether either is a longest-case stand-in)."""
    if isinstance(issuer, str):
        host = issuer_host(issuer)
    elif isinstance(arn, str):
        host = issuer_of_provider_arn(arn)
    else:
        host = WORST_CASE_ISSUER
    if isinstance(arn, str):
        return arn, host, host == WORST_CASE_ISSUER
    return f"arn:aws-us-gov:iam::000000000000:oidc-provider/{host}", host, True
