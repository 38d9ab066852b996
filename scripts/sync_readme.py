"""Write the generated references: the stack config into README.md (between its markers), and the
Python API's arguments into docs/api.md.

python scripts/sync_readme.py          # rewrite both
python scripts/sync_readme.py --check  # exit 1 when either is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ack_irsa.stack.config import reference

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
API = ROOT / "docs" / "api.md"
START, END = "<!-- config-reference:start -->", "<!-- config-reference:end -->"


def synced(text: str) -> str:
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    return f"{before}{START}\n{reference()}{END}{after}"


def api() -> str:
    from ack_irsa.components import apidoc
    from ack_irsa.components.capability import AckCapabilityArgs, CapabilityControllerArgs, CapabilityTargetArgs
    from ack_irsa.components.controller import ControllerIrsaArgs, CrossAccountTargetArgs
    from ack_irsa.components.cross_account import RoleAccountMapArgs, TargetAccountRoleArgs
    from ack_irsa.components.oidc import ClusterOidcProviderArgs

    components = apidoc.markdown(
        [
            ClusterOidcProviderArgs,
            ControllerIrsaArgs,
            CrossAccountTargetArgs,
            TargetAccountRoleArgs,
            RoleAccountMapArgs,
            AckCapabilityArgs,
            CapabilityControllerArgs,
            CapabilityTargetArgs,
        ]
    )
    return components + "\n" + testing_api()


def testing_api() -> str:
    """The public testing module: every name in its ``__all__``, with its signature or fields and its docstring."""
    import ast
    import dataclasses
    import inspect

    from ack_irsa.components import apidoc
    from ack_irsa.review import testing

    tree = ast.parse(inspect.getsource(testing))
    constants = {  # a module-level name and the docstring under it
        target.id: ast.literal_eval(after.value)
        for node, after in zip(tree.body, tree.body[1:], strict=False)
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name) and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
    }
    doc = inspect.getdoc(testing) or ""
    lines = ["## Testing your own program: `ack_irsa.review.testing`", "", doc, ""]
    for name in testing.__all__:
        value = getattr(testing, name)
        if inspect.isclass(value):
            alias = f" (`{value.__module__}.{value.__name__}`)" if value.__name__ != name else ""
            lines += [f"### `{name}`{alias}", "", inspect.getdoc(value) or "", ""]
            if dataclasses.is_dataclass(value):
                described = apidoc.arguments(value)
                lines += ["| field | type | description |", "| --- | --- | --- |"]
                for f in dataclasses.fields(value):
                    text = " ".join(described.get(f.name, ("", "—"))[1].split())
                    lines.append(f"| `{f.name}` | `{_cell(str(f.type))}` | {_cell(text)} |")
                lines.append("")
            methods = [
                (method, member)
                for method, member in vars(value).items()
                if inspect.isfunction(member) and not method.startswith("_") and member.__doc__
            ]
            for method, member in methods:
                lines += [
                    f"- `{method}{inspect.signature(member)}`: {' '.join((inspect.getdoc(member) or '').split())}"
                ]
            lines += [""] if methods else []
        elif inspect.isfunction(value):
            lines += [f"### `{name}{inspect.signature(value)}`", "", inspect.getdoc(value) or "", ""]
        else:
            lines += [f"### `{name}`", "", f"`{value!r}`", "", constants.get(name, ""), ""]
    return "\n".join(lines).rstrip() + "\n"


def _cell(text: str) -> str:
    """Text for a Markdown table cell: a ``|`` in it would end the cell."""
    return text.replace("|", "\\|")


def main(argv: list[str]) -> int:
    text = README.read_text()
    if "--check" in argv:
        return 0 if synced(text) == text and API.read_text() == api() else 1
    README.write_text(synced(text))
    API.write_text(api())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
