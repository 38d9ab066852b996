"""Policies derived from what each controller's code calls: exact documents, every controller, refusals."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from policy_sentry.querying.all import get_all_actions

from ack_irsa.catalog import derived
from ack_irsa.iam.limits import INLINE_POLICIES_MAX_CHARS
from ack_irsa.iam.policies import parse_policy_document, policy_size

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import refresh_api_calls

PINNED: dict[str, Any] = json.loads((ROOT / "ack_irsa" / "catalog" / "api_calls.json").read_text())
CALLS_VARIABLE = "ACK_IRSA_API_CALLS"
"""Names the shared calls file the data was pinned from; the cross-check with it runs only where it is set."""
MONITORING = "arn:aws:iam::111122223333:role/rds-monitoring"

S3_BUCKET_ACTIONS = [
    "s3:CreateBucket",
    "s3:DeleteBucket",
    "s3:DeleteBucketPolicy",
    "s3:DeleteBucketWebsite",
    "s3:GetAccelerateConfiguration",
    "s3:GetAnalyticsConfiguration",
    "s3:GetBucketAbac",
    "s3:GetBucketAcl",
    "s3:GetBucketCORS",
    "s3:GetBucketLogging",
    "s3:GetBucketNotification",
    "s3:GetBucketObjectLockConfiguration",
    "s3:GetBucketOwnershipControls",
    "s3:GetBucketPolicy",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketRequestPayment",
    "s3:GetBucketTagging",
    "s3:GetBucketVersioning",
    "s3:GetBucketWebsite",
    "s3:GetEncryptionConfiguration",
    "s3:GetIntelligentTieringConfiguration",
    "s3:GetInventoryConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetMetricsConfiguration",
    "s3:GetReplicationConfiguration",
    "s3:ListAllMyBuckets",
    "s3:ListTagsForResource",
    "s3:PutAccelerateConfiguration",
    "s3:PutAnalyticsConfiguration",
    "s3:PutBucketAbac",
    "s3:PutBucketAcl",
    "s3:PutBucketCORS",
    "s3:PutBucketLogging",
    "s3:PutBucketNotification",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutBucketOwnershipControls",
    "s3:PutBucketPolicy",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketRequestPayment",
    "s3:PutBucketTagging",
    "s3:PutBucketVersioning",
    "s3:PutBucketWebsite",
    "s3:PutEncryptionConfiguration",
    "s3:PutIntelligentTieringConfiguration",
    "s3:PutInventoryConfiguration",
    "s3:PutLifecycleConfiguration",
    "s3:PutMetricsConfiguration",
    "s3:PutReplicationConfiguration",
    "s3:TagResource",
    "s3:UntagResource",
    "s3express:ListAllMyDirectoryBuckets",
]


def test_s3_bucket_exact_document() -> None:
    policy = derived.derive("s3", ["Bucket"])
    assert policy.document == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "CalledByTheController", "Effect": "Allow", "Action": S3_BUCKET_ACTIONS, "Resource": "*"}
        ],
    }
    assert policy.summary() == "51 actions for Bucket, instead of the recommendation's 219"
    # no passRoles: no PassRole at all, and the replication role fields are named for the plan
    assert policy.unset_role_fields == {"Bucket": ("spec.replication.role", "spec.replication.roleRef")}
    assert (policy.kms, policy.dependent, policy.not_granted) == ((), (), {})
    assert derived.derive("s3").document == policy.document  # the only kind, so the default is the same


def test_s3_bucket_with_a_replication_role() -> None:
    role = "arn:aws:iam::111122223333:role/s3-replication"
    policy = derived.derive("s3", ["Bucket"], [role])
    assert policy.document["Statement"][1:] == [
        {"Sid": "PassTheGivenRoles", "Effect": "Allow", "Action": "iam:PassRole", "Resource": [role]}
    ]
    assert policy.unset_role_fields == {}
    assert policy.summary() == "52 actions for Bucket, instead of the recommendation's 219"


def test_rds_db_instance_exact_document() -> None:
    policy = derived.derive("rds", ["DBInstance"], [MONITORING])
    assert policy.document == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CalledByTheController",
                "Effect": "Allow",
                "Action": [
                    "rds:AddTagsToResource",
                    "rds:CreateDBInstance",
                    "rds:CreateDBInstanceReadReplica",
                    "rds:CreateDBSnapshot",  # dependent: a final snapshot on delete
                    "rds:CreateTenantDatabase",  # dependent
                    "rds:DeleteDBInstance",
                    "rds:DeleteTenantDatabase",  # dependent
                    "rds:DescribeDBInstances",
                    "rds:ListTagsForResource",
                    "rds:ModifyDBInstance",
                    "rds:RemoveTagsFromResource",
                    "rds:RestoreDBInstanceFromDBSnapshot",
                ],
                "Resource": "*",
            },
            {
                "Sid": "KmsThroughTheService",
                "Effect": "Allow",
                "Action": ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"],
                "Resource": "*",
                "Condition": {"StringLike": {"kms:ViaService": "rds.*.amazonaws.com"}},
            },
            {"Sid": "PassTheGivenRoles", "Effect": "Allow", "Action": "iam:PassRole", "Resource": [MONITORING]},
        ],
    }
    assert policy.called == (
        "rds:AddTagsToResource",
        "rds:CreateDBInstance",
        "rds:CreateDBInstanceReadReplica",
        "rds:DeleteDBInstance",
        "rds:DescribeDBInstances",
        "rds:ListTagsForResource",
        "rds:ModifyDBInstance",
        "rds:RemoveTagsFromResource",
        "rds:RestoreDBInstanceFromDBSnapshot",
    )
    assert policy.not_granted == {
        "DBInstance": ("secretsmanager:CreateSecret", "secretsmanager:RotateSecret", "secretsmanager:TagResource")
    }
    assert policy.summary() == "17 actions for DBInstance, instead of the recommendation's 218"


@pytest.mark.parametrize(("partition", "suffix"), [("aws-cn", "amazonaws.com.cn"), ("aws-us-gov", "amazonaws.com")])
def test_kms_goes_through_the_service_of_the_partition(partition: str, suffix: str) -> None:
    role = MONITORING.replace("arn:aws:", f"arn:{partition}:")
    kms = derived.derive("rds", ["DBInstance"], [role], partition).document["Statement"][1]
    assert kms["Condition"] == {"StringLike": {"kms:ViaService": f"rds.*.{suffix}"}}


def test_kms_only_where_a_field_takes_a_key() -> None:
    # cloudtrail's EventDataStore calls actions whose dependents include KMS, but none of its fields takes a key
    store = derived.derive("cloudtrail", ["EventDataStore"])
    assert derived.calls("cloudtrail").kinds["EventDataStore"].kms_fields == ()
    assert store.kms == () and [s["Sid"] for s in store.document["Statement"]] == ["CalledByTheController"]
    assert {"kms:Decrypt", "kms:GenerateDataKey"} <= set(store.not_granted["EventDataStore"])
    # the subnet group of rds takes no key: no KMS statement beside the instance's
    assert derived.derive("rds", ["DBSubnetGroup"]).kms == ()


def test_shared_helpers_are_granted_to_the_kinds_that_use_them() -> None:
    data = derived.calls("ec2")
    assert data.kinds["VPC"].helpers == ("pkg/tags",)
    assert data.helpers["pkg/tags"] == ("ec2:CreateTags", "ec2:DeleteTags")
    assert {"ec2:CreateTags", "ec2:DeleteTags"} <= set(derived.derive("ec2", ["VPC"]).called)
    # a helper's actions are granted from the helper, whatever the kind's own list says
    lambda_data = derived.calls("lambda")
    for kind in lambda_data.kinds.values():
        helper_actions = {a for h in kind.helpers for a in lambda_data.helpers[h]}
        assert helper_actions <= set(derived.derive("lambda", [kind.kind]).called)


def test_kinds_are_granted_only_their_own_calls() -> None:
    instance = set(derived.derive("rds", ["DBInstance"]).actions)
    assert "rds:CreateDBCluster" not in instance and "rds:CreateDBProxy" not in instance
    both = derived.derive("rds", ["DBInstance", "DBSubnetGroup"])
    assert {"rds:CreateDBSubnetGroup", "rds:CreateDBInstance"} <= set(both.actions)
    assert both.kinds == ("DBInstance", "DBSubnetGroup")
    assert both.summary().startswith("20 actions for DBInstance, DBSubnetGroup")
    assert derived.derive("rds").summary().startswith("every kind (10)") is False
    assert derived.derive("rds").summary().startswith(f"{len(derived.derive('rds').actions)} actions for every kind")


def derivable_kinds(service: str) -> list[str] | None:
    data = derived.calls(service)
    if any(k.unmapped for k in data.kinds.values()):
        return [k.kind for k in data.kinds.values() if not k.unmapped]
    return None


def derivable_services() -> list[str]:
    return derived.derivable()


ALL_IAM_ACTIONS = frozenset(get_all_actions())


def unknown_actions(actions: list[str] | tuple[str, ...]) -> list[str]:
    """Actions policy_sentry's IAM database does not have, compared as IAM names are spelled."""
    return [a for a in actions if a not in ALL_IAM_ACTIONS]


