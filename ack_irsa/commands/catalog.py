"""``python -m ack_irsa catalog [show SERVICE [--partition P]]``: what ack-irsa knows of each controller."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from typing import Any

from ack_irsa import catalog
from ack_irsa.catalog import derived
from ack_irsa.iam import risks
from ack_irsa.iam.limits import INLINE_POLICIES_MAX_CHARS
from ack_irsa.iam.policies import policy_size

EXAMPLES = """examples:
  ack-irsa catalog                                  # every controller: ServiceAccount, policies, status, risks
  ack-irsa catalog --format json | jq '.controllers[] | select(.risks != [])'
  ack-irsa catalog show s3 --partition aws-us-gov   # the exact policies a stack would attach"""
EXIT_CODES = """exit codes:
  0  listed
  1  an unknown service (the closest known names are given)
  2  a usage error"""

PARTITIONS = ("aws", "aws-cn", "aws-us-gov")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    formats = {"choices": ("text", "json"), "default": "text", "help": "output format (default: text)"}
    parser.add_argument("--format", **formats)  # type: ignore[arg-type]
    actions = parser.add_subparsers(dest="action", metavar="action")
    show = actions.add_parser("show", help="the exact policies a stack would attach for one controller")
    show.add_argument("service", help="ACK service name, e.g. s3")
    show.add_argument("--partition", default="aws", choices=PARTITIONS, help="render ARNs for this partition")
    show.add_argument("--format", **formats)  # type: ignore[arg-type]


def run(args: argparse.Namespace) -> int:
    as_json = args.format == "json"
    if args.action != "show":
        if as_json:
            document = {"controllers": [controller_json(c, "aws") for c in catalog.controllers()]}
            sys.stdout.write(json.dumps(document, indent=2) + "\n")
        else:
            print(listing(catalog.controllers()), end="")
        return 0
    try:
        controller = catalog.get(args.service)
    except catalog.UnknownServiceError as error:
        if as_json:
            sys.stdout.write(json.dumps({"error": str(error)}, indent=2) + "\n")
        else:
            print(f"error: {error}", file=sys.stderr)
        return 1
    if as_json:
        sys.stdout.write(json.dumps(controller_json(controller, args.partition), indent=2) + "\n")
    else:
        print(show(controller, args.partition), end="")
    return 0


def controller_json(controller: catalog.Controller, partition: str) -> dict[str, Any]:
    """One controller for scripts: names, chart, status, flags, its recommended policies (ARNs in ``partition``)
    and their risks."""
    return {
        "service": controller.service,
        "serviceAccount": controller.service_account_name,
        "deployment": controller.deployment_name,
        "release": controller.release_name,
        "chart": controller.chart_name,
        "chartVersion": controller.chart_version,
        "status": controller.status,
        "flags": list(controller.flags),
        "hasRecommendedPolicy": controller.has_recommended_policy,
        "managedPolicyArns": list(controller.managed_policy_arns(partition)),
        "inlinePolicy": controller.inline_policy,
        "risks": [{"id": i, "source": source, "detail": d} for i, source, d in recommended_risks(controller)],
        "repository": controller.repository,
        "commit": controller.commit,
        "notes": list(controller.notes),
    }


def recommended_risks(controller: catalog.Controller) -> list[tuple[str, str, str]]:
    """(risk id, source, detail) of a controller's recommended policies (:mod:`ack_irsa.iam.risks`)."""
    found = [
        (i, f"managed policy {name}", d)
        for name in controller.managed_policies
        for i, d in risks.aws_managed_policy_risks(name.rsplit("/", 1)[-1])
    ]
    return found + [(i, "the inline policy", d) for i, d in risks.recommended_inline_risks(controller.service)]


def listing(controllers: list[catalog.Controller]) -> str:
    """Every controller on a line: names, policies, status, flags and risks; then what they mean."""
    header = ("SERVICE", "SERVICEACCOUNT", "MANAGED POLICIES", "INLINE", "STATUS", "FLAGS", "RISKS")
    rows = [
        (
            c.service,
            c.service_account_name,
            ",".join(c.managed_policies) or "-",
            _statements(c.inline_policy) if c.inline_policy else "-",
            c.status,
            ",".join(c.flags) or "-",
            ",".join(dict.fromkeys(i for i, _, _ in recommended_risks(c))) or "-",
        )
        for c in controllers
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)] + [0]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) for row in [header, *rows]]
    legend = [f"  {flag}: {text}" for flag, text in catalog.FLAG_DESCRIPTIONS.items()]
    legend += ["Risks, computed from the policy documents:"] + [f"  {i}: {text}" for i, text in risks.RISKS.items()]
    return "\n".join([*lines, "", f"{len(rows)} controllers. Flags:", *legend]) + "\n"


def _derived_text(service: str) -> str:
    """What ``policy: derived`` would grant for every kind, or why it is not available."""
    try:
        data = derived.calls(service)
        kinds = [k for k, calls in data.kinds.items() if not calls.unmapped]
        policy = derived.derive(service, kinds if len(kinds) < len(data.kinds) else None)
    except derived.DerivedPolicyError as error:
        return error.problems[0][1]
    roles = sorted(k for k, fields in policy.unset_role_fields.items())
    text = f"{policy.summary()} (read at {data.commit[:12]}); kinds: {', '.join(policy.kinds)}"
    return text + (f"; role fields (need passRoles): {', '.join(roles)}" if roles else "")


def _statements(document: Mapping[str, Any]) -> str:
    statements = document["Statement"]
    count = len(statements) if isinstance(statements, list) else 1
    return f"{count} statement{'' if count == 1 else 's'}"


def show(controller: catalog.Controller, partition: str) -> str:
    """The facts of one controller and the exact policies a stack in ``partition`` would attach."""
    lines = [
        f"service:          {controller.service}",
        f"repository:       {controller.repository} @ {controller.commit or 'unknown commit'}",
        f"chart:            {controller.chart_name or 'none'} {controller.chart_version or '(no release)'}",
        f"status:           {controller.status}",
        f"service account:  {controller.service_account_name}",
        f"deployment:       {controller.deployment_name} (release {controller.release_name})",
    ]
    lines += [f"flag:             {flag} - {catalog.FLAG_DESCRIPTIONS[flag]}" for flag in controller.flags]
    lines += [f"risk:             {i} in {source} - {detail}" for i, source, detail in recommended_risks(controller)]
    lines += [f"note:             {note}" for note in controller.notes]
    if controller.too_narrow:
        lines.append(
            f"too narrow:       upstream's recommendation misses {len(controller.too_narrow)} of the actions the "
            f"controller's code calls: {', '.join(controller.too_narrow)}"
        )
    lines.append(f"policy derived:   {_derived_text(controller.service)}")
    lines.append("")
    if not controller.has_recommended_policy:
        lines.append("No recommended policy: a stack must give policyArns or inlinePolicy for this controller.")
        return "\n".join(lines) + "\n"
    lines.append(f"Managed policies ({partition}):")
    lines += [f"  {arn}" for arn in controller.managed_policy_arns(partition)] or ["  none"]
    if controller.inline_policy is None:
        lines.append("Inline policy: none")
    else:
        size = policy_size(controller.inline_policy)
        lines.append(f"Inline policy (ack-controller-policy, {size} of {INLINE_POLICIES_MAX_CHARS} characters):")
        lines.append(json.dumps(controller.inline_policy, indent=2))
    return "\n".join(lines) + "\n"
