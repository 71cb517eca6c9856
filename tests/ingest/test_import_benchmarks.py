"""NAS benchmark files: NATS landscape CSV, NAS-Bench-Macro, NAS-Bench-Suite-Zero, EC-NAS-Bench."""

from __future__ import annotations

import json
import math
import shutil

import pytest
from ingest_helpers import FIXTURES, write_csv

from nasdiag.ingest import ImportFormatError, detect_format, parse_path
from nasdiag.ingest.archs import darts_arch, naslib_nb201_string
from nasdiag.space import load_preset_space

MACRO = FIXTURES / "nasbench_macro_subset.json"
ZC201 = FIXTURES / "zc_nasbench201_subset.json"
ZC301 = FIXTURES / "zc_nasbench301_subset.json"
ECNAS = FIXTURES / "ecnas_subset"

# Three rows in the landscape CSV's layout, values written for this test. The second and third
# cells are isomorphic (they differ in a dead edge out of node 1).
NATS_CSV = """
CIFAR10TestAccuracy200Epochs,CIFAR100TestAccuracy200Epochs,ImageNetTestAccuracy200Epochs,ArchitectureString,UniqueString
93.5,70.2,44.1,|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|,x
60.0,30.0,15.0,|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|,y
61.0,31.0,16.0,|avg_pool_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|,y
"""


def test_nats_requires_metric_column(tmp_path):
    path = write_csv(tmp_path / "nats.csv", NATS_CSV)
    assert detect_format(path) == "natsbench"
    with pytest.raises(ImportFormatError) as error:
        parse_path(path)
    assert "--option metric_column=" in str(error.value)
    assert "CIFAR100TestAccuracy200Epochs" in str(error.value)


def test_nats_unknown_metric_column(tmp_path):
    path = write_csv(tmp_path / "nats.csv", NATS_CSV)
    with pytest.raises(ImportFormatError, match="not found or not numeric"):
        parse_path(path, metric_column="CIFAR10Accuracy")


def test_nats_collapses_isomorphic_cells(tmp_path):
    path = write_csv(tmp_path / "nats.csv", NATS_CSV)
    parsed = parse_path(path, metric_column="CIFAR100TestAccuracy200Epochs")
    assert len(parsed.trials) == 2
    assert parsed.report.n_duplicates == 1
    assert parsed.report.n_records == 3
    # keep_last: the third row's value survives for the shared architecture.
    assert sorted(parsed.trials["metric"]) == pytest.approx([0.31, 0.702])
    assert set(parsed.trials["epochs"]) == {200}
    assert any("isomorphic" in message for message in parsed.report.messages)


def test_macro_seeds_and_ops():
    parsed = parse_path(MACRO)
    assert parsed.format == "nasbench_macro"
    assert parsed.report.seeds == (0, 1, 2)
    raw = json.loads(MACRO.read_text())
    trials = parsed.trials.loc[parsed.trials["arch"] == "02012100"].sort_values("seed")
    assert trials["metric"].tolist() == pytest.approx([a / 100 for a in raw["02012100"]["test_acc"]])
    arch = parsed.archs.set_index("arch").loc["02012100"]
    assert arch["ops"] == "mb3_k3;mb6_k5;skip_connect"
    assert arch["params"] == raw["02012100"]["params"]
    assert arch["flops"] == raw["02012100"]["flops"]
    assert parsed.report.n_archs_missing_seeds == 0


def test_macro_bad_key_names_it(tmp_path):
    path = tmp_path / "macro.json"
    path.write_text(json.dumps({"0201210": {"test_acc": [1, 2, 3], "params": 1, "flops": 1}}))
    with pytest.raises(ImportFormatError) as error:
        parse_path(path, format="nasbench_macro")
    assert error.value.location == "key '0201210'"


def test_macro_wrong_type_names_column(tmp_path):
    path = tmp_path / "macro.json"
    path.write_text(json.dumps({"02012100": {"test_acc": "89.4", "params": 1, "flops": 1}}))
    with pytest.raises(ImportFormatError) as error:
        parse_path(path, format="nasbench_macro")
    assert error.value.column == "test_acc"


def test_truncated_json_is_rejected(tmp_path):
    path = tmp_path / "macro.json"
    path.write_text(MACRO.read_text()[:500])
    with pytest.raises(ImportFormatError, match="invalid JSON"):
        parse_path(path)


def test_naslib_key_maps_to_nb201_string():
    # Edges (1,2),(1,3),(1,4),(2,3),(2,4),(3,4) with ops avg_pool, skip, conv1x1, none, avg_pool, conv1x1.
    expected = "|avg_pool_3x3~0|+|skip_connect~0|none~1|+|nor_conv_1x1~0|avg_pool_3x3~1|nor_conv_1x1~2|"
    assert naslib_nb201_string("(4, 0, 3, 1, 4, 3)") == expected


