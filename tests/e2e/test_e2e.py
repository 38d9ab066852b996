"""The whole job in a real, disposable AWS account, with Pulumi's Automation API: ``make e2e``.

1. a pulumi-eks cluster (or the existing one in ``ACK_IRSA_E2E_CLUSTER``);
2. an ack-irsa stack that installs the controllers (``install: true``), each with its identity;
3. the controller's Deployment available, then an ACK ``Bucket`` synced (``ACK.ResourceSynced``);
4. the bucket exists, seen with boto3;
5. ``ack-irsa verify`` passes;
6. a second ``pulumi up`` changes nothing;
7. the custom resource deleted, the stack destroyed, and nothing of it left (the OIDC provider stays);
8. with ``ACK_IRSA_E2E_IDENTITY=podIdentity``, the migration ``irsa`` → ``both`` → ``podIdentity``, the
   bucket syncing at each step;
9. the derived-policy scenario: the s3 controller with ``policy: derived`` for ``Bucket``, its role holding
   the derived document alone (no AmazonS3FullAccess), and a Bucket synced with it.
10. the managed capability (``ack-irsa:capability``): a ``Bucket`` selected and synced through the capability and
   its s3 selected role, ``verify --stack`` passing, then a clean destroy (the capability gone, no role left).
11. the move from Helm to the capability: the s3 controller installed, then ``handover`` ``prepare`` →
   ``create`` → ``handOver`` → ``finish``, one ``pulumi up`` each; at every step the Bucket's tags are changed and
   seen in S3 (whoever holds the lease reconciles it), and ``verify`` passes (the lease held by the side the step
   says).

Clean-up runs whatever fails, and prints what it left behind. Costs: an EKS cluster hour and two small nodes
when the suite creates its cluster (about 25 minutes in all); about 10 minutes on an existing cluster.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from .scenario import (
    DERIVED_KINDS,
    HANDOVER_STEPS,
    Settings,
    available,
    bucket_manifest,
    caller_account,
    capability_config,
    capability_leftovers,
    controller_entries,
    derived_policy_problems,
    handover_config,
    leftovers,
    missing_prerequisites,
    selected_and_synced,
    step_tag,
    synced,
    tagged,
    wait_for,
)

ROOT = Path(__file__).resolve().parents[2]
MISSING = missing_prerequisites(os.environ, caller_account)
if MISSING:
    pytest.skip("the end-to-end suite needs: " + "; ".join(MISSING), allow_module_level=True)

SETTINGS = Settings.from_env(os.environ)
NAMESPACE = "ack-system"


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """The cluster: the existing one named, or one made for the run and destroyed after it."""
    if SETTINGS.cluster:
        yield SETTINGS.cluster
        return
    from pulumi import automation as auto

    def program() -> None:
        import pulumi
        import pulumi_eks as eks

        made = eks.Cluster("e2e", create_oidc_provider=True, desired_capacity=2, min_size=2, max_size=2)
        pulumi.export("name", made.eks_cluster.name)

    stack = auto.create_or_select_stack(f"e2e-cluster-{SETTINGS.run_id}", project_name="ack-irsa-e2e", program=program)
    stack.set_config("aws:region", auto.ConfigValue(SETTINGS.region))
    try:
        yield str(stack.up(on_output=print).outputs["name"].value)
    finally:
        _destroy(stack)


def _destroy(stack: Any, attempts: int = 3) -> None:
    for attempt in range(attempts):
        try:
            stack.destroy(on_output=print)
            stack.workspace.remove_stack(stack.name)
            return
        except Exception as error:  # a destroy that races a deletion is retried
            print(f"destroy attempt {attempt + 1} failed: {error}", file=sys.stderr)
    print(f"LEFT BEHIND: stack {stack.name} could not be destroyed", file=sys.stderr)


def _ack_stack(cluster: str, identity: str, policy: str = "recommended") -> Any:
    from pulumi import automation as auto

    suffix = "" if policy == "recommended" else f"-{policy}"
    stack = auto.create_or_select_stack(f"e2e-{SETTINGS.run_id}{suffix}", work_dir=str(ROOT))
    config = {
        "aws:region": SETTINGS.region,
        "ack-irsa:clusterName": cluster,
        "ack-irsa:identity": identity,
        "ack-irsa:install": "true",
        "ack-irsa:tags": json.dumps(SETTINGS.tags),
        "ack-irsa:controllers": json.dumps(controller_entries(SETTINGS.controllers, policy)),
    }
    if identity != "irsa":
        config["ack-irsa:podIdentityAgent"] = "install"
    stack.set_all_config({k: auto.ConfigValue(v) for k, v in config.items()})
    return stack


def _kubernetes(cluster: str) -> Any:
    """A client for the cluster, from ``aws eks update-kubeconfig`` into a file of the run's own."""
    from kubernetes import config

    path = ROOT / f".e2e-kubeconfig-{SETTINGS.run_id}"
    subprocess.run(
        ["aws", "eks", "update-kubeconfig", "--name", cluster, "--region", SETTINGS.region, "--kubeconfig", str(path)],
        check=True,
    )
    return config.new_client_from_config(config_file=str(path))


