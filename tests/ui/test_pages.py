"""Every page, opened the way a user would, on a full, a single-seed, a NaN-laden and an empty database."""

from __future__ import annotations

import pytest

from nasdiag.store import Store, export_bundle
from tests.ui.conftest import PAGES, add_search_experiment, open_app, plotly_charts

DIAGNOSTIC_PAGES = ("noise", "proxy", "coverage", "architecture", "report")


def _texts(app, kind: str) -> list[str]:
    return [element.value for element in getattr(app, kind)]


@pytest.mark.parametrize("page", list(PAGES))
def test_page_opens_on_multi_seed_experiment(use_db, user_dirs, page):
    use_db("multi_seed")
    app = open_app(page)
    assert not app.exception, app.exception
    assert not _texts(app, "error")


@pytest.mark.parametrize("page", ["noise", "proxy", "coverage", "architecture"])
def test_diagnostics_page_draws_charts(use_db, page):
    use_db("multi_seed")
    app = open_app(page)
    assert len(plotly_charts(app)) >= 1
    captions = " ".join(_texts(app, "caption"))
    assert "How to read this" in captions


@pytest.mark.parametrize("page", list(PAGES))
def test_page_opens_on_single_seed_experiment(use_db, user_dirs, page):
    use_db("single_seed")
    app = open_app(page)
    assert not app.exception, app.exception
    assert not _texts(app, "error")


def test_noise_page_explains_single_seed(use_db):
    use_db("single_seed")
    app = open_app("noise")
    notes = " ".join(_texts(app, "info") + _texts(app, "warning"))
    assert "single seed" in notes or "insufficient data" in notes


@pytest.mark.parametrize("page", list(PAGES))
def test_page_opens_with_nan_metrics(use_db, user_dirs, page):
    use_db("nan_metrics")
    app = open_app(page)
    assert not app.exception, app.exception
    assert not _texts(app, "error")


def test_report_counts_left_out_nan_trials(use_db):
    use_db("nan_metrics")
    app = open_app("report")
    assert any("were left out of every statistic" in text for text in _texts(app, "warning"))


@pytest.mark.parametrize("page", list(PAGES))
def test_page_opens_on_empty_database(use_db, user_dirs, page):
    use_db("empty")
    app = open_app(page)
    assert not app.exception, app.exception
    assert not _texts(app, "error")


def test_empty_database_points_to_run_and_import(use_db):
    use_db("empty")
    app = open_app("noise")
    assert any("no experiments yet" in text for text in _texts(app, "info"))


def test_first_start_opens_on_demo_bundle(tmp_path, db_path, monkeypatch):
    source = Store(tmp_path / "source.duckdb")
    experiment_id = add_search_experiment(source, name="bundled demo", n_archs=4, seeds=2)
    export_bundle(source, experiment_id, tmp_path / "bundle")
    monkeypatch.setenv("NASDIAG_DEMO", str(tmp_path / "bundle"))
    app = open_app()
    assert not app.exception
    assert app.query_params["experiment"] == experiment_id
    assert any("bundled demo" in text for text in _texts(app, "subheader"))


def test_demo_not_loaded_into_used_database(tmp_path, store, monkeypatch):
    add_search_experiment(store, name="mine", n_archs=4, seeds=2)
    source = Store(tmp_path / "source.duckdb")
    export_bundle(source, add_search_experiment(source, name="bundled demo", n_archs=4, seeds=2), tmp_path / "bundle")
    monkeypatch.setenv("NASDIAG_DEMO", str(tmp_path / "bundle"))
    open_app()
    assert store.list_experiments()["name"].tolist() == ["mine"]


def test_url_parameter_selects_experiment(store):
    first = add_search_experiment(store, name="first", n_archs=4, seeds=2)
    add_search_experiment(store, name="second", n_archs=4, seeds=2, rng_seed=1)
    app = open_app(query={"experiment": first})
    assert app.query_params["experiment"] == first
    assert any("first" in text for text in _texts(app, "subheader"))


def test_sidebar_picker_changes_experiment(store):
    first = add_search_experiment(store, name="first", n_archs=4, seeds=2)
    second = add_search_experiment(store, name="second", n_archs=4, seeds=2, rng_seed=1)
    app = open_app(query={"experiment": first})
    app.sidebar.selectbox(key="sidebar_experiment_picker").set_value(second).run()
    assert app.query_params["experiment"] == second
    app.switch_page(PAGES["noise"]).run()
    assert app.session_state["experiment"] == second


