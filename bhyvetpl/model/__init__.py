"""The typed, validated model of host, jail and guests; no I/O happens here."""

from bhyvetpl.model.guest import DiskSpec, GraphicsSpec, GuestSpec, NicSpec, PassthruSpec
from bhyvetpl.model.jail import JailSpec, RulesetSpec
from bhyvetpl.model.policy import Features

__all__ = [
    "DiskSpec",
    "Features",
    "GraphicsSpec",
    "GuestSpec",
    "JailSpec",
    "NicSpec",
    "PassthruSpec",
    "RulesetSpec",
]
