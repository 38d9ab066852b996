"""What `ack-irsa diff --base` costs over a fleet, against diffing only the stacks that changed.

    python bench/fleet.py [--runs 3] [--stacks 50] [--controllers 20] [--changed 5]

Generates a project in a temporary git repository: the four example stacks of ``stacks/`` and ``--stacks``
generated stacks of ``--controllers`` controllers each, committed; then changes ``--changed`` of the generated
stacks (one more controller each). ``ack-irsa diff --base HEAD`` over the whole fleet is timed in a fresh
interpreter, paired (in alternating order) with the same diff in a repository that holds only the changed
stacks, changed the same way. Both render on every core. Prints a Markdown table of medians with the range
over the runs, and the ratio of each pair. Times are this machine's and are never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ("dev", "prod", "shared", "staging")


def generated_stack(index: int, controllers: int) -> dict[str, Any]:
    """A stack of ``controllers`` catalog controllers that have a recommended policy and no risk to acknowledge."""
    from ack_irsa import catalog
    from ack_irsa.commands.catalog import recommended_risks

    usable = [
        c.service
        for c in catalog.controllers()
        if c.has_recommended_policy and all(i == "service-wide-access" for i, _, _ in recommended_risks(c))
    ]
    entries = [{"service": usable[(index + n) % len(usable)]} for n in range(controllers)]
    return {
        "config": {
            "aws:region": "us-west-2",
            "ack-irsa:clusterName": f"fleet-{index:02d}",
            "ack-irsa:tags": {"environment": f"fleet-{index:02d}"},
            "ack-irsa:controllers": entries,
        }
    }


def _git(directory: Path, *arguments: str) -> None:
    subprocess.run(["git", "-C", str(directory), *arguments], check=True, capture_output=True)


def project(directory: Path, stacks: dict[str, dict[str, Any]], examples: bool, changed: list[str]) -> Path:
    """A git repository with ``stacks`` (and the example stacks) committed, then ``changed`` edited."""
    (directory / "stacks").mkdir(parents=True)
    shutil.copy(ROOT / "Pulumi.yaml", directory / "Pulumi.yaml")
    if examples:
        for name in EXAMPLES:
            shutil.copy(ROOT / "stacks" / f"Pulumi.{name}.yaml", directory / "stacks" / f"Pulumi.{name}.yaml")
    for name, document in stacks.items():
        (directory / "stacks" / f"Pulumi.{name}.yaml").write_text(json.dumps(document, indent=1))
    _git(directory, "init", "-q")
    _git(directory, "add", ".")
    _git(directory, "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-q", "-m", "base")
    for name in changed:
        document = json.loads(json.dumps(stacks[name]))
        document["config"]["ack-irsa:controllers"].append({"service": "s3", "name": "s3-extra", "namespace": "extra"})
        (directory / "stacks" / f"Pulumi.{name}.yaml").write_text(json.dumps(document, indent=1))
    return directory


def timed_diff(directory: Path) -> tuple[float, float, str]:
    """Wall time and CPU time (its processes together) of ``ack-irsa diff --base HEAD`` in a fresh interpreter,
    and its first line. On a shared machine the CPU time is the steadier of the two."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "ack_irsa", "diff", "--base", "HEAD", "--project-dir", str(directory)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=ROOT,
    )
    took = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if done.returncode != 2:
        raise SystemExit(f"diff did not find the changes ({done.returncode}): {done.stderr.strip()}")
    return took, cpu, done.stdout.splitlines()[0] if done.stdout else ""


def _range(values: list[float], digits: int) -> str:
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="pairs of runs; medians and ranges are printed")
    parser.add_argument("--stacks", type=int, default=50, help="generated stacks (besides the 4 example stacks)")
    parser.add_argument("--controllers", type=int, default=20, help="controllers per generated stack")
    parser.add_argument("--changed", type=int, default=5, help="generated stacks changed")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    stacks = {f"fleet-{i:02d}": generated_stack(i, args.controllers) for i in range(args.stacks)}
    changed = list(stacks)[:: max(1, args.stacks // max(1, args.changed))][: args.changed]
    with tempfile.TemporaryDirectory() as temporary:
        fleet = project(Path(temporary) / "fleet", stacks, True, changed)
        only = project(Path(temporary) / "only", {n: stacks[n] for n in changed}, False, changed)
        walls: dict[str, list[float]] = {"fleet": [], "only": []}
        cpus: dict[str, list[float]] = {"fleet": [], "only": []}
        ratios, first = [], ""
        for run in range(args.runs):
            order = ("fleet", "only") if run % 2 == 0 else ("only", "fleet")
            for which in order:
                wall, cpu, line = timed_diff(fleet if which == "fleet" else only)
                walls[which].append(wall)
                cpus[which].append(cpu)
                first = line if which == "fleet" else first
            ratios.append(walls["fleet"][-1] / walls["only"][-1])
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()}"
    total = args.stacks + len(EXAMPLES)
    print(f"Machine: {machine}")
    print(f"Median (and range) of {args.runs} paired runs, each in a fresh interpreter.\n")
    print(f"The fleet's summary line: {first}\n")
    print(
        "| stacks | controllers | changed | `diff --base` over the fleet: wall (s) | CPU (s) | over the changed "
        "stacks only: wall (s) | CPU (s) | wall ratio | CPU ratio |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    cpu_ratios = [f / o for f, o in zip(cpus["fleet"], cpus["only"], strict=True)]
    print(
        f"| {total} | {args.stacks * args.controllers:,} + the examples' | {len(changed)} | "
        f"{_range(walls['fleet'], 2)} | {_range(cpus['fleet'], 2)} | {_range(walls['only'], 2)} | "
        f"{_range(cpus['only'], 2)} | {_range(ratios, 2)} | {_range(cpu_ratios, 2)} |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
