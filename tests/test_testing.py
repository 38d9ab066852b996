"""The public testing module, used as a user's own tests use it: only ``ack_irsa.review.testing``, the
components and the SDKs are imported here (nothing of conftest, nothing internal)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks
import pulumi_kubernetes as k8s
import pytest

from ack_irsa import ClusterOidcProvider, ControllerIrsa
from ack_irsa.review import testing

ISSUER = "https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
HOST = ISSUER.removeprefix("https://")
FACTS = testing.Facts(account_id="111122223333", region="us-west-2", issuer_urls={"ack": ISSUER, "prod": ISSUER})
PROVIDER_ARN = f"arn:aws:iam::111122223333:oidc-provider/{HOST}"


def pulumi_eks_program() -> None:
    """The issue's scenario: a pulumi-eks cluster with its own OIDC provider, two controllers installed."""
    cluster = eks.Cluster("ack", create_oidc_provider=True)
    kubernetes = k8s.Provider("ack-k8s", kubeconfig=cluster.kubeconfig_json)
    for service in ("s3", "dynamodb"):
        ControllerIrsa(
            service,
            {
                "service": service,
                "oidc_provider_arn": cluster.oidc_provider_arn,
                "oidc_issuer": cluster.oidc_issuer,
                "install": True,
            },
            pulumi.ResourceOptions(providers=[kubernetes]),
        )


def test_a_pulumi_eks_program_is_planned_with_the_clusters_provider_and_named_service_accounts() -> None:
    plan = testing.plan(pulumi_eks_program, facts=FACTS)
    assert plan.oidc_providers == [
        testing.PlannedOidcProvider(
            arn=PROVIDER_ARN,
            source="pulumi-eks",
            made_by="ack",
            url=ISSUER,
            audiences=(),
            trusted_by=("dynamodb", "s3"),
        )
    ]
    markdown = testing.to_markdown(plan)
    assert "Pod Identity, which needs no OIDC provider" not in markdown
    assert (
        "Made by pulumi-eks: `eks.Cluster` `ack` (`create_oidc_provider`), for "
        f"`{ISSUER}`; it lives and goes with that cluster.\nARN: `{PROVIDER_ARN}`\n"
    ) in markdown
    for service in ("s3", "dynamodb"):
        assert (
            f"| ServiceAccount | `ack-system/ack-{service}-controller` created by the chart, annotated "
            "`eks.amazonaws.com/role-arn` |"
        ) in markdown
    assert "`` " not in markdown  # no empty name anywhere
    assert plan.controllers["s3"]["service_account_name"] == "ack-s3-controller"


def test_the_recorded_resources_of_a_pulumi_eks_program() -> None:
    run = testing.run(pulumi_eks_program, facts=FACTS)
    cluster, kubernetes = run.named("ack"), run.named("ack-k8s")
    assert (cluster.type, kubernetes.type) == ("eks:index:Cluster", "pulumi:providers:kubernetes")
    assert cluster.inputs["createOidcProvider"] is True
    assert json.loads(kubernetes.inputs["kubeconfig"])["current-context"] == "ack"  # no credentials in it
    for service in ("s3", "dynamodb"):
        trust = json.loads(run.named(f"{service}-role").inputs["assumeRolePolicy"])["Statement"]
        assert trust == [
            {
                "Effect": "Allow",
                "Principal": {"Federated": PROVIDER_ARN},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{HOST}:sub": f"system:serviceaccount:ack-system:ack-{service}-controller",
                        f"{HOST}:aud": "sts.amazonaws.com",
                    }
                },
            }
        ]
        release = run.named(f"{service}-release")
        assert release.provider.startswith(kubernetes.urn + "::")
    assert run.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []  # pulumi-eks makes it
    assert run.invokes == [("aws:index/getRegion:getRegion", {})]  # once for both installs


def test_a_pulumi_eks_cluster_without_its_provider_answers_an_empty_arn_as_pulumi_eks_does() -> None:
    def program() -> dict[str, pulumi.Output[str]]:
        cluster = eks.Cluster("ack")
        return {"arn": cluster.oidc_provider_arn, "issuer": cluster.oidc_issuer, "url": cluster.oidc_provider_url}

    assert testing.run(program, facts=FACTS).outputs == {"arn": "", "issuer": HOST, "url": ISSUER}


