"""EKS Pod Identity beside IRSA: the trust of each mode (exactly, and against its intent), the association,
what happens to the ServiceAccount and the restart, the stack program, and bad input."""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any

import pulumi
import pytest

from ack_irsa import ArgsError, ClusterOidcProvider, ControllerIrsa
from ack_irsa.iam.trust import TrustedAssociation, pod_identity_trust_policy
from ack_irsa.stack import program

from .conftest import (
    ACCOUNT,
    DEV_EKS_ARN,
    ISSUER_HOST,
    ISSUER_URL,
    POD_IDENTITY_STATEMENT,
    PROVIDER_ARN,
    refused,
    run,
    trust_policy,
)

ASSOCIATION = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
ADDON = "aws:eks/addon:Addon"
SUBJECT = "system:serviceaccount:ack-system:ack-s3-controller"


def controller(identity: str, **extra: Any) -> Any:
    def program_() -> dict[str, Any]:
        oidc = ClusterOidcProvider("cluster", {"cluster_name": "dev-eks"})
        irsa = ControllerIrsa("s3", {"service": "s3", "oidc_provider": oidc, "identity": identity, **extra})  # type: ignore[typeddict-item]
        return {"role_arn": irsa.role_arn, "role_name": irsa.role_name}

    return program_


def test_pod_identity_trusts_the_service_with_the_session_tags_pinned() -> None:
    result = run(controller("pod_identity"), issuers={"dev-eks": ISSUER_URL})
    assert trust_policy(result, "s3") == {"Version": "2012-10-17", "Statement": [POD_IDENTITY_STATEMENT]}
    (association,) = result.of_type(ASSOCIATION)
    assert association.inputs == {
        "clusterName": "dev-eks",
        "namespace": "ack-system",
        "serviceAccount": "ack-s3-controller",
        "roleArn": result.outputs["role_arn"],
    }
    assert association.parent == result.named("s3").urn
    # no annotation to patch: a stack moved from irsa releases the one it owned
    assert result.of_type("kubernetes:core/v1:ServiceAccountPatch") == []
    restart = result.named("s3-restart")
    assert restart.inputs["spec"]["template"]["metadata"]["annotations"] == {
        "ack-irsa/role-arn": result.outputs["role_arn"],
        "ack-irsa/pod-identity-association": "a-s3-pod-identity",
    }
    assert association.urn in restart.dependencies
    assert result.named("s3-role").inputs["description"].endswith("EKS Pod Identity, managed by ack-irsa")


def test_both_holds_the_two_trusts_the_association_and_the_annotation() -> None:
    result = run(controller("both"), issuers={"dev-eks": ISSUER_URL})
    assert trust_policy(result, "s3")["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Federated": PROVIDER_ARN},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {f"{ISSUER_HOST}:sub": SUBJECT, f"{ISSUER_HOST}:aud": "sts.amazonaws.com"}},
        },
        POD_IDENTITY_STATEMENT,
    ]
    assert len(result.of_type(ASSOCIATION)) == 1
    annotations = result.named("s3-service-account").inputs["metadata"]["annotations"]
    assert annotations == {"eks.amazonaws.com/role-arn": result.outputs["role_arn"]}
    # the role keeps its IRSA name: moving to both replaces nothing
    irsa = run(controller("irsa"), issuers={"dev-eks": ISSUER_URL})
    assert result.outputs["role_name"] == irsa.outputs["role_name"]


def test_irsa_is_what_it_always_was() -> None:
    result = run(controller("irsa"), issuers={"dev-eks": ISSUER_URL})
    assert result.of_type(ASSOCIATION) == []
    assert list(result.named("s3-restart").inputs["spec"]["template"]["metadata"]["annotations"]) == [
        "ack-irsa/role-arn"
    ]


