"""Re-fetch the upstream schemas the engine-schema check vendors (ack_irsa/review/schemas/).

- The IAMRoleSelector CRD, from aws-controllers-k8s/runtime at RUNTIME_REF.
- Each catalog chart's ``helm/values.schema.json``, from its controller repository at the chart version's
  release tag (``v<chart_version>``). ACK's charts come from one generator, so many are the same file: each
  distinct file is kept once, named by its SHA-256, and ``charts.json`` maps every chart version to it.
- Where the release tag's file cannot be fetched and :data:`NEAREST` names a commit of that repository, the
  file at that commit, recorded apart (``charts.json``'s ``nearest``) with what is known of its version; the
  check reports such values as not checked against the pinned version's own schema, and names the commit in
  each refusal. A run that reaches the tag replaces it with the tag's file.
- A chart with neither is listed in SOURCES.md as not vendored, with why; the check then reports its values
  as not checked.

Writes ``schemas/crds/``, ``schemas/charts/``, ``schemas/charts.json`` and ``schemas/SOURCES.md``, replacing
what was there only once every fetch has been tried. Needs github.com (raw.githubusercontent.com); where it
is out of reach, ``--mirror DIR`` reads ``DIR/<owner>/<repo>/<ref>/<path>`` instead (a local copy of the same
files; the commits of :data:`NEAREST` are read as ``DIR/<owner>/<repo>/<commit>/<path>``). Run:
``python scripts/refresh_schemas.py [--mirror DIR] [--only s3,rds]``.
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
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Nearest:
    """A commit whose ``helm/values.schema.json`` stands in for a pinned chart version's."""

    commit: str
    values_yaml_tag: str
    """The image tag the commit's ``helm/values.yaml`` pins: the release the commit follows. The commit's
    ``helm/Chart.yaml`` is not at hand (unchanged there), so its chart version is not known for certain."""


NEAREST: dict[str, Nearest] = {
    "iam": Nearest("289a773ae9a363ea938ecc1208a297f62d2ddeea", "1.7.2"),
    "rds": Nearest("26328caec1ccb9a550a5f7ad9d0a300b2f92a22e", "1.13.0"),
}
"""Per service, a commit of ``helm/values.schema.json`` read from the stored GitHub index, for the charts whose
release tag's file was out of reach. The index holds several versions of each file (iam 7, rds 5) but names
the commit of two of each; of those, the one nearest the pin: iam's follows 1.7.2 (the pin is 1.8.1; the other,
ad89bca, follows 1.4.1), rds's follows 1.13.0 (the pin is 1.11.1; the other, 74bcf0b, is of the charts before
``enableCARM``). Used only when the tag's file cannot be fetched."""

INDEX_NOTES: dict[str, str] = {
    "acm": "the stored GitHub index holds one `helm/values.schema.json` of this repository, at 2ccd464, whose "
    "`helm/values.yaml` pins 0.0.7: a file from before the charts had `enableCARM`, `leaderElection` or "
    "`featureGates`, not used for 1.3.4",
}
"""What the stored GitHub index holds of a repository whose schema is not vendored, where it holds something."""
NOT_IN_INDEX = "the stored GitHub index holds no `helm/values.schema.json` of this repository"


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


def offline_why(service: str) -> str:
    """Why a chart has no schema, for a run from a mirror (made from the stored GitHub index)."""
    return INDEX_NOTES.get(service, NOT_IN_INDEX)


def github_why(service: str) -> str:
    """Why a chart has no schema, for a run from GitHub."""
    return "not at the release tag (404)"


