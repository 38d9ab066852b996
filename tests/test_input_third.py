"""The third fuzzing campaign's classes, each with its exact message: invalid values the newer keys let
through (Helm values, release names, chart value types, the stack's ``install``, cross-account providers,
kubeconfigs, policies of another account), YAML 1.1's booleans and numbers where a string is meant, key
paths as the stack file writes them, and the Python API's arguments that ended in a raw exception."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pytest

from ack_irsa import ArgsError, ClusterOidcProvider, ControllerIrsa, RoleAccountMap
from ack_irsa.commands import main as cli
from ack_irsa.stack import kubeconfig
from ack_irsa.stack.stackfile import config_of

from .conftest import PROVIDER_ARN, ROOT, run
from .test_input import HEAD, TOKEN, render

PROVIDER = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/ABCDEF"


def problems_of(capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str) -> list[str]:
    """The problem lines ``render`` reports for a stack file (exit 1, nothing rendered)."""
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_text(text)
    code, out, err = render(capsys, path)
    assert (code, out) == (1, ""), err
    assert "Traceback" not in err
    return [line.strip() for line in err.splitlines()[1:]]


def controllers(*lines: str) -> str:
    return "  ack-irsa:controllers:\n" + "".join(f"    {line}\n" for line in lines)


# --- Helm values, release names, chart value types --------------------------------------------------------


@pytest.mark.parametrize("values", ['""', "false", "0", "[]", "x"])
def test_helm_values_that_are_no_map_are_refused_per_controller_and_at_the_stack(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, values: str
) -> None:
    shown = {'""': "''", "false": "False", "0": "0", "[]": "[]", "x": "'x'"}[values]
    per_controller = HEAD + controllers("- service: s3", f"  install: {{values: {values}}}")
    assert problems_of(capsys, tmp_path, per_controller) == [
        f"ack-irsa:controllers[0].install.values: must be a map of chart values, got {shown}"
    ]
    stack = HEAD + f"  ack-irsa:install: {{values: {values}}}\n" + controllers("- service: s3")
    assert problems_of(capsys, tmp_path, stack) == [
        f"ack-irsa:install.values: must be a map of chart values, got {shown}"
    ]


def test_a_release_name_longer_than_helm_allows_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    name = "a" * 54
    text = HEAD + controllers("- service: s3", f"  install: {{releaseName: {name}}}")
    assert problems_of(capsys, tmp_path, text) == [
        f"ack-irsa:controllers[0].install.releaseName: '{name}' is 54 characters long; Helm allows a release name "
        "of at most 53"
    ]
    fits = HEAD + controllers("- service: s3", f"  install: {{releaseName: {'a' * 53}}}")
    path = tmp_path / "Pulumi.ok.yaml"
    path.write_text(fits)
    assert render(capsys, path)[0] == 0


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("{releaseName: shared}", "{releaseName: shared}"),
        ("true", "{releaseName: ack-s3-controller}"),  # the default name, given again
        ("{}", "{releaseName: ack-s3-controller}"),
    ],
)
def test_two_installs_on_one_release_in_one_namespace_are_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, first: str, second: str
) -> None:
    text = HEAD + controllers("- service: s3", f"  install: {first}", "- service: rds", f"  install: {second}")
    release = "shared" if "shared" in first else "ack-s3-controller"
    assert problems_of(capsys, tmp_path, text) == [
        f"ack-irsa:controllers[1]: controllers[0] installs the Helm release ack-system/{release} already"
    ]


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ('{enableCARM: "false"}', "enableCARM: must be true or false (the chart's schema), got 'false'; write it "
            "without quotes"),
        ("{enableCARM: 0}", "enableCARM: must be true or false (the chart's schema), got 0"),
        ("{installScope: everywhere}", "installScope: must be one of 'cluster', 'namespace', got 'everywhere'"),
        ("{leaderElection: {enabled: 'yes'}}", "leaderElection.enabled: must be true or false (the chart's schema), "
            "got 'yes'"),
        ("{featureGates: on}", "featureGates: must be a map of feature gates to true or false, got True"),
        ("{featureGates: {ServiceLevelCARM: 1}}", "featureGates.ServiceLevelCARM: must be true or false (the chart's "
            "schema), got 1"),
        ("{resourceTags: a=b}", "resourceTags: must be a list (the chart's schema), got 'a=b'"),
    ],
)  # fmt: skip
def test_chart_values_of_a_type_the_charts_schema_forbids_are_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, values: str, problem: str
) -> None:
    text = HEAD + controllers("- service: s3", f"  install: {{values: {values}}}")
    assert problems_of(capsys, tmp_path, text) == [f"ack-irsa:controllers[0].install.values.{problem}"]


def test_chart_values_of_the_types_the_schema_gives_are_accepted(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    values = "{enableCARM: true, installScope: cluster, leaderElection: {enabled: true, namespace: kube-system}, "
    values += "featureGates: {ServiceLevelCARM: true}, resourceTags: [a=b], log: {level: debug}, unknownKey: 5}"
    path = tmp_path / "Pulumi.ok.yaml"
    path.write_text(HEAD + controllers("- service: s3", f"  install: {{values: {values}}}"))
    assert render(capsys, path)[0] == 0


def test_the_chart_value_types_agree_with_the_vendored_chart_schema() -> None:
    """Every type ack-irsa checks is the one the s3 chart's values.schema.json gives (the ACK charts share it)."""
    from ack_irsa.spec.controller import CHART_VALUE_TYPES

    schema = json.loads((ROOT / "tests" / "fixtures" / "s3-chart-values.schema.json").read_text())
    kinds = {"boolean": bool, "string": str, "array": list, "object": dict}
    for path, kind in CHART_VALUE_TYPES.items():
        node: dict[str, Any] = schema
        for part in path.split("."):
            node = node.get("properties", {}).get(part) or node.get("additionalProperties") or {}
        if isinstance(kind, tuple):
            assert tuple(node["enum"]) == kind, path
        elif node:  # featureGates is a map the schema leaves open
            assert kinds[node["type"]] is kind, path


