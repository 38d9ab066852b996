"""ControllerIrsa under Pulumi's mocks: the role, its trust and policies, the ServiceAccount, the restart."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pytest

from ack_irsa import ArgsError, ClusterOidcProvider, ControllerIrsa
from ack_irsa.components.controller import ControllerIrsaArgs

from .conftest import (
    ACCOUNT,
    ISSUER_HOST,
    ISSUER_URL,
    OTHER_ISSUER_HOST,
    OTHER_PROVIDER_ARN,
    PROVIDER_ARN,
    run,
    trust_policy,
)

ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
INLINE = "aws:iam/rolePolicy:RolePolicy"
MANAGED_SET = "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"
INLINE_SET = "aws:iam/rolePoliciesExclusive:RolePoliciesExclusive"
SETS = [MANAGED_SET, INLINE_SET]
"""Every role claims its managed and inline policies exclusively."""
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
SERVICE_ACCOUNT_PATCH = "kubernetes:core/v1:ServiceAccountPatch"
RESTART = "kubernetes:apps/v1:DeploymentPatch"


def controller(service: str = "s3", **args: Any) -> dict[str, Any]:
    """A program with the cluster's provider (from its issuer URL) and one ControllerIrsa."""
    oidc = ClusterOidcProvider("cluster", {"issuer_url": ISSUER_URL})
    irsa = ControllerIrsa(service, {"service": service, "oidc_provider": oidc, **args})  # type: ignore[typeddict-item]
    return {"role_arn": irsa.role_arn, "role_name": irsa.role_name}


def types(result: Any, parent: str) -> list[str]:
    urn = result.named(parent).urn
    return sorted(r.type for r in result.resources if r.parent == urn)


def test_trust_policy_admits_exactly_the_service_account_with_sub_and_aud() -> None:
    result = run(controller)
    assert trust_policy(result, "s3") == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": PROVIDER_ARN},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{ISSUER_HOST}:sub": "system:serviceaccount:ack-system:ack-s3-controller",
                        f"{ISSUER_HOST}:aud": "sts.amazonaws.com",
                    }
                },
            }
        ],
    }


def test_patch_mode_is_the_default_and_creates_no_service_account() -> None:
    result = run(controller)
    assert types(result, "s3") == sorted([ROLE, ATTACHMENT, INLINE, *SETS, SERVICE_ACCOUNT_PATCH, RESTART])
    assert result.of_type(SERVICE_ACCOUNT) == []
    role_arn = result.outputs["role_arn"]
    assert result.named("s3-service-account").inputs == {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {
            "name": "ack-s3-controller",
            "namespace": "ack-system",
            "annotations": {"eks.amazonaws.com/role-arn": role_arn},
        },
    }
    assert result.named("s3-restart").inputs == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "ack-s3-controller-s3-chart", "namespace": "ack-system"},
        "spec": {"template": {"metadata": {"annotations": {"ack-irsa/role-arn": role_arn}}}},
    }


def test_role_policies_are_the_recommended_ones_for_the_partition() -> None:
    result = run(controller)
    role = result.named("s3-role")
    assert role.inputs["name"] == result.outputs["role_name"]
    assert role.inputs["path"] == "/"
    assert role.inputs["maxSessionDuration"] == 3600
    assert role.inputs["description"] == "ACK s3 controller (ack-system/ack-s3-controller), IRSA, managed by ack-irsa"
    assert [(a.name, a.inputs) for a in result.of_type(ATTACHMENT)] == [
        (
            "s3-AmazonS3FullAccess",
            {"role": role.inputs["name"], "policyArn": "arn:aws:iam::aws:policy/AmazonS3FullAccess"},
        )
    ]
    (inline,) = result.of_type(INLINE)
    assert inline.inputs["name"] == "ack-controller-policy"
    assert json.loads(inline.inputs["policy"])["Statement"][0]["Action"] == [
        "s3:*",
        "s3-object-lambda:*",
        "s3express:*",
    ]


