"""The engine-schema check: what the real providers refuse, it refuses; what they accept, it accepts.

Registrations are made the way programs make them (the SDKs' classes under Pulumi's mocks) and checked as
the engine receives them; a few are written as raw inputs to reach cases no SDK class would send.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from ack_irsa.review.engine_schema import SCHEMAS, Finding, check
from tests.conftest import ACCOUNT, ROOT, run

ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/deployer"
SELECTOR = "kubernetes:services.k8s.aws/v1alpha1:IAMRoleSelector"
S3_CHART = "oci://public.ecr.aws/aws-controllers-k8s/s3-chart"
RELEASE = "kubernetes:helm.sh/v3:Release"


def findings_of(program: Any) -> dict[str, list[str]]:
    """Every registration of ``program`` under the mocks → its findings (as text)."""
    result = run(program, schema_check="record")
    found: dict[str, list[str]] = {r.name: [] for r in result.resources}
    for registration, finding in result.schema_findings:
        found[registration.name].append(str(finding))
    return found


def messages(type_token: str, inputs: dict[str, Any], **kind: bool) -> list[str]:
    return [str(f) for f in check(type_token, inputs, **kind)]


# ---- the AWS provider: nested inputs reach it as JSON, keys unchanged (pulumi/pulumi-aws#5271)


def test_a_provider_assume_role_as_a_plain_dict_reaches_the_provider_with_snake_case_keys_and_is_refused() -> None:
    def program() -> None:
        aws.Provider("plain", assume_roles=[{"role_arn": ROLE_ARN}], allowed_account_ids=[ACCOUNT])

    assert findings_of(program) == {
        "plain": ["assumeRoles[0].role_arn: not an input of ProviderAssumeRoleArgs (did you mean 'roleArn'?)"]
    }


def test_a_provider_assume_role_given_as_its_args_type_or_camel_case_keys_is_accepted() -> None:
    def program() -> None:
        aws.Provider("typed", assume_roles=[aws.ProviderAssumeRoleArgs(role_arn=ROLE_ARN)], region="us-west-2")
        aws.Provider("camel", assume_roles=[{"roleArn": ROLE_ARN}])  # type: ignore[list-item]

    assert findings_of(program) == {"typed": [], "camel": []}


def test_a_provider_input_that_is_not_the_json_of_its_type_is_refused() -> None:
    assert messages("pulumi:providers:aws", {"skipRegionValidation": "true", "maxRetries": "3"}) == []
    assert messages("pulumi:providers:aws", {"skipRegionValidation": "yes"}) == [
        "skipRegionValidation: a provider receives this input as JSON text, got 'yes'"
    ]
    assert messages("pulumi:providers:aws", {"allowedAccountIds": json.dumps([111122223333])}) == [
        "allowedAccountIds[0]: expected a string, got int 111122223333"
    ]


# ---- resources: names, required inputs, primitive values, nested types


def test_sdk_made_resources_are_accepted() -> None:
    def program() -> None:
        role = aws.iam.Role(
            "role",
            assume_role_policy="{}",
            path="/ack/",
            max_session_duration=3600,
            tags={"team": "platform"},
            inline_policies=[aws.iam.RoleInlinePolicyArgs(name="p", policy="{}")],
        )
        aws.iam.RolePolicyAttachment("attach", role=role.name, policy_arn="arn:aws:iam::aws:policy/ReadOnlyAccess")
        aws.eks.PodIdentityAssociation(
            "association", cluster_name="dev", namespace="ack-system", service_account="sa", role_arn=role.arn
        )
        aws.eks.Addon("agent", cluster_name="dev", addon_name="eks-pod-identity-agent")

    assert findings_of(program) == {"role": [], "attach": [], "association": [], "agent": []}


def test_a_misspelt_input_is_refused_with_the_name_it_meant() -> None:
    assert messages("aws:iam/role:Role", {"assumeRolePolicy": "{}", "nmae": "ack-s3"}) == [
        "nmae: not an input of Role (did you mean 'name'?)"
    ]
    # the Python name is not the engine's
    assert messages("aws:iam/role:Role", {"assumeRolePolicy": "{}", "max_session_duration": 3600}) == [
        "max_session_duration: not an input of Role (did you mean 'maxSessionDuration'?)"
    ]


def test_a_missing_required_input_is_refused() -> None:
    assert messages("aws:iam/role:Role", {"name": "ack-s3"}) == ["assumeRolePolicy: required by Role, missing"]
    assert messages("aws:eks/podIdentityAssociation:PodIdentityAssociation", {"clusterName": "dev"}) == [
        "namespace: required by PodIdentityAssociation, missing",
        "roleArn: required by PodIdentityAssociation, missing",
        "serviceAccount: required by PodIdentityAssociation, missing",
    ]


def test_primitive_values_must_have_their_declared_type() -> None:
    role = {"assumeRolePolicy": "{}"}
    assert messages("aws:iam/role:Role", {**role, "maxSessionDuration": "3600"}) == [
        'maxSessionDuration: expected an integer, got a string "3600"'
    ]
    assert messages("aws:iam/role:Role", {**role, "forceDetachPolicies": 1}) == [
        "forceDetachPolicies: expected a boolean, got int 1"
    ]
    assert messages("aws:iam/role:Role", {**role, "tags": {"team": 7}}) == ["tags.team: expected a string, got int 7"]


def test_a_wrong_key_in_a_nested_type_is_refused() -> None:
    inputs = {"assumeRolePolicy": "{}", "inlinePolicies": [{"name": "p", "polcy": "{}"}]}
    assert messages("aws:iam/role:Role", inputs) == [
        "inlinePolicies[0].polcy: not an input of RoleInlinePolicyArgs (did you mean 'policy'?)"
    ]
    patch = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa", "namespac": "ack-system"}}
    assert messages("kubernetes:core/v1:ServiceAccountPatch", patch) == [
        "metadata.namespac: not an input of ObjectMetaPatchArgs (did you mean 'namespace'?)"
    ]


def test_an_enum_value_must_be_one_of_the_enum() -> None:
    component = {"custom": False, "remote": True}
    assert messages("eks:index:Cluster", {"authenticationMode": "API"}, **component) == []
    assert messages("eks:index:Cluster", {"authenticationMode": "API_ONLY"}, **component) == [
        "authenticationMode: 'API_ONLY' is not one of ['CONFIG_MAP', 'API', 'API_AND_CONFIG_MAP']"
    ]


def test_an_unknown_type_token_is_refused_and_a_known_one_of_any_sdk_resolves() -> None:
    assert messages("aws:eks/capabilty:Capability", {}) == [
        "unknown type token 'aws:eks/capabilty:Capability': no installed SDK registers it"
    ]
    assert messages("awz:iam/role:Role", {}) == [
        "unknown type token 'awz:iam/role:Role': no installed SDK registers it"
    ]
    # types this project does not register yet are checked the same way, from their SDK
    assert messages("aws:eks/capability:Capability", {"type": "ACK"}) == [
        "capabilityName: required by Capability, missing",
        "clusterName: required by Capability, missing",
        "deletePropagationPolicy: required by Capability, missing",
        "roleArn: required by Capability, missing",
    ]
    association = {"clusterName": "dev", "principalArn": ROLE_ARN, "policyArn": "p", "accessScope": {"type": "x"}}
    assert messages("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", association) == []
    assert messages(
        "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", {**association, "accessScope": {"typ": "x"}}
    ) == [
        "accessScope.type: required by AccessPolicyAssociationAccessScopeArgs, missing",
        "accessScope.typ: not an input of AccessPolicyAssociationAccessScopeArgs (did you mean 'type'?)",
    ]


def test_components_are_checked_only_where_the_engine_looks_them_up() -> None:
    # a program's own component: the engine accepts any type for it
    assert messages("ack-irsa:index:ControllerIrsa", {"anything": 1}, custom=False) == []
    assert messages("my-org:index:Group", {"anything": 1}, custom=False) == []
    # an SDK's custom resource registered as a component, and the other way round
    assert messages("aws:iam/role:Role", {"assumeRolePolicy": "{}"}, custom=False, remote=True) == [
        "aws:iam/role:Role is a custom resource in its SDK, registered as the other"
    ]
    assert messages("eks:index:Cluster", {}, custom=True) == [
        "eks:index:Cluster is a component in its SDK, registered as the other"
    ]


# ---- Kubernetes objects the SDK sends with fixed values


def test_kubernetes_objects_by_type_token_pass_and_their_fixed_api_version_and_kind_are_held() -> None:
    from pulumi_kubernetes.core.v1 import ConfigMapPatch, Namespace, NamespacePatch
    from pulumi_kubernetes.meta.v1 import ObjectMetaArgs, ObjectMetaPatchArgs

    from ack_irsa.components import kubernetes_objects

    def program() -> None:
        opts = pulumi.ResourceOptions()
        kubernetes_objects.service_account("sa", {"name": "sa", "namespace": "ack-system"}, opts)
        kubernetes_objects.service_account_patch("sa-patch", {"name": "sa", "annotations": {"a": "b"}}, opts)
        kubernetes_objects.deployment_patch(
            "restart", {"name": "d"}, {"template": {"metadata": {"annotations": {"a": "b"}}}}, opts
        )
        ConfigMapPatch("map", metadata=ObjectMetaPatchArgs(name="m", namespace="n"), data={"k": "v"})
        Namespace("ns", metadata=ObjectMetaArgs(name="n"))
        NamespacePatch("ns-patch", metadata=ObjectMetaPatchArgs(name="n", annotations={"a": "b"}))

    assert findings_of(program) == {name: [] for name in ("sa", "sa-patch", "restart", "map", "ns", "ns-patch")}
    wrong = {"apiVersion": "v1", "kind": "Deployment", "metadata": {"name": "sa"}}
    assert messages("kubernetes:core/v1:ServiceAccount", wrong) == [
        "kind: ServiceAccount always sends 'ServiceAccount', got 'Deployment'"
    ]


# ---- custom resources, against their CRDs


def _selector(spec: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"apiVersion": "services.k8s.aws/v1alpha1", "kind": "IAMRoleSelector", "metadata": {"name": "s"}} | {
        "spec": spec,
        **fields,
    }


def test_an_iam_role_selector_item_needs_group_version_and_kind() -> None:
    spec = {"arn": ROLE_ARN, "namespaceSelector": {"names": ["team-a"]}}
    only_group = {**spec, "resourceTypeSelector": [{"group": "s3.services.k8s.aws"}]}
    assert messages(SELECTOR, _selector(only_group)) == [
        "spec.resourceTypeSelector[0]: 'kind' is a required property",
        "spec.resourceTypeSelector[0]: 'version' is a required property",
    ]
    every_kind = {**spec, "resourceTypeSelector": [{"group": "s3.services.k8s.aws", "version": "", "kind": ""}]}
    assert messages(SELECTOR, _selector(every_kind)) == []


def test_an_iam_role_selector_is_refused_for_a_field_the_api_server_would_prune_or_a_wrong_header() -> None:
    assert messages(SELECTOR, _selector({"arn": ROLE_ARN, "namespaceSelectors": {"names": []}})) == [
        "spec: Additional properties are not allowed ('namespaceSelectors' was unexpected)"
    ]
    assert messages(SELECTOR, _selector({})) == ["spec: 'arn' is a required property"]
    header = _selector({"arn": ROLE_ARN}) | {"apiVersion": "services.k8s.aws/v1"}
    assert messages(SELECTOR, header) == [
        "apiVersion: kubernetes:services.k8s.aws/v1alpha1:IAMRoleSelector needs 'services.k8s.aws/v1alpha1', got "
        "'services.k8s.aws/v1'"
    ]
    assert messages(SELECTOR, _selector({"arn": ROLE_ARN}) | {"metadata": {"nme": "s"}}) == [
        "metadata.nme: not an input of ObjectMetaArgs (did you mean 'name'?)"
    ]


def test_an_iam_role_selector_made_by_the_sdk_is_checked_against_the_crd() -> None:
    from pulumi_kubernetes.apiextensions import CustomResource

    def program() -> None:
        CustomResource(
            "selector",
            api_version="services.k8s.aws/v1alpha1",
            kind="IAMRoleSelector",
            spec={"arn": ROLE_ARN, "resourceTypeSelector": [{"group": "s3.services.k8s.aws"}]},
        )

    assert findings_of(program) == {
        "selector": [
            "spec.resourceTypeSelector[0]: 'kind' is a required property",
            "spec.resourceTypeSelector[0]: 'version' is a required property",
        ]
    }


def test_a_custom_resource_without_a_vendored_crd_is_refused_not_passed() -> None:
    assert messages(
        "kubernetes:s3.services.k8s.aws/v1alpha1:Bucket", {"apiVersion": "s3.services.k8s.aws/v1alpha1"}
    ) == [
        "unknown type token 'kubernetes:s3.services.k8s.aws/v1alpha1:Bucket': no installed SDK registers it, and no "
        "CRD for it is vendored in schemas/crds/"
    ]


# ---- Helm chart values, against the chart's values.schema.json


def _release(version: str, values: dict[str, Any]) -> dict[str, Any]:
    return {"chart": S3_CHART, "version": version, "namespace": "ack-system", "values": values, "compat": "true"}


def test_chart_values_are_checked_against_the_pinned_charts_schema() -> None:
    good = {"aws": {"region": "us-west-2"}, "serviceAccount": {"create": True, "name": "sa"}, "installScope": "cluster"}
    assert messages("kubernetes:helm.sh/v3:Release", _release("1.10.0", good)) == []
    bad = {"serviceAccount": {"create": "yes"}, "installScope": "everywhere"}
    assert messages("kubernetes:helm.sh/v3:Release", _release("1.10.0", bad)) == [
        "values.installScope: 'everywhere' is not one of ['cluster', 'namespace']",
        "values.serviceAccount.create: 'yes' is not of type 'boolean'",
    ]


def test_a_chart_version_with_no_vendored_schema_is_a_reported_skip_never_a_pass() -> None:
    found = check("kubernetes:helm.sh/v3:Release", _release("1.9.2", {"installScope": "everywhere"}))
    assert found == [Finding("values", "no values schema vendored for chart 's3-chart' version '1.9.2'", skipped=True)]
    assert str(found[0]) == "values: not checked: no values schema vendored for chart 's3-chart' version '1.9.2'"


def _install(service: str, values: dict[str, Any], monkeypatch: pytest.MonkeyPatch, check: str = "record") -> Any:
    """An offline run of ``service``'s controller installed with its catalog chart at the pinned version, with
    ``values``, past the stack's own check of chart value types (as if it had missed one)."""
    from ack_irsa import ClusterOidcProvider, ControllerIrsa
    from ack_irsa.spec import controller
    from tests.conftest import ISSUER_URL

    monkeypatch.setattr(controller, "chart_value_problems", lambda values: iter(()))

    def program() -> None:
        oidc = ClusterOidcProvider("cluster", {"issuer_url": ISSUER_URL})
        ControllerIrsa(service, {"service": service, "oidc_provider": oidc, "install": {"values": values}})

    return run(program, schema_check=check)  # type: ignore[arg-type]


