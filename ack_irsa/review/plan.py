"""The offline plan of a stack: every resource the program would register, without a cloud account.

:func:`plan_stack` runs the stack program under :mod:`ack_irsa.review.offline` and returns a :class:`Plan`;
:func:`facts_for` says what to assume for the values only a live account knows. The renderers
(:func:`to_json`, :func:`to_markdown`, :func:`to_manifests`) are deterministic: the same input gives
byte-identical output.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from pulumi.runtime import rpc

from ack_irsa import catalog
from ack_irsa.components.controller import RESTART_ANNOTATION, ROLE_ARN_ANNOTATION
from ack_irsa.errors import looks_like_credentials, shown
from ack_irsa.iam.arns import (
    ACCOUNT_ID,
    check_partition,
    issuer_of_provider_arn,
    parsed_or_none,
    partition_of_region,
    partitions,
)
from ack_irsa.iam.limits import check_issuer_url
from ack_irsa.iam.policies import allowed_actions, summary
from ack_irsa.review import offline
from ack_irsa.spec.controller import LEADER_ELECTION_NAMESPACE

OIDC_PROVIDER = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
INLINE = "aws:iam/rolePolicy:RolePolicy"
CONTROLLER = "ack-irsa:index:ControllerIrsa"
ASSOCIATION = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
RELEASE = "kubernetes:helm.sh/v3:Release"
DEPLOYMENT_PATCH = "kubernetes:apps/v1:DeploymentPatch"
TARGET_ROLE = "ack-irsa:index:TargetAccountRole"
CAPABILITY = "ack-irsa:index:AckCapability"
SELECTED_ROLE = "ack-irsa:index:CapabilitySelectedRole"
EKS_CAPABILITY = "aws:eks/capability:Capability"
ACCESS_POLICY = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
SELECTOR = "kubernetes:services.k8s.aws/v1alpha1:IAMRoleSelector"
PULUMI_EKS_CLUSTER = "eks:index:Cluster"
OIDC_COMPONENT = "ack-irsa:index:ClusterOidcProvider"
REDACTED = "<redacted>"
PROGRAM_ACCOUNT_PLACEHOLDER = "000000000000"
"""The account of a program's plan when none is given: a valid ID, listed as a placeholder."""
# Provider inputs that can hold credentials: never printed (a plan is posted on pull requests).
_SENSITIVE_INPUTS = {"pulumi:providers:kubernetes": ("kubeconfig",)}


@dataclass(frozen=True)
class PlannedResource:
    """One resource of a plan."""

    type: str
    """Its type token."""
    name: str
    """Its logical name."""
    parent: str | None
    """Logical name of the parent resource; None for a resource of the stack itself."""
    inputs: dict[str, Any]
    """Its inputs (camelCase), with those that can hold credentials (a kubeconfig) as ``<redacted>``."""
    arn: str | None = None
    """The ARN the resource would have (from the offline facts), where it has one."""
    import_id: str | None = None
    """The existing resource's ID when ``pulumi up`` imports it (``ack-irsa:import``) instead of creating it."""

    @property
    def key(self) -> tuple[str, str]:
        return self.type, self.name


@dataclass(frozen=True)
class PlannedOidcProvider:
    """An IAM OIDC provider the controllers' roles trust (or the program creates), and where it comes from."""

    arn: str
    """Its ARN, as the roles' trust policies name it."""
    source: str
    """``"created"`` (a ``ClusterOidcProvider`` creates it), ``"adopted"`` (a ``ClusterOidcProvider`` adopts it by
    ARN), ``"pulumi-eks"`` (a pulumi-eks ``Cluster`` made with ``create_oidc_provider``), ``"resource"`` (an
    ``aws.iam.OpenIdConnectProvider`` of the program's own) or ``"arn"`` (an ARN given to the controllers, of a
    provider made outside the program)."""
    made_by: str | None
    """Logical name of the resource that creates or adopts it; None for ``"arn"``."""
    url: str
    """The issuer URL it is for."""
    audiences: tuple[str, ...]
    """Its client IDs, where the program sets them (``"created"``, ``"resource"``)."""
    trusted_by: tuple[str, ...]
    """The controllers whose role trusts it."""


