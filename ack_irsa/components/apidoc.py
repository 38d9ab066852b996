"""The per-argument documentation of the components' argument types, reachable from Python.

Each argument of ``ControllerIrsaArgs`` and ``ClusterOidcProviderArgs`` is documented by the docstring
under it, which Python keeps nowhere at run time. :func:`document_arguments` reads them from the source
once, when the component module is imported, and appends them to the class docstring, so that
``help(ControllerIrsaArgs)`` lists every argument with its default; :func:`markdown` renders the same
for ``docs/api.md`` (a test keeps that file in step).
"""

from __future__ import annotations

import ast
import functools
import inspect
import itertools
import sys


@functools.lru_cache(maxsize=1)  # the module whose classes are being documented, parsed once for all of them
def _module_tree(module: str) -> ast.Module:
    return ast.parse(inspect.getsource(sys.modules[module]))


def arguments(cls: type) -> dict[str, tuple[str, str]]:
    """Argument name → (its type as written, its docstring), in the order of the source."""
    # The module's syntax tree, not inspect.getsource(cls): that parses the whole module and tokenizes the
    # class again for every class, which was half of the time importing ack-irsa's components took.
    tree = _module_tree(cls.__module__)
    body = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls.__name__).body
    found = {}
    for node, following in itertools.pairwise(body):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            found[node.target.id] = (ast.unparse(node.annotation), inspect.cleandoc(following.value.value))
    return found


def document_arguments(cls: type) -> None:
    """Append every argument's documentation to ``cls.__doc__``."""
    lines = [(cls.__doc__ or "").rstrip(), "", "Arguments:", ""]
    for name, (annotation, doc) in arguments(cls).items():
        lines.append(f"{name}: {annotation}")
        lines += [f"    {line}" for line in doc.splitlines()]
        lines.append("")
    cls.__doc__ = "\n".join(lines).rstrip() + "\n"


def markdown(classes: list[type]) -> str:
    """The arguments of each class as a Markdown table."""
    lines = ["# Python API", "", "Generated from the source by `python scripts/sync_readme.py`; do not edit.", ""]
    for cls in classes:
        lines += [f"## `{cls.__name__}`", "", (cls.__doc__ or "").split("\n\nArguments:")[0].strip(), ""]
        lines += ["| argument | type | description |", "| --- | --- | --- |"]
        for name, (annotation, doc) in arguments(cls).items():
            text, kind = " ".join(doc.split()).replace("|", "\\|"), annotation.replace("|", "\\|")
            lines.append(f"| `{name}` | `{kind}` | {text} |")
        lines.append("")
    return "\n".join(lines)
