"""``policy: derived`` on the managed capability's entries: the selected role, the capability role in ``direct``
mode, a target role made here, the refusals by key, the plan and verify's expectations."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from ack_irsa.catalog import derived
from ack_irsa.components.capability import AckCapability
from ack_irsa.iam.limits import INLINE_POLICIES_MAX_CHARS
from ack_irsa.iam.policies import policy_size
from ack_irsa.review import plan
from ack_irsa.spec.capability import resolve_capability
from ack_irsa.stack import program

from .conftest import ACCOUNT, children, refused, run

BASE: dict[str, Any] = {
    "aws:region": "us-west-2",
    "ack-irsa:clusterName": "prod-eks",
    "ack-irsa:capability": {"roleName": "ack-capability-prod"},
}
MONITORING = f"arn:aws:iam::{ACCOUNT}:role/rds-monitoring"
USER_INLINE = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
INLINE = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"


def stack(*controllers: dict[str, Any], **capability: Any) -> dict[str, Any]:
    return {
        **BASE,
        "ack-irsa:capability": {**BASE["ack-irsa:capability"], **capability},
        "ack-irsa:controllers": list(controllers),
    }


def inline_policies(result: Any, parent: str) -> dict[str, dict[str, Any]]:
    return {r.inputs["name"]: json.loads(r.inputs["policy"]) for r in children(result, parent) if r.type == INLINE}


def attachments(result: Any, parent: str) -> list[str]:
    return sorted(r.inputs["policyArn"] for r in children(result, parent) if r.type == ATTACHMENT)


# --- what the roles get -----------------------------------------------------------------------------


def test_the_selected_role_gets_exactly_the_derived_document_and_nothing_recommended() -> None:
    result = run(program.main, config=stack({"service": "s3", "policy": "derived", "kinds": ["Bucket"]}))
    assert inline_policies(result, "ack-s3") == {"ack-derived-policy": derived.derive("s3", ["Bucket"]).document}
    assert attachments(result, "ack-s3") == []  # AmazonS3FullAccess is not attached
    assert result.named("ack-s3-inline-policies").inputs["policyNames"] == ["ack-derived-policy"]
    # the capability role still holds no service permission: only the grant on the selected role
    assert list(inline_policies(result, "ack")) == ["ack-capability-selected-roles"]


def test_rds_with_kinds_and_a_role_to_pass_beside_an_inline_policy_and_extra_managed_policies() -> None:
    entry = {
        "service": "rds",
        "namespaces": ["team-a"],
        "policy": "derived",
        "kinds": ["DBInstance"],
        "passRoles": [MONITORING],
        "inlinePolicy": USER_INLINE,
        "extraPolicyArns": [f"arn:aws:iam::{ACCOUNT}:policy/extra"],
    }
    result = run(program.main, config=stack(entry))
    assert inline_policies(result, "ack-rds") == {
        "ack-derived-policy": derived.derive("rds", ["DBInstance"], [MONITORING]).document,
        "ack-controller-policy": USER_INLINE,
    }
    assert attachments(result, "ack-rds") == [f"arn:aws:iam::{ACCOUNT}:policy/extra"]


def test_direct_mode_puts_the_derived_document_on_the_capability_role_as_the_entrys_inline_policy() -> None:
    config = stack(
        {"service": "s3", "policy": "derived"},
        {"service": "ecr"},
        permissions="direct",
    )
    result = run(program.main, config=config)
    # ecr has no recommended inline policy, so the capability role's one inline policy per entry is s3's
    assert inline_policies(result, "ack") == {"ack-s3": derived.derive("s3").document}
    # s3's recommended managed policy is gone; ecr keeps its recommendation
    assert attachments(result, "ack") == ["arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryFullAccess"]


def test_direct_mode_puts_an_entrys_own_inline_policy_beside_the_derived_one() -> None:
    config = stack({"service": "s3", "policy": "derived", "inlinePolicy": USER_INLINE}, permissions="direct")
    result = run(program.main, config=config)
    assert inline_policies(result, "ack") == {"ack-s3": derived.derive("s3").document, "ack-s3-inline": USER_INLINE}


def test_the_document_is_derived_in_the_clusters_partition() -> None:
    role = MONITORING.replace("arn:aws:", "arn:aws-cn:")
    entry: Any = {
        "service": "rds",
        "namespaces": ["a"],
        "policy": "derived",
        "kinds": ["DBInstance"],
        "pass_roles": [role],
    }

    def main() -> None:
        AckCapability("ack", {"cluster_name": "prod-eks", "controllers": [entry]})

    result = run(main, partition="aws-cn")
    (document,) = inline_policies(result, "ack-rds").values()
    assert document["Statement"][1]["Condition"] == {"StringLike": {"kms:ViaService": "rds.*.amazonaws.com.cn"}}
    assert document == derived.derive("rds", ["DBInstance"], [role], "aws-cn").document


def test_a_target_role_made_here_carries_the_policy_derived_for_the_same_kinds() -> None:
    def build() -> None:
        target = pulumi.ProviderResource("aws", "target", {"allowedAccountIds": ["444455556666"]})
        AckCapability(
            "ack",
            {
                "cluster_name": "prod-eks",
                "controllers": [
                    {
                        "service": "rds",
                        "namespaces": ["team-a", "team-b"],
                        "secret_namespaces": ["team-a", "team-b"],
                        "policy": "derived",
                        "kinds": ["DBInstance"],
                        "pass_roles": [MONITORING],
                        "cross_account": [
                            {
                                "account_id": "444455556666",
                                "role_name": "ack-rds-team-b",
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
    made = "ack-rds-444455556666-ack-rds-team-b"
    # the roles to pass are this account's: not carried over, as for a controller's target role
    assert inline_policies(result, made) == {"ack-derived-policy": derived.derive("rds", ["DBInstance"]).document}
    assert attachments(result, made) == []
    assert inline_policies(result, "ack-rds") == {
        "ack-derived-policy": derived.derive("rds", ["DBInstance"], [MONITORING]).document
    }


# --- checks, risks, limits ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"service": "s3", "kinds": ["Bucket"]},
            "ack-irsa:controllers[0].kinds: applies to policy derived only: set policy to 'derived', or drop it",
        ),
        (
            {"service": "s3", "passRoles": [MONITORING]},
            "ack-irsa:controllers[0].passRoles: applies to policy derived only",
        ),
        (
            {"service": "s3", "policy": "derived", "kinds": ["Buckit"]},
            "ack-irsa:controllers[0].kinds[0]: 'Buckit' is not a kind of the s3 controller (did you mean 'Bucket'? "
            "its kinds: Bucket)",
        ),
        (
            {"service": "s3", "policy": "derivd"},
            "ack-irsa:controllers[0].policy: must be 'recommended' (the default) or 'derived', got 'derivd'; "
            "did you mean 'derived'?",
        ),
        (
            {"service": "rds", "namespaces": ["a"], "policy": "derived", "passRoles": ["*"]},
            "ack-irsa:controllers[0].passRoles[0]: '*' would pass every role",
        ),
        (
            {"service": "s3", "policy": "derived", "policyArns": [f"arn:aws:iam::{ACCOUNT}:policy/x"]},
            "ack-irsa:controllers[0].policyArns: replaces the recommended managed policies, which policy derived "
            "replaces already",
        ),
    ],
)
def test_bad_derived_entries_are_refused_by_their_key(entry: dict[str, Any], message: str) -> None:
    problems = refused(stack(entry))
    assert any(p.startswith(message) for p in problems), problems


def test_a_derived_entry_and_its_own_inline_policy_stay_within_iams_limit_in_direct_mode() -> None:
    padding = [f"s3:GetObject{'x' * 40}{i}" for i in range(170)]
    big = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": padding, "Resource": "*"}]}
    both = policy_size(big) + policy_size(derived.derive("s3").document)
    assert policy_size(big) <= INLINE_POLICIES_MAX_CHARS < both
    problems = refused(stack({"service": "s3", "policy": "derived", "inlinePolicy": big}, permissions="direct"))
    assert problems == [
        f"ack-irsa:controllers[0].inlinePolicy: with the derived policy, the inline policies is {both} characters; "
        "the limit is 10240"
    ]
    # the capability role's limit counts every entry's policies, the derived ones too
    problems = refused(
        stack({"service": "s3", "policy": "derived"}, {"service": "ecr", "inlinePolicy": big}, permissions="direct")
    )
    assert problems == [
        f"ack-irsa:controllers: with permissions 'direct' the capability role's inline policies would be {both:,} "
        "characters; IAM allows 10,240 per role (use permissions 'selectors')",
    ]


def test_the_risks_are_computed_on_the_derived_document() -> None:
    spec = resolve_capability({"cluster_name": "prod-eks", "controllers": [{"service": "iam", "policy": "derived"}]})
    assert [(r.id, r.source) for r in spec.controllers[0].risks] == [("privilege-escalation", "the derived policy")]
    s3 = resolve_capability({"cluster_name": "prod-eks", "controllers": [{"service": "s3", "policy": "derived"}]})
    assert s3.controllers[0].risks == ()  # no service-wide access left
    assert s3.controllers[0].derived_policy == derived.derive("s3")


def test_role_fields_with_no_role_to_pass_are_a_warning() -> None:
    result = run(program.main, config=stack({"service": "s3", "policy": "derived"}))
    warned = [m for urn, m in result.warnings if urn.endswith("::ack-s3")]
    assert any(
        m.startswith("policy derived grants iam:PassRole on no role: a manifest that sets Bucket") for m in warned
    )


def test_no_derived_document_keys_a_condition_on_acks_resource_tags() -> None:
    """The capability tags its resources ``eks:*`` where self-managed ACK uses ``services.k8s.aws/*``: a
    condition on those tags would need the capability's keys. No derived document has one: every condition
    in any of them is ``kms:ViaService``."""
    keys = set()
    for service in derived.derivable():
        kinds = [k for k, calls in derived.calls(service).kinds.items() if not calls.unmapped]
        for partition in ("aws", "aws-cn", "aws-us-gov"):
            document = derived.derive(service, kinds, (), partition).document
            keys |= {key for s in document["Statement"] for c in s.get("Condition", {}).values() for key in c}
            assert "services.k8s.aws" not in json.dumps(document)
    assert keys == {"kms:ViaService"}


def test_in_direct_mode_an_entrys_warnings_are_the_capabilitys() -> None:
    config = stack({"service": "s3", "policy": "derived"}, permissions="direct")
    result = run(program.main, config=config)
    warned = [m for urn, m in result.warnings if urn.endswith("::ack")]
    assert any(
        m.startswith("s3: policy derived grants iam:PassRole on no role: a manifest that sets Bucket") for m in warned
    )
    rendered = plan.plan_stack("prod", config, plan.facts_for(config, account_id=ACCOUNT))
    assert "> ⚠️ s3: policy derived grants iam:PassRole on no role" in plan.to_markdown(rendered)
    # a stale acknowledgement too, as a selected role says it
    config = stack({"service": "ecr", "acknowledgeRisks": ["privilege-escalation"]}, permissions="direct")
    warned = [
        m for urn, m in run(program.main, config=config).warnings if urn.endswith("::ack") and "acknowledged" in m
    ]
    assert warned == [
        "ecr: the acknowledged risk 'privilege-escalation' is no longer a risk of this role (its risks: "
        "service-wide-access): drop it from acknowledge_risks (acknowledgeRisks in a stack file)"
    ]


# --- the plan ---------------------------------------------------------------------------------------------


def test_the_plan_says_what_was_derived_for_a_selected_role_and_in_direct_mode() -> None:
    source = "aws-controllers-k8s/s3-controller@1051f76f2b6db0a948e485014e88470ee51a2fa0"
    row = (
        f"| Policy | derived from the controller's code (`{source}`): 51 actions for Bucket, instead of the "
        "recommendation's 219 |"
    )
    config = stack({"service": "s3", "policy": "derived"})
    rendered = plan.plan_stack("prod", config, plan.facts_for(config, account_id=ACCOUNT))
    assert row in plan.to_markdown(rendered)
    document = json.loads(plan.to_json(rendered))
    assert [(p["controller"], p["policy"], p["actions"]) for p in document["policies"]] == [("ack-s3", "derived", 51)]

    config = stack({"service": "s3", "policy": "derived"}, permissions="direct")
    rendered = plan.plan_stack("prod", config, plan.facts_for(config, account_id=ACCOUNT))
    text = plan.to_markdown(rendered)
    assert (
        f"- `s3`: derived from the controller's code (`{source}`): 51 actions for Bucket, instead of the "
        "recommendation's 219"
    ) in text
    document = json.loads(plan.to_json(rendered))
    assert document["capability"]["ack"]["policies"]["s3"]["actions"] == 51


def test_a_recommended_capability_plan_is_as_it_was() -> None:
    config = stack({"service": "s3"}, permissions="direct")
    rendered = plan.plan_stack("prod", config, plan.facts_for(config, account_id=ACCOUNT))
    assert "policies" not in json.loads(plan.to_json(rendered))["capability"]["ack"]
    assert "| Policy |" not in plan.to_markdown(rendered)


# --- verify -----------------------------------------------------------------------------------------------


def test_verify_expects_the_derived_document_on_the_selected_role_and_on_the_capability_role() -> None:
    from ack_irsa.live.capability import expected_direct_inline, expected_entry_inline

    role = MONITORING.replace("arn:aws:", "arn:aws-cn:")
    entry = {"service": "rds", "policy": "derived", "kinds": ["DBInstance"], "pass_roles": [role]}
    spec = resolve_capability({"cluster_name": "prod-eks", "controllers": [{**entry, "namespaces": ["team-a"]}]})
    assert expected_entry_inline(spec.controllers[0], "aws-cn") == {
        "ack-derived-policy": derived.derive("rds", ["DBInstance"], [role], "aws-cn").document
    }
    direct = resolve_capability(
        {
            "cluster_name": "prod-eks",
            "permissions": "direct",
            "controllers": [{**entry, "secret_namespaces": ["team-a"]}, {"service": "s3"}],
        }
    )
    expected = expected_direct_inline(direct, "aws-cn")
    assert expected["ack-rds"] == derived.derive("rds", ["DBInstance"], [role], "aws-cn").document
    assert sorted(expected) == ["ack-rds", "ack-s3"]
