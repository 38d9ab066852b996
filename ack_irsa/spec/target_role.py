"""``TargetAccountRole``'s arguments: a role in another account that controller roles assume."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ack_irsa import catalog
from ack_irsa.catalog.derived import DerivedPolicy
from ack_irsa.errors import shown
from ack_irsa.iam import limits
from ack_irsa.iam.accounts import (
    parse_role_arn,
)
from ack_irsa.iam.risks import Risk
from ack_irsa.spec.permissions import (
    RESERVED_TAGS,
    PolicyRef,
    resolve_derived,
    resolve_permissions,
    resolve_risks,
    role_tags,
    stale_acknowledgements,
)
from ack_irsa.spec.problems import (
    DEFAULT_ROLE_PATH,
    DEFAULT_SESSION_DURATION,
    ArgsError,
    checked_tags,
    component_arguments,
    deploy_time,
    listed,
)

TARGET_ROLE_ARGUMENTS = (
    "service",
    "trusted_role_arns",
    "role_name",
    "role_path",
    "pod_identity",
    "policy",
    "kinds",
    "pass_roles",
    "policy_arns",
    "extra_policy_arns",
    "inline_policy",
    "max_session_duration",
    "tags",
    "acknowledge_risks",
)


def managed_target_role_args(spec: Any, target: Any, trusted_role_arn: Any) -> dict[str, Any]:
    """The arguments of the target role a controller (``spec``, a ControllerSpec) makes for ``target``
    (``manageRole``), trusting ``trusted_role_arn``: its recommended policies (or, with ``policy="derived"``,
    the policy derived for the same kinds), and the controller's acknowledgements where they name one of
    those policies' risks. The component builds the role from them and ``verify`` compares the live role."""
    args: dict[str, Any] = {
        "service": spec.controller.service,
        "trusted_role_arns": [trusted_role_arn],
        "role_name": target.role_name,
        "role_path": target.role_path,
        "pod_identity": spec.uses_pod_identity,
        "tags": {k: v for k, v in spec.tags.items() if k not in RESERVED_TAGS},  # the target sets its own
    }
    if (derived_policy := spec.derived_policy) is not None:  # the same kinds there; roles to pass are
        args["policy"] = "derived"  # the target account's own, so none are carried over
        if not derived_policy.all_kinds:
            args["kinds"] = list(derived_policy.kinds)
    acknowledged = {risk.id for risk in spec.risks if risk.acknowledged}
    own = {risk.id for risk in resolve_target_role(args).risks}
    args["acknowledge_risks"] = sorted(acknowledged & own)
    return args


@dataclass(frozen=True)
class TargetRoleSpec:
    """A role in a target account that controllers in another account assume (``TargetAccountRole``)."""

    controller: catalog.Controller
    role_name: str
    role_path: str
    trusted_role_arns: tuple[Any, ...]
    """The controller roles it trusts, by ARN (plain or Outputs)."""
    pod_identity: bool
    managed_policies: dict[str, PolicyRef]
    inline_policy: Any
    max_session_duration: int
    tags: dict[str, str]
    """The role's tags: the caller's, and ack-irsa's own for the guardrails (the acknowledged risks)."""
    risks: tuple[Risk, ...] = ()
    derived_policy: DerivedPolicy | None = None
    """``policy: derived``: the policy derived from the controller's calls; None: the recommendation."""
    warnings: tuple[str, ...] = ()
    """What a reviewer should know: an acknowledged risk the role no longer has."""


def resolve_target_role(args: Mapping[str, Any]) -> TargetRoleSpec:
    """Defaults applied, every plain value checked; raises :class:`ArgsError` with all problems."""
    form = "{'service': 's3', 'role_name': 'ack-s3', 'trusted_role_arns': [controller.role_arn]}"
    args, problems, controller = component_arguments(args, form, TARGET_ROLE_ARGUMENTS)
    role_name = args.get("role_name")
    if problems.plain("role_name", role_name, str, "a role name"):
        problems.check("role_name", limits.check_role_name, role_name)
    role_path = args.get("role_path", DEFAULT_ROLE_PATH)
    if problems.plain("role_path", role_path, str, "an IAM path such as /ack/"):
        problems.check("role_path", limits.check_role_path, role_path)
    trusted = listed(args, "trusted_role_arns", "controller role ARNs", problems)
    if not trusted and "trusted_role_arns" not in {p.field for p in problems}:
        problems.add("trusted_role_arns", "is required: the ARNs of the controller roles that assume this role")
    partitions: set[str] = set()
    for index, arn in enumerate(trusted):
        if isinstance(arn, str):
            try:
                partitions.add(parse_role_arn(arn)[0])
            except ValueError as error:
                problems.add(f"trusted_role_arns[{index}]", str(error))
        elif not deploy_time(arn):
            problems.add(f"trusted_role_arns[{index}]", f"must be an IAM role ARN, got {shown(arn)}")
    if len(partitions) > 1:
        problems.add("trusted_role_arns", f"lie in different partitions ({', '.join(sorted(partitions))})")
    pod_identity = args.get("pod_identity", False)
    problems.plain("pod_identity", pod_identity, bool, "true or false")
    derived_policy = resolve_derived(args, controller, problems)
    managed, inline = resolve_permissions(args, controller, problems, derived_policy)
    risks = resolve_risks(args, controller, managed, inline, problems, derived_policy=derived_policy)
    duration = args.get("max_session_duration", DEFAULT_SESSION_DURATION)
    if problems.plain("max_session_duration", duration, int, "a whole number of seconds"):
        problems.check("max_session_duration", limits.check_session_duration, duration)
    tags = role_tags(checked_tags(args.get("tags"), problems), risks, False, problems)
    if problems:
        raise ArgsError(problems)
    return TargetRoleSpec(
        controller,
        str(role_name),
        role_path,
        trusted,
        pod_identity is True,
        managed,
        inline,
        duration,
        tags,
        risks,
        derived_policy,
        tuple(stale_acknowledgements(args, risks)),
    )
