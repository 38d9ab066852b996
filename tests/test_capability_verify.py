"""``verify`` of a managed capability: IAM on moto, EKS's capability and access-policy APIs with botocore's
Stubber (moto has neither), the cluster's selectors and ACK resources as recorded objects served to the real
Kubernetes client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from ack_irsa.iam.capability import capability_trust_policy, selected_role_trust_policy, selected_roles_policy
from ack_irsa.live.aws import Aws
from ack_irsa.live.capability import planned_selectors, verify_capability
from ack_irsa.live.kubernetes import Kubernetes
from ack_irsa.spec.capability import CapabilitySpec
from ack_irsa.stack import config, stackfile

from .conftest import ROOT, empty_moto, moto_clients
from .test_verify import RecordedApi, kubernetes  # noqa: F401 - the fixture

ACCOUNT = "123456789012"  # moto's
CAPABILITY_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ack-capability-prod"
SECRET_READER = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSSecretReaderPolicy"


def spec() -> CapabilitySpec:
    raw = stackfile.load(ROOT, ROOT / "stacks" / "Pulumi.capability.yaml").config
    return config.capability_spec(config.parse(raw))


def make_roles(iam: Any, capability: CapabilitySpec, trust_of_s3: dict[str, Any] | None = None) -> None:
    """The roles as the stack makes them."""
    iam.create_role(RoleName=capability.role_name, AssumeRolePolicyDocument=json.dumps(capability_trust_policy()))
    arns = []
    for entry in capability.controllers:
        if not entry.has_local_role:
            continue
        trust = selected_role_trust_policy(CAPABILITY_ROLE)
        if entry.name == "s3" and trust_of_s3 is not None:
            trust = trust_of_s3
        arn = iam.create_role(RoleName=entry.role_name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        arns.append(arn)
        for ref in entry.managed_policies.values():
            iam.attach_role_policy(
                RoleName=entry.role_name, PolicyArn=f"arn:aws:iam::aws:policy/{ref.aws_managed_name}"
            )
        if entry.inline_policy is not None:
            iam.put_role_policy(
                RoleName=entry.role_name,
                PolicyName="ack-controller-policy",
                PolicyDocument=json.dumps(entry.inline_policy),
            )
    arns.append("arn:aws:iam::444455556666:role/ack-rds-team-b")
    iam.put_role_policy(
        RoleName=capability.role_name,
        PolicyName="ack-capability-selected-roles",
        PolicyDocument=json.dumps(selected_roles_policy(arns)),
    )


def stubbed_eks(
    eks: Any, status: str = "ACTIVE", issues: list[dict[str, str]] | None = None, namespaces: list[str] | None = None
) -> Stubber:
    stubber = Stubber(eks)
    capability = {
        "capabilityName": "ack",
        "clusterName": "prod-eks",
        "type": "ACK",
        "roleArn": CAPABILITY_ROLE,
        "status": status,
        "health": {"issues": issues or []},
    }
    stubber.add_response(
        "describe_capability", {"capability": capability}, {"clusterName": "prod-eks", "capabilityName": "ack"}
    )
    policies = [
        {
            "policyArn": SECRET_READER,
            "accessScope": {"type": "namespace", "namespaces": namespaces or ["team-a", "team-b"]},
        }
    ]
    stubber.add_response(
        "list_associated_access_policies",
        {"clusterName": "prod-eks", "principalArn": CAPABILITY_ROLE, "associatedAccessPolicies": policies},
        {"clusterName": "prod-eks", "principalArn": CAPABILITY_ROLE},
    )
    stubber.activate()
    return stubber


@pytest.fixture
def aws(moto_url: str) -> Iterator[tuple[Any, Any]]:
    empty_moto(moto_url)
    iam, eks = moto_clients(moto_url)
    yield iam, eks
    empty_moto(moto_url)


def cluster_objects(capability: CapabilitySpec, iam: Any) -> dict[str, Any]:
    """The selectors as the stack applies them, and one bucket the s3 selector took."""
    arns: dict[tuple[str, str | None], str] = {
        (e.name, None): iam.get_role(RoleName=e.role_name)["Role"]["Arn"]
        for e in capability.controllers
        if e.has_local_role
    }
    arns[("rds-team-b", "444455556666/ack-rds-team-b")] = "arn:aws:iam::444455556666:role/ack-rds-team-b"
    selectors = [
        {"apiVersion": "services.k8s.aws/v1alpha1", "kind": "IAMRoleSelector", "metadata": {"name": name}, "spec": spec}
        for name, spec in planned_selectors(capability, arns).items()
    ]
    bucket = {
        "apiVersion": "s3.services.k8s.aws/v1alpha1",
        "kind": "Bucket",
        "metadata": {"name": "b", "namespace": "team-a"},
        "status": {"conditions": [{"type": "ACK.IAMRoleSelected", "status": "True"}]},
    }
    return {
        "/apis/services.k8s.aws/v1alpha1/iamroleselectors": {"kind": "IAMRoleSelectorList", "items": selectors},
        "/apis/s3.services.k8s.aws/v1alpha1/buckets": {"kind": "BucketList", "items": [bucket]},
    }


def client_for(kubeconfig: Path) -> Any:
    from kubernetes import client
    from kubernetes import config as kube_config

    api = kube_config.new_client_from_config(config_file=str(kubeconfig))
    return lambda: Kubernetes(
        client.CoreV1Api(api), client.AppsV1Api(api), client.ApiException, (OSError,), client.CustomObjectsApi(api)
    )


def statuses(checks: list[Any]) -> dict[str, str]:
    return {c.name: c.status for c in checks}


def test_a_capability_as_planned_passes_every_check(
    aws: tuple[Any, Any],
    kubernetes: tuple[Path, dict[str, Any]],  # noqa: F811
) -> None:
    iam, eks = aws
    capability = spec()
    make_roles(iam, capability)
    kubeconfig, objects = kubernetes
    objects.update(cluster_objects(capability, iam))
    with stubbed_eks(eks) as stubber:
        cluster, entries = verify_capability(Aws(eks, iam), client_for(kubeconfig), capability)
        stubber.assert_no_pending_responses()
    assert [(c.name, c.status) for c in cluster] == [
        ("capability-role-trust", "pass"),
        ("capability", "pass"),
        ("capability-role-managed-policies", "pass"),
        ("capability-role-inline-policy", "pass"),
        ("secret-reader", "pass"),
        ("selectors", "pass"),
        ("role-selected", "pass"),
        ("access-denied", "pass"),
    ], cluster
    assert {name: statuses(checks) for name, checks in entries.items()} == {
        "s3": {"selected-role-trust": "pass", "managed-policies": "pass", "inline-policy": "pass"},
        "rds": {"selected-role-trust": "pass", "managed-policies": "pass", "inline-policy": "pass"},
        "rds-team-b": {"selected-role": "pass", "selected-role-trust 444455556666": "skipped"},
    }


def test_a_degraded_capability_fails_with_its_health_issues(aws: tuple[Any, Any]) -> None:
    iam, eks = aws
    capability = spec()
    make_roles(iam, capability)
    issues = [{"code": "AccessDenied", "message": "cannot assume the role"}]
    with stubbed_eks(eks, status="DEGRADED", issues=issues):
        cluster, _ = verify_capability(Aws(eks, iam), None, capability)
    [check] = [c for c in cluster if c.name == "capability"]
    assert (check.status, check.detail) == (
        "fail",
        "prod-eks/ack is DEGRADED (AccessDenied: cannot assume the role)",
    )


def test_a_selected_role_trusting_more_than_the_capability_role_fails(aws: tuple[Any, Any]) -> None:
    iam, eks = aws
    capability = spec()
    wider = selected_role_trust_policy(CAPABILITY_ROLE)
    wider["Statement"].append(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}
    )
    make_roles(iam, capability, trust_of_s3=wider)
    with stubbed_eks(eks):
        _, entries = verify_capability(Aws(eks, iam), None, capability)
    assert entries["s3"][0].name == "selected-role-trust" and entries["s3"][0].status == "fail"
    assert f"arn:aws:iam::{ACCOUNT}:root" in entries["s3"][0].detail


def test_a_capability_role_holding_a_service_policy_fails(aws: tuple[Any, Any]) -> None:
    iam, eks = aws
    capability = spec()
    make_roles(iam, capability)
    iam.attach_role_policy(RoleName=capability.role_name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    with stubbed_eks(eks):
        cluster, _ = verify_capability(Aws(eks, iam), None, capability)
    assert statuses(cluster)["capability-role-managed-policies"] == "fail"


def test_secret_reads_wider_than_planned_fail(aws: tuple[Any, Any]) -> None:
    iam, eks = aws
    capability = spec()
    make_roles(iam, capability)
    with stubbed_eks(eks, namespaces=["team-a", "team-b", "kube-system"]):
        cluster, _ = verify_capability(Aws(eks, iam), None, capability)
    [check] = [c for c in cluster if c.name == "secret-reader"]
    assert check.status == "fail"
    assert check.detail == (
        "AmazonEKSSecretReaderPolicy covers ['kube-system', 'team-a', 'team-b'], not ['team-a', 'team-b']"
    )


def test_an_overlapping_selector_and_an_unselected_resource_fail(
    aws: tuple[Any, Any],
    kubernetes: tuple[Path, dict[str, Any]],  # noqa: F811
) -> None:
    iam, eks = aws
    capability = spec()
    make_roles(iam, capability)
    kubeconfig, objects = kubernetes
    objects.update(cluster_objects(capability, iam))
    selectors = objects["/apis/services.k8s.aws/v1alpha1/iamroleselectors"]["items"]
    selectors.append(
        {
            "metadata": {"name": "someone-elses"},
            "spec": {"arn": "x", "resourceTypeSelector": [{"group": "s3.services.k8s.aws"}]},
        }
    )
    objects["/apis/s3.services.k8s.aws/v1alpha1/buckets"]["items"].append(
        {"kind": "Bucket", "metadata": {"name": "lost", "namespace": "team-z"}, "status": {"conditions": []}}
    )
    with stubbed_eks(eks):
        cluster, _ = verify_capability(Aws(eks, iam), client_for(kubeconfig), capability)
    checks = {c.name: c for c in cluster}
    assert checks["selectors"].status == "fail"
    assert "IAMRoleSelectors ack.s3 and someone-elses could match the same resource" in checks["selectors"].detail
    assert (checks["role-selected"].status, checks["role-selected"].detail) == (
        "fail",
        "ACK.IAMRoleSelected missing or not True on Bucket team-z/lost",
    )


def test_the_selected_role_in_another_account_is_read_with_that_accounts_credentials(aws: tuple[Any, Any]) -> None:
    from .conftest import MOTO_ACCOUNTS

    iam, eks = aws
    capability = spec()
    make_roles(iam, capability)
    target_iam, _ = moto_clients(iam.meta.endpoint_url, MOTO_ACCOUNTS[1])
    trust = selected_role_trust_policy(CAPABILITY_ROLE)
    target_iam.create_role(RoleName="ack-rds-team-b", AssumeRolePolicyDocument=json.dumps(trust))
    with stubbed_eks(eks):
        _, entries = verify_capability(Aws(eks, iam), None, capability, lambda target: target_iam)
    [check] = [c for c in entries["rds-team-b"] if c.name == "selected-role-trust 444455556666"]
    assert check.status == "pass", check
    target_iam.update_assume_role_policy(
        RoleName="ack-rds-team-b", PolicyDocument=json.dumps(selected_role_trust_policy(f"arn:aws:iam::{ACCOUNT}:root"))
    )
    with stubbed_eks(eks):
        _, entries = verify_capability(Aws(eks, iam), None, capability, lambda target: target_iam)
    [check] = [c for c in entries["rds-team-b"] if c.name == "selected-role-trust 444455556666"]
    assert check.status == "fail" and f"arn:aws:iam::{ACCOUNT}:root" in check.detail


def test_verify_of_the_example_stack_through_the_command(
    aws: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ack_irsa.commands import main as cli
    from ack_irsa.commands import verify as command

    iam, eks = aws
    make_roles(iam, spec())
    monkeypatch.setattr(command, "_aws", lambda region, endpoint, allow_extra: Aws(eks, iam, allow_extra))
    with stubbed_eks(eks):
        code = cli(["verify", "--project-dir", str(ROOT), "--stack", "capability", "--skip-kubernetes"])
    out = capsys.readouterr().out
    assert code == 0, out
    rows = {line.split()[0]: line.split()[1:3] for line in out.splitlines() if line.strip()}
    assert rows["capability"] == ["pass", "prod-eks/ack"]
    assert rows["selectors"] == ["skipped", "--skip-kubernetes"]
    assert rows["secret-reader"][0] == "pass"
    assert out.endswith("every check passed\n")
