"""``ack_irsa.spec`` on its own: every branch of the argument checks, with its exact message.

Fast and pure (no Pulumi engine): the tests ``make mutation`` runs against ``spec``, ``limits`` and
``arns``. A changed message, a dropped check or a check that now fires on good input fails here."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from ack_irsa.spec.controller import resolve_controller
from ack_irsa.spec.oidc_provider import resolve_oidc_provider
from ack_irsa.spec.problems import ArgsError, Problem

A = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/AAAA"
B = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/BBBB"
CN = "arn:aws-cn:iam::111122223333:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/CCCC"


class Out:
    """A stand-in for a Pulumi Output: what spec recognises as known only at deploy time."""

    def apply(self) -> None: ...
    def future(self) -> None: ...
    def __repr__(self) -> str:
        return "<Output>"


OUT = Out()
UNKNOWN = SimpleNamespace(arn=OUT, known_arn=None, known_issuer=None, cluster_name=None)
"""A ClusterOidcProvider whose ARN and issuer are known only once deployed."""
prov = SimpleNamespace(
    arn=OUT, known_arn=A, known_issuer="oidc.eks.us-west-2.amazonaws.com/id/AAAA", cluster_name="dev"
)
base = {"service": "s3", "oidc_provider_arn": A}
CONTROLLER_CASES: dict[str, Any] = {
    "args none": None,
    "args list": ["s3"],
    "service missing": {"oidc_provider_arn": A},
    "service empty": {"service": "", "oidc_provider_arn": A},
    "service number": {"service": 5, "oidc_provider_arn": A},
    "no provider": {"service": "s3"},
    "provider and arn": {"service": "s3", "oidc_provider": prov, "oidc_provider_arn": A},
    "provider and issuer": {"service": "s3", "oidc_provider": prov, "oidc_issuer": "https://x/id/A"},
    "issuer alone": {"service": "s3", "oidc_issuer": "https://oidc.eks.us-west-2.amazonaws.com/id/AAAA"},
    "provider not a component": {"service": "s3", "oidc_provider": "arn:aws:iam::1:oidc-provider/x"},
    "arn number": {"service": "s3", "oidc_provider_arn": 5},
    "issuer number": {"service": "s3", "oidc_provider_arn": A, "oidc_issuer": 5},
    "arn not a provider": {"service": "s3", "oidc_provider_arn": "arn:aws:iam::111122223333:role/x"},
    "issuer mismatch": {
        "service": "s3",
        "oidc_provider_arn": A,
        "oidc_issuer": "https://oidc.eks.us-west-2.amazonaws.com/id/ZZZZ",
    },
    "boundary number": {**base, "permissions_boundary": 5},
    "boundary bad": {**base, "permissions_boundary": "arn:aws:iam::111122223333:role/x"},
    "duration string": {**base, "max_session_duration": "7200"},
    "duration bool": {**base, "max_session_duration": True},
    "duration low": {**base, "max_session_duration": 3599},
    "trust quota high": {**base, "trust_policy_max_chars": 8193},
    "trust quota low": {**base, "trust_policy_max_chars": 2047},
    "managed quota high": {**base, "managed_policies_per_role": 21},
    "managed quota string": {**base, "managed_policies_per_role": "12"},
    "too many managed": {
        **base,
        "managed_policies_per_role": 10,
        "extra_policy_arns": [f"arn:aws:iam::111122223333:policy/p{n}" for n in range(10)],
    },
    "too many managed policy_arns": {
        **base,
        "policy_arns": [f"arn:aws:iam::111122223333:policy/p{n}" for n in range(11)],
    },
    "mode bad": {**base, "service_account_mode": "patched"},
    "wildcard refused": {**base, "namespace": "team-*"},
    "wildcard allowed not none": {**base, "namespace": "team-*", "allow_wildcard_subject": True},
    "wildcard allowed none": {
        **base,
        "namespace": "team-?",
        "service_account_name": "ack-*",
        "allow_wildcard_subject": True,
        "service_account_mode": "none",
    },
    "wildcard flag string": {**base, "allow_wildcard_subject": "yes"},
    "namespace output": {**base, "namespace": OUT},
    "namespace number": {**base, "namespace": 5},
    "deployment number": {**base, "deployment_name": 5},
    "deployment bad": {**base, "deployment_name": "Bad_Name"},
    "deployment empty": {**base, "deployment_name": ""},
    "mode none drops deployment": {**base, "service_account_mode": "none", "deployment_name": "Bad_Name"},
    "extra sa string": {**base, "extra_service_accounts": "team-a:sa"},
    "extra sa bad pair": {**base, "extra_service_accounts": ["team-a", "a:b:c", ":x", 5]},
    "extra sa twice": {**base, "extra_service_accounts": ["team-a:sa", "team-a:sa", "ack-system:ack-s3-controller"]},
    "extra sa wildcard": {**base, "extra_service_accounts": ["team-*:sa"]},
    "extra sa wildcard allowed": {
        **base,
        "extra_service_accounts": ["team-*:s?"],
        "allow_wildcard_subject": True,
        "service_account_mode": "none",
    },
    "policy arns string": {**base, "policy_arns": "arn:aws:iam::aws:policy/X"},
    "policy arns number list": {**base, "policy_arns": [5]},
    "policy arns output list": {**base, "policy_arns": [OUT]},
    "policy arns twice": {**base, "policy_arns": ["arn:aws:iam::aws:policy/X", "arn:aws:iam::aws:policy/X"]},
    "policy map bad key": {**base, "policy_arns": {"a b": "arn:aws:iam::aws:policy/X", 5: "arn:aws:iam::aws:policy/Y"}},
    "policy map bad arn": {**base, "policy_arns": {"k": "arn:aws:iam::aws:role/X"}},
    "policy map output": {**base, "policy_arns": {"k": OUT}},
    "policy map plain": {**base, "policy_arns": {"k": "arn:aws:iam::aws:policy/X"}},
    "two level path": {**base, "policy_arns": ["arn:aws:iam::111122223333:policy/a/b/c/name"]},
    "extra policy of recommended": {**base, "extra_policy_arns": ["arn:aws:iam::aws:policy/AmazonS3FullAccess"]},
    "no permissions": {**base, "policy_arns": [], "inline_policy": ""},
    "no permissions knock-on": {**base, "policy_arns": ["arn:aws:iam::aws:policy/a b"], "inline_policy": ""},
    "glue no policy": {"service": "glue", "oidc_provider_arn": A},
    "opensearchserverless": {"service": "opensearchserverless", "oidc_provider_arn": A},
    "appconfig unknown": {"service": "appconfig", "oidc_provider_arn": A},
    "inline json bad": {**base, "inline_policy": "{oops"},
    "inline deep": {**base, "inline_policy": "[" * 100000 + "]" * 100000},
    "inline list": {**base, "inline_policy": ["x"]},
    "inline grammar": {**base, "inline_policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Maybe"}]}},
    "inline too big": {
        **base,
        "inline_policy": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": [f"s3:Get{n:05d}" for n in range(800)], "Resource": "*"}],
        },
    },
    "inline output": {**base, "inline_policy": OUT},
    "tags list": {**base, "tags": ["a"]},
    "tags bad": {**base, "tags": {"aws:x": "y"}},
    "role name number": {**base, "role_name": 5},
    "role name output": {**base, "role_name": OUT},
    "role path number": {**base, "role_path": 5},
    "extra providers string": {**base, "extra_oidc_providers": B},
    "extra providers": {**base, "extra_oidc_providers": [A, B, B, CN, "x", 5]},
    "extra provider component": {**base, "extra_oidc_providers": [prov]},
    "extra provider output": {**base, "extra_oidc_providers": [OUT]},
    "extra with component primary": {"service": "s3", "oidc_provider": prov, "extra_oidc_providers": [A, B]},
    "risks of the recommendation": {"service": "iam", "oidc_provider_arn": A},
    "risks acknowledged": {"service": "iam", "oidc_provider_arn": A, "acknowledge_risks": ["privilege-escalation"]},
    "risk id unknown": {"service": "iam", "oidc_provider_arn": A, "acknowledge_risks": ["root-access"]},
    "risk not this controller's": {
        "service": "rds",
        "oidc_provider_arn": A,
        "acknowledge_risks": ["privilege-escalation"],
    },
    "risk of none": {
        "service": "glue",
        "oidc_provider_arn": A,
        "policy_arns": ["arn:aws:iam::111122223333:policy/glue"],
        "acknowledge_risks": ["all-actions"],
    },
    "risk acknowledgements a string": {
        "service": "iam",
        "oidc_provider_arn": A,
        "acknowledge_risks": "privilege-escalation",
    },
    "risks of a given AWS-managed policy": {
        **base,
        "policy_arns": ["arn:aws:iam::aws:policy/AdministratorAccess"],
        "inline_policy": "",
    },
    "risks of a given inline policy": {
        **base,
        "inline_policy": {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
                {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
            ],
        },
    },
    "a conditioned PassRole is no risk": {
        **base,
        "inline_policy": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "iam:PassRole",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"iam:PassedToService": "s3.amazonaws.com"}},
                }
            ],
        },
    },
    "not quite an output": {**base, "namespace": SimpleNamespace(apply=1)},
    "boundary output": {**base, "permissions_boundary": OUT},
    "wildcard flag string and a wildcard": {**base, "allow_wildcard_subject": "yes", "namespace": "team-*"},
    "both halves replaced": {
        **base,
        "policy_arns": ["arn:aws:iam::111122223333:policy/s3"],
        "inline_policy": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
        },
    },
    "extra providers invalid twice": {**base, "extra_oidc_providers": ["x", "x"]},
    "a recommended policy with a path": {
        "service": "s3",
        "oidc_provider_arn": A,
        "extra_policy_arns": ["arn:aws:iam::aws:policy/service-role/AmazonEKSClusterPolicy"],
    },
    "unknown argument close": {**base, "nmespace": "x"},
    "unknown argument far": {**base, "zzz": 1, 7: 1},
    # the trust policy's size at the limit: exactly 2,048 characters pass, 2,049 fail; with the issuer unknown
    # (a provider still to be created) it is sized with the longest issuer, and the message says "would be up to"
    "trust at the limit, issuer known": {
        **base,
        "namespace": "a" * 11,
        "extra_service_accounts": [f"team-{i}:ack-s3-controller" for i in range(33)],
    },
    "trust one over, issuer known": {
        **base,
        "namespace": "a" * 12,
        "extra_service_accounts": [f"team-{i}:ack-s3-controller" for i in range(33)],
    },
    "trust at the limit, issuer unknown": {
        "service": "s3",
        "oidc_provider": UNKNOWN,
        "namespace": "a" * 46,
        "extra_service_accounts": [f"team-{i}:ack-s3-controller" for i in range(30)],
    },
    "trust one over, issuer unknown": {
        "service": "s3",
        "oidc_provider": UNKNOWN,
        "namespace": "a" * 47,
        "extra_service_accounts": [f"team-{i}:ack-s3-controller" for i in range(30)],
    },
    # sized with what is known: another provider's ARN, an issuer given beside an ARN known only at deploy
    # time, a component whose issuer is known but not its ARN (sizing them at their longest would refuse these)
    "trust at the limit with another provider": {
        **base,
        "namespace": "a" * 6,
        "extra_oidc_providers": [B],
        "extra_service_accounts": [f"team-{i}:ack-s3-controller" for i in range(13)],
    },
    "trust at the limit, issuer beside a deploy-time ARN": {
        "service": "s3",
        "oidc_provider_arn": OUT,
        "oidc_issuer": "https://oidc.eks.us-west-2.amazonaws.com/id/AAAA",
        "namespace": "a" * 4,
        "extra_service_accounts": [f"team-{i}:ack-s3-controller" for i in range(33)],
    },
    "trust at the limit, component with a known issuer": {
        "service": "s3",
        "oidc_provider": SimpleNamespace(
            arn=OUT, known_arn=None, known_issuer="oidc.eks.us-west-2.amazonaws.com/id/AAAA", cluster_name=None
        ),
        "namespace": "a" * 4,
        "extra_service_accounts": [f"team-{i}:ack-s3-controller" for i in range(33)],
    },
    "trust over, raised quota": {
        "service": "s3",
        "oidc_provider": UNKNOWN,
        "namespace": "a" * 47,
        "extra_service_accounts": [f"team-{i}:ack-s3-controller" for i in range(30)],
        "trust_policy_max_chars": 2049,
    },
}
OIDC_CASES: dict[str, Any] = {
    "none": None,
    "nothing": {},
    "cluster and url": {"cluster_name": "dev", "issuer_url": "https://oidc.eks.us-west-2.amazonaws.com/id/AAAA"},
    "cluster bad": {"cluster_name": "dev eks"},
    "url number": {"issuer_url": 5},
    "url bad": {"issuer_url": "http://x"},
    "url without path": {"issuer_url": "https://oidc.eks.us-west-2.amazonaws.com"},
    "arn number": {"provider_arn": 5},
    "arn mismatch": {"issuer_url": "https://oidc.eks.us-west-2.amazonaws.com/id/ZZZZ", "provider_arn": A},
    "adopted with create options": {
        "provider_arn": A,
        "client_ids": ["sts.amazonaws.com"],
        "thumbprints": [],
        "tags": {},
        "retain_on_delete": True,
    },
    "retain string": {"cluster_name": "dev", "retain_on_delete": "no"},
    "client ids string": {"cluster_name": "dev", "client_ids": "sts.amazonaws.com"},
    "client ids without sts": {"cluster_name": "dev", "client_ids": ["other"]},
    "client ids bad": {"cluster_name": "dev", "client_ids": ["sts.amazonaws.com", "", "x" * 256, 5]},
    "client ids 101": {"cluster_name": "dev", "client_ids": ["sts.amazonaws.com"] + [f"c{n}" for n in range(100)]},
    "thumbprints 6": {"cluster_name": "dev", "thumbprints": ["a" * 40] * 6},
    "thumbprints bad": {"cluster_name": "dev", "thumbprints": ["a" * 39, "g" * 40, "a" * 40 + "\n"]},
    "thumbprints string": {"cluster_name": "dev", "thumbprints": "a" * 40},
    "tags list": {"cluster_name": "dev", "tags": ["x"]},
    "unknown": {"cluster_name": "dev", "clustr_name": "x"},
    "issuer url output": {"issuer_url": OUT},
    "issuer known from the URL": {"issuer_url": "https://oidc.eks.us-west-2.amazonaws.com/id/AAAA/"},
    "issuer known from the ARN": {"provider_arn": A},
    "issuer matching URL and ARN": {
        "issuer_url": "https://oidc.eks.us-west-2.amazonaws.com/id/AAAA",
        "provider_arn": A,
    },
    "created with every option": {
        "cluster_name": "dev",
        "client_ids": ["sts.amazonaws.com", "other"],
        "thumbprints": ["a" * 40],
        "retain_on_delete": False,
        "tags": {"team": "platform"},
    },
}

CONTROLLER_OUTCOMES: dict[str, tuple[str, Any]] = {
    "args none": (
        "problems",
        [("", "the arguments must be a mapping such as {'service': 's3', 'oidc_provider': oidc}, got None")],
    ),
    "args list": (
        "problems",
        [("", "the arguments must be a mapping such as {'service': 's3', 'oidc_provider': oidc}, got ['s3']")],
    ),
    "service missing": ("problems", [("service", "is required (an ACK service name such as 's3')")]),
    "service empty": ("problems", [("service", "is required (an ACK service name such as 's3')")]),
    "service number": ("problems", [("service", "must be an ACK service name such as 's3', got 5")]),
    "no provider": ("problems", [("oidc_provider", "is required: give a ClusterOidcProvider, or oidc_provider_arn")]),
    "provider and arn": (
        "problems",
        [("oidc_provider", "give either oidc_provider or oidc_provider_arn/oidc_issuer, not both")],
    ),
    "provider and issuer": (
        "problems",
        [("oidc_provider", "give either oidc_provider or oidc_provider_arn/oidc_issuer, not both")],
    ),
    "issuer alone": (
        "problems",
        [
            ("oidc_provider", "is required: give a ClusterOidcProvider, or oidc_provider_arn"),
            ("oidc_issuer", "goes with oidc_provider_arn"),
        ],
    ),
    "provider not a component": (
        "problems",
        [("oidc_provider", "must be a ClusterOidcProvider, got 'arn:aws:iam::1:oidc-provider/x'")],
    ),
    "arn number": ("problems", [("oidc_provider_arn", "must be a string, got 5")]),
    "issuer number": ("problems", [("oidc_issuer", "must be a string, got 5")]),
    "arn not a provider": (
        "problems",
        [
            (
                "oidc_provider_arn",
                "'arn:aws:iam::111122223333:role/x' is not an IAM OIDC provider ARN (expected arn:<partition>:iam::<account-id>:oidc-provider/<issuer host and path>)",
            )
        ],
    ),
    "issuer mismatch": (
        "problems",
        [
            (
                "oidc_issuer",
                "'https://oidc.eks.us-west-2.amazonaws.com/id/ZZZZ' is not the issuer of 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/AAAA'",
            )
        ],
    ),
    "boundary number": ("problems", [("permissions_boundary", "must be an IAM policy ARN, got 5")]),
    "boundary bad": (
        "problems",
        [
            (
                "permissions_boundary",
                "'arn:aws:iam::111122223333:role/x' is not an IAM policy ARN (expected arn:<partition>:iam::<account-id or aws>:policy/<path/name>)",
            )
        ],
    ),
    "duration string": ("problems", [("max_session_duration", "must be a whole number of seconds, got '7200'")]),
    "duration bool": ("problems", [("max_session_duration", "must be a whole number of seconds, got True")]),
    "duration low": ("problems", [("max_session_duration", "3599 is out of range (seconds, 3600 to 43200)")]),
    "trust quota high": (
        "problems",
        [
            (
                "trust_policy_max_chars",
                "8193 is not a number from 2048 (the default quota) to 8192 (the most AWS raises trust policy to)",
            )
        ],
    ),
    "trust quota low": (
        "problems",
        [
            (
                "trust_policy_max_chars",
                "2047 is not a number from 2048 (the default quota) to 8192 (the most AWS raises trust policy to)",
            )
        ],
    ),
    "managed quota high": (
        "problems",
        [
            (
                "managed_policies_per_role",
                "21 is not a number from 10 (the default quota) to 20 (the most AWS raises managed policies to)",
            )
        ],
    ),
    "managed quota string": (
        "problems",
        [
            (
                "managed_policies_per_role",
                "'12' is not a number from 10 (the default quota) to 20 (the most AWS raises managed policies to)",
            )
        ],
    ),
    "too many managed": (
        "problems",
        [
            (
                "extra_policy_arns",
                "11 managed policies for one role; the quota is 10 (if your account's quota is higher, set managed_policies_per_role)",
            )
        ],
    ),
    "too many managed policy_arns": (
        "problems",
        [
            (
                "policy_arns",
                "11 managed policies for one role; the quota is 10 (if your account's quota is higher, set managed_policies_per_role)",
            )
        ],
    ),
    "mode bad": ("problems", [("service_account_mode", "'patched' is not one of 'patch', 'create' or 'none'")]),
    "wildcard refused": (
        "problems",
        [
            (
                "namespace",
                "'team-*' contains a wildcard, which would let every matching ServiceAccount assume the role; set allow_wildcard_subject to true to accept it (then only sub uses StringLike, aud stays StringEquals)",
            )
        ],
    ),
    "wildcard allowed not none": (
        "problems",
        [("service_account_mode", "must be 'none' when the ServiceAccount is a wildcard pattern")],
    ),
    "wildcard allowed none": (
        "ok",
        {
            "subjects": ["system:serviceaccount:team-?:ack-*"],
            "deployment": "",
            "managed": ["AmazonS3FullAccess"],
            "warnings": [],
            "risks": [
                ("service-wide-access", "managed policy AmazonS3FullAccess", False),
                ("service-wide-access", "the inline policy", False),
            ],
        },
    ),
    "wildcard flag string": ("problems", [("allow_wildcard_subject", "must be true or false, got 'yes'")]),
    "namespace output": (
        "problems",
        [("namespace", "must be a plain string known before deploying, not a Pulumi Output")],
    ),
    "namespace number": ("problems", [("namespace", "5 is not a string")]),
    "deployment number": ("problems", [("deployment_name", "must be a Deployment name, got 5")]),
    "deployment bad": (
        "problems",
        [
            (
                "deployment_name",
                "'Bad_Name' is not a valid RFC 1123 subdomain (at most 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit)",
            )
        ],
    ),
    "deployment empty": (
        "ok",
        {
            "subjects": ["system:serviceaccount:ack-system:ack-s3-controller"],
            "deployment": "",
            "managed": ["AmazonS3FullAccess"],
            "warnings": [],
            "risks": [
                ("service-wide-access", "managed policy AmazonS3FullAccess", False),
                ("service-wide-access", "the inline policy", False),
            ],
        },
    ),
    "mode none drops deployment": (
        "ok",
        {
            "subjects": ["system:serviceaccount:ack-system:ack-s3-controller"],
            "deployment": "",
            "managed": ["AmazonS3FullAccess"],
            "warnings": [],
            "risks": [
                ("service-wide-access", "managed policy AmazonS3FullAccess", False),
                ("service-wide-access", "the inline policy", False),
            ],
        },
    ),
    "extra sa string": (
        "problems",
        [("extra_service_accounts", "must be a list of 'namespace:name' pairs, got 'team-a:sa'")],
    ),
    "extra sa bad pair": (
        "problems",
        [
            ("extra_service_accounts[0]", "'team-a' is not a 'namespace:serviceaccount' pair"),
            (
                "extra_service_accounts[1]",
                "'b:c' is not a valid RFC 1123 subdomain (at most 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit)",
            ),
            ("extra_service_accounts[2]", "':x' is not a 'namespace:serviceaccount' pair"),
            ("extra_service_accounts[3]", "5 is not a 'namespace:serviceaccount' pair"),
        ],
    ),
    "extra sa twice": (
        "problems",
        [
            ("extra_service_accounts[1]", "'team-a:sa' is listed twice"),
            ("extra_service_accounts[2]", "'ack-system:ack-s3-controller' is listed twice"),
        ],
    ),
    "extra sa wildcard": (
        "problems",
        [
            (
                "extra_service_accounts[0]",
                "'team-*' contains a wildcard, which would let every matching ServiceAccount assume the role; set allow_wildcard_subject to true to accept it (then only sub uses StringLike, aud stays StringEquals)",
            )
        ],
    ),
    "extra sa wildcard allowed": (
        "ok",
        {
            "subjects": ["system:serviceaccount:ack-system:ack-s3-controller", "system:serviceaccount:team-*:s?"],
            "deployment": "",
            "managed": ["AmazonS3FullAccess"],
            "warnings": [],
            "risks": [
                ("service-wide-access", "managed policy AmazonS3FullAccess", False),
                ("service-wide-access", "the inline policy", False),
            ],
        },
    ),
    "policy arns string": (
        "problems",
        [("policy_arns", "must be a list of IAM policy ARNs, got 'arn:aws:iam::aws:policy/X'")],
    ),
    "policy arns number list": (
        "problems",
        [("policy_arns[0]", "5 is not an ARN (expected arn:<partition>:<service>:<region>:<account>:<resource>)")],
    ),
    "policy arns output list": (
        "problems",
        [("policy_arns[0]", "an ARN known only at deploy time needs a stable key: pass {key: arn} instead of a list")],
    ),
    "policy arns twice": ("problems", [("policy_arns[1]", "'arn:aws:iam::aws:policy/X' is listed twice")]),
    "policy map bad key": (
        "problems",
        [
            ("policy_arns['a b']", "keys must be letters, digits and +=,.@_- only"),
            ("policy_arns[5]", "keys must be letters, digits and +=,.@_- only"),
        ],
    ),
    "policy map bad arn": (
        "problems",
        [
            (
                "policy_arns['k']",
                "'arn:aws:iam::aws:role/X' is not an IAM policy ARN (expected arn:<partition>:iam::<account-id or aws>:policy/<path/name>)",
            )
        ],
    ),
    "policy map output": (
        "ok",
        {
            "subjects": ["system:serviceaccount:ack-system:ack-s3-controller"],
            "deployment": "ack-s3-controller-s3-chart",
            "managed": ["k"],
            "warnings": [
                "the managed policies are given, but the recommended inline policy stays and allows `s3:*`, `s3-object-lambda:*`, `s3express:*`, `iam:PassRole`; give an inline policy to replace it, or an empty one to drop it"
            ],
            "risks": [("service-wide-access", "the inline policy", False)],
        },
    ),
    "policy map plain": (
        "ok",
        {
            "subjects": ["system:serviceaccount:ack-system:ack-s3-controller"],
            "deployment": "ack-s3-controller-s3-chart",
            "managed": ["k"],
            "warnings": [
                "the managed policies are given, but the recommended inline policy stays and allows `s3:*`, `s3-object-lambda:*`, `s3express:*`, `iam:PassRole`; give an inline policy to replace it, or an empty one to drop it"
            ],
            "risks": [("service-wide-access", "the inline policy", False)],
        },
    ),
    "two level path": (
        "ok",
        {
            "subjects": ["system:serviceaccount:ack-system:ack-s3-controller"],
            "deployment": "ack-s3-controller-s3-chart",
            "managed": ["111122223333-name"],
            "warnings": [
                "the managed policies are given, but the recommended inline policy stays and allows `s3:*`, `s3-object-lambda:*`, `s3express:*`, `iam:PassRole`; give an inline policy to replace it, or an empty one to drop it"
            ],
            "risks": [("service-wide-access", "the inline policy", False)],
        },
    ),
    "extra policy of recommended": (
        "ok",
        {
            "subjects": ["system:serviceaccount:ack-system:ack-s3-controller"],
            "deployment": "ack-s3-controller-s3-chart",
            "managed": ["AmazonS3FullAccess"],
            "warnings": [],
            "risks": [
                ("service-wide-access", "managed policy AmazonS3FullAccess", False),
                ("service-wide-access", "the inline policy", False),
            ],
        },
    ),
    "no permissions": (
        "problems",
        [("policy_arns", "the role would have no permissions: give policy_arns, extra_policy_arns or inline_policy")],
    ),
    "no permissions knock-on": (
        "problems",
        [
            (
                "policy_arns[0]",
                "'arn:aws:iam::aws:policy/a b' is not an IAM policy ARN (expected arn:<partition>:iam::<account-id or aws>:policy/<path/name>)",
            )
        ],
    ),
    "glue no policy": (
        "problems",
        [
            (
                "policy_arns",
                "there is no recommended policy for the glue controller (upstream recommends none); give policy_arns or inline_policy",
            )
        ],
    ),
    "opensearchserverless": (
        "problems",
        [
            (
                "policy_arns",
                "there is no recommended policy for the opensearchserverless controller (upstream's is unusable, see `python -m ack_irsa catalog show opensearchserverless`); give policy_arns or inline_policy or policy derived",
            )
        ],
    ),
    "appconfig unknown": (
        "problems",
        [
            (
                "policy_arns",
                "there is no recommended policy for the appconfig controller (upstream's recommended policy could not be read); give policy_arns or inline_policy",
            )
        ],
    ),
    "inline json bad": (
        "problems",
        [("inline_policy", "is not valid JSON (Expecting property name enclosed in double quotes at line 1 column 2)")],
    ),
    "inline deep": ("problems", [("inline_policy", "is nested too deeply to be a policy document")]),
    "inline list": ("problems", [("inline_policy", "must be a policy document or its JSON text, got ['x']")]),
    "inline grammar": (
        "problems",
        [
            ("inline_policy.Statement[0].Effect", "must be 'Allow' or 'Deny', got 'Maybe'"),
            ("inline_policy.Statement[0]", "must have exactly one of Action and NotAction"),
            ("inline_policy.Statement[0]", "must have exactly one of Resource and NotResource"),
        ],
    ),
    "inline too big": ("problems", [("inline_policy", "the inline policy is 11283 characters; the limit is 10240")]),
    "inline output": (
        "ok",
        {
            "subjects": ["system:serviceaccount:ack-system:ack-s3-controller"],
            "deployment": "ack-s3-controller-s3-chart",
            "managed": ["AmazonS3FullAccess"],
            "warnings": [
                "the inline policy is given, but the recommended managed policies stay: `AmazonS3FullAccess`; give the managed policies to replace them, or an empty list to drop them"
            ],
            "risks": [("service-wide-access", "managed policy AmazonS3FullAccess", False)],
        },
    ),
    "tags list": ("problems", [("tags", "must be a mapping of tag keys to values, got ['a']")]),
    "tags bad": (
        "problems",
        [
            (
                "tags",
                "tag key 'aws:x' is not valid (1 to 128 letters, digits, spaces and _.:/=+-@; not starting with aws:)",
            )
        ],
    ),
    "role name number": ("problems", [("role_name", "must be a role name, got 5")]),
    "role name output": (
        "problems",
        [("role_name", "must be a role name known before deploying, not a Pulumi Output (it is checked up front)")],
    ),
    "role path number": ("problems", [("role_path", "must be an IAM path such as /ack/, got 5")]),
    "extra providers string": (
        "problems",
        [
            (
                "extra_oidc_providers",
                "must be a list of OIDC provider ARNs or ClusterOidcProviders, got 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/BBBB'",
            )
        ],
    ),
    "extra providers": (
        "problems",
        [
            (
                "extra_oidc_providers[0]",
                "'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/AAAA' is already trusted (the cluster's own provider)",
            ),
            (
                "extra_oidc_providers[2]",
                "'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/BBBB' is already trusted (extra_oidc_providers[1])",
            ),
            (
                "extra_oidc_providers[3]",
                "'arn:aws-cn:iam::111122223333:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/CCCC' is in partition 'aws-cn', the cluster's is 'aws'",
            ),
            (
                "extra_oidc_providers[4]",
                "'x' is not an ARN (expected arn:<partition>:<service>:<region>:<account>:<resource>)",
            ),
            ("extra_oidc_providers[5]", "5 is neither a ClusterOidcProvider nor an OIDC provider ARN"),
        ],
    ),
    "extra provider component": (
        "problems",
        [
            (
                "extra_oidc_providers[0]",
                "'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/AAAA' is already trusted (the cluster's own provider)",
            )
        ],
    ),
    "extra provider output": (
        "ok",
        {
            "subjects": ["system:serviceaccount:ack-system:ack-s3-controller"],
            "deployment": "ack-s3-controller-s3-chart",
            "managed": ["AmazonS3FullAccess"],
            "warnings": [],
            "risks": [
                ("service-wide-access", "managed policy AmazonS3FullAccess", False),
                ("service-wide-access", "the inline policy", False),
            ],
        },
    ),
    "extra with component primary": (
        "problems",
        [
            (
                "extra_oidc_providers[0]",
                "'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/AAAA' is already trusted (the cluster's own provider)",
            )
        ],
    ),
    "risks of the recommendation": (
        "ok",
        {
            "subjects": ["system:serviceaccount:ack-system:ack-iam-controller"],
            "deployment": "ack-iam-controller-iam-chart",
            "managed": [],
            "warnings": [],
            "risks": [("privilege-escalation", "the inline policy", False)],
        },
    ),
    "risks acknowledged": (
        "ok",
        {
            "subjects": ["system:serviceaccount:ack-system:ack-iam-controller"],
            "deployment": "ack-iam-controller-iam-chart",
            "managed": [],
            "warnings": [],
            "risks": [("privilege-escalation", "the inline policy", True)],
        },
    ),
    "risk id unknown": (
        "problems",
        [
            (
                "acknowledge_risks[0]",
                "'root-access' is not a risk id (privilege-escalation, pass-role-unrestricted, all-actions, service-wide-access, broad-managed-policy)",
            )
        ],
    ),
    # an acknowledgement that no longer applies (a catalog update narrowed the policy) is a warning, not an error
    "risk not this controller's": (
        "ok",
        {
            "subjects": ["system:serviceaccount:ack-system:ack-rds-controller"],
            "deployment": "ack-rds-controller-rds-chart",
            "managed": ["AmazonRDSFullAccess"],
            "warnings": [
                "the acknowledged risk 'privilege-escalation' is no longer a risk of this role (its risks: "
                "service-wide-access): drop it from acknowledge_risks (acknowledgeRisks in a stack file)"
            ],
            "risks": [("service-wide-access", "managed policy AmazonRDSFullAccess", False)],
        },
    ),
    "risk of none": (
        "ok",
        {
            "subjects": ["system:serviceaccount:ack-system:ack-glue-controller"],
            "deployment": "ack-glue-controller-glue-chart",
            "managed": ["111122223333-glue"],
            "warnings": [
                "the acknowledged risk 'all-actions' is no longer a risk of this role (it has none): drop it from "
                "acknowledge_risks (acknowledgeRisks in a stack file)"
            ],
            "risks": [],
        },
    ),
    "risk acknowledgements a string": (
        "problems",
        [("acknowledge_risks", "must be a list of risk ids, got 'privilege-escalation'")],
    ),
    "risks of a given AWS-managed policy": (
        "ok",
        {
            "subjects": ["system:serviceaccount:ack-system:ack-s3-controller"],
            "deployment": "ack-s3-controller-s3-chart",
            "managed": ["AdministratorAccess"],
            "warnings": [],
            "risks": [
                ("broad-managed-policy", "managed policy AdministratorAccess", False),
                ("pass-role-unrestricted", "managed policy AdministratorAccess", False),
            ],
        },
    ),
    "risks of a given inline policy": (
        "ok",
        {
            "subjects": ["system:serviceaccount:ack-system:ack-s3-controller"],
            "deployment": "ack-s3-controller-s3-chart",
            "managed": ["AmazonS3FullAccess"],
            "warnings": [
                "the inline policy is given, but the recommended managed policies stay: `AmazonS3FullAccess`; give the managed policies to replace them, or an empty list to drop them"
            ],
            "risks": [
                ("service-wide-access", "managed policy AmazonS3FullAccess", False),
                ("privilege-escalation", "the inline policy", False),
                ("pass-role-unrestricted", "the inline policy", False),
                ("all-actions", "the inline policy", False),
            ],
        },
    ),
    "a conditioned PassRole is no risk": (
        "ok",
        {
            "subjects": ["system:serviceaccount:ack-system:ack-s3-controller"],
            "deployment": "ack-s3-controller-s3-chart",
            "managed": ["AmazonS3FullAccess"],
            "warnings": [
                "the inline policy is given, but the recommended managed policies stay: `AmazonS3FullAccess`; give the managed policies to replace them, or an empty list to drop them"
            ],
            "risks": [("service-wide-access", "managed policy AmazonS3FullAccess", False)],
        },
    ),
    "not quite an output": ("problems", [("namespace", "namespace(apply=1) is not a string")]),
    "boundary output": (
        "ok",
        {
            "subjects": ["system:serviceaccount:ack-system:ack-s3-controller"],
            "deployment": "ack-s3-controller-s3-chart",
            "managed": ["AmazonS3FullAccess"],
            "warnings": [],
            "risks": [
                ("service-wide-access", "managed policy AmazonS3FullAccess", False),
                ("service-wide-access", "the inline policy", False),
            ],
        },
    ),
    "wildcard flag string and a wildcard": (
        "problems",
        [
            ("allow_wildcard_subject", "must be true or false, got 'yes'"),
            (
                "namespace",
                "'team-*' contains a wildcard, which would let every matching ServiceAccount assume the role; set allow_wildcard_subject to true to accept it (then only sub uses StringLike, aud stays StringEquals)",
            ),
        ],
    ),
    "both halves replaced": (
        "ok",
        {
            "subjects": ["system:serviceaccount:ack-system:ack-s3-controller"],
            "deployment": "ack-s3-controller-s3-chart",
            "managed": ["111122223333-s3"],
            "warnings": [],
            "risks": [],
        },
    ),
    "extra providers invalid twice": (
        "problems",
        [
            (
                "extra_oidc_providers[0]",
                "'x' is not an ARN (expected arn:<partition>:<service>:<region>:<account>:<resource>)",
            ),
            (
                "extra_oidc_providers[1]",
                "'x' is not an ARN (expected arn:<partition>:<service>:<region>:<account>:<resource>)",
            ),
        ],
    ),
    "a recommended policy with a path": (
        "ok",
        {
            "subjects": ["system:serviceaccount:ack-system:ack-s3-controller"],
            "deployment": "ack-s3-controller-s3-chart",
            "managed": ["AmazonEKSClusterPolicy", "AmazonS3FullAccess"],
            "warnings": [],
            "risks": [
                ("service-wide-access", "managed policy AmazonS3FullAccess", False),
                ("service-wide-access", "the inline policy", False),
            ],
        },
    ),
    "unknown argument close": ("problems", [("nmespace", "unknown argument; did you mean 'namespace'?")]),
    "unknown argument far": (
        "problems",
        [
            (
                "zzz",
                "unknown argument (known: service, oidc_provider, oidc_provider_arn, oidc_issuer, namespace, service_account_name, service_account_mode, deployment_name, policy, kinds, pass_roles, policy_arns, extra_policy_arns, inline_policy, role_name, role_path, permissions_boundary, max_session_duration, tags, extra_service_accounts, extra_oidc_providers, allow_wildcard_subject, trust_policy_max_chars, managed_policies_per_role, acknowledge_risks, identity, cluster_name, extra_cluster_names, install, cross_account, cross_account_mode, carm_service_level, trust_policy, inline_policy_name, role_description)",
            ),
            (
                "7",
                "unknown argument (known: service, oidc_provider, oidc_provider_arn, oidc_issuer, namespace, service_account_name, service_account_mode, deployment_name, policy, kinds, pass_roles, policy_arns, extra_policy_arns, inline_policy, role_name, role_path, permissions_boundary, max_session_duration, tags, extra_service_accounts, extra_oidc_providers, allow_wildcard_subject, trust_policy_max_chars, managed_policies_per_role, acknowledge_risks, identity, cluster_name, extra_cluster_names, install, cross_account, cross_account_mode, carm_service_level, trust_policy, inline_policy_name, role_description)",
            ),
        ],
    ),
    "trust at the limit, issuer known": (
        "ok",
        {
            "subjects": [
                "system:serviceaccount:aaaaaaaaaaa:ack-s3-controller",
                "system:serviceaccount:team-0:ack-s3-controller",
                "system:serviceaccount:team-1:ack-s3-controller",
                "system:serviceaccount:team-2:ack-s3-controller",
                "system:serviceaccount:team-3:ack-s3-controller",
                "system:serviceaccount:team-4:ack-s3-controller",
                "system:serviceaccount:team-5:ack-s3-controller",
                "system:serviceaccount:team-6:ack-s3-controller",
                "system:serviceaccount:team-7:ack-s3-controller",
                "system:serviceaccount:team-8:ack-s3-controller",
                "system:serviceaccount:team-9:ack-s3-controller",
                "system:serviceaccount:team-10:ack-s3-controller",
                "system:serviceaccount:team-11:ack-s3-controller",
                "system:serviceaccount:team-12:ack-s3-controller",
                "system:serviceaccount:team-13:ack-s3-controller",
                "system:serviceaccount:team-14:ack-s3-controller",
                "system:serviceaccount:team-15:ack-s3-controller",
                "system:serviceaccount:team-16:ack-s3-controller",
                "system:serviceaccount:team-17:ack-s3-controller",
                "system:serviceaccount:team-18:ack-s3-controller",
                "system:serviceaccount:team-19:ack-s3-controller",
                "system:serviceaccount:team-20:ack-s3-controller",
                "system:serviceaccount:team-21:ack-s3-controller",
                "system:serviceaccount:team-22:ack-s3-controller",
                "system:serviceaccount:team-23:ack-s3-controller",
                "system:serviceaccount:team-24:ack-s3-controller",
                "system:serviceaccount:team-25:ack-s3-controller",
                "system:serviceaccount:team-26:ack-s3-controller",
                "system:serviceaccount:team-27:ack-s3-controller",
                "system:serviceaccount:team-28:ack-s3-controller",
                "system:serviceaccount:team-29:ack-s3-controller",
                "system:serviceaccount:team-30:ack-s3-controller",
                "system:serviceaccount:team-31:ack-s3-controller",
                "system:serviceaccount:team-32:ack-s3-controller",
            ],
            "deployment": "ack-s3-controller-s3-chart",
            "managed": ["AmazonS3FullAccess"],
            "warnings": [],
            "risks": [
                ("service-wide-access", "managed policy AmazonS3FullAccess", False),
                ("service-wide-access", "the inline policy", False),
            ],
        },
    ),
    "trust one over, issuer known": (
        "problems",
        [
            (
                "",
                "the trust policy is 2049 characters; the limit is 2048 (if your account's quota is higher, set trust_policy_max_chars)",
            )
        ],
    ),
    "trust at the limit, issuer unknown": (
        "ok",
        {
            "subjects": [
                "system:serviceaccount:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:ack-s3-controller",
                "system:serviceaccount:team-0:ack-s3-controller",
                "system:serviceaccount:team-1:ack-s3-controller",
                "system:serviceaccount:team-2:ack-s3-controller",
                "system:serviceaccount:team-3:ack-s3-controller",
                "system:serviceaccount:team-4:ack-s3-controller",
                "system:serviceaccount:team-5:ack-s3-controller",
                "system:serviceaccount:team-6:ack-s3-controller",
                "system:serviceaccount:team-7:ack-s3-controller",
                "system:serviceaccount:team-8:ack-s3-controller",
                "system:serviceaccount:team-9:ack-s3-controller",
                "system:serviceaccount:team-10:ack-s3-controller",
                "system:serviceaccount:team-11:ack-s3-controller",
                "system:serviceaccount:team-12:ack-s3-controller",
                "system:serviceaccount:team-13:ack-s3-controller",
                "system:serviceaccount:team-14:ack-s3-controller",
                "system:serviceaccount:team-15:ack-s3-controller",
                "system:serviceaccount:team-16:ack-s3-controller",
                "system:serviceaccount:team-17:ack-s3-controller",
                "system:serviceaccount:team-18:ack-s3-controller",
                "system:serviceaccount:team-19:ack-s3-controller",
                "system:serviceaccount:team-20:ack-s3-controller",
                "system:serviceaccount:team-21:ack-s3-controller",
                "system:serviceaccount:team-22:ack-s3-controller",
                "system:serviceaccount:team-23:ack-s3-controller",
                "system:serviceaccount:team-24:ack-s3-controller",
                "system:serviceaccount:team-25:ack-s3-controller",
                "system:serviceaccount:team-26:ack-s3-controller",
                "system:serviceaccount:team-27:ack-s3-controller",
                "system:serviceaccount:team-28:ack-s3-controller",
                "system:serviceaccount:team-29:ack-s3-controller",
            ],
            "deployment": "ack-s3-controller-s3-chart",
            "managed": ["AmazonS3FullAccess"],
            "warnings": [],
            "risks": [
                ("service-wide-access", "managed policy AmazonS3FullAccess", False),
                ("service-wide-access", "the inline policy", False),
            ],
        },
    ),
    "trust one over, issuer unknown": (
        "problems",
        [
            (
                "",
                "the trust policy would be up to 2049 characters; the limit is 2048 (if your account's quota is higher, set trust_policy_max_chars)",
            )
        ],
    ),
    "trust at the limit with another provider": (
        "ok",
        {
            "subjects": [
                "system:serviceaccount:aaaaaa:ack-s3-controller",
                "system:serviceaccount:team-0:ack-s3-controller",
                "system:serviceaccount:team-1:ack-s3-controller",
                "system:serviceaccount:team-2:ack-s3-controller",
                "system:serviceaccount:team-3:ack-s3-controller",
                "system:serviceaccount:team-4:ack-s3-controller",
                "system:serviceaccount:team-5:ack-s3-controller",
                "system:serviceaccount:team-6:ack-s3-controller",
                "system:serviceaccount:team-7:ack-s3-controller",
                "system:serviceaccount:team-8:ack-s3-controller",
                "system:serviceaccount:team-9:ack-s3-controller",
                "system:serviceaccount:team-10:ack-s3-controller",
                "system:serviceaccount:team-11:ack-s3-controller",
                "system:serviceaccount:team-12:ack-s3-controller",
            ],
            "deployment": "ack-s3-controller-s3-chart",
            "managed": ["AmazonS3FullAccess"],
            "warnings": [],
            "risks": [
                ("service-wide-access", "managed policy AmazonS3FullAccess", False),
                ("service-wide-access", "the inline policy", False),
            ],
        },
    ),
    "trust at the limit, issuer beside a deploy-time ARN": (
        "ok",
        {
            "subjects": [
                "system:serviceaccount:aaaa:ack-s3-controller",
                "system:serviceaccount:team-0:ack-s3-controller",
                "system:serviceaccount:team-1:ack-s3-controller",
                "system:serviceaccount:team-2:ack-s3-controller",
                "system:serviceaccount:team-3:ack-s3-controller",
                "system:serviceaccount:team-4:ack-s3-controller",
                "system:serviceaccount:team-5:ack-s3-controller",
                "system:serviceaccount:team-6:ack-s3-controller",
                "system:serviceaccount:team-7:ack-s3-controller",
                "system:serviceaccount:team-8:ack-s3-controller",
                "system:serviceaccount:team-9:ack-s3-controller",
                "system:serviceaccount:team-10:ack-s3-controller",
                "system:serviceaccount:team-11:ack-s3-controller",
                "system:serviceaccount:team-12:ack-s3-controller",
                "system:serviceaccount:team-13:ack-s3-controller",
                "system:serviceaccount:team-14:ack-s3-controller",
                "system:serviceaccount:team-15:ack-s3-controller",
                "system:serviceaccount:team-16:ack-s3-controller",
                "system:serviceaccount:team-17:ack-s3-controller",
                "system:serviceaccount:team-18:ack-s3-controller",
                "system:serviceaccount:team-19:ack-s3-controller",
                "system:serviceaccount:team-20:ack-s3-controller",
                "system:serviceaccount:team-21:ack-s3-controller",
                "system:serviceaccount:team-22:ack-s3-controller",
                "system:serviceaccount:team-23:ack-s3-controller",
                "system:serviceaccount:team-24:ack-s3-controller",
                "system:serviceaccount:team-25:ack-s3-controller",
                "system:serviceaccount:team-26:ack-s3-controller",
                "system:serviceaccount:team-27:ack-s3-controller",
                "system:serviceaccount:team-28:ack-s3-controller",
                "system:serviceaccount:team-29:ack-s3-controller",
                "system:serviceaccount:team-30:ack-s3-controller",
                "system:serviceaccount:team-31:ack-s3-controller",
                "system:serviceaccount:team-32:ack-s3-controller",
            ],
            "deployment": "ack-s3-controller-s3-chart",
            "managed": ["AmazonS3FullAccess"],
            "warnings": [],
            "risks": [
                ("service-wide-access", "managed policy AmazonS3FullAccess", False),
                ("service-wide-access", "the inline policy", False),
            ],
        },
    ),
    "trust at the limit, component with a known issuer": (
        "ok",
        {
            "subjects": [
                "system:serviceaccount:aaaa:ack-s3-controller",
                "system:serviceaccount:team-0:ack-s3-controller",
                "system:serviceaccount:team-1:ack-s3-controller",
                "system:serviceaccount:team-2:ack-s3-controller",
                "system:serviceaccount:team-3:ack-s3-controller",
                "system:serviceaccount:team-4:ack-s3-controller",
                "system:serviceaccount:team-5:ack-s3-controller",
                "system:serviceaccount:team-6:ack-s3-controller",
                "system:serviceaccount:team-7:ack-s3-controller",
                "system:serviceaccount:team-8:ack-s3-controller",
                "system:serviceaccount:team-9:ack-s3-controller",
                "system:serviceaccount:team-10:ack-s3-controller",
                "system:serviceaccount:team-11:ack-s3-controller",
                "system:serviceaccount:team-12:ack-s3-controller",
                "system:serviceaccount:team-13:ack-s3-controller",
                "system:serviceaccount:team-14:ack-s3-controller",
                "system:serviceaccount:team-15:ack-s3-controller",
                "system:serviceaccount:team-16:ack-s3-controller",
                "system:serviceaccount:team-17:ack-s3-controller",
                "system:serviceaccount:team-18:ack-s3-controller",
                "system:serviceaccount:team-19:ack-s3-controller",
                "system:serviceaccount:team-20:ack-s3-controller",
                "system:serviceaccount:team-21:ack-s3-controller",
                "system:serviceaccount:team-22:ack-s3-controller",
                "system:serviceaccount:team-23:ack-s3-controller",
                "system:serviceaccount:team-24:ack-s3-controller",
                "system:serviceaccount:team-25:ack-s3-controller",
                "system:serviceaccount:team-26:ack-s3-controller",
                "system:serviceaccount:team-27:ack-s3-controller",
                "system:serviceaccount:team-28:ack-s3-controller",
                "system:serviceaccount:team-29:ack-s3-controller",
                "system:serviceaccount:team-30:ack-s3-controller",
                "system:serviceaccount:team-31:ack-s3-controller",
                "system:serviceaccount:team-32:ack-s3-controller",
            ],
            "deployment": "ack-s3-controller-s3-chart",
            "managed": ["AmazonS3FullAccess"],
            "warnings": [],
            "risks": [
                ("service-wide-access", "managed policy AmazonS3FullAccess", False),
                ("service-wide-access", "the inline policy", False),
            ],
        },
    ),
    "trust over, raised quota": (
        "ok",
        {
            "subjects": [
                "system:serviceaccount:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:ack-s3-controller",
                "system:serviceaccount:team-0:ack-s3-controller",
                "system:serviceaccount:team-1:ack-s3-controller",
                "system:serviceaccount:team-2:ack-s3-controller",
                "system:serviceaccount:team-3:ack-s3-controller",
                "system:serviceaccount:team-4:ack-s3-controller",
                "system:serviceaccount:team-5:ack-s3-controller",
                "system:serviceaccount:team-6:ack-s3-controller",
                "system:serviceaccount:team-7:ack-s3-controller",
                "system:serviceaccount:team-8:ack-s3-controller",
                "system:serviceaccount:team-9:ack-s3-controller",
                "system:serviceaccount:team-10:ack-s3-controller",
                "system:serviceaccount:team-11:ack-s3-controller",
                "system:serviceaccount:team-12:ack-s3-controller",
                "system:serviceaccount:team-13:ack-s3-controller",
                "system:serviceaccount:team-14:ack-s3-controller",
                "system:serviceaccount:team-15:ack-s3-controller",
                "system:serviceaccount:team-16:ack-s3-controller",
                "system:serviceaccount:team-17:ack-s3-controller",
                "system:serviceaccount:team-18:ack-s3-controller",
                "system:serviceaccount:team-19:ack-s3-controller",
                "system:serviceaccount:team-20:ack-s3-controller",
                "system:serviceaccount:team-21:ack-s3-controller",
                "system:serviceaccount:team-22:ack-s3-controller",
                "system:serviceaccount:team-23:ack-s3-controller",
                "system:serviceaccount:team-24:ack-s3-controller",
                "system:serviceaccount:team-25:ack-s3-controller",
                "system:serviceaccount:team-26:ack-s3-controller",
                "system:serviceaccount:team-27:ack-s3-controller",
                "system:serviceaccount:team-28:ack-s3-controller",
                "system:serviceaccount:team-29:ack-s3-controller",
            ],
            "deployment": "ack-s3-controller-s3-chart",
            "managed": ["AmazonS3FullAccess"],
            "warnings": [],
            "risks": [
                ("service-wide-access", "managed policy AmazonS3FullAccess", False),
                ("service-wide-access", "the inline policy", False),
            ],
        },
    ),
}
OIDC_OUTCOMES: dict[str, tuple[str, Any]] = {
    "none": ("problems", [("", "the arguments must be a mapping such as {'cluster_name': 'prod-eks'}, got None")]),
    "nothing": ("problems", [("cluster_name", "give cluster_name, issuer_url or provider_arn")]),
    "cluster and url": ("problems", [("issuer_url", "give cluster_name or issuer_url, not both")]),
    "cluster bad": (
        "problems",
        [("cluster_name", "'dev eks' is not an EKS cluster name (1 to 100 letters, digits, '-' and '_')")],
    ),
    "url number": ("problems", [("issuer_url", "must be an issuer URL, got 5")]),
    "url bad": (
        "problems",
        [
            (
                "issuer_url",
                "'http://x' is not an OIDC issuer URL (expected https://oidc.eks.<region>.amazonaws.com/id/<id>)",
            )
        ],
    ),
    "url without path": (
        "problems",
        [
            (
                "issuer_url",
                "'https://oidc.eks.us-west-2.amazonaws.com' is not an OIDC issuer URL (expected https://oidc.eks.<region>.amazonaws.com/id/<id>)",
            )
        ],
    ),
    "arn number": ("problems", [("provider_arn", "must be an OIDC provider ARN, got 5")]),
    "arn mismatch": (
        "problems",
        [
            (
                "provider_arn",
                "'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/AAAA' is not the provider of issuer 'https://oidc.eks.us-west-2.amazonaws.com/id/ZZZZ'",
            )
        ],
    ),
    "adopted with create options": (
        "problems",
        [
            ("client_ids", "applies only to a provider ack-irsa creates, not to an adopted one"),
            ("thumbprints", "applies only to a provider ack-irsa creates, not to an adopted one"),
            ("retain_on_delete", "applies only to a provider ack-irsa creates, not to an adopted one"),
            ("tags", "applies only to a provider ack-irsa creates, not to an adopted one"),
        ],
    ),
    "retain string": ("problems", [("retain_on_delete", "must be true or false, got 'no'")]),
    "client ids string": ("problems", [("client_ids", "must be a list of client IDs, got 'sts.amazonaws.com'")]),
    "client ids without sts": (
        "problems",
        [("client_ids", "must include 'sts.amazonaws.com', the audience every IRSA role trusts")],
    ),
    "client ids bad": (
        "problems",
        [
            ("client_ids[1]", "'' is not a client ID (1 to 255 printable characters, e.g. sts.amazonaws.com)"),
            (
                "client_ids[2]",
                "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' (256 characters) is not a client ID (1 to 255 printable characters, e.g. sts.amazonaws.com)",
            ),
            ("client_ids[3]", "5 is not a client ID (1 to 255 printable characters, e.g. sts.amazonaws.com)"),
        ],
    ),
    "client ids 101": ("problems", [("client_ids", "101 client IDs; IAM allows at most 100")]),
    "thumbprints 6": ("problems", [("thumbprints", "6 thumbprints; IAM allows at most 5")]),
    "thumbprints bad": (
        "problems",
        [
            (
                "thumbprints[0]",
                "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is not a certificate thumbprint (40 hexadecimal characters)",
            ),
            (
                "thumbprints[1]",
                "'gggggggggggggggggggggggggggggggggggggggg' is not a certificate thumbprint (40 hexadecimal characters)",
            ),
            (
                "thumbprints[2]",
                "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\n' is not a certificate thumbprint (40 hexadecimal characters)",
            ),
        ],
    ),
    "thumbprints string": (
        "problems",
        [("thumbprints", "must be a list of certificate thumbprints, got 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'")],
    ),
    "tags list": ("problems", [("tags", "must be a mapping of tag keys to values, got ['x']")]),
    "unknown": ("problems", [("clustr_name", "unknown argument; did you mean 'cluster_name'?")]),
    "issuer url output": (
        "ok",
        {"known_issuer": None, "client_ids": ["sts.amazonaws.com"], "thumbprints": [], "retain": True, "tags": {}},
    ),
    "issuer known from the URL": (
        "ok",
        {
            "known_issuer": "oidc.eks.us-west-2.amazonaws.com/id/AAAA",
            "client_ids": ["sts.amazonaws.com"],
            "thumbprints": [],
            "retain": True,
            "tags": {},
        },
    ),
    "issuer known from the ARN": (
        "ok",
        {
            "known_issuer": "oidc.eks.us-west-2.amazonaws.com/id/AAAA",
            "client_ids": ["sts.amazonaws.com"],
            "thumbprints": [],
            "retain": True,
            "tags": {},
        },
    ),
    "issuer matching URL and ARN": (
        "ok",
        {
            "known_issuer": "oidc.eks.us-west-2.amazonaws.com/id/AAAA",
            "client_ids": ["sts.amazonaws.com"],
            "thumbprints": [],
            "retain": True,
            "tags": {},
        },
    ),
    "created with every option": (
        "ok",
        {
            "known_issuer": None,
            "client_ids": ["sts.amazonaws.com", "other"],
            "thumbprints": ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"],
            "retain": False,
            "tags": {"team": "platform"},
        },
    ),
}


def outcome(resolve: Any, args: Any) -> tuple[str, Any]:
    try:
        spec = resolve(args)
    except ArgsError as error:
        return "problems", [(p.field, p.message) for p in error.problems]
    if hasattr(spec, "subjects"):
        return "ok", {
            "subjects": list(spec.subjects),
            "deployment": spec.deployment_name,
            "managed": sorted(spec.managed_policies),
            "warnings": list(spec.warnings),
            "risks": [(r.id, r.source, r.acknowledged) for r in spec.risks],
        }
    return "ok", {
        "known_issuer": spec.known_issuer,
        "client_ids": list(spec.client_ids),
        "thumbprints": list(spec.thumbprints),
        "retain": spec.retain_on_delete,
        "tags": spec.tags,
    }


def test_an_error_without_a_place_is_just_its_problems() -> None:
    error = ArgsError([Problem("namespace", "bad"), Problem("", "both")])
    assert str(error) == "namespace: bad\nboth"
    assert str(ArgsError([Problem("tags", "bad")], "ControllerIrsa 'x': ")) == "ControllerIrsa 'x': tags: bad"


@pytest.mark.parametrize("case", CONTROLLER_CASES)
def test_controller_arguments(case: str) -> None:
    assert outcome(resolve_controller, CONTROLLER_CASES[case]) == CONTROLLER_OUTCOMES[case]


@pytest.mark.parametrize("case", OIDC_CASES)
def test_oidc_provider_arguments(case: str) -> None:
    assert outcome(resolve_oidc_provider, OIDC_CASES[case]) == OIDC_OUTCOMES[case]


def test_a_misspelt_provider_argument_is_the_one_problem_named() -> None:
    """Its consequences (no provider, an issuer without its ARN) are not reported beside it."""
    misspelt = {
        "service": "s3",
        "oidc_provider_ar": A,
        "oidc_issuer": "https://oidc.eks.us-west-2.amazonaws.com/id/AAAA",
    }
    assert outcome(resolve_controller, misspelt) == (
        "problems",
        [("oidc_provider_ar", "unknown argument; did you mean 'oidc_provider_arn'?")],
    )
    unrelated = {"service": "s3", "max_sesion_duration": 3600}
    assert outcome(resolve_controller, unrelated) == (
        "problems",
        [
            ("max_sesion_duration", "unknown argument; did you mean 'max_session_duration'?"),
            ("oidc_provider", "is required: give a ClusterOidcProvider, or oidc_provider_arn"),
        ],
    )
