"""The Kubernetes side of verify (the official client, read-only): ServiceAccounts, pods, releases and the
cross-account objects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ack_irsa.components.controller import ROLE_ARN_ANNOTATION
from ack_irsa.iam.accounts import (
    CARM_CONFIG_MAP,
    OWNER_ACCOUNT_ANNOTATION,
    SELECTOR_API_VERSION,
    CrossAccountTarget,
    api_group,
    carm_key,
)
from ack_irsa.iam.trust import (
    AGENT_ADDON,
)
from ack_irsa.live.report import Check
from ack_irsa.spec.controller import ControllerSpec

TOKEN_FILE = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"
POD_IDENTITY_ENV = ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
"""What the EKS webhook injects into a pod whose ServiceAccount has a Pod Identity association."""


# --- Kubernetes ---------------------------------------------------------------------------------------


class Kubernetes:
    """The Kubernetes side. ``core`` and ``apps`` are the client's CoreV1Api and AppsV1Api."""

    def __init__(
        self,
        core: Any,
        apps: Any,
        api_exception: type[Exception],
        unreachable: tuple[type[Exception], ...],
        custom: Any = None,
    ) -> None:
        self.core, self.apps, self.api_exception, self.custom = core, apps, api_exception, custom
        self.unreachable = unreachable
        """Errors that mean the API server could not answer (connection, authentication)."""

    def cross_account(self, spec: ControllerSpec, target: CrossAccountTarget, role_arn: str) -> Check:
        """The controller is told to use the target role for the target's namespaces: CARM's ConfigMap entry and
        namespace annotations, or an IAMRoleSelector."""
        name = f"cross-account-map {target.account_id}"
        if spec.cross_account_mode == "iam_role_selector":
            return self._role_selector(name, spec, target, role_arn)
        key = carm_key(spec.controller.service, target.account_id, spec.carm_service_level)
        where = f"{spec.namespace}/{CARM_CONFIG_MAP}"
        try:
            data = self.core.read_namespaced_config_map(CARM_CONFIG_MAP, spec.namespace).data or {}
        except self.api_exception as error:
            if getattr(error, "status", None) == 404:
                return Check(name, "fail", f"no ConfigMap {where}", "pulumi up the stack (RoleAccountMap)")
            raise
        if data.get(key) != role_arn:
            detail = f"{where} maps {key} to {data.get(key) or 'nothing'}, not {role_arn}"
            return Check(name, "fail", detail, "pulumi up the stack (RoleAccountMap)")
        wrong = []
        for namespace in target.namespaces:
            try:
                annotations = self.core.read_namespace(namespace).metadata.annotations or {}
            except self.api_exception as error:
                if getattr(error, "status", None) != 404:
                    raise
                annotations = {OWNER_ACCOUNT_ANNOTATION: "(no such namespace)"}
            if annotations.get(OWNER_ACCOUNT_ANNOTATION) != target.account_id:
                wrong.append(f"{namespace} ({annotations.get(OWNER_ACCOUNT_ANNOTATION) or 'not annotated'})")
        if wrong:
            detail = f"namespaces not owned by {target.account_id}: {', '.join(wrong)}"
            return Check(name, "fail", detail, "create the namespaces, then pulumi up the stack")
        namespaces = ", ".join(target.namespaces)
        return Check(name, "pass", f"{where} maps {key} to {role_arn}; {namespaces} owned by {target.account_id}")

    def _role_selector(self, name: str, spec: ControllerSpec, target: CrossAccountTarget, role_arn: str) -> Check:
        group = api_group(spec.controller.service)
        try:
            listed = self.custom.list_cluster_custom_object(*SELECTOR_API_VERSION.split("/"), "iamroleselectors")
        except self.api_exception as error:
            if getattr(error, "status", None) == 404:
                fix = "install ACK's IAMRoleSelector CRD (the controller's chart has it), then pulumi up the stack"
                return Check(name, "fail", "the cluster has no IAMRoleSelector resource", fix)
            raise
        for item in listed.get("items", []):
            found = item.get("spec", {})
            names = set((found.get("namespaceSelector") or {}).get("names") or [])
            groups = {selector.get("group") for selector in found.get("resourceTypeSelector") or []}
            if found.get("arn") == role_arn and names == set(target.namespaces) and group in groups:
                selector = item.get("metadata", {}).get("name")
                return Check(
                    name,
                    "pass",
                    f"IAMRoleSelector {selector} sends {group} in {', '.join(sorted(names))} to {role_arn}",
                )
        detail = f"no IAMRoleSelector sends {group} in {', '.join(target.namespaces)} to {role_arn}"
        return Check(name, "fail", detail, "pulumi up the stack")

    def service_account(self, spec: ControllerSpec, role_arn: str) -> tuple[Check, datetime | None]:
        where = f"{spec.namespace}/{spec.service_account_name}"
        try:
            account = self.core.read_namespaced_service_account(spec.service_account_name, spec.namespace)
        except self.api_exception as error:
            if getattr(error, "status", None) == 404:
                fix = "install the controller's chart, or set serviceAccountMode: create"
                return Check("service-account", "fail", f"no ServiceAccount {where}", fix), None
            raise
        annotation = (account.metadata.annotations or {}).get(ROLE_ARN_ANNOTATION)
        if not spec.uses_irsa:  # Pod Identity alone: an IRSA annotation left behind is the trap of ACK issue 2678
            if annotation is None:
                return Check("service-account", "pass", f"{where} exists; Pod Identity needs no annotation"), None
            detail = (
                f"{where} is still annotated for IRSA ({annotation}), but it has a Pod Identity association: the "
                "EKS webhook injects Pod Identity only, so the association's role is the one in use"
            )
            account_ref = f"serviceaccount {spec.service_account_name}"
            fix = f"kubectl -n {spec.namespace} annotate {account_ref} {ROLE_ARN_ANNOTATION}-"
            return Check("service-account", "warn", detail, fix), None
        if annotation is None:
            return Check(
                "service-account", "fail", f"{where} has no {ROLE_ARN_ANNOTATION} annotation", "pulumi up the stack"
            ), None
        if annotation != role_arn:
            detail = f"{where} is annotated with {annotation}, not {role_arn}"
            return Check("service-account", "fail", detail, "pulumi up the stack"), None
        return Check("service-account", "pass", f"{where} is annotated with {role_arn}"), _annotated_at(account)

    def release(self, spec: ControllerSpec) -> list[Check]:
        """An installed controller: its Helm release is deployed (the release Secret Helm keeps on the cluster),
        its Deployment has its replicas available, and runs the expected chart version."""
        assert spec.install is not None
        install, namespace = spec.install, spec.namespace
        secrets = self.core.list_namespaced_secret(
            namespace, label_selector=f"owner=helm,name={install.release_name}"
        ).items
        latest = max(secrets, key=lambda s: int(s.metadata.labels.get("version", "0")), default=None)
        where = f"{namespace}/{install.release_name}"
        if latest is None:
            release = Check("helm-release", "fail", f"no Helm release {where}", "pulumi up the stack (install)")
        elif (status := latest.metadata.labels.get("status")) != "deployed":
            fix = f"helm -n {namespace} history {install.release_name}"
            release = Check("helm-release", "fail", f"the Helm release {where} is {status}", fix)
        else:
            release = Check("helm-release", "pass", f"the Helm release {where} is deployed")
        try:
            deployment = self.apps.read_namespaced_deployment(spec.deployment_name, namespace)
        except self.api_exception as error:
            if getattr(error, "status", None) != 404:
                raise
            return [release, Check("deployment", "fail", f"no Deployment {namespace}/{spec.deployment_name}", "")]
        wanted, available = deployment.spec.replicas or 0, deployment.status.available_replicas or 0
        chart = (deployment.metadata.labels or {}).get("helm.sh/chart", "")
        expected = f"{install.chart.rsplit('/', 1)[-1]}-{install.version}"
        name = f"{namespace}/{spec.deployment_name}"
        if chart != expected:
            fix = "pulumi up the stack; after a version change, apply the new chart's CRDs first"
            return [
                release,
                Check("deployment", "fail", f"{name} runs chart {chart or 'unknown'}, not {expected}", fix),
            ]
        if available < wanted or wanted == 0:
            fix = f"kubectl -n {namespace} describe deployment {spec.deployment_name}"
            return [release, Check("deployment", "fail", f"{name} has {available} of {wanted} replicas available", fix)]
        return [release, Check("deployment", "pass", f"{name} runs {expected} with {available} of {wanted} replicas")]

    def pods(self, spec: ControllerSpec, role_arn: str, annotated_at: datetime | None) -> Check:
        pods, source = self._controller_pods(spec)
        if not pods:
            return Check("pods", "fail", f"no pods of {source}", "is the controller installed and running?")
        if spec.uses_pod_identity:
            return _pod_identity_pods(spec, pods, source, role_arn)
        problems = [p for pod in pods if (p := _pod_problem(pod, role_arn, annotated_at))]
        if problems:
            restart = f"kubectl -n {spec.namespace} rollout restart deployment/{spec.deployment_name or '<name>'}"
            needs_restart = any("restart needed" in p for p in problems)
            return Check("pods", "fail", "; ".join(problems), restart if needs_restart else _FIX_WEBHOOK)
        return Check(
            "pods", "pass", f"{len(pods)} running pod(s) of {source} carry AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE"
        )

    def agent_daemon_set(self) -> Check:
        """The Pod Identity agent, where it runs without the EKS add-on (EKS Auto Mode, a Helm install)."""
        try:
            daemon_set = self.apps.read_namespaced_daemon_set(AGENT_ADDON, "kube-system")
        except self.api_exception as error:
            if getattr(error, "status", None) != 404:
                raise
            fix = f"install it (ack-irsa:podIdentityAgent: install, or aws eks create-addon --addon-name {AGENT_ADDON})"
            return Check("pod-identity-agent", "fail", f"no {AGENT_ADDON} add-on or DaemonSet on the cluster", fix)
        ready, wanted = daemon_set.status.number_ready or 0, daemon_set.status.desired_number_scheduled or 0
        if ready < wanted or wanted == 0:
            return Check(
                "pod-identity-agent",
                "fail",
                f"{AGENT_ADDON} is ready on {ready} of {wanted} nodes",
                "kubectl -n kube-system describe daemonset eks-pod-identity-agent",
            )
        return Check("pod-identity-agent", "pass", f"{AGENT_ADDON} is ready on {ready} of {wanted} nodes")

    def _controller_pods(self, spec: ControllerSpec) -> tuple[list[Any], str]:
        if spec.deployment_name:
            try:
                deployment = self.apps.read_namespaced_deployment(spec.deployment_name, spec.namespace)
            except self.api_exception as error:
                if getattr(error, "status", None) != 404:
                    raise
            else:
                labels = deployment.spec.selector.match_labels or {}
                selector = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
                pods = self.core.list_namespaced_pod(spec.namespace, label_selector=selector).items
                return pods, f"Deployment {spec.namespace}/{spec.deployment_name}"
        pods = self.core.list_namespaced_pod(spec.namespace).items
        mine = [p for p in pods if p.spec.service_account_name == spec.service_account_name]
        return mine, f"ServiceAccount {spec.namespace}/{spec.service_account_name}"


