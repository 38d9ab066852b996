"""Read a Pulumi project and stack file into the config map Pulumi would hand the program.

Offline counterpart of what the Pulumi CLI does before running a program: project-level defaults
from ``Pulumi.yaml``, overridden by the stack file's ``config:``; keys without a namespace belong
to the project. Encrypted values cannot be read without the stack's secrets provider: they become
``<secret>`` and are listed in :attr:`StackFile.secret_keys`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SECRET_PLACEHOLDER = "<secret>"


@dataclass(frozen=True)
class StackFile:
    project: str
    config: dict[str, Any]
    """Namespaced keys (``ack-irsa:clusterName``, ``aws:region``) to plain values."""
    secret_keys: tuple[str, ...]


def read_project(project_dir: Path) -> dict[str, Any]:
    path = project_dir / "Pulumi.yaml"
    return parse_project(path.read_text() if path.is_file() else "", str(path))


def parse_project(text: str, where: str = "Pulumi.yaml") -> dict[str, Any]:
    project = yaml.safe_load(text)
    if not isinstance(project, dict) or "name" not in project:
        raise ValueError(f"{where}: not a Pulumi project file (it needs at least a name)")
    return project


def stack_path(project_dir: Path, stack: str) -> Path:
    project = read_project(project_dir)
    return project_dir / project.get("stackConfigDir", ".") / f"Pulumi.{stack}.yaml"


def load(project_dir: Path, stack_file: Path) -> StackFile:
    """The config of ``stack_file`` as the program of the project in ``project_dir`` would see it."""
    if not stack_file.is_file():
        raise ValueError(f"{stack_file}: no such stack file")
    return config_of(read_project(project_dir), stack_file.read_text(), str(stack_file))


def config_of(project: dict[str, Any], stack_text: str, where: str) -> StackFile:
    """Project-level defaults, overridden by the stack file's ``config:``."""
    name = project["name"]
    config: dict[str, Any] = {}
    for key, declaration in (project.get("config") or {}).items():
        value = declaration.get("default", declaration.get("value")) if isinstance(declaration, dict) else declaration
        if value is not None:
            config[_namespaced(name, key)] = value
    document = yaml.safe_load(stack_text) or {}
    if not isinstance(document, dict) or not isinstance(document.get("config", {}), dict):
        raise ValueError(f"{where}: expected a mapping with a 'config:' mapping")
    secrets = []
    for key, value in (document.get("config") or {}).items():
        full_key = _namespaced(name, key)
        encrypted = isinstance(value, dict) and set(value) == {"secure"}
        config[full_key] = SECRET_PLACEHOLDER if encrypted else value
        if encrypted:
            secrets.append(full_key)
    return StackFile(project=name, config=config, secret_keys=tuple(secrets))


def _namespaced(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"
