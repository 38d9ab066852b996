"""The capability's stack config: every bad shape refused before anything is created, by the key as written."""

from __future__ import annotations

from typing import Any

import pytest

from ack_irsa.stack.config import ConfigError, parse

from .conftest import refused

BASE: dict[str, Any] = {
    "aws:region": "us-west-2",
    "ack-irsa:clusterName": "prod-eks",
    "ack-irsa:capability": {"name": "ack"},
    "ack-irsa:controllers": [{"service": "s3"}],
}


def config(**changes: Any) -> dict[str, Any]:
    """BASE with keys replaced (``None`` removes one); ``controllers`` replaces the list."""
    made = dict(BASE)
    for key, value in changes.items():
        full = f"ack-irsa:{key}"
        if value is None:
            made.pop(full, None)
        else:
            made[full] = value
    return made


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"clusterName": None},
            "ack-irsa:clusterName: is required: a capability belongs to one EKS cluster",
        ),
        (
            {"controllers": [{"service": "s3", "install": True}]},
            "ack-irsa:controllers[0].install: does not apply to the capability: AWS runs the capability's "
            "controllers: there is no Helm chart to install",
        ),
        ({"install": True}, "ack-irsa:install: does not apply to the capability: AWS runs"),
        (
            {"controllers": [{"service": "s3", "identity": "podIdentity"}]},
            "ack-irsa:controllers[0].identity: does not apply to the capability: the capability acts through its "
            "capability role",
        ),
        ({"identity": "podIdentity"}, "ack-irsa:identity: does not apply to the capability"),
        ({"podIdentityAgent": "install"}, "ack-irsa:podIdentityAgent: does not apply to the capability: no pod"),
        (
            {"controllers": [{"service": "s3", "serviceAccountName": "mine"}]},
            "ack-irsa:controllers[0].serviceAccountName: does not apply to the capability: the capability's "
            "controllers run outside the cluster",
        ),
        (
            {"controllers": [{"service": "s3", "serviceAccountMode": "create"}]},
            "ack-irsa:controllers[0].serviceAccountMode: does not apply to the capability",
        ),
        (
            {"controllers": [{"service": "s3", "deploymentName": "x"}]},
            "ack-irsa:controllers[0].deploymentName: does not apply to the capability: AWS runs and patches",
        ),
        (
            {"controllers": [{"service": "s3", "extraServiceAccounts": ["a:b"]}]},
            "ack-irsa:controllers[0].extraServiceAccounts: does not apply to the capability: a selected role trusts",
        ),
        (
            {"controllers": [{"service": "s3", "extraOidcProviders": ["arn:aws:iam::1:oidc-provider/x"]}]},
            "ack-irsa:controllers[0].extraOidcProviders: does not apply to the capability",
        ),
        (
            {"controllers": [{"service": "s3", "allowWildcardSubject": True}]},
            "ack-irsa:controllers[0].allowWildcardSubject: does not apply to the capability",
        ),
        (
            {"controllers": [{"service": "s3", "extraClusterNames": ["other"]}]},
            "ack-irsa:controllers[0].extraClusterNames: does not apply to the capability: one capability serves "
            "one cluster",
        ),
        ({"crossAccountMode": "carm"}, "ack-irsa:crossAccountMode: does not apply to the capability: CARM is not"),
        (
            {"oidcProviderArn": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/X"},
            "ack-irsa:oidcProviderArn: does not apply to the capability: the capability needs no OIDC provider",
        ),
        (
            {"controllers": [{"service": "s3", "namespace": "ack-system"}]},
            "ack-irsa:controllers[0].namespace: does not apply to the capability",
        ),
        (
            {"controllers": [{"service": "rds"}]},
            "ack-irsa:controllers[0].secretNamespaces: is required in an entry for every namespace: the rds "
            "controller reads Secrets",
        ),
        (
            {"controllers": [{"service": "s3", "secretNamespaces": ["a"]}]},
            "ack-irsa:controllers[0].secretNamespaces: the s3 controller reads no Secrets; drop it",
        ),
        (
            {"controllers": [{"service": "s3"}, {"service": "s3", "name": "s3-b", "namespaces": ["team-b"]}]},
            "ack-irsa:controllers[1]: controllers[1] and controllers[0] would both select s3.services.k8s.aws in "
            "team-b; a resource two IAMRoleSelectors match fails to reconcile",
        ),
        (
            {
                "controllers": [
                    {"service": "s3", "namespaces": ["a", "b"]},
                    {"service": "s3", "name": "s3-b", "namespaces": ["b"]},
                ]
            },
            "ack-irsa:controllers[1]: controllers[1] and controllers[0] would both select s3.services.k8s.aws in b",
        ),
        (
            {"controllers": [{"service": "s3"}, {"service": "s3"}]},
            "ack-irsa:controllers[1].name: 's3' is taken by controllers[0]",
        ),
        (
            {"controllers": [{"service": "s3", "namespaces": "team-a"}]},
            "ack-irsa:controllers[0].namespaces: Input should be a valid list",
        ),
        (
            {"controllers": [{"service": "s3", "namespaces": ["Team_A"]}]},
            "ack-irsa:controllers[0].namespaces[0]:",
        ),
        (
            {
                "controllers": [
                    {
                        "service": "rds",
                        "namespaces": ["team-b"],
                        "crossAccount": [{"accountId": "444455556666", "roleName": "r", "namespaces": ["team-c"]}],
                    }
                ]
            },
            "ack-irsa:controllers[0].crossAccount[0].namespaces: team-c not among the entry's namespaces (team-b)",
        ),
        (
            {
                "controllers": [
                    {
                        "service": "s3",
                        "crossAccount": [{"accountId": "444455556666", "roleName": "r", "namespaces": ["a"]}],
                    }
                ]
            },
            "ack-irsa:controllers[0].crossAccount[0]: controllers[0].crossAccount[0] and controllers[0] would both "
            "select s3.services.k8s.aws in a",
        ),
        (
            {"capability": {"permissions": "direct"}, "controllers": [{"service": "s3", "namespaces": ["a"]}]},
            "ack-irsa:controllers[0].namespaces: applies to a selected role; with permissions 'direct'",
        ),
        (
            {
                "capability": {"permissions": "direct"},
                "controllers": [{"service": "s3"}, {"service": "s3", "name": "b"}],
            },
            "ack-irsa:controllers[1].service: s3 is listed by controllers[0] already",
        ),
        ({"capability": {"permissions": "both"}}, "ack-irsa:capability.permissions: Input should be 'selectors' or"),
        ({"capability": {"nmae": "ack"}}, "ack-irsa:capability.nmae: unknown key"),
        ({"capability": {"name": "ACK!"}}, "ack-irsa:capability.name:"),
        ({"capability": {"roleName": "x" * 65}}, "ack-irsa:capability.roleName:"),
        (
            {"controllers": [{"service": "ecr", "inlinePolicy": {"Statement": []}, "policyArns": []}]},
            "ack-irsa:controllers[0].inlinePolicy.Statement: must be a statement or a non-empty list of statements",
        ),
        (
            {"controllers": [{"service": "ecr", "inlinePolicy": {}, "policyArns": []}]},
            "ack-irsa:controllers[0].policyArns: the role would have no permissions",
        ),
        (
            {"controllers": [{"service": "s3", "trustPolicy": {"Version": "2012-10-17", "Statement": []}}]},
            "ack-irsa:controllers[0].trustPolicy: does not apply to the capability: a selected role trusts exactly",
        ),
        (
            {"controllers": [{"service": "s3", "inlinePolicyName": "mine"}]},
            "ack-irsa:controllers[0].inlinePolicyName: does not apply to the capability: the capability takes over",
        ),
        (
            {"controllers": [{"service": "s3", "roleDescription": "mine"}]},
            "ack-irsa:controllers[0].roleDescription: does not apply to the capability: the capability takes over",
        ),
        (
            {"controllers": [{"service": "s3", "acknowledgeRisks": ["privilege-escalaton"]}]},
            "ack-irsa:controllers[0].acknowledgeRisks[0]: 'privilege-escalaton' is not a risk id",
        ),
    ],
)
def test_a_bad_capability_config_is_refused_by_its_key(changes: dict[str, Any], expected: str) -> None:
    problems = refused(config(**changes))
    assert any(p.startswith(expected) for p in problems), problems