def _identity_of(pod: Any) -> dict[str, str]:
    """Container name → how it gets credentials: ``pod-identity``, ``irsa <role ARN>`` or ``none``."""
    found = {}
    for container in pod.spec.containers:
        env = {e.name: e.value for e in container.env or []}
        if all(env.get(name) for name in POD_IDENTITY_ENV):
            found[container.name] = "pod-identity"
        elif env.get("AWS_ROLE_ARN"):
            found[container.name] = f"irsa {env['AWS_ROLE_ARN']}"
        else:
            found[container.name] = "none"
    return found


def _pod_identity_pods(spec: ControllerSpec, pods: list[Any], source: str, role_arn: str) -> Check:
    """Which identity each pod actually runs with. Pod Identity alone: every pod on Pod Identity; both: a
    pod still on IRSA (with the role) was not restarted since the association, which is fine mid-migration."""
    on: dict[str, list[str]] = {"pod-identity": [], "irsa": [], "wrong": []}
    for pod in pods:
        if pod.status.phase != "Running":
            on["wrong"].append(f"{pod.metadata.name} is {pod.status.phase}")
            continue
        identities = set(_identity_of(pod).values())
        if identities == {"pod-identity"}:
            on["pod-identity"].append(pod.metadata.name)
        elif identities == {f"irsa {role_arn}"} and spec.uses_irsa:
            on["irsa"].append(pod.metadata.name)
        elif any(i.startswith("irsa") for i in identities):
            on["wrong"].append(f"{pod.metadata.name}: restart needed (it runs on IRSA, not Pod Identity)")
        else:
            on["wrong"].append(f"{pod.metadata.name}: {' and '.join(POD_IDENTITY_ENV)} missing")
    counts = f"{len(on['pod-identity'])} pod(s) of {source} run on Pod Identity"
    if on["irsa"]:
        counts += f", {len(on['irsa'])} still on IRSA (not restarted since the association: {', '.join(on['irsa'])})"
    if on["wrong"]:
        needs_restart = any("restart needed" in p for p in on["wrong"])
        restart = f"kubectl -n {spec.namespace} rollout restart deployment/{spec.deployment_name or '<name>'}"
        fix = restart if needs_restart else "is the eks-pod-identity-agent running? check the pod's serviceAccountName"
        return Check("pods", "fail", f"{counts}; {'; '.join(on['wrong'])}", fix)
    return Check("pods", "pass", counts)