def test_create_mode_creates_the_annotated_service_account() -> None:
    result = run(lambda: controller("rds", service_account_mode="create", namespace="ack-rds"))
    assert types(result, "rds") == sorted([ROLE, ATTACHMENT, *SETS, SERVICE_ACCOUNT, RESTART])
    assert result.of_type(SERVICE_ACCOUNT_PATCH) == []
    assert result.named("rds-service-account").inputs["metadata"] == {
        "name": "ack-rds-controller",
        "namespace": "ack-rds",
        "annotations": {"eks.amazonaws.com/role-arn": result.outputs["role_arn"]},
    }
    assert result.named("rds-restart").inputs["metadata"] == {
        "name": "ack-rds-controller-rds-chart",
        "namespace": "ack-rds",
    }


def test_none_mode_touches_nothing_on_the_cluster() -> None:
    result = run(lambda: controller("eks", service_account_mode="none"))
    assert types(result, "eks") == sorted([ROLE, INLINE, *SETS])
    assert not [r for r in result.resources if r.type.startswith("kubernetes:")]


def test_an_empty_deployment_name_disables_the_restart() -> None:
    result = run(lambda: controller("ec2", deployment_name=""))
    assert types(result, "ec2") == sorted([ROLE, ATTACHMENT, *SETS, SERVICE_ACCOUNT_PATCH])
    assert result.of_type(RESTART) == []


def test_a_named_deployment_is_restarted() -> None:
    result = run(lambda: controller("ec2", deployment_name="my-ec2-controller"))
    assert result.named("ec2-restart").inputs["metadata"] == {"name": "my-ec2-controller", "namespace": "ack-system"}


def test_the_role_is_used_only_after_every_policy_is_attached() -> None:
    result = run(controller)
    policies = {r.urn for r in result.of_type(ATTACHMENT) + result.of_type(INLINE)}
    service_account, restart = result.named("s3-service-account"), result.named("s3-restart")
    assert policies <= set(service_account.dependencies)
    assert policies | {service_account.urn} <= set(restart.dependencies)


@pytest.mark.parametrize("partition", ["aws-us-gov", "aws-cn"])
def test_every_arn_follows_the_partition(partition: str) -> None:
    issuer = "https://oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC" if partition == "aws-cn" else ISSUER_URL

    def program() -> dict[str, Any]:
        oidc = ClusterOidcProvider("cluster", {"issuer_url": issuer})
        return {"role_arn": ControllerIrsa("dynamodb", {"service": "dynamodb", "oidc_provider": oidc}).role_arn}

    result = run(program, partition=partition)
    assert result.outputs["role_arn"].startswith(f"arn:{partition}:iam::{ACCOUNT}:role/ack-dynamodb-")
    assert [a.inputs["policyArn"] for a in result.of_type(ATTACHMENT)] == [
        f"arn:{partition}:iam::aws:policy/AmazonDynamoDBFullAccess"
    ]
    statement = trust_policy(result, "dynamodb")["Statement"][0]
    assert statement["Principal"]["Federated"].startswith(f"arn:{partition}:iam::{ACCOUNT}:oidc-provider/")


def test_default_role_names_are_unique_per_cluster_and_at_most_64() -> None:
    def program() -> dict[str, Any]:
        names = {}
        for cluster, issuer in (("blue", ISSUER_URL), ("green", f"https://{OTHER_ISSUER_HOST}")):
            oidc = ClusterOidcProvider(cluster, {"issuer_url": issuer})
            irsa = ControllerIrsa(f"{cluster}-s3", {"service": "s3", "oidc_provider": oidc})
            names[cluster] = irsa.role_name
        return names

    result = run(program)
    assert result.outputs["blue"] != result.outputs["green"]
    assert all(name.startswith("ack-s3-") and len(name) <= 64 for name in result.outputs.values())


def test_default_role_name_carries_the_cluster_name() -> None:
    def program() -> dict[str, Any]:
        oidc = ClusterOidcProvider("cluster", {"cluster_name": "prod-eks"})
        return {"name": ControllerIrsa("s3", {"service": "s3", "oidc_provider": oidc}).role_name}

    result = run(program, issuers={"prod-eks": ISSUER_URL})
    assert result.outputs["name"].startswith("ack-s3-prod-eks-")


