"""The AWS side of verify (boto3, read-only): the OIDC provider, each role's trust and policies, Pod Identity
and the cross-account targets."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ack_irsa.catalog.derived import derive
from ack_irsa.iam.accounts import (
    ASSUME_ROLE,
    CROSS_ACCOUNT_POLICY_NAME,
    TAG_SESSION,
    CrossAccountTarget,
    assume_policy,
)
from ack_irsa.iam.arns import aws_managed_policy_arn, cluster_arn, parse_arn, parsed_or_none
from ack_irsa.iam.policies import issuer_host
from ack_irsa.iam.risks import broad_document, broad_managed_policy
from ack_irsa.iam.trust import (
    AGENT_ADDON,
    POD_IDENTITY_ACTIONS,
    POD_IDENTITY_SERVICE,
    STS_AUDIENCE,
    WEB_IDENTITY_ACTION,
    TrustedAssociation,
    has_wildcard,
)
from ack_irsa.live.report import Check
from ack_irsa.spec.controller import DEFAULT_INLINE_POLICY_NAME, ControllerSpec
from ack_irsa.spec.permissions import DERIVED_POLICY_NAME
from ack_irsa.spec.target_role import TargetRoleSpec, managed_target_role_args, resolve_target_role


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

    def provider(
        self, issuer: str, client_ids: Sequence[str] | None = None, thumbprints: Sequence[str] | None = None
    ) -> tuple[Check, Provider | None]:
        """The issuer's IAM OIDC provider lists the audience IRSA roles trust. ``client_ids`` and
        ``thumbprints``: what the stack created it with (None: not compared, as for an adopted provider);
        another audience is an extra, thumbprints other than the stack's a failure."""
        arns = [p["Arn"] for p in self.iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]
        arn = next((a for a in arns if a.endswith(f":oidc-provider/{issuer}")), None)
        if arn is None:
            fix = "pulumi up a stack that creates it (clusterName), or: eksctl utils associate-iam-oidc-provider"
            return Check("oidc-provider", "fail", f"no IAM OIDC provider for {issuer}", fix), None
        described = self.iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
        live_ids = described.get("ClientIDList", [])
        found = Provider(arn, issuer)
        if STS_AUDIENCE not in live_ids:
            detail = f"{arn} lists audiences {live_ids}, not {STS_AUDIENCE}"
            fix = (
                "aws iam add-client-id-to-open-id-connect-provider "
                f"--open-id-connect-provider-arn {arn} --client-id {STS_AUDIENCE}"
            )
            return Check("oidc-provider", "fail", detail, fix), found
        live_prints = sorted(t.lower() for t in described.get("ThumbprintList", []))
        if thumbprints and live_prints != sorted(t.lower() for t in thumbprints):
            detail = f"{arn} trusts the thumbprints {live_prints}, not the stack's {sorted(thumbprints)}"
            return Check("oidc-provider", "fail", detail, "pulumi up the stack"), found
        if client_ids is not None and (extra := sorted(set(live_ids) - set(client_ids))):
            detail = f"{arn} also lists the audiences {extra}, which the stack did not ask for"
            return self._extra("oidc-provider", detail, "pulumi up the stack"), found
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
        if spec.uses_pod_identity:  # the cluster pinned by its ARN: the role's partition and account, our region
            arn = parse_arn(role["Arn"])
            pinned = cluster_arn(
                arn.partition, self.eks.meta.region_name, arn.account, cluster or str(spec.cluster_name)
            )
            association = (spec.namespace, spec.service_account_name, (pinned, *spec.extra_cluster_names))
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
        if target := described.get("targetRoleArn"):  # the pods would get this role's credentials instead
            detail = f"the association for {where} has targetRoleArn {target}: its pods get that role, not {role_arn}"
            return Check("pod-identity-association", "fail", detail, "pulumi up the stack")
        if described.get("disableSessionTags"):  # the trust pins session tags: without them it admits nothing
            detail = (
                f"the association for {where} has disableSessionTags: the role's trust pins the session tags, so "
                "the pods get no credentials"
            )
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

    def managed_policies(
        self,
        role_name: str,
        expected: Iterable[str],
        iam: Any = None,
        name: str = "managed-policies",
        acknowledged: Iterable[str] = (),
    ) -> Check:
        """The role's attached policies are exactly the stack's. One that allows every action or an escalation
        path (AdministratorAccess and the like) fails even with ``--allow-extra``: it is a widening, not an
        extra. A customer-managed policy's default version is read and held to the same: it fails when it has
        such a risk that the stack does not acknowledge (``acknowledged``), even when the stack attaches it."""
        iam = iam or self.iam
        pages = iam.get_paginator("list_attached_role_policies").paginate(RoleName=role_name)
        attached = {p["PolicyArn"] for page in pages for p in page["AttachedPolicies"]}
        missing = sorted(set(expected) - attached)
        if missing:
            return Check(name, "fail", f"not attached: {', '.join(missing)}", "pulumi up the stack")
        extra = sorted(attached - set(expected))
        widened = [arn for arn in extra if broad_managed_policy(arn)]
        for arn in sorted(attached):
            version, found = self._broad_version(iam, arn)
            if unacknowledged := [risk for risk in found if arn in extra or risk not in set(acknowledged)]:
                widened.append(f"{arn} (default version {version} has {', '.join(unacknowledged)})")
        if widened:
            detail = f"attached policies that allow every action or an escalation path: {', '.join(widened)}"
            return Check(name, "fail", detail, "detach them; --allow-extra never excuses a widening")
        if extra:
            detail = f"attached, but not asked for by the stack: {', '.join(extra)}"
            fix = "pulumi up --refresh removes them; attach policies through the stack (extraPolicyArns)"
            return self._extra(name, detail, fix)
        return Check(name, "pass", f"{len(attached)} expected attached, nothing else")

    def _broad_version(self, iam: Any, arn: str) -> tuple[str, list[str]]:
        """A customer-managed policy's default version and the :data:`~ack_irsa.iam.risks.BROAD_IDS` risks its
        document has (none for an AWS-managed policy, whose risks are pinned, or one that cannot be read)."""
        parsed = parsed_or_none(arn)
        if parsed is None or parsed.account == "aws":
            return "", []
        try:
            policy = iam.get_policy(PolicyArn=arn)["Policy"]
            version = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])["PolicyVersion"]
        except iam.exceptions.NoSuchEntityException:
            return "", []
        document = version["Document"]
        found = broad_document(json.loads(document) if isinstance(document, str) else _normalized(document))
        return policy["DefaultVersionId"], found

    def inline_policy(
        self, role_name: str, expected: Mapping[str, Any], iam: Any = None, name: str = "inline-policy"
    ) -> Check:
        """The role's inline policies are exactly ack-irsa's (``{name: document}``; none when none is expected).
        One the stack did not ask for that allows every action or an escalation path fails even with
        ``--allow-extra``."""
        iam = iam or self.iam
        names = [
            n
            for page in iam.get_paginator("list_role_policies").paginate(RoleName=role_name)
            for n in page["PolicyNames"]
        ]
        for policy, document in sorted(expected.items()):
            if policy not in names:
                detail = f"no inline policy {policy}" + (f" (has: {', '.join(names)})" if names else "")
                return Check(name, "fail", detail, "pulumi up the stack")
            found = iam.get_role_policy(RoleName=role_name, PolicyName=policy)["PolicyDocument"]
            if _normalized(found) != _normalized(document):
                return Check(name, "fail", f"{policy} differs from the stack's", "pulumi up the stack")
        extra = sorted(set(names) - set(expected))
        widened = []
        for policy in extra:
            found = _normalized(iam.get_role_policy(RoleName=role_name, PolicyName=policy)["PolicyDocument"])
            if broad := broad_document(found):
                widened.append(f"{policy} ({', '.join(broad)})")
        if widened:
            detail = f"inline policies that allow every action or an escalation path: {', '.join(widened)}"
            return Check(name, "fail", detail, "delete them; --allow-extra never excuses a widening")
        if extra:
            detail = f"inline policies the stack did not ask for: {', '.join(extra)}"
            return self._extra(name, detail, "pulumi up --refresh removes them")
        held = " and ".join(sorted(expected))
        return Check(
            name,
            "pass",
            f"{held} hold{'s' if len(expected) == 1 else ''} the expected document"
            if expected
            else "none, as expected",
        )

    def role_settings(
        self, role_name: str, spec: ControllerSpec | TargetRoleSpec, iam: Any = None, name: str = "role-settings"
    ) -> Check:
        """The role's path, maximum session, permissions boundary and tags are the plan's. A boundary removed
        or replaced widens what the role may do; none of these is an extra ``--allow-extra`` excuses."""
        role = (iam or self.iam).get_role(RoleName=role_name)["Role"]
        boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        tags = {t["Key"]: t["Value"] for t in role.get("Tags") or []}
        planned_boundary = getattr(spec, "permissions_boundary", None)
        if planned_boundary is not None and not isinstance(planned_boundary, str):
            planned_boundary = boundary  # known only at deploy time: not compared
        planned_tags = dict(spec.role_tags if isinstance(spec, ControllerSpec) else spec.tags)
        found = [
            (role.get("Path", "/"), spec.role_path, "path {}"),
            (role.get("MaxSessionDuration", 3600), spec.max_session_duration, "sessions up to {} s"),
            (boundary, planned_boundary, "permissions boundary {}"),
            (tags, planned_tags, "tags {}"),
        ]
        wrong = [
            f"{text.format(_none(live))}, not {_none(planned)}" for live, planned, text in found if live != planned
        ]
        if wrong:
            return Check(name, "fail", f"{role_name}: {'; '.join(wrong)}", "pulumi up the stack")
        described = [
            f"path {spec.role_path}",
            f"sessions up to {spec.max_session_duration} s",
            f"boundary {boundary}" if boundary else "no boundary",
            f"tags {tags}" if tags else "no tags",
        ]
        return Check(name, "pass", f"{', '.join(described)}, as planned")

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
            iam = target_iam(target) if target_iam is not None else None
            if iam is not None and (permissions := self.target_permissions(spec, target, role_arn, iam)) is not None:
                checks.append(permissions)
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
        widened, extra = _beyond(trust, role_arn)
        fix = "pulumi up the target account's program (TargetAccountRole): it writes the whole trust"
        if widened:
            return Check(name, "fail", f"{may}, but {arn} admits {'; '.join(widened)} beyond the controller role", fix)
        if extra:
            return self._extra(name, f"{may}; {arn} also admits {'; '.join(extra)} beyond the controller role", fix)
        return Check(name, "pass", f"{may}, and its trust admits {role_arn}")

    def target_permissions(
        self, spec: ControllerSpec, target: CrossAccountTarget, role_arn: str, iam: Any
    ) -> Check | None:
        """The target role's permissions: exactly the recommended ones for a role this stack makes
        (``manageRole``), and nothing that allows every action or an escalation path for any target.
        None when the role cannot be read."""
        name = f"target-permissions {target.account_id}"
        try:
            iam.get_role(RoleName=target.role_name)
        except iam.exceptions.NoSuchEntityException:
            return None
        partition = parse_arn(role_arn).partition
        if target.manage_role:  # made by this stack: exactly what the stack gives it
            made = resolve_target_role(managed_target_role_args(spec, target, role_arn))
            inline: dict[str, Any] = {}
            if (derived_policy := made.derived_policy) is not None:
                kinds = None if derived_policy.all_kinds else list(derived_policy.kinds)
                inline[DERIVED_POLICY_NAME] = derive(
                    derived_policy.service, kinds, derived_policy.pass_roles, partition
                ).document
            if isinstance(made.inline_policy, Mapping):
                inline[DEFAULT_INLINE_POLICY_NAME] = made.inline_policy
            checks = [
                self.role_settings(target.role_name, made, iam, name),
                self.managed_policies(
                    target.role_name,
                    expected_managed_policies(made, partition),
                    iam,
                    name,
                    {risk.id for risk in made.risks if risk.acknowledged},
                ),
                self.inline_policy(target.role_name, inline, iam, name),
            ]
        else:  # made by the target account's own program: only its broad grants are known to be wrong
            lenient = Aws(self.eks, iam, allow_extra=True)
            checks = [
                lenient.managed_policies(target.role_name, [], iam, name),
                lenient.inline_policy(target.role_name, {}, iam, name),
            ]
            checks = [c for c in checks if c.status == "fail"]
        failed = [c for c in checks if c.status == "fail"]
        if failed:
            return Check(name, "fail", f"{target.role_name}: {'; '.join(c.detail for c in failed)}", failed[0].fix)
        warned = [c for c in checks if c.status == "warn"]
        if warned:
            return Check(name, "warn", f"{target.role_name}: {'; '.join(c.detail for c in warned)}")
        what = (
            "the recommended policies"
            if target.manage_role
            else "no policy that allows every action or an escalation path"
        )
        return Check(name, "pass", f"{target.role_name} holds {what}")


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


