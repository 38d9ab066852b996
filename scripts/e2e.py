"""``make e2e``: the end-to-end suite in a real, disposable AWS account (tests/e2e/).

Without what it needs (the Pulumi CLI, AWS credentials, and ACK_IRSA_E2E_ACCOUNT naming the account of those
credentials, as the confirmation that it is a disposable one) it says what is missing and exits 77, the
conventional "skipped" code: a skip is never reported as a pass.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED = 77

sys.path.insert(0, str(ROOT))

from tests.e2e.scenario import caller_account, missing_prerequisites  # noqa: E402 - after the path is set


def main() -> int:
    missing = missing_prerequisites(os.environ, caller_account)
    if missing:
        print("e2e SKIPPED (not a pass): " + "; ".join(missing), file=sys.stderr)
        return SKIPPED
    env = {**os.environ, "ACK_IRSA_E2E_SUITE": "1"}
    command = [sys.executable, "-m", "pytest", "tests/e2e", "-p", "no:cacheprovider", "-rs", "-s"]
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
