"""The import contracts of pyproject.toml (docs/architecture.md): the code keeps them, and a
wrong import breaks the contract it goes against, named in the output.

Each wrong import is written into a copy of the package in a temporary directory, and
import-linter runs on that copy (PYTHONPATH puts it ahead of the installed one), so the
repository is never touched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

ENGINES = "Engines import no Django"
LAYERS = "Apps import only the layers below them"
ACYCLIC = "No import cycles between the modules of any package"


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    """The package's Python files and pyproject.toml, copied once for the module."""
    target = tmp_path_factory.mktemp("layers")
    shutil.copy(ROOT / "pyproject.toml", target)
    shutil.copytree(ROOT / "ciic", target / "ciic",
                    ignore=shutil.ignore_patterns("__pycache__", "templates", "static", "locale", "specs"))
    return target


def test_the_code_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


# (the file written into, the code added, the contract it breaks, what the output names)
WRONG = {
    "core imports a domain app": (
        "ciic/core/masking.py", "from ciic.entrants import models\n", LAYERS,
        "ciic.core is not allowed to import ciic.entrants"),
    "an engine imports Django": (
        "ciic/engines/scoring.py", "import django.db\n", ENGINES,
        "ciic.engines is not allowed to import django"),
    "an engine imports an app": (
        "ciic/engines/affinity.py", "from ciic.contests import models\n", LAYERS,
        "ciic.engines is not allowed to import ciic.contests"),
    "a lazy import inside a function still counts": (
        "ciic/projects/services.py", "\n\ndef _finalists():\n    from ciic.review import models\n", LAYERS,
        "ciic.projects is not allowed to import ciic.review"),
    "an app imports the demo": (
        "ciic/review/models.py", "from ciic.demo import entrants\n", LAYERS,
        "ciic.review is not allowed to import ciic.demo"),
    "an app imports the API": (
        "ciic/accounts/services.py", "from ciic.api import urls\n", LAYERS,
        "ciic.accounts is not allowed to import ciic.api"),
    "the demo imports the API, its neighbour on top": (
        "ciic/demo/entrants.py", "from ciic.api import urls\n", LAYERS,
        "ciic.demo is not allowed to import ciic.api"),
    "an app imports test support": (
        "ciic/entrants/services.py", "from ciic.testing import personas\n", LAYERS,
        "ciic.entrants is not allowed to import ciic.testing"),
    "a cycle inside an app": (
        "ciic/entrants/models.py", "\n\ndef _explain():\n    from . import eligibility\n", ACYCLIC,
        "No cycles are allowed in ciic.entrants"),
}


@pytest.mark.parametrize("case", list(WRONG))
def test_a_wrong_import_breaks_the_contract_it_goes_against(copy, case):
    path, code, contract, message = WRONG[case]
    target = copy / path
    original = target.read_text(encoding="utf-8")
    target.write_text(original + code, encoding="utf-8")
    try:
        result = lint_imports(copy)
    finally:
        target.write_text(original, encoding="utf-8")
    assert result.returncode == 1, result.stdout + result.stderr
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert f"{contract}\n" in broken and message in broken, result.stdout


def test_a_new_app_must_be_given_a_layer(copy):
    """The layers are exhaustive: an app nobody placed (here, a newsroom app) fails."""
    app = copy / "ciic" / "newsroom"
    app.mkdir()
    (app / "__init__.py").write_text("", encoding="utf-8")
    try:
        result = lint_imports(copy)
    finally:
        shutil.rmtree(app)
    assert result.returncode == 1, result.stdout + result.stderr
    assert LAYERS in result.stdout and "ciic.newsroom" in result.stdout, result.stdout