# --- the stack's install --------------------------------------------------------------------------------


def test_a_stack_install_problem_is_reported_once_under_its_own_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = HEAD + "  ack-irsa:install: {createNamespace: maybe, values: {enableCARM: 0}}\n"
    text += controllers("- service: s3", "- service: rds", "- service: dynamodb")
    assert problems_of(capsys, tmp_path, text) == [
        "ack-irsa:install.values.enableCARM: must be true or false (the chart's schema), got 0",
        "ack-irsa:install.createNamespace: must be true or false, got 'maybe'",
    ]


def test_a_stack_install_is_checked_even_when_every_controller_replaces_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = HEAD + "  ack-irsa:install: {values: [], bogus: 1}\n"
    text += controllers("- service: s3", "  install: false", "- service: rds", "  install: true")
    assert problems_of(capsys, tmp_path, text) == [
        "ack-irsa:install.values: must be a map of chart values, got []",
        "ack-irsa:install.bogus: unknown key (known: version, releaseName, values, createNamespace)",
    ]


def test_an_empty_stack_install_installs_every_chart(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """``install: {}`` reads as "install, with no values of its own": it installs (decision 171)."""
    path = tmp_path / "Pulumi.empty.yaml"
    path.write_text(HEAD + "  ack-irsa:install: {}\n" + controllers("- service: s3"))
    code, out, _ = render(capsys, path, "--format", "json")
    assert code == 0
    releases = [r for r in json.loads(out)["resources"] if r["type"] == "kubernetes:helm.sh/v3:Release"]
    assert [r["inputs"]["name"] for r in releases] == ["ack-s3-controller"]


def test_install_keys_are_named_as_the_stack_file_writes_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = HEAD + "  ack-irsa:install: ~\n"
    text += controllers(
        "- service: s3",
        "  install: {releaseName: Bad_Name, createNamespace: 5, release_name: x}",
    )
    problems = problems_of(capsys, tmp_path, text)
    assert problems == [
        "ack-irsa:install: must be true, false or an object {values, createNamespace}, not empty, got 'null'",
        "ack-irsa:controllers[0].install.releaseName: 'Bad_Name' is not a valid RFC 1123 label (at most 63 "
        "lowercase letters, digits and '-', starting and ending with a letter or digit)",
        "ack-irsa:controllers[0].install.createNamespace: must be true or false, got 5",
        "ack-irsa:controllers[0].install.release_name: unknown key; did you mean 'releaseName'?",
    ]
    assert not any(internal in line for line in problems for internal in ("bool", "dict[str", "create_namespace"))


def test_an_install_version_unknown_to_the_catalog_is_allowed_with_a_warning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The catalog knows one released version per chart, the one it pins; another is warned of (decision 172)."""
    path = tmp_path / "Pulumi.v.yaml"
    path.write_text(HEAD + controllers("- service: s3", "  install: {version: 9.9.9}"))
    code, out, _ = render(capsys, path)
    assert code == 0
    assert (
        "install.version: 9.9.9 is not the chart version the catalog knows for s3 (1.10.0); Helm fails if it was "
        "never released, and its values were checked against 1.10.0's schema" in out
    )
    path.write_text(HEAD + controllers("- service: s3", "  install: {version: 1.10.0}"))
    assert "is not the chart version the catalog knows" not in render(capsys, path)[1]


# --- YAML 1.1 booleans and numbers where a string is meant ----------------------------------------------


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("  ack-irsa:namespace: yes\n", "ack-irsa:namespace: YAML reads yes as a boolean; this key takes a string: "
            "quote it ('yes')"),
        ("  ack-irsa:kubeContext: 1.10\n", "ack-irsa:kubeContext: YAML reads 1.10 as a number (1.1); this key takes "
            "a string: quote it ('1.10')"),
        ("  ack-irsa:tags: {team: on}\n", "ack-irsa:tags.team: YAML reads on as a boolean; this key takes a string: "
            "quote it ('on')"),
    ],
)  # fmt: skip
def test_a_boolean_or_number_where_a_string_is_meant_is_refused_with_quote_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, line: str, problem: str
) -> None:
    assert problems_of(capsys, tmp_path, HEAD + line + controllers("- service: s3")) == [problem]


def test_nested_booleans_and_numbers_quote_what_the_file_says(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = HEAD + controllers(
        "- service: s3",
        "  serviceAccountName: no",
        "  install: {version: 1.10}",
        "  crossAccount: [{accountId: 012345670123, roleName: x, namespaces: [a]}]",
    )
    assert problems_of(capsys, tmp_path, text) == [
        "ack-irsa:controllers[0].serviceAccountName: YAML reads no as a boolean; this key takes a string: quote it "
        "('no')",
        "ack-irsa:controllers[0].install.version: YAML reads 1.10 as a number (1.1); this key takes a string: quote it "
        "('1.10')",
        "ack-irsa:controllers[0].crossAccount[0].accountId: YAML reads 012345670123 as a number (1402433619); this key "
        "takes a string: quote it ('012345670123')",
    ]


def test_booleans_and_numbers_where_they_are_meant_stay_accepted(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = HEAD + "  ack-irsa:retainOidcProvider: yes\n  ack-irsa:trustPolicyMaxChars: 4096\n"
    text += controllers("- service: s3", "  maxSessionDuration: 7200", "  allowWildcardSubject: no")
    path = tmp_path / "Pulumi.ok.yaml"
    path.write_text(text)
    assert render(capsys, path)[0] == 0


def test_the_loader_keeps_the_text_of_unquoted_booleans_and_numbers_only() -> None:
    text = "config:\n  ack-irsa:namespace: yes\n  ack-irsa:clusterName: 'yes'\n  ack-irsa:controllers:\n"
    text += '    - {service: s3, maxSessionDuration: 0x10, name: "5", tags: {a: 1.0e+3}}\n'
    written = config_of({"name": "ack-irsa"}, text, "F").written
    assert written == {
        "ack-irsa:namespace": "yes",
        "ack-irsa:controllers[0].maxSessionDuration": "0x10",
        "ack-irsa:controllers[0].tags.a": "1.0e+3",
    }


def test_without_the_source_text_a_number_is_still_refused_by_its_type() -> None:
    """Under ``pulumi up`` the program sees Pulumi's config map only: a nested number still fails as no string."""
    from ack_irsa.stack.config import ConfigError, parse

    with pytest.raises(ConfigError) as refused:
        parse({"ack-irsa:clusterName": "dev", "ack-irsa:controllers": '[{"service": "s3", "namespace": 5}]'})
    assert refused.value.problems == ["ack-irsa:controllers[0].namespace: Input should be a valid string, got 5"]


# --- cross-account providers, policies of another account, long echoes -------------------------------------


@pytest.mark.parametrize(
    ("provider", "problem"),
    [
        ('{profile: ""}', "provider.profile: '' is not an AWS profile name (empty, or with spaces or a line break at "
            "an end)"),
        ('{profile: "  "}', "provider.profile: '  ' is not an AWS profile name (empty, or with spaces or a line "
            "break at an end)"),
        ('{profile: "team-a\\n"}', "provider.profile: 'team-a\\n' is not an AWS profile name (empty, or with spaces "
            "or a line break at an end)"),
        ("{profile: team-a, region: mars-1}", "provider.region: 'mars-1' is not an AWS region (e.g. us-west-2)"),
        ("{profile: team-a, region: cn-north-1}", "provider.region: cn-north-1 is in partition 'aws-cn', but this "
            "stack's is 'aws' (from aws:region 'us-west-2')"),
    ],
)  # fmt: skip
def test_a_target_provider_with_a_bad_profile_or_region_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, provider: str, problem: str
) -> None:
    entry = f'{{accountId: "444455556666", roleName: x, namespaces: [a], manageRole: true, provider: {provider}}}'
    text = HEAD + controllers("- service: s3", f"  crossAccount: [{entry}]")
    assert problems_of(capsys, tmp_path, text) == [f"ack-irsa:controllers[0].crossAccount[0].{problem}"]


