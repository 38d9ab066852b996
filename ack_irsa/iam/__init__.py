"""IAM's vocabulary, pure: ARNs, the policy grammar, trust and cross-account documents, limits and risks.
May import: ``errors``; no Pulumi."""
