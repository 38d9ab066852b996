"""IAM and Kubernetes limits, checked before anything is created.

Each ``check_*`` raises ValueError with a message that follows the name of the offending key
("<key>: <message>"), stating the value given and the allowed form. Limits that AWS lets an
account raise are defaults here and settings in the config.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence, Sized

from ack_irsa.errors import shown

ROLE_NAME_MAX = 64
ROLE_PATH_MAX = 512
TRUST_POLICY_MAX_CHARS = 2048
"""Default quota for a role trust policy."""
TRUST_POLICY_QUOTA_MAX = 8192
"""The most Service Quotas raises the trust policy limit to."""
INLINE_POLICIES_MAX_CHARS = 10240
"""All inline policies of one role together (not raisable)."""
MANAGED_POLICIES_PER_ROLE = 10
"""Default quota of managed policies attached to one role."""
MANAGED_POLICIES_QUOTA_MAX = 20
"""The most Service Quotas raises the managed policies per role to."""
TAGS_PER_ROLE = 50
TAG_KEY_MAX, TAG_VALUE_MAX = 128, 256
SESSION_DURATION_MIN, SESSION_DURATION_MAX = 3600, 43200
OIDC_CLIENT_IDS_MAX = 100
OIDC_CLIENT_ID_MAX_CHARS = 255
OIDC_THUMBPRINTS_MAX = 5
OIDC_URL_MAX_CHARS = 255
"""IAM's limit on an OIDC provider's URL, ``https://`` included."""

# Every pattern is matched against the whole string (fullmatch) and in ASCII: IAM and Kubernetes
# names are ASCII, and "$" alone would also match before a final newline.
_ROLE_NAME = re.compile(r"[\w+=,.@-]+", re.ASCII)
_ROLE_PATH = re.compile(r"/([\x21-\x7e]+/)?", re.ASCII)
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", re.ASCII)
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*", re.ASCII)
_TAG_SYMBOLS = frozenset(" _.:/=+-@")
POLICY_KEY = re.compile(r"[\w+=,.@-]+", re.ASCII)
"""Keys that name managed policy attachments (they become part of child resource names)."""
EKS_CLUSTER_NAME = re.compile(r"[0-9A-Za-z][A-Za-z0-9_-]{0,99}", re.ASCII)
_THUMBPRINT = re.compile(r"[0-9a-fA-F]{40}", re.ASCII)
ISSUER_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?/[\x21-\x7e]+", re.ASCII)
"""An issuer without ``https://``: a DNS host, an optional port, and a path (EKS: ``/id/<id>``), the path one
run of printable characters so that it matches in linear time (see ``arns._PROVIDER_RESOURCE``)."""


def check_role_name(value: str) -> None:
    if not _ROLE_NAME.fullmatch(value):
        raise ValueError(f"{shown(value)} is not a valid IAM role name (letters, digits and +=,.@_- only)")
    if len(value) > ROLE_NAME_MAX:
        raise ValueError(f"{shown(value)} is {len(value)} characters long; IAM allows at most {ROLE_NAME_MAX}")


def check_role_path(value: str) -> None:
    if not _ROLE_PATH.fullmatch(value):
        raise ValueError(f"{shown(value)} is not a valid IAM path (it must begin and end with '/', e.g. /ack/)")
    if len(value) > ROLE_PATH_MAX:
        raise ValueError(f"the path is {len(value)} characters long; IAM allows at most {ROLE_PATH_MAX}")


def check_session_duration(value: int) -> None:
    if not _is_int(value) or not SESSION_DURATION_MIN <= value <= SESSION_DURATION_MAX:
        raise ValueError(f"{shown(value)} is out of range (seconds, {SESSION_DURATION_MIN} to {SESSION_DURATION_MAX})")


def quota_check(default: int, maximum: int, what: str) -> Callable[[int], None]:
    """A check of a raisable quota setting: a whole number from the default quota to the most AWS grants."""

    def check(value: int) -> None:
        if not _is_int(value) or not default <= value <= maximum:
            raise ValueError(
                f"{shown(value)} is not a number from {default} (the default quota) to {maximum} "
                f"(the most AWS raises {what} to)"
            )

    return check


def check_tags(tags: Mapping[str, str], limit: int = TAGS_PER_ROLE) -> None:
    if len(tags) > limit:
        raise ValueError(f"{len(tags)} tags; IAM allows at most {limit} per role")
    for key, value in tags.items():
        if not isinstance(key, str) or not 1 <= len(key) <= TAG_KEY_MAX or not _tag_text(key) or _reserved(key):
            raise ValueError(
                f"tag key {shown(key)} is not valid (1 to {TAG_KEY_MAX} letters, digits, spaces and _.:/=+-@; "
                "not starting with aws:)"
            )
        if not isinstance(value, str) or len(value) > TAG_VALUE_MAX or not _tag_text(value):
            raise ValueError(
                f"tag {shown(key)} has value {shown(value)}, which is not valid (a string of at most "
                f"{TAG_VALUE_MAX} letters, digits, spaces and _.:/=+-@)"
            )


def _tag_text(text: str) -> bool:
    """IAM's tag alphabet: Unicode letters and digits, spaces (not tabs or newlines) and _.:/=+-@."""
    return all(c.isalnum() or c in _TAG_SYMBOLS or unicodedata.category(c) == "Zs" for c in text)


def _reserved(key: str) -> bool:
    return key.lower().startswith("aws:")


