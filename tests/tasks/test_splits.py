from __future__ import annotations

import numpy as np
import pytest

from nasdiag.tasks import TaskError
from nasdiag.tasks.splits import channel_statistics, stratified_split, stratified_subsample


def _labels() -> np.ndarray:
    # 3 classes with 10, 25 and 7 samples, interleaved.
    return np.array([0] * 10 + [1] * 25 + [2] * 7)[np.random.default_rng(0).permutation(42)]


def test_split_disjoint_and_complete():
    y = _labels()
    train, val, test = stratified_split(y, split_seed=0)
    together = np.concatenate([train, val, test])
    assert len(together) == len(y)
    assert np.array_equal(np.sort(together), np.arange(len(y)))


def test_split_counts_per_class():
    y = _labels()
    train, val, test = stratified_split(y, split_seed=0)
    # round(0.2 * n) to validation and to test, the rest to train: n=10 -> 2/2/6,
    # n=25 -> 5/5/15, n=7 -> 1/1/5 (0.2 * 7 = 1.4 rounds to 1).
    assert np.bincount(y[val], minlength=3).tolist() == [2, 5, 1]
    assert np.bincount(y[test], minlength=3).tolist() == [2, 5, 1]
    assert np.bincount(y[train], minlength=3).tolist() == [6, 15, 5]


def test_split_depends_only_on_seed():
    y = _labels()
    first = stratified_split(y, split_seed=5)
    second = stratified_split(y, split_seed=5)
    other = stratified_split(y, split_seed=6)
    for a, b in zip(first, second, strict=True):
        assert np.array_equal(a, b)
    assert not np.array_equal(first[0], other[0])


def test_split_tiny_class_rejected():
    y = np.array([0, 0, 0, 0, 1, 1])
    with pytest.raises(TaskError, match="class 'b' has 2 sample"):
        stratified_split(y, split_seed=0, class_names=("a", "b"))


def test_subsample_stratified_and_seeded():
    y = np.array([0] * 40 + [1] * 20 + [2] * 3)
    first = stratified_subsample(y, 0.25, np.random.default_rng(1))
    again = stratified_subsample(y, 0.25, np.random.default_rng(1))
    other = stratified_subsample(y, 0.25, np.random.default_rng(2))
    # 40 -> 10, 20 -> 5, 3 -> round(0.75) = 1.
    assert np.bincount(y[first]).tolist() == [10, 5, 1]
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)
    assert len(np.unique(first)) == len(first)


def test_channel_statistics_per_channel():
    x = np.zeros((4, 2, 3), dtype=np.float32)
    x[:, 0] = np.arange(4, dtype=np.float32)[:, None]  # values 0..3 in channel 0
    # channel 1 is constant, so its standard deviation becomes 1.
    mean, std = channel_statistics(x)
    assert mean.shape == (1, 2, 1)
    assert mean[0, 0, 0] == pytest.approx(1.5)
    assert std[0, 0, 0] == pytest.approx(np.std([0, 1, 2, 3]))
    assert std[0, 1, 0] == 1.0
