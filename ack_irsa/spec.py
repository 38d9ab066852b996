"""Resolve and check component arguments before anything is created.

``resolve_controller`` and ``resolve_oidc_provider`` turn a caller's arguments into specs of
plain, defaulted, checked values (catalog lookups done), or raise :class:`ArgsError` listing
every problem at once. Values only known at deploy time (Pulumi Outputs) pass through; the
components check them when they resolve. No Pulumi import: table-tested without mocks, and
shared by the Python API and the stack config, so both give the same answers.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ack_irsa import catalog, limits
from ack_irsa.accounts import (
    ACCOUNT_ID,
    CROSS_ACCOUNT_MODES,
    CarmGrant,
    CrossAccountMode,
    CrossAccountTarget,
    check_account_id,
    parse_role_arn,
)
from ack_irsa.arns import (
    check_oidc_provider_arn,
    check_policy_arn,
    issuer_of_provider_arn,
    parsed_or_none,
    policy_key,
)
from ack_irsa.errors import shown
from ack_irsa.policies import (
    PolicyGrammarError,
    allowed_actions,
    issuer_host,
    parse_policy_document,
    policy_size,
    summary,
)
from ack_irsa.risks import (
    RISKS,
    Risk,
    aws_managed_policy_risks,
    document_risks,
    recommended_inline_risks,
)
from ack_irsa.trust import (
    IDENTITIES,
    STS_AUDIENCE,
    Identity,
    TrustedAssociation,
    TrustedIssuer,
    has_wildcard,
    service_account_subject,
    trust_policy,
)

ServiceAccountMode = Literal["patch", "create", "none"]
SERVICE_ACCOUNT_MODES: tuple[ServiceAccountMode, ...] = ("patch", "create", "none")
DEFAULT_NAMESPACE = "ack-system"
DEFAULT_ROLE_PATH = "/"
DEFAULT_SESSION_DURATION = 3600

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
)
CROSS_ACCOUNT_KEYS = ("account_id", "role_name", "role_arn", "namespaces", "manage_role", "provider")
INSTALL_KEYS = ("version", "release_name", "values", "create_namespace")
CHART_REPOSITORY = "oci://public.ecr.aws/aws-controllers-k8s"
"""Where ACK publishes its controller charts (``<repository>/<service>-chart``)."""
OWNED_VALUES = (
    "aws.region",
    "serviceAccount.create",
    "serviceAccount.name",
    "serviceAccount.annotations",
    "deployment.annotations",
)
"""Chart values ack-irsa sets itself: a value given for one of them (or inside one) is refused."""
_SEMVER = re.compile(
    r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?", re.ASCII
)
OIDC_ARGUMENTS = ("cluster_name", "issuer_url", "provider_arn", "client_ids", "thumbprints", "retain_on_delete", "tags")
_CREATE_ONLY = ("client_ids", "thumbprints", "retain_on_delete", "tags")

WILDCARD_REFUSED = (
    "{value} contains a wildcard, which would let every matching ServiceAccount assume the role; "
    "set allow_wildcard_subject to true to accept it (then only sub uses StringLike, aud stays StringEquals)"
)


@dataclass(frozen=True)
class Problem:
    field: str
    """The argument at fault (snake_case, with an index for list items: ``extra_policy_arns[1]``);
    empty when the problem is the combination of several."""
    message: str


class ArgsError(ValueError):
    """Every problem found in one set of arguments; ``str()`` gives one per line, prefixed by ``where``."""

    def __init__(self, problems: Sequence[Problem], where: str = "") -> None:
        self.problems = list(problems)
        super().__init__("\n".join(f"{where}{p.field or ''}{': ' if p.field else ''}{p.message}" for p in problems))


class _Problems(list[Problem]):
    def add(self, field: str, message: str) -> None:
        self.append(Problem(field, message))

    def check(self, field: str, checker: Callable[[Any], object], value: Any) -> bool:
        try:
            checker(value)
        except ValueError as error:
            self.add(field, str(error))
            return False
        return True

    def plain(self, field: str, value: Any, kind: type | tuple[type, ...], form: str) -> bool:
        """``value`` is of ``kind`` and known now: a Pulumi Output or another type is a problem."""
        if isinstance(value, bool) if kind is bool else isinstance(value, kind) and not isinstance(value, bool):
            return True
        if _deploy_time(value):
            self.add(field, f"must be {form} known before deploying, not a Pulumi Output (it is checked up front)")
        else:
            self.add(field, f"must be {form}, got {shown(value)}")
        return False

    def unknown_arguments(self, args: Mapping[str, Any], known: Sequence[str]) -> None:
        for name in args:
            if name not in known:
                close = difflib.get_close_matches(str(name), known, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(known)})"
                self.add(str(name), "unknown argument" + hint)


@dataclass(frozen=True)
class PolicyRef:
    """A managed policy to attach: an AWS-managed policy by name (rendered for the stack's
    partition), or an ARN the caller gave (a plain string or a Pulumi Output)."""

    aws_managed_name: str | None = None
    arn: Any = None


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
    subjects: tuple[str, ...]
    """Every ``system:serviceaccount:<ns>:<name>`` the role admits, the primary one first."""
    extra_oidc_providers: tuple[Any, ...]
    """Other clusters' OIDC providers (ClusterOidcProvider or provider ARN) admitting the same subjects."""
    trust_policy_max_chars: int
    warnings: tuple[str, ...] = ()
    """What a reviewer should know: half of the recommendation replaced while the other half stays."""
    risks: tuple[Risk, ...] = ()
    """Broad grants of the role's policies (:mod:`ack_irsa.risks`), acknowledged or not."""
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