def _release_findings(result: Any) -> list[Finding]:
    return [finding for registration, finding in result.schema_findings if registration.type == RELEASE]


@pytest.mark.parametrize(("service", "commit", "tag"), [("iam", "289a773", "1.7.2"), ("rds", "26328ca", "1.13.0")])
def test_a_value_the_controllers_chart_schema_forbids_is_refused_for_its_install(
    monkeypatch: pytest.MonkeyPatch, service: str, commit: str, tag: str
) -> None:
    """iam's and rds's pinned versions are checked against a nearby commit's schema (the tag's was out of
    reach): said once as not checked against the pinned version's own, and named in each refusal."""
    from ack_irsa import catalog

    pinned = catalog.get(service)
    repo, chart, version = pinned.repository, pinned.chart_name, pinned.chart_version
    nearest = (
        f"values: not checked: against {chart} {version}'s own schema, which is not vendored; checked against the "
        f"nearest one instead ({repo} at {commit}, whose values.yaml pins {tag})"
    )
    good_values = {"enableCARM": False, "installScope": "namespace", "watchNamespace": "team-a"}
    good = _install(service, good_values, monkeypatch)
    (release,) = good.of_type(RELEASE)
    assert release.inputs["chart"] == f"oci://public.ecr.aws/aws-controllers-k8s/{chart}"
    assert release.inputs["version"] == version
    assert [str(f) for f in _release_findings(good)] == [nearest]
    bad_values = {"enableCARM": "false", "installScope": "everywhere"}
    bad = _install(service, bad_values, monkeypatch)
    assert [str(f) for f in _release_findings(bad)] == [
        nearest,
        f"values.enableCARM: 'false' is not of type 'boolean' (by the nearest schema vendored: {repo} at {commit})",
        f"values.installScope: 'everywhere' is not one of ['cluster', 'namespace'] (by the nearest schema vendored: "
        f"{repo} at {commit})",
    ]
    from ack_irsa.review import offline

    with pytest.raises(offline.EngineSchemaMismatch, match=r"values\.enableCARM: 'false' is not of type 'boolean'"):
        _install(service, bad_values, monkeypatch, "enforce")