@dataclass(frozen=True)
class Plan:
    """ack-irsa's plan of a program: what it builds, and what its components report."""

    stack: str
    """The stack's name."""
    resources: list[PlannedResource]
    """Every resource, sorted by parent, type and name."""
    outputs: dict[str, Any]
    """The program's outputs (a secret one as ``<secret>``)."""
    placeholders: dict[str, str] = field(default_factory=dict)
    """Fact name → the placeholder used for it (account ID, partition, region, issuer)."""
    warnings: dict[str, list[str]] = field(default_factory=dict)
    """Resource name → the warnings its component logs (``pulumi preview`` shows the same)."""
    risks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Controller name → the broad grants of its role (:mod:`ack_irsa.iam.risks`), as the component reports them."""
    cross_account: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Controller name → the roles in other accounts it may assume: ``{"account_id", "role_arn",
    "namespaces", "mode", "role_made_here"}`` each."""
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Controller name → its policy as the component reports it
    (:func:`ack_irsa.components.permissions.policy_facts`): derived, or a recommendation too narrow upstream."""
    capabilities: dict[str, dict[str, Any]] = field(default_factory=dict)
    """AckCapability name → what it registered: its ARN, its role, each entry's selected roles and namespaces."""
    oidc_providers: list[PlannedOidcProvider] = field(default_factory=list)
    """Every OIDC provider the controllers trust or the program creates, with where it comes from."""
    controllers: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Controller name → what its component reports (``register_outputs``): ``role_arn``, ``role_name``,
    ``namespace``, ``service_account_name``, ..., whatever program built it."""

    def by_key(self) -> dict[tuple[str, str], PlannedResource]:
        """Every resource by (type, name)."""
        return {r.key: r for r in self.resources}

    def children(self, parent: str) -> list[PlannedResource]:
        """The resources whose parent is named ``parent`` (a controller's role, policies, ServiceAccount...)."""
        return [r for r in self.resources if r.parent == parent]


def facts_for(
    config: Mapping[str, Any],
    account_id: str | None = None,
    partition: str | None = None,
    issuer_url: str | None = None,
    secret_keys: Iterable[str] = (),
    *,
    written: Mapping[str, str] | None = None,
) -> offline.Facts:
    """What to assume for the values a live account would give: the flags first, then what the config
    says (``aws:region``, ``issuerUrl``, ``oidcProviderArn``), then placeholders (recorded as such).

    The flags and the whole config are checked first, and every problem of either is reported at once
    (:class:`~ack_irsa.stack.config.ConfigError`): nothing is rendered from a bad value."""
    from ack_irsa.stack.config import ConfigError, first_arn_partition, parse

    region = config.get("aws:region")
    flag_problems = list(_flag_problems(account_id, partition, issuer_url, region))
    flag_partition = partition if partition and not any(p.startswith("--partition") for p in flag_problems) else None
    try:
        stack = parse(config, secret_keys, partition=flag_partition, written=written)
    except ConfigError as error:
        subject = "the stack config and the flags have" if flag_problems else "the stack config has"
        raise ConfigError(error.problems + flag_problems, subject) from None
    if flag_problems:
        raise ConfigError(flag_problems, "the flags have")

    adopted = parsed_or_none(stack.oidc_provider_arn)
    placeholders = set()
    if partition is None and region:
        partition = partition_of_region(region)
    if partition is None and (from_arns := first_arn_partition(stack)) is not None:
        partition = from_arns[0]  # what the stack's own ARNs say, all of them alike (checked by parse)
    if partition is None:
        partition = "aws"
        placeholders.add("partition")
    account = account_id or (adopted.account if adopted else None)
    if account is None:
        account = offline.ACCOUNT_PLACEHOLDER
        placeholders.add("account_id")
    if not region:
        region = "<region>"
        placeholders.add("region")
    issuer = issuer_url or stack.issuer_url
    if issuer is None and stack.oidc_provider_arn is not None:
        issuer = "https://" + issuer_of_provider_arn(stack.oidc_provider_arn)
    cluster = stack.cluster_name
    issuers = {cluster: issuer} if cluster and issuer else {}
    if cluster and not issuer and stack.capability is None:  # the capability has no OIDC provider
        placeholders.add("issuer")
    return offline.Facts(
        account_id=account,
        partition=partition,
        region=region,
        issuer_urls=issuers,
        placeholders=frozenset(placeholders),
    )


def facts_for_program(
    config: Mapping[str, Any],
    account_id: str | None = None,
    partition: str | None = None,
    issuer_url: str | None = None,
) -> offline.Facts:
    """What to assume for a program of your own (``render --program``): the flags, then ``aws:region`` from its
    config, then placeholders (recorded as such). Its config is its own: only the flags and the region are
    checked. ``issuer_url`` is the issuer of every cluster the program makes or looks up. A placeholder here
    has a valid form (account ``000000000000``, region ``us-east-1``), since a program may check the ARNs it
    builds from them (``ControllerIrsa`` checks ``oidc_provider_arn``); the plan lists them as placeholders."""
    from ack_irsa.errors import InputError

    region = config.get("aws:region")
    problems = list(_flag_problems(account_id, partition, issuer_url, region))
    home = None
    if region is not None:
        try:
            home = partition_of_region(region)
        except ValueError as error:
            problems.append(f"aws:region: {error}")
    if problems:
        raise InputError("the flags and the program's config have problems:\n" + "\n".join(f"  {p}" for p in problems))
    placeholders = set()
    if partition is None and home is None:
        placeholders.add("partition")
    if account_id is None:
        placeholders.add("account_id")
    if region is None:
        placeholders.add("region")
    if issuer_url is None:
        placeholders.add("issuer")
    return offline.Facts(
        account_id=account_id or PROGRAM_ACCOUNT_PLACEHOLDER,
        partition=partition or home or "aws",
        region=region or "us-east-1",
        placeholders=frozenset(placeholders),
        other_issuer_url=issuer_url,
    )


def _flag_problems(account_id: str | None, partition: str | None, issuer: str | None, region: Any) -> Iterator[str]:
    if account_id is not None and not ACCOUNT_ID.fullmatch(account_id):
        yield f"--account-id: {shown(account_id)} is not an AWS account ID (12 digits)"
    if partition is not None:
        try:
            check_partition(partition)
        except ValueError as error:
            yield f"--partition: {error}"
        else:
            home = next((p for p, regions in partitions().items() if region in regions), partition)
            if home != partition:
                yield (
                    f"--partition: {partition!r} does not hold the stack's aws:region {region!r} (partition "
                    f"{home!r}); drop the flag or correct aws:region"
                )
    if issuer is not None:
        try:
            check_issuer_url(issuer)
        except ValueError as error:
            yield f"--issuer-url: {error}"


def plan_stack(stack: str, config: Mapping[str, Any], facts: offline.Facts) -> Plan:
    """Run the stack program offline. Raises ``pulumi.RunError`` for a bad config (nothing is run)."""
    from ack_irsa.stack import program

    result = offline.run(program.main, offline.OfflineMocks(facts), config, stack=stack)
    return plan_of(stack, result)


def plan_of(stack: str, result: offline.OfflineRun) -> Plan:
    """The plan of any offline run — the stack program's or a program of your own — from what it registered
    and what its components reported, never from the program's own outputs."""
    names = {r.urn: r.name for r in result.resources}
    resources = [
        PlannedResource(
            r.type, r.name, names.get(r.parent), _redacted(r.type, r.inputs), r.state.get("arn"), r.import_id or None
        )
        for r in result.resources
    ]
    resources.sort(key=lambda r: (r.parent or "", r.type, r.name))
    placeholders = {name: _placeholder_text(name, result.facts) for name in sorted(result.facts.placeholders)}
    warnings: dict[str, list[str]] = {}
    for urn, message in result.warnings:
        if not message.startswith("risk "):  # risks are listed on their own, with their ids
            warnings.setdefault(names.get(urn, urn), []).append(message)
    risks = {
        names[urn]: outputs["risks"]
        for urn, outputs in result.component_outputs.items()
        if urn in names and outputs.get("risks")
    }
    grants = {
        names[urn]: outputs["cross_account"]
        for urn, outputs in result.component_outputs.items()
        if urn in names and outputs.get("cross_account")
    }
    policies = {  # only what a reviewer must be told: a recommendation alone says nothing new
        names[urn]: outputs["policy"]
        for urn, outputs in result.component_outputs.items()
        if urn in names and outputs.get("policy") and outputs["policy"] != {"policy": "recommended"}
    }
    types = {r.urn: r.type for r in result.resources}
    capabilities = {
        names[urn]: outputs for urn, outputs in result.component_outputs.items() if types.get(urn) == CAPABILITY
    }
    controllers = {
        names[r.urn]: result.component_outputs.get(r.urn, {}) for r in result.resources if r.type == CONTROLLER
    }
    return Plan(
        stack,
        resources,
        result.outputs,
        placeholders,
        {k: warnings[k] for k in sorted(warnings)},
        {k: risks[k] for k in sorted(risks)},
        {k: grants[k] for k in sorted(grants)},
        {k: policies[k] for k in sorted(policies)},
        {k: capabilities[k] for k in sorted(capabilities)},
        oidc_providers(result),
        {k: controllers[k] for k in sorted(controllers)},
    )


def oidc_providers(result: offline.OfflineRun) -> list[PlannedOidcProvider]:
    """Every OIDC provider of the run: those the controllers' roles trust (read from the trust policies
    themselves) and those the program creates, each with its source."""
    names = {r.urn: r for r in result.resources}
    trusted: dict[str, list[str]] = {}
    for controller in (r for r in result.resources if r.type == CONTROLLER):
        for role in (r for r in result.resources if r.parent == controller.urn and r.type == ROLE):
            for statement in json.loads(role.inputs["assumeRolePolicy"])["Statement"]:
                federated = statement.get("Principal", {}).get("Federated")
                if isinstance(federated, str) and controller.name not in trusted.get(federated, []):
                    trusted.setdefault(federated, []).append(controller.name)
    found: dict[str, PlannedOidcProvider] = {}

    def add(arn: str, source: str, made_by: str | None, url: str, audiences: Iterable[str] = ()) -> None:
        if arn and arn not in found:
            users = tuple(sorted(trusted.get(arn, [])))
            found[arn] = PlannedOidcProvider(arn, source, made_by, url, tuple(audiences), users)

    for resource in result.resources:
        if resource.type == OIDC_PROVIDER:
            parent = names.get(resource.parent)
            component = parent is not None and parent.type == OIDC_COMPONENT
            add(
                resource.state.get("arn", ""),
                "created" if component else "resource",
                parent.name if component and parent else resource.name,
                resource.inputs["url"],
                resource.inputs.get("clientIdLists", ()),
            )
    for resource in result.resources:
        if resource.type == PULUMI_EKS_CLUSTER:
            add(
                resource.state.get("oidcProviderArn", ""),
                "pulumi-eks",
                resource.name,
                resource.state.get("oidcProviderUrl", ""),
            )
        elif resource.type == OIDC_COMPONENT:
            outputs = result.component_outputs.get(resource.urn, {})
            add(outputs.get("arn", ""), "adopted", resource.name, outputs.get("url", ""))
    for arn in trusted:  # the ARN names the issuer: `…:oidc-provider/<issuer host and path>`
        add(arn, "arn", None, "https://" + arn.partition(":oidc-provider/")[2])
    return sorted(found.values(), key=lambda p: p.arn)


def _redacted(type_token: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """The inputs as a plan may show them: the credential inputs of a provider hidden, every value of a secret
    input hidden (its keys kept, so the plan still says what is set), and any string shaped like a
    credential hidden wherever it was given (a kubeconfig pasted into ``kubeContext``)."""
    hidden = _SENSITIVE_INPUTS.get(type_token, ())
    return {k: (REDACTED if k in hidden else _hidden_leaves(v)) for k, v in inputs.items()}


def _hidden_leaves(value: Any, secret: bool = False) -> Any:
    if isinstance(value, Mapping) and value.get(rpc._special_sig_key) == rpc._special_secret_sig:
        return _hidden_leaves(value.get("value"), secret=True)
    if isinstance(value, Mapping):
        return {k: _hidden_leaves(v, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [_hidden_leaves(v, secret) for v in value]
    if (secret and value is not None) or looks_like_credentials(value):
        return REDACTED
    return value


def _placeholder_text(name: str, facts: offline.Facts) -> str:
    return {
        "account_id": facts.account_id,
        "partition": f"{facts.partition} (assumed)",
        "region": facts.region,
        "issuer": facts.issuer_url(""),
    }[name]


# --- JSON -------------------------------------------------------------------------------------------


def to_json(plan: Plan) -> str:
    """``{"stack", "placeholders", "warnings", "risks", "crossAccount", "resources": [{"type", "name", "parent",
    "inputs", and "import" on an imported one}], "outputs"}``, and ``"policies"`` where a controller's policy is
    derived or too narrow upstream."""
    document = {
        "stack": plan.stack,
        "placeholders": plan.placeholders,
        "warnings": [{"resource": name, "message": m} for name, messages in plan.warnings.items() for m in messages],
        "risks": [{"controller": name, **risk} for name, risks in plan.risks.items() for risk in risks],
        "crossAccount": [
            {"controller": name, **_camel_keys(grant)}
            for name, grants in plan.cross_account.items()
            for grant in grants
        ],
        "resources": [_resource_json(r) for r in plan.resources],
        "outputs": plan.outputs,
    }
    if plan.policies:  # derived policies, and recommendations upstream wrote too narrow
        document["policies"] = [{"controller": name, **_camel_keys(p)} for name, p in plan.policies.items()]
    if plan.capabilities:  # only a capability's stack has the key, so the others' plans are as they were
        document["capability"] = plan.capabilities
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def _resource_json(resource: PlannedResource) -> dict[str, Any]:
    """A resource; ``import`` (the existing resource's ID) only on one that is imported, not created."""
    document = {"type": resource.type, "name": resource.name, "parent": resource.parent, "inputs": resource.inputs}
    return document | ({"import": resource.import_id} if resource.import_id else {})


def _camel_keys(grant: Mapping[str, Any]) -> dict[str, Any]:
    return {"".join(w.title() if i else w for i, w in enumerate(k.split("_"))): v for k, v in grant.items()}


# --- Kubernetes manifests ---------------------------------------------------------------------------


def kubernetes_resources(plan: Plan) -> list[PlannedResource]:
    """The Kubernetes objects the stack applies (a patch: the partial object applied server-side)."""
    return [r for r in plan.resources if r.type.startswith("kubernetes:") and r.type != RELEASE]


def to_manifests(plan: Plan) -> str:
    """The Kubernetes objects as YAML documents, each preceded by what the stack does with it."""
    documents = []
    for resource in kubernetes_resources(plan):
        how = "server-side apply of these fields only" if resource.type.endswith("Patch") else "created"
        comment = f"# {resource.name} ({resource.type}): {how}\n"
        documents.append(comment + yaml.safe_dump(resource.inputs, sort_keys=True))
    # the releases last, as comments only, inside the last document: a YAML reader gets no empty document
    releases = "".join(release_values_comment(r) for r in plan.resources if r.type == RELEASE)
    return "---\n".join(documents) + releases


def release_values_comment(release: PlannedResource) -> str:
    """A Helm release as a document of comments only (a stream of manifests stays valid for ``kubectl``): Helm
    renders the chart's objects at ``pulumi up``, and these are the values ack-irsa gives it."""
    inputs = release.inputs
    values = yaml.safe_dump(inputs.get("values") or {}, sort_keys=True).splitlines()
    return (
        "\n".join(
            [
                f"# {release.name} (Helm release `{inputs['namespace']}/{inputs['name']}`, chart `{inputs['chart']}` "
                f"version `{inputs['version']}`):",
                "# Helm renders the chart's objects (its Deployment, ServiceAccount, RBAC, CRDs) at `pulumi up`; they",
                "# are not listed here. ack-irsa gives the chart these values:",
                *(f"#   {line}" for line in values),
            ]
        )
        + "\n"
    )


# --- Markdown ---------------------------------------------------------------------------------------


def to_markdown(plan: Plan) -> str:
    """A review of the whole identity each controller ends up with."""
    lines = [f"# ack-irsa plan: stack `{plan.stack}`", ""]
    if plan.placeholders:
        lines += [
            "> **Offline plan with placeholders.** These values only a live account knows; pass them with "
            "`--account-id`, `--partition`, `--issuer-url` (or in the stack config) for exact output:",
            ">",
            *(f"> - {name.replace('_', ' ')}: `{value}`" for name, value in plan.placeholders.items()),
        ]
        if "issuer" in plan.placeholders:
            lines.append("> - default role names end in a hash of the issuer: they change with the real one")
        lines.append("")
    lines += summary_section(plan)
    lines += reconcilers_section(plan)
    lines += capability_section(plan)
    lines += imports_section(plan)
    if not plan.capabilities:
        lines += _oidc_section(plan)
    lines += cross_account_section(plan)
    for controller in (r for r in plan.resources if r.type == CONTROLLER):
        lines += controller_section(plan, controller.name)
    for selected in (r for r in plan.resources if r.type == SELECTED_ROLE):
        lines += selected_role_section(plan, selected.name)
    lines += ["## Every resource", "", "| type | name | parent |", "| --- | --- | --- |"]
    lines += [f"| `{r.type}` | `{r.name}` | {f'`{r.parent}`' if r.parent else '—'} |" for r in plan.resources]
    return "\n".join(lines) + "\n"


def capability_section(plan: Plan, heading: str = "##") -> list[str]:
    """The managed capability first: who may assume what (the capability role → each selected role → its
    service, namespaces and account), then the capability role's own trust and permissions."""
    lines: list[str] = []
    for name, outputs in plan.capabilities.items():
        children = {r.type: r for r in plan.children(name)}
        role = children[ROLE].inputs
        direct = outputs.get("permissions") == "direct"
        reader = children.get(ACCESS_POLICY)
        created = children.get(EKS_CAPABILITY)
        rows = [
            (
                "Capability",
                f"`{created.inputs['capabilityName']}` (type `{created.inputs['type']}`) on cluster "
                f"`{created.inputs['clusterName']}`; "
                f"deletion policy `{created.inputs['deletePropagationPolicy']}` (deleting it leaves the CRDs, the "
                "custom resources and their AWS resources)"
                if created is not None
                else "not created yet: its roles come first (the handover's `prepare`)",
            ),
            ("Capability ARN", f"`{outputs.get('capability_arn')}`"),
            ("Capability role", f"`{role['name']}` — `{outputs.get('role_arn')}`"),
            ("Trusted by", _trusted_by(role["assumeRolePolicy"])),
            ("Permissions", _permissions_text(plan, name)),
            ("Secret reader", _secret_reader_text(reader)),
        ]
        lines += [f"{heading} Managed capability `{name}`", ""]
        lines += [f"> ⚠️ {warning}" for warning in plan.warnings.get(name, [])]  # direct: its entries'
        lines += [""] if name in plan.warnings else []
        lines += ["| | |", "| --- | --- |"]
        lines += [f"| {k} | {v} |" for k, v in rows]
        lines.append("")
        if direct:
            lines += [
                "> ⚠️ `permissions: direct`: the capability role itself holds every service's policies below, for "
                "every namespace; there are no IAMRoleSelectors.",
                "",
            ]
            if risks := plan.risks.get(name):
                lines += ["Risks:", "", *(f"- {_risk_text(r)}" for r in risks), ""]
            if policies := outputs.get("policies"):  # derived, or a recommendation too narrow upstream
                lines += ["Policies:", "", *(f"- `{e}`: {_policy_text(p)}" for e, p in policies.items()), ""]
        else:
            lines += [
                "Who may assume what (a resource no selector matches is handled with the capability role, which has "
                "no service permission: it fails with AccessDenied, and `verify` lists it):",
                "",
                "| the capability role may assume | for service (API group) | in namespaces | account |",
                "| --- | --- | --- | --- |",
            ]
            for entry, selected in outputs.get("controllers", {}).items():
                service = f"`{selected['service']}` (`{selected['group']}`)"
                if selected.get("role_arn"):
                    namespaces = _codes(selected["namespaces"]) if selected.get("namespaces") else "every namespace"
                    lines.append(f"| `{selected['role_arn']}` (`{entry}`) | {service} | {namespaces} | this stack's |")
                for target in selected.get("cross_account", []):
                    made = "made here" if target["role_made_here"] else "made by that account"
                    lines.append(
                        f"| `{target['role_arn']}` (`{entry}`, {made}) | {service} | {_codes(target['namespaces'])} | "
                        f"⚠️ `{target['account_id']}` |"
                    )
            lines.append("")
        lines += ["Capability role trust policy:", "", "```json", _pretty(role["assumeRolePolicy"]), "```", ""]
        inline_policies = sorted((r.inputs for r in plan.children(name) if r.type == INLINE), key=lambda i: i["name"])
        for inline in inline_policies:
            lines += [f"Inline policy `{inline['name']}`:", "", "```json", _pretty(inline["policy"]), "```", ""]
        attachments = sorted(r.inputs["policyArn"] for r in plan.children(name) if r.type == ATTACHMENT)
        if attachments:
            lines += ["Managed policies:", "", *(f"- `{arn}`" for arn in attachments), ""]
    return lines


def reconcilers(plan: Plan) -> dict[str, str]:
    """Service → who reconciles its resources once the plan is applied: its Helm release, the capability, or both
    on one lease (the release holding it until scaled to 0). Read from what is registered: each release's chart
    and values, and whether a capability is created and serves the service (a controller installed elsewhere is
    not seen)."""
    served: dict[str, bool] = {}  # service → whether a created capability serves it
    for name, outputs in plan.capabilities.items():
        created = any(r.type == EKS_CAPABILITY for r in plan.children(name))
        for entry in outputs.get("controllers", {}).values():
            served[entry["service"]] = served.get(entry["service"], False) or created
    charts = {c.chart_key: c.service for c in catalog.controllers()}
    found: dict[str, str] = {}
    for release in (r for r in plan.resources if r.type == RELEASE):
        service = charts.get(str(release.inputs.get("chart", "")).rsplit("/", 1)[-1].removesuffix("-chart"))
        if service is None:
            continue
        values = release.inputs.get("values") or {}
        lease = values.get("leaderElection") or {}
        shared = lease.get("enabled") is True and lease.get("namespace") == LEADER_ELECTION_NAMESPACE
        stopped = (values.get("deployment") or {}).get("replicas") == 0
        if not plan.capabilities:
            found[service] = "Helm" + (" (the release at 0 replicas: **nothing**)" if stopped else "")
        elif service not in served:
            found[service] = "Helm (the capability does not include it)" + ("" if shared else _UNSHARED)
        elif stopped:
            found[service] = (
                "the capability (the release at 0 replicas)"
                if served[service]
                else "**nothing**: the release is at 0 replicas and the capability is not created"
            )
        elif not served[service]:
            found[service] = "Helm; the capability's role is ready, the capability not created yet"
        elif shared:
            found[service] = f"Helm, holding the lease in `{LEADER_ELECTION_NAMESPACE}`; the capability waits on it"
        else:
            found[service] = "⚠️ **both at once**: the release does not share the capability's lease (leaderElection)"
    for service, created in served.items():
        found.setdefault(service, "the capability" if created else "nothing yet: the capability is not created")
    return {service: found[service] for service in sorted(found)}


_UNSHARED = (
    "; ⚠️ its release does not elect its leader in `kube-system`: once the capability includes it, both would reconcile"
)


def reconcilers_section(plan: Plan, heading: str = "##") -> list[str]:
    """Who reconciles which service, where that is not simply the capability (a move from Helm under way)."""
    found = reconcilers(plan)
    if not plan.capabilities or all(who == "the capability" for who in found.values()):
        return []
    lines = [f"{heading} Who reconciles what", "", "| service | after this plan is applied |", "| --- | --- |"]
    return [*lines, *(f"| `{service}` | {who} |" for service, who in found.items()), ""]


def _trusted_by(document: str) -> str:
    statements = json.loads(document)["Statement"]
    return "; ".join(
        f"{_codes(_listed(s['Principal'].get('Service') or s['Principal'].get('AWS')))} with "
        f"{_codes(_listed(s['Action']))}"
        for s in statements
    )


def _listed(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


def _secret_reader_text(resource: PlannedResource | None) -> str:
    if resource is None:
        return "— (no entry reads Secrets)"
    scope = resource.inputs["accessScope"]
    policy = resource.inputs["policyArn"].rsplit("/", 1)[-1]
    return f"`{policy}` on the capability's access entry, for namespaces {_codes(scope['namespaces'])} only"


def selected_role_section(plan: Plan, name: str, heading: str = "## Selected role") -> list[str]:
    """One entry of the capability: its role (trusting the capability role only), permissions, risks, selectors."""
    children = plan.children(name)
    roles = [r for r in children if r.type == ROLE]
    selectors = sorted((r for r in children if r.type == SELECTOR), key=lambda r: r.name)
    lines = [f"{heading} `{name}`", ""]
    lines += [f"> ⚠️ {warning}" for warning in plan.warnings.get(name, [])]
    lines += [""] if name in plan.warnings else []
    if roles:
        role = roles[0].inputs
        rows = [
            (
                "Role",
                f"`{role['name']}` — path `{role.get('path', '/')}`, sessions up to {role['maxSessionDuration']} s",
            ),
            ("Role ARN", f"`{roles[0].arn}`"),
            ("Permissions boundary", _code(role.get("permissionsBoundary"))),
            ("Tags", ", ".join(f"`{k}={v}`" for k, v in sorted((role.get("tags") or {}).items())) or "—"),
            ("Permissions", _permissions_text(plan, name)),
            *([("Policy", _policy_text(policy))] if (policy := plan.policies.get(name)) else []),
            ("Trusted by", _trusted_by(role["assumeRolePolicy"])),
        ]
        lines += ["| | |", "| --- | --- |", *(f"| {k} | {v} |" for k, v in rows), ""]
    else:
        lines += ["No role in this account: every namespace of the entry goes to another account.", ""]
    if risks := plan.risks.get(name):
        lines += ["Risks:", "", *(f"- {_risk_text(r)}" for r in risks), ""]
    if roles:
        lines += ["Trust policy:", "", "```json", _pretty(roles[0].inputs["assumeRolePolicy"]), "```", ""]
        attachments = sorted(r.inputs["policyArn"] for r in children if r.type == ATTACHMENT)
        lines += (
            ["Managed policies:", "", *(f"- `{arn}`" for arn in attachments), ""]
            if attachments
            else [
                "Managed policies: none",
                "",
            ]
        )
        inline_policies = sorted((r.inputs for r in children if r.type == INLINE), key=lambda i: i["name"])
        for inline in inline_policies:
            lines += [f"Inline policy `{inline['name']}`:", "", "```json", _pretty(inline["policy"]), "```", ""]
    for selector in selectors:
        spec = selector.inputs["spec"]
        where = _codes((spec.get("namespaceSelector") or {}).get("names") or []) or "every namespace"
        groups = _codes([t["group"] for t in spec["resourceTypeSelector"]])
        lines.append(f"IAMRoleSelector `{selector.inputs['metadata']['name']}`: {groups} in {where} → `{spec['arn']}`")
    return [*lines, ""] if selectors else lines


def imports_section(plan: Plan) -> list[str]:
    """The resources ``pulumi up`` imports (``ack-irsa:import``) instead of creating, each with its ID."""
    imported = [r for r in plan.resources if r.import_id]
    if not imported:
        return []
    created = [r for r in plan.resources if not r.import_id and not r.type.startswith("ack-irsa:")]
    lines = [
        "## Imported, not created",
        "",
        f"{len(imported)} resource(s) exist already and are imported as they are"
        + (f"; {len(created)} other(s) are created." if created else "; nothing is created."),
        "",
        "| resource | type | import ID |",
        "| --- | --- | --- |",
    ]
    lines += [f"| `{r.name}` | `{r.type}` | `{r.import_id}` |" for r in imported]
    return [*lines, ""]


# --- the summary a reviewer decides from -----------------------------------------------------------

ADDON = "aws:eks/addon:Addon"
AGENT_ADDON = "eks-pod-identity-agent"
CAPABILITY_PRINCIPAL = "capabilities.eks.amazonaws.com"


def summary_section(
    plan: Plan,
    new_risks: Iterable[tuple[str, str]] = (),
    on_merge: Mapping[str, str] | None = None,
) -> list[str]:
    """One row per controller, before the details: its identity, who may assume its role, its ServiceAccount,
    the accounts it reaches, its risks (``new_risks``: (controller, id) marked new) and, in a diff, what the
    merge replaces or restarts (``on_merge``: controller → text). Notes below it: what the stack assumes."""
    controllers = [r.name for r in plan.resources if r.type == CONTROLLER]
    if not controllers and not on_merge and not plan.capabilities:
        return []
    new = set(new_risks)
    header = ["controller", "identity", "who may assume the role", "ServiceAccount", "accounts", "risks"]
    header += ["on merge"] if on_merge is not None else []
    lines = ["## Summary", "", "| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for name in controllers:
        row = _summary_row(plan, name, new)
        if on_merge is not None:
            row.append(on_merge.get(name, "—"))
        lines.append("| " + " | ".join(row) + " |")
    for name, row in _capability_rows(plan, new):
        if on_merge is not None:
            row.append(on_merge.get(name, "—"))
        lines.append("| " + " | ".join(row) + " |")
    for name in sorted(set(on_merge or {}) - set(controllers)):  # removed controllers
        lines.append(f"| `{name}` | removed | — | — | — | — | {(on_merge or {})[name]} |")
    lines.append("")
    associations = [r for r in plan.resources if r.type == ASSOCIATION]
    agent = any(r.type == ADDON and r.inputs.get("addonName") == AGENT_ADDON for r in plan.resources)
    if associations and not agent:
        lines += [
            f"> ℹ️ EKS Pod Identity relies on the `{AGENT_ADDON}` add-on, which this stack **assumes is installed** "
            "(`podIdentityAgent: present`; EKS Auto Mode has it). Without it the pods get no credentials; "
            "`podIdentityAgent: install` makes the stack install it.",
            "",
        ]
    return lines


def _summary_row(plan: Plan, name: str, new: set[tuple[str, str]]) -> list[str]:
    children = {r.type: r for r in plan.children(name)}
    role = children[ROLE]
    statements = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    kinds, assumers = [], []
    for statement in statements:
        principal = statement.get("Principal", {})
        condition = statement.get("Condition", {})
        if "Federated" in principal:
            kinds.append("IRSA")
            for test in ("StringEquals", "StringLike"):
                subjects = [v for k, v in condition.get(test, {}).items() if k.endswith(":sub")]
                for subject in subjects:
                    listed = subject if isinstance(subject, list) else [subject]
                    assumers += [f"`{s.removeprefix('system:serviceaccount:')}` (web identity)" for s in listed]
        elif principal.get("Service") == "pods.eks.amazonaws.com":
            kinds.append("Pod Identity")
            tags = condition.get("StringEquals", {})
            where = f"{tags.get('aws:RequestTag/kubernetes-namespace', '*')}:" + str(
                tags.get("aws:RequestTag/kubernetes-service-account", "*")
            )
            cluster = _pinned_cluster(tags)
            assumers.append(f"`{where}` (Pod Identity" + (f", {cluster})" if cluster else ")"))
        elif principal.get("Service") == CAPABILITY_PRINCIPAL:
            kinds.append("capability")
            assumers.append(f"`{CAPABILITY_PRINCIPAL}`")
        else:
            assumers.append(f"`{json.dumps(principal)}`")
    output = plan.outputs.get("controllers", {}).get(name, {})
    arn = parsed_or_none(output.get("roleArn") or role.arn)
    accounts = ([f"`{arn.account}`"] if arn else []) + [
        f"`{g['account_id']}` (cross-account)" for g in plan.cross_account.get(name, [])
    ]
    risks = []
    for risk in plan.risks.get(name, []):
        mark = "🆕 " if (name, risk["id"]) in new else ""
        state = " (acknowledged)" if risk["acknowledged"] else ""
        risks.append(f"{mark}{'' if risk['acknowledged'] else '⚠️ '}`{risk['id']}`{state}")
    return [
        f"`{name}`",
        " + ".join(dict.fromkeys(kinds)) or "—",
        "<br>".join(dict.fromkeys(assumers)) or "—",
        _summary_service_account(output, plan.controllers.get(name, {})),
        ", ".join(accounts) or "—",
        ", ".join(dict.fromkeys(risks)) or "none",
    ]


def _summary_service_account(output: Mapping[str, Any], reported: Mapping[str, Any]) -> str:
    """``namespace/name``: the stack program's output, else what the component reported (a program of one's own)."""
    if output.get("serviceAccount"):
        return f"`{output['serviceAccount']}`"
    if reported.get("namespace") and reported.get("service_account_name"):
        return f"`{reported['namespace']}/{reported['service_account_name']}`"
    return "—"


def _capability_rows(plan: Plan, new: set[tuple[str, str]]) -> Iterator[tuple[str, list[str]]]:
    """A row per entry of each managed capability: AWS runs its controller, so there is no ServiceAccount,
    and the role its resources are handled with is assumed by the capability role (or is that role)."""
    for capability, outputs in plan.capabilities.items():
        direct = outputs.get("permissions") == "direct"
        for entry, selected in outputs.get("controllers", {}).items():
            name = capability if direct else f"{capability}-{entry}"  # the resource its risks are reported on
            if direct:
                who = f"`{CAPABILITY_PRINCIPAL}` (the capability role holds the policies)"
            else:
                given = selected.get("namespaces")  # None: every namespace; [] when all go to other accounts
                targets = [n for t in selected.get("cross_account", []) for n in t["namespaces"]]
                namespaces = "every namespace" if given is None else _codes(sorted({*given, *targets}))
                who = f"the capability role `{outputs.get('role_name')}`, for {namespaces}"
            arn = parsed_or_none(str(outputs.get("role_arn") if direct else selected.get("role_arn") or ""))
            accounts = [f"`{arn.account}`"] if arn else []  # none: every namespace goes to another account
            accounts += [f"`{t['account_id']}` (cross-account)" for t in selected.get("cross_account", [])]
            risks = [
                f"{'🆕 ' if (name, r['id']) in new else ''}{'' if r['acknowledged'] else '⚠️ '}`{r['id']}`"
                + (" (acknowledged)" if r["acknowledged"] else "")
                for r in plan.risks.get(name, [])
                if not direct or r.get("source", "").startswith(f"{entry}: ")
            ]
            yield (
                name,
                [
                    f"`{entry}`",
                    "capability (its role)" if direct else "capability (selected role)",
                    who,
                    "— (AWS runs the controller)",
                    ", ".join(dict.fromkeys(accounts)) or "—",
                    ", ".join(dict.fromkeys(risks)) or "none",
                ],
            )


def _oidc_section(plan: Plan) -> list[str]:
    lines = ["## OIDC provider", ""]
    if not plan.oidc_providers:
        if any(r.type == CONTROLLER for r in plan.resources):
            return [*lines, "None: every controller uses EKS Pod Identity, which needs no OIDC provider.", ""]
        return [*lines, "None: the program neither creates nor trusts one.", ""]
    for provider in plan.oidc_providers:
        lines += _oidc_provider_lines(provider)
        if len(plan.oidc_providers) > 1:
            lines.append(f"Trusted by {_codes(list(provider.trusted_by)) or 'no controller'}.")
        lines.append("")
    return lines


def _oidc_provider_lines(provider: PlannedOidcProvider) -> list[str]:
    """What the provider is and who makes it: the stack program's two cases read as they always have."""
    audiences = f", audiences {_codes(list(provider.audiences))}" if provider.audiences else ""
    if provider.source == "created":
        return [f"Created for `{provider.url}`{audiences}.", f"ARN: `{provider.arn}`"]
    if provider.source == "adopted":
        return [f"Adopted, not managed by this stack: `{provider.arn}`"]
    if provider.source == "pulumi-eks":
        return [
            f"Made by pulumi-eks: `eks.Cluster` `{provider.made_by}` (`create_oidc_provider`), for `{provider.url}`; "
            "it lives and goes with that cluster.",
            f"ARN: `{provider.arn}`",
        ]
    if provider.source == "resource":
        return [
            f"Created by this program's `aws.iam.OpenIdConnectProvider` `{provider.made_by}`, for "
            f"`{provider.url}`{audiences}.",
            f"ARN: `{provider.arn}`",
        ]
    return [f"Made outside this program, given to the controllers as an ARN: `{provider.arn}`"]


def cross_account_section(plan: Plan) -> list[str]:
    """Every role in another account a controller may assume, at the top: each widens what it can touch."""
    if not plan.cross_account:
        return []
    lines = [
        "## Cross-account grants",
        "",
        "> ⚠️ These controllers may assume roles in other accounts and manage resources there, for the "
        "namespaces listed. Each grant widens what the controller can touch.",
        "",
        "| controller | account | role | namespaces | how | role made by |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    how = {"carm": "CARM (`ack-role-account-map`)", "iam_role_selector": "IAMRoleSelector"}
    for name, grants in plan.cross_account.items():
        lines += [
            f"| `{name}` | `{g['account_id']}` | `{g['role_arn']}` | {_codes(g['namespaces'])} | {how[g['mode']]} | "
            f"{'this stack' if g['role_made_here'] else 'the target account'} |"
            for g in grants
        ]
    return [*lines, ""]


def controller_section(plan: Plan, name: str, heading: str = "## Controller") -> list[str]:
    """The whole identity of one controller: role, trust, managed and inline policies, ServiceAccount."""
    children = {r.type: r for r in plan.children(name)}
    role = children[ROLE].inputs
    output = plan.controllers.get(name, {})
    account = children.get("kubernetes:core/v1:ServiceAccountPatch") or children.get(
        "kubernetes:core/v1:ServiceAccount"
    )
    restart = children.get("kubernetes:apps/v1:DeploymentPatch")
    association = children.get(ASSOCIATION)
    release = children.get(RELEASE)
    rows = [
        ("Role", f"`{role['name']}` — path `{role.get('path', '/')}`, sessions up to {role['maxSessionDuration']} s"),
        ("Role ARN", f"`{output.get('roleArn') or children[ROLE].arn}`"),
        ("Permissions boundary", _code(role.get("permissionsBoundary"))),
        ("Tags", ", ".join(f"`{k}={v}`" for k, v in sorted((role.get("tags") or {}).items())) or "—"),
        ("Permissions", _permissions_text(plan, name)),
        *([("Policy", _policy_text(policy))] if (policy := plan.policies.get(name)) else []),
        ("Identity", _identity_text(role)),
        ("Pod Identity association", _association_text(association)),
        ("Helm release", _release_text(release)),
        ("ServiceAccount", _service_account_text(account, _service_account(output), association, release)),
        ("Restart", _restart_text(restart, release)),
    ]
    if grants := plan.cross_account.get(name):
        accounts = ", ".join(f"`{g['account_id']}` ({_codes(g['namespaces'])})" for g in grants)
        rows.append(("Cross-account", f"⚠️ may assume a role in {accounts}"))
    lines = [f"{heading} `{name}`", ""]
    lines += [f"> ⚠️ {warning}" for warning in plan.warnings.get(name, [])]
    lines += [""] if name in plan.warnings else []
    lines += ["| | |", "| --- | --- |", *(f"| {k} | {v} |" for k, v in rows), ""]
    if risks := plan.risks.get(name):
        lines += ["Risks:", "", *(f"- {_risk_text(r)}" for r in risks), ""]
    lines += ["Trust policy:", "", "```json", _pretty(role["assumeRolePolicy"]), "```", ""]
    attachments = sorted(r.inputs["policyArn"] for r in plan.children(name) if r.type == ATTACHMENT)
    if attachments:
        lines += ["Managed policies:", "", *(f"- `{arn}`" for arn in attachments), ""]
    else:
        lines += ["Managed policies: none", ""]
    inline_policies = sorted((r.inputs for r in plan.children(name) if r.type == INLINE), key=lambda i: i["name"])
    for inline in inline_policies:
        lines += [f"Inline policy `{inline['name']}`:", "", "```json", _pretty(inline["policy"]), "```", ""]
    if not inline_policies:
        lines += ["Inline policy: none", ""]
    for target in (r for r in plan.children(name) if r.type == TARGET_ROLE):
        made = {r.type: r.inputs for r in plan.children(target.name)}
        lines += [
            f"Role made in the target account, `{made[ROLE]['name']}` (managed "
            f"{_codes(sorted(r.inputs['policyArn'] for r in plan.children(target.name) if r.type == ATTACHMENT))}); "
            f"permissions: {_permissions_text(plan, target.name)}; its trust policy:",
            "",
            "```json",
            _pretty(made[ROLE]["assumeRolePolicy"]),
            "```",
            "",
        ]
        if risks := plan.risks.get(target.name):
            lines += [f"Risks of `{made[ROLE]['name']}`:", "", *(f"- {_risk_text(r)}" for r in risks), ""]
        target_inline = sorted(
            (r.inputs for r in plan.children(target.name) if r.type == INLINE), key=lambda i: i["name"]
        )
        for policy in target_inline:
            lines += [
                f"Inline policy `{policy['name']}` of `{made[ROLE]['name']}`:",
                "",
                "```json",
                _pretty(policy["policy"]),
                "```",
                "",
            ]
    return lines


def _permissions_text(plan: Plan, name: str) -> str:
    """The effective permissions in one line: every managed policy and what the inline policy allows."""
    managed = sorted(r.inputs["policyArn"].rsplit("/", 1)[-1] for r in plan.children(name) if r.type == ATTACHMENT)
    parts = [f"managed {summary(managed)}"] if managed else ["no managed policy"]
    for inline in sorted((r for r in plan.children(name) if r.type == INLINE), key=lambda r: r.inputs["name"]):
        parts.append(
            f"`{inline.inputs['name']}` allows {summary(allowed_actions(json.loads(inline.inputs['policy'])))}"
        )
    return "; ".join(parts)


def _policy_text(policy: Mapping[str, Any]) -> str:
    """How the role's policy was made: derived from the controller's calls (and what it cannot grant), or
    a recommendation upstream wrote too narrow."""
    if policy["policy"] != "derived":
        state = "ack-irsa's correction adds them" if policy.get("corrected") else "⚠️ not corrected"
        missing = policy["too_narrow"]
        return (
            f"recommended; upstream's misses {len(missing)} actions the controller calls ({summary(missing)}): {state}"
        )
    text = f"derived from the controller's code (`{policy['source']}`): {policy['summary']}"
    if policy["pass_roles"]:
        text += f"; `iam:PassRole` on {_codes(policy['pass_roles'])} only"
    if policy["not_granted"]:
        actions = sorted({a for found in policy["not_granted"].values() for a in found})
        text += f"; not granted, checked by AWS on some paths: {summary(actions)}"
    return text


def _risk_text(risk: Mapping[str, Any]) -> str:
    state = " (acknowledged)" if risk["acknowledged"] else ""
    return f"⚠️ `{risk['id']}`{state} in {risk['source']}: {risk['detail']}"


def _identity_text(role: Mapping[str, Any]) -> str:
    """What the trust policy admits, read from the document itself."""
    statements = json.loads(role["assumeRolePolicy"])["Statement"]
    web = any("Federated" in s.get("Principal", {}) for s in statements)
    pods = [s for s in statements if s.get("Principal", {}).get("Service") == "pods.eks.amazonaws.com"]
    if pods:
        pinned = "; or ".join(
            ", ".join(
                f"`{k.removeprefix('aws:RequestTag/')}={v}`" for k, v in statement["Condition"]["StringEquals"].items()
            )
            for statement in pods
        )
        how = "; ".join(_PINNED_BY[k] for s in pods for k in s["Condition"]["StringEquals"] if k in _PINNED_BY)
        text = f"EKS Pod Identity (`pods.eks.amazonaws.com`, session tags pinned: {pinned}; {how})"
        return f"IRSA and {text}: the migration step; pods restarted now run on Pod Identity" if web else text
    return "IRSA (the ServiceAccount's token, through the cluster's OIDC provider)"


_PINNED_BY = {
    "aws:RequestTag/eks-cluster-arn": "the cluster pinned by its ARN",
    "aws:RequestTag/eks-cluster-name": "a cluster pinned by name only (its ARN is not known: a cluster of that name "
    "in another region or account matches)",
}


def _pinned_cluster(tags: Mapping[str, Any]) -> str:
    """How a Pod Identity statement pins the cluster: by ARN (one cluster), or by name only (any cluster of that
    name in the partition), said so in the plan."""
    if arn := tags.get("aws:RequestTag/eks-cluster-arn"):
        return f"cluster pinned by ARN `{arn}`"
    if name := tags.get("aws:RequestTag/eks-cluster-name"):
        return f"cluster pinned by name only `{name}` (its ARN not known: any cluster of that name matches)"
    return ""


def _association_text(resource: PlannedResource | None) -> str:
    if resource is None:
        return "—"
    inputs = resource.inputs
    return f"`{inputs['clusterName']}`: `{inputs['namespace']}/{inputs['serviceAccount']}` → the role"


def _release_text(release: PlannedResource | None) -> str:
    if release is None:
        return "— (installed by someone else)"
    inputs = release.inputs
    return (
        f"`{inputs['namespace']}/{inputs['name']}`: chart `{inputs['chart']}` version `{inputs['version']}` "
        "(CRDs of a new version are not upgraded by Helm: see the diff)"
    )


def _service_account_text(
    resource: PlannedResource | None,
    service_account: str,
    association: PlannedResource | None,
    release: PlannedResource | None = None,
) -> str:
    if release is not None:
        annotated = bool(release.inputs["values"]["serviceAccount"]["annotations"])
        how = f"annotated `{ROLE_ARN_ANNOTATION}`" if annotated else "without annotation (Pod Identity)"
        return f"`{service_account}` created by the chart, {how}"
    if resource is None and association is not None:
        return f"`{service_account}` left as it is: Pod Identity needs no annotation"
    if resource is None:
        return f"`{service_account}` trusted; not touched (mode `none`)"
    metadata = resource.inputs["metadata"]
    if not metadata.get("annotations"):
        return f"`{metadata['namespace']}/{metadata['name']}` created, without annotation (Pod Identity)"
    verb = "annotated in place (patch)" if resource.type.endswith("Patch") else "created"
    return f"`{metadata['namespace']}/{metadata['name']}` {verb}: `{ROLE_ARN_ANNOTATION}`"


def _service_account(output: Mapping[str, Any]) -> str:
    """``namespace/name`` of the controller's ServiceAccount, as its component reports it."""
    if not output.get("service_account_name"):
        return ""
    return f"{output.get('namespace', '')}/{output['service_account_name']}"


def _restart_text(resource: PlannedResource | None, release: PlannedResource | None = None) -> str:
    if release is not None:
        return f"the chart's pods roll when the role ARN changes (`deployment.annotations` `{RESTART_ANNOTATION}`)"
    if resource is None:
        return "none"
    metadata = resource.inputs["metadata"]
    return (
        f"Deployment `{metadata['namespace']}/{metadata['name']}`, when the role ARN changes "
        f"(pod-template annotation `{RESTART_ANNOTATION}`)"
    )


def _pretty(document: str) -> str:
    return json.dumps(json.loads(document), indent=2)


def _code(value: Any) -> str:
    return f"`{value}`" if value else "—"


def _codes(values: list[str]) -> str:
    return ", ".join(f"`{v}`" for v in values)


def walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Leaves of a nested value as (dotted path, value): the fields a diff compares."""
    if isinstance(value, Mapping) and value:
        for key in sorted(value):
            yield from walk(value[key], f"{path}.{key}" if path else str(key))
    elif isinstance(value, list) and value and any(isinstance(v, Mapping | list) for v in value):
        for index, item in enumerate(value):
            yield from walk(item, f"{path}[{index}]")
    else:
        yield path, value
