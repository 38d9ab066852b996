"""Check a live managed ACK capability against the stack: the capability, every role's trust and permissions, the
Secret reader association, the IAMRoleSelectors on the cluster, and the ACK resources no selector took.

Read-only: every call is a Describe, Get or List. The checks end as the controllers' do (``pass``, ``fail`` with a
fix, ``warn``, ``skipped``). EKS's capability API is read with boto3 (moto has none: the tests use botocore's
Stubber), IAM with boto3, the cluster with the Kubernetes client.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ack_irsa import catalog
from ack_irsa.catalog.derived import DerivedPolicy, derive
from ack_irsa.iam.accounts import SELECTOR_API_VERSION, CrossAccountTarget
from ack_irsa.iam.arns import aws_managed_policy_arn, parse_arn
from ack_irsa.iam.capability import (
    ROLE_SELECTED_CONDITION,
    SECRET_READER_POLICY,
    SELECTED_ROLES_POLICY_NAME,
    capability_trust_policy,
    secret_reader_policy_arn,
    selected_role_trust_policy,
    selected_roles_policy,
    selector_spec,
    spec_overlaps,
)
from ack_irsa.live.aws import Aws
from ack_irsa.live.handover import access_denied
from ack_irsa.live.report import Check, skipped
from ack_irsa.spec.capability import CapabilitySpec, SelectedRoleSpec, selector_name
from ack_irsa.spec.permissions import DERIVED_POLICY_NAME, PolicyRef

_UP = "pulumi up the stack"


def verify_capability(
    aws: Aws,
    kubernetes: Callable[[], Any] | None,
    spec: CapabilitySpec,
    target_iam: Callable[[CrossAccountTarget], Any] | None = None,
) -> tuple[list[Check], dict[str, list[Check]]]:
    """(the capability's checks, each entry's checks). ``kubernetes`` makes a client with ``custom`` (the
    CustomObjectsApi) and ``api_exception``; None skips the cluster's side. ``target_iam`` makes an IAM client
    for a cross-account target's account (None, or None for a target: its role's trust is not read)."""
    checks: list[Check] = []
    entries: dict[str, list[Check]] = {}
    trust, role_arn = _role_trust("capability-role-trust", aws.iam, spec.role_name, capability_trust_policy)
    checks.append(trust)
    if role_arn is None:
        rest = ("capability", "capability-role-permissions", "secret-reader", "selectors")
        return checks + skipped(rest, "needs the capability role"), entries
    partition = parse_arn(role_arn).partition
    created = spec.create_capability
    checks.append(capability(aws.eks, spec, role_arn) if created else Check("capability", "skipped", _NOT_YET))
    selected = _selected_arns(aws.iam, spec, role_arn)
    expected_inline = (
        {SELECTED_ROLES_POLICY_NAME: selected_roles_policy(selected.values())}
        if spec.permissions == "selectors"
        else expected_direct_inline(spec, partition)
    )
    managed = _arns(spec.direct_managed, partition) if spec.permissions == "direct" else []
    checks += _renamed("capability-role-", [aws.managed_policies(spec.role_name, managed)])
    checks += _renamed("capability-role-", [aws.inline_policy(spec.role_name, expected_inline)])
    checks.append(secret_reader(aws.eks, spec, role_arn) if created else Check("secret-reader", "skipped", _NOT_YET))
    for entry in spec.controllers if spec.permissions == "selectors" else ():
        entries[entry.name] = _entry_checks(aws, entry, role_arn, partition)
        entries[entry.name] += [_target_trust(entry, target, role_arn, target_iam) for target in entry.cross_account]
    if spec.permissions == "direct":
        return checks + skipped(["selectors"], "permissions 'direct': no selectors"), entries
    if not created:
        return checks + skipped(["selectors", "role-selected", "access-denied"], _NOT_YET), entries
    if kubernetes is None:
        return checks + skipped(["selectors", "role-selected", "access-denied"], "--skip-kubernetes"), entries
    try:
        client = kubernetes()
    except ValueError as error:
        return [*checks, Check("selectors", "fail", str(error), "check --kubeconfig and --context")], entries
    checks.append(selectors(client, planned_selectors(spec, selected)))
    items = resources(client, spec)
    checks.append(unselected_resources(items))
    checks.append(access_denied(items))
    return checks, entries


_NOT_YET = "the handover's prepare: the capability is created at the next step (create)"


def _renamed(prefix: str, checks: Iterable[Check]) -> list[Check]:
    return [Check(prefix + c.name, c.status, c.detail, c.fix) for c in checks]


def _role_trust(
    name: str, iam: Any, role_name: str, expected: Callable[[], Mapping[str, Any]]
) -> tuple[Check, str | None]:
    """The role exists and its trust is exactly the planned document (nothing more, nothing less)."""
    try:
        role = iam.get_role(RoleName=role_name)["Role"]
    except iam.exceptions.NoSuchEntityException:
        return Check(name, "fail", f"no role {role_name!r}", _UP), None
    found, wanted = _normalized(role["AssumeRolePolicyDocument"]), _normalized(expected())
    if found != wanted:
        detail = f"{role_name} trusts {json.dumps(found['Statement'])}, not exactly {json.dumps(wanted['Statement'])}"
        return Check(name, "fail", detail, "pulumi up the stack: ack-irsa writes the whole trust policy"), role["Arn"]
    principal = wanted["Statement"][0]["Principal"]
    return Check(name, "pass", f"{role_name} admits exactly {json.dumps(principal)}"), role["Arn"]


def capability(eks: Any, spec: CapabilitySpec, role_arn: str) -> Check:
    """The capability exists, is ACTIVE with no health issues, of type ACK, acting through the capability role."""
    where = f"{spec.cluster_name}/{spec.name}"
    try:
        found = eks.describe_capability(clusterName=spec.cluster_name, capabilityName=spec.name)["capability"]
    except eks.exceptions.ResourceNotFoundException:
        return Check("capability", "fail", f"no capability {where}", _UP)
    issues = (found.get("health") or {}).get("issues") or []
    if found.get("type") != "ACK":
        return Check("capability", "fail", f"{where} is of type {found.get('type')}, not ACK", "")
    if found.get("roleArn") != role_arn:
        return Check("capability", "fail", f"{where} acts through {found.get('roleArn')}, not {role_arn}", _UP)
    if found.get("status") != "ACTIVE" or issues:
        said = "; ".join(f"{i.get('code')}: {i.get('message')}" for i in issues) or "no health issue reported"
        fix = f"aws eks describe-capability --cluster-name {spec.cluster_name} --capability-name {spec.name}"
        return Check("capability", "fail", f"{where} is {found.get('status')} ({said})", fix)
    return Check("capability", "pass", f"{where} is ACTIVE with no health issues, acting through {role_arn}")


def secret_reader(eks: Any, spec: CapabilitySpec, role_arn: str) -> Check:
    """``AmazonEKSSecretReaderPolicy`` is associated with the capability's access entry for exactly the planned
    namespaces (and not cluster-wide)."""
    pages = eks.get_paginator("list_associated_access_policies").paginate(
        clusterName=spec.cluster_name, principalArn=role_arn
    )
    policy = secret_reader_policy_arn(parse_arn(role_arn).partition)
    found = [p for page in pages for p in page["associatedAccessPolicies"] if p["policyArn"] == policy]
    wanted = set(spec.secret_namespaces)
    if not found:
        if not wanted:
            return Check("secret-reader", "pass", f"no {SECRET_READER_POLICY}, as no entry reads Secrets")
        return Check("secret-reader", "fail", f"{SECRET_READER_POLICY} is not associated with {role_arn}", _UP)
    scope = found[0].get("accessScope") or {}
    if scope.get("type") != "namespace":
        detail = f"{SECRET_READER_POLICY} is associated with scope {scope.get('type')}: Secrets of every namespace"
        return Check("secret-reader", "fail", detail, _UP)
    namespaces = set(scope.get("namespaces") or [])
    if namespaces != wanted:
        detail = f"{SECRET_READER_POLICY} covers {sorted(namespaces)}, not {sorted(wanted)}"
        return Check("secret-reader", "fail", detail, _UP)
    return Check("secret-reader", "pass", f"{SECRET_READER_POLICY} covers exactly {', '.join(sorted(wanted))}")


def _selected_arns(iam: Any, spec: CapabilitySpec, capability_role: str) -> dict[tuple[str, str | None], str]:
    """(entry, target account and role, or None for the local role) → the selected role's ARN, as IAM has it (a
    missing role: the ARN it would have, in the capability role's account)."""
    arn = parse_arn(capability_role)
    partition = arn.partition
    found: dict[tuple[str, str | None], str] = {}
    for entry in spec.controllers if spec.permissions == "selectors" else ():
        if entry.has_local_role:
            try:
                found[(entry.name, None)] = iam.get_role(RoleName=entry.role_name)["Role"]["Arn"]
            except iam.exceptions.NoSuchEntityException:
                found[(entry.name, None)] = f"arn:{partition}:iam::{arn.account}:role{entry.role_path}{entry.role_name}"
        for target in entry.cross_account:
            found[(entry.name, target.account_id + target.role)] = target.role_arn(partition)
    return found


