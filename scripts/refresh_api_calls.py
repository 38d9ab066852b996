"""Regenerate ``ack_irsa/catalog/api_calls.json``: the AWS operations each ACK controller's code calls, per kind,
and the IAM actions they map to. ``policy: derived`` builds its policies from this file.

Never run during a deploy: the file is pinned in the package and reviewed in a pull request. Two sources:

    python scripts/refresh_api_calls.py --from ~/src/ack        # local clones: <dir>/<svc>-controller
    python scripts/refresh_api_calls.py --facts calls.json      # a calls file in the shared format

From clones, every non-test ``.go`` file under ``pkg/`` is read with comments stripped. Files in
``pkg/resource/<dir>/`` whose ``<dir>`` (underscores removed, lowercased) is a kind of the controller's CRDs
belong to that kind; every other package under ``pkg/`` is a shared helper, credited to the kinds whose files
import it. An operation counts where the code names it for an import of ``github.com/aws/aws-sdk-go-v2/service/<x>``:
``rm.sdkapi.<Op>(``, ``<alias>.<Op>Input{``, ``<alias>.New<Op>Paginator(``, or a call on a client made with
``<alias>.NewFromConfig(``/``New(`` or declared ``*<alias>.Client``. Operations map to IAM actions by the
reviewed exceptions already in the file (S3's differing names, API Gateway's verbs, Keyspaces' CQL actions),
then ``<prefix>:<Op>`` where policy_sentry's IAM database has it, then the action whose API documentation
link is ``API_<Op>.html``; what maps to nothing is kept as ``unmapped``. Role and KMS-key fields are the CRD
spec properties whose names look like them (a heuristic: review the diff).

Both sources then compare the derived actions with the catalog's recommendations (``recommended``: how many
actions the shipped recommendation allows, and which derived actions upstream's recommendation misses),
expanded against policy_sentry's action list: wildcards matched, NotAction complemented, Deny subtracted,
Conditions ignored. AWS-managed policy documents are moto's copy (a development dependency).

The script prints what changed against the current file, then writes it (``--check`` only prints and exits 2
when something would change).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ack_irsa import catalog

OUTPUT = Path(__file__).resolve().parent.parent / "ack_irsa" / "catalog" / "api_calls.json"
SDK = "github.com/aws/aws-sdk-go-v2/service/"

# API Gateway's management actions are HTTP verbs on resource paths; the verb follows the operation's first word.
_APIGATEWAY_VERBS = {
    "Create": "POST",
    "Import": "PUT",
    "Put": "PUT",
    "Get": "GET",
    "Update": "PATCH",
    "Delete": "DELETE",
}
_ROLE_FIELD = re.compile(r"(^role$|role(arn|ref|name|s)?$|instanceprofile$|^executionrole)", re.IGNORECASE)


# --- the shared calls file -------------------------------------------------------------------------


def from_facts(path: Path) -> dict[str, Any]:
    """The controllers of a calls file in the shared format, trimmed to what ack-irsa reads."""
    facts = json.loads(path.read_text())
    controllers = {}
    for service, fact in sorted(facts["controllers"].items()):
        unmapped = {u["operation"] for u in fact.get("unmapped", [])}
        kinds = {}
        for kind, entry in sorted(fact["kinds"].items()):
            kinds[kind] = _kind(
                operations=entry["operations"],
                actions=entry["iam_actions"],
                helpers=entry.get("shared_helpers_used", []),
                dependent=entry.get("policy_sentry_dependent_actions", []),
                role_fields=entry.get("pass_role_fields", []),
                kms_fields=entry.get("kms_fields", []),
                unmapped=sorted(unmapped & set(entry["operations"])),
            )
        controllers[service] = {
            "repository": fact["repo"],
            "commit": fact["commit"],
            "sdk_service": fact["main_sdk_service"],
            "iam_prefix": fact["iam_prefix"],
            "kinds": kinds,
            "helpers": {
                name: {"operations": h["operations"], "actions": h["iam_actions"]}
                for name, h in sorted(fact.get("shared", {}).items())
            },
            "exceptions": {e["operation"]: e["iam_actions"] for e in fact.get("exceptions", [])},
        }
    not_derived = {n["controller"]: n["reason"] for n in facts.get("not_done", [])}
    return {"controllers": controllers, "not_derived": not_derived}


def _kind(**fields: Any) -> dict[str, Any]:
    """A kind's entry, empty lists left out."""
    return {key: sorted(set(value)) for key, value in fields.items() if value}