def test_zero_cost_proxies_become_fidelities():
    parsed = parse_path(ZC201)
    assert parsed.format == "zero_cost"
    assert parsed.target_fidelity == "target"
    assert "zc_synflow" in parsed.proxy_fidelities
    assert len(parsed.proxy_fidelities) == 12
    space = load_preset_space("nb201")
    records = json.loads(ZC201.read_text())["cifar10"]
    hashes = {key: space.parse(naslib_nb201_string(key)).hash for key in records}
    # A key whose architecture no other key shares, so the duplicate rule cannot pick another.
    key = next(k for k, h in hashes.items() if list(hashes.values()).count(h) == 1)
    rows = parsed.trials.loc[parsed.trials["arch_hash"] == hashes[key]].set_index("fidelity")["metric"]
    assert rows["target"] == pytest.approx(records[key]["val_accuracy"] / 100)
    assert rows["zc_synflow"] == records[key]["synflow"]["score"]
    assert set(rows.index) == {"target", *parsed.proxy_fidelities}


def test_zero_cost_keeps_negative_infinity():
    parsed = parse_path(ZC201)
    assert parsed.report.n_infinite_metric == 1
    infinite = parsed.trials.loc[parsed.trials["metric"].map(math.isinf)]
    assert infinite["fidelity"].tolist() == ["zc_nwot"]
    assert infinite["metric"].iloc[0] == -math.inf


def test_zero_cost_isomorphic_keys_collapse():
    parsed = parse_path(ZC201)
    # The fixture has 11 keys, and 4 of them are one architecture.
    assert parsed.report.n_records == 11
    assert parsed.report.n_archs == 8
    assert parsed.report.n_duplicates == 3 * 13


def test_zero_cost_dataset_choice():
    parsed = parse_path(ZC201, dataset="cifar100")
    assert parsed.config["dataset"] == "cifar100"
    with pytest.raises(ImportFormatError) as error:
        parse_path(ZC201, dataset="imagenet")
    assert "cifar100" in str(error.value)


def test_zero_cost_nb301_genotypes():
    parsed = parse_path(ZC301)
    assert parsed.report.n_archs == 5
    assert all(arch.startswith("normal:") for arch in parsed.archs["arch"])


def test_darts_pair_order_does_not_matter():
    first = "[[(0, 0), (1, 5), (1, 1), (0, 1), (1, 3), (0, 3), (1, 3), (3, 2)], [(1, 0), (0, 2), (1, 3), (0, 3), (3, 0), (0, 1), (2, 0), (3, 6)]]"
    swapped = "[[(1, 5), (0, 0), (1, 1), (0, 1), (1, 3), (0, 3), (1, 3), (3, 2)], [(1, 0), (0, 2), (1, 3), (0, 3), (3, 0), (0, 1), (2, 0), (3, 6)]]"
    assert darts_arch(first).arch_hash == darts_arch(swapped).arch_hash
    changed = first.replace("(1, 5)", "(1, 4)")
    assert darts_arch(first).arch_hash != darts_arch(changed).arch_hash


def test_ecnas_repeats_and_fidelities():
    parsed = parse_path(ECNAS)
    assert parsed.format == "ecnas"
    assert parsed.report.n_records == 12
    assert parsed.report.seeds == (1, 2, 3)
    assert parsed.report.fidelities == ("epoch_1", "epoch_4")
    assert parsed.report.n_skipped == 2  # the two _recovery counters
    assert parsed.proxy_fidelities == ("epoch_1",)
    assert parsed.target_fidelity == "epoch_4"
    run = next(ECNAS.rglob("001a6fcc8b38cbc515be788a86bdc804/repeat_2/results.json"))
    checkpoints = json.loads(run.read_text())["evaluation_results"]
    trial = parsed.trials.set_index("trial_id").loc["001a6fcc8b38cbc515be788a86bdc804/repeat_2/epoch_4"]
    assert trial["metric"] == checkpoints[2]["validation_accuracy"]
    assert trial["test_metric"] == checkpoints[2]["test_accuracy"]
    curve = parsed.curves.loc[parsed.curves["trial_id"] == "001a6fcc8b38cbc515be788a86bdc804/repeat_2/epoch_4"]
    assert curve["epoch"].tolist() == [0, 1, 4]


def test_ecnas_ops_from_graphs():
    archs = parse_path(ECNAS).archs.set_index("arch_hash")
    # Labels [-1, 2, 2, -2]: input, two 3x3 max-pools, output.
    assert archs.loc["001a6fcc8b38cbc515be788a86bdc804", "ops"] == "max_pool_3x3"


def test_ecnas_without_graphs_has_no_ops(tmp_path):
    copy = tmp_path / "ecnas"
    shutil.copytree(ECNAS, copy)
    shutil.rmtree(copy / "graphs")
    parsed = parse_path(copy)
    assert set(parsed.archs["ops"]) == {""}
    assert any("no generated_graphs" in message for message in parsed.report.messages)
