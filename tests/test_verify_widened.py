"""``verify`` fails every widened live state, with and without ``--allow-extra`` where the extra is a widening:
a target role's trust that admits more than the controller role, a target role's permissions beyond the
recommended ones, the controller role's boundary, path, session and tags, the Pod Identity association's
target role and session tags; an API server that answers 403 is the failing check, the report kept."""

# ruff: noqa: F811 - the fixtures imported from test_verify are the parameters of the same name

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from .test_verify import (
    DEPLOYER,
    REGION,
    TEAM_A,
    RecordedApi,
    account,
    aws,  # noqa: F401 - the fixture
    both_sides,
    checks,
    cross_account_checks,
    cross_account_stack,
    kubernetes,  # noqa: F401 - the fixture
    pod_identity_checks,
    pod_identity_role,
    pod_identity_spec,
    recorded,
    serve,
    stubbed_eks,
    verify,
)

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
NAME = f"cross-account {TEAM_A}"


def target_iam(aws: dict[str, Any]) -> Any:
    sts = boto3.Session(region_name=REGION).client("sts", endpoint_url=aws["url"])
    credentials = sts.assume_role(RoleArn=DEPLOYER, RoleSessionName="setup")["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=REGION,
    ).client("iam", endpoint_url=aws["url"])


def recommended_target(aws: dict[str, Any]) -> Any:
    """The target role as ``manageRole`` leaves it (both_sides gives it the s3 controller's recommended
    policies), read with the target account's credentials."""
    return target_iam(aws)


def widen_trust(iam: Any, statement: dict[str, Any]) -> None:
    trust = iam.get_role(RoleName="ack-s3-team")["Role"]["AssumeRolePolicyDocument"]
    trust["Statement"].append(statement)
    iam.update_assume_role_policy(RoleName="ack-s3-team", PolicyDocument=json.dumps(trust))


def test_the_recommended_target_role_passes(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], tmp_path: Path
) -> None:
    both_sides(aws)
    recommended_target(aws)
    code, found = cross_account_checks(capsys, aws, cross_account_stack(tmp_path), "--skip-kubernetes")
    assert found[NAME][0] == "pass"
    assert found[f"target-permissions {TEAM_A}"][0] == "pass"
    assert code == 0


ROOT_OF_STACK = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}
WORLD = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
WEB = {
    "Effect": "Allow",
    "Principal": {"Federated": "arn:aws:iam::444455556666:oidc-provider/oidc.example.com"},
    "Action": "sts:AssumeRoleWithWebIdentity",
}


@pytest.mark.parametrize("statement", [ROOT_OF_STACK, WORLD, WEB], ids=["account-root", "world", "web-identity"])
@pytest.mark.parametrize("allow_extra", [False, True])
def test_a_target_trust_that_admits_more_fails(
    statement: dict[str, Any],
    allow_extra: bool,
    capsys: pytest.CaptureFixture[str],
    aws: dict[str, Any],
    tmp_path: Path,
) -> None:
    both_sides(aws)
    widen_trust(recommended_target(aws), statement)
    flags = ["--skip-kubernetes", *(["--allow-extra"] if allow_extra else [])]
    code, found = cross_account_checks(capsys, aws, cross_account_stack(tmp_path), *flags)
    assert code == 1
    status, detail = found[NAME]
    assert status == "fail"
    assert "admits" in detail and "beyond the controller role" in detail


def grant_admin(iam: Any) -> None:
    iam.attach_role_policy(RoleName="ack-s3-team", PolicyArn=ADMIN)


def grant_inline_star(iam: Any) -> None:
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    iam.put_role_policy(RoleName="ack-s3-team", PolicyName="extra", PolicyDocument=json.dumps(document))