def test_create_mode_creates_the_service_account_without_annotation() -> None:
    result = run(controller("pod_identity", service_account_mode="create"), issuers={"dev-eks": ISSUER_URL})
    account = result.named("s3-service-account")
    assert account.type == "kubernetes:core/v1:ServiceAccount"
    assert account.inputs["metadata"] == {"name": "ack-s3-controller", "namespace": "ack-system"}


DR_EKS_ARN = f"arn:aws:eks:us-east-1:{ACCOUNT}:cluster/dr-eks"


def pinned(tag: str, clusters: Any) -> dict[str, Any]:
    """The Pod Identity statement of the s3 controller pinning the cluster ``tag`` (``arn`` or ``name``)."""
    equals = {**POD_IDENTITY_STATEMENT["Condition"]["StringEquals"]}  # type: ignore[index]
    del equals["aws:RequestTag/eks-cluster-arn"]
    return {
        **POD_IDENTITY_STATEMENT,
        "Condition": {"StringEquals": {**equals, f"aws:RequestTag/eks-cluster-{tag}": clusters}},
    }


def test_a_role_for_several_clusters_admits_each_by_arn_where_known_else_by_name() -> None:
    """The cluster the association is made on is pinned by its ARN (the stack's partition, region and account);
    another cluster given by name only by its name, in a statement of its own (its region is not known)."""
    result = run(controller("pod_identity", extra_cluster_names=["dr-eks"]), issuers={"dev-eks": ISSUER_URL})
    assert trust_policy(result, "s3")["Statement"] == [pinned("arn", DEV_EKS_ARN), pinned("name", "dr-eks")]
    assert len(result.of_type(ASSOCIATION)) == 1  # the other cluster's stack makes its association
    by_arn = run(controller("pod_identity", extra_cluster_names=[DR_EKS_ARN]), issuers={"dev-eks": ISSUER_URL})
    assert trust_policy(by_arn, "s3")["Statement"] == [pinned("arn", [DEV_EKS_ARN, DR_EKS_ARN])]
    both = run(
        controller("pod_identity", extra_cluster_names=[DR_EKS_ARN, "qa-eks", "x-eks"]), issuers={"dev-eks": ISSUER_URL}
    )
    assert trust_policy(both, "s3")["Statement"] == [
        pinned("arn", [DEV_EKS_ARN, DR_EKS_ARN]),
        pinned("name", ["qa-eks", "x-eks"]),
    ]


def test_the_cluster_of_the_same_name_elsewhere_is_refused() -> None:
    document = pod_identity_trust_policy(TrustedAssociation("ack-system", "ack-s3-controller", (DEV_EKS_ARN,)))
    for arn in (
        DEV_EKS_ARN.replace("us-west-2", "eu-west-1"),
        DEV_EKS_ARN.replace(ACCOUNT, "444455556666"),
        DEV_EKS_ARN + "x",
    ):
        session = {**TAGS, "aws:RequestTag/eks-cluster-arn": arn}
        assert not admits(document, "pods.eks.amazonaws.com", "sts:AssumeRole", session)
    assert admits(document, "pods.eks.amazonaws.com", "sts:AssumeRole", TAGS)


def test_an_extra_cluster_arn_in_another_partition_is_refused_when_the_stacks_is_known() -> None:
    china = "arn:aws-cn:eks:cn-north-1:111122223333:cluster/dr-eks"
    with pytest.raises(Exception, match=re.escape(f"extra_cluster_names[0]: {china!r} is in partition 'aws-cn'")):
        run(controller("pod_identity", extra_cluster_names=[china]), issuers={"dev-eks": ISSUER_URL})