def _none(value: Any) -> Any:
    return "none" if value is None else value


def _beyond(trust: Any, role_arn: str) -> tuple[list[str], list[str]]:
    """What a target role's trust admits besides ``role_arn``: (widenings, other roles). A widening is
    anyone, an account root or account ID, a federated or service principal, or NotPrincipal; another role
    by ARN is an extra."""
    widened: list[str] = []
    extra: list[str] = []
    for index, statement in enumerate(_listed(_normalized(trust).get("Statement"))):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        if "NotPrincipal" in statement or principal == "*" or not isinstance(principal, Mapping):
            widened.append(f"statement {index}: {_who(statement)}")
            continue
        for kind, values in principal.items():
            for value in _listed(values):
                if kind == "AWS" and value == role_arn:
                    continue
                described = f"statement {index}: {json.dumps({kind: value})}"
                is_role = kind == "AWS" and ":role/" in str(value)
                (extra if is_role else widened).append(described)
    return widened, extra


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
    from ack_irsa.iam.arns import issuer_of_provider_arn

    trusted = {arn: issuer_of_provider_arn(arn) for arn in extra_providers}
    if provider is not None:
        trusted[provider.arn] = provider.issuer
    statements = document.get("Statement", []) if isinstance(document, Mapping) else []
    wrong: list[str] = []
    extra: list[str] = []
    found = set()
    expected_pins = [
        {key: set(_listed(value)) for key, value in pins.items()}
        for pins in (TrustedAssociation(*association).pins() if association is not None else [])
    ]
    matched: set[int] = set()
    misses: list[int] = []
    """Pod Identity statements found wrong: then the pins they miss are said by them, not again."""
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
            if problem := _association_problem(statement, expected_pins, matched):
                misses.append(index)
                wrong.append(f"statement {index}: {problem}" if len(listed) > 1 else problem)
            continue
        if not ours:
            unasked = f"statement {index} allows {_who(statement)}, which the stack did not ask for"
            # anyone, an account root or a whole account is a widening, never an extra --allow-extra excuses
            (wrong if _widens(statement) else extra).append(unasked)
            continue
        found.add(federated[0])
        if problem := _condition_problem(statement.get("Condition") or {}, trusted[federated[0]], set(subjects)):
            wrong.append(f"statement {index}: {problem}" if len(listed) > 1 else problem)
    if provider is not None and provider.arn not in found:
        wrong.insert(0, f"no statement lets {provider.arn} assume the role with {WEB_IDENTITY_ACTION}")
    if association is not None and POD_IDENTITY_SERVICE not in found:
        wrong.insert(0, f"no statement lets {POD_IDENTITY_SERVICE} assume the role (EKS Pod Identity)")
    elif association is not None and not misses:
        wrong += [
            f"no statement lets {POD_IDENTITY_SERVICE} assume the role pinning {_pins_text(pins)}"
            for index, pins in enumerate(expected_pins)
            if index not in matched
        ]
    return wrong, extra


