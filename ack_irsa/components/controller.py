"""ControllerIrsa: the IAM role of one ACK controller, its policies, its ServiceAccount and its restart."""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Required, TypedDict

import pulumi
import pulumi_aws as aws

from ack_irsa.components.apidoc import document_arguments
from ack_irsa.components.cross_account import TargetAccountRole
from ack_irsa.components.oidc import ClusterOidcProvider, ClusterOidcProviderComponent
from ack_irsa.components.permissions import (
    INLINE_POLICY_NAME,
    attach_policies,
    derived_policy_json,
    in_partition,
    inline_policy_json,
    policy_facts,
)
from ack_irsa.errors import shown
from ack_irsa.iam import limits
from ack_irsa.iam.accounts import (
    CROSS_ACCOUNT_POLICY_NAME,
    SELECTOR_API_VERSION,
    SELECTOR_KIND,
    CarmGrant,
    CrossAccountMode,
    CrossAccountTarget,
    assume_policy,
    selector_name,
    selector_spec,
)
from ack_irsa.iam.arns import check_oidc_provider_arn, cluster_arn, issuer_of_provider_arn, partition_of
from ack_irsa.iam.limits import check_size
from ack_irsa.iam.policies import issuer_host, policy_size, to_json
from ack_irsa.iam.trust import Identity, TrustedAssociation, TrustedIssuer, trust_policy
from ack_irsa.spec.controller import (
    LEADER_ELECTION_NAMESPACE,
    ControllerSpec,
    extra_provider_warnings,
    resolve_controller,
)
from ack_irsa.spec.permissions import DERIVED_POLICY_NAME
from ack_irsa.spec.problems import ArgsError, Problem, deploy_time, when_resolved
from ack_irsa.spec.target_role import managed_target_role_args

if TYPE_CHECKING:
    from pulumi_kubernetes.meta.v1 import ObjectMetaArgsDict, ObjectMetaPatchArgsDict

TYPE_TOKEN = "ack-irsa:index:ControllerIrsa"
ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn"
"""The ServiceAccount annotation the EKS pod identity webhook reads."""
RESTART_ANNOTATION = "ack-irsa/role-arn"
"""Pod-template annotation on the controller's Deployment; a new value rolls its pods."""
ASSOCIATION_ANNOTATION = "ack-irsa/pod-identity-association"
"""Pod-template annotation with the Pod Identity association's ID: a new association rolls the pods too."""
__all__ = ["INLINE_POLICY_NAME", "ControllerIrsa", "ControllerIrsaArgs", "CrossAccountTargetArgs", "InstallArgs"]

PolicyArns = Sequence[str] | Mapping[str, pulumi.Input[str]]


class InstallArgs(TypedDict, total=False):
    """How ``ControllerIrsa`` installs the controller's Helm chart."""

    version: str
    """Chart version. Default: the one pinned in the catalog (``ack-irsa catalog show <service>``)."""
    release_name: str
    """Helm release name. Default ``ack-<service>-controller``, as in ACK's install docs; never generated."""
    values: Mapping[str, Any]
    """Extra chart values, merged under ack-irsa's own (which may not be set here). Default: none."""
    create_namespace: bool
    """Create the namespace if it does not exist (Helm leaves it on uninstall). Default ``True``."""
    leader_election: bool
    """Set the chart's ``leaderElection.enabled=true`` and ``leaderElection.namespace=kube-system``, the lease the
    managed capability shares: beside the capability, or while handing a service over to it, only one of the two
    reconciles. Default ``False``."""
    replicas: int
    """The chart's ``deployment.replicas``; ``0`` hands the lease over to the capability. Default: the chart's."""


class CrossAccountTargetArgs(TypedDict, total=False):
    """One account a controller manages resources in (``ControllerIrsa``'s ``cross_account``)."""

    account_id: Required[str]
    """The target account's 12-digit ID (not the stack's own). Required."""
    role_name: str
    """Name of the role to assume there (path ``/``). Give this or ``role_arn``."""
    role_arn: str
    """ARN of the role to assume there; its account must be ``account_id``. Give this or ``role_name``."""
    namespaces: Required[Sequence[str]]
    """Namespaces whose ACK resources go to this account (each namespace to one account). Required."""
    manage_role: bool
    """Create the role in the target account too (a ``TargetAccountRole`` through ``provider``). Default
    ``False``: the role is made by the target account's own program."""
    provider: pulumi.ProviderResource
    """The ``pulumi_aws.Provider`` of the target account; required with ``manage_role``."""


