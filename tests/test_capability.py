"""AckCapability and the capability stack, under Pulumi's mocks: exact resources, documents, order and outputs."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pulumi
import pytest

from ack_irsa.components.capability import AckCapability
from ack_irsa.iam.capability import CAPABILITY_SERVICE, admits
from ack_irsa.review import offline
from ack_irsa.stack import program, stackfile

from .conftest import ACCOUNT, ROOT, facts, run

CAPABILITY_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ack-capability-prod"
SELECTOR = "kubernetes:services.k8s.aws/v1alpha1:IAMRoleSelector"
BOTH = ["sts:AssumeRole", "sts:TagSession"]


def stack() -> dict[str, Any]:
    return stackfile.load(ROOT, ROOT / "stacks" / "Pulumi.capability.yaml").config


def document(result: offline.OfflineRun, name: str, key: str = "assumeRolePolicy") -> dict[str, Any]:
    return json.loads(result.named(name).inputs[key])


def test_the_example_stack_makes_exactly_the_capability_its_roles_and_selectors() -> None:
    result = run(program.main, config=stack())
    assert result.invokes == [("aws:index/getPartition:getPartition", {})]  # no OIDC lookup: no IRSA here
    assert sorted((r.type, r.name) for r in result.resources if r.custom) == [
        ("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "ack-secret-reader"),
        ("aws:eks/capability:Capability", "ack-capability"),
        ("aws:iam/role:Role", "ack-rds-role"),
        ("aws:iam/role:Role", "ack-role"),
        ("aws:iam/role:Role", "ack-s3-role"),
        ("aws:iam/rolePoliciesExclusive:RolePoliciesExclusive", "ack-inline-policies"),
        ("aws:iam/rolePoliciesExclusive:RolePoliciesExclusive", "ack-rds-inline-policies"),
        ("aws:iam/rolePoliciesExclusive:RolePoliciesExclusive", "ack-s3-inline-policies"),
        ("aws:iam/rolePolicy:RolePolicy", "ack-ack-capability-selected-roles"),
        ("aws:iam/rolePolicy:RolePolicy", "ack-s3-inline"),
        ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "ack-rds-AmazonRDSFullAccess"),
        ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "ack-s3-AmazonS3FullAccess"),
        ("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "ack-managed-policies"),
        ("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "ack-rds-managed-policies"),
        ("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "ack-s3-managed-policies"),
        (SELECTOR, "ack-rds-selector"),
        (SELECTOR, "ack-rds-team-b-selector-444455556666"),
        (SELECTOR, "ack-s3-selector"),
    ]
    # Nothing of a self-managed controller: no OIDC provider, ServiceAccount, Helm release or restart.
    assert not [
        r for r in result.resources if "ServiceAccount" in r.type or "helm" in r.type or "oidc" in r.type.lower()
    ]
    assert result.named("ack-capability").inputs == {
        "capabilityName": "ack",
        "clusterName": "prod-eks",
        "type": "ACK",
        "roleArn": CAPABILITY_ROLE,
        "deletePropagationPolicy": "RETAIN",
        "tags": {"environment": "prod", "owner": "platform"},
    }
    assert result.named("ack-role").inputs["tags"] == result.named("ack-s3-role").inputs["tags"]


def test_the_capability_role_trusts_the_service_and_may_only_assume_the_selected_roles() -> None:
    result = run(program.main, config=stack())
    trust = document(result, "ack-role")
    assert trust["Statement"] == [{"Effect": "Allow", "Principal": {"Service": CAPABILITY_SERVICE}, "Action": BOTH}]
    assert not [
        r
        for r in result.resources
        if r.type.endswith("RolePolicyAttachment") and r.inputs["role"] == "ack-capability-prod"
    ]
    assert result.named("ack-managed-policies").inputs["policyArns"] == []
    assert result.named("ack-inline-policies").inputs["policyNames"] == ["ack-capability-selected-roles"]
    assert document(result, "ack-ack-capability-selected-roles", "policy")["Statement"] == [
        {
            "Sid": "AssumeAckSelectedRoles",
            "Effect": "Allow",
            "Action": BOTH,
            "Resource": [
                "arn:aws:iam::111122223333:role/ack-rds-prod-eks-a98a0be7",
                "arn:aws:iam::111122223333:role/ack-s3-prod-eks-13bb2b23",
                "arn:aws:iam::444455556666:role/ack-rds-team-b",
            ],
        }
    ]


@pytest.mark.parametrize("role", ["ack-s3-role", "ack-rds-role"])
def test_each_selected_role_admits_the_capability_role_and_no_one_else(role: str) -> None:
    trust = document(run(program.main, config=stack()), role)
    assert trust["Statement"] == [{"Effect": "Allow", "Principal": {"AWS": CAPABILITY_ROLE}, "Action": BOTH}]
    assert all(admits(trust, {"AWS": CAPABILITY_ROLE}, action) for action in BOTH)
    for other in (f"arn:aws:iam::{ACCOUNT}:role/ack-s3-prod-eks-13bb2b23", f"arn:aws:iam::{ACCOUNT}:root"):
        assert not admits(trust, {"AWS": other}, "sts:AssumeRole")
    assert not admits(trust, {"Service": CAPABILITY_SERVICE}, "sts:AssumeRole")


def test_one_selector_per_selected_role_for_its_group_and_namespaces() -> None:
    result = run(program.main, config=stack())
    specs = {r.inputs["metadata"]["name"]: r.inputs["spec"] for r in result.of_type(SELECTOR)}
    assert specs == {
        "ack.s3": {
            "arn": "arn:aws:iam::111122223333:role/ack-s3-prod-eks-13bb2b23",
            "resourceTypeSelector": [{"group": "s3.services.k8s.aws", "version": "", "kind": ""}],
        },
        "ack.rds": {
            "arn": "arn:aws:iam::111122223333:role/ack-rds-prod-eks-a98a0be7",
            "namespaceSelector": {"names": ["team-a"]},
            "resourceTypeSelector": [{"group": "rds.services.k8s.aws", "version": "", "kind": ""}],
        },
        "ack.rds-team-b.444455556666": {
            "arn": "arn:aws:iam::444455556666:role/ack-rds-team-b",
            "namespaceSelector": {"names": ["team-b"]},
            "resourceTypeSelector": [{"group": "rds.services.k8s.aws", "version": "", "kind": ""}],
        },
    }
    assert all(r.inputs["apiVersion"] == "services.k8s.aws/v1alpha1" for r in result.of_type(SELECTOR))


def test_the_order_of_creation_is_role_then_policies_then_capability_then_selectors() -> None:
    """Each resource waits for what it needs: EKS checks the role at create, the CRD comes with the capability,
    and the Secret reader association lives on the access entry the capability makes."""
    result = run(program.main, config=stack())
    urn = {r.name: r.urn for r in result.resources}
    capability = result.named("ack-capability")
    assert {urn["ack-role"], urn["ack-ack-capability-selected-roles"], urn["ack-inline-policies"]} <= set(
        capability.dependencies
    )
    for selector in result.of_type(SELECTOR):
        assert urn["ack-capability"] in selector.dependencies, selector.name
    assert urn["ack-capability"] in result.named("ack-secret-reader").dependencies
    # The selected roles' trust names the capability role: they are made after it.
    assert urn["ack-role"] in result.named("ack-s3-role").dependencies


def test_the_secret_reader_is_one_association_for_the_secrets_namespaces_only() -> None:
    inputs = run(program.main, config=stack()).named("ack-secret-reader").inputs
    assert inputs == {
        "clusterName": "prod-eks",
        "principalArn": CAPABILITY_ROLE,
        "policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSSecretReaderPolicy",
        "accessScope": {"type": "namespace", "namespaces": ["team-a", "team-b"]},
    }


def test_a_stack_whose_entries_read_no_secrets_makes_no_association() -> None:
    config = {**stack(), "ack-irsa:controllers": [{"service": "s3"}]}
    assert not run(program.main, config=config).of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")


def test_the_stack_outputs_name_the_capability_its_role_and_each_selected_role() -> None:
    outputs = run(program.main, config=stack()).outputs
    assert outputs == {
        "capability": {
            "arn": "arn:aws:eks:us-west-2:111122223333:capability/prod-eks/ack/ack/<capability-id>",
            "name": "ack",
            "roleArn": CAPABILITY_ROLE,
            "roleName": "ack-capability-prod",
        },
        "controllers": {
            "s3": {"roleArn": "arn:aws:iam::111122223333:role/ack-s3-prod-eks-13bb2b23"},
            "rds": {"roleArn": "arn:aws:iam::111122223333:role/ack-rds-prod-eks-a98a0be7"},
            "rds-team-b": {
                "roleArn": None,
                "crossAccount": {"444455556666": "arn:aws:iam::444455556666:role/ack-rds-team-b"},
            },
        },
    }


def test_direct_mode_puts_the_policies_on_the_capability_role_and_makes_no_selector() -> None:
    config = {
        **stack(),
        "ack-irsa:capability": {"roleName": "ack-capability-prod", "permissions": "direct"},
        "ack-irsa:controllers": [{"service": "s3"}, {"service": "rds", "secretNamespaces": ["team-a"]}],
    }
    result = run(program.main, config=config)
    assert not result.of_type(SELECTOR)
    assert not result.of_type("ack-irsa:index:CapabilitySelectedRole")
    assert sorted(
        r.inputs["policyArn"] for r in result.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    ) == [
        "arn:aws:iam::aws:policy/AmazonRDSFullAccess",
        "arn:aws:iam::aws:policy/AmazonS3FullAccess",
    ]
    assert result.named("ack-inline-policies").inputs["policyNames"] == ["ack-s3"]
    assert "s3:*" in json.dumps(document(result, "ack-ack-s3", "policy"))
    assert result.outputs["controllers"] == {"s3": {"roleArn": CAPABILITY_ROLE}, "rds": {"roleArn": CAPABILITY_ROLE}}
    assert result.named("ack-secret-reader").inputs["accessScope"] == {"type": "namespace", "namespaces": ["team-a"]}


def test_a_target_role_made_here_trusts_the_capability_role_with_session_tags() -> None:
    def build() -> None:
        target = pulumi.ProviderResource("aws", "target", {"allowedAccountIds": ["444455556666"]})
        AckCapability(
            "ack",
            {
                "cluster_name": "prod-eks",
                "role_name": "ack-capability-prod",
                "controllers": [
                    {
                        "service": "s3",
                        "namespaces": ["team-b"],
                        "cross_account": [
                            {
                                "account_id": "444455556666",
                                "role_name": "ack-s3-team-b",
                                "namespaces": ["team-b"],
                                "manage_role": True,
                                "provider": target,
                            }
                        ],
                    }
                ],
            },
        )

    result = run(build)
    assert not [r for r in result.resources if r.name == "ack-s3-role"]  # every namespace goes to the target
    trust = document(result, "ack-s3-444455556666-ack-s3-team-b-role")
    assert trust["Statement"] == [{"Effect": "Allow", "Principal": {"AWS": CAPABILITY_ROLE}, "Action": BOTH}]
    assert not admits(trust, {"AWS": "arn:aws:iam::444455556666:root"}, "sts:AssumeRole")
    made = result.named("ack-s3-444455556666-ack-s3-team-b-role")
    assert made.provider.startswith("urn:pulumi:") and "target" in made.provider
    [selector] = result.of_type(SELECTOR)
    assert selector.inputs["spec"]["arn"] == "arn:aws:iam::444455556666:role/ack-s3-team-b"


def test_a_bad_argument_of_the_python_api_is_refused_before_anything_is_registered() -> None:
    from ack_irsa.spec.problems import ArgsError

    errors: list[str] = []

    def build() -> None:
        try:
            AckCapability("ack", {"cluster_name": "prod-eks", "controllers": [{"service": "s3", "install": True}]})  # type: ignore[typeddict-unknown-key]
        except ArgsError as error:
            errors.append(str(error))

    assert run(build).resources == []
    assert errors == [
        "AckCapability 'ack': controllers[0].install: does not apply to the capability: AWS runs the capability's "
        "controllers: there is no Helm chart to install"
    ]


class _FreshRoles(offline.OfflineMocks):
    """IAM answering as for roles created a moment ago (``createDate``)."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        resource_id, state = super().new_resource(args)
        if args.typ == "aws:iam/role:Role":
            created = datetime.now(UTC) - timedelta(seconds=19.5)
            state = {**state, "createDate": created.isoformat().replace("+00:00", "Z")}
        return resource_id, state


