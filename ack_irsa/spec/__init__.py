"""Component arguments resolved into checked, defaulted specs, every problem at once; no Pulumi.
May import: ``catalog``, ``iam``, ``errors``."""
