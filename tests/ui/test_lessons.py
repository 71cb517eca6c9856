"""The Learn section: each lesson opens on its bundled experiment and its controls change what it shows."""

from __future__ import annotations

import os
import signal
import time

import pytest
from streamlit.testing.v1 import AppTest

from nasdiag.lessons import live
from nasdiag.lessons.bundles import bundled_experiment_id
from nasdiag.search import InlineExecutor, run_search
from nasdiag.search.setup import build_search_config
from nasdiag.store import Store
from tests.ui.conftest import APP, REPO_ROOT

LESSON_FILES = {
    "mismatch": "nasdiag/ui/lessons/mismatch_page.py",
    "proxy": "nasdiag/ui/lessons/proxy_page.py",
    "noise": "nasdiag/ui/lessons/noise_page.py",
}


def open_lesson(lesson: str, timeout: float = 180) -> AppTest:
    app = AppTest.from_file(str(REPO_ROOT / LESSON_FILES[lesson]), default_timeout=timeout)
    app.run()
    return app


def texts(app: AppTest, kind: str = "markdown") -> str:
    return "\n".join(str(element.value) for element in getattr(app, kind))


def metric(app: AppTest, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


@pytest.mark.parametrize("lesson", list(LESSON_FILES))
def test_lesson_opens_from_navigation(db_path, lesson):
    app = AppTest.from_file(APP, default_timeout=180)
    app.run()
    app.switch_page(LESSON_FILES[lesson]).run()
    assert not app.exception, app.exception
    assert app.title[0].value.startswith("Lesson")


@pytest.mark.parametrize("lesson", list(LESSON_FILES))
def test_lesson_opens_with_bundled_numbers(db_path, lesson):
    app = open_lesson(lesson)
    assert not app.exception, app.exception
    problems = [e.value for e in app.error if "verdict:" not in str(e.value)]  # a fail verdict is shown as an error
    assert not problems
    assert "bundled run" in texts(app, "caption")
    assert len(app.get("plotly_chart")) >= 1


@pytest.mark.parametrize("lesson", list(LESSON_FILES))
def test_lesson_hides_model_answers(db_path, lesson):
    app = open_lesson(lesson)
    answers = [e for e in app.expander if e.label.startswith("Show the model answer")]
    assert len(answers) >= 3
    assert "**Q1.**" in texts(app)


def test_mismatch_narrow_space_by_default(db_path):
    app = open_lesson("mismatch")
    assert metric(app, "Largest receptive field") == "9 samples"
    assert metric(app, "Baseline in the space") == "no"
    assert "No architecture of this space sees the whole 40-sample input" in texts(app)
    assert "The best searched architecture reaches" in texts(app)


def test_mismatch_toggles_widen_the_space(db_path):
    app = open_lesson("mismatch")
    for key in ("mismatch_kernels", "mismatch_dilation", "mismatch_depth", "mismatch_downsample"):
        app.toggle(key=key).set_value(True)
    app.run()
    assert not app.exception, app.exception
    assert metric(app, "Baseline in the space") == "yes"
    assert int(metric(app, "Largest receptive field").split()[0]) > 40
    assert "is a member of this space" in texts(app)
    assert "now **kernels+dilation+depth+downsample**" in texts(app)


def test_proxy_slider_switches_proxy(db_path):
    app = open_lesson("proxy")
    slider = app.select_slider(key="proxy_choice")
    first, last = slider.options[0], slider.options[-1]
    assert first.split()[0] in texts(app)
    slider.set_value(last).run()
    assert not app.exception, app.exception
    assert f"proxy {last.split()[0]} (" in texts(app)


def test_proxy_recheck_slider_changes_sentence(db_path):
    app = open_lesson("proxy")
    app.slider(key="proxy_recheck_k").set_value(1).run()
    assert "top 1 at the target" in texts(app)
    app.slider(key="proxy_recheck_k").set_value(10).run()
    assert "top 10 at the target" in texts(app)


def test_noise_seed_slider_changes_ranking(db_path):
    app = open_lesson("noise")
    assert "Ranked by 1 seed, the search picks" in texts(app)
    app.slider(key="noise_bundled_seeds").set_value(4).run()
    assert not app.exception, app.exception
    assert "Ranked by the mean of 4 seeds" in texts(app)
    assert "Judged from its 4 seeds alone, a bootstrap gives the pick" in texts(app)


def verdict_texts(app: AppTest) -> dict[str, list[str]]:
    return {kind: [str(e.value) for e in getattr(app, kind) if "verdict:" in str(e.value)]
            for kind in ("success", "warning", "error")}


def test_noise_shows_failure_and_fix_verdicts(db_path):
    app = open_lesson("noise")
    found = verdict_texts(app)
    # The prepared failure (1-seed ranking) and the slider's default (1 seed) fail; the fix (3 seeds) passes.
    assert any(text.startswith("**noise verdict: fail.**") for text in found["error"])
    assert any(text.startswith("**noise verdict: ok.**") and "ICC(3)" in text for text in found["success"])
    assert "Ranked by **1 seed**, shuffled data order." in texts(app)
    assert "Ranked by **the mean of 3 seeds**, fixed data order." in texts(app)


def test_noise_seed_slider_changes_verdict(db_path):
    app = open_lesson("noise")
    assert len(verdict_texts(app)["error"]) == 2  # the failure, and the slider's 1-seed ranking
    app.slider(key="noise_bundled_seeds").set_value(3).run()
    assert not app.exception, app.exception
    assert len(verdict_texts(app)["error"]) == 1
    assert "The noise verdict for a search that ranks by the mean of 3 seeds:" in texts(app)


def test_noise_order_toggle_switches_experiment(db_path):
    app = open_lesson("noise")
    varied_id = bundled_experiment_id("noise", "varied")
    fixed_id = bundled_experiment_id("noise", "fixed")
    app.toggle(key="noise_fixed_order").set_value(True).run()
    verdicts = " ".join(str(e.value) for e in [*app.success, *app.warning, *app.error])
    assert "noise verdict" in verdicts
    assert varied_id != fixed_id
    assert "Noise floor, fixed order" in [m.label for m in app.metric]


def test_noise_pick_reveals_re_evaluation(db_path):
    app = open_lesson("noise")
    assert app.button(key="noise_reveal").disabled
    label = app.selectbox(key="noise_pick").options[0]
    app.selectbox(key="noise_pick").set_value(label).run()
    app.button(key="noise_reveal").click().run()
    assert not app.exception, app.exception
    assert f"You picked {label}" in texts(app)


@pytest.mark.slow
def test_noise_rerun_shows_finished_results(db_path, user_dirs):
    search = live.noise_rerun(seeds=2, data_order="fixed", budget=3)
    run_search(build_search_config(**search), Store(db_path), executor=InlineExecutor())
    app = open_lesson("noise")
    app.slider(key="noise_rerun_seeds").set_value(2)
    app.slider(key="noise_rerun_budget").set_value(3)
    app.radio(key="noise_rerun_order").set_value("fixed")
    app.button[-1].click().run()  # the form's Run button
    assert not app.exception, app.exception
    assert "your rerun" in texts(app, "caption")
    assert "Ranked by 1 seed" in texts(app)


@pytest.mark.slow
def test_proxy_rerun_starts_a_search(db_path, user_dirs):
    app = open_lesson("proxy")
    app.slider(key="proxy_budget").set_value(4)
    next(b for b in app.button if b.label == "Run").click().run()
    assert not app.exception, app.exception
    state = app.session_state["lesson_proxy_run"]
    assert state.pid is not None
    store = Store(db_path)
    try:
        deadline = time.monotonic() + 120
        while store.find_experiment_by_id(state.experiment_id) is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert store.find_experiment_by_id(state.experiment_id) is not None
        assert list(user_dirs["runs"].glob("search-*.log"))
    finally:
        os.killpg(state.pid, signal.SIGTERM)  # the search runs in its own session: stop it and its workers


@pytest.mark.slow
def test_mismatch_rerun_searches_toggled_space(db_path, user_dirs):
    app = open_lesson("mismatch")
    app.toggle(key="mismatch_dilation").set_value(True).run()
    app.slider(key="mismatch_budget").set_value(2)  # inside the form: sent with the Run click below
    next(b for b in app.button if b.label == "Run").click().run()
    assert not app.exception, app.exception
    state = app.session_state["lesson_mismatch_run"]
    try:
        assert state.search["space"] == str(user_dirs["runs"] / "lesson_spaces" / "mnist1d_chain_lesson_dilation.yaml")
        assert state.search["budget"] == 2
        assert state.pid is not None
    finally:
        os.killpg(state.pid, signal.SIGTERM)  # the search runs in its own session: stop it and its workers
