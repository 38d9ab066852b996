"""Guardrails for any stack's workload roles: the rules of the CrossGuard pack in ``policy/``, and of
``ack-irsa check``, which runs exactly these validate functions over an offline plan.

A rule sees what Pulumi's policy engine hands it: a resource's type, its properties (camelCase engine names,
``assumeRolePolicy``) and name, or all the stack's resources. The functions read those attributes only, so
they run on ``pulumi_policy``'s ``ResourceValidationArgs``/``StackValidationArgs`` and on the plain records
``ack-irsa check`` builds from a plan alike. Pure: no Pulumi engine, no network.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ack_irsa.iam.arns import parsed_or_none
from ack_irsa.iam.capability import CAPABILITY_SERVICE, spec_overlaps
from ack_irsa.iam.risks import (
    ACKNOWLEDGED_TAG,
    RISKS,
    aws_managed_policy_risks,
    broad_managed_policy,
    document_risks,
    every_resource,
    grants,
    restricting,
    tagged_acknowledgements,
)
from ack_irsa.iam.trust import WILDCARD_SUBJECT_TAG

ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
INLINE = "aws:iam/rolePolicy:RolePolicy"
SERVICE_ACCOUNTS = ("kubernetes:core/v1:ServiceAccount", "kubernetes:core/v1:ServiceAccountPatch")
ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn"
SELECTOR = "kubernetes:services.k8s.aws/v1alpha1:IAMRoleSelector"
ASSUME_ACTIONS = ("sts:assumerole", "sts:tagsession")
WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
POD_IDENTITY = "pods.eks.amazonaws.com"
BROAD_POLICIES = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess")
"""Examples only: every AWS-managed policy the risk analysis finds ``broad-managed-policy`` in is refused."""
WILDCARD_TAG = WILDCARD_SUBJECT_TAG
"""A role that carries this tag (value ``true``) may admit ServiceAccounts by a ``StringLike`` pattern; the
component sets it on exactly the roles whose trust does."""

Level = Literal["advisory", "mandatory", "disabled"]
Report = Callable[[str, str | None], None]
"""``report_violation(message, urn)``, as pulumi_policy calls it."""


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    remediation: str
    level: Level
    kind: Literal["resource", "stack"]
    validate: Callable[[Any, Report], None]
    config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """JSON schema properties of the rule's settings, with their defaults."""


def _config(args: Any, key: str, default: Any) -> Any:
    getter = getattr(args, "get_config", None)
    config = getter() if callable(getter) else getattr(args, "config", None)
    return (config or {}).get(key, default)


def _document(value: Any) -> Mapping[str, Any]:
    if isinstance(value, Mapping):
        return value
    try:
        parsed = json.loads(value) if isinstance(value, str) else {}
    except json.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, Mapping) else {}


def _statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    statements = document.get("Statement", [])
    listed = [statements] if isinstance(statements, Mapping) else statements if isinstance(statements, list) else []
    return [s for s in listed if isinstance(s, Mapping)]


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _principal(statement: Mapping[str, Any]) -> Mapping[str, Any]:
    """The statement's Principal as a mapping; ``"*"`` (anyone) is ``{"AWS": "*"}``, as IAM reads it."""
    principal = statement.get("Principal")
    if principal == "*":
        return {"AWS": "*"}
    return principal if isinstance(principal, Mapping) else {}


def _web_identity(statement: Mapping[str, Any]) -> bool:
    """An Allow whose actions cover ``sts:AssumeRoleWithWebIdentity``, however written (``sts:*``,
    ``sts:AssumeRoleWith*``, ``NotAction``)."""
    return statement.get("Effect") == "Allow" and grants(statement, WEB_IDENTITY.lower())


def _pod_identity(statement: Mapping[str, Any]) -> bool:
    return statement.get("Effect") == "Allow" and POD_IDENTITY in _listed(_principal(statement).get("Service"))


def _anyone(statement: Mapping[str, Any]) -> bool:
    return statement.get("Effect") == "Allow" and "*" in _listed(_principal(statement).get("AWS"))


def _capability(statement: Mapping[str, Any]) -> bool:
    return statement.get("Effect") == "Allow" and CAPABILITY_SERVICE in _listed(_principal(statement).get("Service"))


