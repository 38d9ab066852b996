"""ack-irsa: a least-privilege AWS identity (IRSA) for every ACK controller on an EKS cluster.

Public API: :class:`ClusterOidcProvider`, :class:`ControllerIrsa`, for cross-account management
:class:`TargetAccountRole` and :class:`RoleAccountMap`, and for ACK as the managed EKS Capability
:class:`AckCapability` (Pulumi components) with their argument types,
and :mod:`ack_irsa.catalog`. Components are imported on first use, so
``import ack_irsa`` stays cheap and loads no Pulumi provider SDK the caller does not use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ack_irsa.components.capability import (
        AckCapability,
        AckCapabilityArgs,
        CapabilityControllerArgs,
        CapabilityTargetArgs,
    )
    from ack_irsa.components.controller import ControllerIrsa, ControllerIrsaArgs, CrossAccountTargetArgs, InstallArgs
    from ack_irsa.components.cross_account import (
        RoleAccountMap,
        RoleAccountMapArgs,
        TargetAccountRole,
        TargetAccountRoleArgs,
    )
    from ack_irsa.components.oidc import ClusterOidcProvider, ClusterOidcProviderArgs
    from ack_irsa.spec.problems import ArgsError

__all__ = [
    "AckCapability",
    "AckCapabilityArgs",
    "ArgsError",
    "CapabilityControllerArgs",
    "CapabilityTargetArgs",
    "ClusterOidcProvider",
    "ClusterOidcProviderArgs",
    "ControllerIrsa",
    "ControllerIrsaArgs",
    "CrossAccountTargetArgs",
    "InstallArgs",
    "RoleAccountMap",
    "RoleAccountMapArgs",
    "TargetAccountRole",
    "TargetAccountRoleArgs",
]
__version__ = "0.1.0"

_EXPORTS = {
    "AckCapability": "ack_irsa.components.capability",
    "AckCapabilityArgs": "ack_irsa.components.capability",
    "CapabilityControllerArgs": "ack_irsa.components.capability",
    "CapabilityTargetArgs": "ack_irsa.components.capability",
    "ArgsError": "ack_irsa.spec.problems",
    "ClusterOidcProvider": "ack_irsa.components.oidc",
    "ClusterOidcProviderArgs": "ack_irsa.components.oidc",
    "ControllerIrsa": "ack_irsa.components.controller",
    "ControllerIrsaArgs": "ack_irsa.components.controller",
    "InstallArgs": "ack_irsa.components.controller",
    "CrossAccountTargetArgs": "ack_irsa.components.controller",
    "RoleAccountMap": "ack_irsa.components.cross_account",
    "RoleAccountMapArgs": "ack_irsa.components.cross_account",
    "TargetAccountRole": "ack_irsa.components.cross_account",
    "TargetAccountRoleArgs": "ack_irsa.components.cross_account",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'ack_irsa' has no attribute {name!r}")