def _widens(statement: Mapping[str, Any]) -> bool:
    principal = statement.get("Principal")
    if "NotPrincipal" in statement or principal == "*" or not isinstance(principal, Mapping):
        return True
    return any(
        value == "*" or str(value).endswith(":root") or str(value).isdigit() for value in _listed(principal.get("AWS"))
    )


def _pod_identity_principal(statement: Mapping[str, Any]) -> bool:
    principal = statement.get("Principal")
    return (
        isinstance(principal, Mapping)
        and set(principal) == {"Service"}
        and _listed(principal["Service"]) == [POD_IDENTITY_SERVICE]
    )


def _association_problem(
    statement: Mapping[str, Any], expected: Sequence[Mapping[str, set[str]]], matched: set[int]
) -> str | None:
    """What is wrong with a Pod Identity statement, against the pins the stack gives its statements (one per
    way the clusters are pinned: by ARN, by name); a statement that holds one of them marks it ``matched``."""
    actions = set(_listed(statement.get("Action")))
    if actions != set(POD_IDENTITY_ACTIONS):
        return f"{POD_IDENTITY_SERVICE} may {sorted(actions)}, not exactly {list(POD_IDENTITY_ACTIONS)}"
    pinned = (statement.get("Condition") or {}).get("StringEquals", {})
    # held against the expected statement pinning the cluster the same way, else the first
    index = next((i for i, pins in enumerate(expected) if set(pins) <= set(pinned)), 0)
    for key, values in expected[index].items():
        if set(_listed(pinned.get(key))) != values:
            found = sorted(_listed(pinned.get(key))) or "nothing"
            return f"the Pod Identity trust pins {key} to {found}, not {sorted(values)}"
    matched.add(index)
    return None


