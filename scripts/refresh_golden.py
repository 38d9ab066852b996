"""Write the rendered plan of every stack in stacks/ to tests/golden/, in each format `render` has.

    python scripts/refresh_golden.py            # rewrite the files
    python scripts/refresh_golden.py --check    # exit 1 when one is out of date

tests/test_golden.py compares `render` with these files: a change that moves the plan of an example stack
shows in the pull request as a change to its golden file, to be reviewed like any other output.
"""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
FORMATS = {"markdown": "md", "json": "json", "manifests": "yaml"}


def stacks() -> list[str]:
    return sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in (ROOT / "stacks").glob("Pulumi.*.yaml"))


def rendered(stack: str, form: str) -> str:
    from ack_irsa.commands import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["render", "--project-dir", str(ROOT), "--stack", stack, "--format", form])
    if code != 0:
        raise SystemExit(f"render --stack {stack} --format {form} exited {code}")
    return out.getvalue()


def main(argv: list[str]) -> int:
    stale = []
    for stack in stacks():
        for form, suffix in FORMATS.items():
            path = GOLDEN / f"{stack}.{suffix}"
            text = rendered(stack, form)
            if path.exists() and path.read_text(encoding="utf-8") == text:
                continue
            stale.append(path.relative_to(ROOT))
            if "--check" not in argv:
                GOLDEN.mkdir(exist_ok=True)
                path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{'out of date' if '--check' in argv else 'wrote'}: {path}")
    return 1 if stale and "--check" in argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
