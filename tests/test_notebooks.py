"""The notebooks: committed without outputs, importing the library, and running top to bottom.

Each notebook runs in a fresh ``python3`` kernel through nbclient, from the checkout's root and from
``notebooks/`` (where Jupyter starts it), as a user would run it. A few check cells are appended to the
in-memory copy, so that the state the notebook reaches is tested, not only the absence of errors.
"""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
NOTEBOOKS = ("01_explore_seed.ipynb", "02_your_corpus.ipynb")
CELL_TIMEOUT = 600  # seconds
#: What matplotlib prints once on a fresh machine: not a problem of the notebook.
HARMLESS_STDERR = ("Matplotlib is building the font cache",)

#: Cells appended to the executed copy: the state each notebook should have reached.
CHECKS = {
    "01_explore_seed.ipynb": """
        from rdflib import Graph

        assert report.exit_code == 0 and report.entities > 0 and report.relations > 0
        assert G.number_of_nodes() == report.entities
        assert len(posts) > 0 and len(link) > 0 and len(events) > 0
        assert {"Meng Fanying", "Liu Xiaomei"} <= {r["person"] for r in posts.records()}
        assert float(centrality[0]["pagerank"]) >= float(centrality[-1]["pagerank"])
        assert "tiegraph.stable" in page.read_text(encoding="utf-8")
        assert len(Graph().parse(ttl, format="turtle")) == len(load_graph(OUT))
    """,
    "02_your_corpus.ipynb": """
        assert before.documents == after.documents == ("korvane_appointment.txt", "redwater_loan.txt")
        assert after.entities.f1 > before.entities.f1
        assert after.relations.recall > before.relations.recall
        assert after.relations.roles_found > before.relations.roles_found
        assert any(r["rule"] == "mine.invests.loan-to" for r in facts_after.records())
        assert not any(r["rule"] == "mine.invests.loan-to" for r in facts_before.records())
        assert alone.relations.recall > before.relations.recall
    """,
}


def read(name: str) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    nbformat.validate(nb)
    return nb


def test_notebooks_are_the_two_walkthroughs():
    assert sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb")) == list(NOTEBOOKS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebooks_are_committed_without_outputs(name):
    nb = read(name)
    assert nb.metadata.kernelspec.name == "python3"
    assert "widgets" not in nb.metadata
    for cell in nb.cells:
        assert "execution" not in cell.metadata, cell.id
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name} cell {cell.id} has outputs: clear them before committing"
            assert cell.execution_count is None, f"{name} cell {cell.id} has an execution count"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebooks_use_the_installed_library_without_path_tricks(name):
    code = "\n".join(c.source for c in read(name).cells if c.cell_type == "code")
    for trick in ("sys.path", "os.chdir", "%cd", "PYTHONPATH", "%run"):
        assert trick not in code, f"{name} uses {trick}"
    assert "from graph.api import" in code


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebooks_tell_what_each_step_shows(name):
    """A title first, then prose between the code: at least one markdown cell for every two code cells."""
    cells = read(name).cells
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith("# ")
    markdown = sum(c.cell_type == "markdown" for c in cells)
    code = sum(c.cell_type == "code" for c in cells)
    assert markdown >= code // 2 + 1


@pytest.fixture(scope="module")
def python3_kernel(tmp_path_factory):
    """The name of a kernelspec ``python3`` that runs this interpreter.

    It is written to a temporary folder put first on ``JUPYTER_PATH``, which is what
    ``python -m ipykernel install --user --name python3`` would do, without touching the home folder, and
    whatever other ``python3`` kernel the machine has.
    """
    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager

    root = tmp_path_factory.mktemp("jupyter")
    write_kernel_spec(root / "kernels" / "python3")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", os.pathsep.join(p for p in (str(root), os.environ.get("JUPYTER_PATH")) if p))
        assert KernelSpecManager().get_kernel_spec("python3").argv[0] == sys.executable
        yield "python3"


def run_notebook(name: str, cwd: Path, kernel: str) -> nbformat.NotebookNode:
    """The notebook ``name`` executed in ``cwd``, with its check cell appended; a failing cell raises."""
    from nbclient import NotebookClient

    nb = read(name)
    nb.cells.append(nbformat.v4.new_code_cell(textwrap.dedent(CHECKS[name]).strip(), id="test-checks"))
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name=kernel, resources={"metadata": {"path": str(cwd)}})
    client.execute()
    return nb


def outputs(nb: nbformat.NotebookNode, kind: str) -> list:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if kind in o.get("data", {})]


@pytest.mark.model
@pytest.mark.parametrize("cwd", [REPO_ROOT, NOTEBOOK_DIR], ids=["from-root", "from-notebooks"])
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebooks_run_top_to_bottom(name, cwd, python3_kernel):
    nb = run_notebook(name, cwd, python3_kernel)
    stderr = [
        line
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "stream" and o.name == "stderr"
        for line in o.text.splitlines()
        if line.strip() and not line.startswith(HARMLESS_STDERR)
    ]
    assert stderr == [], "\n".join(stderr)
    tables = [o for o in outputs(nb, "text/html") if "<table>" in o["data"]["text/html"]]
    assert len(tables) >= 5
    if name == "01_explore_seed.ipynb":
        assert len(outputs(nb, "image/png")) == 1  # the PageRank chart
        pages = [o for o in outputs(nb, "text/html") if "<iframe srcdoc=" in o["data"]["text/html"]]
        assert len(pages) == 1 and "Content-Security-Policy" in pages[0]["data"]["text/html"]
