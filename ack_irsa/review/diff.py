"""What changes between two offline plans, written for a pull-request comment.

Resources are matched by type and logical name, as Pulumi matches them. A changed field that forces
Pulumi to replace the resource is called out, with the order of the replacement: a new one made before the
old one is deleted, or (where the name stays, or only one may exist) the old one deleted first, and what
that gap means for the controllers. A replaced role restarts its controller.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from ack_irsa.iam.trust import CLUSTER_ARN_TAG, CLUSTER_NAME_TAG
from ack_irsa.review.plan import (
    ASSOCIATION,
    ATTACHMENT,
    CONTROLLER,
    DEPLOYMENT_PATCH,
    INLINE,
    RELEASE,
    ROLE,
    SELECTED_ROLE,
    Plan,
    PlannedResource,
    capability_section,
    controller_section,
    reconcilers,
    selected_role_section,
    summary_section,
    walk,
)

CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
SELECTOR = "kubernetes:services.k8s.aws/v1alpha1:IAMRoleSelector"
KUBERNETES_PROVIDER = "pulumi:providers:kubernetes"
_NAMED = ("metadata.name", "metadata.namespace")


@dataclass(frozen=True)
class Replacement:
    """The inputs whose change makes Pulumi replace a resource, and in which order.

    None of the installed SDKs carries this (the providers' replace-on-change fields live in the provider
    plugins, which are not installed), so each entry is by hand, from the provider's documentation or code
    named in ``source``, and tests/test_replacements.py renders a change of each field and asserts what the
    diff says of it."""

    fields: tuple[str, ...]
    """Inputs, as the plan's paths; ``data`` stands for every key under it."""
    delete_first: str = ""
    """When the old resource is deleted before the new one is made: ``"always"``, or ``"name"`` (when the
    name stays: a second one of the same name cannot exist); empty: the new one is made first."""
    gap: str = ""
    """What the moment between the delete and the create means for the controllers."""
    source: str = ""


_NO_ROLE = "the controller has no role for a moment: its AWS calls fail until the new role and its policies exist"
REPLACED_BY: dict[str, Replacement] = {
    ROLE: Replacement(
        ("name", "path"), "name", _NO_ROLE, "pulumi-aws iam.Role: name and path force a new role (ForceNew)"
    ),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": Replacement(
        ("url",),
        "always",
        "one provider per issuer may exist: every IRSA workload on the cluster fails to get credentials until "
        "the new provider exists",
        "pulumi-aws iam.OpenIdConnectProvider: url forces a new provider; IAM refuses a second for one issuer",
    ),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": Replacement(
        ("role", "policyArn"), source="pulumi-aws iam.RolePolicyAttachment: both force a new attachment"
    ),
    "aws:iam/rolePolicy:RolePolicy": Replacement(
        ("role", "name"), source="pulumi-aws iam.RolePolicy: role and name force a new inline policy"
    ),
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": Replacement(
        ("roleName",), source="pulumi-aws iam.RolePolicyAttachmentsExclusive: role_name forces a new one"
    ),
    "aws:iam/rolePoliciesExclusive:RolePoliciesExclusive": Replacement(
        ("roleName",), source="pulumi-aws iam.RolePoliciesExclusive: role_name forces a new one"
    ),
    ASSOCIATION: Replacement(
        ("clusterName", "namespace", "serviceAccount"),
        "always",
        "EKS allows one association per ServiceAccount, so ack-irsa deletes the old one first: pods started "
        "before the new one exists get no Pod Identity credentials and must be restarted",
        "pulumi-aws eks.PodIdentityAssociation: cluster_name, namespace, service_account force a new one",
    ),
    "aws:eks/addon:Addon": Replacement(
        ("addonName", "clusterName"),
        "always",
        "one add-on of a name per cluster: the Pod Identity agent is gone for a moment, and pods cannot fetch "
        "Pod Identity credentials until it is back",
        "pulumi-aws eks.Addon: addon_name and cluster_name force a new add-on",
    ),
    "kubernetes:core/v1:ServiceAccount": Replacement(_NAMED, source="pulumi-kubernetes: a new name is a new object"),
    "kubernetes:core/v1:ServiceAccountPatch": Replacement(
        _NAMED, source="pulumi-kubernetes: a patch of another object"
    ),
    "kubernetes:apps/v1:DeploymentPatch": Replacement(_NAMED, source="pulumi-kubernetes: a patch of another object"),
    "kubernetes:core/v1:NamespacePatch": Replacement(
        ("metadata.name",), source="pulumi-kubernetes: a patch of another namespace"
    ),
    CONFIG_MAP: Replacement(
        (*_NAMED, "data", "binaryData"),
        "name",
        "every controller in the namespace has no account map for a moment: reconciles of resources in the "
        "mapped namespaces fail and are retried until the new map exists",
        "pulumi-kubernetes treats a ConfigMap's data as immutable unless its provider sets "
        "enableConfigMapMutable (provider/pkg/provider/diff.go); it deletes first when the name stays",
    ),
    SELECTOR: Replacement(
        (*_NAMED, "spec.arn"),
        "name",
        "",
        "ACK's CRD: spec.arn is immutable (self == oldSelf); ack-irsa names a selector after its role's ARN, "
        "so a new role is a new selector, made before the old one is deleted",
    ),
    RELEASE: Replacement(("name", "namespace"), source="pulumi-kubernetes helm.v3.Release: name and namespace"),
}
_SELECTOR_OVERLAP = (
    "the new selector is made before the old one is deleted (spec.arn cannot change); while both exist, the "
    "resources both match fail to reconcile and are retried"
)
# String inputs that hold a JSON policy: shown as a diff of the documents, not of one long line.
POLICY_FIELDS = ("assumeRolePolicy", "policy")


