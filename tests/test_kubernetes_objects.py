"""ack_irsa.components.kubernetes_objects registers a ServiceAccount, its patch and a Deployment's patch exactly as the
pulumi-kubernetes SDK's own classes do: the same type token, inputs, parent, provider, dependencies, provider
version and aliases."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pulumi
import pytest

from ack_irsa.components import kubernetes_objects
from ack_irsa.review import offline

from .conftest import run

if TYPE_CHECKING:
    from pulumi_kubernetes.apps.v1 import DeploymentSpecPatchArgsDict
    from pulumi_kubernetes.meta.v1 import ObjectMetaPatchArgsDict

ROLE_ARN = "arn:aws:iam::111122223333:role/ack-s3"


@pytest.fixture
def options_seen(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str | None, list[str]]]]:
    """(type, provider version, alias types) of every custom resource registered, as the SDK receives them."""
    seen: list[tuple[str, str | None, list[str]]] = []
    register = pulumi.CustomResource.__init__

    def recording(self: Any, t: str, name: str, props: Any = None, opts: Any = None, *rest: Any) -> None:
        aliases = sorted(str(getattr(a, "type_", a)) for a in (opts.aliases or [])) if opts else []
        seen.append((t, opts.version if opts else None, aliases))
        register(self, t, name, props, opts, *rest)

    monkeypatch.setattr(pulumi.CustomResource, "__init__", recording)
    yield seen


def both(build: Callable[[pulumi.Resource, bool], None]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The registrations of ``build`` with the SDK's classes and with kubernetes_objects, under one parent
    that waits for a role, with URNs made comparable."""

    def program(generic: bool) -> offline.OfflineRun:
        def body() -> None:
            parent = pulumi.ComponentResource("test:index:Parent", "parent")
            build(parent, generic)

        result = run(body, schema_check="record")  # test:index:Waited is a stand-in that no provider has
        assert {r.type for r, _ in result.schema_findings} <= {"test:index:Waited"}
        return result

    def shape(result: offline.OfflineRun) -> list[dict[str, Any]]:  # in name order: they complete in any order
        return sorted((dataclasses.asdict(r) for r in result.resources), key=lambda r: r["name"])

    return shape(program(False)), shape(program(True))


def test_a_service_account_patch_is_the_sdks(options_seen: list[tuple[str, str | None, list[str]]]) -> None:
    from pulumi_kubernetes.core.v1 import ServiceAccountPatch
    from pulumi_kubernetes.meta.v1 import ObjectMetaPatchArgs

    def build(parent: pulumi.Resource, generic: bool) -> None:
        opts = pulumi.ResourceOptions(parent=parent)
        annotations = {"eks.amazonaws.com/role-arn": pulumi.Output.from_input(ROLE_ARN)}
        if generic:
            metadata: ObjectMetaPatchArgsDict = {
                "name": "ack-s3-controller",
                "namespace": "ack-system",
                "annotations": annotations,
            }
            kubernetes_objects.service_account_patch("sa", metadata, opts)
        else:
            meta = ObjectMetaPatchArgs(name="ack-s3-controller", namespace="ack-system", annotations=annotations)
            ServiceAccountPatch("sa", metadata=meta, opts=opts)

    sdk, ours = both(build)
    assert ours == sdk
    assert [r["inputs"] for r in ours if r["custom"]] == [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {
                "name": "ack-s3-controller",
                "namespace": "ack-system",
                "annotations": {"eks.amazonaws.com/role-arn": ROLE_ARN},
            },
        }
    ]
    assert options_seen[0] == options_seen[1] == (kubernetes_objects.SERVICE_ACCOUNT_PATCH, _sdk_version(), [])


def test_a_service_account_is_the_sdks(options_seen: list[tuple[str, str | None, list[str]]]) -> None:
    from pulumi_kubernetes.core.v1 import ServiceAccount
    from pulumi_kubernetes.meta.v1 import ObjectMetaArgs

    def build(parent: pulumi.Resource, generic: bool) -> None:
        opts = pulumi.ResourceOptions(parent=parent, retain_on_delete=True)
        if generic:
            kubernetes_objects.service_account("sa", {"name": "ack-s3-controller", "namespace": "ack-system"}, opts)
        else:
            ServiceAccount("sa", metadata=ObjectMetaArgs(name="ack-s3-controller", namespace="ack-system"), opts=opts)

    sdk, ours = both(build)
    assert ours == sdk
    assert [r["retain_on_delete"] for r in ours if r["custom"]] == [True]
    assert options_seen[0] == options_seen[1] == (kubernetes_objects.SERVICE_ACCOUNT, _sdk_version(), [])