def _bucket_synced(api: Any, name: str) -> dict[str, Any]:
    from kubernetes import client

    custom = client.CustomObjectsApi(api)

    def bucket() -> dict[str, Any]:
        found = custom.get_namespaced_custom_object("s3.services.k8s.aws", "v1alpha1", NAMESPACE, "buckets", name)
        return cast(dict[str, Any], found)

    return wait_for(bucket, synced, f"Bucket {name} synced", timeout=300)


def _deployment_available(api: Any) -> None:
    from kubernetes import client

    apps = client.AppsV1Api(api)
    deployment = "ack-s3-controller-s3-chart"
    wait_for(
        lambda: apps.read_namespaced_deployment(deployment, NAMESPACE).to_dict(),
        lambda d: available(
            {"spec": d["spec"], "status": {"availableReplicas": d["status"]["available_replicas"] or 0}}
        ),
        f"Deployment {deployment} available",
        timeout=600,
    )


def _cleaned_up(stack: Any, custom: Any, bucket: str, cluster: str) -> list[str]:
    """The Bucket deleted (it may not exist if the run failed early), the stack destroyed, and what is left of the
    run's roles, attachments and associations, printed."""
    import boto3

    try:
        custom.delete_namespaced_custom_object("s3.services.k8s.aws", "v1alpha1", NAMESPACE, "buckets", bucket)
    except Exception as error:
        print(f"deleting the Bucket: {error}", file=sys.stderr)
    _destroy(stack)
    left = leftovers(boto3.client("iam"), boto3.client("eks", region_name=SETTINGS.region), SETTINGS.tags, cluster)
    print("LEFT BEHIND:\n" + "\n".join(left) if left else "nothing left behind", file=sys.stderr)
    return left


def test_the_whole_job(cluster: str) -> None:
    import boto3
    from kubernetes import client

    identities = ["irsa", "both", "podIdentity"] if SETTINGS.identity == "podIdentity" else [SETTINGS.identity]
    stack = _ack_stack(cluster, identities[0])
    api = _kubernetes(cluster)
    custom = client.CustomObjectsApi(api)
    try:
        stack.up(on_output=print)
        apps = client.AppsV1Api(api)
        deployment = "ack-s3-controller-s3-chart"
        wait_for(
            lambda: apps.read_namespaced_deployment(deployment, NAMESPACE).to_dict(),
            lambda d: available(
                {"spec": d["spec"], "status": {"availableReplicas": d["status"]["available_replicas"] or 0}}
            ),
            f"Deployment {deployment} available",
            timeout=600,
        )
        manifest = bucket_manifest(SETTINGS.bucket, NAMESPACE)
        custom.create_namespaced_custom_object("s3.services.k8s.aws", "v1alpha1", NAMESPACE, "buckets", manifest)
        _bucket_synced(api, SETTINGS.bucket)
        boto3.client("s3", region_name=SETTINGS.region).head_bucket(Bucket=SETTINGS.bucket)
        verified = subprocess.run(
            [
                sys.executable,
                "-m",
                "ack_irsa",
                "verify",
                "--cluster",
                cluster,
                "--service",
                "s3",
                "--region",
                SETTINGS.region,
            ],
            check=False,
        )
        assert verified.returncode == 0
        assert stack.up(expect_no_changes=True, on_output=print) is not None  # a second up changes nothing
        for identity in identities[1:]:  # the migration, the bucket syncing at each step
            stack = _ack_stack(cluster, identity)
            stack.up(on_output=print)
            _bucket_synced(api, SETTINGS.bucket)
    finally:
        left = _cleaned_up(stack, custom, SETTINGS.bucket, cluster)
    assert left == []


def test_a_bucket_syncs_on_the_derived_policy(cluster: str) -> None:
    """The s3 controller with ``policy: derived``: its role has the derived document alone, and it syncs."""
    import boto3
    from kubernetes import client

    from ack_irsa.catalog import derived

    stack = _ack_stack(cluster, "irsa", policy="derived")
    api = _kubernetes(cluster)
    custom = client.CustomObjectsApi(api)
    name = f"{SETTINGS.bucket}-derived"
    left = ["not run"]
    try:
        outputs = stack.up(on_output=print).outputs
        role_arn = outputs["controllers"].value["s3"]["roleArn"]
        iam = boto3.client("iam")
        expected = derived.derive("s3", list(DERIVED_KINDS), (), role_arn.split(":")[1]).document
        assert derived_policy_problems(iam, role_arn.rsplit("/", 1)[-1], expected) == []
        _deployment_available(api)
        manifest = bucket_manifest(name, NAMESPACE)
        custom.create_namespaced_custom_object("s3.services.k8s.aws", "v1alpha1", NAMESPACE, "buckets", manifest)
        _bucket_synced(api, name)
        boto3.client("s3", region_name=SETTINGS.region).head_bucket(Bucket=name)
    finally:
        try:
            custom.delete_namespaced_custom_object("s3.services.k8s.aws", "v1alpha1", NAMESPACE, "buckets", name)
        except Exception as error:  # it may not exist if the run failed early
            print(f"deleting the Bucket: {error}", file=sys.stderr)
        _destroy(stack)
        left = leftovers(boto3.client("iam"), boto3.client("eks", region_name=SETTINGS.region), SETTINGS.tags, cluster)
        print("LEFT BEHIND:\n" + "\n".join(left) if left else "nothing left behind", file=sys.stderr)
    assert left == []


