"""The pieces of the end-to-end scenario that need no account: settings, prerequisites, the ACK custom
resource, waiting for conditions, and the scan for what a destroyed stack left behind. Unit-tested in
``tests/test_e2e_parts.py`` with recorded objects, moto and botocore's Stubber."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

OPT_IN = "ACK_IRSA_E2E_ACCOUNT"
"""The ID of the disposable account to run in: the suite runs only when it is the credentials' account."""


@dataclass(frozen=True)
class Settings:
    """The scenario, from environment variables (``ACK_IRSA_E2E_*``)."""

    account_id: str
    region: str
    cluster: str | None
    """An existing cluster to use; None: the suite creates one with pulumi-eks (about 15 minutes)."""
    controllers: tuple[str, ...]
    identity: str
    run_id: str
    """Names the stacks, roles' tags and the bucket, so two runs never collide and leftovers are found."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        return cls(
            account_id=env.get(OPT_IN, ""),
            region=env.get("ACK_IRSA_E2E_REGION", "us-west-2"),
            cluster=env.get("ACK_IRSA_E2E_CLUSTER") or None,
            controllers=tuple(c for c in env.get("ACK_IRSA_E2E_CONTROLLERS", "s3").split(",") if c),
            identity=env.get("ACK_IRSA_E2E_IDENTITY", "irsa"),
            run_id=env.get("ACK_IRSA_E2E_RUN_ID") or time.strftime("%Y%m%d%H%M%S"),
        )

    @property
    def tags(self) -> dict[str, str]:
        return {"ack-irsa-e2e": self.run_id}

    @property
    def bucket(self) -> str:
        return f"ack-irsa-e2e-{self.run_id}"


def missing_prerequisites(env: Mapping[str, str], caller_account: Callable[[], str | None]) -> list[str]:
    """What keeps the suite from running here, each with how to provide it; empty when it can run."""
    missing = []
    if shutil.which("pulumi") is None:
        missing.append("no Pulumi CLI on PATH")
    account = caller_account()
    if account is None:
        missing.append("no AWS credentials")
    opted = env.get(OPT_IN)
    if not opted:
        missing.append(f"{OPT_IN} is not set (the ID of a disposable account: the suite creates and destroys in it)")
    elif account is not None and opted != account:
        missing.append(f"{OPT_IN}={opted}, but the credentials are of account {account}")
    return missing


def caller_account() -> str | None:
    """The account of the ambient credentials, or None without any."""
    import boto3
    import botocore.exceptions

    try:
        return boto3.client("sts").get_caller_identity()["Account"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
        return None


def bucket_manifest(name: str, namespace: str) -> dict[str, Any]:
    """An ACK S3 ``Bucket``: the smallest thing the controller creates with its own identity."""
    return {
        "apiVersion": "s3.services.k8s.aws/v1alpha1",
        "kind": "Bucket",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"name": name},
    }


def condition(obj: Mapping[str, Any], kind: str) -> str | None:
    """The status (``True``, ``False``, ``Unknown``) of a condition of a Kubernetes object; None when absent."""
    for entry in (obj.get("status") or {}).get("conditions") or []:
        if entry.get("type") == kind:
            return str(entry.get("status"))
    return None


def synced(obj: Mapping[str, Any]) -> bool:
    return condition(obj, "ACK.ResourceSynced") == "True"


def selected_and_synced(obj: Mapping[str, Any]) -> bool:
    """The capability scenario: an IAMRoleSelector took the resource (its selected role did the work) and it synced."""
    return condition(obj, "ACK.IAMRoleSelected") == "True" and synced(obj)


def capability_config(settings: Settings, cluster: str, namespace: str) -> dict[str, str]:
    """The capability scenario's stack config, as Pulumi takes it (structured values as JSON text): the capability
    with its defaults, and an s3 entry for the bucket's namespace only, so the bucket goes through its selected role."""
    import json

    return {
        "aws:region": settings.region,
        "ack-irsa:clusterName": cluster,
        "ack-irsa:capability": json.dumps({"name": f"ack-e2e-{settings.run_id}"[:63].rstrip("-")}),
        "ack-irsa:tags": json.dumps(settings.tags),
        "ack-irsa:controllers": json.dumps([{"service": "s3", "namespaces": [namespace]}]),
    }


HANDOVER_STEPS = ("prepare", "create", "handOver", "finish")
"""The move from Helm to the capability, one ``pulumi up`` each (README, "Moving from Helm to the capability")."""


def handover_config(settings: Settings, cluster: str, step: str) -> dict[str, str]:
    """The handover scenario's stack config at ``step``: the s3 controller installed by Helm, moving to the
    capability. Before ``prepare`` (``step`` ``helm``) the stack has no capability."""
    import json

    config = {
        "aws:region": settings.region,
        "ack-irsa:clusterName": cluster,
        "ack-irsa:tags": json.dumps(settings.tags),
        "ack-irsa:controllers": json.dumps([{"service": "s3"}]),
    }
    if step != "finish":
        config["ack-irsa:install"] = "true"
    if step != "helm":
        name = f"ack-e2e-{settings.run_id}"[:63].rstrip("-")
        config["ack-irsa:capability"] = json.dumps({"name": name, "handover": step})
    return config


