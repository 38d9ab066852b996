"""The project files agree with each other: requirements, package metadata, Pulumi project, README."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib import resources
from importlib.metadata import version

import yaml

from ack_irsa.stack.config import StackConfig, reference

from .conftest import ROOT


def requirement_ranges(lines: list[str]) -> dict[str, str]:
    ranges = {}
    for line in lines:
        requirement = line.split("#", 1)[0].strip()
        if match := re.match(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*([<>=!~].*)$", requirement):
            ranges[match[1].lower()] = match[2].replace(" ", "")
    return ranges


def test_package_dependencies_use_the_same_ranges_as_requirements() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = pyproject["optional-dependencies"]
    declared = requirement_ranges(pyproject["dependencies"] + extras["verify"] + extras["eks"])
    required = requirement_ranges((ROOT / "requirements.txt").read_text().splitlines())
    assert declared == required
    assert requirement_ranges(extras["eks"]) == {"pulumi-eks": ">=4.0,<5"}  # only the example needs it


def test_the_console_script_is_the_cli() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"ack-irsa": "ack_irsa.commands:main"}


def test_requirements_bound_the_pulumi_majors() -> None:
    required = requirement_ranges((ROOT / "requirements.txt").read_text().splitlines())
    assert required["pulumi"].endswith(",<4")
    assert required["pulumi-aws"] == ">=7.0,<8"
    # create mode never takes over an existing ServiceAccount only since 4.29, when create stopped being an
    # upsert (it fails with AlreadyExists): the bound, and what is installed, must hold that
    assert required["pulumi-kubernetes"] == ">=4.29,<5"
    installed = tuple(int(part) for part in version("pulumi_kubernetes").split(".")[:2])
    assert installed >= (4, 29)
    assert required["pulumi-eks"] == ">=4.0,<5"


def test_pulumi_project_file() -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert project["name"] == "ack-irsa"
    assert project["stackConfigDir"] == "stacks"
    assert project["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": ".venv"}}


def test_declared_project_config_matches_the_schema() -> None:
    declared = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    fields = {field.alias: field for field in StackConfig.model_fields.values()}
    kinds: dict[object, str] = {str: "string", bool: "boolean", int: "integer"}
    for key, declaration in declared.items():
        assert declaration["default"] == fields[key].default, key
        assert declaration["type"] == kinds[fields[key].annotation], key


def test_the_package_ships_its_data_and_type_marker() -> None:
    files = resources.files("ack_irsa")
    for name in ("py.typed", "catalog/upstream.json", "catalog/corrections.json", "review/schemas/charts.json"):
        assert files.joinpath(name).is_file(), name
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert package_data == {
        "ack_irsa": [
            "py.typed",
            "catalog/*.json",
            "review/schemas/*.json",
            "review/schemas/*.md",
            "review/schemas/crds/*.yaml",
            "review/schemas/charts/*.json",
        ]
    }
    # every vendored schema file is matched by one of those patterns
    schemas = ROOT / "ack_irsa" / "review" / "schemas"
    shipped = {p for pattern in package_data["ack_irsa"][2:] for p in (ROOT / "ack_irsa").glob(pattern)}
    assert shipped == {p for p in schemas.rglob("*") if p.is_file()}


def test_readme_config_reference_is_generated_from_the_schema() -> None:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- config-reference:start -->\n", 1)[1].split("<!-- config-reference:end -->", 1)[0]
    assert block == reference(), "run: python scripts/sync_readme.py"


def test_importing_the_package_loads_no_provider_sdk() -> None:
    code = "import sys, ack_irsa; print(sorted(m for m in sys.modules if m.startswith('pulumi')))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert output.stdout.strip() == "[]"


def test_api_reference_is_generated_from_the_source() -> None:
    """The components' arguments, then the testing module's public names, as scripts/sync_readme.py writes them."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import sync_readme

    text = (ROOT / "docs" / "api.md").read_text()
    assert text == sync_readme.api(), "run: python scripts/sync_readme.py"
    from ack_irsa.review import testing

    assert text.count("\n## Testing your own program: `ack_irsa.review.testing`\n") == 1
    assert all(f"### `{name}" in text for name in testing.__all__)


def test_help_shows_every_argument_with_its_documentation() -> None:
    from ack_irsa.components.controller import ControllerIrsaArgs, CrossAccountTargetArgs
    from ack_irsa.components.cross_account import RoleAccountMapArgs, TargetAccountRoleArgs
    from ack_irsa.components.oidc import ClusterOidcProviderArgs

    for cls in (
        ControllerIrsaArgs,
        ClusterOidcProviderArgs,
        CrossAccountTargetArgs,
        TargetAccountRoleArgs,
        RoleAccountMapArgs,
    ):
        doc = cls.__doc__ or ""
        for name in cls.__annotations__:
            assert f"\n{name}: " in doc, (cls.__name__, name)
    assert "max_session_duration: int\n    Maximum session length in seconds, 3600 to 43200. Default 3600.\n" in (
        ControllerIrsaArgs.__doc__ or ""
    )


def locked(path: str) -> dict[str, tuple[str, list[str]]]:
    """Package → (pinned version, its hashes) of a lock file made by `uv pip compile --generate-hashes`."""
    found: dict[str, tuple[str, list[str]]] = {}
    current = None
    for line in (ROOT / path).read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;\\]+)", line):
            current = match[1].lower().replace("_", "-")
            found[current] = (match[2], [])
        elif current and (hashed := re.search(r"--hash=sha256:([0-9a-f]{64})", line)):
            found[current][1].append(hashed[1])
    return found


def test_the_lock_files_pin_every_requirement_within_its_range_with_hashes() -> None:
    from packaging.specifiers import SpecifierSet

    for requirements, lock in (
        ("requirements.txt", "requirements.lock"),
        ("requirements-dev.txt", "requirements-dev.lock"),
    ):
        ranges = requirement_ranges((ROOT / requirements).read_text().splitlines())
        if requirements == "requirements-dev.txt":
            ranges |= requirement_ranges((ROOT / "requirements.txt").read_text().splitlines())
        pinned = locked(lock)
        assert all(hashes for _, hashes in pinned.values()), [p for p, (_, h) in pinned.items() if not h]
        for name, spec in ranges.items():
            key = name.replace("_", "-")
            assert key in pinned, (lock, name)
            assert pinned[key][0] in SpecifierSet(spec), (lock, name, pinned[key][0], spec)
    runtime, dev = locked("requirements.lock"), locked("requirements-dev.lock")
    assert {name: runtime[name][0] for name in runtime} == {name: dev[name][0] for name in runtime}  # one set


def test_make_installs_from_the_lock_files_with_hashes_and_a_pinned_uv() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^UV_VERSION := \d+\.\d+\.\d+$", makefile, re.MULTILINE)
    assert '"uv==$(UV_VERSION)"' in makefile
    assert "--require-hashes -r requirements.lock" in makefile
    assert "--require-hashes -r requirements-dev.lock" in makefile
