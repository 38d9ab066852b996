"""The Pulumi components and the component package's faces; they know nothing of stack config.
May import: ``spec``, ``catalog``, ``iam``, ``errors``, and the Pulumi SDKs."""
