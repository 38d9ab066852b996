"""IAM identity policy documents: parsed and checked, summed up, and sized as IAM counts them.

Pure functions over plain values. Trust policies, of both identity modes, are in :mod:`ack_irsa.iam.trust`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ack_irsa.iam.grammar import identity_policy_problems

POLICY_VERSION = "2012-10-17"


def issuer_host(url: str) -> str:
    """The issuer in the form IAM condition keys use: no scheme, no trailing slash."""
    return url.strip().removeprefix("https://").rstrip("/")


def issuer_url(issuer: str) -> str:
    return f"https://{issuer_host(issuer)}"


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


NOT_A_NUMBER = "is not a JSON number (write a number such as 10 or 1.5, or a string)"


def non_finite_numbers(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, message) of every NaN or Infinity in a document: Python's json reads and writes them, JSON and
    IAM do not. Paths as the grammar's: ``Statement[0].Condition.NumericLessThan.s3:max-keys[1]``."""
    if isinstance(value, float) and not math.isfinite(value):
        literal = "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
        yield path, f"{literal} {NOT_A_NUMBER}"
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from non_finite_numbers(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from non_finite_numbers(item, f"{path}[{index}]")


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
    if problems := [*non_finite_numbers(value), *identity_policy_problems(value)]:
        raise PolicyGrammarError(problems)
    return dict(value)
