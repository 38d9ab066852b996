"""Pulumi entry point: the whole stack is built by ``ack_irsa.stack.program`` from the stack config."""

from ack_irsa.stack.program import main, tune_collector

tune_collector()  # after the imports: what they made is never scanned again
main()
