"""The managed capability's documents and selectors, pure: each trust against its intent, ACK's matcher, overlaps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ack_irsa import catalog
from ack_irsa.iam.capability import (
    CAPABILITY_SERVICE,
    Selector,
    admits,
    capability_trust_policy,
    overlap,
    overlaps,
    parse_created,
    propagation_delay,
    secret_reader_policy_arn,
    selected_role_trust_policy,
    selected_roles_policy,
    selector_matches,
    selector_spec,
    spec_overlaps,
)

ACCOUNT = "111122223333"
CAPABILITY_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ack-capability-prod"
OTHER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/someone-else"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
FOREIGN_ROOT = "arn:aws:iam::444455556666:root"
BOTH = ("sts:AssumeRole", "sts:TagSession")


def test_the_capability_role_admits_the_capability_service_with_session_tags_and_nothing_else() -> None:
    trust = capability_trust_policy()
    assert trust == {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": CAPABILITY_SERVICE}, "Action": list(BOTH)},
        ],
    }
    for action in BOTH:
        assert admits(trust, {"Service": CAPABILITY_SERVICE}, action)
    assert not admits(trust, {"Service": CAPABILITY_SERVICE}, "sts:AssumeRoleWithWebIdentity")
    for stranger in ({"Service": "pods.eks.amazonaws.com"}, {"Service": "eks.amazonaws.com"}):
        assert not admits(trust, stranger, "sts:AssumeRole")
    for role in (OTHER_ROLE, CAPABILITY_ROLE, ROOT, FOREIGN_ROOT):
        assert not admits(trust, {"AWS": role}, "sts:AssumeRole")


def test_a_selected_role_admits_exactly_the_capability_role() -> None:
    trust = selected_role_trust_policy(CAPABILITY_ROLE)
    assert trust["Statement"] == [{"Effect": "Allow", "Principal": {"AWS": CAPABILITY_ROLE}, "Action": list(BOTH)}]
    for action in BOTH:
        assert admits(trust, {"AWS": CAPABILITY_ROLE}, action)
    for stranger in (OTHER_ROLE, ROOT, FOREIGN_ROOT, "arn:aws:iam::444455556666:role/ack-capability-prod"):
        assert not admits(trust, {"AWS": stranger}, "sts:AssumeRole"), stranger
    for service in (CAPABILITY_SERVICE, "pods.eks.amazonaws.com"):
        assert not admits(trust, {"Service": service}, "sts:AssumeRole")


def test_the_evaluator_itself_admits_a_root_principal_and_honours_deny() -> None:
    """The checks above are only as good as ``admits``: a trust naming the account admits its roles, a Deny wins."""
    by_account = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "sts:AssumeRole"}]}
    assert admits(by_account, {"AWS": OTHER_ROLE}, "sts:AssumeRole")
    assert not admits(by_account, {"AWS": "arn:aws:iam::444455556666:role/x"}, "sts:AssumeRole")
    denied = {"Statement": [*by_account["Statement"], {"Effect": "Deny", "Principal": "*", "Action": "sts:*"}]}
    assert not admits(denied, {"AWS": OTHER_ROLE}, "sts:AssumeRole")
    conditioned = {"Statement": [{**by_account["Statement"][0], "Condition": {"Bool": {"aws:x": "true"}}}]}
    assert not admits(conditioned, {"AWS": OTHER_ROLE}, "sts:AssumeRole")


def test_the_capability_role_may_assume_exactly_the_selected_roles() -> None:
    selected = ["arn:aws:iam::111122223333:role/b", "arn:aws:iam::111122223333:role/a"]
    assert selected_roles_policy(selected) == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AssumeAckSelectedRoles", "Effect": "Allow", "Action": list(BOTH), "Resource": sorted(selected)}
        ],
    }


def test_the_secret_reader_policy_is_named_in_the_stacks_partition() -> None:
    assert secret_reader_policy_arn("aws") == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSSecretReaderPolicy"
    assert secret_reader_policy_arn("aws-cn").startswith("arn:aws-cn:eks::aws:")


def test_a_selector_names_every_kind_of_one_group_with_all_three_keys_the_crd_requires() -> None:
    spec = selector_spec(OTHER_ROLE, "s3.services.k8s.aws", ["team-a"])
    assert spec == {
        "arn": OTHER_ROLE,
        "namespaceSelector": {"names": ["team-a"]},
        "resourceTypeSelector": [{"group": "s3.services.k8s.aws", "version": "", "kind": ""}],
    }
    assert selector_matches(spec, "team-a", "s3.services.k8s.aws", "v1alpha1", "Bucket")
    assert not selector_matches(spec, "team-b", "s3.services.k8s.aws", "v1alpha1", "Bucket")
    assert not selector_matches(spec, "team-a", "rds.services.k8s.aws", "v1alpha1", "DBInstance")
    everywhere = selector_spec(OTHER_ROLE, "s3.services.k8s.aws", None)
    assert "namespaceSelector" not in everywhere
    assert selector_matches(everywhere, "anything", "s3.services.k8s.aws", "v1alpha1", "Bucket")


def test_every_ga_controller_has_its_api_group_and_cognito_identity_its_exception() -> None:
    for controller in catalog.controllers():
        if controller.status == "GA":
            assert catalog.api_group(controller.service).endswith(".services.k8s.aws")
    assert catalog.api_group("cognito-identity") == "cognitoidentity.services.k8s.aws"
    assert catalog.api_kinds("s3") == [("v1alpha1", "Bucket", "buckets")]
    with pytest.raises(ValueError, match="no API group"):
        catalog.api_group("batch")


@pytest.mark.parametrize(
    ("first", "second", "where"),
    [
        (("g", ("a",)), ("g", ("b",)), None),
        (("g", ("a", "b")), ("g", ("b",)), "g in b"),
        (("g", None), ("g", ("b",)), "g in b"),
        (("g", None), ("g", None), "g in every namespace"),
        (("g", None), ("h", None), None),
    ],
)
def test_two_selectors_overlap_where_one_resource_could_match_both(
    first: tuple[str, tuple[str, ...] | None], second: tuple[str, tuple[str, ...] | None], where: str | None
) -> None:
    a, b = Selector("a", first[0], first[1], "controllers[0]"), Selector("b", second[0], second[1], "controllers[1]")
    assert overlap(a, b) == where
    message = (
        f"controllers[1] and controllers[0] would both select {where}; a resource two IAMRoleSelectors match fails "
        "to reconcile (give them disjoint namespaces)"
    )
    assert overlaps([a, b]) == ([] if where is None else [("controllers[1]", message)])
    # The same answer from the specs as a cluster holds them, with ACK's matcher's reading of empty values.
    specs = {"a": selector_spec("x", first[0], first[1]), "b": selector_spec("y", second[0], second[1])}
    assert (spec_overlaps(specs) != []) == (where is not None)


def test_a_cluster_selector_without_a_type_overlaps_any_other() -> None:
    specs = {"mine": selector_spec("x", "s3.services.k8s.aws", ["a"]), "theirs": {"arn": "y"}}
    assert spec_overlaps(specs) == ["IAMRoleSelectors mine and theirs could match the same resource"]


def test_only_a_role_created_moments_ago_makes_the_capability_wait() -> None:
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert propagation_delay([now - timedelta(seconds=5)], now) == 15.0
    assert propagation_delay([now - timedelta(minutes=5)], now) == 0.0
    assert propagation_delay([None], now) == 0.0
    assert parse_created("2026-12-01T11:59:55Z") == now - timedelta(seconds=5)
    assert parse_created(None) is None
    assert parse_created("yesterday") is None
