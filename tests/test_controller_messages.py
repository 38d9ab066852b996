"""Pins the exact messages of ``resolve_controller``'s own checks: the install options (chart version, leader
election, replicas and the chart values ack-irsa sets for them), the chart values of the wrong type, a given
trust policy's size, a misspelt provider argument, the trust sized for a cluster named only at deploy time,
and the role tags ack-irsa sets itself."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from ack_irsa.spec.controller import Install, resolve_controller
from ack_irsa.spec.problems import ArgsError

from .conftest import PROVIDER_ARN, run

CHART = "oci://public.ecr.aws/aws-controllers-k8s/s3-chart"
SIZE_HINT = "(if your account's quota is higher, set trust_policy_max_chars)"


def problems(**given: Any) -> list[str]:
    """The problems of an s3 controller on the cluster's provider, as the user reads them."""
    return problems_of({"service": "s3", "oidc_provider_arn": PROVIDER_ARN, **given})


def problems_of(args: dict[str, Any]) -> list[str]:
    with pytest.raises(ArgsError) as raised:
        resolve_controller(args)
    return str(raised.value).splitlines()


def installed(**install: Any) -> Install:
    spec = resolve_controller({"service": "s3", "oidc_provider_arn": PROVIDER_ARN, "install": install})
    assert spec.install is not None
    return spec.install


@pytest.mark.parametrize(
    ("install", "expected"),
    [
        pytest.param(
            {"version": 1.1},
            "install.version: must be a chart version as text (semver, e.g. '1.10.0'), got the number 1.1: YAML "
            "reads an unquoted 1.10 as the number 1.1; quote it",
            id="version-a-float",
        ),
        pytest.param(
            {"version": 10},
            "install.version: must be a chart version as text (semver, e.g. '1.10.0'), got the number 10: YAML "
            "reads an unquoted 1.10 as the number 1.1; quote it",
            id="version-an-int",
        ),
        # true is no number: it gets the plain semver message, not the YAML hint
        pytest.param(
            {"version": True}, "install.version: True is not a chart version (semver, e.g. 1.2.3)", id="version-true"
        ),
        pytest.param(
            {"leader_election": "yes"},
            "install.leader_election: must be true or false, got 'yes'",
            id="leader-election-text",
        ),
        pytest.param(
            {"replicas": -1},
            "install.replicas: must be a whole number of replicas, 0 or more, got -1",
            id="replicas-negative",
        ),
        pytest.param(
            {"replicas": True},
            "install.replicas: must be a whole number of replicas, 0 or more, got True",
            id="replicas-true",
        ),
        pytest.param(
            {"replicas": "2"},
            "install.replicas: must be a whole number of replicas, 0 or more, got '2'",
            id="replicas-text",
        ),
        pytest.param(
            {"replicas": 2.0},
            "install.replicas: must be a whole number of replicas, 0 or more, got 2.0",
            id="replicas-float",
        ),
    ],
)
def test_bad_install_options_are_refused_in_their_own_words(install: dict[str, Any], expected: str) -> None:
    assert problems(install=install) == [expected]


@pytest.mark.parametrize("replicas", [0, 1, 3])
def test_zero_replicas_and_more_are_kept(replicas: int) -> None:
    # zero is the handover's step, not "unset": it must reach the release
    assert installed(replicas=replicas) == Install(CHART, "1.10.0", "ack-s3-controller", {}, True, False, replicas)


def test_leader_election_is_kept_and_off_by_default() -> None:
    assert installed(leader_election=True).leader_election is True
    assert installed().leader_election is False


@pytest.mark.parametrize(
    ("install", "expected"),
    [
        pytest.param(
            {"leader_election": True, "values": {"leaderElection": {"enabled": True}}},
            "install.values.leaderElection: is set by ack-irsa (enabled=true and namespace=kube-system, both: the "
            "lease the capability shares; with only one of them nothing is shared and both would reconcile)",
            id="leader-election",
        ),
        pytest.param(
            {"replicas": 2, "values": {"deployment": {"replicas": 3}}},
            "install.values.deployment.replicas: is set by ack-irsa (the handover's step: 0 hands the lease to "
            "the capability)",
            id="replicas",
        ),
    ],
)
def test_a_value_ack_irsa_sets_for_an_option_says_which_option(install: dict[str, Any], expected: str) -> None:
    assert problems(install=install) == [expected]


def test_the_values_are_the_users_own_when_the_option_is_not_given() -> None:
    # without leader_election or replicas, ack-irsa leaves these chart values to the user
    values = {"leaderElection": {"enabled": True}, "deployment": {"replicas": 3}}
    assert installed(values=values) == Install(CHART, "1.10.0", "ack-s3-controller", values, True, False, None)