def is_capability_role(props: Mapping[str, Any]) -> bool:
    """A role an EKS capability acts through (trusted by ``capabilities.eks.amazonaws.com``)."""
    return any(_capability(s) for s in _statements(_document(props.get("assumeRolePolicy"))))


def is_workload_role(props: Mapping[str, Any]) -> bool:
    """A role that workloads assume: pods through web identity (IRSA) or EKS Pod Identity, or the managed ACK
    capability's controllers (whose role AWS's guides start with AdministratorAccess); or one anyone may assume."""
    return any(
        _web_identity(s) or _pod_identity(s) or _capability(s) or _anyone(s)
        for s in _statements(_document(props.get("assumeRolePolicy")))
    )


# --- resource rules --------------------------------------------------------------------------------------


def web_identity_pins(args: Any, report: Report) -> None:
    """Every web-identity statement pins ``<issuer>:sub`` and ``<issuer>:aud`` with StringEquals, trusts an
    OIDC provider, and uses StringLike on sub only on a role tagged to allow it."""
    if args.resource_type != ROLE:
        return
    tags = args.props.get("tags") if isinstance(args.props.get("tags"), Mapping) else {}
    allowed_like = str(tags.get(_config(args, "wildcardTag", WILDCARD_TAG), "")).lower() == "true"
    for index, statement in enumerate(_statements(_document(args.props.get("assumeRolePolicy")))):
        if not _web_identity(statement):
            continue
        federated = _listed(_principal(statement).get("Federated"))
        if not federated or not all(":oidc-provider/" in str(p) for p in federated):
            report(f"statement {index}: the federated principal {federated} is not an IAM OIDC provider", args.urn)
        condition = _mapping(statement.get("Condition"))
        equals = _mapping(condition.get("StringEquals"))
        for claim in ("sub", "aud"):
            if not any(str(key).endswith(f":{claim}") for key in equals):
                like = any(str(key).endswith(f":{claim}") for key in _mapping(condition.get("StringLike")))
                if claim == "sub" and like and allowed_like:
                    continue
                how = "by StringLike only" if like else "at all"
                report(f"statement {index}: {claim} is not pinned with StringEquals ({how})", args.urn)


def pod_identity_pins(args: Any, report: Report) -> None:
    """A Pod Identity trust pins the ``kubernetes-namespace`` and ``kubernetes-service-account`` session tags."""
    if args.resource_type != ROLE:
        return
    for index, statement in enumerate(_statements(_document(args.props.get("assumeRolePolicy")))):
        if not _pod_identity(statement):
            continue
        equals = _mapping(_mapping(statement.get("Condition")).get("StringEquals"))
        missing = [
            t for t in ("kubernetes-namespace", "kubernetes-service-account") if f"aws:RequestTag/{t}" not in equals
        ]
        if missing:
            report(f"statement {index}: the session tags {missing} are not pinned with StringEquals", args.urn)


# --- stack rules (they relate attachments and inline policies to their roles) --------------------------


def _workload_roles(resources: Iterable[Any]) -> dict[str, Any]:
    """Role name → resource, for the roles pods (or the managed capability) assume, and the roles those may
    assume in turn (a cross-account target role, or a capability's selected role, trusts a role of the stack
    by its ARN): every role the stack makes for a workload."""
    roles = {str(r.props.get("name") or r.name): r for r in resources if r.resource_type == ROLE}
    workload = {name: r for name, r in roles.items() if is_workload_role(r.props)}
    grown = True
    while grown:
        grown = False
        for name, role in roles.items():
            if name not in workload and _trusts_one_of(role.props, workload):
                workload[name] = role
                grown = True
    return workload


def _trusts_one_of(props: Mapping[str, Any], names: Iterable[str]) -> bool:
    known = set(names)
    for statement in _statements(_document(props.get("assumeRolePolicy"))):
        if statement.get("Effect") != "Allow":
            continue
        for arn in _listed(_principal(statement).get("AWS")):
            parsed = parsed_or_none(str(arn))
            if (
                parsed is not None
                and parsed.resource.startswith("role/")
                and parsed.resource.rsplit("/", 1)[-1] in known
            ):
                return True
    return False


