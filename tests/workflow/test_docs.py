"""The generated documentation, and the purity of the workflow package."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from petitions.workflow.docs import FLOWS, diagram, render_docs
from petitions.workflow.states import Kind
from petitions.workflow.transitions import rows_for

ROOT = Path(__file__).resolve().parents[2]


def test_docs_file_matches_the_tables():
    committed = (ROOT / "docs" / "workflow.md").read_text(encoding="utf-8")
    assert committed == render_docs(), "regenerate: python -m petitions.workflow.docs > docs/workflow.md"


def test_docs_diagram_shows_every_row():
    for _, kind, second_time in FLOWS:
        text = diagram(kind, second_time)
        assert text.startswith("stateDiagram-v2\n    [*] --> received\n")
        for row in rows_for(kind, second_time):
            for source in row.sources:
                assert f"    {source.value} --> " in text
                assert f" : {row.event.value}\n" in text


def test_docs_diagram_resume_returns_to_each_suspendable_status():
    text = diagram(Kind.DENUNCIATION)
    assert "suspended --> accepted : resume" in text
    assert "suspended --> under_verification : resume" in text
    assert "closed --> [*]" in text


PURITY_CHECK = """
import sys, types
# petitions/__init__.py is the Flask app factory: stand in for it, so that only the
# workflow package and what it imports are loaded
parent = types.ModuleType("petitions")
parent.__path__ = [{path!r}]
sys.modules["petitions"] = parent
import petitions.workflow, petitions.workflow.engine, petitions.workflow.docs
print(sorted(m for m in sys.modules
             if m.split(".")[0] in ("flask", "sqlalchemy", "flask_sqlalchemy", "werkzeug", "jinja2")))
"""


def test_workflow_package_imports_no_flask_or_sqlalchemy():
    code = PURITY_CHECK.format(path=str(ROOT / "petitions"))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT / "tests", capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_workflow_sources_import_only_stdlib_and_holidays():
    allowed = set(sys.stdlib_module_names) | {"holidays"}
    for path in (ROOT / "petitions" / "workflow").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in allowed, (path.name, name)