def test_pod_identity_alone_looks_up_the_partition_region_and_account_once() -> None:
    def program_() -> None:
        for service in ("s3", "rds", "sqs"):
            ControllerIrsa(service, {"service": service, "identity": "pod_identity", "cluster_name": "dev-eks"})

    result = run(program_)
    assert sorted(token for token, _ in result.invokes) == [
        "aws:index/getCallerIdentity:getCallerIdentity",
        "aws:index/getPartition:getPartition",
        "aws:index/getRegion:getRegion",
    ]
    assert result.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    assert result.named("s3-AmazonS3FullAccess").inputs["policyArn"] == "arn:aws:iam::aws:policy/AmazonS3FullAccess"
    assert result.named("s3-role").inputs["name"].startswith("ack-s3-dev-eks-")


def test_a_cluster_name_known_only_at_deploy_time() -> None:
    def program_() -> dict[str, Any]:
        irsa = ControllerIrsa(
            "s3", {"service": "s3", "identity": "pod_identity", "cluster_name": pulumi.Output.from_input("late-eks")}
        )
        return {"role_name": irsa.role_name}

    result = run(program_)
    assert result.named("s3-pod-identity").inputs["clusterName"] == "late-eks"
    statement = trust_policy(result, "s3")["Statement"][0]
    late = f"arn:aws:eks:us-west-2:{ACCOUNT}:cluster/late-eks"
    assert statement["Condition"]["StringEquals"]["aws:RequestTag/eks-cluster-arn"] == late


# --- the trust against its intent: the right association admitted, every neighbour refused ----------------


