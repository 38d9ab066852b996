"""ACK as a managed EKS Capability: who may assume what, as plain documents.

AWS runs the controllers; they act through one IAM **capability role**, trusted by the EKS capabilities
service. With ``selectors`` (the default) that role holds no service permission at all: it may only
assume the **selected roles**, one per controller entry, and a cluster-scoped ``IAMRoleSelector`` tells
the capability which selected role serves which service's resources in which namespaces. A resource no
selector matches is handled with the capability role itself and fails with AccessDenied: the safe default.
With ``direct`` the capability role carries the services' policies itself and there are no selectors.

Pure: plain values in, documents and plain values out; the components call these.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from ack_irsa.iam.accounts import ASSUME_ROLE, TAG_SESSION, assume_policy, target_trust_policy
from ack_irsa.iam.policies import POLICY_VERSION

Permissions = Literal["selectors", "direct"]
PERMISSIONS: tuple[Permissions, ...] = ("selectors", "direct")

CAPABILITY_SERVICE = "capabilities.eks.amazonaws.com"
"""The principal EKS capabilities assume their role as (EKS user guide, ``capability-role``)."""
CAPABILITY_ACTIONS = (ASSUME_ROLE, TAG_SESSION)
"""The capability sets session tags (``eks:eks-capability-arn``, ``eks:kubernetes-namespace``, ...), so every
trust and grant on its path allows ``sts:TagSession`` as well."""
CAPABILITY_TYPE = "ACK"
DELETE_PROPAGATION_POLICY = "RETAIN"
"""The only value EKS accepts: deleting the capability leaves the CRDs, custom resources and AWS resources."""
DEFAULT_CAPABILITY_NAME = "ack"
SELECTED_ROLES_POLICY_NAME = "ack-capability-selected-roles"
"""The capability role's one inline policy in ``selectors`` mode: assume exactly the selected roles."""
ACCESS_POLICY_PREFIX = "cluster-access-policy/"
SECRET_READER_POLICY = "AmazonEKSSecretReaderPolicy"
SECRET_READING_SERVICES = frozenset({"acm", "acmpca", "documentdb", "memorydb", "mq", "rds", "secretsmanager"})
"""Controllers that read Kubernetes Secrets (passwords, keys): the capability's access entry needs
``AmazonEKSSecretReaderPolicy`` for the namespaces that hold them (EKS user guide, ``ack-permissions``)."""
IAM_PROPAGATION_WAIT = timedelta(seconds=20)
"""How long after a role is created the capability waits before EKS checks that it can assume it (IAM is
eventually consistent; peers wait 20 to 60 s or retry). Only a role created moments ago makes anyone wait."""
ROLE_SELECTED_CONDITION = "ACK.IAMRoleSelected"
"""The condition ACK sets on a resource an IAMRoleSelector matched."""


def capability_trust_policy() -> dict[str, Any]:
    """The capability role's trust: the EKS capabilities service, with session tags; nothing else."""
    statement = {"Effect": "Allow", "Principal": {"Service": CAPABILITY_SERVICE}, "Action": list(CAPABILITY_ACTIONS)}
    return {"Version": POLICY_VERSION, "Statement": [statement]}


def selected_role_trust_policy(capability_role_arn: str) -> dict[str, Any]:
    """A selected role's trust: exactly the capability role, by ARN, with session tags (they are transitive)."""
    return target_trust_policy([capability_role_arn], pod_identity=True)


def selected_roles_policy(selected_role_arns: Iterable[str]) -> dict[str, Any]:
    """The capability role's only permission in ``selectors`` mode: assume, and tag the session of, exactly
    the selected roles."""
    document = assume_policy(selected_role_arns, pod_identity=True)
    document["Statement"][0]["Sid"] = "AssumeAckSelectedRoles"
    return document


def secret_reader_policy_arn(partition: str) -> str:
    """``arn:<partition>:eks::aws:cluster-access-policy/AmazonEKSSecretReaderPolicy``."""
    return f"arn:{partition}:eks::aws:{ACCESS_POLICY_PREFIX}{SECRET_READER_POLICY}"


@dataclass(frozen=True)
class Selector:
    """One IAMRoleSelector: this role for one service's resources, in these namespaces (None: every one)."""

    name: str
    """Its metadata.name (cluster-scoped)."""
    group: str
    """The service's Kubernetes API group, e.g. ``s3.services.k8s.aws``."""
    namespaces: tuple[str, ...] | None
    owner: str
    """Who asked for it, for messages (``controllers[1]``, ``controllers[2].crossAccount[0]``)."""


def selector_spec(role_arn: str, group: str, namespaces: Sequence[str] | None) -> dict[str, Any]:
    """The IAMRoleSelector's spec. Every ``resourceTypeSelector`` item needs all three keys (the CRD requires
    them); ACK's matcher reads ``""`` as any, so ``version: ""`` and ``kind: ""`` select every kind of the
    group. No ``namespaceSelector`` selects every namespace."""
    spec: dict[str, Any] = {"arn": role_arn, "resourceTypeSelector": [{"group": group, "version": "", "kind": ""}]}
    if namespaces:
        spec["namespaceSelector"] = {"names": list(namespaces)}
    return spec


