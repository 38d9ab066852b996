"""Command-line entry point: one subcommand per module, each a thin layer over the library."""

from __future__ import annotations

import argparse
import sys
from importlib import import_module

# Subcommands and their modules; a module is imported only when its command runs.
COMMANDS = {
    "up": ("ack_irsa.commands.up", "pulumi up where it can run; else the offline plan of the stack"),
    "catalog": ("ack_irsa.commands.catalog", "list the ACK controllers and the policies a stack would attach"),
    "render": ("ack_irsa.commands.render", "print the offline plan of a stack (no cloud account needed)"),
    "diff": ("ack_irsa.commands.diff", "what a change to a stack file does, as Markdown for a pull request"),
    "verify": ("ack_irsa.commands.verify", "check that each controller really runs with its role (read-only)"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ack_irsa", description="ack-irsa: IRSA for ACK controllers.")
    commands = parser.add_subparsers(dest="command", metavar="command", required=True)
    for name, (module, summary) in COMMANDS.items():
        sub = commands.add_parser(name, help=summary, description=summary)
        sub.set_defaults(module=module)
        import_module(module).add_arguments(sub)
    args = parser.parse_args(argv)
    try:
        return int(import_module(args.module).run(args))
    except BrokenPipeError:  # e.g. `| head`
        sys.stderr.close()
        return 0
