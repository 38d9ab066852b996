"""Would the real engine accept this registration? A check of one registered resource against what its
provider declares, for runs under Pulumi's mocks (which accept any type token and any input).

Public entry point, the only one other modules need::

    from ack_irsa.review.engine_schema import check

    findings = check(type_token, inputs, custom=True, remote=False)

- ``type_token``: the registration's type, e.g. ``"aws:iam/role:Role"``, ``"pulumi:providers:aws"``,
  ``"kubernetes:services.k8s.aws/v1alpha1:IAMRoleSelector"``.
- ``inputs``: the inputs as the engine receives them, which is what ``ack_irsa.review.offline`` records:
  engine (camelCase) names and serialized values (a provider's non-string inputs are JSON text).
- ``custom``: whether it was registered as a custom resource (False: a component). ``remote``: a component
  a provider builds (a multi-language component such as ``eks:index:Cluster``). A local component (neither
  custom nor remote) is a program's own grouping: the engine never looks its type up, so it is not checked.

It returns a list of :class:`Finding`; empty means the registration would be accepted. A finding with
``skipped=True`` is a part that could not be checked (no schema vendored for that chart version, or only a
nearby commit's): it is reported, never passed in silence; every other finding is a mismatch.

What is checked, all derived from the installed SDKs and the vendored schemas, never from a hand-written list:

- the type token exists: in a Pulumi SDK's registry of resource modules and packages (``_utilities.register``
  in its ``__init__.py``: token → module and class); ``ack-irsa:index:*`` components are ours and not checked,
  wherever they are built;
- every input is one the SDK class sends (the keys ``_internal_init`` puts in its properties) under its engine
  name (``@pulumi.getter(name=...)`` of its ``*Args`` type), and the constants the class always sends
  (a Kubernetes object's ``apiVersion`` and ``kind``) have their value;
- required inputs (the ``*Args`` constructor's arguments without a default) are present;
- strings, booleans, integers, numbers and enum values are legal for their declared type; lists and maps
  element by element; nested object types (``*Args`` input types) recursively, with the same three rules;
- a provider resource's nested inputs as the provider receives them: JSON text with the keys unchanged, so a
  plain dict's snake_case keys (``assume_roles=[{"role_arn": ...}]``, pulumi/pulumi-aws#5271) are refused;
- a Kubernetes custom resource (a token of a group no SDK module serves) against its CRD's OpenAPI schema in
  ``schemas/crds/``: fields the API server would prune are refused as well;
- a Helm release's ``values`` against the ``values.schema.json`` vendored for its chart and version
  (``schemas/charts.json``): the release tag's file; else, for a pinned version whose tag's file was out of
  reach, a nearby commit's (``nearest``), reported as not checked against the version's own schema and named
  in each refusal; else a reported skip. Helm validates the values merged over the chart's defaults, which
  supply the schema's required keys, so ``required`` is not asserted here.

What needs a real engine all the same: values only a provider computes (defaults, what an API normalizes),
cross-field rules a provider or API applies at create time, and whether an update replaces.
"""

from __future__ import annotations

import ast
import collections.abc
import enum
import functools
import importlib
import importlib.util
import inspect
import json
import textwrap
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMAS = Path(__file__).with_name("schemas")
OURS = "ack-irsa:index:"
"""Components of this project: not checked against an SDK."""
_SECRET_KEY, _SECRET_SIG = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"


@dataclass(frozen=True)
class Finding:
    """One thing the real engine would refuse (or, with ``skipped``, one thing not checked)."""

    path: str
    """Where: the input's engine name, then ``.key`` and ``[index]`` into it; empty for the type itself."""
    message: str
    skipped: bool = False

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{where}{'not checked: ' if self.skipped else ''}{self.message}"


