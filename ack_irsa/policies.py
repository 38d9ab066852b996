"""IAM policy documents for IRSA: trust policies, inline policies, and their sizes.

Pure functions over plain values; the components call them inside ``Output.apply`` once the
provider ARN and issuer are known, so no document is ever built from unresolved Outputs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ack_irsa.grammar import identity_policy_problems

STS_AUDIENCE = "sts.amazonaws.com"
"""The audience the EKS pod identity webhook requests tokens for (``eks.amazonaws.com/audience`` default)."""

WEB_IDENTITY_ACTION = "sts:AssumeRoleWithWebIdentity"
POLICY_VERSION = "2012-10-17"


@dataclass(frozen=True)
class TrustedIssuer:
    """One OIDC provider a role trusts, and the ServiceAccount subjects it admits from it."""

    provider_arn: str
    issuer: str
    """Issuer URL without ``https://`` (the prefix of the condition keys)."""
    subjects: tuple[str, ...]
    """``system:serviceaccount:<namespace>:<name>`` values; ``*`` and ``?`` only with wildcards allowed."""


def issuer_host(url: str) -> str:
    """The issuer in the form IAM condition keys use: no scheme, no trailing slash."""
    return url.strip().removeprefix("https://").rstrip("/")


def issuer_url(issuer: str) -> str:
    return f"https://{issuer_host(issuer)}"


def service_account_subject(namespace: str, name: str) -> str:
    return f"system:serviceaccount:{namespace}:{name}"


def has_wildcard(value: str) -> bool:
    return "*" in value or "?" in value


def irsa_trust_policy(trusted: Sequence[TrustedIssuer], audience: str = STS_AUDIENCE) -> dict[str, Any]:
    """The role trust policy: one statement per provider, each pinning ``sub`` and ``aud``.

    ``sub`` is pinned to exact ServiceAccounts because any pod on the cluster can request a token
    for its own ServiceAccount; without the pin, every workload could assume the role. ``aud`` is
    pinned so that tokens minted for another audience are refused. ``StringEquals`` treats ``*``
    literally, so a subject with a wildcard moves ``sub`` alone to ``StringLike``.
    """
    return {"Version": POLICY_VERSION, "Statement": [_statement(t, audience) for t in trusted]}


def _statement(trusted: TrustedIssuer, audience: str) -> dict[str, Any]:
    sub_key, aud_key = f"{trusted.issuer}:sub", f"{trusted.issuer}:aud"
    subjects: str | list[str] = trusted.subjects[0] if len(trusted.subjects) == 1 else list(trusted.subjects)
    if any(has_wildcard(s) for s in trusted.subjects):
        condition = {"StringEquals": {aud_key: audience}, "StringLike": {sub_key: subjects}}
    else:
        condition = {"StringEquals": {sub_key: subjects, aud_key: audience}}
    return {
        "Effect": "Allow",
        "Principal": {"Federated": trusted.provider_arn},
        "Action": WEB_IDENTITY_ACTION,
        "Condition": condition,
    }


def allowed_actions(document: Mapping[str, Any]) -> list[str]:
    """The actions a policy's Allow statements name, in order, each once (``NotAction`` shown as
    ``all but <action>``): what a reviewer needs to see of an inline policy at a glance."""
    statements = document.get("Statement", [])
    found: list[str] = []
    for statement in [statements] if isinstance(statements, Mapping) else statements:
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        for key, prefix in (("Action", ""), ("NotAction", "all but ")):
            value = statement.get(key, [])
            found += [f"{prefix}{a}" for a in ([value] if isinstance(value, str) else value)]
    return list(dict.fromkeys(found))


def summary(items: Sequence[str], shown: int = 6) -> str:
    """``a``, ``b`` and 3 more: a list cut for a one-line summary."""
    head = ", ".join(f"`{item}`" for item in items[:shown])
    return head + (f" and {len(items) - shown} more" if len(items) > shown else "")


def to_json(document: Mapping[str, Any]) -> str:
    """Compact JSON: what IAM stores and counts (IAM does not count whitespace)."""
    return json.dumps(document, separators=(",", ":"))


def policy_size(document: Mapping[str, Any]) -> int:
    """Characters IAM counts against its size limits."""
    return len(to_json(document))


class PolicyGrammarError(ValueError):
    """An identity policy IAM would refuse; ``problems`` holds (path in the document, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{path}: {message}" if path else message for path, message in problems))


def parse_policy_document(value: str | Mapping[str, Any]) -> dict[str, Any]:
    """An identity policy document from a JSON string or a mapping, checked against IAM's policy grammar;
    raises ValueError naming the expected form (:class:`PolicyGrammarError` with every grammar problem)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise ValueError(f"is not valid JSON ({error.msg} at line {error.lineno} column {error.colno})") from None
        except RecursionError:
            raise ValueError("is nested too deeply to be a policy document") from None
    if not isinstance(value, Mapping):
        raise ValueError("must be a policy document (a JSON object with Version and Statement)")
    if problems := identity_policy_problems(value):
        raise PolicyGrammarError(problems)
    return dict(value)