def test_a_policy_of_another_account_than_the_roles_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = (
        HEAD
        + f"  ack-irsa:oidcProviderArn: {PROVIDER}\n"
        + controllers(
            "- service: s3",
            "  extraPolicyArns: [arn:aws:iam::444455556666:policy/x, arn:aws:iam::111122223333:policy/mine]",
            "  permissionsBoundary: arn:aws:iam::444455556666:policy/boundary",
        )
    )
    tail = "but the role is made in 111122223333 (of oidcProviderArn); IAM attaches only AWS-managed policies and the "
    tail += "role's own account's"
    assert problems_of(capsys, tmp_path, text) == [
        f"ack-irsa:controllers[0].extraPolicyArns[0]: 'arn:aws:iam::444455556666:policy/x' is a policy of account "
        f"444455556666, {tail}",
        f"ack-irsa:controllers[0].permissionsBoundary: 'arn:aws:iam::444455556666:policy/boundary' is a policy of "
        f"account 444455556666, {tail}",
    ]


@pytest.mark.parametrize(
    "entry",
    [
        '{accountId: "' + "4" * 600 + '", roleName: x, namespaces: [a]}',
        '{accountId: "444455556666", roleArn: "arn:aws:iam::444455556666:role/' + "a/" * 400 + 'x y", namespaces: [a]}',
    ],
)
def test_long_values_are_echoed_cut_at_200_characters(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, entry: str
) -> None:
    problems = problems_of(capsys, tmp_path, HEAD + controllers("- service: s3", f"  crossAccount: [{entry}]"))
    assert problems
    for problem in problems:
        echoed = problem.partition(": ")[2]
        assert len(echoed) < 200 + 120, problem
        assert "…" in echoed or "characters)" in echoed, problem