def check(type_token: str, inputs: Mapping[str, Any], *, custom: bool = True, remote: bool = False) -> list[Finding]:
    """The findings of one registration (see the module's docstring); empty: the engine accepts it."""
    if type_token.startswith(OURS) or not (custom or remote):
        return []
    inputs = {key: _unwrap_secret(value) for key, value in inputs.items()}
    resource = _resource_class(type_token)
    if resource is None:
        crd = _custom_resource_definition(type_token)
        if crd is not None:
            return list(_check_custom_resource(type_token, crd, inputs))
        return [Finding("", f"unknown type token {type_token!r}: no installed SDK registers it{_crd_hint(type_token)}")]
    is_custom = _is_custom(resource)
    if is_custom != custom:
        kind = "custom resource" if is_custom else "component"
        return [Finding("", f"{type_token} is a {kind} in its SDK, registered as the other")]
    shape = _shape(resource)
    findings = list(_check_properties(inputs, shape, "", as_json=type_token.startswith("pulumi:providers:")))
    if type_token == "kubernetes:helm.sh/v3:Release":
        findings += _check_chart_values(inputs)
    return findings


# ---- the SDKs' registries


@functools.cache
def _registry(package: str) -> tuple[dict[str, tuple[str, str]], tuple[str, str] | None]:
    """(type token → (module, class name)) of one SDK package, and its provider class; from the JSON its
    ``__init__.py`` passes to ``_utilities.register``, read without importing the SDK."""
    spec = importlib.util.find_spec("pulumi_" + package.replace("-", "_"))
    if spec is None or spec.origin is None:
        return {}, None
    plugin = Path(spec.origin).with_name("pulumi-plugin.json")
    if not plugin.is_file() or json.loads(plugin.read_text(encoding="utf-8")).get("name") != package:
        return {}, None
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    modules: list[dict[str, Any]] = []
    packages: list[dict[str, Any]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "register":
            for keyword in node.keywords:
                if isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str):
                    if keyword.arg == "resource_modules":
                        modules = json.loads(keyword.value.value)
                    elif keyword.arg == "resource_packages":
                        packages = json.loads(keyword.value.value)
    tokens = {token: (module["fqn"], name) for module in modules for token, name in module["classes"].items()}
    provider = next(((p["fqn"], p["class"]) for p in packages if p.get("token") == f"pulumi:providers:{package}"), None)
    return tokens, provider


def _resource_class(type_token: str) -> type | None:
    if type_token.startswith("pulumi:providers:"):
        where = _registry(type_token.removeprefix("pulumi:providers:"))[1]
    else:
        where = _registry(type_token.split(":", 1)[0])[0].get(type_token)
    if where is None:
        return None
    module, name = where
    resource: type = getattr(importlib.import_module(module), name)
    return resource


def _is_custom(resource: type) -> bool:
    import pulumi

    return issubclass(resource, pulumi.CustomResource)


@dataclass(frozen=True)
class _Shape:
    """What an SDK class or input type accepts: its inputs' engine names, the required ones, the constants the
    class always sends; each input's declared type is resolved only when a value of it is checked (resolving
    every annotation of a large type up front costs more than the whole offline run)."""

    name: str
    properties: frozenset[str]
    required: frozenset[str]
    constants: dict[str, Any]
    typed_by: type | None = None
    """The input type whose annotations declare the types; inputs it does not declare are typed in ``extra``."""
    extra: tuple[tuple[str, Any], ...] = ()

    def type_of(self, name: str) -> Any:
        for key, declared in self.extra:
            if key == name:
                return declared
        return _property_type(self.typed_by, name) if self.typed_by is not None else Any


@functools.cache
def _property_type(input_type: type, engine_name: str) -> Any:
    """The declared type of one input of an input type, as ``pulumi._types.input_type_types`` resolves it
    (Output and Optional unwrapped), for that input alone."""
    from pulumi import Output, _types

    for _, pulumi_name, prop in _types._py_properties(input_type):
        if pulumi_name == engine_name:
            localns = {"Output": Output, "T": type(None)}
            hint = typing.get_type_hints(prop.fget, globalns=_globals_of(input_type), localns=localns).get("return")
            return Any if hint is None else _types.unwrap_type(hint)
    return Any


