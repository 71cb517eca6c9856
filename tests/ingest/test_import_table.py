"""Generic long and wide tables: parsing, typed errors and the validation report."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from ingest_helpers import write_csv

from nasdiag.ingest import ImportFormatError, WideMapping, parse_path
from nasdiag.space import load_preset_space

LONG_CSV = """
arch,seed,fidelity,metric,status,params,is_baseline
resnet_like,0,target,0.91,ok,1000,true
resnet_like,1,target,0.92,ok,1000,true
small,0,target,0.80,ok,200,false
small,1,target,0.81,COMPLETE,200,false
small,0,proxy,0.60,ok,200,false
"""


def test_long_csv_imports_rows(tmp_path):
    parsed = parse_path(write_csv(tmp_path / "runs.csv", LONG_CSV))
    assert parsed.format == "table"
    assert len(parsed.trials) == 5
    small = parsed.trials.loc[(parsed.trials["arch"] == "small") & (parsed.trials["fidelity"] == "target")]
    assert sorted(small["metric"]) == [0.80, 0.81]
    assert set(parsed.trials["status"]) == {"ok"}
    archs = parsed.archs.set_index("arch")
    assert archs.loc["resnet_like", "params"] == 1000
    assert bool(archs.loc["resnet_like", "is_baseline"]) is True
    assert bool(archs.loc["small", "is_baseline"]) is False


def test_long_table_reports_missing_seed(tmp_path):
    # At proxy only "small" ran, with seed 0 alone, so no architecture misses a seed there.
    parsed = parse_path(write_csv(tmp_path / "runs.csv", LONG_CSV))
    assert parsed.report.n_archs_missing_seeds == 0
    # Now resnet_like ran seeds 0 and 1 at proxy, and "small" lacks seed 1 there.
    text = LONG_CSV + "resnet_like,0,proxy,0.7,ok,1000,true\nresnet_like,1,proxy,0.71,ok,1000,true\n"
    parsed = parse_path(write_csv(tmp_path / "runs2.csv", text))
    assert parsed.report.n_archs_missing_seeds == 1


def test_nb201_strings_are_canonicalised(tmp_path):
    space = load_preset_space("nb201")
    # These two cells differ only in a dead edge out of node 1, so NB201 counts them as one.
    first = "|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"
    second = "|avg_pool_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"
    assert space.parse(first).hash == space.parse(second).hash
    text = f"arch,seed,fidelity,metric\n{first},0,target,0.5\n{second},1,target,0.6\n"
    parsed = parse_path(write_csv(tmp_path / "cells.csv", text))
    assert parsed.trials["arch_hash"].nunique() == 1
    assert parsed.trials["arch"].iloc[0] == space.parse(first).canonical
    assert list(parsed.archs["ops"]) == ["skip_connect"]


def test_invalid_nb201_op_names_row(tmp_path):
    text = "arch,seed,fidelity,metric\n|conv_9x9~0|+|none~0|none~1|+|none~0|none~1|none~2|,0,target,0.5\n"
    with pytest.raises(ImportFormatError, match="conv_9x9"):
        parse_path(write_csv(tmp_path / "cells.csv", text))


def test_parquet_and_jsonl_match_csv(tmp_path):
    csv_parsed = parse_path(write_csv(tmp_path / "runs.csv", LONG_CSV))
    frame = pd.read_csv(tmp_path / "runs.csv")
    frame.to_parquet(tmp_path / "runs.parquet")
    frame.to_json(tmp_path / "runs.jsonl", orient="records", lines=True)
    for name in ("runs.parquet", "runs.jsonl"):
        parsed = parse_path(tmp_path / name)
        assert parsed.format == "table"
        pd.testing.assert_frame_equal(
            parsed.trials.drop(columns="trial_id"), csv_parsed.trials.drop(columns="trial_id")
        )


def test_missing_column_error_names_it(tmp_path):
    path = write_csv(tmp_path / "runs.csv", "arch,seed,metric\na,0,0.5\n")
    with pytest.raises(ImportFormatError) as error:
        parse_path(path)
    message = str(error.value)
    assert "fidelity" in message
    assert "--option fidelity=target" in message
    assert str(path) in message


def test_fixed_fidelity_option_fills_column(tmp_path):
    path = write_csv(tmp_path / "runs.csv", "arch,seed,metric\na,0,0.5\nb,0,0.6\n")
    parsed = parse_path(path, fidelity="target")
    assert set(parsed.trials["fidelity"]) == {"target"}


def test_wrong_type_error_names_line_column_value(tmp_path):
    path = write_csv(tmp_path / "runs.csv", "arch,seed,fidelity,metric\na,0,target,0.5\nb,0,target,high\n")
    with pytest.raises(ImportFormatError) as error:
        parse_path(path)
    assert error.value.location == "line 3"
    assert error.value.column == "metric"
    assert error.value.value == "high"
    assert "line 3" in str(error.value)


def test_fractional_seed_is_rejected(tmp_path):
    path = write_csv(tmp_path / "runs.csv", "arch,seed,fidelity,metric\na,0.5,target,0.5\n")
    with pytest.raises(ImportFormatError, match="not an integer"):
        parse_path(path)


def test_truncated_csv_is_rejected(tmp_path):
    path = tmp_path / "runs.csv"
    path.write_text("arch,seed,fidelity,metric\na,0,target,0.5\nb,0,tar", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="truncated"):
        parse_path(path)


def test_truncated_jsonl_names_line(tmp_path):
    path = tmp_path / "runs.jsonl"
    path.write_text('{"arch": "a", "seed": 0, "fidelity": "t", "metric": 0.5}\n{"arch": "b", "se', encoding="utf-8")
    with pytest.raises(ImportFormatError) as error:
        parse_path(path)
    assert error.value.location == "line 2"


def test_nan_and_inf_metrics_are_counted(tmp_path):
    text = "arch,seed,fidelity,metric,status\na,0,t,NaN,ok\nb,0,t,,ok\nc,0,t,inf,ok\nd,0,t,0.4,ok\ne,0,t,,failed\n"
    report = parse_path(write_csv(tmp_path / "runs.csv", text)).report
    assert report.n_missing_metric == 2  # the failed trial's missing metric is expected, not counted
    assert report.n_infinite_metric == 1
    assert "missing metrics (ok trials): 2" in report.to_text()


def test_duplicates_keep_last_by_default(tmp_path):
    text = "arch,seed,fidelity,metric\na,0,t,0.1\na,0,t,0.2\nb,0,t,0.3\n"
    parsed = parse_path(write_csv(tmp_path / "runs.csv", text))
    assert parsed.report.n_duplicates == 1
    assert parsed.report.duplicate_rule == "keep_last"
    assert parsed.trials.loc[parsed.trials["arch"] == "a", "metric"].tolist() == [0.2]


def test_duplicates_keep_first_rule(tmp_path):
    text = "arch,seed,fidelity,metric\na,0,t,0.1\na,0,t,0.2\n"
    parsed = parse_path(write_csv(tmp_path / "runs.csv", text), on_duplicate="keep_first")
    assert parsed.trials["metric"].tolist() == [0.1]


def test_duplicates_error_rule_names_rows(tmp_path):
    text = "arch,seed,fidelity,metric\na,0,t,0.1\na,0,t,0.2\n"
    with pytest.raises(ImportFormatError) as error:
        parse_path(write_csv(tmp_path / "runs.csv", text), on_duplicate="error")
    assert "row_1" in str(error.value)
    assert "row_2" in str(error.value)
    assert "keep_last" in str(error.value)


def test_copied_seed_is_flagged(tmp_path):
    rows = ["arch,seed,fidelity,metric"]
    for arch, values in {"a": (0.5, 0.52, 0.5), "b": (0.6, 0.61, 0.6), "c": (0.7, 0.69, 0.7)}.items():
        rows += [f"{arch},{seed},t,{value}" for seed, value in enumerate(values)]
    report = parse_path(write_csv(tmp_path / "runs.csv", "\n".join(rows) + "\n")).report
    assert len(report.copied_seeds) == 1
    copied = report.copied_seeds[0]
    assert (copied.seed, copied.copy_of, copied.n_archs, copied.fidelity) == (2, 0, 3, "t")
    assert "seed 2 copies seed 0" in " ".join(report.warnings)


def test_distinct_seeds_are_not_flagged(tmp_path):
    text = "arch,seed,fidelity,metric\na,0,t,0.5\na,1,t,0.5\nb,0,t,0.6\nb,1,t,0.61\n"
    assert parse_path(write_csv(tmp_path / "runs.csv", text)).report.copied_seeds == ()


def test_mixed_statuses_are_kept(tmp_path):
    text = "arch,seed,fidelity,metric,status\na,0,t,0.5,ok\nb,0,t,0.4,pruned\nc,0,t,,FAIL\nd,0,t,,running\n"
    parsed = parse_path(write_csv(tmp_path / "runs.csv", text))
    assert parsed.report.status_counts == {"ok": 1, "pruned": 1, "failed": 1, "running": 1}
    assert parsed.report.n_stale_running == 1


def test_unknown_status_is_rejected(tmp_path):
    text = "arch,seed,fidelity,metric,status\na,0,t,0.5,maybe\n"
    with pytest.raises(ImportFormatError, match="unknown trial status") as error:
        parse_path(write_csv(tmp_path / "runs.csv", text))
    assert error.value.value == "maybe"


def test_epoch_rows_become_curves(tmp_path):
    text = "arch,seed,fidelity,metric,epoch\na,0,t,0.3,1\na,0,t,0.5,2\na,0,t,0.6,3\nb,0,t,0.4,1\nb,0,t,0.45,2\n"
    parsed = parse_path(write_csv(tmp_path / "runs.csv", text))
    assert len(parsed.trials) == 2
    trial_a = parsed.trials.loc[parsed.trials["arch"] == "a"].iloc[0]
    assert trial_a["metric"] == 0.6
    assert trial_a["epochs"] == 3
    assert len(parsed.curves) == 5
    curve_a = parsed.curves.loc[parsed.curves["trial_id"] == trial_a["trial_id"]]
    assert curve_a["val_metric"].tolist() == [0.3, 0.5, 0.6]


def test_wide_table_by_seed(tmp_path):
    path = write_csv(tmp_path / "wide.csv", "arch,acc_s0,acc_s1\na,0.5,0.51\nb,0.6,\n")
    mapping = WideMapping.parse("seed=acc_s0:0,acc_s1:1", fidelity="target")
    parsed = parse_path(path, wide=mapping)
    assert len(parsed.trials) == 4
    b_seed1 = parsed.trials.loc[(parsed.trials["arch"] == "b") & (parsed.trials["seed"] == 1), "metric"]
    assert math.isnan(b_seed1.iloc[0])
    assert parsed.report.n_missing_metric == 1
    assert set(parsed.trials["fidelity"]) == {"target"}


def test_wide_table_by_fidelity(tmp_path):
    path = write_csv(tmp_path / "wide.csv", "arch,acc_12,acc_200\na,0.5,0.7\nb,0.6,0.65\n")
    parsed = parse_path(path, wide=WideMapping.parse("fidelity=acc_12:proxy,acc_200:target"))
    table = parsed.trials.pivot(index="arch", columns="fidelity", values="metric")
    assert table.loc["a", "proxy"] == 0.5
    assert table.loc["b", "target"] == 0.65


def test_wide_table_missing_seed_column(tmp_path):
    path = write_csv(tmp_path / "wide.csv", "arch,acc_s0\na,0.5\n")
    mapping = WideMapping.parse("seed=acc_s0:0,acc_s1:1", fidelity="target")
    with pytest.raises(ImportFormatError) as error:
        parse_path(path, wide=mapping)
    assert "acc_s1" in str(error.value)
    assert "acc_s0" in str(error.value)  # the columns that do exist are listed


def test_wide_by_seed_requires_fidelity():
    with pytest.raises(ImportFormatError, match="--option fidelity=target"):
        WideMapping.parse("seed=acc_s0:0")


def test_wide_mapping_rejects_bad_entry():
    with pytest.raises(ImportFormatError, match="COLUMN:VALUE"):
        WideMapping.parse("seed=acc_s0", fidelity="t")
