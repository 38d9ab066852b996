"""``python -m ack_irsa diff``: what a change to a stack file does, as Markdown for a pull request.

Exit code 0 when nothing changes, 2 when something does, 1 on error (like ``terraform plan
-detailed-exitcode``). Both sides are rendered with the ack-irsa code at hand.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

from ack_irsa.commands.render import RenderError, add_fact_arguments, render_config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--stack", help="stack name: compares stacks/Pulumi.<stack>.yaml with its version at --base")
    source.add_argument("--base-file", type=Path, help="the stack file before the change (with --head-file)")
    parser.add_argument("--base", help="git revision to compare with (with --stack), e.g. origin/main")
    parser.add_argument("--head-file", type=Path, help="the stack file after the change (with --base-file)")
    add_fact_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from ack_irsa import diff, plan

    try:
        stack, base_config, head_config = _configs(args)
        head = render_config(stack, head_config, args)
        base = render_config(stack, base_config, args) if base_config is not None else plan.Plan(stack, [], {})
    except (RenderError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    changes = diff.diff_plans(base, head)
    if base_config is None:
        print(f"The stack file is new: it is not in {args.base}.\n")
    sys.stdout.write(diff.to_markdown(changes, stack, head))
    return 0 if changes.empty else 2


def _configs(args: argparse.Namespace) -> tuple[str, dict[str, Any] | None, dict[str, Any]]:
    """(stack name, base config or None for a new stack, head config)."""
    from ack_irsa import stackfile

    if args.stack:
        if not args.base:
            raise ValueError("--stack needs --base, the git revision to compare with")
        path = stackfile.stack_path(args.project_dir, args.stack)
        head = stackfile.load(args.project_dir, path).config
        project_text = _git_show(args.project_dir, args.base, "Pulumi.yaml")
        stack_text = _git_show(args.project_dir, args.base, str(path.relative_to(args.project_dir)))
        if project_text is None:
            raise ValueError(f"there is no Pulumi.yaml at {args.base}")
        base = None
        if stack_text is not None:
            base = stackfile.config_of(
                stackfile.parse_project(project_text), stack_text, f"{args.base}:{path.name}"
            ).config
        return args.stack, base, head
    if not args.head_file:
        raise ValueError("--base-file needs --head-file, the stack file after the change")
    stack = args.head_file.name.removeprefix("Pulumi.").removesuffix(".yaml")
    base = stackfile.load(args.project_dir, args.base_file).config
    return stack, base, stackfile.load(args.project_dir, args.head_file).config


def _git_show(directory: Path, revision: str, path: str) -> str | None:
    """A file's text at ``revision``; None when the file is not there; ValueError for a bad revision."""
    check = subprocess.run(
        ["git", "-C", str(directory), "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if check.returncode != 0:
        raise ValueError(f"{revision!r} is not a git revision of {directory.resolve()}")
    shown = subprocess.run(
        ["git", "-C", str(directory), "show", f"{revision}:./{path}"], capture_output=True, text=True, check=False
    )
    return shown.stdout if shown.returncode == 0 else None