@functools.cache
def _globals_of(input_type: type) -> dict[str, Any]:
    from pulumi import _types

    return _types._globals_for_cls(input_type) or {}


@functools.cache
def _shape(resource: type) -> _Shape:
    """A resource class's inputs: the keys its ``_internal_init`` sends, named and typed by its ``*Args``."""
    from pulumi import _types

    module = importlib.import_module(resource.__module__)
    args = getattr(module, _args_name(resource), None)
    if args is None or not _types.is_input_type(args):
        raise LookupError(f"{resource.__module__}.{resource.__name__}: no {_args_name(resource)} input type")
    args_shape = _input_shape(args)
    py_to_engine = {**_types.resource_py_to_pulumi_names(resource), **_types.input_type_py_to_pulumi_names(args)}
    properties: set[str] = set()
    constants: dict[str, Any] = {}
    extra: list[tuple[str, Any]] = []
    for py_name, value in _sent_properties(resource).items():
        engine = py_to_engine.get(py_name, py_name)
        if isinstance(value, ast.Constant):
            if value.value is None:
                continue  # an output: not sent
            constants[engine] = value.value
        if engine not in args_shape.properties:  # sent by the class itself (a constant), not an argument
            extra.append((engine, type(value.value) if isinstance(value, ast.Constant) else Any))
        properties.add(engine)
    return _Shape(resource.__name__, frozenset(properties), args_shape.required, constants, args, tuple(extra))


def _args_name(resource: type) -> str:
    """The name of the ``*Args`` type the class's ``__init__`` takes (``get_resource_args_opts(RoleArgs, ...)``;
    ``ConfigMapInitArgs`` where ``ConfigMapArgs`` names a nested type)."""
    for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(vars(resource)["__init__"])))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get_resource_args_opts"
            and node.args
            and isinstance(node.args[0], ast.Name)
        ):
            return node.args[0].id
    return f"{resource.__name__}Args"


def _sent_properties(resource: type) -> dict[str, ast.expr]:
    """``__props__.__dict__["x"] = <value>`` of the class's ``_internal_init``: what it sends."""
    source = textwrap.dedent(inspect.getsource(resource._internal_init))  # type: ignore[attr-defined]
    sent: dict[str, ast.expr] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if (
                isinstance(target, ast.Subscript)
                and isinstance(target.slice, ast.Constant)
                and isinstance(target.slice.value, str)
                and isinstance(target.value, ast.Attribute)
                and target.value.attr == "__dict__"
            ):
                sent[target.slice.value] = node.value
    return sent


@functools.cache
def _input_shape(input_type: type) -> _Shape:
    from pulumi import _types

    py_to_engine = _types.input_type_py_to_pulumi_names(input_type)
    parameters = inspect.signature(vars(input_type)["__init__"]).parameters.values()
    required = frozenset(
        py_to_engine.get(p.name, p.name)
        for p in parameters
        if p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is inspect.Parameter.empty
    )
    return _Shape(input_type.__name__, frozenset(py_to_engine.values()), required, {}, input_type)


# ---- values against declared types


def _check_properties(values: Mapping[str, Any], shape: _Shape, path: str, *, as_json: bool) -> Iterator[Finding]:
    for name in sorted(shape.required - {k for k, v in values.items() if v is not None}):
        yield Finding(_join(path, name), f"required by {shape.name}, missing")
    for name, value in values.items():
        where = _join(path, name)
        if name not in shape.properties:
            yield Finding(where, f"not an input of {shape.name}{_suggestion(name, shape.properties)}")
        elif value is None:
            continue
        elif name in shape.constants and value != shape.constants[name]:
            yield Finding(where, f"{shape.name} always sends {shape.constants[name]!r}, got {value!r}")
        else:
            yield from _check_value(value, shape.type_of(name), where, as_json=as_json)


