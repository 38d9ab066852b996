"""Moving Helm-installed controllers to the managed capability: each step's plan exact under the mocks (and the
engine schema check), each step's refusals, and the order of the steps."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ack_irsa.stack import handover, program
from ack_irsa.stack.config import parse

from .conftest import ISSUER_URL, PROVIDER_ARN, refused, run

LEASE = {"enabled": True, "namespace": "kube-system"}
PREVIEW = "backup"  # a controller the capability lacks: it stays on Helm


def config(step: str | None, **changes: Any) -> dict[str, Any]:
    made: dict[str, Any] = {
        "aws:region": "us-west-2",
        "ack-irsa:clusterName": "prod-eks",
        "ack-irsa:install": "true",
        "ack-irsa:capability": {"handover": step} if step else {},
        "ack-irsa:controllers": [
            {"service": "s3"},
            {"service": "rds", "secretNamespaces": ["team-a"]},
            {"service": PREVIEW},
        ],
    }
    for key, value in changes.items():
        if value is None:
            made.pop(f"ack-irsa:{key}")
        else:
            made[f"ack-irsa:{key}"] = value
    return made


def built(step: str | None, **changes: Any) -> Any:
    return run(program.main, config=config(step, **changes), issuers={"prod-eks": ISSUER_URL})


def releases(result: Any) -> dict[str, tuple[Any, Any]]:
    """Release → (its leaderElection values, its deployment.replicas)."""
    return {
        r.name: (r.inputs["values"].get("leaderElection"), r.inputs["values"]["deployment"].get("replicas"))
        for r in result.resources
        if r.type == "kubernetes:helm.sh/v3:Release"
    }


def capability_side(result: Any) -> dict[tuple[str, str], Any]:
    """What AckCapability registers (its resources are named ``ack-…``), with their inputs."""
    return {(r.type, r.name): r.inputs for r in result.resources if r.name.startswith("ack-") or r.name == "ack"}


CAPABILITY_ROLES = {"ack-role", "ack-s3-role", "ack-rds-role"}
MADE_WITH_THE_CAPABILITY = {
    ("aws:eks/capability:Capability", "ack-capability"),
    ("kubernetes:services.k8s.aws/v1alpha1:IAMRoleSelector", "ack-s3-selector"),
    ("kubernetes:services.k8s.aws/v1alpha1:IAMRoleSelector", "ack-rds-selector"),
    ("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "ack-secret-reader"),
}


def test_prepare_shares_every_lease_and_makes_the_capabilitys_roles_but_no_capability() -> None:
    result = built("prepare")
    assert releases(result) == {
        "s3-release": (LEASE, None),
        "rds-release": (LEASE, None),
        "backup-release": (LEASE, None),
    }
    roles = {r.name for r in result.resources if r.type == "aws:iam/role:Role"}
    assert roles == CAPABILITY_ROLES | {"s3-role", "rds-role", "backup-role"}
    assert not MADE_WITH_THE_CAPABILITY & set(capability_side(result))
    assert result.outputs["capability"]["arn"] is None
    assert result.outputs["capability"]["handover"] == "prepare"


def test_the_capabilitys_roles_have_what_each_controller_has_today() -> None:
    result = built("prepare")
    for service in ("s3", "rds"):
        own = {
            r.inputs["policyArn"]
            for r in result.resources
            if r.name.startswith(f"{service}-") and "policyArn" in r.inputs
        }
        selected = {
            r.inputs["policyArn"]
            for r in result.resources
            if r.name.startswith(f"ack-{service}-") and "policyArn" in r.inputs
        }
        assert own == selected and own
    assert json.loads(result.named("ack-s3-inline").inputs["policy"]) == json.loads(
        result.named("s3-inline").inputs["policy"]
    )


def test_create_adds_the_capability_and_its_selectors_while_the_releases_keep_reconciling() -> None:
    before, result = built("prepare"), built("create")
    assert releases(result) == releases(before)
    added = set(capability_side(result)) - set(capability_side(before))
    assert added == MADE_WITH_THE_CAPABILITY
    assert result.named("ack-capability").inputs["deletePropagationPolicy"] == "RETAIN"


def test_hand_over_scales_the_capabilitys_services_to_zero_and_leaves_the_preview_one_running() -> None:
    result = built("handOver")
    assert releases(result) == {"s3-release": (LEASE, 0), "rds-release": (LEASE, 0), "backup-release": (LEASE, None)}
    assert capability_side(result) == capability_side(built("create"))


def test_finish_uninstalls_the_handed_over_releases_and_removes_their_roles_only() -> None:
    result = built("finish")
    assert releases(result) == {"backup-release": (LEASE, None)}
    assert {r.name for r in result.resources if r.type == "aws:iam/role:Role"} == CAPABILITY_ROLES | {"backup-role"}
    # the OIDC provider stays, for the controller still on IRSA (and once none is, it is retained in the account)
    assert result.named("cluster-provider").inputs["url"] == ISSUER_URL


@pytest.mark.parametrize("step", ["prepare", "create", "handOver", "finish"])
def test_a_stack_that_adopts_its_oidc_provider_moves_the_same_way_and_creates_none(step: str) -> None:
    """With ``oidcProviderArn`` the provider is the account's: no step creates one, the controllers still on
    IRSA trust the adopted one, and the capability's side is the same as with a provider ack-irsa made."""
    result = built(step, oidcProviderArn=PROVIDER_ARN)
    assert [r for r in result.resources if r.type == "aws:iam/openIdConnectProvider:OpenIdConnectProvider"] == []
    trusted = {
        r.name: {s["Principal"]["Federated"] for s in json.loads(r.inputs["assumeRolePolicy"])["Statement"]}
        for r in result.resources
        if r.type == "aws:iam/role:Role" and r.name not in CAPABILITY_ROLES
    }
    on_irsa = {"backup-role"} if step == "finish" else {"s3-role", "rds-role", "backup-role"}
    assert trusted == {name: {PROVIDER_ARN} for name in on_irsa}
    made_here = built(step)
    assert releases(result) == releases(made_here)
    assert capability_side(result) == capability_side(made_here)


