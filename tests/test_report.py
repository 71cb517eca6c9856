"""Markdown and HTML reports of a diagnosis."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import pytest

from nasdiag.diagnostics import diagnose
from nasdiag.report import render_html, render_markdown, render_text
from nasdiag.viz import diagnosis_figures
from tests.diagnostics.synthetic import make_trials


@pytest.fixture(scope="module")
def diagnosis():
    trials = make_trials(np.random.default_rng(0), n_archs=40, noise_sd=0.1, baseline_offset=0.05,
                         baseline_ops="conv_3x3;dil_conv_3x3")
    return diagnose(trials, n_resamples=100)


def test_markdown_lists_every_verdict(diagnosis):
    text = render_markdown(diagnosis, {"title": "Run 7", "source": "runs.csv"})
    assert text.startswith("# Run 7\n")
    assert "- source: runs.csv" in text
    for verdict in diagnosis.verdicts.values():
        assert verdict.summary in text
        assert verdict.fix in text
    assert "| Evaluation noise | fail |" in text
    assert "dil_conv_3x3" in text


def test_text_report_shows_failing_checks(diagnosis):
    text = render_text(diagnosis, {"source": "runs.csv"})
    assert "Evaluation noise: FAIL" in text
    assert "- fail:" in text
    assert "fix:" in text


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts.append(dict(attrs))

    def handle_data(self, data):
        self.text.append(data)


def test_html_without_figures_needs_no_script(diagnosis):
    page = render_html(diagnosis, {"source": "runs.csv"})
    parser = _Collector()
    parser.feed(page)
    assert parser.scripts == []
    body = " ".join(parser.text)
    assert "Search-space coverage" in body
    assert diagnosis.verdicts["proxy"].summary in body


def test_html_inlines_plotly_without_cdn(diagnosis):
    page = render_html(diagnosis, figures=diagnosis_figures(diagnosis)[:2])
    opening_tags = re.findall(r"<script[^>]*>", page)
    assert opening_tags
    assert not any("src=" in tag for tag in opening_tags)  # no external script, so it opens offline
    assert page.count("Plotly.newPlot") == 2


def test_html_omit_leaves_figures_out(diagnosis):
    page = render_html(diagnosis, figures=diagnosis_figures(diagnosis)[:2], plotly_js="omit")
    assert "Plotly.newPlot" not in page
    assert len(page) < 100_000


def test_html_escapes_meta(diagnosis):
    page = render_html(diagnosis, {"source": "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_html_rejects_unknown_js_mode(diagnosis):
    with pytest.raises(ValueError, match="plotly_js"):
        render_html(diagnosis, plotly_js="cdn")


def test_report_names_the_ranking_seeds():
    trials = make_trials(np.random.default_rng(0), n_archs=40, noise_sd=0.1)
    single = render_markdown(diagnose(trials, n_resamples=100), {"title": "t"})
    three = diagnose(trials, n_resamples=100, ranking_seeds=3)
    text = render_markdown(three, {"title": "t"})
    assert "ICC(3) of the search's ranking by the mean of 3 seeds" not in single
    assert "ICC(3) of the search's ranking by the mean of 3 seeds" in text
    assert f"seeds | {three.noise.icc_ranking:.3g} [" in text