def test_the_capability_waits_for_a_role_iam_has_just_created() -> None:
    """The capability's role ARN is handed over no sooner than IAM_PROPAGATION_WAIT after the role was created
    (20 s; a role made 19.5 s ago waits half a second). Under the plain mocks no role has a date: no wait."""
    started = time.monotonic()
    result = run(program.main, config=stack(), mocks=_FreshRoles(facts()))
    assert time.monotonic() - started >= 0.4
    assert result.named("ack-capability").inputs["roleArn"] == CAPABILITY_ROLE


def test_the_diff_shows_who_may_assume_what_first_then_the_new_selected_role() -> None:
    from ack_irsa.review import diff, plan

    base_config = {**stack(), "ack-irsa:controllers": [{"service": "s3"}]}
    base = plan.plan_stack("prod", base_config, plan.facts_for(base_config, account_id=ACCOUNT))
    head = plan.plan_stack("prod", stack(), plan.facts_for(stack(), account_id=ACCOUNT))
    text = diff.to_markdown(diff.diff_plans(base, head), "prod", head)
    assert (
        text.index("### Managed capability `ack`")
        < text.index("### Added")
        < text.index("### New selected role `ack-rds`")
    )
    rds = "arn:aws:iam::111122223333:role/ack-rds-prod-eks-a98a0be7"
    assert f"| `{rds}` (`rds`) | `rds` (`rds.services.k8s.aws`) | `team-a` |" in text
    assert "#### `ack-ack-capability-selected-roles` (`aws:iam/rolePolicy:RolePolicy`)" in text
    unchanged = diff.to_markdown(diff.diff_plans(head, head), "prod", head)
    assert "Managed capability" not in unchanged


