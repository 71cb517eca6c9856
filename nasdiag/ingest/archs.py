"""Architecture keys of foreign formats turned into canonical strings, hashes and op lists.

NAS-Bench-201 / NATS-Bench cell strings go through `nasdiag.space`, the one owner of the
canonical (isomorphism-collapsed) form. Other families have no isomorphism handling in our
space module, so their canonical string is a normalised spelling of the source key and their
hash is `nasdiag.space.arch_hash` of it, the same hash function the space module uses.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass

from nasdiag.ingest.errors import ImportFormatError
from nasdiag.space import SearchSpace, arch_hash, load_preset_space

# NASLib's op indices for NAS-Bench-201 keys such as "(4, 0, 3, 1, 4, 3)".
NASLIB_NB201_OPS = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
# NASLib numbers the cell's nodes 1..4 and orders a key's edges (1,2), (1,3), (1,4), (2,3),
# (2,4), (3,4). The NB201 string groups edges by target node, so key edge i goes to string slot
# _NASLIB_EDGE_TO_STRING_SLOT[i].
_NASLIB_EDGE_TO_STRING_SLOT = (0, 1, 3, 2, 4, 5)

# DARTS compact genotype op indices, as in NAS-Bench-301 / NASLib.
DARTS_OPS = (
    "max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5",
    "dil_conv_3x3", "dil_conv_5x5",
)


@dataclass(frozen=True)
class ArchKey:
    """An architecture as the importers store it."""

    arch: str  # canonical string
    arch_hash: str
    ops: str  # semicolon-separated op names used, sorted, without duplicates


def plain_arch(name: str, ops: list[str] | tuple[str, ...] = ()) -> ArchKey:
    """Key an architecture that has no structure we can canonicalise: the name is the canonical form."""
    return ArchKey(arch=name, arch_hash=arch_hash(name), ops=join_ops(ops))


def join_ops(ops) -> str:
    return ";".join(sorted({op for op in ops if op}))


def looks_like_nb201(text: str) -> bool:
    return isinstance(text, str) and text.startswith("|") and "~" in text and text.endswith("|")


@functools.cache
def nb201_arch(text: str) -> ArchKey:
    """Key a NAS-Bench-201 cell string; isomorphic cells get the same canonical string and hash.

    Raises:
        ValueError: the string is not a valid NB201 cell (ArchitectureParseError or
            OutOfSpaceError from nasdiag.space).
    """
    arch = _nb201_space().parse(text)
    return ArchKey(arch=arch.canonical, arch_hash=arch.hash, ops=join_ops(arch.ops_used))


@functools.lru_cache(maxsize=1)
def _nb201_space() -> SearchSpace:
    return load_preset_space("nb201")


def naslib_nb201_string(key: str) -> str:
    """Map a NASLib NB201 key such as "(4, 0, 3, 1, 4, 3)" to the NB201 cell string.

    Raises:
        ValueError: the key is not a 6-tuple of op indices 0..4.
    """
    indices = _literal(key)
    if not (isinstance(indices, tuple) and len(indices) == 6 and all(i in range(5) for i in indices)):
        raise ValueError("expected a tuple of 6 op indices in 0..4")
    ops = [NASLIB_NB201_OPS[index] for index in indices]
    slots = [""] * 6
    for edge, slot in enumerate(_NASLIB_EDGE_TO_STRING_SLOT):
        slots[slot] = ops[edge]
    # String slots in NB201 node numbering: node 1 <- 0; node 2 <- 0, 1; node 3 <- 0, 1, 2.
    return (
        f"|{slots[0]}~0|+|{slots[1]}~0|{slots[2]}~1|+|{slots[3]}~0|{slots[4]}~1|{slots[5]}~2|"
    )


def darts_arch(key: str) -> ArchKey:
    """Key a DARTS compact genotype `[[normal 8 x (input, op)], [reduce 8 x (input, op)]]`.

    Each intermediate node sums two edges, so the order of a node's pair does not matter;
    the canonical string sorts each pair. Other isomorphisms (swapping whole nodes) are not
    collapsed.

    Raises:
        ValueError: the key is not such a genotype.
    """
    genotype = _literal(key)
    if not (isinstance(genotype, list) and len(genotype) == 2):
        raise ValueError("expected [normal cell, reduction cell]")
    cells = []
    ops = set()
    for cell_name, cell in zip(("normal", "reduce"), genotype, strict=True):
        if not (isinstance(cell, list) and len(cell) == 8):
            raise ValueError(f"{cell_name} cell must list 8 (input, op) pairs")
        nodes = []
        for node in range(4):
            pair = []
            for source, op_index in cell[2 * node : 2 * node + 2]:
                if op_index not in range(len(DARTS_OPS)) or source not in range(node + 2):
                    raise ValueError(f"{cell_name} node {node}: invalid edge ({source}, {op_index})")
                pair.append(f"{DARTS_OPS[op_index]}~{source}")
                ops.add(DARTS_OPS[op_index])
            nodes.append("|" + "|".join(sorted(pair)) + "|")
        cells.append(f"{cell_name}:" + "+".join(nodes))
    canonical = " ".join(cells)
    return ArchKey(arch=canonical, arch_hash=arch_hash(canonical), ops=join_ops(ops))


def _literal(text: str):
    # ast.literal_eval accepts Python literals only (no names, calls or attributes).
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError) as error:
        raise ValueError(f"not a Python literal: {error}") from error


def require_arch(parse, key: str, *, path: str, location: str, column: str | None = None) -> ArchKey:
    """Call `parse(key)`, turning a ValueError into an ImportFormatError that names where the key sits."""
    try:
        return parse(key)
    except ValueError as error:
        raise ImportFormatError(
            f"invalid architecture: {error}",
            path=path,
            location=location,
            column=column,
            value=key,
            fix="Fix or remove this entry",
        ) from error
