"""Check a live account and cluster the way the guide's step 4 does, and the whole chain before it.

Read-only: every call here is a Describe, Get or List. Each check ends as ``pass``, ``fail`` (with a
one-line fix) or ``skipped`` (with why). AWS is read with boto3, Kubernetes with its official client.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from ack_irsa.accounts import (
    ASSUME_ROLE,
    CARM_CONFIG_MAP,
    CROSS_ACCOUNT_POLICY_NAME,
    OWNER_ACCOUNT_ANNOTATION,
    SELECTOR_API_VERSION,
    TAG_SESSION,
    CrossAccountTarget,
    api_group,
    assume_policy,
    carm_key,
)
from ack_irsa.arns import aws_managed_policy_arn, parse_arn
from ack_irsa.controller import INLINE_POLICY_NAME, ROLE_ARN_ANNOTATION
from ack_irsa.policies import issuer_host
from ack_irsa.spec import ControllerSpec
from ack_irsa.trust import (
    CLUSTER_TAG,
    NAMESPACE_TAG,
    POD_IDENTITY_ACTIONS,
    POD_IDENTITY_SERVICE,
    SERVICE_ACCOUNT_TAG,
    STS_AUDIENCE,
    WEB_IDENTITY_ACTION,
    has_wildcard,
)

Status = Literal["pass", "fail", "warn", "skipped"]
"""``warn``: something the stack did not ask for, accepted because ``--allow-extra`` was given."""
TOKEN_FILE = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"
POD_IDENTITY_ENV = ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
"""What the EKS webhook injects into a pod whose ServiceAccount has a Pod Identity association."""
AGENT_ADDON = "eks-pod-identity-agent"


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""


@dataclass
class Report:
    """Checks of the cluster and its provider, then of each controller."""

    cluster: list[Check] = field(default_factory=list)
    controllers: dict[str, list[Check]] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """True when no check failed (checks skipped on request do not count against it)."""
        return all(c.status != "fail" for c in self.all_checks())

    def all_checks(self) -> Iterable[Check]:
        yield from self.cluster
        for checks in self.controllers.values():
            yield from checks

    def to_json(self) -> str:
        document = {
            "passed": self.passed,
            "cluster": [asdict(c) for c in self.cluster],
            "controllers": {name: [asdict(c) for c in checks] for name, checks in self.controllers.items()},
        }
        return json.dumps(document, indent=2) + "\n"

    def to_table(self) -> str:
        rows = [("", c) for c in self.cluster]
        rows += [(name, c) for name, checks in self.controllers.items() for c in checks]
        width = max([len(f"{n} {c.name}".strip()) for n, c in rows] + [5])
        lines = [f"{'CHECK':<{width}}  RESULT   DETAIL"]
        for name, check in rows:
            lines.append(f"{f'{name} {check.name}'.strip():<{width}}  {check.status:<7}  {check.detail}")
            if check.fix:
                lines.append(f"{'':<{width}}  {'':<7}  fix: {check.fix}")
        verdict = "every check passed" if self.passed else "some checks failed"
        return "\n".join([*lines, "", verdict]) + "\n"


@dataclass(frozen=True)
class Provider:
    """The cluster's OIDC provider as found in the account."""

    arn: str
    issuer: str

    @property
    def partition(self) -> str:
        return parse_arn(self.arn).partition


# --- AWS ----------------------------------------------------------------------------------------------


