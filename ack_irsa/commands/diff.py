"""``python -m ack_irsa diff``: what a change to stack files does, as Markdown for a pull request.

``--base REF`` alone compares every stack (a change to a shared default in ``Pulumi.yaml`` shows in
each stack it touches); ``--stack NAME --base REF`` one stack; ``--base-file``/``--head-file`` two files.
Exit code 0 when nothing changes, 2 when something does, 1 on bad input (like ``terraform plan
-detailed-exitcode``). Both sides are rendered with the ack-irsa code at hand.

``--program DIR --base REF`` diffs a Python program of your own: the directory as it is, and as it was at
``REF`` (checked out into a temporary directory). Both versions of its code run, under the offline mocks.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import multiprocessing.context
import os
import subprocess
import sys
import tarfile
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ack_irsa.commands.render import add_fact_arguments, add_program_argument, render_config, render_program, stack_name
from ack_irsa.errors import InputError

EXAMPLES = """examples:
  ack-irsa diff --base origin/main                  # every stack; only stacks whose inputs changed are rendered
  ack-irsa diff --stack prod --base origin/main --format json
  ack-irsa diff --base-file old.yaml --head-file new.yaml"""
EXIT_CODES = """exit codes:
  0  nothing changes
  2  something changes
  1  bad input, a usage error included (never 2, which means a change)"""
USAGE_ERROR = 1

if TYPE_CHECKING:
    from ack_irsa.review.plan import Plan
    from ack_irsa.stack.stackfile import StackFile


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--stack", help="one stack: stacks/Pulumi.<stack>.yaml against its version at --base")
    source.add_argument("--base-file", type=Path, help="the stack file before the change (with --head-file)")
    parser.add_argument(
        "--base", help="git revision to compare with, e.g. origin/main; without --stack, every stack is compared"
    )
    parser.add_argument("--head-file", type=Path, help="the stack file after the change (with --base-file)")
    add_program_argument(parser)
    parser.add_argument("--format", choices=("markdown", "json"), default="markdown", help="default: markdown")
    parser.add_argument(
        "--jobs", type=int, metavar="N", help="render the changed stacks in N processes (default: one per core)"
    )
    add_fact_arguments(parser)


@dataclass(frozen=True)
class Side:
    """One side of a comparison: where it was read from, and the stack file (None: the stack is not there)."""

    label: str
    stack_file: StackFile | None


@dataclass(frozen=True)
class Comparison:
    stack: str
    base: Side
    head: Side
    unchanged: bool = False
    """The stack file and ``Pulumi.yaml`` read the same at both sides: rendered with the same code, the plans
    cannot differ, so neither side is read or rendered (and the sides hold no stack file)."""


def run(args: argparse.Namespace) -> int:
    return _diff_program(args) if args.program is not None else _diff_stacks(args)


def _diff_stacks(args: argparse.Namespace) -> int:
    """Each stack file against its version at the base (or the two files given)."""
    from ack_irsa.review import diff

    as_json = args.format == "json"
    try:
        comparisons = _comparisons(args)
    except InputError as error:
        if not as_json:
            raise
        sys.stdout.write(_json({"base": args.base, "stacks": [], "changed": [], "skipped": [], "errors": [str(error)]}))
        return 1
    plans = _render_all(comparisons, args)
    sections: list[str] = []
    errors: list[str] = []
    changed: list[str] = []
    skipped: list[str] = []
    records: list[dict[str, Any]] = []
    for index, comparison in enumerate(comparisons):
        stack, base, head = comparison.stack, comparison.base, comparison.head
        if comparison.unchanged:
            skipped.append(stack)
            records.append({"stack": stack, "status": "skipped"})
            if len(comparisons) == 1:
                sections.append(
                    f"## ack-irsa plan diff: stack `{stack}`\n\nNo changes: the stack file and `Pulumi.yaml` are "
                    f"the same at `{args.base}` (not rendered).\n"
                )
            continue
        before, after = plans[index, "base"], plans[index, "head"]
        failed = [side for side in (before, after) if isinstance(side, str)] + _handover_order(base, head)
        if failed or isinstance(before, str) or isinstance(after, str):
            errors += failed
            records.append({"stack": stack, "status": "error", "errors": failed})
            continue
        changes = diff.diff_plans(before, after)
        if not changes.empty:
            changed.append(stack)
        note = ""
        if base.stack_file is None:
            note = f"The stack is new: there is no {base.label}.\n\n"
        elif head.stack_file is None:
            note = f"The stack is removed: there is no {head.label}.\n\n"
        sections.append(note + diff.to_markdown(changes, stack, after, before))
        records.append(diff.to_json(changes, stack, after, before) | {"note": note.strip() or None})
    if len(comparisons) > 1:
        sections.insert(0, _summary_line(len(comparisons), args.base, changed, skipped))
    if as_json:
        document = {"base": args.base, "stacks": records, "changed": changed, "skipped": skipped, "errors": errors}
        sys.stdout.write(_json(document))
        return 1 if errors else 2 if changed else 0
    sys.stdout.write("\n".join(sections))
    if errors:
        raise InputError("\n".join(errors))
    return 2 if changed else 0


def _handover_order(base: Side, head: Side) -> list[str]:
    """Why the change takes the move from Helm to the capability out of order (a step skipped, a rollback of
    more than one), if it does. Only a diff knows the step before: a stack file says its own."""
    from ack_irsa.stack import handover

    if base.stack_file is None or head.stack_file is None:
        return []
    before = handover.state_of_config(base.stack_file.config)
    problem = handover.transition_problem(before, handover.state_of_config(head.stack_file.config))
    return [f"{head.label}: ack-irsa:capability.handover: {problem}"] if problem else []


def _diff_program(args: argparse.Namespace) -> int:
    """The program in ``--program`` against its version at ``--base``; with ``--stack``, that stack's file on
    each side. A program (or stack file) missing at the base is new: everything it builds is added."""
    from ack_irsa.review import diff, plan, testing

    if args.base_file or args.head_file:
        raise InputError("--base-file and --head-file: not with --program (give --base, and --stack for a stack file)")
    if not args.base:
        raise InputError("--base is needed: the git revision to compare with, e.g. origin/main")
    head = testing.load_program(args.program, args.stack)
    name = args.stack or head.project
    with tempfile.TemporaryDirectory(prefix="ack-irsa-base-") as scratch:
        base_dir = _program_at(args.program, args.base, Path(scratch))
        where = f"{args.base}:{args.program}"
        if base_dir is None or not _has_stack(base_dir, args.stack):
            what = f"stack file of {args.stack!r}" if base_dir is not None else "program"
            note = f"The {what} is new: there is none at {where}.\n\n"
            before = plan.Plan(name, [], {})
        else:
            note, before = "", render_program(base_dir, args.stack, args, label=f"base {where}: ")
        after = render_program(args.program, args.stack, args, label="head: ")
    changes = diff.diff_plans(before, after)
    if args.format == "json":
        record = diff.to_json(changes, name, after, before) | {"note": note.strip() or None}
        changed = [] if changes.empty else [name]
        document = {"base": args.base, "stacks": [record], "changed": changed, "skipped": [], "errors": []}
        sys.stdout.write(_json(document))
    else:
        sys.stdout.write(note + diff.to_markdown(changes, name, after, before))
    return 0 if changes.empty else 2


def _program_at(directory: Path, revision: str, scratch: Path) -> Path | None:
    """The program directory's files at ``revision``, written into ``scratch``; None when it was not there."""
    _check_revision(directory, revision)
    top, prefix = (_git(directory, "rev-parse", flag).stdout.strip() for flag in ("--show-toplevel", "--show-prefix"))
    archive = subprocess.run(  # from the top: `git archive` refuses to run in a folder the base does not have
        ["git", "-C", top, "archive", "--format=tar", f"{revision}:{prefix}"], capture_output=True, check=False
    )
    if archive.returncode != 0:
        return None
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(scratch, filter="data")  # plain files only: no links out, no absolute paths
    return scratch if (scratch / "Pulumi.yaml").exists() else None