def _role_of(resource: Any) -> str:
    role = resource.props.get("role")
    return str(role).rsplit("/", 1)[-1] if role else ""


def no_broad_managed_policies(args: Any, report: Report) -> None:
    """No AdministratorAccess, PowerUserAccess or IAMFullAccess on a role that workloads assume."""
    allowed = set(_config(args, "allowedPolicies", []))
    roles = _workload_roles(args.resources)
    attached: list[tuple[str, str, Any]] = [
        (_role_of(r), str(r.props.get("policyArn", "")), r) for r in args.resources if r.resource_type == ATTACHMENT
    ]
    attached += [
        (name, str(arn), role) for name, role in roles.items() for arn in role.props.get("managedPolicyArns") or []
    ]
    for role, arn, resource in attached:
        policy = arn.rsplit("/", 1)[-1]
        # a role tagged with the acknowledgement (acknowledgeRisks: [broad-managed-policy]) has had it reviewed
        acknowledged = role in roles and "broad-managed-policy" in tagged_acknowledgements(
            roles[role].props.get("tags")
        )
        waived = arn in allowed or policy in allowed or acknowledged
        if role in roles and not waived and broad_managed_policy(arn):
            report(f"{policy} is attached to the workload role {role}", resource.urn)


def no_wildcard_inline_grants(args: Any, report: Report) -> None:
    """Inline policies of workload roles grant no ``"Action": "*"`` and no ``iam:PassRole`` on every role
    without a condition."""
    roles = _workload_roles(args.resources)
    documents: list[tuple[str, Any, Any]] = [
        (_role_of(r), r.props.get("policy"), r) for r in args.resources if r.resource_type == INLINE
    ]
    documents += [
        (name, inline.get("policy"), role)
        for name, role in roles.items()
        for inline in role.props.get("inlinePolicies") or []
        if isinstance(inline, Mapping)
    ]
    for role, document, resource in documents:
        if role not in roles:
            continue
        for problem in _broad_statements(_document(document)):
            report(f"an inline policy of the workload role {role} {problem}", resource.urn)


def _broad_statements(document: Mapping[str, Any]) -> Iterator[str]:
    for statement in _statements(document):
        if statement.get("Effect") != "Allow":
            continue
        actions = [str(a) for a in _listed(statement.get("Action"))]
        if "*" in actions or any(a.split(":", 1)[0] in ("*", "*:*") and a.endswith("*") for a in actions):
            yield 'allows "Action": "*"'
        elif "NotAction" in statement:
            yield f"allows every action but {', '.join(map(str, _listed(statement.get('NotAction'))))} (NotAction)"
        elif (
            grants(statement, "iam:passrole")
            and every_resource(statement, "iam:passrole")
            and not restricting(statement.get("Condition"))
        ):
            yield "allows iam:PassRole on every role without a restricting condition"


def service_accounts_name_the_stacks_roles(args: Any, report: Report) -> None:
    """Every ServiceAccount annotated with ``eks.amazonaws.com/role-arn`` names a role in the partition and
    account of the stack's roles (``expectedAccountId``/``expectedPartition`` where the stack says so)."""
    role_arns = [str(r.props["arn"]) for r in args.resources if r.resource_type == ROLE and r.props.get("arn")]
    annotated = [
        (str(annotation), r)
        for r in args.resources
        if r.resource_type in SERVICE_ACCOUNTS
        and (annotation := ((r.props.get("metadata") or {}).get("annotations") or {}).get(ROLE_ARN_ANNOTATION))
    ]
    known = [parsed for arn in role_arns if (parsed := parsed_or_none(arn))]
    account = _config(args, "expectedAccountId", None) or (known[0].account if known else None)
    partition = _config(args, "expectedPartition", None) or (known[0].partition if known else None)
    for arn, resource in annotated:
        parsed = parsed_or_none(arn)
        if parsed is None or parsed.service != "iam" or not parsed.resource.startswith("role/"):
            report(f"the annotation {arn!r} is not an IAM role ARN", resource.urn)
            continue
        account = account or parsed.account
        partition = partition or parsed.partition
        if (parsed.account, parsed.partition) != (account, partition):
            report(
                f"the annotation names a role in account {parsed.account} ({parsed.partition}); the stack's roles are "
                f"in {account} ({partition})",
                resource.urn,
            )


