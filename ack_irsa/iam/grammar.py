"""IAM's grammar for identity policies, checked before anything is created.

IAM refuses ``"Effect": "Alow"``, ``Actions`` for ``Action``, a statement without ``Resource``, a
``Principal`` in a role's own policy or an unknown condition operator with ``MalformedPolicyDocument``,
half-way through ``pulumi up`` and after the role exists. :func:`identity_policy_problems` finds all of
them at once, each with its path in the document (``Statement[0].Effect``). Pure; no Pulumi, no network.
The grammar follows the IAM JSON policy reference ("Grammar of the IAM JSON policy language").
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ack_irsa.errors import shown

VERSIONS = ("2012-10-17",)
DOCUMENT_KEYS = ("Version", "Id", "Statement")
STATEMENT_KEYS = ("Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition")
PRINCIPAL_KEYS = ("Principal", "NotPrincipal")
EFFECTS = ("Allow", "Deny")

_OPERATORS = (
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike",
    "StringNotLike", "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
    "NumericGreaterThan", "NumericGreaterThanEquals", "DateEquals", "DateNotEquals", "DateLessThan",
    "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals", "Bool", "BinaryEquals", "IpAddress",
    "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike",
)  # fmt: skip
CONDITION_OPERATOR = re.compile(
    r"(?:(?:ForAllValues|ForAnyValue):)?(?:(?:" + "|".join(_OPERATORS) + r")(?:IfExists)?|Null)", re.ASCII
)
"""A condition operator: a base operator, ``…IfExists`` (not for ``Null``), and a set qualifier."""
ACTION = re.compile(r"\*|[a-z0-9-]+:[A-Za-z0-9*?]+", re.ASCII)
"""``*``, or ``<service prefix>:<action>`` where the action may hold the wildcards ``*`` and ``?``."""
SID = re.compile(r"[A-Za-z0-9]*", re.ASCII)
_CONDITION_KEY = re.compile(r"[\x21-\x7e]+", re.ASCII)


def identity_policy_problems(document: Any) -> list[tuple[str, str]]:
    """Every grammar problem of a role's identity (inline) policy, as (path in the document, message)."""
    return list(_document(document))


def _document(document: Any) -> Iterator[tuple[str, str]]:
    if not isinstance(document, Mapping):
        yield "", f"must be a policy document (an object with Version and Statement), got {shown(document)}"
        return
    for key in document:
        if key not in DOCUMENT_KEYS:
            yield str(key), f"is not a policy document key ({', '.join(DOCUMENT_KEYS)})"
    if document.get("Version") not in VERSIONS:
        yield "Version", f"must be {VERSIONS[0]!r}, the current policy language, got {shown(document.get('Version'))}"
    statements = document.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        yield "Statement", f"must be a statement or a non-empty list of statements, got {shown(statements)}"
        return
    sids: dict[str, int] = {}
    for index, statement in enumerate(statements):
        where = f"Statement[{index}]"
        if not isinstance(statement, Mapping):
            yield where, f"must be an object with Effect, Action and Resource, got {shown(statement)}"
            continue
        yield from _statement(where, statement)
        sid = statement.get("Sid")
        if isinstance(sid, str) and sid:
            if sid in sids:
                yield f"{where}.Sid", f"{shown(sid)} is the Sid of Statement[{sids[sid]}] too; Sids must be unique"
            sids.setdefault(sid, index)


def _statement(where: str, statement: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for key in statement:
        if key in PRINCIPAL_KEYS:
            yield f"{where}.{key}", "belongs in a trust or resource policy, not in a role's own policy"
        elif key not in STATEMENT_KEYS:
            yield f"{where}.{key}", f"is not a statement key ({', '.join(STATEMENT_KEYS)})"
    if "Sid" in statement and not (isinstance(statement["Sid"], str) and SID.fullmatch(statement["Sid"])):
        yield f"{where}.Sid", f"must be letters and digits only, got {shown(statement['Sid'])}"
    if statement.get("Effect") not in EFFECTS:
        yield f"{where}.Effect", f"must be 'Allow' or 'Deny', got {shown(statement.get('Effect'))}"
    yield from _one_of(where, statement, "Action", "NotAction", _action_problem)
    yield from _one_of(where, statement, "Resource", "NotResource", _resource_problem)
    if "Condition" in statement:
        yield from _condition(f"{where}.Condition", statement["Condition"])


def _one_of(where: str, statement: Mapping[str, Any], key: str, negated: str, item: Any) -> Iterator[tuple[str, str]]:
    """Exactly one of ``key`` and ``negated``, a string or a non-empty list of strings, each well-formed."""
    given = [k for k in (key, negated) if k in statement]
    if len(given) != 1:
        yield where, f"must have exactly one of {key} and {negated}" + (f", has {' and '.join(given)}" if given else "")
        return
    name = given[0]
    value = statement[name]
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values:
        yield f"{where}.{name}", f"must be a string or a non-empty list of strings, got {shown(value)}"
        return
    for index, entry in enumerate(values):
        path = f"{where}.{name}" if isinstance(value, str) else f"{where}.{name}[{index}]"
        if (problem := item(entry)) is not None:
            yield path, problem


def _action_problem(action: Any) -> str | None:
    if not isinstance(action, str) or not ACTION.fullmatch(action):
        return f"{shown(action)} is not an action (service:Action, e.g. s3:GetObject, or *)"
    return None


def _resource_problem(resource: Any) -> str | None:
    if not isinstance(resource, str) or not (resource == "*" or resource.startswith("arn:")):
        return f"{shown(resource)} is not a resource (an ARN, which may hold wildcards, or *)"
    if resource != resource.strip() or not resource.isprintable():
        return f"{shown(resource)} has white space or control characters around or in it"
    return None


def _condition(where: str, condition: Any) -> Iterator[tuple[str, str]]:
    if not isinstance(condition, Mapping) or not condition:
        yield where, f"must map condition operators to their keys, got {shown(condition)}"
        return
    for operator, tests in condition.items():
        path = f"{where}.{operator}"
        if not isinstance(operator, str) or not CONDITION_OPERATOR.fullmatch(operator):
            yield path, "is not a condition operator (e.g. StringEquals, ArnLike, BoolIfExists, ForAnyValue:StringLike)"
        if not isinstance(tests, Mapping) or not tests:
            yield path, f"must map condition keys to values, got {shown(tests)}"
            continue
        for key, value in tests.items():
            if not isinstance(key, str) or not _CONDITION_KEY.fullmatch(key):
                yield f"{path}.{key}", "is not a condition key (e.g. aws:RequestedRegion)"
            values = value if isinstance(value, list) else [value]
            if not values or not all(isinstance(v, str | int | float | bool) for v in values):
                yield f"{path}.{key}", f"must be a string, number or boolean, or a list of them, got {shown(value)}"
