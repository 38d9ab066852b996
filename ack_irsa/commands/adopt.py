"""``python -m ack_irsa adopt``: take over the ACK controllers' identities that already run on a cluster.

Read-only towards AWS and the cluster; writes one new stack file (never over an existing one) and prints the
report: what differs from what ack-irsa would build, and the change that converges each difference.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXAMPLES = """examples:
  ack-irsa adopt --stack prod --cluster prod-eks              # writes stacks/Pulumi.prod.yaml, prints the report
  ack-irsa adopt --stack prod --cluster prod-eks --namespace ack-system --namespace ack-team-a --json
  AWS_PROFILE=prod ack-irsa adopt --stack prod --cluster prod-eks --context prod --out-dir ../infra/stacks"""
EXIT_CODES = """exit codes:
  0  the stack file was written; the report says what differs and how each difference converges
  1  a controller cannot be taken over (the report says why; the others' stack file is written), none was
     found, the stack file exists, or AWS or the cluster could not be read
  2  a usage error"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", required=True, help="the stack to write: <out-dir>/Pulumi.<stack>.yaml")
    parser.add_argument("--cluster", required=True, help="the EKS cluster whose controllers to take over")
    parser.add_argument(
        "--namespace",
        action="append",
        default=[],
        help="a namespace to look for ACK controllers in; repeat for several (default: ack-system)",
    )
    parser.add_argument("--region", help="AWS region (default: the AWS default region)")
    parser.add_argument("--aws-endpoint-url", help="AWS endpoint, e.g. an emulator for testing")
    parser.add_argument("--kubeconfig", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    parser.add_argument("--context", help="kubeconfig context (default: the current one)")
    parser.add_argument(
        "--out-dir", type=Path, default=Path("stacks"), help="where to write the stack file (default: stacks)"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON instead of Markdown")


def run(args: argparse.Namespace) -> int:
    import botocore.exceptions
    import urllib3
    from kubernetes.client import ApiException

    from ack_irsa.errors import InputError, shown
    from ack_irsa.review import adopt
    from ack_irsa.stack.stackfile import STACK_NAME

    if not STACK_NAME.fullmatch(args.stack):
        raise InputError(f"--stack: {shown(args.stack)} is not a stack name (letters, digits, '_', '.' and '-')")
    target = args.out_dir / f"Pulumi.{args.stack}.yaml"
    try:
        if target.exists():
            raise InputError(
                f"{target} exists already; adopt never overwrites a stack file: choose another --stack, or move it"
            )
        found = adopt.read(
            _aws(args.region, args.aws_endpoint_url),
            _kubernetes(args),
            args.cluster,
            args.namespace or ["ack-system"],
            args.region,
        )
    except (ValueError, botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except (ApiException, urllib3.exceptions.HTTPError, OSError) as error:
        reason = getattr(error, "reason", None) or type(error).__name__
        print(f"error: cannot read the cluster ({reason}): check --kubeconfig and --context", file=sys.stderr)
        return 1
    adoption = adopt.take_over(found, args.stack)
    written = None
    if adoption.controllers:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8") as out:  # "x": never over a file made meanwhile
            out.write(adopt.stack_file(adoption))
        written = str(target)
    sys.stdout.write(adopt.to_json(adoption, written) if args.json else adopt.to_markdown(adoption, written))
    return 1 if adoption.refused or not adoption.controllers else 0


def _aws(region: str | None, endpoint: str | None) -> object:
    from ack_irsa.commands.verify import _session
    from ack_irsa.live.adopt import AdoptAws

    session = _session()
    clients = (
        session.create_client(name, region_name=region, endpoint_url=endpoint)
        for name in ("eks", "iam", "cloudformation")
    )
    return AdoptAws(*clients)


def _kubernetes(args: argparse.Namespace) -> object:
    from kubernetes import client, config

    from ack_irsa.live.adopt import AdoptKubernetes

    try:
        api = config.new_client_from_config(config_file=args.kubeconfig, context=args.context)
    except config.ConfigException as error:
        raise ValueError(f"no usable kubeconfig ({error})") from None
    return AdoptKubernetes(client.CoreV1Api(api), client.AppsV1Api(api))
