"""``ack-irsa adopt``: what runs on a cluster (:mod:`ack_irsa.live.adopt`) as a stack file that reproduces it,
the imports that take it over, and the report of what differs from what ack-irsa would build.

Two steps, because an import must match what exists:

1. **Take over as-is.** The stack file gives every value as found (role name and path, trust, description,
   policies, inline policy name, tags) and leaves the cluster's objects alone (``serviceAccountMode: none``,
   ``deploymentName: ""``: the ServiceAccount already names the role and the pods already run with it). Its
   plan holds only imports: nothing is created, updated, replaced or restarted.
2. **Converge.** The report gives, for each difference, the config change that takes ack-irsa's default, and
   the whole converged config: a normal reviewed diff (``ack-irsa diff``), whose plan calls out each change and
   the one restart.

Nothing here deletes anything: a role owned by a CloudFormation stack (eksctl) or a terraform state gets the
sequence that detaches it without deleting it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import yaml

from ack_irsa import catalog
from ack_irsa.components.controller import INLINE_POLICY_NAME
from ack_irsa.iam.arns import issuer_of_provider_arn, parse_arn
from ack_irsa.iam.policies import allowed_actions
from ack_irsa.iam.trust import (
    POD_IDENTITY_SERVICE,
    STS_AUDIENCE,
    WEB_IDENTITY_ACTION,
    TrustedAssociation,
    TrustedIssuer,
    has_wildcard,
    service_account_subject,
    trust_policy,
)
from ack_irsa.live.adopt import CLOUDFORMATION_STACK_TAG, Discovery, FoundController, FoundRole
from ack_irsa.spec.controller import DEFAULT_NAMESPACE

NAMESPACE = "ack-irsa"
IMPORT_KEY = f"{NAMESPACE}:import"
IMPORTED_TYPES = {
    "aws:iam/role:Role": lambda inputs, _: inputs["name"],
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": lambda inputs, _: f"{inputs['role']}/{inputs['policyArn']}",
    "aws:iam/rolePolicy:RolePolicy": lambda inputs, _: f"{inputs['role']}:{inputs['name']}",
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": lambda inputs, _: inputs["roleName"],
    "aws:iam/rolePoliciesExclusive:RolePoliciesExclusive": lambda inputs, _: inputs["roleName"],
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": lambda inputs, found: (
        f"{inputs['clusterName']},{found.association.association_id}"
    ),
}
"""Pulumi's import ID of each resource type a taken-over controller registers, from its inputs (and, for the
association, the ID EKS gave it): role = name, attachment = ``role/policyArn``, inline policy = ``role:name``,
the exclusive sets = the role's name, association = ``cluster,associationId``."""
TERRAFORM_HINTS = ("terraform",)


@dataclass(frozen=True)
class Difference:
    """One way what exists differs from what ack-irsa would build, and the config change that converges it."""

    what: str
    change: str


@dataclass
class Adopted:
    name: str
    """The controller's logical name in the stack (its resources' prefix)."""
    service: str
    namespace: str
    service_account: str
    identity: str
    role: FoundRole
    entry: dict[str, Any]
    """Its entry of ``ack-irsa:controllers`` in the first step."""
    converged: dict[str, Any]
    """Its entry in the second step."""
    differences: list[Difference] = field(default_factory=list)
    owner: list[str] = field(default_factory=list)
    """Who else manages the role (a CloudFormation stack, terraform), and the safe sequence to detach it."""


@dataclass(frozen=True)
class Refused:
    controller: str
    """``<service> <namespace>/<ServiceAccount>``."""
    reason: str


@dataclass
class Adoption:
    stack: str
    cluster: str
    config: dict[str, Any]
    """The first step's stack config (``{"aws:region": ..., "ack-irsa:...": ...}``), imports included."""
    converged: dict[str, Any]
    """The second step's stack config."""
    controllers: list[Adopted]
    refused: list[Refused]
    imports: list[dict[str, str]] = field(default_factory=list)
    """``{"name", "type", "id"}`` of each resource the first ``pulumi up`` imports."""
    notes: list[str] = field(default_factory=list)


