from __future__ import annotations

import numpy as np
import pytest
import torch

from nasdiag.tasks import TaskError, load_task


def _save(tmp_path, **arrays):
    path = tmp_path / "task.npz"
    np.savez(path, **arrays)
    return f"npz:{path}"


def _images(n=30, shape=(6, 6)):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, *shape)).astype(np.float32), np.arange(n) % 3


def test_npz_images_get_channel_axis(tmp_path):
    x, y = _images()
    data = load_task(_save(tmp_path, x=x, y=y), split_seed=0)
    assert data.input_shape == (1, 6, 6)
    assert data.num_classes == 3
    assert data.num_train + data.num_val + data.num_test == 30


def test_npz_sequences_get_channel_axis(tmp_path):
    x = np.random.default_rng(0).normal(size=(30, 12))
    data = load_task(_save(tmp_path, x=x, y=np.arange(30) % 2), split_seed=0)
    assert data.input_shape == (1, 12)
    assert data.x_train.dtype == torch.float32


def test_npz_channels_kept(tmp_path):
    x = np.random.default_rng(0).normal(size=(30, 3, 5, 5))
    data = load_task(_save(tmp_path, x=x, y=np.arange(30) % 2), split_seed=0)
    assert data.input_shape == (3, 5, 5)


def test_npz_labels_remapped_in_sorted_order(tmp_path):
    x, _ = _images()
    y = np.array([7, -2, 40] * 10)
    data = load_task(_save(tmp_path, x=x, y=y), split_seed=0)
    assert data.class_names == ("-2", "7", "40")
    assert set(torch.cat([data.y_train, data.y_val, data.y_test]).tolist()) == {0, 1, 2}


def test_npz_class_names_array(tmp_path):
    x, y = _images()
    path = _save(tmp_path, x=x, y=y, class_names=np.array(["cat", "dog", "emu"]))
    assert load_task(path).class_names == ("cat", "dog", "emu")


def test_npz_missing_file(tmp_path):
    with pytest.raises(TaskError, match="not found"):
        load_task(f"npz:{tmp_path / 'absent.npz'}")


def test_npz_not_an_archive(tmp_path):
    path = tmp_path / "bad.npz"
    path.write_text("not a zip")
    with pytest.raises(TaskError, match="not a readable .npz"):
        load_task(f"npz:{path}")


def test_npz_missing_y(tmp_path):
    x, _ = _images()
    with pytest.raises(TaskError, match=r"missing array\(s\) y \(found: x\)"):
        load_task(_save(tmp_path, x=x))


def test_npz_missing_x(tmp_path):
    _, y = _images()
    with pytest.raises(TaskError, match=r"missing array\(s\) x"):
        load_task(_save(tmp_path, y=y, inputs=y))


def test_npz_length_mismatch(tmp_path):
    x, y = _images()
    with pytest.raises(TaskError, match="x has 30 samples but y has 29 labels"):
        load_task(_save(tmp_path, x=x, y=y[:29]))


def test_npz_float_labels_rejected(tmp_path):
    x, y = _images()
    with pytest.raises(TaskError, match="y has dtype float64; labels must be integers"):
        load_task(_save(tmp_path, x=x, y=y.astype(np.float64)))


def test_npz_nan_rejected(tmp_path):
    x, y = _images()
    x[4, 2, 2] = np.nan
    with pytest.raises(TaskError, match="1 NaN or infinite values \\(first in sample 4\\)"):
        load_task(_save(tmp_path, x=x, y=y))


def test_npz_single_class_rejected(tmp_path):
    x, _ = _images()
    with pytest.raises(TaskError, match="1 distinct label.*at least 2 classes"):
        load_task(_save(tmp_path, x=x, y=np.zeros(30, dtype=np.int64)))


def test_npz_bad_x_rank_rejected(tmp_path):
    x = np.zeros((30,))
    with pytest.raises(TaskError, match=r"x has shape \(30,\)"):
        load_task(_save(tmp_path, x=x, y=np.arange(30) % 2))


def test_npz_object_array_not_unpickled(tmp_path):
    x, y = _images()
    path = tmp_path / "objects.npz"
    np.savez(path, x=x, y=np.array(list(y), dtype=object))
    with pytest.raises(TaskError, match="object array"):
        load_task(f"npz:{path}")


def test_npz_class_too_small_to_split(tmp_path):
    x, _ = _images(n=12)
    y = np.array([0] * 10 + [1] * 2)
    with pytest.raises(TaskError, match="class '1' has 2 sample"):
        load_task(_save(tmp_path, x=x, y=y))
