"""The dashboard's helper modules, without Streamlit: progress, commands, editor model, imports."""

from __future__ import annotations

import math
import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from nasdiag.ingest import ImportFormatError
from nasdiag.space import SearchSpace, load_preset_space
from nasdiag.ui.arch_detail import arch_drawing, decode_spec, fidelity_summary
from nasdiag.ui.components import arch_from_point
from nasdiag.ui.importing import apply_column_mapping, guess_mapping, parse_options, save_upload
from nasdiag.ui.runs import (
    FidelityChoice,
    RunRequest,
    format_seconds,
    process_alive,
    run_progress,
    search_command,
)
from nasdiag.ui.space_analysis import analyse_space, normalise_op
from nasdiag.ui.space_editor import (
    CELL_EDGE_KEYS,
    EditorError,
    cell_edge_ops,
    cell_spec,
    chain_spec,
    safe_space_file_name,
    stage_table,
)

START = datetime(2026, 1, 1, 12, 0, 0)


def test_progress_rate_and_eta():
    # 5 trials finished 10 s apart: 4 intervals in 40 s = 0.1 trial/s; 15 left -> 150 s.
    finished = pd.Series([START + timedelta(seconds=10 * i) for i in range(5)])
    progress = run_progress(finished, 20)
    assert progress.done == 5
    assert progress.fraction == pytest.approx(0.25)
    assert progress.rate_per_s == pytest.approx(0.1)
    assert progress.eta_s == pytest.approx(150.0)


def test_progress_eta_counts_time_since_last_trial():
    finished = pd.Series([START + timedelta(seconds=10 * i) for i in range(5)])
    progress = run_progress(finished, 20, now=START + timedelta(seconds=70))
    assert progress.eta_s == pytest.approx(120.0)


def test_progress_with_one_trial_has_no_eta():
    progress = run_progress(pd.Series([START]), 8)
    assert progress.eta_s is None
    assert progress.rate_per_s is None


def test_progress_raises_planned_to_done():
    finished = pd.Series([START + timedelta(seconds=i) for i in range(6)])
    progress = run_progress(finished, 4)
    assert progress.planned == 6
    assert progress.fraction == 1.0
    assert progress.eta_s == 0.0


def test_progress_of_nothing():
    progress = run_progress(pd.Series([], dtype="datetime64[ns]"), None)
    assert (progress.done, progress.planned, progress.fraction) == (0, 0, 0.0)


def test_format_seconds_units():
    assert format_seconds(42) == "42 s"
    assert format_seconds(300) == "5.0 min"
    assert format_seconds(7200) == "2.0 h"
    assert format_seconds(None) == "unknown"


def test_fidelity_choice_cli_form():
    assert FidelityChoice("target", 10).to_cli() == "target:epochs=10"
    choice = FidelityChoice("proxy", 2, data_fraction=0.25, classes=" 0-4 ", width_mult=0.5)
    assert choice.to_cli() == "proxy:epochs=2,data=0.25,classes=0-4,width=0.5"


def test_fidelity_choice_parses_back():
    from nasdiag.search.setup import parse_fidelity

    fidelity = parse_fidelity(FidelityChoice("proxy", 3, data_fraction=0.5, classes="0,2,7").to_cli(), "x")
    assert (fidelity.name, fidelity.epochs, fidelity.data_fraction, fidelity.classes) == ("proxy", 3, 0.5, (0, 2, 7))


def test_search_command_is_the_cli(tmp_path):
    request = RunRequest(space_path=tmp_path / "s.yaml", task="digits", strategy="random", budget=3, seeds=2,
                         proxies=(), target=FidelityChoice("target", 1), name="my run", with_baselines=False)
    command = search_command(request, tmp_path / "db.duckdb")
    assert command[:4] == [sys.executable, "-m", "nasdiag", "search"]
    assert "--no-proxy" in command
    assert "--no-baselines" in command
    assert command[command.index("--name") + 1] == "my run"
    assert command[command.index("--db") + 1] == str(tmp_path / "db.duckdb")


def test_search_command_matches_ui_config(tmp_path):
    """The config the page validates has the id the CLI process will store."""
    from nasdiag.cli import _build_parser
    from nasdiag.search.setup import build_search_config

    space = load_preset_space("digits_cell")
    path = tmp_path / "space.yaml"
    path.write_text(space.to_yaml())
    request = RunRequest(space_path=path, task="digits", strategy="evolution", budget=4, seeds=2,
                         proxies=(FidelityChoice("proxy", 1, data_fraction=0.5),), target=FidelityChoice("target", 2),
                         name="evo")
    args = _build_parser().parse_args(search_command(request, tmp_path / "db.duckdb")[3:])
    from_cli = build_search_config(
        space=args.space, task=args.task, strategy=args.strategy, budget=args.budget, seeds=args.seeds,
        proxies=args.proxy, target=args.target, target_eval=args.target_eval, top_k=args.top_k,
        data_order=args.data_order, with_baselines=not args.no_baselines, search_seed=args.seed, name=args.name,
        strategy_options={"population_size": args.population, "sample_size": args.sample_size},
    )
    assert build_search_config(**request.search_options()).experiment_id() == from_cli.experiment_id()


