"""How values are echoed in errors, exactly: ``shown``'s cuts, ``kind_of``'s words, what ``masked`` hides,
and how deep the credential search looks into a structured value."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ack_irsa.errors import ECHO_MAX, kind_of, looks_like_credentials, masked, shown

TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJrdWJlcm5ldGVzIn0.c2lnbmF0dXJl"
NOT_SHOWN = "(not shown: it looks like a credential)"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ({"a": 1}, "a mapping"),
        ([1], "a list"),
        ("text", "a string"),
        (True, "a boolean"),  # a bool is an int too: it is named first
        (3, "a number"),
        (0.5, "a number"),
        (b"bytes", "bytes"),  # anything else by its type's name
        (None, "NoneType"),
    ],
)
def test_kind_of_names_a_value_without_showing_it(value: Any, kind: str) -> None:
    assert kind_of(value) == kind


@pytest.mark.parametrize(
    ("value", "echo"),
    [
        (TOKEN, f"a string {NOT_SHOWN}"),
        ({"user": TOKEN}, f"a mapping {NOT_SHOWN}"),
        ([TOKEN], f"a list {NOT_SHOWN}"),
    ],
)
def test_a_credential_is_described_by_its_kind(value: Any, echo: str) -> None:
    assert shown(value) == echo


@pytest.mark.parametrize("length", [1, 117, 118])
def test_a_string_short_enough_is_shown_whole(length: int) -> None:
    assert shown("x" * length) == repr("x" * length)


@pytest.mark.parametrize("length", [119, 120, 121, 5000])
def test_a_string_cut_says_how_long_it_was(length: int) -> None:
    # The quotes count: from 119 characters on, the echo (at most 120) cannot hold the whole repr.
    assert shown("x" * length) == f"'{'x' * 57}...{'x' * 58}' ({length} characters)"


def test_a_structure_whose_echo_fits_exactly_is_not_cut() -> None:
    value = ["a" * 30] * 5 + ["a" * 26]
    assert len(repr(value)) == ECHO_MAX
    assert shown(value) == repr(value)


def test_a_structure_one_character_too_long_is_cut_to_the_bound() -> None:
    value = ["a" * 30] * 5 + ["a" * 27]
    assert len(repr(value)) == ECHO_MAX + 1
    assert shown(value) == repr(value)[: ECHO_MAX - 1] + "…"
    assert len(shown(value)) == ECHO_MAX


def test_a_large_structure_is_shortened_by_item() -> None:
    assert shown(list(range(100))) == "[0, 1, 2, 3, 4, 5, ...]"


def nested(depth: int, leaf: Any, container: str) -> Any:
    """``leaf`` inside ``depth`` lists, or ``depth`` mappings (under the key ``k``), or ``depth`` tuples."""
    value = leaf
    for _ in range(depth):
        value = {"k": value} if container == "dict" else (value,) if container == "tuple" else [value]
    return value


@pytest.mark.parametrize("container", ["list", "dict", "tuple"])
def test_the_credential_search_looks_twenty_levels_deep_and_no_deeper(container: str) -> None:
    # The bound keeps a self-referencing or adversarially deep value from exhausting the stack; twenty
    # levels is far beyond any config a stack file holds.
    assert looks_like_credentials(nested(20, TOKEN, container))
    assert not looks_like_credentials(nested(21, TOKEN, container))


def test_the_depth_bound_counts_through_a_mapping_key() -> None:
    # A tuple can be a key; its depth counts from the mapping's, not from zero.
    assert looks_like_credentials({nested(19, TOKEN, "tuple"): 1})
    assert not looks_like_credentials({nested(20, TOKEN, "tuple"): 1})


@pytest.mark.parametrize(
    "value",
    [
        {TOKEN: "value"},
        {"outer": {TOKEN: "value"}},
        [{TOKEN: "value"}],
    ],
    ids=["key", "key of a nested mapping", "key of a mapping in a list"],
)
def test_a_credential_given_as_a_key_is_found(value: Any) -> None:
    assert looks_like_credentials(value)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("clusters:\n- cluster:\n    server: https://example.com\n", True),
        ('{"users": [{"name": "u", "user": {}}]}', True),
        ("server: https://example.com\nclusters: []\n", False),  # the entry's field must come after a list
        ("clusters: []\n", False),
        ("server: https://example.com\n", False),
    ],
    ids=["yaml layout", "json layout", "field before list", "list alone", "field alone"],
)
def test_a_kubeconfig_is_recognised_by_its_layout_without_a_credential_field(text: str, found: bool) -> None:
    assert looks_like_credentials(text) is found


def test_masked_replaces_each_secret_leaf() -> None:
    assert masked("role abcd in efg", ["abcd", "efg"]) == "role <secret> in efg"  # under 4 characters: kept


def test_masked_replaces_the_longer_secret_first() -> None:
    # Were "zzzz" replaced first, the rest of "abzzzzcd" would be left to read around it.
    assert masked("value abzzzzcd", ["zzzz", "abzzzzcd"]) == "value <secret>"


def test_masked_replaces_a_secret_as_written_and_as_repr_writes_it() -> None:
    secret = "line\none"
    assert masked("raw line\none done", [secret]) == "raw <secret> done"
    assert masked(f"echoed {secret!r} done", [secret]) == "echoed '<secret>' done"


@pytest.mark.parametrize(
    "secret",
    [
        {"password": "hunter2-long", "user": ["alice-name"]},
        json.dumps({"password": "hunter2-long", "user": ["alice-name"]}),
        "  " + json.dumps({"password": "hunter2-long", "user": ["alice-name"]}),  # JSON after white space
    ],
    ids=["mapping", "json text", "indented json text"],
)
def test_masked_replaces_each_leaf_of_a_structured_secret_but_not_its_keys(secret: Any) -> None:
    text = "password hunter2-long for alice-name"
    assert masked(text, [secret]) == "password <secret> for <secret>"


@pytest.mark.parametrize(
    "secret", ["{not json at all", "[" * 100_000], ids=["not json", "json deeper than the parser goes"]
)
def test_masked_treats_text_that_only_looks_like_json_as_one_string(secret: str) -> None:
    assert masked(f"given {secret} here", [secret]) == "given <secret> here"
