"""What a reviewer checks, run with the suite: format, lint, types, layers, test docstrings."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

PACKAGES = ("models", "allocator", "scenarios", "reports", "workspace", "caseload")


def tool(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a console script installed beside this Python, in the repository's root."""
    script = Path(sys.executable).parent / name
    found = str(script) if script.exists() else shutil.which(name)
    assert found, f"{name} is not installed: pip install -e '.[test]'"
    return subprocess.run(
        [found, *args], cwd=ROOT, capture_output=True, text=True, check=False, timeout=600
    )


def test_code_is_formatted():
    """ruff format would change nothing."""
    done = tool("ruff", "format", "--check", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_lint_finds_nothing():
    """ruff check passes with the project's rule set."""
    done = tool("ruff", "check", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_packages_type_check():
    """mypy finds no error in the packages."""
    done = tool("mypy")
    assert done.returncode == 0, done.stdout + done.stderr


def test_layers_keep_their_contracts():
    """No layer imports a higher one, nor another layer's private modules."""
    done = tool("lint-imports")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "7 kept, 0 broken" in done.stdout


def test_the_layer_contract_catches_a_break(tmp_path):
    """The contract is not vacuous: a copy of the tree with allocator importing scenarios fails."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with (tmp_path / "allocator" / "solve.py").open("a", encoding="utf-8") as f:
        f.write("\nfrom scenarios import generate_authority  # noqa: E402\n")
    script = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run(
        [str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env={"PYTHONPATH": str(tmp_path), "PATH": str(script.parent)},
    )
    assert done.returncode != 0
    assert "allocator.solve -> scenarios" in done.stdout


@pytest.mark.parametrize(
    "path", sorted(p.relative_to(ROOT) for p in (ROOT / "tests").rglob("test_*.py")), ids=str
)
def test_every_test_says_what_it_checks_in_one_line(path):
    """Each test function has a docstring of one line (style.md: Tests)."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    bad = [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        and node.name.startswith("test")
        and (not (doc := ast.get_docstring(node)) or "\n" in doc.strip())
    ]
    assert bad == []