def _has_stack(directory: Path, stack: str | None) -> bool:
    from ack_irsa.stack import stackfile

    if stack is None:
        return True
    project = stackfile.read_project(directory)
    return (directory / str(project.get("stackConfigDir", ".")) / f"Pulumi.{stack}.yaml").exists()


def _summary_line(compared: int, base: str, changed: list[str], skipped: list[str]) -> str:
    names = ", ".join(f"`{s}`" for s in changed) or "none"
    line = f"# ack-irsa: {compared} stacks compared with `{base}`; changed: {names}"
    if skipped:
        line += f"; skipped as unchanged (the stack file and Pulumi.yaml the same): {len(skipped)}"
        line += "".join(f"\n- `{s}`" for s in skipped) if len(skipped) <= SKIPPED_LISTED else ""
    return line + "\n"


SKIPPED_LISTED = 20
"""Up to this many stacks skipped as unchanged are named in the summary; more are counted (JSON names all)."""


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def _render_all(comparisons: list[Comparison], args: argparse.Namespace) -> dict[tuple[int, str], Plan | str]:
    """The plan of each side that is there, of each comparison not skipped, keyed by (index, "base"/"head"); a
    side whose config is bad gives its error text instead. On every core (``--jobs``): each side is one
    process's job, since Pulumi's runtime is one per process."""
    from ack_irsa.review import plan

    facts = argparse.Namespace(account_id=args.account_id, partition=args.partition, issuer_url=args.issuer_url)
    jobs: list[tuple[tuple[int, str], tuple[str, Side, argparse.Namespace]]] = []
    plans: dict[tuple[int, str], Plan | str] = {}
    for index, comparison in enumerate(comparisons):
        if comparison.unchanged:
            continue
        for which, side in (("base", comparison.base), ("head", comparison.head)):
            if side.stack_file is None:
                plans[index, which] = plan.Plan(comparison.stack, [], {})
            else:
                jobs.append(((index, which), (comparison.stack, side, facts)))
    workers = min(args.jobs or os.cpu_count() or 1, len(jobs))
    if workers <= 1:
        plans |= {key: _render_side(*job) for key, job in jobs}
        return plans
    with ProcessPoolExecutor(workers, mp_context=_process_context()) as pool:
        rendered = pool.map(_render_side_job, [job for _, job in jobs])
        plans |= dict(zip([key for key, _ in jobs], rendered, strict=True))
    return plans


