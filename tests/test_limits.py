import pytest

from ack_irsa.iam import limits


def test_default_role_name_is_readable_deterministic_and_bounded() -> None:
    name = limits.default_role_name(
        "s3", "oidc.eks.us-west-2.amazonaws.com/id/A", "ack-system", "ack-s3-controller", "dev"
    )
    assert name.startswith("ack-s3-dev-")
    assert len(name) == len("ack-s3-dev-") + 8
    assert name == limits.default_role_name(
        "s3", "oidc.eks.us-west-2.amazonaws.com/id/A", "ack-system", "ack-s3-controller", "dev"
    )


def test_default_role_names_differ_per_cluster_even_with_the_same_cluster_name() -> None:
    one = limits.default_role_name(
        "s3", "oidc.eks.us-west-2.amazonaws.com/id/A", "ack-system", "ack-s3-controller", "prod"
    )
    two = limits.default_role_name(
        "s3", "oidc.eks.eu-west-1.amazonaws.com/id/B", "ack-system", "ack-s3-controller", "prod"
    )
    assert one != two


def test_default_role_names_differ_per_service_account() -> None:
    one = limits.default_role_name("s3", "issuer", "ack-system", "ack-s3-controller", None)
    two = limits.default_role_name("s3", "issuer", "team-a", "ack-s3-controller", None)
    assert one != two
    assert one.startswith("ack-s3-")


def test_long_cluster_names_are_shortened_never_the_hash() -> None:
    cluster = "a-very-long-cluster-name-" * 4  # 100 characters, the EKS maximum
    name = limits.default_role_name("bedrockagentcorecontrol", "issuer", "ack-system", "sa", cluster[:100])
    # 55 readable characters at most, less the dash the cut left at the end, then the hash
    assert name.startswith("ack-bedrockagentcorecontrol-a-very-long-cluster-name-a-")
    assert len(name) == 63
    assert name[-9] == "-" and all(c in "0123456789abcdef" for c in name[-8:])
    limits.check_role_name(name)