@dataclass(frozen=True)
class FieldChange:
    path: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Change:
    before: PlannedResource
    after: PlannedResource
    fields: list[FieldChange]
    config_maps_mutable: bool = False
    """The head's Kubernetes provider sets ``enableConfigMapMutable``: a ConfigMap's data is updated in place."""

    @property
    def replaced_by(self) -> list[str]:
        rule = REPLACED_BY.get(self.after.type)
        if rule is None:
            return []
        forcing = rule.fields
        if self.after.type == CONFIG_MAP and self.config_maps_mutable:
            forcing = _NAMED
        return [f.path for f in self.fields if any(f.path == k or f.path.startswith(f"{k}.") for k in forcing)]

    @property
    def deleted_first(self) -> bool:
        """The old resource is deleted before the new one exists (a replacement only)."""
        rule = REPLACED_BY.get(self.after.type)
        if not self.replaced_by or rule is None:
            return False
        if rule.delete_first == "always":
            return True
        name_fields = ("name",) if self.after.type == ROLE else _NAMED
        named = self.after.type != ROLE or "name" in self.after.inputs  # a role without a name is autonamed
        return rule.delete_first == "name" and named and not any(f.path in name_fields for f in self.fields)


@dataclass
class PlanDiff:
    added: list[PlannedResource] = field(default_factory=list)
    removed: list[PlannedResource] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    new_risks: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """(controller, risk) for each risk of the head that the base did not have and nobody acknowledged."""
    new_grants: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """(controller, cross-account grant) for each grant of the head the base did not have as it is."""
    widenings: list[tuple[str, str, list[str]]] = field(default_factory=list)
    """(component, role name, what widened) for each role the base had that may do more in the head."""

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def diff_plans(base: Plan, head: Plan) -> PlanDiff:
    before, after = base.by_key(), head.by_key()
    result = PlanDiff(
        added=[after[k] for k in sorted(after.keys() - before.keys())],
        removed=[before[k] for k in sorted(before.keys() - after.keys())],
    )
    mutable = any(
        r.type == KUBERNETES_PROVIDER and r.inputs.get("enableConfigMapMutable") in (True, "true")
        for r in head.resources
    )
    for key in sorted(before.keys() & after.keys()):
        fields = field_changes(before[key].inputs, after[key].inputs)
        if fields or before[key].parent != after[key].parent:
            result.changed.append(Change(before[key], after[key], fields, mutable))
    known = {(name, r["id"], r["source"]) for name, risks in base.risks.items() for r in risks}
    result.new_risks = [
        (name, risk)
        for name, risks in head.risks.items()
        for risk in risks
        if (name, risk["id"], risk["source"]) not in known and not risk["acknowledged"]
    ]
    result.widenings = widenings(base, head)
    granted = {(name, json.dumps(g, sort_keys=True)) for name, grants in base.cross_account.items() for g in grants}
    result.new_grants = [
        (name, grant)
        for name, grants in head.cross_account.items()
        for grant in grants
        if (name, json.dumps(grant, sort_keys=True)) not in granted
    ]
    return result


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    old, new = dict(walk(before)), dict(walk(after))
    return [
        FieldChange(path, old.get(path), new.get(path))
        for path in sorted(old.keys() | new.keys())
        if old.get(path) != new.get(path)
    ]


