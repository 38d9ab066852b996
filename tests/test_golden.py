"""The rendered plan of every example stack, in every format, is byte-identical to its golden file.

The golden files were taken before the package was regrouped into its layers, and hold every later change
to an example stack's plan up for review. ``python scripts/refresh_golden.py`` rewrites them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import refresh_golden

CASES = [(stack, form) for stack in refresh_golden.stacks() for form in refresh_golden.FORMATS]


@pytest.mark.parametrize(("stack", "form"), CASES)
def test_render_matches_the_golden_file(stack: str, form: str) -> None:
    path = refresh_golden.GOLDEN / f"{stack}.{refresh_golden.FORMATS[form]}"
    assert path.exists(), f"no golden file for stack {stack!r}: run python scripts/refresh_golden.py"
    assert refresh_golden.rendered(stack, form) == path.read_text(encoding="utf-8"), (
        "the plan changed: review it, then run python scripts/refresh_golden.py"
    )


def test_every_golden_file_belongs_to_a_stack() -> None:
    expected = {f"{stack}.{suffix}" for stack in refresh_golden.stacks() for suffix in refresh_golden.FORMATS.values()}
    assert {p.name for p in Path(refresh_golden.GOLDEN).iterdir()} == expected
