"""Read a Pulumi project and stack file into the config map Pulumi would hand the program.

Offline counterpart of what the Pulumi CLI does before running a program: project-level defaults
from ``Pulumi.yaml``, overridden by the stack file's ``config:``; keys without a namespace belong
to the project. Encrypted values cannot be read without the stack's secrets provider: they become
``<secret>`` and are listed in :attr:`StackFile.secret_keys`.

This is the one way files come in, for every command, and it never lets a file end in a traceback:
a missing file, a directory, bytes that are not UTF-8, a YAML error (with its line and column),
a duplicate key, an unsupported tag, an alias bomb or nesting too deep is an :class:`InputError`
naming the file. Dates stay the text they were written as, as Pulumi passes config values.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ack_irsa.errors import InputError, shown

SECRET_PLACEHOLDER = "<secret>"
MAX_FILE_BYTES = 1024 * 1024
"""A project or stack file larger than this is refused unread."""
MAX_VALUES = 100_000
"""Values (scalars, lists and maps) a file may hold once its YAML aliases are expanded."""
MAX_DEPTH = 32
"""Levels of nesting a file may have; a stack file needs six."""
STACK_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}", re.ASCII)

_YAML = "tag:yaml.org,2002:"
_PLAIN_TAGS = {f"{_YAML}{kind}" for kind in ("str", "int", "float", "bool", "null", "map", "seq", "merge")}


@dataclass(frozen=True)
class StackFile:
    project: str
    config: dict[str, str]
    """Namespaced keys (``ack-irsa:clusterName``, ``aws:region``) to values as Pulumi hands them to the
    program: scalars as their text (``5`` → ``"5"``), lists and maps as JSON text."""
    secret_keys: tuple[str, ...]
    written: dict[str, str] = field(default_factory=dict)
    """Key paths as the config reports them (``ack-irsa:namespace``, ``ack-irsa:controllers[0].roleName``) to
    the text of each unquoted scalar that YAML read as a boolean or a number: so that a refusal can quote what
    the file says (``012345670123``, ``yes``, ``1.10``), not what YAML made of it."""


def read_project(project_dir: Path) -> dict[str, Any]:
    path = project_dir / "Pulumi.yaml"
    if not path.exists() and not (project_dir / "Pulumi.yml").exists():
        raise InputError(
            f"{project_dir}: no Pulumi.yaml here; run in the project's directory or give --project-dir, "
            "the directory that holds its Pulumi.yaml"
        )
    return parse_project(read_text(path), str(path))


def parse_project(text: str, where: str = "Pulumi.yaml") -> dict[str, Any]:
    project = load_yaml(text, where)
    if not isinstance(project, dict) or not isinstance(project.get("name"), str):
        raise InputError(f"{where}: not a Pulumi project file (it needs at least `name: <project>`)")
    if not isinstance(project.get("config") or {}, dict):
        raise InputError(f"{where}: `config:` must be a mapping of keys to declarations")
    return project


def stack_path(project_dir: Path, stack: str) -> Path:
    """The stack file of ``stack``; it must exist: a misspelt name never starts a new stack."""
    if not STACK_NAME.fullmatch(stack):
        raise InputError(f"--stack: {shown(stack)} is not a stack name (letters, digits, '_', '.' and '-')")
    project = read_project(project_dir)
    folder = project_dir / str(project.get("stackConfigDir", "."))
    path = folder / f"Pulumi.{stack}.yaml"
    if not path.exists():
        known = ", ".join(stack_names(folder)) or "none"
        raise InputError(f"{path}: no such stack file (stacks here: {known})")
    return path


def stack_names(folder: Path) -> list[str]:
    """The stacks that have a file in ``folder``, sorted."""
    names = (p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in folder.glob("Pulumi.*.yaml"))
    return sorted(n for n in names if STACK_NAME.fullmatch(n))


def stack_folder(project_dir: Path) -> Path:
    return project_dir / str(read_project(project_dir).get("stackConfigDir", "."))


def load(project_dir: Path, stack_file: Path) -> StackFile:
    """The config of ``stack_file`` as the program of the project in ``project_dir`` would see it."""
    project = read_project(project_dir)
    return config_of(project, read_text(stack_file), str(stack_file))


def read_text(path: Path) -> str:
    """A file's text; every way of not being a readable UTF-8 file is told apart."""
    try:
        if path.is_dir():
            raise InputError(f"{path}: is a directory, not a file")
        if not path.exists():
            raise InputError(f"{path}: no such file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"{path}: {size:,} bytes; a stack or project file may have at most {MAX_FILE_BYTES:,}")
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror or error})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{path}: not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}); save it as UTF-8"
        ) from None