def _process_context() -> multiprocessing.context.BaseContext:
    """Fork where it is safe (the command's own process has one thread: the workers start at once with the
    imports made); else a fork server, since forking a process with threads can copy a held lock."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _render_side_job(job: tuple[str, Side, argparse.Namespace]) -> Plan | str:
    return _render_side(*job)


def _render_side(stack: str, side: Side, facts: argparse.Namespace) -> Plan | str:
    try:
        return _plan(stack, side, facts)
    except InputError as error:
        return str(error)


def _plan(stack: str, side: Side, args: argparse.Namespace) -> Plan:
    from ack_irsa.review import plan

    if side.stack_file is None:
        return plan.Plan(stack, [], {})
    try:
        return render_config(stack, side.stack_file.config, args, side.stack_file.secret_keys, side.stack_file.written)
    except InputError as error:
        raise InputError(f"{side.label}: {error}") from None  # the config's problems do not name the file


def _comparisons(args: argparse.Namespace) -> list[Comparison]:
    """What is compared, stack by stack; in a git comparison, a stack whose inputs read the same at both sides
    is marked unchanged and not read further."""
    from ack_irsa.stack import stackfile

    if args.base_file or args.head_file:
        if not (args.base_file and args.head_file):
            raise InputError("--base-file and --head-file go together: the stack file before and after the change")
        return [
            Comparison(
                stack_name(args.head_file),
                _side("base", args.base_file, lambda: stackfile.load(args.project_dir, args.base_file)),
                _side("head", args.head_file, lambda: stackfile.load(args.project_dir, args.head_file)),
            )
        ]
    if not args.base:
        raise InputError("--base is needed: the git revision to compare with, e.g. origin/main")
    folder = stackfile.stack_folder(args.project_dir)
    relative = folder.relative_to(args.project_dir)
    _check_revision(args.project_dir, args.base)
    if args.stack:
        stackfile.stack_path(args.project_dir, args.stack)  # the head's stack file must exist
        names = [args.stack]
    else:
        at_base = [stack_name(Path(f)) for f in _git_files(args.project_dir, args.base, relative)]
        names = sorted(set(stackfile.stack_names(folder)) | {n for n in at_base if stackfile.STACK_NAME.fullmatch(n)})
    paths = [str(relative / f"Pulumi.{name}.yaml") for name in names]
    shown = _git_show_all(args.project_dir, args.base, ["Pulumi.yaml", *paths])
    project_text = shown["Pulumi.yaml"]
    if project_text is None:
        raise InputError(f"base {args.base}: there is no Pulumi.yaml")
    base_project = stackfile.parse_project(project_text, f"{args.base}:Pulumi.yaml")
    head_project = args.project_dir / "Pulumi.yaml"
    same_project = head_project.exists() and stackfile.read_text(head_project) == project_text
    comparisons = []
    for name, relative_path in zip(names, paths, strict=True):
        path = folder / f"Pulumi.{name}.yaml"
        at = f"{args.base}:{relative_path}"
        text = shown[relative_path]
        head_text = stackfile.read_text(path) if path.exists() else None
        if same_project and text is not None and text == head_text:
            _side("base", at, partial(_from_text, base_project, text, at))  # still read: a broken file is said
            comparisons.append(Comparison(name, Side(f"base {at}", None), Side(f"head {path}", None), unchanged=True))
            continue
        base = _side("base", at, partial(_from_text, base_project, text, at))
        head = _side("head", path, partial(_from_file, args.project_dir, path))
        comparisons.append(Comparison(name, base, head))
    return comparisons


def _from_text(project: dict[str, Any], text: str | None, where: str) -> StackFile | None:
    from ack_irsa.stack import stackfile

    return None if text is None else stackfile.config_of(project, text, where)


def _from_file(project_dir: Path, path: Path) -> StackFile | None:
    from ack_irsa.stack import stackfile

    return stackfile.load(project_dir, path) if path.exists() else None


def _side(which: str, where: object, load: Callable[[], StackFile | None]) -> Side:
    """One side, read; an error in reading it says which side (its message already names the file)."""
    try:
        return Side(f"{which} {where}", load())
    except InputError as error:
        raise InputError(f"{which}: {error}") from None


def _git(directory: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(directory), *arguments], capture_output=True, text=True, check=False)


def _check_revision(directory: Path, revision: str) -> None:
    if _git(directory, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}").returncode != 0:
        raise InputError(f"--base: {revision!r} is not a git revision of {directory.resolve()}")


def _git_show_all(directory: Path, revision: str, paths: list[str]) -> dict[str, str | None]:
    """Each file's text at ``revision`` (None: not there), read by one ``git cat-file --batch``: a fleet's
    stack files cost one process, not one each."""
    request = "".join(f"{revision}:./{path}\n" for path in paths)
    done = subprocess.run(
        ["git", "-C", str(directory), "cat-file", "--batch"], input=request.encode(), capture_output=True, check=False
    )
    output, offset = done.stdout, 0
    texts: dict[str, str | None] = {}
    for path in paths:
        header_end = output.index(b"\n", offset)
        header = output[offset:header_end].decode()
        offset = header_end + 1
        if header.endswith((" missing", " ambiguous")) or len(header.split()) != 3:
            texts[path] = None
            continue
        size = int(header.split()[2])
        texts[path] = output[offset : offset + size].decode("utf-8-sig")
        offset += size + 1  # the content, then a newline
    return texts


def _git_files(directory: Path, revision: str, folder: Path) -> list[str]:
    """Stack files in ``folder`` at ``revision``."""
    listed = _git(directory, "ls-tree", "--name-only", f"{revision}:./{folder}")
    return [name for name in listed.stdout.splitlines() if name.startswith("Pulumi.") and name.endswith(".yaml")]
