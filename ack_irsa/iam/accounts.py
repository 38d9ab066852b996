"""Cross-account management: the roles a controller assumes in other accounts, and how ACK is told which.

ACK manages a namespace's resources in another account by assuming a role there. It learns which role in
one of two ways, ``cross_account_mode``:

- ``carm`` (cross-account resource management): the ConfigMap ``ack-role-account-map`` in the controller's
  namespace maps an account ID to a role ARN, and a namespace opts in with the annotation
  ``services.k8s.aws/owner-account-id``. Every controller reads that annotation. With the ``ServiceLevelCARM``
  feature gate a key ``<service>.<account>`` is tried before ``<account>``, so two controllers sharing a
  namespace can use different roles in one account.
- ``iam_role_selector``: one cluster-scoped ``IAMRoleSelector`` per target, with the role ARN, the namespaces
  and the service's API group (so another controller's resources in those namespaces are not matched).

Either way the controller's role needs ``sts:AssumeRole`` on the target role (and ``sts:TagSession`` on Pod
Identity, whose session tags are transitive), and the target role must trust the controller's role by its
ARN. ACK sends no ExternalId (aws-controllers-k8s/community issue 2175), so the principal is the only pin.

Pure: plain values in, documents and plain values out; the components call these.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ack_irsa.errors import shown
from ack_irsa.iam.policies import POLICY_VERSION

CrossAccountMode = Literal["carm", "iam_role_selector"]
CROSS_ACCOUNT_MODES: tuple[CrossAccountMode, ...] = ("carm", "iam_role_selector")

CARM_CONFIG_MAP = "ack-role-account-map"
OWNER_ACCOUNT_ANNOTATION = "services.k8s.aws/owner-account-id"
SELECTOR_API_VERSION = "services.k8s.aws/v1alpha1"
SELECTOR_KIND = "IAMRoleSelector"
SELECTOR_DIGEST = 10
"""Hex digits of the role ARN's SHA-256 that end a selector's name."""
ASSUME_ROLE = "sts:AssumeRole"
TAG_SESSION = "sts:TagSession"
CROSS_ACCOUNT_POLICY_NAME = "ack-cross-account"
"""The source role's inline policy that allows assuming the target roles (kept apart from the recommended one)."""

ACCOUNT_ID = re.compile(r"[0-9]{12}")
_ROLE_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):iam::(?P<account>[0-9]{12}):role(?P<path>/(?:[!-.0-~]+/)*)(?P<name>[\w+=,.@-]{1,64})",
    re.ASCII,
)
"""A role ARN as IAM writes it: the path of printable ASCII between slashes, the name of IAM's characters."""


@dataclass(frozen=True)
class CrossAccountTarget:
    """One account a controller manages resources in, the role it assumes there, and for which namespaces."""

    account_id: str
    role_name: str
    role_path: str
    """``/`` unless the role's ARN says another path."""
    partition: str | None
    """The partition a given role ARN names; None when only a name was given (the stack's partition)."""
    namespaces: tuple[str, ...]
    manage_role: bool = False
    """The same stack creates the target role, in the target account, through ``provider``."""
    provider: Any = None

    def role_arn(self, partition: str) -> str:
        return f"arn:{self.partition or partition}:iam::{self.account_id}:role{self.role_path}{self.role_name}"

    @property
    def role(self) -> str:
        """The role's path and name: what tells two targets' roles in one account apart."""
        return f"{self.role_path}{self.role_name}"


def parse_role_arn(value: str) -> tuple[str, str, str, str]:
    """(partition, account, path, name) of an IAM role ARN; ValueError for anything else."""
    match = _ROLE_ARN.fullmatch(value)  # re.ASCII: a look-alike character never matches
    if match is None:
        raise ValueError(f"must be an IAM role ARN such as arn:aws:iam::111122223333:role/ack-s3, got {shown(value)}")
    return match["partition"], match["account"], match["path"], match["name"]


def check_account_id(value: str) -> None:
    if not (value.isascii() and ACCOUNT_ID.fullmatch(value)):
        raise ValueError(f"must be a 12-digit AWS account ID, got {shown(value)}")


def api_group(service: str) -> str:
    """The Kubernetes API group of an ACK controller's resources."""
    return f"{service}.services.k8s.aws"


def assume_policy(target_role_arns: Iterable[str], pod_identity: bool) -> dict[str, Any]:
    """The source role's permission to assume exactly the target roles (and tag the session on Pod Identity:
    its session tags are transitive, and the assume fails without ``sts:TagSession``)."""
    statement = {"Sid": "AssumeAckTargetRoles", "Effect": "Allow", "Action": _actions(pod_identity)}
    return {"Version": POLICY_VERSION, "Statement": [{**statement, "Resource": _one_or_all(target_role_arns)}]}


