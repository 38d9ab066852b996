"""``python -m ack_irsa up`` (``make run``): pulumi up where it can run, the offline plan where it cannot."""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ack_irsa.commands import main as cli
from ack_irsa.commands import up as up_command
from ack_irsa.commands.up import NOT_DEPLOYED

from .conftest import QUICK_SHUTDOWN, ROOT

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


VERSION = {
    "major": "1",
    "minor": "31",
    "gitVersion": "v1.31.0-eks-1",
    "gitCommit": "0",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "go1.22",
    "compiler": "gc",
    "platform": "linux/amd64",
}


class VersionApi(BaseHTTPRequestHandler):
    """An API server that answers only GET /version, as a reachable cluster does."""

    def do_GET(self) -> None:
        found = self.path == "/version/"
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(VERSION).encode())

    def log_message(self, *args: Any) -> None:
        """Quiet."""


def kubeconfig_for(path: Path, server: str) -> Path:
    path.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": server}}],
                "users": [{"name": "u", "user": {"token": "hunter2-secret"}}],
                "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "c",
            }
        )
    )
    return path


@pytest.fixture
def cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An ambient kubeconfig ($KUBECONFIG) whose cluster answers on 127.0.0.1."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), VersionApi)
    threading.Thread(target=server.serve_forever, kwargs=QUICK_SHUTDOWN, daemon=True).start()
    kubeconfig = kubeconfig_for(tmp_path / "kubeconfig", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    yield kubeconfig
    server.shutdown()
    server.server_close()


@pytest.fixture
def unreachable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An ambient kubeconfig whose cluster does not answer (a closed port on 127.0.0.1)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), VersionApi)
    port = server.server_port
    server.server_close()
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig_for(tmp_path / "kubeconfig", f"http://127.0.0.1:{port}")))