def test_process_alive_for_self_and_dead_child():
    import subprocess

    assert process_alive(__import__("os").getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not process_alive(child.pid)
    assert not process_alive(None)


def test_cell_spec_round_trip():
    space = load_preset_space("digits_cell")
    edges = cell_edge_ops(space.spec)
    spec = cell_spec(name="x", dims=2, stem_channels=16, stem_kernel=3, stages=3, cells_per_stage=1, edge_ops=edges)
    assert "edge_ops" not in spec
    assert SearchSpace.from_dict(spec).cardinality() == space.cardinality()


def test_cell_spec_per_edge_ops():
    edges = {key: ["conv_3x3", "none"] for key in CELL_EDGE_KEYS}
    edges["1<-0"] = ["skip_connect"]
    spec = cell_spec(name="x", dims=2, stem_channels=8, stem_kernel=3, stages=2, cells_per_stage=1, edge_ops=edges)
    assert spec["edge_ops"]["1<-0"] == ["skip_connect"]
    assert SearchSpace.from_dict(spec).cardinality() == 2 ** 5


def test_chain_spec_round_trip():
    space = load_preset_space("digits_chain")
    spec = chain_spec(name="digits_chain", dims=2, stem_channels=16, stem_kernel=3, residual=True,
                      stages=stage_table(space.spec))
    assert SearchSpace.from_dict(spec) == SearchSpace.from_dict({**space.spec, "description": ""})
    assert SearchSpace.from_dict(spec).hash == space.hash


def test_chain_spec_rejects_bad_width():
    table = pd.DataFrame([{"depth": ["1"], "width": ["wide"], "ops": ["conv_3x3"], "stride": 1}])
    with pytest.raises(EditorError, match="stage 1: width choice 'wide'"):
        chain_spec(name="x", dims=2, stem_channels=8, stem_kernel=3, residual=False, stages=table)


def test_chain_spec_rejects_empty_ops():
    table = pd.DataFrame([{"depth": ["1"], "width": ["8"], "ops": [], "stride": 2}])
    with pytest.raises(EditorError, match="stage 1: pick at least one op"):
        chain_spec(name="x", dims=2, stem_channels=8, stem_kernel=3, residual=False, stages=table)


@pytest.mark.parametrize(("name", "expected"), [
    ("my space", "my_space.yaml"), ("../../etc/passwd", "etc_passwd.yaml"), ("a.b", "a_b.yaml"),
])
def test_safe_space_file_name(name, expected):
    assert safe_space_file_name(name) == expected


def test_safe_space_file_name_rejects_symbols():
    with pytest.raises(EditorError, match="no letters or digits"):
        safe_space_file_name("../..")


def test_analyse_space_nb201_counts_and_ranges():
    analysis = analyse_space(load_preset_space("digits_cell"), task="digits", n_samples=12, n_profiled=3)
    assert analysis.cardinality == 15_625
    assert analysis.distinct == 6_466  # NAS-Bench-201's published unique-topology count
    assert analysis.input_size == 8
    assert analysis.n_profiled == 3
    assert analysis.params.low <= analysis.params.median <= analysis.params.high
    assert analysis.receptive_field.low <= analysis.receptive_field.high


def test_analyse_space_reports_missing_baseline_ops():
    spec = {**load_preset_space("digits_cell").spec, "ops": ["none", "skip_connect", "avg_pool_3x3"]}
    analysis = analyse_space(SearchSpace.from_dict(spec), task="digits", n_samples=5, n_profiled=1)
    cell_fit = next(fit for fit in analysis.baselines if fit.name == "all_conv3x3_cell")
    assert not cell_fit.in_space
    assert cell_fit.distance == 6
    assert cell_fit.missing_ops == ("conv_3x3",)
    assert analysis.missing_ops == ("conv_3x3",)


def test_analyse_space_is_seeded():
    space = load_preset_space("digits_chain")
    first = analyse_space(space, task="digits", n_samples=6, n_profiled=0, seed=4)
    again = analyse_space(space, task="digits", n_samples=6, n_profiled=0, seed=4)
    other = analyse_space(space, task="digits", n_samples=6, n_profiled=0, seed=5)
    assert [a.canonical for a in first.sample_archs] == [a.canonical for a in again.sample_archs]
    assert [a.canonical for a in first.sample_archs] != [a.canonical for a in other.sample_archs]


def test_normalise_op_aliases():
    assert normalise_op("nor_conv_3x3") == "conv_3x3"
    assert normalise_op("sep_conv_3x3") == "sep_conv_3x3"


def test_save_upload_rejects_traversal(tmp_path):
    with pytest.raises(ImportFormatError, match=r"'\.\.'"):
        save_upload(tmp_path, "../evil.csv", b"x")
    assert list(tmp_path.iterdir()) == []


def test_save_upload_rejects_oversize(tmp_path):
    with pytest.raises(ImportFormatError, match="larger than the import limit"):
        save_upload(tmp_path, "big.csv", b"x" * 11, max_bytes=10)


def test_save_upload_strips_folders(tmp_path):
    path = save_upload(tmp_path, "sub/dir/runs.csv", b"a,b\n")
    assert path == (tmp_path / "runs.csv").resolve()
    assert path.read_bytes() == b"a,b\n"


def test_column_mapping_renames_and_keeps_rest(tmp_path):
    source = tmp_path / "t.csv"
    source.write_text("model,run,acc,budget,notes\na,0,0.9,full,x\n")
    mapping = guess_mapping(["model", "run", "acc", "budget", "notes"])
    assert (mapping["arch"], mapping["seed"], mapping["metric"], mapping["fidelity"]) == ("model", "run", "acc", "budget")
    out = pd.read_parquet(apply_column_mapping(source, mapping, tmp_path / "out"))
    assert list(out.columns) == ["arch", "seed", "fidelity", "metric", "notes"]
    assert out.loc[0, "metric"] == pytest.approx(0.9)


def test_column_mapping_rejects_double_use(tmp_path):
    source = tmp_path / "t.csv"
    source.write_text("model,acc\na,0.9\n")
    with pytest.raises(ImportFormatError, match="mapped to two"):
        apply_column_mapping(source, {"arch": "model", "metric": "acc", "seed": "acc"}, tmp_path)


def test_parse_options_lines():
    assert parse_options("metric_column=valid_acc\n\nstudy = s1") == {"metric_column": "valid_acc", "study": "s1"}
    with pytest.raises(ImportFormatError, match="not KEY=VALUE"):
        parse_options("metric_column")


def test_arch_from_point_by_text_and_customdata():
    archs = pd.DataFrame({"arch": ["|a~0|", "|b~0|"], "arch_hash": ["h1", "h2"]})
    assert arch_from_point({"x": "|b~0|", "y": 0.9}, archs) == "h2"
    assert arch_from_point({"customdata": [["h1", 3]]}, archs) == "h1"
    assert arch_from_point({"x": 3.0, "y": 0.9}, archs) is None


def test_fidelity_summary_matches_t_interval():
    values = [0.90, 0.92, 0.91, 0.95]
    trials = pd.DataFrame({
        "arch": ["a"] * 4 + ["a"], "seed": [0, 1, 2, 3, 4], "fidelity": ["target"] * 4 + ["proxy"],
        "metric": values + [math.nan], "status": ["ok"] * 4 + ["failed"],
    })
    summary = fidelity_summary(trials, "a", maximize=True)
    assert summary["fidelity"].tolist() == ["target"]
    low, high = stats.t.interval(0.95, 3, loc=np.mean(values), scale=stats.sem(values))
    assert summary.loc[0, "ci_low"] == pytest.approx(low)
    assert summary.loc[0, "ci_high"] == pytest.approx(high)


def test_arch_drawing_from_stored_specs():
    space = load_preset_space("digits_chain")
    arch = space.sample(np.random.default_rng(0))
    figure = arch_drawing(decode_spec(__import__("json").dumps(arch.to_dict())), space.spec, title="t")
    assert figure is not None
    assert decode_spec("not json") is None
    assert arch_drawing(None, None, title="t") is None


def test_demo_bundle_is_a_real_search():
    folder = Path(__file__).resolve().parents[2] / "data" / "demo"
    if not (folder / "experiment.json").is_file():
        pytest.skip("data/demo has not been generated; run scripts/make_demo.py")
    trials = pd.read_parquet(folder / "trials.parquet")
    assert set(trials["fidelity"]) == {"proxy", "target"}
    assert trials.groupby(["arch_hash", "fidelity"])["seed"].nunique().min() == 3
    assert trials["metric"].between(0, 1).all()


def test_default_experiment_skips_lesson_runs():
    import pandas as pd

    from nasdiag.ui.state import default_experiment

    newest_first = pd.DataFrame({"experiment_id": ["r", "l", "d"],
                                 "name": ["lesson rerun: 6 archs x 3 seeds", "lesson: seed noise", "demo: random"]})
    assert default_experiment(newest_first) == "d"
    assert default_experiment(newest_first.iloc[:2]) == "r"
    assert default_experiment(newest_first.iloc[:0]) is None