# --- local clones ----------------------------------------------------------------------------------


def from_clones(root: Path, previous: Mapping[str, Any]) -> dict[str, Any]:
    """The controllers of local clones named ``<service>-controller`` under ``root``."""
    controllers, not_derived = {}, {}
    for repo in sorted(root.glob("*-controller")):
        service = repo.name.removesuffix("-controller")
        before = previous.get("controllers", {}).get(service, {})
        entry = _read_clone(repo, service, before)
        if isinstance(entry, str):
            not_derived[service] = entry
        else:
            controllers[service] = entry
    return {"controllers": controllers, "not_derived": not_derived}


def _read_clone(repo: Path, service: str, before: Mapping[str, Any]) -> dict[str, Any] | str:
    crds = _crd_kinds(repo)
    files = [f for f in sorted((repo / "pkg").rglob("*.go")) if not f.name.endswith("_test.go")]
    if not crds or not files:
        return "no pkg/resource/<kind> code or no CRDs in the clone"
    module = _go_module(repo)
    sdk_service = before.get("sdk_service") or service
    prefix = before.get("iam_prefix") or service
    exceptions: dict[str, list[str]] = dict(before.get("exceptions", {}))
    kind_dirs = {kind.lower(): kind for kind in crds}

    kind_ops: dict[str, set[str]] = {kind: set() for kind in crds}
    kind_imports: dict[str, set[str]] = {kind: set() for kind in crds}
    helper_ops: dict[str, set[str]] = {}
    for path in files:
        relative = path.relative_to(repo).as_posix()
        text = _strip_comments(path.read_text(errors="replace"))
        named = operations(text, sdk_service)
        parts = relative.split("/")
        kind = kind_dirs.get(parts[2].replace("_", "").lower()) if len(parts) > 3 and parts[1] == "resource" else None
        if kind:
            kind_ops[kind] |= {_op_name(svc, op, sdk_service) for svc, op in named}
            kind_imports[kind] |= _local_imports(text, module)
        else:
            package = "/".join(parts[:-1])
            helper_ops.setdefault(package, set()).update(_op_name(svc, op, sdk_service) for svc, op in named)
    helpers = {p: ops for p, ops in helper_ops.items() if ops}

    kinds = {}
    for kind in sorted(crds):
        used = sorted(p for p in helpers if p in kind_imports[kind])
        ops = kind_ops[kind].union(*(helpers[p] for p in used))
        if not ops:
            continue
        mapped = {op: _map(op, prefix, exceptions) for op in sorted(ops)}
        actions = {a for found in mapped.values() for a in found}
        kinds[kind] = _kind(
            operations=ops,
            actions=actions,
            helpers=used,
            dependent=_dependent_actions(actions) - actions,
            role_fields=crds[kind]["roles"],
            kms_fields=crds[kind]["kms"],
            unmapped=[op for op, found in mapped.items() if not found],
        )
    if not kinds:
        return "no kind's code calls an aws-sdk-go-v2 client"
    return {
        "repository": f"aws-controllers-k8s/{repo.name}",
        "commit": _git_head(repo),
        "sdk_service": sdk_service,
        "iam_prefix": prefix,
        "kinds": kinds,
        "helpers": {  # the helpers some kind uses
            p: {"operations": sorted(ops), "actions": sorted({a for op in ops for a in _map(op, prefix, exceptions)})}
            for p, ops in sorted(helpers.items())
            if any(p in k.get("helpers", []) for k in kinds.values())
        },
        "exceptions": {
            op: found for op, found in sorted(exceptions.items()) if any(op in k["operations"] for k in kinds.values())
        },
    }


def operations(text: str, main_service: str) -> set[tuple[str, str]]:
    """(SDK service, operation) pairs a Go file's code names; see the module docstring for the forms."""
    found = {(main_service, op) for op in re.findall(r"\brm\.sdkapi\.([A-Z]\w*)\(", text)}
    for alias, svc in _sdk_imports(text).items():
        a = re.escape(alias)
        found |= {(svc, op) for op in re.findall(rf"\b{a}\.([A-Z]\w*)Input\s*{{", text)}
        found |= {(svc, op) for op in re.findall(rf"\b{a}\.New([A-Z]\w*)Paginator\(", text)}
        clients = set(re.findall(rf"\b(\w+)\s*:?=\s*{a}\.(?:NewFromConfig|New)\(", text))
        clients |= set(re.findall(rf"\b(\w+)\s+\*{a}\.Client\b", text))
        for client in clients:
            found |= {(svc, op) for op in re.findall(rf"\b{re.escape(client)}\.([A-Z]\w*)\(", text)}
    return found


