"""Test your own Pulumi program offline: the resources it registers, and ack-irsa's plan of it.

A program that imports ack-irsa's components runs here as under ``pulumi up``, with the engine replaced
by Pulumi's mocks: no account, no provider plugin, no network. :class:`Mocks` answers what such programs
typically register besides the components — a pulumi-eks ``Cluster`` and its OIDC outputs,
``aws.eks.Cluster`` and ``aws.eks.get_cluster``, a plain ``aws.iam.OpenIdConnectProvider``, a
``kubernetes.Provider`` — from :class:`Facts` (account, partition, region, each cluster's issuer).
Anything it cannot answer (another package's component, an unknown lookup) stops the run with one
:class:`OfflineError` line naming the resource type; subclass :class:`Mocks` to answer it.

In a pytest test::

    from ack_irsa.review import testing

    def test_every_controller_trusts_the_clusters_provider():
        plan = testing.plan("infra")          # the program directory: Pulumi.yaml and its main
        assert [p.source for p in plan.oidc_providers] == ["pulumi-eks"]

:func:`run` returns every registered resource (:class:`Run`), :func:`plan` ack-irsa's review of them
(:class:`Plan`, rendered by :func:`to_markdown`, :func:`to_json`, :func:`to_manifests`). Running a
program directory executes its code, as ``pulumi up`` would: only ever the program you name.

This module, and the names in ``__all__``, are ack-irsa's stable testing API (docs/api.md).
"""

from __future__ import annotations

import contextlib
import json
import runpy
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi

from ack_irsa.errors import InputError
from ack_irsa.iam.arns import oidc_provider_arn, partition_of_region
from ack_irsa.iam.policies import issuer_host
from ack_irsa.review.offline import Facts, OfflineMocks, Registration, Unanswered
from ack_irsa.review.offline import OfflineRun as Run
from ack_irsa.review.plan import Plan, PlannedOidcProvider, PlannedResource, plan_of, to_json, to_manifests, to_markdown
from ack_irsa.stack import stackfile

__all__ = [
    "DEFAULT_FACTS",
    "Facts",
    "Mocks",
    "OfflineError",
    "Plan",
    "PlannedOidcProvider",
    "PlannedResource",
    "ProgramDirectory",
    "Registration",
    "Run",
    "load_program",
    "plan",
    "run",
    "to_json",
    "to_manifests",
    "to_markdown",
]

OfflineError = Unanswered
"""What the mocks cannot answer: a resource type or lookup they do not know, in one line."""

DEFAULT_FACTS = Facts(account_id="123456789012", partition="aws", region="us-east-1")
"""What :func:`run` assumes when given no facts: AWS's documentation account, in ``us-east-1`` (or the
config's ``aws:region``); every cluster's issuer is ``https://oidc.eks.<region>.amazonaws.com/id/<cluster-id>``
unless :attr:`Facts.issuer_urls` names it."""

PULUMI_EKS_CLUSTER = "eks:index:Cluster"
EKS_CLUSTER = "aws:eks/cluster:Cluster"