def test_a_deployment_patch_is_the_sdks(options_seen: list[tuple[str, str | None, list[str]]]) -> None:
    from pulumi_kubernetes.apps.v1 import DeploymentPatch, DeploymentSpecPatchArgs
    from pulumi_kubernetes.core.v1 import PodTemplateSpecPatchArgs
    from pulumi_kubernetes.meta.v1 import ObjectMetaPatchArgs

    def build(parent: pulumi.Resource, generic: bool) -> None:
        waited = pulumi.CustomResource("test:index:Waited", "waited", {}, pulumi.ResourceOptions(parent=parent))
        opts = pulumi.ResourceOptions(parent=parent, depends_on=[waited])
        annotations = {"ack-irsa/role-arn": ROLE_ARN}
        if generic:
            metadata: ObjectMetaPatchArgsDict = {"name": "ack-s3-controller-s3-chart", "namespace": "ack-system"}
            spec: DeploymentSpecPatchArgsDict = {"template": {"metadata": {"annotations": annotations}}}
            kubernetes_objects.deployment_patch("restart", metadata, spec, opts)
        else:
            template = PodTemplateSpecPatchArgs(metadata=ObjectMetaPatchArgs(annotations=annotations))
            DeploymentPatch(
                "restart",
                metadata=ObjectMetaPatchArgs(name="ack-s3-controller-s3-chart", namespace="ack-system"),
                spec=DeploymentSpecPatchArgs(template=template),
                opts=opts,
            )

    sdk, ours = both(build)
    assert ours == sdk
    restart = next(r for r in ours if r["name"] == "restart")
    assert restart["inputs"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "ack-s3-controller-s3-chart", "namespace": "ack-system"},
        "spec": {"template": {"metadata": {"annotations": {"ack-irsa/role-arn": ROLE_ARN}}}},
    }
    assert [d.rsplit("::", 1)[1] for d in restart["dependencies"]] == ["waited"]
    patches = [seen for seen in options_seen if seen[0] == kubernetes_objects.DEPLOYMENT_PATCH]
    assert patches[0] == patches[1]
    assert patches[0] == (
        kubernetes_objects.DEPLOYMENT_PATCH,
        _sdk_version(),
        [
            "kubernetes:apps/v1beta1:DeploymentPatch",
            "kubernetes:apps/v1beta2:DeploymentPatch",
            "kubernetes:extensions/v1beta1:DeploymentPatch",
        ],
    )


def _sdk_version() -> str:
    from pulumi_kubernetes import _utilities

    version = _utilities.get_version()
    assert version == kubernetes_objects.plugin_version()
    return version


def test_the_controllers_kubernetes_objects_leave_the_sdks_core_types_unimported() -> None:
    """The reason for the module: a controller with a ServiceAccount and a restart imports no typed
    Kubernetes module (a fresh interpreter, as `pulumi preview` starts one)."""
    import json
    import subprocess
    import sys

    from .conftest import ROOT

    code = (
        "import json, sys\n"
        "from ack_irsa import ControllerIrsa\n"
        "from ack_irsa.review import offline\n"
        "facts = offline.Facts(account_id='111122223333', region='us-west-2')\n"
        "provider = 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/A'\n"
        "args = {'service': 's3', 'oidc_provider_arn': provider, 'deployment_name': 'ack-s3-controller-s3-chart'}\n"
        # the engine-schema check reads the SDK's types, so it imports them; `pulumi up` never runs it
        "build = lambda: ControllerIrsa('s3', args) and None\n"
        "result = offline.run(build, offline.OfflineMocks(facts), schema_check='off')\n"
        "print(json.dumps([sorted(r.type for r in result.resources if r.type.startswith('kubernetes')),\n"
        "    sorted(m for m in sys.modules if m.startswith('pulumi_kubernetes'))]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    types, modules = json.loads(done.stdout)
    assert types == [kubernetes_objects.DEPLOYMENT_PATCH, kubernetes_objects.SERVICE_ACCOUNT_PATCH]
    assert modules == []
