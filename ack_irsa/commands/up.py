"""``python -m ack_irsa up``: the main job. ``pulumi up`` where it can run, the offline plan where not.

``pulumi up`` needs the Pulumi CLI, a logged-in backend and AWS credentials; without any of them the
command says which is missing and prints the offline plan of the stack instead, changing nothing.
``pulumi up`` itself shows the preview and asks before it changes anything.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys

from ack_irsa.commands import render


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", required=True, help="stack name (stacks/Pulumi.<stack>.yaml)")
    parser.add_argument("--offline", action="store_true", help="print the offline plan even where pulumi up can run")
    parser.add_argument("--format", choices=render.FORMATS, default="markdown", help="format of the offline plan")
    render.add_fact_arguments(parser)


def run(args: argparse.Namespace) -> int:
    missing = "--offline was given" if args.offline else why_not_live(args)
    if missing is None:
        pulumi = ["pulumi", "--cwd", str(args.project_dir)]
        select = subprocess.run([*pulumi, "stack", "select", "--create", args.stack], check=False)
        if select.returncode != 0:
            return select.returncode
        return subprocess.run([*pulumi, "up", "--stack", args.stack], check=False).returncode
    print(f"Not running pulumi up ({missing}); the offline plan of stack {args.stack!r} follows.", file=sys.stderr)
    args.config_file = None
    return render.run(args)


def why_not_live(args: argparse.Namespace) -> str | None:
    """What keeps ``pulumi up`` from running here, or None when everything is in place."""
    if shutil.which("pulumi") is None:
        return "no Pulumi CLI on PATH"
    whoami = subprocess.run(["pulumi", "--cwd", str(args.project_dir), "whoami"], capture_output=True, check=False)
    if whoami.returncode != 0:
        return "the Pulumi CLI is not logged in to a backend (pulumi login)"
    import boto3

    if boto3.Session().get_credentials() is None:
        return "no AWS credentials"
    return None