def test_an_install_whose_chart_has_no_vendored_schema_is_reported_not_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """acm's chart 1.3.4 has no schema vendored: its values, even one the chart would refuse, are a reported
    skip (``OfflineRun.not_checked``), never a pass and never a refusal the chart might not make."""
    result = _install("acm", {"enableCARM": "false"}, monkeypatch)
    assert [str(f) for f in _release_findings(result)] == [
        "values: not checked: no values schema vendored for chart 'acm-chart' version '1.3.4'"
    ]
    assert [(r.type, f.skipped) for r, f in result.not_checked] == [(RELEASE, True)]


def test_the_release_made_by_the_sdk_passes_and_its_constant_compat_is_expected() -> None:
    from pulumi_kubernetes.helm.v3 import Release

    def program() -> None:
        Release("release", chart=S3_CHART, version="1.10.0", values={"serviceAccount": {"create": False}})

    assert findings_of(program) == {"release": []}
    assert messages("kubernetes:helm.sh/v3:Release", _release("1.10.0", {}) | {"compat": "false"}) == [
        "compat: Release always sends 'true', got 'false'"
    ]


def test_every_vendored_chart_schema_is_named_by_its_hash_and_mapped() -> None:
    import hashlib

    index = json.loads((SCHEMAS / "charts.json").read_text(encoding="utf-8"))
    mapped = {file for versions in index["charts"].values() for file in versions.values()}
    mapped |= {near["file"] for versions in index["nearest"].values() for near in versions.values()}
    files = {path.name: path.read_bytes() for path in (SCHEMAS / "charts").glob("*.json")}
    assert mapped == set(files)
    for name, body in files.items():
        assert name == f"values-{hashlib.sha256(body).hexdigest()[:12]}.schema.json"
    sources = (SCHEMAS / "SOURCES.md").read_text(encoding="utf-8")
    assert all(f"`charts/{name}`" in sources for name in files)
    assert "`crds/services.k8s.aws_iamroleselectors.yaml`" in sources


