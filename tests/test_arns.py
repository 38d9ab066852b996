import pytest

from ack_irsa.iam.arns import (
    aws_managed_policy_arn,
    check_oidc_provider_arn,
    check_policy_arn,
    issuer_of_provider_arn,
    parse_arn,
    partition_of_region,
    policy_key,
)


@pytest.mark.parametrize("partition", ["aws", "aws-cn", "aws-us-gov"])
def test_managed_policy_arn_follows_the_partition(partition: str) -> None:
    assert (
        aws_managed_policy_arn(partition, "AmazonS3FullAccess") == f"arn:{partition}:iam::aws:policy/AmazonS3FullAccess"
    )


def test_parse_arn_splits_every_part() -> None:
    arn = parse_arn("arn:aws-us-gov:iam::123456789012:role/ack/ack-s3")
    assert (arn.partition, arn.service, arn.region, arn.account, arn.resource) == (
        "aws-us-gov",
        "iam",
        "",
        "123456789012",
        "role/ack/ack-s3",
    )


@pytest.mark.parametrize("value", ["", "arn:aws:iam", "not-an-arn", "arn:azure:iam::123456789012:role/x"])
def test_parse_arn_refuses_what_is_not_an_arn(value: str) -> None:
    with pytest.raises(ValueError, match="is not an ARN"):
        parse_arn(value)


@pytest.mark.parametrize(
    "value",
    [
        "arn:aws:iam::aws:policy/AmazonS3FullAccess",
        "arn:aws-cn:iam::aws:policy/service-role/AmazonEKSClusterPolicy",
        "arn:aws:iam::123456789012:policy/ack/s3-kms",
    ],
)
def test_policy_arns_accepted(value: str) -> None:
    assert check_policy_arn(value).service == "iam"


@pytest.mark.parametrize(
    "value",
    [
        "arn:aws:iam::123456789012:role/not-a-policy",
        "arn:aws:s3:::bucket",
        "arn:aws:iam::12345:policy/short-account",
        "arn:aws:iam:us-east-1:123456789012:policy/regional",
        "arn:aws:iam::aws:policy/",
    ],
)
def test_policy_arns_refused(value: str) -> None:
    with pytest.raises(ValueError, match="is not an IAM policy ARN"):
        check_policy_arn(value)


def test_policy_key_is_partition_neutral_and_account_aware() -> None:
    assert policy_key("arn:aws:iam::aws:policy/AmazonS3FullAccess") == "AmazonS3FullAccess"
    assert policy_key("arn:aws-us-gov:iam::aws:policy/AmazonS3FullAccess") == "AmazonS3FullAccess"
    assert policy_key("arn:aws:iam::aws:policy/service-role/AWSBackup") == "AWSBackup"
    assert policy_key("arn:aws:iam::123456789012:policy/team/Custom") == "123456789012-Custom"


def test_issuer_of_provider_arn() -> None:
    arn = "arn:aws-cn:iam::123456789012:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC"
    assert issuer_of_provider_arn(arn) == "oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC"


@pytest.mark.parametrize(
    "value",
    [
        "arn:aws:iam::123456789012:oidc-provider/",
        "arn:aws:iam::123456789012:role/x",
        "arn:aws:iam::aws:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/X",
    ],
)
def test_oidc_provider_arns_refused(value: str) -> None:
    with pytest.raises(ValueError, match="is not an IAM OIDC provider ARN"):
        check_oidc_provider_arn(value)


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-west-2", "aws"),
        ("eu-central-1", "aws"),
        ("cn-north-1", "aws-cn"),
        ("cn-northwest-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
    ],
)
def test_partition_of_region(region: str, partition: str) -> None:
    assert partition_of_region(region) == partition


def test_parsed_or_none() -> None:
    from ack_irsa.iam.arns import parsed_or_none

    assert parsed_or_none("arn:aws-cn:iam::123456789012:role/x") == parse_arn("arn:aws-cn:iam::123456789012:role/x")
    assert parsed_or_none("not-an-arn") is None
    assert parsed_or_none(None) is None


def test_anything_but_a_string_is_not_an_arn() -> None:
    from ack_irsa.iam.arns import parsed_or_none

    for value in (5, None, ["arn:aws:iam::111122223333:role/x"], b"arn:aws:iam::111122223333:role/x"):
        with pytest.raises(ValueError, match="is not an ARN"):
            parse_arn(value)  # type: ignore[arg-type]
        assert parsed_or_none(value) is None


@pytest.mark.parametrize(
    ("region", "message"),
    [
        ("us-west-22", "'us-west-22' is not an AWS region; did you mean us-west-2, us-west-1, us-east-2?"),
        ("eu-wst-1", "'eu-wst-1' is not an AWS region; did you mean eu-west-1, us-west-1, me-west-1?"),
        ("mars-1", "'mars-1' is not an AWS region (e.g. us-west-2)"),
        ("aws-global", "'aws-global' is not an AWS region (e.g. us-west-2)"),  # botocore's pseudo-region
        (5, "5 is not an AWS region (e.g. us-west-2)"),
    ],
)
def test_unknown_regions_name_the_closest(region: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        partition_of_region(region)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("region", "partition"),
    [("us-isof-south-1", "aws-iso-f"), ("eu-isoe-west-1", "aws-iso-e"), ("eusc-de-east-1", "aws-eusc")],
)
def test_the_newer_partitions(region: str, partition: str) -> None:
    assert partition_of_region(region) == partition


def test_partitions_are_botocores() -> None:
    from ack_irsa.iam.arns import check_partition, partitions

    assert sorted(partitions()) == [
        "aws", "aws-cn", "aws-eusc", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-us-gov",
    ]  # fmt: skip
    assert "us-west-2" in partitions()["aws"] and "aws-global" not in partitions()["aws"]
    assert check_partition("aws-cn") == "aws-cn"
    with pytest.raises(ValueError) as raised:
        check_partition("aws-mars")
    assert str(raised.value) == (
        "'aws-mars' is not an AWS partition "
        "(aws, aws-cn, aws-eusc, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-us-gov)"
    )


@pytest.mark.parametrize(
    ("arn", "key"),
    [
        ("arn:aws:iam::aws:policy/AmazonS3FullAccess", "AmazonS3FullAccess"),
        ("arn:aws:iam::aws:policy/service-role/AmazonEKSClusterPolicy", "AmazonEKSClusterPolicy"),
        ("arn:aws:iam::111122223333:policy/a/b/c/name", "111122223333-name"),
        ("arn:aws-cn:iam::111122223333:policy/name", "111122223333-name"),
    ],
)
def test_policy_keys_are_the_name_whatever_the_path(arn: str, key: str) -> None:
    assert policy_key(arn) == key


def test_provider_arn_issuer_length_at_the_limit() -> None:
    prefix = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/"
    host = "oidc.eks.us-west-2.amazonaws.com/id/"
    check_oidc_provider_arn(prefix + "A" * (247 - len(host)))  # 247 = 255 - len("https://")
    with pytest.raises(ValueError, match="is not an IAM OIDC provider ARN"):
        check_oidc_provider_arn(prefix + "A" * (248 - len(host)))
    with pytest.raises(ValueError, match="is not an IAM OIDC provider ARN"):
        check_oidc_provider_arn("arn:aws:iam:us-west-2:111122223333:oidc-provider/oidc.eks/id/A")  # regional
    with pytest.raises(ValueError, match="is not an IAM OIDC provider ARN"):
        check_oidc_provider_arn("arn:aws:sts::111122223333:oidc-provider/oidc.eks/id/A")  # not IAM