def swap_for_iam_full_access(iam: Any) -> None:
    iam.detach_role_policy(RoleName="ack-s3-team", PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
    iam.attach_role_policy(RoleName="ack-s3-team", PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")


@pytest.mark.parametrize("widen", [grant_admin, grant_inline_star, swap_for_iam_full_access])
@pytest.mark.parametrize("allow_extra", [False, True])
def test_target_permissions_beyond_the_recommended_fail(
    widen: Any, allow_extra: bool, capsys: pytest.CaptureFixture[str], aws: dict[str, Any], tmp_path: Path
) -> None:
    both_sides(aws)
    widen(recommended_target(aws))
    flags = ["--skip-kubernetes", *(["--allow-extra"] if allow_extra else [])]
    code, found = cross_account_checks(capsys, aws, cross_account_stack(tmp_path), *flags)
    assert code == 1
    assert found[f"target-permissions {TEAM_A}"][0] == "fail"


def aws_only(capsys: pytest.CaptureFixture[str], aws: dict[str, Any], *extra: str) -> tuple[int, dict[str, Any]]:
    return verify(capsys, aws, "--cluster", "dev-eks", "--service", "s3", "--skip-kubernetes", *extra)


@pytest.mark.parametrize("allow_extra", [False, True])
def test_an_admin_policy_or_world_trust_on_the_controller_role_is_never_extra(
    allow_extra: bool, capsys: pytest.CaptureFixture[str], aws: dict[str, Any]
) -> None:
    facts = account(aws)
    aws["iam"].attach_role_policy(RoleName=facts["role_name"], PolicyArn=ADMIN)
    trust = aws["iam"].get_role(RoleName=facts["role_name"])["Role"]["AssumeRolePolicyDocument"]
    trust["Statement"].append(WORLD)
    aws["iam"].update_assume_role_policy(RoleName=facts["role_name"], PolicyDocument=json.dumps(trust))
    code, report = aws_only(capsys, aws, *(["--allow-extra"] if allow_extra else []))
    assert code == 1
    found = checks(report)
    assert found["managed-policies"][0] == "fail" and "AdministratorAccess" in found["managed-policies"][1]
    assert found["role-trust"][0] == "fail"


def test_the_controller_roles_settings_are_compared(capsys: pytest.CaptureFixture[str], aws: dict[str, Any]) -> None:
    facts = account(aws)
    code, report = aws_only(capsys, aws)
    assert checks(report)["role-settings"] == (
        "pass",
        "path /, sessions up to 3600 s, no boundary, no tags, as planned",
    )
    aws["iam"].update_role(RoleName=facts["role_name"], MaxSessionDuration=43200)
    aws["iam"].tag_role(RoleName=facts["role_name"], Tags=[{"Key": "team", "Value": "x"}])
    aws["iam"].put_role_permissions_boundary(RoleName=facts["role_name"], PermissionsBoundary=ADMIN)
    code, report = aws_only(capsys, aws, "--allow-extra")
    assert code == 1
    status, detail = checks(report)["role-settings"]
    assert status == "fail"
    assert detail == (
        f"{facts['role_name']}: sessions up to 43200 s, not 3600; permissions boundary {ADMIN}, not none; "
        "tags {'team': 'x'}, not {}"
    )


def test_a_removed_boundary_fails(capsys: pytest.CaptureFixture[str], aws: dict[str, Any], tmp_path: Path) -> None:
    from ack_irsa.live.aws import Aws
    from ack_irsa.spec.controller import resolve_controller

    facts = account(aws)
    boundary = "arn:aws:iam::123456789012:policy/boundary"
    spec = resolve_controller(
        {"service": "s3", "oidc_provider_arn": facts["provider_arn"], "permissions_boundary": boundary}
    )
    check = Aws(aws["eks"], aws["iam"], allow_extra=True).role_settings(facts["role_name"], spec)
    assert check.status == "fail"
    assert f"permissions boundary none, not {boundary}" in check.detail


def test_the_association_target_role_and_session_tags_are_checked(aws: dict[str, Any]) -> None:
    role_arn = pod_identity_role(aws)
    eks = stubbed_eks(role_arn, "ACTIVE", target_role_arn="arn:aws:iam::999988887777:role/elsewhere")
    found = pod_identity_checks(aws, eks, pod_identity_spec())
    assert found["pod-identity-association"][0] == "fail"
    assert "targetRoleArn arn:aws:iam::999988887777:role/elsewhere" in found["pod-identity-association"][1]
    eks = stubbed_eks(role_arn, "ACTIVE", disable_session_tags=True)
    found = pod_identity_checks(aws, eks, pod_identity_spec())
    assert found["pod-identity-association"][0] == "fail"
    assert "disableSessionTags" in found["pod-identity-association"][1]


def test_a_target_role_missing_its_recommended_policies_fails(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], tmp_path: Path
) -> None:
    both_sides(aws, recommended=False)
    code, found = cross_account_checks(capsys, aws, cross_account_stack(tmp_path), "--skip-kubernetes")
    assert code == 1
    assert found[f"target-permissions {TEAM_A}"] == (
        "fail",
        "ack-s3-team: not attached: arn:aws:iam::aws:policy/AmazonS3FullAccess; no inline policy ack-controller-policy",
    )


def test_target_settings_are_compared(capsys: pytest.CaptureFixture[str], aws: dict[str, Any], tmp_path: Path) -> None:
    both_sides(aws)
    target_iam(aws).update_role(RoleName="ack-s3-team", MaxSessionDuration=43200)
    code, found = cross_account_checks(capsys, aws, cross_account_stack(tmp_path), "--skip-kubernetes", "--allow-extra")
    assert code == 1
    assert found[f"target-permissions {TEAM_A}"] == (
        "fail",
        "ack-s3-team: ack-s3-team: sessions up to 43200 s, not 3600",
    )


def broaden_default_version(iam: Any, role_name: str) -> str:
    """A customer-managed policy attached to the role, then given a new default version that allows ``*``."""
    narrow = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    arn = iam.create_policy(PolicyName="team-extra", PolicyDocument=json.dumps(narrow))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=role_name, PolicyArn=arn)
    wide = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(wide), SetAsDefault=True)
    return arn