def capability_role_only_assumes(args: Any, report: Report) -> None:
    """With IAMRoleSelectors in the stack (``permissions: selectors``), a capability role holds no managed policy,
    and its inline policies allow nothing but ``sts:AssumeRole`` and ``sts:TagSession`` on named roles: the
    selected roles carry the service permissions."""
    if not any(r.resource_type == SELECTOR for r in args.resources):
        return
    roles = {
        str(r.props.get("name") or r.name)
        for r in args.resources
        if r.resource_type == ROLE and is_capability_role(r.props)
    }
    for resource in args.resources:
        if _role_of(resource) not in roles:
            continue
        if resource.resource_type == ATTACHMENT:
            report(
                f"the capability role {_role_of(resource)} has {resource.props.get('policyArn')} attached, while "
                "IAMRoleSelectors choose its selected roles: it should hold no service permission",
                resource.urn,
            )
        elif resource.resource_type == INLINE:
            for problem in _beyond_assume(_document(resource.props.get("policy"))):
                report(f"an inline policy of the capability role {_role_of(resource)} {problem}", resource.urn)


def _beyond_assume(document: Mapping[str, Any]) -> Iterator[str]:
    for statement in _statements(document):
        if statement.get("Effect") != "Allow":
            continue
        actions = [str(a) for a in _listed(statement.get("Action"))] or ["(NotAction)"]
        others = [a for a in actions if a.lower() not in ASSUME_ACTIONS]
        if others:
            yield f"allows {', '.join(others)}: in selectors mode it may only assume its selected roles"
        assumes = any(a.lower() in ASSUME_ACTIONS for a in actions)
        if assumes and "*" in [str(r) for r in _listed(statement.get("Resource"))]:
            yield 'may assume "Resource": "*", every role that trusts it: name the selected roles'


def selectors_disjoint(args: Any, report: Report) -> None:
    """No two IAMRoleSelectors of the stack could match the same resource (ACK fails its reconcile)."""
    specs = {
        str((r.props.get("metadata") or {}).get("name") or r.name): r.props.get("spec") or {}
        for r in args.resources
        if r.resource_type == SELECTOR
    }
    for message in spec_overlaps(specs):
        report(message, None)


# --- broad grants: a risk of the role's policies fails unless the role acknowledges it ------------------

RISK_LEVELS: dict[str, Level] = {
    "privilege-escalation": "mandatory",
    "all-actions": "mandatory",
    "pass-role-unrestricted": "mandatory",
    "broad-managed-policy": "mandatory",
    "service-wide-access": "advisory",
}
"""The level of each risk id's rule (``<id>-is-acknowledged``): what a role that has it and does not
acknowledge it gets. Every id of :data:`ack_irsa.iam.risks.RISKS` has one (a test holds them together)."""


def workload_role_risks(resources: Iterable[Any]) -> dict[str, tuple[Any, list[tuple[str, str, str]]]]:
    """Role name → (the role, its risks as (id, source, detail)) for every workload role: its inline policies
    analysed (:func:`ack_irsa.iam.risks.document_risks`), its AWS-managed policies' pinned risks. A
    customer-managed policy cannot be read from a plan and is not analysed."""
    resources = list(resources)
    roles = _workload_roles(resources)
    found: dict[str, tuple[Any, list[tuple[str, str, str]]]] = {name: (role, []) for name, role in roles.items()}
    inline = [
        (_role_of(r), str(r.props.get("name") or r.name), r.props.get("policy"))
        for r in resources
        if r.resource_type == INLINE
    ]
    inline += [
        (name, str(policy.get("name", "")), policy.get("policy"))
        for name, role in roles.items()
        for policy in role.props.get("inlinePolicies") or []
        if isinstance(policy, Mapping)
    ]
    for role, policy, document in inline:
        if role in found:
            found[role][1].extend((i, f"inline policy {policy}", d) for i, d in document_risks(_document(document)))
    attached = [(_role_of(r), str(r.props.get("policyArn", ""))) for r in resources if r.resource_type == ATTACHMENT]
    attached += [(name, str(arn)) for name, role in roles.items() for arn in role.props.get("managedPolicyArns") or []]
    for role, arn in attached:
        parsed = parsed_or_none(arn)
        if role in found and parsed is not None and parsed.account == "aws":
            name = parsed.resource.rpartition("/")[2]
            found[role][1].extend((i, f"managed policy {name}", d) for i, d in aws_managed_policy_risks(name))
    return found


