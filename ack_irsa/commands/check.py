"""``python -m ack_irsa check``: the guardrails of the CrossGuard pack in ``policy/``, offline.

It runs exactly the pack's validate functions (``ack_irsa.review.guardrails``) over the offline plan of a stack, of
any stack file, or of a plan file in the ``render --format json`` form (which any tool's output can be
converted to). Exit 0 when no mandatory rule is violated, 1 when one is (each listed with its resource and
remediation), 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ack_irsa.commands import render
from ack_irsa.errors import InputError

EXAMPLES = """examples:
  ack-irsa check --stack prod                       # the pack's rules over the stack's offline plan
  ack-irsa check --plan-file plan.json --format json
  ack-irsa check --stack prod --policy-config rules.json"""
EXIT_CODES = """exit codes:
  0  no mandatory rule is violated (acknowledged risks pass, and are listed)
  1  a mandatory rule is violated
  2  bad input (the stack, the plan file, the policy config), or a usage error"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--stack", help="stack name: reads Pulumi.yaml and stacks/Pulumi.<stack>.yaml")
    source.add_argument("--config-file", type=Path, help="any stack file")
    source.add_argument("--plan-file", type=Path, help="a plan in the `render --format json` form")
    parser.add_argument(
        "--policy-config", type=Path, help="JSON: rule name → settings (enforcementLevel, allowedPolicies, ...)"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    render.add_fact_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from ack_irsa.review import guardrails

    try:
        document = _plan_document(args)
        config = _policy_config(args.policy_config)
    except InputError as error:
        if args.format == "json":
            sys.stdout.write(json.dumps({"passed": False, "error": str(error)}, indent=2) + "\n")
        else:
            print(f"error: {error}", file=sys.stderr)
        return 2
    violations = guardrails.check_plan(document, config)
    acknowledged = guardrails.acknowledged_risks(document)
    mandatory = [v for v in violations if v.level == "mandatory"]
    resources = len(document["resources"])  # type: ignore[arg-type]
    if args.format == "json":
        sys.stdout.write(json.dumps(_json_report(violations, acknowledged, resources), indent=2) + "\n")
        return 1 if mandatory else 0
    for violation in violations:
        print(f"{violation.level}: {violation.rule.name}: {violation.resource}: {violation.message}")
        print(f"  remediation: {violation.rule.remediation}")
    for role, risk, source in acknowledged:
        print(f"acknowledged: {risk}-is-acknowledged: {role}: {risk} in {source}")
    print(
        f"{len(guardrails.RULES)} rules over {resources} resources: {len(mandatory)} mandatory and "
        f"{len(violations) - len(mandatory)} advisory violations"
    )
    return 1 if mandatory else 0


def _json_report(violations: list[Any], acknowledged: list[tuple[str, str, str]], resources: int) -> dict[str, Any]:
    """``{"passed", "rules", "resources", "mandatory", "advisory", "violations": [{"rule", "level", "resource",
    "message", "remediation"}], "acknowledged": [{"rule", "resource", "risk", "source"}]}``."""
    from ack_irsa.review import guardrails

    mandatory = sum(1 for v in violations if v.level == "mandatory")
    return {
        "passed": mandatory == 0,
        "rules": len(guardrails.RULES),
        "resources": resources,
        "mandatory": mandatory,
        "advisory": len(violations) - mandatory,
        "violations": [
            {
                "rule": v.rule.name,
                "level": v.level,
                "resource": v.resource,
                "message": v.message,
                "remediation": v.rule.remediation,
            }
            for v in violations
        ],
        "acknowledged": [
            {"rule": f"{risk}-is-acknowledged", "resource": role, "risk": risk, "source": source}
            for role, risk, source in acknowledged
        ],
    }


def _plan_document(args: argparse.Namespace) -> dict[str, object]:
    from ack_irsa.review import plan

    if args.plan_file is not None:
        from ack_irsa.stack.stackfile import read_text

        try:
            document = json.loads(read_text(args.plan_file))
        except json.JSONDecodeError as error:
            raise InputError(f"{args.plan_file}: not JSON ({error.msg} at line {error.lineno})") from None
        if not isinstance(document, dict) or not isinstance(document.get("resources"), list):
            raise InputError(f"{args.plan_file}: not a plan (the `render --format json` form has a resources list)")
        return document
    stack, stack_file = render.load_stack(args)
    planned = render.render_config(stack, stack_file.config, args, stack_file.secret_keys)
    loaded: dict[str, object] = json.loads(plan.to_json(planned))
    return loaded


def _policy_config(path: Path | None) -> dict[str, dict[str, object]]:
    if path is None:
        return {}
    from ack_irsa.stack.stackfile import read_text

    try:
        config = json.loads(read_text(path))
    except json.JSONDecodeError as error:
        raise InputError(f"{path}: not JSON ({error.msg} at line {error.lineno})") from None
    if not isinstance(config, dict) or not all(isinstance(v, dict) for v in config.values()):
        raise InputError(f"{path}: must map rule names to their settings")
    return config
