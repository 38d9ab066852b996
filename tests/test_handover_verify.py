"""``verify`` during a move from Helm to the capability: the leases in kube-system and AccessDenied on resources,
read from recorded objects served to the real Kubernetes client."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ack_irsa.live.handover import Expected, access_denied, leases

from .test_capability_verify import client_for
from .test_verify import RecordedApi, kubernetes  # noqa: F401 - the fixture

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
LEASE_PATH = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/ack-s3.services.k8s.aws"
RELEASE_POD = "ack-s3-controller-s3-chart-6d5f8b7c9-x2x4z"


def lease(holder: str, renewed: str = "2026-12-03T11:59:50.000000Z") -> dict[str, Any]:
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "ack-s3.services.k8s.aws", "namespace": "kube-system"},
        "spec": {"holderIdentity": holder, "leaseDurationSeconds": 15, "renewTime": renewed},
    }


def checked(kubeconfig: Path, holder: str) -> list[tuple[str, str, str]]:
    expected = [Expected("s3", "s3.services.k8s.aws", "ack-s3-controller-s3-chart", holder)]  # type: ignore[arg-type]
    return [(c.name, c.status, c.detail) for c in leases(client_for(kubeconfig)(), expected, NOW)]


@pytest.mark.parametrize(
    ("recorded", "holder", "expected"),
    [
        (lease(f"{RELEASE_POD}_0b6c"), "helm", ("pass", f"held by the release's pod {RELEASE_POD}")),
        (
            lease("i-0abc_1f2e"),
            "capability",
            ("pass", "held by the capability (i-0abc_1f2e, not a pod of the release)"),
        ),
        (
            lease(f"{RELEASE_POD}_0b6c"),
            "capability",
            ("fail", f"held by the release's pod {RELEASE_POD}, after the hand-over"),
        ),
        (
            lease("i-0abc_1f2e"),
            "helm",
            (
                "warn",
                "held by the capability (i-0abc_1f2e, not a pod of the release): the release's pods wait on it "
                "(scaling up does not take it back)",
            ),
        ),
        (
            lease(f"{RELEASE_POD}_0b6c", renewed="2026-12-03T11:50:00.000000Z"),
            "capability",
            ("fail", "ack-s3.services.k8s.aws: nobody holds it (expired or released)"),
        ),
        (
            None,
            "helm",
            (
                "fail",
                "no Lease ack-s3.services.k8s.aws in kube-system: the release does not elect its leader there, so the "
                "capability would not wait for it",
            ),
        ),
        (None, "capability", ("fail", "no Lease ack-s3.services.k8s.aws in kube-system: nobody reconciles s3")),
    ],
)
def test_each_lease_says_who_holds_it_against_the_step(
    kubernetes: tuple[Path, dict[str, Any]],  # noqa: F811
    recorded: dict[str, Any] | None,
    holder: str,
    expected: tuple[str, str],
) -> None:
    kubeconfig, objects = kubernetes
    if recorded is not None:
        objects[LEASE_PATH] = recorded
    assert checked(kubeconfig, holder) == [("lease s3", *expected)]


def bucket(name: str, *conditions: dict[str, str]) -> dict[str, Any]:
    return {
        "kind": "Bucket",
        "metadata": {"name": name, "namespace": "team-a"},
        "status": {"conditions": list(conditions)},
    }


def test_a_resource_the_capability_was_refused_for_fails_and_the_others_pass() -> None:
    synced = {"type": "ACK.ResourceSynced", "status": "True"}
    denied = {
        "type": "ACK.Recoverable",
        "status": "True",
        "message": "AccessDenied: User: arn:aws:sts::111122223333:assumed-role/ack-capability/x is not authorized "
        "to perform: s3:CreateBucket",
    }
    good = access_denied([bucket("a", synced), bucket("b")])
    assert (good.name, good.status, good.detail) == (
        "access-denied",
        "pass",
        "2 ACK resource(s), none with AccessDenied",
    )
    bad = access_denied([bucket("a", synced), bucket("c", denied)])
    assert (bad.status, bad.detail) == ("fail", "AccessDenied on Bucket team-a/c")


@pytest.mark.parametrize(
    ("step", "holder", "deployment"),
    [
        ("prepare", "helm", "ack-s3-controller-s3-chart"),
        ("create", "helm", "ack-s3-controller-s3-chart"),
        ("handOver", "capability", "ack-s3-controller-s3-chart"),
        ("finish", "capability", None),
    ],
)
def test_verify_expects_each_lease_held_by_the_side_the_step_says(
    step: str, holder: str, deployment: str | None
) -> None:
    from ack_irsa.commands.verify import _leases
    from ack_irsa.stack import config

    from .test_handover import config as handover_config

    stack = config.parse(handover_config(step))
    expected = _leases(stack, config.capability_spec(stack), config.controller_specs(stack))
    assert expected == [
        Expected("s3", "s3.services.k8s.aws", deployment, holder),  # type: ignore[arg-type]
        Expected("rds", "rds.services.k8s.aws", deployment and "ack-rds-controller-rds-chart", holder),  # type: ignore[arg-type]
        Expected("backup", "backup.services.k8s.aws", "ack-backup-controller-backup-chart", "helm"),
    ]


def test_a_capability_stack_with_nothing_on_helm_has_no_lease_to_check() -> None:
    from ack_irsa.commands.verify import _leases
    from ack_irsa.stack import config

    from .test_handover import config as handover_config

    alone = {k: v for k, v in handover_config(None).items() if k != "ack-irsa:install"}
    stack = config.parse({**alone, "ack-irsa:controllers": [{"service": "s3"}]})
    assert _leases(stack, config.capability_spec(stack), config.controller_specs(stack)) == []