def acknowledged_risks(plan: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(the role's resource name, risk id, source) of every risk a workload role of the plan has and
    acknowledges: they pass, and ``check`` lists them."""
    resources = _plan_resources(plan)
    return [
        (role.name, risk, source)
        for role, found in workload_role_risks(resources).values()
        for risk, source, _ in found
        if risk in tagged_acknowledgements(role.props.get("tags"))
    ]


def _risk_rule(risk: str) -> Callable[[Any, Report], None]:
    def validate(args: Any, report: Report) -> None:
        for name, (role, found) in workload_role_risks(args.resources).items():
            if risk in tagged_acknowledgements(role.props.get("tags")):
                continue
            for _, source, detail in (f for f in found if f[0] == risk):
                report(f"the workload role {name} has {risk} in {source} ({detail}), unacknowledged", role.urn)

    validate.__doc__ = f"A workload role with {risk} acknowledges it."
    return validate


RULES: tuple[Rule, ...] = (
    Rule(
        "irsa-trust-pins-sub-and-aud",
        "A role assumed with web identity (IRSA) pins the token's sub and aud with StringEquals in every such "
        "statement, and trusts an IAM OIDC provider.",
        "Pin <issuer>:sub to system:serviceaccount:<namespace>:<name> and <issuer>:aud to sts.amazonaws.com "
        f"with StringEquals; a StringLike sub needs the role tag {WILDCARD_TAG}=true.",
        "mandatory",
        "resource",
        web_identity_pins,
        {"wildcardTag": {"type": "string", "default": WILDCARD_TAG}},
    ),
    Rule(
        "pod-identity-trust-pins-session-tags",
        "A role trusted by EKS Pod Identity pins the kubernetes-namespace and kubernetes-service-account "
        "session tags, so only its association can use it.",
        "Add StringEquals conditions on aws:RequestTag/kubernetes-namespace and "
        "aws:RequestTag/kubernetes-service-account (and eks-cluster-arn) to the pods.eks.amazonaws.com statement.",
        "mandatory",
        "resource",
        pod_identity_pins,
    ),
    Rule(
        "no-broad-managed-policy-on-workload-roles",
        "No AWS-managed policy that allows every action or an escalation path (AdministratorAccess, "
        "PowerUserAccess, IAMFullAccess, SystemAdministrator and every other the risk analysis finds) on a role "
        "that workloads assume (web identity, Pod Identity, or a role those assume).",
        "Attach a policy scoped to what the workload calls; if the broad policy is intended, list it in the "
        "allowedPolicies setting of this rule (ack-irsa check also honours acknowledgeRisks: "
        "[broad-managed-policy]).",
        "mandatory",
        "stack",
        no_broad_managed_policies,
        {"allowedPolicies": {"type": "array", "items": {"type": "string"}, "default": []}},
    ),
    Rule(
        "no-wildcard-inline-grants-on-workload-roles",
        'Inline policies of workload roles grant no "Action": "*", no Allow with NotAction, and no iam:PassRole on '
        "every role (however the resource is written) without a restricting condition.",
        "Name the actions, and scope iam:PassRole to the roles it passes or condition it on iam:PassedToService.",
        "mandatory",
        "stack",
        no_wildcard_inline_grants,
    ),
    Rule(
        "service-accounts-name-the-stacks-roles",
        "Every ServiceAccount annotated with eks.amazonaws.com/role-arn names a role in the partition and account "
        "of the stack's roles.",
        "Annotate with a role of this account (set expectedAccountId and expectedPartition to say which).",
        "mandatory",
        "stack",
        service_accounts_name_the_stacks_roles,
        {"expectedAccountId": {"type": "string"}, "expectedPartition": {"type": "string"}},
    ),
    Rule(
        "capability-role-holds-no-service-permission",
        "With IAMRoleSelectors (permissions: selectors), the managed ACK capability's role holds no managed policy "
        "and may only sts:AssumeRole and sts:TagSession on named selected roles.",
        "Give the service's policies to the entry's selected role instead, or use permissions: direct without "
        "IAMRoleSelectors.",
        "mandatory",
        "stack",
        capability_role_only_assumes,
    ),
    Rule(
        "iam-role-selectors-disjoint",
        "No two IAMRoleSelectors could match the same resource: ACK fails the reconcile of a resource two match.",
        "Give the selectors of one service disjoint namespaces.",
        "mandatory",
        "stack",
        selectors_disjoint,
    ),
)
"""Every rule, in the order the pack and ``ack-irsa check`` report them."""

RULES += tuple(
    Rule(
        f"{risk}-is-acknowledged",
        f"A workload role whose policies have the risk {risk} ({RISKS[risk]}) acknowledges it.",
        f"Narrow the policy; or, once reviewed, acknowledge it: acknowledgeRisks: [{risk}] on the controller in "
        f"the stack file, or the role tag {ACKNOWLEDGED_TAG}={risk} (ids separated by spaces) on any role.",
        level,
        "stack",
        _risk_rule(risk),
    )
    for risk, level in RISK_LEVELS.items()
)


@dataclass(frozen=True)
class PlanResource:
    """A resource of an offline plan, with the attributes the rules read."""

    resource_type: str
    name: str
    urn: str
    props: Mapping[str, Any]


@dataclass(frozen=True)
class PlanStack:
    resources: list[PlanResource]
    config: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Violation:
    rule: Rule
    level: Level
    resource: str
    message: str


def check_plan(plan: Mapping[str, Any], config: Mapping[str, Mapping[str, Any]] | None = None) -> list[Violation]:
    """Run every rule over a plan (the ``render --format json`` document); ``config`` per rule name."""
    resources = _plan_resources(plan)
    violations: list[Violation] = []
    for rule in RULES:
        settings = {k: v["default"] for k, v in rule.config.items() if "default" in v} | dict(
            (config or {}).get(rule.name, {})
        )
        if settings.get("enforcementLevel") == "disabled":
            continue

        level = settings.get("enforcementLevel", rule.level)

        def report(message: str, urn: str | None, rule: Rule = rule, level: Level = level) -> None:
            violations.append(Violation(rule, level, (urn or "the stack").split("::")[-1], message))

        if rule.kind == "stack":
            rule.validate(PlanStack(resources, settings), report)
        else:
            for resource in resources:
                rule.validate(_with_config(resource, settings), report)
    return violations


def _plan_resources(plan: Mapping[str, Any]) -> list[PlanResource]:
    return [
        PlanResource(r["type"], r["name"], f"{r['type']}::{r['name']}", r.get("inputs") or {})
        for r in plan.get("resources", [])
    ]


@dataclass(frozen=True)
class _ResourceWithConfig(PlanResource):
    """A plan's resource with a rule's settings, as the engine hands ``args.get_config()`` to a policy."""

    config: Mapping[str, Any]


def _with_config(resource: PlanResource, settings: Mapping[str, Any]) -> _ResourceWithConfig:
    return _ResourceWithConfig(resource.resource_type, resource.name, resource.urn, resource.props, settings)


def pack_policies() -> list[Any]:
    """The rules as pulumi_policy policies (for ``policy/__main__.py``; pulumi_policy is imported here only)."""
    from pulumi_policy import (
        EnforcementLevel,
        PolicyConfigSchema,
        ResourceValidationPolicy,
        StackValidationPolicy,
    )

    levels = {
        "advisory": EnforcementLevel.ADVISORY,
        "mandatory": EnforcementLevel.MANDATORY,
        "disabled": EnforcementLevel.DISABLED,
    }
    made: list[Any] = []
    for rule in RULES:
        kind = ResourceValidationPolicy if rule.kind == "resource" else StackValidationPolicy
        made.append(
            kind(
                name=rule.name,
                description=rule.description,
                validate=rule.validate,
                enforcement_level=levels[rule.level],
                config_schema=PolicyConfigSchema(properties={k: dict(v) for k, v in rule.config.items()})
                if rule.config
                else None,
                remediation_steps=rule.remediation,
            )
        )
    return made
