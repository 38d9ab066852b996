"""Print the mutation score of each module from the last `mutmut run` (used by `make mutation`).

The score of a module is killed / (killed + survived) over its mutants; mutants that no test reaches
("no tests") count as survived. Mutants listed in docs/mutation.md as equivalent are counted apart: they
cannot be killed, because no input tells them from the original.

    python scripts/mutation_score.py            # the table; exit 1 when a module is under 95 %
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.95
EQUIVALENT = re.compile(r"`(ack_irsa\.[\w.]+__mutmut_\d+)`")


def main() -> int:
    listed = subprocess.run(
        [str(Path(sys.executable).parent / "mutmut"), "results", "--all", "true"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    equivalent = set(EQUIVALENT.findall((ROOT / "docs" / "mutation.md").read_text()))
    counts: dict[str, Counter[str]] = {}
    for line in listed.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if not name.startswith("ack_irsa."):
            continue
        module = re.split(r"\.xǁ|\.x_", name, maxsplit=1)[0].removeprefix("ack_irsa.").replace(".", "/")
        outcome = "equivalent" if name in equivalent else "killed" if status == "killed" else "survived"
        counts.setdefault(module, Counter())[outcome] += 1
    print("| module | killed | survived | equivalent | score |\n| --- | ---: | ---: | ---: | ---: |")
    failing = []
    for module, count in sorted(counts.items()):
        score = count["killed"] / max(1, count["killed"] + count["survived"])
        failing += [module] if score < TARGET else []
        print(f"| `{module}.py` | {count['killed']} | {count['survived']} | {count['equivalent']} | {score:.1%} |")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
