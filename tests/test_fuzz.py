"""Bad input never crashes, hangs or leaks: generated stack files through the CLI's own entry point.

Stack files come from a grammar that mixes valid structure (the example stacks) with the classes of input
that once ended in a traceback, an error naming no key, or a printed secret: values of the wrong kind,
dates and binary tags, non-string keys, duplicate keys, aliases, deep nesting, names with a final newline
or non-ASCII characters, kubeconfigs holding a token in every shape, and YAML that does not parse. Each
one goes through ``render`` and ``diff`` in-process; every run must end in exit 0 (a plan) or exit 1 with
one ``error:`` block that names the file or a config key, never a traceback, never the token.

``make test`` runs a modest number of examples; ``ACK_IRSA_FUZZ_EXAMPLES=5000`` runs a campaign.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ack_irsa.commands import main as cli

from .conftest import ROOT

CAMPAIGN = os.environ.get("ACK_IRSA_FUZZ_EXAMPLES")
REPORT = os.environ.get("ACK_IRSA_FUZZ_REPORT")
"""A file to append one JSON line per example to (its seconds and exit code): a campaign's figures. Read, not
asserted: a slow example is a finding to look at, and a timed assertion would fail on a busy machine."""
EXAMPLES = int(CAMPAIGN or "60")
FEW = st.sampled_from([0, 0, 0, 1, 2, 3])
"""How many odd values one file gets: mostly none, so that valid files (and plans) come out too."""
TOKEN = "hunter2-FUZZ-TOKEN"
KEYS = [
    "clusterName", "issuerUrl", "oidcProviderArn", "clientIds", "thumbprints", "retainOidcProvider", "namespace",
    "kubeconfig", "kubeContext", "tags", "trustPolicyMaxChars", "managedPoliciesPerRole", "crossAccountMode",
    "install", "capability", "import",
]  # fmt: skip
CONTROLLER_KEYS = [
    "namespace", "serviceAccountName", "serviceAccountMode", "deploymentName", "policyArns",
    "extraPolicyArns", "inlinePolicy", "roleName", "rolePath", "permissionsBoundary", "maxSessionDuration", "tags",
    "extraServiceAccounts", "extraOidcProviders", "allowWildcardSubject", "install", "identity", "acknowledgeRisks",
    "policy", "kinds", "passRoles", "namespaces", "secretNamespaces", "trustPolicy", "inlinePolicyName",
    "roleDescription",
]  # fmt: skip
SERVICES = ["s3", "rds", "iam", "dynamodb"] * 3 + ["s4", "glue"]
PROVIDER = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/ABCDEF"

# Scalars and YAML fragments of every kind the fuzzing campaign found troublesome.
ODD_TEXT = [
    "2024-01-01", "2024-01-01T10:00:00Z", "!!binary aGVsbG8=", "!!set {a, b}", "!!timestamp 2001-12-14", "!foo bar",
    "*undefined", "&a [*a]", "'ack-system\\n'", '"ack-system\\n"', '"rôle-ü"', '"１２３４５６７８９０１２"',
    '"٣٣٣٣٣٣٣٣٣٣٣٣"', "[", "{", "]", "- a\n- b", "\t", '"\\x01"', "~", "null", ".inf", ".nan", "-1", "1e400",
    "0x10", "yes", '""', '" "', "'arn:aws:iam::111122223333:policy/a b'", f"'{PROVIDER} '",
    "'arn:aws-cn:iam::111122223333:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/A'",
    "{Version: '2012-10-17', Statement: [5, 'x', {Effect: Maybe}]}", "{Effect: Allow}", "'" + "x" * 400 + "'",
    "[" * 40 + "]" * 40, "us-west-22", "[us-west-2]", "12345",
    # the third campaign: backtracking shapes, install objects, YAML 1.1 scalars where a string is meant
    "'https://oidc.eks.us-west-2.amazonaws.com/id" + "/a" * 30 + " '", f"'{PROVIDER}" + "/a" * 30 + " '",
    "{values: ''}", "{values: false}", "{values: 0}", "{values: []}", "{releaseName: " + "a" * 54 + "}",
    "{values: {enableCARM: 'false'}}", "{values: {enableCARM: 0}}", "{}", "~", "{version: 1.10}",
    "{version: 9.9.9}", "{release_name: x}", "{bogus: 1}", "on", "012345670123", "1.10",
    # this wave's keys: the capability, derived policies, taking over a role as found
    "derived", "[Bucket]", "[Buckt]", "{permissions: direct}", "{permissions: both}", "{name: ACK!}",
    "{Version: '2012-10-17', Statement: [{Effect: Allow, Principal: '*', Action: 'sts:AssumeRole'}]}",
    "{s3-role: ack-s3}", "[arn:aws:iam::111122223333:role/x]",
    # the move from Helm to the capability
    "{handover: prepare}", "{handover: handOver}", "{handover: finish}", "{handover: handover}",
    "{permissions: direct, handover: create}", "{leaderElection: {enabled: true}}",
    "{values: {deployment: {replicas: 0}}}",
    # searches that were quadratic: 100 KB runs of a token's start and of a kubeconfig's list
    "'" + "eyJ-" * 25_000 + "'", "'" + "users: " * 15_000 + "'",
]  # fmt: skip
KUBECONFIGS = [
    f"'apiVersion: v1\\nusers: [{{user: {{token: {TOKEN}}}}}]'",
    f'\'{{"apiVersion": "v1", "users": [{{"user": {{"token": "{TOKEN}"}}}}]}}\'',
    f"{{apiVersion: v1, users: [{{user: {{token: {TOKEN}}}}}]}}",
    f"[{{token: {TOKEN}}}]",
    f"{{users: {{token: {TOKEN}, extra: [1, 2, {{deep: {TOKEN}}}]}}}}",
    "5",
]


def scalar() -> st.SearchStrategy[str]:
    """A YAML value as text: plain values, odd fragments, or a generated string."""
    plain = st.sampled_from(["dev-eks", "s3", "rds", "ack-system", "true", "3600", "[]", "{}", PROVIDER])
    generated = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20).map(
        lambda text: yaml.safe_dump(text, default_style='"').strip()
    )
    return st.one_of(plain, st.sampled_from(ODD_TEXT), generated)


@st.composite
def target(draw: st.DrawFn) -> str:
    """One ``crossAccount`` entry: mostly well-formed, with an odd value or key now and then."""
    accounts = ['"444455556666"'] * 4 + ['"777788889999"', '"111122223333"', "444455556666", '"4444"', "[a]"]
    accounts += ["012345670123", '"' + "4" * 600 + '"']
    account = draw(st.sampled_from(accounts))
    fields = {"accountId": account, "namespaces": draw(st.sampled_from(["[team-a]", "[team-a, team-b]", "[]", "x"]))}
    role = draw(st.sampled_from(["roleName", "roleArn", "both", "neither"]))
    if role in ("roleName", "both"):
        fields["roleName"] = draw(st.sampled_from(["ack-s3", "a/b", "''"]))
    if role in ("roleArn", "both"):
        arns = ["arn:aws:iam::444455556666:role/ack/x", "arn:aws-cn:iam::444455556666:role/x", "arn:aws:iam::1:role/x"]
        fields["roleArn"] = draw(st.sampled_from(arns))
    if draw(st.booleans()):
        fields["manageRole"] = draw(st.sampled_from(["true", "false", "yes"]))
        providers = ["{profile: team-a}", "{}", "{assumeRoleArn: x}", "{regoin: a}", "{profile: ''}", "{profile: ' '}",
                     "{profile: team-a, region: mars-1}", "{profile: team-a, region: cn-north-1}"]  # fmt: skip
        fields["provider"] = draw(st.sampled_from(providers))
    for key in draw(st.lists(st.sampled_from([*fields, "acountId"]), max_size=draw(FEW), unique=True)):
        fields[key] = draw(scalar())
    return "{" + ", ".join(f"{key}: {value}" for key, value in fields.items()) + "}"


@st.composite
def controller(draw: st.DrawFn, service: str, index: int) -> str:
    lines = [f"service: {service}", f"name: c{index}"]
    for key in draw(st.lists(st.sampled_from(CONTROLLER_KEYS), max_size=draw(FEW), unique=True)):
        lines.append(f"{key}: {draw(scalar())}")
    if draw(st.integers(0, 3)) == 0:
        lines.append(f"crossAccount: [{', '.join(draw(st.lists(target(), min_size=1, max_size=2)))}]")
    return "- " + "\n      ".join(lines)


@st.composite
def stack_file(draw: st.DrawFn) -> str:
    """A stack file: mostly valid structure with a few odd values, or odd YAML at any place."""
    lines = ["config:"]
    if draw(st.booleans()):
        regions = ["us-west-2"] * 6 + ["us-west-22", "cn-north-1", "5", "[a]"]
        lines.append(f"  aws:region: {draw(st.sampled_from(regions))}")
    cluster = ["dev-eks"] * 6 + ["[a, b]", "5", "dev eks"]
    lines.append(f"  ack-irsa:clusterName: {draw(st.sampled_from(cluster))}")
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=draw(FEW), unique=True)):
        value = draw(st.sampled_from(KUBECONFIGS)) if key == "kubeconfig" else draw(scalar())
        lines.append(f"  ack-irsa:{key}: {value}")
    if draw(st.integers(0, 5)) == 0:
        lines.append(f"  ack-irsa:kubeconfig: {draw(st.sampled_from(KUBECONFIGS))}")
    if draw(st.integers(0, 9)):
        lines.append("  ack-irsa:controllers:")
        services = draw(
            st.lists(st.sampled_from(["s3", "rds", "iam", "dynamodb", "s4", "glue"]), min_size=1, max_size=3)
        )
        lines += [f"    {draw(controller(service, index))}" for index, service in enumerate(services)]
    if draw(st.integers(0, 5)) == 0:  # odd YAML anywhere: a duplicate key, a non-string key, a fragment
        extra = draw(st.sampled_from(["  ack-irsa:clusterName: again", "  1: x", "  ? [a]\n  : b", *ODD_TEXT]))
        lines.insert(draw(st.integers(0, len(lines))), extra)
    return "\n".join(lines) + "\n"


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli([*args, "--project-dir", str(ROOT)])
    return code, out.getvalue(), err.getvalue()


def assert_clean(code: int, out: str, err: str, path: Path) -> None:
    assert code in (0, 1, 2), (code, err)
    assert "Traceback" not in out + err
    assert "internal error" not in err, err
    assert TOKEN not in out + err, "a secret was printed"
    if code == 1:
        assert err.startswith("error: "), err
        assert str(path) in err or "ack-irsa:" in err or "aws:" in err or "--" in err, err
        assert len(err) < 20_000, "an echoed value was not shortened"


@pytest.mark.slow
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=CAMPAIGN is None,  # make test: the same examples every run; a campaign explores anew
)
@given(text=stack_file(), side=st.sampled_from(["render", "base", "head"]))
def test_generated_stack_files_end_in_a_plan_or_a_clear_error(text: str, side: str) -> None:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "Pulumi.fuzz.yaml"
        path.write_text(text)
        good = ROOT / "stacks" / "Pulumi.dev.yaml"
        if side == "render":
            code, out, err = run_cli("render", "--config-file", str(path), "--format", "json")
        else:
            base, head = (path, good) if side == "base" else (good, path)
            code, out, err = run_cli("diff", "--base-file", str(base), "--head-file", str(head))
        _timed(side, started, code)
        assert_clean(code, out, err, path)


def _timed(side: str, started: float, code: int) -> None:
    if REPORT:
        with Path(REPORT).open("a", encoding="utf-8") as report:
            report.write(json.dumps({"side": side, "seconds": round(time.perf_counter() - started, 3), "code": code}))
            report.write("\n")


def test_the_grammar_reaches_both_outcomes() -> None:
    """The generator is not all errors: a plan and a refusal each come out of it."""
    outcomes: set[int] = set()

    @settings(max_examples=80, deadline=None, database=None, derandomize=True)
    @given(text=stack_file())
    def collect(text: str) -> None:
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "Pulumi.fuzz.yaml"
            path.write_text(text)
            outcomes.add(run_cli("render", "--config-file", str(path))[0])

    collect()
    assert {0, 1} <= outcomes, outcomes


# ---- planted: a valid stack file with values the README calls invalid, each refused by its key, all at once


ISSUER = "https://oidc.eks.us-west-2.amazonaws.com/id"
PLANTED_CONTROLLER: list[tuple[str, object, str]] = [
    ("install", {"values": ""}, "install.values"),
    ("install", {"releaseName": "a" * 54}, "install.releaseName"),
    ("install", {"values": {"enableCARM": "false"}}, "install.values.enableCARM"),
    ("maxSessionDuration", 100, "maxSessionDuration"),
    ("roleName", "x" * 65, "roleName"),
    ("rolePath", "noslash", "rolePath"),
    ("serviceAccountMode", "sometimes", "serviceAccountMode"),
    ("policy", "derivd", "policy"),
    ("acknowledgeRisks", ["privilege-escalaton"], "acknowledgeRisks[0]"),
    ("identity", "pod", "identity"),
    ("namespace", "Ack_System", "namespace"),
    ("permissionsBoundary", "arn:aws:iam::1:policy/x", "permissionsBoundary"),
    ("crossAccount", [{"accountId": "4444", "roleName": "x", "namespaces": ["a"]}], "crossAccount[0].accountId"),
    ("trustPolicy", {"Version": "2012-10-17", "Statement": "x"}, "trustPolicy"),
    ("kinds", ["Bucket"], "kinds"),
]
"""(controller key, a value the README calls invalid, the key path its refusal names)."""
PLANTED_STACK: list[tuple[str, object, str]] = [
    ("issuerUrl", ISSUER + "/a" * 30 + " ", "issuerUrl"),
    ("oidcProviderArn", PROVIDER + "/a" * 30 + " ", "oidcProviderArn"),
    ("namespace", "Ack_System", "namespace"),
    ("tags", {"aws:x": "y"}, "tags"),
    ("install", {"values": []}, "install.values"),
    ("crossAccountMode", "sometimes", "crossAccountMode"),
]


@st.composite
def planted(draw: st.DrawFn) -> tuple[dict[str, object], list[str]]:
    """The dev stack with 1 to 4 invalid values planted (each in its own key), and the key paths to name."""
    config = copy.deepcopy(yaml.safe_load((ROOT / "stacks" / "Pulumi.dev.yaml").read_text()))
    settings = config["config"]
    controllers = settings["ack-irsa:controllers"]
    places: list[tuple[str | int, str, object, str]] = [("stack", *p) for p in PLANTED_STACK]
    places += [(index, *p) for index in range(len(controllers)) for p in PLANTED_CONTROLLER]
    # kinds is refused for want of policy: derived, so it is never planted beside a misspelt policy
    chosen = draw(
        st.lists(
            st.sampled_from(places),
            min_size=1,
            max_size=4,
            unique_by=lambda p: (p[0], "policy" if p[1] == "kinds" else p[1]),
        )
    )
    expected = []
    for where, key, value, path in chosen:
        if where == "stack":
            settings[f"ack-irsa:{key}"] = value
            expected.append(f"ack-irsa:{path}")
        else:
            controllers[where][key] = value
            expected.append(f"ack-irsa:controllers[{where}].{path}")
    return config, expected


@pytest.mark.slow
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=CAMPAIGN is None,
)
@given(case=planted())
def test_planted_invalid_values_are_each_refused_by_their_key_at_once(
    case: tuple[dict[str, object], list[str]],
) -> None:
    config, expected = case
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "Pulumi.fuzz.yaml"
        path.write_text(yaml.safe_dump(config))
        code, out, err = run_cli("render", "--config-file", str(path))
    assert_clean(code, out, err, path)
    assert code == 1, "an invalid value was accepted"
    assert [key for key in expected if f"  {key}: " not in err] == [], err
