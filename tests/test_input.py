"""Every class of bad input the fuzzing campaign found, each with its exact message: through ``render``, the
one loading path every command shares. Exit 1 and one ``error:`` block that names the file (with line and
column) or the config key; never a traceback, never a secret, never a value echoed at length."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from ack_irsa.commands import main as cli

from .conftest import ROOT

HEAD = "config:\n  aws:region: us-west-2\n  ack-irsa:clusterName: dev\n"
S3 = "  ack-irsa:controllers:\n    - service: s3\n"
TOKEN = "hunter2-TOKEN"


def render(capsys: pytest.CaptureFixture[str], path: Path, *args: str) -> tuple[int, str, str]:
    code = cli(["render", "--project-dir", str(ROOT), "--config-file", str(path), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def refused(capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str | bytes) -> str:
    """The error a stack file gets; ``F`` stands for its path."""
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    code, out, err = render(capsys, path)
    assert (code, out) == (1, ""), err
    assert "Traceback" not in err
    return err.replace(str(path), "F")


YAML_ERRORS = [
    (
        "a tab",
        "config:\n\tack-irsa:clusterName: dev\n",
        "F, line 2, column 1: found character '\\t' that cannot start any token",
    ),
    (
        "an unclosed [",
        HEAD + "  ack-irsa:controllers: [{service: s3}\n",
        "F, line 5, column 1: expected ',' or ']', but got '<stream end>' (while parsing a flow sequence at line 4)",
    ),
    ("an undefined alias", HEAD + "  ack-irsa:tags: *tags\n", "F, line 4, column 18: found undefined alias 'tags'"),
    (
        "two documents",
        HEAD + S3 + "---\nconfig: {}\n",
        "F, line 6, column 1: but found another document (expected a single document in the stream at line 1)",
    ),
    (
        "an unknown tag",
        HEAD + "  ack-irsa:namespace: !vault ack\n" + S3,
        "F, line 4, column 23: the YAML tag !vault is not supported; a stack file holds strings, numbers, booleans, "
        "lists and maps",
    ),
    (
        "!!binary",
        HEAD + "  ack-irsa:namespace: !!binary YWNr\n" + S3,
        "F, line 4, column 23: the YAML tag !!binary is not supported; a stack file holds strings, numbers, "
        "booleans, lists and maps",
    ),
    (
        "!!set",
        HEAD + "  ack-irsa:tags: !!set {a, b}\n" + S3,
        "F, line 4, column 18: the YAML tag !!set is not supported; a stack file holds strings, numbers, booleans, "
        "lists and maps",
    ),
    (
        "a control character",
        HEAD + "  ack-irsa:namespace: a\x01\n",
        "F, line 4, column 24: the control character U+0001 is not allowed in YAML",
    ),
    (
        "a non-string key",
        HEAD + "  1: x\n" + S3,
        "F, line 4, column 3: the key 1 is not a string; quote it if it is a name",
    ),
    (
        "a duplicate key",
        HEAD + S3 + "  ack-irsa:clusterName: prod\n",
        "F, line 6, column 3: the key 'ack-irsa:clusterName' appears twice (lines 3 and 6); keep one",
    ),
    (
        "deep nesting",
        HEAD + "  ack-irsa:tags: " + "[" * 40 + "]" * 40 + "\n",
        "F, line 4, column 50: values are nested more than 32 levels deep",  # the 33rd bracket
    ),
    (
        "very deep nesting",
        HEAD + "  ack-irsa:tags: " + "[" * 5000 + "]" * 5000 + "\n",
        "F, line 4, column 50: values are nested more than 32 levels deep",
    ),
    (
        "a recursive alias",
        HEAD + "  ack-irsa:tags: &a [*a]\n",
        "F, line 4, column 18: an alias refers to a value that contains it",
    ),
    (
        "no config section",
        "encryptionsalt: v1:abc\n",
        "F: has no `config:` section; a stack file holds its settings under it, e.g.\n  config:\n    aws:region: "
        "us-west-2\n    ack-irsa:clusterName: dev-eks\n    ack-irsa:controllers:\n      - service: s3",
    ),
    (
        "config not a mapping",
        "config: [a]\n",
        "F: `config:` must be a mapping of keys such as ack-irsa:clusterName to values",
    ),
]


@pytest.mark.parametrize(("case", "text", "message"), YAML_ERRORS, ids=[c for c, _, _ in YAML_ERRORS])
def test_a_file_that_is_not_a_stack_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str, text: str, message: str
) -> None:
    assert refused(capsys, tmp_path, text) == f"error: {message}\n"


def test_an_alias_bomb_is_refused_small_and_fast(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """416 bytes that expand to a billion values took 30 s and 2.8 GB; now one line, before anything is built."""
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    levels += [f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join([f'*{chr(97 + n)}'] * 9)}]" for n in range(8)]
    text = "config:\n  ack-irsa:tags:\n" + "".join(f"    {line}\n" for line in levels)
    assert len(text.encode()) < 600
    assert refused(capsys, tmp_path, text) == (
        "error: F, line 8, column 8: this value expands to more than 100,000 values (YAML aliases are expanded); "
        "a stack file may hold at most that many\n"
    )


def test_files_that_cannot_be_read(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert refused(capsys, tmp_path, b"config:\n  ack-irsa:clusterName: d\xe9v\n") == (
        "error: F: not UTF-8 text (byte 0xe9 at offset 33); save it as UTF-8\n"
    )
    directory = tmp_path / "Pulumi.dir.yaml"
    directory.mkdir()
    assert render(capsys, directory) == (1, "", f"error: {directory}: is a directory, not a file\n")
    missing = tmp_path / "Pulumi.none.yaml"
    assert render(capsys, missing) == (1, "", f"error: {missing}: no such file\n")
    large = tmp_path / "Pulumi.large.yaml"
    large.write_text(HEAD + "# " + "x" * (1024 * 1024) + "\n")
    assert render(capsys, large) == (
        1,
        "",
        f"error: {large}: 1,048,639 bytes; a stack or project file may have at most 1,048,576\n",
    )
    code = cli(["render", "--project-dir", str(tmp_path), "--config-file", str(ROOT / "stacks" / "Pulumi.dev.yaml")])
    assert code == 1
    assert capsys.readouterr().err == (
        f"error: {tmp_path}: no Pulumi.yaml here; run in the project's directory or give --project-dir, the "
        "directory that holds its Pulumi.yaml\n"
    )


def problems(capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str) -> list[str]:
    err = refused(capsys, tmp_path, text)
    lines = err.splitlines()
    assert lines[0].startswith("error: the stack config has ")
    return [line.removeprefix("  ") for line in lines[1:]]


def test_values_of_the_wrong_kind_name_their_key(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = (
        "config:\n  aws:region: 5\n  ack-irsa:clusterName: [a, b]\n  ack-irsa:issuerUrl: https://oidc.eks.us-west-2"
        ".amazonaws.com/id/A\n  ack-irsa:oidcProviderArn: arn:aws:iam::111122223333:role/not-a-provider\n"
        "  ack-irsa:controllers:\n    - service: s3\n      inlinePolicy: 5\n      tags: {created: 2024-01-01}\n"
    )
    assert problems(capsys, tmp_path, text) == [
        "ack-irsa:clusterName: Input should be a valid string, got ['a', 'b']",
        "ack-irsa:controllers[0].inlinePolicy: must be a policy document (an object) or its JSON text, got 5",
        "ack-irsa:oidcProviderArn: 'arn:aws:iam::111122223333:role/not-a-provider' is not an IAM OIDC provider ARN "
        "(expected arn:<partition>:iam::<account-id>:oidc-provider/<issuer host and path>)",
        "aws:region: '5' is not an AWS region (e.g. us-west-2)",
    ]


def test_every_arn_problem_at_once_and_no_knock_on(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A trailing space in the only policy ARN is one problem, not also "the role would have no permissions"."""
    text = HEAD + (
        "  ack-irsa:oidcProviderArn: 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/A '\n"
        "  ack-irsa:controllers:\n    - service: s3\n      policyArns: ['arn:aws:iam::111122223333:policy/a b']\n"
        "      inlinePolicy: ''\n      permissionsBoundary: arn:aws:iam::111122223333:policy/x\\n\n"
    )
    assert problems(capsys, tmp_path, text) == [
        "ack-irsa:oidcProviderArn: 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/A ' "
        "is not an IAM OIDC provider ARN (expected arn:<partition>:iam::<account-id>:oidc-provider/<issuer host and "
        "path>)",
        "ack-irsa:controllers[0].policyArns[0]: 'arn:aws:iam::111122223333:policy/a b' is not an IAM policy ARN "
        "(expected arn:<partition>:iam::<account-id or aws>:policy/<path/name>)",
        "ack-irsa:controllers[0].permissionsBoundary: 'arn:aws:iam::111122223333:policy/x\\\\n' is not an IAM policy "
        "ARN (expected arn:<partition>:iam::<account-id or aws>:policy/<path/name>)",
    ]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("namespace", '"ack-system\\n"', "is not a valid RFC 1123 label"),
        ("roleName", '"ack-s3\\n"', "is not a valid IAM role name"),
        ("roleName", "rôle-ü", "is not a valid IAM role name"),
        ("roleName", "ＡＢＣ", "is not a valid IAM role name"),
        ("rolePath", '"/ack/\\n"', "is not a valid IAM path"),
        ("serviceAccountName", '"ack-s3-controller\\n"', "is not a valid RFC 1123 subdomain"),
        ("policyArns", '["arn:aws:iam::111122223333:policy/x\\n"]', "is not an ARN"),
        ("policyArns", '["arn:aws:iam::١١١١٢٢٢٢٣٣٣٣:policy/x"]', "is not an IAM policy ARN"),
        ("policyArns", '["arn:aws:iam::1111222233334:policy/x"]', "is not an IAM policy ARN"),
        ("policyArns", '["arn:aws:iam::111122223333:policy/a b/x"]', "is not an IAM policy ARN"),
        ("extraOidcProviders", '["arn:aws:iam::111122223333:oidc-provider/oidc.eks.a b/id/A"]', "is not an IAM OIDC"),
        ("extraOidcProviders", '["arn:aws:iam::111122223333:oidc-provider/öidc.eks/id/A"]', "is not an IAM OIDC"),
        ("tags", '{"env\\n": "dev"}', "tag key"),
        ("tags", '{"env": "dev\\n"}', "which is not valid"),
        ("tags", '{"aws:env": "dev"}', "tag key"),
    ],
)
def test_names_match_whole_and_in_ascii(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, key: str, value: str, message: str
) -> None:
    text = HEAD + f"  ack-irsa:controllers:\n    - service: s3\n      {key}: {value}\n"
    (problem,) = problems(capsys, tmp_path, text)
    assert problem.startswith(f"ack-irsa:controllers[0].{key}")
    assert message in problem


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        (
            "trustPolicyMaxChars",
            "8193",
            "ack-irsa:trustPolicyMaxChars: Input should be less than or equal to 8192, got '8193'",
        ),
        (
            "managedPoliciesPerRole",
            "21",
            "ack-irsa:managedPoliciesPerRole: Input should be less than or equal to 20, got '21'",
        ),
        ("clientIds", '["sts.amazonaws.com", ""]', "ack-irsa:clientIds[1]: '' is not a client ID (1 to 255 "),
        ("clientIds", f'["sts.amazonaws.com", "{"x" * 300}"]', "ack-irsa:clientIds[1]: 'xxxxxxx"),
        ("thumbprints", '["' + "a" * 40 + '\\n"]', "ack-irsa:thumbprints[0]: "),
        ("thumbprints", json.dumps(["a" * 40] * 6), "ack-irsa:thumbprints: 6 thumbprints; IAM allows at most 5"),
        ("issuerUrl", f"https://oidc.eks.us-west-2.amazonaws.com/id/{'A' * 250}", "ack-irsa:issuerUrl: the issuer URL"),
    ],
)
def test_limits_have_their_real_maximums(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, key: str, value: str, problem: str
) -> None:
    cluster = "" if key == "issuerUrl" else "  ack-irsa:clusterName: dev\n"
    text = f"config:\n  aws:region: us-west-2\n{cluster}  ack-irsa:{key}: '{value}'\n" + S3
    found = problems(capsys, tmp_path, text)
    assert len(found) == 1 and found[0].startswith(problem), found