def analyse(found: Discovery, stack: str) -> Adoption:
    """The two steps for what ``found`` holds; controllers that cannot be taken over safely are refused."""
    refused: list[Refused] = []
    candidates: list[tuple[FoundController, str, FoundRole]] = []
    for controller in found.controllers:
        reason, identity, role = _identity(found, controller)
        if reason:
            refused.append(Refused(_label(controller), reason))
        else:
            assert role is not None
            candidates.append((controller, identity, role))
    by_role: dict[str, list[FoundController]] = {}
    for controller, _, role in candidates:
        by_role.setdefault(role.arn, []).append(controller)
    adopted: list[Adopted] = []
    services = [c.service for c, _, _ in candidates]
    for controller, identity, role in candidates:
        sharing = by_role[role.arn]
        if len(sharing) > 1:
            others = ", ".join(_label(c) for c in sharing if c is not controller)
            refused.append(
                Refused(
                    _label(controller),
                    f"the role {role.name} is the role of {others} too: each controller needs a role of its own "
                    "(ack-irsa claims a role's policies exclusively, so one entry would remove the other's); "
                    "give one of them a role of its own first, then run adopt again",
                )
            )
            continue
        name = (
            controller.service
            if services.count(controller.service) == 1
            else (f"{controller.service}-{controller.namespace}")
        )
        result = _adopt(found, controller, identity, role, name)
        if isinstance(result, Refused):
            refused.append(result)
        else:
            adopted.append(result)
    config = _stack_config(found, adopted, converged=False)
    converged = _stack_config(found, adopted, converged=True)
    return Adoption(stack, found.cluster, config, converged, adopted, refused, notes=list(found.notes))


def _label(controller: FoundController) -> str:
    return f"{controller.service} {controller.namespace}/{controller.service_account}"


def _identity(  # noqa: PLR0911 - one return per reason to refuse
    found: Discovery, controller: FoundController
) -> tuple[str, str, FoundRole | None]:
    """(why it cannot be taken over, or "", the identity mode, the role)."""
    annotated, association = controller.annotated_role, controller.association
    if not controller.service_account_found:
        return f"the Deployment runs as the ServiceAccount {controller.service_account}, which does not exist", "", None
    if annotated and association:
        return (
            "the ServiceAccount is annotated for IRSA and has a Pod Identity association (a migration half-done; "
            "the EKS webhook uses Pod Identity): finish it, removing the annotation or the association, then run "
            "adopt again",
            "",
            None,
        )
    if not annotated and not association:
        return (
            "no identity to take over: the ServiceAccount has no eks.amazonaws.com/role-arn annotation and no Pod "
            f"Identity association; add `- service: {controller.service}` to the stack in a later pull request and "
            "ack-irsa makes its role",
            "",
            None,
        )
    arn = annotated or (association.role_arn if association else "")
    identity = "irsa" if annotated else "podIdentity"
    try:
        account = parse_arn(arn).account
    except ValueError:
        return f"the ServiceAccount's {arn!r} is not a role ARN", "", None
    if account != found.account:
        how = "is annotated with" if annotated else "is associated with"
        return (
            f"the ServiceAccount {how} {arn}, a role in account {account}, not the cluster's account "
            f"{found.account}: ack-irsa makes and takes over roles in the cluster's account only (a role in another "
            "account is a cross-account target: crossAccount); leave this controller out, or give it a role in "
            f"{found.account}",
            "",
            None,
        )
    if arn in found.missing_roles:
        return f"the ServiceAccount names {arn}, but there is {found.missing_roles[arn]}", "", None
    if identity == "irsa" and found.provider_arn is None:
        return (
            f"the cluster has no IAM OIDC provider for {found.issuer}, so no pod can be using IRSA; create it "
            "(ack-irsa:clusterName does) before taking the role over",
            "",
            None,
        )
    return "", identity, found.roles[arn]


