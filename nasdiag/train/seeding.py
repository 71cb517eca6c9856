"""Thread settings and seed derivation for training processes.

The trainer leaves thread counts alone and restores the global RNG state that it seeds, so
the executor that runs trials calls these helpers, once per worker process.
"""

from __future__ import annotations

import hashlib
import logging
import os

import torch

logger = logging.getLogger(__name__)


def configure_threads(num_threads: int, *, interop_threads: int | None = None) -> int:
    """Set PyTorch's intra-op thread count for this process and return the previous count.

    Call it once at the start of a worker process, before the first tensor operation.
    `interop_threads`, when given, is applied only if PyTorch still allows it: the
    inter-op pool can be sized once, before any parallel work, and a later request is
    logged and skipped.

    Raises:
        ValueError: when num_threads or interop_threads is not a positive integer.
    """
    if isinstance(num_threads, bool) or not isinstance(num_threads, int) or num_threads < 1:
        raise ValueError(f"num_threads={num_threads!r} is invalid; expected an integer >= 1")
    previous = torch.get_num_threads()
    torch.set_num_threads(num_threads)
    if interop_threads is not None:
        if (
            isinstance(interop_threads, bool)
            or not isinstance(interop_threads, int)
            or (interop_threads < 1)
        ):
            raise ValueError(
                f"interop_threads={interop_threads!r} is invalid; expected an integer >= 1"
            )
        try:
            torch.set_num_interop_threads(interop_threads)
        except RuntimeError as error:
            logger.warning(
                "inter-op threads left at %d: %s", torch.get_num_interop_threads(), error
            )
    logger.debug("pid %d: intra-op threads %d -> %d", os.getpid(), previous, num_threads)
    return previous


def derive_seed(*parts: object) -> int:
    """Return a seed in [0, 2**31) derived from `parts`, stable across processes and runs.

    Python's hash() of a string changes between processes, so a per-trial seed such as
    derive_seed("data", experiment_id, arch, seed) is computed with SHA-256 of the parts'
    repr() instead.
    """
    digest = hashlib.sha256(repr(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % (2**31)
