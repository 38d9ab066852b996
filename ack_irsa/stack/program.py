"""The stack program: one OIDC provider and one ControllerIrsa per configured controller.

Data flows one way: Pulumi config → :func:`ack_irsa.stack.config.parse` → :func:`build` → components.
``__main__.py`` at the project root only calls :func:`main`.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import pulumi

from ack_irsa.components.capability import AckCapability
from ack_irsa.components.controller import ControllerIrsa
from ack_irsa.components.cross_account import RoleAccountMap
from ack_irsa.components.oidc import ClusterOidcProvider
from ack_irsa.errors import masked
from ack_irsa.stack.config import NAMESPACE, ConfigError, ControllerConfig, CrossAccountConfig, StackConfig, parse


def main() -> None:
    """Entry point of ``pulumi up``: parse the stack config, build, export.

    The engine hands the program the decrypted config and says which keys are secret: their values are
    masked in every message, and the resource inputs made from them are secret in the state."""
    raw, secret = stack_config(), secret_keys()
    try:
        config = parse(raw, secret)
    except ConfigError as error:  # a clean message, no traceback, nothing created
        raise pulumi.RunError(masked(str(error), [raw[key] for key in secret if key in raw])) from None
    secret_inputs(secret)
    for key, value in build(config).items():
        pulumi.export(key, value)


def secret_keys() -> frozenset[str]:
    """The config keys set with ``pulumi config set --secret``, as the engine tells the program."""
    from pulumi.runtime.config import get_config_secret_keys_env, is_config_secret

    return frozenset(key for key in stack_config() if is_config_secret(key)) | frozenset(get_config_secret_keys_env())


SECRET_INPUTS = {
    f"{NAMESPACE}:tags": ("tags",),
    f"{NAMESPACE}:controllers": ("tags", "values"),
    f"{NAMESPACE}:install": ("values",),
    f"{NAMESPACE}:kubeContext": ("context",),
}
"""The resource inputs each secret config key becomes: role and provider tags, Helm values, the kubeconfig
context (the kubeconfig itself is always secret)."""


def secret_inputs(secret: frozenset[str]) -> None:
    """Marks the inputs made from secret config keys secret, on every resource of the stack (a stack
    transformation, so the components need not know which of their arguments came from a secret)."""
    names = {name for key in secret for name in SECRET_INPUTS.get(key, ())}
    if not names:
        return

    def wrap(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        wrapped = {k: pulumi.Output.secret(v) for k, v in args.props.items() if k in names and v is not None}
        return pulumi.ResourceTransformationResult({**args.props, **wrapped}, args.opts) if wrapped else None

    pulumi.runtime.register_stack_transformation(wrap)


def tune_collector() -> None:
    """The cyclic garbage collector as the program runs under `pulumi preview` and `pulumi up`. Pulumi's SDK makes
    reference cycles with every resource; with the default thresholds, the collector scans the growing heap
    over and over (a third of a large build's time). What the imports made is frozen (never scanned again),
    and the youngest generation is collected every 100,000 allocations instead of 700. Nothing is kept
    from being freed: cycles are still collected, less often. Called by the project's ``__main__.py`` only,
    once per process (the offline runs pause the collector instead)."""
    gc.freeze()
    gc.set_threshold(100_000, 20, 20)


def stack_config() -> dict[str, Any]:
    """Every config value of the running stack, as Pulumi hands them to the program."""
    from pulumi.runtime.config import CONFIG, get_config_env

    return {**get_config_env(), **CONFIG.get()}


def build(config: StackConfig) -> dict[str, Any]:
    """Register every resource of the stack; returns the stack outputs.

    The cluster's OIDC provider is created (or adopted) only when a controller uses IRSA: a stack whose
    controllers are all on EKS Pod Identity looks nothing up. The Pod Identity agent add-on is installed
    when the stack says so, and the controllers' Kubernetes objects wait for it."""
    if config.imports:
        pulumi.runtime.register_stack_transformation(_importer(config.imports))
    kubernetes = _kubernetes_provider(config)
    outputs = _self_managed(config, kubernetes) if config.self_managed_controllers else {}
    if config.capability is not None:
        outputs = _capability(config, kubernetes, outputs)
    return outputs


def _self_managed(config: StackConfig, kubernetes: pulumi.ProviderResource | None) -> dict[str, Any]:
    """The controllers that run from releases of the user's: the OIDC provider when one uses IRSA, a
    ControllerIrsa each, CARM's map. Beside the capability, these are the ones it lacks, and every one until
    the handover finishes."""
    agent = _pod_identity_agent(config)
    opts = pulumi.ResourceOptions(
        providers=[kubernetes] if kubernetes else None, depends_on=[agent] if agent is not None else None
    )
    oidc = ClusterOidcProvider("cluster", config.oidc_provider_args()) if config.needs_oidc_provider else None  # type: ignore[arg-type]
    target_provider, service_level = _target_providers(), config.service_level_controllers()
    controllers = {
        entry.logical_name: ControllerIrsa(
            entry.logical_name,
            config.controller_args(entry, oidc, target_provider, service_level),  # type: ignore[arg-type]
            opts,
        )
        for entry in config.self_managed_controllers
    }
    if config.cross_account_mode == "carm" and any(c.carm_grants for c in controllers.values()):
        RoleAccountMap("cross-account", {"controllers": list(controllers.values())}, opts)
    outputs: dict[str, Any] = {"oidcProviderArn": oidc.arn, "oidcIssuer": oidc.issuer} if oidc else {}
    return {
        **outputs,
        "controllers": {
            name: {
                "roleArn": controller.role_arn,
                "roleName": controller.role_name,
                "serviceAccount": pulumi.Output.concat(controller.namespace, "/", controller.service_account_name),
            }
            for name, controller in controllers.items()
        },
    }


def _capability(
    config: StackConfig, kubernetes: pulumi.ProviderResource | None, self_managed: dict[str, Any]
) -> dict[str, Any]:
    """ACK as the managed capability: its role, a selected role per controller entry and their selectors. The
    outputs name the capability, its role, the handover's step, and per controller the role its resources are
    handled with (the capability role itself with ``permissions: direct``); during the handover, a controller's
    own role stays its ``roleArn`` and the capability's is its ``capabilityRoleArn``."""
    assert config.capability is not None
    step = config.capability.handover
    capability = AckCapability(
        config.capability.name,
        config.capability_args(target_provider=_target_providers()),  # type: ignore[arg-type]
        pulumi.ResourceOptions(providers=[kubernetes]) if kubernetes else None,
    )
    controllers: dict[str, Any] = dict(self_managed.get("controllers", {}))
    for entry in capability.spec.controllers:
        selected = capability.selected_roles.get(entry.name)
        role = capability.selected_role_arn(entry.name) if selected else capability.role_arn
        output: dict[str, Any] = {"roleArn": role}
        if selected is not None and entry.cross_account:
            output["crossAccount"] = {
                target.account_id: selected.target_role_arn(target, capability.partition)
                for target in entry.cross_account
            }
        if entry.name in controllers:  # still on its release: its own role, and the one the capability will use
            controllers[entry.name] = {**controllers[entry.name], "capabilityRoleArn": role}
        else:
            controllers[entry.name] = output
    return {
        **{k: v for k, v in self_managed.items() if k != "controllers"},
        "capability": {
            "arn": capability.capability_arn,
            "name": capability.spec.name,
            "roleArn": capability.role_arn,
            "roleName": capability.role_name,
            **({"handover": step} if step is not None else {}),
        },
        "controllers": controllers,
    }


def _importer(imports: dict[str, str]) -> pulumi.ResourceTransformation:
    """Sets Pulumi's ``import`` option on each resource ``ack-irsa:import`` names (checked with the config: each
    name is a resource the stack registers, each ID the one it would have), so ``pulumi up`` takes over what
    exists instead of creating it. Once imported, the option does nothing more: the resource is in the state."""

    def transform(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        found = imports.get(args.name)
        if found is None or not isinstance(args.resource, pulumi.CustomResource):
            return None
        return pulumi.ResourceTransformationResult(
            args.props, pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(import_=found))
        )

    return transform


def _target_providers() -> Callable[[ControllerConfig, CrossAccountConfig], pulumi.ProviderResource]:
    """Makes the AWS provider of a target account (``manageRole``), one per distinct setting. It is
    pinned to the target account (``allowed_account_ids``): credentials for any other account fail
    before anything is created there."""
    import pulumi_aws as aws

    made: dict[tuple[Any, ...], pulumi.ProviderResource] = {}

    def provider(_: ControllerConfig, target: CrossAccountConfig) -> pulumi.ProviderResource:
        settings = target.provider
        assert settings is not None  # the config is checked: manageRole comes with a provider
        key = (target.account_id, settings.profile, settings.assume_role_arn, settings.region)
        if key not in made:
            same_account = sum(1 for other in made if other[0] == target.account_id)
            made[key] = aws.Provider(
                f"account-{target.account_id}" + (f"-{same_account + 1}" if same_account else ""),
                profile=settings.profile,
                assume_roles=[aws.ProviderAssumeRoleArgs(role_arn=settings.assume_role_arn)]
                if settings.assume_role_arn
                else None,
                region=settings.region or pulumi.Config("aws").get("region"),
                allowed_account_ids=[target.account_id],
            )
        return made[key]

    return provider


def _pod_identity_agent(config: StackConfig) -> pulumi.CustomResource | None:
    """The eks-pod-identity-agent add-on, when the stack installs it. Kept on destroy, like the OIDC
    provider: other workloads on the cluster use it."""
    if config.pod_identity_agent != "install" or not config.uses_pod_identity:
        return None
    import pulumi_aws as aws

    return aws.eks.Addon(
        "pod-identity-agent",
        cluster_name=config.cluster_name,
        addon_name="eks-pod-identity-agent",
        opts=pulumi.ResourceOptions(retain_on_delete=True),
    )


def _kubernetes_provider(config: StackConfig) -> pulumi.ProviderResource | None:
    """A provider for the configured cluster; None to use the ambient kubeconfig and context."""
    needs_cluster = any(c.service_account_mode != "none" for c in config.self_managed_controllers)
    if config.capability is not None:
        needs_cluster |= config.capability.permissions == "selectors"  # the IAMRoleSelectors
    if not needs_cluster or (config.kubeconfig is None and config.kube_context is None):
        return None
    import pulumi_kubernetes as k8s

    # A kubeconfig often carries credentials: kept secret in the state, whether or not the config was.
    kubeconfig = pulumi.Output.secret(config.kubeconfig) if config.kubeconfig is not None else None
    # enableConfigMapMutable: CARM's ack-role-account-map is updated in place when a target changes, not
    # deleted and re-created (which leaves every controller in its namespace without a map for a moment)
    return k8s.Provider(
        "kubernetes", kubeconfig=kubeconfig, context=config.kube_context, enable_config_map_mutable=True
    )
