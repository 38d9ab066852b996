"""``python -m ack_irsa diff``: Markdown for a pull request, and terraform-style exit codes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from ack_irsa.commands import main as cli

from .conftest import ROOT

ISSUER = "https://oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"


def stack_file(path: Path, controllers: list[dict[str, Any]]) -> Path:
    config = {"aws:region": "us-west-2", "ack-irsa:clusterName": "dev-eks", "ack-irsa:controllers": controllers}
    path.write_text(yaml.safe_dump({"config": config}))
    return path


def diff(capsys: pytest.CaptureFixture[str], base: Path, head: Path) -> tuple[int, str]:
    args = ["--base-file", str(base), "--head-file", str(head), "--project-dir", str(ROOT), "--issuer-url", ISSUER]
    code = cli(["diff", *args, "--account-id", "111122223333"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return stack_file(tmp_path / "base" / "Pulumi.dev.yaml", [{"service": "s3"}, {"service": "rds"}])


@pytest.fixture(autouse=True)
def _dirs(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "head").mkdir()


def test_no_change_exits_0(capsys: pytest.CaptureFixture[str], base: Path) -> None:
    assert diff(capsys, base, base) == (0, "## ack-irsa plan diff: stack `dev`\n\nNo changes.\n")


def test_a_new_controller_is_added_whole(capsys: pytest.CaptureFixture[str], base: Path, tmp_path: Path) -> None:
    head = stack_file(
        tmp_path / "head" / "Pulumi.dev.yaml", [{"service": "s3"}, {"service": "rds"}, {"service": "ecr"}]
    )
    code, out = diff(capsys, base, head)
    assert code == 2
    assert out.startswith(
        "## ack-irsa plan diff: stack `dev`\n\n**7 to add, 0 to change (0 replaced), 0 to remove.**\n"
    )
    assert out.split("### Added\n\n")[1].split("\n\n")[0].splitlines() == [
        "- `ecr` (`ack-irsa:index:ControllerIrsa`)",
        "- `ecr-role` (`aws:iam/role:Role`) in `ecr`",
        "- `ecr-inline-policies` (`aws:iam/rolePoliciesExclusive:RolePoliciesExclusive`) in `ecr`",
        "- `ecr-AmazonEC2ContainerRegistryFullAccess` (`aws:iam/rolePolicyAttachment:RolePolicyAttachment`) in `ecr`",
        "- `ecr-managed-policies` (`aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive`) in `ecr`",
        "- `ecr-restart` (`kubernetes:apps/v1:DeploymentPatch`) in `ecr`",
        "- `ecr-service-account` (`kubernetes:core/v1:ServiceAccountPatch`) in `ecr`",
    ]
    identity = out.split("### New controller `ecr`\n")[1]  # the whole identity, as the plan shows it
    assert "| ServiceAccount | `ack-system/ack-ecr-controller` annotated in place (patch)" in identity
    assert "Trust policy:\n\n```json\n" in identity
    assert "Managed policies:\n\n- `arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryFullAccess`\n" in identity


def test_a_changed_extra_policy_is_one_attachment_out_and_one_in(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    before = [{"service": "s3", "extraPolicyArns": ["arn:aws:iam::111122223333:policy/kms-a"]}]
    after = [{"service": "s3", "extraPolicyArns": ["arn:aws:iam::111122223333:policy/kms-b"]}]
    code, out = diff(
        capsys,
        stack_file(tmp_path / "base" / "Pulumi.dev.yaml", before),
        stack_file(tmp_path / "head" / "Pulumi.dev.yaml", after),
    )
    assert code == 2
    assert "**1 to add, 1 to change (0 replaced), 1 to remove.**" in out  # the exclusive set lists the new one
    assert (
        "### Added\n\n- `s3-111122223333-kms-b` (`aws:iam/rolePolicyAttachment:RolePolicyAttachment`) in `s3`\n" in out
    )
    assert (
        "### Removed\n\n- `s3-111122223333-kms-a` (`aws:iam/rolePolicyAttachment:RolePolicyAttachment`) in `s3`" in out
    )


def test_a_renamed_role_is_called_out_as_a_replacement(
    capsys: pytest.CaptureFixture[str], base: Path, tmp_path: Path
) -> None:
    head = stack_file(
        tmp_path / "head" / "Pulumi.dev.yaml", [{"service": "s3", "roleName": "ack-s3"}, {"service": "rds"}]
    )
    code, out = diff(capsys, base, head)
    assert code == 2
    assert "**0 to add, 7 to change (5 replaced), 0 to remove.**" in out
    assert (
        "> ⚠️ **Role `s3-role` will be replaced** (`name` changes): the role gets a new ARN, so the controller's " in out
    )
    role = out.split("#### `s3-role` (`aws:iam/role:Role`) — **replaced**\n\n")[1].split("####")[0]
    assert role.startswith('| field | before | after |\n| --- | --- | --- |\n| `name` | `"ack-s3-dev-eks-')
    assert role.rstrip().endswith('| `"ack-s3"` |')
    assert "#### `s3-restart` (`kubernetes:apps/v1:DeploymentPatch`)\n" in out  # the restart follows the new ARN
    assert '`"arn:aws:iam::111122223333:role/ack-s3"`' in out.split("#### `s3-restart`")[1]


def test_a_trust_change_shows_as_a_diff_of_the_policy(
    capsys: pytest.CaptureFixture[str], base: Path, tmp_path: Path
) -> None:
    head = stack_file(
        tmp_path / "head" / "Pulumi.dev.yaml",
        [{"service": "s3", "extraServiceAccounts": ["team-a:ack-s3-controller"]}, {"service": "rds"}],
    )
    code, out = diff(capsys, base, head)
    assert code == 2
    assert "**0 to add, 1 to change (0 replaced), 0 to remove.**" in out
    block = out.split("`assumeRolePolicy`:\n\n```diff\n")[1].split("```")[0].splitlines()
    host = ISSUER.removeprefix("https://")
    assert [line for line in block if line.startswith(("-", "+"))] == [
        f'-          "{host}:sub": "system:serviceaccount:ack-system:ack-s3-controller",',
        f'+          "{host}:sub": [',
        '+            "system:serviceaccount:ack-system:ack-s3-controller",',
        '+            "system:serviceaccount:team-a:ack-s3-controller"',
        "+          ],",
    ]


def test_a_bad_head_exits_1(capsys: pytest.CaptureFixture[str], base: Path, tmp_path: Path) -> None:
    head = stack_file(tmp_path / "head" / "Pulumi.dev.yaml", [{"service": "s3", "serviceAccountMode": "patched"}])
    code, out = diff(capsys, base, head)
    assert code == 1
    assert out == (
        f"error: head {head}: the stack config has 1 problem:\n"
        "  ack-irsa:controllers[0].serviceAccountMode: Input should be 'patch', 'create' or 'none', got 'patched'\n"
    )


def test_a_bad_base_says_it_is_the_base(capsys: pytest.CaptureFixture[str], base: Path, tmp_path: Path) -> None:
    head = stack_file(tmp_path / "head" / "Pulumi.dev.yaml", [{"service": "s3"}])
    base.write_text("config:\n  ack-irsa:clusterName: [dev\n")
    code, out = diff(capsys, base, head)
    assert code == 1
    assert (
        out == f"error: base: {base}, line 3, column 1: expected ',' or ']', but got '<stream end>' "
        "(while parsing a flow sequence at line 2)\n"
    )


def git(directory: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(directory), *args], check=True, capture_output=True)


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A project in git: Pulumi.yaml and the dev stack committed."""
    project = tmp_path / "project"
    (project / "stacks").mkdir(parents=True)
    shutil.copy(ROOT / "Pulumi.yaml", project / "Pulumi.yaml")
    shutil.copy(ROOT / "stacks" / "Pulumi.dev.yaml", project / "stacks" / "Pulumi.dev.yaml")
    git(project, "init", "-q")
    git(project, "add", ".")
    git(project, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "base")
    return project


