"""No regular expression applied to input can backtrack catastrophically.

Two checks, neither timed. The structure of every compiled pattern in the package is read with the
standard library's own parser: a repeated group must not be able to match nothing, nor end by consuming
what starts its next repetition (``(/[!-~]+)*``: ``/a/a`` splits 2ⁿ ways), nor hold alternatives that
start alike. Then each pattern meets about 10 KB of its own worst shape (a valid prefix, a segment
repeated, a final character it refuses) through the check users reach, and must refuse it: a pattern
that backtracked exponentially would not return on 10 KB in the lifetime of the universe.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterator
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ack_irsa
from ack_irsa import errors
from ack_irsa.iam import accounts, arns, limits
from ack_irsa.stack import config

SIZE = 10_000
"""Characters of each pathological input."""
ASCII = frozenset(range(128))


# --- structure ------------------------------------------------------------------------------------------


def _category(category: Any) -> set[int]:
    tests: dict[Any, Callable[[str], bool]] = {
        sre.CATEGORY_DIGIT: str.isdigit,
        sre.CATEGORY_NOT_DIGIT: lambda c: not c.isdigit(),
        sre.CATEGORY_WORD: lambda c: c.isalnum() or c == "_",
        sre.CATEGORY_NOT_WORD: lambda c: not (c.isalnum() or c == "_"),
        sre.CATEGORY_SPACE: str.isspace,
        sre.CATEGORY_NOT_SPACE: lambda c: not c.isspace(),
    }
    return {code for code in range(128) if tests[category](chr(code))}


def _chars(op: Any, av: Any) -> frozenset[int] | None:
    """The ASCII characters a one-character item matches; None for any other item."""
    if op is sre.LITERAL:
        return frozenset({av})
    if op is sre.NOT_LITERAL:
        return ASCII - {av}
    if op is sre.ANY:
        return ASCII - {10}
    if op is not sre.IN:
        return None
    chars: set[int] = set()
    negate = False
    for kind, value in av:
        if kind is sre.NEGATE:
            negate = True
        elif kind is sre.LITERAL:
            chars.add(value)
        elif kind is sre.RANGE:
            chars.update(range(value[0], min(value[1], 127) + 1))
        else:
            chars.update(_category(value))
    return ASCII - chars if negate else frozenset(chars)


def _repeats(op: Any) -> bool:
    return op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)


def _edge(seq: Any, last: bool) -> tuple[set[int], bool]:
    """(the characters that can start ``seq``, or with ``last`` the characters its end may or may not
    consume: those of an optional or repeated item at its end; whether ``seq`` can match nothing)."""
    chars: set[int] = set()
    for op, av in reversed(list(seq)) if last else seq:
        if (one := _chars(op, av)) is not None:
            return (chars if last else chars | one), False
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):  # zero-width
            continue
        if op is sre.SUBPATTERN:
            sub, empty = _edge(av[-1], last)
        elif op is sre.BRANCH:
            parts = [_edge(branch, last) for branch in av[1]]
            sub, empty = set().union(*(p[0] for p in parts)), any(p[1] for p in parts)
            if last and empty:  # it may end before the alternative or through it
                sub |= set().union(*(_edge(branch, False)[0] for branch in av[1]))
        elif _repeats(op):
            low, high, body = av
            sub, empty = _edge(body, last)
            if last and high > low:  # it may end after any number of repetitions
                sub |= _edge(body, False)[0]
            empty = empty or low == 0
        else:
            raise AssertionError(f"the check does not know the regex item {op}")
        chars |= sub
        if not empty:
            return chars, False
    return chars, True


def backtracking_risks(pattern: re.Pattern[str]) -> list[str]:
    """The shapes in ``pattern`` that make a backtracking matcher take exponential time."""
    found: list[str] = []

    def walk(seq: Any, repeated: bool) -> None:
        for op, av in seq:
            if _repeats(op) and op is not sre.POSSESSIVE_REPEAT:
                _, high, body = av
                single = len(body) == 1 and _chars(*body[0]) is not None
                if high > 1 and not single:
                    first, empty = _edge(body, last=False)
                    if empty:
                        found.append("a repeated group can match nothing")
                    elif first & _edge(body, last=True)[0]:
                        found.append("a repeated group can end by consuming what starts its next repetition")
                walk(body, repeated or high > 1)
            elif op is sre.SUBPATTERN:
                walk(av[-1], repeated)
            elif op is sre.BRANCH:
                if repeated:
                    starts = [_edge(branch, last=False)[0] for branch in av[1]]
                    if any(a & b for i, a in enumerate(starts) for b in starts[i + 1 :]):
                        found.append("a repeated group holds alternatives that start alike")
                for branch in av[1]:
                    walk(branch, repeated)

    walk(sre_parse.parse(pattern.pattern, pattern.flags), repeated=False)
    return found


@pytest.mark.parametrize(
    "pattern",
    [
        r"(/[\x21-\x7e]+)*",  # the issuer's and the provider ARN's path, as it was
        r"[a-z](/[\x21-\x7e]+)+",
        r"(a+)+b",
        r"(a*)*b",
        r"(a|aa)*b",
        r"(\w+|-)*x",
        r"(ab|\wc)*d",
    ],
)
def test_the_structure_check_finds_the_exponential_shapes(pattern: str) -> None:
    assert backtracking_risks(re.compile(pattern, re.ASCII)), pattern


@pytest.mark.parametrize(
    "pattern", [r"(/[^/]+)*", r"([^/]+/)*", r"aws(-[a-z]+)*", r"(ab)*", r"[a-z]+(\.[a-z]+)*", r"(/[\x21-\x7e]+)?"]
)
def test_the_structure_check_passes_linear_shapes(pattern: str) -> None:
    assert backtracking_risks(re.compile(pattern, re.ASCII)) == []


def package_patterns() -> dict[str, re.Pattern[str]]:
    """Every compiled pattern a module of the package holds at its top level, by ``module.NAME``."""
    found = {}
    for module in pkgutil.walk_packages(ack_irsa.__path__, "ack_irsa."):
        if module.name.endswith("__main__"):
            continue
        loaded = importlib.import_module(module.name)
        source = inspect.getsource(loaded)
        for name, value in vars(loaded).items():
            if isinstance(value, re.Pattern) and f"{name} = re.compile(" in source:  # defined here, not imported
                found[f"{module.name}.{name}"] = value
    return found


PATTERNS = package_patterns()


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_no_pattern_can_backtrack_exponentially(name: str) -> None:
    assert backtracking_risks(PATTERNS[name]) == [], name


# --- each pattern on 10 KB of its worst shape ---------------------------------------------------------------


def _shape(prefix: str, segment: str, tail: str = " ") -> str:
    return prefix + segment * -(-(SIZE - len(prefix)) // len(segment)) + tail


ISSUER = "oidc.eks.us-west-2.amazonaws.com/id"
SHAPES: dict[str, str] = {
    "ack_irsa.iam.arns._PROVIDER_RESOURCE": _shape(f"oidc-provider/{ISSUER}", "/a"),
    "ack_irsa.iam.limits.ISSUER_HOST": _shape(ISSUER, "/a"),
    "ack_irsa.iam.arns._POLICY_RESOURCE": _shape("policy", "/a"),
    "ack_irsa.iam.accounts._ROLE_ARN": _shape("arn:aws:iam::444455556666:role", "/a"),
    "ack_irsa.iam.arns.PARTITION": _shape("aws", "-a", "-"),
    "ack_irsa.iam.arns._ARN": _shape("arn:aws:iam::1:", "a:", "\n"),
    "ack_irsa.iam.arns.ACCOUNT_ID": _shape("", "1", "x"),
    "ack_irsa.iam.accounts.ACCOUNT_ID": _shape("", "1", "x"),
    "ack_irsa.iam.limits._ROLE_NAME": _shape("", "a", " "),
    "ack_irsa.iam.limits.POLICY_KEY": _shape("", "a", " "),
    "ack_irsa.iam.limits._ROLE_PATH": _shape("/", "a/", " "),
    "ack_irsa.iam.limits._DNS_LABEL": _shape("a", "-a", "-"),
    "ack_irsa.iam.limits._DNS_SUBDOMAIN": _shape("a", ".a-a", "-"),
    "ack_irsa.iam.limits.EKS_CLUSTER_NAME": _shape("a", "a-", " "),
    "ack_irsa.iam.limits._THUMBPRINT": _shape("", "a", " "),
    "ack_irsa.iam.grammar.ACTION": _shape("s3:", "*?", " "),
    "ack_irsa.iam.grammar.SID": _shape("", "a", " "),
    "ack_irsa.iam.grammar._CONDITION_KEY": _shape("", "a", " "),
    "ack_irsa.iam.grammar.CONDITION_OPERATOR": _shape("ForAnyValue:", "StringEquals", "IfExists "),
    "ack_irsa.spec.controller._SEMVER": _shape("1.2.3-", "a.", " "),
    "ack_irsa.spec.controller._POLICY_NAME": _shape("", "a", " "),
    "ack_irsa.spec.controller._DESCRIPTION": _shape("", "a ", "\x00"),
    "ack_irsa.catalog._AWS_MANAGED_POLICY": _shape("arn:aws", "-a", ":iam::aws:policy/a b"),
    "ack_irsa.stack.stackfile.STACK_NAME": _shape("", "a.", " "),
    "ack_irsa.catalog.derived._ROLE_RESOURCE": _shape("role", "/a", " "),
    "ack_irsa.iam.arns._CLUSTER_NAME": _shape("a", "a-", " "),
    "ack_irsa.iam.arns._REGION": _shape("us", "-a", "-1 "),
    "ack_irsa.spec.controller.EKS_ISSUER": _shape("oidc.eks.us", "-a", "-1.amazonaws.com/id/X"),
}
"""The worst input of each pattern: for nested groups, the repeated unit; always a final refused character."""
SEARCHED = {
    "ack_irsa.stack.config._ARGUMENT": _shape("", "role_name ", "role_nam"),
    "ack_irsa.stack.config._PART": _shape("controllers", "[0].a", "["),
    "ack_irsa.stack.config._CAPABILITY_WORDS": _shape("", "policy_arns ", "policy_arn"),
    "ack_irsa.errors._CREDENTIAL": _shape("", "eyJ-", "token: x"),
    "ack_irsa.errors._LAYOUT_LIST": _shape("", "user ", "users:"),
    "ack_irsa.errors._LAYOUT_ITEM": _shape("", "users ", "user:"),
}
"""Patterns used to search or replace, not to match a whole value: each must finish on its shape."""


def test_every_pattern_has_its_worst_shape() -> None:
    assert set(PATTERNS) == set(SHAPES) | set(SEARCHED)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_each_pattern_refuses_10_kb_of_its_worst_shape(name: str) -> None:
    assert len(SHAPES[name]) >= SIZE
    assert PATTERNS[name].fullmatch(SHAPES[name]) is None


def test_search_patterns_finish_on_10_kb() -> None:
    for name, text in SEARCHED.items():
        assert len(text) >= SIZE
        PATTERNS[name].sub("x", text)
        assert PATTERNS[name].findall(text)


# --- searched patterns: linear, not only not exponential ----------------------------------------------------


def _runs(seq: Any, required_after: bool = False) -> Iterator[frozenset[int]]:
    """The character classes of the unbounded repeats in ``seq`` that something required follows."""
    items = list(seq)
    for index, (op, av) in enumerate(items):
        after = required_after or not _edge(items[index + 1 :], last=False)[1]
        if _repeats(op):
            _, high, body = av
            run = _chars(*next(iter(body))) if len(body) == 1 else None
            if run is not None and high == sre.MAXREPEAT and after:
                yield run
            yield from _runs(body, after)
        elif op is sre.SUBPATTERN:
            yield from _runs(av[-1], after)
        elif op is sre.BRANCH:
            for branch in av[1]:
                yield from _runs(branch, after)


def _guard(alternative: Any) -> frozenset[int]:
    """The characters a negative look-behind just before the start refuses (none without one)."""
    for op, av in alternative:
        if op is sre.ASSERT_NOT and av[0] == -1 and len(av[1]) == 1:
            return _chars(*next(iter(av[1]))) or frozenset()
        if op is not sre.AT:
            break
    return frozenset()


def quadratic_risks(pattern: re.Pattern[str]) -> list[str]:
    """The shapes in a pattern that is *searched* which cost the square of the text's length.

    A search tries every start position. When an unbounded repeat of a character class, followed by
    something required, can run over text that holds the start of another attempt, each failing attempt
    scans to the end of the same run: ``eyJ[\\w-]{6,}\\.`` on ``eyJ-eyJ-…``, or ``users:[\\s\\S]*server:``
    on ``users:users:…``. A negative look-behind over the run's own characters, just before the start,
    refuses every start inside a run, and makes it linear.
    """
    parsed = list(sre_parse.parse(pattern.pattern, pattern.flags))
    alternatives = parsed[0][1][1] if len(parsed) == 1 and parsed[0][0] is sre.BRANCH else [parsed]
    return [
        "an unbounded repeat followed by more can run over the start of another attempt"
        for alternative in alternatives
        for run in _runs(alternative)
        if _edge(alternative, last=False)[0] & run and not run <= _guard(alternative)
    ]


@pytest.mark.parametrize(
    "pattern",
    [
        r"\beyJ[\w-]{6,}\.eyJ",  # the token's shape, as it was
        r"\b(?:users|clusters)\s*:[\s\S]*\b(?:user|server)\s*:",  # the kubeconfig's layout, as it was
        r"x|a[a-z]*b",
        r"(?<![0-9])a[a-z]*b",  # a guard that is not the run's characters
    ],
)
def test_the_linearity_check_finds_the_quadratic_search_shapes(pattern: str) -> None:
    assert quadratic_risks(re.compile(pattern, re.ASCII)), pattern


@pytest.mark.parametrize(
    "pattern", [r"(?<![\w-])eyJ[\w-]{6,}\.eyJ", r"\bk8s\.[\w-]{16,}", r"-x[a-z]*y", r"a[a-z]{3}b", r"\[[0-9]+\]"]
)
def test_the_linearity_check_passes_linear_search_shapes(pattern: str) -> None:
    assert quadratic_risks(re.compile(pattern, re.ASCII)) == []


@pytest.mark.parametrize("name", sorted(SEARCHED))
def test_no_searched_pattern_is_quadratic(name: str) -> None:
    assert quadratic_risks(PATTERNS[name]) == [], name


@pytest.mark.parametrize("unit", ["eyJ-", "users:", "users: ", "clusters:\n- user", "-----BEGIN A"])
def test_credential_shapes_are_searched_in_one_pass_over_a_megabyte(unit: str) -> None:
    """Each searched a megabyte of the shape that was quadratic: at that size a quadratic search runs for
    hours (96 KB of ``users:`` took 39 s), a linear one for well under a second."""
    text = unit * (1_000_000 // len(unit))
    assert not errors.looks_like_credentials(text + "!")
    assert errors.shown(text).endswith(f"({len(text)} characters)")


# --- the checks users reach -----------------------------------------------------------------------------------


PROVIDER_ARN = f"arn:aws:iam::111122223333:oidc-provider/{ISSUER}"
CHECKS: list[tuple[Callable[[str], object], str]] = [
    (arns.check_oidc_provider_arn, _shape(PROVIDER_ARN, "/a")),
    (limits.check_issuer_url, _shape(f"https://{ISSUER}", "/a")),
    (arns.check_policy_arn, _shape("arn:aws:iam::111122223333:policy", "/a")),
    (accounts.parse_role_arn, _shape("arn:aws:iam::444455556666:role", "/a")),
    (limits.check_role_path, _shape("/", "a/")),
    (limits.check_dns_subdomain, _shape("a", ".a-a", "-")),
]


@pytest.mark.parametrize(("check", "text"), CHECKS, ids=[check.__name__ for check, _ in CHECKS])
def test_the_checks_refuse_10_kb_of_the_worst_shape_cleanly(check: Callable[[str], object], text: str) -> None:
    with pytest.raises(ValueError) as refused:
        check(text)
    assert len(str(refused.value)) < 1000  # the echo is cut


@pytest.mark.parametrize("length", [60, 200, 2000])
def test_a_stack_with_a_pathological_issuer_is_refused_with_its_key(length: int) -> None:
    """The reported hang: a valid prefix, repeated ``/a`` segments and a space, in every key that takes one."""
    issuer = _shape(f"https://{ISSUER}", "/a")[: length - 1] + " "
    provider = PROVIDER_ARN + "/a" * ((length - len(PROVIDER_ARN)) // 2) + " "
    for raw, key in [
        ({"ack-irsa:issuerUrl": issuer}, "ack-irsa:issuerUrl"),
        ({"ack-irsa:oidcProviderArn": provider}, "ack-irsa:oidcProviderArn"),
        ({"ack-irsa:clusterName": "dev", "extra": provider}, "ack-irsa:controllers[0].extraOidcProviders[0]"),
    ]:
        extra = raw.pop("extra", None)
        controllers = [{"service": "s3", **({"extraOidcProviders": [extra]} if extra else {})}]
        with pytest.raises(config.ConfigError) as refused:
            config.parse({**raw, "ack-irsa:controllers": controllers, "aws:region": "us-west-2"})
        assert any(problem.startswith(f"{key}:") for problem in refused.value.problems), refused.value.problems


# --- the rewritten patterns accept what the old ones did --------------------------------------------------------

REWRITTEN = [
    (
        r"oidc-provider/[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?(/[\x21-\x7e]+)*",
        "ack_irsa.iam.arns._PROVIDER_RESOURCE",
        "oidc-provider/",
    ),
    (r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?(/[\x21-\x7e]+)+", "ack_irsa.iam.limits.ISSUER_HOST", ""),
    (r"policy/([\x21-\x7e]*/)?[\w+=,.@-]{1,128}", "ack_irsa.iam.arns._POLICY_RESOURCE", "policy/"),
]


@pytest.mark.parametrize(("old", "name", "prefix"), REWRITTEN, ids=[name for _, name, _ in REWRITTEN])
def test_a_rewritten_pattern_accepts_exactly_what_the_old_one_did(old: str, name: str, prefix: str) -> None:
    before, after = re.compile(old, re.ASCII), PATTERNS[name]

    @settings(max_examples=400, deadline=None, database=None, derandomize=True)
    @given(text=st.text(alphabet="a9./:-_ +", max_size=12))
    def same(text: str) -> None:
        value = prefix + text
        assert bool(before.fullmatch(value)) == bool(after.fullmatch(value)), value

    same()
