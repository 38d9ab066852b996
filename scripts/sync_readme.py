"""Write the generated references: the stack config into README.md (between its markers), and the
Python API's arguments into docs/api.md.

python scripts/sync_readme.py          # rewrite both
python scripts/sync_readme.py --check  # exit 1 when either is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ack_irsa.stack.config import reference

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
API = ROOT / "docs" / "api.md"
START, END = "<!-- config-reference:start -->", "<!-- config-reference:end -->"


def synced(text: str) -> str:
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    return f"{before}{START}\n{reference()}{END}{after}"


def api() -> str:
    from ack_irsa.components import apidoc
    from ack_irsa.components.capability import AckCapabilityArgs, CapabilityControllerArgs, CapabilityTargetArgs
    from ack_irsa.components.controller import ControllerIrsaArgs, CrossAccountTargetArgs
    from ack_irsa.components.cross_account import RoleAccountMapArgs, TargetAccountRoleArgs
    from ack_irsa.components.oidc import ClusterOidcProviderArgs

    return apidoc.markdown(
        [
            ClusterOidcProviderArgs,
            ControllerIrsaArgs,
            CrossAccountTargetArgs,
            TargetAccountRoleArgs,
            RoleAccountMapArgs,
            AckCapabilityArgs,
            CapabilityControllerArgs,
            CapabilityTargetArgs,
        ]
    )


def main(argv: list[str]) -> int:
    text = README.read_text()
    if "--check" in argv:
        return 0 if synced(text) == text and API.read_text() == api() else 1
    README.write_text(synced(text))
    API.write_text(api())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
