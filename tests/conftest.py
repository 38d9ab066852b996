"""Shared values and helpers: an offline run of components or programs under Pulumi's mocks."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from ack_irsa.review import offline

ROOT = Path(__file__).resolve().parent.parent
# The end-to-end suite runs only through `make e2e` (scripts/e2e.py), never in `make test`.
collect_ignore = [] if os.environ.get("ACK_IRSA_E2E_SUITE") else ["e2e"]
ACCOUNT = "111122223333"
ISSUER_HOST = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
ISSUER_URL = f"https://{ISSUER_HOST}"
PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER_HOST}"
OTHER_ISSUER_HOST = "oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
OTHER_PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{OTHER_ISSUER_HOST}"


def facts(partition: str = "aws", issuers: Mapping[str, str] | None = None) -> offline.Facts:
    return offline.Facts(account_id=ACCOUNT, partition=partition, region="us-west-2", issuer_urls=dict(issuers or {}))


def run(
    program: Callable[[], Mapping[str, Any] | None],
    *,
    partition: str = "aws",
    config: Mapping[str, Any] | None = None,
    mocks: offline.OfflineMocks | None = None,
    issuers: Mapping[str, str] | None = None,
    schema_check: offline.SchemaCheck = "enforce",
) -> offline.OfflineRun:
    """Run ``program`` offline; clusters named in ``issuers`` answer the lookup with that issuer URL.

    Every registration is checked against what the real engine accepts: a run with one it would refuse
    raises ``offline.EngineSchemaMismatch``, so every component and program test fails on it. Only tests
    of the check itself, or with stand-in types no provider has, pass ``schema_check="record"`` (the findings
    are then in ``schema_findings``) or ``"off"``."""
    mocks = mocks or offline.OfflineMocks(facts(partition, issuers))
    result = offline.run(program, mocks, config, schema_check=schema_check)
    assert schema_check != "enforce" or all(finding.skipped for _, finding in result.schema_findings)
    return result


def refused(config: Mapping[str, Any], issuers: Mapping[str, str] | None = None) -> list[str]:
    """The problems the stack program reports for ``config``, one per line; nothing may be registered."""
    import pulumi

    from ack_irsa.stack import program

    errors: list[str] = []

    def checked() -> None:
        try:
            program.main()
        except pulumi.RunError as error:
            errors.append(str(error))

    result = run(checked, config=config, issuers=issuers)
    assert result.resources == [] and result.invokes == []
    assert len(errors) == 1
    return [line.removeprefix("  ") for line in errors[0].splitlines()[1:]]


DEV_EKS_ARN = f"arn:aws:eks:us-west-2:{ACCOUNT}:cluster/dev-eks"
POD_IDENTITY_STATEMENT = {
    "Effect": "Allow",
    "Principal": {"Service": "pods.eks.amazonaws.com"},
    "Action": ["sts:AssumeRole", "sts:TagSession"],
    "Condition": {
        "StringEquals": {
            "aws:RequestTag/kubernetes-namespace": "ack-system",
            "aws:RequestTag/kubernetes-service-account": "ack-s3-controller",
            "aws:RequestTag/eks-cluster-arn": DEV_EKS_ARN,
        }
    },
}
"""The Pod Identity trust statement of the s3 controller in ack-system on dev-eks (in the mocks' account and
region), pinned by the cluster's ARN."""


def trust_policy(run: offline.OfflineRun, name: str) -> dict[str, Any]:
    return json.loads(run.named(f"{name}-role").inputs["assumeRolePolicy"])


def children(run: offline.OfflineRun, parent: str) -> list[offline.Registration]:
    parent_urn = run.named(parent).urn
    return [r for r in run.resources if r.parent == parent_urn]


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """One moto server on 127.0.0.1 for the session, with the AWS-managed policies loaded."""
    from moto.server import ThreadedMotoServer

    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"  # read when the IAM backend starts
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


QUICK_SHUTDOWN = {"poll_interval": 0.01}
"""``serve_forever`` arguments for the tests' HTTP servers: ``shutdown()`` waits for the next poll, half a second
by default, in every test's teardown."""

MOTO_ACCOUNTS = ("123456789012", "444455556666")
"""The accounts tests use in moto: its default one, and a target account reached by assuming a role."""
_CLEANERS: dict[str, list[tuple[Any, Any]]] = {}
"""Per moto server: (IAM, EKS) clients of each account, made once (a boto3 client takes a while to make)."""


def moto_clients(url: str, account: str = MOTO_ACCOUNTS[0]) -> tuple[Any, Any]:
    """The (IAM, EKS) clients of ``account`` on the moto server at ``url``, made once per session."""
    if url not in _CLEANERS:
        _CLEANERS[url] = [_clients(url, each) for each in MOTO_ACCOUNTS]
    return _CLEANERS[url][MOTO_ACCOUNTS.index(account)]


def empty_moto(url: str) -> None:
    """Remove what earlier tests made (EKS clusters; IAM roles with their policies; OIDC providers) in every
    account tests use. Cheaper than moto's reset, which reloads the AWS-managed policies for the next test."""
    for iam, eks in (moto_clients(url, account) for account in MOTO_ACCOUNTS):
        for cluster in eks.list_clusters()["clusters"]:
            eks.delete_cluster(name=cluster)
        for role in iam.list_roles()["Roles"]:
            name = role["RoleName"]
            for attached in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
                iam.detach_role_policy(RoleName=name, PolicyArn=attached["PolicyArn"])
            for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
                iam.delete_role_policy(RoleName=name, PolicyName=policy)
            iam.delete_role(RoleName=name)
        for provider in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
            iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=provider["Arn"])


def _clients(url: str, account: str) -> tuple[Any, Any]:
    import boto3

    session = boto3.Session(region_name="us-west-2", aws_access_key_id="testing", aws_secret_access_key="testing")
    if account != MOTO_ACCOUNTS[0]:
        cleaner = f"arn:aws:iam::{account}:role/cleanup"
        sts = session.client("sts", endpoint_url=url)
        credentials = sts.assume_role(RoleArn=cleaner, RoleSessionName="cleanup")["Credentials"]
        session = boto3.Session(
            region_name="us-west-2",
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
    return session.client("iam", endpoint_url=url), session.client("eks", endpoint_url=url)


@pytest.fixture(autouse=True)
def _no_stray_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never reach the network except 127.0.0.1: no AWS credentials or endpoints leak in."""
    for variable in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "KUBECONFIG", "PULUMI_CONFIG"):
        monkeypatch.delenv(variable, raising=False)
