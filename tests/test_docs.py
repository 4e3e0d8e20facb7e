"""The docs point at real things: every test named in docs/policy.md exists."""

from __future__ import annotations

import re

from tests.support import ROOT


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
