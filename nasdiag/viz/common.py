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


def add_baseline_lines(figure: go.Figure, baselines: dict, axis: str = "x", colour: str = "#15803d") -> go.Figure:
    """Mark each baseline's score with a dashed line labelled B1, B2, ... and name it in the legend.

    Full architecture strings as line labels overlap each other and the data, so the line gets a
    short tag and the legend entry carries the (shortened) name.
    """
    for index, (name, value) in enumerate(baselines.items(), start=1):
        tag = f"B{index}"
        position = "top left" if index % 2 else "top right"
        if axis == "x":
            figure.add_vline(x=value, line_dash="dash", line_color=colour, annotation_text=tag,
                             annotation_position=position)
        else:
            figure.add_hline(y=value, line_dash="dash", line_color=colour, annotation_text=tag,
                             annotation_position="bottom left" if index % 2 else "top left")
        label = str(name) if len(str(name)) <= 42 else str(name)[:40] + "..."
        figure.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=f"{tag}: baseline {label}",
                                    line={"color": colour, "dash": "dash"}, hoverinfo="skip"))
    if baselines:
        # Below the plot, so long names do not take the width from the data in narrow columns.
        figure.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0})
    return figure
