"""The guardrails of the CrossGuard pack, in plain Python: each policy's validate function called with the
pulumi_policy argument objects the engine would send (PolicyPack itself is never built: its constructor
starts a server and blocks), the same functions through ``ack-irsa check``, and the example stacks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from ack_irsa.commands import main as cli
from ack_irsa.iam.risks import tagged_acknowledgements
from ack_irsa.review import guardrails

from .conftest import ISSUER_HOST, POD_IDENTITY_STATEMENT, PROVIDER_ARN, ROOT

OPTIONS = PolicyResourceOptions(
    protect=False,
    ignore_changes=[],
    delete_before_replace=None,
    aliases=[],
    custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
    additional_secret_outputs=[],
)
GOOD_IRSA = {
    "Effect": "Allow",
    "Principal": {"Federated": PROVIDER_ARN},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {
        "StringEquals": {
            f"{ISSUER_HOST}:sub": "system:serviceaccount:ack-system:ack-s3-controller",
            f"{ISSUER_HOST}:aud": "sts.amazonaws.com",
        }
    },
}
GOOD_POD_IDENTITY = POD_IDENTITY_STATEMENT
POLICIES = {p.name: p for p in guardrails.pack_policies()}


def role(statement: dict[str, Any], name: str = "workload", **props: Any) -> dict[str, Any]:
    document = {"Version": "2012-10-17", "Statement": [statement]}
    return {"name": name, "assumeRolePolicy": json.dumps(document), **props}


def resource_violations(policy: str, resource_type: str, props: dict[str, Any], config: Any = None) -> list[str]:
    found: list[str] = []
    args = ResourceValidationArgs(
        resource_type, props, f"urn:{props.get('name')}", props.get("name", "r"), OPTIONS, None, config
    )
    validate = POLICIES[policy].validate
    assert callable(validate)
    validate(args, lambda message, urn=None: found.append(message))
    return found


def stack_violations(policy: str, resources: list[tuple[str, dict[str, Any]]], config: Any = None) -> list[str]:
    found: list[str] = []
    listed = [
        PolicyResource(kind, props, f"urn:{i}", props.get("name", f"r{i}"), OPTIONS, None, None, [], {})
        for i, (kind, props) in enumerate(resources)
    ]
    validate = POLICIES[policy].validate
    assert callable(validate)
    validate(StackValidationArgs(listed, config), lambda message, urn=None: found.append(message))
    return found


def test_the_pack_has_every_rule_with_its_level_and_remediation() -> None:
    assert [(p.name, type(p), p.enforcement_level) for p in POLICIES.values()] == [
        ("irsa-trust-pins-sub-and-aud", ResourceValidationPolicy, EnforcementLevel.MANDATORY),
        ("pod-identity-trust-pins-session-tags", ResourceValidationPolicy, EnforcementLevel.MANDATORY),
        ("no-broad-managed-policy-on-workload-roles", StackValidationPolicy, EnforcementLevel.MANDATORY),
        ("no-wildcard-inline-grants-on-workload-roles", StackValidationPolicy, EnforcementLevel.MANDATORY),
        ("service-accounts-name-the-stacks-roles", StackValidationPolicy, EnforcementLevel.MANDATORY),
        ("capability-role-holds-no-service-permission", StackValidationPolicy, EnforcementLevel.MANDATORY),
        ("iam-role-selectors-disjoint", StackValidationPolicy, EnforcementLevel.MANDATORY),
        ("privilege-escalation-is-acknowledged", StackValidationPolicy, EnforcementLevel.MANDATORY),
        ("all-actions-is-acknowledged", StackValidationPolicy, EnforcementLevel.MANDATORY),
        ("pass-role-unrestricted-is-acknowledged", StackValidationPolicy, EnforcementLevel.MANDATORY),
        ("broad-managed-policy-is-acknowledged", StackValidationPolicy, EnforcementLevel.MANDATORY),
        ("service-wide-access-is-acknowledged", StackValidationPolicy, EnforcementLevel.ADVISORY),
    ]
    assert all(p.description and p.remediation_steps for p in POLICIES.values())
    schema = POLICIES["no-broad-managed-policy-on-workload-roles"].config_schema
    assert schema is not None and schema.properties["allowedPolicies"]["default"] == []


@pytest.mark.parametrize(
    ("statement", "tags", "violations"),
    [
        (GOOD_IRSA, {}, []),
        (
            {**GOOD_IRSA, "Condition": {"StringEquals": {f"{ISSUER_HOST}:sub": "system:serviceaccount:a:b"}}},
            {},
            ["statement 0: aud is not pinned with StringEquals (at all)"],
        ),
        (
            {
                **GOOD_IRSA,
                "Condition": {
                    "StringEquals": {f"{ISSUER_HOST}:aud": "sts.amazonaws.com"},
                    "StringLike": {f"{ISSUER_HOST}:sub": "system:serviceaccount:*:*"},
                },
            },
            {},
            ["statement 0: sub is not pinned with StringEquals (by StringLike only)"],
        ),
        (
            {
                **GOOD_IRSA,
                "Condition": {
                    "StringEquals": {f"{ISSUER_HOST}:aud": "sts.amazonaws.com"},
                    "StringLike": {f"{ISSUER_HOST}:sub": "system:serviceaccount:team-*:sa"},
                },
            },
            {"ack-irsa/allow-wildcard-subject": "true"},
            [],
        ),
        (
            {**GOOD_IRSA, "Principal": {"Federated": "cognito-identity.amazonaws.com"}},
            {},
            ["statement 0: the federated principal ['cognito-identity.amazonaws.com'] is not an IAM OIDC provider"],
        ),
        (
            {**GOOD_IRSA, "Condition": {}},
            {},
            [
                "statement 0: sub is not pinned with StringEquals (at all)",
                "statement 0: aud is not pinned with StringEquals (at all)",
            ],
        ),
        ({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}, {}, []),
    ],
)
def test_web_identity_trusts_pin_sub_and_aud(
    statement: dict[str, Any], tags: dict[str, str], violations: list[str]
) -> None:
    props = role(statement, tags=tags)
    assert resource_violations("irsa-trust-pins-sub-and-aud", "aws:iam/role:Role", props) == violations


def test_pod_identity_trusts_pin_the_session_tags() -> None:
    assert (
        resource_violations("pod-identity-trust-pins-session-tags", "aws:iam/role:Role", role(GOOD_POD_IDENTITY)) == []
    )
    loose = {**GOOD_POD_IDENTITY, "Condition": {}}
    assert resource_violations("pod-identity-trust-pins-session-tags", "aws:iam/role:Role", role(loose)) == [
        "statement 0: the session tags ['kubernetes-namespace', 'kubernetes-service-account'] are not pinned with "
        "StringEquals"
    ]


ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def test_no_broad_managed_policy_on_a_workload_role() -> None:
    attachment = ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", {"role": "workload", "policyArn": ADMIN})
    workload = ("aws:iam/role:Role", role(GOOD_IRSA))
    assert stack_violations("no-broad-managed-policy-on-workload-roles", [workload, attachment]) == [
        "AdministratorAccess is attached to the workload role workload"
    ]
    pods = ("aws:iam/role:Role", role(GOOD_POD_IDENTITY, managedPolicyArns=["arn:aws:iam::aws:policy/IAMFullAccess"]))
    assert stack_violations("no-broad-managed-policy-on-workload-roles", [pods]) == [
        "IAMFullAccess is attached to the workload role workload"
    ]
    ec2 = (
        "aws:iam/role:Role",
        role({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}),
    )
    assert stack_violations("no-broad-managed-policy-on-workload-roles", [ec2, attachment]) == []  # not a workload role
    allowed = {"allowedPolicies": ["AdministratorAccess"]}
    assert stack_violations("no-broad-managed-policy-on-workload-roles", [workload, attachment], allowed) == []


@pytest.mark.parametrize(
    ("statement", "violations"),
    [
        (
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            ['an inline policy of the workload role workload allows "Action": "*"'],
        ),
        (
            {"Effect": "Allow", "Action": ["iam:PassRole", "iam:GetRole"], "Resource": "*"},
            [
                "an inline policy of the workload role workload allows iam:PassRole on every role without a "
                "restricting condition"
            ],
        ),
        (
            {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
            [
                "an inline policy of the workload role workload allows iam:PassRole on every role without a "
                "restricting condition"
            ],
        ),
        (
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": "*",
                "Condition": {"StringEquals": {"iam:PassedToService": "eks.amazonaws.com"}},
            },
            [],
        ),
        ({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111122223333:role/eks-nodes"}, []),
        ({"Effect": "Deny", "Action": "*", "Resource": "*"}, []),
    ],
)
def test_no_wildcard_inline_grants_on_a_workload_role(statement: dict[str, Any], violations: list[str]) -> None:
    policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    inline = ("aws:iam/rolePolicy:RolePolicy", {"role": "workload", "name": "p", "policy": policy})
    assert (
        stack_violations(
            "no-wildcard-inline-grants-on-workload-roles", [("aws:iam/role:Role", role(GOOD_IRSA)), inline]
        )
        == violations
    )


def service_account(arn: str) -> tuple[str, dict[str, Any]]:
    return "kubernetes:core/v1:ServiceAccountPatch", {
        "metadata": {"name": "sa", "namespace": "ns", "annotations": {"eks.amazonaws.com/role-arn": arn}}
    }


def test_service_accounts_name_roles_of_the_stacks_account_and_partition() -> None:
    ours = ("aws:iam/role:Role", {**role(GOOD_IRSA), "arn": "arn:aws:iam::111122223333:role/workload"})
    good = service_account("arn:aws:iam::111122223333:role/workload")
    assert stack_violations("service-accounts-name-the-stacks-roles", [ours, good]) == []
    elsewhere = service_account("arn:aws:iam::999988887777:role/other")
    assert stack_violations("service-accounts-name-the-stacks-roles", [ours, elsewhere]) == [
        "the annotation names a role in account 999988887777 (aws); the stack's roles are in 111122223333 (aws)"
    ]
    assert stack_violations("service-accounts-name-the-stacks-roles", [service_account("not-an-arn")]) == [
        "the annotation 'not-an-arn' is not an IAM role ARN"
    ]
    expected = {"expectedAccountId": "111122223333", "expectedPartition": "aws-us-gov"}
    assert stack_violations("service-accounts-name-the-stacks-roles", [good], expected) == [
        "the annotation names a role in account 111122223333 (aws); the stack's roles are in 111122223333 (aws-us-gov)"
    ]


@pytest.mark.parametrize("stack", ["capability", "dev", "prod", "staging"])
def test_every_example_stack_passes(capsys: pytest.CaptureFixture[str], stack: str) -> None:
    """No mandatory violation; the only advisories are service-wide grants (s3:*), which ACK's controllers
    are recommended and which a stack acknowledges or not."""
    assert cli(["check", "--project-dir", str(ROOT), "--stack", stack]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert " 0 mandatory and " in lines[-1]
    advisories = [line for line in lines if line.startswith("advisory:")]
    assert advisories and all(line.startswith("advisory: service-wide-access-is-acknowledged: ") for line in advisories)


LOOSE_TRUST = {**GOOD_IRSA, "Condition": {"StringLike": {f"{ISSUER_HOST}:sub": "system:serviceaccount:*:*"}}}
EVERYTHING = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
BAD_PLAN = {
    "resources": [
        {"type": "aws:iam/role:Role", "name": "r", "parent": None, "inputs": role(LOOSE_TRUST)},
        {
            "type": "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            "name": "a",
            "parent": None,
            "inputs": {"role": "workload", "policyArn": ADMIN},
        },
        {
            "type": "aws:iam/rolePolicy:RolePolicy",
            "name": "i",
            "parent": None,
            "inputs": {"role": "workload", "name": "p", "policy": EVERYTHING},
        },
    ]
}


def test_check_lists_violations_with_resource_and_remediation(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(BAD_PLAN))
    assert cli(["check", "--plan-file", str(plan)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert [line for line in lines if not line.startswith("  remediation:")] == [
        "mandatory: irsa-trust-pins-sub-and-aud: r: statement 0: sub is not pinned with StringEquals "
        "(by StringLike only)",
        "mandatory: irsa-trust-pins-sub-and-aud: r: statement 0: aud is not pinned with StringEquals (at all)",
        "mandatory: no-broad-managed-policy-on-workload-roles: a: AdministratorAccess is attached to the workload "
        "role workload",
        "mandatory: no-wildcard-inline-grants-on-workload-roles: i: an inline policy of the workload role workload "
        'allows "Action": "*"',
        "mandatory: privilege-escalation-is-acknowledged: r: the workload role workload has privilege-escalation in "
        "inline policy p (escalation paths AccessExistingBedrockCodeInterpreterSession, AddUserToGroup, "
        "AttachGroupPolicy and 56 more), unacknowledged",
        "mandatory: all-actions-is-acknowledged: r: the workload role workload has all-actions in inline policy p "
        "(allows Action *), unacknowledged",
        "mandatory: pass-role-unrestricted-is-acknowledged: r: the workload role workload has pass-role-unrestricted "
        "in inline policy p (iam:PassRole on every role, with no restricting Condition), unacknowledged",
        "mandatory: pass-role-unrestricted-is-acknowledged: r: the workload role workload has pass-role-unrestricted "
        "in managed policy AdministratorAccess (iam:PassRole on every role, with no restricting Condition), "
        "unacknowledged",
        "mandatory: broad-managed-policy-is-acknowledged: r: the workload role workload has broad-managed-policy in "
        "managed policy AdministratorAccess (allows Action *; escalation paths "
        "AccessExistingBedrockCodeInterpreterSession, AddUserToGroup, AttachGroupPolicy and 56 more), unacknowledged",
        "12 rules over 3 resources: 9 mandatory and 0 advisory violations",
    ]
    assert lines[1].startswith("  remediation: Pin <issuer>:sub to system:serviceaccount:")
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({name: {"enforcementLevel": "advisory"} for name in POLICIES}))
    assert cli(["check", "--plan-file", str(plan), "--policy-config", str(settings)]) == 0
    assert capsys.readouterr().out.endswith("0 mandatory and 9 advisory violations\n")


def test_check_exits_2_on_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "none.json"
    assert cli(["check", "--plan-file", str(missing)]) == 2
    assert capsys.readouterr().err == f"error: {missing}: no such file\n"
    not_a_plan = tmp_path / "plan.json"
    not_a_plan.write_text("[1, 2]")
    assert cli(["check", "--plan-file", str(not_a_plan)]) == 2
    assert "not a plan" in capsys.readouterr().err
    bad_stack = tmp_path / "Pulumi.bad.yaml"
    bad_stack.write_text("config:\n  ack-irsa:clusterName: [\n")
    assert cli(["check", "--project-dir", str(ROOT), "--config-file", str(bad_stack)]) == 2


# --- hand-written bad plans, through `check --plan-file` ---------------------------------------------------

WEB_TRUST = {
    "Effect": "Allow",
    "Principal": {"Federated": PROVIDER_ARN},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {
        "StringEquals": {
            f"{ISSUER_HOST}:sub": "system:serviceaccount:ack-system:ack-s3-controller",
            f"{ISSUER_HOST}:aud": "sts.amazonaws.com",
        }
    },
}


def bad_plan(
    trust: list[dict[str, Any]], inline: list[dict[str, Any]] | None = None, managed: str = ""
) -> dict[str, Any]:
    resources: list[dict[str, Any]] = [
        {
            "type": guardrails.ROLE,
            "name": "s3-role",
            "parent": "s3",
            "inputs": {"name": "ack-s3", "assumeRolePolicy": json.dumps({"Version": "2012-10-17", "Statement": trust})},
        }
    ]
    if inline is not None:
        policy = json.dumps({"Version": "2012-10-17", "Statement": inline})
        resources.append(
            {
                "type": guardrails.INLINE,
                "name": "s3-inline",
                "parent": "s3",
                "inputs": {"role": "ack-s3", "policy": policy},
            }
        )
    if managed:
        resources.append(
            {
                "type": guardrails.ATTACHMENT,
                "name": "s3-managed",
                "parent": "s3",
                "inputs": {"role": "ack-s3", "policyArn": f"arn:aws:iam::aws:policy/{managed}"},
            }
        )
    return {"resources": resources, "risks": []}


@pytest.mark.parametrize(
    ("plan", "expected"),
    [
        (bad_plan([WEB_TRUST], [{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}]), "every action but"),
        (
            bad_plan([WEB_TRUST], [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::*:role/*"}]),
            "iam:PassRole on every role",
        ),
        (bad_plan([WEB_TRUST], managed="AdministratorAccess-Amplify"), "AdministratorAccess-Amplify is attached"),
        (bad_plan([WEB_TRUST], managed="job-function/SystemAdministrator"), "SystemAdministrator is attached"),
        (
            bad_plan([{**WEB_TRUST, "Action": "sts:*"}], managed="AdministratorAccess"),
            "AdministratorAccess is attached",
        ),
        (
            bad_plan([{**WEB_TRUST, "Action": "sts:AssumeRoleWith*"}], managed="AdministratorAccess"),
            "AdministratorAccess is attached",
        ),
        (
            bad_plan(
                [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "pods.eks.amazonaws.com"},
                        "Action": ["sts:AssumeRole", "sts:TagSession"],
                    }
                ]
            ),
            "session tags",
        ),
        (
            bad_plan([{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRoleWithWebIdentity"}]),
            "not an IAM OIDC provider",
        ),
        (
            bad_plan(
                [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}], managed="AdministratorAccess"
            ),
            "AdministratorAccess is attached",
        ),
    ],
)
def test_hand_written_bad_plans_fail_check(
    plan: dict[str, Any], expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    assert cli(["check", "--plan-file", str(path)]) == 1
    out = capsys.readouterr().out
    assert expected in out
    assert all(
        line.startswith(("mandatory", "advisory", "  remediation")) or " rules over " in line
        for line in out.splitlines()
    )


def test_every_risk_id_has_its_level() -> None:
    from ack_irsa.iam.risks import RISKS

    assert set(guardrails.RISK_LEVELS) == set(RISKS)
    assert {r for r, level in guardrails.RISK_LEVELS.items() if level == "mandatory"} == {
        "privilege-escalation",
        "all-actions",
        "pass-role-unrestricted",
        "broad-managed-policy",
    }


IAM_INLINE = "aws:iam/rolePolicy:RolePolicy"
ESCALATION = (
    "the workload role workload has privilege-escalation in inline policy p (escalation paths AttachRolePolicy), "
    "unacknowledged"
)
ESCALATES = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:AttachRolePolicy", "Resource": "*"}]}
)


@pytest.mark.parametrize(
    ("tags", "violations"),
    [
        (
            {},
            [ESCALATION],
        ),
        ({"ack-irsa/acknowledged-risks": "privilege-escalation"}, []),
        ({"ack-irsa/acknowledged-risks": "service-wide-access privilege-escalation"}, []),
        (
            {"ack-irsa/acknowledged-risks": "all-actions"},
            [ESCALATION],
        ),
    ],
)
def test_an_unacknowledged_risk_fails_the_pack_and_an_acknowledged_one_passes(
    tags: dict[str, str], violations: list[str]
) -> None:
    resources = [
        (guardrails.ROLE, role(GOOD_IRSA, tags=tags)),
        (IAM_INLINE, {"role": "workload", "name": "p", "policy": ESCALATES}),
    ]
    assert stack_violations("privilege-escalation-is-acknowledged", resources) == violations
    not_a_workload = role(
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    )
    assert (
        stack_violations("privilege-escalation-is-acknowledged", [(guardrails.ROLE, not_a_workload), resources[1]])
        == []
    )


def risk_stack(tmp_path: Path, controllers: str) -> Path:
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(
        f"config:\n  aws:region: us-west-2\n  ack-irsa:clusterName: dev\n  ack-irsa:controllers:\n{controllers}"
    )
    return path


def test_check_fails_the_iam_controller_until_its_risk_is_acknowledged(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The iam controller's recommended policy can make itself administrator: check must not pass it."""
    unacknowledged = risk_stack(tmp_path, "    - service: iam\n")
    assert cli(["check", "--project-dir", str(ROOT), "--config-file", str(unacknowledged)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(
        "mandatory: privilege-escalation-is-acknowledged: iam-role: the workload role ack-iam-dev-"
    )
    assert lines[-1].endswith("1 mandatory and 0 advisory violations")
    acknowledged = risk_stack(tmp_path, "    - service: iam\n      acknowledgeRisks: [privilege-escalation]\n")
    assert cli(["check", "--project-dir", str(ROOT), "--config-file", str(acknowledged)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "acknowledged: privilege-escalation-is-acknowledged: iam-role: privilege-escalation in inline policy "
        "ack-controller-policy",
        "12 rules over 9 resources: 0 mandatory and 0 advisory violations",
    ]


@pytest.mark.parametrize("stack", ["dev", "prod", "shared", "staging"])
def test_the_guardrails_find_the_risks_the_plan_reports(capsys: pytest.CaptureFixture[str], stack: str) -> None:
    """The pack computes each role's risks from the resources alone, the component from its arguments: the two
    agree, and so do the acknowledgements (the role's tag)."""
    assert cli(["render", "--project-dir", str(ROOT), "--stack", stack, "--format", "json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    # a target role made here (manageRole) carries its controller's policies, and so its risks
    made_by = {r["name"]: r["parent"] for r in plan["resources"] if r["type"] == "ack-irsa:index:TargetAccountRole"}
    roles = {r["controller"]: [f"{r['controller']}-role"] for r in plan["risks"]}
    for target, controller in made_by.items():
        roles[controller].append(f"{target}-role")
    reported = {(role, r["id"], r["acknowledged"]) for r in plan["risks"] for role in roles[r["controller"]]}
    resources = [guardrails.PlanResource(r["type"], r["name"], r["name"], r["inputs"]) for r in plan["resources"]]
    found = {
        (role.name, risk, risk in tagged_acknowledgements(role.props.get("tags")))
        for role, risks in guardrails.workload_role_risks(resources).values()
        for risk, _, _ in risks
    }
    assert found == reported


def test_a_wildcard_subject_the_stack_allows_passes_the_trust_rule(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """allowWildcardSubject: the component tags the role, and irsa-trust-pins-sub-and-aud accepts it by the tag."""
    path = risk_stack(
        tmp_path,
        "    - service: sqs\n      serviceAccountName: ack-*\n      serviceAccountMode: none\n"
        "      allowWildcardSubject: true\n",
    )
    assert cli(["render", "--project-dir", str(ROOT), "--config-file", str(path), "--format", "json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    role_inputs = next(r["inputs"] for r in plan["resources"] if r["type"] == guardrails.ROLE)
    assert role_inputs["tags"] == {"ack-irsa/allow-wildcard-subject": "true"}
    assert cli(["check", "--project-dir", str(ROOT), "--config-file", str(path)]) == 0
    assert not [line for line in capsys.readouterr().out.splitlines() if "irsa-trust-pins-sub-and-aud" in line]
    exact = risk_stack(tmp_path, "    - service: sqs\n")
    assert cli(["render", "--project-dir", str(ROOT), "--config-file", str(exact), "--format", "json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert "tags" not in next(r["inputs"] for r in plan["resources"] if r["type"] == guardrails.ROLE)


def test_the_tags_ack_irsa_sets_cannot_be_given_otherwise(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = risk_stack(
        tmp_path,
        "    - service: iam\n      tags: {ack-irsa/acknowledged-risks: privilege-escalation, "
        "ack-irsa/allow-wildcard-subject: 'true'}\n",
    )
    assert cli(["render", "--project-dir", str(ROOT), "--config-file", str(path)]) == 1
    assert capsys.readouterr().err.splitlines()[1:] == [
        "  ack-irsa:controllers[0].tags: 'ack-irsa/acknowledged-risks' is set by ack-irsa: list the risk ids in "
        "acknowledgeRisks instead",
        "  ack-irsa:controllers[0].tags: 'ack-irsa/allow-wildcard-subject' is set by ack-irsa: it is set when the "
        "trust admits a wildcard subject (allowWildcardSubject)",
    ]