def _annotated_at(account: Any) -> datetime | None:
    """When the role-arn annotation was last set, from the fields' managers (None when unrecorded)."""
    field_key = f"f:{ROLE_ARN_ANNOTATION}"
    times = [
        entry.time
        for entry in account.metadata.managed_fields or []
        if entry.time and field_key in (entry.fields_v1 or {}).get("f:metadata", {}).get("f:annotations", {})
    ]
    return max(times) if times else None


def _pod_problem(pod: Any, role_arn: str, annotated_at: datetime | None) -> str | None:
    name = pod.metadata.name
    if pod.status.phase != "Running":
        return f"{name} is {pod.status.phase}"
    for container in pod.spec.containers:
        env = {e.name: e.value for e in container.env or []}
        if env.get("AWS_ROLE_ARN") == role_arn and env.get("AWS_WEB_IDENTITY_TOKEN_FILE") == TOKEN_FILE:
            continue
        created = pod.metadata.creation_timestamp
        if env.get("AWS_ROLE_ARN") not in (None, role_arn):
            return f"{name}: restart needed (it runs with {env['AWS_ROLE_ARN']})"
        if annotated_at is not None and created is not None and created < annotated_at:
            return f"{name}: restart needed (created before the ServiceAccount was annotated)"
        return f"{name}/{container.name}: AWS_ROLE_ARN or AWS_WEB_IDENTITY_TOKEN_FILE missing"
    return None


_FIX_KUBECONFIG = "check --kubeconfig and --context, and that your credentials may read the namespace"
_FIX_WEBHOOK = "the EKS pod identity webhook did not inject credentials: check the pod's serviceAccountName"
