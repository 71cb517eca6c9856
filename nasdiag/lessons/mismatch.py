"""Lesson 1, search space mismatch: a space too narrow for the task's receptive field.

MNIST-1D inputs are 40 samples long, and a digit's shape spreads over most of them. The
preset `mnist1d_chain_narrow` offers kernel-3 convs only, one block per stage and no
downsampling, so the receptive field of every member is 9 samples. The learner widens it
(larger kernels, dilation, depth, downsampling). Before any training, the checks here tell
whether the widened space covers the whole input and contains the hand-designed baseline.
"""

from __future__ import annotations

import copy
import logging
import math
from dataclasses import dataclass

import numpy as np

from nasdiag.space import SearchSpace, load_baselines, load_preset_space

logger = logging.getLogger(__name__)

TASK = "mnist1d"
INPUT_SIZE = 40  # MNIST-1D sequence length in samples
NARROW_PRESET = "mnist1d_chain_narrow"
WIDE_PRESET = "mnist1d_chain"  # widths of the widened space come from this preset

LARGER_KERNEL_OPS = ("conv_5x5", "conv_7x7")
DILATED_OPS = ("dil_conv_3x3", "dil_conv_5x5")
DEEP_DEPTHS = (1, 2, 3)
DOWNSAMPLE_STRIDES = (1, 2, 2)  # stage strides when downsampling is on: 40, 20, 10 samples
# Architectures sampled to estimate the share of a space whose receptive field covers the input.
RF_SAMPLE_SIZE = 2000


@dataclass(frozen=True)
class Widening:
    """The additions the learner switched on, relative to the narrow preset."""

    larger_kernels: bool = False  # conv_5x5 and conv_7x7
    dilation: bool = False  # dil_conv_3x3 and dil_conv_5x5
    depth: bool = False  # 1-3 blocks per stage instead of 1
    downsample: bool = False  # stride 2 in stages 2 and 3

    @property
    def is_narrow(self) -> bool:
        return not (self.larger_kernels or self.dilation or self.depth or self.downsample)

    def label(self) -> str:
        """Return a short name such as 'narrow' or 'kernels+dilation'."""
        parts = [name for name, on in (("kernels", self.larger_kernels), ("dilation", self.dilation),
                                       ("depth", self.depth), ("downsample", self.downsample)) if on]
        return "+".join(parts) if parts else "narrow"


FULL_WIDENING = Widening(larger_kernels=True, dilation=True, depth=True, downsample=True)


def widened_space(widening: Widening) -> SearchSpace:
    """Build the lesson's space: the narrow preset with the chosen additions.

    Every lesson space, the narrow one included, offers the widths of `mnist1d_chain` in each
    stage. Widths leave the receptive field unchanged, so the spaces differ only in what the
    learner switches on, and the narrow one has 8 architectures instead of the preset's 4 (the
    coverage verdict needs at least 5 sampled architectures).
    """
    narrow = load_preset_space(NARROW_PRESET)
    wide = load_preset_space(WIDE_PRESET)
    spec = copy.deepcopy(narrow.spec)
    ops = ["conv_3x3"]
    if widening.larger_kernels:
        ops += list(LARGER_KERNEL_OPS)
    if widening.dilation:
        ops += list(DILATED_OPS)
    for index, stage in enumerate(spec["stages"]):
        stage["ops"] = list(ops)
        stage["width"] = list(wide.spec["stages"][index]["width"])
        stage["depth"] = list(DEEP_DEPTHS if widening.depth else (1,))
        stage["stride"] = DOWNSAMPLE_STRIDES[index] if widening.downsample else 1
    spec["name"] = f"mnist1d_chain_lesson_{widening.label().replace('+', '_')}"
    if widening.is_narrow:
        spec["description"] = "The mnist1d_chain_narrow preset with the widths of mnist1d_chain."
    else:
        spec["description"] = (f"mnist1d_chain_narrow with the widths of mnist1d_chain, widened by: "
                               f"{widening.label().replace('+', ', ')}.")
    return SearchSpace.from_dict(spec)


@dataclass(frozen=True)
class SpaceCheck:
    """Predictions from the space and the baselines, made before any training."""

    space_name: str
    cardinality: int
    ops: tuple[str, ...]
    max_receptive_field: int  # over the sampled members, in input samples
    median_receptive_field: float
    share_seeing_input: float  # share of sampled members whose receptive field >= the input
    input_size: int
    baseline_name: str
    baseline_receptive_field: int
    baseline_ops: tuple[str, ...]
    lacking_ops: tuple[str, ...]  # ops the baseline uses and the space lacks
    baseline_in_space: bool
    baseline_distance: int  # choices to change so the baseline becomes a member