def _sdk_imports(text: str) -> dict[str, str]:
    """Import alias → service of every aws-sdk-go-v2 service root package the file imports."""
    imports = {}
    for alias, svc in re.findall(rf'(?m)^\s*(?:import\s+)?(\w+\s+)?"{re.escape(SDK)}([a-z0-9]+)"', text):
        imports[alias.strip() or svc] = svc
    return imports


def _local_imports(text: str, module: str | None) -> set[str]:
    if not module:
        return set()
    return set(re.findall(rf'"{re.escape(module)}/(pkg/[\w/.-]+)"', text))


def _strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"(?m)//.*$", "", text)


def _op_name(svc: str, op: str, main_service: str) -> str:
    """An operation as the file lists it: bare for the controller's own service, ``<svc>:<Op>`` otherwise."""
    return op if svc == main_service else f"{svc}:{op}"


def _map(op: str, prefix: str, exceptions: Mapping[str, list[str]]) -> list[str]:
    """The IAM actions of one operation (empty when none is known)."""
    if op in exceptions:
        return exceptions[op]
    svc, _, name = op.rpartition(":")
    own = prefix if not svc else _prefix_of(svc)
    if own == "apigateway":
        verb = next((v for word, v in _APIGATEWAY_VERBS.items() if name.startswith(word)), None)
        return [f"apigateway:{verb}"] if verb else []
    actions = _actions(own)
    if name.lower() in actions:
        return [actions[name.lower()]]
    return sorted(a for a, link in _links(own).items() if link.endswith(f"/API_{name}.html"))


def _prefix_of(sdk_service: str) -> str:
    return {"s3control": "s3"}.get(sdk_service, sdk_service)


@cache
def _actions(prefix: str) -> dict[str, str]:
    from policy_sentry.querying.actions import get_actions_for_service

    return {a.split(":", 1)[1].lower(): a for a in get_actions_for_service(prefix) or []}


@cache
def _links(prefix: str) -> dict[str, str]:
    from policy_sentry.querying.actions import get_action_data

    data = get_action_data(prefix, "*") or {}
    return {row["action"]: row.get("api_documentation_link") or "" for row in data.get(prefix, [])}


def _dependent_actions(actions: Iterable[str]) -> set[str]:
    from policy_sentry.querying.actions import get_action_data

    found: set[str] = set()
    for action in actions:
        prefix, name = action.split(":", 1)
        for row in (get_action_data(prefix, name) or {}).get(prefix, []):
            found |= set(row.get("dependent_actions") or [])
    return found


def _crd_kinds(repo: Path) -> dict[str, dict[str, list[str]]]:
    """Kind → role-like and KMS-like spec fields, from ``config/crd/bases``."""
    kinds = {}
    for path in sorted((repo / "config" / "crd" / "bases").glob("*.yaml")):
        crd = yaml.safe_load(path.read_text()) or {}
        kind = crd.get("spec", {}).get("names", {}).get("kind")
        versions = crd.get("spec", {}).get("versions") or [{}]
        spec = versions[0].get("schema", {}).get("openAPIV3Schema", {}).get("properties", {}).get("spec", {})
        if kind:
            fields = list(_fields(spec, "spec"))
            kinds[kind] = {
                "roles": [f for f in fields if _ROLE_FIELD.search(f.rsplit(".", 1)[-1].removesuffix("[]"))],
                "kms": [f for f in fields if "kms" in f.rsplit(".", 1)[-1].lower()],
            }
    return kinds


def _fields(schema: Mapping[str, Any], path: str) -> Iterator[str]:
    for name, sub in (schema.get("properties") or {}).items():
        here = f"{path}.{name}"
        yield here
        if sub.get("type") == "array":
            yield from _fields(sub.get("items") or {}, f"{here}[]")
        else:
            yield from _fields(sub, here)


def _go_module(repo: Path) -> str | None:
    gomod = repo / "go.mod"
    match = re.search(r"(?m)^module\s+(\S+)", gomod.read_text()) if gomod.is_file() else None
    return match[1] if match else None


def _git_head(repo: Path) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()


# --- the comparison with the recommendations -------------------------------------------------------


@cache
def _all_actions() -> tuple[str, ...]:
    from policy_sentry.querying.all import get_all_actions

    return tuple(sorted(get_all_actions()))


