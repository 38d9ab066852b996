"""Pulumi entry point: the whole stack is built by ``ack_irsa.program`` from the stack config."""

from ack_irsa.program import main, tune_collector

tune_collector()  # after the imports: what they made is never scanned again
main()
