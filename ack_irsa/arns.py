"""ARNs that follow the account's partition (``aws``, ``aws-cn``, ``aws-us-gov``, ...).

ack-irsa never writes a literal partition: every ARN it builds is rendered from the partition of
an ARN it was given (the OIDC provider's) or one the caller names. Pure functions, no Pulumi.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Partitions are "aws" or "aws-" plus lowercase words (aws-cn, aws-us-gov, aws-iso-b, aws-eusc ...).
PARTITION = re.compile(r"^aws(-[a-z]+)*$")
_ARN = re.compile(
    r"^arn:(?P<partition>[^:]+):(?P<service>[^:]+):(?P<region>[^:]*):(?P<account>[^:]*):(?P<resource>.+)$"
)
_ACCOUNT = re.compile(r"^(\d{12}|aws)$")
_POLICY_NAME = re.compile(r"^[\w+=,.@-]+$")


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str


def parse_arn(value: str) -> Arn:
    """Split an ARN into its parts; raises ValueError with the expected form when it is not one."""
    match = _ARN.match(value)
    if not match or not PARTITION.match(match["partition"]):
        raise ValueError(f"{value!r} is not an ARN (expected arn:<partition>:<service>:<region>:<account>:<resource>)")
    return Arn(**match.groupdict())


# Region prefixes of the partitions other than "aws" (regions elsewhere belong to "aws").
_REGION_PARTITIONS = (
    ("cn-", "aws-cn"),
    ("us-gov-", "aws-us-gov"),
    ("us-isob-", "aws-iso-b"),
    ("us-isof-", "aws-iso-f"),
    ("eu-isoe-", "aws-iso-e"),
    ("us-iso-", "aws-iso"),
    ("eusc-", "aws-eusc"),
)


def partition_of_region(region: str) -> str:
    """The partition a region belongs to (``us-gov-west-1`` → ``aws-us-gov``)."""
    return next((partition for prefix, partition in _REGION_PARTITIONS if region.startswith(prefix)), "aws")


def parsed_or_none(value: object) -> Arn | None:
    """The ARN's parts, or None for anything that is not an ARN (reported by the checks that care)."""
    try:
        return parse_arn(value) if isinstance(value, str) else None
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
    name = arn.resource.removeprefix("policy/").rsplit("/", 1)[-1]
    if (
        arn.service != "iam"
        or arn.region
        or not _ACCOUNT.match(arn.account)
        or not arn.resource.startswith("policy/")
        or not _POLICY_NAME.match(name)
    ):
        raise ValueError(
            f"{value!r} is not an IAM policy ARN (expected arn:<partition>:iam::<account-id or aws>:policy/<path/name>)"
        )
    return arn


def check_oidc_provider_arn(value: str) -> Arn:
    """An IAM OIDC provider ARN; raises ValueError naming the expected form."""
    arn = parse_arn(value)
    if arn.service != "iam" or arn.region or not re.match(r"^\d{12}$", arn.account) or not _has_issuer(arn):
        raise ValueError(
            f"{value!r} is not an IAM OIDC provider ARN "
            "(expected arn:<partition>:iam::<account-id>:oidc-provider/<issuer host and path>)"
        )
    return arn


def issuer_of_provider_arn(value: str) -> str:
    """The issuer (URL without scheme) an OIDC provider ARN names."""
    return check_oidc_provider_arn(value).resource.removeprefix("oidc-provider/")


def policy_key(arn: str) -> str:
    """A stable, readable key for a policy ARN that does not depend on the partition.

    AWS-managed policies are keyed by name (unique across AWS); customer-managed ones by
    account and name (policy names are unique within an account, whatever their path).
    """
    parsed = check_policy_arn(arn)
    name = parsed.resource.rsplit("/", 1)[-1]
    return name if parsed.account == "aws" else f"{parsed.account}-{name}"


def _has_issuer(arn: Arn) -> bool:
    return arn.resource.startswith("oidc-provider/") and len(arn.resource) > len("oidc-provider/")
