"""Figures of the lessons. Each builder takes the lesson's numbers and returns a `go.Figure`;
empty input gives an empty figure with its titles and a message."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from nasdiag.lessons.mismatch import MismatchOutcome
from nasdiag.lessons.noise import SeedScores
from nasdiag.lessons.proxy import ProxyPoint
from nasdiag.viz.common import COLOURS, base_figure, empty_figure

LEVEL_COLOURS = {"ok": COLOURS["baseline"], "warn": "#bf8700", "fail": COLOURS["top"],
                 "insufficient data": COLOURS["muted"]}


def plot_space_gap(outcomes: Mapping[str, MismatchOutcome]) -> go.Figure:
    """Plot the best searched architecture of each space against the baseline, with the gap interval."""
    title, x_title, y_title = "Best searched architecture vs baseline", "search space", "validation accuracy (%)"
    if not outcomes:
        return empty_figure(title, x_title, y_title, "No experiment to compare.")
    figure = base_figure(title, x_title, y_title)
    labels = list(outcomes)
    found = np.array([100 * outcomes[k].best_found_mean for k in labels])
    low = np.array([100 * (outcomes[k].baseline_mean + outcomes[k].gap_ci[0]) for k in labels])
    high = np.array([100 * (outcomes[k].baseline_mean + outcomes[k].gap_ci[1]) for k in labels])
    figure.add_trace(go.Bar(x=labels, y=found, name="best searched",
                            marker_color=[LEVEL_COLOURS.get(outcomes[k].level, COLOURS["main"]) for k in labels],
                            error_y={"type": "data", "symmetric": False, "array": np.nan_to_num(high - found),
                                     "arrayminus": np.nan_to_num(found - low)},
                            hovertemplate="%{x}<br>best searched %{y:.2f}%<extra></extra>"))
    baseline = next((o.baseline_mean for o in outcomes.values() if not math.isnan(o.baseline_mean)), math.nan)
    if not math.isnan(baseline):
        figure.add_hline(y=100 * baseline, line_dash="dash", line_color=COLOURS["baseline"],
                         annotation_text=f"baseline {100 * baseline:.2f}%")
    values = np.concatenate([found[np.isfinite(found)], [100 * baseline] if not math.isnan(baseline) else []])
    if len(values):
        figure.update_yaxes(range=[values.min() - 1.5, min(100, values.max() + 1)])
    return figure


def plot_tau_vs_cost(points: Sequence[ProxyPoint], selected: str | None = None) -> go.Figure:
    """Plot Kendall tau of each proxy against the target by cost, with intervals and verdict colours."""
    title, x_title, y_title = "Rank agreement vs proxy cost", "proxy cost (% of the target's)", "Kendall tau vs target"
    if not points:
        return empty_figure(title, x_title, y_title, "The experiment has no proxy fidelity.")
    figure = base_figure(title, x_title, y_title)
    thresholds = points[0].diagnosis.thresholds
    cost = [100 * p.cost_share for p in points]
    tau = np.array([p.kendall_tau for p in points])
    figure.add_trace(go.Scatter(
        x=cost, y=tau, mode="lines+markers+text", text=[p.proxy for p in points], textposition="top left",
        marker={"size": [16 if p.proxy == selected else 10 for p in points],
                "color": [LEVEL_COLOURS.get(p.level, COLOURS["main"]) for p in points]},
        line={"color": COLOURS["muted"]}, name="proxy",
        error_y={"type": "data", "symmetric": False, "array": [p.tau_ci[1] - p.kendall_tau for p in points],
                 "arrayminus": [p.kendall_tau - p.tau_ci[0] for p in points]},
        hovertemplate="%{text}<br>cost %{x:.1f}%<br>tau %{y:.2f}<extra></extra>"))
    figure.add_hline(y=thresholds.proxy_tau_warn, line_dash="dot", line_color=LEVEL_COLOURS["warn"],
                     annotation_text="warn below")
    figure.add_hline(y=thresholds.proxy_tau_fail, line_dash="dot", line_color=LEVEL_COLOURS["fail"],
                     annotation_text="fail below")
    figure.update_xaxes(type="log", dtick=1)  # label powers of ten only
    figure.update_yaxes(range=[-0.2, 1.05])
    return figure


def plot_recheck(table: pd.DataFrame, proxy: str) -> go.Figure:
    """Plot the regret on the target when the proxy's top k are re-checked there (k = 1 trusts the proxy)."""
    title = f"Re-checking {proxy}'s top k at the target"
    x_title, y_title = "k (architectures trained at the target)", "regret (accuracy points)"
    if table.empty:
        return empty_figure(title, x_title, y_title, "No architectures at both fidelities.")
    figure = base_figure(title, x_title, y_title)
    figure.add_trace(go.Bar(x=[str(k) for k in table["k"]], y=100 * table["regret"], marker_color=COLOURS["main"],
                            hovertemplate="top %{x}<br>regret %{y:.2f} points<extra></extra>", name="regret"))
    return figure


