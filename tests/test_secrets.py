"""Secret config values stay secret under the real program: masked in every message, and wrapped in
``pulumi.Output.secret`` where they become resource inputs (tags, Helm values, the kubeconfig context).
Values that look like credentials (a kubeconfig, a token) are masked by their shape too."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from ack_irsa.errors import looks_like_credentials, shown
from ack_irsa.review import offline
from ack_irsa.stack import program

from .conftest import ISSUER_URL, run

SECRET = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}
"""How a secret input reaches the engine: its value under this signature."""
BASE = {
    "aws:region": "us-west-2",
    "ack-irsa:clusterName": "dev-eks",
    "ack-irsa:controllers": json.dumps([{"service": "s3", "install": True}]),
}


def with_secret_keys(keys: list[str]) -> Callable[[], None]:
    """The stack program as the engine starts it, with ``keys`` marked secret (``pulumi config set --secret``)."""

    def started() -> None:
        from pulumi.runtime.config import CONFIG

        pulumi.runtime.set_all_config(dict(CONFIG.get()), keys)
        program.main()

    return started


def secret(value: Any) -> bool:
    return isinstance(value, dict) and all(value.get(k) == v for k, v in SECRET.items())


def refusal(config: dict[str, Any], keys: list[str]) -> str:
    errors: list[str] = []

    def started() -> None:
        try:
            with_secret_keys(keys)()
        except pulumi.RunError as error:
            errors.append(str(error))

    result = run(started, config=config, issuers={"dev-eks": ISSUER_URL})
    assert result.resources == [] and len(errors) == 1
    return errors[0]


def test_an_invalid_secret_value_is_not_echoed() -> None:
    config = {**BASE, "ack-irsa:kubeContext": "ctx", "ack-irsa:tags": json.dumps({"owner": "hunter2#token"})}
    message = refusal(config, ["ack-irsa:tags"])
    assert "ack-irsa:tags" in message
    assert "hunter2" not in message
    controllers = json.dumps([{"service": "s3", "roleName": "hunter2 secret role"}])
    message = refusal({**BASE, "ack-irsa:controllers": controllers}, ["ack-irsa:controllers"])
    assert "ack-irsa:controllers[0].roleName" in message
    assert "hunter2" not in message


def test_secret_values_become_secret_inputs() -> None:
    config = {
        **BASE,
        "ack-irsa:tags": json.dumps({"owner": "platform"}),
        "ack-irsa:kubeContext": "arn:aws:eks:us-west-2:111122223333:cluster/dev-eks",
        "ack-irsa:install": json.dumps({"values": {"log": {"level": "debug"}}}),
    }
    keys = ["ack-irsa:tags", "ack-irsa:kubeContext", "ack-irsa:install"]
    result = run(with_secret_keys(keys), config=config, issuers={"dev-eks": ISSUER_URL})
    assert secret(result.named("s3-role").inputs["tags"])
    assert secret(result.named("cluster-provider").inputs["tags"])
    assert secret(result.named("kubernetes").inputs["context"])
    assert secret(result.named("s3-release").inputs["values"])
    plain = run(program.main, config=config, issuers={"dev-eks": ISSUER_URL})
    assert plain.named("s3-role").inputs["tags"] == {"owner": "platform"}
    assert plain.named("kubernetes").inputs["context"] == config["ack-irsa:kubeContext"]
    assert not secret(plain.named("s3-release").inputs["values"])


def test_secret_inputs_are_redacted_in_the_plan() -> None:
    from ack_irsa.review.plan import REDACTED, plan_of

    config = {**BASE, "ack-irsa:tags": json.dumps({"owner": "platform"})}
    facts = offline.Facts(account_id="111122223333", region="us-west-2", issuer_urls={"dev-eks": ISSUER_URL})
    result = offline.run(with_secret_keys(["ack-irsa:tags"]), offline.OfflineMocks(facts), config)
    planned = {r.name: r.inputs for r in plan_of("dev", result).resources}
    assert planned["s3-role"]["tags"] == {"owner": REDACTED}


KUBECONFIG = "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: abc\n"
TOKEN = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9.eyJpc3MiOiJrdWJlcm5ldGVzIn0.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    "value",
    [
        KUBECONFIG,
        json.dumps({"apiVersion": "v1", "clusters": [], "users": [{"name": "u", "user": {"token": "abc"}}]}),
        TOKEN,
        "k8s-aws-v1.aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8_QWN0aW9uPUdldENhbGxlcklkZW50aXR5",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----",
        "AKIAIOSFODNN7EXAMPLE",
        {"nested": [TOKEN]},
    ],
)
def test_credentials_are_recognised_by_their_shape(value: Any) -> None:
    assert looks_like_credentials(value)
    assert shown(value).endswith("(not shown: it looks like a credential)")


@pytest.mark.parametrize(
    "value", ["arn:aws:eks:us-west-2:111122223333:cluster/dev", "dev-context", "ack-system", {"owner": "platform"}]
)
def test_ordinary_values_are_shown(value: Any) -> None:
    assert not looks_like_credentials(value)
    assert shown(value) == repr(value)


def test_a_kubeconfig_pasted_into_kube_context_is_never_printed(tmp_path: Any, capsys: Any) -> None:
    from ack_irsa.commands import main as cli

    from .conftest import ROOT

    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(
        "config:\n  aws:region: us-west-2\n  ack-irsa:clusterName: dev\n"
        f"  ack-irsa:kubeContext: {json.dumps(KUBECONFIG)}\n  ack-irsa:controllers: [{{service: s3}}]\n"
    )
    for arguments in (["render"], ["render", "--format", "json"], ["up", "--offline"]):
        flags = ["--config-file", str(path)] if arguments[0] == "render" else ["--stack", "dev"]
        if arguments[0] == "up":
            (tmp_path / "stacks").mkdir(exist_ok=True)
            (tmp_path / "stacks" / "Pulumi.dev.yaml").write_text(path.read_text())
            (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
        cli([*arguments, *flags, "--project-dir", str(tmp_path if arguments[0] == "up" else ROOT)])
        captured = capsys.readouterr()
        assert "token: abc" not in captured.out + captured.err, arguments
    base = tmp_path / "base.yaml"
    base.write_text(path.read_text().replace(json.dumps(KUBECONFIG), "other"))
    cli(["diff", "--base-file", str(base), "--head-file", str(path), "--project-dir", str(ROOT)])
    captured = capsys.readouterr()
    assert "token: abc" not in captured.out + captured.err
