"""Seeded stratified splits, stratified subsampling and train-split standardisation."""

from __future__ import annotations

import numpy as np

from nasdiag.tasks.errors import TaskError

# Fractions of each class that go to validation and test; the rest is training (60/20/20).
VAL_FRACTION = 0.2
TEST_FRACTION = 0.2
# Each class needs one sample in every split.
MIN_SAMPLES_PER_CLASS = 3


def _round_half_up(value: float) -> int:
    return int(np.floor(value + 0.5))


def stratified_split(
    y: np.ndarray, split_seed: int, *, class_names: tuple[str, ...] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split sample indices 60/20/20 into train, validation and test, class by class.

    Every class contributes round(0.2 * n) samples (at least 1) to validation and to test
    and the rest to training, so class proportions match across splits. The result depends
    only on the labels and `split_seed`. Each returned index array is sorted.

    Raises:
        TaskError: when a class has fewer than 3 samples.
    """
    rng = np.random.default_rng(split_seed)
    train, val, test = [], [], []
    for label in range(int(y.max()) + 1):
        members = np.flatnonzero(y == label)
        n = len(members)
        if n < MIN_SAMPLES_PER_CLASS:
            name = class_names[label] if class_names else str(label)
            raise TaskError(
                f"class {name!r} has {n} sample(s); each class needs at least "
                f"{MIN_SAMPLES_PER_CLASS} for a train/validation/test split, "
                "so add samples or drop the class"
            )
        members = rng.permutation(members)
        n_val = max(1, _round_half_up(n * VAL_FRACTION))
        n_test = max(1, _round_half_up(n * TEST_FRACTION))
        val.append(members[:n_val])
        test.append(members[n_val : n_val + n_test])
        train.append(members[n_val + n_test :])
    return (
        np.sort(np.concatenate(train)),
        np.sort(np.concatenate(val)),
        np.sort(np.concatenate(test)),
    )


def stratified_subsample(y: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Return sorted indices of round(fraction * n) samples per class (at least 1 each).

    Classes absent from `y` are skipped. `fraction` is in (0, 1].
    """
    chosen = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        keep = max(1, _round_half_up(len(members) * fraction))
        chosen.append(rng.choice(members, size=keep, replace=False))
    return np.sort(np.concatenate(chosen))


def channel_statistics(x_train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return per-channel mean and standard deviation of (N, C, ...) inputs, shaped (1, C, 1...).

    A constant channel gets standard deviation 1, so standardising leaves it at zero
    instead of dividing by zero.
    """
    axes = (0, *range(2, x_train.ndim))
    mean = x_train.mean(axis=axes, keepdims=True, dtype=np.float64)
    std = x_train.std(axis=axes, keepdims=True, dtype=np.float64)
    std[std == 0] = 1.0
    return mean, std