def test_a_stack_of_preview_controllers_only_needs_no_capability() -> None:
    """A preview controller beside the capability stays on Helm (tests/test_handover.py); alone, it is refused."""
    from ack_irsa import catalog

    preview = next(c.service for c in catalog.controllers() if c.status == "preview")
    problems = refused(config(controllers=[{"service": preview}]))
    assert problems == [
        "ack-irsa:controllers: lists no controller the capability includes (only GA ones): a stack of preview "
        "controllers only needs no capability"
    ]


def test_every_problem_of_a_capability_config_is_reported_at_once() -> None:
    problems = refused(
        config(
            install=True,
            controllers=[{"service": "s3", "serviceAccountName": "x"}, {"service": "rds"}, {"service": "s4"}],
        )
    )
    assert [p.split(":")[1] for p in problems] == [
        "install",
        "controllers[0].serviceAccountName",
        "controllers[1].secretNamespaces",
        "controllers[2].service",
    ]


def test_namespaces_outside_the_capability_are_refused() -> None:
    with pytest.raises(ConfigError) as error:
        parse(config(capability=None, controllers=[{"service": "s3", "namespaces": ["a"], "secretNamespaces": ["a"]}]))
    assert error.value.problems == [
        "ack-irsa:controllers[0].namespaces: applies only under ack-irsa:capability (self-managed controllers serve "
        "their namespaces through crossAccount or their install scope)",
        "ack-irsa:controllers[0].secretNamespaces: applies only under ack-irsa:capability",
    ]