class Aws:
    """The AWS side. ``eks`` and ``iam`` are boto3 clients. With ``allow_extra``, what the stack did not ask
    for (another policy, another trust statement) is a warning instead of a failure."""

    def __init__(self, eks: Any, iam: Any, allow_extra: bool = False) -> None:
        self.eks, self.iam, self.allow_extra = eks, iam, allow_extra

    def _extra(self, name: str, detail: str, fix: str) -> Check:
        if self.allow_extra:
            return Check(name, "warn", f"{detail} (allowed by --allow-extra)")
        return Check(name, "fail", detail, fix)

    def cluster_issuer(self, cluster: str) -> tuple[Check, str | None]:
        try:
            described = self.eks.describe_cluster(name=cluster)["cluster"]
        except self.eks.exceptions.ResourceNotFoundException:
            return Check("cluster", "fail", f"no EKS cluster {cluster!r} in this account and region", _FIX_REGION), None
        issuer = described.get("identity", {}).get("oidc", {}).get("issuer")
        if not issuer:
            return Check("cluster", "fail", f"cluster {cluster!r} reports no OIDC issuer", _FIX_EKS), None
        return Check("cluster", "pass", f"{cluster} has issuer {issuer}"), issuer_host(issuer)

    def provider(self, issuer: str) -> tuple[Check, Provider | None]:
        arns = [p["Arn"] for p in self.iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]
        arn = next((a for a in arns if a.endswith(f":oidc-provider/{issuer}")), None)
        if arn is None:
            fix = "pulumi up a stack that creates it (clusterName), or: eksctl utils associate-iam-oidc-provider"
            return Check("oidc-provider", "fail", f"no IAM OIDC provider for {issuer}", fix), None
        client_ids = self.iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn).get("ClientIDList", [])
        found = Provider(arn, issuer)
        if STS_AUDIENCE not in client_ids:
            detail = f"{arn} lists audiences {client_ids}, not {STS_AUDIENCE}"
            fix = (
                "aws iam add-client-id-to-open-id-connect-provider "
                f"--open-id-connect-provider-arn {arn} --client-id {STS_AUDIENCE}"
            )
            return Check("oidc-provider", "fail", detail, fix), found
        return Check("oidc-provider", "pass", f"{arn} lists {STS_AUDIENCE}"), found

    def role(
        self, role_name: str, provider: Provider | None, spec: ControllerSpec, cluster: str | None = None
    ) -> tuple[Check, str | None]:
        try:
            role = self.iam.get_role(RoleName=role_name)["Role"]
        except self.iam.exceptions.NoSuchEntityException:
            return Check("role-trust", "fail", f"no role {role_name!r}", "pulumi up the stack"), None
        extra_providers = [arn for arn in spec.extra_oidc_providers if isinstance(arn, str)]
        association = None
        if spec.uses_pod_identity:
            clusters = (cluster or str(spec.cluster_name), *spec.extra_cluster_names)
            association = (spec.namespace, spec.service_account_name, clusters)
        document = role["AssumeRolePolicyDocument"]
        wrong, extra = trust_problems(document, provider, spec.subjects, extra_providers, association)
        fix = "pulumi up the stack: ack-irsa writes the whole trust policy"
        if wrong or (extra and not self.allow_extra):
            return Check("role-trust", "fail", f"{role_name}: {'; '.join(wrong + extra)}", fix), role["Arn"]
        admitted = []
        if spec.uses_irsa:
            admitted.append(f"{', '.join(spec.subjects)} with aud {STS_AUDIENCE}")
        if association is not None:
            account = f"{spec.namespace}/{spec.service_account_name}"
            admitted.append(f"{POD_IDENTITY_SERVICE} for {account} on {', '.join(association[2])}")
        detail = f"{role_name} admits exactly {' and '.join(admitted)}"
        if extra:
            return Check("role-trust", "warn", f"{detail}; also: {'; '.join(extra)} (allowed by --allow-extra)"), role[
                "Arn"
            ]
        return Check("role-trust", "pass", detail), role["Arn"]

    def association(self, cluster: str, spec: ControllerSpec, role_arn: str) -> Check:
        """The Pod Identity association of the ServiceAccount exists and names the role."""
        where = f"{cluster}: {spec.namespace}/{spec.service_account_name}"
        found = self.eks.list_pod_identity_associations(
            clusterName=cluster, namespace=spec.namespace, serviceAccount=spec.service_account_name
        )["associations"]
        if not found:
            return Check(
                "pod-identity-association", "fail", f"no Pod Identity association for {where}", "pulumi up the stack"
            )
        described = self.eks.describe_pod_identity_association(
            clusterName=cluster, associationId=found[0]["associationId"]
        )["association"]
        if described["roleArn"] != role_arn:
            detail = f"the association for {where} names {described['roleArn']}, not {role_arn}"
            return Check("pod-identity-association", "fail", detail, "pulumi up the stack")
        return Check("pod-identity-association", "pass", f"{where} is associated with {role_arn}")

    def agent(self, cluster: str) -> Check | None:
        """The Pod Identity agent add-on is ACTIVE; None when the cluster has no such add-on (then its
        DaemonSet is checked on the Kubernetes side: EKS Auto Mode runs the agent without the add-on)."""
        try:
            addon = self.eks.describe_addon(clusterName=cluster, addonName=AGENT_ADDON)["addon"]
        except self.eks.exceptions.ResourceNotFoundException:
            return None
        if addon["status"] != "ACTIVE":
            fix = "see the add-on's health issues: aws eks describe-addon --addon-name eks-pod-identity-agent"
            return Check("pod-identity-agent", "fail", f"the {AGENT_ADDON} add-on is {addon['status']}", fix)
        return Check("pod-identity-agent", "pass", f"the {AGENT_ADDON} add-on is ACTIVE")

    def managed_policies(self, role_name: str, expected: Iterable[str]) -> Check:
        pages = self.iam.get_paginator("list_attached_role_policies").paginate(RoleName=role_name)
        attached = {p["PolicyArn"] for page in pages for p in page["AttachedPolicies"]}
        missing = sorted(set(expected) - attached)
        if missing:
            return Check("managed-policies", "fail", f"not attached: {', '.join(missing)}", "pulumi up the stack")
        extra = sorted(attached - set(expected))
        if extra:
            detail = f"attached, but not asked for by the stack: {', '.join(extra)}"
            fix = "pulumi up --refresh removes them; attach policies through the stack (extraPolicyArns)"
            return self._extra("managed-policies", detail, fix)
        return Check("managed-policies", "pass", f"{len(attached)} expected attached, nothing else")

    def inline_policy(self, role_name: str, expected: Mapping[str, Any]) -> Check:
        """The role's inline policies are exactly ack-irsa's (``{name: document}``; none when none is expected)."""
        names = [
            n
            for page in self.iam.get_paginator("list_role_policies").paginate(RoleName=role_name)
            for n in page["PolicyNames"]
        ]
        for name, document in sorted(expected.items()):
            if name not in names:
                detail = f"no inline policy {name}" + (f" (has: {', '.join(names)})" if names else "")
                return Check("inline-policy", "fail", detail, "pulumi up the stack")
            found = self.iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
            if _normalized(found) != _normalized(document):
                return Check("inline-policy", "fail", f"{name} differs from the stack's", "pulumi up the stack")
        extra = sorted(set(names) - set(expected))
        if extra:
            detail = f"inline policies the stack did not ask for: {', '.join(extra)}"
            return self._extra("inline-policy", detail, "pulumi up --refresh removes them")
        held = " and ".join(sorted(expected))
        return Check(
            "inline-policy",
            "pass",
            f"{held} hold{'s' if len(expected) == 1 else ''} the expected document"
            if expected
            else "none, as expected",
        )

    def cross_account(
        self, spec: ControllerSpec, role_arn: str, target_iam: Callable[[CrossAccountTarget], Any] | None
    ) -> list[Check]:
        """Both sides of each cross-account grant, from the documents themselves: the controller's role may
        assume the target role, and the target role's trust admits the controller's role (read with the
        target account's credentials, where the stack says how to get them)."""
        partition = parse_arn(role_arn).partition
        actions = [ASSUME_ROLE, TAG_SESSION] if spec.uses_pod_identity else [ASSUME_ROLE]
        role_name = role_arn.rsplit("/", 1)[-1]
        try:
            policy = self.iam.get_role_policy(RoleName=role_name, PolicyName=CROSS_ACCOUNT_POLICY_NAME)[
                "PolicyDocument"
            ]
        except self.iam.exceptions.NoSuchEntityException:
            policy = {"Statement": []}
        checks = []
        for target in spec.cross_account:
            arn = target.role_arn(partition)
            name = f"cross-account {target.account_id}"
            missing = [action for action in actions if not allows(policy, action, arn)]
            if missing:
                detail = f"{role_name} may not {', '.join(missing)} on {arn}"
                checks.append(Check(name, "fail", detail, "pulumi up the stack"))
                continue
            checks.append(self._target_trust(name, target, arn, role_arn, actions, target_iam))
        return checks

    def _target_trust(  # noqa: PLR0917 - one grant, seen from both sides
        self,
        name: str,
        target: CrossAccountTarget,
        arn: str,
        role_arn: str,
        actions: Sequence[str],
        target_iam: Callable[[CrossAccountTarget], Any] | None,
    ) -> Check:
        may = f"{role_arn.rsplit('/', 1)[-1]} may {' and '.join(actions)} on {arn}"
        iam = target_iam(target) if target_iam is not None else None
        if iam is None:
            why = "no credentials for the target account (verify --target-profile ACCOUNT=PROFILE)"
            return Check(name, "skipped", f"{may}; the target role's trust was not read: {why}")
        try:
            trust = iam.get_role(RoleName=target.role_name)["Role"]["AssumeRolePolicyDocument"]
        except iam.exceptions.NoSuchEntityException:
            fix = "pulumi up the target account's program (TargetAccountRole), or set manageRole"
            return Check(name, "fail", f"{may}, but there is no role {arn}", fix)
        missing = [action for action in actions if not trusts(trust, role_arn, action)]
        if missing:
            detail = f"{may}, but the trust of {arn} does not let {role_arn} {', '.join(missing)}"
            return Check(name, "fail", detail, "pulumi up the target account's program (TargetAccountRole)")
        return Check(name, "pass", f"{may}, and its trust admits {role_arn}")