def test_explicit_role_settings_reach_the_role() -> None:
    result = run(
        lambda: controller(
            role_name="ack-s3",
            role_path="/ack/",
            max_session_duration=7200,
            permissions_boundary="arn:aws:iam::111122223333:policy/boundary",
            tags={"team": "platform"},
        )
    )
    role = result.named("s3-role").inputs
    assert {k: role[k] for k in ("name", "path", "maxSessionDuration", "permissionsBoundary", "tags")} == {
        "name": "ack-s3",
        "path": "/ack/",
        "maxSessionDuration": 7200,
        "permissionsBoundary": "arn:aws:iam::111122223333:policy/boundary",
        "tags": {"team": "platform"},
    }
    assert result.outputs["role_arn"] == "arn:aws:iam::111122223333:role/ack/ack-s3"


def test_policy_arns_replace_and_extra_policy_arns_add() -> None:
    custom = "arn:aws:iam::111122223333:policy/ack/s3-kms"
    replaced = run(lambda: controller(policy_arns=[custom]))
    assert [a.inputs["policyArn"] for a in replaced.of_type(ATTACHMENT)] == [custom]
    added = run(lambda: controller(extra_policy_arns=[custom]))
    assert sorted((a.name, a.inputs["policyArn"]) for a in added.of_type(ATTACHMENT)) == [
        ("s3-111122223333-s3-kms", custom),
        ("s3-AmazonS3FullAccess", "arn:aws:iam::aws:policy/AmazonS3FullAccess"),
    ]


def test_an_extra_policy_equal_to_a_recommended_one_is_attached_once() -> None:
    result = run(lambda: controller(extra_policy_arns=["arn:aws:iam::aws:policy/AmazonS3FullAccess"]))
    assert [a.name for a in result.of_type(ATTACHMENT)] == ["s3-AmazonS3FullAccess"]


def test_deploy_time_policy_arns_take_a_stable_key() -> None:
    def program() -> dict[str, Any]:
        policy = aws.iam.Policy("kms", policy="{}")
        return controller(extra_policy_arns={"kms": policy.arn})

    result = run(program)
    assert sorted(a.name for a in result.of_type(ATTACHMENT)) == ["s3-AmazonS3FullAccess", "s3-kms"]


@pytest.mark.parametrize("empty", [None, "", {}])
def test_an_empty_inline_policy_drops_the_recommended_one(empty: object) -> None:
    result = run(lambda: controller(inline_policy=empty))
    assert result.of_type(INLINE) == []
    assert len(result.of_type(ATTACHMENT)) == 1


def test_an_inline_policy_replaces_the_recommended_one() -> None:
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}
    from_dict = run(lambda: controller(inline_policy=document))
    from_text = run(lambda: controller(inline_policy=json.dumps(document)))
    assert json.loads(from_dict.named("s3-inline").inputs["policy"]) == document
    assert from_dict.named("s3-inline").inputs == from_text.named("s3-inline").inputs


def test_a_policy_from_another_partition_fails_the_deployment() -> None:
    with pytest.raises(ValueError, match="is not in partition 'aws-us-gov', the cluster's"):
        run(lambda: controller(extra_policy_arns=["arn:aws:iam::111122223333:policy/x"]), partition="aws-us-gov")


def test_explicit_providers_in_a_list_reach_every_child() -> None:
    def program() -> dict[str, Any]:
        aws_provider = aws.Provider("aws-west", region="us-west-2")
        kubernetes = k8s.Provider("cluster-k8s", kubeconfig="{}")
        opts = pulumi.ResourceOptions(providers=[aws_provider, kubernetes])
        oidc = ClusterOidcProvider("cluster", {"issuer_url": ISSUER_URL}, opts)
        ControllerIrsa("s3", {"service": "s3", "oidc_provider": oidc}, opts)
        return {}

    result = run(program)
    aws_urn, k8s_urn = result.named("aws-west").urn, result.named("cluster-k8s").urn
    custom = [r for r in result.resources if r.custom and not r.type.startswith("pulumi:providers:")]
    assert len(custom) == 8
    for resource in custom:
        expected = k8s_urn if resource.type.startswith("kubernetes:") else aws_urn
        assert resource.provider.startswith(expected + "::"), resource.name