def _adopt(
    found: Discovery, controller: FoundController, identity: str, role: FoundRole, name: str
) -> Adopted | Refused:
    label = _label(controller)
    spec = catalog.get(controller.service)
    trust = _trust(found, controller, identity, role)
    if isinstance(trust, str):
        return Refused(label, trust)
    extra_accounts, extra_providers, wildcard, trust_differences = trust
    association = controller.association
    role_tags = {k: v for k, v in role.tags.items() if not k.lower().startswith("aws:")}
    if association is not None and (association.disable_session_tags or association.target_role_arn):
        return Refused(
            label,
            f"the Pod Identity association {association.association_id} sets disableSessionTags or a targetRoleArn, "
            "which ack-irsa does not set: the import would change it; leave this controller out",
        )
    if association is not None and association.tags != role_tags:
        return Refused(
            label,
            f"the Pod Identity association {association.association_id} is tagged {association.tags}, its role "
            f"{role_tags}: ack-irsa tags the association as the role, so the import would change its tags; tag "
            "them alike first",
        )
    if len(role.inline) > 1:
        return Refused(
            label,
            f"the role {role.name} has {len(role.inline)} inline policies ({', '.join(sorted(role.inline))}); "
            "ack-irsa manages one and would remove the others: merge them into one by hand first",
        )
    inline_name, inline = next(iter(role.inline.items()), (INLINE_POLICY_NAME, None))
    built = _built_trust(found, controller, identity, extra_accounts, extra_providers)
    pod_identity = identity == "podIdentity"
    given = {
        "name": name if name != controller.service else None,
        "namespace": controller.namespace if controller.namespace != DEFAULT_NAMESPACE else None,
        "serviceAccountName": controller.service_account
        if controller.service_account != spec.service_account_name
        else None,
        "identity": "podIdentity" if pod_identity else None,
        # The ServiceAccount names the role already, and the pods run with it: left as they are on import.
        "serviceAccountMode": None if pod_identity else "none",
        "deploymentName": "",
        "roleName": role.name,
        "rolePath": role.path if role.path != "/" else None,
        "roleDescription": role.description,
        "maxSessionDuration": role.max_session_duration if role.max_session_duration != 3600 else None,
        "permissionsBoundary": role.permissions_boundary or None,
        "tags": {k: v for k, v in role.tags.items() if not k.lower().startswith("aws:")} or None,
        "policyArns": list(role.attached),
        "inlinePolicy": inline if inline is not None else "",
        "inlinePolicyName": inline_name if inline_name != INLINE_POLICY_NAME else None,
        "extraServiceAccounts": extra_accounts or None,
        "extraOidcProviders": extra_providers or None,
        "allowWildcardSubject": True if wildcard else None,
        "trustPolicy": None if equivalent(role.trust, built) else role.trust,
    }
    entry: dict[str, Any] = {"service": controller.service} | {k: v for k, v in given.items() if v is not None}

    differences = _differences(found, controller, role, entry, trust_differences)
    converged = _converged(entry, controller, spec)
    owner = _owners(role)
    return Adopted(
        name,
        controller.service,
        controller.namespace,
        controller.service_account,
        identity,
        role,
        entry,
        converged,
        differences,
        owner,
    )


