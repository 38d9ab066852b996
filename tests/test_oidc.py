"""ClusterOidcProvider under Pulumi's mocks: create or adopt, lookups, retention, argument errors."""

import pytest

from ack_irsa import ArgsError, ClusterOidcProvider
from ack_irsa.components.oidc import ClusterOidcProviderArgs

from .conftest import ISSUER_HOST, ISSUER_URL, OTHER_PROVIDER_ARN, PROVIDER_ARN, run

OIDC_PROVIDER = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"


def provider_outputs(args: ClusterOidcProviderArgs) -> dict[str, object]:
    provider = ClusterOidcProvider("cluster", args)
    return {"arn": provider.arn, "url": provider.url, "issuer": provider.issuer}


def test_created_from_the_cluster_name_with_one_lookup() -> None:
    result = run(lambda: provider_outputs({"cluster_name": "dev"}), issuers={"dev": ISSUER_URL})
    assert result.invokes == [("aws:eks/getCluster:getCluster", {"name": "dev"})]
    (provider,) = result.of_type(OIDC_PROVIDER)
    assert provider.name == "cluster-provider"
    assert provider.inputs == {"url": ISSUER_URL, "clientIdLists": ["sts.amazonaws.com"]}
    assert provider.retain_on_delete is True
    assert provider.parent == result.named("cluster").urn
    assert result.outputs == {"arn": PROVIDER_ARN, "url": ISSUER_URL, "issuer": ISSUER_HOST}


def test_created_from_the_issuer_url_without_a_lookup() -> None:
    result = run(lambda: provider_outputs({"issuer_url": ISSUER_URL + "/"}))
    assert result.invokes == []
    assert result.of_type(OIDC_PROVIDER)[0].inputs["url"] == ISSUER_URL
    assert result.outputs["issuer"] == ISSUER_HOST


def test_retention_can_be_turned_off_and_extras_pass_through() -> None:
    thumbprint = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
    result = run(
        lambda: provider_outputs(
            {
                "issuer_url": ISSUER_URL,
                "retain_on_delete": False,
                "thumbprints": [thumbprint],
                "client_ids": ["sts.amazonaws.com", "my-app"],
                "tags": {"team": "platform"},
            }
        )
    )
    (provider,) = result.of_type(OIDC_PROVIDER)
    assert provider.retain_on_delete is False
    assert provider.inputs == {
        "url": ISSUER_URL,
        "clientIdLists": ["sts.amazonaws.com", "my-app"],
        "thumbprintLists": [thumbprint],
        "tags": {"team": "platform"},
    }


def test_adopted_provider_creates_nothing_and_reads_the_issuer_from_its_arn() -> None:
    result = run(lambda: provider_outputs({"provider_arn": PROVIDER_ARN}))
    assert result.of_type(OIDC_PROVIDER) == []
    assert [r.type for r in result.resources] == ["ack-irsa:index:ClusterOidcProvider"]
    assert result.invokes == []
    assert result.outputs == {"arn": PROVIDER_ARN, "url": ISSUER_URL, "issuer": ISSUER_HOST}


def test_adopted_provider_is_checked_against_the_cluster() -> None:
    result = run(
        lambda: provider_outputs({"provider_arn": PROVIDER_ARN, "cluster_name": "dev"}), issuers={"dev": ISSUER_URL}
    )
    assert result.outputs["issuer"] == ISSUER_HOST
    with pytest.raises(ValueError, match=r"provider_arn names issuer 'oidc\.eks\.us-east-1\.amazonaws\.com/id/"):
        run(
            lambda: provider_outputs({"provider_arn": OTHER_PROVIDER_ARN, "cluster_name": "dev"}),
            issuers={"dev": ISSUER_URL},
        )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({}, "ClusterOidcProvider 'cluster': cluster_name: give cluster_name, issuer_url or provider_arn"),
        (
            {"cluster_name": "dev", "issuer_url": ISSUER_URL},
            "ClusterOidcProvider 'cluster': issuer_url: give cluster_name or issuer_url, not both",
        ),
        (
            {"cluster_name": "dev cluster"},
            "ClusterOidcProvider 'cluster': cluster_name: 'dev cluster' is not an EKS cluster name "
            "(1 to 100 letters, digits, '-' and '_')",
        ),
        (
            {"issuer_url": "http://oidc.example.com/id/1"},
            "ClusterOidcProvider 'cluster': issuer_url: 'http://oidc.example.com/id/1' is not an OIDC issuer URL "
            "(expected https://oidc.eks.<region>.amazonaws.com/id/<id>)",
        ),
        (
            {"provider_arn": PROVIDER_ARN, "retain_on_delete": False},
            "ClusterOidcProvider 'cluster': retain_on_delete: applies only to a provider ack-irsa creates, "
            "not to an adopted one",
        ),
        (
            {"issuer_url": ISSUER_URL, "client_ids": ["my-app"]},
            "ClusterOidcProvider 'cluster': client_ids: must include 'sts.amazonaws.com', "
            "the audience every IRSA role trusts",
        ),
        (
            {"issuer_url": ISSUER_URL, "thumbprints": ["abc"]},
            "ClusterOidcProvider 'cluster': thumbprints[0]: 'abc' is not a certificate thumbprint "
            "(40 hexadecimal characters)",
        ),
        (
            {"issuer_url": ISSUER_URL, "thumbprints": ["a" * 40] * 6},
            "ClusterOidcProvider 'cluster': thumbprints: 6 thumbprints; IAM allows at most 5",
        ),
        (
            {"issuer_url": ISSUER_URL, "provider_arn": OTHER_PROVIDER_ARN},
            f"ClusterOidcProvider 'cluster': provider_arn: {OTHER_PROVIDER_ARN!r} is not the provider of issuer "
            f"{ISSUER_URL!r}",
        ),
        (
            {"cluster": "dev"},
            "ClusterOidcProvider 'cluster': cluster: unknown argument; did you mean 'cluster_name'?\n"
            "ClusterOidcProvider 'cluster': cluster_name: give cluster_name, issuer_url or provider_arn",
        ),
    ],
)
def test_bad_arguments_fail_before_anything_is_registered(args: ClusterOidcProviderArgs, message: str) -> None:
    registered: list[object] = []

    def program() -> None:
        try:
            ClusterOidcProvider("cluster", args)
        except ArgsError as error:
            registered.append(str(error))

    result = run(program)
    assert registered == [message]
    assert result.resources == []
