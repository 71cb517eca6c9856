"""Raw datasets before splitting: sklearn digits, locally generated MNIST-1D and user .npz files.

Each loader returns a RawDataset whose inputs already carry a channel axis and whose labels
are 0..k-1. Nothing here downloads: digits ship inside scikit-learn and MNIST-1D is generated
with `mnist1d.data.make_dataset`, never with `get_dataset`, because that one fetches a pickle.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import random
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nasdiag.tasks.errors import TaskError

logger = logging.getLogger(__name__)

# Environment variable naming a folder where generated MNIST-1D arrays are kept between
# processes. Unset means the arrays live only in memory, one generation per process.
CACHE_DIR_ENV = "NASDIAG_CACHE_DIR"


@dataclass(frozen=True, eq=False)
class RawDataset:
    """Inputs with a channel axis, labels 0..k-1 and one name per label."""

    x: np.ndarray  # (N, C, L) or (N, C, H, W), float
    y: np.ndarray  # (N,) int64 in 0..k-1
    class_names: tuple[str, ...]


def load_digits_raw() -> RawDataset:
    """Load sklearn's 8x8 handwritten digits (1797 images, 10 classes) as (N, 1, 8, 8)."""
    return _digits_cached()


@functools.lru_cache(maxsize=1)
def _digits_cached() -> RawDataset:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = bunch.images.astype(np.float32)[:, None, :, :]  # (N, 1, 8, 8), pixel values 0..16
    y = bunch.target.astype(np.int64)
    x.setflags(write=False)
    y.setflags(write=False)
    return RawDataset(x=x, y=y, class_names=tuple(str(c) for c in range(10)))


def load_mnist1d_raw(cache_dir: str | os.PathLike[str] | None = None) -> RawDataset:
    """Generate MNIST-1D (5000 sequences of length 40, 10 classes) as (N, 1, 40).

    The package's own 4000/1000 train/test split is pooled, so the caller's seeded split
    applies to all 5000 samples. Generation uses the package defaults (`get_dataset_args()`,
    generator seed 42) and takes about a second, so the arrays are kept in memory per process
    and, when `cache_dir` or the NASDIAG_CACHE_DIR environment variable names a folder, in an
    .npz file there.
    """
    if cache_dir is None:
        cache_dir = os.environ.get(CACHE_DIR_ENV) or None
    return _mnist1d_cached(None if cache_dir is None else str(cache_dir))


@functools.lru_cache(maxsize=4)
def _mnist1d_cached(cache_dir: str | None) -> RawDataset:
    from mnist1d.data import get_dataset_args

    args = get_dataset_args()
    arg_items = {k: v for k, v in vars(args).items() if k != "url"}
    key = hashlib.sha256(json.dumps(arg_items, sort_keys=True).encode()).hexdigest()[:12]
    cache_path = None if cache_dir is None else Path(cache_dir) / f"mnist1d-{key}.npz"

    x = y = None
    if cache_path is not None and cache_path.is_file():
        try:
            with np.load(cache_path, allow_pickle=False) as arrays:
                x, y = arrays["x"], arrays["y"]
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
            logger.warning("ignoring unreadable MNIST-1D cache %s: %s", cache_path, error)
    if x is None or y is None:
        x, y = _generate_mnist1d(args)
        if cache_path is not None:
            cache_path.parent.mkdir(parents=True, exist_ok=True)
            # Write to a temporary name first, so a concurrent reader never sees half a file.
            temporary = cache_path.with_suffix(f".{os.getpid()}.tmp.npz")
            np.savez(temporary, x=x, y=y)
            os.replace(temporary, cache_path)
            logger.info("cached generated MNIST-1D arrays in %s", cache_path)

    x = np.asarray(x, dtype=np.float32)[:, None, :]  # (N, 1, 40)
    y = np.asarray(y, dtype=np.int64)
    x.setflags(write=False)
    y.setflags(write=False)
    return RawDataset(x=x, y=y, class_names=tuple(str(c) for c in range(10)))


def _generate_mnist1d(args: object) -> tuple[np.ndarray, np.ndarray]:
    from mnist1d.data import make_dataset

    # make_dataset seeds the global `random` and `numpy.random` generators. Both are restored,
    # so loading a task leaves the caller's global random state unchanged.
    python_state = random.getstate()
    numpy_state = np.random.get_state()
    try:
        generated = make_dataset(args)
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
    x = np.concatenate([generated["x"], generated["x_test"]])
    y = np.concatenate([generated["y"], generated["y_test"]])
    logger.info("generated MNIST-1D: %d samples", len(y))
    return x, y