def test_depends_on_reaches_the_kubernetes_children() -> None:
    def program() -> dict[str, Any]:
        namespace = k8s.core.v1.Namespace("ack-system", metadata={"name": "ack-system"})
        oidc = ClusterOidcProvider("cluster", {"issuer_url": ISSUER_URL})
        ControllerIrsa("s3", {"service": "s3", "oidc_provider": oidc}, pulumi.ResourceOptions(depends_on=[namespace]))
        return {}

    result = run(program)
    namespace = result.named("ack-system").urn
    assert namespace in result.named("s3-service-account").dependencies
    assert namespace in result.named("s3-restart").dependencies


def test_lookups_do_not_grow_with_the_number_of_controllers() -> None:
    def program(services: tuple[str, ...]) -> dict[str, Any]:
        oidc = ClusterOidcProvider("cluster", {"cluster_name": "dev"})
        for service in services:
            ControllerIrsa(service, {"service": service, "oidc_provider": oidc})
        return {}

    one = run(lambda: program(("s3",)), issuers={"dev": ISSUER_URL})
    six = run(lambda: program(("s3", "rds", "ec2", "iam", "eks", "dynamodb")), issuers={"dev": ISSUER_URL})
    assert one.invokes == six.invokes == [("aws:eks/getCluster:getCluster", {"name": "dev"})]


def test_two_builds_of_the_same_arguments_register_identical_inputs() -> None:
    def snapshot() -> list[tuple[str, str, str]]:
        result = run(lambda: controller(extra_service_accounts=["team-a:ack-s3-controller"]))
        return sorted((r.type, r.name, json.dumps(r.inputs, sort_keys=True)) for r in result.resources)

    assert snapshot() == snapshot()


def test_the_restart_annotation_changes_exactly_when_the_role_does() -> None:
    def annotation(**args: Any) -> str:
        result = run(lambda: controller(**args))
        return result.named("s3-restart").inputs["spec"]["template"]["metadata"]["annotations"]["ack-irsa/role-arn"]

    assert annotation() == annotation()
    assert annotation() == annotation(extra_policy_arns=["arn:aws:iam::111122223333:policy/x"])
    assert annotation(role_name="renamed") != annotation()


def test_extra_providers_as_components_and_arns_each_get_a_statement() -> None:
    green_host = "oidc.eks.eu-west-1.amazonaws.com/id/AAAABBBBCCCCDDDDEEEEFFFF00001111"

    def program() -> dict[str, Any]:
        blue = ClusterOidcProvider("blue", {"issuer_url": ISSUER_URL})
        green = ClusterOidcProvider("green", {"issuer_url": f"https://{green_host}"})
        ControllerIrsa(
            "s3",
            {
                "service": "s3",
                "oidc_provider": blue,
                "extra_oidc_providers": [green, OTHER_PROVIDER_ARN],
                "service_account_mode": "none",
            },
        )
        return {}

    statements = trust_policy(run(program), "s3")["Statement"]
    assert [(s["Principal"]["Federated"], list(s["Condition"]["StringEquals"])) for s in statements] == [
        (PROVIDER_ARN, [f"{ISSUER_HOST}:sub", f"{ISSUER_HOST}:aud"]),
        (f"arn:aws:iam::{ACCOUNT}:oidc-provider/{green_host}", [f"{green_host}:sub", f"{green_host}:aud"]),
        (OTHER_PROVIDER_ARN, [f"{OTHER_ISSUER_HOST}:sub", f"{OTHER_ISSUER_HOST}:aud"]),
    ]


