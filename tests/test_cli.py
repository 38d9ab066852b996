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
        [sys.executable, "-m", "ack_irsa", "render", "--no-such-option"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
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


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No AWS credentials anywhere, and no instance metadata lookup."""
    for variable in list(os.environ):
        if variable.startswith("AWS_"):
            monkeypatch.delenv(variable)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.mark.usefixtures("no_aws")
def test_verify_without_credentials_says_where_it_looked_and_how_to_provide_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    arguments = ["verify", "--cluster", "dev-eks", "--service", "s3", "--region", "us-west-2"]
    assert cli(arguments) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: no AWS credentials found; botocore looked, in order, in: env, assume-role, ")
    assert f"profile 'default' in {tmp_path / 'none'} and {tmp_path / 'none'}" in err
    assert "Provide them with `aws configure`, `aws sso login --profile NAME` and AWS_PROFILE=NAME" in err
    assert cli([*arguments, "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["passed"] is False and document["error"].startswith("no AWS credentials found")
    assert (document["cluster"], document["controllers"]) == ([], {})


@pytest.mark.parametrize(
    "arguments",
    [
        ["--stack", "no-such-stack"],  # bad input, before any AWS call
        ["--cluster", "dev-eks"],  # --service missing
        ["--cluster", "dev-eks", "--service", "s4"],  # an unknown service
        ["--stack", "dev", "--target-profile", "x=y"],
    ],
)
@pytest.mark.usefixtures("no_aws")
def test_verify_json_is_json_on_every_error_path(capsys: pytest.CaptureFixture[str], arguments: list[str]) -> None:
    assert cli(["verify", "--project-dir", str(ROOT), *arguments, "--json"]) == 1
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["passed"] is False and document["error"]
    assert captured.err == ""


def test_check_json_on_success_and_failure(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert cli(["check", "--project-dir", str(ROOT), "--stack", "prod", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["passed"], document["mandatory"], document["rules"]) == (True, 0, 12)
    assert {"rule", "level", "resource", "message", "remediation"} == set(document["violations"][0])
    assert {"rule": "privilege-escalation-is-acknowledged", "resource": "iam-role", "risk": "privilege-escalation",
            "source": "inline policy ack-controller-policy"} in document["acknowledged"]  # fmt: skip
    iam = tmp_path / "Pulumi.iam.yaml"
    iam.write_text(
        "config:\n  aws:region: us-west-2\n  ack-irsa:clusterName: dev\n  ack-irsa:controllers:\n    - service: iam\n"
    )
    assert cli(["check", "--project-dir", str(ROOT), "--config-file", str(iam), "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert (document["passed"], document["mandatory"]) == (False, 1)
    assert cli(["check", "--plan-file", str(tmp_path / "none.json"), "--format", "json"]) == 2
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {"passed": False, "error": f"{tmp_path / 'none.json'}: no such file"}
    assert captured.err == ""


def test_catalog_json_lists_every_controller_with_policies_status_and_risks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from ack_irsa import catalog

    assert cli(["catalog", "--format", "json"]) == 0
    controllers = {c["service"]: c for c in json.loads(capsys.readouterr().out)["controllers"]}
    assert sorted(controllers) == catalog.services()
    iam = controllers["iam"]
    assert (iam["status"], iam["serviceAccount"], iam["hasRecommendedPolicy"]) == ("GA", "ack-iam-controller", True)
    assert [r["id"] for r in iam["risks"]] == ["privilege-escalation"]
    assert controllers["s3"]["managedPolicyArns"] == ["arn:aws:iam::aws:policy/AmazonS3FullAccess"]
    assert cli(["catalog", "show", "s3", "--partition", "aws-cn", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["managedPolicyArns"] == ["arn:aws-cn:iam::aws:policy/AmazonS3FullAccess"]
    assert cli(["catalog", "show", "s4", "--format", "json"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["error"].startswith("unknown ACK service 's4'; did you mean 's3'?")
    assert captured.err == ""


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_shell_completion_is_generated_from_every_commands_arguments(
    capsys: pytest.CaptureFixture[str], shell: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli(["--print-completion", shell])
    script = capsys.readouterr().out
    assert exited.value.code == 0
    for command in COMMANDS:
        assert command in script
    for option in ("--base-file", "--require-deploy", "--target-profile", "--out-dir", "--policy-config"):
        assert option in script, option


def test_an_unknown_shell_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli(["--print-completion", "cmd.exe"])
    assert exited.value.code == 2
    assert "invalid choice: 'cmd.exe'" in capsys.readouterr().err
