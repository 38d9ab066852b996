"""``python -m ack_irsa verify``: proof that each controller really runs with its role. Read-only."""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from ack_irsa.errors import InputError

EXAMPLES = """examples:
  ack-irsa verify --stack dev                       # every controller of the stack, against the live account
  ack-irsa verify --cluster dev-eks --service s3 --json
  AWS_PROFILE=prod ack-irsa verify --stack prod --skip-kubernetes"""
EXIT_CODES = """exit codes:
  0  no check failed (warnings and skipped checks do not fail)
  1  a check failed, or the checks could not run (no credentials, bad input); --json prints JSON either way
  2  a usage error"""

if TYPE_CHECKING:
    from ack_irsa.live.kubernetes import Kubernetes
    from ack_irsa.spec.controller import ControllerSpec


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--stack", help="check every controller of stacks/Pulumi.<stack>.yaml")
    source.add_argument("--cluster", help="EKS cluster name, with --service: check one controller")
    parser.add_argument("--service", help="ACK service name, e.g. s3 (with --cluster)")
    parser.add_argument("--namespace", help="the controller's namespace (default: ack-system)")
    parser.add_argument("--service-account", help="the controller's ServiceAccount (default: the chart's)")
    parser.add_argument("--role-name", help="the role (default: the name ack-irsa gives)")
    parser.add_argument("--deployment", help="the controller's Deployment (default: the chart's)")
    parser.add_argument("--project-dir", type=Path, default=Path(), help="directory of Pulumi.yaml (default: .)")
    parser.add_argument("--region", help="AWS region (default: the stack's aws:region, else the AWS default)")
    parser.add_argument("--aws-endpoint-url", help="AWS endpoint, e.g. an emulator for testing")
    parser.add_argument("--kubeconfig", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    parser.add_argument("--context", help="kubeconfig context (default: the current one)")
    parser.add_argument("--skip-kubernetes", action="store_true", help="check the AWS side only")
    parser.add_argument(
        "--allow-extra",
        action="store_true",
        help="policies and trust statements the stack did not ask for are warnings, not failures",
    )
    parser.add_argument(
        "--identity",
        choices=("irsa", "podIdentity", "both"),
        default="irsa",
        help="how the controller gets its role (with --cluster; default: irsa)",
    )
    parser.add_argument(
        "--target-profile",
        action="append",
        default=[],
        metavar="ACCOUNT=PROFILE",
        help="AWS profile for a cross-account target's account, to read its role's trust when the stack does not "
        "say how (a target without manageRole); repeat for several accounts",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args: argparse.Namespace) -> int:
    import botocore.exceptions

    from ack_irsa.live import report as reports

    try:
        capability = _capability_target(args)
    except (InputError, ValueError, botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        return _failed(args, _error_text(error))
    try:
        report = reports.Report()
        if capability is not None:
            _verify_capability(args, report, *capability)
        else:
            cluster, issuer, region, specs = targets(args)
            aws = _aws(region, args.aws_endpoint_url, args.allow_extra)
            _verify_controllers(args, report, aws=aws, cluster=cluster, issuer=issuer, region=region, specs=specs)
    except (InputError, ValueError, botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        return _failed(args, _error_text(error))
    except Exception as error:  # a defect: --json still answers JSON; the table path reports it as every command does
        if not args.json:
            raise
        return _failed(args, f"internal error ({type(error).__name__}); please report it")
    sys.stdout.write(report.to_json() if args.json else report.to_table())
    return 0 if report.passed else 1


def _verify_controllers(
    args: argparse.Namespace,
    report: Any,
    *,
    aws: Any,
    cluster: str | None,
    issuer: str | None,
    region: str | None,
    specs: dict[str, ControllerSpec],
) -> None:
    """The self-managed controllers' checks, and their cluster's and OIDC provider's, into ``report``."""
    from ack_irsa.live import report as reports
    from ack_irsa.live.verify import verify_controller

    if cluster:
        check, found_issuer = aws.cluster_issuer(cluster)
        report.cluster.append(check)
        issuer = found_issuer or issuer
    else:
        report.cluster += reports.skipped(["cluster"], "the stack names no cluster (issuerUrl or oidcProviderArn)")
    provider = None
    if not any(spec.uses_irsa for spec in specs.values()):
        report.cluster += reports.skipped(["oidc-provider"], "every controller uses EKS Pod Identity")
    elif issuer:
        check, provider = aws.provider(issuer, *_planned_provider(args))
        report.cluster.append(check)
    else:
        report.cluster += reports.skipped(["oidc-provider"], "needs the cluster's issuer")
    kubernetes = None if args.skip_kubernetes else _kubernetes_factory(args)
    target_iam = _target_iam(region, args.aws_endpoint_url, _target_profiles(args.target_profile))
    for name, spec in specs.items():
        report.controllers[name] = verify_controller(aws, kubernetes, spec, provider, cluster, target_iam)


def _capability_target(args: argparse.Namespace) -> tuple[Any, str | None, Any] | None:
    """(the capability's spec, region, the parsed stack) of a stack with ``capability``; None for any other."""
    from ack_irsa.stack import config, stackfile

    if not args.stack:
        return None
    raw = stackfile.load(args.project_dir, stackfile.stack_path(args.project_dir, args.stack)).config
    stack = config.parse(raw)
    if stack.capability is None:
        return None
    return config.capability_spec(stack), args.region or raw.get("aws:region"), stack


def _verify_capability(args: argparse.Namespace, report: Any, spec: Any, region: str | None, stack: Any) -> None:
    """The managed capability's checks, the capability's own then each entry's; beside it, the controllers still on
    Helm (every one until the handover's finish) as in a stack of their own, and who holds each service's lease."""
    from ack_irsa.iam.policies import issuer_host
    from ack_irsa.live.capability import verify_capability
    from ack_irsa.stack import config

    aws = _aws(region, args.aws_endpoint_url, args.allow_extra)
    kubernetes = None if args.skip_kubernetes else _kubernetes_factory(args)
    target_iam = _target_iam(region, args.aws_endpoint_url, _target_profiles(args.target_profile))
    report.cluster, entries = verify_capability(aws, kubernetes, spec, target_iam)
    helm = config.controller_specs(stack)
    if helm:
        issuer = issuer_host(stack.issuer_url) if stack.issuer_url else None
        _verify_controllers(args, report, aws=aws, cluster=stack.cluster_name, issuer=issuer, region=region, specs=helm)
    # an entry still on its release is checked twice: as the controller, and as the capability's entry
    report.controllers |= {
        (f"{name} (capability)" if name in helm else name): checks for name, checks in entries.items()
    }
    expected = _leases(stack, spec, helm)
    if expected and kubernetes is not None:
        from ack_irsa.live.handover import leases

        report.cluster += leases(kubernetes(), expected)


def _leases(stack: Any, spec: Any, helm: dict[str, ControllerSpec]) -> list[Any]:
    """Each service's lease as the step expects it: a service of the capability's is Helm's until the hand-over,
    then the capability's; one that stays on Helm is its release's."""
    from ack_irsa import catalog
    from ack_irsa.live.handover import Expected, Holder

    before_hand_over = stack.capability.handover in ("prepare", "create")
    expected = []
    for entry in spec.controllers:
        controller = helm.get(entry.name)
        deployment = controller.deployment_name if controller is not None and controller.install else None
        holder: Holder = "helm" if before_hand_over else "capability"
        expected.append(Expected(entry.controller.service, entry.group, deployment, holder))
    served = {entry.controller.service for entry in spec.controllers}
    for controller in helm.values():
        if controller.install is not None and controller.controller.service not in served:
            service = controller.controller.service
            expected.append(Expected(service, catalog.api_group(service), controller.deployment_name, "helm"))
    # a stack of the capability alone has nothing to hand over: its leases are the capability's own business
    return expected if stack.capability.handover is not None or helm else []


def _failed(args: argparse.Namespace, message: str) -> int:
    """The checks could not run: ``--json`` prints the report's shape with ``error`` (and no checks), else one
    error line on stderr. Exit 1 either way."""
    if args.json:
        document = {"passed": False, "error": message, "cluster": [], "controllers": {}}
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        print(f"error: {message}", file=sys.stderr)
    return 1


def _error_text(error: Exception) -> str:
    """What went wrong; for missing credentials, where botocore looked and how to provide them."""
    import botocore.exceptions

    if not isinstance(error, botocore.exceptions.NoCredentialsError):
        return str(error)
    import botocore.session

    session = botocore.session.get_session()
    looked = [provider.METHOD for provider in session.get_component("credential_provider").providers]
    profile = os.environ.get("AWS_PROFILE") or "default"
    files = (
        os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials",
        os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config",
    )
    return (
        f"no AWS credentials found; botocore looked, in order, in: {', '.join(looked)} (the environment's "
        f"AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile {profile!r} in {files[0]} and {files[1]}, SSO, a web "
        "identity token, the container and instance metadata endpoints). Provide them with `aws configure`, "
        "`aws sso login --profile NAME` and AWS_PROFILE=NAME, or by exporting AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)"
    )


def targets(args: argparse.Namespace) -> tuple[str | None, str | None, str | None, dict[str, ControllerSpec]]:
    """(cluster name, issuer if the config knows it, region, the controllers to check by name)."""
    from ack_irsa.iam.arns import issuer_of_provider_arn
    from ack_irsa.iam.policies import issuer_host
    from ack_irsa.spec.controller import resolve_controller
    from ack_irsa.spec.problems import ArgsError
    from ack_irsa.stack import config, stackfile

    if args.stack:
        raw = stackfile.load(args.project_dir, stackfile.stack_path(args.project_dir, args.stack)).config
        stack = config.parse(raw)
        issuer = issuer_host(stack.issuer_url) if stack.issuer_url else None
        if stack.oidc_provider_arn:
            issuer = issuer_of_provider_arn(stack.oidc_provider_arn)
        return stack.cluster_name, issuer, args.region or raw.get("aws:region"), config.controller_specs(stack)
    if not args.service:
        raise ValueError("--cluster needs --service, the ACK service name (e.g. s3)")
    explicit = {
        "namespace": args.namespace,
        "service_account_name": args.service_account,
        "role_name": args.role_name,
        "deployment_name": args.deployment,
        "identity": None if args.identity == "irsa" else args.identity.replace("podIdentity", "pod_identity"),
        "cluster_name": None if args.identity == "irsa" else args.cluster,
    }
    # The provider is looked up by the cluster's issuer later; the arguments are checked without it.
    arguments: dict[str, Any] = {"service": args.service, "oidc_provider": SimpleNamespace(arn=None)}
    arguments |= {k: v for k, v in explicit.items() if v is not None}
    try:
        spec = resolve_controller(arguments)
    except ArgsError as error:
        raise ValueError(str(error)) from None
    return args.cluster, None, args.region, {args.service: spec}


def _planned_provider(args: argparse.Namespace) -> tuple[list[str] | None, list[str] | None]:
    """(client IDs, thumbprints) the stack creates its OIDC provider with; the client IDs default to
    sts.amazonaws.com. (None, None) for a provider the stack adopts (``oidcProviderArn``): not its own."""
    from ack_irsa.iam.trust import STS_AUDIENCE
    from ack_irsa.stack import config, stackfile

    if not args.stack:
        return [STS_AUDIENCE], None
    stack = config.parse(stackfile.load(args.project_dir, stackfile.stack_path(args.project_dir, args.stack)).config)
    if stack.oidc_provider_arn:
        return None, None
    return stack.client_ids or [STS_AUDIENCE], stack.thumbprints


@functools.cache
def _data_loader() -> Any:
    """One botocore data loader for every session the command makes: each new session would otherwise parse
    the same service models (IAM's alone is half a megabyte of JSON) again."""
    import botocore.session

    return botocore.session.get_session().get_component("data_loader")


def _session(profile: str | None = None, credentials: dict[str, str] | None = None) -> Any:
    """A botocore session for ``profile`` (None: the ambient credentials) or for assumed ``credentials``,
    sharing the command's data loader."""
    import botocore.session

    session = botocore.session.Session(profile=profile)
    session.register_component("data_loader", _data_loader())
    if credentials is not None:
        session.set_credentials(credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])
    return session


def _aws(region: str | None, endpoint: str | None, allow_extra: bool) -> Any:
    from ack_irsa.live.aws import Aws

    session = _session()
    eks = session.create_client("eks", region_name=region, endpoint_url=endpoint)
    iam = session.create_client("iam", region_name=region, endpoint_url=endpoint)
    return Aws(eks, iam, allow_extra)


def _target_profiles(given: list[str]) -> dict[str, str]:
    """``--target-profile ACCOUNT=PROFILE`` flags as ``{account: profile}``."""
    from ack_irsa.iam.accounts import check_account_id

    profiles = {}
    for flag in given:
        account, _, profile = flag.partition("=")
        try:
            check_account_id(account)
        except ValueError as error:
            raise ValueError(f"--target-profile {flag!r}: the account {error}, as in 444455556666=team-a") from None
        if not profile:
            raise ValueError(f"--target-profile {flag!r}: give the profile after '=', as in 444455556666=team-a")
        profiles[account] = profile
    return profiles


def _target_iam(region: str | None, endpoint: str | None, profiles: dict[str, str]) -> Any:
    """Makes an IAM client for a cross-account target from the provider its stack entry gives (the profile, then
    the role to assume), else from ``--target-profile``; None when neither says how."""

    def make(target: Any) -> Any:
        settings = target.provider
        if settings is None or not hasattr(settings, "assume_role_arn"):
            profile = profiles.get(target.account_id)
            if profile is None:
                return None
            return _session(profile).create_client("iam", region_name=region, endpoint_url=endpoint)
        session, target_region = _session(settings.profile), settings.region or region
        if settings.assume_role_arn:
            sts = session.create_client("sts", region_name=target_region, endpoint_url=endpoint)
            assumed = sts.assume_role(RoleArn=settings.assume_role_arn, RoleSessionName="ack-irsa-verify")
            session = _session(credentials=assumed["Credentials"])
        return session.create_client("iam", region_name=target_region, endpoint_url=endpoint)

    return make


def _kubernetes_factory(args: argparse.Namespace) -> Any:
    """Makes the Kubernetes client on first use, so the AWS side runs even when no kubeconfig exists."""

    made: list[Kubernetes] = []

    def make() -> Kubernetes:
        if made:
            return made[0]
        import urllib3
        from kubernetes import client, config

        from ack_irsa.live.kubernetes import Kubernetes

        try:
            api = config.new_client_from_config(config_file=args.kubeconfig, context=args.context)
        except config.ConfigException as error:
            raise ValueError(f"no usable kubeconfig ({error})") from None
        unreachable = (urllib3.exceptions.HTTPError, OSError)
        apis = (client.CoreV1Api(api), client.AppsV1Api(api))
        made.append(Kubernetes(*apis, client.ApiException, unreachable, client.CustomObjectsApi(api)))
        return made[0]

    return make