@pytest.mark.parametrize("value", ["a" * 64, "ack-s3", "A+=,.@_-z"])
def test_role_names_accepted(value: str) -> None:
    limits.check_role_name(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("a" * 65, f"{'a' * 65!r} is 65 characters long; IAM allows at most 64"),
        ("has space", "'has space' is not a valid IAM role name (letters, digits and +=,.@_- only)"),
        ("", "'' is not a valid IAM role name (letters, digits and +=,.@_- only)"),
    ],
)
def test_role_names_refused(value: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        limits.check_role_name(value)
    assert str(raised.value) == message


@pytest.mark.parametrize("value", ["/", "/ack/", "/a/b/c/", "/" + "a" * 510 + "/"])
def test_role_paths_accepted(value: str) -> None:
    limits.check_role_path(value)


@pytest.mark.parametrize("value", ["", "ack", "/ack", "ack/", "//", "/a b/"])
def test_role_paths_refused(value: str) -> None:
    with pytest.raises(ValueError, match="is not a valid IAM path"):
        limits.check_role_path(value)


def test_role_path_length_limit() -> None:
    with pytest.raises(ValueError, match="the path is 513 characters long; IAM allows at most 512"):
        limits.check_role_path("/" + "a" * 511 + "/")


@pytest.mark.parametrize("value", [3600, 43200])
def test_session_duration_bounds_accepted(value: int) -> None:
    limits.check_session_duration(value)


@pytest.mark.parametrize("value", [3599, 43201, 0])
def test_session_duration_bounds_refused(value: int) -> None:
    with pytest.raises(ValueError, match=rf"^{value} is out of range \(seconds, 3600 to 43200\)$"):
        limits.check_session_duration(value)


@pytest.mark.parametrize("value", ["ack-system", "a", "a" * 63, "team-1"])
def test_dns_labels_accepted(value: str) -> None:
    limits.check_dns_label(value)


@pytest.mark.parametrize("value", ["Ack", "a" * 64, "-a", "a-", "a.b", "a_b", ""])
def test_dns_labels_refused(value: str) -> None:
    with pytest.raises(ValueError, match="is not a valid RFC 1123 label"):
        limits.check_dns_label(value)


@pytest.mark.parametrize("value", ["ack-s3-controller", "a.b.c", "a" * 253])
def test_dns_subdomains_accepted(value: str) -> None:
    limits.check_dns_subdomain(value)


@pytest.mark.parametrize("value", ["Ack", "a" * 254, "a..b", "a_b", ".a"])
def test_dns_subdomains_refused(value: str) -> None:
    with pytest.raises(ValueError, match="is not a valid RFC 1123 subdomain"):
        limits.check_dns_subdomain(value)


def test_tags() -> None:
    limits.check_tags({f"k{i}": "v" for i in range(50)})
    with pytest.raises(ValueError, match=r"^51 tags; IAM allows at most 50 per role$"):
        limits.check_tags({f"k{i}": "v" for i in range(51)})
    with pytest.raises(ValueError, match="tag key 'aws:owner' is not valid"):
        limits.check_tags({"aws:owner": "x"})
    with pytest.raises(ValueError, match="tag 'team' has value 'a#b', which is not valid"):
        limits.check_tags({"team": "a#b"})


def test_size_check_at_the_boundary() -> None:
    limits.check_size(2048, 2048, "the trust policy")
    with pytest.raises(ValueError) as raised:
        limits.check_size(2049, 2048, "the trust policy", "trustPolicyMaxChars")
    assert str(raised.value) == (
        "the trust policy is 2049 characters; the limit is 2048 "
        "(if your account's quota is higher, set trustPolicyMaxChars)"
    )


def test_a_controller_gets_its_given_role_name_else_the_default() -> None:
    from ack_irsa.spec.controller import resolve_controller

    provider = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/A"
    default = resolve_controller({"service": "s3", "oidc_provider_arn": provider})
    assert default.role_name_for("issuer", "dev") == limits.default_role_name(
        "s3", "issuer", "ack-system", "ack-s3-controller", "dev"
    )
    given = resolve_controller({"service": "s3", "oidc_provider_arn": provider, "role_name": "ack-s3"})
    assert given.role_name_for("issuer", "dev") == "ack-s3"
    # Pod Identity alone has no issuer: the cluster's name is hashed instead, so two clusters differ.
    assert default.role_name_for(None, "dev") == limits.default_role_name(
        "s3", "pod-identity:dev", "ack-system", "ack-s3-controller", "dev"
    )
    assert default.role_name_for(None, "dev") != default.role_name_for(None, "prod")


# Pinned: a change to the hash input (separators, order, length) renames every role, which replaces every
# role and restarts every controller on the next `pulumi up`. Such a change must be deliberate.
WEST = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
EAST = "oidc.eks.us-east-1.amazonaws.com/id/5C7D1E9A3B2F4E6D8A0C1B3D5F7E9A2C"
LONG_CLUSTER = ("a-very-long-cluster-name-" * 4)[:100]
GOLDEN_ROLE_NAMES = [
    (("s3", WEST, "ack-system", "ack-s3-controller", "dev-eks"), "ack-s3-dev-eks-e740175b"),
    (("rds", EAST, "ack-system", "ack-rds-controller", "prod-eks"), "ack-rds-prod-eks-bead736e"),
    (("s3", WEST, "team-a", "ack-s3-controller", "dev-eks"), "ack-s3-dev-eks-f68a6cba"),
    (
        (
            "cognito-identity",
            "oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC",
            "ack-system",
            "ack-cognitoidentity-controller",
            None,
        ),
        "ack-cognito-identity-a854224d",
    ),
    (
        ("bedrockagentcorecontrol", "oidc.eks.eu-west-1.amazonaws.com/id/X", "ack-system", "sa", LONG_CLUSTER),
        "ack-bedrockagentcorecontrol-a-very-long-cluster-name-a-632fe8a3",
    ),
]


@pytest.mark.parametrize(("inputs", "name"), GOLDEN_ROLE_NAMES, ids=[n for _, n in GOLDEN_ROLE_NAMES])
def test_default_role_names_are_pinned(inputs: tuple[str, str, str, str, str | None], name: str) -> None:
    assert limits.default_role_name(*inputs) == name


def test_tags_at_their_boundaries() -> None:
    limits.check_tags({"k" * 128: "v" * 256})
    limits.check_tags({f"t{n}": "" for n in range(50)})
    limits.check_tags({"owner name": "Zoë Ünal", "path": "a/b:c=d+e-f@g_h.i", "thin space": "a\u2009b"})
    for tags, message in [
        ({"k" * 129: "v"}, "tag key"),
        ({"": "v"}, "tag key"),
        ({"AWS:x": "v"}, "tag key"),
        ({"k\tx": "v"}, "tag key"),
        ({5: "v"}, "tag key 5 is not valid"),
        ({"k": "v" * 257}, "which is not valid"),
        ({"k": "a\nb"}, "which is not valid"),
        ({"k": 5}, "tag 'k' has value 5, which is not valid"),
        ({f"t{n}": "" for n in range(51)}, "51 tags; IAM allows at most 50 per role"),
    ]:
        with pytest.raises(ValueError, match=message):
            limits.check_tags(tags)  # type: ignore[arg-type]


def test_client_ids_at_their_boundaries() -> None:
    limits.check_client_id("x")
    limits.check_client_id("x" * 255)
    for value in ("", "x" * 256, "a\nb", 5):
        with pytest.raises(ValueError) as raised:
            limits.check_client_id(value)  # type: ignore[arg-type]
        assert str(raised.value).endswith(" is not a client ID (1 to 255 printable characters, e.g. sts.amazonaws.com)")


def test_issuer_urls_at_their_boundaries() -> None:
    prefix = "https://oidc.eks.us-west-2.amazonaws.com/id/"
    limits.check_issuer_url(prefix + "A" * (255 - len(prefix)))
    limits.check_issuer_url(prefix + "A/")  # a trailing slash is tolerated
    limits.check_issuer_url("https://issuer.example.com/X")  # only slashes are stripped, never letters
    with pytest.raises(ValueError) as raised:
        limits.check_issuer_url(prefix + "A" * (256 - len(prefix)))
    assert str(raised.value) == "the issuer URL is 256 characters long; IAM allows at most 255"
    for value in ("https://oidc.eks.us-west-2.amazonaws.com", "https://a b/id/A", "https://öidc/id/A", "oidc/id/A", 5):
        with pytest.raises(ValueError, match="is not an OIDC issuer URL"):
            limits.check_issuer_url(value)  # type: ignore[arg-type]


def test_quotas_take_the_default_to_the_maximum() -> None:
    check = limits.quota_check(10, 20, "managed policies")
    check(10)
    check(20)
    for value in (9, 21, "12", True, 12.0):
        with pytest.raises(ValueError) as raised:
            check(value)  # type: ignore[arg-type]
        assert str(raised.value).endswith(
            " is not a number from 10 (the default quota) to 20 (the most AWS raises managed policies to)"
        )


def test_counts_at_their_boundaries() -> None:
    check = limits.count_check(5, "thumbprints")
    check([1] * 5)
    with pytest.raises(ValueError) as raised:
        check([1] * 6)
    assert str(raised.value) == "6 thumbprints; IAM allows at most 5"


def test_session_duration_refuses_what_is_not_a_whole_number() -> None:
    for value in (True, 3600.0, "3600"):
        with pytest.raises(ValueError, match=r"is out of range \(seconds, 3600 to 43200\)"):
            limits.check_session_duration(value)  # type: ignore[arg-type]


def test_default_role_names_replace_what_iam_refuses_in_the_readable_part() -> None:
    name = limits.default_role_name("s3", "issuer", "ns", "sa", "dev/eks:1")
    assert name.startswith("ack-s3-dev-eks-1-") and len(name) == len("ack-s3-dev-eks-1-") + 8
    assert limits.default_role_name("s3", "issuer", "ns", "sa", "") == limits.default_role_name(
        "s3", "issuer", "ns", "sa", None
    )
    exact = limits.default_role_name("s" * 43, "issuer", "ns", "sa", "c")  # 'ack-' + 43 + '-c' = 49 + 9 = 58
    assert exact.startswith("ack-" + "s" * 43 + "-c-")
    cut = limits.default_role_name("s" * 60, "issuer", "ns", "sa", None)
    assert len(cut) == 64 and cut[:55] == "ack-" + "s" * 51 and cut[55] == "-"


def test_the_trailing_slash_of_an_issuer_url_does_not_count() -> None:
    prefix = "https://oidc.eks.us-west-2.amazonaws.com/id/"
    limits.check_issuer_url(prefix + "A" * (255 - len(prefix)) + "/")


def test_default_role_names_are_ascii_and_cut_only_dashes() -> None:
    assert limits.default_role_name("s3", "i", "ns", "sa", "dév").startswith("ack-s3-d-v-")
    cluster = "a" * 47 + "X" + "bbb"  # the cut falls right after the X: it stays
    name = limits.default_role_name("s3", "i", "ns", "sa", cluster)
    assert name[:56] == "ack-s3-" + "a" * 47 + "X-"
