"""Cross-account targets of a controller, and CARM entries given one by one."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

from ack_irsa import catalog
from ack_irsa.errors import shown
from ack_irsa.iam import limits
from ack_irsa.iam.accounts import (
    ACCOUNT_ID,
    CROSS_ACCOUNT_MODES,
    CarmGrant,
    CrossAccountMode,
    CrossAccountTarget,
    check_account_id,
    parse_role_arn,
)
from ack_irsa.spec.problems import DEFAULT_NAMESPACE, DEFAULT_ROLE_PATH, ArgsError, Problem, Problems

CROSS_ACCOUNT_KEYS = ("account_id", "role_name", "role_arn", "namespaces", "manage_role", "provider")


def resolve_cross_account(
    args: Mapping[str, Any], controller: catalog.Controller, problems: Problems
) -> tuple[tuple[CrossAccountTarget, ...], CrossAccountMode, bool]:
    """The accounts the controller manages resources in, checked one by one and against each other."""
    mode = args.get("cross_account_mode", "carm")
    if mode not in CROSS_ACCOUNT_MODES:
        close = difflib.get_close_matches(str(mode), CROSS_ACCOUNT_MODES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        problems.add("cross_account_mode", f"must be 'carm' or 'iam_role_selector', got {shown(mode)}{hint}")
        mode = "carm"
    service_level = args.get("carm_service_level", False)
    problems.plain("carm_service_level", service_level, bool, "true or false")
    level = service_level is True
    value = args.get("cross_account") or []
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
        problems.add(
            "cross_account", f"must be a list of {{account_id, role_name or role_arn, namespaces}}, got {shown(value)}"
        )
        return (), mode, level
    targets: list[CrossAccountTarget] = []
    for index, entry in enumerate(value):
        target = _target(f"cross_account[{index}]", entry, controller, problems)
        if target is not None:
            targets.append(target)
    _targets_together(targets, mode, problems)
    return tuple(targets), mode, level


def _target(where: str, entry: Any, controller: catalog.Controller, problems: Problems) -> CrossAccountTarget | None:
    if not isinstance(entry, Mapping):
        problems.add(where, f"must be a map with account_id, role_name or role_arn, and namespaces, got {shown(entry)}")
        return None
    before = len(problems)
    for key in entry:
        if key not in CROSS_ACCOUNT_KEYS:
            close = difflib.get_close_matches(str(key), CROSS_ACCOUNT_KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(CROSS_ACCOUNT_KEYS)})"
            problems.add(f"{where}.{key}", "unknown key" + hint)
    account = entry.get("account_id")
    if account is None:
        problems.add(f"{where}.account_id", "is required (the 12-digit ID of the account to manage resources in)")
    elif problems.plain(f"{where}.account_id", account, str, "a 12-digit AWS account ID in quotes"):
        problems.check(f"{where}.account_id", check_account_id, account)
    role = target_role(where, entry, account, problems)
    namespaces = target_namespaces(where, entry.get("namespaces"), problems)
    manage = _managed_role(where, entry, controller, problems)
    if len(problems) > before or role is None:
        return None
    name, path, partition = role
    return CrossAccountTarget(str(account), name, path, partition, namespaces, manage, entry.get("provider"))


def target_role(
    where: str, entry: Mapping[str, Any], account: Any, problems: Problems
) -> tuple[str, str, str | None] | None:
    """(role name, path, partition) of a target: from ``role_name``, or from ``role_arn``, whose account
    must be the target's; None when neither is usable."""
    name, arn = entry.get("role_name"), entry.get("role_arn")
    if (name is None) == (arn is None):
        problems.add(
            where, "give role_name or role_arn" + (", not both" if name is not None else " (the role to assume)")
        )
    elif name is not None:
        plain = problems.plain(f"{where}.role_name", name, str, "a role name")
        if plain and problems.check(f"{where}.role_name", limits.check_role_name, name):
            return name, DEFAULT_ROLE_PATH, None
    elif problems.plain(f"{where}.role_arn", arn, str, "an IAM role ARN"):
        try:
            partition, arn_account, path, role = parse_role_arn(str(arn))
        except ValueError as error:
            problems.add(f"{where}.role_arn", str(error))
            return None
        if isinstance(account, str) and ACCOUNT_ID.fullmatch(account) and arn_account != account:
            problems.add(f"{where}.role_arn", f"is a role in account {arn_account}, but account_id is {account}")
            return None
        return role, path, partition
    return None


def target_namespaces(where: str, namespaces: Any, problems: Problems) -> tuple[str, ...]:
    if not isinstance(namespaces, Sequence) or isinstance(namespaces, str | bytes) or not namespaces:
        form = "must list the namespaces whose resources go to this account"
        problems.add(f"{where}.namespaces", f"{form}, got {shown(namespaces)}")
        return ()
    for position, namespace in enumerate(namespaces):
        if problems.plain(f"{where}.namespaces[{position}]", namespace, str, "a namespace name"):
            problems.check(f"{where}.namespaces[{position}]", limits.check_dns_label, namespace)
    if len(set(map(str, namespaces))) != len(namespaces):
        problems.add(f"{where}.namespaces", "lists a namespace twice")
    return tuple(map(str, namespaces))