def load_npz_raw(path: str | os.PathLike[str]) -> RawDataset:
    """Load a user classification dataset from an .npz file with arrays `x` and `y`.

    `x` is (N, L), (N, H, W) or (N, C, H, W) with finite numbers; a channel axis is added to
    the first two. `y` is (N,) integer labels with at least 2 distinct values; they are
    remapped to 0..k-1 in sorted order. An optional string array `class_names` gives one
    name per distinct label in that order; otherwise the original label values are the names.

    Raises:
        TaskError: naming the file, the array, the offending value and the fix.
    """
    path = Path(path)
    where = f"task file {str(path)!r}"
    if not path.is_file():
        raise TaskError(f"{where} not found; give an existing .npz path as 'npz:PATH'")
    if not zipfile.is_zipfile(path):
        # np.load would read a non-zip file as .npy or as a pickle; accept archives only.
        raise TaskError(
            f"{where} is not a readable .npz archive; write it with np.savez(path, x=..., y=...)"
        )
    try:
        with np.load(path, allow_pickle=False) as arrays:
            names = set(arrays.files)
            missing = [name for name in ("x", "y") if name not in names]
            if missing:
                raise TaskError(
                    f"{where} is missing array(s) {', '.join(missing)} (found: "
                    f"{', '.join(sorted(names)) or 'none'}); save it with "
                    "np.savez(path, x=inputs, y=labels)"
                )
            x = arrays["x"]
            y = arrays["y"]
            names_array = arrays["class_names"] if "class_names" in names else None
    except TaskError:
        raise  # already names the problem; TaskError is a ValueError, so it must pass first
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise TaskError(
            f"{where} is not a readable .npz archive ({error}); write it with np.savez"
        ) from error
    except ValueError as error:
        # numpy raises ValueError for object arrays when allow_pickle=False.
        raise TaskError(
            f"{where} contains an object array, which is not loaded for safety ({error}); "
            "save numeric arrays only"
        ) from error
    return _validate_npz_arrays(where, x, y, names_array)


def _validate_npz_arrays(
    where: str, x: np.ndarray, y: np.ndarray, names_array: np.ndarray | None
) -> RawDataset:
    if y.ndim != 1:
        raise TaskError(f"{where}: y has shape {y.shape}; expected one label per sample, (N,)")
    if x.ndim not in (2, 3, 4):
        raise TaskError(
            f"{where}: x has shape {x.shape}; expected (N, L), (N, H, W) or (N, C, H, W)"
        )
    if x.shape[0] != y.shape[0]:
        raise TaskError(
            f"{where}: x has {x.shape[0]} samples but y has {y.shape[0]} labels; "
            "give one label per sample"
        )
    if x.shape[0] == 0:
        raise TaskError(f"{where}: x and y are empty; give at least one sample per split")
    if not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)):
        raise TaskError(f"{where}: x has dtype {x.dtype}; expected a float or integer array")
    if not np.issubdtype(y.dtype, np.integer):
        raise TaskError(
            f"{where}: y has dtype {y.dtype}; labels must be integers, "
            "for example y.astype(np.int64) after checking that the values are whole"
        )

    x = np.asarray(x, dtype=np.float32)
    finite = np.isfinite(x)
    if not finite.all():
        first_bad = int(np.argwhere(~finite.reshape(len(x), -1).all(axis=1))[0, 0])
        raise TaskError(
            f"{where}: x contains {int((~finite).sum())} NaN or infinite values "
            f"(first in sample {first_bad}); remove or impute them before loading"
        )

    labels, y_index = np.unique(y, return_inverse=True)
    if len(labels) < 2:
        raise TaskError(
            f"{where}: y has {len(labels)} distinct label(s) {labels.tolist()}; "
            "classification needs at least 2 classes"
        )
    if names_array is None:
        class_names = tuple(str(label) for label in labels.tolist())
    else:
        if names_array.ndim != 1 or len(names_array) != len(labels):
            raise TaskError(
                f"{where}: class_names has shape {names_array.shape} but y has "
                f"{len(labels)} distinct labels; give one name per label in sorted label order"
            )
        class_names = tuple(str(name) for name in names_array.tolist())

    if x.ndim == 2:
        x = x[:, None, :]  # (N, 1, L)
    elif x.ndim == 3:
        x = x[:, None, :, :]  # (N, 1, H, W)
    return RawDataset(x=x, y=y_index.astype(np.int64).reshape(-1), class_names=class_names)
