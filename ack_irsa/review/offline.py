"""Run a Pulumi program offline, under Pulumi's mocks, and record every resource it registers.

The same program ``pulumi up`` runs, with the engine replaced by :class:`OfflineMocks`: no cloud
account, no provider plugin, no network. Values only a live account knows (account ID, partition,
a cluster's issuer) come from :class:`Facts`; those not given are placeholders, recorded as such.
Used by the offline plan (``python -m ack_irsa render``), the tests and the benchmarks.

Mocks accept any type token and any input; the real engine does not. So every registration is checked
against what its provider declares (:mod:`ack_irsa.review.engine_schema`) once the run is over, and a run
with a registration the engine would refuse raises :class:`EngineSchemaMismatch`: a defect of ack-irsa,
never a plan that looks fine.
"""

from __future__ import annotations

import asyncio
import gc
import json
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime.settings import ROOT, SETTINGS
from pulumi.runtime.stack import run_pulumi_func

from ack_irsa.errors import InputError
from ack_irsa.iam.arns import oidc_provider_arn
from ack_irsa.iam.policies import issuer_host
from ack_irsa.review import engine_schema
from ack_irsa.stack.stackfile import SECRET_PLACEHOLDER, pulumi_value

SchemaCheck = Literal["enforce", "record", "off"]
"""What :func:`run` does with the engine-schema check: raise on a mismatch, record it, or not check."""
ACCOUNT_PLACEHOLDER = "<account-id>"
CLUSTER_ID_PLACEHOLDER = "<cluster-id>"
CAPABILITY_ID_PLACEHOLDER = "<capability-id>"


class Unanswered(InputError):
    """What the mocks cannot answer — a component of another package, a lookup — in one line naming its type.

    Raised by :func:`run` instead of the error the SDK would meet later, deep in its own code, over the
    outputs nobody gave."""


@dataclass(frozen=True)
class Facts:
    """What a live account would say; ``placeholders`` names the facts that were not given."""

    account_id: str = ACCOUNT_PLACEHOLDER
    """The account every resource is made in (a target account's provider pins its own)."""
    partition: str = "aws"
    """``aws``, ``aws-cn`` or ``aws-us-gov``: the ARNs' partition."""
    region: str = "us-east-1"
    """The region of ``aws.get_region`` and of each cluster's default issuer."""
    issuer_urls: Mapping[str, str] = field(default_factory=dict)
    """Issuer URL per cluster name; a cluster not listed gets a placeholder issuer."""
    placeholders: frozenset[str] = frozenset()
    """Which of ``account_id``, ``partition``, ``region``, ``issuer`` are placeholders."""
    other_issuer_url: str | None = None
    """Issuer URL of every cluster not in ``issuer_urls``; None: a placeholder issuer."""

    def issuer_url(self, cluster_name: str) -> str:
        default = f"https://oidc.eks.{self.region}.amazonaws.com/id/{CLUSTER_ID_PLACEHOLDER}"
        return self.issuer_urls.get(cluster_name, self.other_issuer_url or default)


@dataclass(frozen=True)
class Registration:
    """One resource as the program registered it."""

    type: str
    """Its type token, e.g. ``aws:iam/role:Role``."""
    name: str
    """Its logical name."""
    urn: str
    """Its URN, as ``parent``, ``provider`` and ``dependencies`` of others name it."""
    parent: str
    """URN of the parent resource (empty for the stack itself)."""
    custom: bool
    """A custom resource (made by a provider), not a component."""
    inputs: dict[str, Any]
    """Its inputs, resolved, with the engine's (camelCase) names."""
    provider: str
    """Reference of the explicit provider a custom resource uses (empty: the default provider)."""
    dependencies: tuple[str, ...]
    """URNs of the resources it waits for."""
    retain_on_delete: bool
    state: dict[str, Any] = field(default_factory=dict)
    """What the mocks answered for a custom resource (its ARN, say) or another package's component (its outputs);
    empty for a component of this program."""
    remote: bool = False
    """A component a provider builds (a multi-language component), not the program."""
    import_id: str = ""
    """The ID of the existing resource Pulumi imports instead of creating (the ``import`` option); empty when
    the resource is created."""


