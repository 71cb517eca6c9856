"""Run: set up a search, estimate its cost, start it in the background and follow it live."""

from __future__ import annotations

import shlex

import streamlit as st

from nasdiag.search import STRATEGIES
from nasdiag.search.setup import SearchSetupError
from nasdiag.store import StoreError
from nasdiag.tasks import list_tasks
from nasdiag.ui import data
from nasdiag.ui.live import render_live
from nasdiag.ui.runs import (
    FidelityChoice,
    RunRequest,
    launch_search,
    prepare_run,
    search_command,
    write_space_file,
)
from nasdiag.ui.space_widgets import TASK_KEY, current_space
from nasdiag.ui.state import (
    PENDING_KEY,
    REPO_ROOT,
    RUNS_DIR,
    db_path,
    get_store,
    select_experiment,
    selected_experiment,
)

SEEDS_BEFORE_KEY = "run_seeds_before"  # the seed count of the previous rerun, for the rank input

st.title("Run a search")
db = str(db_path())

# --- The search to follow ---------------------------------------------------------------------
try:
    experiments = data.list_experiments(db)
except StoreError as error:
    st.error(f"The database {db} could not be read: {error}")
    st.stop()
followed = selected_experiment(experiments["experiment_id"].tolist())
running = experiments[experiments["status"] == "running"]
others = running[running["experiment_id"] != followed]
if len(others):
    st.info(f"{len(others)} other search(es) running on this database: "
            + ", ".join(f"{row.name} ({row.n_trials} trials)" for row in others.itertuples()))
    pick = st.selectbox("Follow a running search", others["experiment_id"].tolist(), key="follow_running",
                        format_func=dict(zip(others["experiment_id"], others["name"], strict=True)).get)
    if st.button("Follow", key="follow_button"):
        select_experiment(pick)
        st.rerun()

if followed is not None:
    render_live(db, followed)

# --- A new search -------------------------------------------------------------------------------
st.subheader("New search")
space, source = current_space()
st.markdown(f"**Search space:** `{space.name}` ({space.family}, {space.cardinality():,} choice combinations; "
            f"from {source}).")
st.page_link("nasdiag/ui/pages/space.py", label="Edit the search space", icon=":material/hub:")

tasks = list(list_tasks())
st.session_state.setdefault(TASK_KEY, "digits")
setup = st.columns(4)
task = setup[0].selectbox("Task", tasks, index=tasks.index(st.session_state[TASK_KEY])
                          if st.session_state[TASK_KEY] in tasks else 0, key="run_task")
st.session_state[TASK_KEY] = task
strategy = setup[1].selectbox("Strategy", list(STRATEGIES), key="run_strategy",
                              help="random: uniform sampling; evolution: regularised evolution; "
                                   "halving: successive halving over the fidelities.")
budget = setup[2].number_input("Budget (architectures)", min_value=1, max_value=10_000, value=12, key="run_budget")
seeds = setup[3].number_input("Seeds per architecture", min_value=1, max_value=10, value=3, key="run_seeds",
                              help="2-3 seeds expose evaluation noise; 1 seed hides it.")


def fidelity_inputs(role: str, epochs: int, data_fraction: float) -> FidelityChoice:
    columns = st.columns(4)
    return FidelityChoice(
        name=role,
        epochs=int(columns[0].number_input(f"{role} epochs", min_value=1, max_value=500, value=epochs,
                                           key=f"{role}_epochs")),
        data_fraction=float(columns[1].slider(f"{role} data fraction", 0.05, 1.0, data_fraction, step=0.05,
                                              key=f"{role}_data", help="Share of each training class kept.")),
        classes=columns[2].text_input(f"{role} class subset", value="", key=f"{role}_classes",
                                      help="Empty keeps every class; else like 0-4 or 0,2,7."),
        width_mult=float(columns[3].number_input(f"{role} width multiplier", min_value=0.125, max_value=4.0,
                                                 value=1.0, step=0.125, key=f"{role}_width")),
    )