def selector_matches(spec: Mapping[str, Any], namespace: str, group: str, version: str, kind: str) -> bool:
    """Whether a selector's spec matches a resource (labels aside), as ACK's runtime matcher decides
    (``pkg/runtime/iamroleselector/matcher.go``): no names means every namespace; no type selector means every
    type; within a type selector ``""`` is any; the items of a list are alternatives."""
    names = (spec.get("namespaceSelector") or {}).get("names") or []
    if names and namespace not in names:
        return False
    types = spec.get("resourceTypeSelector") or []
    return not types or any(
        t.get("group", "") in ("", group) and t.get("version", "") in ("", version) and t.get("kind", "") in ("", kind)
        for t in types
    )


def overlap(first: Selector, second: Selector) -> str | None:
    """Where two selectors could both match one resource (ACK fails its reconcile), in words; None if nowhere."""
    if first.group != second.group:
        return None
    if first.namespaces is None or second.namespaces is None:
        within = first.namespaces or second.namespaces
        return f"{first.group} in {'every namespace' if within is None else ', '.join(within)}"
    shared = sorted(set(first.namespaces) & set(second.namespaces))
    return f"{first.group} in {', '.join(shared)}" if shared else None


def overlaps(selectors: Sequence[Selector]) -> list[tuple[str, str]]:
    """Every pair of selectors that could match the same resource: (the later one's owner, the message)."""
    found = []
    for index, first in enumerate(selectors):
        for second in selectors[index + 1 :]:
            if (where := overlap(first, second)) is not None:
                found.append(
                    (
                        second.owner,
                        f"{second.owner} and {first.owner} would both select {where}; a resource two "
                        "IAMRoleSelectors match fails to reconcile (give them disjoint namespaces)",
                    )
                )
    return found


def spec_overlaps(specs: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Pairs of selectors, as found on a cluster (name → spec), that could match one resource: those whose type
    selectors share a group (or leave it open) and whose namespaces meet (or are open)."""
    found = []
    names = sorted(specs)
    for index, first in enumerate(names):
        for second in names[index + 1 :]:
            a, b = specs[first], specs[second]
            groups_a = {t.get("group", "") for t in a.get("resourceTypeSelector") or [{"group": ""}]}
            groups_b = {t.get("group", "") for t in b.get("resourceTypeSelector") or [{"group": ""}]}
            shared_group = "" in groups_a or "" in groups_b or bool(groups_a & groups_b)
            names_a = set((a.get("namespaceSelector") or {}).get("names") or [])
            names_b = set((b.get("namespaceSelector") or {}).get("names") or [])
            shared_namespace = not names_a or not names_b or bool(names_a & names_b)
            if shared_group and shared_namespace:
                found.append(f"IAMRoleSelectors {first} and {second} could match the same resource")
    return found


def propagation_delay(
    created: Iterable[datetime | None], now: datetime, wait: timedelta = IAM_PROPAGATION_WAIT
) -> float:
    """Seconds still to wait before EKS may check the roles: ``wait`` after the newest role was created, nothing
    for roles older than that (a second ``pulumi up`` never waits)."""
    known = [moment for moment in created if moment is not None]
    if not known:
        return 0.0
    return max(0.0, (max(known) + wait - now).total_seconds())


def parse_created(value: Any) -> datetime | None:
    """A role's ``createDate`` as IAM reports it (RFC 3339); None when unknown (a preview, the mocks)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def admits(trust: Mapping[str, Any], principal: Mapping[str, str], action: str) -> bool:
    """Whether a trust policy lets ``principal`` (``{"Service": name}`` or ``{"AWS": arn}``) do ``action``:
    an Allow statement names it (or, for a principal of an account, that account's root or ID) and no Deny
    does. Conditions make a statement not count. Enough to test a trust against its intent; not IAM."""
    ((kind, who),) = principal.items()
    statements = trust.get("Statement", [])
    statements = [statements] if isinstance(statements, Mapping) else statements

    def named(statement: Mapping[str, Any]) -> bool:
        given = statement.get("Principal")
        if given == "*":
            return True
        listed = given.get(kind, []) if isinstance(given, Mapping) else []
        listed = [listed] if isinstance(listed, str) else listed
        if who in listed or "*" in listed:
            return True
        if kind == "AWS" and who.startswith("arn:") and ":iam::" in who:  # a trust naming an account admits its roles
            parts = who.split(":")
            return any(p in (parts[4], f"arn:{parts[1]}:iam::{parts[4]}:root") for p in listed)
        return False

    def acts(statement: Mapping[str, Any]) -> bool:
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        return any(fnmatch.fnmatchcase(action.lower(), str(a).lower()) for a in actions)

    def counts(statement: Mapping[str, Any]) -> bool:
        return "Condition" not in statement and named(statement) and acts(statement)

    if any(s.get("Effect") == "Deny" and counts(s) for s in statements):
        return False
    return any(s.get("Effect") == "Allow" and counts(s) for s in statements)