def _deploy_time(value: Any) -> bool:
    """A Pulumi Output (or another awaitable input), known only at deploy time."""
    return hasattr(value, "apply") and hasattr(value, "future")


def _mapping(args: Any, component: str) -> Mapping[str, Any]:
    if not isinstance(args, Mapping):
        raise ArgsError([Problem("", f"the arguments must be a mapping such as {component}, got {shown(args)}")])
    return args


def _arguments(
    args: Any, component: str, known: Sequence[str]
) -> tuple[Mapping[str, Any], _Problems, catalog.Controller]:
    """The arguments as a mapping, the unknown ones reported, and the controller their ``service`` names
    (without which nothing else can be checked: an :class:`ArgsError` at once)."""
    args = _mapping(args, component)
    problems = _Problems()
    problems.unknown_arguments(args, known)
    service = args.get("service")
    try:
        if service is None or service == "":
            raise ValueError("is required (an ACK service name such as 's3')")
        if not isinstance(service, str):
            raise ValueError(f"must be an ACK service name such as 's3', got {shown(service)}")
        return args, problems, catalog.get(service)
    except ValueError as error:
        raise ArgsError([*problems, Problem("service", str(error))]) from None


def resolve_controller(args: Mapping[str, Any]) -> ControllerSpec:
    """Defaults applied, every plain value checked; raises :class:`ArgsError` with all problems."""
    args, problems, controller = _arguments(args, "{'service': 's3', 'oidc_provider': oidc}", CONTROLLER_ARGUMENTS)

    identity, cluster_name, extra_clusters = _identity_mode(args, problems)
    namespace, service_account, mode, deployment, subjects = _service_account(args, controller, problems)
    install = _install(args, controller, mode, problems)
    deployment = install.deployment_name if install else deployment  # the chart names its Deployment
    managed, inline = _permissions(args, controller, problems)
    warnings = tuple(_half_replaced(args, controller))
    risks = _risks(args, controller, managed, inline, problems)
    cross_account, cross_mode, service_level = _cross_account(args, controller, problems)
    _cross_account_values(install, cross_account, cross_mode, service_level, problems)
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
    elif boundary is not None and not _deploy_time(boundary):
        problems.add("permissions_boundary", f"must be an IAM policy ARN, got {shown(boundary)}")
    duration = args.get("max_session_duration", DEFAULT_SESSION_DURATION)
    if problems.plain("max_session_duration", duration, int, "a whole number of seconds"):
        problems.check("max_session_duration", limits.check_session_duration, duration)
    tags = _tags(args.get("tags"), problems)

    extra_providers = _extra_providers(args, problems)
    if identity == "pod_identity":
        _pod_identity_only(args, namespace, service_account, problems)
    else:
        _check_oidc_source(args, problems)
    trust_max = _quota(
        args, "trust_policy_max_chars", limits.TRUST_POLICY_MAX_CHARS, limits.TRUST_POLICY_QUOTA_MAX, problems
    )
    if not problems:  # sizing needs well-formed ARNs and subjects
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
        subjects=tuple(subjects),
        extra_oidc_providers=extra_providers,
        trust_policy_max_chars=trust_max,
        warnings=warnings,
        risks=risks,
        identity=identity,
        cluster_name=cluster_name,  # None for IRSA alone (see _identity_mode)
        extra_cluster_names=extra_clusters,
        install=install,
        cross_account=cross_account,
        cross_account_mode=cross_mode,
        carm_service_level=service_level,
    )


def _tags(value: Any, problems: _Problems) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.plain("tags", value, dict, "a mapping of tag keys to values")
        return {}
    problems.check("tags", limits.check_tags, value)
    return dict(value)


def _quota(args: Mapping[str, Any], name: str, default: int, maximum: int, problems: _Problems) -> int:
    value = args.get(name, default)
    what = name.removesuffix("_max_chars").removesuffix("_per_role").replace("_", " ")
    problems.check(name, limits.quota_check(default, maximum, what), value)
    return value if isinstance(value, int) else default


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

    @property
    def deployment_name(self) -> str:
        """The chart's name for its Deployment: the release name if it holds ``<service>-chart``, else
        ``<release>-<service>-chart`` (the chart's ``fullname`` helper)."""
        chart_name = self.chart.rsplit("/", 1)[-1]
        return self.release_name if chart_name in self.release_name else f"{self.release_name}-{chart_name}"


