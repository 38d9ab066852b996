"""The stack config: every bad value is reported, by key path, before any resource is registered."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from ack_irsa.iam.policies import policy_size
from ack_irsa.review import offline
from ack_irsa.stack import program
from ack_irsa.stack.config import ConfigError, parse

from .conftest import ISSUER_HOST, ISSUER_URL, OTHER_ISSUER_HOST, OTHER_PROVIDER_ARN, PROVIDER_ARN, run

WILDCARD = (
    "contains a wildcard, which would let every matching ServiceAccount assume the role; set allowWildcardSubject "
    "to true to accept it (then only sub uses StringLike, aud stays StringEquals)"
)
LABEL = (
    "is not a valid RFC 1123 label (at most 63 lowercase letters, digits and '-', starting and ending with a letter "
    "or digit)"
)
SUBDOMAIN = (
    "is not a valid RFC 1123 subdomain (at most 253 lowercase letters, digits, '-' and '.', starting and ending with "
    "a letter or digit)"
)
NOT_A_PROVIDER = (
    "is not an IAM OIDC provider ARN (expected arn:<partition>:iam::<account-id>:oidc-provider/<issuer host and path>)"
)
CONTROLLER_KEYS = (
    "acknowledgeRisks, allowWildcardSubject, crossAccount, deploymentName, extraClusterNames, extraOidcProviders, "
    "extraPolicyArns, extraServiceAccounts, identity, inlinePolicy, inlinePolicyName, install, kinds, "
    "maxSessionDuration, name, namespace, namespaces, passRoles, permissionsBoundary, policy, policyArns, "
    "roleDescription, roleName, rolePath, secretNamespaces, service, serviceAccountMode, serviceAccountName, tags, "
    "trustPolicy"
)


def config(*controllers: Any, **stack: Any) -> dict[str, Any]:
    """A Pulumi config map: ``ack-irsa:`` keys (structured values as JSON text, as Pulumi passes them)."""
    values: dict[str, Any] = {"clusterName": "dev", **stack, "controllers": list(controllers)}
    region = values.pop("region", None)
    result = {
        f"ack-irsa:{key}": v if isinstance(v, str) else json.dumps(v) for key, v in values.items() if v is not None
    }
    return result | ({"aws:region": region} if region else {})


BAD_CONFIGS: list[tuple[str, dict[str, Any], list[str]]] = [
    (
        "misspelled stack key",
        config({"service": "s3"}, clusterNmae="dev"),
        ["ack-irsa:clusterNmae: unknown key; did you mean 'clusterName'?"],
    ),
    (
        "misspelled controller key",
        config({"service": "s3", "serviceAcountName": "x"}),
        ["ack-irsa:controllers[0].serviceAcountName: unknown key; did you mean 'serviceAccountName'?"],
    ),
    (
        "unknown controller key",
        config({"service": "s3", "bogus": 1}),
        [f"ack-irsa:controllers[0].bogus: unknown key (known keys: {CONTROLLER_KEYS})"],
    ),
    ("service missing", config({"namespace": "ack"}), ["ack-irsa:controllers[0].service: is required"]),
    (
        "entry not an object",
        config("s3"),
        ["ack-irsa:controllers[0]: must be an object such as {service: s3}, got 's3'"],
    ),
    (
        "controllers not a list",
        {"ack-irsa:clusterName": "dev", "ack-irsa:controllers": json.dumps({"service": "s3"})},
        ["ack-irsa:controllers: must be a list of controllers, got {'service': 's3'}"],
    ),
    (
        "unknown service",
        config({"service": "s4"}),
        [
            "ack-irsa:controllers[0].service: unknown ACK service 's4'; did you mean 's3'? "
            "(`python -m ack_irsa catalog` lists all 82)"
        ],
    ),
    (
        "ServiceAccount mode",
        config({"service": "s3", "serviceAccountMode": "patched"}),
        ["ack-irsa:controllers[0].serviceAccountMode: Input should be 'patch', 'create' or 'none', got 'patched'"],
    ),
    (
        "no cluster",
        config({"service": "s3"}, clusterName=None),
        ["ack-irsa:clusterName: give clusterName, issuerUrl or oidcProviderArn"],
    ),
    (
        "cluster and issuer",
        config({"service": "s3"}, issuerUrl=ISSUER_URL),
        ["ack-irsa:issuerUrl: give clusterName or issuerUrl, not both"],
    ),
    (
        "issuer without scheme",
        config({"service": "s3"}, clusterName=None, issuerUrl=ISSUER_HOST),
        [
            f"ack-irsa:issuerUrl: {ISSUER_HOST!r} is not an OIDC issuer URL "
            "(expected https://oidc.eks.<region>.amazonaws.com/id/<id>)"
        ],
    ),
    (
        "provider ARN of a role",
        config({"service": "s3"}, oidcProviderArn="arn:aws:iam::111122223333:role/x"),
        [f"ack-irsa:oidcProviderArn: 'arn:aws:iam::111122223333:role/x' {NOT_A_PROVIDER}"],
    ),
    (
        "client IDs without STS",
        config({"service": "s3"}, clientIds=["my-app"]),
        ["ack-irsa:clientIds: must include 'sts.amazonaws.com', the audience every IRSA role trusts"],
    ),
    (
        "retention of an adopted provider",
        config({"service": "s3"}, oidcProviderArn=PROVIDER_ARN, retainOidcProvider="false"),
        ["ack-irsa:retainOidcProvider: applies only to a provider ack-irsa creates, not to an adopted one"],
    ),
    ("stack namespace", config({"service": "s3"}, namespace="ACK"), [f"ack-irsa:namespace: 'ACK' {LABEL}"]),
    (
        "controller namespace",
        config({"service": "s3", "namespace": "ack_system"}),
        [f"ack-irsa:controllers[0].namespace: 'ack_system' {LABEL}"],
    ),
    (
        "ServiceAccount name",
        config({"service": "s3", "serviceAccountName": "Ack"}),
        [f"ack-irsa:controllers[0].serviceAccountName: 'Ack' {SUBDOMAIN}"],
    ),
    (
        "Deployment name",
        config({"service": "s3", "deploymentName": "-x"}),
        [f"ack-irsa:controllers[0].deploymentName: '-x' {SUBDOMAIN}"],
    ),
    (
        "role name too long",
        config({"service": "s3", "roleName": "r" * 65}),
        [f"ack-irsa:controllers[0].roleName: {'r' * 65!r} is 65 characters long; IAM allows at most 64"],
    ),
    (
        "role name characters",
        config({"service": "s3", "roleName": "ack s3"}),
        ["ack-irsa:controllers[0].roleName: 'ack s3' is not a valid IAM role name (letters, digits and +=,.@_- only)"],
    ),
    (
        "role path",
        config({"service": "s3", "rolePath": "ack"}),
        [
            "ack-irsa:controllers[0].rolePath: 'ack' is not a valid IAM path "
            "(it must begin and end with '/', e.g. /ack/)"
        ],
    ),
    (
        "session too short",
        config({"service": "s3", "maxSessionDuration": 3599}),
        ["ack-irsa:controllers[0].maxSessionDuration: 3599 is out of range (seconds, 3600 to 43200)"],
    ),
    (
        "session not a number",
        config({"service": "s3", "maxSessionDuration": "long"}),
        [
            "ack-irsa:controllers[0].maxSessionDuration: Input should be a valid integer, unable to parse string "
            "as an integer, got 'long'"
        ],
    ),
    (
        "boundary not a policy",
        config({"service": "s3", "permissionsBoundary": "arn:aws:iam::111122223333:role/b"}),
        [
            "ack-irsa:controllers[0].permissionsBoundary: 'arn:aws:iam::111122223333:role/b' is not an IAM policy ARN "
            "(expected arn:<partition>:iam::<account-id or aws>:policy/<path/name>)"
        ],
    ),
    (
        "policy name instead of ARN",
        config({"service": "s3", "extraPolicyArns": ["AmazonS3ReadOnlyAccess"]}),
        [
            "ack-irsa:controllers[0].extraPolicyArns[0]: 'AmazonS3ReadOnlyAccess' is not an ARN "
            "(expected arn:<partition>:<service>:<region>:<account>:<resource>)"
        ],
    ),
    (
        "policy listed twice",
        config({"service": "s3", "extraPolicyArns": ["arn:aws:iam::aws:policy/A", "arn:aws:iam::aws:policy/A"]}),
        ["ack-irsa:controllers[0].extraPolicyArns[1]: 'arn:aws:iam::aws:policy/A' is listed twice"],
    ),
    (
        "eleven managed policies",
        config({"service": "s3", "extraPolicyArns": [f"arn:aws:iam::aws:policy/P{i}" for i in range(10)]}),
        [
            "ack-irsa:controllers[0].extraPolicyArns: 11 managed policies for one role; the quota is 10 "
            "(if your account's quota is higher, set managedPoliciesPerRole)"
        ],
    ),
    (
        "inline policy not JSON",
        config({"service": "s3", "inlinePolicy": "{oops"}),
        [
            "ack-irsa:controllers[0].inlinePolicy: is not valid JSON "
            "(Expecting property name enclosed in double quotes at line 1 column 2)"
        ],
    ),
    (
        "inline policy without Version",
        config({"service": "s3", "inlinePolicy": {"Statement": [{"Effect": "Allow"}]}}),
        [
            "ack-irsa:controllers[0].inlinePolicy.Version: must be '2012-10-17', the current policy language, got None",
            "ack-irsa:controllers[0].inlinePolicy.Statement[0]: must have exactly one of Action and NotAction",
            "ack-irsa:controllers[0].inlinePolicy.Statement[0]: must have exactly one of Resource and NotResource",
        ],
    ),
    (
        "controller without a recommended policy",
        config({"service": "glue"}),
        [
            "ack-irsa:controllers[0].policyArns: there is no recommended policy for the glue controller "
            "(upstream recommends none); give policyArns or inlinePolicy"
        ],
    ),
    (
        "every policy dropped",
        config({"service": "iam", "inlinePolicy": ""}),
        [
            "ack-irsa:controllers[0].policyArns: the role would have no permissions: "
            "give policyArns, extraPolicyArns or inlinePolicy"
        ],
    ),
    (
        "reserved tag key",
        config({"service": "s3", "tags": {"aws:owner": "me"}}),
        [
            "ack-irsa:controllers[0].tags: tag key 'aws:owner' is not valid "
            "(1 to 128 letters, digits, spaces and _.:/=+-@; not starting with aws:)"
        ],
    ),
    (
        "51 tags with the stack's",
        config({"service": "s3", "tags": {f"k{i}": "v" for i in range(49)}}, tags={"a": "1", "b": "2"}),
        ["ack-irsa:controllers[0].tags: 51 tags; IAM allows at most 50 per role"],
    ),
    (
        "wildcard ServiceAccount without opt-in",
        config({"service": "s3", "serviceAccountName": "ack-*", "serviceAccountMode": "none"}),
        [f"ack-irsa:controllers[0].serviceAccountName: 'ack-*' {WILDCARD}"],
    ),
    (
        "wildcard namespace without opt-in",
        config({"service": "s3", "extraServiceAccounts": ["team-?:ack-s3-controller"]}),
        [f"ack-irsa:controllers[0].extraServiceAccounts[0]: 'team-?' {WILDCARD}"],
    ),
    (
        "wildcard ServiceAccount to patch",
        config({"service": "s3", "serviceAccountName": "ack-*", "allowWildcardSubject": True}),
        ["ack-irsa:controllers[0].serviceAccountMode: must be 'none' when the ServiceAccount is a wildcard pattern"],
    ),
    (
        "extra ServiceAccount without namespace",
        config({"service": "s3", "extraServiceAccounts": ["ack-s3-controller"]}),
        [
            "ack-irsa:controllers[0].extraServiceAccounts[0]: 'ack-s3-controller' is not a "
            "'namespace:serviceaccount' pair"
        ],
    ),
    (
        "extra ServiceAccount twice",
        config({"service": "s3", "extraServiceAccounts": ["ack-system:ack-s3-controller"]}),
        ["ack-irsa:controllers[0].extraServiceAccounts[0]: 'ack-system:ack-s3-controller' is listed twice"],
    ),
    (
        "extra provider not a provider",
        config({"service": "s3", "extraOidcProviders": ["arn:aws:iam::111122223333:role/x"]}),
        [f"ack-irsa:controllers[0].extraOidcProviders[0]: 'arn:aws:iam::111122223333:role/x' {NOT_A_PROVIDER}"],
    ),
    (
        "same service and ServiceAccount twice",
        config({"service": "s3"}, {"service": "s3", "name": "s3-again"}),
        ["ack-irsa:controllers[1]: the s3 controller for the same ServiceAccount is listed twice (controllers[0])"],
    ),
    (
        "same logical name twice",
        config({"service": "s3"}, {"service": "s3", "namespace": "team-a"}),
        ["ack-irsa:controllers[1]: the name 's3' is taken by controllers[0]; give one of them a distinct `name`"],
    ),
    (
        "same role name twice",
        config({"service": "s3", "roleName": "ack"}, {"service": "rds", "roleName": "ack"}),
        ["ack-irsa:controllers[1].roleName: 'ack' is the role name of controllers[0] too"],
    ),
    (
        "policy from another partition than the region's",
        config({"service": "s3", "extraPolicyArns": ["arn:aws:iam::aws:policy/X"]}, region="us-gov-west-1"),
        [
            "ack-irsa:controllers[0].extraPolicyArns[0]: 'arn:aws:iam::aws:policy/X' is in partition 'aws', "
            "but this stack's is 'aws-us-gov' (from aws:region 'us-gov-west-1')"
        ],
    ),
    (
        "boundary from another partition than the provider's",
        config(
            {"service": "s3", "permissionsBoundary": "arn:aws-cn:iam::111122223333:policy/b"},
            oidcProviderArn=PROVIDER_ARN,
        ),
        [
            "ack-irsa:controllers[0].permissionsBoundary: 'arn:aws-cn:iam::111122223333:policy/b' is in partition "
            "'aws-cn', but this stack's is 'aws' (from oidcProviderArn)"
        ],
    ),
    (
        "wildcard setting not a boolean",
        config({"service": "s3", "allowWildcardSubject": "maybe"}),
        [
            "ack-irsa:controllers[0].allowWildcardSubject: Input should be a valid boolean, unable to interpret input, "
            "got 'maybe'"
        ],
    ),
    (
        "stack tags not a map",
        config({"service": "s3"}, tags=["x"]),
        ["ack-irsa:tags: Input should be a valid dictionary, got ['x']"],
    ),
    (
        "several problems at once",
        config({"service": "s3", "serviceAccountMode": "x", "roleName": "a b"}, {"service": "glue"}, clusterNmae="dev"),
        [
            "ack-irsa:clusterNmae: unknown key; did you mean 'clusterName'?",
            "ack-irsa:controllers[0].serviceAccountMode: Input should be 'patch', 'create' or 'none', got 'x'",
            "ack-irsa:controllers[0].roleName: 'a b' is not a valid IAM role name (letters, digits and +=,.@_- only)",
            "ack-irsa:controllers[1].policyArns: there is no recommended policy for the glue controller "
            "(upstream recommends none); give policyArns or inlinePolicy",
        ],
    ),
]


@pytest.mark.parametrize(("case", "raw", "problems"), BAD_CONFIGS, ids=[case for case, _, _ in BAD_CONFIGS])
def test_bad_config_is_reported_exactly_and_nothing_is_registered(
    case: str, raw: dict[str, Any], problems: list[str]
) -> None:
    errors: list[str] = []

    def checked_program() -> None:
        try:
            program.main()
        except pulumi.RunError as error:
            errors.append(str(error))

    result = run(checked_program, config=raw, issuers={"dev": ISSUER_URL})
    count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
    assert errors == [f"the stack config has {count}:\n" + "\n".join(f"  {p}" for p in problems)]
    assert result.resources == []
    assert result.invokes == []


def test_there_are_at_least_thirty_bad_configs() -> None:
    assert len(BAD_CONFIGS) >= 30


def controllers_run(*entries: dict[str, Any], **stack: Any) -> offline.OfflineRun:
    return run(program.main, config=config(*entries, **stack), issuers={"dev": ISSUER_URL})


def trust(result: offline.OfflineRun, name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(result.named(f"{name}-role").inputs["assumeRolePolicy"])
    return document


def test_a_role_trusted_by_several_clusters_and_service_accounts() -> None:
    result = controllers_run(
        {
            "service": "s3",
            "extraServiceAccounts": ["team-a:ack-s3-controller"],
            "extraOidcProviders": [OTHER_PROVIDER_ARN],
        }
    )
    subjects = ["system:serviceaccount:ack-system:ack-s3-controller", "system:serviceaccount:team-a:ack-s3-controller"]
    assert trust(result, "s3") == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": PROVIDER_ARN},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {f"{ISSUER_HOST}:sub": subjects, f"{ISSUER_HOST}:aud": "sts.amazonaws.com"}
                },
            },
            {
                "Effect": "Allow",
                "Principal": {"Federated": OTHER_PROVIDER_ARN},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{OTHER_ISSUER_HOST}:sub": subjects,
                        f"{OTHER_ISSUER_HOST}:aud": "sts.amazonaws.com",
                    }
                },
            },
        ],
    }
    # only the primary ServiceAccount, on this cluster, is annotated
    assert [r.inputs["metadata"]["name"] for r in result.of_type("kubernetes:core/v1:ServiceAccountPatch")] == [
        "ack-s3-controller"
    ]
    assert result.named("s3-service-account").inputs["metadata"]["namespace"] == "ack-system"


def test_a_wildcard_subject_with_the_opt_in() -> None:
    result = controllers_run(
        {
            "service": "s3",
            "serviceAccountName": "ack-s3-*",
            "serviceAccountMode": "none",
            "allowWildcardSubject": True,
        }
    )
    assert trust(result, "s3")["Statement"][0]["Condition"] == {
        "StringEquals": {f"{ISSUER_HOST}:aud": "sts.amazonaws.com"},
        "StringLike": {f"{ISSUER_HOST}:sub": "system:serviceaccount:ack-system:ack-s3-*"},
    }
    assert not [r for r in result.resources if r.type.startswith("kubernetes:")]


def test_one_service_twice_under_distinct_names() -> None:
    result = controllers_run({"service": "s3"}, {"service": "s3", "name": "s3-team-a", "namespace": "team-a"})
    assert result.named("s3-team-a-service-account").inputs["metadata"]["namespace"] == "team-a"
    assert sorted(result.outputs["controllers"]) == ["s3", "s3-team-a"]
    assert result.outputs["controllers"]["s3"]["roleName"] != result.outputs["controllers"]["s3-team-a"]["roleName"]


def adopted(**entry: Any) -> dict[str, Any]:
    return config({"service": "s3", **entry}, clusterName=None, oidcProviderArn=PROVIDER_ARN)


def test_trust_policy_size_limit_at_the_boundary() -> None:
    accounts = [f"team-{i}:ack-s3-controller" for i in range(40)]
    entry = {"service": "s3", "extraServiceAccounts": accounts}
    result = run(
        program.main, config=config(entry, clusterName=None, oidcProviderArn=PROVIDER_ARN, trustPolicyMaxChars=8192)
    )
    size = policy_size(trust(result, "s3"))
    assert size > 2048
    parse(config(entry, clusterName=None, oidcProviderArn=PROVIDER_ARN, trustPolicyMaxChars=size))
    with pytest.raises(ConfigError) as raised:
        parse(config(entry, clusterName=None, oidcProviderArn=PROVIDER_ARN, trustPolicyMaxChars=size - 1))
    assert raised.value.problems == [
        f"ack-irsa:controllers[0]: the trust policy is {size} characters; the limit is {size - 1} "
        "(if your account's quota is higher, set trustPolicyMaxChars)"
    ]
    with pytest.raises(ConfigError, match=f"the trust policy is {size} characters; the limit is 2048"):
        parse(config(entry, clusterName=None, oidcProviderArn=PROVIDER_ARN))


def test_an_unknown_issuer_is_sized_as_the_longest_eks_issuer() -> None:
    entry = {"service": "s3", "extraServiceAccounts": [f"team-{i}:ack-s3-controller" for i in range(40)]}
    with pytest.raises(ConfigError, match=r"the trust policy would be up to \d+ characters; the limit is 2048"):
        parse(config(entry))


def inline_policy_of_size(size: int) -> dict[str, Any]:
    statement = {"Sid": "", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    document = {"Version": "2012-10-17", "Statement": [statement]}
    statement["Sid"] = "A" * (size - policy_size(document))
    return document


def test_inline_policy_size_limit_at_the_boundary() -> None:
    parse(config({"service": "s3", "inlinePolicy": inline_policy_of_size(10240)}))
    with pytest.raises(ConfigError) as raised:
        parse(config({"service": "s3", "inlinePolicy": inline_policy_of_size(10241)}))
    assert raised.value.problems == [
        "ack-irsa:controllers[0].inlinePolicy: the inline policy is 10241 characters; the limit is 10240"
    ]


def test_managed_policy_quota_at_the_boundary_and_raised() -> None:
    nine = [f"arn:aws:iam::aws:policy/P{i}" for i in range(9)]
    parse(config({"service": "s3", "extraPolicyArns": nine}))  # 9 + AmazonS3FullAccess = 10
    ten = [*nine, "arn:aws:iam::aws:policy/P9"]
    with pytest.raises(ConfigError, match="11 managed policies for one role; the quota is 10"):
        parse(config({"service": "s3", "extraPolicyArns": ten}))
    parse(config({"service": "s3", "extraPolicyArns": ten}, managedPoliciesPerRole=20))


def test_tags_role_name_and_session_at_the_boundaries() -> None:
    parse(config({"service": "s3", "tags": {f"k{i}": "v" for i in range(50)}, "roleName": "r" * 64}))
    parse(config({"service": "s3", "maxSessionDuration": 43200}))
    with pytest.raises(ConfigError, match=r"maxSessionDuration: 43201 is out of range"):
        parse(config({"service": "s3", "maxSessionDuration": 43201}))


def test_values_from_pulumi_arrive_as_text_and_are_typed() -> None:
    parsed = parse(
        {
            "ack-irsa:issuerUrl": ISSUER_URL,
            "ack-irsa:retainOidcProvider": "false",
            "ack-irsa:trustPolicyMaxChars": "4096",
            "ack-irsa:controllers": '[{"service": "s3", "maxSessionDuration": "7200"}]',
        }
    )
    assert (parsed.retain_oidc_provider, parsed.trust_policy_max_chars) == (False, 4096)
    assert parsed.controllers[0].max_session_duration == 7200


def statement(**fields: Any) -> dict[str, Any]:
    """An inline policy of one statement: a valid one, with ``fields`` changed (None removes a field)."""
    base: dict[str, Any] = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    merged = {k: v for k, v in {**base, **fields}.items() if v is not None}
    return {"Version": "2012-10-17", "Statement": [merged]}


S0 = "ack-irsa:controllers[0].inlinePolicy.Statement[0]"
MALFORMED_INLINE_POLICIES: list[tuple[str, Any, list[str]]] = [
    ("Effect misspelt", statement(Effect="Alow"), [f"{S0}.Effect: must be 'Allow' or 'Deny', got 'Alow'"]),
    ("Effect Maybe", statement(Effect="Maybe"), [f"{S0}.Effect: must be 'Allow' or 'Deny', got 'Maybe'"]),
    ("no Effect", statement(Effect=None), [f"{S0}.Effect: must be 'Allow' or 'Deny', got None"]),
    (
        "Actions for Action",
        statement(Action=None, Actions="s3:GetObject"),
        [
            f"{S0}.Actions: is not a statement key (Sid, Effect, Action, NotAction, Resource, NotResource, Condition)",
            f"{S0}: must have exactly one of Action and NotAction",
        ],
    ),
    ("no Resource", statement(Resource=None), [f"{S0}: must have exactly one of Resource and NotResource"]),
    (
        "Resource and NotResource",
        statement(NotResource="arn:aws:s3:::b"),
        [f"{S0}: must have exactly one of Resource and NotResource, has Resource and NotResource"],
    ),
    (
        "Principal in an identity policy",
        statement(Principal={"AWS": "*"}),
        [f"{S0}.Principal: belongs in a trust or resource policy, not in a role's own policy"],
    ),
    (
        "action without a service",
        statement(Action=["s3:GetObject", "GetObject"]),
        [f"{S0}.Action[1]: 'GetObject' is not an action (service:Action, e.g. s3:GetObject, or *)"],
    ),
    (
        "action with a trailing space",
        statement(Action="s3:GetObject "),
        [f"{S0}.Action: 's3:GetObject ' is not an action (service:Action, e.g. s3:GetObject, or *)"],
    ),
    (
        "action a number",
        statement(Action=[5]),
        [f"{S0}.Action[0]: 5 is not an action (service:Action, e.g. s3:GetObject, or *)"],
    ),
    (
        "empty action list",
        statement(Action=[]),
        [f"{S0}.Action: must be a string or a non-empty list of strings, got []"],
    ),
    (
        "resource that is no ARN",
        statement(Resource="my-bucket"),
        [f"{S0}.Resource: 'my-bucket' is not a resource (an ARN, which may hold wildcards, or *)"],
    ),
    (
        "unknown condition operator",
        statement(Condition={"StringEqual": {"aws:RequestedRegion": "us-west-2"}}),
        [
            f"{S0}.Condition.StringEqual: is not a condition operator (e.g. StringEquals, ArnLike, BoolIfExists, "
            "ForAnyValue:StringLike)"
        ],
    ),
    (
        "NullIfExists",
        statement(Condition={"NullIfExists": {"aws:TagKeys": "true"}}),
        [
            f"{S0}.Condition.NullIfExists: is not a condition operator (e.g. StringEquals, ArnLike, BoolIfExists, "
            "ForAnyValue:StringLike)"
        ],
    ),
    (
        "condition value an object",
        statement(Condition={"StringEquals": {"aws:RequestedRegion": {"a": 1}}}),
        [
            f"{S0}.Condition.StringEquals.aws:RequestedRegion: must be a string, number or boolean, or a list of "
            "them, got {'a': 1}"
        ],
    ),
    (
        "statements that are a number and a string",
        {"Version": "2012-10-17", "Statement": [5, "x"]},
        [
            f"{S0}: must be an object with Effect, Action and Resource, got 5",
            "ack-irsa:controllers[0].inlinePolicy.Statement[1]: must be an object with Effect, Action and Resource, "
            "got 'x'",
        ],
    ),
    (
        "Sid with a dash, twice",
        {
            "Version": "2012-10-17",
            "Statement": [statement(Sid="a-b")["Statement"][0], statement(Sid="a-b")["Statement"][0]],
        },
        [
            f"{S0}.Sid: must be letters and digits only, got 'a-b'",
            "ack-irsa:controllers[0].inlinePolicy.Statement[1].Sid: must be letters and digits only, got 'a-b'",
            "ack-irsa:controllers[0].inlinePolicy.Statement[1].Sid: 'a-b' is the Sid of Statement[0] too; Sids must "
            "be unique",
        ],
    ),
    (
        "unknown document key",
        {**statement(), "Statment": []},
        ["ack-irsa:controllers[0].inlinePolicy.Statment: is not a policy document key (Version, Id, Statement)"],
    ),
]


@pytest.mark.parametrize(
    ("case", "document", "problems"), MALFORMED_INLINE_POLICIES, ids=[c for c, _, _ in MALFORMED_INLINE_POLICIES]
)
def test_a_malformed_inline_policy_is_refused_by_key_path(case: str, document: Any, problems: list[str]) -> None:
    for given in (document, json.dumps(document)):  # an object, or its JSON text
        with pytest.raises(ConfigError) as raised:
            parse(config({"service": "s3", "inlinePolicy": given}))
        assert raised.value.problems == problems


def test_well_formed_inline_policies_pass() -> None:
    for document in (
        statement(),
        statement(Effect="Deny", Action=None, NotAction=["iam:*"], Resource=None, NotResource="arn:aws:s3:::b/*"),
        statement(Sid="ReadOnly1", Condition={"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": ["a*", "b"]}}),
        statement(Condition={"Null": {"aws:TagKeys": False}, "NumericLessThan": {"s3:max-keys": 10}}),
        {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}},
    ):
        parse(config({"service": "s3", "inlinePolicy": document}))