def _check_value(value: Any, declared: Any, path: str, *, as_json: bool = False) -> Iterator[Finding]:
    """``value`` against an SDK annotation. ``as_json``: a provider's input, sent as JSON text unless it
    is a string itself; its parsed keys are checked as they are (the provider does not rename them)."""
    value = _unwrap_secret(value)
    alternatives = _alternatives(declared)
    if as_json and isinstance(value, str) and str not in alternatives:
        try:
            value = json.loads(value)
        except ValueError:
            yield Finding(path, f"a provider receives this input as JSON text, got {value!r}")
            return
    if not alternatives or any(a is Any or a is object for a in alternatives):
        return
    attempts = [list(_check_one(value, alternative, path)) for alternative in alternatives]
    if any(not found for found in attempts):
        return
    fitting = [found for found, a in zip(attempts, alternatives, strict=True) if _same_kind(value, a)]
    if len(attempts) == 1:
        fitting = attempts
    if len(fitting) == 1:
        yield from fitting[0]
    else:
        expected = " or ".join(_describe(a) for a in alternatives)
        yield Finding(path, f"expected {expected}, got {_describe_value(value)}")


_SCALARS: dict[Any, tuple[str, Any]] = {
    bool: ("a boolean", lambda v: isinstance(v, bool)),
    int: ("an integer", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    float: ("a number", lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)),
    str: ("a string", lambda v: isinstance(v, str)),
}


def _check_one(value: Any, declared: Any, path: str) -> Iterator[Finding]:
    from pulumi import _types

    origin = typing.get_origin(declared) or declared
    if declared in _SCALARS:
        kind, holds = _SCALARS[declared]
        if not holds(value):
            yield Finding(path, f"expected {kind}, got {_describe_value(value)}")
    elif isinstance(declared, type) and issubclass(declared, enum.Enum):
        allowed = [member.value for member in declared]
        if value not in allowed:
            yield Finding(path, f"{value!r} is not one of {allowed}")
    elif isinstance(declared, type) and _types.is_input_type(declared):
        if not isinstance(value, dict):
            yield Finding(path, f"expected an object ({declared.__name__}), got {_describe_value(value)}")
        else:
            yield from _check_properties(value, _input_shape(declared), path, as_json=False)
    else:
        yield from _check_container(value, declared, origin, path)


def _check_container(value: Any, declared: Any, origin: Any, path: str) -> Iterator[Finding]:
    if origin in (list, collections.abc.Sequence):
        if not isinstance(value, list):
            yield Finding(path, f"expected a list, got {_describe_value(value)}")
            return
        (item,) = typing.get_args(declared) or (Any,)
        for index, element in enumerate(value):
            yield from _check_value(element, item, f"{path}[{index}]")
    elif origin in (dict, collections.abc.Mapping):
        if not isinstance(value, dict):
            yield Finding(path, f"expected a map, got {_describe_value(value)}")
            return
        _, item = typing.get_args(declared) or (str, Any)
        for key, element in value.items():
            yield from _check_value(element, item, f"{path}.{key}")
    # anything else (an asset, a resource reference): the SDK's own serializer decides


def _alternatives(declared: Any) -> list[Any]:
    """The types a value may have: the union's members, without what only a program holds (an Output,
    an awaitable) and without None (unset inputs are not sent)."""
    from pulumi import Output

    if typing.get_origin(declared) in (typing.Union, types.UnionType):
        found: list[Any] = []
        for member in typing.get_args(declared):
            found += [m for m in _alternatives(member) if m not in found]
        return found
    origin = typing.get_origin(declared)
    if declared is type(None) or declared is Output or origin is Output:
        return []
    if origin is collections.abc.Awaitable:
        return []
    if isinstance(declared, typing.TypeVar):
        return [Any]
    return [declared]