def plot_seed_effects(effects: pd.DataFrame, selected: int | None = None) -> go.Figure:
    """Plot the winner's curse and the share of seed sets picking the all-seed best, by seeds used."""
    title, x_title = "Ranking by n seeds", "seeds used for ranking"
    if effects.empty:
        return empty_figure(title, x_title, "", "No seeds to compare.")
    figure = base_figure(title, x_title, "winner's curse (accuracy points)")
    figure.add_trace(go.Bar(x=effects["n_seeds"], y=100 * effects["winners_curse"], name="winner's curse",
                            marker_color=[COLOURS["top"] if n == selected else COLOURS["main"]
                                          for n in effects["n_seeds"]],
                            hovertemplate="%{x} seeds<br>curse %{y:.2f} points<extra></extra>"))
    figure.add_trace(go.Scatter(x=effects["n_seeds"], y=100 * effects["share_best"], name="picks the all-seed best (%)",
                                yaxis="y2", mode="lines+markers", line={"color": COLOURS["baseline"]},
                                hovertemplate="%{x} seeds<br>%{y:.0f}% of seed sets<extra></extra>"))
    figure.update_layout(yaxis2={"title": "seed sets picking the all-seed best (%)", "overlaying": "y",
                                 "side": "right", "range": [0, 105],
                                 "tickvals": [0, 20, 40, 60, 80, 100], "showgrid": False},
                         legend={"orientation": "h", "y": -0.2})
    figure.update_xaxes(dtick=1)
    return figure


def plot_pick(scores: SeedScores, label: str | None, seed_position: int = 0) -> go.Figure:
    """Plot each architecture's one-seed score against its mean over the other seeds, the pick highlighted."""
    title, x_title, y_title = "One seed vs the other seeds", "accuracy on the seed you saw (%)", \
        "mean accuracy on the other seeds (%)"
    if scores.n_seeds < 2:
        return empty_figure(title, x_title, y_title, "Needs at least 2 seeds.")
    others = [j for j in range(scores.n_seeds) if j != seed_position]
    one = 100 * scores.scores[:, seed_position]
    rest = 100 * scores.scores[:, others].mean(axis=1)
    figure = base_figure(title, x_title, y_title)
    figure.add_trace(go.Scatter(x=one, y=rest, mode="markers", text=list(scores.labels), name="architecture",
                                marker={"color": COLOURS["main"], "opacity": 0.6, "size": 9},
                                hovertemplate="%{text}<br>seen %{x:.2f}%<br>others %{y:.2f}%<extra></extra>"))
    if label in scores.labels:
        index = scores.labels.index(label)
        figure.add_trace(go.Scatter(x=[one[index]], y=[rest[index]], mode="markers+text", text=[label],
                                    textposition="top center", name="your pick",
                                    marker={"color": COLOURS["top"], "size": 14}))
    low = float(min(one.min(), rest.min())) - 0.5
    high = float(max(one.max(), rest.max())) + 0.5
    figure.add_trace(go.Scatter(x=[low, high], y=[low, high], mode="lines", name="same score",
                                line={"dash": "dot", "color": COLOURS["muted"]}, hoverinfo="skip"))
    return figure
