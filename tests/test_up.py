"""``python -m ack_irsa up`` (``make run``): pulumi up where it can run, the offline plan where it cannot."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ack_irsa.commands import main as cli

from .conftest import ROOT

FAKE_PULUMI = """#!/bin/sh
echo "$@" >> "{log}"
if [ "$3" = whoami ]; then exit {whoami}; fi
exit {code}
"""


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No AWS credentials anywhere, and no instance metadata lookup."""
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for variable in ("AWS_SESSION_TOKEN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"):
        monkeypatch.delenv(variable, raising=False)


def fake_pulumi(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, whoami: int = 0, code: int = 0) -> Path:
    bin_dir, log = tmp_path / "bin", tmp_path / "pulumi.log"
    bin_dir.mkdir()
    script = bin_dir / "pulumi"
    script.write_text(FAKE_PULUMI.format(log=log, whoami=whoami, code=code))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return log


def up(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli(["up", "--stack", "dev", "--project-dir", str(ROOT), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.usefixtures("no_aws")
def test_without_the_pulumi_cli_it_prints_the_offline_plan(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on it
    code, out, err = up(capsys)
    assert code == 0
    assert err == "Not running pulumi up (no Pulumi CLI on PATH); the offline plan of stack 'dev' follows.\n"
    assert out.startswith("# ack-irsa plan: stack `dev`\n")


@pytest.mark.usefixtures("no_aws")
def test_without_a_backend_login(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    log = fake_pulumi(monkeypatch, tmp_path, whoami=1)
    code, out, err = up(capsys)
    assert (code, out.startswith("# ack-irsa plan")) == (0, True)
    assert err.startswith("Not running pulumi up (the Pulumi CLI is not logged in to a backend (pulumi login))")
    assert log.read_text().split("\n")[:-1] == [f"--cwd {ROOT} whoami"]


@pytest.mark.usefixtures("no_aws")
def test_without_aws_credentials(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake_pulumi(monkeypatch, tmp_path)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    code, out, err = up(capsys, "--format", "json")
    assert code == 0
    assert err == "Not running pulumi up (no AWS credentials); the offline plan of stack 'dev' follows.\n"
    assert out.startswith("{\n")


@pytest.mark.usefixtures("no_aws")
def test_with_everything_in_place_it_runs_pulumi_up(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    log = fake_pulumi(monkeypatch, tmp_path, code=0)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example")
    code, out, err = up(capsys)
    assert (code, out, err) == (0, "", "")
    assert log.read_text().splitlines() == [
        f"--cwd {ROOT} whoami",
        f"--cwd {ROOT} stack select --create dev",
        f"--cwd {ROOT} up --stack dev",
    ]


@pytest.mark.usefixtures("no_aws")
def test_pulumi_failing_is_the_exit_code(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake_pulumi(monkeypatch, tmp_path, code=3)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example")
    assert up(capsys)[0] == 3


def test_offline_forces_the_plan(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = up(capsys, "--offline")
    assert code == 0
    assert err == "Not running pulumi up (--offline was given); the offline plan of stack 'dev' follows.\n"
    assert out.startswith("# ack-irsa plan: stack `dev`")
