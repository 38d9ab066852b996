"""``verify`` during a move from Helm to the capability: who holds each service's lease, and which resources the
capability fails with AccessDenied.

A Helm release with ``leaderElection`` in ``kube-system`` and the capability elect one leader per service on the
same Lease, ``ack-<API group>`` (the name ACK's controllers give ``LeaderElectionID``). controller-runtime writes
the holder's hostname first in ``holderIdentity``, and a pod's hostname is its name, so a holder whose identity
starts with the release's Deployment name is a pod of the release; any other live holder is taken for the
capability, whose holder identity AWS does not document.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from ack_irsa.live.report import Check
from ack_irsa.spec.controller import LEADER_ELECTION_NAMESPACE

Holder = Literal["helm", "capability"]
LEASES = ("coordination.k8s.io", "v1", "leases")
_DENIED = ("AccessDenied", "is not authorized to perform")
"""How AWS says no in the message ACK puts on a resource's condition."""


@dataclass(frozen=True)
class Expected:
    """One service's lease as the step expects it."""

    service: str
    group: str
    """The service's API group: its lease is ``ack-<group>``."""
    deployment: str | None
    """The release's Deployment name (its pods' names start with it); None once it is uninstalled."""
    holder: Holder
    """Who should hold it after the step: ``helm`` until the hand-over, then ``capability``."""


def lease_name(group: str) -> str:
    return f"ack-{group}"


def leases(client: Any, expected: Sequence[Expected], now: datetime | None = None) -> list[Check]:
    """A check per service: who holds its lease in ``kube-system``, against who should after the step."""
    now = now or datetime.now(UTC)
    checks = []
    for wanted in expected:
        name = f"lease {wanted.service}"
        try:
            lease = client.custom.get_namespaced_custom_object(
                *LEASES[:2], LEADER_ELECTION_NAMESPACE, LEASES[2], lease_name(wanted.group)
            )
        except client.api_exception as error:
            if getattr(error, "status", None) != 404:
                raise
            checks.append(_missing(name, wanted))
            continue
        checks.append(_held(name, wanted, lease.get("spec") or {}, now))
    return checks


def _missing(name: str, wanted: Expected) -> Check:
    where = f"no Lease {lease_name(wanted.group)} in {LEADER_ELECTION_NAMESPACE}"
    if wanted.holder == "helm":
        return Check(
            name,
            "fail",
            f"{where}: the release does not elect its leader there, so the capability would not wait for it",
            "pulumi up the step: the release's pods restart with leaderElection.enabled and namespace kube-system",
        )
    return Check(
        name,
        "fail",
        f"{where}: nobody reconciles {wanted.service}",
        "check the capability's health (verify's capability check)",
    )


def _held(name: str, wanted: Expected, spec: Mapping[str, Any], now: datetime) -> Check:
    identity = str(spec.get("holderIdentity") or "")
    if not identity or _expired(spec, now):
        return Check(name, "fail", f"{lease_name(wanted.group)}: nobody holds it (expired or released)", "")
    helm = wanted.deployment is not None and identity.startswith(f"{wanted.deployment}-")
    who = (
        f"the release's pod {identity.split('_', maxsplit=1)[0]}"
        if helm
        else f"the capability ({identity}, not a pod of the release)"
    )
    if (wanted.holder == "helm") == helm:
        return Check(name, "pass", f"held by {who}")
    if wanted.holder == "helm":  # the capability took it: one reconciler still, but not the step's
        return Check(name, "warn", f"held by {who}: the release's pods wait on it (scaling up does not take it back)")
    return Check(
        name,
        "fail",
        f"held by {who}, after the hand-over",
        "the release must be at 0 replicas (deployment.replicas, which the handOver step sets)",
    )


def _expired(spec: Mapping[str, Any], now: datetime) -> bool:
    renewed, duration = spec.get("renewTime"), spec.get("leaseDurationSeconds")
    if not isinstance(renewed, str) or not isinstance(duration, int):
        return False
    at = datetime.fromisoformat(renewed.replace("Z", "+00:00"))
    return (now - at).total_seconds() > duration


def access_denied(items: Iterable[Mapping[str, Any]]) -> Check:
    """The resources a condition of says AWS refused the call (AccessDenied): the capability adopted them without
    the permissions the controller had."""
    denied = []
    counted = 0
    for item in items:
        counted += 1
        conditions = (item.get("status") or {}).get("conditions") or []
        if any(any(word in str(c.get("message", "")) for word in _DENIED) for c in conditions):
            metadata = item.get("metadata") or {}
            denied.append(f"{item.get('kind')} {metadata.get('namespace')}/{metadata.get('name')}")
    if denied:
        return Check(
            "access-denied",
            "fail",
            f"AccessDenied on {', '.join(sorted(denied))}",
            "give the entry what the controller had (the same policies), or roll the step back",
        )
    return Check("access-denied", "pass", f"{counted} ACK resource(s), none with AccessDenied")