def check_space(space: SearchSpace, *, seed: int = 0, n_samples: int = RF_SAMPLE_SIZE) -> SpaceCheck:
    """Run the receptive-field check and the baseline-coverage check of a MNIST-1D chain space.

    Small spaces are enumerated; larger ones are sampled with `seed`, so the shares are
    estimates there.
    """
    if space.cardinality() <= n_samples:
        members = list(space.enumerate())
    else:
        rng = np.random.default_rng(seed)
        members = [space.sample(rng) for _ in range(n_samples)]
    fields = np.array([space.receptive_field(arch, INPUT_SIZE) for arch in members])

    baseline = load_baselines(TASK)[0]
    baseline_arch = baseline.space.parse(baseline.arch_string)
    distance = space.distance(baseline.arch_string)
    return SpaceCheck(
        space_name=space.name,
        cardinality=space.cardinality(),
        ops=tuple(space.ops),
        max_receptive_field=int(fields.max()),
        median_receptive_field=float(np.median(fields)),
        share_seeing_input=float((fields >= INPUT_SIZE).mean()),
        input_size=INPUT_SIZE,
        baseline_name=baseline.name,
        baseline_receptive_field=baseline.space.receptive_field(baseline_arch, INPUT_SIZE),
        baseline_ops=tuple(baseline_arch.ops_used),
        lacking_ops=tuple(sorted(set(baseline_arch.ops_used) - set(space.ops))),
        baseline_in_space=distance == 0,
        baseline_distance=int(distance),
    )


@dataclass(frozen=True)
class MismatchOutcome:
    """Training results: the coverage verdict and the best found against the baseline."""

    level: str  # the coverage verdict
    n_sampled: int
    best_found: str | None
    best_found_mean: float
    baseline: str | None
    baseline_mean: float
    gap: float  # best found minus baseline, accuracy
    gap_ci: tuple[float, float]  # Welch 95% interval of the gap
    share_beating_baseline: float
    share_rf_below_input: float


def mismatch_outcome(diagnosis) -> MismatchOutcome:
    """Pick the lesson's numbers out of a `nasdiag.diagnostics.Diagnosis`."""
    coverage = diagnosis.coverage
    gap = coverage.baseline_gap
    return MismatchOutcome(
        level=diagnosis.verdicts["coverage"].level,
        n_sampled=coverage.n_sampled_archs,
        best_found=gap.best_found,
        best_found_mean=gap.best_found_mean,
        baseline=gap.best_baseline,
        baseline_mean=gap.best_baseline_mean,
        gap=gap.gap,
        gap_ci=tuple(gap.gap_ci),
        share_beating_baseline=gap.share_beating_baseline,
        share_rf_below_input=coverage.receptive_field.share_below_input,
    )


def check_sentences(check: SpaceCheck) -> list[str]:
    """Word the predictions made before training from the check's numbers."""
    sentences = []
    if check.share_seeing_input == 0:
        sentences.append(
            f"No architecture of this space sees the whole {check.input_size}-sample input: the largest "
            f"receptive field is {check.max_receptive_field} samples.")
    elif check.share_seeing_input == 1:
        sentences.append(
            f"Every architecture of this space sees the whole {check.input_size}-sample input "
            f"(median receptive field {check.median_receptive_field:.0f} samples).")
    else:
        sentences.append(
            f"{check.share_seeing_input:.0%} of the architectures of this space see the whole "
            f"{check.input_size}-sample input (median receptive field {check.median_receptive_field:.0f}, "
            f"largest {check.max_receptive_field} samples).")
    baseline = f"The baseline {check.baseline_name} (receptive field {check.baseline_receptive_field})"
    if check.lacking_ops:
        sentences.append(f"{baseline} uses {', '.join(check.lacking_ops)}, which this space lacks.")
    if check.baseline_in_space:
        sentences.append(f"{baseline} is a member of this space, so a search can find it.")
    else:
        changes = "choice" if check.baseline_distance == 1 else "choices"
        sentences.append(f"{baseline} is not a member of this space: {check.baseline_distance} {changes} "
                         "would have to change to reach it.")
    return sentences


def outcome_sentences(outcome: MismatchOutcome) -> list[str]:
    """Word the training results from the gap and its interval."""
    from nasdiag.lessons.wording import gap_sentence

    sentences = [gap_sentence(outcome.best_found_mean, outcome.baseline_mean, outcome.gap_ci,
                              found_label="The best searched architecture", reference_label="the baseline")]
    if not math.isnan(outcome.share_beating_baseline):
        beating = round(outcome.share_beating_baseline * outcome.n_sampled)
        if beating == 0:
            sentences.append(f"None of the {outcome.n_sampled} searched architectures beats the baseline.")
        else:
            sentences.append(f"{beating} of the {outcome.n_sampled} searched architectures beat the baseline.")
    return sentences


def widening_sentence(narrow: MismatchOutcome, widened: MismatchOutcome, noise_floor: float) -> str:
    """Compare the best found in the narrow and the widened space against the seed noise.

    ``noise_floor`` is the pooled seed standard deviation (accuracy) of the experiments, so a
    change smaller than it is reported as within the noise.
    """
    from nasdiag.lessons.wording import percent, points

    change = widened.best_found_mean - narrow.best_found_mean
    head = (f"Widening the space moved the best searched architecture from {percent(narrow.best_found_mean)} to "
            f"{percent(widened.best_found_mean)}")
    if math.isnan(change):
        return f"{head}."
    if round(100 * change, 1) == 0:
        return f"{head}: no change to one decimal, so on this task the narrow receptive field costs little."
    direction = "up" if change > 0 else "down"
    if math.isnan(noise_floor) or abs(change) >= noise_floor:
        return f"{head}, {points(change)} {direction}, more than the seed noise floor of {points(noise_floor, 2)}."
    return (f"{head}, {points(change)} {direction}, less than the seed noise floor of {points(noise_floor, 2)}: "
            "on this task the narrow receptive field costs little.")