def to_markdown(diff: PlanDiff, stack: str, head: Plan, base: Plan | None = None) -> str:
    replaced = [c for c in diff.changed if c.replaced_by]
    lines = [f"## ack-irsa plan diff: stack `{stack}`", ""]
    if diff.empty:
        return "\n".join([*lines, "No changes.", "", *warning_lines(head)])
    lines += [
        f"**{len(diff.added)} to add, {len(diff.changed)} to change ({len(replaced)} replaced), "
        f"{len(diff.removed)} to remove.**",
        "",
    ]
    lines += _reconciler_lines(base, head) if base is not None else []
    lines += [
        f"> ⚠️ **New risk `{risk['id']}`** on controller `{name}`, in {risk['source']}: {risk['detail']}. It widens "
        "what the controller can do: review it, and acknowledge it (`acknowledgeRisks`) if it is intended.\n"
        for name, risk in diff.new_risks
    ]
    lines += [
        f"> ⚠️ **New cross-account grant** on controller `{name}`: it may assume `{grant['role_arn']}` and manage "
        f"resources in account `{grant['account_id']}` for namespaces {', '.join(grant['namespaces'])}. It widens "
        "what the controller can touch: review it.\n"
        for name, grant in diff.new_grants
    ]
    lines += [
        f"> ⚠️ **Widened** `{name}` (role `{role}`): {'; '.join(found)}. Review it: whatever its risk id, it lets "
        "the role do more than before.\n"
        for name, role, found in diff.widenings
    ]
    lines += warning_lines(head)
    lines += [_uninstall_warning(r) for r in diff.removed if r.type == RELEASE]
    lines += [_replacement_warning(c) for c in replaced if c.after.type == ROLE]
    lines += [_delete_first_warning(c) for c in replaced if c.deleted_first]
    lines += [
        f"> ⚠️ **Selector `{c.after.name}` is replaced**: {_SELECTOR_OVERLAP}.\n"
        for c in replaced
        if c.after.type == SELECTOR and not c.deleted_first
    ]
    lines += _restarts(diff)
    lines += [
        _chart_upgrade(c)
        for c in diff.changed
        if any(f.path == "version" for f in c.fields) and c.after.type == RELEASE
    ]
    if base is not None:
        lines += summary_section(head, [(n, r["id"]) for n, r in diff.new_risks], on_merge(diff, base, head))
    if head.placeholders:
        values = ", ".join(f"{name.replace('_', ' ')} `{value}`" for name, value in head.placeholders.items())
        lines += [f"> Rendered offline with placeholders: {values}.", ""]
    if head.capabilities and _touches_capability(diff, head):
        # Who may assume what comes first: a new selected role or namespace widens what the capability can touch.
        lines += capability_section(head, heading="###")
    if diff.added:
        lines += ["### Added", "", *(_resource_line(r) for r in diff.added), ""]
        for controller in (r for r in diff.added if r.type == CONTROLLER):
            lines += controller_section(head, controller.name, heading="### New controller")
        for selected in (r for r in diff.added if r.type == SELECTED_ROLE):
            lines += selected_role_section(head, selected.name, heading="### New selected role")
    if diff.changed:
        lines += ["### Changed", ""]
        for change in diff.changed:
            lines += _change_lines(change)
    if diff.removed:
        lines += ["### Removed", "", *(_resource_line(r) for r in diff.removed), ""]
    return "\n".join(lines)