def config_of(project: dict[str, Any], stack_text: str, where: str) -> StackFile:
    """Project-level defaults, overridden by the stack file's ``config:``."""
    name = project["name"]
    config: dict[str, str] = {}
    for key, declaration in (project.get("config") or {}).items():
        value = declaration.get("default", declaration.get("value")) if isinstance(declaration, dict) else declaration
        if value is not None:
            config[_namespaced(name, key)] = pulumi_value(value)
    document, node = _load(stack_text, where)
    if not isinstance(document, dict) or "config" not in document:
        raise InputError(
            f"{where}: has no `config:` section; a stack file holds its settings under it, e.g.\n"
            "  config:\n    aws:region: us-west-2\n    ack-irsa:clusterName: dev-eks\n"
            "    ack-irsa:controllers:\n      - service: s3"
        )
    if not isinstance(document["config"], dict):
        raise InputError(f"{where}: `config:` must be a mapping of keys such as ack-irsa:clusterName to values")
    secrets = []
    for key, value in document["config"].items():
        full_key = _namespaced(name, key)
        encrypted = isinstance(value, dict) and set(value) == {"secure"}
        config[full_key] = SECRET_PLACEHOLDER if encrypted else pulumi_value(value)
        if encrypted:
            secrets.append(full_key)
    return StackFile(project=name, config=config, secret_keys=tuple(secrets), written=_written(node, name))


_READ_AS = {f"{_YAML}bool": "a boolean", f"{_YAML}int": "a number", f"{_YAML}float": "a number"}


def _written(root: yaml.Node | None, project: str) -> dict[str, str]:
    """The source text of every plain scalar under ``config:`` that YAML resolved to a boolean or a number,
    by key path (see :attr:`StackFile.written`)."""
    config = _value_of(root, "config")
    if not isinstance(config, yaml.MappingNode):
        return {}
    found: dict[str, str] = {}
    pending = deque(  # breadth first: the paths come in the order of the file, level by level
        (_namespaced(project, key.value), value) for key, value in config.value if key.tag != f"{_YAML}merge"
    )
    while pending:
        path, node = pending.popleft()
        if isinstance(node, yaml.ScalarNode):
            if node.tag in _READ_AS and node.style is None:
                found[path] = node.value
        elif isinstance(node, yaml.SequenceNode):
            pending += [(f"{path}[{index}]", item) for index, item in enumerate(node.value)]
        elif isinstance(node, yaml.MappingNode):
            pending += [(f"{path}.{key.value}", value) for key, value in node.value if isinstance(key, yaml.ScalarNode)]
    return found


