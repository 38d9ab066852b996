"""``python -m ack_irsa up``: the main job. ``pulumi up`` where it can run, the offline plan where not.

``pulumi up`` needs the Pulumi CLI, a logged-in backend, AWS credentials and, for a stack that touches
the cluster, a kubeconfig and context that reach it. Without any of them the command lists every one
that is missing and prints the offline plan of the stack instead, changing nothing. ``pulumi up``
itself shows the preview and asks before it changes anything. The stack file must exist: a misspelt
stack name never creates a new, empty stack.

A run that falls back to the plan deploys nothing, and says so last. In CI (``CI=true``) or with
``--require-deploy`` it also exits :data:`NOT_DEPLOYED`, so a deploy job whose credentials expired fails
instead of going green; ``--offline`` asks for the plan and exits 0 anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from ack_irsa.commands import render

CLUSTER_TIMEOUT_SECONDS = 5
NOT_DEPLOYED = 75
"""Exit code of a run that meant to deploy (in CI, or with ``--require-deploy``) and printed the plan instead:
sysexits' EX_TEMPFAIL (retry once the prerequisites are there), clear of pulumi's own 1 and 255."""
EXIT_CODES = """exit codes:
  0  pulumi up succeeded; or the offline plan was printed (asked with --offline, or at a terminal)
  1  bad input (the stack file, the flags), nothing changed
  2  a usage error
  75 pulumi up could not run and nothing was deployed, in CI (CI=true) or with --require-deploy
  N  pulumi's own exit code when pulumi up ran and failed"""
EXAMPLES = """examples:
  ack-irsa up --stack dev                      # pulumi up, or the offline plan where it cannot run
  CI=true ack-irsa up --stack prod             # a deploy job: exits 75 if nothing could be deployed
  ack-irsa up --stack dev --offline --format json"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", required=True, help="stack name (stacks/Pulumi.<stack>.yaml)")
    parser.add_argument("--offline", action="store_true", help="print the offline plan even where pulumi up can run")
    parser.add_argument("--format", choices=render.FORMATS, default="markdown", help="format of the offline plan")
    parser.add_argument(
        "--require-deploy",
        action="store_true",
        help=f"exit {NOT_DEPLOYED} when pulumi up cannot run (the default in CI, where CI=true)",
    )
    render.add_fact_arguments(parser)


def run(args: argparse.Namespace) -> int:
    args.config_file = None
    stack, stack_file = render.load_stack(args)  # the stack file must exist, and read cleanly
    missing = ["--offline was given"] if args.offline else missing_prerequisites(args, stack_file.config)
    if not missing:
        pulumi = ["pulumi", "--cwd", str(args.project_dir)]
        select = subprocess.run([*pulumi, "stack", "select", "--create", stack], check=False)
        if select.returncode != 0:
            return select.returncode
        if (order := handover_order(pulumi, stack, stack_file.config)) is not None:
            print(f"Not running pulumi up: ack-irsa:capability.handover: {order}", file=sys.stderr)
            return 1
        # --refresh: read the account first, so a policy attached to a controller role by hand is seen and
        # removed (the roles claim their policy sets exclusively)
        return subprocess.run([*pulumi, "up", "--refresh", "--stack", stack], check=False).returncode
    reasons = "".join(f"\n  - {reason}" for reason in missing)
    print(f"Not running pulumi up:{reasons}\nThe offline plan of stack {stack!r} follows.", file=sys.stderr)
    code = render.run(args)
    if args.offline:
        return code
    sys.stdout.flush()  # the plan first: the verdict is the last thing a reader (or a CI log) sees
    required = args.require_deploy or in_ci()
    why = "--require-deploy was given" if args.require_deploy else "CI=true" if required else ""
    print(
        f"Nothing was deployed to stack {stack!r}: pulumi up did not run (the reasons are above the plan)."
        + (f" Exit {NOT_DEPLOYED}: {why}." if required else ""),
        file=sys.stderr,
    )
    return NOT_DEPLOYED if required else code


def handover_order(pulumi: list[str], stack: str, config: dict[str, Any]) -> str | None:
    """Why deploying this stack file would take the move from Helm to the capability out of order, judged
    against the step the stack was last deployed at (its outputs); None when it would not, or for a stack never
    deployed. Nothing is created before this is known."""
    from ack_irsa.stack import handover

    shown = subprocess.run([*pulumi, "stack", "output", "--json", "--stack", stack], capture_output=True, check=False)
    try:
        outputs = json.loads(shown.stdout) if shown.returncode == 0 else {}
    except ValueError:
        outputs = {}
    before = handover.state_of_outputs(outputs) if isinstance(outputs, dict) else None
    return handover.transition_problem(before, handover.state_of_config(config))


def in_ci() -> bool:
    """Whether this runs in a CI job: GitHub Actions, GitLab CI, CircleCI, Travis and Buildkite set ``CI``."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def missing_prerequisites(args: argparse.Namespace, config: dict[str, Any]) -> list[str]:
    """Everything that keeps ``pulumi up`` from running here; empty when everything is in place."""
    missing = []
    if shutil.which("pulumi") is None:
        missing.append("no Pulumi CLI on PATH (https://www.pulumi.com/docs/install/)")
    else:
        whoami = subprocess.run(["pulumi", "--cwd", str(args.project_dir), "whoami"], capture_output=True, check=False)
        if whoami.returncode != 0:
            missing.append("the Pulumi CLI is not logged in to a backend (pulumi login, or pulumi login --local)")
    import botocore.session

    if botocore.session.get_session().get_credentials() is None:
        missing.append("no AWS credentials (aws configure, aws sso login, or AWS_PROFILE)")
    if (cluster := cluster_unreachable(config)) is not None:
        missing.append(cluster)
    return missing