def test_every_chart_value_of_the_wrong_type_is_reported_past_unknown_ones() -> None:
    values = {
        "podLabels": {"team": "a"},  # no type ack-irsa knows: passed to the chart as it is
        "enableCARM": "yes",
        "log": {"level": 1},
        "featureGates": {"A": "true", "B": "false"},
    }
    assert problems(install={"values": values}) == [
        "install.values.enableCARM: must be true or false (the chart's schema), got 'yes'",
        "install.values.log.level: must be a string (the chart's schema), got 1",
        "install.values.featureGates.A: must be true or false (the chart's schema), got 'true'; write it without "
        "quotes",
        "install.values.featureGates.B: must be true or false (the chart's schema), got 'false'; write it without "
        "quotes",
    ]


def test_chart_values_are_typed_by_their_keys_not_by_a_dotted_path() -> None:
    """A feature gate whose name holds a dot is still a gate; a top-level key that merely looks like a path
    (``featureGates.A``, ``log.level``) has no type ack-irsa knows and goes to the chart as it is."""
    values = {"featureGates": {"a.b": 1}, "featureGates.A": 1, "log.level": 1}
    assert problems(install={"values": values}) == [
        "install.values.featureGates.a.b: must be true or false (the chart's schema), got 1"
    ]


def trust_of_size(size: int) -> dict[str, Any]:
    from ack_irsa.iam.policies import policy_size

    statement = {
        "Sid": "",
        "Effect": "Allow",
        "Principal": {"Federated": PROVIDER_ARN},
        "Action": "sts:AssumeRoleWithWebIdentity",
    }
    document = {"Version": "2012-10-17", "Statement": [statement]}
    statement["Sid"] = "A" * (size - policy_size(document))
    return document


def test_a_given_trust_policy_is_sized_against_the_quota() -> None:
    assert resolve_controller({"service": "s3", "oidc_provider_arn": PROVIDER_ARN, "trust_policy": trust_of_size(2048)})
    assert problems(trust_policy=trust_of_size(2049)) == [
        f"trust_policy: the trust policy is 2049 characters; the limit is 2048 {SIZE_HINT}"
    ]
    raised = {"trust_policy": trust_of_size(2049), "trust_policy_max_chars": 4096}
    assert resolve_controller({"service": "s3", "oidc_provider_arn": PROVIDER_ARN, **raised}).trust_policy


@pytest.mark.parametrize(
    ("misspelt", "expected"),
    [
        # the misspelling is the one problem: "oidc_provider is required" would say the same twice
        pytest.param("oidc_pr", "oidc_pr: unknown argument; did you mean 'oidc_provider'?", id="oidc-provider"),
        # close to oidc_provider_arn only (the hint names the closest of every argument)
        pytest.param("oidc_arn", "oidc_arn: unknown argument; did you mean 'policy_arns'?", id="oidc-provider-arn"),
    ],
)
def test_a_misspelt_provider_argument_is_the_only_problem_named(misspelt: str, expected: str) -> None:
    assert problems_of({"service": "s3", misspelt: PROVIDER_ARN}) == [expected]


def test_a_cluster_named_at_deploy_time_is_sized_as_the_longest_name() -> None:
    """Pod Identity's trust names the cluster's ARN: a name not known yet counts as EKS's longest (100)."""
    extras = [f"c{i}{'x' * 90}" for i in range(14)]
    given = {"service": "s3", "identity": "pod_identity", "extra_cluster_names": extras}
    expected = [f"the trust policy would be up to 2118 characters; the limit is 2048 {SIZE_HINT}"]
    late: list[str] = []

    def main() -> None:  # an Output needs the engine's event loop: under the mocks
        with pytest.raises(ArgsError) as raised:
            resolve_controller({**given, "cluster_name": pulumi.Output.from_input("late-eks")})
        late.extend(str(raised.value).splitlines())

    run(main)
    assert late == expected
    assert problems_of({**given, "cluster_name": "x" * 100}) == expected
    assert resolve_controller({**given, "extra_cluster_names": extras[:13], "cluster_name": "x" * 100})


def test_the_wildcard_subject_tag_is_set_by_ack_irsa_alone() -> None:
    wildcard = {"service_account_name": "ack-*", "allow_wildcard_subject": True, "service_account_mode": "none"}
    spec = resolve_controller({"service": "s3", "oidc_provider_arn": PROVIDER_ARN, **wildcard})
    assert spec.role_tags == {"ack-irsa/allow-wildcard-subject": "true"}
    assert problems(tags={"ack-irsa/allow-wildcard-subject": "true"}) == [
        "tags: 'ack-irsa/allow-wildcard-subject' is set by ack-irsa: it is set when the trust admits a wildcard "
        "subject (allow_wildcard_subject)"
    ]
