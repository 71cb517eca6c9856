from __future__ import annotations

import hashlib

import pytest
import torch

from nasdiag.train.seeding import configure_threads, derive_seed


def test_configure_threads_sets_and_returns_previous():
    original = torch.get_num_threads()
    try:
        previous = configure_threads(1)
        assert previous == original
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(original)


@pytest.mark.parametrize("value", [0, -2, 1.5, True])
def test_configure_threads_rejects_invalid(value):
    with pytest.raises(ValueError, match="num_threads"):
        configure_threads(value)


def test_derive_seed_matches_sha256():
    expected = int.from_bytes(hashlib.sha256(repr(("data", 3)).encode()).digest()[:8], "big")
    assert derive_seed("data", 3) == expected % 2**31


def test_derive_seed_distinguishes_parts():
    seeds = {derive_seed("init", arch, seed) for arch in ("a", "b") for seed in range(5)}
    assert len(seeds) == 10
    assert all(0 <= seed < 2**31 for seed in seeds)
