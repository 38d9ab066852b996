"""An EKS cluster built with pulumi-eks, ACK controllers installed with Helm, each with its own role.

The cluster's own OIDC provider (``create_oidc_provider=True``) is the one every role trusts, so no
ClusterOidcProvider is needed: ControllerIrsa takes the provider ARN and issuer from the cluster.
ack-irsa creates each controller's annotated ServiceAccount before its chart is installed (with
``serviceAccount.create=false``), so the controller's first pods already get credentials and no
restart is needed.
"""

import pulumi
import pulumi_eks as eks
import pulumi_kubernetes as k8s

from ack_irsa import ControllerIrsa, catalog

NAMESPACE = "ack-system"
SERVICES = ("s3", "dynamodb")

region = pulumi.Config("aws").get("region") or "us-west-2"
cluster = eks.Cluster("ack", create_oidc_provider=True)
kubernetes = k8s.Provider("ack-k8s", kubeconfig=cluster.kubeconfig_json)
namespace = k8s.core.v1.Namespace(
    NAMESPACE, metadata={"name": NAMESPACE}, opts=pulumi.ResourceOptions(provider=kubernetes)
)

for service in SERVICES:
    controller = catalog.get(service)
    irsa = ControllerIrsa(
        service,
        {
            "service": service,
            "oidc_provider_arn": cluster.oidc_provider_arn,
            "oidc_issuer": cluster.oidc_issuer,
            "namespace": NAMESPACE,
            "service_account_mode": "create",
            "deployment_name": "",  # the chart starts after the ServiceAccount exists
        },
        pulumi.ResourceOptions(providers=[kubernetes], depends_on=[namespace]),
    )
    k8s.helm.v3.Release(
        controller.release_name,
        name=controller.release_name,
        chart=f"oci://public.ecr.aws/aws-controllers-k8s/{controller.chart_name}",
        version=controller.chart_version,
        namespace=NAMESPACE,
        values={
            "aws": {"region": region},
            "serviceAccount": {"create": False, "name": controller.service_account_name},
        },
        opts=pulumi.ResourceOptions(provider=kubernetes, depends_on=[irsa]),
    )
    pulumi.export(f"{service}RoleArn", irsa.role_arn)

pulumi.export("kubeconfig", pulumi.Output.secret(cluster.kubeconfig_json))