def test_the_capabilitys_resources_are_the_same_at_every_step_nothing_replaced() -> None:
    """Same names, same inputs from prepare to the end state without ``handover``: nothing the capability uses is
    ever replaced or removed by the move."""
    prepared = capability_side(built("prepare"))
    done = capability_side(
        built(
            None,
            controllers=[{"service": "s3"}, {"service": "rds", "secretNamespaces": ["team-a"]}, {"service": PREVIEW}],
        )
    )
    assert {key: prepared[key] for key in prepared} == {key: done[key] for key in prepared}
    assert capability_side(built("finish")) == done


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"install": None},
            [
                "ack-irsa:controllers[0].install: the handover needs the controller's Helm release in the stack: "
                "ack-irsa sets its leader-election values and, at handOver, its replicas (`ack-irsa adopt` writes the "
                "install of a release made by hand)",
                "ack-irsa:controllers[1].install: the handover needs the controller's Helm release in the stack: "
                "ack-irsa sets its leader-election values and, at handOver, its replicas (`ack-irsa adopt` writes the "
                "install of a release made by hand)",
            ],
        ),
        (
            {"controllers": [{"service": "s3", "install": {"values": {"leaderElection": {"enabled": True}}}}]},
            [
                "ack-irsa:controllers[0].install.values.leaderElection: is set by ack-irsa (enabled=true and "
                "namespace=kube-system, both: the lease the capability shares; with only one of them nothing is "
                "shared and both would reconcile)"
            ],
        ),
        (
            {"controllers": [{"service": "s3", "namespaces": ["team-a"]}]},
            [
                "ack-irsa:controllers[0].namespaces: not during the handover: the release serves every namespace, "
                "so the capability must too, or the resources outside these fail with AccessDenied once handed over; "
                "narrow it after `finish` (give `secretNamespaces` for a controller that reads Secrets)"
            ],
        ),
        (
            {
                "controllers": [
                    {
                        "service": "s3",
                        "crossAccount": [{"accountId": "444455556666", "roleName": "t", "namespaces": ["team-b"]}],
                    }
                ]
            },
            [
                "ack-irsa:controllers[0].crossAccount: not during the handover: the target roles would have to trust "
                "the controller's role and the capability's at once; hand over the entries without crossAccount "
                "first, or move the cross-account entries to the capability in a stack of their own"
            ],
        ),
        (
            {"controllers": [{"service": "s3"}, {"service": PREVIEW, "namespaces": ["a"]}]},
            [
                f"ack-irsa:controllers[1].namespaces: applies to the capability's entries only: the {PREVIEW} "
                "controller is preview, and stays on Helm beside the capability"
            ],
        ),
    ],
)
def test_each_step_refuses_what_would_break_the_handover(changes: dict[str, Any], expected: list[str]) -> None:
    assert refused(config("prepare", **changes), issuers={"prod-eks": ISSUER_URL}) == expected


