"""The guardrails on a managed capability: its role holds no service permission with selectors, no
AdministratorAccess or ``*`` in any mode, and no two selectors overlap. Each rule first sees the case it fails."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ack_irsa.review import guardrails

from .test_guardrails import ADMIN, stack_violations

CAPABILITY_TRUST = {
    "Effect": "Allow",
    "Principal": {"Service": "capabilities.eks.amazonaws.com"},
    "Action": ["sts:AssumeRole", "sts:TagSession"],
}
ROLE = "aws:iam/role:Role"
INLINE = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
SELECTOR = "kubernetes:services.k8s.aws/v1alpha1:IAMRoleSelector"


def capability_role() -> tuple[str, dict[str, Any]]:
    document = {"Version": "2012-10-17", "Statement": [CAPABILITY_TRUST]}
    return ROLE, {"name": "cap", "assumeRolePolicy": json.dumps(document)}


def inline(*statements: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    policy = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    return INLINE, {"role": "cap", "name": "p", "policy": policy}


def selector(name: str, group: str, namespaces: list[str] | None) -> tuple[str, dict[str, Any]]:
    spec: dict[str, Any] = {
        "arn": f"arn:aws:iam::1:role/{name}",
        "resourceTypeSelector": [{"group": group, "version": "", "kind": ""}],
    }
    if namespaces:
        spec["namespaceSelector"] = {"names": namespaces}
    return SELECTOR, {"metadata": {"name": name}, "spec": spec}


CAP_INLINE = "an inline policy of the capability role cap"
ASSUME_SELECTED = {
    "Effect": "Allow",
    "Action": ["sts:AssumeRole", "sts:TagSession"],
    "Resource": ["arn:aws:iam::1:role/s3"],
}


def test_the_capability_role_is_a_workload_role_for_the_admin_and_wildcard_rules_in_any_mode() -> None:
    admin = (ATTACHMENT, {"role": "cap", "policyArn": ADMIN})
    assert stack_violations("no-broad-managed-policy-on-workload-roles", [capability_role(), admin]) == [
        "AdministratorAccess is attached to the workload role cap"
    ]
    everything = inline({"Effect": "Allow", "Action": "*", "Resource": "*"})
    assert stack_violations("no-wildcard-inline-grants-on-workload-roles", [capability_role(), everything]) == [
        'an inline policy of the workload role cap allows "Action": "*"'
    ]
    assert guardrails.is_capability_role(capability_role()[1])


@pytest.mark.parametrize(
    ("resources", "violations"),
    [
        ([inline(ASSUME_SELECTED)], []),
        (
            [(ATTACHMENT, {"role": "cap", "policyArn": "arn:aws:iam::aws:policy/AmazonS3FullAccess"})],
            [
                "the capability role cap has arn:aws:iam::aws:policy/AmazonS3FullAccess attached, while "
                "IAMRoleSelectors choose its selected roles: it should hold no service permission"
            ],
        ),
        (
            [inline(ASSUME_SELECTED, {"Effect": "Allow", "Action": "s3:*", "Resource": "*"})],
            [f"{CAP_INLINE} allows s3:*: in selectors mode it may only assume its selected roles"],
        ),
        (
            [inline({**ASSUME_SELECTED, "Resource": "*"})],
            [f'{CAP_INLINE} may assume "Resource": "*", every role that trusts it: name the selected roles'],
        ),
    ],
)
def test_with_selectors_the_capability_role_holds_no_service_permission(
    resources: list[tuple[str, dict[str, Any]]], violations: list[str]
) -> None:
    stack = [capability_role(), selector("s3", "s3.services.k8s.aws", None), *resources]
    assert stack_violations("capability-role-holds-no-service-permission", stack) == violations


def test_direct_mode_without_selectors_may_hold_service_policies() -> None:
    attached = (ATTACHMENT, {"role": "cap", "policyArn": "arn:aws:iam::aws:policy/AmazonS3FullAccess"})
    assert stack_violations("capability-role-holds-no-service-permission", [capability_role(), attached]) == []


def test_overlapping_selectors_are_a_violation_and_disjoint_ones_are_not() -> None:
    disjoint = [selector("a", "rds.services.k8s.aws", ["team-a"]), selector("b", "rds.services.k8s.aws", ["team-b"])]
    assert stack_violations("iam-role-selectors-disjoint", disjoint) == []
    overlapping = [selector("a", "rds.services.k8s.aws", None), selector("b", "rds.services.k8s.aws", ["team-b"])]
    assert stack_violations("iam-role-selectors-disjoint", overlapping) == [
        "IAMRoleSelectors a and b could match the same resource"
    ]