def refresh(fetch: Fetch, only: set[str] | None, out: Path, why: Callable[[str], str] = offline_why) -> None:
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
    nearest: dict[str, dict[str, dict[str, str]]] = {}
    sources: dict[str, list[str]] = {}
    near_rows: list[str] = []
    missing: list[str] = []
    for service, repo, chart, version in released_charts(only):
        ref = f"v{version}"
        body = fetch(repo, ref, CHART_SCHEMA)
        near = NEAREST.get(service) if body is None else None
        if near is not None:
            body = fetch(repo, near.commit, CHART_SCHEMA)
        if body is None:
            missing.append(f"| {service} | `{chart}` {version} | `{repo}` | `{ref}` | {why(service)} |")
            continue
        name = f"values-{hashlib.sha256(body).hexdigest()[:12]}.schema.json"
        (staging / "charts" / name).write_bytes(body)
        if near is None:
            charts.setdefault(chart, {})[version] = name
            sources.setdefault(name, []).append(f"`{repo}` at `{ref}`")
            continue
        nearest.setdefault(chart, {})[version] = {
            "file": name,
            "repository": repo,
            "commit": near.commit,
            "values_yaml_tag": near.values_yaml_tag,
        }
        sources.setdefault(name, []).append(f"`{repo}` at `{near.commit}` (nearest, for {version})")
        near_rows.append(
            f"| {service} | `{chart}` {version} | `charts/{name}` | `{repo}` at `{near.commit}` | "
            f"`helm/values.yaml` pins {near.values_yaml_tag}; `helm/Chart.yaml` not at hand at that commit |"
        )
    for name, where in sorted(sources.items()):
        rows.append(f"| `charts/{name}` | `{CHART_SCHEMA}` | {', '.join(where)} |")
    index = {
        "about": "charts: chart name -> chart version -> the values.schema.json vendored for it, from the release "
        "tag (in charts/, named by the first 12 hex digits of its SHA-256). nearest: the same for pinned versions "
        "whose tag's file was out of reach, with the repository commit the file comes from and the image tag that "
        "commit's values.yaml pins. SOURCES.md says where each file comes from and which charts have none. "
        "Written by scripts/refresh_schemas.py.",
        "charts": {chart: dict(sorted(versions.items())) for chart, versions in sorted(charts.items())},
        "nearest": {chart: dict(sorted(versions.items())) for chart, versions in sorted(nearest.items())},
    }
    (staging / "charts.json").write_text(json.dumps(index, indent=1) + "\n", encoding="utf-8")
    (staging / "SOURCES.md").write_text(_sources_text(rows, near_rows, missing), encoding="utf-8")
    for part in ("crds", "charts"):
        shutil.rmtree(out / part, ignore_errors=True)
        shutil.copytree(staging / part, out / part)
    for part in ("charts.json", "SOURCES.md"):
        shutil.copyfile(staging / part, out / part)
    shutil.rmtree(staging)


def _sources_text(rows: list[str], near_rows: list[str], missing: list[str]) -> str:
    lines = [
        "# Vendored upstream schemas",
        "",
        "What `ack_irsa/review/engine_schema.py` checks custom resources and Helm chart values against. Written by",
        "`scripts/refresh_schemas.py` (run it again to refresh); every file is the upstream file byte for byte,",
        "under the upstream license (Apache-2.0).",
        "",
        *rows,
        "",
        "## Charts checked against a nearby commit's schema",
        "",
        "The release tag's `helm/values.schema.json` was out of reach for these pinned versions, so the file of",
        "the commit named is vendored instead (`nearest` in `charts.json`). That commit's `helm/Chart.yaml` is not",
        "at hand (it did not change there), so which chart version the file belongs to is not known for certain:",
        "its `helm/values.yaml` pins the image tag shown, the release the commit follows. The check says so: it",
        "reports these values as not checked against the pinned version's own schema, and each refusal names the",
        "commit. A run where github.com is reachable replaces them with the release tag's file.",
        "",
        "| service | pinned chart | file | repository at commit | what that commit says of its version |",
        "| --- | --- | --- | --- | --- |",
        *near_rows,
        "",
        "## Charts with no schema vendored",
        "",
        "The check reports the values of these charts as not checked (a skip, never a pass). The script reads",
        "the release tag's file from GitHub; a run where github.com is reachable vendors every one that exists.",
        "",
        "| service | chart | repository | tag | why |",
        "| --- | --- | --- | --- | --- |",
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
    refresh(fetch, only, options.out, offline_why if options.mirror else github_why)
    print(f"wrote {options.out.relative_to(ROOT) if options.out.is_relative_to(ROOT) else options.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