def test_the_action_check_catches_what_iam_does_not_have() -> None:
    assert unknown_actions(["s3:CreateBucket", "s3:CreateBuckets", "s3:createbucket"]) == [
        "s3:CreateBuckets",
        "s3:createbucket",
    ]


@pytest.mark.parametrize("service", derivable_services())
def test_every_controller_derives_valid_sized_known_actions(service: str) -> None:
    policy = derived.derive(service, derivable_kinds(service))
    assert parse_policy_document(policy.document) == policy.document  # IAM's grammar
    assert policy_size(policy.document) <= INLINE_POLICIES_MAX_CHARS
    assert unknown_actions(policy.actions) == []
    assert "iam:PassRole" not in policy.actions  # never without passRoles
    assert all(s["Resource"] == "*" for s in policy.document["Statement"])
    # each kind alone too
    for kind in derivable_kinds(service) or list(derived.calls(service).kinds):
        assert unknown_actions(derived.derive(service, [kind]).actions) == []


def test_the_largest_document_and_the_data_it_comes_from() -> None:
    sizes = {s: policy_size(derived.derive(s, derivable_kinds(s)).document) for s in derivable_services()}
    largest = max(sizes, key=sizes.__getitem__)
    assert largest == "sagemaker" and sizes[largest] < INLINE_POLICIES_MAX_CHARS / 3
    assert len(derived.derivable()) == 65 and "lambdamicrovms" not in derived.derivable()  # its calls map to nothing
    assert derived.calls("s3").commit == "1051f76f2b6db0a948e485014e88470ee51a2fa0"
    assert derived.derive("s3").source == "aws-controllers-k8s/s3-controller@1051f76f2b6db0a948e485014e88470ee51a2fa0"


