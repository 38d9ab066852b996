// ack-irsa from TypeScript. The SDK is generated into this project by:
//   pulumi package add https://github.com/ack-irsa/ack-irsa/provider@v0.1.0
// which adds `@pulumi/ack-irsa` (a local package under sdks/) and records the plugin in Pulumi.yaml.
import * as pulumi from "@pulumi/pulumi";
import * as ackIrsa from "@pulumi/ack-irsa";

const config = new pulumi.Config();
const clusterName = config.get("clusterName") ?? "dev-eks";

// One OIDC provider per cluster, shared by every controller's role.
const cluster = new ackIrsa.ClusterOidcProvider("cluster", { clusterName });

const s3 = new ackIrsa.ControllerIrsa("s3", {
    service: "s3",
    oidcProviderArn: cluster.arn,
    oidcIssuer: cluster.issuer,
    install: {}, // the chart at the catalog's version, wired to the role
});

const rds = new ackIrsa.ControllerIrsa("rds", {
    service: "rds",
    oidcProviderArn: cluster.arn,
    oidcIssuer: cluster.issuer,
    identity: "both", // IRSA and EKS Pod Identity: the migration step (an enum: the SDK checks the value)
    clusterName,
    maxSessionDuration: 7200,
    crossAccount: [{ accountId: "444455556666", roleName: "ack-rds-from-dev", namespaces: ["team-a"] }],
    crossAccountMode: "iam_role_selector",
});

export const s3RoleArn = s3.roleArn;
export const rdsRoleArn = rds.roleArn;