def test_every_catalog_chart_is_vendored_from_its_tag_near_its_pin_or_listed_with_why() -> None:
    """Each released catalog chart is in exactly one place: a schema from its release tag, a nearby commit's
    at its pinned version (with the commit), or SOURCES.md's list of charts with none, with a reason."""
    from ack_irsa import catalog

    index = json.loads((SCHEMAS / "charts.json").read_text(encoding="utf-8"))
    sources = (SCHEMAS / "SOURCES.md").read_text(encoding="utf-8")
    none = sources.split("## Charts with no schema vendored", 1)[1]
    pinned = {c.chart_name: (c, c.chart_version) for c in catalog.controllers() if c.chart_name and c.chart_version}
    assert set(index["charts"]) | set(index["nearest"]) <= set(pinned)
    for chart, versions in index["nearest"].items():
        controller, version = pinned[chart]
        assert set(versions) == {version}, chart
        near = versions[version]
        assert near["repository"] == controller.repository
        assert f"`{near['repository']}` at `{near['commit']}`" in sources
    for chart, (_, version) in pinned.items():
        if version.startswith("0.0.0"):
            continue
        vendored = version in index["charts"].get(chart, {}) or chart in index["nearest"]
        row = next((line for line in none.splitlines() if f"| `{chart}` " in line), None)
        assert vendored != (row is not None), chart
        assert row is None or row.rstrip(" |").rsplit("|", 1)[1].strip(), chart  # a reason


