"""A role's policies from a component's arguments: managed and inline policies, and their risks."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ack_irsa import catalog
from ack_irsa.catalog import derived
from ack_irsa.errors import shown
from ack_irsa.iam import limits
from ack_irsa.iam.arns import (
    check_policy_arn,
    parsed_or_none,
    partitions,
    policy_key,
)
from ack_irsa.iam.policies import (
    PolicyGrammarError,
    parse_policy_document,
    policy_size,
)
from ack_irsa.iam.risks import (
    ACKNOWLEDGED_TAG,
    RISKS,
    Risk,
    acknowledged_tag,
    aws_managed_policy_risks,
    document_risks,
    recommended_inline_risks,
)
from ack_irsa.iam.trust import WILDCARD_SUBJECT_TAG
from ack_irsa.spec.problems import Problems, checked_quota, deploy_time, listed


@dataclass(frozen=True)
class PolicyRef:
    """A managed policy to attach: an AWS-managed policy by name (rendered for the stack's
    partition), or an ARN the caller gave (a plain string or a Pulumi Output)."""

    aws_managed_name: str | None = None
    arn: Any = None
    argument: str = ""
    """Where the caller gave it (``policy_arns['key']``): a value known only at deploy time is checked then."""


POLICIES = ("recommended", "derived")
"""Values of the ``policy`` argument: the catalog's recommendation (the default), or the policy derived from
what the controller's code calls (:mod:`ack_irsa.catalog.derived`)."""
DERIVED_POLICY_NAME = "ack-derived-policy"