def _same_kind(value: Any, declared: Any) -> bool:
    from pulumi import _types

    origin = typing.get_origin(declared) or declared
    if isinstance(value, dict):
        return (isinstance(declared, type) and _types.is_input_type(declared)) or origin in (
            dict,
            collections.abc.Mapping,
        )
    if isinstance(value, list):
        return origin in (list, collections.abc.Sequence)
    return False


def _describe(declared: Any) -> str:
    return getattr(declared, "__name__", None) or str(declared).replace("typing.", "")


def _describe_value(value: Any) -> str:
    kind = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(type(value))
    return f"{kind or type(value).__name__} {json.dumps(value, default=str)[:80]}"


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _suggestion(name: str, known: collections.abc.Collection[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, sorted(known), n=1)
    simple = name.replace("_", "").lower()
    close += [k for k in sorted(known) if k.lower() == simple and k not in close]
    return f" (did you mean {close[0]!r}?)" if close else ""


def _unwrap_secret(value: Any) -> Any:
    if isinstance(value, dict) and value.get(_SECRET_KEY) == _SECRET_SIG:
        return value.get("value")
    return value


def _plain(value: Any) -> Any:
    """``value`` with every secret inside it unwrapped, as the provider receives it (for a JSON Schema): a
    secret Helm value or custom resource field is its value to the provider, not the wrapper the engine sends."""
    value = _unwrap_secret(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# ---- Kubernetes custom resources, against their CRDs


@functools.cache
def _crds() -> dict[tuple[str, str, str], dict[str, Any]]:
    """(group, version, kind) → the openAPIV3Schema of every CRD vendored in ``schemas/crds/``."""
    import yaml

    found: dict[tuple[str, str, str], dict[str, Any]] = {}
    for path in sorted((SCHEMAS / "crds").glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if not document or document.get("kind") != "CustomResourceDefinition":
                continue
            spec = document["spec"]
            for version in spec["versions"]:
                key = (spec["group"], version["name"], spec["names"]["kind"])
                found[key] = version["schema"]["openAPIV3Schema"]
    return found


def _custom_resource_definition(type_token: str) -> dict[str, Any] | None:
    parts = type_token.split(":")
    if len(parts) != 3 or parts[0] != "kubernetes" or "/" not in parts[1]:
        return None
    group, version = parts[1].rsplit("/", 1)
    return _crds().get((group, version, parts[2]))


def _crd_hint(type_token: str) -> str:
    parts = type_token.split(":")
    if len(parts) == 3 and parts[0] == "kubernetes" and "." in parts[1].split("/")[0]:
        return f", and no CRD for it is vendored in {SCHEMAS.name}/crds/"
    return ""


def _check_custom_resource(type_token: str, crd_schema: dict[str, Any], inputs: dict[str, Any]) -> Iterator[Finding]:
    """A custom resource as ``pulumi_kubernetes.apiextensions.CustomResource`` sends it: ``apiVersion``,
    ``kind``, ``metadata`` (the SDK's ObjectMeta) and the rest, which the CRD's schema must accept."""
    from pulumi_kubernetes.meta.v1 import ObjectMetaArgs

    _, group_version, kind = type_token.split(":")
    for name, wanted in (("apiVersion", group_version), ("kind", kind)):
        if inputs.get(name) != wanted:
            yield Finding(name, f"{type_token} needs {wanted!r}, got {inputs.get(name)!r}")
    if "metadata" in inputs:
        yield from _check_value(inputs["metadata"], ObjectMetaArgs, "metadata")
    body = {k: _plain(v) for k, v in inputs.items() if k not in ("apiVersion", "kind", "metadata")}
    schema = _structural(crd_schema)
    for key in ("apiVersion", "kind", "metadata"):
        schema.get("properties", {}).pop(key, None)
    yield from _validate(body, schema, "")


def _structural(schema: Any) -> Any:
    """An OpenAPI schema of a CRD as JSON Schema: fields it does not declare are pruned by the API server
    (refused here), ``x-kubernetes-int-or-string`` is an integer or a string, ``nullable`` allows null."""
    if isinstance(schema, list):
        return [_structural(each) for each in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {k: _structural(v) for k, v in schema.items() if not k.startswith("x-kubernetes-")}
    if schema.get("x-kubernetes-int-or-string"):
        converted.pop("type", None)
        converted["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    closed = "properties" in converted and not schema.get("x-kubernetes-preserve-unknown-fields")
    if converted.get("type") == "object" and closed and "additionalProperties" not in converted:
        converted["additionalProperties"] = False
    if converted.pop("nullable", False) and isinstance(converted.get("type"), str):
        converted["type"] = [converted["type"], "null"]
    return converted


def _validate(instance: Any, schema: dict[str, Any], path: str) -> Iterator[Finding]:
    import jsonschema

    validator = jsonschema.Draft7Validator(schema)
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))):
        where = path
        for part in error.absolute_path:
            where = f"{where}[{part}]" if isinstance(part, int) else _join(where, str(part))
        yield Finding(where, error.message)


# ---- Helm chart values, against the chart's values.schema.json


@functools.cache
def _chart_index() -> dict[str, Any]:
    index: dict[str, Any] = json.loads((SCHEMAS / "charts.json").read_text(encoding="utf-8"))
    return index


def _chart_schemas() -> dict[str, dict[str, str]]:
    """Chart name → chart version → the schema file vendored from that version's release tag."""
    charts: dict[str, dict[str, str]] = _chart_index()["charts"]
    return charts


def _nearest_schemas() -> dict[str, dict[str, dict[str, str]]]:
    """Chart name → pinned chart version whose tag's file was out of reach → the file of a nearby commit
    (``file``, ``repository``, ``commit``, ``values_yaml_tag``: the image tag that commit's values.yaml pins)."""
    nearest: dict[str, dict[str, dict[str, str]]] = _chart_index().get("nearest", {})
    return nearest


def _check_chart_values(inputs: Mapping[str, Any]) -> list[Finding]:
    """The values against the schema of the chart and version the release names: the release tag's, else a
    nearby commit's (said, and named in each refusal), else a reported skip."""
    chart = str(inputs.get("chart") or "").rstrip("/").rsplit("/", 1)[-1]
    version = str(inputs.get("version") or "")
    values = _plain(inputs.get("values") or {})
    file = _chart_schemas().get(chart, {}).get(version)
    if file:
        return list(_validate(values, _chart_schema(file), "values"))
    near = _nearest_schemas().get(chart, {}).get(version)
    if not near:
        return [Finding("values", f"no values schema vendored for chart {chart!r} version {version!r}", skipped=True)]
    where = f"{near['repository']} at {near['commit'][:7]}"
    note = (
        f"against {chart} {version}'s own schema, which is not vendored; checked against the nearest one instead "
        f"({where}, whose values.yaml pins {near['values_yaml_tag']})"
    )
    found = _validate(values, _chart_schema(near["file"]), "values")
    return [
        Finding("values", note, skipped=True),
        *(Finding(f.path, f"{f.message} (by the nearest schema vendored: {where})") for f in found),
    ]


def _chart_schema(file: str) -> dict[str, Any]:
    schema: dict[str, Any] = _without_required(json.loads((SCHEMAS / "charts" / file).read_text(encoding="utf-8")))
    return schema


def _without_required(schema: Any) -> Any:
    """Helm checks the values merged over the chart's defaults, which hold every required key."""
    if isinstance(schema, list):
        return [_without_required(each) for each in schema]
    if not isinstance(schema, dict):
        return schema
    return {k: _without_required(v) for k, v in schema.items() if not (k == "required" and isinstance(v, list))}
