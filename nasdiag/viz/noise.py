"""Figures of evaluation noise: seed spread, probability of best, rank stability, winner's
curse and seeds needed. Each builder computes a NamedTuple of numbers, then draws it."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go

from nasdiag.diagnostics.noise import NoiseResult
from nasdiag.viz.common import COLOURS, base_figure, empty_figure, short_arch_ticks


class SeedSpread(NamedTuple):
    archs: list[str]
    means: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    seeds: list[tuple[float, ...]]
    noise_floor: float


def seed_spread_data(noise: NoiseResult, top_k: int = 10) -> SeedSpread:
    top = noise.top.head(top_k)
    return SeedSpread(
        archs=[str(a) for a in top.index],
        means=top["mean"].to_numpy(dtype=float),
        ci_low=top["ci_low"].to_numpy(dtype=float),
        ci_high=top["ci_high"].to_numpy(dtype=float),
        seeds=list(top["seeds"]) if "seeds" in top.columns else [() for _ in range(len(top))],
        noise_floor=noise.noise_floor.sd,
    )


def plot_seed_spread(noise: NoiseResult, top_k: int = 10, metric_name: str = "metric") -> go.Figure:
    """Top architectures: mean with 95% t-interval, each seed as a point, a noise-floor band around the best."""
    data = seed_spread_data(noise, top_k)
    count = len(data.archs)
    title = f"Seed spread of the top {count} architectures" if count != 1 else "Seed spread of the best architecture"
    x_title, y_title = "architecture", metric_name
    if not data.archs:
        return empty_figure(title, x_title, y_title, "No architectures at this fidelity.")
    figure = base_figure(title, x_title, y_title)
    if np.isfinite(data.noise_floor):
        best = float(data.means[0])
        figure.add_hrect(y0=best - data.noise_floor, y1=best + data.noise_floor, fillcolor=COLOURS["band"],
                         line_width=0, annotation_text="best mean +- noise floor", annotation_position="top left")
    error = np.nan_to_num(data.ci_high - data.means), np.nan_to_num(data.means - data.ci_low)
    figure.add_trace(go.Scatter(
        x=data.archs, y=data.means, mode="markers", name="mean (95% t-interval)",
        marker={"size": 11, "color": COLOURS["main"], "symbol": "diamond"},
        error_y={"type": "data", "array": error[0], "arrayminus": error[1]},
        hovertemplate="arch %{x}<br>mean %{y:.4g}<extra></extra>",
    ))
    xs = [arch for arch, seeds in zip(data.archs, data.seeds, strict=True) for _ in seeds]
    ys = [value for seeds in data.seeds for value in seeds]
    figure.add_trace(go.Scatter(x=xs, y=ys, mode="markers", name="single seed",
                                marker={"size": 7, "color": COLOURS["muted"], "opacity": 0.8},
                                hovertemplate="arch %{x}<br>seed value %{y:.4g}<extra></extra>"))
    figure.update_xaxes(title_text="architecture (rank by mean; hover for the full string)")
    return short_arch_ticks(figure, data.archs)


class ProbBest(NamedTuple):
    archs: list[str]
    probabilities: np.ndarray
    n_resamples: int


def prob_best_data(noise: NoiseResult) -> ProbBest:
    return ProbBest([str(a) for a in noise.top.index], noise.top["prob_best"].to_numpy(dtype=float),
                    noise.prob_best_resamples)


def plot_prob_best(noise: NoiseResult) -> go.Figure:
    """Probability that each top architecture is truly the best, from resampled seeds."""
    title, x_title, y_title = "Probability of being the best", "architecture (best mean first)", "probability"
    data = prob_best_data(noise)
    if not data.archs:
        return empty_figure(title, x_title, y_title, "No architectures at this fidelity.")
    figure = base_figure(title, x_title, y_title)
    figure.add_trace(go.Bar(x=data.archs, y=data.probabilities, marker_color=COLOURS["main"],
                            hovertemplate="arch %{x}<br>P(best) %{y:.2f}<extra></extra>", name="P(best)"))
    figure.update_yaxes(range=[0, 1])
    return short_arch_ticks(figure, data.archs)


class RankStability(NamedTuple):
    pairs: list[str]
    tau_all: np.ndarray
    tau_top: np.ndarray
    top_quantile: float
    top_label: str


def rank_stability_data(noise: NoiseResult) -> RankStability:
    return RankStability(
        [f"seed {p.seed_a} vs {p.seed_b}" for p in noise.rank_stability],
        np.array([p.tau_all for p in noise.rank_stability], dtype=float),
        np.array([p.tau_top for p in noise.rank_stability], dtype=float),
        noise.top_quantile,
        noise.top_label,
    )


def plot_rank_stability(noise: NoiseResult) -> go.Figure:
    """Kendall tau between the rankings of two seeds, over all archs and among the top quantile."""
    title, x_title, y_title = "Rank stability across seeds", "seed pair (position in each arch's seeds)", "Kendall tau-b"
    data = rank_stability_data(noise)
    if not data.pairs:
        return empty_figure(title, x_title, y_title, "Needs architectures with 2 or more seeds.")
    figure = base_figure(title, x_title, y_title)
    figure.add_trace(go.Bar(x=data.pairs, y=data.tau_all, name="all architectures", marker_color=COLOURS["main"],
                            hovertemplate="%{x}<br>tau %{y:.3f}<extra>all</extra>"))
    figure.add_trace(go.Bar(x=data.pairs, y=data.tau_top, name=data.top_label,
                            marker_color=COLOURS["top"], hovertemplate="%{x}<br>tau %{y:.3f}<extra>top</extra>"))
    figure.update_layout(barmode="group")
    figure.update_yaxes(range=[-1, 1])
    return figure


class WinnersCurse(NamedTuple):
    seeds: list[str]
    archs: list[str]  # the single-seed winner of each seed
    drops: np.ndarray
    mean_drop: float
    noise_floor: float


def winners_curse_data(noise: NoiseResult) -> WinnersCurse:
    return WinnersCurse([f"seed {i}" for i in range(len(noise.winners_curse_per_seed))],
                        list(noise.winners_curse_archs),
                        np.array(noise.winners_curse_per_seed, dtype=float), noise.winners_curse,
                        noise.noise_floor.sd)


def plot_winners_curse(noise: NoiseResult, metric_name: str = "metric") -> go.Figure:
    """Drop of the best-by-one-seed architecture when its other seeds are averaged, per seed."""
    title = "Winner's curse: drop of the single-seed winner on re-evaluation"
    x_title, y_title = "seed used to pick the winner", f"drop in {metric_name}"
    data = winners_curse_data(noise)
    if not len(data.drops):
        return empty_figure(title, x_title, y_title, "Needs architectures with 2 or more seeds.")
    figure = base_figure(title, x_title, y_title)
    figure.add_trace(go.Bar(x=data.seeds, y=data.drops, marker_color=COLOURS["top"], name="drop", text=data.archs,
                            textposition="none", hovertemplate="%{x}: winner arch %{text}<br>drop %{y:.4g}<extra></extra>"))
    if np.isfinite(data.noise_floor):
        figure.add_hline(y=data.noise_floor, line_dash="dash", line_color=COLOURS["muted"],
                         annotation_text="noise floor")
    return figure


class SeedsCurve(NamedTuple):
    deltas: np.ndarray
    seeds: np.ndarray
    observed_delta: float
    observed_seeds: float


def seeds_curve_data(noise: NoiseResult) -> SeedsCurve:
    curve = noise.seeds_curve
    return SeedsCurve(curve["delta"].to_numpy(dtype=float), curve["seeds_needed"].to_numpy(dtype=float),
                      noise.delta, noise.seeds_needed)


def plot_seeds_needed(noise: NoiseResult, metric_name: str = "metric") -> go.Figure:
    """Seeds per architecture to detect a difference delta at 80% power (two-sided t-test, alpha 0.05)."""
    title = "Seeds needed to separate two architectures (80% power)"
    x_title, y_title = f"difference to detect ({metric_name})", "seeds per architecture"
    data = seeds_curve_data(noise)
    finite = np.isfinite(data.deltas) & np.isfinite(data.seeds)
    if not finite.any():
        return empty_figure(title, x_title, y_title, "Needs a noise floor: 2 or more seeds per architecture.")
    figure = base_figure(title, x_title, y_title)
    figure.add_trace(go.Scatter(x=data.deltas[finite], y=data.seeds[finite], mode="lines+markers",
                                name="seeds needed", line_color=COLOURS["main"],
                                hovertemplate="delta %{x:.4g}<br>%{y:.0f} seeds<extra></extra>"))
    if np.isfinite(data.observed_delta) and np.isfinite(data.observed_seeds):
        figure.add_trace(go.Scatter(x=[data.observed_delta], y=[data.observed_seeds], mode="markers",
                                    name="gap between the two best", marker={"size": 12, "color": COLOURS["top"]},
                                    hovertemplate="delta %{x:.4g}<br>%{y:.0f} seeds<extra></extra>"))
    # Label only the powers of ten: plotly's default log ticks label every minor step.
    figure.update_yaxes(type="log", dtick=1)
    return figure