def test_a_trust_policy_over_the_limit_fails_before_anything_is_created() -> None:
    def program() -> dict[str, Any]:
        oidc = ClusterOidcProvider("cluster", {"issuer_url": ISSUER_URL})
        accounts = [f"team-{n}:ack-s3-controller" for n in range(40)]
        irsa = ControllerIrsa("s3", {"service": "s3", "oidc_provider": oidc, "extra_service_accounts": accounts})
        return {"role_arn": irsa.role_arn}

    # the issuer is known, but not the provider's ARN (nor its partition): sized as the longest
    with pytest.raises(ArgsError, match=r"^ControllerIrsa 's3': the trust policy would be up to \d+ characters"):
        run(program)


def test_provider_arn_and_issuer_as_outputs_as_from_pulumi_eks() -> None:
    def program() -> dict[str, Any]:
        irsa = ControllerIrsa(
            "s3",
            {
                "service": "s3",
                "oidc_provider_arn": pulumi.Output.from_input(OTHER_PROVIDER_ARN),
                "oidc_issuer": pulumi.Output.from_input(OTHER_ISSUER_HOST),
            },
        )
        return {"role_name": irsa.role_name}

    result = run(program)
    statement = trust_policy(result, "s3")["Statement"][0]
    assert statement["Principal"] == {"Federated": OTHER_PROVIDER_ARN}
    assert f"{OTHER_ISSUER_HOST}:sub" in statement["Condition"]["StringEquals"]
    assert result.outputs["role_name"].startswith("ack-s3-")


