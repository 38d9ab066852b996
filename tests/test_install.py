"""Installing the controllers with their ACK Helm charts, each wired to its identity: the release, its values
and dependencies, the stack config, render and diff, and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from ack_irsa import ArgsError, ClusterOidcProvider, ControllerIrsa
from ack_irsa.commands import main as cli
from ack_irsa.stack import program

from .conftest import ISSUER_URL, ROOT, refused, run

RELEASE = "kubernetes:helm.sh/v3:Release"


def installed(install: Any = True, **extra: Any) -> Any:
    def program_() -> dict[str, Any]:
        oidc = ClusterOidcProvider("cluster", {"issuer_url": ISSUER_URL})
        irsa = ControllerIrsa("s3", {"service": "s3", "oidc_provider": oidc, "install": install, **extra})  # type: ignore[typeddict-item]
        return {"role_arn": irsa.role_arn}

    return program_


def test_the_release_is_the_chart_at_the_pinned_version_wired_to_the_role() -> None:
    result = run(installed(), config={"aws:region": "us-west-2"})
    (release,) = result.of_type(RELEASE)
    role_arn = result.outputs["role_arn"]
    assert release.inputs == {
        "name": "ack-s3-controller",
        "chart": "oci://public.ecr.aws/aws-controllers-k8s/s3-chart",
        "version": "1.10.0",
        "namespace": "ack-system",
        "createNamespace": True,
        "compat": "true",
        "values": {
            "aws": {"region": "us-west-2"},
            "serviceAccount": {
                "create": True,
                "name": "ack-s3-controller",
                "annotations": {"eks.amazonaws.com/role-arn": role_arn},
            },
            "deployment": {"annotations": {"ack-irsa/role-arn": role_arn}},
        },
    }
    # the chart makes the ServiceAccount and rolls its own pods: nothing is patched
    assert [r.type for r in result.resources if r.type.startswith("kubernetes:")] == [RELEASE]
    # the release waits for every permission of the role
    permissions = {r.urn for r in result.resources if r.type.startswith("aws:iam/rolePolic")}
    assert permissions <= set(release.dependencies)
    assert release.parent == result.named("s3").urn


def test_own_values_and_a_version_of_ones_own() -> None:
    install = {
        "version": "1.9.2",
        "release_name": "s3",
        "values": {"resourceTags": ["team=data"], "aws": {"endpoint_url": ""}},
    }
    result = run(installed(install), config={"aws:region": "eu-west-1"})
    (release,) = result.of_type(RELEASE)
    assert (release.inputs["name"], release.inputs["version"]) == ("s3", "1.9.2")
    assert release.inputs["values"]["resourceTags"] == ["team=data"]
    assert release.inputs["values"]["aws"] == {"endpoint_url": "", "region": "eu-west-1"}


def test_the_region_is_looked_up_once_when_the_stack_does_not_say() -> None:
    def program_() -> None:
        oidc = ClusterOidcProvider("cluster", {"issuer_url": ISSUER_URL})
        for service in ("s3", "rds"):
            ControllerIrsa(service, {"service": service, "oidc_provider": oidc, "install": True})

    result = run(program_)
    assert [token for token, _ in result.invokes] == ["aws:index/getRegion:getRegion"]
    assert {r.inputs["values"]["aws"]["region"] for r in result.of_type(RELEASE)} == {"us-west-2"}


def test_on_pod_identity_the_service_account_carries_no_annotation() -> None:
    def program_() -> None:
        ControllerIrsa("s3", {"service": "s3", "identity": "pod_identity", "cluster_name": "dev-eks", "install": True})

    result = run(program_, config={"aws:region": "us-west-2"})
    (release,) = result.of_type(RELEASE)
    assert release.inputs["values"]["serviceAccount"]["annotations"] == {}
    annotations = release.inputs["values"]["deployment"]["annotations"]
    assert annotations["ack-irsa/pod-identity-association"] == "a-s3-pod-identity"
    assert result.named("s3-pod-identity").urn in release.dependencies


@pytest.mark.parametrize(
    ("install", "extra", "problems"),
    [
        ({"version": "latest"}, {}, ["install.version: 'latest' is not a chart version (semver, e.g. 1.2.3)"]),
        (
            True,
            {"service_account_mode": "none"},
            ["service_account_mode: 'none' does not go with install: the chart creates the ServiceAccount"],
        ),
        (
            {"values": {"serviceAccount": {"annotations": {"x": "y"}}, "aws": {"region": "eu-west-1"}}},
            {},
            [
                "install.values.serviceAccount.annotations: is set by ack-irsa (from the role, the identity and the stack)",
                "install.values.aws.region: is set by ack-irsa (from the role, the identity and the stack)",
            ],
        ),
        (
            {"chart": "x"},
            {},
            [
                "install.chart: unknown key (known: version, release_name, values, create_namespace, leader_election, replicas)"
            ],
        ),
        (
            {"release_name": "Bad_Name"},
            {},
            [
                "install.release_name: 'Bad_Name' is not a valid RFC 1123 label (at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit)"
            ],
        ),
        (
            "yes",
            {},
            [
                "install: must be true, false or an object with version, release_name, values, create_namespace, leader_election, replicas, got 'yes'"
            ],
        ),
    ],
)
def test_bad_installs_are_refused(install: Any, extra: dict[str, Any], problems: list[str]) -> None:
    with pytest.raises(ArgsError) as raised:
        run(installed(install, **extra))
    assert str(raised.value).splitlines() == [f"ControllerIrsa 's3': {p}" for p in problems]


def test_a_controller_without_a_released_chart_cannot_be_installed() -> None:
    def program_() -> None:
        arn = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/A"
        ControllerIrsa("fsx", {"service": "fsx", "oidc_provider_arn": arn, "install": True})

    with pytest.raises(ArgsError) as raised:
        run(program_)
    assert str(raised.value) == "ControllerIrsa 'fsx': install: the fsx controller has no released chart to install"


PROVIDER = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/A"


def test_install_options_default_and_can_be_turned_off() -> None:
    from ack_irsa.spec.controller import Install, resolve_controller

    chart = "oci://public.ecr.aws/aws-controllers-k8s/s3-chart"
    plain = resolve_controller({"service": "s3", "oidc_provider_arn": PROVIDER, "install": True})
    assert plain.install == Install(chart, "1.10.0", "ack-s3-controller", {}, True)
    own = {"version": "1.2.3", "release_name": "s3", "values": {"replicas": 2}, "create_namespace": False}
    assert resolve_controller({"service": "s3", "oidc_provider_arn": PROVIDER, "install": own}).install == Install(
        chart, "1.2.3", "s3", {"replicas": 2}, False
    )
    for off in (False, None):
        assert resolve_controller({"service": "s3", "oidc_provider_arn": PROVIDER, "install": off}).install is None


def test_install_options_of_the_wrong_kind_are_all_reported() -> None:
    from ack_irsa.spec.controller import resolve_controller

    install = {"release_name": 5, "values": ["x"], "create_namespace": "yes"}
    with pytest.raises(ArgsError) as raised:
        resolve_controller({"service": "s3", "oidc_provider_arn": PROVIDER, "install": install})
    assert str(raised.value).splitlines() == [
        "install.release_name: must be a release name, got 5",
        "install.values: must be a map of chart values, got ['x']",
        "install.create_namespace: must be true or false, got 'yes'",
    ]


def test_a_plain_value_where_ack_irsa_sets_a_map_is_refused_too() -> None:
    from ack_irsa.spec.controller import resolve_controller

    install = {"values": {"aws": "x", "serviceAccount": {"automount": True}, "image": {"tag": "1"}}}
    with pytest.raises(ArgsError) as raised:
        resolve_controller({"service": "s3", "oidc_provider_arn": PROVIDER, "install": install})
    assert str(raised.value) == "install.values.aws: is set by ack-irsa (from the role, the identity and the stack)"


def stack(*controllers: Any, **keys: Any) -> dict[str, str]:
    values = {"clusterName": "dev-eks", **keys, "controllers": list(controllers)}
    return {f"ack-irsa:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in values.items()} | {
        "aws:region": "us-west-2"
    }


BAD = [
    ("version not semver", stack({"service": "s3", "install": {"version": "v1"}}), ["ack-irsa:controllers[0].install.version: 'v1' is not a chart version (semver, e.g. 1.2.3)"]),
    (
        "install with mode none",
        stack({"service": "s3", "install": True, "serviceAccountMode": "none"}),
        ["ack-irsa:controllers[0].serviceAccountMode: 'none' does not go with install: the chart creates the ServiceAccount"],
    ),
    (
        "values that fight ack-irsa's own",
        stack({"service": "s3", "install": {"values": {"deployment": {"annotations": {"a": "b"}}}}}),
        ["ack-irsa:controllers[0].install.values.deployment.annotations: is set by ack-irsa (from the role, the identity and the stack)"],
    ),
    (
        "an unknown key inside install",
        stack({"service": "s3", "install": {"releasName": "x"}}),
        ["ack-irsa:controllers[0].install.releasName: unknown key; did you mean 'releaseName'?"],
    ),
    (
        "two installs with one release name in one namespace",
        stack({"service": "s3", "install": {"releaseName": "ack"}}, {"service": "rds", "install": {"releaseName": "ack"}}),
        ["ack-irsa:controllers[1]: controllers[0] installs the Helm release ack-system/ack already"],
    ),
    (
        "a stack-wide version",
        stack({"service": "s3"}, install={"version": "1.2.3"}),
        ["ack-irsa:install.version: is per controller (each controller's chart has its own)"],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("case", "config", "problems"), BAD, ids=[c for c, _, _ in BAD])
def test_bad_install_config_is_refused_before_anything_is_created(
    case: str, config: dict[str, str], problems: list[str]
) -> None:
    assert refused(config, {"dev-eks": ISSUER_URL}) == problems


def test_the_stack_installs_every_controller_and_one_may_opt_out() -> None:
    config = stack(
        {"service": "s3"},
        {"service": "rds", "install": False},
        install={"values": {"leaderElection": {"enabled": True}}},
    )
    result = run(program.main, config=config, issuers={"dev-eks": ISSUER_URL})
    (release,) = result.of_type(RELEASE)
    assert release.name == "s3-release"
    assert release.inputs["values"]["leaderElection"] == {"enabled": True}
    assert result.named("rds-service-account").type == "kubernetes:core/v1:ServiceAccountPatch"


def test_render_shows_the_chart_and_manifests_only_what_ack_irsa_applies(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["render", "--project-dir", str(ROOT), "--stack", "dev"]) == 0
    s3 = capsys.readouterr().out.split("## Controller `s3`")[1].split("## ")[0]
    assert (
        "| Helm release | `ack-system/ack-s3-controller`: chart `oci://public.ecr.aws/aws-controllers-k8s/s3-chart` version `1.10.0`"
        in s3
    )
    assert cli(["render", "--project-dir", str(ROOT), "--stack", "dev", "--format", "manifests"]) == 0
    manifests = capsys.readouterr().out
    # the releases: said plainly, with the values ack-irsa gives the chart, as comments (no object to apply)
    assert list(yaml.safe_load_all(manifests)) == []
    s3_release = manifests[manifests.index("# s3-release") :]
    assert s3_release.startswith(
        "# s3-release (Helm release `ack-system/ack-s3-controller`, chart "
        "`oci://public.ecr.aws/aws-controllers-k8s/s3-chart` version `1.10.0`):\n"
        "# Helm renders the chart's objects (its Deployment, ServiceAccount, RBAC, CRDs) at `pulumi up`; they\n"
    )
    assert "#       eks.amazonaws.com/role-arn: arn:aws:iam::<account-id>:role/ack-s3-dev-eks-" in s3_release


def test_a_diff_calls_out_a_chart_version_change_and_its_crds(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    base, head = tmp_path / "base" / "Pulumi.dev.yaml", tmp_path / "head" / "Pulumi.dev.yaml"
    for path, version in ((base, "1.9.2"), (head, "1.10.0")):
        path.parent.mkdir()
        path.write_text(
            "config:\n  aws:region: us-west-2\n  ack-irsa:clusterName: dev-eks\n  ack-irsa:controllers:\n"
            f"    - service: s3\n      install: {{version: {version}}}\n"
        )
    assert cli(["diff", "--project-dir", str(ROOT), "--base-file", str(base), "--head-file", str(head)]) == 2
    out = capsys.readouterr().out
    assert (
        "> ⚠️ **Chart `oci://public.ecr.aws/aws-controllers-k8s/s3-chart` goes from 1.9.2 to 1.10.0** (release "
        "`ack-system/ack-s3-controller`). Helm never upgrades CRDs: apply the new version's first, `helm show crds "
        "oci://public.ecr.aws/aws-controllers-k8s/s3-chart --version 1.10.0 | kubectl apply --server-side -f -`, then merge."
    ) in out


def test_an_installed_controller_is_restarted_by_the_name_the_chart_gives_its_deployment() -> None:
    from ack_irsa.spec.controller import resolve_controller

    installed_ = resolve_controller({"service": "s3", "oidc_provider_arn": PROVIDER, "install": {"release_name": "s3"}})
    assert installed_.deployment_name == "s3-s3-chart"
    assert resolve_controller({"service": "s3", "oidc_provider_arn": PROVIDER}).deployment_name == (
        "ack-s3-controller-s3-chart"
    )


def chart_diff(capsys: pytest.CaptureFixture[str], tmp_path: Path, base: str, head: str) -> str:
    paths = tmp_path / "base" / "Pulumi.dev.yaml", tmp_path / "head" / "Pulumi.dev.yaml"
    for path, controllers in zip(paths, (base, head), strict=True):
        path.parent.mkdir(exist_ok=True)
        path.write_text(
            "config:\n  aws:region: us-west-2\n  ack-irsa:clusterName: dev-eks\n  ack-irsa:controllers:\n" + controllers
        )
    arguments = ["diff", "--project-dir", str(ROOT), "--base-file", str(paths[0]), "--head-file", str(paths[1])]
    assert cli(arguments) == 2
    return capsys.readouterr().out


def test_a_chart_downgrade_is_flagged_as_such(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = chart_diff(
        capsys,
        tmp_path,
        "    - service: s3\n      install: {version: 1.10.0}\n",
        "    - service: s3\n      install: {version: 1.9.2}\n",
    )
    assert (
        "> ⚠️ **Chart `oci://public.ecr.aws/aws-controllers-k8s/s3-chart` is downgraded from 1.10.0 to 1.9.2** "
        "(release `ack-system/ack-s3-controller`)."
    ) in out
    assert "apply the new version's" not in out
    assert "| `s3` | IRSA |" in out and "| **downgrades** the chart 1.10.0 → 1.9.2 |" in out


def test_removing_an_installed_controller_calls_out_the_uninstall_at_the_top(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = chart_diff(
        capsys,
        tmp_path,
        "    - service: s3\n      install: true\n    - service: sqs\n",
        "    - service: sqs\n",
    )
    top = out.split("### ")[0]
    assert (
        "> ⚠️ **Release `ack-system/ack-s3-controller` will be uninstalled** (its controller is removed from the stack)"
    ) in top
    assert "| `s3` | removed | — | — | — | — | removes it, **uninstalls** `ack-system/ack-s3-controller` |" in top
