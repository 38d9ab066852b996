"""What already runs on a cluster, read for ``ack-irsa adopt``: the ACK controllers, their identities, the roles
behind them and the cluster's OIDC provider. Read-only, with the same clients as ``verify`` (boto3 and the
kubernetes client): every call is a Describe, Get or List.

Helm keeps each release as a Secret ``sh.helm.release.v1.<name>.v<revision>``; only its labels are read (name,
status, revision), never its payload (which holds the release's values): the chart and its version come from
the ``helm.sh/chart`` label of the controller's Deployment.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from ack_irsa import catalog
from ack_irsa.components.controller import ROLE_ARN_ANNOTATION
from ack_irsa.iam.arns import parse_arn
from ack_irsa.iam.policies import issuer_host

CLOUDFORMATION_STACK_TAG = "aws:cloudformation:stack-name"
CLOUDFORMATION_LOGICAL_ID_TAG = "aws:cloudformation:logical-id"
ECR_PREFIX = "public.ecr.aws/aws-controllers-k8s/"
"""ACK's controller images: ``public.ecr.aws/aws-controllers-k8s/<service>-controller:<version>``."""


@dataclass(frozen=True)
class FoundStack:
    """The CloudFormation stack a role belongs to (eksctl's ``create iamserviceaccount`` makes one per role)."""

    name: str
    logical_ids: tuple[str, ...]
    """The role's logical IDs as the stack lists them (or as the role's tag says, when the stack was not read)."""
    read: bool
    """Whether the stack itself was read (``list_stack_resources``), or only the role's tags."""


@dataclass(frozen=True)
class FoundRole:
    name: str
    arn: str
    path: str
    description: str
    max_session_duration: int
    permissions_boundary: str | None
    tags: dict[str, str]
    trust: dict[str, Any]
    attached: tuple[str, ...]
    """Managed policy ARNs attached, in the order IAM lists them."""
    inline: dict[str, dict[str, Any]]
    """Inline policy name → document."""
    stack: FoundStack | None = None


@dataclass(frozen=True)
class FoundAssociation:
    association_id: str
    role_arn: str
    tags: dict[str, str]
    disable_session_tags: bool
    target_role_arn: str | None


@dataclass(frozen=True)
class FoundRelease:
    name: str
    namespace: str
    revision: int
    status: str


@dataclass(frozen=True)
class FoundController:
    service: str
    namespace: str
    service_account: str
    service_account_found: bool
    annotated_role: str | None
    """The ServiceAccount's ``eks.amazonaws.com/role-arn``, when it has one."""
    annotated_by: tuple[str, ...]
    """The field managers that set that annotation (``kubectl-annotate``, ``helm``, ...), where recorded."""
    deployment: str
    """The controller's Deployment; empty when none was found (only its ServiceAccount)."""
    chart: str | None
    """``<chart>-<version>`` from the Deployment's ``helm.sh/chart`` label."""
    release: FoundRelease | None
    association: FoundAssociation | None


@dataclass
class Discovery:
    cluster: str
    account: str
    partition: str
    region: str
    issuer: str
    provider_arn: str | None
    controllers: list[FoundController] = field(default_factory=list)
    roles: dict[str, FoundRole] = field(default_factory=dict)
    """Role ARN → the role, for every role a controller names that lies in the cluster's account."""
    missing_roles: dict[str, str] = field(default_factory=dict)
    """Role ARN → why it could not be read (no such role)."""
    notes: list[str] = field(default_factory=list)
    """What could not be read, and what that means for the result."""