# --- kubeconfigs -----------------------------------------------------------------------------------------


GOOD = {
    "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:6443"}}],
    "contexts": [{"name": "dev", "context": {"cluster": "c", "user": "u"}}],
    "users": [{"name": "u", "user": {"token": TOKEN}}],
    "current-context": "dev",
}
NOT_SHOWN = "(not shown: a kubeconfig can hold credentials)"


@pytest.mark.parametrize(
    ("document", "problems"),
    [
        ({"token": TOKEN}, [f"has no clusters (a list of {{name, cluster}} maps) {NOT_SHOWN}",
                            f"has no contexts (a list of {{name, context}} maps) {NOT_SHOWN}",
                            f"has no users (a list of {{name, user}} maps) {NOT_SHOWN}"]),
        ({**GOOD, "contexts": []}, [f"has no contexts (a list of {{name, context}} maps) {NOT_SHOWN}"]),
        ({**GOOD, "users": [TOKEN]}, [f"has users[0] that is not a {{name, user}} map {NOT_SHOWN}"]),
        ({**GOOD, "current-context": None}, [f"names no current-context; set it, or kubeContext {NOT_SHOWN}"]),
        ({**GOOD, "current-context": "prod"}, [f"has no context that its current-context names {NOT_SHOWN}"]),
        ({**GOOD, "contexts": [{"name": "dev", "context": {"cluster": "c", "user": "v"}}]},
         [f"has a context whose user is not among its users {NOT_SHOWN}"]),
    ],
)  # fmt: skip
def test_kubeconfig_contents_of_the_wrong_structure_are_refused_unshown(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, document: dict[str, Any], problems: list[str]
) -> None:
    for shape in (json.dumps(document), json.dumps(json.dumps(document))):  # a map, and JSON text
        text = HEAD + f"  ack-irsa:kubeconfig: {shape}\n" + controllers("- service: s3")
        got = problems_of(capsys, tmp_path, text)
        assert got == [f"ack-irsa:kubeconfig: {p}" for p in problems]
        assert TOKEN not in "".join(got)