def test_unknown_url_experiment_falls_back(store):
    only = add_search_experiment(store, n_archs=4, seeds=2)
    app = open_app(query={"experiment": "does-not-exist"})
    assert not app.exception
    assert app.query_params["experiment"] == only


def test_architecture_page_opens_arch_from_url(use_db):
    store = Store(use_db("multi_seed"))
    experiment_id = store.list_experiments()["experiment_id"][0]
    archs = store.load_architectures(experiment_id)
    wanted = archs.iloc[3]
    app = open_app("architecture", query={"experiment": experiment_id, "arch_hash": wanted["arch_hash"]})
    assert app.selectbox(key="arch_picker").value == wanted["arch_hash"]
    assert wanted["arch"] in [code.value for code in app.code]


def test_proxy_page_fidelity_pickers_swap(use_db):
    use_db("multi_seed")
    app = open_app("proxy")
    app.selectbox(key="proxy_target").set_value("proxy").run()
    assert not app.exception
    assert app.selectbox(key="proxy_proxy").value == "target"


def test_noise_calculator_matches_seeds_needed(use_db):
    from nasdiag.diagnostics import seeds_needed

    use_db("multi_seed")
    app = open_app("noise")
    app.number_input(key="calc_delta").set_value(0.01).run()
    app.number_input(key="calc_sd").set_value(0.006).run()
    expected = seeds_needed(0.01, 0.006, alpha=0.05, power=0.8)
    assert any(f"**{expected:.0f} seeds per architecture**" in text for text in _texts(app, "success"))


def test_report_offers_both_downloads(use_db):
    use_db("multi_seed")
    app = open_app("report")
    labels = [button.proto.label for button in app.get("download_button")]
    assert labels == ["Download Markdown", "Download HTML"]


def test_report_downloads_render_verdicts(use_db):
    from nasdiag.ui import data

    path = use_db("multi_seed")
    store = Store(path)
    experiment_id = store.list_experiments()["experiment_id"][0]
    n_trials = store.trial_count(experiment_id)
    markdown = data.report_text(str(path), experiment_id, n_trials, "md")
    html = data.report_text(str(path), experiment_id, n_trials, "html", False)
    assert "| mode | verdict |" in markdown
    assert "Evaluation noise" in markdown
    assert html.startswith("<!DOCTYPE html>")
    assert "Search-space coverage" in html


def test_noise_ranking_seeds_control_rejudges(use_db):
    use_db("multi_seed")
    app = open_app("noise")
    slider = next(s for s in app.select_slider if s.label == "Seeds the search ranks by")
    assert slider.value == 1  # this experiment stores no search config: judged as a one-seed ranking
    assert "ICC(1)" in [m.label for m in app.metric]
    slider.set_value(3).run()
    assert not app.exception, app.exception
    assert "ICC(3)" in [m.label for m in app.metric]
    boxes = [str(e.value) for e in [*app.success, *app.warning, *app.error, *app.info]]
    assert any("for the search's ranking by the mean of 3 seeds" in box for box in boxes)
    # Overview and Report judge the same ranking, and the Noise page keeps the choice.
    for page in ("overview", "report", "noise"):
        app.switch_page(PAGES[page]).run()
        assert not app.exception, app.exception
        assert "as set on the Noise page" in " ".join(str(c.value) for c in app.caption), page
    slider = next(s for s in app.select_slider if s.label == "Seeds the search ranks by")
    assert slider.value == 3


def test_overview_best_column_for_every_metric_name(store, tmp_path):
    import numpy as np
    import pandas as pd

    from nasdiag.cli import main

    rng = np.random.default_rng(0)
    rows = [{"arch": f"a{i}", "seed": s, "fidelity": "target", "metric": 0.9 + 0.005 * i + rng.normal(0, 0.003)}
            for i in range(6) for s in range(3)]
    path = tmp_path / "runs.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    assert main(["import", str(path), "--db", str(store.path), "--name", "imported"]) == 0
    add_search_experiment(store, name="searched")
    app = open_app()
    table = app.dataframe[0].value
    assert table["best"].notna().all()
    assert table["metric"].nunique() == 2
    assert (table["task"] != "None").all()