def _differences(
    found: Discovery,
    controller: FoundController,
    role: FoundRole,
    entry: Mapping[str, Any],
    trust_differences: list[Difference],
) -> list[Difference]:
    """Each way what exists differs from what ack-irsa would build, with the change that converges it."""
    spec = catalog.get(controller.service)
    extra_accounts = list(entry.get("extraServiceAccounts", []))
    inline_name = entry.get("inlinePolicyName", INLINE_POLICY_NAME)
    inline = entry["inlinePolicy"] or None
    identity = "podIdentity" if entry.get("identity") == "podIdentity" else "irsa"
    differences = list(trust_differences)
    if extra_accounts:
        differences.append(
            Difference(
                f"the role is trusted by more than the controller's ServiceAccount: also {', '.join(extra_accounts)}",
                "carried into `extraServiceAccounts` (kept in step 2); remove them there to narrow the trust",
            )
        )
    if "trustPolicy" in entry and not trust_differences:
        differences.append(
            Difference(
                "the trust policy differs in form from the one ack-irsa builds",
                "remove `trustPolicy`: ack-irsa writes its own (an in-place update of the role, no restart)",
            )
        )
    if inline_name != INLINE_POLICY_NAME:
        differences.append(
            Difference(
                f"the inline policy is named `{inline_name}`, not `{INLINE_POLICY_NAME}`",
                f"remove `inlinePolicyName`: the policy is put again as `{INLINE_POLICY_NAME}` and `{inline_name}` "
                "deleted (the RolePolicy is replaced; the role holds one of them at every moment)",
            )
        )
    differences += _policy_differences(found.partition, spec, role, inline)
    differences.append(
        Difference(
            f"the role's description is {role.description!r}" if role.description else "the role has no description",
            "remove `roleDescription`: ack-irsa's says which controller and ServiceAccount the role is for (in place)",
        )
    )
    if identity == "irsa":
        differences.append(
            Difference(
                "step 1 leaves the ServiceAccount and the Deployment as they are (`serviceAccountMode: none`, "
                '`deploymentName: ""`): the annotation names the role already and the pods run with it',
                "remove both: the annotation is patched with the same value (no change on the cluster) and the "
                f"Deployment `{controller.deployment or spec.deployment_name}` is restarted once, when its pod "
                "template gets ack-irsa's `ack-irsa/role-arn` annotation",
            )
        )
    else:
        differences.append(
            Difference(
                'step 1 does not restart the Deployment (`deploymentName: ""`): its pods run on the association',
                f"remove `deploymentName`: `{controller.deployment or spec.deployment_name}` is restarted once, "
                "when its pod template gets ack-irsa's annotations",
            )
        )
    if controller.release is not None:
        release = controller.release
        differences.append(
            Difference(
                f"the controller was installed by Helm: release `{release.namespace}/{release.name}` "
                f"(revision {release.revision}, {release.status}"
                + (f", chart `{controller.chart}`" if controller.chart else "")
                + "), left to Helm in step 1",
                f"optional: `install: {{releaseName: {release.name}, version: {_chart_version(controller, spec)}}}` "
                "takes the release over in step 2 "
                f"(imported as `{release.namespace}/{release.name}`, then updated with ack-irsa's values: one more "
                f"restart); copy the values you gave `helm install` (`helm -n {release.namespace} get values "
                f"{release.name}`) into `install.values` first, or they are dropped",
            )
        )
    return differences


def _chart_version(controller: FoundController, spec: catalog.Controller) -> str:
    """The chart version the Deployment's ``helm.sh/chart`` label names (``s3-chart-1.9.2`` → ``1.9.2``)."""
    prefix = f"{spec.chart_name}-"
    if controller.chart and controller.chart.startswith(prefix):
        return controller.chart.removeprefix(prefix)
    return "<the chart version>"


def _converged(entry: Mapping[str, Any], controller: FoundController, spec: catalog.Controller) -> dict[str, Any]:
    """The entry with ack-irsa's defaults for everything that can change without replacing the role (its name
    and path stay: a new one would be a new role, and a restart with new credentials)."""
    converged = {
        k: v
        for k, v in entry.items()
        if k
        not in (
            "serviceAccountMode",
            "deploymentName",
            "roleDescription",
            "policyArns",
            "inlinePolicy",
            "inlinePolicyName",
            "trustPolicy",
        )
    }
    if controller.deployment and controller.deployment != spec.deployment_name:
        converged["deploymentName"] = controller.deployment
    return converged


def _policy_differences(
    partition: str, spec: catalog.Controller, role: FoundRole, inline: Mapping[str, Any] | None
) -> list[Difference]:
    recommended = set(spec.managed_policy_arns(partition))
    attached = set(role.attached)
    take = "remove `policyArns` and `inlinePolicy` to take the catalog's (`ack-irsa catalog show " + spec.service + "`)"
    found: list[Difference] = []
    if attached != recommended:
        extra, missing = sorted(attached - recommended), sorted(recommended - attached)
        parts = [f"attached beyond the catalog's: {', '.join(extra)}"] if extra else []
        parts += [f"not attached, though recommended: {', '.join(missing)}"] if missing else []
        found.append(Difference("managed policies differ from the catalog's: " + "; ".join(parts), take))
    catalog_inline = spec.inline_policy
    if _normalized(inline) != _normalized(catalog_inline):
        found.append(Difference(f"the inline policy is {_breadth(inline, catalog_inline)} the catalog's", take))
    if not found:
        found.append(
            Difference(
                "the policies are the catalog's",
                "remove `policyArns` and `inlinePolicy`: the catalog's are the same (no change)",
            )
        )
    return found