def _entry_checks(aws: Aws, entry: SelectedRoleSpec, capability_role: str, partition: str) -> list[Check]:
    if not entry.has_local_role:
        return [Check("selected-role", "pass", "every namespace goes to another account: no role here")]
    trust, arn = _role_trust(
        "selected-role-trust", aws.iam, entry.role_name, lambda: selected_role_trust_policy(capability_role)
    )
    if arn is None:
        return [trust, *skipped(["managed-policies", "inline-policy"], "needs the role")]
    return [
        trust,
        aws.managed_policies(entry.role_name, _arns(entry.managed_policies, partition)),
        aws.inline_policy(entry.role_name, expected_entry_inline(entry, partition)),
    ]


def expected_entry_inline(entry: SelectedRoleSpec, partition: str) -> dict[str, Any]:
    """The inline policies the stack puts on an entry's selected role, by name: the derived one (derived in
    the role's partition) and the recommended or given one."""
    expected: dict[str, Any] = {}
    if entry.derived_policy is not None:
        expected[DERIVED_POLICY_NAME] = _in_partition(entry.derived_policy, partition)
    if isinstance(entry.inline_policy, Mapping):
        expected["ack-controller-policy"] = entry.inline_policy
    return expected


def expected_direct_inline(spec: CapabilitySpec, partition: str) -> dict[str, Any]:
    """``direct`` mode: the capability role's inline policies, one per entry (``ack-<service>``), a derived one
    derived in the role's partition (deploy-time documents cannot be known here and are left out)."""
    return {
        name: _in_partition(document, partition) if isinstance(document, DerivedPolicy) else document
        for name, document in spec.direct_inline.items()
        if isinstance(document, Mapping | DerivedPolicy)
    }


