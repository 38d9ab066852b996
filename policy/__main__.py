"""The ack-irsa guardrails as a Pulumi CrossGuard policy pack: ``pulumi preview --policy-pack policy/``.

The policies are built from ``ack_irsa.review.guardrails.RULES``; ``ack-irsa check`` runs the same validate
functions over an offline plan, so a fork or a laptop gets the verdict the pack would give.
"""

from pulumi_policy import EnforcementLevel, PolicyPack

from ack_irsa.review.guardrails import pack_policies

PolicyPack(name="ack-irsa-guardrails", policies=pack_policies(), enforcement_level=EnforcementLevel.MANDATORY)
