"""Nothing from a stack file is ever run on an offline path: a kubeconfig's ``exec`` plugin (or
``auth-provider``) in the stack is never started by render, diff, check, or ``up``, whether ``up`` falls back
to the offline plan or checks that the cluster answers before it runs ``pulumi up``."""

from __future__ import annotations

import json
import shutil
import stat
import threading
from collections.abc import Iterator, Mapping
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from ack_irsa.commands import main as cli

from .conftest import QUICK_SHUTDOWN, ROOT
from .test_up import VersionApi, fake_pulumi


def plugin(tmp_path: Path) -> tuple[Path, Path]:
    """An exec credential plugin that leaves a file behind when it runs; (plugin, the file)."""
    ran = tmp_path / "the-plugin-ran"
    script = tmp_path / "credential-plugin"
    script.write_text(
        f"#!/bin/sh\n: > {ran}\n"  # shell built-ins only: PATH may be empty
        'echo \'{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential",'
        '"status":{"token":"stolen"}}\'\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script, ran


def kubeconfig(server: str, command: Path) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": server}}],
        "users": [
            {
                "name": "u",
                "user": {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": str(command)}},
            }
        ],
        "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "c",
    }


@pytest.fixture
def server() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """An API server on 127.0.0.1 that records the headers of every request."""
    seen: list[dict[str, str]] = []

    class Recording(VersionApi):
        def do_GET(self) -> None:
            seen.append(dict(self.headers))
            super().do_GET()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recording)
    threading.Thread(target=httpd.serve_forever, kwargs=QUICK_SHUTDOWN, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}", seen
    httpd.shutdown()
    httpd.server_close()


def project(tmp_path: Path, config: Mapping[str, object]) -> Path:
    """A project whose stack `pr` carries ``config`` (as a pull request could write it)."""
    directory = tmp_path / "project"
    (directory / "stacks").mkdir(parents=True)
    shutil.copy(ROOT / "Pulumi.yaml", directory / "Pulumi.yaml")
    lines = ["config:", "  aws:region: us-west-2", "  ack-irsa:clusterName: dev"]
    lines += [f"  ack-irsa:{key}: {json.dumps(value)}" for key, value in config.items()]
    lines.append("  ack-irsa:controllers: [{service: s3}]")
    (directory / "stacks" / "Pulumi.pr.yaml").write_text("\n".join(lines) + "\n")
    return directory


@pytest.mark.parametrize("form", ["contents", "path", "ambient"])
def test_no_offline_path_runs_the_kubeconfig_exec_plugin(
    form: str,
    tmp_path: Path,
    server: tuple[str, list[dict[str, str]]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CI", raising=False)  # the fallback's exit code is the plan's here, not CI's "nothing deployed"
    url, seen = server
    command, ran = plugin(tmp_path)
    document = kubeconfig(url, command)
    path = tmp_path / "kubeconfig"
    path.write_text(json.dumps(document))
    given = {"contents": {"kubeconfig": json.dumps(document, indent=1)}, "path": {"kubeconfig": str(path)}}
    if form == "ambient":
        monkeypatch.setenv("KUBECONFIG", str(path))
    directory = project(tmp_path, given.get(form, {"kubeContext": "c"}))
    stack_file = directory / "stacks" / "Pulumi.pr.yaml"
    flags = ["--project-dir", str(directory)]
    assert cli(["render", "--stack", "pr", *flags]) == 0
    assert cli(["diff", "--base-file", str(stack_file), "--head-file", str(stack_file), *flags]) == 0
    cli(["check", "--stack", "pr", *flags])
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))  # no Pulumi CLI: up falls back to the offline plan
    assert cli(["up", "--stack", "pr", *flags]) == 0
    fallback = capsys.readouterr().err
    assert not ran.exists()
    log = fake_pulumi(monkeypatch, tmp_path)  # everything in place: up checks the cluster, then runs pulumi up
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example")
    assert cli(["up", "--stack", "pr", *flags]) == 0
    assert not ran.exists()
    assert "up --refresh --stack pr" in log.read_text()  # the cluster answered: nothing was missing
    assert seen and all("Authorization" not in headers for headers in seen)  # asked without credentials
    assert "stolen" not in fallback + capsys.readouterr().err
