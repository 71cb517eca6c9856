"""Shared layout for every nasdiag figure: template, titles, and the empty-figure message."""

from __future__ import annotations

import plotly.graph_objects as go

TEMPLATE = "plotly_white"
COLOURS = {"main": "#0969da", "top": "#cf222e", "band": "rgba(9, 105, 218, 0.15)", "baseline": "#1a7f37",
           "muted": "#8c959f"}


def base_figure(title: str, x_title: str, y_title: str) -> go.Figure:
    """Create a figure with the house template and titled axes."""
    figure = go.Figure()
    figure.update_layout(template=TEMPLATE, title={"text": title}, xaxis_title=x_title, yaxis_title=y_title,
                         hoverlabel={"namelength": -1}, margin={"t": 60, "l": 70, "r": 30, "b": 60})
    return figure


def empty_figure(title: str, x_title: str, y_title: str, message: str) -> go.Figure:
    """Create a figure with titles and a centred message instead of data."""
    figure = base_figure(title, x_title, y_title)
    figure.add_annotation(text=message, xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
                          font={"size": 14, "color": COLOURS["muted"]})
    figure.update_xaxes(showticklabels=False)
    figure.update_yaxes(showticklabels=False)
    return figure


def metric_label(metric_name: str) -> str:
    return metric_name or "metric"


def short_arch_ticks(figure: go.Figure, archs: list[str], axis: str = "x", max_chars: int = 18) -> go.Figure:
    """Label a categorical architecture axis by rank (#1, #2, ...) when the strings are long.

    Canonical architecture strings run to 60+ characters, and as tick labels they squeeze the
    plot into a sliver; hover text still names the full architecture.
    """
    if not archs or max(len(arch) for arch in archs) <= max_chars:
        return figure
    labels = [f"#{rank}" for rank in range(1, len(archs) + 1)]
    update = {"tickmode": "array", "tickvals": list(archs), "ticktext": labels, "tickangle": 0}
    if axis == "x":
        figure.update_xaxes(**update)
    else:
        figure.update_yaxes(**update)
    return figure
