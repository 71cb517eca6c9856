"""Errors raised by search-space specs and architecture strings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class SpaceValidationError(ValueError):
    """A search-space spec is invalid.

    Attributes:
        field: path of the offending field, for example ``stages[1].ops[2]``.
        value: the offending value.
        allowed: the allowed values or the rule, as text.
    """

    def __init__(self, field: str, value: Any, allowed: str | Iterable[Any], problem: str) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed if isinstance(allowed, str) else ", ".join(str(a) for a in allowed)
        super().__init__(f"{field}: {problem}; allowed: {self.allowed}")


class ArchitectureParseError(ValueError):
    """An architecture string is malformed (not a cell or chain string at all)."""


class OutOfSpaceError(ValueError):
    """A well-formed architecture uses a choice that the search space does not offer.

    Attributes:
        field: the choice, for example ``edge 2<-1`` or ``stages[0].depth``.
        value: the offending value.
        allowed: the allowed values, as text.
    """

    def __init__(self, field: str, value: Any, allowed: str | Iterable[Any], space_name: str) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed if isinstance(allowed, str) else ", ".join(str(a) for a in allowed)
        super().__init__(
            f"{field}: {value!r} is not in search space {space_name!r}; allowed: {self.allowed}"
        )
