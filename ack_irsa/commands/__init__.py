"""Command-line entry point: one subcommand per module, each a thin layer over the library.
May import: ``review``, ``stack``, ``live``, ``components``, ``spec``, ``catalog``, ``iam``, ``errors``."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from importlib import import_module
from pathlib import Path
from typing import NoReturn

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


class _Parser(argparse.ArgumentParser):
    """argparse's parser, with the exit code of a usage error a command's own: ``diff`` exits 2 when something
    changes, so a misspelt flag there must exit 1 (bad input), never read as "changed"."""

    usage_exit = 2

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(self.usage_exit, f"{self.prog}: error: {message}\n")


def help_epilog(module: object) -> str | None:
    """A command's examples and exit codes (its module's ``EXAMPLES`` and ``EXIT_CODES``), after its options."""
    parts = [getattr(module, name, None) for name in ("EXAMPLES", "EXIT_CODES")]
    return "\n\n".join(part for part in parts if part) or None


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    """Run one command; ``prog`` is the program's name as invoked (``python -m ack_irsa`` passes its own),
    else the script's (``ack-irsa``)."""
    from ack_irsa import __version__

    if prog is None:
        prog = Path(sys.argv[0]).name if argv is None and sys.argv and sys.argv[0] else "ack-irsa"
    parser = _Parser(prog=prog, description="ack-irsa: IRSA for ACK controllers.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    import shtab  # completion from the parser itself, so it follows every command's arguments

    shtab.add_argument_to(parser, ["--print-completion"], help="print a shell completion script and exit")
    commands = parser.add_subparsers(dest="command", metavar="command", required=True, parser_class=_Parser)
    parsers = {}
    for name, (module, summary) in COMMANDS.items():
        loaded = import_module(module)
        sub = commands.add_parser(
            name,
            help=summary,
            description=summary,
            epilog=help_epilog(loaded),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.usage_exit = getattr(loaded, "USAGE_ERROR", 2)
        parsers[name] = sub
        sub.set_defaults(module=module)
        loaded.add_arguments(sub)
    try:  # a usage error exits 2, as argparse does, or the command's own code
        args, unknown = parser.parse_known_args(argv)
    except BrokenPipeError:  # `--help` or `--print-completion` into `| head`
        sys.stderr.close()
        return 0
    if unknown:
        parsers[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
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
