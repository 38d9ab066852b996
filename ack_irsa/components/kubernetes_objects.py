"""The three Kubernetes objects every controller needs, registered as pulumi-kubernetes' own SDK registers them,
without importing that SDK's Python modules.

Importing ``pulumi_kubernetes.core.v1`` takes a quarter to half a second (it defines every core type), longer
than ack-irsa's whole program for a few controllers. A ServiceAccount, its patch and a Deployment's patch need
none of it: this module sends the same type token, the same properties (camelCase, as the engine receives them),
the same aliases and the same provider version as the SDK's classes do, and imports nothing of the SDK. The
properties are typed with the SDK's own ``*ArgsDict`` types, imported only for the type checker, so mypy holds
them to the SDK's shapes; ``tests/test_kubernetes_objects.py`` holds each registration equal to the SDK
class's under Pulumi's mocks.

Other Kubernetes objects (Helm releases, CARM's ConfigMaps, IAMRoleSelectors) keep the SDK's classes: fewer
stacks make them, and those that do have chosen to (docs/decisions.md, decision 80).
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pulumi

if TYPE_CHECKING:
    from pulumi_kubernetes.apps.v1 import DeploymentSpecPatchArgsDict
    from pulumi_kubernetes.meta.v1 import ObjectMetaArgsDict, ObjectMetaPatchArgsDict

SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
SERVICE_ACCOUNT_PATCH = "kubernetes:core/v1:ServiceAccountPatch"
DEPLOYMENT_PATCH = "kubernetes:apps/v1:DeploymentPatch"
DEPLOYMENT_PATCH_ALIASES = ("apps/v1beta1", "apps/v1beta2", "extensions/v1beta1")
"""The older API groups the SDK's ``DeploymentPatch`` names as aliases of its type."""


@functools.cache
def plugin_version() -> str:
    """The Kubernetes provider version the installed pulumi-kubernetes SDK pins its resources to (what its
    classes send), from the plugin file the SDK ships, found without importing the SDK."""
    spec = importlib.util.find_spec("pulumi_kubernetes")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("pulumi-kubernetes is not installed: pip install 'pulumi-kubernetes>=4.29,<5'")
    plugin = Path(spec.origin).with_name("pulumi-plugin.json")
    return str(json.loads(plugin.read_text(encoding="utf-8"))["version"])


class KubernetesObject(pulumi.CustomResource):
    """A pulumi-kubernetes resource registered by its type token, with the SDK's provider version."""

    def __init__(
        self,
        token: str,
        name: str,
        props: dict[str, Any],
        opts: pulumi.ResourceOptions | None = None,
        aliases: tuple[str, ...] = (),
    ) -> None:
        opts = pulumi.ResourceOptions.merge(pulumi.ResourceOptions(version=plugin_version()), opts)
        if aliases:
            kind = token.rsplit(":", 1)[1]
            older = [pulumi.Alias(type_=f"kubernetes:{group}:{kind}") for group in aliases]
            opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(aliases=older))
        super().__init__(token, name, props, opts)


def _service_account_props(metadata: ObjectMetaArgsDict | ObjectMetaPatchArgsDict) -> dict[str, Any]:
    # the SDK sends its optional fields unset (None) as well
    return {
        "apiVersion": "v1",
        "automountServiceAccountToken": None,
        "imagePullSecrets": None,
        "kind": "ServiceAccount",
        "metadata": metadata,
        "secrets": None,
    }


def service_account(name: str, metadata: ObjectMetaArgsDict, opts: pulumi.ResourceOptions) -> KubernetesObject:
    """A ServiceAccount, as ``pulumi_kubernetes.core.v1.ServiceAccount(name, metadata=...)`` makes it."""
    return KubernetesObject(SERVICE_ACCOUNT, name, _service_account_props(metadata), opts)


def service_account_patch(
    name: str, metadata: ObjectMetaPatchArgsDict, opts: pulumi.ResourceOptions
) -> KubernetesObject:
    """A ServiceAccount patch, as ``pulumi_kubernetes.core.v1.ServiceAccountPatch(name, metadata=...)``."""
    return KubernetesObject(SERVICE_ACCOUNT_PATCH, name, _service_account_props(metadata), opts)


def deployment_patch(
    name: str, metadata: ObjectMetaPatchArgsDict, spec: DeploymentSpecPatchArgsDict, opts: pulumi.ResourceOptions
) -> KubernetesObject:
    """A Deployment patch, as ``pulumi_kubernetes.apps.v1.DeploymentPatch(name, metadata=..., spec=...)``."""
    props = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata, "spec": spec, "status": None}
    return KubernetesObject(DEPLOYMENT_PATCH, name, props, opts, aliases=DEPLOYMENT_PATCH_ALIASES)
