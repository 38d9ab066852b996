"""``ClusterOidcProvider``'s arguments: create the cluster's OIDC provider or adopt one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ack_irsa.errors import shown
from ack_irsa.iam import limits
from ack_irsa.iam.arns import (
    check_oidc_provider_arn,
    issuer_of_provider_arn,
)
from ack_irsa.iam.policies import (
    issuer_host,
)
from ack_irsa.iam.trust import (
    STS_AUDIENCE,
)
from ack_irsa.spec.problems import ArgsError, Problems, as_mapping, checked_tags, deploy_time, listed

OIDC_ARGUMENTS = ("cluster_name", "issuer_url", "provider_arn", "client_ids", "thumbprints", "retain_on_delete", "tags")
_CREATE_ONLY = ("client_ids", "thumbprints", "retain_on_delete", "tags")


@dataclass(frozen=True)
class OidcProviderSpec:
    cluster_name: str | None
    issuer_url: Any
    """A plain URL or a Pulumi Output; None when the issuer comes from the lookup or the ARN."""
    provider_arn: Any
    """Adopt this provider (plain ARN or Output); None to create one."""
    client_ids: tuple[str, ...]
    thumbprints: tuple[str, ...]
    retain_on_delete: bool
    tags: dict[str, str]
    known_issuer: str | None
    """The issuer, when known without a lookup (a plain issuer_url or provider_arn)."""


def resolve_oidc_provider(args: Mapping[str, Any]) -> OidcProviderSpec:
    """Defaults applied and every plain value checked; raises :class:`ArgsError` with all problems."""
    args = as_mapping(args, "{'cluster_name': 'prod-eks'}")
    problems = Problems()
    problems.unknown_arguments(args, OIDC_ARGUMENTS)
    cluster, url, arn = args.get("cluster_name"), args.get("issuer_url"), args.get("provider_arn")
    known_issuer = _provider_source(cluster, url, arn, problems)
    if arn is not None:
        for name in (n for n in _CREATE_ONLY if n in args):
            problems.add(name, "applies only to a provider ack-irsa creates, not to an adopted one")
    retain = args.get("retain_on_delete", True)
    problems.plain("retain_on_delete", retain, bool, "true or false")

    client_ids = listed({"client_ids": (STS_AUDIENCE,), **args}, "client_ids", "client IDs", problems)
    if client_ids and STS_AUDIENCE not in client_ids:
        problems.add("client_ids", f"must include {STS_AUDIENCE!r}, the audience every IRSA role trusts")
    problems.check("client_ids", limits.count_check(limits.OIDC_CLIENT_IDS_MAX, "client IDs"), client_ids)
    for index, client_id in enumerate(client_ids):
        problems.check(f"client_ids[{index}]", limits.check_client_id, client_id)
    thumbprints = listed(args, "thumbprints", "certificate thumbprints", problems)
    problems.check("thumbprints", limits.count_check(limits.OIDC_THUMBPRINTS_MAX, "thumbprints"), thumbprints)
    for index, thumbprint in enumerate(thumbprints):
        problems.check(f"thumbprints[{index}]", limits.check_thumbprint, thumbprint)
    tags = checked_tags(args.get("tags"), problems)
    if problems:
        raise ArgsError(problems)
    return OidcProviderSpec(
        cluster_name=cluster,
        issuer_url=url,
        provider_arn=arn,
        client_ids=client_ids,
        thumbprints=thumbprints,
        retain_on_delete=bool(retain),
        tags=tags,
        known_issuer=known_issuer,
    )


def _provider_source(cluster: Any, url: Any, arn: Any, problems: Problems) -> str | None:
    """Checks where the provider comes from; returns its issuer when known without a lookup."""
    if cluster is None and url is None and arn is None:
        problems.add("cluster_name", "give cluster_name, issuer_url or provider_arn")
    elif cluster is not None and url is not None:
        problems.add("issuer_url", "give cluster_name or issuer_url, not both")
    if cluster is not None:
        problems.check("cluster_name", limits.check_cluster_name, cluster)
    for name, value, form in (("issuer_url", url, "an issuer URL"), ("provider_arn", arn, "an OIDC provider ARN")):
        if value is not None and not deploy_time(value):
            problems.plain(name, value, str, form)
    known_issuer = None
    if isinstance(url, str) and problems.check("issuer_url", limits.check_issuer_url, url):
        known_issuer = issuer_host(url)
    if isinstance(arn, str) and problems.check("provider_arn", check_oidc_provider_arn, arn):
        if known_issuer not in (None, issuer_of_provider_arn(arn)):
            problems.add("provider_arn", f"{shown(arn)} is not the provider of issuer {shown(url)}")
        known_issuer = issuer_of_provider_arn(arn)
    return known_issuer