def test_a_stale_acknowledgement_of_an_entry_is_a_warning_and_a_real_one_is_not() -> None:
    """As for a controller: an acknowledged risk the entry's policies no longer have warns (a catalog update
    that narrows a policy must not break `pulumi up`); one they have is carried without a word."""
    settings = stack()
    settings["ack-irsa:controllers"] = [
        {"service": "s3", "acknowledgeRisks": ["privilege-escalation", "service-wide-access"]}
    ]
    result = run(program.main, config=settings)
    warned = [(urn.rsplit("::", 1)[-1], m) for urn, m in result.warnings if "acknowledged risk" in m]
    assert warned == [
        (
            "ack-s3",
            "the acknowledged risk 'privilege-escalation' is no longer a risk of this role (its risks: "
            "service-wide-access): drop it from acknowledge_risks (acknowledgeRisks in a stack file)",
        )
    ]


def test_the_plan_opens_with_a_row_per_entry_saying_who_assumes_what(capsys: pytest.CaptureFixture[str]) -> None:
    from ack_irsa.commands import main as cli

    assert cli(["render", "--project-dir", str(ROOT), "--stack", "capability", "--account-id", ACCOUNT]) == 0
    summary = capsys.readouterr().out.split("## Summary\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    runs = "— (AWS runs the controller)"
    assert summary[2:] == [
        f"| `s3` | capability (selected role) | the capability role `ack-capability-prod`, for every namespace | "
        f"{runs} | `{ACCOUNT}` | ⚠️ `service-wide-access` |",
        "| `rds-team-b` | capability (selected role) | the capability role `ack-capability-prod`, for `team-b` | "
        f"{runs} | `444455556666` (cross-account) | none |",
        f"| `rds` | capability (selected role) | the capability role `ack-capability-prod`, for `team-a` | "
        f"{runs} | `{ACCOUNT}` | ⚠️ `service-wide-access` |",
    ]


def test_in_direct_mode_each_row_names_the_capability_role_itself(
    capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    from ack_irsa.commands import main as cli

    path = tmp_path / "Pulumi.direct.yaml"
    path.write_text(
        "config:\n  aws:region: us-west-2\n  ack-irsa:clusterName: prod-eks\n"
        "  ack-irsa:capability: {permissions: direct, roleName: ack-capability-prod}\n"
        "  ack-irsa:controllers:\n    - service: s3\n"
        "    - service: ecr\n      acknowledgeRisks: [service-wide-access]\n"
    )
    assert cli(["render", "--project-dir", str(ROOT), "--config-file", str(path), "--account-id", ACCOUNT]) == 0
    summary = capsys.readouterr().out.split("## Summary\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    who = "`capabilities.eks.amazonaws.com` (the capability role holds the policies)"
    assert [line.split(" | ")[1:3] + line.split(" | ")[4:] for line in summary[2:]] == [
        ["capability (its role)", who, f"`{ACCOUNT}`", "⚠️ `service-wide-access` |"],
        ["capability (its role)", who, f"`{ACCOUNT}`", "`service-wide-access` (acknowledged) |"],
    ]