def _managed_role(where: str, entry: Mapping[str, Any], controller: catalog.Controller, problems: Problems) -> bool:
    """Whether the stack makes the target role itself (through the target account's provider)."""
    manage, provider = entry.get("manage_role", False), entry.get("provider")
    problems.plain(f"{where}.manage_role", manage, bool, "true or false")
    if manage is True and provider is None:
        problems.add(f"{where}.provider", "is required with manage_role: the AWS provider of the target account")
    elif manage is not True and provider is not None:
        problems.add(f"{where}.provider", "is used only with manage_role: true (otherwise the role is made elsewhere)")
    if manage is True and not controller.has_recommended_policy:
        problems.add(
            f"{where}.manage_role",
            f"the target role gets the recommended policies, and the {controller.service} controller has none; "
            "make the role with TargetAccountRole and policy_arns or inline_policy",
        )
    return manage is True


def _targets_together(targets: Sequence[CrossAccountTarget], mode: str, problems: Problems) -> None:
    """One namespace goes to one account; CARM maps an account to one role; one partition for all."""
    owner: dict[str, tuple[int, str]] = {}
    accounts: dict[str, int] = {}
    for index, target in enumerate(targets):
        for namespace in target.namespaces:
            first, account = owner.setdefault(namespace, (index, target.account_id))
            if first != index:
                problems.add(
                    f"cross_account[{index}].namespaces",
                    f"{namespace} is mapped to account {account} by cross_account[{first}] already",
                )
        first_target = accounts.setdefault(target.account_id, index)
        if mode == "carm" and first_target != index:
            problems.add(
                f"cross_account[{index}].account_id",
                f"{target.account_id} is listed by cross_account[{first_target}] already; CARM maps an account to "
                "one role per controller (list all its namespaces there, or use cross_account_mode "
                "'iam_role_selector')",
            )
    partitions = sorted({t.partition for t in targets if t.partition is not None})
    if len(partitions) > 1:
        problems.add(
            "cross_account",
            f"the role ARNs lie in different partitions ({', '.join(partitions)}); a role is assumed in its own only",
        )


CARM_ENTRY_KEYS = ("controller", "service", "namespace", "account_id", "role_arn", "namespaces", "service_level")


def resolve_carm_entries(entries: Any) -> list[tuple[CarmGrant, str]]:
    """CARM entries given one by one (the component package's ``RoleAccountMap``): each controller's target
    with its role ARN, checked; raises :class:`ArgsError` with all problems."""
    if isinstance(entries, str | bytes | Mapping) or not isinstance(entries, Sequence) or not entries:
        raise ArgsError([Problem("entries", f"must be a non-empty list of CARM entries, got {shown(entries)}")])
    problems = Problems()
    grants = [_carm_entry(f"entries[{index}]", entry, problems) for index, entry in enumerate(entries)]
    if problems:
        raise ArgsError(problems)
    return [grant for grant in grants if grant is not None]


def _carm_entry(where: str, entry: Any, problems: Problems) -> tuple[CarmGrant, str] | None:
    if not isinstance(entry, Mapping):
        problems.add(where, f"must be a map with {', '.join(CARM_ENTRY_KEYS)}, got {shown(entry)}")
        return None
    for key in entry:
        if key not in CARM_ENTRY_KEYS:
            problems.add(f"{where}.{key}", f"unknown key (known: {', '.join(CARM_ENTRY_KEYS)})")
    service = entry.get("service")
    if not isinstance(service, str) or service not in catalog.services():
        problems.add(f"{where}.service", f"must be an ACK service name such as 's3', got {shown(service)}")
    namespace = entry.get("namespace", DEFAULT_NAMESPACE)
    if problems.plain(f"{where}.namespace", namespace, str, "a namespace name"):
        problems.check(f"{where}.namespace", limits.check_dns_label, namespace)
    account = entry.get("account_id")
    if problems.plain(f"{where}.account_id", account, str, "a 12-digit AWS account ID"):
        problems.check(f"{where}.account_id", check_account_id, account)
    role = None
    if entry.get("role_arn") is None:
        problems.add(f"{where}.role_arn", "is required (the ARN of the role to assume in account_id)")
    else:
        role = target_role(where, {"role_arn": entry["role_arn"]}, account, problems)
    namespaces = target_namespaces(where, entry.get("namespaces"), problems)
    level = entry.get("service_level", False)
    problems.plain(f"{where}.service_level", level, bool, "true or false")
    if role is None:  # any other problem fails the whole call: no grant is used
        return None
    name, path, partition = role
    target = CrossAccountTarget(str(account), name, path, partition, namespaces)
    controller = str(entry.get("controller") or f"{service} in {namespace}")
    return CarmGrant(controller, str(service), str(namespace), target, level is True), str(entry["role_arn"])
