"""``python -m ack_irsa render``: the offline plan of a stack, with no cloud account.

``--program DIR`` renders a Python Pulumi program of your own instead of the stack program: its code runs,
as ``pulumi up`` would run it, under the offline mocks (:mod:`ack_irsa.review.testing`). Only ever the
directory named: nothing is run without the flag.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ack_irsa.errors import InputError

if TYPE_CHECKING:
    from ack_irsa.review.plan import Plan
    from ack_irsa.stack.stackfile import StackFile

EXAMPLES = """examples:
  ack-irsa render --stack dev                       # the Markdown review of the stack
  ack-irsa render --stack prod --format json        # the plan for scripts and `check --plan-file`
  ack-irsa render --config-file other.yaml --account-id 111122223333 --issuer-url https://oidc.eks..."""
EXIT_CODES = """exit codes:
  0  the plan was printed
  1  bad input: the stack file, its config or the flags (every problem listed), nothing printed on stdout
  2  a usage error"""

FORMATS = ("markdown", "json", "manifests")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--stack", help="stack name: reads Pulumi.yaml and stacks/Pulumi.<stack>.yaml")
    source.add_argument("--config-file", type=Path, help="any stack file")
    add_program_argument(parser)
    parser.add_argument("--format", choices=FORMATS, default="markdown", help="output format (default: markdown)")
    add_fact_arguments(parser)


def add_program_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--program",
        type=Path,
        metavar="DIR",
        help="a Python Pulumi program of your own (its Pulumi.yaml, main and, with --stack, its stack file): "
        "RUNS ITS CODE under the offline mocks, as pulumi up would",
    )


def add_fact_arguments(parser: argparse.ArgumentParser) -> None:
    """The project, and the facts only a live account knows (placeholders when not given)."""
    parser.add_argument("--project-dir", type=Path, default=Path(), help="directory of Pulumi.yaml (default: .)")
    parser.add_argument("--account-id", help="AWS account ID (default: from oidcProviderArn, else a placeholder)")
    parser.add_argument(
        "--partition", help="AWS partition (default: from aws:region, else from the stack's ARNs, else assumed 'aws')"
    )
    parser.add_argument(
        "--issuer-url", help="the cluster's OIDC issuer URL (default: from the config, else a placeholder)"
    )


def run(args: argparse.Namespace) -> int:
    from ack_irsa.review import plan

    if getattr(args, "program", None) is not None:  # `up` renders through here without the flag
        if args.config_file is not None:
            raise InputError("--config-file: not with --program, whose stack files are its own (give --stack)")
        result = render_program(args.program, args.stack, args)
    else:
        if args.stack is None and args.config_file is None:
            raise InputError("give --stack NAME, --config-file FILE, or --program DIR (a program of your own)")
        stack, stack_file = load_stack(args)
        result = render_config(stack, stack_file.config, args, stack_file.secret_keys, stack_file.written)
    renderer = {"markdown": plan.to_markdown, "json": plan.to_json, "manifests": plan.to_manifests}[args.format]
    sys.stdout.write(renderer(result))
    return 0


def load_stack(args: argparse.Namespace) -> tuple[str, StackFile]:
    """(stack name, its file read as the program sees it) from ``--stack`` or ``--config-file``."""
    from ack_irsa.stack import stackfile

    path = args.config_file or stackfile.stack_path(args.project_dir, args.stack)
    return args.stack or stack_name(path), stackfile.load(args.project_dir, path)


def stack_name(path: Path) -> str:
    """``Pulumi.dev.yaml`` → ``dev``."""
    return path.name.removeprefix("Pulumi.").removesuffix(".yaml")


def render_config(
    stack: str,
    config: dict[str, Any],
    args: argparse.Namespace,
    secret_keys: Sequence[str] = (),
    written: Mapping[str, str] | None = None,
) -> Plan:
    """The plan of ``config`` under the facts the flags and the config give. Bad flags or config are an
    :class:`InputError` with every problem; a check that fails only when values resolve is one too."""
    import pulumi

    from ack_irsa.review import offline, plan

    facts = plan.facts_for(config, args.account_id, args.partition, args.issuer_url, secret_keys, written=written)
    try:
        return plan.plan_stack(stack, config, facts)
    except pulumi.RunError as error:
        raise InputError(str(error)) from None
    except offline.EngineSchemaMismatch:  # a defect of ack-irsa, not of the input: an internal error
        raise
    except Exception as error:  # a deploy-time check failed: report it, not a traceback
        raise InputError(_innermost(error)) from None


def _innermost(error: BaseException) -> str:
    """Pulumi wraps an error raised while resolving an input in layers ("While processing ... has risen:");
    the innermost message is the one that says what is wrong."""
    return str(error).rsplit("has risen: ", 1)[-1].strip()


def render_program(directory: Path, stack: str | None, args: argparse.Namespace, label: str = "") -> Plan:
    """The plan of the Python program in ``directory`` (its stack file ``stack``, if given), run under the
    offline mocks with the facts the flags and its ``aws:region`` give. Whatever stops it — bad flags, what the
    mocks cannot answer, an error of the program itself — is an :class:`InputError` in one block."""
    import pulumi

    from ack_irsa.review import plan, testing

    program = testing.load_program(directory, stack)
    facts = plan.facts_for_program(program.config, args.account_id, args.partition, args.issuer_url)
    name = stack or program.project
    try:
        return plan.plan_of(name, testing.run(program, stack=name, facts=facts))
    except InputError:
        raise
    except pulumi.RunError as error:
        raise InputError(f"{label}{program.main}: {error}") from None
    except Exception as error:  # the program's own error, or a check that failed when values resolved
        raise InputError(f"{label}{program.main} failed: {type(error).__name__}: {_innermost(error)}") from None
