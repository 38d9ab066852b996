"""Read-only checks of a live account (boto3) and cluster (the Kubernetes client): ``ack-irsa verify``.
May import: ``components``, ``spec``, ``catalog``, ``iam``, ``errors``."""