def _in_partition(policy: DerivedPolicy, partition: str) -> dict[str, Any]:
    kinds = None if policy.all_kinds else list(policy.kinds)
    return derive(policy.service, kinds, policy.pass_roles, partition).document


def _target_trust(
    entry: SelectedRoleSpec,
    target: CrossAccountTarget,
    capability_role: str,
    target_iam: Callable[[CrossAccountTarget], Any] | None,
) -> Check:
    """The selected role in another account trusts exactly the capability role (read with that account's
    credentials: the target's provider, or ``verify --target-profile ACCOUNT=PROFILE``)."""
    name = f"selected-role-trust {target.account_id}"
    iam = target_iam(target) if target_iam is not None else None
    if iam is None:
        why = "no credentials for the target account (verify --target-profile ACCOUNT=PROFILE)"
        return Check(name, "skipped", f"the trust of {target.role_name} in {target.account_id} was not read: {why}")
    check, _ = _role_trust(name, iam, target.role_name, lambda: selected_role_trust_policy(capability_role))
    return check


def _arns(managed: Mapping[str, PolicyRef], partition: str) -> list[str]:
    arns = [aws_managed_policy_arn(partition, r.aws_managed_name) for r in managed.values() if r.aws_managed_name]
    return sorted(arns + [r.arn for r in managed.values() if isinstance(r.arn, str)])


def planned_selectors(spec: CapabilitySpec, arns: Mapping[tuple[str, str | None], str]) -> dict[str, dict[str, Any]]:
    """Selector name → the spec the stack applies."""
    planned: dict[str, dict[str, Any]] = {}
    for entry in spec.controllers:
        if entry.has_local_role:
            planned[selector_name(spec.name, entry.name)] = selector_spec(
                arns[(entry.name, None)], entry.group, entry.local_namespaces
            )
        ordinals: dict[str, int] = {}
        for target in entry.cross_account:
            ordinal = ordinals[target.account_id] = ordinals.get(target.account_id, 0) + 1
            name = selector_name(spec.name, entry.name, target.account_id, ordinal)
            planned[name] = selector_spec(
                arns[(entry.name, target.account_id + target.role)], entry.group, target.namespaces
            )
    return planned


