"""An EKS cluster built with pulumi-eks, and ACK controllers installed on it, each with its own role.

One ``pulumi up`` goes from nothing to working controllers. The cluster's own OIDC provider
(``create_oidc_provider=True``) is the one every role trusts, so no ClusterOidcProvider is needed:
ControllerIrsa takes the provider ARN and issuer from the cluster, and installs each controller's ACK Helm
chart (``install``) wired to its role. The release waits for the role's permissions, so the controller's
first pods already get credentials.
"""

import pulumi
import pulumi_eks as eks
import pulumi_kubernetes as k8s

from ack_irsa import ControllerIrsa

SERVICES = ("s3", "dynamodb")

cluster = eks.Cluster("ack", create_oidc_provider=True)
kubernetes = k8s.Provider("ack-k8s", kubeconfig=cluster.kubeconfig_json)

for service in SERVICES:
    irsa = ControllerIrsa(
        service,
        {
            "service": service,
            "oidc_provider_arn": cluster.oidc_provider_arn,
            "oidc_issuer": cluster.oidc_issuer,
            "install": True,  # the chart at the version pinned in the catalog; the namespace is created
        },
        pulumi.ResourceOptions(providers=[kubernetes]),
    )
    pulumi.export(f"{service}RoleArn", irsa.role_arn)

pulumi.export("kubeconfig", pulumi.Output.secret(cluster.kubeconfig_json))
