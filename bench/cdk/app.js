// The same ServiceAccounts in the AWS CDK: per cluster an imported cluster and its IAM OIDC provider; per
// controller eks.ServiceAccount (its role trusted by exactly that ServiceAccount, and the ServiceAccount
// manifest), the recommended managed policies and the inline policy. Synthesized to a temporary directory.
const fs = require('fs');
const os = require('os');
const path = require('path');
const cdk = require('aws-cdk-lib');
const eks = require('aws-cdk-lib/aws-eks');
const iam = require('aws-cdk-lib/aws-iam');

// usage: node app.js POLICIES.json CONTROLLERS CLUSTERS (bench/scale.py writes the policies from the catalog)
const [policiesFile, count, clusters] = process.argv.slice(2);
const policies = Object.entries(JSON.parse(fs.readFileSync(policiesFile, 'utf8'))).slice(0, Number(count));
const started = process.hrtime.bigint();
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-'));
const app = new cdk.App({ outdir });
let resources = 0;
for (let c = 0; c < Number(clusters); c++) {
  const stack = new cdk.Stack(app, `cluster-${c}`, { env: { account: '111122223333', region: 'us-west-2' } });
  const provider = new eks.OpenIdConnectProvider(stack, 'provider', {
    url: `https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE${c}`,
  });
  const cluster = eks.Cluster.fromClusterAttributes(stack, 'cluster', {
    clusterName: `cluster-${c}`,
    openIdConnectProvider: provider,
    kubectlRoleArn: 'arn:aws:iam::111122223333:role/kubectl',
  });
  for (const [service, policy] of policies) {
    const account = new eks.ServiceAccount(stack, service, {
      cluster, name: `ack-${service}-controller`, namespace: 'ack-system',
    });
    for (const name of policy.managed) account.role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName(name));
    if (policy.inline) {
      account.role.attachInlinePolicy(new iam.Policy(stack, `${service}-inline`, {
        document: iam.PolicyDocument.fromJson(policy.inline),
      }));
    }
  }
}
const assembly = app.synth();
for (const stack of assembly.stacks) resources += Object.keys(stack.template.Resources || {}).length;
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
fs.rmSync(outdir, { recursive: true, force: true });
console.log(JSON.stringify({ program_s: seconds, resources }));