def _breadth(found: Mapping[str, Any] | None, recommended: Mapping[str, Any] | None) -> str:
    if recommended is None:
        return "given where the catalog recommends none: broader than"
    if found is None:
        return "missing, so narrower than"
    have, want = set(allowed_actions(found)), set(allowed_actions(recommended))
    if have > want:
        return "broader than"
    if have < want:
        return "narrower than"
    if have == want:
        return "the same actions on other resources or conditions than"
    return "different from"


def _owners(role: FoundRole) -> list[str]:
    """Who else manages the role, and how to detach it without deleting it."""
    owners = []
    if role.stack is not None:
        ids = " ".join(role.stack.logical_ids) or "<the role's logical ID>"
        seen = "listed in the stack" if role.stack.read else "from the role's tag (the stack could not be read)"
        owners.append(
            f"the role belongs to the CloudFormation stack `{role.stack.name}` (tag `{CLOUDFORMATION_STACK_TAG}`; "
            "eksctl "
            f"makes one per `create iamserviceaccount`), logical ID {ids} ({seen}). Never delete the stack as it is: "
            f"that deletes the role. After step 1's `pulumi up` has imported it: `aws cloudformation delete-stack "
            f"--stack-name {role.stack.name} --retain-resources {ids}` (CloudFormation accepts --retain-resources "
            "only for a stack in DELETE_FAILED; for a stack in any other state, first give the role "
            "`DeletionPolicy: Retain` with `aws cloudformation update-stack`, then delete the stack). ack-irsa "
            "deletes nothing itself"
        )
    if any(any(h in f"{k} {v}".lower() for h in TERRAFORM_HINTS) for k, v in role.tags.items()):
        owners.append(
            f"the role's tags say terraform manages it: before step 1's `pulumi up`, take it out of the terraform "
            f"state without deleting it: `terraform state list | grep {role.name}`, then `terraform state rm` each "
            "address listed (the role, its policy attachments and inline policy); a `terraform apply` or destroy "
            "afterwards would otherwise change or delete what Pulumi now manages"
        )
    return owners


# --- trust ---------------------------------------------------------------------------------------------------


