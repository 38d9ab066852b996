"""``render --program`` and ``diff --program``: a program of your own, run under the offline mocks only when
named; its errors and what the mocks cannot answer as one ``error:`` block, never a traceback."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

from ack_irsa.commands import main as cli

from .conftest import ROOT

ISSUER = "https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
FACTS = ["--account-id", "111122223333", "--issuer-url", ISSUER]
PROGRAM = """
import pulumi
import pulumi_eks as eks
from ack_irsa import ControllerIrsa

cluster = eks.Cluster("ack", create_oidc_provider=True)
for service in pulumi.Config().get_object("services", ["s3"]):
    ControllerIrsa(service, {"service": service, "oidc_provider_arn": cluster.oidc_provider_arn,
                             "oidc_issuer": cluster.oidc_issuer})
"""


def command(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def program(folder: Path, code: str = PROGRAM, stacks: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Pulumi.yaml").write_text("name: platform\nruntime: python\n")
    (folder / "__main__.py").write_text(textwrap.dedent(code))
    for name, text in (stacks or {}).items():
        (folder / f"Pulumi.{name}.yaml").write_text(text)
    return folder


def test_render_program_prints_the_plan_of_the_example(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = command(capsys, "render", "--program", str(ROOT / "examples" / "eks-cluster"), *FACTS)
    assert (code, err) == (0, "")
    assert out.startswith("# ack-irsa plan: stack `ack-irsa-eks-example`\n")
    assert "Made by pulumi-eks: `eks.Cluster` `ack` (`create_oidc_provider`)" in out
    assert "| ServiceAccount | `ack-system/ack-s3-controller` created by the chart" in out
    assert "None: every controller uses EKS Pod Identity" not in out


def test_render_program_with_a_stack_reads_its_stack_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stacks = {"prod": "config:\n  aws:region: eu-west-1\n  platform:services: [s3, rds]\n"}
    folder = program(tmp_path / "infra", stacks=stacks)
    code, out, _ = command(capsys, "render", "--program", str(folder), "--stack", "prod", "--format", "json")
    assert code == 0
    assert '"stack": "prod"' in out and '"name": "rds-role"' in out
    assert '"region": "eu-west-1"' not in out  # the region is a fact, not a placeholder
    assert '"account_id": "000000000000"' in out  # the placeholder account, listed as one


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("raise RuntimeError('no cluster name')\n", "__main__.py failed: RuntimeError: no cluster name"),
        (
            "import pulumi_eks as eks\neks.VpcCniAddon('cni', cluster_name='ack')\n",
            "offline run: no mock answers eks:index:VpcCniAddon ('cni')",
        ),
        (
            "from ack_irsa import ControllerIrsa\nControllerIrsa('s3', {'service': 's3'})\n",
            "failed: ArgsError: ControllerIrsa 's3': oidc_provider: is required: give a ClusterOidcProvider",
        ),
    ],
)
def test_what_stops_a_program_is_one_error_block(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], code: str, message: str
) -> None:
    exit_code, out, err = command(capsys, "render", "--program", str(program(tmp_path / "p", code)))
    assert (exit_code, out) == (1, "")
    assert err.startswith("error: ") and message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["render"], "error: give --stack NAME, --config-file FILE, or --program DIR (a program of your own)\n"),
        (["render", "--program", "{p}", "--config-file", "x.yaml"], "error: --config-file: not with --program"),
        (["render", "--program", "{ts}"], "runtime 'nodejs': only a Python program runs offline here"),
        (["render", "--program", "{p}", "--stack", "prod"], "Pulumi.prod.yaml: no such stack file"),
        (["render", "--program", "{p}", "--account-id", "12"], "--account-id: '12' is not an AWS account ID"),
        (["diff", "--program", "{p}"], "error: --base is needed"),
        (["diff", "--program", "{p}", "--base", "nowhere"], "is not a git revision"),
    ],
)
def test_bad_program_arguments_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    folder = program(tmp_path / "p")
    filled = [a.format(p=folder, ts=ROOT / "examples" / "typescript") for a in args]
    code, out, err = command(capsys, *filled)
    assert (code, out) == (1, "")
    assert message in err


def test_render_never_runs_a_program_it_was_not_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--stack`` renders the stack program, whatever the directory's ``__main__.py`` says; only ``--program``
    runs a program's code."""
    marker = tmp_path / "ran"
    (tmp_path / "Pulumi.yaml").write_text("name: ack-irsa\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    (tmp_path / "Pulumi.dev.yaml").write_text(
        "config:\n  aws:region: us-west-2\n  ack-irsa:clusterName: dev-eks\n  ack-irsa:controllers: [{service: s3}]\n"
    )
    code, out, _ = command(capsys, "render", "--project-dir", str(tmp_path), "--stack", "dev")
    assert code == 0 and "## Controller `s3`" in out
    assert not marker.exists()
    command(capsys, "render", "--program", str(tmp_path), "--stack", "dev")
    assert marker.exists()


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True)


def test_diff_program_against_a_git_revision(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repository = tmp_path / "platform"
    folder = program(repository / "infra", stacks={"dev": "config:\n  platform:services: [s3]\n"})
    git(repository, "init", "-q", "-b", "main")
    git(repository, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "add", ".")
    git(repository, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "s3")
    args = ["diff", "--program", str(folder), "--stack", "dev", "--base", "main", *FACTS]
    assert command(capsys, *args)[:2] == (0, "## ack-irsa plan diff: stack `dev`\n\nNo changes.\n")

    (folder / "Pulumi.dev.yaml").write_text("config:\n  platform:services: [s3, rds]\n")
    code, out, err = command(capsys, *args)
    assert (code, err) == (2, "")
    assert "### New controller `rds`" in out and "`rds-role` (`aws:iam/role:Role`) in `rds`" in out
    assert "controller `s3`" not in out.replace("New controller `rds`", "")

    other = program(repository / "other")
    code, out, _ = command(capsys, "diff", "--program", str(other), "--base", "main", *FACTS)
    assert code == 2 and out.startswith(f"The program is new: there is none at main:{other}.\n\n")