def _value_of(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((value for k, value in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)


def pulumi_value(value: Any) -> str:
    """A config value as Pulumi passes it to a program: text as it is, anything else as JSON text."""
    return value if isinstance(value, str) else json.dumps(value)


def _namespaced(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


# --- YAML, bounded ------------------------------------------------------------------------------------


class _TooDeep(Exception):
    """A flow collection (``[`` or ``{``) opened more than :data:`MAX_DEPTH` levels deep, at ``mark``."""

    def __init__(self, mark: yaml.Mark) -> None:
        self.mark = mark


class _Loader(yaml.SafeLoader):
    """The safe loader without YAML 1.1 timestamps: a date stays the text it was written as."""

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:
        # PyYAML's scanner re-checks every open bracket on every token, quadratic in the nesting: thousands
        # of brackets take seconds to scan. Deeper than a stack file may nest anyway, so stop at once.
        if self.flow_level >= MAX_DEPTH:
            raise _TooDeep(self.get_mark())
        super().fetch_flow_collection_start(TokenClass)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != f"{_YAML}timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(text: str, where: str) -> Any:
    """One YAML document of plain values, or an :class:`InputError` with the file, line and column."""
    return _load(text, where)[0]


def _load(text: str, where: str) -> tuple[Any, yaml.Node | None]:
    """The document and its node tree (which still knows how each scalar was written)."""
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as error:
        line, column = _line_column(text, error.position)
        raise InputError(
            f"{where}, line {line}, column {column}: the control character U+{error.character:04X} is not "
            "allowed in YAML"
        ) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        _check_nodes(node, where)
        return loader.construct_document(node), node
    except yaml.MarkedYAMLError as error:
        raise InputError(_marked(where, error)) from None
    except yaml.YAMLError as error:
        raise InputError(f"{where}: not valid YAML ({str(error).splitlines()[0]})") from None
    except _TooDeep as deep:
        position = f"line {deep.mark.line + 1}, column {deep.mark.column + 1}"
        raise InputError(f"{where}, {position}: values are nested more than {MAX_DEPTH} levels deep") from None
    except RecursionError:
        raise InputError(f"{where}: values are nested more than {MAX_DEPTH} levels deep") from None
    finally:
        loader.dispose()


def _marked(where: str, error: yaml.MarkedYAMLError) -> str:
    mark = error.problem_mark or error.context_mark
    position = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = error.problem or error.context or "not valid YAML"
    context = ""
    if error.context and error.problem and error.context_mark:
        context = f" ({error.context} at line {error.context_mark.line + 1})"
    return f"{where}{position}: {problem}{context}"


def _line_column(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


def _at(where: str, node: yaml.Node) -> str:
    return f"{where}, line {node.start_mark.line + 1}, column {node.start_mark.column + 1}"


def _children(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        yield from node.value
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value


def _check_nodes(root: yaml.Node, where: str) -> None:
    """Before anything is constructed: only plain tags, string keys, no duplicate keys, and a bounded
    size and depth with every alias expanded (walked without recursion, each node once)."""
    sizes: dict[int, int] = {}
    heights: dict[int, int] = {}
    on_path: set[int] = set()
    pending: list[tuple[yaml.Node, bool]] = [(root, False)]
    while pending:
        node, finished = pending.pop()
        key = id(node)
        if finished:
            on_path.discard(key)
            children = list(_children(node))
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            heights[key] = 1 + max((heights[id(c)] for c in children), default=0)
            if sizes[key] > MAX_VALUES:
                raise InputError(
                    f"{_at(where, node)}: this value expands to more than {MAX_VALUES:,} values "
                    "(YAML aliases are expanded); a stack file may hold at most that many"
                )
            if heights[key] > MAX_DEPTH:
                raise InputError(f"{_at(where, node)}: values are nested more than {MAX_DEPTH} levels deep")
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise InputError(f"{_at(where, node)}: an alias refers to a value that contains it")
        _check_node(node, where)
        on_path.add(key)
        pending.append((node, True))
        pending += [(child, False) for child in _children(node) if id(child) not in sizes]


def _check_node(node: yaml.Node, where: str) -> None:
    if node.tag not in _PLAIN_TAGS:
        raise InputError(
            f"{_at(where, node)}: the YAML tag {node.tag.replace(_YAML, '!!')} is not supported; a stack file "
            "holds strings, numbers, booleans, lists and maps"
        )
    if not isinstance(node, yaml.MappingNode):
        return
    seen: dict[str, yaml.Node] = {}
    for key, _ in node.value:
        if key.tag == f"{_YAML}merge":
            continue
        if not isinstance(key, yaml.ScalarNode) or key.tag != f"{_YAML}str":
            if isinstance(key, yaml.ScalarNode):
                raise InputError(
                    f"{_at(where, key)}: the key {key.value[:80]} is not a string; quote it if it is a name"
                )
            raise InputError(f"{_at(where, key)}: a key is a list or a map; keys are names")
        if key.value in seen:
            first = seen[key.value].start_mark.line + 1
            raise InputError(
                f"{_at(where, key)}: the key {shown(key.value)} appears twice (lines {first} and "
                f"{key.start_mark.line + 1}); keep one"
            )
        seen[key.value] = key