def allows(document: Any, action: str, resource: str) -> bool:
    """Whether an identity policy allows ``action`` on ``resource``: an Allow statement matches and no Deny does
    (IAM's wildcards in actions and resources; conditions are not evaluated and make a statement not count)."""
    statements = _listed(_normalized(document).get("Statement"))

    def matches(statement: Mapping[str, Any]) -> bool:
        return (
            "Condition" not in statement
            and any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in _listed(statement.get("Action")))
            and any(fnmatch.fnmatchcase(resource, r) for r in _listed(statement.get("Resource")))
        )

    if any(s.get("Effect") == "Deny" and matches(s) for s in statements):
        return False
    return any(s.get("Effect") == "Allow" and matches(s) for s in statements)


def trusts(document: Any, principal_arn: str, action: str) -> bool:
    """Whether a trust policy admits the role ``principal_arn`` (by its ARN) for ``action``."""
    for statement in _listed(_normalized(document).get("Statement")):
        principals = (
            _listed((statement.get("Principal") or {}).get("AWS"))
            if isinstance(statement.get("Principal"), Mapping)
            else []
        )
        actions = [a.lower() for a in _listed(statement.get("Action"))]
        if (
            statement.get("Effect") == "Allow"
            and principal_arn in principals
            and (action.lower() in actions or "sts:*" in actions)
        ):
            return True
    return False