def test_a_customer_managed_policy_with_a_broader_default_version_fails(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any]
) -> None:
    facts = account(aws)
    arn = broaden_default_version(aws["iam"], facts["role_name"])
    code, report = aws_only(capsys, aws, "--allow-extra")
    assert code == 1
    assert checks(report)["managed-policies"] == (
        "fail",
        f"attached policies that allow every action or an escalation path: {arn} (default version v2 has "
        "privilege-escalation, pass-role-unrestricted, all-actions)",
    )


def test_a_403_is_the_failing_check_and_the_report_stands(
    capsys: pytest.CaptureFixture[str], aws: dict[str, Any], kubernetes: Any
) -> None:
    kubeconfig, objects = kubernetes
    role_arn = account(aws)["role_arn"]
    serve(objects, recorded("serviceaccount", role_arn), [recorded("pod", role_arn)], role_arn)
    RecordedApi.forbidden.add("/api/v1/namespaces/ack-system/pods")
    code, report = verify(capsys, aws, "--cluster", "dev-eks", "--service", "s3", "--kubeconfig", str(kubeconfig))
    assert code == 1
    found = checks(report)
    assert found["role-trust"][0] == found["managed-policies"][0] == "pass"
    assert found["service-account"] == ("pass", f"ack-system/ack-s3-controller is annotated with {role_arn}")
    assert found["pods"] == ("fail", "the API server answered 403 (Forbidden)")
    RecordedApi.forbidden.add("/api/v1/namespaces/ack-system/serviceaccounts/ack-s3-controller")
    code, report = verify(capsys, aws, "--cluster", "dev-eks", "--service", "s3", "--kubeconfig", str(kubeconfig))
    found = checks(report)
    assert found["service-account"] == ("fail", "the API server answered 403 (Forbidden)")
    assert found["pods"][0] == "skipped"


@pytest.mark.parametrize("allow_extra", [False, True])
def test_an_extra_audience_on_the_provider_is_an_extra(
    allow_extra: bool, capsys: pytest.CaptureFixture[str], aws: dict[str, Any]
) -> None:
    facts = account(aws, audiences=("sts.amazonaws.com", "my-app"))
    code, report = aws_only(capsys, aws, *(["--allow-extra"] if allow_extra else []))
    status, detail = report["cluster"][1]["status"], report["cluster"][1]["detail"]
    assert (status, detail) == (
        "warn" if allow_extra else "fail",
        f"{facts['provider_arn']} also lists the audiences ['my-app'], which the stack did not ask for"
        + (" (allowed by --allow-extra)" if allow_extra else ""),
    )
    assert code == (0 if allow_extra else 1)


def test_thumbprints_other_than_the_stacks_fail(aws: dict[str, Any]) -> None:
    from ack_irsa.live.aws import Aws

    facts = account(aws)
    planned = ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"]
    check, _ = Aws(aws["eks"], aws["iam"]).provider(facts["issuer"], ["sts.amazonaws.com"], planned)
    assert check.status == "pass"
    aws["iam"].update_open_id_connect_provider_thumbprint(
        OpenIDConnectProviderArn=facts["provider_arn"], ThumbprintList=["a" * 40]
    )
    check, _ = Aws(aws["eks"], aws["iam"], allow_extra=True).provider(facts["issuer"], ["sts.amazonaws.com"], planned)
    assert (check.status, check.detail) == (
        "fail",
        f"{facts['provider_arn']} trusts the thumbprints ['{'a' * 40}'], not the stack's {planned}",
    )
