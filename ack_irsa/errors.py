"""How bad input is reported: one error type for the commands, short echoes, and secrets never shown.

Every refusal names where the input came from (a file with its line and column, a flag, or a config
key path) and the allowed form. A value is echoed at most :data:`ECHO_MAX` characters long, however
large or deeply nested it is, and a value that can hold credentials is never echoed at all.
"""

from __future__ import annotations

import contextlib
import json
import re
import reprlib
from collections.abc import Iterable, Iterator

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


# Searched, not matched whole, so every start position is tried: no repeat may run over text that holds the
# start of another attempt, or a long value costs the square of its length (a run of ``eyJ-`` or of
# ``users:`` did: 96 KB took 39 s). A token's start is refused inside a run of its own characters, and a
# kubeconfig's layout is two searches, the second from where the first ended.
_CREDENTIAL = re.compile(
    r"-----BEGIN [A-Z ]*(?:PRIVATE KEY|CERTIFICATE)-----"  # a PEM key or certificate
    r"|(?<![\w-])eyJ[\w-]{6,}\.eyJ[\w-]{6,}\.[\w-]*"  # a JSON web token (a ServiceAccount's or an OIDC token)
    r"|\bk8s-aws-v1\.[\w-]{16,}"  # an EKS bearer token (aws eks get-token)
    r"|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"  # an AWS access key ID
    r"|[\"']?\b(?:token|password|client-key-data|client-certificate-data|id-token|refresh-token|client-secret)"
    r"[\"']?\s*:\s*\S"  # a kubeconfig's credential fields, in YAML or JSON
)
_LAYOUT_LIST = re.compile(r"\b(?:users|clusters|contexts)[\"']?\s*:")  # a kubeconfig's lists …
_LAYOUT_ITEM = re.compile(r"\b(?:user|server)[\"']?\s*:")  # … and, after one of them, an entry's field


def _credential(text: str) -> bool:
    if _CREDENTIAL.search(text):
        return True
    listed = _LAYOUT_LIST.search(text)  # the first list is enough: any field after a later one is after it
    return bool(listed and _LAYOUT_ITEM.search(text, listed.end()))


def _texts(value: object, keys: bool = True, depth: int = 0) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif depth < 20 and isinstance(value, dict):
        for key, item in value.items():
            if keys:
                yield from _texts(key, keys, depth + 1)
            yield from _texts(item, keys, depth + 1)
    elif depth < 20 and isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _texts(item, keys, depth + 1)


def looks_like_credentials(value: object) -> bool:
    """Whether a value (or any string inside it) has the shape of a credential: a kubeconfig, a token, a
    private key, an access key ID. Such a value is masked wherever it was given, whatever its key."""
    return any(_credential(text) for text in _texts(value))


def masked(text: str, secrets: Iterable[object]) -> str:
    """``text`` with every string value (of at least 4 characters) inside ``secrets`` replaced by ``<secret>``,
    as written and as ``repr`` writes it: for messages that may quote decrypted secret config. A structured
    value given as JSON text (as Pulumi hands it to the program) is masked leaf by leaf."""
    values = list(secrets)
    for value in list(values):
        if isinstance(value, str) and value.lstrip()[:1] in ("[", "{"):
            with contextlib.suppress(ValueError, RecursionError):  # not JSON: masked as one string
                values.append(json.loads(value))
    leaves = {leaf for value in values for leaf in _texts(value, keys=False) if len(leaf) >= 4}
    leaves |= {repr(leaf)[1:-1] for leaf in leaves}
    for leaf in sorted(leaves, key=len, reverse=True):
        text = text.replace(leaf, "<secret>")
    return text


def shown(value: object) -> str:
    """``repr(value)``, bounded: long strings and large or deep structures are cut, and say so. A value
    shaped like a credential is described, never shown."""
    if looks_like_credentials(value):
        return f"{kind_of(value)} (not shown: it looks like a credential)"
    text = _REPR.repr(value)
    if isinstance(value, str) and text != repr(value):  # a string is cut well under ECHO_MAX: say how long
        return f"{text} ({len(value)} characters)"
    return text if len(text) <= ECHO_MAX else text[: ECHO_MAX - 1] + "…"


def kind_of(value: object) -> str:
    """What a value is, without showing it: for values that may hold credentials."""
    kinds = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return next((text for kind, text in kinds.items() if isinstance(value, kind)), type(value).__name__)