def _trust(  # noqa: PLR0911, PLR0912 - one return per trust that cannot be carried over
    found: Discovery, controller: FoundController, identity: str, role: FoundRole
) -> tuple[list[str], list[str], bool, list[Difference]] | str:
    """(extra ServiceAccounts, extra OIDC providers, whether a subject has a wildcard, the differences), or why
    the trust cannot be carried over: a principal ack-irsa's trust cannot express would be dropped at step 2."""
    statements = role.trust.get("Statement", [])
    statements = [statements] if isinstance(statements, Mapping) else list(statements)
    subject = service_account_subject(controller.namespace, controller.service_account)
    subjects_by_provider: dict[str, set[str]] = {}
    differences: list[Difference] = []
    wildcard = False
    pod_identity = False
    for index, statement in enumerate(statements):
        if not isinstance(statement, Mapping) or statement.get("Effect") == "Deny":
            continue
        principal = statement.get("Principal")
        federated = _listed(principal.get("Federated")) if isinstance(principal, Mapping) else []
        service = _listed(principal.get("Service")) if isinstance(principal, Mapping) else []
        if isinstance(principal, Mapping) and set(principal) == {"Service"} and service == [POD_IDENTITY_SERVICE]:
            pod_identity = True
            if not (statement.get("Condition") or {}):
                differences.append(
                    Difference(
                        "the Pod Identity trust pins no session tags: any Pod Identity association in the account "
                        "may use the role",
                        "remove `trustPolicy`: ack-irsa's pins the namespace, ServiceAccount and cluster (in place)",
                    )
                )
            continue
        actions = _listed(statement.get("Action"))
        if not (
            isinstance(principal, Mapping)
            and set(principal) == {"Federated"}
            and len(federated) == 1
            and actions == [WEB_IDENTITY_ACTION]
            and ":oidc-provider/" in str(federated[0])
        ):
            who = json.dumps(principal if principal is not None else statement.get("NotPrincipal"), sort_keys=True)
            return (
                f"the role {role.name} is also trusted by {who} ({', '.join(map(str, actions)) or 'no action'}, "
                f"statement {index}): ack-irsa's trust admits ServiceAccounts only, so taking the role over would "
                "drop that principal at step 2; remove the statement by hand first, or keep this role outside "
                "ack-irsa"
            )
        provider = str(federated[0])
        issuer = issuer_of_provider_arn(provider)
        condition = statement.get("Condition") or {}
        subs = set(_listed(condition.get("StringEquals", {}).get(f"{issuer}:sub")))
        likes = set(_listed(condition.get("StringLike", {}).get(f"{issuer}:sub")))
        wildcard = wildcard or any(has_wildcard(s) for s in likes)
        subjects_by_provider.setdefault(provider, set()).update(subs | likes)
        audiences = set(_listed(condition.get("StringEquals", {}).get(f"{issuer}:aud")))
        if not audiences:
            differences.append(
                Difference(
                    f"the trust policy does not pin `{issuer}:aud`, so a token for any audience is accepted",
                    "remove `trustPolicy`: ack-irsa's trust pins `sub` and `aud` (an in-place update of the role, "
                    "no restart); `ack-irsa check` fails on it (rule `irsa-trust-pins-sub-and-aud`) until then, so "
                    "merge the two pull requests back to back",
                )
            )
        elif audiences != {STS_AUDIENCE}:
            return f"the role {role.name}'s trust pins {issuer}:aud to {sorted(audiences)}, not {STS_AUDIENCE!r}"
    if identity == "podIdentity":
        if not pod_identity:
            return f"the role {role.name} is associated, but its trust has no {POD_IDENTITY_SERVICE} statement"
        if subjects_by_provider:
            return (
                f"the role {role.name} is on Pod Identity, but its trust admits ServiceAccount tokens too (IRSA): "
                "ack-irsa gives a Pod Identity role no IRSA statement; remove it by hand first"
            )
        return [], [], False, differences
    if pod_identity:
        return (
            f"the role {role.name} is on IRSA, but its trust admits {POD_IDENTITY_SERVICE} too: a migration "
            "half-done; finish it first"
        )
    own = subjects_by_provider.pop(found.provider_arn or "", set())
    if subject not in own and not any(has_wildcard(s) for s in own):
        return (
            f"the trust of {role.name} does not admit {subject} through the cluster's provider: the controller "
            "cannot be using this role"
        )
    extra = sorted(own - {subject})
    for provider, subjects in subjects_by_provider.items():
        if subjects != own:
            return (
                f"the role {role.name} trusts {provider} for {sorted(subjects)}, other ServiceAccounts than the "
                f"cluster's ({sorted(own)}): ack-irsa trusts every provider for the same ServiceAccounts"
            )
    accounts = [s.removeprefix("system:serviceaccount:") for s in extra]
    return accounts, sorted(subjects_by_provider), wildcard, differences


def _built_trust(
    found: Discovery, controller: FoundController, identity: str, extra_accounts: list[str], extra_providers: list[str]
) -> dict[str, Any]:
    if identity == "podIdentity":
        association = TrustedAssociation(controller.namespace, controller.service_account, (found.cluster,))
        return trust_policy([], association)
    subjects: tuple[str, ...] = (service_account_subject(controller.namespace, controller.service_account),)
    subjects += tuple(f"system:serviceaccount:{a}" for a in extra_accounts)
    issuers = [TrustedIssuer(found.provider_arn or "", found.issuer, subjects)]
    issuers += [TrustedIssuer(arn, issuer_of_provider_arn(arn), subjects) for arn in extra_providers]
    return trust_policy(issuers, None)


def equivalent(a: Any, b: Any) -> bool:
    """Whether two policy documents mean the same to IAM as the AWS provider compares them: a one-item list is
    its item, lists are unordered, an empty ``Sid`` is none."""
    return _canonical(a) == _canonical(b)


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((k, _canonical(v)) for k, v in value.items() if not (k == "Sid" and v == "")))
    if isinstance(value, list):
        items = sorted((_canonical(v) for v in value), key=repr)
        return items[0] if len(items) == 1 else tuple(items)
    return value


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _normalized(document: Any) -> Any:
    return None if document is None else json.dumps(document, sort_keys=True)


# --- the stack config ----------------------------------------------------------------------------------------


