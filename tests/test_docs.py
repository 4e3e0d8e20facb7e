"""The project's own documents point at real things: the data contract kept whole, every
extension marked, links that resolve, every test named in docs/policy.md, and CI
running the README's commands."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.support import ROOT, SHARED

DOCS = ROOT / "docs"
CONTRACT = DOCS / "data-contract.md"
EXTENSIONS = DOCS / "data-contract-extensions.md"
SHARED_CONTRACTS = [
    SHARED / "spec" / "data-contract.md",
    Path("/work/shared/spec/data-contract.md"),
]


def slug(heading: str) -> str:
    """The anchor a Markdown heading gets (GitHub's rule)."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {slug(m) for m in re.findall(r"^#+ (.+)$", path.read_text("utf-8"), re.MULTILINE)}


def shared_contract() -> Path | None:
    return next((p for p in SHARED_CONTRACTS if p.is_file()), None)


def test_data_contract_holds_the_shared_contract_unchanged():
    """Every line of ../shared/spec/data-contract.md is in docs/data-contract.md, in order."""
    shared = shared_contract()
    if shared is None:
        if os.environ.get("CI"):
            pytest.fail("CI has ../shared beside the clone, but no shared/spec/data-contract.md")
        pytest.skip("../shared/spec/data-contract.md is not beside this clone (CI has it)")
    ours = iter(CONTRACT.read_text("utf-8").splitlines())
    missing = [
        line
        for line in shared.read_text("utf-8").splitlines()
        if line.strip() and not any(mine == line for mine in ours)
    ]
    assert missing == [], f"changed or missing in docs/data-contract.md: {missing[:3]}"


def test_every_extension_is_marked_in_the_data_contract():
    """Each section of data-contract-extensions.md is linked from a marked block."""
    text = EXTENSIONS.read_text("utf-8")
    headings = re.findall(r"^(##+) (.+)$", text, re.MULTILINE)
    leaves = [
        title
        for i, (level, title) in enumerate(headings)
        if not (i + 1 < len(headings) and len(headings[i + 1][0]) > len(level))
    ]
    contract = CONTRACT.read_text("utf-8")
    linked = set(re.findall(r"\]\(data-contract-extensions\.md#([\w-]+)\)", contract))
    assert [t for t in leaves if slug(t) not in linked] == []
    marked = [b for b in contract.split("\n\n") if "data-contract-extensions.md#" in b]
    assert all("**Extension (caseload)" in block for block in marked)


def test_links_between_the_documents_resolve():
    """Every link from the README and docs to a docs page (and its anchor) exists."""
    pages = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
    broken = []
    for page in pages:
        for target, anchor in re.findall(
            r"\]\(((?:docs/)?[\w.-]+\.md)(?:#([\w-]+))?\)", page.read_text("utf-8")
        ):
            path = (page.parent / target).resolve()
            if not path.is_file() or (anchor and anchor not in anchors(path)):
                broken.append(f"{page.name} -> {target}#{anchor}")
    assert broken == []


def test_readme_links_the_projects_own_contract():
    """The README sends readers to docs/data-contract.md, not outside the repository."""
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "](docs/data-contract.md)" in readme and "../shared" not in readme


def readme_commands() -> list[str]:
    """The two set-up commands of the README's Set-up section."""
    section = (ROOT / "README.md").read_text("utf-8").split("## Set-up", 1)[1]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    return [line for line in block.strip().splitlines() if line.strip()]


def test_ci_runs_the_readmes_test_command():
    """.ci/run runs exactly the README's second (test) command."""
    demo, tests = readme_commands()
    assert "scripts/setup" in demo and "scripts/setup" in tests
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert tests in ci.splitlines()


def test_every_test_named_in_the_policy_table_exists():
    """Each ``file.py::test_name`` in docs/policy.md names a test function that exists."""
    text = (ROOT / "docs" / "policy.md").read_text(encoding="utf-8")
    named = re.findall(r"`(test_\w+\.py)::(test_\w+)`", text)
    named += [("", name) for name in re.findall(r"`::(test_\w+)`", text)]
    assert len(named) > 30
    sources = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py")}
    everything = "\n".join(sources.values())
    missing = [
        f"{file}::{name}"
        for file, name in named
        if f"def {name}(" not in (sources.get(file, "") if file else everything)
    ]
    assert missing == []
