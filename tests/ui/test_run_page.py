"""The Run page: cost estimate, validation, following, cancelling and starting a search."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from nasdiag.search.setup import build_search_config, estimate_cost
from tests.ui.conftest import add_search_experiment, open_app


def test_run_page_shows_cost_estimate(db_path, user_dirs):
    app = open_app("run")
    assert not app.exception
    config = build_search_config(space=str(next((user_dirs["runs"] / "spaces").glob("*.yaml"))), task="digits",
                                 budget=12, seeds=3, proxies=["proxy:epochs=2,data=0.25"], target="target:epochs=10",
                                 name="random-digits-digits_cell")
    expected = estimate_cost(config, train_samples=1, workers=1).trials
    assert any(f"Cost estimate: {expected} trials" in info.value for info in app.info)
    assert any(config.experiment_id() in info.value for info in app.info)


def test_class_subset_outside_task_is_rejected(db_path, user_dirs):
    app = open_app("run")
    app.text_input(key="proxy_classes").input("0-12").run()
    assert not app.exception
    assert any("cannot start" in error.value and "classes" in error.value for error in app.error)
    assert "start_search" not in [button.key for button in app.button]


def test_noise_setup_reaches_the_command_and_the_id(db_path, user_dirs):
    app = open_app("run")
    app.selectbox(key="run_data_order").set_value("fixed").run()
    app.number_input(key="run_rank_seeds").set_value(1).run()
    assert not app.exception, app.exception
    config = build_search_config(space=str(next((user_dirs["runs"] / "spaces").glob("*.yaml"))), task="digits",
                                 budget=12, seeds=3, rank_seeds=1, data_order="fixed",
                                 proxies=["proxy:epochs=2,data=0.25"], target="target:epochs=10",
                                 name="random-digits-digits_cell")
    assert any(config.experiment_id() in info.value for info in app.info)
    command = " ".join(str(code.value) for code in app.code)
    assert "--data-order fixed" in command
    assert "--rank-seeds 1" in command
    app.number_input(key="run_seeds").set_value(4).run()  # ranked by 1 of 3: stays 1
    assert app.number_input(key="run_rank_seeds").value == 1
    app.number_input(key="run_rank_seeds").set_value(4).run()
    app.number_input(key="run_seeds").set_value(5).run()  # ranked by all seeds: follows the count
    assert app.number_input(key="run_rank_seeds").value == 5
    app.number_input(key="run_rank_seeds").set_value(3).run()
    app.number_input(key="run_seeds").set_value(2).run()  # fewer seeds than the rank input contains
    assert not app.exception, app.exception
    assert app.number_input(key="run_rank_seeds").value == 2


def test_user_cancels_running_search(store, user_dirs):
    experiment_id = add_search_experiment(store, n_archs=4, seeds=2, status="running", pid=os.getpid())
    app = open_app("run", query={"experiment": experiment_id})
    app.button(key=f"cancel_{experiment_id}").click().run()
    assert not app.exception
    assert store.cancel_requested(experiment_id)
    assert any("Cancel requested" in info.value for info in app.info)


def test_vanished_search_process_shows_resume_hint(store, user_dirs):
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    experiment_id = add_search_experiment(store, n_archs=4, seeds=2, status="running", pid=finished.pid)
    app = open_app("run", query={"experiment": experiment_id})
    assert any("Start the same search again to resume" in warning.value for warning in app.warning)


def test_finished_search_shows_full_progress(store, user_dirs):
    experiment_id = add_search_experiment(store, n_archs=4, seeds=2)
    app = open_app("run", query={"experiment": experiment_id})
    progress = app.get("progress")
    assert progress[0].value == 100
    assert len(app.get("plotly_chart")) == 1


@pytest.mark.slow
def test_user_starts_small_search_and_sees_it_finish(store, user_dirs):
    # Another experiment is already stored, so the page must keep following the new search
    # while its process starts instead of falling back to the stored one.
    add_search_experiment(store, name="older", n_archs=4, seeds=2)
    app = open_app("run")
    app.number_input(key="run_budget").set_value(2)
    app.number_input(key="run_seeds").set_value(2)
    app.number_input(key="proxy_epochs").set_value(1)
    app.number_input(key="target_epochs").set_value(1)
    app.toggle(key="run_baselines").set_value(False)
    app.run()
    app.button(key="start_search").click().run()
    assert not app.exception
    experiment_id = app.query_params["experiment"]
    assert experiment_id not in store.list_experiments()["experiment_id"].tolist()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        time.sleep(2)
        app.run()
        progress = app.get("progress")
        if progress and progress[0].value == 100 and "finished" in progress[0].proto.text:
            break
    else:
        pytest.fail(f"search {experiment_id} did not finish in 240 s; log: {list(user_dirs['runs'].glob('*.log'))}")
    assert not app.exception
    assert list(user_dirs["runs"].glob("search-*.log"))
    # 2 archs x 2 seeds x 2 fidelities.
    assert "8 of 8 trials" in app.get("progress")[0].proto.text
    assert app.query_params["experiment"] == experiment_id