def trust_problem(document: Any, provider: Provider, subjects: Iterable[str]) -> str | None:
    """Everything wrong with a trust policy for ``subjects`` through ``provider``, in one line; None when
    nothing is (see :func:`trust_problems`)."""
    wrong, extra = trust_problems(document, provider, subjects)
    return "; ".join(wrong + extra) or None


def trust_problems(
    document: Any,
    provider: Provider | None,
    subjects: Iterable[str],
    extra_providers: Iterable[str] = (),
    association: tuple[str, str, tuple[str, ...]] | None = None,
) -> tuple[list[str], list[str]]:
    """(what is wrong with the statements the stack asked for, the statements it did not ask for).

    Every statement is evaluated, not the first that matches: an Allow for the cluster's provider (or one
    of ``extra_providers``) must pin exactly ``subjects`` and the audience; any other Allow — another
    principal, another action, a second provider — is one the stack did not ask for. A wildcard subject
    is wrong unless it is one of ``subjects`` (the stack opted in to it). Deny statements only narrow."""
    from ack_irsa.arns import issuer_of_provider_arn

    trusted = {arn: issuer_of_provider_arn(arn) for arn in extra_providers}
    if provider is not None:
        trusted[provider.arn] = provider.issuer
    statements = document.get("Statement", []) if isinstance(document, Mapping) else []
    wrong: list[str] = []
    extra: list[str] = []
    found = set()
    listed = [statements] if isinstance(statements, Mapping) else statements if isinstance(statements, list) else []
    for index, statement in enumerate(listed):
        if not isinstance(statement, Mapping) or statement.get("Effect") == "Deny":
            continue
        principal = statement.get("Principal")
        federated = _listed(principal.get("Federated")) if isinstance(principal, Mapping) else []
        ours = (
            isinstance(principal, Mapping)
            and set(principal) == {"Federated"}
            and len(federated) == 1
            and federated[0] in trusted
            and _listed(statement.get("Action")) == [WEB_IDENTITY_ACTION]
            and "NotPrincipal" not in statement
            and "NotAction" not in statement
        )
        if association is not None and _pod_identity_principal(statement):
            found.add(POD_IDENTITY_SERVICE)
            if problem := _association_problem(statement, association):
                wrong.append(f"statement {index}: {problem}" if len(listed) > 1 else problem)
            continue
        if not ours:
            extra.append(f"statement {index} allows {_who(statement)}, which the stack did not ask for")
            continue
        found.add(federated[0])
        if problem := _condition_problem(statement.get("Condition") or {}, trusted[federated[0]], set(subjects)):
            wrong.append(f"statement {index}: {problem}" if len(listed) > 1 else problem)
    if provider is not None and provider.arn not in found:
        wrong.insert(0, f"no statement lets {provider.arn} assume the role with {WEB_IDENTITY_ACTION}")
    if association is not None and POD_IDENTITY_SERVICE not in found:
        wrong.insert(0, f"no statement lets {POD_IDENTITY_SERVICE} assume the role (EKS Pod Identity)")
    return wrong, extra


def _pod_identity_principal(statement: Mapping[str, Any]) -> bool:
    principal = statement.get("Principal")
    return (
        isinstance(principal, Mapping)
        and set(principal) == {"Service"}
        and _listed(principal["Service"]) == [POD_IDENTITY_SERVICE]
    )


def _association_problem(statement: Mapping[str, Any], association: tuple[str, str, tuple[str, ...]]) -> str | None:
    """What is wrong with a Pod Identity statement for (namespace, ServiceAccount, clusters)."""
    actions = set(_listed(statement.get("Action")))
    if actions != set(POD_IDENTITY_ACTIONS):
        return f"{POD_IDENTITY_SERVICE} may {sorted(actions)}, not exactly {list(POD_IDENTITY_ACTIONS)}"
    pinned = (statement.get("Condition") or {}).get("StringEquals", {})
    namespace, service_account, clusters = association
    expected = {NAMESPACE_TAG: {namespace}, SERVICE_ACCOUNT_TAG: {service_account}, CLUSTER_TAG: set(clusters)}
    for key, values in expected.items():
        if set(_listed(pinned.get(key))) != values:
            found = sorted(_listed(pinned.get(key))) or "nothing"
            return f"the Pod Identity trust pins {key} to {found}, not {sorted(values)}"
    return None


def _who(statement: Mapping[str, Any]) -> str:
    principal = statement.get("Principal", statement.get("NotPrincipal"))
    actions = _listed(statement.get("Action", statement.get("NotAction")))
    return f"{json.dumps(principal, sort_keys=True)} to {', '.join(map(str, actions)) or 'nothing'}"