def _pins_text(pins: Mapping[str, set[str]]) -> str:
    return ", ".join(f"{key} to {sorted(values)}" for key, values in pins.items())


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
    """The inline policies the stack puts, by name: the derived one, the recommended (or given) one, and the
    cross-account grant."""
    expected: dict[str, Any] = {}
    if (derived_policy := spec.derived_policy) is not None:  # derived in the partition the role is in
        kinds = None if derived_policy.all_kinds else list(derived_policy.kinds)
        expected[DERIVED_POLICY_NAME] = derive(
            derived_policy.service, kinds, derived_policy.pass_roles, partition
        ).document
    if isinstance(spec.inline_policy, Mapping):
        expected[spec.inline_policy_name] = spec.inline_policy
    if spec.cross_account:
        arns = [target.role_arn(partition) for target in spec.cross_account]
        expected[CROSS_ACCOUNT_POLICY_NAME] = assume_policy(arns, spec.uses_pod_identity)
    return expected


def expected_managed_policies(spec: ControllerSpec | TargetRoleSpec, partition: str) -> list[str]:
    """The ARNs the stack attaches (deploy-time ARNs cannot be known here and are left out)."""
    arns = []
    for ref in spec.managed_policies.values():
        if ref.aws_managed_name is not None:
            arns.append(aws_managed_policy_arn(partition, ref.aws_managed_name))
        elif isinstance(ref.arn, str):
            arns.append(ref.arn)
    return sorted(arns)


_FIX_REGION = "check --region and the account of your credentials"
_FIX_EKS = "an EKS cluster always has an issuer: is this an EKS cluster?"