@pytest.mark.parametrize("service", ["s3", "iam", "rds"])
def test_the_refresh_script_rewrites_the_vendored_files_as_they_are(tmp_path: Any, service: str) -> None:
    """From a mirror holding exactly the vendored files, the script writes back the same files."""
    import shutil
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    import refresh_schemas

    mirror = tmp_path / "mirror"
    crd = mirror / refresh_schemas.RUNTIME / refresh_schemas.RUNTIME_REF / refresh_schemas.CRDS[0]
    crd.parent.mkdir(parents=True)
    shutil.copyfile(SCHEMAS / "crds" / crd.name, crd)
    index = json.loads((SCHEMAS / "charts.json").read_text(encoding="utf-8"))
    for _, repo, chart, version in refresh_schemas.released_charts(None):
        if version in index["charts"].get(chart, {}):
            target = mirror / repo / f"v{version}" / refresh_schemas.CHART_SCHEMA
            file = index["charts"][chart][version]
        elif version in index["nearest"].get(chart, {}):
            near = index["nearest"][chart][version]
            target, file = mirror / repo / near["commit"] / refresh_schemas.CHART_SCHEMA, near["file"]
        else:
            continue
        target.parent.mkdir(parents=True)
        shutil.copyfile(SCHEMAS / "charts" / file, target)
    out = tmp_path / "out"
    out.mkdir()
    refresh_schemas.refresh(refresh_schemas.from_mirror(mirror), None, out)
    for path in sorted(SCHEMAS.rglob("*")):
        if path.is_file():
            assert (out / path.relative_to(SCHEMAS)).read_bytes() == path.read_bytes(), path.name
    assert service in (out / "SOURCES.md").read_text(encoding="utf-8")