def test_long_values_are_echoed_short(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = HEAD + f"  ack-irsa:namespace: {'x' * 5000}\n" + S3
    (problem,) = problems(capsys, tmp_path, text)
    assert problem.startswith("ack-irsa:namespace: 'xxxx")
    assert "xxx...xxx" in problem
    assert "xxx' (5000 characters) is not a valid RFC 1123 label" in problem
    assert len(problem) < 400


def test_stack_wide_values_are_reported_once(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    tags = ", ".join(f"t{n}: v" for n in range(51))
    text = HEAD + f"  ack-irsa:tags: {{{tags}}}\n  ack-irsa:controllers: [{{service: s3}}, {{service: rds}}]\n"
    assert problems(capsys, tmp_path, text) == ["ack-irsa:tags: 51 tags; IAM allows at most 50 per role"]


def test_a_stack_needs_a_controller_and_at_most_a_thousand(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert problems(capsys, tmp_path, HEAD) == [
        "ack-irsa:controllers: list at least one controller, e.g. [{service: s3}] (to create only the cluster's OIDC "
        'provider, use ClusterOidcProvider from a Pulumi program of your own: README, "Use from your own Pulumi '
        'program")'
    ]
    many = ", ".join(f"{{service: s3, name: s{n}, namespace: n{n}}}" for n in range(1001))
    assert problems(capsys, tmp_path, HEAD + f"  ack-irsa:controllers: [{many}]\n") == [
        "ack-irsa:controllers: 1,001 controllers; a stack may have at most 1,000"
    ]


KUBECONFIG = {
    "apiVersion": "v1",
    "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:6443"}}],
    "contexts": [{"name": "dev", "context": {"cluster": "c", "user": "u"}}],
    "users": [{"name": "u", "user": {"token": TOKEN}}],
    "current-context": "dev",
}
"""A kubeconfig of the structure a client needs (clusters, contexts, users, a context that resolves)."""
KUBECONFIGS = {
    "a map": json.dumps(KUBECONFIG),  # JSON is YAML: a map in the stack file
    "JSON text": json.dumps(json.dumps(KUBECONFIG)),
    "YAML text": json.dumps(yaml.safe_dump(KUBECONFIG)),
}


