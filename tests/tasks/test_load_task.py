from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from nasdiag.tasks import TaskError, describe_task, list_tasks, load_task


def test_list_tasks_names_builtins():
    assert list_tasks() == ("digits", "mnist1d")
    assert "8x8" in describe_task("digits")


def test_digits_shapes_and_dtypes():
    data = load_task("digits", split_seed=0)
    assert data.input_shape == (1, 8, 8)
    assert data.num_classes == 10
    assert data.class_names == tuple(str(c) for c in range(10))
    assert data.x_train.dtype == torch.float32
    assert data.y_train.dtype == torch.int64
    assert data.x_train.shape[1:] == (1, 8, 8)
    # 1797 samples split 60/20/20 class by class.
    assert data.num_train + data.num_val + data.num_test == 1797
    assert data.num_val == pytest.approx(0.2 * 1797, abs=10)
    assert data.num_test == pytest.approx(0.2 * 1797, abs=10)
    assert data.split_seed == 0


def test_digits_standardised_with_train_statistics():
    from sklearn.datasets import load_digits

    from nasdiag.tasks.splits import stratified_split

    data = load_task("digits", split_seed=0)
    bunch = load_digits()
    train, val, _ = stratified_split(bunch.target, split_seed=0)
    pixels = bunch.images.astype(np.float64)
    mean = pixels[train].mean()
    std = pixels[train].std()
    expected_val = (pixels[val] - mean) / std
    assert float(data.x_train.mean()) == pytest.approx(0.0, abs=1e-5)
    assert float(data.x_train.std(unbiased=False)) == pytest.approx(1.0, abs=1e-5)
    assert np.allclose(data.x_val[:, 0].numpy(), expected_val, atol=1e-5)
    assert np.array_equal(data.y_val.numpy(), bunch.target[val])


def test_split_is_stratified():
    data = load_task("digits", split_seed=0)
    for y in (data.y_train, data.y_val, data.y_test):
        shares = torch.bincount(y, minlength=10).double() / len(y)
        assert float(shares.min()) > 0.09
        assert float(shares.max()) < 0.11


def test_split_reproducible_for_same_seed():
    first = load_task("digits", split_seed=3)
    second = load_task("digits", split_seed=3)
    assert torch.equal(first.x_train, second.x_train)
    assert torch.equal(first.y_val, second.y_val)
    assert torch.equal(first.x_test, second.x_test)


def test_split_changes_with_seed():
    first = load_task("digits", split_seed=0)
    second = load_task("digits", split_seed=1)
    assert first.num_train == second.num_train
    assert not torch.equal(first.x_train, second.x_train)


def test_load_task_leaves_global_rng_untouched():
    np_state = np.random.get_state()[1].copy()
    py_state = random.getstate()
    torch_state = torch.random.get_rng_state()
    load_task("mnist1d", split_seed=0)
    assert np.array_equal(np.random.get_state()[1], np_state)
    assert random.getstate() == py_state
    assert torch.equal(torch.random.get_rng_state(), torch_state)


def test_mnist1d_shapes():
    data = load_task("mnist1d", split_seed=0)
    assert data.input_shape == (1, 40)
    assert data.num_classes == 10
    assert data.num_train + data.num_val + data.num_test == 5000
    assert data.num_train == 3000


def test_mnist1d_disk_cache_roundtrip(tmp_path):
    from nasdiag.tasks.sources import _generate_mnist1d, _mnist1d_cached

    first = load_task("mnist1d", split_seed=0, cache_dir=tmp_path)
    files = list(tmp_path.glob("mnist1d-*.npz"))
    assert len(files) == 1
    _mnist1d_cached.cache_clear()
    second = load_task("mnist1d", split_seed=0, cache_dir=tmp_path)
    assert torch.equal(first.x_train, second.x_train)
    # The cached arrays equal a fresh generation.
    from mnist1d.data import get_dataset_args

    x, y = _generate_mnist1d(get_dataset_args())
    with np.load(files[0], allow_pickle=False) as cached:
        assert np.array_equal(cached["x"], x)
        assert np.array_equal(cached["y"], y)


def test_unknown_task_lists_valid_names():
    with pytest.raises(TaskError) as error:
        load_task("cifar10")
    message = str(error.value)
    assert "'cifar10'" in message
    assert "'digits'" in message
    assert "'mnist1d'" in message
    assert "npz:PATH" in message


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_invalid_split_seed_rejected(seed):
    with pytest.raises(TaskError, match="split_seed"):
        load_task("digits", split_seed=seed)


def test_npz_without_path_rejected():
    with pytest.raises(TaskError, match="no path"):
        load_task("npz:")


def test_npz_missing_y_names_array(tmp_path):
    path = tmp_path / "no_labels.npz"
    np.savez(path, x=np.zeros((12, 8, 8), dtype=np.float32))
    with pytest.raises(TaskError) as raised:
        load_task(f"npz:{path}")
    message = str(raised.value)
    assert message.count("missing array(s) y") == 1
    assert "object array" not in message