def resolve_derived(
    args: Mapping[str, Any], controller: catalog.Controller, problems: Problems
) -> derived.DerivedPolicy | None:
    """The derived policy when ``policy`` is ``derived``, checked with ``kinds`` and ``pass_roles``; None for
    the recommendation (the default), or after a problem."""
    policy = args.get("policy", "recommended")
    if policy not in POLICIES:
        close = difflib.get_close_matches(str(policy), POLICIES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        problems.add("policy", f"must be 'recommended' (the default) or 'derived', got {shown(policy)}{hint}")
        return None
    if policy == "recommended":
        for name in ("kinds", "pass_roles"):
            if args.get(name) is not None:
                problems.add(name, "applies to policy derived only: set policy to 'derived', or drop it")
        return None
    if args.get("policy_arns") is not None:
        problems.add(
            "policy_arns",
            "replaces the recommended managed policies, which policy derived replaces already; "
            "give more managed policies with extra_policy_arns",
        )
    kinds, pass_roles = args.get("kinds"), args.get("pass_roles")
    for name, value in (("kinds", kinds), ("pass_roles", pass_roles)):
        if deploy_time(value):
            problems.add(name, "must be a plain list known before deploying, not a Pulumi Output")
            return None
        late = [i for i, item in enumerate(value or ()) if deploy_time(item)] if isinstance(value, list | tuple) else []
        for index in late:  # the policy is derived, sized and checked before anything is created
            problems.add(f"{name}[{index}]", "must be a plain value known before deploying, not a Pulumi Output")
        if late:
            return None
    try:
        return derived.derive(
            controller.service, kinds, () if pass_roles is None else pass_roles, _partition_hint(args, pass_roles)
        )
    except derived.DerivedPolicyError as error:
        for where, message in error.problems:
            problems.add(where, message)
        return None


def derived_warnings(policy: derived.DerivedPolicy) -> Iterator[str]:
    """Role fields of the derived kinds, with no role to pass: setting one fails with AccessDenied."""
    if policy.unset_role_fields:
        fields = "; ".join(
            f"{kind} {', '.join(f'`{f}`' for f in names)}" for kind, names in policy.unset_role_fields.items()
        )
        yield (
            f"policy derived grants iam:PassRole on no role: a manifest that sets {fields} would fail with "
            "AccessDenied; list the roles the controller may pass in passRoles (pass_roles in Python)"
        )


def _partition_hint(args: Mapping[str, Any], pass_roles: Any) -> str:
    """The partition the derived policy is checked in before deploying: the adopted OIDC provider's, else
    the first role's, else ``aws``. The component derives again in the cluster's partition when it is known."""
    for value in (args.get("oidc_provider_arn"), *(pass_roles if isinstance(pass_roles, list | tuple) else ())[:1]):
        if (parsed := parsed_or_none(value)) is not None and parsed.partition in partitions():
            return parsed.partition
    return "aws"


def resolve_permissions(
    args: Mapping[str, Any],
    controller: catalog.Controller,
    problems: Problems,
    derived_policy: derived.DerivedPolicy | None = None,
) -> tuple[dict[str, PolicyRef], Any]:
    """Managed policies to attach (keyed) and the inline policy, recommended ones unless replaced. With a
    derived policy nothing recommended stays: only the extra managed policies and the inline policy given."""
    reported = len(problems)
    if derived_policy is not None or args.get("policy") == "derived":
        managed = {}
    elif "policy_arns" in args:
        managed = _policy_refs(args["policy_arns"], "policy_arns", problems)
    else:
        managed = {name.rpartition("/")[2]: PolicyRef(aws_managed_name=name) for name in controller.managed_policies}
    for key, ref in _policy_refs(args.get("extra_policy_arns", ()), "extra_policy_arns", problems).items():
        managed.setdefault(key, ref)  # already attached (a recommended policy): once is enough
    quota = checked_quota(
        args, "managed_policies_per_role", limits.MANAGED_POLICIES_PER_ROLE, limits.MANAGED_POLICIES_QUOTA_MAX, problems
    )
    if len(managed) > quota:
        problems.add(
            "extra_policy_arns" if "extra_policy_arns" in args else "policy_arns",
            f"{len(managed)} managed policies for one role; the quota is {quota}"
            " (if your account's quota is higher, set managed_policies_per_role)",
        )

    if derived_policy is not None or args.get("policy") == "derived":
        inline = _checked_inline(args, problems) if "inline_policy" in args else None
        if derived_policy is not None and isinstance(inline, Mapping):
            both = policy_size(derived_policy.document) + policy_size(inline)
            problems.check(
                "inline_policy",
                limits.size_check(limits.INLINE_POLICIES_MAX_CHARS, "with the derived policy, the inline policies"),
                both,
            )
        return managed, inline
    inline = _inline_policy(args, controller, problems)
    if not managed and inline is None and len(problems) == reported:  # else a knock-on of what was reported
        problems.add("policy_arns", _no_policy_message(controller))
    return managed, inline


def resolve_risks(
    args: Mapping[str, Any],
    controller: catalog.Controller,
    managed: Mapping[str, PolicyRef],
    inline: Any,
    problems: Problems,
    *,
    derived_policy: derived.DerivedPolicy | None = None,
) -> tuple[Risk, ...]:
    """The broad grants of the role's policies, and which of them the caller acknowledged."""
    found: list[tuple[str, str, str]] = []
    for ref in managed.values():
        if name := ref.aws_managed_name or _aws_managed_name(ref.arn):
            found += [(i, f"managed policy {name}", d) for i, d in aws_managed_policy_risks(name.rpartition("/")[2])]
    if derived_policy is not None:
        found += [(i, "the derived policy", d) for i, d in document_risks(derived_policy.document)]
        if isinstance(inline, Mapping):
            found += [(i, "the inline policy", d) for i, d in document_risks(inline)]
    elif args.get("policy") == "derived":
        pass  # refused: its problems are reported
    elif "inline_policy" not in args:
        found += [(i, "the inline policy", d) for i, d in recommended_inline_risks(controller.service)]
    elif isinstance(inline, Mapping):
        found += [(i, "the inline policy", d) for i, d in document_risks(inline)]
    acknowledged = listed(args, "acknowledge_risks", "risk ids", problems)
    for index, risk in enumerate(acknowledged):
        if not isinstance(risk, str) or risk not in RISKS:  # a typo: an error (a stale id is a warning)
            problems.add(f"acknowledge_risks[{index}]", f"{shown(risk)} is not a risk id ({', '.join(RISKS)})")
    return tuple(Risk(i, source, detail, i in acknowledged) for i, source, detail in found)


def stale_acknowledgements(args: Mapping[str, Any], risks: Sequence[Risk]) -> list[str]:
    """A warning for each acknowledged risk id the role no longer has (a catalog update narrowed the policy,
    or the stack replaced it): an upgrade that removes a risk must not break ``pulumi up``."""
    given = args.get("acknowledge_risks", ())
    if isinstance(given, str) or not isinstance(given, Sequence):
        return []
    ids = sorted({risk.id for risk in risks})
    has = f"its risks: {', '.join(ids)}" if ids else "it has none"
    return [
        f"the acknowledged risk {risk!r} is no longer a risk of this role ({has}): drop it from "
        "acknowledge_risks (acknowledgeRisks in a stack file)"
        for risk in dict.fromkeys(r for r in given if isinstance(r, str))
        if risk in RISKS and risk not in ids
    ]


RESERVED_TAGS = (ACKNOWLEDGED_TAG, WILDCARD_SUBJECT_TAG)
"""The role tags ack-irsa sets itself, for the guardrails."""


def role_tags(
    tags: Mapping[str, str], risks: Sequence[Risk], wildcard_subject: bool, problems: Problems
) -> dict[str, str]:
    """The role's tags: the caller's, and the two ack-irsa sets for the guardrails (the acknowledged risk ids,
    and the wildcard-subject opt-in when the trust admits a pattern). The caller may not set either to another
    value: the pack would then pass what the stack did not acknowledge."""
    own = acknowledged_tag(risks) | ({WILDCARD_SUBJECT_TAG: "true"} if wildcard_subject else {})
    how = dict(
        zip(
            RESERVED_TAGS,
            (
                "list the risk ids in acknowledge_risks instead",
                "it is set when the trust admits a wildcard subject (allow_wildcard_subject)",
            ),
            strict=True,
        )
    )
    for key, reason in how.items():
        if key in tags and tags[key] != own.get(key):
            problems.add("tags", f"{key!r} is set by ack-irsa: {reason}")
    merged = {**tags, **own}
    if len(merged) > limits.TAGS_PER_ROLE >= len(tags):
        problems.add(
            "tags",
            f"{len(tags)} tags and ack-irsa's own {', '.join(k for k in own if k not in tags)} make {len(merged)}; "
            f"IAM allows at most {limits.TAGS_PER_ROLE} per role",
        )
    return merged


def _aws_managed_name(arn: Any) -> str | None:
    """The name (with its path) of an AWS-managed policy given by ARN; None for any other policy."""
    parsed = parsed_or_none(arn)
    return parsed.resource.removeprefix("policy/") if parsed and parsed.account == "aws" else None


def _policy_refs(value: Any, name: str, problems: Problems) -> dict[str, PolicyRef]:
    refs: dict[str, PolicyRef] = {}
    if isinstance(value, Mapping):
        for key, arn in value.items():
            where = f"{name}[{shown(key)}]"
            if not isinstance(key, str) or not limits.POLICY_KEY.fullmatch(key):
                problems.add(where, "keys must be letters, digits and +=,.@_- only")
            elif deploy_time(arn) or problems.check(where, check_policy_arn, arn):
                refs[key] = PolicyRef(arn=arn, argument=where)
        return refs
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        problems.add(name, f"must be a list of IAM policy ARNs, got {shown(value)}")
        return refs
    for index, arn in enumerate(value):
        where = f"{name}[{index}]"
        if deploy_time(arn):
            problems.add(
                where, "an ARN known only at deploy time needs a stable key: pass {key: arn} instead of a list"
            )
        elif problems.check(where, check_policy_arn, arn):
            if (key := policy_key(arn)) in refs:
                problems.add(where, f"{shown(arn)} is listed twice")
            refs[key] = PolicyRef(arn=arn)
    return refs


def _inline_policy(args: Mapping[str, Any], controller: catalog.Controller, problems: Problems) -> Any:
    if "inline_policy" not in args:
        return dict(controller.inline_policy) if controller.inline_policy is not None else None
    return _checked_inline(args, problems)


def _checked_inline(args: Mapping[str, Any], problems: Problems) -> Any:
    """The inline policy given: a checked document, an Output (checked when it resolves), or None."""
    value = args["inline_policy"]
    if value is None or value == "" or (isinstance(value, Mapping) and not value):
        return None  # an empty value drops the recommended inline policy
    if deploy_time(value):
        return value  # checked when it resolves
    if not isinstance(value, str | Mapping):
        problems.add("inline_policy", f"must be a policy document or its JSON text, got {shown(value)}")
        return None

    return _checked_document(value, problems)


def _checked_document(value: str | Mapping[str, Any], problems: Problems) -> dict[str, Any] | None:
    """The inline policy, parsed and checked against IAM's grammar and size limit; None after problems."""
    try:
        document = parse_policy_document(value)
    except PolicyGrammarError as error:
        for path, message in error.problems:  # a mapping by now: every problem has a path in it
            problems.add(f"inline_policy.{path}", message)
        return None
    except ValueError as error:
        problems.add("inline_policy", str(error))
        return None
    problems.check(
        "inline_policy", limits.size_check(limits.INLINE_POLICIES_MAX_CHARS, "the inline policy"), policy_size(document)
    )
    return document


def _no_policy_message(controller: catalog.Controller) -> str:
    if controller.has_recommended_policy:
        return "the role would have no permissions: give policy_arns, extra_policy_arns or inline_policy"
    if "policy-unknown" in controller.flags:
        why = "upstream's recommended policy could not be read"
    elif "corrected" in controller.flags:
        why = f"upstream's is unusable, see `python -m ack_irsa catalog show {controller.service}`"
    else:
        why = "upstream recommends none"
    service = controller.service
    hint = " or policy derived" if service in derived.derivable() else ""
    return (
        f"there is no recommended policy for the {service} controller ({why}); give policy_arns or inline_policy{hint}"
    )