@pytest.mark.parametrize("shape", KUBECONFIGS)
def test_a_kubeconfig_in_every_accepted_shape_is_never_printed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, shape: str
) -> None:
    path = tmp_path / "Pulumi.k.yaml"
    path.write_text(HEAD + f"  ack-irsa:kubeconfig: {KUBECONFIGS[shape]}\n" + S3)
    for output in ("markdown", "json", "manifests"):
        code, out, err = render(capsys, path, "--format", output)
        assert (code, err) == (0, "")
        assert TOKEN not in out
    document = json.loads(render(capsys, path, "--format", "json")[1])
    provider = next(r for r in document["resources"] if r["type"] == "pulumi:providers:kubernetes")
    assert provider["inputs"]["kubeconfig"] == "<redacted>"


@pytest.mark.parametrize(
    ("value", "kind"),
    [(f"[{{token: {TOKEN}}}]", "a list"), ("5", "a string"), (f"{{users: {TOKEN}}}", None)],
)
def test_a_kubeconfig_in_a_refused_shape_is_never_printed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, value: str, kind: str | None
) -> None:
    """A list is refused without showing it; a number is a path; a map with other problems is never echoed."""
    text = HEAD + f"  ack-irsa:kubeconfig: {value}\n  ack-irsa:namespace: Bad\n" + S3
    err = refused(capsys, tmp_path, text)
    assert TOKEN not in err
    if kind == "a list":
        assert (
            "ack-irsa:kubeconfig: must be a path or the kubeconfig's contents (text or a map), got a list (not shown: "
            "a kubeconfig can hold credentials)"
        ) in err