@dataclass
class OfflineRun:
    """What an offline run recorded: every resource in the order it was registered, every lookup, the program's
    outputs (secret ones as ``<secret>``), its warnings and what each component reported."""

    resources: list[Registration]
    invokes: list[tuple[str, dict[str, Any]]]
    outputs: dict[str, Any]
    facts: Facts
    warnings: list[tuple[str, str]] = field(default_factory=list)
    """(URN of the resource, message) of every ``pulumi.log.warn``, as ``pulumi preview`` shows them."""
    component_outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    """URN of each component → the outputs it registered (``register_outputs``)."""
    schema_findings: list[tuple[Registration, engine_schema.Finding]] = field(default_factory=list)
    """What the engine-schema check found in each registration: the parts it could not check (``skipped``),
    and, for a run made with ``schema_check="record"``, the mismatches as well."""

    @property
    def not_checked(self) -> list[tuple[Registration, engine_schema.Finding]]:
        return [(r, f) for r, f in self.schema_findings if f.skipped]

    def of_type(self, type_token: str) -> list[Registration]:
        """Every resource of one type (``"aws:iam/role:Role"``), in the order of registration."""
        return [r for r in self.resources if r.type == type_token]

    def named(self, name: str) -> Registration:
        """The one resource with this logical name; ``KeyError`` when there is none, or more than one."""
        matches = [r for r in self.resources if r.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources named {name!r}")
        return matches[0]


class OfflineMocks(pulumi.runtime.Mocks):
    """Mocks that answer like AWS would, from :class:`Facts`, and refuse any invoke they do not know.

    A multi-language component of another package (``remote``: its outputs come from that package's
    plugin, which does not run here) is refused with :class:`Unanswered` unless its type is in
    :attr:`components` and :meth:`new_resource` answers its outputs."""

    components: frozenset[str] = frozenset()
    """Types of other packages' components these mocks answer."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.invokes: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()
        self._accounts: dict[str, str] = {}
        """Provider ID → the one account it is allowed to act in."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        if args.typ == "pulumi:providers:aws" and (account := _allowed_account(inputs)):
            # A target account's provider: what it creates lies in that account.
            with self._lock:
                self._accounts[f"{args.name}-id"] = account
            return f"{args.name}-id", inputs
        answer = _ANSWERS.get(args.typ)
        facts = self.facts
        if args.provider and (account := self._accounts.get(args.provider.rpartition("::")[2])):
            facts = replace(facts, account_id=account)
        return answer(facts, args.name, inputs) if answer else (f"{args.name}-id", inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        with self._lock:
            self.invokes.append((args.token, dict(args.args)))
        if args.token == "aws:eks/getCluster:getCluster":
            name, facts = args.args["name"], self.facts
            return {
                "name": name,
                "arn": f"arn:{facts.partition}:eks:{facts.region}:{facts.account_id}:cluster/{name}",
                "identities": [{"oidcs": [{"issuer": facts.issuer_url(name)}]}],
            }
        if args.token == "aws:index/getRegion:getRegion":
            return {"name": self.facts.region, "region": self.facts.region, "id": self.facts.region}
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            facts = self.facts
            return {
                "accountId": facts.account_id,
                "arn": f"arn:{facts.partition}:iam::{facts.account_id}:user/offline",
                "id": facts.account_id,
                "userId": "AIDA" + "0" * 17,
            }
        if args.token == "aws:index/getPartition:getPartition":
            suffix = "amazonaws.com.cn" if self.facts.partition == "aws-cn" else "amazonaws.com"
            return {"partition": self.facts.partition, "dnsSuffix": suffix, "id": self.facts.partition}
        raise Unanswered(
            f"offline run: no mock answers the lookup {args.token}; answer it in the mocks' call() "
            "(a subclass), so that nothing passes by accident"
        )


def _allowed_account(inputs: Mapping[str, Any]) -> str | None:
    """The single account an AWS provider is pinned to (``allowedAccountIds``; providers receive their
    inputs as JSON text)."""
    allowed = inputs.get("allowedAccountIds")
    if isinstance(allowed, str):
        allowed = json.loads(allowed)
    return allowed[0] if isinstance(allowed, list) and len(allowed) == 1 else None


def _provider(facts: Facts, _: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    arn = oidc_provider_arn(facts.partition, facts.account_id, issuer_host(inputs["url"]))
    return arn, {**inputs, "arn": arn}


def _role(facts: Facts, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    name = inputs.get("name", name)  # a role without a name is autonamed: its logical name stands in
    arn = f"arn:{facts.partition}:iam::{facts.account_id}:role{inputs.get('path', '/')}{name}"
    return name, {**inputs, "arn": arn, "name": name, "uniqueId": "AROA" + "0" * 17}


def _policy(facts: Facts, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    name = inputs.get("name", name)
    arn = f"arn:{facts.partition}:iam::{facts.account_id}:policy{inputs.get('path', '/')}{name}"
    return arn, {**inputs, "arn": arn, "name": name}


def _association(facts: Facts, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    association = f"a-{name}"
    arn = (
        f"arn:{facts.partition}:eks:{facts.region}:{facts.account_id}:podidentityassociation/"
        f"{inputs['clusterName']}/{association}"
    )
    return association, {**inputs, "associationId": association, "associationArn": arn}


def _capability(facts: Facts, _: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """EKS ends a capability's ARN in an ID it generates: the offline plan stands a placeholder in."""
    cluster, name = inputs["clusterName"], inputs["capabilityName"]
    arn = (
        f"arn:{facts.partition}:eks:{facts.region}:{facts.account_id}:capability/{cluster}/{name}/"
        f"{str(inputs.get('type', 'ACK')).lower()}/{CAPABILITY_ID_PLACEHOLDER}"
    )
    return f"{cluster},{name}", {**inputs, "arn": arn}


# What AWS would answer for the resources whose outputs the components read (ID, outputs); any other
# resource gets its inputs back.
_ANSWERS: dict[str, Callable[[Facts, str, dict[str, Any]], tuple[str, dict[str, Any]]]] = {
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _provider,
    "aws:iam/role:Role": _role,
    "aws:iam/policy:Policy": _policy,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": lambda _f, _n, i: (
        f"{i['role']}-{i['policyArn'].rsplit('/', 1)[-1]}",
        i,
    ),
    "aws:iam/rolePolicy:RolePolicy": lambda _f, n, i: (f"{i['role']}:{i.get('name', n)}", {"name": n, **i}),
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": _association,
    "aws:eks/capability:Capability": _capability,
}


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    """The mock engine, keeping what each registration asked for (parent, provider, options)."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []
        self.component_outputs: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def RegisterResourceOutputs(self, request: Any) -> Any:
        outputs = _plain(rpc.deserialize_properties(request.outputs))
        with self._lock:
            self.component_outputs[request.urn] = outputs
        return super().RegisterResourceOutputs(request)

    def RegisterResource(self, request: Any) -> Any:
        if request.remote and request.type not in getattr(self.mocks, "components", frozenset()):
            raise Unanswered(
                f"offline run: no mock answers {request.type} ({request.name!r}), a component of another "
                "package whose outputs only its own plugin computes; answer it in the mocks (a subclass: "
                "add the type to `components` and return its outputs from new_resource)"
            )
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            registration = Registration(
                type=request.type,
                name=request.name,
                urn=response.urn,
                parent=request.parent,
                custom=request.custom,
                inputs=_plain(rpc.deserialize_properties(request.object)),
                provider=request.provider,
                dependencies=tuple(request.dependencies),
                retain_on_delete=request.retainOnDelete,
                import_id=request.importId,
                remote=request.remote,
                state=_plain(rpc.deserialize_properties(response.object)) if request.custom or request.remote else {},
            )
            with self._lock:
                self.registrations.append(registration)
        return response


class _RecordingEngine:
    """The engine's log service: keeps the warnings, with the resource each is about."""

    def __init__(self) -> None:
        self.warnings: list[tuple[str, str]] = []

    def Log(self, request: Any) -> None:
        from pulumi.runtime.proto import engine_pb2

        if request.severity == engine_pb2.WARNING:
            self.warnings.append((request.urn, request.message))


def run(
    program: Callable[[], Mapping[str, Any] | None],
    mocks: pulumi.runtime.Mocks,
    config: Mapping[str, Any] | None = None,
    project: str = "ack-irsa",
    stack: str = "offline",
    *,
    pause_collector: bool = True,
    schema_check: SchemaCheck = "enforce",
) -> OfflineRun:
    """Run ``program`` to completion under ``mocks`` with ``config`` (a Pulumi config map).

    The program may return outputs and may ``pulumi.export`` them; both are resolved and returned.
    Every run gets a fresh event loop, monitor and root stack, so runs do not leak into each other.
    ``pause_collector=False`` leaves the cyclic garbage collector as it is, as under ``pulumi preview``
    (the benchmarks measure both). Every registration is checked against its provider's schema; a
    registration the real engine would refuse raises :class:`EngineSchemaMismatch`; ``schema_check="record"``
    (a test of the check itself) records it in ``schema_findings`` instead, and ``"off"`` skips the check
    (a benchmark of the program alone, or a test with stand-in types no provider has).
    """
    loop, thread_loops = _new_loop()
    monitor = _RecordingMonitor(mocks)
    pulumi.runtime.set_all_config({k: pulumi_value(v) for k, v in (config or {}).items()}, [])
    # Process-wide state of earlier runs: their root stack (and its exports), and the tasks a failed
    # run left behind on its closed loop.
    ROOT.set(None)
    SETTINGS.outputs.clear()
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
    engine = _RecordingEngine()
    SETTINGS.engine = engine
    returned: dict[str, Any] = {}

    def body() -> None:
        returned.update(program() or {})

    # Pulumi's SDK makes many reference cycles per resource; with the cyclic collector running, its
    # full collections over the growing heap make large runs superlinear. Paused for the run only.
    collecting = gc.isenabled()
    if pause_collector:
        gc.disable()
    try:
        try:
            loop.run_until_complete(run_pulumi_func(body))
        except Exception as error:
            if unanswered := _unanswered(error):  # one line, not the SDK's chain of wrappers around it
                raise Unanswered(str(unanswered)) from None
            raise
        root = pulumi.runtime.get_root_resource()
        exported = dict(getattr(root, "outputs", {}))
        outputs = loop.run_until_complete(_resolved({**exported, **returned}))
    finally:
        _close(loop, thread_loops)
        if collecting:
            gc.enable()
    invokes = list(getattr(mocks, "invokes", []))
    facts = getattr(mocks, "facts", Facts())
    findings = [
        (registration, finding)
        for registration in (monitor.registrations if schema_check != "off" else [])
        for finding in engine_schema.check(
            registration.type, registration.inputs, custom=registration.custom, remote=registration.remote
        )
    ]
    if schema_check == "enforce" and any(not finding.skipped for _, finding in findings):
        raise EngineSchemaMismatch([(r, f) for r, f in findings if not f.skipped])
    return OfflineRun(
        resources=list(monitor.registrations),
        invokes=invokes,
        outputs=outputs,
        facts=facts,
        warnings=engine.warnings,
        component_outputs=monitor.component_outputs,
        schema_findings=findings,
    )


class EngineSchemaMismatch(Exception):
    """Registrations the real engine would refuse, though the mocks took them: a defect of ack-irsa."""

    def __init__(self, mismatches: list[tuple[Registration, engine_schema.Finding]]) -> None:
        self.mismatches = mismatches
        lines = [f"  {r.type} {r.name!r}: {finding}" for r, finding in mismatches]
        super().__init__("registrations the real engine would refuse (the mocks took them):\n" + "\n".join(lines))

    @property
    def summary(self) -> str:
        """The mismatches by resource and input only, without the values (which may be secret)."""
        where = sorted({f"{r.type} {r.name!r} at {finding.path or 'its type'}" for r, finding in self.mismatches})
        return "registrations the real engine would refuse: " + "; ".join(where)


async def _resolved(outputs: Mapping[str, Any]) -> dict[str, Any]:
    """Each output's value; a secret one (``pulumi.Output.secret``, or made from a secret) as ``<secret>``, so
    that no plan or diff shows it."""
    resolved = {}
    for key, value in outputs.items():
        output = pulumi.Output.from_input(value)
        resolved[key] = SECRET_PLACEHOLDER if await output.is_secret() else await output.future()
    return resolved


def _unanswered(error: BaseException) -> Unanswered | None:
    """The :class:`Unanswered` an error was raised over, if any: the SDK re-raises it wrapped, once for each
    resource whose inputs waited for it ("While processing resource ... has risen: ...")."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, Unanswered):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _new_loop() -> tuple[asyncio.AbstractEventLoop, list[asyncio.AbstractEventLoop]]:
    """A fresh loop whose worker threads (where the mock engine answers) get loops the run closes."""
    loop, thread_loops = asyncio.new_event_loop(), []

    def give_thread_a_loop() -> None:
        thread_loop = asyncio.new_event_loop()
        asyncio.set_event_loop(thread_loop)
        thread_loops.append(thread_loop)

    loop.set_default_executor(ThreadPoolExecutor(initializer=give_thread_a_loop))
    loop.set_exception_handler(_quiet_about_the_failure)
    asyncio.set_event_loop(loop)
    return loop, thread_loops


def _quiet_about_the_failure(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """A failed run raises its error; the Outputs that failed with it need not log it once more each."""
    if context.get("message") != "Future exception was never retrieved":
        loop.default_exception_handler(context)


def _close(loop: asyncio.AbstractEventLoop, thread_loops: list[asyncio.AbstractEventLoop]) -> None:
    """Close the run's loops; after a failed run, cancel what the failure left pending first."""
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_default_executor())
    for thread_loop in thread_loops:
        thread_loop.close()
    loop.close()
    asyncio.set_event_loop(None)


def _plain(value: Any) -> Any:
    """Inputs as the program gave them: the engine's protocol carries every number as a float."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