def test_a_kube_context_must_name_a_context_of_the_kubeconfig(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = (
        HEAD
        + f"  ack-irsa:kubeconfig: {json.dumps(GOOD)}\n  ack-irsa:kubeContext: prod\n"
        + controllers("- service: s3")
    )
    assert problems_of(capsys, tmp_path, text) == [
        f"ack-irsa:kubeconfig: has no context that kubeContext 'prod' names {NOT_SHOWN}"
    ]


def test_a_kubeconfig_path_that_does_not_exist_or_is_no_kubeconfig_is_told_apart(tmp_path: Path) -> None:
    """A path is read where it is used (``ack-irsa up``): the review job need not have the operator's file."""
    assert kubeconfig.file_problems(str(tmp_path / "missing"), None) == [
        f"names a file that does not exist (a kubeconfig path, or the kubeconfig's contents) {NOT_SHOWN}"
    ]
    (tmp_path / "notes").write_text(f"token: {TOKEN}\n")
    problems = kubeconfig.file_problems(str(tmp_path / "notes"), None)
    assert problems[0] == f"names a file that has no clusters (a list of {{name, cluster}} maps) {NOT_SHOWN}"
    (tmp_path / "bad").write_text("[unclosed\n")
    assert kubeconfig.file_problems(str(tmp_path / "bad"), None) == [
        f"names a file that holds no kubeconfig contents that parse as YAML or JSON {NOT_SHOWN}"
    ]
    (tmp_path / "good").write_text(json.dumps(GOOD))
    assert kubeconfig.file_problems(str(tmp_path / "good"), None) == []


def test_up_names_a_missing_kubeconfig_instead_of_an_exception_class(tmp_path: Path) -> None:
    from ack_irsa.commands.up import cluster_unreachable

    config = {
        "ack-irsa:clusterName": "dev",
        "ack-irsa:kubeconfig": str(tmp_path / "missing"),
        "ack-irsa:controllers": '[{"service": "s3"}]',
    }
    assert cluster_unreachable(config) == (
        "the stack's kubeconfig names a file that does not exist (a kubeconfig path, or the kubeconfig's contents) "
        f"{NOT_SHOWN}"
    )


# --- the Python API -------------------------------------------------------------------------------------


def _nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


SELF: list[Any] = []
SELF.append(SELF)
LOOP: dict[str, Any] = {}
LOOP["again"] = LOOP


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"namespace": SELF}, "namespace: contains itself (a list or map that refers to itself cannot be checked or "
            "sent)"),
        ({"install": {"values": LOOP}}, "install: contains itself (a list or map that refers to itself cannot be "
            "checked or sent)"),
        ({"extra_service_accounts": _nested(5000)}, "extra_service_accounts: is nested more than 32 levels deep"),
        ({"cross_account": [{"account_id": "444455556666", "role_name": "x", "namespaces": _nested(100)}]},
         "cross_account: is nested more than 32 levels deep"),
        ({"acknowledge_risks": [["privilege-escalation"]]}, "acknowledge_risks[0]: ['privilege-escalation'] is not "
            "a risk id"),
        ({"acknowledge_risks": [{"a": 1}]}, "acknowledge_risks[0]: {'a': 1} is not a risk id"),
        ({"oidc_provider_arn": ["a"]}, "oidc_provider_arn: must be a string, got ['a']"),
        ({"oidc_provider_arn": {"a": 1}}, "oidc_provider_arn: must be a string, got {'a': 1}"),
        ({"policy_arns": [{"a": 1}]}, "policy_arns[0]: {'a': 1} is not an ARN"),
    ],
)  # fmt: skip
def test_python_arguments_that_raised_raw_errors_are_args_errors_before_any_child(
    args: dict[str, Any], expected: str
) -> None:
    base: dict[str, Any] = {"service": "s3", "oidc_provider_arn": PROVIDER_ARN}
    registered: list[Any] = []

    def program() -> None:
        with pytest.raises(ArgsError) as refused:
            ControllerIrsa("s3", {**base, **args})  # type: ignore[typeddict-item]
        registered.append(str(refused.value))

    result = run(program)
    assert result.resources == []
    assert any(line.startswith(f"ControllerIrsa 's3': {expected}") for line in registered[0].splitlines()), registered


