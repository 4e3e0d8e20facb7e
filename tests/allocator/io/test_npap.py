"""Tests for allocator.io.npap: reading the NPAP benchmark and its staffing rule."""

from __future__ import annotations

from functools import cache

import pytest

from allocator.io.npap import (
    ACUITY_PER_NURSE,
    NPAP_BEST_KNOWN,
    PATIENTS_PER_NURSE,
    npap_instances,
    parse_npap,
    read_npap,
    staff_zones,
)
from models import Role
from tests.support import NPAP_ROOT

needs_shared = pytest.mark.skipif(not NPAP_ROOT.is_dir(), reason="shared/benchmarks/npap absent")

# zones, nurses, patients per instance, from the benchmark's README table.
README_SIZES = {
    "pathological": (2, 6, 14),
    "6zones": (6, 31, 78),
    "bench2/instance0": (2, 11, 28),
    "bench2/instance1": (2, 11, 29),
    "bench2/instance2": (2, 10, 26),
    "bench2/instance3": (2, 12, 30),
    "bench2/instance4": (2, 10, 28),
    "bench2/instance5": (2, 10, 26),
    "bench2/instance6": (2, 12, 29),
    "bench2/instance7": (2, 10, 27),
    "bench2/instance8": (2, 10, 25),
    "bench2/instance9": (2, 8, 22),
}


def zone_optimum(acuities: list[int], nurses: int) -> int | None:
    """Exact least sum of squared loads of one zone (None when infeasible).

    Each nurse takes 1-3 patients and at most 105 acuity. The recursion always
    gives the lowest-numbered unassigned patient to the next nurse, so every
    partition is counted once; zones hold at most ~17 patients, so the memo
    over (assigned set, nurses left) stays small.
    """
    a = sorted(acuities, reverse=True)
    n = len(a)

    @cache
    def best(assigned: int, left: int) -> int | None:
        rest = [j for j in range(n) if not assigned >> j & 1]
        if left == 0:
            return 0 if not rest else None
        if not left <= len(rest) <= PATIENTS_PER_NURSE * left:
            return None
        first, others = rest[0], rest[1:]
        groups = [(1 << first, a[first])]
        for x, j in enumerate(others):
            if a[first] + a[j] <= ACUITY_PER_NURSE:
                groups.append((1 << first | 1 << j, a[first] + a[j]))
                for k in others[x + 1 :]:
                    load = a[first] + a[j] + a[k]
                    if load <= ACUITY_PER_NURSE:
                        groups.append((1 << first | 1 << j | 1 << k, load))
        values = [
            load * load + sub
            for group, load in groups
            if (sub := best(assigned | group, left - 1)) is not None
        ]
        return min(values, default=None)

    return best(0, nurses)


def test_zone_optimum_on_a_hand_example():
    """The test's exact solver finds the obvious best split of a tiny zone."""
    # 4 patients, 2 nurses: {60, 10} and {50, 20} give 70^2 + 70^2, the even split.
    assert zone_optimum([60, 50, 20, 10], 2) == 2 * 70**2
    # 100 + 10 > 105, so one nurse cannot take both of those.
    assert zone_optimum([100, 10], 1) is None


@needs_shared
def test_instances_are_listed_in_a_stable_order():
    """npap_instances finds every README instance, top-level files first, naturally sorted."""
    listed = npap_instances(NPAP_ROOT)
    names = [name for name, _ in listed]
    assert sorted(names) == sorted(NPAP_BEST_KNOWN)
    assert names[:2] == ["6zones", "pathological"]
    assert names[2:] == [f"bench2/instance{i}" for i in range(10)]
    assert listed == npap_instances(NPAP_ROOT)


@needs_shared
@pytest.mark.parametrize("name", sorted(README_SIZES))
def test_read_gives_the_readme_sizes(name):
    """Each file reads as the README's zones, nurses and patients, mapped onto the contract."""
    data, policy = read_npap(NPAP_ROOT / f"{name}.txt")
    zones, nurses, patients = README_SIZES[name]
    assert len(data.teams) == zones
    assert len(data.workers) == nurses
    assert len(data.children) == patients
    assert [t.team_id for t in data.teams] == [f"Z{z}" for z in range(1, zones + 1)]
    assert all(t.service == "npap" and t.manager_id is None for t in data.teams)
    assert all(w.role is Role.SOCIAL_WORKER and w.fte == 1 for w in data.workers)
    assert all(c.worker_id is None and c.category == "patient" for c in data.children)
    assert all(c.weight is not None and c.weight > 0 for c in data.children)
    assert data.workers[0].worker_id == "Z1-N01"
    assert data.children[0].child_id == "Z1-P01"
    assert policy.services["npap"].max_children_per_fte == 3
    assert policy.services["npap"].max_load_per_fte == 105
    assert policy.span.oversight_max is None and policy.thresholds == ()


