"""IAM and Kubernetes limits, checked before anything is created.

Each ``check_*`` raises ValueError with a message that follows the name of the offending key
("<key>: <message>"), stating the value given and the allowed form. Limits that AWS lets an
account raise are defaults here and settings in the config.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sized

ROLE_NAME_MAX = 64
ROLE_PATH_MAX = 512
TRUST_POLICY_MAX_CHARS = 2048
"""Default quota for a role trust policy (raisable to 8,192 through Service Quotas)."""
INLINE_POLICIES_MAX_CHARS = 10240
"""All inline policies of one role together (not raisable)."""
MANAGED_POLICIES_PER_ROLE = 10
"""Default quota of managed policies attached to one role (raisable to 20)."""
TAGS_PER_ROLE = 50
SESSION_DURATION_MIN, SESSION_DURATION_MAX = 3600, 43200
OIDC_CLIENT_IDS_MAX = 100
OIDC_THUMBPRINTS_MAX = 5

_ROLE_NAME = re.compile(r"^[\w+=,.@-]+$")
_ROLE_PATH = re.compile(r"^/([\x21-\x7e]+/)?$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_TAG = re.compile(r"^[\w .:/=+\-@]*$")
POLICY_KEY = re.compile(r"^[\w+=,.@-]+$")
"""Keys that name managed policy attachments (they become part of child resource names)."""
EKS_CLUSTER_NAME = re.compile(r"^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$")
_THUMBPRINT = re.compile(r"^[0-9a-fA-F]{40}$")


def check_role_name(value: str) -> None:
    if not _ROLE_NAME.match(value):
        raise ValueError(f"{value!r} is not a valid IAM role name (letters, digits and +=,.@_- only)")
    if len(value) > ROLE_NAME_MAX:
        raise ValueError(f"{value!r} is {len(value)} characters long; IAM allows at most {ROLE_NAME_MAX}")


def check_role_path(value: str) -> None:
    if not _ROLE_PATH.match(value):
        raise ValueError(f"{value!r} is not a valid IAM path (it must begin and end with '/', e.g. /ack/)")
    if len(value) > ROLE_PATH_MAX:
        raise ValueError(f"the path is {len(value)} characters long; IAM allows at most {ROLE_PATH_MAX}")


def check_session_duration(value: int) -> None:
    if not SESSION_DURATION_MIN <= value <= SESSION_DURATION_MAX:
        raise ValueError(f"{value} is out of range (seconds, {SESSION_DURATION_MIN} to {SESSION_DURATION_MAX})")


def check_tags(tags: Mapping[str, str], limit: int = TAGS_PER_ROLE) -> None:
    if len(tags) > limit:
        raise ValueError(f"{len(tags)} tags; IAM allows at most {limit} per role")
    for key, value in tags.items():
        if not 1 <= len(key) <= 128 or not _TAG.match(key) or key.lower().startswith("aws:"):
            raise ValueError(
                f"tag key {key!r} is not valid (1 to 128 letters, digits, spaces and _.:/=+-@; not starting with aws:)"
            )
        if not isinstance(value, str) or len(value) > 256 or not _TAG.match(value):
            raise ValueError(
                f"tag {key!r} has value {value!r}, which is not valid (a string of at most 256 letters, "
                "digits, spaces and _.:/=+-@)"
            )


def check_dns_label(value: str) -> None:
    """A Kubernetes namespace name (RFC 1123 label)."""
    if len(value) > 63 or not _DNS_LABEL.match(value):
        raise ValueError(
            f"{value!r} is not a valid RFC 1123 label (at most 63 lowercase letters, digits and '-', "
            "starting and ending with a letter or digit)"
        )


def check_dns_subdomain(value: str) -> None:
    """A Kubernetes object name such as a ServiceAccount or Deployment (RFC 1123 subdomain)."""
    if len(value) > 253 or not _DNS_SUBDOMAIN.match(value):
        raise ValueError(
            f"{value!r} is not a valid RFC 1123 subdomain (at most 253 lowercase letters, digits, '-' and '.', "
            "starting and ending with a letter or digit)"
        )


def check_cluster_name(value: str) -> None:
    if not isinstance(value, str) or not EKS_CLUSTER_NAME.match(value):
        raise ValueError(f"{value!r} is not an EKS cluster name (1 to 100 letters, digits, '-' and '_')")


def check_issuer_url(value: str) -> None:
    host = value.removeprefix("https://").rstrip("/")
    if not value.startswith("https://") or "/" not in host or " " in host:
        raise ValueError(
            f"{value!r} is not an OIDC issuer URL (expected https://oidc.eks.<region>.amazonaws.com/id/<id>)"
        )


def count_check(limit: int, what: str) -> Callable[[Sized], None]:
    """A check that a collection holds at most ``limit`` items."""

    def check(items: Sized) -> None:
        if len(items) > limit:
            raise ValueError(f"{len(items)} {what}; IAM allows at most {limit}")

    return check


def check_thumbprint(value: str) -> None:
    if not _THUMBPRINT.match(value):
        raise ValueError(f"{value!r} is not a certificate thumbprint (40 hexadecimal characters)")


def check_size(size: int, limit: int, what: str, setting: str | None = None, estimate: bool = False) -> None:
    """``what`` is ``size`` characters long; fail when over ``limit`` (naming the setting that raises it).

    ``estimate``: the size was computed with the longest possible issuer, the real one being unknown.
    """
    if size > limit:
        verb = "would be up to" if estimate else "is"
        raise_hint = f" (if your account's quota is higher, set {setting})" if setting else ""
        raise ValueError(f"{what} {verb} {size} characters; the limit is {limit}{raise_hint}")


def default_role_name(service: str, issuer: str, namespace: str, service_account: str, cluster: str | None) -> str:
    """A role name that is deterministic, readable, at most 64 characters and unique per cluster.

    IAM is global to the account, so two clusters (or two regions) must never share a name: the
    suffix is a hash of the issuer (unique per cluster) and the ServiceAccount. The readable part
    is shortened, never the hash, so long cluster names cannot cause a collision or a failure.
    """
    digest = hashlib.sha256(f"{issuer}|{namespace}|{service_account}|{service}".encode()).hexdigest()[:8]
    readable = re.sub(r"[^\w+=,.@-]", "-", f"ack-{service}-{cluster}" if cluster else f"ack-{service}")
    room = ROLE_NAME_MAX - len(digest) - 1
    return f"{readable[:room].rstrip('-')}-{digest}"