def _condition_problem(condition: Mapping[str, Any], issuer: str, subjects: set[str]) -> str | None:
    def values(operator: str, key: str) -> set[str]:
        return set(_listed(condition.get(operator, {}).get(f"{issuer}:{key}")))

    audiences = values("StringEquals", "aud")
    if not audiences:
        return f"the trust policy does not pin {issuer}:aud, so a token for any audience is accepted"
    if audiences != {STS_AUDIENCE}:
        return f"{issuer}:aud is {sorted(audiences)}, not {STS_AUDIENCE!r}"
    admitted = values("StringEquals", "sub") | values("StringLike", "sub")
    patterns = sorted(s for s in admitted if has_wildcard(s) and s not in subjects)
    if patterns:
        return f"the trust policy admits wildcard subjects {patterns}"
    if admitted != subjects:
        return f"the trust policy admits {sorted(admitted) or 'no subject'}, not {sorted(subjects)}"
    return None


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _normalized(document: Any) -> Any:
    if isinstance(document, str):
        document = json.loads(document)
    return json.loads(json.dumps(document, sort_keys=True))


def expected_inline_policies(spec: ControllerSpec, partition: str) -> dict[str, Any]:
    """The inline policies the stack puts, by name: the recommended (or given) one, and the cross-account grant."""
    expected: dict[str, Any] = {}
    if isinstance(spec.inline_policy, Mapping):
        expected[INLINE_POLICY_NAME] = spec.inline_policy
    if spec.cross_account:
        arns = [target.role_arn(partition) for target in spec.cross_account]
        expected[CROSS_ACCOUNT_POLICY_NAME] = assume_policy(arns, spec.uses_pod_identity)
    return expected


def expected_managed_policies(spec: ControllerSpec, partition: str) -> list[str]:
    """The ARNs the stack attaches (deploy-time ARNs cannot be known here and are left out)."""
    arns = []
    for ref in spec.managed_policies.values():
        if ref.aws_managed_name is not None:
            arns.append(aws_managed_policy_arn(partition, ref.aws_managed_name))
        elif isinstance(ref.arn, str):
            arns.append(ref.arn)
    return sorted(arns)


# --- Kubernetes ---------------------------------------------------------------------------------------


