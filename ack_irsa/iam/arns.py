"""ARNs that follow the account's partition (``aws``, ``aws-cn``, ``aws-us-gov``, ...).

ack-irsa never writes a literal partition: every ARN it builds is rendered from the partition of
an ARN it was given (the OIDC provider's) or one the caller names. Partitions and their regions
come from botocore's own endpoint data, never from a hand-kept list. Pure functions, no Pulumi.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ack_irsa.errors import shown

# Every pattern is matched against the whole string (fullmatch) and in ASCII only, and none can backtrack
# exponentially: no repeated group can end by consuming what starts its next repetition (tests/test_patterns.py).
# Partitions are "aws" or "aws-" plus lowercase words (aws-cn, aws-us-gov, aws-iso-b, aws-eusc ...).
PARTITION = re.compile(r"aws(-[a-z]+)*", re.ASCII)
_ARN = re.compile(
    r"arn:(?P<partition>[^:]+):(?P<service>[^:]+):(?P<region>[^:]*):(?P<account>[^:]*):(?P<resource>.+)", re.ASCII
)
ACCOUNT_ID = re.compile(r"[0-9]{12}", re.ASCII)
_POLICY_RESOURCE = re.compile(r"policy/([\x21-\x2e\x30-\x7e]*/)*[\w+=,.@-]{1,128}", re.ASCII)
"""``policy/``, an optional path (printable ASCII between slashes), and the policy's name. The path is
written as segments without a slash, each ending in one, so that it splits one way only."""
_PROVIDER_RESOURCE = re.compile(
    r"oidc-provider/[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?(/[\x21-\x7e]+)?", re.ASCII
)
"""``oidc-provider/`` and the issuer: a DNS host, an optional port and a path, without spaces. The path is
one run of printable characters (``/`` is one of them): written as repeated ``/``-segments it split
``/a/a/a`` in 2ⁿ ways, and a 60-character ARN ending in a space took minutes to refuse."""
ISSUER_MAX_CHARS = 255 - len("https://")


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str


def parse_arn(value: str) -> Arn:
    """Split an ARN into its parts; raises ValueError with the expected form when it is not one."""
    match = _ARN.fullmatch(value) if isinstance(value, str) else None
    if not match or not PARTITION.fullmatch(match["partition"]):
        raise ValueError(
            f"{shown(value)} is not an ARN (expected arn:<partition>:<service>:<region>:<account>:<resource>)"
        )
    return Arn(**match.groupdict())


@cache
def partitions() -> dict[str, tuple[str, ...]]:
    """Every AWS partition and its regions, from botocore's endpoint data (``partitions.json``)."""
    data = json.loads(resources.files("botocore").joinpath("data/partitions.json").read_text(encoding="utf-8"))
    return {
        partition["id"]: tuple(sorted(r for r in partition["regions"] if not r.endswith("-global")))
        for partition in data["partitions"]
    }


def check_partition(value: str) -> str:
    """A known partition; raises ValueError listing them."""
    if value not in partitions():
        raise ValueError(f"{shown(value)} is not an AWS partition ({', '.join(sorted(partitions()))})")
    return value


def partition_of_region(region: str) -> str:
    """The partition a known region belongs to (``us-gov-west-1`` → ``aws-us-gov``); raises ValueError
    naming the closest regions for a region botocore does not know."""
    for partition, regions in partitions().items():
        if region in regions:
            return partition
    every = [r for regions in partitions().values() for r in regions]
    close = difflib.get_close_matches(region, every) if isinstance(region, str) else []  # the 3 closest
    hint = f"; did you mean {', '.join(close)}?" if close else " (e.g. us-west-2)"
    raise ValueError(f"{shown(region)} is not an AWS region{hint}")


def parsed_or_none(value: object) -> Arn | None:
    """The ARN's parts, or None for anything that is not an ARN (reported by the checks that care)."""
    try:
        return parse_arn(value)  # type: ignore[arg-type]
    except ValueError:
        return None


def partition_of(arn: str) -> str:
    return parse_arn(arn).partition


def aws_managed_policy_arn(partition: str, name: str) -> str:
    """``arn:<partition>:iam::aws:policy/<name>`` (name may carry a path, e.g. ``service-role/X``)."""
    return f"arn:{partition}:iam::aws:policy/{name}"


def oidc_provider_arn(partition: str, account: str, issuer: str) -> str:
    return f"arn:{partition}:iam::{account}:oidc-provider/{issuer}"


def check_policy_arn(value: str) -> Arn:
    """An IAM policy ARN (AWS-managed or customer-managed); raises ValueError naming the expected form."""
    arn = parse_arn(value)
    if (
        arn.service != "iam"
        or arn.region
        or not (arn.account == "aws" or ACCOUNT_ID.fullmatch(arn.account))
        or not _POLICY_RESOURCE.fullmatch(arn.resource)
    ):
        raise ValueError(
            f"{shown(value)} is not an IAM policy ARN "
            "(expected arn:<partition>:iam::<account-id or aws>:policy/<path/name>)"
        )
    return arn


def check_oidc_provider_arn(value: str) -> Arn:
    """An IAM OIDC provider ARN; raises ValueError naming the expected form."""
    arn = parse_arn(value)
    if (
        arn.service != "iam"
        or arn.region
        or not ACCOUNT_ID.fullmatch(arn.account)
        or not _PROVIDER_RESOURCE.fullmatch(arn.resource)
        or len(arn.resource) - len("oidc-provider/") > ISSUER_MAX_CHARS
    ):
        raise ValueError(
            f"{shown(value)} is not an IAM OIDC provider ARN "
            "(expected arn:<partition>:iam::<account-id>:oidc-provider/<issuer host and path>)"
        )
    return arn


_CLUSTER_NAME = re.compile(r"[0-9A-Za-z][A-Za-z0-9_-]{0,99}", re.ASCII)
_REGION = re.compile(r"[a-z]{2,4}(-[a-z]+)+-[0-9]+", re.ASCII)
CLUSTER_ARN_FORM = "arn:<partition>:eks:<region>:<12-digit account>:cluster/<name>"


def cluster_arn(partition: str, region: str, account: str, name: str) -> str:
    """An EKS cluster's ARN, what EKS Pod Identity's ``eks-cluster-arn`` session tag carries."""
    return f"arn:{partition}:eks:{region}:{account}:cluster/{name}"


def is_cluster_arn(value: object) -> bool:
    """Whether ``value`` is an EKS cluster ARN (``arn:<partition>:eks:<region>:<account>:cluster/<name>``)."""
    arn = parsed_or_none(value)
    return (
        arn is not None
        and arn.service == "eks"
        and bool(_REGION.fullmatch(arn.region))
        and bool(ACCOUNT_ID.fullmatch(arn.account))
        and arn.resource.startswith("cluster/")
        and bool(_CLUSTER_NAME.fullmatch(arn.resource.removeprefix("cluster/")))
    )


def issuer_of_provider_arn(value: str) -> str:
    """The issuer (URL without scheme) an OIDC provider ARN names."""
    return check_oidc_provider_arn(value).resource.removeprefix("oidc-provider/")


def policy_key(arn: str) -> str:
    """A stable, readable key for a policy ARN that does not depend on the partition.

    AWS-managed policies are keyed by name (unique across AWS); customer-managed ones by
    account and name (policy names are unique within an account, whatever their path).
    """
    parsed = check_policy_arn(arn)
    name = parsed.resource.rpartition("/")[2]
    return name if parsed.account == "aws" else f"{parsed.account}-{name}"
