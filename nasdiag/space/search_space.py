"""`SearchSpace`: the one object the rest of nasdiag uses to talk about a space."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from nasdiag.space.architecture import Architecture
from nasdiag.space.cell import CellFamily, parse_cell
from nasdiag.space.chain import ChainFamily, parse_chain
from nasdiag.space.errors import ArchitectureParseError, OutOfSpaceError, SpaceValidationError
from nasdiag.space.receptive_field import cell_network_receptive_field, chain_receptive_field
from nasdiag.space.spec import CellSpec, ChainSpec, validate_spec

# Fields that document a space without changing which architectures it contains or how they are
# built; the space hash ignores them.
_DOC_FIELDS = ("name", "description")


class SearchSpace:
    """A validated search space of the cell or chain family.

    Build one with `SearchSpace.from_dict`, `SearchSpace.from_yaml` or `load_space`. The object is
    immutable apart from an internal cache of canonical cell forms.
    """

    def __init__(self, spec: Mapping[str, Any]) -> None:
        typed, normalised = validate_spec(spec)
        self._typed: CellSpec | ChainSpec = typed
        self._spec = normalised
        self._family: CellFamily | ChainFamily
        if isinstance(typed, CellSpec):
            self._family = CellFamily(typed, typed.name)
        else:
            self._family = ChainFamily(typed, typed.name)

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> SearchSpace:
        return cls(spec)

    @classmethod
    def from_yaml(cls, text: str) -> SearchSpace:
        """Parse YAML text (safe loader) into a space.

        Raises:
            SpaceValidationError: the YAML is malformed or the spec is invalid.
        """
        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise SpaceValidationError("<yaml>", None, "valid YAML", f"invalid YAML: {error}") from error
        return cls(raw)

    # --- Description -----------------------------------------------------------------------

    @property
    def family(self) -> str:
        return self._spec["family"]

    @property
    def name(self) -> str:
        return self._spec["name"]

    @property
    def typed_spec(self) -> CellSpec | ChainSpec:
        """The validated spec as a frozen dataclass (what the model builder reads)."""
        return self._typed

    @property
    def spec(self) -> dict[str, Any]:
        """The validated spec with defaults filled in, including schema_version (a copy)."""
        return copy.deepcopy(self._spec)

    @property
    def dims(self) -> int:
        return self._spec["dims"]

    @property
    def hash(self) -> str:
        """Stable hash of the spec without its name and description (sha1, 12 hex digits)."""
        content = {key: value for key, value in self._spec.items() if key not in _DOC_FIELDS}
        text = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]

    @property
    def ops(self) -> tuple[str, ...]:
        """Every op name the space can use, in order of first appearance in the spec."""
        if isinstance(self._typed, CellSpec):
            groups = self._typed.edge_ops
        else:
            groups = tuple(stage.ops for stage in self._typed.stages)
        return tuple(dict.fromkeys(op for group in groups for op in group))

    def to_yaml(self) -> str:
        return yaml.safe_dump(self._spec, sort_keys=False)

    def __repr__(self) -> str:
        return f"SearchSpace(name={self.name!r}, family={self.family!r}, hash={self.hash!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SearchSpace) and self._spec == other._spec

    def __hash__(self) -> int:
        return hash(self.hash)

    # --- Counting, sampling, enumeration ---------------------------------------------------

    def cardinality(self) -> int:
        """Exact number of choice combinations (a Python int, possibly huge)."""
        return self._family.cardinality()

    def distinct_cardinality(self) -> int:
        """Number of distinct canonical architectures.

        Cells: the number of unique-topology classes (6,466 for the 15,625 NB201 cells), counted by
        enumeration, so spaces of more than 3,000,000 cells raise ValueError. Chains: equal to
        `cardinality()`.
        """
        if isinstance(self._family, CellFamily):
            return self._family.distinct_cardinality()
        return self._family.cardinality()

    def sample(self, rng: np.random.Generator) -> Architecture:
        """Draw one architecture uniformly over the choice combinations of the space."""
        return self._family.sample(rng)

    def mutate(self, arch: Architecture, rng: np.random.Generator) -> Architecture:
        """Change exactly one choice of `arch` (see the family's `mutate` for the distribution).

        For cells the changed edge is drawn among those whose change alters the canonical form,
        so the result is always a different architecture.

        Raises:
            OutOfSpaceError: `arch` is not a member of this space.
        """
        self._check_family(arch)
        return self._family.mutate(arch, rng)

    def enumerate(self, limit: int | None = None) -> Iterator[Architecture]:
        """Yield every choice combination (isomorphic cells included) in a fixed order.

        Raises:
            ValueError: `limit` is given and the cardinality exceeds it.
        """
        cardinality = self.cardinality()
        if limit is not None and cardinality > limit:
            raise ValueError(
                f"search space {self.name!r} has {cardinality:,} architectures, more than limit={limit:,}; "
                "raise the limit or sample instead"
            )
        return self._family.enumerate()

    # --- Strings and membership ------------------------------------------------------------

    def parse(self, text: str) -> Architecture:
        """Read a canonical string (for cells also any NAS-Bench-201 string) into an architecture.

        Raises:
            ArchitectureParseError: the string is malformed for this family.
            OutOfSpaceError: the string is well formed but uses a choice the space lacks.
        """
        return self._family.parse(text)

    def contains(self, arch: Architecture | str) -> bool:
        """Return whether the architecture is a member. A malformed string raises ArchitectureParseError."""
        return self.distance(arch) == 0

    def distance(self, arch: Architecture | str) -> int:
        """Number of choices to change so that `arch` becomes a member (0 for a member).

        Cells: the number of edges whose op the space does not offer on that edge (``conv_KxK``
        and ``nor_conv_KxK`` count as the same op). Chains: see `ChainFamily.distance`.

        Raises:
            ArchitectureParseError: a string is malformed, or the architecture is of the other family.
        """
        if isinstance(arch, Architecture):
            self._check_family(arch, raise_as=ArchitectureParseError)
            choices = arch.choices
        elif self.family == "cell":
            choices = parse_cell(arch)
        else:
            choices = parse_chain(arch)
        return self._family.distance(choices)

    def receptive_field(self, arch: Architecture, input_size: int) -> int:
        """Analytic receptive field of the built network, in input pixels (1D: samples).

        `input_size` (the input's side or length) is checked but does not cap the result; compare
        the two to see whether the network can see its whole input. A cell network whose cells
        cut the output off from the input returns 0.

        Raises:
            ValueError: `input_size` is not a positive integer.
            OutOfSpaceError: `arch` is not a member of this space.
        """
        if isinstance(input_size, bool) or not isinstance(input_size, int) or input_size < 1:
            raise ValueError(f"input_size must be a positive integer (pixels or samples), got {input_size!r}")
        self._check_family(arch)
        if isinstance(self._family, CellFamily):
            member = self._family.make(self._family.check_member(arch.choices))
            return cell_network_receptive_field(self._family.spec, self._family.growth(member))
        stages = self._family.check_member(arch.choices)
        return chain_receptive_field(self._family.spec, stages)

    def _check_family(self, arch: Architecture, raise_as: type[ValueError] = OutOfSpaceError) -> None:
        if not isinstance(arch, Architecture):
            raise TypeError(f"expected an Architecture, got {type(arch).__name__}; parse strings with space.parse()")
        if arch.family != self.family:
            if raise_as is OutOfSpaceError:
                raise OutOfSpaceError("family", arch.family, [self.family], self.name)
            raise raise_as(f"architecture family {arch.family!r} does not match search space {self.name!r} ({self.family})")


def load_space(path: str | Path) -> SearchSpace:
    """Read a search-space YAML file.

    Raises:
        FileNotFoundError: the file does not exist.
        SpaceValidationError: the YAML or the spec is invalid.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"search space file not found: {path}")
    return SearchSpace.from_yaml(path.read_text(encoding="utf-8"))
