"""Re-fetch the upstream schemas the engine-schema check vendors (ack_irsa/review/schemas/).

- The IAMRoleSelector CRD, from aws-controllers-k8s/runtime at RUNTIME_REF.
- Each catalog chart's ``helm/values.schema.json``, from its controller repository at the chart version's
  release tag (``v<chart_version>``). ACK's charts come from one generator, so many are the same file: each
  distinct file is kept once, named by its SHA-256, and ``charts.json`` maps every chart version to it.
  A chart whose schema cannot be fetched is listed in SOURCES.md as not vendored; the check then reports
  its values as not checked.

Writes ``schemas/crds/``, ``schemas/charts/``, ``schemas/charts.json`` and ``schemas/SOURCES.md``, replacing
what was there only once every fetch has been tried. Needs github.com (raw.githubusercontent.com); where it
is out of reach, ``--mirror DIR`` reads ``DIR/<owner>/<repo>/<ref>/<path>`` instead (a local copy of the same
files). Run: ``python scripts/refresh_schemas.py [--mirror DIR] [--only s3,rds]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "ack_irsa" / "review" / "schemas"
CATALOG = ROOT / "ack_irsa" / "catalog" / "upstream.json"
RUNTIME = "aws-controllers-k8s/runtime"
RUNTIME_REF = "95428e7"
"""ACK's runtime at v0.61.0 and one commit (2026-07-24): the first whose CRD requires group, version and
kind on every resourceTypeSelector item, as the controllers' charts ship it."""
CRDS = ("config/crd/bases/services.k8s.aws_iamroleselectors.yaml",)
CHART_SCHEMA = "helm/values.schema.json"

Fetch = Callable[[str, str, str], bytes | None]


def from_github(repo: str, ref: str, path: str) -> bytes | None:
    url = f"https://raw.githubusercontent.com/{repo}/{ref}/{path}"
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            body: bytes = response.read()
            return body
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def from_mirror(root: Path) -> Fetch:
    def fetch(repo: str, ref: str, path: str) -> bytes | None:
        file = root / repo / ref / path
        return file.read_bytes() if file.is_file() else None

    return fetch


def released_charts(only: set[str] | None) -> list[tuple[str, str, str, str]]:
    """(service, repository, chart name, chart version) of every catalog controller with a released chart."""
    controllers = json.loads(CATALOG.read_text(encoding="utf-8"))["controllers"]
    found = []
    for service, facts in sorted(controllers.items()):
        version = facts.get("chart_version")
        if not version or version.startswith("0.0.0") or (only and service not in only):
            continue
        found.append((service, facts["repository"], facts["chart_name"], version.removeprefix("v")))
    return found


def refresh(fetch: Fetch, only: set[str] | None, out: Path) -> None:
    staging = Path(tempfile.mkdtemp(prefix="schemas-"))
    (staging / "crds").mkdir()
    (staging / "charts").mkdir()
    rows = ["| file | upstream path | from (repository at ref) |", "| --- | --- | --- |"]
    for path in CRDS:
        body = fetch(RUNTIME, RUNTIME_REF, path)
        if body is None:
            raise SystemExit(f"{RUNTIME}@{RUNTIME_REF}:{path} could not be fetched; nothing was changed")
        (staging / "crds" / Path(path).name).write_bytes(body)
        rows.append(f"| `crds/{Path(path).name}` | `{path}` | `{RUNTIME}` at `{RUNTIME_REF}` |")
    charts: dict[str, dict[str, str]] = {}
    sources: dict[str, list[str]] = {}
    missing: list[str] = []
    for service, repo, chart, version in released_charts(only):
        ref = f"v{version}"
        body = fetch(repo, ref, CHART_SCHEMA)
        if body is None:
            missing.append(f"| {service} | `{chart}` {version} | `{repo}` | `{ref}` |")
            continue
        name = f"values-{hashlib.sha256(body).hexdigest()[:12]}.schema.json"
        (staging / "charts" / name).write_bytes(body)
        charts.setdefault(chart, {})[version] = name
        sources.setdefault(name, []).append(f"`{repo}` at `{ref}`")
    for name, where in sorted(sources.items()):
        rows.append(f"| `charts/{name}` | `{CHART_SCHEMA}` | {', '.join(where)} |")
    index = {
        "about": "Chart name -> chart version -> the values.schema.json vendored for it (in charts/, named by the "
        "first 12 hex digits of its SHA-256). SOURCES.md says where each file comes from and which charts have "
        "none. Written by scripts/refresh_schemas.py.",
        "charts": {chart: dict(sorted(versions.items())) for chart, versions in sorted(charts.items())},
    }
    (staging / "charts.json").write_text(json.dumps(index, indent=1) + "\n", encoding="utf-8")
    (staging / "SOURCES.md").write_text(_sources_text(rows, missing), encoding="utf-8")
    for part in ("crds", "charts"):
        shutil.rmtree(out / part, ignore_errors=True)
        shutil.copytree(staging / part, out / part)
    for part in ("charts.json", "SOURCES.md"):
        shutil.copyfile(staging / part, out / part)
    shutil.rmtree(staging)


def _sources_text(rows: list[str], missing: list[str]) -> str:
    lines = [
        "# Vendored upstream schemas",
        "",
        "What `ack_irsa/review/engine_schema.py` checks custom resources and Helm chart values against. Written by",
        "`scripts/refresh_schemas.py` (run it again to refresh); every file is the upstream file byte for byte,",
        "under the upstream license (Apache-2.0).",
        "",
        *rows,
        "",
        "## Charts with no schema vendored",
        "",
        "The check reports the values of these charts as not checked (a skip, never a pass): their",
        "`helm/values.schema.json` at the release tag was not found (404) or not at hand when the files above",
        "were written. The script reads them from GitHub; a run where github.com is reachable vendors every one",
        "that exists.",
        "",
        "| service | chart | repository | tag |",
        "| --- | --- | --- | --- |",
        *missing,
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, help="read DIR/<owner>/<repo>/<ref>/<path> instead of GitHub")
    parser.add_argument("--only", help="comma-separated services (default: every catalog chart)")
    parser.add_argument("--out", type=Path, default=SCHEMAS, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    fetch = from_mirror(options.mirror) if options.mirror else from_github
    only = set(options.only.split(",")) if options.only else None
    refresh(fetch, only, options.out)
    print(f"wrote {options.out.relative_to(ROOT) if options.out.is_relative_to(ROOT) else options.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
