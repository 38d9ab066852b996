"""Review without a cloud: the offline run under Pulumi's mocks, the plan, the diff and the guardrails.
May import: ``stack``, ``live``, ``components``, ``spec``, ``catalog``, ``iam``, ``errors``."""
