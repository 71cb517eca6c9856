"""The architecture record shared by both space families."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any


def arch_hash(canonical: str) -> str:
    """Return the stable short hash of a canonical architecture string: sha1, first 12 hex digits."""
    return hashlib.sha1(canonical.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Architecture:
    """One architecture of a search space, as plain data.

    Two architectures with different `choices` share `canonical` and `hash` when they compute the
    same function family (for cells: see `nasdiag.space.cell`); equality compares the choices.
    """

    family: str  # "cell" or "chain"
    # cell: the 6 edge ops in NB201 string order; chain: one (depth, width, ops) per stage.
    choices: tuple[Any, ...]
    canonical: str  # isomorphism-invariant string, parseable by the space that made it
    ops_used: tuple[str, ...]  # sorted names of the ops the canonical form uses, without "none"

    @property
    def hash(self) -> str:
        """Stable short hex key of the canonical string (sha1, 12 hex digits)."""
        return arch_hash(self.canonical)

    def to_dict(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "canonical": self.canonical,
            "hash": self.hash,
            "ops_used": list(self.ops_used),
            "choices": _listify(self.choices),
        }


def _listify(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_listify(item) for item in value]
    return value
