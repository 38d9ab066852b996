"""Pin each ACK controller's Kubernetes API group, versions and kinds in ack_irsa/catalog/api_groups.json.

    python scripts/refresh_api_groups.py SOURCE.json            # rewrite the file
    python scripts/refresh_api_groups.py SOURCE.json --check    # exit 1 when it is out of date

SOURCE is the facts file read from every controller repository's ``config/crd/bases`` (``spec.group``,
``spec.names``, ``spec.versions``), as the project's shared data keeps it (``data/ack-api-groups.json``): its
``controllers`` map and its ``source`` sentence. Only what ack-irsa uses is kept: the group an IAMRoleSelector
names, and the kinds (with their plurals) that ``verify`` lists on a cluster. Never read at deploy time.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).resolve().parent.parent / "ack_irsa" / "catalog" / "api_groups.json"


def slim(source: dict[str, Any]) -> dict[str, Any]:
    controllers = {}
    for service, entry in sorted(source["controllers"].items()):
        if not entry.get("group"):
            continue  # a repository with no CRDs yet: nothing to select
        kinds = [
            {"kind": crd["kind"], "plural": crd["plural"], "version": _served(crd)}
            for crd in entry.get("crds") or []
            if crd.get("scope") == "Namespaced"
        ]
        controllers[service] = {"group": entry["group"], "kinds": sorted(kinds, key=lambda k: k["kind"])}
    return {
        "_source": source["source"],
        "_refresh": "python scripts/refresh_api_groups.py <data/ack-api-groups.json>",
        "controllers": controllers,
    }


def _served(crd: dict[str, Any]) -> str:
    """The storage version of a CRD (every ACK kind has one), else its first served one."""
    versions = crd.get("versions") or []
    stored = [v["name"] for v in versions if v.get("storage")] or [v["name"] for v in versions if v.get("served")]
    return stored[0] if stored else "v1alpha1"


def main(argv: list[str]) -> int:
    if not argv or argv[0].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    wanted = json.dumps(slim(json.loads(Path(argv[0]).read_text(encoding="utf-8"))), indent=1, sort_keys=True) + "\n"
    if "--check" in argv[1:]:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != wanted:
            print(f"{OUTPUT} is out of date: run python scripts/refresh_api_groups.py {argv[0]}", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(wanted, encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(json.loads(wanted)['controllers'])} controllers)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
