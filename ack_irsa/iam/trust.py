"""Who may assume a controller's role: the trust policies of both identity modes, side by side.

- **IRSA** (``irsa``): the cluster's OIDC provider, ``sts:AssumeRoleWithWebIdentity``, with ``sub`` pinned to
  exactly the controller's ServiceAccount and ``aud`` to ``sts.amazonaws.com``; one statement per provider.
- **EKS Pod Identity** (``pod_identity``): the service ``pods.eks.amazonaws.com``, ``sts:AssumeRole`` and
  ``sts:TagSession``, with the session tags EKS sets pinned: the namespace, the ServiceAccount and the
  cluster, by its ARN (``eks-cluster-arn``) where it is known, else by its name (``eks-cluster-name``, in a
  statement of its own: both keys in one statement would have to hold at once). Only this controller's
  association on these clusters can use the role.
- **both**, the migration step: the two statements in one document.

Pure functions over plain values; the component calls them inside ``Output.apply`` once the provider ARN
and issuer are known, so no document is ever built from unresolved Outputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ack_irsa.iam.policies import POLICY_VERSION

Identity = Literal["irsa", "pod_identity", "both"]
IDENTITIES: tuple[Identity, ...] = ("irsa", "pod_identity", "both")

STS_AUDIENCE = "sts.amazonaws.com"
"""The audience the EKS pod identity webhook requests tokens for (``eks.amazonaws.com/audience`` default)."""
WEB_IDENTITY_ACTION = "sts:AssumeRoleWithWebIdentity"

POD_IDENTITY_SERVICE = "pods.eks.amazonaws.com"
AGENT_ADDON = "eks-pod-identity-agent"
"""The EKS add-on that serves Pod Identity credentials on the nodes."""
POD_IDENTITY_ACTIONS = ("sts:AssumeRole", "sts:TagSession")
"""EKS Pod Identity assumes the role with session tags, so the trust must allow tagging the session."""
NAMESPACE_TAG = "aws:RequestTag/kubernetes-namespace"
SERVICE_ACCOUNT_TAG = "aws:RequestTag/kubernetes-service-account"
CLUSTER_ARN_TAG = "aws:RequestTag/eks-cluster-arn"
"""The cluster's ARN: one cluster in one region of one account (decision 109)."""
CLUSTER_NAME_TAG = "aws:RequestTag/eks-cluster-name"
"""The cluster's name, pinned only for a cluster whose ARN is not known: a cluster of that name in another
region or account of the partition would match it too."""


@dataclass(frozen=True)
class TrustedIssuer:
    """One OIDC provider a role trusts, and the ServiceAccount subjects it admits from it."""

    provider_arn: str
    issuer: str
    """Issuer URL without ``https://`` (the prefix of the condition keys)."""
    subjects: tuple[str, ...]
    """``system:serviceaccount:<namespace>:<name>`` values; ``*`` and ``?`` only with wildcards allowed."""


@dataclass(frozen=True)
class TrustedAssociation:
    """The Pod Identity associations a role admits: one ServiceAccount on one or more clusters."""

    namespace: str
    service_account: str
    clusters: tuple[str, ...]
    """EKS cluster ARNs, or names where the ARN is not known (Pod Identity's point: one role, no per-cluster
    provider)."""

    def pins(self) -> list[dict[str, str | list[str]]]:
        """The session tags each Pod Identity statement pins: one for the clusters known by ARN, one for those
        known by name only (either left out when it has none)."""
        arns = [c for c in self.clusters if c.startswith("arn:")]
        names = [c for c in self.clusters if not c.startswith("arn:")]
        common: dict[str, str | list[str]] = {NAMESPACE_TAG: self.namespace, SERVICE_ACCOUNT_TAG: self.service_account}
        return [
            {**common, tag: clusters[0] if len(clusters) == 1 else clusters}
            for tag, clusters in ((CLUSTER_ARN_TAG, arns), (CLUSTER_NAME_TAG, names))
            if clusters
        ]


def service_account_subject(namespace: str, name: str) -> str:
    return f"system:serviceaccount:{namespace}:{name}"


WILDCARD_SUBJECT_TAG = "ack-irsa/allow-wildcard-subject"
"""The role tag (value ``true``) of a role whose trust admits ServiceAccounts by a ``StringLike`` pattern: set
by the component exactly then, and what the guardrail ``irsa-trust-pins-sub-and-aud`` accepts it by."""


def has_wildcard(value: str) -> bool:
    return "*" in value or "?" in value


def trust_policy(issuers: Sequence[TrustedIssuer], association: TrustedAssociation | None) -> dict[str, Any]:
    """The role's whole trust policy: IRSA statements for ``issuers``, and the Pod Identity statement for
    ``association`` when there is one (``both`` gives both)."""
    statements = [_web_identity_statement(trusted, STS_AUDIENCE) for trusted in issuers]
    if association is not None:
        statements += _pod_identity_statements(association)
    return {"Version": POLICY_VERSION, "Statement": statements}


def irsa_trust_policy(trusted: Sequence[TrustedIssuer], audience: str = STS_AUDIENCE) -> dict[str, Any]:
    """The IRSA trust policy: one statement per provider, each pinning ``sub`` and ``aud``.

    ``sub`` is pinned to exact ServiceAccounts because any pod on the cluster can request a token
    for its own ServiceAccount; without the pin, every workload could assume the role. ``aud`` is
    pinned so that tokens minted for another audience are refused. ``StringEquals`` treats ``*``
    literally, so a subject with a wildcard moves ``sub`` alone to ``StringLike``.
    """
    return {"Version": POLICY_VERSION, "Statement": [_web_identity_statement(t, audience) for t in trusted]}


def pod_identity_trust_policy(association: TrustedAssociation) -> dict[str, Any]:
    """The Pod Identity trust policy: ``pods.eks.amazonaws.com`` may assume the role and tag the session,
    for exactly this namespace and ServiceAccount on these clusters (the session tags EKS sets)."""
    return {"Version": POLICY_VERSION, "Statement": _pod_identity_statements(association)}


def _web_identity_statement(trusted: TrustedIssuer, audience: str) -> dict[str, Any]:
    sub_key, aud_key = f"{trusted.issuer}:sub", f"{trusted.issuer}:aud"
    subjects: str | list[str] = trusted.subjects[0] if len(trusted.subjects) == 1 else list(trusted.subjects)
    if any(has_wildcard(s) for s in trusted.subjects):
        condition = {"StringEquals": {aud_key: audience}, "StringLike": {sub_key: subjects}}
    else:
        condition = {"StringEquals": {sub_key: subjects, aud_key: audience}}
    return {
        "Effect": "Allow",
        "Principal": {"Federated": trusted.provider_arn},
        "Action": WEB_IDENTITY_ACTION,
        "Condition": condition,
    }


def _pod_identity_statements(association: TrustedAssociation) -> list[dict[str, Any]]:
    return [
        {
            "Effect": "Allow",
            "Principal": {"Service": POD_IDENTITY_SERVICE},
            "Action": list(POD_IDENTITY_ACTIONS),
            "Condition": {"StringEquals": pins},
        }
        for pins in association.pins()
    ]