def test_a_plain_provider_of_an_aws_eks_cluster_is_named_with_its_resource() -> None:
    def program() -> dict[str, pulumi.Output[str]]:
        cluster = aws.eks.Cluster(
            "prod", role_arn="arn:aws:iam::111122223333:role/eks", vpc_config={"subnet_ids": ["subnet-1"]}
        )
        issuer = cluster.identities[0].oidcs[0].issuer
        provider = aws.iam.OpenIdConnectProvider("oidc", url=issuer, client_id_lists=["sts.amazonaws.com"])
        ControllerIrsa(
            "s3",
            {"service": "s3", "oidc_provider_arn": provider.arn, "oidc_issuer": issuer, "service_account_mode": "none"},
        )
        return {"arn": cluster.arn, "ca": cluster.certificate_authority.data, "endpoint": cluster.endpoint}

    plan = testing.plan(program, facts=FACTS)
    assert plan.oidc_providers == [
        testing.PlannedOidcProvider(PROVIDER_ARN, "resource", "oidc", ISSUER, ("sts.amazonaws.com",), ("s3",))
    ]
    assert plan.outputs == {
        "arn": "arn:aws:eks:us-west-2:111122223333:cluster/prod",
        "ca": "",
        "endpoint": "https://prod.eks.us-west-2.offline.invalid",
    }
    assert (
        f"Created by this program's `aws.iam.OpenIdConnectProvider` `oidc`, for `{ISSUER}`, audiences "
        "`sts.amazonaws.com`."
    ) in testing.to_markdown(plan)
    assert "| ServiceAccount | `ack-system/ack-s3-controller` trusted; not touched (mode `none`) |" in (
        testing.to_markdown(plan)
    )


def test_get_cluster_answers_what_a_kubeconfig_is_built_from() -> None:
    def program() -> dict[str, pulumi.Output[str]]:
        oidc = ClusterOidcProvider("cluster", {"cluster_name": "prod"})
        ControllerIrsa("s3", {"service": "s3", "oidc_provider": oidc})
        looked_up = aws.eks.get_cluster_output(name="prod")
        return {"endpoint": looked_up.endpoint, "ca": looked_up.certificate_authorities[0].data}

    run = testing.run(program, facts=FACTS)
    assert run.outputs == {"endpoint": "https://prod.eks.us-west-2.offline.invalid", "ca": ""}
    assert [token for token, _ in run.invokes] == ["aws:eks/getCluster:getCluster"] * 2
    plan = testing.plan(program, facts=FACTS)
    assert [(p.source, p.made_by, p.trusted_by) for p in plan.oidc_providers] == [("created", "cluster", ("s3",))]
    assert f"Created for `{ISSUER}`, audiences `sts.amazonaws.com`." in testing.to_markdown(plan)


def test_adopted_providers_are_named_by_who_adopts_them() -> None:
    other = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF"

    def program() -> None:
        oidc = ClusterOidcProvider("cluster", {"provider_arn": PROVIDER_ARN})
        ControllerIrsa("s3", {"service": "s3", "oidc_provider": oidc, "extra_oidc_providers": [other]})
        ControllerIrsa("rds", {"service": "rds", "oidc_provider_arn": other})

    plan = testing.plan(program, facts=FACTS)
    assert [(p.arn, p.source, p.made_by, p.trusted_by) for p in plan.oidc_providers] == [
        (other, "arn", None, ("rds", "s3")),
        (PROVIDER_ARN, "adopted", "cluster", ("s3",)),
    ]
    markdown = testing.to_markdown(plan)
    assert f"Made outside this program, given to the controllers as an ARN: `{other}`\nTrusted by `rds`, `s3`." in (
        markdown
    )
    assert f"Adopted, not managed by this stack: `{PROVIDER_ARN}`\nTrusted by `s3`." in markdown