def selectors(client: Any, planned: Mapping[str, Mapping[str, Any]]) -> Check:
    """Every planned IAMRoleSelector is on the cluster with exactly the planned spec, and no two selectors there
    (the stack's or anyone's) could match one resource."""
    group, version = SELECTOR_API_VERSION.split("/")
    try:
        listed = client.custom.list_cluster_custom_object(group, version, "iamroleselectors")
    except client.api_exception as error:
        if getattr(error, "status", None) == 404:
            return Check(
                "selectors", "fail", "the cluster has no IAMRoleSelector resource: is the capability ACTIVE?", ""
            )
        raise
    found = {item["metadata"]["name"]: item.get("spec") or {} for item in listed.get("items", [])}
    wrong = []
    for name, spec in sorted(planned.items()):
        if name not in found:
            wrong.append(f"{name} is missing")
        elif _normalized(found[name]) != _normalized(spec):
            wrong.append(f"{name} is {json.dumps(found[name], sort_keys=True)}, not {json.dumps(spec, sort_keys=True)}")
    overlapping = spec_overlaps(found)
    if wrong or overlapping:
        return Check("selectors", "fail", "; ".join(wrong + overlapping), _UP + " (and remove overlapping selectors)")
    return Check("selectors", "pass", f"{len(planned)} selector(s) as planned, no two could match one resource")


def resources(client: Any, spec: CapabilitySpec) -> list[dict[str, Any]]:
    """Every ACK resource of the entries' services on the cluster (a kind not served yet is left out)."""
    found: list[dict[str, Any]] = []
    for group, version, plural in _resource_types(spec.controllers):
        try:
            listed = client.custom.list_cluster_custom_object(group, version, plural)
        except client.api_exception as error:
            if getattr(error, "status", None) == 404:
                continue  # a kind the capability's controllers do not serve (yet)
            raise
        found += [{"kind": plural, **item} for item in listed.get("items", [])]
    return found


def unselected_resources(items: Sequence[Mapping[str, Any]]) -> Check:
    """ACK resources whose ``ACK.IAMRoleSelected`` condition is missing or not True: no selector took them, so
    the capability role handles them, which has no service permission (AccessDenied)."""
    unselected = [
        f"{item['kind']} {(item.get('metadata') or {}).get('namespace')}/{(item.get('metadata') or {}).get('name')}"
        for item in items
        if _condition(item, ROLE_SELECTED_CONDITION) != "True"
    ]
    if unselected:
        detail = f"{ROLE_SELECTED_CONDITION} missing or not True on {', '.join(sorted(unselected))}"
        fix = "add the namespace to an entry's namespaces (its resources fail with AccessDenied until then)"
        return Check("role-selected", "fail", detail, fix)
    return Check("role-selected", "pass", f"{len(items)} ACK resource(s), each with {ROLE_SELECTED_CONDITION}")


def _resource_types(entries: Sequence[SelectedRoleSpec]) -> list[tuple[str, str, str]]:
    found = {
        (catalog.api_group(e.controller.service), v, p)
        for e in entries
        for v, _, p in catalog.api_kinds(e.controller.service)
    }
    return sorted(found)


def _condition(item: Mapping[str, Any], kind: str) -> str | None:
    for entry in (item.get("status") or {}).get("conditions") or []:
        if entry.get("type") == kind:
            return str(entry.get("status"))
    return None


def _normalized(document: Any) -> Any:
    """A document compared as IAM and Kubernetes mean it: JSON text parsed, a lone action or resource as a list
    of one, lists of strings sorted."""
    return _canonical(json.loads(document) if isinstance(document, str) else document)


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            k: _canonical([v] if k in ("Action", "Resource") and isinstance(v, str) else v) for k, v in value.items()
        }
    if isinstance(value, list):
        items = [_canonical(v) for v in value]
        return sorted(items) if all(isinstance(v, str) for v in items) else items
    return value
