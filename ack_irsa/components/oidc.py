"""ClusterOidcProvider: the IAM OIDC identity provider of one EKS cluster, created or adopted."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws

from ack_irsa.components.apidoc import document_arguments
from ack_irsa.errors import shown
from ack_irsa.iam.arns import check_oidc_provider_arn, issuer_of_provider_arn, partition_of
from ack_irsa.iam.limits import check_issuer_url
from ack_irsa.iam.policies import issuer_host, issuer_url
from ack_irsa.spec.oidc_provider import OidcProviderSpec, resolve_oidc_provider
from ack_irsa.spec.problems import ArgsError, when_resolved

TYPE_TOKEN = "ack-irsa:index:ClusterOidcProvider"


class ClusterOidcProviderArgs(TypedDict, total=False):
    """Arguments of :class:`ClusterOidcProvider`. Give ``cluster_name``, ``issuer_url`` or ``provider_arn``."""

    cluster_name: str
    """Name of the EKS cluster. Its issuer is looked up once (``aws.eks.get_cluster``). No default;
    give this or ``issuer_url``."""
    issuer_url: pulumi.Input[str]
    """The cluster's OIDC issuer URL, ``https://oidc.eks.<region>.amazonaws.com/id/<id>``; no lookup is
    made. No default."""
    provider_arn: pulumi.Input[str]
    """Adopt the existing IAM OIDC provider with this ARN and create nothing (the cure for
    ``EntityAlreadyExists`` when the cluster already has one). With ``cluster_name`` or ``issuer_url``
    as well, the provider is checked to belong to that issuer. Default: create a provider."""
    client_ids: Sequence[str]
    """Audiences of a created provider. Default ``["sts.amazonaws.com"]``; must include it."""
    thumbprints: Sequence[str]
    """Server certificate thumbprints of a created provider (at most 5). Default: none; IAM obtains
    the certificate of the issuer's host itself."""
    retain_on_delete: bool
    """Keep a created provider in the account when the stack is destroyed. Default ``True``: every
    IRSA workload on the cluster depends on it, not only ACK's."""
    tags: Mapping[str, str]
    """Tags of a created provider. Default: none."""


document_arguments(ClusterOidcProviderArgs)


class ClusterOidcProviderComponent(pulumi.ComponentResource):
    """What :class:`ClusterOidcProvider` builds, for the Python API and the component package alike (its
    attributes are declared on the faces: the package's schema is read from a class's annotations)."""

    def __init__(self, name: str, args: Mapping[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        try:
            spec = resolve_oidc_provider(args)
        except ArgsError as error:
            raise ArgsError(error.problems, f"ClusterOidcProvider {name!r}: ") from None
        super().__init__(TYPE_TOKEN, name, {}, opts)
        self.cluster_name: str | None = spec.cluster_name
        self.known_issuer: str | None = spec.known_issuer
        self.known_arn: str | None = spec.provider_arn if isinstance(spec.provider_arn, str) else None

        self._where = f"ClusterOidcProvider {name!r}: "
        issuer = self._issuer(spec)
        self.arn: pulumi.Output[str]
        if spec.provider_arn is not None:
            self.arn = pulumi.Output.from_input(spec.provider_arn).apply(
                when_resolved(self._where, "provider_arn", _checked_provider_arn)
            )
            self.issuer = _checked_issuer(self.arn, issuer)
        else:
            assert issuer is not None, "resolve_oidc_provider: a created provider has cluster_name or issuer_url"
            provider = aws.iam.OpenIdConnectProvider(
                f"{name}-provider",
                url=issuer.apply(issuer_url),
                client_id_lists=list(spec.client_ids),
                thumbprint_lists=list(spec.thumbprints) or None,
                tags=spec.tags or None,
                opts=pulumi.ResourceOptions(parent=self, retain_on_delete=spec.retain_on_delete),
            )
            self.arn = provider.arn
            self.issuer = issuer
        self.url = self.issuer.apply(issuer_url)
        self.register_outputs({"arn": self.arn, "url": self.url, "issuer": self.issuer})

    # Every role that trusts this provider reads these two; made once per provider, not once per role (each
    # Output is a few tasks on Pulumi's event loop, which a stack of many controllers feels).
    @functools.cached_property
    def trust_source(self) -> pulumi.Output[tuple[str, str]]:
        """(ARN, issuer), resolved together."""
        return pulumi.Output.all(self.arn, self.issuer).apply(lambda pair: (pair[0], pair[1]))

    @functools.cached_property
    def partition(self) -> pulumi.Output[str]:
        """The partition of the provider's ARN, which the roles that trust it live in."""
        return self.arn.apply(partition_of)

    def _issuer(self, spec: OidcProviderSpec) -> pulumi.Output[str] | None:
        """The issuer from the lookup or the URL; None when only an ARN says it."""
        if spec.cluster_name is not None:
            cluster = aws.eks.get_cluster_output(name=spec.cluster_name, opts=pulumi.InvokeOutputOptions(parent=self))
            return cluster.apply(lambda c: _cluster_issuer(spec.cluster_name or "", c))
        if spec.issuer_url is not None:
            return pulumi.Output.from_input(spec.issuer_url).apply(
                when_resolved(self._where, "issuer_url", _resolved_issuer)
            )
        return None


class ClusterOidcProvider(ClusterOidcProviderComponent):
    """The IAM OIDC provider that lets a cluster's ServiceAccount tokens assume IAM roles.

    One per cluster, shared by every role that trusts the cluster: IAM refuses a second provider
    for the same issuer (``EntityAlreadyExists``). Adopt the existing one with ``provider_arn``.
    """

    arn: pulumi.Output[str]
    """ARN of the provider."""
    url: pulumi.Output[str]
    """Issuer URL, with ``https://``."""
    issuer: pulumi.Output[str]
    """Issuer without the scheme: the prefix of the trust policy's condition keys."""
    cluster_name: str | None
    """The cluster's name when given (readable part of default role names)."""
    known_arn: str | None
    """The ARN when known before deploying (an adopted provider given as a plain string)."""
    known_issuer: str | None
    """The issuer when known before deploying (a plain ``issuer_url`` or ``provider_arn``)."""

    def __init__(self, name: str, args: ClusterOidcProviderArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, args, opts)


def _resolved_issuer(url: Any) -> str:
    """An ``issuer_url`` known only at deploy time, checked as a plain one is up front."""
    if not isinstance(url, str):
        raise ValueError(f"must resolve to an issuer URL (https://...), got {shown(url)}")
    check_issuer_url(url)
    return issuer_host(url)


def _checked_provider_arn(arn: Any) -> str:
    check_oidc_provider_arn(arn)
    return str(arn)


def _cluster_issuer(cluster_name: str, cluster: aws.eks.GetClusterResult) -> str:
    for identity in cluster.identities or []:
        for oidc in identity.oidcs or []:
            if oidc.issuer:
                return issuer_host(oidc.issuer)
    raise ValueError(f"EKS cluster {cluster_name!r} reports no OIDC issuer")


def _checked_issuer(arn: pulumi.Output[str], expected: pulumi.Output[str] | None) -> pulumi.Output[str]:
    """The issuer an adopted provider's ARN names, checked against the cluster's when that is known."""
    from_arn = arn.apply(issuer_of_provider_arn)
    if expected is None:
        return from_arn

    def same(pair: list[str]) -> str:
        if pair[0] != pair[1]:
            raise ValueError(f"provider_arn names issuer {pair[0]!r}, but the cluster's issuer is {pair[1]!r}")
        return pair[0]

    return pulumi.Output.all(from_arn, expected).apply(same)
