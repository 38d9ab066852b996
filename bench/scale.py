"""How the cost of ack-irsa grows with controllers and clusters, against the same job written by hand.

    python bench/scale.py [--runs 5]

Builds the program under Pulumi's mocks (ack_irsa.review.offline) for 1, 10 and every catalog controller, on 1 and
3 clusters, each in a fresh interpreter (so the wall time includes the interpreter's start and the imports),
and prints Markdown tables of medians with the range over the runs. Each ack-irsa run is paired with a run of
the peer, ``bench/peer.py`` (the guide's steps written by hand), in alternating order; the ratio of each pair
is printed with its range. Both are measured with the collector paused (as the offline plan runs) and on (as
``pulumi preview`` runs a program). Each row also gives ack-irsa's process wall time (and the peer's) over the
SDK's floor: a fresh interpreter that imports the same provider SDK and registers as many trivial resources
as ack-irsa registers. Where Node.js and ``bench/cdk/node_modules`` are there (``npm ci`` in ``bench/cdk``), it
times the AWS CDK's synth of the same ServiceAccounts (``bench/cdk/app.js``) beside ack-irsa. Then renders
generated stack files of up to the 1,000 controllers a stack may have (and one over the limit) with
``ack-irsa render``. Counts (resources, invokes) are exact; times are
this machine's and are never asserted.
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
POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}],
}


def fleet(services: list[str], clusters: int) -> dict[str, Any]:
    """The components for ``services`` on each of ``clusters`` clusters (one OIDC provider each)."""
    from ack_irsa import ClusterOidcProvider, ControllerIrsa, catalog

    for index in range(clusters):
        oidc = ClusterOidcProvider(f"cluster-{index}", {"cluster_name": f"cluster-{index}"})
        for service in services:
            args: dict[str, Any] = {"service": service, "oidc_provider": oidc}
            if not catalog.get(service).has_recommended_policy:
                args["inline_policy"] = POLICY  # controllers without a recommendation need one
            ControllerIrsa(f"{service}-{index}", args)  # type: ignore[arg-type]
    return {}


def _peer_fleet(chosen: list[str], clusters: int) -> dict[str, Any]:
    from bench.peer import fleet as peer

    return peer(chosen, clusters)


def floor(registrations: int) -> dict[str, Any]:
    """The SDK's floor for a program of ``registrations`` resources: the provider SDK the components import,
    then as many trivial custom resources (no inputs, no parent, no outputs awaited)."""
    import pulumi
    import pulumi_aws  # noqa: F401 - what the components import

    for index in range(registrations):
        pulumi.CustomResource("bench:index:Trivial", f"r{index}", {})
    return {}


def services(count: int | None) -> list[str]:
    from ack_irsa import catalog

    every = catalog.services()
    return every if count is None else every[:count]


def measure_once(count: int | None, clusters: int, who: str = "ack-irsa", collector: str = "paused") -> dict[str, Any]:
    """In this process: build once and report program time, peak memory, registrations and invokes.
    ``who``: ``ack-irsa``, ``peer``, or ``floor`` (``count`` trivial registrations); ``collector``:
    ``paused`` (the offline plan) or ``on`` (``pulumi preview``, with the stack program's own collector
    settings)."""
    from ack_irsa.review import offline

    facts = offline.Facts(account_id="111122223333", region="us-west-2")
    chosen = services(count) if who != "floor" else []
    build = {"ack-irsa": fleet, "peer": _peer_fleet, "floor": lambda _, __: floor(count or 0)}[who]
    if collector == "on" and who == "ack-irsa":  # as its __main__.py does; the peer keeps Python's defaults
        from ack_irsa.stack.program import tune_collector

        tune_collector()
    started = time.perf_counter()
    # what the program costs, as `pulumi up` runs it: the engine-schema check runs only offline, after it
    run = offline.run(
        lambda: build(chosen, clusters),
        offline.OfflineMocks(facts),
        pause_collector=collector == "paused",
        schema_check="off",
    )
    program = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "controllers": len(chosen),
        "clusters": clusters,
        "program_s": program,
        "peak_mib": peak_kib / 1024,
        "resources": len(run.resources),
        "invokes": len(run.invokes),
    }


def in_fresh_interpreter(args: list[str]) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    output = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=True, cwd=ROOT, env=_env()
    )
    return time.perf_counter() - started, json.loads(output.stdout)


def _env() -> dict[str, str]:
    """The children's environment: the checkout on the path, and bytecode cached as Python does by default
    (a machine with ``PYTHONDONTWRITEBYTECODE`` set would compile every module in every run)."""
    inherited = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**inherited, "PYTHONPATH": str(ROOT)}


IMPORTS = (
    "import ack_irsa",
    "from ack_irsa import catalog; catalog.get('s3')",
    "from ack_irsa import ClusterOidcProvider",
    "from ack_irsa import ControllerIrsa",
)


def import_cost(statement: str, runs: int) -> tuple[float, list[str]]:
    """Median wall time of ``statement`` in a fresh interpreter, and the Pulumi SDKs it loads."""
    code = (
        "import sys, time, json; t = time.perf_counter(); " + statement + "; took = time.perf_counter() - t; "
        "print(json.dumps([took, sorted({m.split('.')[0] for m in sys.modules if m.startswith('pulumi')})]))"
    )
    results = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, env=_env()
            ).stdout
        )
        for _ in range(runs)
    ]
    return statistics.median(r[0] for r in results), results[0][1]


def _range(values: list[float], digits: int) -> str:
    """``median (min–max)``: the spread over the runs, not the best run."""
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def stack_file(controllers: int, directory: Path, cross_account: bool = False) -> Path:
    """A stack file with ``controllers`` entries, each its own ServiceAccount (catalog services in turn); with
    ``cross_account``, each with one ``crossAccount`` entry under CARM (a role in one target account)."""
    from ack_irsa import catalog

    usable = [c.service for c in catalog.controllers() if c.has_recommended_policy]
    entries: list[dict[str, Any]] = [
        {"service": usable[n % len(usable)], "name": f"c{n}", "namespace": f"team-{n // len(usable)}"}
        for n in range(controllers)
    ]
    for n, entry in enumerate(entries if cross_account else []):
        entry["crossAccount"] = [{"accountId": "444455556666", "roleName": f"ack-c{n}", "namespaces": [f"apps-{n}"]}]
    config = {"aws:region": "us-west-2", "ack-irsa:clusterName": "bench", "ack-irsa:controllers": entries}
    path = directory / f"Pulumi.bench{controllers}{'-carm' if cross_account else ''}.yaml"
    path.write_text(json.dumps({"config": config}))  # JSON is YAML
    return path


def render_cost(
    controllers: int, runs: int, directory: Path, cross_account: bool = False
) -> tuple[list[float], list[float], int]:
    """Wall times and peak memories of ``ack-irsa render`` over a generated stack file; its exit code."""
    path = stack_file(controllers, directory, cross_account)
    walls, peaks, code = [], [], 0
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", RENDER, str(path)], capture_output=True, text=True, check=False, cwd=ROOT, env=_env()
        )
        walls.append(time.perf_counter() - started)
        code, peak = json.loads(done.stdout.strip().splitlines()[-1])
        peaks.append(peak / 1024)
    return walls, peaks, code


RENDER = (
    "import io, json, resource, sys, contextlib\n"
    "from ack_irsa.commands import main\n"
    "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
    "    code = main(['render', '--format', 'json', '--config-file', sys.argv[1]])\n"
    "print(json.dumps([code, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss]))\n"
)


Measured = tuple[float, dict[str, Any]]


def paired(size: str, clusters: int, runs: int, collector: str) -> list[tuple[Measured, Measured]]:
    """``runs`` pairs of (ack-irsa, peer) measurements, the order alternating so that neither always goes
    first on a machine that warms up or slows down."""
    pairs = []
    for run in range(runs):
        order = ("ack-irsa", "peer") if run % 2 == 0 else ("peer", "ack-irsa")
        measured = {who: in_fresh_interpreter(["--one", size, str(clusters), who, collector]) for who in order}
        pairs.append((measured["ack-irsa"], measured["peer"]))
    return pairs


CDK = ROOT / "bench" / "cdk"
"""The AWS CDK peer: ``app.js`` synthesizes the same ServiceAccounts with aws-cdk-lib (``npm ci`` there first)."""


def cdk_policies(directory: Path) -> Path:
    """The catalog's policies as the CDK peer reads them, with the stand-in for controllers without one."""
    from ack_irsa import catalog

    policies = {
        c.service: {
            "managed": list(c.managed_policies),
            "inline": c.inline_policy if c.has_recommended_policy else POLICY,
        }
        for c in catalog.controllers()
    }
    path = directory / "policies.json"
    path.write_text(json.dumps(policies))
    return path