class Kubernetes:
    """The Kubernetes side. ``core`` and ``apps`` are the client's CoreV1Api and AppsV1Api."""

    def __init__(
        self,
        core: Any,
        apps: Any,
        api_exception: type[Exception],
        unreachable: tuple[type[Exception], ...],
        custom: Any = None,
    ) -> None:
        self.core, self.apps, self.api_exception, self.custom = core, apps, api_exception, custom
        self.unreachable = unreachable
        """Errors that mean the API server could not answer (connection, authentication)."""

    def cross_account(self, spec: ControllerSpec, target: CrossAccountTarget, role_arn: str) -> Check:
        """The controller is told to use the target role for the target's namespaces: CARM's ConfigMap entry and
        namespace annotations, or an IAMRoleSelector."""
        name = f"cross-account-map {target.account_id}"
        if spec.cross_account_mode == "iam_role_selector":
            return self._role_selector(name, spec, target, role_arn)
        key = carm_key(spec.controller.service, target.account_id, spec.carm_service_level)
        where = f"{spec.namespace}/{CARM_CONFIG_MAP}"
        try:
            data = self.core.read_namespaced_config_map(CARM_CONFIG_MAP, spec.namespace).data or {}
        except self.api_exception as error:
            if getattr(error, "status", None) == 404:
                return Check(name, "fail", f"no ConfigMap {where}", "pulumi up the stack (RoleAccountMap)")
            raise
        if data.get(key) != role_arn:
            detail = f"{where} maps {key} to {data.get(key) or 'nothing'}, not {role_arn}"
            return Check(name, "fail", detail, "pulumi up the stack (RoleAccountMap)")
        wrong = []
        for namespace in target.namespaces:
            try:
                annotations = self.core.read_namespace(namespace).metadata.annotations or {}
            except self.api_exception as error:
                if getattr(error, "status", None) != 404:
                    raise
                annotations = {OWNER_ACCOUNT_ANNOTATION: "(no such namespace)"}
            if annotations.get(OWNER_ACCOUNT_ANNOTATION) != target.account_id:
                wrong.append(f"{namespace} ({annotations.get(OWNER_ACCOUNT_ANNOTATION) or 'not annotated'})")
        if wrong:
            detail = f"namespaces not owned by {target.account_id}: {', '.join(wrong)}"
            return Check(name, "fail", detail, "create the namespaces, then pulumi up the stack")
        namespaces = ", ".join(target.namespaces)
        return Check(name, "pass", f"{where} maps {key} to {role_arn}; {namespaces} owned by {target.account_id}")

    def _role_selector(self, name: str, spec: ControllerSpec, target: CrossAccountTarget, role_arn: str) -> Check:
        group = api_group(spec.controller.service)
        try:
            listed = self.custom.list_cluster_custom_object(*SELECTOR_API_VERSION.split("/"), "iamroleselectors")
        except self.api_exception as error:
            if getattr(error, "status", None) == 404:
                fix = "install ACK's IAMRoleSelector CRD (the controller's chart has it), then pulumi up the stack"
                return Check(name, "fail", "the cluster has no IAMRoleSelector resource", fix)
            raise
        for item in listed.get("items", []):
            found = item.get("spec", {})
            names = set((found.get("namespaceSelector") or {}).get("names") or [])
            groups = {selector.get("group") for selector in found.get("resourceTypeSelector") or []}
            if found.get("arn") == role_arn and names == set(target.namespaces) and group in groups:
                selector = item.get("metadata", {}).get("name")
                return Check(
                    name,
                    "pass",
                    f"IAMRoleSelector {selector} sends {group} in {', '.join(sorted(names))} to {role_arn}",
                )
        detail = f"no IAMRoleSelector sends {group} in {', '.join(target.namespaces)} to {role_arn}"
        return Check(name, "fail", detail, "pulumi up the stack")

    def service_account(self, spec: ControllerSpec, role_arn: str) -> tuple[Check, datetime | None]:
        where = f"{spec.namespace}/{spec.service_account_name}"
        try:
            account = self.core.read_namespaced_service_account(spec.service_account_name, spec.namespace)
        except self.api_exception as error:
            if getattr(error, "status", None) == 404:
                fix = "install the controller's chart, or set serviceAccountMode: create"
                return Check("service-account", "fail", f"no ServiceAccount {where}", fix), None
            raise
        annotation = (account.metadata.annotations or {}).get(ROLE_ARN_ANNOTATION)
        if not spec.uses_irsa:  # Pod Identity alone: an IRSA annotation left behind is the trap of ACK issue 2678
            if annotation is None:
                return Check("service-account", "pass", f"{where} exists; Pod Identity needs no annotation"), None
            detail = (
                f"{where} is still annotated for IRSA ({annotation}), but it has a Pod Identity association: the "
                "EKS webhook injects Pod Identity only, so the association's role is the one in use"
            )
            account_ref = f"serviceaccount {spec.service_account_name}"
            fix = f"kubectl -n {spec.namespace} annotate {account_ref} {ROLE_ARN_ANNOTATION}-"
            return Check("service-account", "warn", detail, fix), None
        if annotation is None:
            return Check(
                "service-account", "fail", f"{where} has no {ROLE_ARN_ANNOTATION} annotation", "pulumi up the stack"
            ), None
        if annotation != role_arn:
            detail = f"{where} is annotated with {annotation}, not {role_arn}"
            return Check("service-account", "fail", detail, "pulumi up the stack"), None
        return Check("service-account", "pass", f"{where} is annotated with {role_arn}"), _annotated_at(account)

    def release(self, spec: ControllerSpec) -> list[Check]:
        """An installed controller: its Helm release is deployed (the release Secret Helm keeps on the cluster),
        its Deployment has its replicas available, and runs the expected chart version."""
        assert spec.install is not None
        install, namespace = spec.install, spec.namespace
        secrets = self.core.list_namespaced_secret(
            namespace, label_selector=f"owner=helm,name={install.release_name}"
        ).items
        latest = max(secrets, key=lambda s: int(s.metadata.labels.get("version", "0")), default=None)
        where = f"{namespace}/{install.release_name}"
        if latest is None:
            release = Check("helm-release", "fail", f"no Helm release {where}", "pulumi up the stack (install)")
        elif (status := latest.metadata.labels.get("status")) != "deployed":
            fix = f"helm -n {namespace} history {install.release_name}"
            release = Check("helm-release", "fail", f"the Helm release {where} is {status}", fix)
        else:
            release = Check("helm-release", "pass", f"the Helm release {where} is deployed")
        try:
            deployment = self.apps.read_namespaced_deployment(spec.deployment_name, namespace)
        except self.api_exception as error:
            if getattr(error, "status", None) != 404:
                raise
            return [release, Check("deployment", "fail", f"no Deployment {namespace}/{spec.deployment_name}", "")]
        wanted, available = deployment.spec.replicas or 0, deployment.status.available_replicas or 0
        chart = (deployment.metadata.labels or {}).get("helm.sh/chart", "")
        expected = f"{install.chart.rsplit('/', 1)[-1]}-{install.version}"
        name = f"{namespace}/{spec.deployment_name}"
        if chart != expected:
            fix = "pulumi up the stack; after a version change, apply the new chart's CRDs first"
            return [
                release,
                Check("deployment", "fail", f"{name} runs chart {chart or 'unknown'}, not {expected}", fix),
            ]
        if available < wanted or wanted == 0:
            fix = f"kubectl -n {namespace} describe deployment {spec.deployment_name}"
            return [release, Check("deployment", "fail", f"{name} has {available} of {wanted} replicas available", fix)]
        return [release, Check("deployment", "pass", f"{name} runs {expected} with {available} of {wanted} replicas")]

    def pods(self, spec: ControllerSpec, role_arn: str, annotated_at: datetime | None) -> Check:
        pods, source = self._controller_pods(spec)
        if not pods:
            return Check("pods", "fail", f"no pods of {source}", "is the controller installed and running?")
        if spec.uses_pod_identity:
            return _pod_identity_pods(spec, pods, source, role_arn)
        problems = [p for pod in pods if (p := _pod_problem(pod, role_arn, annotated_at))]
        if problems:
            restart = f"kubectl -n {spec.namespace} rollout restart deployment/{spec.deployment_name or '<name>'}"
            needs_restart = any("restart needed" in p for p in problems)
            return Check("pods", "fail", "; ".join(problems), restart if needs_restart else _FIX_WEBHOOK)
        return Check(
            "pods", "pass", f"{len(pods)} running pod(s) of {source} carry AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE"
        )

    def agent_daemon_set(self) -> Check:
        """The Pod Identity agent, where it runs without the EKS add-on (EKS Auto Mode, a Helm install)."""
        try:
            daemon_set = self.apps.read_namespaced_daemon_set(AGENT_ADDON, "kube-system")
        except self.api_exception as error:
            if getattr(error, "status", None) != 404:
                raise
            fix = f"install it (ack-irsa:podIdentityAgent: install, or aws eks create-addon --addon-name {AGENT_ADDON})"
            return Check("pod-identity-agent", "fail", f"no {AGENT_ADDON} add-on or DaemonSet on the cluster", fix)
        ready, wanted = daemon_set.status.number_ready or 0, daemon_set.status.desired_number_scheduled or 0
        if ready < wanted or wanted == 0:
            return Check(
                "pod-identity-agent",
                "fail",
                f"{AGENT_ADDON} is ready on {ready} of {wanted} nodes",
                "kubectl -n kube-system describe daemonset eks-pod-identity-agent",
            )
        return Check("pod-identity-agent", "pass", f"{AGENT_ADDON} is ready on {ready} of {wanted} nodes")

    def _controller_pods(self, spec: ControllerSpec) -> tuple[list[Any], str]:
        if spec.deployment_name:
            try:
                deployment = self.apps.read_namespaced_deployment(spec.deployment_name, spec.namespace)
            except self.api_exception as error:
                if getattr(error, "status", None) != 404:
                    raise
            else:
                labels = deployment.spec.selector.match_labels or {}
                selector = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
                pods = self.core.list_namespaced_pod(spec.namespace, label_selector=selector).items
                return pods, f"Deployment {spec.namespace}/{spec.deployment_name}"
        pods = self.core.list_namespaced_pod(spec.namespace).items
        mine = [p for p in pods if p.spec.service_account_name == spec.service_account_name]
        return mine, f"ServiceAccount {spec.namespace}/{spec.service_account_name}"


