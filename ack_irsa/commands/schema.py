"""``python -m ack_irsa schema``: the component package's schema, as Pulumi's analyzer infers it."""

from __future__ import annotations

import argparse
import json
import sys

EXAMPLES = """examples:
  ack-irsa schema > provider/schema.json            # what `pulumi package add` reads"""
EXIT_CODES = """exit codes:
  0  the schema was printed
  2  a usage error"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", help="the package version in the schema (default: ack-irsa's own)")


def run(args: argparse.Namespace) -> int:
    from ack_irsa.components.package import schema

    sys.stdout.write(text(schema(args.version)))
    return 0


def text(document: dict[str, object]) -> str:
    """The schema as checked in (``provider/schema.json``): two-space indents, keys in the analyzer's order."""
    return json.dumps(document, indent=2) + "\n"