def _stack_config(found: Discovery, adopted: Iterable[Adopted], converged: bool) -> dict[str, Any]:
    adopted = list(adopted)
    config: dict[str, Any] = {"aws:region": found.region, f"{NAMESPACE}:clusterName": found.cluster}
    if found.provider_arn and any(a.identity == "irsa" for a in adopted):
        config[f"{NAMESPACE}:oidcProviderArn"] = found.provider_arn
    config[f"{NAMESPACE}:controllers"] = [copy.deepcopy(a.converged if converged else a.entry) for a in adopted]
    return config


def with_imports(adoption: Adoption, imports: list[dict[str, str]]) -> None:
    """Record the imports the first step's plan needs, in its config and its report."""
    adoption.imports = imports
    adoption.config[IMPORT_KEY] = {i["name"]: i["id"] for i in imports}


def import_ids(plan_resources: Iterable[Any], adoption: Adoption, found: Discovery) -> list[dict[str, str]]:
    """The import ID of every custom resource in the first step's plan; a resource of any other type there (one
    that would be created) is a defect of adopt, refused rather than written."""
    by_name = {a.name: next(c for c in found.controllers if _matches(c, a)) for a in adoption.controllers}
    imports = []
    for resource in plan_resources:
        if resource.type.startswith("ack-irsa:"):
            continue
        owner = by_name.get(resource.parent or "")
        make = IMPORTED_TYPES.get(resource.type)
        if make is None or owner is None:
            raise AssertionError(f"the first step would create {resource.type} {resource.name}")
        imports.append({"name": resource.name, "type": resource.type, "id": make(resource.inputs, owner)})
    return sorted(imports, key=lambda i: i["name"])


def _matches(controller: FoundController, adopted: Adopted) -> bool:
    return (controller.service, controller.namespace, controller.service_account) == (
        adopted.service,
        adopted.namespace,
        adopted.service_account,
    )


# --- the report ------------------------------------------------------------------------------------------------


def stack_file(adoption: Adoption) -> str:
    """The first step's stack file, with a header that says what it is."""
    header = (
        f"# Written by `ack-irsa adopt` from cluster {adoption.cluster}: what runs there now, taken over as it is.\n"
        "# The first `pulumi up` of this file imports every resource listed under ack-irsa:import and changes\n"
        "# nothing. The report adopt printed gives the second step (ack-irsa's defaults), for the next pull request.\n"
    )
    return header + yaml.safe_dump({"config": adoption.config}, sort_keys=False, width=120)


def to_json(adoption: Adoption, written: str | None) -> str:
    document = {
        "stack": adoption.stack,
        "cluster": adoption.cluster,
        "stackFile": written,
        "controllers": [
            {
                "name": a.name,
                "service": a.service,
                "serviceAccount": f"{a.namespace}/{a.service_account}",
                "identity": a.identity,
                "role": a.role.arn,
                "differences": [asdict(d) for d in a.differences],
                "owners": a.owner,
            }
            for a in adoption.controllers
        ],
        "imports": adoption.imports,
        "refused": [asdict(r) for r in adoption.refused],
        "config": adoption.config,
        "converged": adoption.converged,
        "notes": adoption.notes,
    }
    return json.dumps(document, indent=2) + "\n"


