"""``python -m ack_irsa render``: the offline plan of a stack, with no cloud account."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ack_irsa.plan import Plan

FORMATS = ("markdown", "json", "manifests")


class RenderError(Exception):
    """The stack could not be planned: its files are unreadable, its config is bad, or the program failed."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--stack", help="stack name: reads Pulumi.yaml and stacks/Pulumi.<stack>.yaml")
    source.add_argument("--config-file", type=Path, help="any stack file")
    parser.add_argument("--format", choices=FORMATS, default="markdown", help="output format (default: markdown)")
    add_fact_arguments(parser)


def add_fact_arguments(parser: argparse.ArgumentParser) -> None:
    """The project, and the facts only a live account knows (placeholders when not given)."""
    parser.add_argument("--project-dir", type=Path, default=Path(), help="directory of Pulumi.yaml (default: .)")
    parser.add_argument("--account-id", help="AWS account ID (default: from oidcProviderArn, else a placeholder)")
    parser.add_argument("--partition", help="AWS partition (default: from aws:region, else assumed 'aws')")
    parser.add_argument(
        "--issuer-url", help="the cluster's OIDC issuer URL (default: from the config, else a placeholder)"
    )


def run(args: argparse.Namespace) -> int:
    from ack_irsa import plan, stackfile

    try:
        path = args.config_file or stackfile.stack_path(args.project_dir, args.stack)
        stack = args.stack or path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        config = stackfile.load(args.project_dir, path).config
        result = render_config(stack, config, args)
    except (RenderError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    renderer = {"markdown": plan.to_markdown, "json": plan.to_json, "manifests": plan.to_manifests}[args.format]
    sys.stdout.write(renderer(result))
    return 0


def render_config(stack: str, config: dict[str, Any], args: argparse.Namespace) -> Plan:
    """The plan of ``config`` under the facts the flags and the config give."""
    import pulumi

    from ack_irsa import plan

    facts = plan.facts_for(config, args.account_id, args.partition, args.issuer_url)
    try:
        return plan.plan_stack(stack, config, facts)
    except pulumi.RunError as error:
        raise RenderError(str(error)) from None
    except Exception as error:  # a deploy-time check failed: report it, not a traceback
        raise RenderError(_innermost(error)) from None


def _innermost(error: BaseException) -> str:
    """Pulumi wraps an error raised while resolving an input in layers ("While processing ... has risen:");
    the innermost message is the one that says what is wrong."""
    return str(error).rsplit("has risen: ", 1)[-1].strip()