def target_trust_policy(source_role_arns: Sequence[str], pod_identity: bool) -> dict[str, Any]:
    """The target role's trust: exactly the controller roles, by ARN (ACK sends no ExternalId to pin)."""
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": _one_or_all(source_role_arns)},
        "Action": _actions(pod_identity),
    }
    return {"Version": POLICY_VERSION, "Statement": [statement]}


def _actions(pod_identity: bool) -> str | list[str]:
    """``sts:AssumeRole``, and ``sts:TagSession`` with it on Pod Identity."""
    return [ASSUME_ROLE, TAG_SESSION] if pod_identity else ASSUME_ROLE


def _one_or_all(values: Iterable[str]) -> str | list[str]:
    """One value as itself, several sorted and without repeats (the form IAM shows back)."""
    distinct = sorted(set(values))
    return distinct[0] if len(distinct) == 1 else distinct


def carm_key(service: str, account_id: str, service_level: bool) -> str:
    """The key of a target in ``ack-role-account-map``: ``<service>.<account>`` with the ServiceLevelCARM gate."""
    return f"{service}.{account_id}" if service_level else account_id


def selector_name(controller_namespace: str, service: str, account_id: str, role_arn: str) -> str:
    """Name of the IAMRoleSelector: cluster-scoped, so it names the controller's namespace as well, and it
    ends with a digest of the role's ARN. ``spec.arn`` cannot change once set, so a new target role must be
    a new selector; a new name makes Pulumi create it before it deletes the old one. While both exist, the
    resources both match fail to reconcile and are retried; deleting first would leave them, for a moment,
    matched by no selector, managed with the controller's own identity in its own account."""
    digest = hashlib.sha256(role_arn.encode()).hexdigest()[:SELECTOR_DIGEST]
    return f"{controller_namespace}.{service}.{account_id}.{digest}"


def selector_spec(service: str, role_arn: str, namespaces: Sequence[str]) -> dict[str, Any]:
    """The IAMRoleSelector's spec: this role for this service's resources in these namespaces. The CRD
    requires ``group``, ``version`` and ``kind`` on every ``resourceTypeSelector`` item; ACK's matcher takes
    ``""`` as any, so the item selects every kind and version of the service's API group."""
    return {
        "arn": role_arn,
        "namespaceSelector": {"names": list(namespaces)},
        "resourceTypeSelector": [{"group": api_group(service), "version": "", "kind": ""}],
    }


@dataclass(frozen=True)
class CarmGrant:
    """One controller's target, as the shared CARM objects see it."""

    controller: str
    """The controller's name, for messages."""
    service: str
    controller_namespace: str
    target: CrossAccountTarget
    service_level: bool


@dataclass(frozen=True)
class CarmLayout:
    maps: dict[str, dict[str, CarmGrant]]
    """Controller namespace → key → the grant whose role ARN the key maps to."""
    owners: dict[str, str]
    """Namespace → the account its ``services.k8s.aws/owner-account-id`` annotation names."""


def carm_layout(grants: Sequence[CarmGrant]) -> CarmLayout:
    """The ConfigMaps and namespace annotations of every grant; ValueError listing each conflict.

    A namespace's annotation is read by every controller, so a namespace owned by two accounts is refused
    across controllers. Two roles under one key of one ConfigMap are refused too: the controllers must use
    service-level keys (``carm_service_level``)."""
    maps: dict[str, dict[str, CarmGrant]] = {}
    owners: dict[str, tuple[str, CarmGrant]] = {}
    problems: list[str] = []
    for grant in grants:
        target = grant.target
        key = carm_key(grant.service, target.account_id, grant.service_level)
        other = maps.setdefault(grant.controller_namespace, {}).setdefault(key, grant)
        if other.target.role != target.role:
            problems.append(
                f"{grant.controller} and {other.controller} map account {target.account_id} to different roles "
                f"({target.role} and {other.target.role}) in {grant.controller_namespace}/{CARM_CONFIG_MAP}; give "
                "both carm_service_level=True (the ServiceLevelCARM feature gate)"
            )
        for namespace in target.namespaces:
            account, first = owners.setdefault(namespace, (target.account_id, grant))
            if account != target.account_id:
                problems.append(
                    f"namespace {namespace} is given to account {target.account_id} by {grant.controller} and to "
                    f"account {account} by {first.controller}; its {OWNER_ACCOUNT_ANNOTATION} annotation names one"
                )
    if problems:
        raise ValueError("\n".join(problems))
    return CarmLayout(maps, {namespace: account for namespace, (account, _) in owners.items()})


def needs_service_level(grants: Sequence[CarmGrant]) -> set[str]:
    """The controllers that must use service-level keys: those that share a ConfigMap with another
    controller mapping the same account to a different role."""
    roles: dict[tuple[str, str], dict[str, set[str]]] = {}
    for grant in grants:
        by_role = roles.setdefault((grant.controller_namespace, grant.target.account_id), {})
        by_role.setdefault(grant.target.role, set()).add(grant.controller)
    return {
        controller
        for by_role in roles.values()
        if len(by_role) > 1
        for group in by_role.values()
        for controller in group
    }