HELM_RELEASE_NAME_MAX = 53
"""Helm refuses a longer release name ("exceeds max length of 53"): its objects' names derive from it."""


def check_release_name(value: str) -> None:
    """A Helm release name: an RFC 1123 label Helm accepts."""
    check_dns_label(value)
    if len(value) > HELM_RELEASE_NAME_MAX:
        raise ValueError(
            f"{shown(value)} is {len(value)} characters long; Helm allows a release name of at most "
            f"{HELM_RELEASE_NAME_MAX}"
        )


def check_dns_label(value: str) -> None:
    """A Kubernetes namespace name (RFC 1123 label)."""
    if not isinstance(value, str) or len(value) > 63 or not _DNS_LABEL.fullmatch(value):
        raise ValueError(
            f"{shown(value)} is not a valid RFC 1123 label (at most 63 lowercase letters, digits and '-', "
            "starting and ending with a letter or digit)"
        )


def check_dns_subdomain(value: str) -> None:
    """A Kubernetes object name such as a ServiceAccount or Deployment (RFC 1123 subdomain)."""
    if not isinstance(value, str) or len(value) > 253 or not _DNS_SUBDOMAIN.fullmatch(value):
        raise ValueError(
            f"{shown(value)} is not a valid RFC 1123 subdomain (at most 253 lowercase letters, digits, '-' and '.', "
            "starting and ending with a letter or digit)"
        )


def check_cluster_name(value: str) -> None:
    if not isinstance(value, str) or not EKS_CLUSTER_NAME.fullmatch(value):
        raise ValueError(f"{shown(value)} is not an EKS cluster name (1 to 100 letters, digits, '-' and '_')")


def check_issuer_url(value: str) -> None:
    host = value.removeprefix("https://").rstrip("/") if isinstance(value, str) else None
    if host is None or not value.startswith("https://") or not ISSUER_HOST.fullmatch(host):
        raise ValueError(
            f"{shown(value)} is not an OIDC issuer URL (expected https://oidc.eks.<region>.amazonaws.com/id/<id>)"
        )
    if len(host) + len("https://") > OIDC_URL_MAX_CHARS:
        raise ValueError(f"the issuer URL is {len(host) + 8} characters long; IAM allows at most {OIDC_URL_MAX_CHARS}")


def count_check(limit: int, what: str) -> Callable[[Sized], None]:
    """A check that a collection holds at most ``limit`` items."""

    def check(items: Sized) -> None:
        if len(items) > limit:
            raise ValueError(f"{len(items)} {what}; IAM allows at most {limit}")

    return check


def check_client_id(value: str) -> None:
    if not isinstance(value, str) or not 1 <= len(value) <= OIDC_CLIENT_ID_MAX_CHARS or not value.isprintable():
        raise ValueError(
            f"{shown(value)} is not a client ID (1 to {OIDC_CLIENT_ID_MAX_CHARS} printable characters, "
            "e.g. sts.amazonaws.com)"
        )


def check_thumbprint(value: str) -> None:
    if not isinstance(value, str) or not _THUMBPRINT.fullmatch(value):
        raise ValueError(f"{shown(value)} is not a certificate thumbprint (40 hexadecimal characters)")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_size(size: int, limit: int, what: str, setting: str | None = None, estimate: bool = False) -> None:
    """``what`` is ``size`` characters long; fail when over ``limit`` (naming the setting that raises it).

    ``estimate``: the size was computed with the longest possible issuer, the real one being unknown.
    """
    if size > limit:
        verb = "would be up to" if estimate else "is"
        raise_hint = f" (if your account's quota is higher, set {setting})" if setting else ""
        raise ValueError(f"{what} {verb} {size} characters; the limit is {limit}{raise_hint}")


def check_inline_total(sizes: Sequence[int], why: str, estimate: bool = False) -> None:
    """A role's inline policies together (``sizes``, each as IAM counts it: its compact JSON, whitespace not
    counted) against IAM's limit for all of them; ``why`` says which policy joins them ("with the ... policy")."""
    total = sum(sizes)
    if total > INLINE_POLICIES_MAX_CHARS:
        verb = "would be up to" if estimate else "are"
        raise ValueError(
            f"{why}, the role's inline policies {verb} {total} characters ({' + '.join(map(str, sizes))}); IAM "
            f"allows at most {INLINE_POLICIES_MAX_CHARS} for all of a role's inline policies together"
        )


def size_check(limit: int, what: str) -> Callable[[int], None]:
    """:func:`check_size` of a size against ``limit``, as a check function."""
    return lambda size: check_size(size, limit, what)


def default_role_name(service: str, issuer: str, namespace: str, service_account: str, cluster: str | None) -> str:
    """A role name that is deterministic, readable, at most 64 characters and unique per cluster.

    IAM is global to the account, so two clusters (or two regions) must never share a name: the
    suffix is a hash of the issuer (unique per cluster) and the ServiceAccount. The readable part
    is shortened, never the hash, so long cluster names cannot cause a collision or a failure.
    """
    digest = hashlib.sha256(f"{issuer}|{namespace}|{service_account}|{service}".encode()).hexdigest()[:8]
    readable = re.sub(r"[^\w+=,.@-]", "-", f"ack-{service}-{cluster}" if cluster else f"ack-{service}", flags=re.ASCII)
    room = ROLE_NAME_MAX - len(digest) - 1
    return f"{readable[:room].rstrip('-')}-{digest}"
