"""The parts of the end-to-end suite that run here: prerequisites and the skip that is never a pass, the
ACK custom resource, waiting for conditions (a fake clock), and the leftover scan (moto, and botocore's
Stubber for the Pod Identity API moto lacks). The suite itself is not run on this machine."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from .conftest import ROOT, empty_moto
from .e2e.scenario import (
    HANDOVER_STEPS,
    Settings,
    Timeout,
    available,
    bucket_manifest,
    capability_config,
    capability_leftovers,
    condition,
    controller_entries,
    derived_policy_problems,
    handover_config,
    leftovers,
    missing_prerequisites,
    selected_and_synced,
    step_tag,
    synced,
    tagged,
    wait_for,
)

REGION = "us-west-2"

BUCKET = {
    "apiVersion": "s3.services.k8s.aws/v1alpha1",
    "kind": "Bucket",
    "metadata": {"name": "b", "namespace": "ack-system"},
    "spec": {"name": "b"},
    "status": {
        "ackResourceMetadata": {"ownerAccountID": "111122223333", "region": "us-west-2"},
        "conditions": [
            {"type": "ACK.ReferencesResolved", "status": "True"},
            {"type": "ACK.ResourceSynced", "status": "True", "message": "Resource synced successfully"},
        ],
    },
}


def test_settings_from_the_environment() -> None:
    settings = Settings.from_env(
        {"ACK_IRSA_E2E_ACCOUNT": "111122223333", "ACK_IRSA_E2E_CONTROLLERS": "s3,sqs", "ACK_IRSA_E2E_RUN_ID": "r1"}
    )
    assert settings == Settings("111122223333", "us-west-2", None, ("s3", "sqs"), "irsa", "r1")
    assert (settings.tags, settings.bucket) == ({"ack-irsa-e2e": "r1"}, "ack-irsa-e2e-r1")


def test_every_missing_prerequisite_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert missing_prerequisites({}, lambda: None) == [
        "no Pulumi CLI on PATH",
        "no AWS credentials",
        "ACK_IRSA_E2E_ACCOUNT is not set (the ID of a disposable account: the suite creates and destroys in it)",
    ]
    assert missing_prerequisites({"ACK_IRSA_E2E_ACCOUNT": "111122223333"}, lambda: "999988887777")[1:] == [
        "ACK_IRSA_E2E_ACCOUNT=111122223333, but the credentials are of account 999988887777"
    ]


def test_make_e2e_here_says_it_skipped_and_is_no_pass() -> None:
    done = subprocess.run(
        [sys.executable, "scripts/e2e.py"], cwd=ROOT, capture_output=True, text=True, check=False, env={"PATH": ""}
    )
    assert done.returncode == 77
    assert done.stderr.startswith("e2e SKIPPED (not a pass): no Pulumi CLI on PATH; no AWS credentials; ")


def test_the_suite_is_never_collected_by_make_test() -> None:
    from . import conftest

    assert conftest.collect_ignore == ["e2e"]


def test_the_bucket_and_its_conditions() -> None:
    assert bucket_manifest("b", "ack-system") == {k: v for k, v in BUCKET.items() if k != "status"}
    assert synced(BUCKET)
    assert condition(BUCKET, "ACK.ReferencesResolved") == "True"
    unsynced = json.loads(json.dumps(BUCKET))
    unsynced["status"]["conditions"][1]["status"] = "False"
    assert not synced(unsynced) and not synced({"status": {}}) and condition({}, "ACK.ResourceSynced") is None
    assert available({"spec": {"replicas": 2}, "status": {"availableReplicas": 2}})
    assert not available({"spec": {"replicas": 2}, "status": {"availableReplicas": 1}})
    assert not available({"spec": {"replicas": 0}, "status": {}})


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_waiting_until_done_or_out_of_time() -> None:
    clock, seen = Clock(), iter([{"n": 1}, {"n": 2}, {"n": 3}])
    assert wait_for(
        lambda: next(seen), lambda x: x["n"] == 3, "three", timeout=60, interval=5, clock=clock, sleep=clock.sleep
    ) == {"n": 3}
    assert clock.sleeps == [5, 5]
    clock = Clock()
    with pytest.raises(Timeout) as raised:
        wait_for(lambda: {"n": 0}, lambda x: False, "never", timeout=30, interval=10, clock=clock, sleep=clock.sleep)
    assert str(raised.value) == "never: not after 30 s; last seen: {'n': 0}"
    assert clock.sleeps == [10, 10, 10]


def test_the_leftover_scan(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    empty_moto(moto_url)
    iam = boto3.Session(region_name=REGION).client("iam", endpoint_url=moto_url)
    trust = json.dumps({"Version": "2012-10-17", "Statement": []})
    ours = iam.create_role(
        RoleName="ours", AssumeRolePolicyDocument=trust, Tags=[{"Key": "ack-irsa-e2e", "Value": "r1"}]
    )
    iam.create_role(RoleName="theirs", AssumeRolePolicyDocument=trust, Tags=[{"Key": "ack-irsa-e2e", "Value": "r2"}])
    iam.create_role(RoleName="untagged", AssumeRolePolicyDocument=trust)
    iam.attach_role_policy(RoleName="ours", PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
    eks = boto3.Session(region_name=REGION).client("eks")
    stubber = Stubber(eks)
    summary = {"clusterName": "dev-eks", "namespace": "ack-system", "serviceAccount": "sa", "associationId": "a-1"}
    stubber.add_response("list_pod_identity_associations", {"associations": [summary]}, {"clusterName": "dev-eks"})
    stubber.add_response(
        "describe_pod_identity_association",
        {"association": {**summary, "roleArn": ours["Role"]["Arn"]}},
        {"clusterName": "dev-eks", "associationId": "a-1"},
    )
    stubber.activate()
    assert leftovers(iam, eks, {"ack-irsa-e2e": "r1"}, "dev-eks") == [
        f"role {ours['Role']['Arn']}",
        "  attached arn:aws:iam::aws:policy/AmazonS3FullAccess",
        f"pod identity association a-1 ({ours['Role']['Arn']})",
    ]
    iam.detach_role_policy(RoleName="ours", PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
    iam.delete_role(RoleName="ours")
    assert leftovers(iam, eks, {"ack-irsa-e2e": "r1"}, "dev-eks") == []


def test_the_derived_scenarios_controllers() -> None:
    assert controller_entries(("s3", "sqs")) == [{"service": "s3"}, {"service": "sqs"}]
    assert controller_entries(("s3", "sqs"), "derived") == [
        {"service": "s3", "policy": "derived", "kinds": ["Bucket"]},
        {"service": "sqs"},
    ]
    assert controller_entries(("sqs",), "derived")[0] == {"service": "s3", "policy": "derived", "kinds": ["Bucket"]}
    with pytest.raises(ValueError, match="'recommended' or 'derived'"):
        controller_entries(("s3",), "derivd")


def test_the_derived_scenario_reads_the_roles_policies_from_iam(moto_url: str) -> None:
    from ack_irsa.catalog import derived

    empty_moto(moto_url)
    iam = boto3.client(
        "iam", region_name=REGION, endpoint_url=moto_url, aws_access_key_id="k", aws_secret_access_key="s"
    )
    document = derived.derive("s3", ["Bucket"]).document
    iam.create_role(RoleName="ack-s3", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
    assert derived_policy_problems(iam, "ack-s3", document) == ["no inline policy ack-derived-policy"]
    iam.put_role_policy(RoleName="ack-s3", PolicyName="ack-derived-policy", PolicyDocument=json.dumps(document))
    assert derived_policy_problems(iam, "ack-s3", document) == []
    # the recommendation left in place is what the scenario must catch
    iam.attach_role_policy(RoleName="ack-s3", PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
    recommended = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    iam.put_role_policy(RoleName="ack-s3", PolicyName="ack-controller-policy", PolicyDocument=json.dumps(recommended))
    assert derived_policy_problems(iam, "ack-s3", derived.derive("s3", ["Bucket"], []).document) == [
        "attached arn:aws:iam::aws:policy/AmazonS3FullAccess",
        "inline policy ack-controller-policy",
    ]
    assert derived_policy_problems(iam, "ack-s3", {"Version": "2012-10-17", "Statement": []})[-1] == (
        "ack-derived-policy is not the derived document"
    )
    empty_moto(moto_url)


def test_the_capability_scenarios_stack_config_is_one_the_program_accepts() -> None:
    from ack_irsa.stack.config import parse

    settings = Settings.from_env({"ACK_IRSA_E2E_ACCOUNT": "111122223333", "ACK_IRSA_E2E_RUN_ID": "r1"})
    config = capability_config(settings, "sandbox-eks", "ack-e2e")
    stack = parse(config)
    assert stack.capability is not None and stack.capability.name == "ack-e2e-r1"
    assert [(c.service, c.namespaces) for c in stack.controllers] == [("s3", ["ack-e2e"])]
    assert stack.tags == {"ack-irsa-e2e": "r1"}


def test_a_bucket_counts_only_once_a_selector_took_it_and_it_synced() -> None:
    selected = {"type": "ACK.IAMRoleSelected", "status": "True"}
    assert not selected_and_synced(BUCKET)  # synced, but through no selector: the capability role's own
    conditions: list[dict[str, Any]] = [*BUCKET["status"]["conditions"], selected]  # type: ignore[index]
    with_selector = {**BUCKET, "status": {"conditions": conditions}}
    assert selected_and_synced(with_selector)
    not_synced = {"status": {"conditions": [selected, {"type": "ACK.ResourceSynced", "status": "False"}]}}
    assert not selected_and_synced(not_synced)


def test_a_capability_left_behind_is_found() -> None:
    eks = boto3.Session(region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x").client("eks")
    stubber = Stubber(eks)
    found = {"capabilities": [{"capabilityName": "ack-e2e-r1", "type": "ACK"}]}
    stubber.add_response("list_capabilities", found, {"clusterName": "dev-eks"})
    stubber.add_response("list_capabilities", {"capabilities": []}, {"clusterName": "dev-eks"})
    stubber.activate()
    assert capability_leftovers(eks, "dev-eks", "ack-e2e-r1") == ["capability dev-eks/ack-e2e-r1"]
    assert capability_leftovers(eks, "dev-eks", "ack-e2e-r1") == []


def test_the_handover_scenarios_stack_file_at_each_step_is_one_the_program_accepts_in_order() -> None:
    from ack_irsa.stack import handover
    from ack_irsa.stack.config import parse

    settings = Settings.from_env({"ACK_IRSA_E2E_ACCOUNT": "111122223333", "ACK_IRSA_E2E_RUN_ID": "r1"})
    states = []
    for step in ("helm", *HANDOVER_STEPS):
        config = handover_config(settings, "sandbox-eks", step)
        stack = parse(config)
        assert [c.service for c in stack.self_managed_controllers] == ([] if step == "finish" else ["s3"])
        states.append(handover.state_of_config(config))
    assert states == ["helm", "prepare", "create", "handOver", "finish"]
    assert all(handover.transition_problem(a, b) is None for a, b in itertools.pairwise(states))


def test_the_step_tag_and_its_check() -> None:
    assert step_tag("create") == {"spec": {"tagging": {"tagSet": [{"key": "ack-irsa-e2e-step", "value": "create"}]}}}
    assert tagged({"TagSet": [{"Key": "ack-irsa-e2e-step", "Value": "create"}]}, "create")
    assert not tagged({"TagSet": [{"Key": "ack-irsa-e2e-step", "Value": "prepare"}]}, "create")
    assert not tagged({}, "create")