def _output(value: Any) -> Any:
    """An Output of any value, as a program may pass one (the SDK's types say strings)."""
    return pulumi.Output.from_input(value)


def _resolution_error(build: Any) -> str:
    """What a program fails with once its values resolve: the ArgsError in Pulumi's chain, or, where the SDK
    re-raises a resource input's error as a new ValueError ("While processing input ... has risen: ..."),
    the ArgsError's text it carries."""
    with pytest.raises(Exception) as failed:
        run(lambda: (build(), None)[1])
    chain: list[BaseException] = []
    current: BaseException | None = failed.value
    while current is not None and all(current is not seen for seen in chain):  # the SDK's chain can loop
        chain.append(current)
        current = current.__cause__ or current.__context__
    found = [str(error) for error in chain if isinstance(error, ArgsError)]
    found += [str(error).split(" has risen: ", 1)[1] for error in chain if " has risen: " in str(error)]
    assert found, [repr(error) for error in chain]
    return found[0]


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda: ClusterOidcProvider("c", {"issuer_url": _output(1.5)}),
         "ClusterOidcProvider 'c': issuer_url: must resolve to an issuer URL (https://...), got 1.5"),
        (lambda: ClusterOidcProvider("c", {"issuer_url": _output(b"https://x.y/z")}),
         "ClusterOidcProvider 'c': issuer_url: must resolve to an issuer URL (https://...), got b'https://x.y/z'"),
        (lambda: ClusterOidcProvider("c", {"provider_arn": _output(5)}),
         "ClusterOidcProvider 'c': provider_arn: 5 is not an ARN"),
        (lambda: ControllerIrsa("s3", {"service": "s3", "oidc_provider_arn": PROVIDER_ARN,
                                       "policy_arns": {"mine": _output({"a": 1})}}),
         "ControllerIrsa 's3': policy_arns['mine']: {'a': 1} is not an ARN"),
        (lambda: ControllerIrsa("s3", {"service": "s3", "oidc_provider_arn": PROVIDER_ARN,
                                       "permissions_boundary": _output(7)}),
         "ControllerIrsa 's3': permissions_boundary: 7 is not an ARN"),
        (lambda: ControllerIrsa("s3", {"service": "s3", "oidc_provider_arn": _output(["x"])}),
         "ControllerIrsa 's3': oidc_provider_arn: ['x'] is not an ARN"),
        (lambda: ControllerIrsa("s3", {"service": "s3", "oidc_provider_arn": PROVIDER_ARN,
                                       "inline_policy": _output(5)}),
         "ControllerIrsa 's3': inline_policy: must be a policy document"),
    ],
)  # fmt: skip
def test_an_output_that_resolves_to_a_bad_value_fails_naming_the_component_and_key(build: Any, expected: str) -> None:
    assert _resolution_error(build).startswith(expected)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "the arguments must be a mapping such as {'controllers': [ControllerIrsa, ...]}, got []"),
        (
            {"controller": []},
            "controller: unknown argument; did you mean 'controllers'?\n"
            "RoleAccountMap 'map': controllers: is required (every ControllerIrsa on the cluster)",
        ),
        ({}, "controllers: is required (every ControllerIrsa on the cluster)"),
        ({"controllers": None}, "controllers: is required (every ControllerIrsa on the cluster)"),
        ({"controllers": "s3"}, "controllers: must be a list of ControllerIrsa, got 's3'"),
        ({"controllers": [1]}, "controllers[0]: must be a ControllerIrsa, got 1"),
    ],
)
def test_role_account_map_checks_its_arguments_before_any_child(args: Any, expected: str) -> None:
    errors: list[str] = []

    def program() -> None:
        with pytest.raises(ArgsError) as refused:
            RoleAccountMap("map", args)
        errors.append(str(refused.value))

    result = run(program)
    assert result.resources == []
    assert errors == [f"RoleAccountMap 'map': {expected}"]


