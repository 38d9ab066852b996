"""How component arguments are checked: every problem at once, with the argument it names."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from ack_irsa import catalog
from ack_irsa.errors import shown
from ack_irsa.iam import limits

T = TypeVar("T")
DEFAULT_NAMESPACE = "ack-system"
DEFAULT_ROLE_PATH = "/"
DEFAULT_SESSION_DURATION = 3600


@dataclass(frozen=True)
class Problem:
    field: str
    """The argument at fault (snake_case, with an index for list items: ``extra_policy_arns[1]``);
    empty when the problem is the combination of several."""
    message: str


class ArgsError(ValueError):
    """Every problem found in one set of arguments; ``str()`` gives one per line, prefixed by ``where``."""

    def __init__(self, problems: Sequence[Problem], where: str = "") -> None:
        self.problems = list(problems)
        super().__init__("\n".join(f"{where}{p.field or ''}{': ' if p.field else ''}{p.message}" for p in problems))


class Problems(list[Problem]):
    def add(self, field: str, message: str) -> None:
        self.append(Problem(field, message))

    def check(self, field: str, checker: Callable[[Any], object], value: Any) -> bool:
        try:
            checker(value)
        except ValueError as error:
            self.add(field, str(error))
            return False
        return True

    def plain(self, field: str, value: Any, kind: type | tuple[type, ...], form: str) -> bool:
        """``value`` is of ``kind`` and known now: a Pulumi Output or another type is a problem."""
        if isinstance(value, bool) if kind is bool else isinstance(value, kind) and not isinstance(value, bool):
            return True
        if deploy_time(value):
            self.add(field, f"must be {form} known before deploying, not a Pulumi Output (it is checked up front)")
        else:
            self.add(field, f"must be {form}, got {shown(value)}")
        return False

    def unknown_arguments(self, args: Mapping[str, Any], known: Sequence[str]) -> None:
        for name in args:
            if name not in known:
                close = difflib.get_close_matches(str(name), known, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(known)})"
                self.add(str(name), "unknown argument" + hint)


def deploy_time(value: Any) -> bool:
    """A Pulumi Output (or another awaitable input), known only at deploy time."""
    return hasattr(value, "apply") and hasattr(value, "future")


MAX_DEPTH = 32
"""Levels of lists and maps an argument's value may nest (a stack file allows as many)."""


def when_resolved(where: str, field: str, check: Callable[[Any], T]) -> Callable[[Any], T]:
    """``check`` for a value known only at deploy time, to run when it resolves: what it refuses is an
    :class:`ArgsError` naming ``field`` (prefixed by ``where``, the component), as up front, never a raw error."""

    def checked(value: Any) -> T:
        try:
            return check(value)
        except ArgsError:
            raise
        except ValueError as error:
            raise ArgsError([Problem(field, str(error))], where) from None

    return checked


def as_mapping(args: Any, component: str) -> Mapping[str, Any]:
    """The arguments as a mapping of plain values bounded in depth; an :class:`ArgsError` at once otherwise,
    naming each argument whose value refers to itself or nests too deep (nothing could check it)."""
    if not isinstance(args, Mapping):
        raise ArgsError([Problem("", f"the arguments must be a mapping such as {component}, got {shown(args)}")])
    unbounded = [Problem(str(name), why) for name, value in args.items() if (why := _unbounded(value))]
    if unbounded:
        raise ArgsError(unbounded)
    return args


def _unbounded(value: Any) -> str | None:
    """Why ``value`` cannot be checked (it contains itself, or nests deeper than :data:`MAX_DEPTH`), walked
    without recursion; None when it is bounded. Pulumi Outputs and resources are leaves here."""
    pending: list[tuple[Any, int, tuple[int, ...]]] = [(value, 1, ())]
    while pending:
        item, depth, above = pending.pop()
        if isinstance(item, Mapping):
            children = list(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            children = list(item)
        else:
            continue
        if id(item) in above:
            return "contains itself (a list or map that refers to itself cannot be checked or sent)"
        if depth > MAX_DEPTH:
            return f"is nested more than {MAX_DEPTH} levels deep"
        pending += [(child, depth + 1, (*above, id(item))) for child in children]
    return None


def component_arguments(
    args: Any, component: str, known: Sequence[str]
) -> tuple[Mapping[str, Any], Problems, catalog.Controller]:
    """The arguments as a mapping, the unknown ones reported, and the controller their ``service`` names
    (without which nothing else can be checked: an :class:`ArgsError` at once)."""
    args = as_mapping(args, component)
    problems = Problems()
    problems.unknown_arguments(args, known)
    service = args.get("service")
    try:
        if service is None or service == "":
            raise ValueError("is required (an ACK service name such as 's3')")
        if not isinstance(service, str):
            raise ValueError(f"must be an ACK service name such as 's3', got {shown(service)}")
        return args, problems, catalog.get(service)
    except ValueError as error:
        raise ArgsError([*problems, Problem("service", str(error))]) from None


def checked_tags(value: Any, problems: Problems) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.plain("tags", value, dict, "a mapping of tag keys to values")
        return {}
    problems.check("tags", limits.check_tags, value)
    return dict(value)


def checked_quota(args: Mapping[str, Any], name: str, default: int, maximum: int, problems: Problems) -> int:
    value = args.get(name, default)
    what = name.removesuffix("_max_chars").removesuffix("_per_role").replace("_", " ")
    problems.check(name, limits.quota_check(default, maximum, what), value)
    return value if isinstance(value, int) else default


def listed(args: Mapping[str, Any], name: str, form: str, problems: Problems) -> tuple[Any, ...]:
    """A list argument; a string or another single value is a problem (not a list of its characters)."""
    value = args.get(name, ())
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
        problems.add(name, f"must be a list of {form}, got {shown(value)}")
        return ()
    return tuple(value)