def cluster_unreachable(config: dict[str, Any]) -> str | None:
    """Why the kubeconfig and context the stack uses do not reach its cluster; None when they do, or when
    the stack does not touch the cluster.

    The kubeconfig is read as data only. Nothing in it is run or sent: no ``exec`` plugin, no
    ``auth-provider``, no token or client certificate. The check asks the API server for ``/version``
    without credentials (EKS lets anyone read it), so a stack file in a pull request can make the runner
    neither run a command nor hand a credential to a server it names. Never quotes the kubeconfig."""
    from ack_irsa.stack import kubeconfig
    from ack_irsa.stack.config import ConfigError, parse
    from ack_irsa.stack.stackfile import SECRET_PLACEHOLDER

    try:
        stack = parse(config)
    except ConfigError:
        return None  # the offline plan reports every problem
    if stack.capability is not None:
        touches = stack.capability.permissions == "selectors"  # the IAMRoleSelectors
    else:
        touches = any(c.service_account_mode != "none" for c in stack.controllers)
    if not touches or stack.kubeconfig == SECRET_PLACEHOLDER:
        return None  # nothing on the cluster, or a kubeconfig only pulumi can decrypt
    where = "the stack's kubeconfig" if stack.kubeconfig else "the ambient kubeconfig ($KUBECONFIG or ~/.kube/config)"
    context = f" with context {stack.kube_context!r}" if stack.kube_context else ""
    path = stack.kubeconfig is not None and kubeconfig.is_path(stack.kubeconfig)
    if path and (problems := kubeconfig.file_problems(str(stack.kubeconfig), stack.kube_context)):
        return f"the stack's kubeconfig {'; '.join(problems)}"
    try:
        cluster = _cluster_of(stack.kubeconfig, stack.kube_context)
    except ValueError as error:
        return f"{where}{context} is not usable ({error})"
    try:
        _ask_version(cluster)
    except Exception as error:  # connection refused, timeout, TLS: all mean "does not reach it"
        return f"{where}{context} does not reach the cluster ({type(error).__name__})"
    return None


def _kubeconfig_documents(kubeconfig: str | None) -> list[Any]:
    """The kubeconfig's documents as data: the stack's (a path, or the contents as YAML or JSON), else every
    file of ``$KUBECONFIG`` (or ``~/.kube/config``). Read with the safe YAML loader; nothing is evaluated."""
    import yaml

    if kubeconfig is not None and ("\n" in kubeconfig or kubeconfig.lstrip().startswith("{")):
        texts = [kubeconfig]
    else:
        ambient = os.environ.get("KUBECONFIG") or str(Path("~/.kube/config").expanduser())
        paths = [kubeconfig] if kubeconfig is not None else [p for p in ambient.split(os.pathsep) if p]
        texts = []
        for path in paths:
            try:
                texts.append(Path(path).expanduser().read_text(encoding="utf-8"))
            except OSError:
                continue
        if not texts:
            raise ValueError("no such file")
    try:
        return [yaml.safe_load(text) for text in texts]
    except yaml.YAMLError:
        raise ValueError("not YAML") from None


def _cluster_of(kubeconfig: str | None, context: str | None) -> dict[str, Any]:
    """The ``cluster`` entry of the context (the given one, else the current one): its server and CA only."""
    documents = [d for d in _kubeconfig_documents(kubeconfig) if isinstance(d, dict)]

    def named(kind: str, name: Any) -> dict[str, Any] | None:
        for document in documents:
            for entry in document.get(kind) or []:
                if isinstance(entry, dict) and entry.get("name") == name:
                    found = entry.get(kind[:-1])
                    return found if isinstance(found, dict) else None
        return None

    chosen = context or next((d["current-context"] for d in documents if d.get("current-context")), None)
    if not chosen:
        raise ValueError("no current context")
    found = named("contexts", chosen)
    if found is None:
        raise ValueError("no such context")
    cluster = named("clusters", found.get("cluster"))
    if cluster is None or not isinstance(cluster.get("server"), str):
        raise ValueError("the context's cluster has no server")
    return cluster


def _ask_version(cluster: dict[str, Any]) -> None:
    """GET /version from the cluster's server, without credentials; any HTTP answer means it is reached."""
    import base64
    import ssl

    import urllib3

    tls: dict[str, Any] = {}
    if cluster.get("insecure-skip-tls-verify") is True:
        tls["cert_reqs"] = ssl.CERT_NONE
    elif isinstance(data := cluster.get("certificate-authority-data"), str):
        tls["ca_certs"] = None
        tls["ca_cert_data"] = base64.b64decode(data).decode("ascii", "replace")
    elif isinstance(path := cluster.get("certificate-authority"), str):
        tls["ca_certs"] = path
    pool = urllib3.PoolManager(timeout=CLUSTER_TIMEOUT_SECONDS, retries=urllib3.Retry(0, redirect=False), **tls)
    pool.request("GET", cluster["server"].rstrip("/") + "/version/")