class Mocks(OfflineMocks):
    """:class:`~ack_irsa.review.offline.OfflineMocks` (ack-irsa's own resources and lookups) and what a program
    around the components typically registers:

    - pulumi-eks ``eks:index:Cluster``: ``oidcProviderArn`` (``""`` without ``create_oidc_provider``, as
      pulumi-eks says), ``oidcProviderUrl``, ``oidcIssuer``, ``kubeconfig`` and ``kubeconfigJson`` (no
      credentials), from the cluster's ``name`` (else its logical name) and the facts;
    - ``aws.eks.Cluster``: ``arn``, ``name``, ``identities`` (its issuer), ``endpoint``,
      ``certificateAuthority``, ``status``; and ``aws.eks.get_cluster`` with the same;
    - ``aws.iam.OpenIdConnectProvider``: its ``arn`` from its ``url``;
    - ``kubernetes.Provider`` and any other custom resource: its inputs back.

    A multi-language component of another package (its outputs computed by that package's own plugin) is
    answered only when its type is in :attr:`components`; any other stops the run with an
    :class:`OfflineError` naming its type, as does a lookup no mock answers. To answer more, subclass:
    add the type to ``components`` and return its outputs from :meth:`new_resource`, or answer a lookup
    in :meth:`call` and defer to ``super()`` for the rest.
    """

    components: frozenset[str] = frozenset({PULUMI_EKS_CLUSTER})

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ == PULUMI_EKS_CLUSTER:
            return self._pulumi_eks_cluster(args.name, dict(args.inputs))
        if args.typ == EKS_CLUSTER:
            name = args.inputs.get("name") or args.name
            answer = self.cluster(name)
            return name, {
                **args.inputs,
                **answer,
                "certificateAuthority": answer["certificateAuthorities"][0],
                "tagsAll": args.inputs.get("tags", {}),
            }
        return super().new_resource(args)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        answer = super().call(args)  # records the lookup; refuses those no mock answers
        if args.token == "aws:eks/getCluster:getCluster":
            answer = {**answer, **self.cluster(args.args["name"]), "id": args.args["name"]}
        return answer

    def cluster(self, name: str) -> dict[str, Any]:
        """What EKS says of the cluster ``name``: ``aws.eks.get_cluster``'s result, and with
        ``certificateAuthority`` for ``certificateAuthorities``, ``aws.eks.Cluster``'s outputs."""
        facts = self.facts
        return {
            "name": name,
            "arn": f"arn:{facts.partition}:eks:{facts.region}:{facts.account_id}:cluster/{name}",
            "clusterId": f"{name}-id",
            "identities": [{"oidcs": [{"issuer": facts.issuer_url(name)}]}],
            "endpoint": f"https://{name}.eks.{facts.region}.offline.invalid",
            "certificateAuthorities": [{"data": ""}],
            "createdAt": "2026-01-01T00:00:00Z",
            "platformVersion": "eks.1",
            "status": "ACTIVE",
        }

    def _pulumi_eks_cluster(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        facts, cluster_name = self.facts, inputs.get("name") or name
        url = facts.issuer_url(cluster_name)
        provider = oidc_provider_arn(facts.partition, facts.account_id, issuer_host(url))
        kubeconfig: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": cluster_name, "cluster": {"server": self.cluster(cluster_name)["endpoint"]}}],
            "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}],
            "current-context": cluster_name,
            "users": [{"name": cluster_name, "user": {}}],
        }

        return f"{name}-id", {
            **inputs,
            "oidcProviderArn": provider if inputs.get("createOidcProvider") else "",
            "oidcProviderUrl": url,
            "oidcIssuer": issuer_host(url),
            "kubeconfig": kubeconfig,
            "kubeconfigJson": json.dumps(kubeconfig),
        }


@dataclass(frozen=True)
class ProgramDirectory:
    """A Pulumi project directory as ``pulumi up --stack <stack>`` would run it."""

    directory: Path
    """The directory that holds its ``Pulumi.yaml``."""
    project: str
    """``name`` in its ``Pulumi.yaml``: the namespace of its own config keys."""
    main: Path
    """The file that runs: ``main`` in ``Pulumi.yaml`` (a file, or a directory with ``__main__.py``), else
    ``__main__.py``."""
    stack: str | None
    """The stack whose file was read; None: the project's defaults only."""
    config: dict[str, str]
    """The project's config defaults, then the stack file's values (encrypted ones as ``<secret>``)."""


Program = Callable[[], Mapping[str, Any] | None] | str | Path | ProgramDirectory
"""A program: a function (its body: it may return outputs, or ``pulumi.export`` them), or the path of a
Pulumi project directory (its ``Pulumi.yaml`` and the ``main`` it names, ``__main__.py`` by default), or one
:func:`load_program` read."""


