"""Regenerate ``ack_irsa/catalog/upstream.json`` from what the ACK controller repositories say.

Never run during a deploy: the catalog is pinned in the package, reviewed in a pull request,
and a deploy only reads it. Two sources:

    python scripts/refresh_catalog.py --from ~/src/ack        # local clones: <dir>/<svc>-controller
    python scripts/refresh_catalog.py --facts facts.json      # a facts file in the shared format

The script prints what changed against the current file and which hand-written corrections
(``corrections.json``) no longer match the upstream defect they correct, then writes the file
(``--check`` only prints and exits 2 when something would change).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

CATALOG_DIR = Path(__file__).resolve().parent.parent / "ack_irsa" / "catalog"
UPSTREAM_FILE = CATALOG_DIR / "upstream.json"
CORRECTIONS_FILE = CATALOG_DIR / "corrections.json"

# The fields kept per controller, in the order they are written.
FIELDS = (
    "repository",
    "commit",
    "service_account_name",
    "chart_name",
    "chart_version",
    "status",
    "recommended_policy_arns",
    "recommended_inline_policy",
    "recommended_inline_policy_raw",
    "notes",
)


def from_facts(path: Path, previous: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Controllers from a facts file (``controllers`` keyed by service, fields as in the shared data)."""
    facts = json.loads(path.read_text())
    result = {}
    for service, fact in sorted(facts["controllers"].items()):
        if fact.get("repo_state") or not fact.get("service_account_name"):
            continue  # stub repositories publish no controller
        notes = [n for n in (fact.get("notes"), fact.get("iam_note")) if n]
        result[service] = {
            "repository": fact["repo"],
            "commit": fact.get("commit"),
            "service_account_name": fact["service_account_name"],
            "chart_name": fact.get("chart_name"),
            "chart_version": fact.get("chart_version"),
            "status": fact.get("status") or previous.get(service, {}).get("status"),
            "recommended_policy_arns": fact.get("recommended_policy_arns"),
            "recommended_inline_policy": fact.get("recommended_inline_policy"),
            "recommended_inline_policy_raw": fact.get("recommended_inline_policy_raw"),
            "notes": " ".join(notes) or None,
        }
    return result


def from_clones(root: Path, previous: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Controllers from local clones named ``<service>-controller`` under ``root``."""
    result = {}
    for repo in sorted(root.glob("*-controller")):
        helm, iam = repo / "helm", repo / "config" / "iam"
        if not helm.is_dir():
            continue  # stub repository
        service = repo.name.removesuffix("-controller")
        chart = _yaml(helm / "Chart.yaml")
        values = _yaml(helm / "values.yaml")
        arns = _lines(iam / "recommended-policy-arn")
        inline, raw = _inline_policy(iam / "recommended-inline-policy")
        result[service] = {
            "repository": f"aws-controllers-k8s/{repo.name}",
            "commit": _git_head(repo),
            "service_account_name": values.get("serviceAccount", {}).get("name"),
            "chart_name": chart.get("name"),
            "chart_version": chart.get("version"),
            # The release stage is published on the community site, not in the repository.
            "status": previous.get(service, {}).get("status"),
            "recommended_policy_arns": arns if iam.is_dir() else None,
            "recommended_inline_policy": inline,
            "recommended_inline_policy_raw": raw,
            "notes": previous.get(service, {}).get("notes"),
        }
    return result


def _yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    return yaml.safe_load(path.read_text()) or {}


def _lines(path: Path) -> list[str]:
    if not path.is_file():
        return []
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def _inline_policy(path: Path) -> tuple[Any, str | None]:
    if not path.is_file():
        return None, None
    text = path.read_text()
    try:
        return json.loads(text), None
    except json.JSONDecodeError:
        return None, text


def _git_head(repo: Path) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()


def changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[str]:
    """Human-readable lines for what differs between two upstream catalogs."""
    for service in sorted(old.keys() - new.keys()):
        yield f"- removed: {service}"
    for service in sorted(new.keys() - old.keys()):
        yield f"+ added: {service}"
    for service in sorted(old.keys() & new.keys()):
        for field in FIELDS:
            if field != "commit" and old[service].get(field) != new[service].get(field):
                yield f"~ {service}.{field} changed"


def stale_corrections(new: Mapping[str, Any], corrections: Mapping[str, Any]) -> Iterator[str]:
    """Corrections whose recorded upstream defect is no longer what upstream says."""
    for service, correction in sorted(corrections.items()):
        if service not in new:
            yield f"! correction for {service}: the controller is gone from upstream"
            continue
        expected = correction.get("upstream", {})
        for field, value in expected.items():
            if new[service].get(field) != value:
                yield f"! correction for {service}: upstream {field} changed; review the correction"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--from", dest="clones", type=Path, help="directory of <service>-controller clones")
    source.add_argument("--facts", type=Path, help="facts file (controllers keyed by service)")
    parser.add_argument("--output", type=Path, default=UPSTREAM_FILE)
    parser.add_argument("--check", action="store_true", help="only report; exit 2 when something would change")
    args = parser.parse_args(argv)

    previous = json.loads(args.output.read_text())["controllers"] if args.output.is_file() else {}
    if args.clones:
        controllers = from_clones(args.clones, previous)
        source_text = f"local clones under {args.clones.name}/"
    else:
        controllers = from_facts(args.facts, previous)
        source_text = f"facts file {args.facts.name}"
    controllers = {s: {f: c.get(f) for f in FIELDS if c.get(f) is not None} for s, c in controllers.items()}

    report = [*changes(previous, controllers), *stale_corrections(controllers, _corrections())]
    print("\n".join(report) if report else "no changes")
    if args.check:
        return 2 if report else 0
    document = {"source": source_text, "controllers": controllers}
    args.output.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(controllers)} controllers to {args.output}")
    return 0


def _corrections() -> dict[str, Any]:
    if not CORRECTIONS_FILE.is_file():
        return {}
    return {k: v for k, v in json.loads(CORRECTIONS_FILE.read_text()).items() if not k.startswith("_")}


if __name__ == "__main__":
    sys.exit(main())
