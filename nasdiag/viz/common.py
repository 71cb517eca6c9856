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
