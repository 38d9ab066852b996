"""extraOidcProviders of another account, or whose issuer is not an EKS cluster's: a warning in the plan and
in pulumi preview, naming the entry; the cluster's own kind of provider passes without a word."""

from __future__ import annotations

from typing import Any

import pulumi

from ack_irsa import ClusterOidcProvider, ControllerIrsa
from ack_irsa.stack import program

from .conftest import ISSUER_URL, OTHER_ISSUER_HOST, OTHER_PROVIDER_ARN, PROVIDER_ARN, run
from .test_config import config

OTHER_ACCOUNT = f"arn:aws:iam::444455556666:oidc-provider/{OTHER_ISSUER_HOST}"
GITHUB = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
SELF_MANAGED = "arn:aws:iam::111122223333:oidc-provider/k8s.example.com/issuer"
SUBJECT = "system:serviceaccount:ack-system:ack-s3-controller"


def warned(result: Any) -> list[str]:
    return [message for _, message in result.warnings if message.startswith("extra_oidc_providers")]


def another_account(index: int, arn: str) -> str:
    return (
        f"extra_oidc_providers[{index}]: {arn!r} is in account 444455556666, not the role's (111122223333): the "
        "role would trust an identity provider another account controls; create the provider in the role's "
        "account and list that one"
    )


def not_eks(index: int, issuer: str) -> str:
    return (
        f"extra_oidc_providers[{index}]: {issuer!r} is not an EKS cluster's issuer "
        f"(oidc.eks.<region>.amazonaws.com/id/<ID>): the role trusts every token it signs for {SUBJECT}; list it "
        "only if it is a self-managed cluster's issuer"
    )


def stack_run(*extras: str, **stack: Any) -> Any:
    entry = {"service": "s3", "extraOidcProviders": list(extras)}
    return run(program.main, config=config(entry, clusterName=None, oidcProviderArn=PROVIDER_ARN, **stack))


def test_another_accounts_provider_is_a_warning_naming_the_entry() -> None:
    result = stack_run(OTHER_PROVIDER_ARN, OTHER_ACCOUNT)
    assert warned(result) == [another_account(1, OTHER_ACCOUNT)]
    assert OTHER_ACCOUNT in result.named("s3-role").inputs["assumeRolePolicy"]  # warned of, not dropped


def test_an_issuer_not_of_eks_shape_is_a_warning() -> None:
    result = stack_run(GITHUB, SELF_MANAGED)
    assert warned(result) == [
        not_eks(0, "token.actions.githubusercontent.com"),
        not_eks(1, "k8s.example.com/issuer"),
    ]


def test_both_at_once() -> None:
    both = "arn:aws:iam::444455556666:oidc-provider/k8s.example.com/issuer"
    assert warned(stack_run(both)) == [another_account(0, both), not_eks(0, "k8s.example.com/issuer")]


def test_the_same_accounts_eks_providers_pass_without_a_word() -> None:
    china = "arn:aws-cn:iam::111122223333:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/" + "A" * 32
    assert warned(stack_run(OTHER_PROVIDER_ARN)) == []
    cn = run(
        program.main,
        config=config(
            {"service": "s3", "extraOidcProviders": [china]},
            clusterName=None,
            oidcProviderArn=china.replace("A" * 32, "B" * 32),
            region="cn-north-1",
        ),
    )
    assert warned(cn) == []


def test_providers_known_only_at_deploy_time_are_judged_when_they_resolve() -> None:
    def program_() -> None:
        primary = ClusterOidcProvider("dev", {"cluster_name": "dev-eks"})
        ControllerIrsa(
            "s3",
            {
                "service": "s3",
                "oidc_provider": primary,
                "extra_oidc_providers": [pulumi.Output.from_input(OTHER_ACCOUNT), OTHER_PROVIDER_ARN],
            },
        )

    assert warned(run(program_, issuers={"dev-eks": ISSUER_URL})) == [another_account(0, OTHER_ACCOUNT)]


def test_an_arn_that_does_not_parse_is_skipped_and_the_next_still_judged() -> None:
    """A provider whose ARN is not parsed (a placeholder) says nothing, and does not hide the entries after it;
    every subject the role admits is named."""
    from ack_irsa.spec.controller import extra_provider_warnings

    subjects = [SUBJECT, "system:serviceaccount:team-a:ack"]
    assert list(extra_provider_warnings(PROVIDER_ARN, ["not-an-arn", SELF_MANAGED], subjects)) == [
        "extra_oidc_providers[1]: 'k8s.example.com/issuer' is not an EKS cluster's issuer "
        "(oidc.eks.<region>.amazonaws.com/id/<ID>): the role trusts every token it signs for "
        "system:serviceaccount:ack-system:ack-s3-controller, system:serviceaccount:team-a:ack; list it only if it "
        "is a self-managed cluster's issuer"
    ]