class AdoptAws:
    """The AWS side: ``eks``, ``iam`` and ``cloudformation`` are boto3 clients; read-only."""

    def __init__(self, eks: Any, iam: Any, cloudformation: Any) -> None:
        self.eks, self.iam, self.cloudformation = eks, iam, cloudformation

    def cluster(self, name: str) -> tuple[str, str, str, str]:
        """(account, partition, region, issuer without ``https://``) of the EKS cluster."""
        try:
            described = self.eks.describe_cluster(name=name)["cluster"]
        except self.eks.exceptions.ResourceNotFoundException:
            raise ValueError(f"no EKS cluster {name!r} in this account and region (check --region)") from None
        issuer = described.get("identity", {}).get("oidc", {}).get("issuer")
        if not issuer:
            raise ValueError(f"cluster {name!r} reports no OIDC issuer: is it an EKS cluster?")
        arn = parse_arn(described["arn"])
        return arn.account, arn.partition, arn.region, issuer_host(issuer)

    def provider(self, issuer: str) -> str | None:
        arns = [p["Arn"] for p in self.iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]
        return next((a for a in arns if a.endswith(f":oidc-provider/{issuer}")), None)

    def associations(self, cluster: str) -> tuple[dict[tuple[str, str], FoundAssociation], str | None]:
        """The cluster's Pod Identity associations by (namespace, ServiceAccount); and why they could not be
        listed, if they could not (then only IRSA identities are found)."""
        import botocore.exceptions

        found: dict[tuple[str, str], FoundAssociation] = {}
        try:
            pages = self.eks.get_paginator("list_pod_identity_associations").paginate(clusterName=cluster)
            summaries = [s for page in pages for s in page["associations"]]
        except botocore.exceptions.ClientError as error:
            return found, str(error).split(":", 1)[0]
        for summary in summaries:
            described = self.eks.describe_pod_identity_association(
                clusterName=cluster, associationId=summary["associationId"]
            )["association"]
            found[(summary["namespace"], summary["serviceAccount"])] = FoundAssociation(
                association_id=summary["associationId"],
                role_arn=described["roleArn"],
                tags=dict(described.get("tags") or {}),
                disable_session_tags=bool(described.get("disableSessionTags", False)),
                target_role_arn=described.get("targetRoleArn") or None,
            )
        return found, None

    def role(self, arn: str) -> FoundRole | None:
        name = arn.rsplit("/", 1)[-1]
        try:
            role = self.iam.get_role(RoleName=name)["Role"]
        except self.iam.exceptions.NoSuchEntityException:
            return None
        tags = {
            t["Key"]: t["Value"]
            for page in self.iam.get_paginator("list_role_tags").paginate(RoleName=name)
            for t in page["Tags"]
        }
        attached = tuple(
            p["PolicyArn"]
            for page in self.iam.get_paginator("list_attached_role_policies").paginate(RoleName=name)
            for p in page["AttachedPolicies"]
        )
        names = [
            n
            for page in self.iam.get_paginator("list_role_policies").paginate(RoleName=name)
            for n in page["PolicyNames"]
        ]
        inline = {n: _document(self.iam.get_role_policy(RoleName=name, PolicyName=n)["PolicyDocument"]) for n in names}
        return FoundRole(
            name=name,
            arn=role["Arn"],
            path=role.get("Path", "/"),
            description=role.get("Description", ""),
            max_session_duration=int(role.get("MaxSessionDuration", 3600)),
            permissions_boundary=(role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
            tags=tags,
            trust=_document(role["AssumeRolePolicyDocument"]),
            attached=attached,
            inline=inline,
            stack=self._stack(name, tags),
        )

    def _stack(self, role_name: str, tags: Mapping[str, str]) -> FoundStack | None:
        """The CloudFormation stack that owns the role, when its tags say it has one, with the stack's logical
        IDs of the role from the stack's own listing (the role's tag when the stack cannot be read)."""
        import botocore.exceptions

        stack = tags.get(CLOUDFORMATION_STACK_TAG)
        if stack is None:
            return None
        tagged = tuple(t for t in [tags.get(CLOUDFORMATION_LOGICAL_ID_TAG)] if t)
        try:
            pages = self.cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack)
            listed = [r for page in pages for r in page["StackResourceSummaries"]]
        except botocore.exceptions.ClientError:
            return FoundStack(stack, tagged, read=False)
        ids = tuple(
            r["LogicalResourceId"]
            for r in listed
            if r.get("ResourceType") == "AWS::IAM::Role" and r.get("PhysicalResourceId") == role_name
        )
        return FoundStack(stack, ids or tagged, read=bool(ids))


class AdoptKubernetes:
    """The Kubernetes side: ``core`` and ``apps`` are the client's CoreV1Api and AppsV1Api."""

    def __init__(self, core: Any, apps: Any) -> None:
        self.core, self.apps = core, apps
        self.notes: list[str] = []
        """What could not be read (Helm's release Secrets, where reading Secrets is not granted)."""

    def controllers(
        self, namespace: str, associations: Mapping[tuple[str, str], FoundAssociation]
    ) -> list[FoundController]:
        """The ACK controllers in ``namespace``: each ACK Deployment (by its chart label or its image), and each
        ServiceAccount named as an ACK chart names it that no Deployment runs as."""
        deployments = self.apps.list_namespaced_deployment(namespace).items
        accounts = {a.metadata.name: a for a in self.core.list_namespaced_service_account(namespace).items}
        try:
            secrets = self.core.list_namespaced_secret(namespace, label_selector="owner=helm").items
        except Exception as error:  # the client's ApiException: listing Secrets is often not granted
            if getattr(error, "status", None) not in (401, 403):
                raise
            self.notes.append(
                f"the Helm releases in {namespace} could not be listed (reading Secrets is forbidden): releases "
                "are not reported"
            )
            secrets = []
        releases = _releases(secrets, namespace)
        found: list[FoundController] = []
        for deployment in sorted(deployments, key=lambda d: d.metadata.name):
            service = _service_of(deployment)
            if service is None:
                continue
            account_name = deployment.spec.template.spec.service_account_name or "default"
            labels = deployment.metadata.labels or {}
            release = (deployment.metadata.annotations or {}).get("meta.helm.sh/release-name") or labels.get(
                "app.kubernetes.io/instance", ""
            )
            found.append(
                _controller(
                    (service, namespace, account_name, deployment.metadata.name),
                    accounts.get(account_name),
                    labels.get("helm.sh/chart"),
                    releases.get(release),
                    associations,
                )
            )
        running = {c.service_account for c in found}
        by_account = {c.service_account_name: c for c in catalog.controllers()}
        for name, account in sorted(accounts.items()):
            if name in running or name not in by_account:
                continue
            found.append(
                _controller((by_account[name].service, namespace, name, ""), account, None, None, associations)
            )
        return found


