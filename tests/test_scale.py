"""What the benchmarks measure, as counts the tests can hold exactly (times are only printed, by bench/)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from ack_irsa import catalog
from ack_irsa.review import offline
from bench.scale import cdk_policies, fleet, floor

from .conftest import ROOT, run

ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
INLINE = "aws:iam/rolePolicy:RolePolicy"
KIND = {
    "aws:iam/role:Role": "role",
    ATTACHMENT: "attachment",
    INLINE: "inline",
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "exclusive",
    "aws:iam/rolePoliciesExclusive:RolePoliciesExclusive": "exclusive",
    "kubernetes:core/v1:ServiceAccountPatch": "service-account",
    "kubernetes:apps/v1:DeploymentPatch": "restart",
}


def every_controller_on(clusters: int) -> offline.OfflineRun:
    return run(lambda: fleet(catalog.services(), clusters))


@pytest.fixture(scope="module")
def one_cluster() -> offline.OfflineRun:
    """Every catalog controller on one cluster, built once for the tests that only read it."""
    return every_controller_on(1)


def test_invokes_are_one_per_cluster_whatever_the_number_of_controllers(one_cluster: offline.OfflineRun) -> None:
    def clusters_looked_up(result: offline.OfflineRun) -> list[str]:
        assert {token for token, _ in result.invokes} == {"aws:eks/getCluster:getCluster"}
        return sorted(args["name"] for _, args in result.invokes)

    assert clusters_looked_up(run(lambda: fleet(["s3"], 1))) == ["cluster-0"]
    assert clusters_looked_up(one_cluster) == ["cluster-0"]  # 82 controllers
    three = run(lambda: fleet(["s3", "ec2", "rds"], 3))
    assert clusters_looked_up(three) == ["cluster-0", "cluster-1", "cluster-2"]


def test_each_controller_registers_only_its_role_policies_service_account_and_restart(
    one_cluster: offline.OfflineRun,
) -> None:
    result = one_cluster
    urns = {r.urn: r.name for r in result.resources}
    per_controller: dict[str, Counter[str]] = {}
    for resource in result.resources:
        parent = urns.get(resource.parent)
        if parent and resource.type != "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            per_controller.setdefault(parent, Counter())[KIND[resource.type]] += 1
    assert len(per_controller) == 82
    for name, kinds in per_controller.items():
        controller = catalog.get(name.removesuffix("-0"))
        assert kinds == +Counter(  # unary plus drops the zero counts
            {
                "role": 1,
                "attachment": len(controller.managed_policies),
                "inline": 1 if controller.inline_policy is not None or not controller.has_recommended_policy else 0,
                "exclusive": 2,  # the managed and the inline set, claimed exclusively
                "service-account": 1,
                "restart": 1,
            }
        ), name
    assert len(result.resources) == 1 + 1 + sum(1 + sum(k.values()) for k in per_controller.values())


@pytest.mark.slow
def test_building_the_same_fleet_twice_gives_identical_inputs(one_cluster: offline.OfflineRun) -> None:
    def snapshot(result: offline.OfflineRun) -> list[tuple[str, str, str]]:
        return sorted((r.type, r.name, json.dumps(r.inputs, sort_keys=True)) for r in result.resources)

    assert snapshot(every_controller_on(1)) == snapshot(one_cluster)


def imported(statement: str) -> list[str]:
    loaded = "sorted({m.split('.')[0] for m in sys.modules if m.startswith('pulumi')})"
    code = f"import json, sys; {statement}; print(json.dumps({loaded}))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return list(json.loads(output.stdout))


@pytest.mark.slow
def test_only_the_provider_sdks_a_caller_uses_are_imported() -> None:
    assert imported("import ack_irsa") == []
    assert imported("from ack_irsa import catalog; catalog.get('s3')") == []
    assert imported("from ack_irsa import ClusterOidcProvider") == ["pulumi", "pulumi_aws"]
    assert imported("from ack_irsa import ControllerIrsa") == ["pulumi", "pulumi_aws"]  # Kubernetes: when used


def test_the_peer_does_the_same_job_by_hand(one_cluster: offline.OfflineRun) -> None:
    """bench/peer.py, the hand-written program ack-irsa is measured against: the same policies per controller,
    the same ServiceAccounts and restarts, one lookup per cluster; and what it leaves out, counted."""
    from bench.peer import fleet as peer

    ours, theirs = one_cluster, run(lambda: peer(catalog.services(), 1))
    assert [token for token, _ in theirs.invokes] == ["aws:eks/getCluster:getCluster"]

    def attached(result: offline.OfflineRun) -> list[str]:
        return sorted(r.inputs["policyArn"] for r in result.of_type(ATTACHMENT))

    def inline(result: offline.OfflineRun) -> list[dict[str, object]]:
        documents = (json.loads(r.inputs["policy"]) for r in result.of_type(INLINE))
        return sorted(documents, key=lambda d: json.dumps(d, sort_keys=True))

    assert attached(theirs) == attached(ours) and inline(theirs) == inline(ours)
    kinds = Counter(KIND.get(r.type, r.type) for r in theirs.resources)
    controllers = len(catalog.services())
    assert kinds["role"] == kinds["service-account"] == kinds["restart"] == controllers
    assert "exclusive" not in kinds and "ack-irsa:index:ControllerIrsa" not in kinds
    # what ack-irsa registers beyond the peer: a component and two exclusive policy sets per controller
    assert len(ours.resources) - len(theirs.resources) == 3 * controllers + 1  # and the OIDC provider's component


def test_the_sdk_floor_registers_exactly_as_many_trivial_resources() -> None:
    result = run(lambda: floor(7), schema_check="off")  # a stand-in type that no provider has
    registered = sorted((r.name, r.type, r.inputs, r.parent.rsplit("::", 1)[-1]) for r in result.resources)
    assert registered == [(f"r{n}", "bench:index:Trivial", {}, "ack-irsa-offline") for n in range(7)]
    assert result.invokes == []


def test_the_cdk_peer_is_given_the_policies_ack_irsa_attaches(tmp_path: Path, one_cluster: offline.OfflineRun) -> None:
    given = json.loads(cdk_policies(tmp_path).read_text())
    assert sorted(given) == catalog.services()
    arns = sorted(f"arn:aws:iam::aws:policy/{name}" for p in given.values() for name in p["managed"])
    assert arns == sorted(r.inputs["policyArn"] for r in one_cluster.of_type(ATTACHMENT))
    documents = sorted(json.dumps(p["inline"], sort_keys=True) for p in given.values() if p["inline"])
    put = sorted(json.dumps(json.loads(r.inputs["policy"]), sort_keys=True) for r in one_cluster.of_type(INLINE))
    assert documents == put