def test_the_managed_capability(cluster: str) -> None:
    """ACK as the EKS capability: nothing installed with Helm; the bucket is handled with its selected role."""
    import boto3
    from kubernetes import client
    from pulumi import automation as auto

    namespace = "ack-e2e"
    stack = auto.create_or_select_stack(f"e2e-capability-{SETTINGS.run_id}", work_dir=str(ROOT))
    settings = capability_config(SETTINGS, cluster, namespace)
    stack.set_all_config({k: auto.ConfigValue(v) for k, v in settings.items()})
    api = _kubernetes(cluster)
    custom, core = client.CustomObjectsApi(api), client.CoreV1Api(api)
    name = f"{SETTINGS.bucket}-cap"
    try:
        outputs = stack.up(on_output=print).outputs
        core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=namespace)))
        manifest = bucket_manifest(name, namespace)
        custom.create_namespaced_custom_object("s3.services.k8s.aws", "v1alpha1", namespace, "buckets", manifest)

        def bucket() -> dict[str, Any]:
            found = custom.get_namespaced_custom_object("s3.services.k8s.aws", "v1alpha1", namespace, "buckets", name)
            return cast(dict[str, Any], found)

        wait_for(bucket, selected_and_synced, f"Bucket {name} selected and synced", timeout=600)
        boto3.client("s3", region_name=SETTINGS.region).head_bucket(Bucket=name)
        assert outputs["controllers"].value["s3"]["roleArn"].startswith("arn:")
        assert stack.up(expect_no_changes=True, on_output=print) is not None
    finally:
        try:
            custom.delete_namespaced_custom_object("s3.services.k8s.aws", "v1alpha1", namespace, "buckets", name)
        except Exception as error:  # it may not exist if the run failed early
            print(f"deleting the Bucket: {error}", file=sys.stderr)
        _destroy(stack)
        eks_client = boto3.client("eks", region_name=SETTINGS.region)
        capability = json.loads(settings["ack-irsa:capability"])["name"]
        left = leftovers(boto3.client("iam"), eks_client, SETTINGS.tags, cluster)
        left += capability_leftovers(eks_client, cluster, capability)
        print("LEFT BEHIND:\n" + "\n".join(left) if left else "nothing left behind", file=sys.stderr)
    assert left == []


def test_the_move_from_helm_to_the_capability(cluster: str) -> None:
    """Each step one ``pulumi up``; the Bucket keeps syncing throughout, and ``verify`` agrees with the step."""
    import boto3
    from kubernetes import client
    from pulumi import automation as auto

    stack = auto.create_or_select_stack(f"e2e-handover-{SETTINGS.run_id}", work_dir=str(ROOT))
    api = _kubernetes(cluster)
    custom = client.CustomObjectsApi(api)
    s3 = boto3.client("s3", region_name=SETTINGS.region)
    name = f"{SETTINGS.bucket}-ho"
    group = ("s3.services.k8s.aws", "v1alpha1", NAMESPACE, "buckets")
    try:
        for step in ("helm", *HANDOVER_STEPS):
            settings = handover_config(SETTINGS, cluster, step)
            stack.set_all_config({k: auto.ConfigValue(v) for k, v in settings.items()})
            stack.up(on_output=print)
            if step == "helm":
                _deployment_available(api)
                custom.create_namespaced_custom_object(*group, bucket_manifest(name, NAMESPACE))
            custom.patch_namespaced_custom_object(*group, name, step_tag(step))
            wait_for(
                lambda: s3.get_bucket_tagging(Bucket=name),
                functools.partial(tagged, step=step),
                f"{name} tagged {step}",
                timeout=600,
            )
            if step != "helm":
                stack_file = ROOT / "stacks" / f"Pulumi.e2e-handover-{SETTINGS.run_id}.yaml"
                stack_file.write_text(json.dumps({"config": settings}))
                try:
                    verified = subprocess.run(
                        [
                            sys.executable,
                            "-m",
                            "ack_irsa",
                            "verify",
                            "--stack",
                            stack_file.stem.removeprefix("Pulumi."),
                        ],
                        cwd=ROOT,
                        check=False,
                    )
                finally:
                    stack_file.unlink()
                assert verified.returncode == 0, f"verify at {step}"
    finally:
        left = _cleaned_up(stack, custom, name, cluster)
    assert left == []
