"""Entry point of the component package: host ack-irsa's components for the Pulumi engine.

The repository root holds the ``ack_irsa`` package; it is put first on the path so that the plugin runs the
code of the very revision ``pulumi package add`` checked out.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ack_irsa.components.package import host

if __name__ == "__main__":
    host()
