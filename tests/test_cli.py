"""The command line: bad input exits 2 with one line and writes nothing."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import yaml

from nasdiag.cli import main


def _search(tmp_path, *extra: str) -> list[str]:
    return ["search", "--db", str(tmp_path / "db.duckdb"), "--no-progress", *extra]


def _assert_rejected(capsys, tmp_path, argv, *fragments):
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err
    assert not (tmp_path / "db.duckdb").exists()


def _write_space(tmp_path, **changes):
    spec = {"schema_version": 1, "name": "bad", "family": "cell",
            "ops": ["none", "skip_connect", "nor_conv_3x3"]}
    spec.update(changes)
    path = tmp_path / "space.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def test_zero_budget(capsys, tmp_path):
    _assert_rejected(capsys, tmp_path, _search(tmp_path, "--budget", "0"), "budget", "0")


def test_unknown_task(capsys, tmp_path):
    _assert_rejected(capsys, tmp_path, _search(tmp_path, "--task", "cifar10"), "cifar10", "digits")


def test_unknown_space(capsys, tmp_path):
    _assert_rejected(capsys, tmp_path, _search(tmp_path, "--space", "nope"), "nope", "digits_cell")


def test_unknown_op_in_spec(capsys, tmp_path):
    path = _write_space(tmp_path, ops=["none", "conv3x3"])
    _assert_rejected(capsys, tmp_path, _search(tmp_path, "--space", str(path)), "conv3x3", "nor_conv_3x3")


def test_empty_op_set(capsys, tmp_path):
    path = _write_space(tmp_path, ops=[])
    _assert_rejected(capsys, tmp_path, _search(tmp_path, "--space", str(path)), "ops")


def test_invalid_spec_family(capsys, tmp_path):
    path = _write_space(tmp_path, family="graph")
    _assert_rejected(capsys, tmp_path, _search(tmp_path, "--space", str(path)), "graph", "cell")


def test_npz_length_mismatch(capsys, tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, x=np.zeros((10, 8, 8), dtype=np.float32), y=np.zeros(9, dtype=np.int64))
    _assert_rejected(capsys, tmp_path, _search(tmp_path, "--task", f"npz:{path}"), "10", "9")


def test_bad_fidelity_spec(capsys, tmp_path):
    _assert_rejected(capsys, tmp_path, _search(tmp_path, "--proxy", "p:epochs=0"), "epochs")


def test_space_dims_must_match_task(capsys, tmp_path):
    _assert_rejected(capsys, tmp_path, _search(tmp_path, "--space", "mnist1d_chain"), "1D", "digits")


def test_list_missing_database(capsys, tmp_path):
    assert main(["list", "--db", str(tmp_path / "db.duckdb")]) == 2
    assert "not found" in capsys.readouterr().err


def test_help_names_units():
    result = subprocess.run([sys.executable, "-m", "nasdiag", "search", "--help"],
                            capture_output=True, text=True, check=True)
    assert "--budget" in result.stdout
    assert "fraction" in result.stdout
    assert "default: 3" in result.stdout


def test_spaces_lists_presets(capsys):
    assert main(["spaces", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    names = {row["name"] for row in rows}
    assert {"digits_cell", "digits_chain_narrow"} <= names


@pytest.mark.slow
def test_search_list_diagnose_round_trip(capsys, tmp_path):
    argv = _search(tmp_path, "--budget", "2", "--seeds", "2", "--proxy", "proxy:epochs=1,data=0.25",
                   "--target", "target:epochs=2", "--workers", "1", "--name", "tiny")
    assert main(argv) == 0
    assert "trials trained" in capsys.readouterr().out
    assert main(["list", "--db", str(tmp_path / "db.duckdb")]) == 0
    assert "tiny" in capsys.readouterr().out
    assert main(["diagnose", "--experiment", "tiny", "--db", str(tmp_path / "db.duckdb"), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert {"noise", "proxy", "coverage"} <= set(payload)
    assert "kendall_tau" in payload["proxy"]


def test_rank_seeds_above_seeds_rejected(capsys, tmp_path):
    _assert_rejected(capsys, tmp_path, _search(tmp_path, "--seeds", "2", "--rank-seeds", "3"), "--rank-seeds", "got 3")


def test_search_with_rank_seeds_is_diagnosed_as_ranked(capsys, tmp_path):
    db = str(tmp_path / "db.duckdb")
    argv = _search(tmp_path, "--budget", "2", "--seeds", "2", "--rank-seeds", "1", "--no-proxy",
                   "--target", "target:epochs=1", "--workers", "1", "--no-baselines", "--name", "one-seed")
    assert main(argv) == 0
    capsys.readouterr()
    assert main(["diagnose", "--experiment", "one-seed", "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["noise"]["ranking_seeds"] == 1
    assert main(["diagnose", "--experiment", "one-seed", "--db", db, "--json", "--ranking-seeds", "2"]) == 0
    assert json.loads(capsys.readouterr().out)["noise"]["ranking_seeds"] == 2


def test_diagnose_file_ranking_seeds(capsys, tmp_path):
    from tests.diagnostics.synthetic import make_trials

    path = tmp_path / "trials.csv"
    make_trials(np.random.default_rng(0), n_archs=30).to_csv(path, index=False)
    assert main(["diagnose", str(path), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)["noise"]
    assert payload["ranking_seeds"] == 1
    assert payload["icc_ranking"] == pytest.approx(payload["icc"])
    assert main(["diagnose", str(path), "--json", "--ranking-seeds", "3"]) == 0
    payload = json.loads(capsys.readouterr().out)["noise"]
    assert payload["ranking_seeds"] == 3
    assert payload["icc_ranking"] > payload["icc"]
    assert main(["diagnose", str(path), "--ranking-seeds", "-1"]) == 2
    assert "ranking seeds" in capsys.readouterr().err


def test_db_defaults_to_environment(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("NASDIAG_DB", str(tmp_path / "env.duckdb"))
    code = main(["list"])
    assert code == 2
    assert "env.duckdb not found; pass --db PATH (or set $NASDIAG_DB)" in capsys.readouterr().err


def test_report_format_follows_output_suffix(capsys, tmp_path):
    from nasdiag.store import Store, load_bundle
    from tests.shared_data import REPO_ROOT

    db = tmp_path / "db.duckdb"
    experiment_id = load_bundle(Store(db), REPO_ROOT / "data" / "demo")
    markdown, html = tmp_path / "report.md", tmp_path / "report.html"
    assert main(["report", "--experiment", experiment_id, "--db", str(db), "-o", str(markdown)]) == 0
    assert main(["report", "--experiment", experiment_id, "--db", str(db), "-o", str(html),
                 "--ranking-seeds", "1"]) == 0
    assert markdown.read_text(encoding="utf-8").startswith("# ")
    assert html.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
    assert "ICC(3)" not in html.read_text(encoding="utf-8")
    assert "ICC(3)" in markdown.read_text(encoding="utf-8")  # the demo search ranked by its 3 seeds


def test_closed_pipe_exits_quietly(tmp_path):
    code = ("import sys\n"
            "import nasdiag.commands as commands\n"
            "from nasdiag.cli import main\n"
            "def closed(args):\n"
            "    raise BrokenPipeError(32, 'Broken pipe')\n"
            "commands.list_experiments = closed\n"
            "sys.exit(main(['list']))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