def _reconciler_lines(base: Plan, head: Plan) -> list[str]:
    """First, when the merge changes it: who reconciles each service after it (a move from Helm to the capability:
    Helm, the capability, or both waiting on one lease)."""
    before, after = reconcilers(base), reconcilers(head)
    if before == after or not (base.capabilities or head.capabilities):
        return []
    lines = [
        "**Who reconciles what after the merge:**",
        "",
        "| service | after the merge | before |",
        "| --- | --- | --- |",
    ]
    for service in sorted(before.keys() | after.keys()):
        now, was = after.get(service, "nothing of this stack"), before.get(service, "nothing of this stack")
        if was.startswith("the capability (") and now.startswith("Helm, holding"):
            now = (
                "**still the capability**: it holds the lease, and the release scaled back up waits on it (scaling "
                "up does not take the lease back; remove the capability, `handover: prepare`, to return to Helm)"
            )
        lines.append(f"| `{service}` | {now} | {'unchanged' if now == was else was} |")
    return [*lines, ""]


def _touches_capability(diff: PlanDiff, head: Plan) -> bool:
    """Whether a change lies in a capability: the component, its resources, or those of its selected roles."""
    inside = set(head.capabilities) | {r.name for r in head.resources if r.type == SELECTED_ROLE}
    resources = [*diff.added, *diff.removed, *(c.after for c in diff.changed)]
    return any(r.name in inside or r.parent in inside for r in resources)


def to_json(diff: PlanDiff, stack: str, head: Plan, base: Plan) -> dict[str, Any]:
    """One stack's diff for scripts: ``{"stack", "status" ("changed"/"unchanged"), "counts": {"add", "change",
    "replace", "remove"}, "added"/"removed": [{"type", "name", "parent"}], "changed": [{"type", "name",
    "replacedBy", "fields": [{"path", "before", "after"}]}], "newRisks": [{"controller", "id", "source",
    "detail"}], "newGrants": [{"controller", "accountId", "roleArn", "namespaces", ...}], "warnings":
    [{"resource", "message"}], "onMerge": {controller: text}, "placeholders": {fact: value}}``."""

    def listed(resource: PlannedResource) -> dict[str, Any]:
        return {"type": resource.type, "name": resource.name, "parent": resource.parent}

    def camel(grant: dict[str, Any]) -> dict[str, Any]:
        return {"".join(w.title() if i else w for i, w in enumerate(k.split("_"))): v for k, v in grant.items()}

    return {
        "stack": stack,
        "status": "unchanged" if diff.empty else "changed",
        "counts": {
            "add": len(diff.added),
            "change": len(diff.changed),
            "replace": sum(1 for c in diff.changed if c.replaced_by),
            "remove": len(diff.removed),
        },
        "added": [listed(r) for r in diff.added],
        "removed": [listed(r) for r in diff.removed],
        "changed": [
            {
                **listed(c.after),
                "replacedBy": c.replaced_by,
                "fields": [{"path": f.path, "before": f.before, "after": f.after} for f in c.fields],
            }
            for c in diff.changed
        ],
        "newRisks": [{"controller": name, **risk} for name, risk in diff.new_risks],
        "newGrants": [{"controller": name, **camel(grant)} for name, grant in diff.new_grants],
        "warnings": [{"resource": name, "message": m} for name, messages in head.warnings.items() for m in messages],
        "onMerge": on_merge(diff, base, head),
        "placeholders": head.placeholders,
    }


