"""The chain family: a stem, stages of blocks with a depth, a width and an op per block.

Canonical string, one bracket per stage, in stage order::

    chain:s0[d2,w16:conv_3x3,conv_5x5]|s1[d1,w32:sep_conv_3x3]

``d`` is the number of blocks, ``w`` the output channels of the stage, and the ops are listed
block by block. Strides come from the space, not the string. A chain has no isomorphic
duplicates, so its canonical string is its written form.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence

import numpy as np

from nasdiag.space.architecture import Architecture
from nasdiag.space.errors import ArchitectureParseError, OutOfSpaceError
from nasdiag.space.spec import ChainSpec

# One stage: (depth, width, ops of each block).
Stage = tuple[int, int, tuple[str, ...]]

_PREFIX = "chain:"
_STAGE = re.compile(r"s(\d+)\[d(\d+),w(\d+):([A-Za-z0-9_]+(?:,[A-Za-z0-9_]+)*)\]")


def format_chain(stages: Sequence[Stage]) -> str:
    """Write chain choices as the canonical chain string."""
    parts = [f"s{i}[d{depth},w{width}:{','.join(ops)}]" for i, (depth, width, ops) in enumerate(stages)]
    return _PREFIX + "|".join(parts)


def parse_chain(text: str) -> tuple[Stage, ...]:
    """Read a chain string into per-stage (depth, width, ops).

    Raises:
        ArchitectureParseError: the text does not follow ``chain:s0[d2,w16:op,op]|s1[...]``,
            stages are out of order, or a depth does not match its number of ops.
    """
    if not isinstance(text, str):
        raise ArchitectureParseError(f"expected a chain string, got {type(text).__name__}")
    text = text.strip()
    example = "chain:s0[d2,w16:conv_3x3,conv_5x5]|s1[d1,w32:sep_conv_3x3]"
    if not text.startswith(_PREFIX):
        raise ArchitectureParseError(f"invalid chain string {text!r}: must start with {_PREFIX!r}, like {example}")
    stages: list[Stage] = []
    for index, part in enumerate(text[len(_PREFIX) :].split("|")):
        match = _STAGE.fullmatch(part)
        if match is None:
            raise ArchitectureParseError(f"invalid chain string {text!r}: stage {part!r} must read like {example.split('|')[1]}")
        number, depth, width, ops = match.groups()
        if int(number) != index:
            raise ArchitectureParseError(f"invalid chain string {text!r}: stage {part!r} must be numbered s{index}")
        op_names = tuple(ops.split(","))
        if int(depth) != len(op_names):
            raise ArchitectureParseError(f"invalid chain string {text!r}: stage s{index} has d{depth} but {len(op_names)} ops")
        stages.append((int(depth), int(width), op_names))
    return tuple(stages)


def _stage_count(depths: Sequence[int], widths: Sequence[int], ops: Sequence[str]) -> list[int]:
    """Number of distinct stages for each allowed depth: |widths| * |ops| ** depth."""
    return [len(widths) * len(ops) ** depth for depth in depths]


class ChainFamily:
    """Sampling, mutation, enumeration and membership for one chain spec."""

    def __init__(self, spec: ChainSpec, space_name: str) -> None:
        self.spec = spec
        self.space_name = space_name

    def cardinality(self) -> int:
        total = 1
        for stage in self.spec.stages:
            total *= sum(_stage_count(stage.depth, stage.width, stage.ops))
        return total

    def make(self, stages: tuple[Stage, ...]) -> Architecture:
        return Architecture(
            family="chain",
            choices=stages,
            canonical=format_chain(stages),
            ops_used=tuple(sorted({op for _, _, ops in stages for op in ops})),
        )

    def sample(self, rng: np.random.Generator) -> Architecture:
        """Draw uniformly over the space: depth in proportion to its number of stages, the rest uniform."""
        stages = []
        for stage in self.spec.stages:
            counts = _stage_count(stage.depth, stage.width, stage.ops)
            total = sum(counts)
            # Python ints divide into exact-rounded floats even when the counts are huge.
            probabilities = np.array([count / total for count in counts])
            depth = stage.depth[int(rng.choice(len(counts), p=probabilities / probabilities.sum()))]
            width = stage.width[int(rng.integers(len(stage.width)))]
            ops = tuple(stage.ops[int(i)] for i in rng.integers(len(stage.ops), size=depth))
            stages.append((depth, width, ops))
        return self.make(tuple(stages))

    def mutate(self, arch: Architecture, rng: np.random.Generator) -> Architecture:
        """Change one choice: a stage's depth, its width, or one block's op.

        The choice is drawn uniformly among those with an alternative, then the new value uniformly
        among the alternatives. A deeper stage keeps its blocks and draws ops for the new ones; a
        shallower stage drops its last blocks.
        """
        stages = list(self.check_member(arch.choices))
        positions: list[tuple[int, str, int]] = []
        for index, (stage, (depth, _, _)) in enumerate(zip(self.spec.stages, stages, strict=True)):
            if len(stage.depth) > 1:
                positions.append((index, "depth", 0))
            if len(stage.width) > 1:
                positions.append((index, "width", 0))
            if len(stage.ops) > 1:
                positions.extend((index, "op", block) for block in range(depth))
        if not positions:
            raise ValueError(f"search space {self.space_name!r} has a single architecture; nothing to mutate")

        index, kind, block = positions[int(rng.integers(len(positions)))]
        stage = self.spec.stages[index]
        depth, width, ops = stages[index]
        if kind == "depth":
            new_depth = _other(stage.depth, depth, rng)
            extra = tuple(stage.ops[int(i)] for i in rng.integers(len(stage.ops), size=max(0, new_depth - depth)))
            stages[index] = (new_depth, width, (ops + extra)[:new_depth])
        elif kind == "width":
            stages[index] = (depth, _other(stage.width, width, rng), ops)
        else:
            new_op = _other(stage.ops, ops[block], rng)
            stages[index] = (depth, width, ops[:block] + (new_op,) + ops[block + 1 :])
        return self.make(tuple(stages))

    def enumerate(self) -> Iterator[Architecture]:
        per_stage = []
        for stage in self.spec.stages:
            options = [
                (depth, width, ops)
                for depth in stage.depth
                for width in stage.width
                for ops in itertools.product(stage.ops, repeat=depth)
            ]
            per_stage.append(options)
        for stages in itertools.product(*per_stage):
            yield self.make(tuple(stages))

    def parse(self, text: str) -> Architecture:
        return self.make(self.check_member(parse_chain(text)))

    def check_member(self, stages: Sequence[Stage]) -> tuple[Stage, ...]:
        """Return `stages` as a tuple; raise OutOfSpaceError for any choice the space lacks."""
        if len(stages) != len(self.spec.stages):
            raise OutOfSpaceError("stages", len(stages), [len(self.spec.stages)], self.space_name)
        for index, (stage, (depth, width, ops)) in enumerate(zip(self.spec.stages, stages, strict=True)):
            if depth not in stage.depth:
                raise OutOfSpaceError(f"stages[{index}].depth", depth, stage.depth, self.space_name)
            if width not in stage.width:
                raise OutOfSpaceError(f"stages[{index}].width", width, stage.width, self.space_name)
            for block, op in enumerate(ops):
                if op not in stage.ops:
                    raise OutOfSpaceError(f"stages[{index}].ops[{block}]", op, stage.ops, self.space_name)
        return tuple((depth, width, tuple(ops)) for depth, width, ops in stages)

    def distance(self, stages: Sequence[Stage]) -> int:
        """Minimum number of choice edits that make `stages` a member of the space.

        Per stage, for the best allowed depth D: 1 if D differs from the written depth, 1 if the
        width is not allowed, 1 per kept block whose op is not allowed, and 1 per block added
        (its op is a new choice). A stage the space has but the string lacks costs 2 plus the
        smallest allowed depth (depth, width and every op are new choices); a stage the string
        has but the space lacks costs 1.
        """
        total = 0
        for index, stage in enumerate(self.spec.stages):
            if index >= len(stages):
                total += 2 + min(stage.depth)
                continue
            depth, width, ops = stages[index]
            costs = []
            for allowed_depth in stage.depth:
                cost = int(allowed_depth != depth) + int(width not in stage.width)
                cost += sum(op not in stage.ops for op in ops[:allowed_depth])
                cost += max(0, allowed_depth - depth)
                costs.append(cost)
            total += min(costs)
        total += max(0, len(stages) - len(self.spec.stages))
        return total


def _other(values: Sequence, current: object, rng: np.random.Generator):
    alternatives = [value for value in values if value != current]
    return alternatives[int(rng.integers(len(alternatives)))]