def cdk_table(runs: int) -> None:
    """Wall times of the CDK's synth beside ack-irsa's stack program (collector on), in alternating pairs;
    skipped, and said so, without Node.js or ``bench/cdk/node_modules``."""
    if shutil.which("node") is None or not (CDK / "node_modules" / "aws-cdk-lib").is_dir():
        print("\nThe AWS CDK peer was not run: it needs Node.js and `npm ci` in bench/cdk.")
        return
    print("\nThe AWS CDK's synth of the same ServiceAccounts, beside ack-irsa's stack program (collector on):\n")
    print("| controllers | clusters | ack-irsa process wall (s) | CDK synth process wall (s) | CDK / ack-irsa |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as directory:
        policies = cdk_policies(Path(directory))
        for size, clusters in (("1", 1), ("10", 1), ("all", 1), ("all", 3)):
            count = str(len(services(None if size == "all" else int(size))))
            ours, theirs = [], []
            for run in range(runs):
                for who in ("ack-irsa", "cdk") if run % 2 == 0 else ("cdk", "ack-irsa"):
                    if who == "ack-irsa":
                        ours.append(in_fresh_interpreter(["--one", size, str(clusters), "ack-irsa", "on"])[0])
                        continue
                    started = time.perf_counter()
                    command = ["node", "app.js", str(policies), count, str(clusters)]
                    subprocess.run(command, capture_output=True, text=True, check=True, cwd=CDK)
                    theirs.append(time.perf_counter() - started)
            ratios = [b / a for a, b in zip(ours, theirs, strict=True)]
            print(f"| {count} | {clusters} | {_range(ours, 2)} | {_range(theirs, 2)} | {_range(ratios, 1)} |")


def floor_walls(registrations: int, runs: int, collector: str) -> list[float]:
    """Process wall times of the SDK's floor for ``registrations`` resources, each in a fresh interpreter."""
    return [in_fresh_interpreter(["--one", str(registrations), "1", "floor", collector])[0] for _ in range(runs)]


def scale_table(runs: int, collector: str) -> None:
    baseline: dict[int, float] = {}
    for clusters in (1, 3):
        for size in ("1", "10", "all"):
            pairs = paired(size, clusters, runs, collector)
            ours = [pair[0] for pair in pairs]
            theirs = [pair[1] for pair in pairs]
            result, peer_result = ours[0][1], theirs[0][1]
            program = statistics.median(s[1]["program_s"] for s in ours)
            ratios = [a[1]["program_s"] / b[1]["program_s"] for a, b in pairs]
            peak = statistics.median(s[1]["peak_mib"] for s in ours)
            floor_wall = statistics.median(floor_walls(result["resources"], runs, collector))
            to_floor = statistics.median(s[0] for s in ours) / floor_wall
            peer_to_floor = statistics.median(s[0] for s in theirs) / floor_wall
            if size == "1":
                baseline[clusters] = program
                marginal = "—"
            else:
                added = (result["controllers"] - 1) * clusters
                marginal = f"{(program - baseline[clusters]) / added * 1000:.1f}"
            print(
                f"| {result['controllers']} | {clusters} | {_range([s[0] for s in ours], 2)} | "
                f"{_range([s[1]['program_s'] for s in ours], 3)} | {_range([s[1]['program_s'] for s in theirs], 3)} | "
                f"{_range(ratios, 2)} | {peak:.0f} | {result['resources']} ({peer_result['resources']}) | "
                f"{result['invokes']} | {marginal} | {to_floor:.2f} ({peer_to_floor:.2f}) |"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="runs per scenario; medians and ranges are printed")
    parser.add_argument(
        "--carm", action="store_true", help="only the table of controllers with one crossAccount entry each (CARM)"
    )
    parser.add_argument("--one", nargs=4, metavar=("CONTROLLERS", "CLUSTERS", "WHO", "GC"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:  # a child: one measurement, as JSON
        controllers = None if args.one[0] == "all" else int(args.one[0])
        print(json.dumps(measure_once(controllers, int(args.one[1]), args.one[2], args.one[3])))
        return 0

    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()}"
    print(f"Machine: {machine}")
    print(f"Median (and range) of {args.runs} runs, each in a fresh interpreter.\n")
    if args.carm:
        carm_table(args.runs)
        return 0
    for collector in ("on", "paused"):  # the path `pulumi preview` runs first
        how = (
            "paused, as the offline plan runs"
            if collector == "paused"
            else "on, as `pulumi preview` runs a program: ack-irsa's stack program with its collector settings "
            "(`tune_collector`), the peer with Python's defaults"
        )
        print(f"Garbage collector {how}:\n")
        print(
            "| controllers | clusters | process wall (s) | program (s) | peer program (s) | ratio to peer | "
            "peak memory (MiB) | resources (peer) | invokes | per controller (ms) | wall to SDK floor (peer) |"
        )
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        scale_table(args.runs, collector)
        print()
    cdk_table(args.runs)
    print("\n| import | time (ms) | Pulumi SDKs loaded |\n| --- | ---: | --- |")
    for statement in IMPORTS:
        took, sdks = import_cost(statement, args.runs)
        print(f"| `{statement}` | {took * 1000:.0f} | {', '.join(sdks) or 'none'} |")
    print("\n| controllers in the stack file | `ack-irsa render` wall (s) | peak memory (MiB) | exit |")
    print("| ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as directory:
        for controllers in (100, 500, 1000, 1001):
            walls, peaks, code = render_cost(controllers, args.runs, Path(directory))
            print(f"| {controllers:,} | {_range(walls, 2)} | {statistics.median(peaks):.0f} | {code} |")
    carm_table(args.runs)
    return 0


def carm_table(runs: int) -> None:
    """``ack-irsa render`` of stacks whose every controller has one ``crossAccount`` entry under CARM, beside
    the same stacks without: the shape that once grew as n² (each ConfigMap waited for every controller)."""
    print(
        "\n| controllers | crossAccount (CARM) | `ack-irsa render` wall (s) | peak memory (MiB) | per controller (ms) |"
    )
    print("| ---: | --- | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as directory:
        for controllers in (100, 400, 1000):
            for cross_account in (False, True):
                walls, peaks, code = render_cost(controllers, runs, Path(directory), cross_account)
                assert code == 0, code
                each = statistics.median(walls) / controllers * 1000
                print(
                    f"| {controllers:,} | {'one entry each' if cross_account else 'none'} | {_range(walls, 2)} | "
                    f"{statistics.median(peaks):.0f} | {each:.1f} |"
                )


if __name__ == "__main__":
    sys.exit(main())
