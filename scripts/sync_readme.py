"""Write the generated stack config reference into README.md (between its markers).

python scripts/sync_readme.py          # rewrite the block
python scripts/sync_readme.py --check  # exit 1 when the README is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ack_irsa.config import reference

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- config-reference:start -->", "<!-- config-reference:end -->"


def synced(text: str) -> str:
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    return f"{before}{START}\n{reference()}{END}{after}"


def main(argv: list[str]) -> int:
    text = README.read_text()
    if "--check" in argv:
        return 0 if synced(text) == text else 1
    README.write_text(synced(text))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