def test_at_hand_over_the_replicas_are_ack_irsas() -> None:
    values = {"deployment": {"replicas": 2}}
    assert refused(
        config("handOver", controllers=[{"service": "s3", "install": {"values": values}}]),
        issuers={"prod-eks": ISSUER_URL},
    ) == [
        "ack-irsa:controllers[0].install.values.deployment.replicas: is set by ack-irsa (the handover's step: 0 "
        "hands the lease to the capability)"
    ]
    # before the hand-over they are the user's: a controller may run two replicas under the shared lease
    parse(config("create", controllers=[{"service": "s3", "install": {"values": values}}]))


def test_a_preview_controller_beside_the_capability_is_not_refused_and_keeps_running() -> None:
    stack = parse(config(None))
    assert [c.service for c in stack.self_managed_controllers] == [PREVIEW]
    assert [c.service for c in stack.capability_controllers] == ["s3", "rds"]


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (None, "create", None),  # a new stack
        ("helm", "prepare", None),
        ("prepare", "create", None),
        ("create", "handOver", None),
        ("handOver", "finish", None),
        ("finish", "handOver", None),  # rollback: the releases come back at 0 replicas
        ("handOver", "create", None),  # rollback: scaled up (the capability keeps the lease it holds)
        ("create", "prepare", None),  # rollback: the capability goes
        ("prepare", "helm", None),
        ("create", "create", None),
        (
            "helm",
            "create",
            "`create` after Helm alone skips a step: `prepare` comes first (leader election on every release, the "
            "capability's roles made)",
        ),
        (
            "prepare",
            "handOver",
            "`handOver` after `prepare` skips a step: `create` comes first (the capability, waiting on the releases' "
            "leases)",
        ),
        (
            "create",
            "finish",
            "`finish` after `create` skips a step: `handOver` comes first (the releases at 0 replicas: the leases "
            "pass to the capability)",
        ),
        (
            "handOver",
            "prepare",
            "roll back one step at a time: from `handOver`, `create` comes first (the capability, waiting on the "
            "releases' leases)",
        ),
        (
            "helm",
            "finish",
            "the stack runs its controllers from Helm releases: moving it to the capability starts with `handover: "
            "prepare` (leader election on every release, the capability's roles made), then `create`, `handOver` and "
            "`finish`, one pull request each",
        ),
    ],
)
def test_a_step_skipped_or_taken_back_too_far_is_refused_with_the_step_that_comes_first(
    before: handover.State | None, after: handover.State, expected: str | None
) -> None:
    assert handover.transition_problem(before, after) == expected


def test_the_state_is_read_from_a_stack_file_and_from_the_last_outputs_alike() -> None:
    assert handover.state_of_config(config("create")) == "create"
    assert (
        handover.state_of_config({**config(None), "ack-irsa:capability": json.dumps({"handover": "handOver"})})
        == "handOver"
    )
    assert handover.state_of_config(config(None)) == "finish"
    assert handover.state_of_config(config(None, capability=None)) == "helm"
    assert handover.state_of_outputs(built("prepare").outputs) == "prepare"
    assert handover.state_of_outputs(built(None).outputs) == "finish"
    assert handover.state_of_outputs({"controllers": {"s3": {}}}) == "helm"
    assert handover.state_of_outputs({}) is None


FACTS = ["--account-id", "111122223333", "--issuer-url", ISSUER_URL]


def stack_file(path: Any, step: str | None, **changes: Any) -> Any:
    import yaml

    path.write_text(yaml.safe_dump({"config": config(step, **changes)}))
    return path


