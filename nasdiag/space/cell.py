"""The cell family: NAS-Bench-201 cell strings, the unique-topology rule and the cell space.

A cell is a DAG of 4 nodes (0 = input, 3 = output) with one op on each of its 6 edges
(1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2); each node sums its incoming edges. Its string is the
NAS-Bench-201 form ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``.

Which cells count as the same architecture follows the rule NAS-Bench-201 and NATS-Bench use
to report 6,466 unique topologies among the 15,625 cells (`CellStructure.to_unique_str` with
``consider_zero=True`` in their API). Each node is written as an expression of the input:

- a ``none`` edge, or any edge that leaves a node whose expression is exactly zero, is zero;
- a ``skip_connect`` edge passes its source expression through unchanged;
- any other op wraps its source: ``(source)@op``;
- a node is the sorted ``+`` join of its incoming terms, zero terms included.

Two cells are the same architecture when node 3 has the same expression. That merges cells
that differ in a dead edge out of node 1, and cells that become equal after replacing a
skip-connected node by its source (a node-1/node-2 swap behind a skip, for example). It keeps
zero terms in sums, so a node whose two inputs are both zero is not itself zero, and a
plain relabelling of nodes 1 and 2 stays distinct (node 2 always has one more term). We keep
these quirks because matching the published count lets imported NAS-Bench-201 results join
ours; a pure graph-isomorphism rule with dead-edge pruning gives 8,765 classes instead.

The canonical string of a class is its member with the fewest non-``none`` edges, ties broken
by the lexicographically smallest NB201 string, searched among the cells of the space.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator, Sequence

import numpy as np

from nasdiag.space.architecture import Architecture
from nasdiag.space.errors import ArchitectureParseError, OutOfSpaceError
from nasdiag.space.operations import OPERATIONS
from nasdiag.space.spec import CELL_EDGE_KEYS, CELL_EDGES, CellSpec

logger = logging.getLogger(__name__)

_ZERO = "#"
_INPUT = "0"
# Spaces up to this many cells get a full key -> canonical table on first use (about 60 ms for
# the 15,625 NB201 cells); larger spaces search each class on demand instead.
_TABLE_LIMIT = 250_000
# distinct_cardinality() enumerates every cell; above this it would take minutes.
_COUNT_LIMIT = 3_000_000


def format_cell(ops: Sequence[str]) -> str:
    """Write 6 edge ops (CELL_EDGES order) as the NAS-Bench-201 string."""
    e10, e20, e21, e30, e31, e32 = ops
    return f"|{e10}~0|+|{e20}~0|{e21}~1|+|{e30}~0|{e31}~1|{e32}~2|"


def parse_cell(text: str) -> tuple[str, ...]:
    """Read a NAS-Bench-201 cell string into 6 edge ops in CELL_EDGES order.

    Raises:
        ArchitectureParseError: the text is not of the form ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``.
    """
    if not isinstance(text, str):
        raise ArchitectureParseError(f"expected a cell string, got {type(text).__name__}")
    nodes = text.strip().split("+")
    if len(nodes) != 3:
        raise ArchitectureParseError(
            f"invalid cell string {text!r}: expected 3 node groups joined by '+', "
            "like |nor_conv_3x3~0|+|none~0|skip_connect~1|+|nor_conv_1x1~0|none~1|avg_pool_3x3~2|"
        )
    ops: list[str] = []
    for node_index, group in enumerate(nodes, start=1):
        if not (group.startswith("|") and group.endswith("|")):
            raise ArchitectureParseError(f"invalid cell string {text!r}: node {node_index} group {group!r} must start and end with '|'")
        edges = group[1:-1].split("|")
        if len(edges) != node_index:
            raise ArchitectureParseError(f"invalid cell string {text!r}: node {node_index} needs {node_index} edges, got {len(edges)}")
        for source, edge in enumerate(edges):
            op, sep, index = edge.rpartition("~")
            if not sep or not op or index != str(source):
                raise ArchitectureParseError(f"invalid cell string {text!r}: edge {edge!r} must read 'op~{source}'")
            ops.append(op)
    return tuple(ops)


def unique_key(ops: Sequence[str]) -> str:
    """Return the expression of node 3 under the NAS-Bench-201 unique-topology rule (module doc)."""
    e10, e20, e21, e30, e31, e32 = ops
    x1 = _term(e10, _INPUT)
    x2 = _sum((_term(e20, _INPUT), _term(e21, x1)))
    return _sum((_term(e30, _INPUT), _term(e31, x1), _term(e32, x2)))


def _term(op: str, source: str) -> str:
    if op == "none" or source == _ZERO:
        return _ZERO
    if op == "skip_connect":
        return source
    return f"({source})@{op}"


def _sum(terms: Sequence[str]) -> str:
    return "+".join(sorted(terms))


def _aligned(term: str, key: str) -> bool:
    """Whether `term` can be one summand of `key` (it sits between '+' boundaries)."""
    return key == term or key.startswith(term + "+") or key.endswith("+" + term) or f"+{term}+" in key


def _order(ops: Sequence[str]) -> tuple[int, str]:
    return (sum(op != "none" for op in ops), format_cell(ops))


def reachable_nodes(ops: Sequence[str]) -> set[int]:
    """Nodes that depend on the input through non-``none`` edges (node 0 always)."""
    reached = {0}
    for (target, source), op in zip(CELL_EDGES, ops, strict=True):
        if op != "none" and source in reached:
            reached.add(target)
    return reached


def cell_growth(ops: Sequence[str]) -> int | None:
    """Receptive-field growth of one cell in feature-map pixels, or None for a zero cell.

    Node r = max over incoming non-``none`` edges from input-dependent nodes of
    r(source) + rf_kernel(op) - 1; the cell's growth is r(node 3) with r(node 0) = 0.
    """
    growth: dict[int, int] = {0: 0}
    for (target, source), op in zip(CELL_EDGES, ops, strict=True):
        if op == "none" or source not in growth:
            continue
        candidate = growth[source] + OPERATIONS[op].rf_kernel - 1
        growth[target] = max(growth.get(target, candidate), candidate)
    return growth.get(3)


class CellFamily:
    """Sampling, mutation, enumeration and canonical forms for one cell spec."""

    def __init__(self, spec: CellSpec, space_name: str) -> None:
        self.spec = spec
        self.space_name = space_name
        self.edge_ops = spec.edge_ops
        self._canonical: dict[str, tuple[str, ...]] = {}  # unique key -> canonical edge ops
        self._table_complete = False

    def cardinality(self) -> int:
        return int(np.prod([len(ops) for ops in self.edge_ops], dtype=object))

    def distinct_cardinality(self) -> int:
        if not self._table_complete:
            if self.cardinality() > _COUNT_LIMIT:
                raise ValueError(
                    f"cannot count distinct cells of {self.space_name!r}: {self.cardinality():,} cells "
                    f"exceed the enumeration limit of {_COUNT_LIMIT:,}; use cardinality() as an upper bound"
                )
            self._build_table()
        return len(self._canonical)

    def make(self, ops: tuple[str, ...]) -> Architecture:
        canonical_ops = self.canonical_ops(ops)
        return Architecture(
            family="cell",
            choices=ops,
            canonical=format_cell(canonical_ops),
            ops_used=tuple(sorted({op for op in canonical_ops if op != "none"})),
        )

    def canonical_ops(self, ops: Sequence[str]) -> tuple[str, ...]:
        """Return the canonical member of the class of `ops` (a cell of this space)."""
        key = unique_key(ops)
        found = self._canonical.get(key)
        if found is not None:
            return found
        if not self._table_complete and self.cardinality() <= _TABLE_LIMIT:
            self._build_table()
            return self._canonical[key]
        found = self._search_class(key)
        self._canonical[key] = found
        return found

    def _build_table(self) -> None:
        """Map every unique key of the space to its canonical member in one pass."""
        best: dict[str, tuple[tuple[int, str], tuple[str, ...]]] = {}
        a10, a20, a21, a30, a31, a32 = self.edge_ops
        terms30 = [(op, _term(op, _INPUT)) for op in a30]
        for e10 in a10:
            x1 = _term(e10, _INPUT)
            terms31 = [(op, _term(op, x1)) for op in a31]
            for e20, e21 in itertools.product(a20, a21):
                x2 = _sum((_term(e20, _INPUT), _term(e21, x1)))
                terms32 = [(op, _term(op, x2)) for op in a32]
                for (o30, t30), (o31, t31), (o32, t32) in itertools.product(terms30, terms31, terms32):
                    key = _sum((t30, t31, t32))
                    ops = (e10, e20, e21, o30, o31, o32)
                    current = best.get(key)
                    if current is None:
                        best[key] = (_order(ops), ops)
                        continue
                    order = _order(ops)
                    if order < current[0]:
                        best[key] = (order, ops)
        self._canonical = {key: ops for key, (_, ops) in best.items()}
        self._table_complete = True
        logger.debug("cell space %s: %d cells, %d distinct", self.space_name, self.cardinality(), len(best))

    def _search_class(self, key: str) -> tuple[str, ...]:
        """Find the canonical member of one class without enumerating the whole space."""
        a10, a20, a21, a30, a31, a32 = self.edge_ops
        options30 = [(op, t) for op in a30 if _aligned(t := _term(op, _INPUT), key)]
        best: tuple[tuple[int, str], tuple[str, ...]] | None = None
        for e10 in a10:
            x1 = _term(e10, _INPUT)
            options31 = [(op, t) for op in a31 if _aligned(t := _term(op, x1), key)]
            for e20, e21 in itertools.product(a20, a21):
                x2 = _sum((_term(e20, _INPUT), _term(e21, x1)))
                options32 = [(op, t) for op in a32 if _aligned(t := _term(op, x2), key)]
                for (o30, t30), (o31, t31), (o32, t32) in itertools.product(options30, options31, options32):
                    if _sum((t30, t31, t32)) != key:
                        continue
                    ops = (e10, e20, e21, o30, o31, o32)
                    order = _order(ops)
                    if best is None or order < best[0]:
                        best = (order, ops)
        if best is None:  # unreachable for a key computed from a cell of this space
            raise ValueError(f"no cell of {self.space_name!r} has unique key {key!r}")
        return best[1]

    def sample(self, rng: np.random.Generator) -> Architecture:
        ops = tuple(str(allowed[int(rng.integers(len(allowed)))]) for allowed in self.edge_ops)
        return self.make(ops)

    def mutate(self, arch: Architecture, rng: np.random.Generator) -> Architecture:
        """Change one edge op so that the canonical form changes; uniform over such changes."""
        ops = self.check_member(arch.choices)
        candidates = []
        for index, allowed in enumerate(self.edge_ops):
            for op in allowed:
                if op == ops[index]:
                    continue
                changed = ops[:index] + (op,) + ops[index + 1 :]
                if self.canonical_ops(changed) != self.canonical_ops(ops):
                    candidates.append(changed)
        if not candidates:
            raise ValueError(f"search space {self.space_name!r} has no other architecture to mutate {arch.canonical!r} into")
        return self.make(candidates[int(rng.integers(len(candidates)))])

    def enumerate(self) -> Iterator[Architecture]:
        if not self._table_complete:
            self._build_table()
        for ops in itertools.product(*self.edge_ops):
            yield self.make(ops)

    def parse(self, text: str) -> Architecture:
        return self.make(self.check_member(parse_cell(text)))

    def check_member(self, ops: Sequence[str]) -> tuple[str, ...]:
        """Return `ops` with op aliases resolved; raise OutOfSpaceError for an op the space lacks."""
        resolved = []
        for key, op, allowed in zip(CELL_EDGE_KEYS, ops, self.edge_ops, strict=True):
            name = _resolve_alias(op, allowed)
            if name is None:
                raise OutOfSpaceError(f"edge {key}", op, allowed, self.space_name)
            resolved.append(name)
        return tuple(resolved)

    def distance(self, ops: Sequence[str]) -> int:
        """Number of edges whose op the space does not offer on that edge."""
        return sum(_resolve_alias(op, allowed) is None for op, allowed in zip(ops, self.edge_ops, strict=True))

    def growth(self, arch: Architecture) -> int | None:
        return cell_growth(parse_cell(arch.canonical))


def _resolve_alias(op: str, allowed: Sequence[str]) -> str | None:
    """Map ``conv_KxK`` and ``nor_conv_KxK`` onto each other when only the other is allowed."""
    if op in allowed:
        return op
    if op.startswith("nor_conv_"):
        alias = op[len("nor_") :]
    elif op.startswith("conv_"):
        alias = "nor_" + op
    else:
        return None
    return alias if alias in allowed else None