def to_markdown(adoption: Adoption, written: str | None) -> str:
    lines = [f"# ack-irsa adopt: stack `{adoption.stack}`, cluster `{adoption.cluster}`", ""]
    if written:
        lines += [
            f"Wrote `{written}`: {len(adoption.controllers)} controller(s) taken over as they are, "
            f"{len(adoption.imports)} import(s).",
            "",
        ]
    else:
        lines += ["Nothing was written: no controller can be taken over.", ""]
    lines += [f"> {note}" for note in adoption.notes] + ([""] if adoption.notes else [])
    if adoption.refused:
        lines += ["## Refused", "", "Left out of the stack file, and left as they are:", ""]
        lines += [f"- **{r.controller}**: {r.reason}" for r in adoption.refused]
        lines.append("")
    if not adoption.controllers:
        return "\n".join(lines)
    lines += [
        "## Step 1: take over as it is (this pull request)",
        "",
        "`pulumi up` imports these and changes nothing: no create, update, replacement or restart.",
        "",
        "| resource | type | import ID |",
        "| --- | --- | --- |",
        *(f"| `{i['name']}` | `{i['type']}` | `{i['id']}` |" for i in adoption.imports),
        "",
    ]
    owners = [(a, o) for a in adoption.controllers for o in a.owner]
    if owners:
        lines += ["Before or after the import, as each says:", ""]
        lines += [f"- `{a.name}`: {o}" for a, o in owners]
        lines.append("")
    lines += [
        "## Step 2: converge to ack-irsa's defaults (the next pull request)",
        "",
        "Each difference, and the config change that converges it; `ack-irsa diff` shows the plan of the whole "
        "change and calls out the restart.",
        "",
    ]
    for adopted in adoption.controllers:
        lines += [
            f"### `{adopted.name}` ({adopted.namespace}/{adopted.service_account}, role `{adopted.role.name}`)",
            "",
        ]
        lines += [f"- {d.what} → {d.change}" for d in adopted.differences]
        lines.append("")
    converged = {k: v for k, v in adoption.converged.items() if k != IMPORT_KEY}
    lines += [
        "The stack config after step 2 (`ack-irsa:import` removed: the resources are Pulumi's by then):",
        "",
        "```yaml",
        yaml.safe_dump({"config": converged}, sort_keys=False, width=120).rstrip(),
        "```",
        "",
    ]
    return "\n".join(lines)


# --- the whole command's work ----------------------------------------------------------------------------------


def read(aws: Any, kubernetes: Any, cluster: str, namespaces: list[str], region: str | None) -> Discovery:
    """What runs on the cluster (:func:`ack_irsa.live.adopt.discover`)."""
    from ack_irsa.live.adopt import discover

    return discover(aws, kubernetes, cluster, namespaces, region)


def take_over(found: Discovery, stack: str) -> Adoption:
    """The two steps for what runs, with the first step's imports read from its own offline plan: every resource
    it registers is imported, none created (checked here again with the imports in place)."""
    from ack_irsa.stack.config import ConfigError, parse

    adoption = analyse(found, stack)
    while adoption.controllers:
        try:
            parse(adoption.config)
            parse(adoption.converged)
            break
        except ConfigError as error:
            if not _refuse_unparsed(adoption, error.problems):
                raise
    if not adoption.controllers:
        return adoption
    first = _plan(adoption.config, found, stack)
    with_imports(adoption, import_ids(first.resources, adoption, found))
    created = [r.name for r in _plan(adoption.config, found, stack).resources if _created(r)]
    if created:
        raise AssertionError(f"the first step would create {', '.join(created)}")
    return adoption


def _created(resource: Any) -> bool:
    return not resource.type.startswith("ack-irsa:") and not resource.import_id


def _refuse_unparsed(adoption: Adoption, problems: list[str]) -> bool:
    """Refuse the controllers whose entry the stack config refuses (say an inline policy IAM took but ack-irsa's
    grammar does not); False when a problem names no controller (a defect of adopt, raised)."""
    import re

    wrong: dict[int, list[str]] = {}
    for problem in problems:
        match = re.match(rf"{NAMESPACE}:controllers\[(\d+)\]", problem)
        if match is None:
            return False
        wrong.setdefault(int(match[1]), []).append(problem)
    for index in sorted(wrong, reverse=True):
        adopted = adoption.controllers.pop(index)
        adoption.refused.append(
            Refused(
                f"{adopted.service} {adopted.namespace}/{adopted.service_account}",
                "its role as found is refused by the stack config: " + "; ".join(wrong[index]),
            )
        )
    adoption.config[f"{NAMESPACE}:controllers"] = [a.entry for a in adoption.controllers]
    adoption.converged[f"{NAMESPACE}:controllers"] = [a.converged for a in adoption.controllers]
    return True


def _plan(config: Mapping[str, Any], found: Discovery, stack: str) -> Any:
    from ack_irsa.review import offline, plan

    facts = offline.Facts(
        account_id=found.account,
        partition=found.partition,
        region=found.region,
        issuer_urls={found.cluster: f"https://{found.issuer}"},
    )
    return plan.plan_stack(stack, config, facts)
