"""The command line as a script or a CI job meets it: the program's name, ``--version``, each command's help
with an example and its exit codes, usage errors, and machine formats that are clean on stdout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ack_irsa import __version__
from ack_irsa.commands import COMMANDS
from ack_irsa.commands import main as cli

from .conftest import ROOT


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli(["--version"])
    assert (exited.value.code, capsys.readouterr().out) == (0, f"ack-irsa {__version__}\n")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_helps_with_an_example_and_its_exit_codes(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli([command, "--help"])
    out = capsys.readouterr().out
    assert exited.value.code == 0
    assert out.startswith(f"usage: ack-irsa {command} ")
    examples = out.split("\nexamples:\n", 1)[1].split("\n\nexit codes:\n", 1)
    assert f"  ack-irsa {command}" in examples[0]
    codes = [line.split()[0] for line in examples[1].splitlines() if line.strip()]
    assert codes[0] == "0" and len(codes) >= 2


def test_usage_names_the_program_as_invoked() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    module = subprocess.run(
        [sys.executable, "-m", "ack_irsa", "render"], capture_output=True, text=True, env=env, check=False
    )
    assert module.returncode == 2
    assert module.stderr.startswith("usage: python -m ack_irsa render ")
    script = Path(sys.executable).parent / "ack-irsa"
    if not script.exists():
        pytest.skip("the ack-irsa script is not installed in this interpreter's environment")
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True, env=env, check=False)
    assert done.stdout == f"ack-irsa {__version__}\n"


def test_a_usage_error_of_diff_is_bad_input_never_changed(capsys: pytest.CaptureFixture[str]) -> None:
    """diff exits 2 when something changes: a misspelt flag must not read as a change."""
    with pytest.raises(SystemExit) as exited:
        cli(["diff", "--bsae", "main"])
    assert exited.value.code == 1
    assert "ack-irsa diff: error: unrecognized arguments: --bsae main" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        cli(["render", "--stack"])
    assert exited.value.code == 2


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_plan_format_json_prints_only_the_json(tmp_path: Path) -> None:
    """Make's echo of its command line would precede the plan on stdout; the recipes are quiet."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    python = venv / "bin" / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    (venv / ".runtime").touch()  # set up: newer than requirements.txt and pyproject.toml
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")} | {"PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        ["make", "--no-print-directory", "plan", "FORMAT=json", "STACK=dev", f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["stack"] == "dev"
