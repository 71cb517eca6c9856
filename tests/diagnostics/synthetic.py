"""Trials tables built to switch one failure mode on or off, for the verdict tests."""

from __future__ import annotations

import numpy as np
import pandas as pd


def make_trials(
    rng: np.random.Generator,
    *,
    n_archs: int = 200,
    n_seeds: int = 3,
    arch_sd: float = 0.05,
    noise_sd: float = 0.002,
    proxy_noise_sd: float | None = 0.005,
    proxy_from_size: bool = False,
    baseline_offset: float | None = None,
    baseline_ops: str = "conv_3x3;skip_connect",
) -> pd.DataFrame:
    """Long trials table: true arch quality + per-seed noise at 'target', and a 'proxy' fidelity.

    The proxy is the true quality plus independent noise (``proxy_noise_sd``), or, with
    ``proxy_from_size``, a function of parameter count alone. With ``baseline_offset`` a
    baseline architecture scoring (best true quality + offset) is added.
    """
    quality = 0.8 + rng.normal(0, arch_sd, n_archs)
    params = rng.integers(10_000, 1_000_000, n_archs)
    ops_choices = ["conv_3x3;skip_connect", "conv_3x3;max_pool_3x3", "conv_5x5;skip_connect", "conv_3x3"]
    ops = [ops_choices[i % len(ops_choices)] for i in range(n_archs)]
    rows = []
    for i in range(n_archs):
        arch = f"a{i:04d}"
        for seed in range(n_seeds):
            rows.append({"arch": arch, "seed": seed, "fidelity": "target", "ops": ops[i], "params": params[i],
                         "metric": quality[i] + rng.normal(0, noise_sd), "is_baseline": 0})
            if proxy_noise_sd is not None:
                proxy = np.log(params[i]) if proxy_from_size else quality[i] + rng.normal(0, proxy_noise_sd)
                rows.append({"arch": arch, "seed": seed, "fidelity": "proxy", "ops": ops[i], "params": params[i],
                             "metric": proxy, "is_baseline": 0})
    if baseline_offset is not None:
        for seed in range(n_seeds):
            rows.append({"arch": "resnet_like", "seed": seed, "fidelity": "target", "ops": baseline_ops,
                         "params": 500_000, "metric": quality.max() + baseline_offset + rng.normal(0, noise_sd),
                         "is_baseline": 1})
    return pd.DataFrame(rows)