def admits(document: dict[str, Any], principal: str, action: str, tags: dict[str, str]) -> bool:
    """An evaluation of an Allow-only trust policy with StringEquals conditions, as STS does for these."""
    for statement in document["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if statement["Principal"].get("Service") != principal or not any(fnmatch.fnmatch(action, a) for a in actions):
            continue
        wanted = statement["Condition"]["StringEquals"]
        if all(tags.get(key) in (value if isinstance(value, list) else [value]) for key, value in wanted.items()):
            return True
    return False


TAGS = {
    "aws:RequestTag/kubernetes-namespace": "ack-system",
    "aws:RequestTag/kubernetes-service-account": "ack-s3-controller",
    "aws:RequestTag/eks-cluster-arn": DEV_EKS_ARN,
    "aws:RequestTag/eks-cluster-name": "dev-eks",
}
"""The session tags EKS sets for the controller's pods on dev-eks."""


def test_the_pod_identity_trust_policy_is_one_statement_in_the_current_language() -> None:
    document = pod_identity_trust_policy(TrustedAssociation("ack-system", "ack-s3-controller", (DEV_EKS_ARN,)))
    assert document == {"Version": "2012-10-17", "Statement": [POD_IDENTITY_STATEMENT]}


@pytest.mark.parametrize("action", ["sts:AssumeRole", "sts:TagSession"])
def test_the_association_of_this_controller_is_admitted(action: str) -> None:
    document = pod_identity_trust_policy(TrustedAssociation("ack-system", "ack-s3-controller", (DEV_EKS_ARN,)))
    assert admits(document, "pods.eks.amazonaws.com", action, TAGS)


@pytest.mark.parametrize(
    ("principal", "action", "change"),
    [
        ("pods.eks.amazonaws.com", "sts:AssumeRole", {"aws:RequestTag/kubernetes-namespace": "default"}),
        (
            "pods.eks.amazonaws.com",
            "sts:AssumeRole",
            {"aws:RequestTag/kubernetes-service-account": "ack-rds-controller"},
        ),
        ("pods.eks.amazonaws.com", "sts:AssumeRole", {"aws:RequestTag/eks-cluster-arn": DEV_EKS_ARN + "-prod"}),
        ("pods.eks.amazonaws.com", "sts:AssumeRole", {"aws:RequestTag/eks-cluster-arn": ""}),
        ("pods.eks.amazonaws.com", "sts:AssumeRoleWithWebIdentity", {}),
        ("ec2.amazonaws.com", "sts:AssumeRole", {}),
        ("eks.amazonaws.com", "sts:AssumeRole", {}),
    ],
)
def test_every_neighbour_is_refused(principal: str, action: str, change: dict[str, str]) -> None:
    document = pod_identity_trust_policy(TrustedAssociation("ack-system", "ack-s3-controller", (DEV_EKS_ARN,)))
    assert not admits(document, principal, action, {**TAGS, **change})
    untagged = {k: v for k, v in TAGS.items() if k not in change}  # a session without that tag
    assert not admits(document, principal, action, untagged) or (principal, action, change) == ()


# --- the stack program ---------------------------------------------------------------------------------


def stack(*controllers: Any, **keys: Any) -> dict[str, str]:
    values = {"clusterName": "dev-eks", **keys, "controllers": list(controllers)}
    return {f"ack-irsa:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in values.items()} | {
        "aws:region": "us-west-2"
    }


def test_a_stack_all_on_pod_identity_creates_no_oidc_provider() -> None:
    result = run(program.main, config=stack({"service": "s3"}, {"service": "rds"}, identity="podIdentity"))
    assert sorted(token for token, _ in result.invokes) == [  # aws:region is set
        "aws:index/getCallerIdentity:getCallerIdentity",
        "aws:index/getPartition:getPartition",
    ]
    assert result.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    assert "oidcProviderArn" not in result.outputs
    assert sorted(r.name for r in result.of_type(ASSOCIATION)) == ["rds-pod-identity", "s3-pod-identity"]


def test_a_controller_may_differ_from_the_stack() -> None:
    config = stack({"service": "s3"}, {"service": "rds", "identity": "both"}, identity="irsa")
    result = run(program.main, config=config, issuers={"dev-eks": ISSUER_URL})
    assert [r.name for r in result.of_type(ASSOCIATION)] == ["rds-pod-identity"]
    assert len(result.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")) == 1


def test_the_agent_add_on_is_installed_on_request_and_kept() -> None:
    config = stack({"service": "s3"}, identity="podIdentity", podIdentityAgent="install")
    result = run(program.main, config=config)
    (addon,) = result.of_type(ADDON)
    assert addon.inputs == {"clusterName": "dev-eks", "addonName": "eks-pod-identity-agent"}
    assert addon.retain_on_delete is True
    assert addon.urn in result.named("s3-restart").dependencies
    assert run(program.main, config=stack({"service": "s3"}, identity="podIdentity")).of_type(ADDON) == []


BAD = [
    (
        "misspelt mode",
        stack({"service": "s3", "identity": "podidentity"}),
        [
            "ack-irsa:controllers[0].identity: must be 'irsa', 'podIdentity' or 'both', got 'podidentity'; did you "
            "mean 'podIdentity'?"
        ],
    ),
    (
        "misspelt stack mode",
        stack({"service": "s3"}, identity="pod-identity"),
        ["ack-irsa:identity: must be 'irsa', 'podIdentity' or 'both', got 'pod-identity'; did you mean 'podIdentity'?"],
    ),
    (
        "an unknown mode",
        stack({"service": "s3"}, identity="kiam"),
        ["ack-irsa:identity: must be 'irsa', 'podIdentity' or 'both', got 'kiam'"],
    ),
    (
        "no clusterName, issuer only",
        {k: v for k, v in stack({"service": "s3"}, identity="podIdentity").items() if k != "ack-irsa:clusterName"}
        | {"ack-irsa:issuerUrl": ISSUER_URL},
        [
            "ack-irsa:clusterName: is required for identity 'podIdentity' or 'both' (an EKS Pod Identity association "
            "names its cluster), which controllers[0] use"
        ],
    ),
    (
        "no clusterName, adopted provider only",
        {
            k: v
            for k, v in stack({"service": "s3"}, {"service": "rds", "identity": "both"}).items()
            if k != "ack-irsa:clusterName"
        }
        | {"ack-irsa:oidcProviderArn": PROVIDER_ARN},
        [
            "ack-irsa:clusterName: is required for identity 'podIdentity' or 'both' (an EKS Pod Identity association "
            "names its cluster), which controllers[1] use"
        ],
    ),
    (
        "extra OIDC providers on pod identity",
        stack({"service": "s3", "identity": "podIdentity", "extraOidcProviders": [PROVIDER_ARN]}),
        [
            "ack-irsa:controllers[0].extraOidcProviders: means nothing for identity 'pod_identity': the role trusts "
            "EKS Pod Identity, not OIDC providers; list other clusters in extraClusterNames"
        ],
    ),
    (
        "wildcard subject on pod identity",
        stack(
            {
                "service": "s3",
                "identity": "podIdentity",
                "namespace": "team-*",
                "allowWildcardSubject": True,
                "serviceAccountMode": "none",
            }
        ),
        [
            "ack-irsa:controllers[0].serviceAccountName: a wildcard means nothing for identity 'pod_identity': an "
            "association names one ServiceAccount"
        ],
    ),
    (
        "extra ServiceAccounts on pod identity",
        stack({"service": "s3", "identity": "podIdentity", "extraServiceAccounts": ["team-a:sa"]}),
        [
            "ack-irsa:controllers[0].extraServiceAccounts: means nothing for identity 'pod_identity': an association "
            "admits exactly one ServiceAccount"
        ],
    ),
    (
        "agent install without a cluster",
        {
            k: v
            for k, v in stack({"service": "s3"}, podIdentityAgent="install", identity="both").items()
            if k != "ack-irsa:clusterName"
        }
        | {"ack-irsa:oidcProviderArn": PROVIDER_ARN},
        [
            "ack-irsa:clusterName: is required for identity 'podIdentity' or 'both' (an EKS Pod Identity association "
            "names its cluster), which controllers[0] use",
            "ack-irsa:podIdentityAgent: 'install' needs clusterName, the cluster the add-on is installed on (a stack "
            "that only adopts a provider names no cluster)",
        ],
    ),
    (
        "agent mode misspelt",
        stack({"service": "s3"}, podIdentityAgent="installed"),
        ["ack-irsa:podIdentityAgent: Input should be 'present' or 'install', got 'installed'"],
    ),
    (
        "two controllers on one ServiceAccount",
        stack({"service": "s3"}, {"service": "rds", "serviceAccountName": "ack-s3-controller"}, identity="podIdentity"),
        [
            "ack-irsa:controllers[1]: controllers[0] has a Pod Identity association for the ServiceAccount "
            "ack-system/ack-s3-controller already; EKS allows one per ServiceAccount"
        ],
    ),
    (
        "extra cluster names on irsa",
        stack({"service": "s3", "extraClusterNames": ["dr-eks"]}),
        ["ack-irsa:controllers[0].extraClusterNames: applies to Pod Identity only (identity 'pod_identity' or 'both')"],
    ),
    (
        "an extra cluster name that is no name, and one listed twice",
        stack({"service": "s3", "identity": "podIdentity", "extraClusterNames": ["dr eks", "dev-eks"]}),
        [
            "ack-irsa:controllers[0].extraClusterNames[0]: 'dr eks' is not an EKS cluster name (1 to 100 letters, "
            "digits, '-' and '_')",
            "ack-irsa:controllers[0].extraClusterNames[1]: 'dev-eks' is listed already",
        ],
    ),
    (
        "an extra cluster ARN that is no cluster's, and one listed twice",
        stack(
            {
                "service": "s3",
                "identity": "podIdentity",
                "extraClusterNames": [
                    "arn:aws:eks:us-east-1:1234:cluster/dr-eks",
                    "arn:aws:eks:us-east-1:111122223333:nodegroup/dr-eks",
                    DR_EKS_ARN,
                    DR_EKS_ARN,
                ],
            }
        ),
        [
            "ack-irsa:controllers[0].extraClusterNames[0]: 'arn:aws:eks:us-east-1:1234:cluster/dr-eks' is neither "
            "an EKS cluster name (1 to 100 letters, digits, '-' and '_') nor an EKS cluster ARN "
            "(arn:<partition>:eks:<region>:<12-digit account>:cluster/<name>)",
            "ack-irsa:controllers[0].extraClusterNames[1]: 'arn:aws:eks:us-east-1:111122223333:nodegroup/dr-eks' is "
            "neither an EKS cluster name (1 to 100 letters, digits, '-' and '_') nor an EKS cluster ARN "
            "(arn:<partition>:eks:<region>:<12-digit account>:cluster/<name>)",
            f"ack-irsa:controllers[0].extraClusterNames[3]: '{DR_EKS_ARN}' is listed already",
        ],
    ),
]


@pytest.mark.parametrize(("case", "config", "problems"), BAD, ids=[c for c, _, _ in BAD])
def test_bad_pod_identity_config_is_refused_before_anything_is_created(
    case: str, config: dict[str, str], problems: list[str]
) -> None:
    assert refused(config, {"dev-eks": ISSUER_URL}) == problems


def test_the_python_api_needs_a_cluster_for_pod_identity() -> None:
    def program_() -> None:
        ControllerIrsa("s3", {"service": "s3", "identity": "pod_identity"})

    with pytest.raises(ArgsError) as raised:
        run(program_)
    assert str(raised.value) == (
        "ControllerIrsa 's3': cluster_name: is required for identity 'pod_identity': Pod Identity associates a "
        "ServiceAccount of a cluster, named by cluster_name (or a ClusterOidcProvider made with cluster_name)"
    )


def test_the_staging_example_stack_is_on_pod_identity(capsys: pytest.CaptureFixture[str]) -> None:
    from ack_irsa.commands import main as cli

    from .conftest import ROOT

    assert cli(["render", "--project-dir", str(ROOT), "--stack", "staging", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    types = [r["type"] for r in document["resources"]]
    assert "aws:iam/openIdConnectProvider:OpenIdConnectProvider" not in types
    assert types.count(ASSOCIATION) == 3 and types.count(ADDON) == 1
    assert [(r["controller"], r["id"], r["acknowledged"]) for r in document["risks"] if r["controller"] == "iam"] == [
        ("iam", "privilege-escalation", True)
    ]
    assert "oidcProviderArn" not in document["outputs"]


IDENTITY_TYPOS = [
    ("pod-identity", "identity: 'pod-identity' is not one of 'irsa', 'pod_identity' or 'both'; did you mean 'pod_identity'?"),
    ("zzz", "identity: 'zzz' is not one of 'irsa', 'pod_identity' or 'both'"),
    (5, "identity: 5 is not one of 'irsa', 'pod_identity' or 'both'"),
]  # fmt: skip


@pytest.mark.parametrize(("identity", "message"), IDENTITY_TYPOS)
def test_an_unknown_identity_is_named_with_the_closest_one(identity: object, message: str) -> None:
    from ack_irsa.spec.controller import resolve_controller

    with pytest.raises(ArgsError) as raised:
        resolve_controller({"service": "s3", "identity": identity, "oidc_provider_arn": PROVIDER_ARN})
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"cluster_name": "bad name!"}, "cluster_name: 'bad name!' is not an EKS cluster name (1 to 100 letters, digits, '-' and '_')"),
        ({"cluster_name": "dev", "extra_cluster_names": "x"}, "extra_cluster_names: must be a list of EKS cluster names, got 'x'"),
        ({"cluster_name": "dev", "extra_cluster_names": [5]}, "extra_cluster_names[0]: 5 is not an EKS cluster name (1 to 100 letters, digits, '-' and '_')"),
    ],
)  # fmt: skip
def test_cluster_names_for_pod_identity_are_checked(args: dict[str, object], message: str) -> None:
    from ack_irsa.spec.controller import resolve_controller

    with pytest.raises(ArgsError) as raised:
        resolve_controller({"service": "s3", "identity": "pod_identity", **args})
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("identity", "extras", "size"),
    [("pod_identity", 20, 2567), ("both", 19, 2924)],
)
def test_the_trust_policy_is_sized_with_every_cluster_it_names(identity: str, extras: int, size: int) -> None:
    """Many extra clusters make the Pod Identity statement by name long; the size counts each name exactly, and
    the cluster's own ARN (its own statement) at its longest: its partition and region are known only at
    deploy time, so "would be up to"."""
    from ack_irsa.spec.controller import resolve_controller

    names = [f"cluster-{n:02d}-" + "x" * 80 for n in range(extras)]
    args: dict[str, Any] = {"service": "s3", "identity": identity, "cluster_name": "dev", "extra_cluster_names": names}
    args |= {"trust_policy_max_chars": 2048} | ({"oidc_provider_arn": PROVIDER_ARN} if identity == "both" else {})
    with pytest.raises(ArgsError) as raised:
        resolve_controller(args)
    assert str(raised.value) == (
        f"the trust policy would be up to {size} characters; the limit is 2048 "
        "(if your account's quota is higher, set trust_policy_max_chars)"
    )
    assert resolve_controller(args | {"trust_policy_max_chars": size}).identity == identity