def test_a_good_capability_config_parses_with_its_defaults() -> None:
    stack = parse(config())
    assert stack.capability is not None
    assert (stack.capability.name, stack.capability.role_name, stack.capability.permissions) == (
        "ack",
        None,
        "selectors",
    )


def _arns(prefix: str, count: int) -> list[str]:
    return [f"arn:aws:iam::111122223333:policy/{prefix}-{i}" for i in range(count)]


def test_direct_mode_checks_the_one_roles_limits_up_front() -> None:
    """Each entry is within IAM's limits; the capability role holding all of them is not."""
    big = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": [f"arn:aws:s3:::bucket-{i}/*" for i in range(200)],
            }
        ],
    }
    problems = refused(
        config(
            capability={"permissions": "direct"},
            controllers=[
                {"service": "s3", "extraPolicyArns": _arns("a", 5), "inlinePolicy": big},
                {"service": "sqs", "extraPolicyArns": _arns("b", 5), "inlinePolicy": big},
            ],
        )
    )
    assert [p.split(": ", 1)[0] for p in problems] == ["ack-irsa:controllers", "ack-irsa:controllers"]
    assert "the capability role would have 12 managed policies" in problems[0]
    assert "the quota is 10 (use permissions 'selectors'" in problems[0]
    assert "the capability role's inline policies would be 1" in problems[1]
    assert "IAM allows 10,240 per role (use permissions 'selectors')" in problems[1]
    # The same entries as selected roles are each within the limits.
    parse(
        config(
            controllers=[
                {"service": "s3", "extraPolicyArns": _arns("a", 5), "inlinePolicy": big},
                {"service": "sqs", "extraPolicyArns": _arns("b", 5), "inlinePolicy": big},
            ]
        )
    )


def test_an_entry_that_did_not_parse_is_not_taken_for_a_preview_one() -> None:
    """The one problem is the entry's own: no "lists no controller the capability includes" besides it."""
    assert refused(config(controllers=[{"service": ["s3"]}])) == [
        "ack-irsa:controllers[0].service: Input should be a valid string, got ['s3']"
    ]