def test_recommendations_too_narrow_for_what_the_controller_calls() -> None:
    upstream = {s: derived.calls(s).upstream_misses for s in PINNED["controllers"] if derived.calls(s).upstream_misses}
    assert {s: len(m) for s, m in upstream.items()} == {
        "cloudwatchlogs": 2,
        "emrcontainers": 1,
        "iam": 12,
        "kinesis": 3,
        "kms": 4,
        "opensearchserverless": 11,
        "ssm": 3,
    }
    assert upstream["kms"] == ("kms:CreateGrant", "kms:DisableKeyRotation", "kms:RevokeGrant", "kms:UpdateAlias")
    assert upstream["ssm"] == ("ssm:DeleteParameter", "ssm:GetParameter", "ssm:PutParameter")
    assert not derived.calls("s3").too_narrow


# --- refusals -------------------------------------------------------------------------------------


def problems(*args: Any) -> list[tuple[str, str]]:
    with pytest.raises(derived.DerivedPolicyError) as raised:
        derived.derive(*args)
    return raised.value.problems


def test_unknown_kind_lists_the_controllers_kinds() -> None:
    assert problems("s3", ["Buckt"]) == [
        ("kinds[0]", "'Buckt' is not a kind of the s3 controller (did you mean 'Bucket'? its kinds: Bucket)")
    ]
    ((where, message),) = problems("rds", ["DBInstance", "Instance"])
    assert where == "kinds[1]"
    assert message.endswith(
        "its kinds: DBCluster, DBClusterEndpoint, DBClusterParameterGroup, DBClusterSnapshot, DBInstance, "
        "DBParameterGroup, DBProxy, DBSnapshot, DBSubnetGroup, GlobalCluster)"
    )