use_proxy = st.toggle("Train at a cheap proxy fidelity too", value=True, key="run_use_proxy",
                      help="Needed for the Proxy vs target diagnosis.")
proxies = (fidelity_inputs("proxy", 2, 0.25),) if use_proxy else ()
target = fidelity_inputs("target", 10, 1.0)
extra = st.columns(4)
with_baselines = extra[0].toggle("Train the task's baselines", value=True, key="run_baselines")
search_seed = int(extra[1].number_input("Search seed", min_value=0, value=0, key="run_seed"))
target_eval = extra[2].selectbox("Target evaluation", ["all", "top", "none"], key="run_target_eval",
                                 help="all: every architecture at every fidelity; top: the proxy's top-5 only.")
name = extra[3].text_input("Name", value=f"{strategy}-{task}-{space.name}", key="run_name")
noise_setup = st.columns(4)
data_order = noise_setup[0].selectbox(
    "Data order", ["varied", "fixed"], key="run_data_order",
    help="varied: each seed shuffles the data its own way; fixed: every seed sees the same batches, so only "
         "the initialisation varies.")
# The rank input follows the seed count while it ranks by every seed, and stays in range when it drops.
ranked_before = st.session_state.get("run_rank_seeds")
if ranked_before is not None and (ranked_before > seeds or ranked_before == st.session_state.get(SEEDS_BEFORE_KEY)):
    st.session_state["run_rank_seeds"] = int(seeds)
st.session_state[SEEDS_BEFORE_KEY] = int(seeds)
if "run_rank_seeds" not in st.session_state:
    st.session_state["run_rank_seeds"] = int(seeds)  # set here, not as value=, which Streamlit would warn about
rank_seeds = int(noise_setup[1].number_input(
    "Rank by the first N seeds", min_value=1, max_value=int(seeds), key="run_rank_seeds",
    help="The strategy ranks each architecture by the mean of its first N seeds. Fewer than all seeds "
         "mimics a search that ranks single runs; the other seeds show how much that ranking is luck."))

space_path = write_space_file(space.to_yaml(), space.hash, RUNS_DIR / "spaces")
request = RunRequest(space_path=space_path, task=task, strategy=strategy, budget=int(budget), seeds=int(seeds),
                     proxies=proxies, target=target, name=name.strip() or f"{strategy}-{task}", search_seed=search_seed,
                     with_baselines=with_baselines, target_eval=target_eval, data_order=data_order,
                     rank_seeds=0 if rank_seeds >= seeds else rank_seeds)
try:
    config, estimate = prepare_run(request)
except SearchSetupError as error:
    st.error(f"This search cannot start: {error}")
    st.stop()
if config.seeds == 1:
    ranking = "its single seed"
elif config.ranking_seeds == config.seeds:
    ranking = f"the mean of all {config.seeds} seeds"
else:
    ranking = f"the mean of the first {config.ranking_seeds} of {config.seeds} seeds"
st.info(f"Cost estimate: {estimate.describe()} on {request.workers or 'all'} CPU worker(s); the strategy ranks by "
        f"{ranking}, {config.data_order} data order. "
        f"Experiment id {config.experiment_id()}: starting the same setup again resumes it.")

if st.button("Start search", type="primary", key="start_search"):
    command = search_command(request, db_path())
    pid, log_path = launch_search(command, log_dir=RUNS_DIR, cwd=REPO_ROOT)
    st.session_state[f"log_{config.experiment_id()}"] = str(log_path)
    st.session_state[f"pid_{config.experiment_id()}"] = pid
    get_store()  # make sure the database file exists before the search opens it
    st.session_state[PENDING_KEY] = config.experiment_id()
    select_experiment(config.experiment_id())
    st.rerun()
with st.expander("Command line of this search"):
    st.code(shlex.join(["python", *search_command(request, db_path())[1:]]), language="bash")
