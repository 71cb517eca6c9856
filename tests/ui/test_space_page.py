"""The search-space editor: presets, edits, validation errors, live checks, saving."""

from __future__ import annotations

import yaml

from nasdiag.space import SearchSpace, load_preset_space
from tests.ui.conftest import open_app


def _metrics(app) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def test_default_space_shows_nb201_counts(db_path, user_dirs):
    app = open_app("space")
    assert not app.exception
    metrics = _metrics(app)
    # digits_cell has the 5 NAS-Bench-201 ops on 6 edges: 5**6 cells in 6,466 unique topologies.
    assert metrics["Choice combinations"] == "15,625"
    assert metrics["Distinct architectures"] == "6,466"


def test_user_switches_to_chain_and_edits_stage_table(db_path, user_dirs):
    app = open_app("space")
    app.radio(key="ed_family").set_value("chain").run()
    assert not app.exception
    assert not app.error
    # Default chain: 2 stages, depth {1,2}, one width, 3 ops: (3 + 9) per stage, squared.
    assert _metrics(app)["Choice combinations"] == "144"
    assert "family: chain" in app.code[-1].value


def test_user_removes_every_op_and_sees_error(db_path, user_dirs):
    app = open_app("space")
    app.multiselect(key="ed_ops_all").set_value([]).run()
    assert not app.exception
    assert any("not valid yet" in error.value for error in app.error)


def test_user_sets_ops_per_edge(db_path, user_dirs):
    app = open_app("space")
    app.toggle(key="ed_same_ops").set_value(False).run()
    app.multiselect(key="ed_edge_3<-0").set_value(["conv_3x3", "skip_connect"]).run()
    assert not app.exception
    spec = yaml.safe_load(app.session_state["space_yaml"])
    assert spec["edge_ops"]["3<-0"] == ["conv_3x3", "skip_connect"]
    # 5**5 choices on the other edges times 2 on edge 3<-0.
    assert _metrics(app)["Choice combinations"] == f"{5 ** 5 * 2:,}"


def test_space_without_baseline_ops_warns(db_path, user_dirs):
    app = open_app("space")
    app.multiselect(key="ed_ops_all").set_value(["none", "skip_connect", "avg_pool_3x3"]).run()
    assert not app.exception
    warnings = " ".join(warning.value for warning in app.warning)
    assert "baselines use ops this space lacks" in warnings
    assert "conv_3x3" in warnings


def test_user_loads_preset_into_editor(db_path, user_dirs):
    app = open_app("space")
    app.selectbox(key="preset_choice").set_value("digits_chain").run()
    app.button(key="load_preset").click().run()
    assert not app.exception
    assert app.radio(key="ed_family").value == "chain"
    assert SearchSpace.from_yaml(app.session_state["space_yaml"]) == load_preset_space("digits_chain")


def test_user_uploads_invalid_yaml_and_sees_error(db_path, user_dirs):
    app = open_app("space")
    app.get("file_uploader")[0].set_value(("bad.yaml", b"schema_version: 1\nfamily: ring\n", "application/x-yaml"))
    app.run()
    app.button(key="load_upload").click().run()
    assert not app.exception
    assert any("bad.yaml is not a valid search space" in error.value for error in app.error)


def test_user_saves_space_under_sanitised_name(db_path, user_dirs):
    app = open_app("space")
    app.text_input(key="ed_name").input("../my space!").run()
    app.button(key="save_space").click().run()
    assert not app.exception
    saved = list(user_dirs["spaces"].glob("*.yaml"))
    assert [path.name for path in saved] == ["my_space.yaml"]
    assert SearchSpace.from_yaml(saved[0].read_text()).name == "../my space!"


def test_saving_twice_needs_overwrite(db_path, user_dirs):
    app = open_app("space")
    app.button(key="save_space").click().run()
    app.button(key="save_space").click().run()
    assert any("already exists" in error.value for error in app.error)
    app.checkbox(key="overwrite_space").check().run()
    app.button(key="save_space").click().run()
    assert not app.error


def test_editor_keeps_space_after_visiting_run(db_path, user_dirs):
    app = open_app("space")
    app.multiselect(key="ed_ops_all").set_value(["skip_connect", "conv_3x3"]).run()
    app.switch_page("nasdiag/ui/pages/run.py").run()
    assert any("64 choice combinations" in text.value for text in app.markdown)
    app.switch_page("nasdiag/ui/pages/space.py").run()
    assert app.multiselect(key="ed_ops_all").value == ["skip_connect", "conv_3x3"]


def test_space_dims_mismatch_with_task_warns(db_path, user_dirs):
    app = open_app("space")
    app.selectbox(key="space_task").set_value("mnist1d").run()
    assert not app.exception
    assert any("builds 2D models" in warning.value for warning in app.warning)
