"""The move from Helm-installed controllers to the managed capability: its steps, and the order they are taken in.

Each step is one pull request (``ack-irsa:capability.handover``), safe to stop at and to roll back:

1. ``prepare``: every release shares the capability's lease (leader election in ``kube-system``); the
   capability's roles are made with what each controller has today; no capability yet.
2. ``create``: the capability, which waits on each lease the releases hold.
3. ``handOver``: the releases at 0 replicas; the lease passes to the capability.
4. ``finish``: the releases uninstalled (their CRDs and every custom resource stay). Leaving ``handover`` out is
   the same.

A stack file says only the step it is at, so the order is checked where the step before is known too: by
``ack-irsa diff`` (the stack file at the base) and ``ack-irsa up`` (the stack's last outputs).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

State = Literal["helm", "prepare", "create", "handOver", "finish"]
"""Where a stack is: ``helm`` (no capability), one of the steps, or ``finish`` (the capability alone)."""
ORDER: tuple[State, ...] = ("helm", "prepare", "create", "handOver", "finish")
DOES = {
    "prepare": "leader election on every release, the capability's roles made",
    "create": "the capability, waiting on the releases' leases",
    "handOver": "the releases at 0 replicas: the leases pass to the capability",
    "finish": "the releases uninstalled",
}
"""What arriving at each state does, for the messages that say which step comes first."""


def state_of_config(config: Mapping[str, Any]) -> State | None:
    """The state a stack file's config describes; None for a stack without controllers (nothing to move)."""
    capability = _object(config.get("ack-irsa:capability"))
    if capability is None:
        return "helm" if config.get("ack-irsa:controllers") else None
    step = capability.get("handover")
    return step if step in ORDER[1:] else "finish"


def state_of_outputs(outputs: Mapping[str, Any]) -> State | None:
    """The state a stack was last deployed at, from its outputs; None when it has none (a new stack)."""
    capability = outputs.get("capability")
    if isinstance(capability, Mapping):
        step = capability.get("handover")
        return step if step in ORDER[1:] else "finish"
    return "helm" if outputs.get("controllers") else None


def transition_problem(before: State | None, after: State | None) -> str | None:
    """Why going from ``before`` to ``after`` is refused: a step skipped, or a rollback of more than one step.
    None when it is allowed (the same state, one step either way, or a stack new on either side)."""
    if before is None or after is None or before == after:
        return None
    was, now = ORDER.index(before), ORDER.index(after)
    if before == "helm" and after == "finish":
        return (
            "the stack runs its controllers from Helm releases: moving it to the capability starts with "
            f"`handover: prepare` ({DOES['prepare']}), then `create`, `handOver` and `finish`, one pull request each"
        )
    if now == was + 1 or now == was - 1:
        return None
    if now > was:
        step = ORDER[was + 1]
        return f"{_named(after)} after {_named(before)} skips a step: `{step}` comes first ({DOES[step]})"
    step = ORDER[was - 1]
    return f"roll back one step at a time: from {_named(before)}, `{step}` comes first ({DOES[step]})"


def _named(state: State) -> str:
    return "Helm alone" if state == "helm" else f"`{state}`"


def _object(value: Any) -> Mapping[str, Any] | None:
    """A config object as a stack file holds it, or as Pulumi hands it over (JSON text)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, Mapping) else None
