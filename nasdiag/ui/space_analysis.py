"""Live checks of a search space before any training: size, cost range, reach and coverage.

`analyse_space` answers the questions the editor shows next to the space: how many
architectures it holds, what a seeded sample of them costs (params, FLOPs), whether their
receptive fields reach across the task's input, and whether the task's hand-designed
baselines fit in it (which ops they need that the space lacks, membership and distance).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from nasdiag.space import (
    Architecture,
    ArchitectureParseError,
    OutOfSpaceError,
    SearchSpace,
    load_baselines,
)

logger = logging.getLogger(__name__)

# Cell spaces above this many choice combinations are not enumerated live to count the distinct
# architectures (enumeration takes about a second per 100,000 cells here).
DISTINCT_COUNT_LIMIT = 200_000
# Sampled architectures that are built and profiled for params and FLOPs. Profiling costs about
# 0.1-0.3 s per model on one CPU core here, so the editor profiles a prefix of the sample.
PROFILED_SAMPLES = 20


@dataclass(frozen=True)
class ValueRange:
    """Minimum, median and maximum of a quantity over the sampled architectures."""

    low: float
    median: float
    high: float


@dataclass(frozen=True)
class BaselineFit:
    """Relation of one baseline to the space."""

    name: str
    arch: str
    in_space: bool
    distance: int | None  # choices to change to make it a member; None across families
    missing_ops: tuple[str, ...]  # ops it uses that the space never offers
    note: str


@dataclass(frozen=True)
class SpaceAnalysis:
    """Figures the editor shows about a space; see `analyse_space`."""

    cardinality: int
    distinct: int | None  # None when the space is too large to count live
    n_sampled: int  # architectures drawn for the receptive-field range
    n_profiled: int  # the first n_profiled of them give the params and FLOPs ranges
    params: ValueRange | None  # None when the models could not be profiled
    flops: ValueRange | None  # forward FLOPs per sample
    receptive_field: ValueRange
    input_size: int  # the task input's longest side (pixels) or length (samples)
    share_rf_below_input: float  # sampled archs whose receptive field is smaller than the input
    baselines: tuple[BaselineFit, ...]
    missing_ops: tuple[str, ...]  # union over baselines
    sample_archs: tuple[Architecture, ...]
    profile_error: str | None = None


def normalise_op(name: str) -> str:
    """Map the NAS-Bench-201 spelling `nor_conv_KxK` onto `conv_KxK` (the same op)."""
    return name[len("nor_"):] if name.startswith("nor_conv_") else name


def analyse_space(space: SearchSpace, *, task: str, n_samples: int = 50, n_profiled: int = PROFILED_SAMPLES,
                  seed: int = 0) -> SpaceAnalysis:
    """Analyse `space` for `task` on `n_samples` architectures drawn with `seed`.

    Receptive fields are computed analytically for all of them; params and FLOPs come from
    building the first `n_profiled` models.

    Raises:
        nasdiag.tasks.TaskError: the task cannot be loaded.
    """
    from nasdiag.tasks import load_task

    data = load_task(task, split_seed=0)
    input_shape = tuple(int(size) for size in data.input_shape)
    input_size = max(input_shape[1:])

    rng = np.random.default_rng(seed)
    samples = tuple(space.sample(rng) for _ in range(n_samples))
    fields = np.array([space.receptive_field(arch, input_size) for arch in samples], dtype=float)
    n_profiled = min(n_profiled, n_samples)
    params, flops, profile_error = _profile(samples[:n_profiled], space, input_shape, data.num_classes)
    baselines = _baseline_fits(space, task)
    missing = tuple(sorted({op for fit in baselines for op in fit.missing_ops}))
    return SpaceAnalysis(
        cardinality=space.cardinality(),
        distinct=_distinct(space),
        n_sampled=n_samples,
        n_profiled=n_profiled,
        params=params,
        flops=flops,
        receptive_field=_range(fields),
        input_size=input_size,
        share_rf_below_input=float(np.mean(fields < input_size)),
        baselines=baselines,
        missing_ops=missing,
        sample_archs=samples,
        profile_error=profile_error,
    )


def _distinct(space: SearchSpace) -> int | None:
    if space.family == "chain":
        return space.cardinality()
    if space.cardinality() > DISTINCT_COUNT_LIMIT:
        return None
    try:
        return space.distinct_cardinality()
    except ValueError:
        return None


def _range(values: np.ndarray) -> ValueRange:
    return ValueRange(low=float(np.min(values)), median=float(np.median(values)), high=float(np.max(values)))


def _profile(samples, space, input_shape, num_classes) -> tuple[ValueRange | None, ValueRange | None, str | None]:
    """Build each sampled model once (CPU) and count its params and FLOPs."""
    if not samples:
        return None, None, "no architectures were profiled (n_profiled=0)"
    try:
        from nasdiag.train.profile import profile_architecture
    except ImportError as error:
        logger.warning("params and FLOPs unavailable: %s", error)
        return None, None, f"the model profiler is not available ({error})"
    params, flops = [], []
    for arch in samples:
        profile = profile_architecture(arch, space, input_shape, num_classes)
        params.append(profile.params)
        flops.append(profile.flops)
    return _range(np.array(params, dtype=float)), _range(np.array(flops, dtype=float)), None


def _baseline_fits(space: SearchSpace, task: str) -> tuple[BaselineFit, ...]:
    task_key = task.split(":", 1)[0]
    try:
        baselines = load_baselines(task_key)
    except ValueError:
        return ()
    offered = {normalise_op(op) for op in space.ops}
    fits = []
    for baseline in baselines:
        arch = baseline.space.parse(baseline.arch_string)
        missing = tuple(sorted({normalise_op(op) for op in arch.ops_used} - offered))
        if baseline.space.dims != space.dims:
            continue
        if baseline.space.family != space.family:
            fits.append(BaselineFit(baseline.name, baseline.arch_string, False, None, missing,
                                    f"a {baseline.space.family} architecture; this space is a {space.family}"))
            continue
        try:
            distance = space.distance(baseline.arch_string)
        except (ArchitectureParseError, OutOfSpaceError) as error:
            fits.append(BaselineFit(baseline.name, baseline.arch_string, False, None, missing, str(error)))
            continue
        note = "member" if distance == 0 else f"{distance} choice(s) away"
        fits.append(BaselineFit(baseline.name, baseline.arch_string, distance == 0, distance, missing, note))
    return tuple(fits)