def discover(
    aws: AdoptAws, kubernetes: AdoptKubernetes, cluster: str, namespaces: Sequence[str], region: str | None
) -> Discovery:
    """Everything ``adopt`` needs to know, read once."""
    account, partition, cluster_region, issuer = aws.cluster(cluster)
    found = Discovery(cluster, account, partition, region or cluster_region, issuer, aws.provider(issuer))
    associations, unlisted = aws.associations(cluster)
    if unlisted:
        found.notes.append(
            f"the cluster's Pod Identity associations could not be listed ({unlisted}): only IRSA identities "
            "(the ServiceAccount annotation) were looked for"
        )
    for namespace in namespaces:
        found.controllers += kubernetes.controllers(namespace, associations)
    found.notes += kubernetes.notes
    arns = {c.annotated_role for c in found.controllers if c.annotated_role}
    arns |= {c.association.role_arn for c in found.controllers if c.association}
    for arn in sorted(arns):
        if _account_of(arn) != account:
            continue  # refused by the analysis: a role in another account is not taken over
        role = aws.role(arn)
        if role is None:
            found.missing_roles[arn] = f"no role {arn.rsplit('/', 1)[-1]!r} in account {account}"
        else:
            found.roles[arn] = role
    return found


def _account_of(arn: str) -> str | None:
    try:
        return parse_arn(arn).account
    except ValueError:
        return None


def _controller(
    where: tuple[str, str, str, str],
    account: Any,
    chart: str | None,
    release: FoundRelease | None,
    associations: Mapping[tuple[str, str], FoundAssociation],
) -> FoundController:
    """One controller: ``where`` is (service, namespace, ServiceAccount name, Deployment name or "")."""
    service, namespace, account_name, deployment = where
    annotations = (account.metadata.annotations or {}) if account is not None else {}
    return FoundController(
        service=service,
        namespace=namespace,
        service_account=account_name,
        service_account_found=account is not None,
        annotated_role=annotations.get(ROLE_ARN_ANNOTATION),
        annotated_by=_annotated_by(account) if account is not None else (),
        deployment=deployment,
        chart=chart,
        release=release,
        association=associations.get((namespace, account_name)),
    )


def _annotated_by(account: Any) -> tuple[str, ...]:
    key = f"f:{ROLE_ARN_ANNOTATION}"
    return tuple(
        sorted(
            {
                entry.manager
                for entry in account.metadata.managed_fields or []
                if key in ((entry.fields_v1 or {}).get("f:metadata", {}).get("f:annotations", {}))
            }
        )
    )


def _service_of(deployment: Any) -> str | None:
    """The ACK service a Deployment runs: by the chart's ``app.kubernetes.io/name`` label, else by its image."""
    charts = {c.chart_name: c.service for c in catalog.controllers() if c.chart_name}
    label = (deployment.metadata.labels or {}).get("app.kubernetes.io/name")
    if label in charts:
        return charts[label]
    images = {f"{ECR_PREFIX}{c.chart_key}-controller": c.service for c in catalog.controllers()}
    for container in deployment.spec.template.spec.containers or []:
        repository = (container.image or "").split("@", 1)[0].rsplit(":", 1)[0]
        if repository in images:
            return images[repository]
    return None


def _releases(secrets: Iterable[Any], namespace: str) -> dict[str, FoundRelease]:
    """The latest revision of each Helm release, from its Secrets' labels alone."""
    latest: dict[str, FoundRelease] = {}
    for secret in secrets:
        labels = secret.metadata.labels or {}
        name, revision = labels.get("name"), labels.get("version", "0")
        if not name or not revision.isdigit():
            continue
        release = FoundRelease(name, namespace, int(revision), labels.get("status", "unknown"))
        if name not in latest or latest[name].revision < release.revision:
            latest[name] = release
    return latest


def _document(value: Any) -> dict[str, Any]:
    """A policy document as boto3 returns it: decoded already, or URL-encoded JSON text."""
    if isinstance(value, str):
        value = json.loads(unquote(value))
    return dict(value)