def test_a_component_of_another_package_is_refused_in_one_line_naming_its_type() -> None:
    def program() -> None:
        cluster = eks.Cluster("ack", create_oidc_provider=True)
        eks.ManagedNodeGroup("nodes", cluster=cluster, node_role_arn="arn:aws:iam::111122223333:role/nodes")

    with pytest.raises(testing.OfflineError) as refused:
        testing.run(program, facts=FACTS)
    assert str(refused.value) == (
        "offline run: no mock answers eks:index:ManagedNodeGroup ('nodes'), a component of another package whose "
        "outputs only its own plugin computes; answer it in the mocks (a subclass: add the type to `components` "
        "and return its outputs from new_resource)"
    )
    assert refused.value.__cause__ is None and refused.value.__suppress_context__  # not the SDK's chain


def test_a_lookup_no_mock_answers_is_refused_in_one_line_naming_it() -> None:
    def program() -> None:
        aws.ec2.get_vpc_output(default=True)

    with pytest.raises(testing.OfflineError, match=r"^offline run: no mock answers the lookup aws:ec2/getVpc:getVpc;"):
        testing.run(program, facts=FACTS)


def test_a_subclass_answers_what_the_mocks_do_not() -> None:
    class AddonMocks(testing.Mocks):
        components = testing.Mocks.components | {"eks:index:VpcCniAddon"}

        def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
            if args.typ == "eks:index:VpcCniAddon":
                return f"{args.name}-id", dict(args.inputs)
            return super().new_resource(args)

    def program() -> None:
        eks.VpcCniAddon("vpc-cni", cluster_name="ack")

    with pytest.raises(
        testing.OfflineError, match=r"^offline run: no mock answers eks:index:VpcCniAddon \('vpc-cni'\)"
    ):
        testing.run(program, facts=FACTS)
    run = testing.run(program, mocks=AddonMocks(FACTS))
    assert [(r.type, r.inputs["clusterName"]) for r in run.resources] == [("eks:index:VpcCniAddon", "ack")]


def test_the_default_facts_are_the_documentation_account_in_the_configs_region() -> None:
    def program() -> dict[str, pulumi.Output[str]]:
        return {"arn": eks.Cluster("ack", create_oidc_provider=True).oidc_provider_arn}

    assert testing.run(program).outputs["arn"] == (
        "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/<cluster-id>"
    )
    in_gov = testing.run(program, config={"aws:region": "us-gov-west-1"})
    assert in_gov.outputs["arn"].startswith("arn:aws-us-gov:iam::123456789012:oidc-provider/oidc.eks.us-gov-west-1.")
    with pytest.raises(ValueError, match=r"^aws:region: "):
        testing.run(program, config={"aws:region": "us-west-9"})


# --- a program directory, as `pulumi up` runs it ---------------------------------------------------------------


def write_program(folder: Path, runtime: str = "python", main: str | None = None) -> Path:
    project = {"name": "platform", "runtime": {"name": runtime}, "config": {"clusterName": {"default": "ack"}}}
    if main:
        project["main"] = main
    (folder / "Pulumi.yaml").write_text(json.dumps(project))
    code = folder / (main or ".")
    code.mkdir(exist_ok=True)
    (code / "services.py").write_text("SERVICES = ['s3']\n")
    (code / "__main__.py").write_text(
        textwrap.dedent(
            """
            import pulumi
            import pulumi_eks as eks
            from ack_irsa import ControllerIrsa
            from services import SERVICES  # a module beside the program, as Pulumi's host finds it

            config = pulumi.Config()
            cluster = eks.Cluster(config.require("clusterName"), create_oidc_provider=True)
            for service in SERVICES + config.get_object("more", []):
                ControllerIrsa(service, {"service": service, "oidc_provider_arn": cluster.oidc_provider_arn,
                                         "service_account_mode": "none"})
            pulumi.export("stack", pulumi.get_stack())
            """
        )
    )
    return folder