def diff_in(capsys: pytest.CaptureFixture[str], project: Path, *args: str) -> tuple[int, str]:
    code = cli(["diff", "--project-dir", str(project), *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_against_a_git_revision(capsys: pytest.CaptureFixture[str], repository: Path) -> None:
    assert diff_in(capsys, repository, "--stack", "dev", "--base", "HEAD") == (
        0,
        "## ack-irsa plan diff: stack `dev`\n\nNo changes: the stack file and `Pulumi.yaml` are the same at `HEAD` "
        "(not rendered).\n",
    )
    stack = repository / "stacks" / "Pulumi.dev.yaml"
    stack.write_text(stack.read_text() + "    - service: sqs\n")
    code, out = diff_in(capsys, repository, "--stack", "dev", "--base", "HEAD")
    assert code == 2
    assert "**6 to add, 0 to change (0 replaced), 0 to remove.**" in out


def test_a_stack_new_since_the_revision(capsys: pytest.CaptureFixture[str], repository: Path) -> None:
    (repository / "stacks" / "Pulumi.staging.yaml").write_text(
        "config:\n  ack-irsa:clusterName: staging\n  ack-irsa:controllers:\n    - service: s3\n"
    )
    code, out = diff_in(capsys, repository, "--stack", "staging", "--base", "HEAD")
    assert code == 2
    assert out.startswith(
        "The stack is new: there is no base HEAD:stacks/Pulumi.staging.yaml.\n\n"
        "## ack-irsa plan diff: stack `staging`\n"
    )
    assert "### New controller `s3`" in out
    assert "to change (0 replaced), 0 to remove.**" in out


def test_a_bad_revision_or_missing_base_exits_1(capsys: pytest.CaptureFixture[str], repository: Path) -> None:
    code, out = diff_in(capsys, repository, "--stack", "dev", "--base", "no-such-branch")
    assert (code, out) == (1, f"error: --base: 'no-such-branch' is not a git revision of {repository.resolve()}\n")
    assert diff_in(capsys, repository, "--stack", "dev") == (
        1,
        "error: --base is needed: the git revision to compare with, e.g. origin/main\n",
    )


def test_every_stack_against_a_revision(capsys: pytest.CaptureFixture[str], repository: Path) -> None:
    """Without --stack: every stack at the head or at the base; a shared default shows in each stack."""
    shutil.copy(ROOT / "stacks" / "Pulumi.dev.yaml", repository / "stacks" / "Pulumi.qa.yaml")
    git(repository, "add", ".")
    git(repository, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "qa")
    assert diff_in(capsys, repository, "--base", "HEAD") == (
        0,
        "# ack-irsa: 2 stacks compared with `HEAD`; changed: none; skipped as unchanged (the stack file and "
        "Pulumi.yaml the same): 2\n- `dev`\n- `qa`\n",
    )
    project = repository / "Pulumi.yaml"
    project.write_text(project.read_text().replace("default: ack-system", "default: ack-controllers"))
    (repository / "stacks" / "Pulumi.qa.yaml").unlink()
    code, out = diff_in(capsys, repository, "--base", "HEAD")
    assert code == 2
    assert out.startswith("# ack-irsa: 2 stacks compared with `HEAD`; changed: `dev`, `qa`\n")
    dev = out.split("## ack-irsa plan diff: stack `dev`")[1].split("## ack-irsa plan diff: stack `qa`")[0]
    assert '`namespace` | `"ack-system"` | `"ack-controllers"` |' in dev
    assert "The stack is removed: there is no head " in out
    assert "0 to add, 0 to change (0 replaced), 15 to remove." in out.split("stack `qa`")[1]


def test_a_misspelt_stack_is_refused(capsys: pytest.CaptureFixture[str], repository: Path) -> None:
    code, out = diff_in(capsys, repository, "--stack", "deev", "--base", "HEAD")
    assert (code, out) == (
        1,
        f"error: {repository / 'stacks' / 'Pulumi.deev.yaml'}: no such stack file (stacks here: dev)\n",
    )


def test_a_stale_acknowledgement_is_a_warning_in_the_diff(
    capsys: pytest.CaptureFixture[str], base: Path, tmp_path: Path
) -> None:
    """An ack-irsa upgrade that narrows a policy changes no stack file: the warning shows even with no changes."""
    stale: list[dict[str, Any]] = [{"service": "s3"}, {"service": "rds", "acknowledgeRisks": ["privilege-escalation"]}]
    head = stack_file(tmp_path / "head" / "Pulumi.dev.yaml", stale)
    warning = (
        "> ⚠️ **Warning** on `rds`: the acknowledged risk 'privilege-escalation' is no longer a risk of this role "
        "(its risks: service-wide-access): drop it from acknowledge_risks (acknowledgeRisks in a stack file)\n"
    )
    code, out = diff(capsys, head, head)
    assert (code, out) == (0, f"## ack-irsa plan diff: stack `dev`\n\nNo changes.\n\n{warning}")
    grown = stack_file(tmp_path / "head" / "Pulumi.dev.yaml", [*stale, {"service": "sqs"}])
    code, out = diff(capsys, base, grown)
    assert code == 2
    assert warning in out.split("### ")[0]  # at the top, with the callouts


def test_a_default_name_change_says_how_to_keep_the_role(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """podIdentity → both: the default name's hash moves from the cluster to the issuer, replacing the role."""
    base = stack_file(tmp_path / "base" / "Pulumi.dev.yaml", [{"service": "s3", "identity": "podIdentity"}])
    head = stack_file(tmp_path / "head" / "Pulumi.dev.yaml", [{"service": "s3", "identity": "both"}])
    code, out = diff(capsys, base, head)
    assert code == 2
    warning = next(line for line in out.splitlines() if line.startswith("> ⚠️ **Role `s3-role` will be replaced**"))
    pinned = warning.split("pin `roleName: ")[1].split("`")[0]
    assert pinned.startswith("ack-s3-dev-eks-") and pinned != warning.split("`")[-2]
    assert f'| `name` | `"{pinned}"` |' in out  # the name the base plan shows
    assert "| `s3` | IRSA + Pod Identity |" in out
    assert "| **replaces the role**, restarts the pods |" in out
    renamed = stack_file(tmp_path / "head" / "Pulumi.dev.yaml", [{"service": "s3", "roleName": "ack-s3-given"}])
    _, out = diff(capsys, base, renamed)
    assert "will be replaced" in out and "pin `roleName" not in out  # a name given by hand: no hint


def test_the_diff_opens_with_a_summary_that_marks_new_risks(
    capsys: pytest.CaptureFixture[str], base: Path, tmp_path: Path
) -> None:
    head = stack_file(
        tmp_path / "head" / "Pulumi.dev.yaml", [{"service": "s3"}, {"service": "rds"}, {"service": "iam"}]
    )
    code, out = diff(capsys, base, head)
    assert code == 2
    summary = out.split("## Summary\n\n")[1].split("\n\n")[0].splitlines()
    assert summary[0] == (
        "| controller | identity | who may assume the role | ServiceAccount | accounts | risks | on merge |"
    )
    iam = next(row for row in summary if row.startswith("| `iam` |"))
    assert iam == (
        "| `iam` | IRSA | `ack-system:ack-iam-controller` (web identity) | `ack-system/ack-iam-controller` | "
        "`111122223333` | 🆕 ⚠️ `privilege-escalation` | creates it |"
    )
    assert next(row for row in summary if row.startswith("| `s3` |")).endswith("| ⚠️ `service-wide-access` | — |")


def commit(directory: Path, message: str) -> None:
    git(directory, "add", ".")
    git(directory, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", message)


def test_only_stacks_whose_inputs_changed_are_rendered(
    capsys: pytest.CaptureFixture[str], repository: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unchanged stack file under an unchanged Pulumi.yaml cannot differ (both sides are rendered with the same
    code): it is skipped, and said so; a changed one is rendered, on every core."""
    from ack_irsa.commands import diff as command

    for name in ("qa", "uat"):
        shutil.copy(repository / "stacks" / "Pulumi.dev.yaml", repository / "stacks" / f"Pulumi.{name}.yaml")
    commit(repository, "more stacks")
    for name in ("qa", "uat"):
        stack = repository / "stacks" / f"Pulumi.{name}.yaml"
        stack.write_text(stack.read_text() + "    - service: sqs\n")
    rendered: list[tuple[str, str]] = []
    real = command._render_side

    def counted(stack: str, side: Any, facts: Any) -> Any:
        rendered.append((stack, side.label[:4]))
        return real(stack, side, facts)

    monkeypatch.setattr(command, "_render_side", counted)
    code, out = diff_in(capsys, repository, "--base", "HEAD", "--jobs", "1")
    assert code == 2
    assert out.startswith(
        "# ack-irsa: 3 stacks compared with `HEAD`; changed: `qa`, `uat`; skipped as unchanged (the stack file and "
        "Pulumi.yaml the same): 1\n- `dev`\n"
    )
    assert sorted(rendered) == [("qa", "base"), ("qa", "head"), ("uat", "base"), ("uat", "head")]
    assert "## ack-irsa plan diff: stack `dev`" not in out
    parallel = diff_in(capsys, repository, "--base", "HEAD", "--jobs", "2")  # in two processes: the same output
    assert parallel == (code, out)
    project = repository / "Pulumi.yaml"  # a shared default changed: every stack is rendered
    project.write_text(project.read_text().replace("default: ack-system", "default: ack-controllers"))
    rendered.clear()
    code, out = diff_in(capsys, repository, "--base", "HEAD", "--jobs", "1")
    assert "skipped" not in out.splitlines()[0]
    assert sorted({stack for stack, _ in rendered}) == ["dev", "qa", "uat"]


def test_diff_json_is_json_on_success_and_failure(capsys: pytest.CaptureFixture[str], repository: Path) -> None:
    import json

    stack = repository / "stacks" / "Pulumi.dev.yaml"
    stack.write_text(stack.read_text() + "    - service: iam\n")
    code, out = diff_in(capsys, repository, "--base", "HEAD", "--format", "json")
    assert code == 2
    document = json.loads(out)
    assert (document["base"], document["changed"], document["skipped"], document["errors"]) == ("HEAD", ["dev"], [], [])
    (record,) = document["stacks"]
    assert (record["stack"], record["status"], record["note"]) == ("dev", "changed", None)
    assert record["counts"] == {"add": len(record["added"]), "change": 0, "replace": 0, "remove": 0}
    assert {"type": "ack-irsa:index:ControllerIrsa", "name": "iam", "parent": None} in record["added"]
    assert [(r["controller"], r["id"]) for r in record["newRisks"]] == [("iam", "privilege-escalation")]
    assert record["onMerge"] == {"iam": "creates it"}
    stack.write_text("config:\n  ack-irsa:controllers: [\n")
    code, out = diff_in(capsys, repository, "--base", "HEAD", "--format", "json")
    assert code == 1
    document = json.loads(out)
    assert document["stacks"] == [] and document["errors"][0].startswith("head: ")
    code, out = diff_in(capsys, repository, "--base", "no-such-ref", "--format", "json")
    assert (code, json.loads(out)["errors"]) == (
        1,
        [f"--base: 'no-such-ref' is not a git revision of {repository.resolve()}"],
    )
    stack.write_text("config:\n  ack-irsa:clusterName: dev-eks\n  ack-irsa:controllers:\n    - service: s4\n")
    code, out = diff_in(capsys, repository, "--base", "HEAD", "--format", "json")
    document = json.loads(out)
    assert code == 1 and document["stacks"] == [{"stack": "dev", "status": "error", "errors": document["errors"]}]