def test_a_wildcard_service_account_means_nothing_for_pod_identity() -> None:
    from ack_irsa.spec.controller import resolve_controller

    args = {"service": "s3", "identity": "pod_identity", "cluster_name": "dev", "service_account_name": "ack-*"}
    with pytest.raises(ArgsError) as raised:
        resolve_controller(args | {"allow_wildcard_subject": True, "service_account_mode": "none"})
    assert str(raised.value) == (
        "service_account_name: a wildcard means nothing for identity 'pod_identity': "
        "an association names one ServiceAccount"
    )


def test_the_cluster_name_is_kept_only_where_an_association_needs_it() -> None:
    from ack_irsa.spec.controller import resolve_controller

    irsa = resolve_controller({"service": "s3", "oidc_provider_arn": PROVIDER_ARN, "cluster_name": "dev"})
    assert irsa.cluster_name is None
    pod = resolve_controller({"service": "s3", "identity": "pod_identity", "cluster_name": "dev"})
    assert pod.cluster_name == "dev"


def test_the_plan_says_when_it_assumes_the_agent_is_installed(
    capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    from ack_irsa.commands import main as cli

    from .conftest import ROOT

    note = (
        "> ℹ️ EKS Pod Identity relies on the `eks-pod-identity-agent` add-on, which this stack **assumes is installed**"
    )
    for agent, said in (("present", True), ("install", False)):
        path = tmp_path / f"Pulumi.{agent}.yaml"
        path.write_text(
            "config:\n  aws:region: us-west-2\n  ack-irsa:clusterName: dev\n  ack-irsa:identity: podIdentity\n"
            f"  ack-irsa:podIdentityAgent: {agent}\n  ack-irsa:controllers:\n    - service: s3\n"
        )
        assert cli(["render", "--project-dir", str(ROOT), "--config-file", str(path)]) == 0
        summary = capsys.readouterr().out.split("## Summary")[1].split("## OIDC provider")[0]
        assert (note in summary) is said


def test_moving_the_pin_from_the_name_to_the_arn_is_no_widening_in_the_diff() -> None:
    from ack_irsa.review.diff import _wider_trust

    by_name = pinned("name", "dev-eks")
    assert _wider_trust([by_name], [pinned("arn", DEV_EKS_ARN)]) is None
    assert _wider_trust([by_name], [pinned("arn", [DEV_EKS_ARN, DR_EKS_ARN])]) is not None  # another cluster
    assert _wider_trust([pinned("arn", DEV_EKS_ARN)], [by_name]) is not None  # back to the name: wider