def test_a_mismatched_issuer_fails_the_deployment() -> None:
    def program() -> dict[str, Any]:
        irsa = ControllerIrsa(
            "s3",
            {
                "service": "s3",
                "oidc_provider_arn": pulumi.Output.from_input(PROVIDER_ARN),
                "oidc_issuer": pulumi.Output.from_input(OTHER_ISSUER_HOST),
            },
        )
        return {"role_arn": irsa.role_arn}

    with pytest.raises(ValueError, match="is not the issuer of oidc_provider_arn"):
        run(program)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"service": "s4"},
            "ControllerIrsa 'x': service: unknown ACK service 's4'; did you mean 's3'? "
            "(`python -m ack_irsa catalog` lists all 82)",
        ),
        (
            {"service": "s3"},
            "ControllerIrsa 'x': oidc_provider: is required: give a ClusterOidcProvider, or oidc_provider_arn",
        ),
        (
            {"service": "s3", "oidc_provider_arn": PROVIDER_ARN, "service_account_mode": "annotate"},
            "ControllerIrsa 'x': service_account_mode: 'annotate' is not one of 'patch', 'create' or 'none'",
        ),
        (
            {"service": "glue", "oidc_provider_arn": PROVIDER_ARN},
            "ControllerIrsa 'x': policy_arns: there is no recommended policy for the glue controller "
            "(upstream recommends none); give policy_arns or inline_policy",
        ),
        (
            {
                "service": "s3",
                "oidc_provider_arn": PROVIDER_ARN,
                "service_account_name": "ack-*",
                "extra_service_accounts": ["team-a"],
                "tags": {"aws:x": "y"},
            },
            "ControllerIrsa 'x': service_account_name: 'ack-*' contains a wildcard, which would let every matching "
            "ServiceAccount assume the role; set allow_wildcard_subject to true to accept it (then only sub uses "
            "StringLike, aud stays StringEquals)\n"
            "ControllerIrsa 'x': extra_service_accounts[0]: 'team-a' is not a 'namespace:serviceaccount' pair\n"
            "ControllerIrsa 'x': tags: tag key 'aws:x' is not valid (1 to 128 letters, digits, spaces and _.:/=+-@; "
            "not starting with aws:)",
        ),
        (
            {"service": "s3", "oidc_provider_arn": PROVIDER_ARN, "serviceAccountName": "x"},
            "ControllerIrsa 'x': serviceAccountName: unknown argument; did you mean 'service_account_name'?",
        ),
        (
            # Outputs must not be made at collection time: the factory below makes them inside the run.
            {"service": "s3", "oidc_provider_arn": PROVIDER_ARN, "extra_policy_arns": ["<output>"]},
            "ControllerIrsa 'x': extra_policy_arns[0]: an ARN known only at deploy time needs a stable key: "
            "pass {key: arn} instead of a list",
        ),
    ],
)
def test_bad_arguments_fail_before_anything_is_registered(args: ControllerIrsaArgs, message: str) -> None:
    errors: list[str] = []

    def program() -> None:
        outputs = {
            k: [pulumi.Output.from_input("x") if v == "<output>" else v for v in v]
            for k, v in args.items()
            if isinstance(v, list)
        }
        try:
            ControllerIrsa("x", {**args, **outputs})  # type: ignore[typeddict-item]
        except ArgsError as error:
            errors.append(str(error))

    assert run(program).resources == []
    assert errors == [message]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (None, "the arguments must be a mapping such as {'service': 's3', 'oidc_provider': oidc}, got None"),
        (
            {"service": "s3", "oidc_provider_arn": PROVIDER_ARN, "max_session_duration": "7200"},
            "max_session_duration: must be a whole number of seconds, got '7200'",
        ),
        (
            {"service": "s3", "oidc_provider_arn": PROVIDER_ARN, "role_path": 5},
            "role_path: must be an IAM path such as /ack/, got 5",
        ),
        (
            {"service": "s3", "oidc_provider_arn": PROVIDER_ARN, "tags": ["a"]},
            "tags: must be a mapping of tag keys to values, got ['a']",
        ),
        (
            {"service": "s3", "oidc_provider_arn": PROVIDER_ARN, "extra_service_accounts": "team-a:sa"},
            "extra_service_accounts: must be a list of 'namespace:name' pairs, got 'team-a:sa'",
        ),
        (
            {"service": "s3", "oidc_provider_arn": PROVIDER_ARN, "allow_wildcard_subject": "yes"},
            "allow_wildcard_subject: must be true or false, got 'yes'",
        ),
        (
            {"service": "s3", "oidc_provider_arn": PROVIDER_ARN, "zzz": 1},
            "zzz: unknown argument (known: service, oidc_provider, oidc_provider_arn, oidc_issuer, namespace, "
            "service_account_name, service_account_mode, deployment_name, policy, kinds, pass_roles, policy_arns, "
            "extra_policy_arns, "
            "inline_policy, role_name, role_path, permissions_boundary, max_session_duration, tags, "
            "extra_service_accounts, extra_oidc_providers, allow_wildcard_subject, trust_policy_max_chars, "
            "managed_policies_per_role, acknowledge_risks, identity, cluster_name, extra_cluster_names, install, "
            "cross_account, cross_account_mode, carm_service_level, trust_policy, inline_policy_name, "
            "role_description)",
        ),
        ({"service": 5, "oidc_provider_arn": PROVIDER_ARN}, "service: must be an ACK service name such as 's3', got 5"),
    ],
)
def test_python_arguments_of_the_wrong_kind_get_the_same_clear_messages(args: Any, message: str) -> None:
    def program() -> None:
        ControllerIrsa("s3", args)

    with pytest.raises(ArgsError) as raised:
        run(program)
    assert str(raised.value) == f"ControllerIrsa 's3': {message}"


def test_an_output_where_a_plain_value_is_needed_says_so() -> None:
    def program() -> None:
        namespace = pulumi.Output.from_input("ack-system")
        ControllerIrsa(
            "s3",
            {"service": "s3", "oidc_provider_arn": PROVIDER_ARN, "namespace": namespace, "role_name": namespace},  # type: ignore[typeddict-item]
        )

    with pytest.raises(ArgsError) as raised:
        run(program)
    assert str(raised.value).splitlines() == [
        "ControllerIrsa 's3': namespace: must be a plain string known before deploying, not a Pulumi Output",
        "ControllerIrsa 's3': role_name: must be a role name known before deploying, not a Pulumi Output "
        "(it is checked up front)",
    ]
    assert "pulumi.output.Output object" not in str(raised.value)


