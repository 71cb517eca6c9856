"""Figures of proxy versus target: scatter, top-k overlap curve, fidelity heatmap and the
rank-flip slopegraph. Each builder computes a NamedTuple of numbers, then draws it."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from nasdiag.diagnostics.proxy import CorrelationMatrix, ProxyResult
from nasdiag.viz.common import COLOURS, add_baseline_lines, base_figure, empty_figure


class ProxyScatter(NamedTuple):
    archs: list[str]
    proxy: np.ndarray
    target: np.ndarray
    baselines: dict[str, float]  # baseline arch -> target mean


def proxy_scatter_data(proxy: ProxyResult, baselines: pd.Series | None = None) -> ProxyScatter:
    means = proxy.means
    return ProxyScatter([str(a) for a in means.index], means["proxy_mean"].to_numpy(dtype=float),
                        means["target_mean"].to_numpy(dtype=float),
                        {str(k): float(v) for k, v in (baselines if baselines is not None else pd.Series()).items()})


def plot_proxy_scatter(proxy: ProxyResult | None, baselines: pd.Series | None = None,
                       metric_name: str = "metric") -> go.Figure:
    """Per-arch mean at the proxy against the target, with each baseline's target as a line."""
    x_title = f"{proxy.proxy if proxy else 'proxy'} ({metric_name}, mean over seeds)"
    y_title = f"{proxy.target if proxy else 'target'} ({metric_name}, mean over seeds)"
    title = "Proxy vs target"
    if proxy is None or proxy.n_common == 0:
        return empty_figure(title, x_title, y_title, "No architectures evaluated at both fidelities.")
    data = proxy_scatter_data(proxy, baselines)
    corr = proxy.correlation
    figure = base_figure(f"{title}: Kendall tau {corr.kendall_tau:.2f}, Spearman rho {corr.spearman_rho:.2f}",
                         x_title, y_title)
    figure.add_trace(go.Scattergl(x=data.proxy, y=data.target, mode="markers", text=data.archs, name="architecture",
                                  marker={"size": 6, "color": COLOURS["main"], "opacity": 0.6},
                                  hovertemplate="arch %{text}<br>proxy %{x:.4g}<br>target %{y:.4g}<extra></extra>"))
    add_baseline_lines(figure, dict(data.baselines), axis="y", colour=COLOURS["baseline"])
    return figure


class OverlapCurve(NamedTuple):
    k: np.ndarray
    overlap: np.ndarray  # share of the proxy's top-k in the target's top-k
    chance: np.ndarray  # expected share for a random proxy: k / n


def overlap_curve_data(proxy: ProxyResult, max_k: int = 100) -> OverlapCurve:
    means = proxy.means.reset_index(names="arch")
    n = len(means)
    proxy_rank = means.sort_values(["proxy_score", "arch"], ascending=[False, True])["arch"].to_numpy()
    target_rank = means.sort_values(["target_score", "arch"], ascending=[False, True])["arch"].to_numpy()
    ks = np.arange(1, min(max_k, n) + 1)
    overlap = np.array([len(set(proxy_rank[:k]) & set(target_rank[:k])) / k for k in ks], dtype=float)
    return OverlapCurve(ks, overlap, ks / n if n else ks.astype(float))


def plot_overlap_curve(proxy: ProxyResult | None, max_k: int = 100) -> go.Figure:
    """Share of the proxy's top-k that is in the target's top-k, for k = 1..max_k, against chance."""
    title, x_title, y_title = "Top-k overlap", "k (architectures)", "share of the proxy's top-k in the target's top-k"
    if proxy is None or proxy.n_common == 0:
        return empty_figure(title, x_title, y_title, "No architectures evaluated at both fidelities.")
    data = overlap_curve_data(proxy, max_k)
    figure = base_figure(title, x_title, y_title)
    figure.add_trace(go.Scatter(x=data.k, y=data.overlap, mode="lines", name="proxy", line_color=COLOURS["main"],
                                hovertemplate="k %{x}<br>overlap %{y:.2f}<extra></extra>"))
    figure.add_trace(go.Scatter(x=data.k, y=data.chance, mode="lines", name="random ranking",
                                line={"color": COLOURS["muted"], "dash": "dot"}))
    figure.update_yaxes(range=[0, 1.05])
    return figure


def plot_correlation_heatmap(matrix: CorrelationMatrix | None, statistic: str = "kendall_tau",
                             title: str = "Rank correlation between fidelities") -> go.Figure:
    """Heatmap of pairwise Kendall tau-b (or Spearman rho) between fidelities or epochs."""
    label = "Kendall tau-b" if statistic == "kendall_tau" else "Spearman rho"
    if matrix is None or len(matrix.labels) < 2:
        return empty_figure(title, "fidelity", "fidelity", "Needs 2 or more fidelities.")
    values = getattr(matrix, statistic)
    figure = base_figure(f"{title} ({label})", "fidelity", "fidelity")
    text = [[f"{v:.2f}" if np.isfinite(v) else "" for v in row] for row in values]
    figure.add_trace(go.Heatmap(z=values, x=list(matrix.labels), y=list(matrix.labels), zmin=-1, zmax=1,
                                colorscale="RdBu", text=text, texttemplate="%{text}", customdata=matrix.n,
                                colorbar={"title": label},
                                hovertemplate="%{y} vs %{x}<br>%{z:.3f} over %{customdata} archs<extra></extra>"))
    return figure


class RankFlips(NamedTuple):
    archs: list[str]
    proxy_rank: np.ndarray  # 1 = best
    target_rank: np.ndarray


def rank_flip_data(proxy: ProxyResult, top_n: int = 15) -> RankFlips:
    means = proxy.means
    proxy_rank = means["proxy_score"].rank(ascending=False, method="min")
    target_rank = means["target_score"].rank(ascending=False, method="min")
    chosen = target_rank.nsmallest(top_n).index.union(proxy_rank.nsmallest(top_n).index)
    return RankFlips([str(a) for a in chosen], proxy_rank[chosen].to_numpy(), target_rank[chosen].to_numpy())


def plot_rank_flips(proxy: ProxyResult | None, top_n: int = 15) -> go.Figure:
    """Slopegraph of rank at the proxy against rank at the target for the top architectures of either."""
    title, x_title, y_title = f"Rank flips among the top {top_n}", "fidelity", "rank (1 = best)"
    if proxy is None or proxy.n_common == 0:
        return empty_figure(title, x_title, y_title, "No architectures evaluated at both fidelities.")
    data = rank_flip_data(proxy, top_n)
    figure = base_figure(title, x_title, y_title)
    for arch, a, b in zip(data.archs, data.proxy_rank, data.target_rank, strict=True):
        colour = COLOURS["top"] if abs(a - b) > top_n else COLOURS["main"]
        figure.add_trace(go.Scatter(x=[proxy.proxy, proxy.target], y=[a, b], mode="lines+markers",
                                    line={"color": colour, "width": 1.5}, showlegend=False, name=arch,
                                    hovertemplate=f"arch {arch}<br>%{{x}} rank %{{y:.0f}}<extra></extra>"))
    # Ranks in a large table run into the thousands, so a log axis keeps the top readable there;
    # a short list reads better on a linear axis.
    max_rank = float(np.nanmax(np.concatenate([data.proxy_rank, data.target_rank])))
    if max_rank > 50:
        figure.update_yaxes(autorange="reversed", type="log", dtick=1)
    else:
        figure.update_yaxes(autorange="reversed", type="linear")
    return figure
