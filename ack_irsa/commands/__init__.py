"""Command-line entry point: one subcommand per module, each a thin layer over the library.
May import: ``review``, ``stack``, ``live``, ``components``, ``spec``, ``catalog``, ``iam``, ``errors``."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from importlib import import_module
from pathlib import Path

# Subcommands and their modules; a module is imported only when its command runs.
COMMANDS = {
    "up": ("ack_irsa.commands.up", "pulumi up where it can run; else the offline plan of the stack"),
    "catalog": ("ack_irsa.commands.catalog", "list the ACK controllers and the policies a stack would attach"),
    "render": ("ack_irsa.commands.render", "print the offline plan of a stack (no cloud account needed)"),
    "diff": ("ack_irsa.commands.diff", "what a change to a stack file does, as Markdown for a pull request"),
    "verify": ("ack_irsa.commands.verify", "check that each controller really runs with its role (read-only)"),
    "adopt": (
        "ack_irsa.commands.adopt",
        "take over the ACK controllers' roles that already run on a cluster (read-only)",
    ),
    "check": ("ack_irsa.commands.check", "the guardrails of the policy pack, over a stack's offline plan"),
    "schema": ("ack_irsa.commands.schema", "the schema of the component package, for other Pulumi languages"),
}
DEBUG = "ACK_IRSA_DEBUG"
"""Set to 1 to see the traceback of an internal error."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ack_irsa", description="ack-irsa: IRSA for ACK controllers.")
    commands = parser.add_subparsers(dest="command", metavar="command", required=True)
    for name, (module, summary) in COMMANDS.items():
        sub = commands.add_parser(name, help=summary, description=summary)
        sub.set_defaults(module=module)
        import_module(module).add_arguments(sub)
    args = parser.parse_args(argv)  # a usage error exits 2, as argparse does
    from ack_irsa.errors import InputError

    try:
        return int(import_module(args.module).run(args))
    except BrokenPipeError:  # e.g. `| head`
        sys.stderr.close()
        return 0
    except InputError as error:  # bad input: one error block, exit 1, nothing created
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a defect of ack-irsa: one line, never a traceback that may quote a secret
        if os.environ.get(DEBUG):
            raise
        frame = traceback.extract_tb(error.__traceback__)[-1]
        where = f"{Path(frame.filename).name}:{frame.lineno}"
        # what it is about, where the error can say so without a value
        said: object = getattr(error, "summary", None)
        about = f": {said}" if isinstance(said, str) else ""
        print(
            f"error: internal error ({type(error).__name__} at {where}){about}; please report it "
            f"({DEBUG}=1 shows the traceback)",
            file=sys.stderr,
        )
        return 1