def _install(args: Mapping[str, Any], controller: catalog.Controller, mode: str, problems: _Problems) -> Install | None:
    """The Helm install of the controller, checked: a released chart, a semver version, a release name
    Kubernetes accepts, and values that leave ack-irsa's own keys alone."""
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
    if not isinstance(version, str) or not _SEMVER.fullmatch(version):
        problems.add("install.version", f"{shown(version)} is not a chart version (semver, e.g. 1.2.3)")
    release = options.get("release_name", controller.release_name)
    if problems.plain("install.release_name", release, str, "a release name"):
        problems.check("install.release_name", limits.check_dns_label, release)
    values = options.get("values") or {}
    if not isinstance(values, Mapping):
        problems.add("install.values", f"must be a map of chart values, got {shown(values)}")
        values = {}
    for owned in _owned_paths(values):
        problems.add(f"install.values.{owned}", "is set by ack-irsa (from the role, the identity and the stack)")
    create = options.get("create_namespace", True)
    problems.plain("install.create_namespace", create, bool, "true or false")
    chart = f"{CHART_REPOSITORY}/{controller.chart_key}-chart"
    return Install(chart, str(version), str(release), dict(values), bool(create))


def _owned_paths(values: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """The dotted paths in ``values`` that are, or lie inside, one of :data:`OWNED_VALUES`."""
    for key, value in values.items():
        path = f"{prefix}{key}"
        if any(path == owned or path.startswith(f"{owned}.") for owned in OWNED_VALUES):
            yield path
        elif any(owned.startswith(f"{path}.") for owned in OWNED_VALUES):
            # A map is searched further; anything else here (``aws: x``) would be replaced by ack-irsa's map.
            yield from _owned_paths(value, f"{path}.") if isinstance(value, Mapping) else [path]


def _identity_mode(args: Mapping[str, Any], problems: _Problems) -> tuple[Identity, Any, tuple[str, ...]]:
    """(identity mode, the cluster's name for Pod Identity, other clusters the role admits)."""
    identity = args.get("identity", "irsa")
    if identity not in IDENTITIES:
        close = difflib.get_close_matches(str(identity), IDENTITIES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        problems.add("identity", f"{shown(identity)} is not one of 'irsa', 'pod_identity' or 'both'{hint}")
        identity = "irsa"
    cluster = args.get("cluster_name", getattr(args.get("oidc_provider"), "cluster_name", None))
    extras = _list(args, "extra_cluster_names", "EKS cluster names", problems)
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
    elif not _deploy_time(cluster):
        problems.check("cluster_name", limits.check_cluster_name, cluster)
    for index, extra in enumerate(extras):
        if problems.check(f"extra_cluster_names[{index}]", limits.check_cluster_name, extra) and (
            extra == cluster or extras.index(extra) != index
        ):
            problems.add(f"extra_cluster_names[{index}]", f"{shown(extra)} is listed already")
    return identity, cluster, tuple(extras)


def _pod_identity_only(args: Mapping[str, Any], namespace: Any, service_account: Any, problems: _Problems) -> None:
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
    args: Mapping[str, Any], controller: catalog.Controller, problems: _Problems
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
    for index, pair in enumerate(_list(args, "extra_service_accounts", "'namespace:name' pairs", problems)):
        where = f"extra_service_accounts[{index}]"
        if problems.check(where, _pair_check(allow_wildcard), pair):
            subject = service_account_subject(*pair.split(":", 1))
            if subject in subjects:
                problems.add(where, f"{shown(pair)} is listed twice")
            else:
                subjects.append(subject)
    return namespace, service_account, mode, deployment, subjects


def _list(args: Mapping[str, Any], name: str, form: str, problems: _Problems) -> tuple[Any, ...]:
    """A list argument; a string or another single value is a problem (not a list of its characters)."""
    value = args.get(name, ())
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
        problems.add(name, f"must be a list of {form}, got {shown(value)}")
        return ()
    return tuple(value)


def _permissions(
    args: Mapping[str, Any], controller: catalog.Controller, problems: _Problems
) -> tuple[dict[str, PolicyRef], Any]:
    """Managed policies to attach (keyed) and the inline policy, recommended ones unless replaced."""
    reported = len(problems)
    if "policy_arns" in args:
        managed = _policy_refs(args["policy_arns"], "policy_arns", problems)
    else:
        managed = {name.rpartition("/")[2]: PolicyRef(aws_managed_name=name) for name in controller.managed_policies}
    for key, ref in _policy_refs(args.get("extra_policy_arns", ()), "extra_policy_arns", problems).items():
        managed.setdefault(key, ref)  # already attached (a recommended policy): once is enough
    quota = _quota(
        args, "managed_policies_per_role", limits.MANAGED_POLICIES_PER_ROLE, limits.MANAGED_POLICIES_QUOTA_MAX, problems
    )
    if len(managed) > quota:
        problems.add(
            "extra_policy_arns" if "extra_policy_arns" in args else "policy_arns",
            f"{len(managed)} managed policies for one role; the quota is {quota}"
            " (if your account's quota is higher, set managed_policies_per_role)",
        )

    inline = _inline_policy(args, controller, problems)
    if not managed and inline is None and len(problems) == reported:  # else a knock-on of what was reported
        problems.add("policy_arns", _no_policy_message(controller))
    return managed, inline


def _risks(
    args: Mapping[str, Any],
    controller: catalog.Controller,
    managed: Mapping[str, PolicyRef],
    inline: Any,
    problems: _Problems,
) -> tuple[Risk, ...]:
    """The broad grants of the role's policies, and which of them the caller acknowledged."""
    found: list[tuple[str, str, str]] = []
    for ref in managed.values():
        if name := ref.aws_managed_name or _aws_managed_name(ref.arn):
            found += [(i, f"managed policy {name}", d) for i, d in aws_managed_policy_risks(name.rpartition("/")[2])]
    if "inline_policy" not in args:
        found += [(i, "the inline policy", d) for i, d in recommended_inline_risks(controller.service)]
    elif isinstance(inline, Mapping):
        found += [(i, "the inline policy", d) for i, d in document_risks(inline)]
    ids = sorted({i for i, _, _ in found})
    acknowledged = _list(args, "acknowledge_risks", "risk ids", problems)
    for index, risk in enumerate(acknowledged):
        where = f"acknowledge_risks[{index}]"
        if risk not in RISKS:
            problems.add(where, f"{shown(risk)} is not a risk id ({', '.join(RISKS)})")
        elif risk not in ids:
            has = f"its risks: {', '.join(ids)}" if ids else "it has none"
            problems.add(where, f"{risk!r} is not a risk of this controller ({has}); drop it")
    return tuple(Risk(i, source, detail, i in acknowledged) for i, source, detail in found)


def _aws_managed_name(arn: Any) -> str | None:
    """The name (with its path) of an AWS-managed policy given by ARN; None for any other policy."""
    parsed = parsed_or_none(arn)
    return parsed.resource.removeprefix("policy/") if parsed and parsed.account == "aws" else None


def _cross_account(
    args: Mapping[str, Any], controller: catalog.Controller, problems: _Problems
) -> tuple[tuple[CrossAccountTarget, ...], CrossAccountMode, bool]:
    """The accounts the controller manages resources in, checked one by one and against each other."""
    mode = args.get("cross_account_mode", "carm")
    if mode not in CROSS_ACCOUNT_MODES:
        close = difflib.get_close_matches(str(mode), CROSS_ACCOUNT_MODES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        problems.add("cross_account_mode", f"must be 'carm' or 'iam_role_selector', got {shown(mode)}{hint}")
        mode = "carm"
    service_level = args.get("carm_service_level", False)
    problems.plain("carm_service_level", service_level, bool, "true or false")
    level = service_level is True
    value = args.get("cross_account") or []
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
        problems.add(
            "cross_account", f"must be a list of {{account_id, role_name or role_arn, namespaces}}, got {shown(value)}"
        )
        return (), mode, level
    targets: list[CrossAccountTarget] = []
    for index, entry in enumerate(value):
        target = _target(f"cross_account[{index}]", entry, controller, problems)
        if target is not None:
            targets.append(target)
    _targets_together(targets, mode, problems)
    return tuple(targets), mode, level


def _target(where: str, entry: Any, controller: catalog.Controller, problems: _Problems) -> CrossAccountTarget | None:
    if not isinstance(entry, Mapping):
        problems.add(where, f"must be a map with account_id, role_name or role_arn, and namespaces, got {shown(entry)}")
        return None
    before = len(problems)
    for key in entry:
        if key not in CROSS_ACCOUNT_KEYS:
            close = difflib.get_close_matches(str(key), CROSS_ACCOUNT_KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(CROSS_ACCOUNT_KEYS)})"
            problems.add(f"{where}.{key}", "unknown key" + hint)
    account = entry.get("account_id")
    if account is None:
        problems.add(f"{where}.account_id", "is required (the 12-digit ID of the account to manage resources in)")
    elif problems.plain(f"{where}.account_id", account, str, "a 12-digit AWS account ID in quotes"):
        problems.check(f"{where}.account_id", check_account_id, account)
    role = _target_role(where, entry, account, problems)
    namespaces = _target_namespaces(where, entry.get("namespaces"), problems)
    manage = _managed_role(where, entry, controller, problems)
    if len(problems) > before or role is None:
        return None
    name, path, partition = role
    return CrossAccountTarget(str(account), name, path, partition, namespaces, manage, entry.get("provider"))


def _target_role(
    where: str, entry: Mapping[str, Any], account: Any, problems: _Problems
) -> tuple[str, str, str | None] | None:
    """(role name, path, partition) of a target: from ``role_name``, or from ``role_arn``, whose account
    must be the target's; None when neither is usable."""
    name, arn = entry.get("role_name"), entry.get("role_arn")
    if (name is None) == (arn is None):
        problems.add(
            where, "give role_name or role_arn" + (", not both" if name is not None else " (the role to assume)")
        )
    elif name is not None:
        plain = problems.plain(f"{where}.role_name", name, str, "a role name")
        if plain and problems.check(f"{where}.role_name", limits.check_role_name, name):
            return name, DEFAULT_ROLE_PATH, None
    elif problems.plain(f"{where}.role_arn", arn, str, "an IAM role ARN"):
        try:
            partition, arn_account, path, role = parse_role_arn(str(arn))
        except ValueError as error:
            problems.add(f"{where}.role_arn", str(error))
            return None
        if isinstance(account, str) and ACCOUNT_ID.fullmatch(account) and arn_account != account:
            problems.add(f"{where}.role_arn", f"is a role in account {arn_account}, but account_id is {account}")
            return None
        return role, path, partition
    return None


def _target_namespaces(where: str, namespaces: Any, problems: _Problems) -> tuple[str, ...]:
    if not isinstance(namespaces, Sequence) or isinstance(namespaces, str | bytes) or not namespaces:
        form = "must list the namespaces whose resources go to this account"
        problems.add(f"{where}.namespaces", f"{form}, got {shown(namespaces)}")
        return ()
    for position, namespace in enumerate(namespaces):
        if problems.plain(f"{where}.namespaces[{position}]", namespace, str, "a namespace name"):
            problems.check(f"{where}.namespaces[{position}]", limits.check_dns_label, namespace)
    if len(set(map(str, namespaces))) != len(namespaces):
        problems.add(f"{where}.namespaces", "lists a namespace twice")
    return tuple(map(str, namespaces))


def _managed_role(where: str, entry: Mapping[str, Any], controller: catalog.Controller, problems: _Problems) -> bool:
    """Whether the stack makes the target role itself (through the target account's provider)."""
    manage, provider = entry.get("manage_role", False), entry.get("provider")
    problems.plain(f"{where}.manage_role", manage, bool, "true or false")
    if manage is True and provider is None:
        problems.add(f"{where}.provider", "is required with manage_role: the AWS provider of the target account")
    elif manage is not True and provider is not None:
        problems.add(f"{where}.provider", "is used only with manage_role: true (otherwise the role is made elsewhere)")
    if manage is True and not controller.has_recommended_policy:
        problems.add(
            f"{where}.manage_role",
            f"the target role gets the recommended policies, and the {controller.service} controller has none; "
            "make the role with TargetAccountRole and policy_arns or inline_policy",
        )
    return manage is True


def _targets_together(targets: Sequence[CrossAccountTarget], mode: str, problems: _Problems) -> None:
    """One namespace goes to one account; CARM maps an account to one role; one partition for all."""
    owner: dict[str, tuple[int, str]] = {}
    accounts: dict[str, int] = {}
    for index, target in enumerate(targets):
        for namespace in target.namespaces:
            first, account = owner.setdefault(namespace, (index, target.account_id))
            if first != index:
                problems.add(
                    f"cross_account[{index}].namespaces",
                    f"{namespace} is mapped to account {account} by cross_account[{first}] already",
                )
        first_target = accounts.setdefault(target.account_id, index)
        if mode == "carm" and first_target != index:
            problems.add(
                f"cross_account[{index}].account_id",
                f"{target.account_id} is listed by cross_account[{first_target}] already; CARM maps an account to "
                "one role per controller (list all its namespaces there, or use cross_account_mode "
                "'iam_role_selector')",
            )
    partitions = sorted({t.partition for t in targets if t.partition is not None})
    if len(partitions) > 1:
        problems.add(
            "cross_account",
            f"the role ARNs lie in different partitions ({', '.join(partitions)}); a role is assumed in its own only",
        )


def _cross_account_values(
    install: Install | None,
    targets: Sequence[CrossAccountTarget],
    mode: CrossAccountMode,
    service_level: bool,
    problems: _Problems,
) -> None:
    """User chart values that would switch off the cross-account wiring ack-irsa sets up."""
    if install is None or not targets:
        return
    values = install.values
    gates = values.get("featureGates", {})
    if not isinstance(gates, Mapping):
        form = "a map of feature gates to true or false"
        problems.add("install.values.featureGates", f"must be {form}, got {shown(gates)}")
        gates = {}
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
    if values.get("installScope", "cluster") != "cluster":
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
        if _deploy_time(value):
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


def _policy_refs(value: Any, name: str, problems: _Problems) -> dict[str, PolicyRef]:
    refs: dict[str, PolicyRef] = {}
    if isinstance(value, Mapping):
        for key, arn in value.items():
            where = f"{name}[{shown(key)}]"
            if not isinstance(key, str) or not limits.POLICY_KEY.fullmatch(key):
                problems.add(where, "keys must be letters, digits and +=,.@_- only")
            elif _deploy_time(arn) or problems.check(where, check_policy_arn, arn):
                refs[key] = PolicyRef(arn=arn)
        return refs
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        problems.add(name, f"must be a list of IAM policy ARNs, got {shown(value)}")
        return refs
    for index, arn in enumerate(value):
        where = f"{name}[{index}]"
        if _deploy_time(arn):
            problems.add(
                where, "an ARN known only at deploy time needs a stable key: pass {key: arn} instead of a list"
            )
        elif problems.check(where, check_policy_arn, arn):
            if (key := policy_key(arn)) in refs:
                problems.add(where, f"{shown(arn)} is listed twice")
            refs[key] = PolicyRef(arn=arn)
    return refs


def _inline_policy(args: Mapping[str, Any], controller: catalog.Controller, problems: _Problems) -> Any:
    if "inline_policy" not in args:
        return dict(controller.inline_policy) if controller.inline_policy is not None else None
    value = args["inline_policy"]
    if value is None or value == "" or (isinstance(value, Mapping) and not value):
        return None  # an empty value drops the recommended inline policy
    if _deploy_time(value):
        return value  # checked when it resolves
    if not isinstance(value, str | Mapping):
        problems.add("inline_policy", f"must be a policy document or its JSON text, got {shown(value)}")
        return None

    return _checked_document(value, problems)


def _checked_document(value: str | Mapping[str, Any], problems: _Problems) -> dict[str, Any] | None:
    """The inline policy, parsed and checked against IAM's grammar and size limit; None after problems."""
    try:
        document = parse_policy_document(value)
    except PolicyGrammarError as error:
        for path, message in error.problems:  # a mapping by now: every problem has a path in it
            problems.add(f"inline_policy.{path}", message)
        return None
    except ValueError as error:
        problems.add("inline_policy", str(error))
        return None
    problems.check(
        "inline_policy", limits.size_check(limits.INLINE_POLICIES_MAX_CHARS, "the inline policy"), policy_size(document)
    )
    return document


def _no_policy_message(controller: catalog.Controller) -> str:
    if controller.has_recommended_policy:
        return "the role would have no permissions: give policy_arns, extra_policy_arns or inline_policy"
    if "policy-unknown" in controller.flags:
        why = "upstream's recommended policy could not be read"
    elif "corrected" in controller.flags:
        why = f"upstream's is unusable, see `python -m ack_irsa catalog show {controller.service}`"
    else:
        why = "upstream recommends none"
    service = controller.service
    return f"there is no recommended policy for the {service} controller ({why}); give policy_arns or inline_policy"


def _check_oidc_source(args: Mapping[str, Any], problems: _Problems) -> None:
    """The cluster's provider: a ClusterOidcProvider, or a provider ARN with the issuer it names, optionally."""
    provider, arn, issuer = args.get("oidc_provider"), args.get("oidc_provider_arn"), args.get("oidc_issuer")
    if provider is not None:
        if arn is not None or issuer is not None:
            problems.add("oidc_provider", "give either oidc_provider or oidc_provider_arn/oidc_issuer, not both")
        elif not hasattr(provider, "arn"):
            problems.add("oidc_provider", f"must be a ClusterOidcProvider, got {shown(provider)}")
        return
    if arn is None:
        problems.add("oidc_provider", "is required: give a ClusterOidcProvider, or oidc_provider_arn")
        if issuer is not None:
            problems.add("oidc_issuer", "goes with oidc_provider_arn")
        return
    plain = [
        problems.plain(name, value, str, "a string")
        for name, value in (("oidc_provider_arn", arn), ("oidc_issuer", issuer))
        if value is not None and not _deploy_time(value)
    ]
    if (
        not all(plain)
        or not isinstance(arn, str)
        or not problems.check("oidc_provider_arn", check_oidc_provider_arn, arn)
    ):
        return
    if isinstance(issuer, str) and issuer_host(issuer) != issuer_of_provider_arn(arn):
        problems.add("oidc_issuer", f"{shown(issuer)} is not the issuer of {shown(arn)}")


def _extra_providers(args: Mapping[str, Any], problems: _Problems) -> tuple[Any, ...]:
    """Other clusters' providers: well-formed, each listed once, none the primary one again, and all
    in the primary's partition where the ARNs are known now."""
    providers = _list(args, "extra_oidc_providers", "OIDC provider ARNs or ClusterOidcProviders", problems)
    primary_arn, _ = _primary_source(args)
    seen = {primary_arn: "the cluster's own provider"}
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


def _check_extra_provider(provider: Any) -> None:
    if isinstance(provider, str):
        check_oidc_provider_arn(provider)
    elif not hasattr(provider, "arn") and not _deploy_time(provider):
        raise ValueError(f"{shown(provider)} is neither a ClusterOidcProvider nor an OIDC provider ARN")


def _primary_source(args: Mapping[str, Any]) -> tuple[Any, Any]:
    if args.get("oidc_provider") is not None:
        return _oidc_source(args["oidc_provider"])
    return args.get("oidc_provider_arn"), args.get("oidc_issuer")


def _oidc_source(source: Any) -> tuple[Any, Any]:
    """(provider ARN, issuer) of a ClusterOidcProvider or a provider ARN, where known without deploying."""
    if isinstance(source, str):
        return source, None
    return getattr(source, "known_arn", None), getattr(source, "known_issuer", None)


def _sized_association(
    identity: Identity, namespace: str, service_account: str, cluster: Any, extras: tuple[str, ...]
) -> TrustedAssociation | None:
    """The Pod Identity part of the trust, for sizing: a cluster name known only at deploy time counts as
    the longest EKS allows."""
    if identity == "irsa":
        return None
    clusters = (cluster if isinstance(cluster, str) else LONGEST_CLUSTER_NAME, *extras)
    return TrustedAssociation(namespace, service_account, clusters)


def _check_trust_size(  # noqa: PLR0917 - the parts of the trust policy, resolved above
    args: Mapping[str, Any],
    identity: Identity,
    subjects: Sequence[str],
    extra_providers: Sequence[Any],
    association: TrustedAssociation | None,
    limit: int,
    problems: _Problems,
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
        estimate |= association is not None and LONGEST_CLUSTER_NAME in association.clusters
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


TARGET_ROLE_ARGUMENTS = (
    "service",
    "trusted_role_arns",
    "role_name",
    "role_path",
    "pod_identity",
    "policy_arns",
    "extra_policy_arns",
    "inline_policy",
    "max_session_duration",
    "tags",
    "acknowledge_risks",
)


@dataclass(frozen=True)
class TargetRoleSpec:
    """A role in a target account that controllers in another account assume (``TargetAccountRole``)."""

    controller: catalog.Controller
    role_name: str
    role_path: str
    trusted_role_arns: tuple[Any, ...]
    """The controller roles it trusts, by ARN (plain or Outputs)."""
    pod_identity: bool
    managed_policies: dict[str, PolicyRef]
    inline_policy: Any
    max_session_duration: int
    tags: dict[str, str]
    risks: tuple[Risk, ...] = ()


def resolve_target_role(args: Mapping[str, Any]) -> TargetRoleSpec:
    """Defaults applied, every plain value checked; raises :class:`ArgsError` with all problems."""
    form = "{'service': 's3', 'role_name': 'ack-s3', 'trusted_role_arns': [controller.role_arn]}"
    args, problems, controller = _arguments(args, form, TARGET_ROLE_ARGUMENTS)
    role_name = args.get("role_name")
    if problems.plain("role_name", role_name, str, "a role name"):
        problems.check("role_name", limits.check_role_name, role_name)
    role_path = args.get("role_path", DEFAULT_ROLE_PATH)
    if problems.plain("role_path", role_path, str, "an IAM path such as /ack/"):
        problems.check("role_path", limits.check_role_path, role_path)
    trusted = _list(args, "trusted_role_arns", "controller role ARNs", problems)
    if not trusted and "trusted_role_arns" not in {p.field for p in problems}:
        problems.add("trusted_role_arns", "is required: the ARNs of the controller roles that assume this role")
    partitions: set[str] = set()
    for index, arn in enumerate(trusted):
        if isinstance(arn, str):
            try:
                partitions.add(parse_role_arn(arn)[0])
            except ValueError as error:
                problems.add(f"trusted_role_arns[{index}]", str(error))
        elif not _deploy_time(arn):
            problems.add(f"trusted_role_arns[{index}]", f"must be an IAM role ARN, got {shown(arn)}")
    if len(partitions) > 1:
        problems.add("trusted_role_arns", f"lie in different partitions ({', '.join(sorted(partitions))})")
    pod_identity = args.get("pod_identity", False)
    problems.plain("pod_identity", pod_identity, bool, "true or false")
    managed, inline = _permissions(args, controller, problems)
    risks = _risks(args, controller, managed, inline, problems)
    duration = args.get("max_session_duration", DEFAULT_SESSION_DURATION)
    if problems.plain("max_session_duration", duration, int, "a whole number of seconds"):
        problems.check("max_session_duration", limits.check_session_duration, duration)
    tags = _tags(args.get("tags"), problems)
    if problems:
        raise ArgsError(problems)
    return TargetRoleSpec(
        controller, str(role_name), role_path, trusted, pod_identity is True, managed, inline, duration, tags, risks
    )


CARM_ENTRY_KEYS = ("controller", "service", "namespace", "account_id", "role_arn", "namespaces", "service_level")


def resolve_carm_entries(entries: Any) -> list[tuple[CarmGrant, str]]:
    """CARM entries given one by one (the component package's ``RoleAccountMap``): each controller's target
    with its role ARN, checked; raises :class:`ArgsError` with all problems."""
    if isinstance(entries, str | bytes | Mapping) or not isinstance(entries, Sequence) or not entries:
        raise ArgsError([Problem("entries", f"must be a non-empty list of CARM entries, got {shown(entries)}")])
    problems = _Problems()
    grants = [_carm_entry(f"entries[{index}]", entry, problems) for index, entry in enumerate(entries)]
    if problems:
        raise ArgsError(problems)
    return [grant for grant in grants if grant is not None]


def _carm_entry(where: str, entry: Any, problems: _Problems) -> tuple[CarmGrant, str] | None:
    if not isinstance(entry, Mapping):
        problems.add(where, f"must be a map with {', '.join(CARM_ENTRY_KEYS)}, got {shown(entry)}")
        return None
    for key in entry:
        if key not in CARM_ENTRY_KEYS:
            problems.add(f"{where}.{key}", f"unknown key (known: {', '.join(CARM_ENTRY_KEYS)})")
    service = entry.get("service")
    if not isinstance(service, str) or service not in catalog.services():
        problems.add(f"{where}.service", f"must be an ACK service name such as 's3', got {shown(service)}")
    namespace = entry.get("namespace", DEFAULT_NAMESPACE)
    if problems.plain(f"{where}.namespace", namespace, str, "a namespace name"):
        problems.check(f"{where}.namespace", limits.check_dns_label, namespace)
    account = entry.get("account_id")
    if problems.plain(f"{where}.account_id", account, str, "a 12-digit AWS account ID"):
        problems.check(f"{where}.account_id", check_account_id, account)
    role = None
    if entry.get("role_arn") is None:
        problems.add(f"{where}.role_arn", "is required (the ARN of the role to assume in account_id)")
    else:
        role = _target_role(where, {"role_arn": entry["role_arn"]}, account, problems)
    namespaces = _target_namespaces(where, entry.get("namespaces"), problems)
    level = entry.get("service_level", False)
    problems.plain(f"{where}.service_level", level, bool, "true or false")
    if role is None:  # any other problem fails the whole call: no grant is used
        return None
    name, path, partition = role
    target = CrossAccountTarget(str(account), name, path, partition, namespaces)
    controller = str(entry.get("controller") or f"{service} in {namespace}")
    return CarmGrant(controller, str(service), str(namespace), target, level is True), str(entry["role_arn"])


@dataclass(frozen=True)
class OidcProviderSpec:
    cluster_name: str | None
    issuer_url: Any
    """A plain URL or a Pulumi Output; None when the issuer comes from the lookup or the ARN."""
    provider_arn: Any
    """Adopt this provider (plain ARN or Output); None to create one."""
    client_ids: tuple[str, ...]
    thumbprints: tuple[str, ...]
    retain_on_delete: bool
    tags: dict[str, str]
    known_issuer: str | None
    """The issuer, when known without a lookup (a plain issuer_url or provider_arn)."""


def resolve_oidc_provider(args: Mapping[str, Any]) -> OidcProviderSpec:
    """Defaults applied and every plain value checked; raises :class:`ArgsError` with all problems."""
    args = _mapping(args, "{'cluster_name': 'prod-eks'}")
    problems = _Problems()
    problems.unknown_arguments(args, OIDC_ARGUMENTS)
    cluster, url, arn = args.get("cluster_name"), args.get("issuer_url"), args.get("provider_arn")
    known_issuer = _provider_source(cluster, url, arn, problems)
    if arn is not None:
        for name in (n for n in _CREATE_ONLY if n in args):
            problems.add(name, "applies only to a provider ack-irsa creates, not to an adopted one")
    retain = args.get("retain_on_delete", True)
    problems.plain("retain_on_delete", retain, bool, "true or false")

    client_ids = _list({"client_ids": (STS_AUDIENCE,), **args}, "client_ids", "client IDs", problems)
    if client_ids and STS_AUDIENCE not in client_ids:
        problems.add("client_ids", f"must include {STS_AUDIENCE!r}, the audience every IRSA role trusts")
    problems.check("client_ids", limits.count_check(limits.OIDC_CLIENT_IDS_MAX, "client IDs"), client_ids)
    for index, client_id in enumerate(client_ids):
        problems.check(f"client_ids[{index}]", limits.check_client_id, client_id)
    thumbprints = _list(args, "thumbprints", "certificate thumbprints", problems)
    problems.check("thumbprints", limits.count_check(limits.OIDC_THUMBPRINTS_MAX, "thumbprints"), thumbprints)
    for index, thumbprint in enumerate(thumbprints):
        problems.check(f"thumbprints[{index}]", limits.check_thumbprint, thumbprint)
    tags = _tags(args.get("tags"), problems)
    if problems:
        raise ArgsError(problems)
    return OidcProviderSpec(
        cluster_name=cluster,
        issuer_url=url,
        provider_arn=arn,
        client_ids=client_ids,
        thumbprints=thumbprints,
        retain_on_delete=bool(retain),
        tags=tags,
        known_issuer=known_issuer,
    )


def _provider_source(cluster: Any, url: Any, arn: Any, problems: _Problems) -> str | None:
    """Checks where the provider comes from; returns its issuer when known without a lookup."""
    if cluster is None and url is None and arn is None:
        problems.add("cluster_name", "give cluster_name, issuer_url or provider_arn")
    elif cluster is not None and url is not None:
        problems.add("issuer_url", "give cluster_name or issuer_url, not both")
    if cluster is not None:
        problems.check("cluster_name", limits.check_cluster_name, cluster)
    for name, value, form in (("issuer_url", url, "an issuer URL"), ("provider_arn", arn, "an OIDC provider ARN")):
        if value is not None and not _deploy_time(value):
            problems.plain(name, value, str, form)
    known_issuer = None
    if isinstance(url, str) and problems.check("issuer_url", limits.check_issuer_url, url):
        known_issuer = issuer_host(url)
    if isinstance(arn, str) and problems.check("provider_arn", check_oidc_provider_arn, arn):
        if known_issuer not in (None, issuer_of_provider_arn(arn)):
            problems.add("provider_arn", f"{shown(arn)} is not the provider of issuer {shown(url)}")
        known_issuer = issuer_of_provider_arn(arn)
    return known_issuer