def _identity_of(pod: Any) -> dict[str, str]:
    """Container name → how it gets credentials: ``pod-identity``, ``irsa <role ARN>`` or ``none``."""
    found = {}
    for container in pod.spec.containers:
        env = {e.name: e.value for e in container.env or []}
        if all(env.get(name) for name in POD_IDENTITY_ENV):
            found[container.name] = "pod-identity"
        elif env.get("AWS_ROLE_ARN"):
            found[container.name] = f"irsa {env['AWS_ROLE_ARN']}"
        else:
            found[container.name] = "none"
    return found


def _pod_identity_pods(spec: ControllerSpec, pods: list[Any], source: str, role_arn: str) -> Check:
    """Which identity each pod actually runs with. Pod Identity alone: every pod on Pod Identity; both: a
    pod still on IRSA (with the role) was not restarted since the association, which is fine mid-migration."""
    on: dict[str, list[str]] = {"pod-identity": [], "irsa": [], "wrong": []}
    for pod in pods:
        if pod.status.phase != "Running":
            on["wrong"].append(f"{pod.metadata.name} is {pod.status.phase}")
            continue
        identities = set(_identity_of(pod).values())
        if identities == {"pod-identity"}:
            on["pod-identity"].append(pod.metadata.name)
        elif identities == {f"irsa {role_arn}"} and spec.uses_irsa:
            on["irsa"].append(pod.metadata.name)
        elif any(i.startswith("irsa") for i in identities):
            on["wrong"].append(f"{pod.metadata.name}: restart needed (it runs on IRSA, not Pod Identity)")
        else:
            on["wrong"].append(f"{pod.metadata.name}: {' and '.join(POD_IDENTITY_ENV)} missing")
    counts = f"{len(on['pod-identity'])} pod(s) of {source} run on Pod Identity"
    if on["irsa"]:
        counts += f", {len(on['irsa'])} still on IRSA (not restarted since the association: {', '.join(on['irsa'])})"
    if on["wrong"]:
        needs_restart = any("restart needed" in p for p in on["wrong"])
        restart = f"kubectl -n {spec.namespace} rollout restart deployment/{spec.deployment_name or '<name>'}"
        fix = restart if needs_restart else "is the eks-pod-identity-agent running? check the pod's serviceAccountName"
        return Check("pods", "fail", f"{counts}; {'; '.join(on['wrong'])}", fix)
    return Check("pods", "pass", counts)


