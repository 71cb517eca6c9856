"""Render a Diagnosis as plain text (terminal), Markdown or one self-contained HTML file."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from nasdiag.diagnostics import Diagnosis
from nasdiag.diagnostics.verdicts import Verdict

MODE_TITLES = {"noise": "Evaluation noise", "proxy": "Proxy vs target", "coverage": "Search-space coverage"}
LEVEL_COLOURS = {"ok": "#1a7f37", "warn": "#9a6700", "fail": "#cf222e", "insufficient data": "#57606a"}


# Differences this small are floating-point rounding of an exact 0 (such as -3.7e-17).
ROUNDING_ZERO = 1e-12


def _check_level(check) -> str:
    """Return a check's level for a table: "not judged" when it does not apply or has no value."""
    return check.level if check.judged else "not judged"


def _number(value: float | None, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if isinstance(value, float) and abs(value) < ROUNDING_ZERO:
        value = 0.0
    return f"{value:.{digits}g}" if isinstance(value, float) else str(value)


def _interval(bounds: Sequence[float]) -> str:
    return f"[{_number(bounds[0])}, {_number(bounds[1])}]"


def key_figures(diagnosis: Diagnosis) -> dict[str, list[tuple[str, str]]]:
    """Format the headline figures of each mode as (label, value) pairs."""
    noise = diagnosis.noise
    figures = {
        "noise": [
            ("fidelity", noise.fidelity),
            ("architectures (with 2+ seeds)", f"{noise.n_archs} ({noise.n_multi_seed_archs})"),
            ("noise floor (pooled sd)", f"{_number(noise.noise_floor.sd)} {_interval(noise.noise_floor.ci)}"),
            ("ICC(1)", f"{_number(noise.icc.icc)} {_interval(noise.icc.ci)}"),
            ("seed-vs-seed Kendall tau, all / top", f"{_number(noise.rank_tau_all)} / {_number(noise.rank_tau_top)}"),
            ("winner's curse of a one-seed ranking (expected drop)", _number(noise.winners_curse)),
            *([] if noise.ranking_seeds == 1 else [
                (f"ICC({noise.ranking_seeds}) of the search's ranking by the mean of {noise.ranking_seeds} seeds",
                 f"{_number(noise.icc_ranking)} {_interval(noise.icc_ranking_ci)}"),
                ("winner's curse of that ranking (expected drop)", _number(noise.winners_curse_ranking)),
            ]),
            ("seeds needed for the top gap", f"{_number(noise.seeds_needed)} (gap {_number(noise.delta)})"),
        ],
    }
    proxy = diagnosis.proxy
    if proxy is not None:
        corr = proxy.correlation
        overlaps = ", ".join(f"k={o.label}: {o.overlap}/{o.k}" for o in proxy.top_k)
        figures["proxy"] = [
            ("proxy -> target", f"{proxy.proxy} -> {proxy.target} ({proxy.n_common} archs)"),
            ("Kendall tau-b", f"{_number(corr.kendall_tau)} {_interval(corr.kendall_tau_ci)}"),
            ("Spearman rho", f"{_number(corr.spearman_rho)} {_interval(corr.spearman_rho_ci)}"),
            (f"Kendall tau, {proxy.top_label}", f"{_number(proxy.top_correlation.kendall_tau)} "
             f"{_interval(proxy.top_correlation.kendall_tau_ci)}"),
            ("top-k overlap", overlaps),
            ("regret of the proxy's pick", f"{_number(proxy.regret)} (its target rank {proxy.proxy_pick_target_rank})"),
            ("Spearman proxy vs params / FLOPs", f"{_number(proxy.model_size.rho_proxy_params)} / "
             f"{_number(proxy.model_size.rho_proxy_flops)}"),
        ]
    else:
        figures["proxy"] = [("proxy", "none: the table has one fidelity")]
    coverage = diagnosis.coverage
    gap = coverage.baseline_gap
    figures["coverage"] = [
        ("sampled architectures", str(coverage.n_sampled_archs)),
        ("space ops", f"{', '.join(coverage.space_ops) or 'unknown'} ({coverage.space_ops_source})"),
        ("ops baselines use that the space lacks", ", ".join(coverage.lacking_ops) or "none"),
        ("best found vs best baseline", f"{_number(gap.best_found_mean)} vs {_number(gap.best_baseline_mean)}, "
         f"gap {_number(gap.gap)} {_interval(gap.gap_ci)}"),
        ("receptive field below input", _number(coverage.receptive_field.share_below_input)),
        ("share of the space evaluated", _number(coverage.share_evaluated)),
    ]
    return figures


def _trial_line(diagnosis: Diagnosis) -> str:
    excluded = diagnosis.excluded
    return (f"{excluded.n_used} of {excluded.n_rows} trials used; higher is "
            f"{'better' if diagnosis.maximize else 'worse'}.")


def render_text(diagnosis: Diagnosis, meta: Mapping[str, str] | None = None) -> str:
    """Render a plain-text report for the terminal: verdicts first, then the figures behind them."""
    lines = [f"nasdiag diagnosis of {meta.get('source', 'trials') if meta else 'trials'}", _trial_line(diagnosis)]
    lines += [f"note: {n}" for n in diagnosis.notes]
    lines.append("")
    for mode, verdict in diagnosis.verdicts.items():
        lines.append(f"{MODE_TITLES[mode]}: {verdict.level.upper()}")
        lines.append(f"  {verdict.summary}")
        for check in verdict.checks:
            if check.level != "ok":
                lines.append(f"  - {check.level}: {check.message} = {_number(check.value)} "
                             f"(threshold {_number(check.threshold)})")
        lines.append(f"  fix: {verdict.fix}")
        for label, value in key_figures(diagnosis)[mode]:
            lines.append(f"    {label}: {value}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _markdown_verdict(mode: str, verdict: Verdict, figures: list[tuple[str, str]]) -> list[str]:
    lines = [f"## {MODE_TITLES[mode]}: **{verdict.level}**", "", verdict.summary, "", f"**Fix:** {verdict.fix}", ""]
    lines += ["| check | value | threshold | level |", "|---|---|---|---|"]
    lines += [f"| {c.message} | {_number(c.value)} | {_number(c.threshold)} | {_check_level(c)} |" for c in verdict.checks]
    lines += ["", "| figure | value |", "|---|---|"]
    lines += [f"| {label} | {value} |" for label, value in figures]
    return lines + [""]


def render_markdown(diagnosis: Diagnosis, meta: Mapping[str, str] | None = None) -> str:
    """Render a Markdown report: a verdict table, then one section per failure mode."""
    meta = dict(meta or {})
    title = meta.pop("title", "nasdiag diagnosis")
    lines = [f"# {title}", ""]
    lines += [f"- {key}: {value}" for key, value in meta.items()]
    lines += [f"- {_trial_line(diagnosis)}"] + [f"- note: {n}" for n in diagnosis.notes] + [""]
    lines += ["| mode | verdict |", "|---|---|"]
    lines += [f"| {MODE_TITLES[m]} | {v.level} |" for m, v in diagnosis.verdicts.items()] + [""]
    figures = key_figures(diagnosis)
    for mode, verdict in diagnosis.verdicts.items():
        lines += _markdown_verdict(mode, verdict, figures[mode])
    return "\n".join(lines).rstrip() + "\n"


_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2rem auto; color: #1f2328; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
td, th { border: 1px solid #d0d7de; padding: 0.25rem 0.6rem; text-align: left; }
.level { font-weight: 700; text-transform: uppercase; }
"""


def render_html(
    diagnosis: Diagnosis,
    meta: Mapping[str, str] | None = None,
    figures: Sequence[go.Figure] | None = None,
    *,
    plotly_js: str = "inline",
) -> str:
    """One standalone HTML page: verdicts as plain HTML tables, then the figures.

    The verdicts need no script. With ``plotly_js="inline"`` the plotly.js bundle (about
    4 MB) is embedded once, so the figures work offline. With ``"omit"`` the figures are
    left out and the page stays small.
    """
    if plotly_js not in ("inline", "omit"):
        raise ValueError(f"plotly_js must be 'inline' or 'omit', got {plotly_js!r}")
    meta = dict(meta or {})
    title = html.escape(meta.pop("title", "nasdiag diagnosis"))
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>",
             f"<style>{_STYLE}</style></head><body>", f"<h1>{title}</h1><ul>"]
    parts += [f"<li>{html.escape(str(k))}: {html.escape(str(v))}</li>" for k, v in meta.items()]
    parts += [f"<li>{html.escape(_trial_line(diagnosis))}</li>"]
    parts += [f"<li>note: {html.escape(n)}</li>" for n in diagnosis.notes] + ["</ul>"]
    key = key_figures(diagnosis)
    for mode, verdict in diagnosis.verdicts.items():
        colour = LEVEL_COLOURS[verdict.level]
        parts.append(f"<h2>{MODE_TITLES[mode]}: <span class='level' style='color:{colour}'>"
                     f"{html.escape(verdict.level)}</span></h2>")
        parts.append(f"<p>{html.escape(verdict.summary)}</p><p><b>Fix:</b> {html.escape(verdict.fix)}</p>")
        parts.append("<table><tr><th>check</th><th>value</th><th>threshold</th><th>level</th></tr>")
        parts += [f"<tr><td>{html.escape(c.message)}</td><td>{_number(c.value)}</td><td>{_number(c.threshold)}</td>"
                  f"<td style='color:{LEVEL_COLOURS[c.level]}'>{_check_level(c)}</td></tr>" for c in verdict.checks]
        parts.append("</table><table><tr><th>figure</th><th>value</th></tr>")
        parts += [f"<tr><td>{html.escape(label)}</td><td>{html.escape(value)}</td></tr>" for label, value in key[mode]]
        parts.append("</table>")
    if figures and plotly_js == "inline":
        parts.append("<h2>Figures</h2>")
        for index, figure in enumerate(figures):
            parts.append(figure.to_html(full_html=False, include_plotlyjs="inline" if index == 0 else False))
    elif figures:
        parts.append("<p>Figures omitted (plotly_js='omit').</p>")
    parts.append("</body></html>")
    return "\n".join(parts)