def test_every_problem_at_once() -> None:
    assert [where for where, _ in problems("rds", ["DBInstance", "DBInstance", "X"], ["*", MONITORING, "x"])] == [
        "kinds[1]",
        "kinds[2]",
        "pass_roles[0]",
        "pass_roles[2]",
    ]


@pytest.mark.parametrize(
    ("roles", "message"),
    [
        (["*"], "'*' would pass every role"),
        (["arn:aws:iam::111122223333:role/*"], "would pass every role under /: name the roles"),
        (["arn:aws:iam::111122223333:role/service-role/*"], "would pass every role under service-role/"),
        (["arn:aws:iam::*:role/x"], "names no account"),
        (["arn:aws-cn:iam::111122223333:role/x"], "is in partition aws-cn; the stack is in aws"),
        (["arn:aws:s3:::bucket"], "is not an IAM role ARN"),
        (["arn:aws:iam::111122223333:user/x"], "is not an IAM role ARN"),
        (["rds-monitoring"], "is not an IAM role ARN"),
        ("arn:aws:iam::111122223333:role/x", "must be a list of IAM role ARNs"),
        (5, "must be a list of IAM role ARNs"),
        ({"arn:aws:iam::111122223333:role/x": 1}, "must be a list of IAM role ARNs"),
    ],
)
def test_pass_roles_that_are_refused(roles: Any, message: str) -> None:
    ((_, found),) = problems("rds", ["DBInstance"], roles)
    assert message in found


def test_a_role_name_with_a_wildcard_inside_is_a_choice_not_every_role() -> None:
    role = "arn:aws:iam::111122223333:role/rds-monitoring-*"
    assert derived.derive("rds", ["DBInstance"], [role]).pass_roles == (role,)


@pytest.mark.parametrize("kinds", [[], (), "Bucket", 5, True, {"Bucket": 1}])
def test_kinds_must_be_a_non_empty_list(kinds: Any) -> None:
    # a map is no list of its keys: {"Bucket": 1} is refused, not read as ["Bucket"]
    assert problems("s3", kinds) == [("kinds", "must be a non-empty list of kinds (omit it for every kind: Bucket)")]


def test_a_kind_that_is_not_a_name_is_refused_by_its_index() -> None:
    """A map or a list among the kinds (unhashable) is refused like any other value that is no name."""
    assert problems("s3", ["Bucket", {"a": 1}, ["Bucket"], 5]) == [
        ("kinds[1]", "must be a kind's name, such as 'Bucket', got {'a': 1}"),
        ("kinds[2]", "must be a kind's name, such as 'Bucket', got ['Bucket']"),
        ("kinds[3]", "must be a kind's name, such as 'Bucket', got 5"),
    ]


def test_controllers_without_derived_data() -> None:
    ((where, message),) = problems("glue")
    assert where == "policy"
    assert message.startswith("derived is not available: the glue controller's code could not be read for it (")
    ((_, message),) = problems("lambdamicrovms")
    assert message.startswith("derived is not available: no operation the lambdamicrovms controller calls (")
    ((_, message),) = problems("nosuchservice")
    assert "there is no data on the nosuchservice controller's calls" in message


def test_kinds_whose_calls_cannot_be_mapped() -> None:
    ((where, message),) = problems("bedrockagentcorecontrol")
    assert where == "kinds" and message.startswith("Harness, HarnessEndpoint call operations with no known IAM action")
    ((where, message),) = problems("bedrockagentcorecontrol", ["Memory", "Harness"])
    assert where == "kinds[1]" and "it cannot be derived" in message
    assert derived.derive("bedrockagentcorecontrol", ["Memory"]).kinds == ("Memory",)