@pytest.mark.parametrize("command", ["render", "diff-base", "diff-head", "verify", "up", "diff-stacks"])
def test_every_command_reports_a_malformed_file_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    project = tmp_path / "project"
    (project / "stacks").mkdir(parents=True)
    (project / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    bad = project / "stacks" / "Pulumi.bad.yaml"
    bad.write_text(HEAD + "  ack-irsa:controllers: [{service: s3}\n")
    good = ROOT / "stacks" / "Pulumi.dev.yaml"
    arguments = {
        "render": ["render", "--config-file", str(bad)],
        "diff-base": ["diff", "--base-file", str(bad), "--head-file", str(good)],
        "diff-head": ["diff", "--base-file", str(good), "--head-file", str(bad)],
        "verify": ["verify", "--stack", "bad", "--skip-kubernetes"],
        "up": ["up", "--stack", "bad"],
        "diff-stacks": ["diff", "--stack", "bad", "--base", "HEAD"],
    }[command]
    if command == "diff-stacks":
        import subprocess

        subprocess.run(["git", "init", "-q", str(project)], check=True)
        subprocess.run(["git", "-C", str(project), "add", "."], check=True)
        subprocess.run(
            ["git", "-C", str(project), "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "b"],
            check=True,
        )
    code = cli([*arguments, "--project-dir", str(project)])
    err = capsys.readouterr().err
    where = {"diff-base": "base: ", "diff-head": "head: ", "diff-stacks": "base: "}.get(command, "")
    path = "HEAD:stacks/Pulumi.bad.yaml" if command == "diff-stacks" else str(bad)
    assert code == 1
    assert err == (
        f"error: {where}{path}, line 5, column 1: expected ',' or ']', but got '<stream end>' (while parsing a "
        "flow sequence at line 4)\n"
    )


@pytest.mark.parametrize("shape", [*KUBECONFIGS, "a list"])
@pytest.mark.parametrize("valid", [True, False])
def test_no_command_prints_a_kubeconfig(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, shape: str, valid: bool
) -> None:
    """render (every format), diff (the token changes between the sides), up, verify: on success and on error."""
    project = tmp_path / "project"
    (project / "stacks").mkdir(parents=True)
    (project / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    value = KUBECONFIGS.get(shape, f"[{{token: {TOKEN}}}]")
    namespace = "" if valid else "  ack-irsa:namespace: Bad\n"
    head = project / "stacks" / "Pulumi.dev.yaml"
    head.write_text(HEAD + f"  ack-irsa:kubeconfig: {value}\n" + namespace + S3)
    base = tmp_path / "Pulumi.dev.yaml"
    base.write_text(head.read_text().replace(TOKEN, "older-" + TOKEN))
    runs = [
        ["render", "--stack", "dev", "--format", "markdown"],
        ["render", "--stack", "dev", "--format", "json"],
        ["render", "--stack", "dev", "--format", "manifests"],
        ["diff", "--base-file", str(base), "--head-file", str(head)],
        ["up", "--stack", "dev", "--offline"],
        ["verify", "--stack", "dev", "--skip-kubernetes", "--aws-endpoint-url", "http://127.0.0.1:9"],
    ]
    for arguments in runs:
        code = cli([*arguments, "--project-dir", str(project)])
        captured = capsys.readouterr()
        assert TOKEN not in captured.out + captured.err, arguments
        assert "Traceback" not in captured.err
        assert code in (0, 1, 2), arguments
