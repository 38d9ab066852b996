"""``python -m ack_irsa diff``: what a change to stack files does, as Markdown for a pull request.

``--base REF`` alone compares every stack (a change to a shared default in ``Pulumi.yaml`` shows in
each stack it touches); ``--stack NAME --base REF`` one stack; ``--base-file``/``--head-file`` two files.
Exit code 0 when nothing changes, 2 when something does, 1 on bad input (like ``terraform plan
-detailed-exitcode``). Both sides are rendered with the ack-irsa code at hand.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ack_irsa.commands.render import add_fact_arguments, render_config, stack_name
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
    add_fact_arguments(parser)


@dataclass(frozen=True)
class Side:
    """One side of a comparison: where it was read from, and the stack file (None: the stack is not there)."""

    label: str
    stack_file: StackFile | None


def run(args: argparse.Namespace) -> int:
    from ack_irsa.review import diff

    comparisons = _comparisons(args)
    sections, errors, changed = [], [], []
    for stack, base, head in comparisons:
        try:
            before, after = _plan(stack, base, args), _plan(stack, head, args)
        except InputError as error:
            errors.append(str(error))
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
    if len(comparisons) > 1:
        summary = ", ".join(f"`{s}`" for s in changed) or "none"
        sections.insert(0, f"# ack-irsa: {len(comparisons)} stacks compared with `{args.base}`; changed: {summary}\n")
    sys.stdout.write("\n".join(sections))
    if errors:
        raise InputError("\n".join(errors))
    return 2 if changed else 0


def _plan(stack: str, side: Side, args: argparse.Namespace) -> Plan:
    from ack_irsa.review import plan

    if side.stack_file is None:
        return plan.Plan(stack, [], {})
    try:
        return render_config(stack, side.stack_file.config, args, side.stack_file.secret_keys)
    except InputError as error:
        raise InputError(f"{side.label}: {error}") from None  # the config's problems do not name the file


def _comparisons(args: argparse.Namespace) -> list[tuple[str, Side, Side]]:
    """(stack, base side, head side) for each stack compared."""
    from ack_irsa.stack import stackfile

    if args.base_file or args.head_file:
        if not (args.base_file and args.head_file):
            raise InputError("--base-file and --head-file go together: the stack file before and after the change")
        return [
            (
                stack_name(args.head_file),
                _side("base", args.base_file, lambda: stackfile.load(args.project_dir, args.base_file)),
                _side("head", args.head_file, lambda: stackfile.load(args.project_dir, args.head_file)),
            )
        ]
    if not args.base:
        raise InputError("--base is needed: the git revision to compare with, e.g. origin/main")
    folder = stackfile.stack_folder(args.project_dir)
    relative = folder.relative_to(args.project_dir)
    if args.stack:
        stackfile.stack_path(args.project_dir, args.stack)  # the head's stack file must exist
        names = [args.stack]
    else:
        at_base = [stack_name(Path(f)) for f in _git_files(args.project_dir, args.base, relative)]
        names = sorted(set(stackfile.stack_names(folder)) | {n for n in at_base if stackfile.STACK_NAME.fullmatch(n)})
    project_text = _git_show(args.project_dir, args.base, "Pulumi.yaml")
    if project_text is None:
        raise InputError(f"base {args.base}: there is no Pulumi.yaml")
    base_project = stackfile.parse_project(project_text, f"{args.base}:Pulumi.yaml")
    comparisons = []
    for name in names:
        path = folder / f"Pulumi.{name}.yaml"
        at = f"{args.base}:{relative / path.name}"
        text = _git_show(args.project_dir, args.base, str(relative / path.name))
        base = _side("base", at, partial(_from_text, base_project, text, at))
        head = _side("head", path, partial(_from_file, args.project_dir, path))
        comparisons.append((name, base, head))
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


def _git_show(directory: Path, revision: str, path: str) -> str | None:
    """A file's text at ``revision``; None when the file is not there."""
    _check_revision(directory, revision)
    shown = _git(directory, "show", f"{revision}:./{path}")
    return shown.stdout if shown.returncode == 0 else None


def _git_files(directory: Path, revision: str, folder: Path) -> list[str]:
    """Stack files in ``folder`` at ``revision``."""
    _check_revision(directory, revision)
    listed = _git(directory, "ls-tree", "--name-only", f"{revision}:./{folder}")
    return [name for name in listed.stdout.splitlines() if name.startswith("Pulumi.") and name.endswith(".yaml")]
