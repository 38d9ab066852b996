"""How bad input is reported: one error type for the commands, short echoes, and secrets never shown.

Every refusal names where the input came from (a file with its line and column, a flag, or a config
key path) and the allowed form. A value is echoed at most :data:`ECHO_MAX` characters long, however
large or deeply nested it is, and a value that can hold credentials is never echoed at all.
"""

from __future__ import annotations

import reprlib

ECHO_MAX = 200
"""Characters of a value echoed in an error message, at most."""

SECRET_KEYS = frozenset({"kubeconfig"})
"""Config keys whose values can hold credentials: described by their kind, never echoed."""

_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 3, 120, 120
_REPR.maxtuple = _REPR.maxlist = _REPR.maxdict = _REPR.maxset = 6


class InputError(ValueError):
    """Bad input to a command or the program: the message says where and what the allowed form is.

    The commands print it as one ``error:`` block and exit 1; nothing has been created.
    """


def shown(value: object) -> str:
    """``repr(value)``, bounded: long strings and large or deep structures are cut, and say so."""
    text = _REPR.repr(value)
    if len(text) > ECHO_MAX:
        text = text[: ECHO_MAX - 1] + "…"
    if isinstance(value, str) and len(value) > _REPR.maxstring:
        text += f" ({len(value)} characters)"
    return text


def kind_of(value: object) -> str:
    """What a value is, without showing it: for values that may hold credentials."""
    kinds = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return next((text for kind, text in kinds.items() if isinstance(value, kind)), type(value).__name__)