def warning_lines(head: Plan) -> list[str]:
    """What the head's components warn of (``pulumi preview`` shows the same), changed or not: an
    acknowledgement that no longer applies after a catalog update changes no resource, and must still be seen."""
    return [
        f"> ⚠️ **Warning** on `{name}`: {message}\n" for name, messages in head.warnings.items() for message in messages
    ]


def on_merge(diff: PlanDiff, base: Plan, head: Plan) -> dict[str, str]:
    """Controller → what the merge does to it: creates, removes (and uninstalls), replaces its role, restarts its
    pods, moves its chart; for the summary table of a diff."""
    owner = {r.name: r.parent for plan in (base, head) for r in plan.resources}

    def controller_of(resource: PlannedResource) -> str | None:
        name: str | None = resource.name
        while name is not None and owner.get(name) is not None and name not in controllers:
            name = owner[name]
        return name if name in controllers else None

    controllers = {r.name for plan in (base, head) for r in plan.resources if r.type == CONTROLLER}
    said: dict[str, dict[str, str]] = {}  # controller → {what: how it is said}; said in ORDER

    def say(name: str | None, what: str, text: str) -> None:
        if name is not None:
            said.setdefault(name, {})[what] = text

    for resource in diff.added:
        if resource.type == CONTROLLER:
            say(resource.name, "creates", "creates it")
    for resource in diff.removed:
        if resource.type == CONTROLLER:
            say(resource.name, "removes", "removes it")
        if resource.type == RELEASE:
            release = f"{resource.inputs['namespace']}/{resource.inputs['name']}"
            say(controller_of(resource), "uninstalls", f"**uninstalls** `{release}`")
    for change in diff.changed:
        name = controller_of(change.after)
        if change.after.type == ROLE and change.replaced_by:
            say(name, "replaces", "**replaces the role**")
            say(name, "restarts", "restarts the pods")
        elif change.after.type == RELEASE and any(f.path == "version" for f in change.fields):
            old, new = change.before.inputs["version"], change.after.inputs["version"]
            verb = "**downgrades**" if _is_downgrade(old, new) else "upgrades"
            say(name, "chart", f"{verb} the chart {old} → {new}")
        elif change.after.type == RELEASE and (
            scale := next((f for f in change.fields if f.path == "values.deployment.replicas"), None)
        ):
            say(
                name,
                "scales",
                f"**scales it to {scale.after if scale.after is not None else 'the chart default'} replicas**",
            )
        elif change.after.type.endswith("DeploymentPatch") or change.after.type == RELEASE:
            say(name, "restarts", "restarts the pods")
        else:
            say(name, "updates", "updates in place")
    return {
        name: ", ".join(parts[what] for what in ORDER if what in parts and (what != "updates" or len(parts) == 1))
        for name, parts in said.items()
    }


ORDER = ("creates", "removes", "uninstalls", "replaces", "chart", "scales", "restarts", "updates")


def _is_downgrade(before: str, after: str) -> bool:
    """Whether chart version ``after`` is older than ``before`` (ACK's charts are ``major.minor.patch``)."""
    numbers = [[int(part) for part in re.findall(r"\d+", v.split("-", 1)[0])] for v in (before, after)]
    return bool(all(numbers)) and numbers[1] < numbers[0]


def _uninstall_warning(release: PlannedResource) -> str:
    inputs = release.inputs
    return (
        f"> ⚠️ **Release `{inputs['namespace']}/{inputs['name']}` will be uninstalled** (its controller is removed "
        f"from the stack): Helm deletes the controller's Deployment, so its custom resources stop being reconciled. "
        "Helm keeps the CRDs and the custom resources; remove them (and, by their deletion policy, the AWS "
        "resources) only on purpose.\n"
    )