class ControllerIrsaArgs(TypedDict, total=False):
    """Arguments of :class:`ControllerIrsa`. Only ``service`` and an OIDC provider are required."""

    service: Required[str]
    """ACK service name as listed by ``python -m ack_irsa catalog``, e.g. ``"s3"``. Required."""
    oidc_provider: ClusterOidcProvider
    """The cluster's OIDC provider. Give this, or ``oidc_provider_arn`` (with ``oidc_issuer``)."""
    oidc_provider_arn: pulumi.Input[str]
    """ARN of the cluster's IAM OIDC provider (e.g. ``pulumi_eks.Cluster.oidc_provider_arn``)."""
    oidc_issuer: pulumi.Input[str]
    """The cluster's issuer, with or without ``https://``. Default: read from ``oidc_provider_arn``."""
    namespace: str
    """Namespace of the controller. Default ``"ack-system"``, as in the ACK install docs."""
    service_account_name: str
    """The controller's ServiceAccount. Default: the chart's, ``ack-<service>-controller``."""
    service_account_mode: Literal["patch", "create", "none"]
    """``"patch"`` (default): annotate the ServiceAccount the ACK Helm chart created (server-side apply;
    removing it removes only the annotation). ``"create"``: create the annotated ServiceAccount (install
    the chart with ``serviceAccount.create=false``). ``"none"``: the role only; nothing on the cluster."""
    deployment_name: str
    """The controller Deployment to restart when the role changes, so its pods get credentials.
    Default ``ack-<service>-controller-<service>-chart`` (the chart's name for the documented release
    name); ``""`` disables the restart. Ignored in mode ``"none"``."""
    policy: Literal["recommended", "derived"]
    """``"recommended"`` (default): the catalog's recommended policies. ``"derived"``: one inline policy,
    ``ack-derived-policy``, of exactly the IAM actions the code of ``kinds`` calls (shared helpers included),
    dependent actions in the controller's own service, KMS actions through the service for kinds that take a
    key, and ``iam:PassRole`` on ``pass_roles`` only; ``extra_policy_arns``, ``inline_policy`` and the
    permissions boundary apply as with the recommendation (:mod:`ack_irsa.catalog.derived`)."""
    kinds: Sequence[str]
    """With ``policy="derived"``: the kinds the controller manages, e.g. ``["Bucket"]``. Default: every kind."""
    pass_roles: Sequence[str]
    """With ``policy="derived"``: ARNs of the roles the controller may pass (``iam:PassRole``), for fields such
    as rds ``monitoringRoleARN``; ``*`` or a whole path is refused. Default: none."""
    policy_arns: PolicyArns
    """Managed policies to attach instead of the recommended ones: a list of ARNs, or ``{key: arn}``
    for ARNs known only at deploy time. Default: the catalog's recommendation for the partition."""
    extra_policy_arns: PolicyArns
    """Managed policies to attach in addition. Default: none."""
    inline_policy: pulumi.Input[str] | Mapping[str, Any] | None
    """Inline policy (a JSON string or a document) instead of the recommended one; ``None``, ``""`` or
    ``{}`` drops it. Default: the catalog's recommendation."""
    role_name: str
    """Role name. Default ``ack-<service>-<cluster>-<hash>``: deterministic, at most 64 characters, and
    unique per cluster and ServiceAccount, so two clusters in one account never collide."""
    role_path: str
    """Role path. Default ``"/"``."""
    permissions_boundary: pulumi.Input[str]
    """ARN of a policy to set as the role's permissions boundary. Default: none."""
    max_session_duration: int
    """Maximum session length in seconds, 3600 to 43200. Default 3600."""
    tags: Mapping[str, str]
    """Role tags (at most 50). Default: none."""
    extra_service_accounts: Sequence[str]
    """More ``"namespace:name"`` ServiceAccounts the role admits (trust only: they are not annotated
    here). Default: none."""
    extra_oidc_providers: Sequence[ClusterOidcProvider | pulumi.Input[str]]
    """Other clusters' OIDC providers (components or provider ARNs) whose tokens for the same
    ServiceAccounts the role admits, for blue/green upgrades and disaster recovery. Default: none."""
    allow_wildcard_subject: bool
    """Accept ``*`` and ``?`` in namespaces and ServiceAccount names (``sub`` then uses ``StringLike``).
    Default ``False``."""
    trust_policy_max_chars: int
    """Trust policy size limit, for accounts whose quota was raised. Default 2048."""
    managed_policies_per_role: int
    """Managed policies per role, for accounts whose quota was raised. Default 10."""
    identity: Identity
    """How the controller's pods get the role: ``"irsa"`` (default; the ServiceAccount annotation and the
    cluster's OIDC provider), ``"pod_identity"`` (an EKS Pod Identity association; no OIDC provider is
    needed) or ``"both"`` (the migration step: both trusts, the association and the annotation; pods
    restarted in this state run on Pod Identity, which the EKS webhook prefers)."""
    cluster_name: pulumi.Input[str]
    """The EKS cluster of the Pod Identity association. Default: the ``oidc_provider``'s ``cluster_name``.
    Required for ``"pod_identity"`` and ``"both"``."""
    extra_cluster_names: Sequence[str]
    """Other clusters whose Pod Identity associations for the same ServiceAccount the role admits (one role
    for several clusters: Pod Identity needs no per-cluster trust). Their associations are made by their
    own stacks. Default: none."""
    install: bool | InstallArgs
    """Install the controller with its ACK Helm chart (``oci://public.ecr.aws/aws-controllers-k8s/<service>-chart``)
    as a Helm release, wired to this role: ``True`` for the catalog's pinned version, or ``{"version",
    "release_name", "values", "create_namespace", "leader_election", "replicas"}``. ack-irsa sets
    ``aws.region``, the ServiceAccount (created by the chart, annotated for IRSA) and a pod-template annotation
    that rolls the pods when the role or association changes, and with ``leader_election`` or ``replicas`` those
    values too; values for those keys are refused. The release waits for the role's permissions.
    Default ``False``: the controller is installed by someone else, and its ServiceAccount is patched."""
    cross_account: Sequence[CrossAccountTargetArgs]
    """Accounts the controller manages resources in, each with the role it assumes there and the namespaces
    whose resources go there. The role gets a separate inline policy, ``ack-cross-account``, allowing
    ``sts:AssumeRole`` (and ``sts:TagSession`` on Pod Identity) on exactly those roles. Default: none."""
    cross_account_mode: Literal["carm", "iam_role_selector"]
    """How the controller learns the roles: ``"carm"`` (default; the ConfigMap and namespace annotations of a
    ``RoleAccountMap``, shared by every controller of the cluster) or ``"iam_role_selector"`` (one
    ``IAMRoleSelector`` per target, made here; an installed chart gets ``featureGates.IAMRoleSelector`` and
    ``enableCARM: false``)."""
    carm_service_level: bool
    """CARM: key this controller's targets ``<service>.<account>`` and, when installed, turn on the
    ``ServiceLevelCARM`` feature gate; needed when two controllers of one namespace use different roles in
    one account. Default ``False``."""
    acknowledge_risks: Sequence[str]
    """Ids of risks of this role's policies (``privilege-escalation``, ``pass-role-unrestricted``,
    ``all-actions``, ``service-wide-access``, ``broad-managed-policy``) that were reviewed and accepted: they
    are reported as acknowledged instead of as warnings. Each must be a risk the role has. Default: none."""
    trust_policy: str | Mapping[str, Any]
    """The role's trust policy exactly as given (a document or its JSON text), instead of the one ack-irsa
    builds: for a role taken over as it is (``ack-irsa adopt`` writes it), whose import must match what exists.
    Drop it to get ack-irsa's trust (``sub`` and ``aud`` pinned). Default: ack-irsa's."""
    inline_policy_name: str
    """Name of the role's inline policy. Default ``"ack-controller-policy"``; a role taken over keeps the name
    it had (the ACK guide's is ``ack-recommended-policy``)."""
    role_description: str
    """The role's description (``""``: none). Default: ack-irsa's, naming the controller and its
    ServiceAccount; a role taken over keeps the one it had."""