def load_program(directory: str | Path, stack: str | None = None) -> ProgramDirectory:
    """Read a Python Pulumi project: its ``Pulumi.yaml`` (runtime, ``main``, config defaults) and, with
    ``stack``, its ``Pulumi.<stack>.yaml`` (in ``stackConfigDir``), which must exist. Nothing is run.
    A bad directory is an :class:`~ack_irsa.errors.InputError` naming the file."""
    directory = Path(directory)
    if not directory.is_dir():
        hint = "" if directory.is_absolute() else f" (a relative path is read from the working directory, {Path.cwd()})"
        raise InputError(f"program directory {directory}: not a directory{hint}")
    project = stackfile.read_project(directory)
    where = directory / "Pulumi.yaml"
    runtime = project.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise InputError(
            f"{where}: runtime {runtime_name!r}: only a Python program runs offline here; from "
            'TypeScript, YAML and other languages the components come as a package (README, "From other languages")'
        )
    main = directory / str(project.get("main") or "__main__.py")
    if main.is_dir():
        main = main / "__main__.py"
    if not main.is_file():
        raise InputError(f"{where}: the program's main, {main}, does not exist")
    if stack is None:
        config = stackfile.config_of(project, "config: {}", str(where)).config
    else:
        config = stackfile.load(directory, stackfile.stack_path(directory, stack)).config
    return ProgramDirectory(directory, project["name"], main, stack, dict(config))


def run(
    program: Program,
    *,
    stack: str | None = None,
    config: Mapping[str, Any] | None = None,
    facts: Facts | None = None,
    mocks: OfflineMocks | None = None,
) -> Run:
    """Run ``program`` to completion under ``mocks`` (default: :class:`Mocks` of ``facts``) and return every
    resource it registered, with the lookups it made and its outputs.

    ``program`` is a function, or a project directory (:func:`load_program` reads it; ``stack`` names its
    stack file). ``config`` is a Pulumi config map (``{"aws:region": "us-west-2", "myproject:clusterName":
    "dev"}``; values other than text as JSON or plain Python), on top of the directory's. ``facts``
    defaults to :data:`DEFAULT_FACTS` in the config's ``aws:region``. What the mocks cannot answer raises
    :class:`OfflineError`; an error of the program itself is raised as it is."""
    from ack_irsa.review import offline

    if callable(program):
        body, project, values = program, "program", dict(config or {})
    else:
        directory = program if isinstance(program, ProgramDirectory) else load_program(program, stack)
        project, values = directory.project, {**directory.config, **(config or {})}
        body = _runner(directory)
    mocks = mocks or Mocks(facts or _facts(values))
    return offline.run(body, mocks, values, project=project, stack=stack or "test")


def plan(
    program: Program,
    *,
    stack: str | None = None,
    config: Mapping[str, Any] | None = None,
    facts: Facts | None = None,
    mocks: OfflineMocks | None = None,
) -> Plan:
    """ack-irsa's plan of ``program`` (the arguments of :func:`run`): every controller's role, trust, policies
    and ServiceAccount, and each OIDC provider with where it comes from."""
    return plan_of(stack or "test", run(program, stack=stack, config=config, facts=facts, mocks=mocks))


def _facts(config: Mapping[str, Any]) -> Facts:
    region = config.get("aws:region")
    if not isinstance(region, str) or not region:
        return DEFAULT_FACTS
    try:
        partition = partition_of_region(region)
    except ValueError as error:
        raise InputError(f"aws:region: {error}") from None
    return Facts(account_id=DEFAULT_FACTS.account_id, partition=partition, region=region)


def _runner(program: ProgramDirectory) -> Callable[[], None]:
    main = str(program.main.resolve())  # before the working directory changes

    def body() -> None:
        with _as_pulumi_runs(program):
            runpy.run_path(main, run_name="__main__")

    return body


@contextlib.contextmanager
def _as_pulumi_runs(program: ProgramDirectory) -> Iterator[None]:
    """The program's directory as its working directory and first import path, as Pulumi's Python host
    runs it; the modules it imported from there are forgotten afterwards, so the next run reads them anew."""
    folder = str(program.main.parent.resolve())
    before = set(sys.modules)
    sys.path.insert(0, folder)
    try:
        with contextlib.chdir(program.directory):
            yield
    finally:
        sys.path.remove(folder)
        for name in set(sys.modules) - before:
            module_file = getattr(sys.modules[name], "__file__", None) or ""
            if module_file.startswith(folder):
                del sys.modules[name]