# ---- wired into every offline run: the tests and `render`


def test_a_misspelt_input_in_a_component_fails_every_test_that_builds_it() -> None:
    """The shared helper (tests/conftest.py) runs the check after each build: a component that registered a
    misspelt input would fail its tests, though Pulumi's mocks take any input."""
    from ack_irsa.review import offline

    def program() -> None:
        pulumi.CustomResource("aws:iam/role:Role", "role", {"assumeRolePolicy": "{}", "maxSesionDuration": 3600})

    with pytest.raises(offline.EngineSchemaMismatch) as raised:
        run(program)
    assert str(raised.value) == (
        "registrations the real engine would refuse (the mocks took them):\n"
        "  aws:iam/role:Role 'role': maxSesionDuration: not an input of Role (did you mean 'maxSessionDuration'?)"
    )
    assert (
        raised.value.summary
        == "registrations the real engine would refuse: aws:iam/role:Role 'role' at maxSesionDuration"
    )


def test_render_reports_a_mismatch_as_an_internal_error_never_a_plan(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    from ack_irsa.commands import main as cli
    from ack_irsa.iam import accounts

    stack = tmp_path / "Pulumi.selectors.yaml"
    stack.write_text(
        "config:\n  aws:region: us-west-2\n  ack-irsa:clusterName: dev\n  ack-irsa:crossAccountMode: iamRoleSelector\n"
        "  ack-irsa:controllers:\n    - service: s3\n      crossAccount:\n"
        "        - {accountId: '444455556666', roleName: ack-s3, namespaces: [team-a]}\n"
    )
    args = ["render", "--project-dir", str(ROOT), "--config-file", str(stack), "--account-id", ACCOUNT]
    assert cli(args) == 0
    assert "IAMRoleSelector" in capsys.readouterr().out
    # the selector as it was before the CRD was checked: items with the group alone
    spec = accounts.selector_spec
    monkeypatch.setattr(
        accounts,
        "selector_spec",
        lambda *a: {**spec(*a), "resourceTypeSelector": [{"group": "s3.services.k8s.aws"}]},
    )
    monkeypatch.setattr("ack_irsa.components.controller.selector_spec", accounts.selector_spec)
    assert cli(args) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: internal error (EngineSchemaMismatch at offline.py:")
    assert (
        "): registrations the real engine would refuse: kubernetes:services.k8s.aws/v1alpha1:IAMRoleSelector "
        "'s3-selector-444455556666' at spec.resourceTypeSelector[0]; please report it" in err
    )


def test_secret_values_are_checked_as_the_provider_receives_them() -> None:
    secret = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}
    values = {"aws": {"region": {**secret, "value": "us-west-2"}}, "installScope": {**secret, "value": "cluster"}}
    assert messages("kubernetes:helm.sh/v3:Release", _release("1.10.0", values)) == []
    bad = {"installScope": {**secret, "value": "everywhere"}}
    assert messages("kubernetes:helm.sh/v3:Release", _release("1.10.0", bad)) == [
        "values.installScope: 'everywhere' is not one of ['cluster', 'namespace']"
    ]
    assert messages("pulumi:providers:kubernetes", {"kubeconfig": {**secret, "value": "apiVersion: v1"}}) == []
