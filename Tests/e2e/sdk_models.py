"""Strict checks of wire objects against a provider SDK's pydantic models, for the mocks that validate what
they send (responses_upstream.py, gemini_upstream.py): `extras` finds what a parsed model kept without
declaring it, at every level."""

from __future__ import annotations

import enum
from typing import Any

from pydantic import BaseModel


def extras(value: Any, path: str) -> list[str]:
    """Paths of the fields a validated model kept as extras (names its model does not declare), and of the
    enum values it kept though its enum does not have them (some SDKs' enums take any string, with a
    warning)."""
    if isinstance(value, enum.Enum):
        return [] if value.name in type(value).__members__ else [f"{path}={value.value!r}"]
    if isinstance(value, BaseModel):
        found = [f"{path}.{k}" for k in value.model_extra or {}]
        for name in type(value).model_fields:
            found += extras(getattr(value, name), f"{path}.{name}")
        return found
    if isinstance(value, (list, tuple)):
        return [p for i, v in enumerate(value) for p in extras(v, f"{path}[{i}]")]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in extras(v, f"{path}.{k}")]
    return []