def _chart_upgrade(change: Change) -> str:
    inputs, before = change.after.inputs, change.before.inputs
    if _is_downgrade(before["version"], inputs["version"]):
        return (
            f"> ⚠️ **Chart `{inputs['chart']}` is downgraded from {before['version']} to {inputs['version']}** "
            f"(release `{inputs['namespace']}/{inputs['name']}`). Helm rolls the controller back but leaves the "
            f"CRDs at {before['version']}'s: the older controller may not know fields the newer CRDs hold. "
            "Downgrade on purpose only; do not apply the older CRDs over resources that use newer fields.\n"
        )
    return (
        f"> ⚠️ **Chart `{inputs['chart']}` goes from {before['version']} to {inputs['version']}** "
        f"(release `{inputs['namespace']}/{inputs['name']}`). Helm never upgrades CRDs: apply the new version's "
        f"first, `helm show crds {inputs['chart']} --version {inputs['version']} | kubectl apply --server-side -f -`, "
        "then merge.\n"
    )


def _replacement_warning(change: Change) -> str:
    fields = ", ".join(f"`{f}`" for f in change.replaced_by)
    return (
        f"> ⚠️ **Role `{change.after.name}` will be replaced** ({fields} changes): the role gets a new ARN, so the "
        "controller's ServiceAccount is annotated anew and its pods restart; anything outside this stack that "
        "names the old role must follow." + _pin_hint(change) + "\n"
    )


def _default_name_parts(name: str) -> tuple[str, str] | None:
    """(readable part, hash) of a default role name, ``ack-<service>[-<cluster>]-<8 hex digits>``
    (:func:`ack_irsa.iam.limits.default_role_name`); None for any other name."""
    readable, _, digest = name.rpartition("-")
    hexadecimal = len(digest) == 8 and all(c in "0123456789abcdef" for c in digest)
    return (readable, digest) if readable and hexadecimal else None


def _pin_hint(change: Change) -> str:
    """When the default name changes (its hash covers the issuer, the namespace, the ServiceAccount and, for
    Pod Identity alone, the cluster instead of the issuer): how to keep the role instead."""
    name = next((f for f in change.fields if f.path == "name"), None)
    if name is None or not isinstance(name.before, str) or not isinstance(name.after, str):
        return ""
    before, after = _default_name_parts(name.before), _default_name_parts(name.after)
    if before is None or after is None or before[0] != after[0]:
        return ""
    return (
        f" The default name's hash changed: to keep the role, pin `roleName: {name.before}` on the controller "
        "(the name the base plan shows; with placeholders, take the deployed name from `pulumi stack output`)."
    )


def _restarts(diff: PlanDiff) -> list[str]:
    """A Deployment patch added, or one whose pod template changes: its controller's pods roll once."""
    patches = [r for r in diff.added if r.type == DEPLOYMENT_PATCH]
    patches += [c.after for c in diff.changed if c.after.type == DEPLOYMENT_PATCH and c.fields]
    return [
        f"> ⚠️ **Controller `{patch.parent}` restarts**: the pod template of Deployment "
        f"`{patch.inputs['metadata']['namespace']}/{patch.inputs['metadata']['name']}` gets "
        f"{', '.join(f'`{k}`' for k in sorted(patch.inputs['spec']['template']['metadata']['annotations']))}, "
        "so its pods are replaced one by one (a rollout restart).\n"
        for patch in patches
    ]


def _delete_first_warning(change: Change) -> str:
    rule = REPLACED_BY[change.after.type]
    fields = ", ".join(f"`{f}`" for f in change.replaced_by)
    why = rule.gap or "the resource is missing for a moment"
    remedy = ""
    if change.after.type == CONFIG_MAP:
        remedy = (
            " To change the map in place instead, give the stack `ack-irsa:kubeconfig` or `ack-irsa:kubeContext`: "
            "the Kubernetes provider ack-irsa then makes sets `enableConfigMapMutable`."
        )
    return f"> ⚠️ **`{change.after.name}` is deleted before it is re-created** ({fields} changes): {why}.{remedy}\n"


