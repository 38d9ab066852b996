"""A kubeconfig given to the stack, checked for the structure a client needs, and never shown.

``ack-irsa:kubeconfig`` is a path or the kubeconfig's contents (YAML or JSON text, or a map). The contents
are checked where the stack config is parsed: clusters, contexts and users, each a ``{name, <kind>}`` map,
and a context (``kubeContext``, else ``current-context``) whose cluster and user are listed. A path is read
where it is used (``ack-irsa up`` before anything is created, and the Kubernetes provider): the review job
that renders a plan need not have the operator's file. No message quotes any of it: it can hold a token.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ack_irsa.errors import InputError, shown
from ack_irsa.stack.stackfile import load_yaml, read_text

NOT_SHOWN = "(not shown: a kubeconfig can hold credentials)"
_PARTS = (("clusters", "cluster"), ("contexts", "context"), ("users", "user"))


def is_path(text: str) -> bool:
    """The provider's rule: one line that does not open a JSON object is a path; anything else is contents."""
    return "\n" not in text and not text.lstrip().startswith("{")


def contents_problems(text: str, context: str | None) -> list[str]:
    """What keeps the contents ``text`` from being a usable kubeconfig; empty when nothing does."""
    try:
        document = load_yaml(text, "the kubeconfig")  # bounded like a stack file: no alias bombs
    except InputError:
        return [f"is neither a path nor kubeconfig contents that parse as YAML or JSON {NOT_SHOWN}"]
    return structure_problems(document, context)


def file_problems(path: str, context: str | None) -> list[str]:
    """What keeps the file at ``path`` from being a usable kubeconfig. Not even the path is shown: one line of
    contents (``token: …``) reads as a path too."""
    file = Path(path).expanduser()
    if not file.exists():
        return [f"names a file that does not exist (a kubeconfig path, or the kubeconfig's contents) {NOT_SHOWN}"]
    try:
        text = read_text(file)
    except InputError:
        return [f"names a file that cannot be read as text {NOT_SHOWN}"]
    return [
        f"names a file that {problem.replace('is neither a path nor', 'holds no')}"
        for problem in contents_problems(text, context)
    ]


def structure_problems(document: Any, context: str | None) -> list[str]:
    """Clusters, contexts and users, and a context that resolves to a listed cluster and user."""
    if not isinstance(document, Mapping):
        return [f"is not a kubeconfig: it must be a map with clusters, contexts and users {NOT_SHOWN}"]
    problems: list[str] = []
    names: dict[str, set[str]] = {}
    for key, inner in _PARTS:
        entries = document.get(key)
        names[key] = set()
        if not isinstance(entries, list) or not entries:
            problems.append(f"has no {key} (a list of {{name, {inner}}} maps) {NOT_SHOWN}")
            continue
        for index, entry in enumerate(entries):
            if (
                isinstance(entry, Mapping)
                and isinstance(entry.get("name"), str)
                and isinstance(entry.get(inner), Mapping)
            ):
                names[key].add(entry["name"])
            else:
                problems.append(f"has {key}[{index}] that is not a {{name, {inner}}} map {NOT_SHOWN}")
    if problems:
        return problems
    chosen = context or document.get("current-context")
    if not isinstance(chosen, str) or not chosen:
        return [f"names no current-context; set it, or kubeContext {NOT_SHOWN}"]
    found = next((e["context"] for e in document["contexts"] if e.get("name") == chosen), None)
    if found is None:
        which = f"kubeContext {shown(context)}" if context else "its current-context"
        return [f"has no context that {which} names {NOT_SHOWN}"]
    for key, field in (("clusters", "cluster"), ("users", "user")):
        if found.get(field) not in names[key]:
            problems.append(f"has a context whose {field} is not among its {key} {NOT_SHOWN}")
    return problems
