"""The analyst notebook: committed without outputs, and it runs headless against a small lake.

The lake of the session's small demo (tests/demo_run.py: a generated landing and the run
`tollgate run` does, which also writes the run report), one kernel. The kernel is a separate
process; it reads the gold tables by name.
"""

from __future__ import annotations

import base64
import re

import nbformat
from nbclient import NotebookClient

from jobs.lake.session import project_path
from tests.test_report import png_size

NOTEBOOK = project_path("notebooks", "usage_heatmap.ipynb")


def test_committed_notebook_holds_no_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code_cells
    assert [(cell.outputs, cell.execution_count) for cell in code_cells] == [([], None)] * len(code_cells)


def test_a_run_writes_its_report_and_the_notebook_draws_the_heat_map(demo_run, tmp_path, monkeypatch):
    lake = demo_run[0] / "lake"
    assert demo_run[1] == 0
    reports = sorted((lake / "_reports").glob("run-*.html"))
    assert len(reports) == 1
    embedded = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', reports[0].read_text(encoding="utf-8"))
    assert embedded and png_size(base64.b64decode(embedded.group(1)))[0] >= 600

    heatmap, trend = tmp_path / "out" / "heatmap.png", tmp_path / "out" / "trend.png"
    monkeypatch.setenv("TOLLGATE_LAKE", str(lake))
    monkeypatch.setenv("TOLLGATE_HEATMAP_PNG", str(heatmap))
    monkeypatch.setenv("TOLLGATE_TREND_PNG", str(trend))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError, with the cell, if any cell fails
    width, height = png_size(heatmap.read_bytes())
    assert width >= 600 and height >= 150 and heatmap.stat().st_size > 5_000
    assert png_size(trend.read_bytes())[0] >= 600
    printed = "".join(out.get("text", "") for cell in notebook.cells for out in cell.get("outputs", []))
    assert "call_quality" in printed and "usage_by_time_of_day" in printed
    images = [out for cell in notebook.cells for out in cell.get("outputs", []) if "image/png" in out.get("data", {})]
    assert len(images) == 2
    # The executed copy stayed in memory: the committed file still holds no outputs.
    test_committed_notebook_holds_no_outputs()