def step_tag(step: str) -> dict[str, Any]:
    """A patch of the Bucket's tags naming the step: it syncs only if whoever holds the lease reconciles it."""
    return {"spec": {"tagging": {"tagSet": [{"key": "ack-irsa-e2e-step", "value": step}]}}}


def tagged(tags: Mapping[str, Any], step: str) -> bool:
    """Whether S3's ``GetBucketTagging`` answer carries the step's tag."""
    return {"Key": "ack-irsa-e2e-step", "Value": step} in tags.get("TagSet", [])


def capability_leftovers(eks: Any, cluster: str, name: str) -> list[str]:
    """What a destroyed capability stack left on the cluster: the capability itself (its CRDs and custom resources
    stay by design, RETAIN)."""
    names = [c["capabilityName"] for c in eks.list_capabilities(clusterName=cluster).get("capabilities", [])]
    return [f"capability {cluster}/{name}"] if name in names else []


def available(deployment: Mapping[str, Any]) -> bool:
    wanted = (deployment.get("spec") or {}).get("replicas", 1)
    return bool(wanted) and (deployment.get("status") or {}).get("availableReplicas", 0) >= wanted


class Timeout(AssertionError):
    """A condition did not hold in time; the message says what was last seen."""


def wait_for(
    fetch: Callable[[], T],
    done: Callable[[T], bool],
    what: str,
    *,
    timeout: float,
    interval: float = 10.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Poll ``fetch`` until ``done`` holds for what it returns; raise :class:`Timeout` after ``timeout`` seconds."""
    deadline = clock() + timeout
    while True:
        last = fetch()
        if done(last):
            return last
        if clock() >= deadline:
            raise Timeout(f"{what}: not after {timeout:.0f} s; last seen: {last!r}"[:2000])
        sleep(interval)


def leftovers(iam: Any, eks: Any, tags: Mapping[str, str], cluster: str | None) -> list[str]:
    """What a destroyed stack left behind: roles with its tags (and their attached policies), and Pod
    Identity associations naming them. The cluster's OIDC provider is kept by design and not listed."""
    found: list[str] = []
    roles = []
    for page in iam.get_paginator("list_roles").paginate():
        for role in page["Roles"]:
            role_tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=role["RoleName"])["Tags"]}
            if all(role_tags.get(k) == v for k, v in tags.items()):
                roles.append(role)
    for role in roles:
        found.append(f"role {role['Arn']}")
        attached = iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]
        found += [f"  attached {p['PolicyArn']}" for p in attached]
    if cluster and roles:
        arns = {role["Arn"] for role in roles}
        for summary in eks.list_pod_identity_associations(clusterName=cluster)["associations"]:
            described = eks.describe_pod_identity_association(
                clusterName=cluster, associationId=summary["associationId"]
            )["association"]
            if described["roleArn"] in arns:
                found.append(f"pod identity association {summary['associationId']} ({described['roleArn']})")
    return found


DERIVED_KINDS = ("Bucket",)
"""The derived-policy scenario: the s3 controller with ``policy: derived`` for the one kind it syncs."""


def controller_entries(controllers: tuple[str, ...], policy: str = "recommended") -> list[dict[str, Any]]:
    """The stack's ``controllers``: each service on its recommendation, or, in the derived scenario, s3 with
    ``policy: derived`` for ``Bucket`` (and the others on theirs)."""
    if policy == "recommended":
        return [{"service": s} for s in controllers]
    if policy != "derived":
        raise ValueError(f"the scenario's policy is 'recommended' or 'derived', got {policy!r}")
    return [
        {"service": s, "policy": "derived", "kinds": list(DERIVED_KINDS)} if s == "s3" else {"service": s}
        for s in dict.fromkeys(("s3", *controllers))
    ]


def role_policies(iam: Any, role_name: str) -> tuple[dict[str, Any], list[str]]:
    """(inline policy name → document, attached policy ARNs) of a role, as IAM has them."""
    names = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    inline = {name: iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"] for name in names}
    attached = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]]
    return {k: json.loads(v) if isinstance(v, str) else v for k, v in inline.items()}, sorted(attached)


def derived_policy_problems(iam: Any, role_name: str, expected: Mapping[str, Any]) -> list[str]:
    """What keeps a role from having the derived policy alone: another inline policy, an attached policy (the
    recommendation's AmazonS3FullAccess), or a document other than ``expected``; empty when it has it."""
    inline, attached = role_policies(iam, role_name)
    problems = [f"attached {arn}" for arn in attached]
    problems += [f"inline policy {name}" for name in inline if name != "ack-derived-policy"]
    if "ack-derived-policy" not in inline:
        problems.append("no inline policy ack-derived-policy")
    elif inline["ack-derived-policy"] != expected:
        problems.append("ack-derived-policy is not the derived document")
    return problems