def _annotated_at(account: Any) -> datetime | None:
    """When the role-arn annotation was last set, from the fields' managers (None when unrecorded)."""
    field_key = f"f:{ROLE_ARN_ANNOTATION}"
    times = [
        entry.time
        for entry in account.metadata.managed_fields or []
        if entry.time and field_key in (entry.fields_v1 or {}).get("f:metadata", {}).get("f:annotations", {})
    ]
    return max(times) if times else None


def _pod_problem(pod: Any, role_arn: str, annotated_at: datetime | None) -> str | None:
    name = pod.metadata.name
    if pod.status.phase != "Running":
        return f"{name} is {pod.status.phase}"
    for container in pod.spec.containers:
        env = {e.name: e.value for e in container.env or []}
        if env.get("AWS_ROLE_ARN") == role_arn and env.get("AWS_WEB_IDENTITY_TOKEN_FILE") == TOKEN_FILE:
            continue
        created = pod.metadata.creation_timestamp
        if env.get("AWS_ROLE_ARN") not in (None, role_arn):
            return f"{name}: restart needed (it runs with {env['AWS_ROLE_ARN']})"
        if annotated_at is not None and created is not None and created < annotated_at:
            return f"{name}: restart needed (created before the ServiceAccount was annotated)"
        return f"{name}/{container.name}: AWS_ROLE_ARN or AWS_WEB_IDENTITY_TOKEN_FILE missing"
    return None


_FIX_REGION = "check --region and the account of your credentials"
_FIX_EKS = "an EKS cluster always has an issuer: is this an EKS cluster?"
_FIX_KUBECONFIG = "check --kubeconfig and --context, and that your credentials may read the namespace"
_FIX_WEBHOOK = "the EKS pod identity webhook did not inject credentials: check the pod's serviceAccountName"


def skipped(names: Iterable[str], why: str) -> list[Check]:
    return [Check(name, "skipped", why) for name in names]


AWS_CHECKS = ("role-trust", "managed-policies", "inline-policy")
KUBERNETES_CHECKS = ("service-account", "pods")


def verify_controller(  # noqa: PLR0917 - the clients and what the stack says
    aws: Aws,
    kubernetes: Callable[[], Kubernetes] | None,
    spec: ControllerSpec,
    provider: Provider | None,
    cluster: str | None,
    target_iam: Callable[[CrossAccountTarget], Any] | None = None,
) -> list[Check]:
    """Every check of one controller, in order; later ones are skipped when they cannot run.
    ``kubernetes`` makes the client on first use (None: the Kubernetes side is skipped); ``target_iam`` makes an
    IAM client for a cross-account target's account (None when the stack does not say how)."""
    if spec.uses_irsa and provider is None:
        return skipped((*AWS_CHECKS, *KUBERNETES_CHECKS), "needs the cluster's OIDC provider")
    role_name = spec.role_name_for(provider.issuer if spec.uses_irsa and provider else None, cluster)
    trust, role_arn = aws.role(role_name, provider if spec.uses_irsa else None, spec, cluster)
    checks = [trust]
    if role_arn is None:
        return checks + skipped((*AWS_CHECKS[1:], *KUBERNETES_CHECKS), "needs the role")
    checks.append(aws.managed_policies(role_name, expected_managed_policies(spec, parse_arn(role_arn).partition)))
    partition = parse_arn(role_arn).partition
    checks.append(aws.inline_policy(role_name, expected_inline_policies(spec, partition)))
    if spec.cross_account:
        checks += aws.cross_account(spec, role_arn, target_iam)
    agent = None
    if spec.uses_pod_identity and cluster:
        checks.append(aws.association(cluster, spec, role_arn))
        agent = aws.agent(cluster)
        checks += [agent] if agent is not None else []
    if kubernetes is None:
        return checks + skipped(KUBERNETES_CHECKS, "--skip-kubernetes")
    try:
        client = kubernetes()
    except ValueError as error:  # no usable kubeconfig: the AWS side still stands
        return [
            *checks,
            Check("service-account", "fail", str(error), _FIX_KUBECONFIG),
            *skipped(["pods"], "needs the cluster"),
        ]
    try:
        if spec.uses_pod_identity and cluster and agent is None:
            checks.append(client.agent_daemon_set())
        account, annotated_at = client.service_account(spec, role_arn)
        if spec.install is not None:
            checks += client.release(spec)
        checks += [account, client.pods(spec, role_arn, annotated_at)]
        if spec.cross_account and spec.service_account_mode != "none":
            partition = parse_arn(role_arn).partition
            checks += [client.cross_account(spec, target, target.role_arn(partition)) for target in spec.cross_account]
    except client.unreachable as error:
        checks += [Check("service-account", "fail", f"cannot read the cluster: {error}", _FIX_KUBECONFIG)]
        checks += skipped(KUBERNETES_CHECKS[1:], "needs the cluster")
    return checks