def test_the_oidc_provider_refuses_arguments_of_the_wrong_kind() -> None:
    def program() -> None:
        ClusterOidcProvider("cluster", {"issuer_url": 5, "retain_on_delete": "no", "client_ids": "sts.amazonaws.com"})  # type: ignore[typeddict-item]

    with pytest.raises(ArgsError) as raised:
        run(program)
    assert str(raised.value).splitlines() == [
        "ClusterOidcProvider 'cluster': issuer_url: must be an issuer URL, got 5",
        "ClusterOidcProvider 'cluster': retain_on_delete: must be true or false, got 'no'",
        "ClusterOidcProvider 'cluster': client_ids: must be a list of client IDs, got 'sts.amazonaws.com'",
    ]


def test_the_role_claims_its_policies_exclusively_so_drift_is_removed() -> None:
    result = run(controller)
    attachments = {r.urn for r in result.of_type(ATTACHMENT)}
    (inline,) = result.of_type(INLINE)
    (managed_set,) = result.of_type(MANAGED_SET)
    (inline_set,) = result.of_type(INLINE_SET)
    role_name = result.outputs["role_name"]
    assert managed_set.inputs == {"roleName": role_name, "policyArns": ["arn:aws:iam::aws:policy/AmazonS3FullAccess"]}
    assert inline_set.inputs == {"roleName": role_name, "policyNames": ["ack-controller-policy"]}
    # created after the policies they list (so they remove nothing of ours), deleted before them
    assert attachments <= set(managed_set.dependencies)
    assert inline.urn in inline_set.dependencies
    # the ServiceAccount is annotated only once drift is gone
    account = result.named("s3-service-account")
    assert {managed_set.urn, inline_set.urn} <= set(account.dependencies)


def test_a_role_without_inline_policy_claims_an_empty_set() -> None:
    def program() -> None:
        ControllerIrsa("rds", {"service": "rds", "oidc_provider_arn": PROVIDER_ARN})

    (inline_set,) = run(program).of_type(INLINE_SET)
    assert inline_set.inputs["policyNames"] == []


def test_two_components_may_not_annotate_one_service_account_of_one_cluster() -> None:
    def program() -> None:
        oidc = ClusterOidcProvider("cluster", {"issuer_url": ISSUER_URL})
        ControllerIrsa("s3", {"service": "s3", "oidc_provider": oidc})
        ControllerIrsa("s3-again", {"service": "s3", "oidc_provider": oidc, "role_name": "other"})

    with pytest.raises(ArgsError) as raised:
        run(program)
    assert str(raised.value) == (
        "ControllerIrsa 's3-again': service_account_name: ack-system/ack-s3-controller on this cluster is annotated "
        "by ControllerIrsa 's3' already; two roles would fight over its annotation (give one of them "
        "service_account_mode 'none')"
    )


def test_one_service_account_on_two_clusters_or_trusted_only_is_fine() -> None:
    def program() -> None:
        one = ClusterOidcProvider("one", {"issuer_url": ISSUER_URL})
        two = ClusterOidcProvider("two", {"provider_arn": OTHER_PROVIDER_ARN})
        ControllerIrsa("s3-one", {"service": "s3", "oidc_provider": one})
        ControllerIrsa("s3-two", {"service": "s3", "oidc_provider": two})
        ControllerIrsa("s3-trust", {"service": "s3", "oidc_provider": one, "service_account_mode": "none"})
        ControllerIrsa("s3-arn", {"service": "s3", "oidc_provider_arn": PROVIDER_ARN})

    assert len(run(program).of_type(ROLE)) == 4


def test_a_deploy_time_provider_of_another_partition_fails_when_it_resolves() -> None:
    china = "arn:aws-cn:iam::111122223333:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/CCCC"

    def program() -> dict[str, Any]:
        irsa = ControllerIrsa(
            "s3",
            {
                "service": "s3",
                "oidc_provider_arn": PROVIDER_ARN,
                "extra_oidc_providers": [pulumi.Output.from_input(china)],
            },
        )
        return {"role_arn": irsa.role_arn}

    with pytest.raises(Exception, match="extra_oidc_providers are in another partition than the cluster's provider"):
        run(program)