def test_an_unknown_partition_is_refused() -> None:
    with pytest.raises(ValueError, match="is not an AWS partition"):
        derived.derive("s3", None, (), "aws-moon")


# --- the pinned data and scripts/refresh_api_calls.py ----------------------------------------------


@pytest.mark.parametrize("service", ["s3", "iam", "kms", "opensearchserverless"])
def test_the_pinned_comparison_recomputes_from_the_catalog(service: str) -> None:
    entry = PINNED["controllers"][service]
    assert refresh_api_calls.compare(service, entry) == entry["recommended"]


def test_expand_counts_wildcards_notaction_and_deny() -> None:
    document = {
        "Statement": [
            {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"},
            {"Effect": "Deny", "Action": ["sqs:Delete*"], "Resource": "*"},
            {"Effect": "Allow", "NotAction": "*:*", "Resource": "*"},  # nothing but... nothing
        ]
    }
    found = refresh_api_calls.expand(document)
    assert "sqs:SendMessage" in found and "sqs:DeleteQueue" not in found and "sqs:DeleteMessage" not in found
    assert all(a.startswith("sqs:") for a in found)


def test_refresh_from_the_calls_file_reproduces_the_pinned_file(capsys: pytest.CaptureFixture[str]) -> None:
    named = os.environ.get(CALLS_VARIABLE)
    if not named or not Path(named).is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must cross-check the derived data: {CALLS_VARIABLE}={named or ''} names no file")
        pytest.skip(f"the cross-check with the calls file runs where {CALLS_VARIABLE} names it")
    assert refresh_api_calls.main(["--facts", named, "--check"]) == 0
    assert capsys.readouterr().out == "no changes\n"


CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
spec:
  group: s3.services.k8s.aws
  names: {kind: Bucket, plural: buckets}
  versions:
  - name: v1alpha1
    schema:
      openAPIV3Schema:
        properties:
          spec:
            properties:
              name: {type: string}
              replication:
                properties:
                  role: {type: string}
                  rules:
                    type: array
                    items:
                      properties:
                        replicaKMSKeyID: {type: string}
"""

SDK_GO = """package bucket

import (
	svcsdk "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws-controllers-k8s/s3-controller/pkg/tags"
)

func (rm *resourceManager) sdkCreate() {
	resp, err := rm.sdkapi.CreateBucket(ctx, input)
	// rm.sdkapi.DeleteBucket(ctx, input) is only a comment
	/* svcsdk.GetBucketPolicyInput{} neither */
	input := &svcsdk.GetBucketCorsInput{}
	replication := &svcsdk.PutBucketReplicationInput{}
	p := svcsdk.NewListDirectoryBucketsPaginator(rm.sdkapi, nil)
	control := s3control.NewFromConfig(cfg)
	control.TagResource(ctx, nil)
	_ = types.Bucket{}
}
"""

TAGS_GO = """package tags

import svcsdk "github.com/aws/aws-sdk-go-v2/service/s3"

func Sync() { _ = svcsdk.PutBucketTaggingInput{} }
"""

UNUSED_GO = """package util

import svcsdk "github.com/aws/aws-sdk-go-v2/service/s3"

func Unused() { _ = svcsdk.DeleteBucketWebsiteInput{} }
"""


def fake_clone(root: Path) -> Path:
    repo = root / "s3-controller"
    for path, text in {
        "go.mod": "module github.com/aws-controllers-k8s/s3-controller\n\ngo 1.22\n",
        "config/crd/bases/s3.services.k8s.aws_buckets.yaml": CRD,
        "pkg/resource/bucket/sdk.go": SDK_GO,
        "pkg/resource/bucket/sdk_test.go": SDK_GO.replace("CreateBucket", "DeleteBucketPolicy"),
        "pkg/tags/sync.go": TAGS_GO,
        "pkg/util/unused.go": UNUSED_GO,
    }.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    (root / "glue-controller" / "pkg").mkdir(parents=True)  # a stub: no CRDs, no code
    return repo


def test_refresh_from_local_clones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake_clone(tmp_path / "clones")
    output = tmp_path / "api_calls.json"
    output.write_text(json.dumps({"controllers": {"s3": PINNED["controllers"]["s3"]}, "not_derived": {}}))
    assert refresh_api_calls.main(["--from", str(tmp_path / "clones"), "--output", str(output)]) == 0
    written = json.loads(output.read_text())
    assert written["source"] == "local clones under clones/"
    assert written["not_derived"] == {"glue": "no pkg/resource/<kind> code or no CRDs in the clone"}
    s3 = written["controllers"]["s3"]
    assert s3["kinds"] == {
        "Bucket": {
            "operations": [
                "CreateBucket",
                "GetBucketCors",
                "ListDirectoryBuckets",
                "PutBucketReplication",
                "PutBucketTagging",
                "s3control:TagResource",
            ],
            # the pinned exceptions map S3's differing names; s3control's TagResource is s3:TagResource
            "actions": [
                "s3:CreateBucket",
                "s3:GetBucketCORS",
                "s3:PutBucketTagging",
                "s3:PutReplicationConfiguration",
                "s3:TagResource",
                "s3express:ListAllMyDirectoryBuckets",
            ],
            "helpers": ["pkg/tags"],
            "dependent": ["iam:PassRole"],  # policy_sentry's, of PutReplicationConfiguration
            "role_fields": ["spec.replication.role"],
            "kms_fields": ["spec.replication.rules[].replicaKMSKeyID"],
        }
    }  # fmt: skip
    assert s3["helpers"] == {"pkg/tags": {"operations": ["PutBucketTagging"], "actions": ["s3:PutBucketTagging"]}}
    assert s3["commit"] is None  # not a git repository
    assert "~ s3.Bucket changed" in capsys.readouterr().out


TOO_NARROW_CORRECTED = ["cloudwatchlogs", "emrcontainers", "iam", "kinesis", "kms", "networkfirewall", "ssm"]


def test_every_shipped_recommendation_allows_what_its_controller_calls() -> None:
    missing = {s: e["recommended"]["misses"] for s, e in PINNED["controllers"].items() if "misses" in e["recommended"]}
    assert list(missing) == ["opensearchserverless"]  # nothing is recommended: a stack must give a policy


@pytest.mark.parametrize("service", TOO_NARROW_CORRECTED)
def test_the_corrections_add_exactly_what_upstream_misses(service: str) -> None:
    from ack_irsa import catalog

    controller = catalog.get(service)
    assert "corrected" in controller.flags and "recommended-too-narrow" in controller.flags
    assert (
        refresh_api_calls.compare(service, PINNED["controllers"][service])
        == PINNED["controllers"][service]["recommended"]
    )
    assert controller.inline_policy is not None
    *_, added = controller.inline_policy["Statement"]
    assert set(controller.too_narrow) <= set(added["Action"])
    if service != "networkfirewall":  # upstream's file is not JSON there; its correction adds to its one statement
        assert added == {
            "Sid": "CalledByTheControllerNotRecommended",
            "Effect": "Allow",
            "Action": list(derived.upstream_misses(service)),
            "Resource": "*",
        }


def test_catalog_show_says_what_derived_grants_and_what_upstream_misses(capsys: pytest.CaptureFixture[str]) -> None:
    from ack_irsa.commands import main as cli

    assert cli(["catalog", "show", "s3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert (
        "policy derived:   51 actions for Bucket, instead of the recommendation's 219 (read at 1051f76f2b6d); "
        "kinds: Bucket; role fields (need passRoles): Bucket"
    ) in lines
    assert not [line for line in lines if line.startswith("too narrow:")]
    assert cli(["catalog", "show", "ssm"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert (
        "too narrow:       upstream's recommendation misses 3 of the actions the controller's code calls: "
        "ssm:DeleteParameter, ssm:GetParameter, ssm:PutParameter"
    ) in lines
    assert cli(["catalog", "show", "bedrockagentcorecontrol"]) == 0
    assert "policy derived:   48 actions for 12 kinds, instead of" in capsys.readouterr().out
    assert cli(["catalog", "show", "glue"]) == 0
    assert "policy derived:   derived is not available: the glue controller's code could not be read" in (
        capsys.readouterr().out
    )