document_arguments(ControllerIrsaArgs)
document_arguments(CrossAccountTargetArgs)


class ControllerIrsaComponent(pulumi.ComponentResource):
    """What :class:`ControllerIrsa` builds, for any caller: the Python API and the component package (whose
    argument types differ, ``ack_irsa.components.package``) both construct through this one body. Its attributes are
    declared on the faces, not here: the package's schema is read from a class's annotations."""

    def __init__(self, name: str, args: Mapping[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        try:
            spec = resolve_controller(args)
            _claim_service_account(name, spec, args.get("oidc_provider") or args.get("oidc_provider_arn"))
        except ArgsError as error:
            raise ArgsError(error.problems, f"ControllerIrsa {name!r}: ") from None
        super().__init__(TYPE_TOKEN, name, {}, opts)
        for warning in spec.warnings:  # shown by pulumi preview, and in the offline plan
            pulumi.log.warn(warning, resource=self)
        for risk in spec.risks:
            if not risk.acknowledged:
                pulumi.log.warn(f"risk {risk.id} in {risk.source}: {risk.detail}", resource=self)
        self.risks = [risk.to_json() for risk in spec.risks]
        self.policy = policy_facts(spec.controller, spec.derived_policy)

        sources: list[pulumi.Output[tuple[str, str]]] = []
        if spec.uses_irsa:
            provider = args.get("oidc_provider") or args.get("oidc_provider_arn")
            where = f"ControllerIrsa {name!r}: "
            sources = [_trust_source(provider, args.get("oidc_issuer"), where, "oidc_provider_arn")]
            sources += [
                _trust_source(p, None, where, f"extra_oidc_providers[{index}]")
                for index, p in enumerate(spec.extra_oidc_providers)
            ]
            if isinstance(provider, ClusterOidcProviderComponent):
                partition = provider.partition
            else:
                partition = sources[0].apply(lambda source: partition_of(source[0]))
        else:
            partition = _stack_partition()
        cluster = getattr(args.get("oidc_provider"), "cluster_name", None)

        self._partition = partition
        self.role = self._role(name, spec, sources, partition, cluster)
        permissions = self._permissions(name, spec, partition)
        self.target_roles = self._target_roles(name, spec)
        self.cross_account_mode = spec.cross_account_mode
        on_cluster = spec.service_account_mode != "none" and spec.cross_account_mode == "carm"
        self.carm_grants = [
            CarmGrant(name, spec.controller.service, spec.namespace, target, spec.carm_service_level)
            for target in (spec.cross_account if on_cluster else ())
        ]
        self.role_arn = pulumi.Output.all(self.role.arn, *permissions).apply(lambda values: values[0])
        self.role_name = self.role.name
        self.service_account_name = pulumi.Output.from_input(spec.service_account_name)
        self.namespace = pulumi.Output.from_input(spec.namespace)

        # Children do not inherit a component's depends_on; the Kubernetes children take it over,
        # so they can wait for a Namespace or Helm release created in the same program.
        kubernetes_opts = pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None)
        association = self._association(name, spec)
        self._role_selectors(name, spec, kubernetes_opts)
        self.release: pulumi.CustomResource | None = None
        if spec.install is not None:  # the chart makes the ServiceAccount, and its pod template rolls the pods
            self.release = self._release(name, spec, association, kubernetes_opts)
        else:
            service_account = self._service_account(name, spec, kubernetes_opts)
            waits_for = [r for r in (service_account, association) if r is not None]
            if spec.deployment_name and waits_for:
                opts_restart = kubernetes_opts.merge(pulumi.ResourceOptions(depends_on=waits_for))
                self._restart(name, spec, association, opts_restart)
        self.register_outputs(
            {
                "role_arn": self.role_arn,
                "role_name": self.role_name,
                "service_account_name": self.service_account_name,
                "namespace": self.namespace,
                "risks": self.risks,
                "policy": self.policy,
                "cross_account": [
                    {
                        "account_id": target.account_id,
                        "role_arn": self.target_role_arn(target),
                        "namespaces": list(target.namespaces),
                        "mode": spec.cross_account_mode,
                        "role_made_here": target.manage_role,
                    }
                    for target in spec.cross_account
                ],
            }
        )

    def target_role_arn(self, target: CrossAccountTarget) -> pulumi.Output[str]:
        """The ARN of a target's role: the made role's (once its policies are attached), else the one the
        target names, in the stack's partition."""
        made = self.target_roles.get(_target_key(target))
        if made is not None:
            return made.role_arn
        return self._partition.apply(target.role_arn)

    def _role(
        self,
        name: str,
        spec: ControllerSpec,
        sources: list[pulumi.Output[tuple[str, str]]],
        partition: pulumi.Output[str],
        cluster: str | None,
    ) -> aws.iam.Role:
        """The role, trusting the ServiceAccount through every OIDC source (the first one names the role) and
        through EKS Pod Identity, as the identity mode says."""
        if spec.role_name:
            role_name: pulumi.Input[str] = spec.role_name
        elif sources:
            role_name = sources[0].apply(lambda source: spec.role_name_for(source[1], cluster))
        else:
            role_name = pulumi.Output.from_input(spec.cluster_name).apply(lambda c: spec.role_name_for(None, c))
        how = {"irsa": "IRSA", "pod_identity": "EKS Pod Identity", "both": "IRSA and EKS Pod Identity"}[spec.identity]
        return aws.iam.Role(
            f"{name}-role",
            name=role_name,
            path=spec.role_path,
            assume_role_policy=to_json(spec.trust_policy)
            if spec.trust_policy is not None  # a role taken over as it is
            else pulumi.Output.all(_pinned_cluster(spec, partition), *sources).apply(
                lambda resolved: _trust_policy(resolved[1:], resolved[0], spec, self)
            ),
            description=(spec.role_description or None)
            if spec.role_description is not None
            else f"ACK {spec.controller.service} controller ({spec.namespace}/{spec.service_account_name}), "
            f"{how}, managed by ack-irsa",
            max_session_duration=spec.max_session_duration,
            permissions_boundary=in_partition(
                spec.permissions_boundary, partition, "permissions_boundary", f"ControllerIrsa {name!r}: "
            ),
            tags=spec.role_tags or None,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _permissions(self, name: str, spec: ControllerSpec, partition: pulumi.Output[str]) -> list[pulumi.Output[str]]:
        """The role's policies, each set claimed exclusively (:func:`ack_irsa.components.permissions.attach_policies`);
        the cross-account grant is an inline policy of its own, beside the recommended one."""
        inline: dict[str, pulumi.Input[str]] = {}
        if spec.derived_policy is not None:
            inline[DERIVED_POLICY_NAME] = derived_policy_json(spec.derived_policy, partition)
        if spec.inline_policy is not None:
            inline[spec.inline_policy_name] = inline_policy_json(spec.inline_policy, f"ControllerIrsa {name!r}: ")
        if spec.cross_account:
            inline[CROSS_ACCOUNT_POLICY_NAME] = pulumi.Output.all(partition, _stack_account()).apply(
                lambda known: _assume_policy(spec, known[0], known[1])
            )
            inline = _counted_together(inline, f"ControllerIrsa {name!r}: ", spec)
        return attach_policies(self, name, self.role, spec.managed_policies, inline, partition, spec.inline_policy_name)

    def _target_roles(self, name: str, spec: ControllerSpec) -> dict[str, TargetAccountRole]:
        """The target roles this stack makes (``manage_role``), each in its account through its provider,
        trusting this controller's role. They carry the recommended policies (or, with ``policy="derived"``,
        the policy derived for the same kinds), so the controller's acknowledgements apply to them where they
        name one of those policies' risks."""
        made: dict[str, TargetAccountRole] = {}
        for target in (t for t in spec.cross_account if t.manage_role):
            args = managed_target_role_args(spec, target, self.role.arn)
            made[_target_key(target)] = TargetAccountRole(
                f"{name}-{target.account_id}-{target.role_name}",
                args,  # type: ignore[arg-type]
                pulumi.ResourceOptions(parent=self, providers=[target.provider]),
            )
        return made

    def _role_selectors(self, name: str, spec: ControllerSpec, opts: pulumi.ResourceOptions) -> None:
        """Mode ``iam_role_selector``: one IAMRoleSelector per target, for this service's resources in the
        target's namespaces. Made once the role may assume the target role, so the first reconcile works."""
        if spec.cross_account_mode != "iam_role_selector" or spec.service_account_mode == "none":
            return
        from pulumi_kubernetes.apiextensions import CustomResource
        from pulumi_kubernetes.meta.v1 import ObjectMetaArgs

        service, ordinals = spec.controller.service, dict[str, int]()
        for target in spec.cross_account:
            ordinal = ordinals[target.account_id] = ordinals.get(target.account_id, 0) + 1
            target_arn = self.target_role_arn(target)
            CustomResource(
                f"{name}-selector-{target.account_id}" + (f"-{ordinal}" if ordinal > 1 else ""),
                api_version=SELECTOR_API_VERSION,
                kind=SELECTOR_KIND,
                metadata=ObjectMetaArgs(
                    name=target_arn.apply(functools.partial(selector_name, spec.namespace, service, target.account_id))
                ),
                spec=pulumi.Output.all(self.role_arn, target_arn).apply(
                    functools.partial(_selector_spec, service, target.namespaces)
                ),
                opts=opts,
            )

    def _association(self, name: str, spec: ControllerSpec) -> aws.eks.PodIdentityAssociation | None:
        """The Pod Identity association of the ServiceAccount, once the role has its permissions. EKS allows
        one per ServiceAccount, so a replacement deletes the old one first."""
        if not spec.uses_pod_identity or spec.service_account_mode == "none":
            return None
        return aws.eks.PodIdentityAssociation(
            f"{name}-pod-identity",
            cluster_name=spec.cluster_name,
            namespace=spec.namespace,
            service_account=spec.service_account_name,
            role_arn=self.role_arn,
            tags=spec.tags or None,
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
        )

    def _service_account(
        self, name: str, spec: ControllerSpec, opts: pulumi.ResourceOptions
    ) -> pulumi.CustomResource | None:
        """IRSA: the ServiceAccount annotated with the role ARN (patched, or created). Pod Identity alone: a
        created ServiceAccount carries no annotation, and a patched one is left alone, so a stack moved off
        IRSA releases the annotation it had set."""
        if spec.service_account_mode == "none" or (spec.service_account_mode == "patch" and not spec.uses_irsa):
            return None
        from ack_irsa.components import kubernetes_objects

        account, namespace = spec.service_account_name, spec.namespace
        annotations = {ROLE_ARN_ANNOTATION: self.role_arn} if spec.uses_irsa else None
        if spec.service_account_mode == "patch":
            patch: ObjectMetaPatchArgsDict = {"name": account, "namespace": namespace, "annotations": annotations}
            return kubernetes_objects.service_account_patch(f"{name}-service-account", patch, opts)
        created: ObjectMetaArgsDict = {"name": account, "namespace": namespace, "annotations": annotations}
        return kubernetes_objects.service_account(f"{name}-service-account", created, opts)

    def _release(
        self,
        name: str,
        spec: ControllerSpec,
        association: aws.eks.PodIdentityAssociation | None,
        opts: pulumi.ResourceOptions,
    ) -> pulumi.CustomResource:
        """The controller's Helm release, with the values ack-irsa owns merged over the user's. Its values
        hold the role ARN, which resolves only once every policy is attached: the pods start with working
        credentials, and nothing needs restarting on a first install."""
        from pulumi_kubernetes.helm.v3 import Release

        assert spec.install is not None
        install = spec.install
        restart: dict[str, pulumi.Input[str]] = {RESTART_ANNOTATION: self.role_arn}
        if association is not None:
            restart[ASSOCIATION_ANNOTATION] = association.association_id
        account: dict[str, Any] = {"create": True, "name": spec.service_account_name, "annotations": {}}
        if spec.uses_irsa:
            account["annotations"] = {ROLE_ARN_ANNOTATION: self.role_arn}
        owned: dict[str, Any] = {
            "aws": {"region": _stack_region()},
            "serviceAccount": account,
            "deployment": {"annotations": restart},
        }
        if install.leader_election:
            owned["leaderElection"] = {"enabled": True, "namespace": LEADER_ELECTION_NAMESPACE}
        if install.replicas is not None:
            owned["deployment"]["replicas"] = install.replicas
        if spec.cross_account and spec.cross_account_mode == "iam_role_selector":
            owned |= {"enableCARM": False, "featureGates": {"IAMRoleSelector": True}}
        elif spec.cross_account and spec.carm_service_level:
            owned |= {"featureGates": {"ServiceLevelCARM": True}}
        waits = [association] if association is not None else []
        return Release(
            f"{name}-release",
            name=install.release_name,
            chart=install.chart,
            version=install.version,
            namespace=spec.namespace,
            create_namespace=install.create_namespace,
            values=_merged(install.values, owned),
            opts=opts.merge(pulumi.ResourceOptions(depends_on=waits)),
        )

    def _restart(
        self,
        name: str,
        spec: ControllerSpec,
        association: aws.eks.PodIdentityAssociation | None,
        opts: pulumi.ResourceOptions,
    ) -> None:
        """Roll the controller's pods when what they need changes: credentials are injected only into
        pods created after the annotation or association exists. The annotations' values are the role ARN
        and the association's ID themselves, so a second ``pulumi up`` changes nothing and a new role or
        association restarts exactly once."""
        from ack_irsa.components import kubernetes_objects

        annotations: dict[str, pulumi.Input[str]] = {RESTART_ANNOTATION: self.role_arn}
        if association is not None:
            annotations[ASSOCIATION_ANNOTATION] = association.association_id
        kubernetes_objects.deployment_patch(
            f"{name}-restart",
            {"name": spec.deployment_name, "namespace": spec.namespace},
            {"template": {"metadata": {"annotations": annotations}}},
            opts,
        )


class ControllerIrsa(ControllerIrsaComponent):
    """A least-privilege IAM role for one ACK controller, trusted by exactly its ServiceAccount."""

    role: aws.iam.Role
    role_arn: pulumi.Output[str]
    """ARN of the role; resolves only once every policy is attached, so nothing uses the role early."""
    role_name: pulumi.Output[str]
    service_account_name: pulumi.Output[str]
    namespace: pulumi.Output[str]
    risks: list[dict[str, Any]]
    """Broad grants of the role's policies: ``{"id", "source", "detail", "acknowledged"}`` each."""
    policy: dict[str, Any]
    """Which policy the role has and how it compares: ``{"policy": "recommended"|"derived", ...}``
    (:func:`ack_irsa.components.permissions.policy_facts`)."""
    release: pulumi.CustomResource | None
    """The controller's Helm release, when ``install`` is set."""
    target_roles: dict[str, TargetAccountRole]
    """The roles made in target accounts (``manage_role``), by account ID and role."""
    carm_grants: list[CarmGrant]
    """This controller's targets as a ``RoleAccountMap`` maps them (mode ``carm``, ServiceAccount on the cluster)."""
    cross_account_mode: CrossAccountMode

    def __init__(self, name: str, args: ControllerIrsaArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, args, opts)


# Per program run (its root stack): facts looked up once for every component (the partition for roles of
# Pod Identity alone, whose partition no provider ARN says; the region for charts when aws:region is unset),
# and which ControllerIrsa claims which ServiceAccount where.
_ONCE: weakref.WeakKeyDictionary[Any, dict[str, pulumi.Output[str]]] = weakref.WeakKeyDictionary()


def _once_per_stack(key: str, lookup: Callable[[], pulumi.Output[str]]) -> pulumi.Output[str]:
    root = pulumi.runtime.get_root_resource()
    if root is None:
        return lookup()
    cache = _ONCE.setdefault(root, {})
    if key not in cache:
        cache[key] = lookup()
    return cache[key]


def _stack_partition() -> pulumi.Output[str]:
    return _once_per_stack("partition", lambda: aws.get_partition_output().partition)


def _stack_account() -> pulumi.Output[str]:
    return _once_per_stack("account", lambda: aws.get_caller_identity_output().account_id)


def _selector_spec(service: str, namespaces: Sequence[str], arns: Sequence[str]) -> dict[str, Any]:
    """The selector's spec once the source role has its permissions (``arns[0]``) and the target role's ARN
    (``arns[1]``) is known."""
    return selector_spec(service, arns[1], namespaces)


def _target_key(target: CrossAccountTarget) -> str:
    return f"{target.account_id}{target.role}"


def _assume_policy(spec: ControllerSpec, partition: str, account: str) -> str:
    """The cross-account inline policy, once the stack's partition and account are known; a target in the
    stack's own account, or in another partition, is refused here (before anything is created)."""
    for index, target in enumerate(spec.cross_account):
        if target.account_id == account:
            raise ValueError(
                f"cross_account[{index}].account_id {account} is this stack's own account; a role there needs no "
                "cross-account access (give the controller the permissions itself)"
            )
        if target.partition not in (None, partition):
            raise ValueError(
                f"cross_account[{index}].role_arn is in partition {target.partition!r}, not {partition!r}, the stack's"
            )
    return to_json(assume_policy([t.role_arn(partition) for t in spec.cross_account], spec.uses_pod_identity))


def _counted_together(
    inline: Mapping[str, pulumi.Input[str]], where: str, spec: ControllerSpec
) -> dict[str, pulumi.Input[str]]:
    """The inline policies, each put only once all of them together are within IAM's limit for a role, as IAM
    counts them (the compact JSON each is sent as): the stack's partition and account, and a policy given as an
    Output, are known only now. The spec summed them before, with what it knew."""
    key = "inline_policy" if deploy_time(spec.inline_policy) else "cross_account"  # else it was counted in full

    def check(texts: list[Any]) -> bool:
        limits.check_inline_total([len(str(text)) for text in texts], f"with the {CROSS_ACCOUNT_POLICY_NAME} policy")
        return True

    checked = pulumi.Output.all(*inline.values()).apply(when_resolved(where, key, check))
    return {name: pulumi.Output.all(text, checked).apply(lambda pair: str(pair[0])) for name, text in inline.items()}


def _stack_region() -> pulumi.Output[str]:
    """The stack's region (``aws:region``, else one lookup per stack) for the charts' ``aws.region``."""
    configured = pulumi.Config("aws").get("region")
    if configured:
        return pulumi.Output.from_input(configured)
    return _once_per_stack("region", lambda: aws.get_region_output().region)


def _merged(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` merged into ``base``, map by map (the keys of ``over`` never occur in ``base``: refused)."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


_CLAIMED: weakref.WeakKeyDictionary[Any, dict[tuple[Any, str, str], str]] = weakref.WeakKeyDictionary()


def _claim_service_account(name: str, spec: ControllerSpec, provider: Any) -> None:
    """Two components annotating one ServiceAccount on one cluster would fight over its annotation (the
    stack config refuses this as well). The cluster is told by its ClusterOidcProvider or provider ARN."""
    root = pulumi.runtime.get_root_resource()
    if spec.uses_pod_identity and isinstance(spec.cluster_name, str):
        provider = f"eks:{spec.cluster_name}"  # one association per ServiceAccount of the cluster
    if (
        spec.service_account_mode == "none"
        or root is None
        or not isinstance(provider, ClusterOidcProviderComponent | str)
    ):
        return
    cluster = provider if isinstance(provider, str) else id(provider)
    claims = _CLAIMED.setdefault(root, {})
    other = claims.setdefault((cluster, spec.namespace, spec.service_account_name), name)
    if other != name:
        account = f"{spec.namespace}/{spec.service_account_name}"
        raise ArgsError(
            [
                Problem(
                    "service_account_name",
                    f"{account} on this cluster is annotated by ControllerIrsa {other!r} already; two roles would "
                    "fight over its annotation (give one of them service_account_mode 'none')",
                )
            ]
        )


def _trust_source(
    source: Any, issuer: pulumi.Input[str] | None = None, where: str = "", field: str = "oidc_provider_arn"
) -> pulumi.Output[tuple[str, str]]:
    """(provider ARN, issuer) of a ClusterOidcProvider or of a provider ARN (plain or Output; one known only
    now is checked now, as ``field`` of the component ``where`` names)."""
    if isinstance(source, ClusterOidcProviderComponent):
        return source.trust_source
    arn = pulumi.Output.from_input(source)
    if issuer is None:
        return arn.apply(when_resolved(where, field, lambda value: (value, _provider_issuer(value))))

    def checked(pair: list[Any]) -> tuple[str, str]:
        if not isinstance(pair[1], str):
            raise ValueError(f"oidc_issuer must resolve to an issuer URL, got {shown(pair[1])}")
        if issuer_host(pair[1]) != _provider_issuer(pair[0]):
            raise ValueError(f"oidc_issuer {shown(pair[1])} is not the issuer of oidc_provider_arn {shown(pair[0])}")
        return pair[0], issuer_host(pair[1])

    return pulumi.Output.all(arn, issuer).apply(when_resolved(where, field, checked))


def _provider_issuer(arn: Any) -> str:
    """The issuer an OIDC provider ARN names, the ARN checked first (it may be known only now)."""
    check_oidc_provider_arn(arn)
    return issuer_of_provider_arn(arn)


def _pinned_cluster(spec: ControllerSpec, partition: pulumi.Output[str]) -> pulumi.Output[str | None]:
    """The ARN of the cluster the association is made on, for the Pod Identity trust to pin: the association is
    made with the stack's provider, so the cluster is in the stack's partition, region and account (each
    looked up once per stack where the config does not say it). None for IRSA alone."""
    if not spec.uses_pod_identity:
        return pulumi.Output.from_input(None)
    parts = pulumi.Output.all(partition, _stack_region(), _stack_account(), spec.cluster_name)
    return parts.apply(lambda known: cluster_arn(*known))


def _trust_policy(
    sources: Sequence[tuple[str, str]], cluster: str | None, spec: ControllerSpec, component: pulumi.Resource
) -> str:
    """The trust policy once every provider's ARN and the cluster's ARN are known; what could not be
    checked before is checked now, and the extra providers are judged (warnings, in preview and the plan)."""
    arns = [arn for arn, _ in sources]
    if len(set(arns)) != len(arns):
        raise ValueError(f"extra_oidc_providers lists a provider the role trusts already: {sorted(arns)}")
    if len({partition_of(arn) for arn in arns}) > 1:
        raise ValueError(f"extra_oidc_providers are in another partition than the cluster's provider: {arns}")
    if sources:
        for warning in extra_provider_warnings(sources[0][0], [arn for arn, _ in sources[1:]], spec.subjects):
            pulumi.log.warn(warning, resource=component)
    association = None
    if spec.uses_pod_identity:
        stack_partition = partition_of(str(cluster))
        for index, extra in enumerate(spec.extra_cluster_names):
            if extra.startswith("arn:") and (other := partition_of(extra)) != stack_partition:
                raise ValueError(
                    f"extra_cluster_names[{index}]: {shown(extra)} is in partition {other!r}, the stack's is "
                    f"{stack_partition!r}"
                )
        clusters = (str(cluster), *spec.extra_cluster_names)
        association = TrustedAssociation(spec.namespace, spec.service_account_name, clusters)
    document = trust_policy([TrustedIssuer(arn, issuer, spec.subjects) for arn, issuer in sources], association)
    check_size(policy_size(document), spec.trust_policy_max_chars, "the trust policy", "trust_policy_max_chars")
    return to_json(document)