def test_a_program_directory_runs_with_its_config_and_stack_file(tmp_path: Path) -> None:
    write_program(tmp_path, main="infra")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  platform:more: [rds]\n  aws:region: us-west-2\n")
    run = testing.run(tmp_path, stack="dev")
    assert [r.name for r in run.of_type("ack-irsa:index:ControllerIrsa")] == ["s3", "rds"]
    assert run.outputs == {"stack": "dev"}
    assert run.facts.region == "us-west-2"
    assert [r.name for r in run.of_type("ack-irsa:index:ControllerIrsa")] == ["s3", "rds"]
    plan = testing.plan(tmp_path, config={"platform:clusterName": "prod"}, facts=FACTS)  # no stack file
    assert [(p.source, p.made_by, p.trusted_by) for p in plan.oidc_providers] == [("pulumi-eks", "prod", ("s3",))]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: write_program(d, runtime="nodejs"), "runtime 'nodejs': only a Python program runs offline here"),
        (lambda d: (d / "Pulumi.yaml").write_text("name: x\nruntime: python\nmain: src\n"), "the program's main"),
        (lambda d: None, "no Pulumi.yaml here"),
    ],
)
def test_a_directory_that_is_not_a_python_program_is_refused(tmp_path: Path, setup, message: str) -> None:
    setup(tmp_path)
    with pytest.raises(ValueError, match=message):
        testing.load_program(tmp_path)


def test_a_relative_directory_that_is_not_there_says_where_it_was_looked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError) as error:
        testing.load_program("infra")
    assert str(error.value) == (
        f"program directory infra: not a directory (a relative path is read from the working directory, {tmp_path})"
    )


def test_a_stack_without_its_file_is_refused(tmp_path: Path) -> None:
    write_program(tmp_path)
    with pytest.raises(ValueError, match=r"Pulumi.prod.yaml: no such stack file \(stacks here: none\)"):
        testing.run(tmp_path, stack="prod")


# --- the README's examples, as they are written -----------------------------------------------------------------

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_block(name: str) -> str:
    text = README.read_text(encoding="utf-8")
    return text.split(f"<!-- {name}:start -->\n```python\n", 1)[1].split(f"```\n<!-- {name}:end -->", 1)[0]


def test_the_readme_test_of_your_own_program_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's pulumi-eks program as ``infra/__main__.py``, and its test module run as pytest would run it:
    every ``test_`` function called."""
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "Pulumi.yaml").write_text("name: platform\nruntime: python\n")
    (infra / "__main__.py").write_text(readme_block("pulumi-eks-program"))
    monkeypatch.chdir(infra.parent.parent)  # pytest started elsewhere: the test finds infra/ beside itself
    module: dict[str, object] = {"__name__": "test_infra", "__file__": str(tmp_path / "test_infra.py")}
    exec(compile(readme_block("testing-your-program"), "README.md", "exec"), module)
    tests = [value for name, value in module.items() if name.startswith("test_") and callable(value)]
    assert len(tests) == 2
    for test in tests:
        test()


def test_the_readme_test_fails_when_the_program_is_wrong(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's tests can fail: the same program with another ServiceAccount fails both."""
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "Pulumi.yaml").write_text("name: platform\nruntime: python\n")
    wrong = readme_block("pulumi-eks-program").replace(
        '"service": "s3",', '"service": "s3", "service_account_name": "s3",'
    )
    assert wrong != readme_block("pulumi-eks-program")
    (infra / "__main__.py").write_text(wrong)
    monkeypatch.chdir(infra.parent.parent)  # pytest started elsewhere: the test finds infra/ beside itself
    module: dict[str, object] = {"__name__": "test_infra", "__file__": str(tmp_path / "test_infra.py")}
    exec(compile(readme_block("testing-your-program"), "README.md", "exec"), module)
    for name in (
        "test_the_controller_trusts_the_clusters_own_provider",
        "test_the_role_admits_only_the_controllers_service_account",
    ):
        with pytest.raises(AssertionError):
            module[name]()  # type: ignore[operator]


def test_the_readme_offline_plan_of_your_own_program_runs(capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(readme_block("own-program"), "README.md", "exec"), {"__name__": "readme"})
    out = capsys.readouterr().out
    assert out.startswith("# ack-irsa plan: stack `prod`\n\n## Summary\n\n")
    assert "\n## OIDC provider\n\nCreated for " in out
    assert " | `ack-system/ack-s3-controller` | " in out.split("## OIDC provider")[0]  # the summary names it
    assert "## Controller `rds`" in out
    assert "| Role ARN | `arn:aws:iam::111122223333:role/ack-s3-prod-eks-" in out
    assert "oidc.eks.us-east-1.amazonaws.com/id/5C7D1E9A3B2F4E6D8A0C1B3D5F7E9A2C:sub" in out
    assert "ARN: `arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/5C7D1E9A3B2F4E6D" in out
