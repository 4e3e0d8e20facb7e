"""Tests for allocator.io.labels: the policy's vocabularies and the closest known label."""

from __future__ import annotations

import pytest

from allocator.io.labels import closest, vocabularies
from models import load_policy
from tests.support import ROOT


@pytest.mark.parametrize(
    ("label", "expected"),
    [("court proceedings", "court"), ("Court-order", "court"), ("cuort", "court"),
     ("non engagement", "non_engagement"), ("Non-Engagement", "non_engagement"),
     ("missing from home", "missing"), ("respite", None), ("x", None)],
)  # fmt: skip
def test_closest_label(label, expected):
    """A known word inside the label wins, then spelling; nothing far off is suggested."""
    known = ["court", "cse", "dv", "missing", "neglect", "non_engagement", "substance"]
    assert closest(label, known) == expected


def test_vocabularies_mark_what_protections_depend_on():
    """ASYE exclusions, category caps and statutory labels are protected; weights alone are not."""
    merton = vocabularies(load_policy("merton"))
    default = vocabularies(load_policy("default"))
    protected = vocabularies(load_policy(ROOT / "docs" / "examples" / "asye-protections.toml"))
    assert protected["flag"].protected["court"] == "ASYE exclusion, statutory priority"
    assert default["flag"].protected["court"] == "statutory priority"
    assert "dv" in default["flag"].known and "dv" not in default["flag"].protected
    assert "its own category cap" in merton["category"].protected["care_leaver"]
    assert "statutory priority" in default["category"].protected["cp"]
    assert set(merton["service"].known) == set(load_policy("merton").services)