@needs_shared
def test_pathological_weights_are_the_acuities():
    """Patients keep their zone and their acuity as weight, in file order."""
    data, _ = read_npap(NPAP_ROOT / "pathological.txt")
    zone1 = [c.weight for c in data.children if c.team_id == "Z1"]
    assert zone1 == [70, 60, 50, 40, 30, 20, 20, 10]


@needs_shared
@pytest.mark.parametrize("name", sorted(NPAP_BEST_KNOWN))
def test_staffing_rule_reproduces_best_known(name):
    """The staffing rule plus exact per-zone optima give the README's best known objective."""
    nurses, zones = parse_npap((NPAP_ROOT / f"{name}.txt").read_text())
    staff = staff_zones(nurses, zones)
    assert sum(staff) == nurses
    optima = [zone_optimum(zone, n) for zone, n in zip(zones, staff, strict=True)]
    assert None not in optima
    assert sum(optima) == NPAP_BEST_KNOWN[name]


def test_staffing_rule_minimum_then_largest_drop():
    """Minimums first (3 patients, 105 acuity per nurse), then the largest drop of A^2/n."""
    # Zone 0: 4 patients of 10 -> min 2 (count); zone 1: 2 patients of 100 -> min 2 (acuity).
    zones = [[10, 10, 10, 10], [100, 100]]
    assert staff_zones(4, zones) == [2, 2]
    # A fifth nurse: drop 40^2/2 - 40^2/3 in zone 0, none possible in zone 1 (2 patients).
    assert staff_zones(5, zones) == [3, 2]


def test_staffing_rule_ties_go_to_the_lower_zone():
    """Equal drops give the nurse to the lower zone index."""
    assert staff_zones(3, [[30, 30], [30, 30]]) == [2, 1]


def test_staffing_rule_rejects_too_few_or_too_many_nurses():
    """Fewer nurses than the minimum, or more than patients, is an error."""
    with pytest.raises(ValueError, match="at least 2 needed"):
        staff_zones(1, [[100, 100]])
    with pytest.raises(ValueError, match="at least one patient"):
        staff_zones(3, [[10, 10]])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file"),
        ("2\n1 10\n", "line 1: expected 'zones nurses'"),
        ("2 x\n1 10\n1 10\n", "line 1: header value 2 is 'x', not an integer"),
        ("2 2\n1 10\n", "line 2: header (line 1) announces 2 zones, found 1 zone lines"),
        ("1 1\n1 10\n1 10\n", "line 3: header (line 1) announces 1 zones, found 2"),
        ("1 1\n2 10\n", "line 2: zone announces 2 patients, found 1 acuities"),
        ("1 1\n2 10 2.5\n", "line 2: zone value 3 is '2.5', not an integer"),
        ("1 1\n\n2 10 0\n", "line 3: zone value 3 is 0, must be > 0"),
    ],
)
def test_malformed_text_names_the_line(text, message):
    """Malformed input raises a ValueError naming the source and the line."""
    with pytest.raises(ValueError, match=r"^bad\.txt: ") as info:
        parse_npap(text, "bad.txt")
    assert message in str(info.value)


def test_read_names_the_file_and_line(tmp_path):
    """read_npap errors name the file path and line, also for a staffing problem."""
    bad = tmp_path / "bad.txt"
    bad.write_text("1 2\n2 10 x\n")
    with pytest.raises(ValueError, match=r"bad\.txt: line 2: zone value 3 is 'x'"):
        read_npap(bad)
    bad.write_text("1 1\n2 100 100\n")
    with pytest.raises(ValueError, match=r"bad\.txt: line 1: 1 nurses cannot cover"):
        read_npap(bad)


def test_read_small_file(tmp_path):
    """A tiny hand-written file maps zones, nurses and patients as documented."""
    path = tmp_path / "tiny.txt"
    path.write_text("2 3\n3 50 40 30\n1 20\n")
    data, _ = read_npap(path)
    assert [w.worker_id for w in data.workers] == ["Z1-N01", "Z1-N02", "Z2-N01"]
    assert [(c.child_id, c.weight) for c in data.children] == [
        ("Z1-P01", 50),
        ("Z1-P02", 40),
        ("Z1-P03", 30),
        ("Z2-P01", 20),
    ]
    assert data.source == str(path)