def test_role_account_map_refuses_an_output_for_its_controllers() -> None:
    errors: list[str] = []

    def program() -> None:
        with pytest.raises(ArgsError) as refused:
            RoleAccountMap("map", {"controllers": pulumi.Output.from_input([])})  # type: ignore[typeddict-item]
        errors.append(str(refused.value))

    assert run(program).resources == []
    assert errors == [
        "RoleAccountMap 'map': controllers: must be a list of ControllerIrsa known before deploying, not a Pulumi "
        "Output"
    ]


def test_the_cli_never_prints_a_token_in_any_refused_kubeconfig(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "Pulumi.k.yaml"
    path.write_text(HEAD + f"  ack-irsa:kubeconfig: {json.dumps({'users': [{'user': {'token': TOKEN}}]})}\n")
    code = cli(["render", "--project-dir", str(ROOT), "--config-file", str(path)])
    assert code == 1
    assert TOKEN not in "".join(capsys.readouterr())


# --- without aws:region, the stack's ARNs give its partition ---------------------------------------------

NO_REGION = "config:\n  ack-irsa:clusterName: dev-eks\n"
CN_TARGET = '{accountId: "444455556666", roleArn: "arn:aws-cn:iam::444455556666:role/x", namespaces: [team-a]}'


def test_without_a_region_arns_of_two_partitions_are_refused_by_their_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Once only deploy time said so, naming no key: now the first ARN stands for the stack, before anything."""
    text = NO_REGION + controllers(
        "- service: s3",
        '  policyArns: ["arn:aws:iam::aws:policy/AmazonS3FullAccess"]',
        f"  crossAccount: [{CN_TARGET}]",
    )
    assert problems_of(capsys, tmp_path, text) == [
        "ack-irsa:controllers[0].crossAccount[0].roleArn: 'arn:aws-cn:iam::444455556666:role/x' is in partition "
        "'aws-cn', but ack-irsa:controllers[0].policyArns[0] is in 'aws': the stack's ARNs share one partition "
        "(set aws:region to say which)"
    ]


def test_without_a_region_the_plan_assumes_the_partition_of_the_stacks_arns(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "Pulumi.cn.yaml"
    path.write_text(NO_REGION + controllers("- service: s3", f"  crossAccount: [{CN_TARGET}]"))
    assert cli(["render", "--project-dir", str(ROOT), "--config-file", str(path), "--format", "json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert "partition" not in plan["placeholders"]
    role = next(r for r in plan["resources"] if r["name"] == "s3-role")
    assert json.loads(role["inputs"]["assumeRolePolicy"])["Statement"][0]["Principal"]["Federated"].startswith(
        "arn:aws-cn:iam::"
    )
    with_region = tmp_path / "Pulumi.us.yaml"
    with_region.write_text(path.read_text().replace("config:\n", "config:\n  aws:region: us-west-2\n"))
    assert problems_of(capsys, tmp_path, with_region.read_text()) == [
        "ack-irsa:controllers[0].crossAccount[0].roleArn: 'arn:aws-cn:iam::444455556666:role/x' is in partition "
        "'aws-cn', but this stack's is 'aws' (from aws:region 'us-west-2')"
    ]