def _resource_line(resource: PlannedResource) -> str:
    parent = f" in `{resource.parent}`" if resource.parent else ""
    imported = f" — imported as it is: `{resource.import_id}`" if resource.import_id else ""
    return f"- `{resource.name}` (`{resource.type}`){parent}{imported}"


def _change_lines(change: Change) -> list[str]:
    suffix = ""
    if change.replaced_by:
        suffix = " — **replaced, deleted first**" if change.deleted_first else " — **replaced**"
    lines = [f"#### `{change.after.name}` (`{change.after.type}`){suffix}", ""]
    plain = [f for f in change.fields if f.path not in POLICY_FIELDS]
    if plain:
        lines += ["| field | before | after |", "| --- | --- | --- |"]
        lines += [f"| `{f.path}` | {_cell(f.before)} | {_cell(f.after)} |" for f in plain]
        lines.append("")
    for policy in (f for f in change.fields if f.path in POLICY_FIELDS):
        lines += [f"`{policy.path}`:", "", "```diff", *_json_diff(policy.before, policy.after), "```", ""]
    return lines


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    return "`" + json.dumps(value).replace("|", "\\|") + "`"


def _json_diff(before: str | None, after: str | None) -> list[str]:
    def pretty(text: str | None) -> list[str]:
        return json.dumps(json.loads(text), indent=2).splitlines() if text else []

    return list(difflib.unified_diff(pretty(before), pretty(after), lineterm="", n=2))[2:]


# --- widenings ----------------------------------------------------------------------------------------

Grant = tuple[str, str, str]
"""(action pattern, resource pattern, condition as canonical JSON) of one Allow statement."""


def widenings(base: Plan, head: Plan) -> list[tuple[str, str, list[str]]]:
    """Every role of both plans (by the component that makes it) that may do more in the head: actions or
    resources not covered by the base's grants, a condition that restricts less, a trust statement that
    admits more, a new managed policy, a permissions boundary removed or changed. Narrowing is not listed."""
    found = []
    for owner in sorted(_roles(base).keys() & _roles(head).keys()):
        before, after = _roles(base)[owner], _roles(head)[owner]
        what = _widened_permissions(_grants(base, owner), _grants(head, owner))
        if trust := _wider_trust(
            _statements(before.inputs.get("assumeRolePolicy")), _statements(after.inputs.get("assumeRolePolicy"))
        ):
            what.append(trust)
        added = sorted(_attached(head, owner) - _attached(base, owner))
        what += [f"new managed policy `{arn}`" for arn in added]
        boundary, now = before.inputs.get("permissionsBoundary"), after.inputs.get("permissionsBoundary")
        if boundary and not now:
            what.append(f"permissions boundary `{boundary}` removed")
        elif boundary and now != boundary:
            what.append(f"permissions boundary `{boundary}` replaced by `{now}`")
        if what:
            found.append((owner, str(after.inputs.get("name") or after.name), what))
    return found


def _roles(plan: Plan) -> dict[str, PlannedResource]:
    return {r.parent: r for r in plan.resources if r.type == ROLE and r.parent}


def _attached(plan: Plan, owner: str) -> set[str]:
    return {str(r.inputs.get("policyArn")) for r in plan.children(owner) if r.type == ATTACHMENT}


def _statements(document: Any) -> list[dict[str, Any]]:
    try:
        parsed = json.loads(document) if isinstance(document, str) else document
    except json.JSONDecodeError:
        return []
    listed = parsed.get("Statement", []) if isinstance(parsed, dict) else []
    listed = [listed] if isinstance(listed, dict) else listed if isinstance(listed, list) else []
    return [s for s in listed if isinstance(s, dict) and s.get("Effect") == "Allow"]


