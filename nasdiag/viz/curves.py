"""Figures over training time and search time: learning curves of one architecture and the
best-so-far metric of a search with a band over seeds."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from nasdiag.viz.common import COLOURS, base_figure, empty_figure

CURVE_COLUMNS = ("arch", "seed", "fidelity", "epoch", "val_metric")


class LearningCurves(NamedTuple):
    arch: str
    lines: list[tuple[str, int, np.ndarray, np.ndarray]]  # (fidelity, seed, epochs, val_metric)


def learning_curves_data(curves: pd.DataFrame, arch: str) -> LearningCurves:
    if curves is None or not set(CURVE_COLUMNS).issubset(curves.columns):
        return LearningCurves(arch, [])
    rows = curves.loc[curves["arch"].astype(str) == arch].sort_values("epoch")
    lines = [(str(fidelity), int(seed), group["epoch"].to_numpy(dtype=float), group["val_metric"].to_numpy(dtype=float))
             for (fidelity, seed), group in rows.groupby(["fidelity", "seed"], sort=True)]
    return LearningCurves(arch, lines)


def plot_learning_curves(curves: pd.DataFrame, arch: str, metric_name: str = "validation metric") -> go.Figure:
    """Validation metric per epoch of one architecture, one line per seed and fidelity."""
    title, x_title, y_title = f"Learning curves of {arch}", "epoch", metric_name
    data = learning_curves_data(curves, arch)
    if not data.lines:
        return empty_figure(title, x_title, y_title, f"No curves recorded for {arch}.")
    figure = base_figure(title, x_title, y_title)
    palette = [COLOURS["main"], COLOURS["top"], COLOURS["baseline"], COLOURS["muted"]]
    fidelities = sorted({line[0] for line in data.lines})
    for fidelity, seed, epochs, values in data.lines:
        figure.add_trace(go.Scatter(x=epochs, y=values, mode="lines+markers", name=f"{fidelity}, seed {seed}",
                                    line={"color": palette[fidelities.index(fidelity) % len(palette)]},
                                    hovertemplate=f"arch {arch}<br>{fidelity}, seed {seed}<br>"
                                                  "epoch %{x}<br>%{y:.4g}<extra></extra>"))
    return figure


# Up to this many architectures the x axis gets one tick per architecture.
SMALL_COUNT_AXIS = 12


class BestSoFar(NamedTuple):
    n_archs: np.ndarray  # architectures evaluated so far
    best_mean: np.ndarray  # best mean over seeds so far
    band_low: np.ndarray  # lowest and highest best-so-far among single-seed searches
    band_high: np.ndarray
    best_arch: list[str]


def best_so_far_data(trials: pd.DataFrame, fidelity: str, *, maximize: bool = True) -> BestSoFar:
    """Best-so-far curve in the order the search's architectures first appear at ``fidelity``.

    Baselines (``is_baseline``) are left out: they are not found by the search. The band shows
    what a single-seed search would have reported: for each seed position the running best of
    that seed's values, then the min and max over seed positions.
    """
    metric = pd.to_numeric(trials["metric"], errors="coerce")
    keep = (trials["fidelity"].astype(str) == fidelity) & np.isfinite(metric)
    if "is_baseline" in trials.columns:
        keep &= ~trials["is_baseline"].fillna(False).astype(bool)
    if "status" in trials.columns:
        keep &= trials["status"].fillna("ok").astype(str).str.lower() == "ok"
    rows = pd.DataFrame({"arch": trials["arch"].astype(str), "seed": trials["seed"], "metric": metric}).loc[keep]
    if rows.empty:
        empty = np.array([])
        return BestSoFar(empty, empty, empty, empty, [])

    # Work in higher-is-better scores, convert back at the end.
    sign = 1.0 if maximize else -1.0
    rows["score"] = rows["metric"] * sign
    order = list(dict.fromkeys(rows["arch"]))
    means = rows.groupby("arch")["score"].mean().reindex(order).to_numpy()
    rows["position"] = rows.sort_values("seed").groupby("arch").cumcount()
    per_seed = rows.pivot_table(index="arch", columns="position", values="score", aggfunc="first").reindex(order)
    running = np.fmax.accumulate(np.nan_to_num(per_seed.to_numpy(), nan=-np.inf), axis=0)
    running[np.isinf(running)] = np.nan

    best = np.maximum.accumulate(means)
    best_index = np.maximum.accumulate(np.where(means == best, np.arange(len(means)), 0))
    low, high = np.nanmin(running, axis=1), np.nanmax(running, axis=1)
    if sign < 0:
        low, high = high, low
    return BestSoFar(np.arange(1, len(order) + 1), best * sign, low * sign, high * sign,
                     [order[i] for i in best_index])


def plot_best_so_far(trials: pd.DataFrame, fidelity: str, *, maximize: bool = True,
                     metric_name: str = "metric") -> go.Figure:
    """Best mean metric found after each new architecture, with the single-seed band."""
    title, x_title, y_title = f"Best so far at {fidelity}", "architectures evaluated", f"best {metric_name}"
    data = best_so_far_data(trials, fidelity, maximize=maximize)
    if not len(data.n_archs):
        return empty_figure(title, x_title, y_title, f"No finished trials at {fidelity}.")
    figure = base_figure(title, x_title, y_title)
    figure.add_trace(go.Scatter(x=np.r_[data.n_archs, data.n_archs[::-1]], y=np.r_[data.band_high, data.band_low[::-1]],
                                fill="toself", fillcolor=COLOURS["band"], line={"width": 0}, hoverinfo="skip",
                                name="single-seed best (min to max over seeds)"))
    figure.add_trace(go.Scatter(x=data.n_archs, y=data.best_mean, mode="lines", line_color=COLOURS["main"],
                                name="best mean over seeds", text=data.best_arch,
                                hovertemplate="after %{x} archs<br>best %{y:.4g} (arch %{text})<extra></extra>"))
    if len(data.n_archs) <= SMALL_COUNT_AXIS:
        figure.update_xaxes(tick0=1, dtick=1)  # whole architectures only, no ticks at 1.5
    return figure
