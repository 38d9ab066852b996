"""``python -m ack_irsa``: the commands for people (catalog, render, diff, verify)."""

import sys

from ack_irsa.commands import main

sys.exit(main(prog="python -m ack_irsa"))