def _listed(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [] if value is None else [str(value)]


def _grants(plan: Plan, owner: str) -> list[tuple[Grant, dict[str, Any]]]:
    """The Allow grants of a role's inline policies, one per action and resource, with their statement."""
    grants = []
    for inline in (r for r in plan.children(owner) if r.type == INLINE):
        for statement in _statements(inline.inputs.get("policy")):
            condition = json.dumps(statement.get("Condition") or {}, sort_keys=True)
            actions = _listed(statement.get("Action")) or [f"NotAction {_listed(statement.get('NotAction'))}"]
            resources = _listed(statement.get("Resource")) or [f"NotResource {_listed(statement.get('NotResource'))}"]
            grants += [((a, r, condition), statement) for a in actions for r in resources]
    return grants


def _covers(pattern: str, given: str, case: bool) -> bool:
    """Whether the IAM pattern ``pattern`` admits everything ``given`` (a pattern too) admits."""
    from ack_irsa.iam.risks import matches

    return pattern == given or (not pattern.startswith("Not") and matches(pattern, given, case))


def _narrower(base: Any, head: Any) -> bool:
    """Whether the condition ``head`` restricts at least as much as ``base``: every restricting key of the
    base is in the head under the same operator, with no value the base did not allow."""
    from ack_irsa.iam.risks import restricting

    if not restricting(base):
        return True
    if not isinstance(head, dict):
        return False
    for operator, keys in base.items():
        if str(operator).endswith("IfExists") or not isinstance(keys, dict):
            continue
        for key, values in keys.items():
            found = head.get(operator)
            tests: dict[str, Any] = found if isinstance(found, dict) else {}
            given = tests.get(key)
            if given is None and key == CLUSTER_NAME_TAG and CLUSTER_ARN_TAG in tests:
                # a cluster pinned by its ARN is narrower than by its name: one cluster of that name
                given = [str(arn).rpartition(":cluster/")[2] for arn in _listed(tests[CLUSTER_ARN_TAG])]
            if given is None or not set(_listed(given)) <= set(_listed(values)):
                return False
    return True


def _widened_permissions(
    base: list[tuple[Grant, dict[str, Any]]], head: list[tuple[Grant, dict[str, Any]]]
) -> list[str]:
    new, weaker = [], []
    for (action, resource, _), statement in head:
        wide = [
            b for (ba, br, _), b in base if _covers(ba.lower(), action.lower(), False) and _covers(br, resource, True)
        ]
        if not wide:
            new.append(f"`{action}` on `{resource}`")
        elif not any(_narrower(b.get("Condition"), statement.get("Condition")) for b in wide):
            weaker.append(f"`{action}` on `{resource}`")
    found = []
    if new:
        found.append("new actions: " + _some(new))
    if weaker:
        found.append("weaker condition on " + _some(weaker))
    return found


def _some(items: list[str]) -> str:
    unique = list(dict.fromkeys(items))
    return ", ".join(unique[:5]) + (f" and {len(unique) - 5} more" if len(unique) > 5 else "")


def _wider_trust(base: list[dict[str, Any]], head: list[dict[str, Any]]) -> str | None:
    """A head trust statement that no base statement with the same principal and actions covers."""
    for statement in head:
        same = [
            b
            for b in base
            if json.dumps(b.get("Principal"), sort_keys=True) == json.dumps(statement.get("Principal"), sort_keys=True)
            and set(_listed(statement.get("Action"))) <= set(_listed(b.get("Action")))
            and "NotAction" not in statement
        ]
        if not any(_narrower(b.get("Condition"), statement.get("Condition")) for b in same):
            principal = json.dumps(statement.get("Principal"), sort_keys=True)
            actions = ", ".join(_listed(statement.get("Action")))
            return f"wider trust: it now admits {principal} ({actions}) beyond what it did"
    return None
