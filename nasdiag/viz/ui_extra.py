"""Figures the dashboard needs beyond the diagnostics figures: drawings of a cell (with the ops
allowed or chosen on each edge) and of a chain architecture.

Each builder takes plain data and returns a `go.Figure`; empty input gives an empty figure
with its title and a message, never an exception.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from nasdiag.viz.common import TEMPLATE, empty_figure

CELL_EDGE_KEYS = ("1<-0", "2<-0", "2<-1", "3<-0", "3<-1", "3<-2")

# Node positions of the 4-node cell, input on the left, output on the right.
_NODE_X = {0: 0.0, 1: 1.0, 2: 2.0, 3: 3.0}
# Curve height of each edge: adjacent nodes get straight edges, longer edges arc above or below.
_EDGE_BEND = {"1<-0": 0.0, "2<-1": 0.0, "3<-2": 0.0, "2<-0": 0.9, "3<-1": -0.9, "3<-0": 1.7}


def cell_figure(edge_labels: Mapping[str, Sequence[str]], *, title: str) -> go.Figure:
    """Draw the 4-node cell with the ops of each edge written on it.

    `edge_labels` maps an edge key ("2<-0") to its ops: every allowed op for a space, the one
    chosen op for an architecture. An edge whose only op is `none` is drawn dashed and grey.
    """
    figure = go.Figure()
    label_x, label_y, label_text, hover = [], [], [], []
    for key in CELL_EDGE_KEYS:
        target, source = (int(part) for part in key.split("<-"))
        ops = list(edge_labels.get(key, ()))
        x0, x1 = _NODE_X[source], _NODE_X[target]
        bend = _EDGE_BEND[key]
        control_x, control_y = (x0 + x1) / 2, 2 * bend
        cut = ops == ["none"] or not ops
        figure.add_shape(
            type="path",
            path=f"M {x0},0 Q {control_x},{control_y} {x1},0",
            line={"color": "#cbd5e1" if cut else "#334155", "width": 2, "dash": "dash" if cut else "solid"},
            layer="below",
        )
        # Midpoint of the quadratic Bezier curve: 0.25 * P0 + 0.5 * C + 0.25 * P1.
        label_x.append(0.25 * x0 + 0.5 * control_x + 0.25 * x1)
        label_y.append(0.5 * control_y)
        label_text.append("<br>".join(ops) if ops else "(no op)")
        hover.append(f"edge {key} (node {source} to node {target})<br>" + (", ".join(ops) or "no op"))
    figure.add_trace(go.Scatter(
        x=label_x, y=label_y, mode="text", text=label_text, textfont={"size": 11, "color": "#0f172a"},
        hovertext=hover, hoverinfo="text", showlegend=False,
    ))
    names = {0: "input", 1: "node 1", 2: "node 2", 3: "output"}
    figure.add_trace(go.Scatter(
        x=list(_NODE_X.values()), y=[0, 0, 0, 0], mode="markers+text",
        marker={"size": 34, "color": "#dbeafe", "line": {"color": "#2563eb", "width": 2}},
        text=[str(node) for node in _NODE_X], textfont={"size": 14}, hovertext=[names[n] for n in _NODE_X],
        hoverinfo="text", showlegend=False,
    ))
    figure.update_layout(
        template=TEMPLATE, title=title, height=360, margin={"l": 10, "r": 10, "t": 50, "b": 10},
        xaxis={"visible": False, "range": [-0.4, 3.4]}, yaxis={"visible": False, "range": [-1.3, 2.0]},
    )
    return figure


def chain_figure(stages: Sequence[tuple[int, int, Sequence[str]]], strides: Sequence[int], *, title: str,
                 residual: bool = False) -> go.Figure:
    """Draw a chain architecture: the stem, each stage's blocks (op and width), the head."""
    if not stages:
        return empty_figure(title, "", "", "No stages to draw.")
    figure = go.Figure()
    boxes: list[tuple[str, str, str]] = [("stem", "stem conv", "#e2e8f0")]
    for index, (_, width, ops) in enumerate(stages):
        stride = strides[index] if index < len(strides) else 1
        for block, op in enumerate(ops):
            note = f"stage {index}, block {block}, {width} channels"
            if block == 0 and stride == 2:
                note += ", stride 2"
            colour = "#dbeafe" if index % 2 == 0 else "#dcfce7"
            boxes.append((op.replace("_", " "), note, colour))
    boxes.append(("pool + linear", "global average pool, then the linear classifier", "#e2e8f0"))
    for position, (_, _, colour) in enumerate(boxes):
        figure.add_shape(type="rect", x0=position - 0.42, x1=position + 0.42, y0=-0.5, y1=0.5,
                         fillcolor=colour, line={"color": "#334155"}, layer="below")
        if position:
            figure.add_annotation(x=position - 0.42, y=0, ax=position - 0.58, ay=0, xref="x", yref="y",
                                  axref="x", ayref="y", showarrow=True, arrowhead=2, arrowcolor="#334155")
    figure.add_trace(go.Scatter(
        x=list(range(len(boxes))), y=[0] * len(boxes), mode="text",
        text=[_wrap(label) for label, _, _ in boxes], textfont={"size": 12, "color": "#0f172a"},
        hovertext=[f"{label}: {note}" for label, note, _ in boxes], hoverinfo="text", showlegend=False,
    ))
    subtitle = " (residual shortcut around every block)" if residual else ""
    figure.update_layout(
        template=TEMPLATE, title=title + subtitle, height=220, margin={"l": 10, "r": 10, "t": 50, "b": 10},
        xaxis={"visible": False, "range": [-0.6, len(boxes) - 0.4]}, yaxis={"visible": False, "range": [-0.8, 0.8]},
    )
    return figure


def _wrap(label: str) -> str:
    words = label.split(" ")
    if len(words) <= 2:
        return "<br>".join(words)
    return " ".join(words[:2]) + "<br>" + " ".join(words[2:])