def diffed(tmp_path: Any, before: str, after: str) -> tuple[int, Any]:
    """``ack-irsa diff`` of the stack file at ``before`` (the base) and at ``after`` (the head): (exit code, head)."""
    from ack_irsa.commands import main as cli

    base, head = stack_file(tmp_path / "Pulumi.base.yaml", before), stack_file(tmp_path / "Pulumi.mig.yaml", after)
    return cli(["diff", "--base-file", str(base), "--head-file", str(head), *FACTS]), head


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (
            "prepare",
            {
                "backup": "Helm (the capability does not include it)",
                "rds": "Helm; the capability's role is ready, the capability not created yet",
                "s3": "Helm; the capability's role is ready, the capability not created yet",
            },
        ),
        (
            "create",
            {
                "backup": "Helm (the capability does not include it)",
                "rds": "Helm, holding the lease in `kube-system`; the capability waits on it",
                "s3": "Helm, holding the lease in `kube-system`; the capability waits on it",
            },
        ),
        (
            "handOver",
            {
                "backup": "Helm (the capability does not include it)",
                "rds": "the capability (the release at 0 replicas)",
                "s3": "the capability (the release at 0 replicas)",
            },
        ),
        (
            "finish",
            {"backup": "Helm (the capability does not include it)", "rds": "the capability", "s3": "the capability"},
        ),
    ],
)
def test_each_steps_plan_says_who_reconciles_each_service(step: str, expected: dict[str, str]) -> None:
    from ack_irsa.review import plan

    planned = plan.plan_of("mig", built(step))
    assert plan.reconcilers(planned) == expected
    section = plan.reconcilers_section(planned)
    assert section[:4] == ["## Who reconciles what", "", "| service | after this plan is applied |", "| --- | --- |"]
    assert section[4:-1] == [f"| `{service}` | {who} |" for service, who in expected.items()]


def test_a_release_that_does_not_share_the_lease_beside_the_capability_is_called_out() -> None:
    """A program of the user's own may install a release beside the capability without leader election."""
    import pulumi

    from ack_irsa import AckCapability, ControllerIrsa
    from ack_irsa.review import plan

    def own() -> None:
        AckCapability("ack", {"cluster_name": "prod-eks", "controllers": [{"service": "s3"}]})
        ControllerIrsa(
            "s3",
            {
                "service": "s3",
                "oidc_provider_arn": f"arn:aws:iam::111122223333:oidc-provider/{ISSUER_URL[8:]}",
                "oidc_issuer": ISSUER_URL,
                "install": True,
            },
        )
        pulumi.export("done", True)

    planned = plan.plan_of("own", run(own))
    assert plan.reconcilers(planned) == {
        "s3": "⚠️ **both at once**: the release does not share the capability's lease (leaderElection)"
    }


def test_the_diff_of_a_step_opens_with_who_reconciles_what_after_the_merge(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert diffed(tmp_path, "create", "handOver")[0] == 2
    out = capsys.readouterr().out
    top = out.split("## Summary")[0]
    assert top.splitlines()[4:11] == [
        "**Who reconciles what after the merge:**",
        "",
        "| service | after the merge | before |",
        "| --- | --- | --- |",
        "| `backup` | Helm (the capability does not include it) | unchanged |",
        "| `rds` | the capability (the release at 0 replicas) | Helm, holding the lease in `kube-system`; the "
        "capability waits on it |",
        "| `s3` | the capability (the release at 0 replicas) | Helm, holding the lease in `kube-system`; the "
        "capability waits on it |",
    ]
    assert "| `s3` | IRSA |" in out and "**scales it to 0 replicas**" in out


def test_rolling_back_a_hand_over_says_the_capability_keeps_the_lease(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert diffed(tmp_path, "handOver", "create")[0] == 2
    assert (
        "| `s3` | **still the capability**: it holds the lease, and the release scaled back up waits on it (scaling up "
        "does not take the lease back; remove the capability, `handover: prepare`, to return to Helm) | the "
        "capability (the release at 0 replicas) |"
    ) in capsys.readouterr().out


def test_the_diff_refuses_a_step_skipped(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, head = diffed(tmp_path, "create", "finish")
    assert code == 1
    assert capsys.readouterr().err == (
        f"error: head {head}: ack-irsa:capability.handover: `finish` after `create` skips a step: `handOver` comes "
        "first (the releases at 0 replicas: the leases pass to the capability)\n"
    )


@pytest.mark.parametrize("step", ["prepare", "create", "handOver", "finish"])
def test_a_step_rendered_again_shows_no_changes(tmp_path: Any, capsys: pytest.CaptureFixture[str], step: str) -> None:
    """A second ``pulumi up`` of the same step changes nothing: the same inputs, no replacement, no restart."""
    assert diffed(tmp_path, step, step)[0] == 0
    assert "No changes." in capsys.readouterr().out