def expand(document: Mapping[str, Any]) -> set[str]:
    """Every action a policy document allows (Conditions ignored, so an upper bound)."""
    allowed: set[str] = set()
    denied: set[str] = set()
    statements = document.get("Statement", [])
    for statement in [statements] if isinstance(statements, Mapping) else statements:
        if "Action" in statement:
            found = _matching(statement["Action"])
        else:
            found = set(_all_actions()) - _matching(statement.get("NotAction", []))
        (allowed if statement.get("Effect") == "Allow" else denied).update(found)
    return allowed - denied


def _matching(patterns: str | list[str]) -> set[str]:
    return set().union(*(_matching_one(p) for p in ([patterns] if isinstance(patterns, str) else patterns)))


@cache
def _matching_one(pattern: str) -> frozenset[str]:
    if "*" not in pattern and "?" not in pattern:
        return frozenset(a for a in [_lowered().get(pattern.lower())] if a)
    rule = re.compile(fnmatch.translate(pattern.lower()))
    return frozenset(a for low, a in _lowered().items() if rule.match(low))


@cache
def _lowered() -> dict[str, str]:
    return {a.lower(): a for a in _all_actions()}


def recommended_actions(managed: Iterable[str], inline: Mapping[str, Any] | None) -> set[str]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    documents = json.loads(aws_managed_policies_data)
    allowed = set().union(*(expand(documents[name]["Document"]) for name in managed if name in documents))
    return allowed | (expand(inline) if inline else set())


def compare(service: str, entry: Mapping[str, Any]) -> dict[str, Any]:
    """How the recommendations compare with the derived actions of every kind: how many actions the shipped
    recommendation allows, the derived actions it misses (``misses``) and those upstream's misses."""
    derived = {a for kind in entry["kinds"].values() for a in kind.get("actions", [])}
    try:
        shipped = catalog.get(service)
    except catalog.UnknownServiceError:
        return {}
    upstream = catalog._read("upstream.json")["controllers"].get(service, {})
    upstream_allowed = recommended_actions(
        [catalog._policy_name(a) for a in upstream.get("recommended_policy_arns") or []],
        upstream.get("recommended_inline_policy"),
    )
    has_upstream = bool(upstream.get("recommended_policy_arns") or upstream.get("recommended_inline_policy"))
    shipped_allowed = recommended_actions(shipped.managed_policies, shipped.inline_policy)
    result: dict[str, Any] = {"actions": len(shipped_allowed)}
    if misses := sorted(derived - shipped_allowed):
        result["misses"] = misses
    if has_upstream and (misses := sorted(derived - upstream_allowed)):
        result["upstream_misses"] = misses
    return result


# --- writing -------------------------------------------------------------------------------------


def changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[str]:
    for service in sorted(old.keys() - new.keys()):
        yield f"- removed: {service}"
    for service in sorted(new.keys() - old.keys()):
        yield f"+ added: {service}"
    for service in sorted(old.keys() & new.keys()):
        before, after = old[service], new[service]
        for kind in sorted(before["kinds"].keys() | after["kinds"].keys()):
            if before["kinds"].get(kind) != after["kinds"].get(kind):
                yield f"~ {service}.{kind} changed"
        for field in ("helpers", "exceptions", "recommended"):
            if before.get(field) != after.get(field):
                yield f"~ {service}.{field} changed"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--from", dest="clones", type=Path, help="directory of <service>-controller clones")
    source.add_argument("--facts", type=Path, help="calls file in the shared format")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="only report; exit 2 when something would change")
    args = parser.parse_args(argv)

    previous = json.loads(args.output.read_text()) if args.output.is_file() else {}
    if args.clones:
        found = from_clones(args.clones, previous)
        source_text = f"local clones under {args.clones.name}/"
    else:
        found = from_facts(args.facts)
        source_text = f"calls file {args.facts.name}: " + json.loads(args.facts.read_text()).get("source", "")
    for service, entry in found["controllers"].items():
        entry["recommended"] = compare(service, entry)

    old = previous.get("controllers", {})
    report = list(changes(old, found["controllers"]))
    if previous.get("not_derived", {}) != found["not_derived"]:
        report.append("~ not_derived changed")
    print("\n".join(report) if report else "no changes")
    if args.check:
        return 2 if report else 0
    document = {"source": source_text, **found}
    args.output.write_text(json.dumps(document, indent=1, ensure_ascii=False, sort_keys=False) + "\n")
    print(f"wrote {len(found['controllers'])} controllers to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