def up(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli(["up", "--stack", "dev", "--project-dir", str(ROOT), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


NO_CLI = "no Pulumi CLI on PATH (https://www.pulumi.com/docs/install/)"
NO_LOGIN = "the Pulumi CLI is not logged in to a backend (pulumi login, or pulumi login --local)"
NO_AWS = "no AWS credentials (aws configure, aws sso login, or AWS_PROFILE)"
FOLLOWS = "The offline plan of stack 'dev' follows."


NOTHING = "Nothing was deployed to stack 'dev': pulumi up did not run (the reasons are above the plan)."


@pytest.fixture
def empty_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Nothing on PATH: no Pulumi CLI."""
    monkeypatch.setenv("PATH", str(tmp_path))


@pytest.fixture(autouse=True)
def _not_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests run as at a terminal, whether or not the suite itself runs in CI."""
    monkeypatch.delenv("CI", raising=False)


def reasons(err: str) -> list[str]:
    lines = err.splitlines()
    assert lines[0] == "Not running pulumi up:"
    end = lines.index(FOLLOWS)
    assert len(lines) - end <= 2 and all(line.startswith(NOTHING) for line in lines[end + 1 :])
    return [line.removeprefix("  - ") for line in lines[1:end]]


@pytest.mark.usefixtures("no_aws", "unreachable")
def test_every_missing_prerequisite_is_listed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on it
    code, out, err = up(capsys)
    assert code == 0
    assert reasons(err) == [
        NO_CLI,
        NO_AWS,
        "the ambient kubeconfig ($KUBECONFIG or ~/.kube/config) does not reach the cluster (MaxRetryError)",
    ]
    assert "hunter2" not in err
    assert out.startswith("# ack-irsa plan: stack `dev`\n")


@pytest.mark.usefixtures("no_aws", "cluster")
def test_without_a_backend_login(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    log = fake_pulumi(monkeypatch, tmp_path, whoami=1)
    code, out, err = up(capsys)
    assert (code, out.startswith("# ack-irsa plan")) == (0, True)
    assert reasons(err) == [NO_LOGIN, NO_AWS]
    assert log.read_text().split("\n")[:-1] == [f"--cwd {ROOT} whoami"]


@pytest.mark.usefixtures("no_aws", "cluster")
def test_without_aws_credentials(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake_pulumi(monkeypatch, tmp_path)
    code, out, err = up(capsys, "--format", "json")
    assert code == 0
    assert reasons(err) == [NO_AWS]
    assert out.startswith("{\n")


@pytest.mark.usefixtures("no_aws")
def test_a_kubeconfig_that_is_not_usable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake_pulumi(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example")
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-such-kubeconfig"))
    code, _, err = up(capsys)
    assert code == 0
    assert reasons(err) == ["the ambient kubeconfig ($KUBECONFIG or ~/.kube/config) is not usable (no such file)"]
    kubeconfig_for(tmp_path / "kubeconfig", "https://127.0.0.1:1")
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "kubeconfig"))
    monkeypatch.setattr(up_command, "CLUSTER_TIMEOUT_SECONDS", 1)
    config = {
        "ack-irsa:kubeContext": "other",
        "ack-irsa:clusterName": "dev",
        "ack-irsa:controllers": '[{"service": "s3"}]',
    }
    assert up_command.cluster_unreachable(config) == (
        "the ambient kubeconfig ($KUBECONFIG or ~/.kube/config) with context 'other' is not usable (no such context)"
    )


@pytest.mark.usefixtures("no_aws", "cluster")
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
        f"--cwd {ROOT} stack output --json --stack dev",
        f"--cwd {ROOT} up --refresh --stack dev",
    ]


@pytest.mark.usefixtures("no_aws", "cluster")
def test_pulumi_failing_is_the_exit_code(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake_pulumi(monkeypatch, tmp_path, code=3)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example")
    assert up(capsys)[0] == 3


def test_offline_forces_the_plan(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = up(capsys, "--offline")
    assert code == 0
    assert reasons(err) == ["--offline was given"]
    assert err.splitlines()[-1] == FOLLOWS
    assert out.startswith("# ack-irsa plan: stack `dev`")
    monkeypatch.setenv("CI", "true")  # asked for: the plan is the job, in CI as well
    assert up(capsys, "--offline")[0] == 0


@pytest.mark.usefixtures("no_aws", "unreachable")
def test_a_fallback_says_last_that_nothing_was_deployed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    code, out, err = up(capsys)
    assert (code, err.splitlines()[-1]) == (0, NOTHING)
    assert out.startswith("# ack-irsa plan: stack `dev`")


@pytest.mark.parametrize(
    ("ci", "flags", "why"),
    [
        ("true", [], "CI=true"),
        ("1", ["--format", "json"], "CI=true"),
        (None, ["--require-deploy"], "--require-deploy was given"),
    ],
)
@pytest.mark.usefixtures("no_aws", "unreachable", "empty_path")
def test_a_run_meant_to_deploy_that_deployed_nothing_fails(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, ci: str | None, flags: list[str], why: str
) -> None:
    """A deploy job whose credentials expired must not go green: CI=true or --require-deploy exits 75."""
    if ci is not None:
        monkeypatch.setenv("CI", ci)
    code, out, err = up(capsys, *flags)
    assert code == NOT_DEPLOYED == 75
    assert err.splitlines()[-1] == f"{NOTHING} Exit 75: {why}."
    assert reasons(err)[0] == NO_CLI
    if flags[:1] == ["--format"]:
        json.loads(out)  # the plan on stdout stays clean JSON; the verdict is on stderr
    monkeypatch.setenv("CI", "false")
    assert up(capsys)[0] == 0  # CI=false: a terminal


@pytest.mark.usefixtures("no_aws")
def test_a_misspelt_stack_never_starts_a_new_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    log = fake_pulumi(monkeypatch, tmp_path, code=0)
    code = cli(["up", "--stack", "deb", "--project-dir", str(ROOT)])
    assert code == 1
    assert capsys.readouterr().err == (
        f"error: {ROOT / 'stacks' / 'Pulumi.deb.yaml'}: no such stack file "
        "(stacks here: capability, dev, prod, shared, staging)\n"
    )
    assert not log.exists()  # pulumi was never called


OUTPUTS_PULUMI = """#!/bin/sh
echo "$@" >> "{log}"
if [ "$3" = stack ] && [ "$4" = output ]; then echo '{outputs}'; fi
exit 0
"""


def handover_project(tmp_path: Path, step: str) -> Path:
    """A project whose one stack, ``mig``, is at ``step`` of the move from Helm to the capability."""
    project = tmp_path / "project"
    (project / "stacks").mkdir(parents=True)
    (project / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (project / "stacks" / "Pulumi.mig.yaml").write_text(
        "config:\n  aws:region: us-west-2\n  ack-irsa:clusterName: prod-eks\n  ack-irsa:install: true\n"
        f"  ack-irsa:capability:\n    handover: {step}\n  ack-irsa:controllers:\n    - service: s3\n"
    )
    return project


@pytest.mark.usefixtures("no_aws", "cluster")
@pytest.mark.parametrize(
    "case",
    [
        (
            "prepare",
            "handOver",
            "`handOver` after `prepare` skips a step: `create` comes first (the capability, waiting on the releases' "
            "leases)",
        ),
        ("create", "handOver", None),
        (None, "create", None),  # never deployed: no step before
    ],
)
def test_up_refuses_a_handover_step_out_of_order_before_running_pulumi_up(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    case: tuple[str | None, str, str | None],
) -> None:
    deployed, step, refusal = case
    bin_dir, log = tmp_path / "bin", tmp_path / "pulumi.log"
    bin_dir.mkdir()
    outputs = {"capability": {"handover": deployed}, "controllers": {}} if deployed else {}
    script = bin_dir / "pulumi"
    script.write_text(OUTPUTS_PULUMI.format(log=log, outputs=json.dumps(outputs)))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example")
    project = handover_project(tmp_path, step)
    code = cli(["up", "--stack", "mig", "--project-dir", str(project)])
    err = capsys.readouterr().err
    ran = [line.split()[2] for line in log.read_text().splitlines()]
    if refusal is None:
        assert (code, ran) == (0, ["whoami", "stack", "stack", "up"])
    else:
        assert (code, err) == (1, f"Not running pulumi up: ack-irsa:capability.handover: {refusal}\n")
        assert ran == ["whoami", "stack", "stack"]  # never `up`
