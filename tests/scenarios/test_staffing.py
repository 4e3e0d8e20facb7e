"""The staffing model: exact against brute force on small cases, and NPAP's best known."""

from __future__ import annotations

import itertools
import random
from datetime import date

import pytest

from allocator import allocate, check, read_data, write_data
from allocator.io.npap import NPAP_BEST_KNOWN, read_npap
from models import Options, Policy, ProblemData, ServicePolicy
from scenarios.bounds import team_bound, water_filling
from scenarios.staffing import StaffingError, best_levels, fte_needed, plan_staffing
from scenarios.workforce import add_posts, post_sizes, reduce_fte, subset
from tests.support import NPAP_ROOT, child, problem, team, worker

AS_OF = date(2027, 3, 1)
OPTIONS = Options(as_of=AS_OF, gap_limit=0, work_limit=10)
POLICY = Policy(name="tiny", services={"cin": ServicePolicy(max_children_per_fte=4)})


def three_teams() -> ProblemData:
    """Three teams of waiting children with uneven weights; no staff yet."""
    rng = random.Random(7)
    children = [
        child(f"{t}{i}", t, weight=float(rng.randint(1, 9)))
        for t, n in (("A", 7), ("B", 4), ("C", 2))
        for i in range(n)
    ]
    return problem(teams=[team("A"), team("B"), team("C")], children=children)


def value(data: ProblemData, levels: dict[str, int]) -> tuple[int, int, float]:
    """The engine's (waiting, splits, objective) with ``levels`` whole posts per team."""
    for t, k in levels.items():
        if k:
            data, _ = add_posts(data, t, post_sizes(k))
    result = allocate(data, POLICY, OPTIONS)
    return (result.children_unallocated, result.stats["sibling_groups_split"], result.objective)


def test_total_from_scratch_matches_brute_force():
    """Sharing 4 posts among three teams: the model's choice is the best of every split."""
    data = three_teams()
    result = plan_staffing(data, POLICY, OPTIONS, total_fte=4, from_scratch=True)
    splits = [s for s in itertools.product(range(5), repeat=3) if sum(s) == 4]
    best = min(value(data, dict(zip("ABC", s, strict=True))) for s in splits)
    got = (result.proposal.children_unallocated, 0, result.proposal.objective)
    assert got == pytest.approx(best)
    assert result.proven
    assert check(result.proposal.data, POLICY, result.proposal) == []


def test_add_fte_keeps_todays_workers_and_their_children():
    """--add-fte places posts among teams; held children stay with their workers."""
    data = problem(
        teams=[team("A"), team("B")],
        workers=[worker("WA", "A"), worker("WB", "B")],
        children=[
            *(child(f"A{i}", "A", worker_id="WA" if i < 3 else None, weight=2.0) for i in range(8)),
            *(child(f"B{i}", "B", weight=1.0) for i in range(3)),
        ],
    )
    result = plan_staffing(data, POLICY, OPTIONS, add_fte=1)
    assert [(t.team_id, t.fte_proposed, t.posts_added) for t in result.teams] == [
        ("A", 2.0, ("A-NEW-1",)),
        ("B", 1.0, ()),
    ]
    kept = {a.child_id: a.worker_id for a in result.proposal.allocations}
    assert [kept[f"A{i}"] for i in range(3)] == ["WA"] * 3
    assert result.proven
    assert (
        result.teams[0].reason == "the last 1 FTE here lets at least 4 more children be allocated"
    )


def test_total_below_today_removes_posts_where_they_matter_least():
    """A total one post below today's takes the post whose loss costs least (brute force)."""
    data = problem(
        teams=[team("A"), team("B")],
        workers=[worker("WA1", "A"), worker("WA2", "A"), worker("WB1", "B"), worker("WB2", "B")],
        children=[
            *(child(f"A{i}", "A", weight=3.0) for i in range(6)),
            *(child(f"B{i}", "B", weight=1.0) for i in range(3)),
        ],
    )
    result = plan_staffing(data, POLICY, OPTIONS, total_fte=3)
    costs = {}
    for team_id in ("A", "B"):
        cut, _ = reduce_fte(data, POLICY, AS_OF, {team_id}, 1.0)
        outcome = allocate(cut, POLICY, OPTIONS)
        costs[team_id] = (outcome.children_unallocated, outcome.objective)
    best = min(costs.values())
    assert (result.proposal.children_unallocated, result.proposal.objective) == pytest.approx(best)
    assert result.fte_proposed == 3


def test_target_per_fte_is_the_least_that_places_everyone():
    """Each team gets the least posts with nobody waiting: one post fewer leaves a child waiting."""
    data = three_teams()
    result = plan_staffing(data, POLICY, OPTIONS, target_per_fte=3, from_scratch=True)
    fte = {t.team_id: t.fte_proposed for t in result.teams}
    assert result.proposal.children_unallocated == 0
    assert fte == {"A": 3.0, "B": 2.0, "C": 1.0}  # ceil(7/3), ceil(4/3), ceil(2/3)
    assert all(w.children_after <= 3 * w.fte for w in result.proposal.workers)
    assert result.proven


def test_half_posts_with_granularity():
    """--granularity 0.5 staffs in half posts (a full post plus a half)."""
    data = three_teams()
    result = plan_staffing(
        data, POLICY, OPTIONS, target_per_fte=4, granularity=0.5, from_scratch=True
    )
    assert {t.team_id: t.fte_proposed for t in result.teams} == {"A": 2.0, "B": 1.0, "C": 0.5}


def test_bad_options_are_named():
    """Each bad staffing option is one line naming the option."""
    data = problem(
        workers=[worker("W1")], children=[child(f"C{i}", worker_id="W1") for i in range(4)]
    )
    with pytest.raises(StaffingError) as caught:
        plan_staffing(data, POLICY, OPTIONS, target_per_fte=0, granularity=0.3)
    assert caught.value.problems == [
        "--granularity 0.3: does not divide 1 (use 1, 0.5, 0.25, 0.2 or 0.1)",
        "--target-per-fte 0: must be a number above 0",
    ]
    with pytest.raises(StaffingError, match="exactly one of"):
        plan_staffing(data, POLICY, OPTIONS, total_fte=2, add_fte=1)
    with pytest.raises(StaffingError) as caught:
        plan_staffing(data, POLICY, OPTIONS, total_fte=0.5, granularity=0.5)
    assert caught.value.problems == [
        "--total-fte 0.5: below the 1 FTE today's held children need under the policy's caps "
        "(held children stay with their workers)"
    ]
    with pytest.raises(StaffingError, match="not a whole number of 1-FTE posts; use 1 or 2 FTE"):
        plan_staffing(data, POLICY, OPTIONS, total_fte=1.5)


def test_fte_needed_is_what_lets_everyone_be_placed():
    """fte_needed: 5 children wait at a cap of 4 per FTE, so 2 posts; 1 is not enough."""
    data = problem(
        workers=[worker("W1")],
        children=[child(f"C{i}", worker_id="W1" if i < 4 else None) for i in range(13)],
    )
    result = allocate(data, POLICY, OPTIONS)
    assert result.children_unallocated == 9
    fte, stuck, proven = fte_needed(data, POLICY, OPTIONS, result)
    assert (fte, stuck, proven) == (3.0, 0, True)
    one_short, _ = add_posts(data, "T1", [1.0, 1.0])
    assert allocate(one_short, POLICY, OPTIONS).children_unallocated == 1


def test_programme_is_exact_on_non_convex_costs():
    """The dynamic programme equals brute force on random, non-convex team costs."""
    rng = random.Random(3)
    for _ in range(30):
        teams = rng.randint(2, 4)
        choices = [
            [(k, (rng.randint(0, 2), 0, float(rng.randint(0, 50)))) for k in range(-1, 4)]
            for _ in range(teams)
        ]
        total = rng.randint(-teams, 3 * teams)
        found = best_levels(choices, total)
        combos = [c for c in itertools.product(*choices) if sum(k for k, _ in c) == total]
        best = min(tuple(map(sum, zip(*(cost for _, cost in c), strict=True))) for c in combos)
        assert found is not None and found[0] == best


def test_bounds_never_exceed_the_engine():
    """The water-filling bound is at most the engine's proven value at every level tried."""
    data = three_teams()
    for team_id, k in (("A", 1), ("A", 2), ("A", 3), ("B", 1), ("B", 2)):
        alone, _ = add_posts(subset(data, {team_id}), team_id, post_sizes(k))
        bound = team_bound(alone, POLICY, AS_OF)
        result = allocate(alone, POLICY, OPTIONS)
        assert bound <= (result.children_unallocated, 0, result.objective + 1e-6)
    assert water_filling([3, 0, 0], [1, 1, 1], 3) == pytest.approx(3**2 + 2 * 1.5**2)


@pytest.mark.parametrize("name", ["pathological", "bench2/instance9"])
def test_npap_from_a_data_folder_reaches_the_best_known(name, tmp_path):
    """Given only the nurses, staffing and allocation reach NPAP's best known, proven."""
    # The other instances run in benchmarks/planner.py (docs/benchmarks.md).
    npap, policy = read_npap(NPAP_ROOT / f"{name}.txt")
    write_data(npap, tmp_path / "data")
    data = read_data(tmp_path / "data", policy)
    result = plan_staffing(
        data,
        policy,
        Options(as_of=AS_OF, gap_limit=0, work_limit=60),
        total_fte=len(npap.workers),
        from_scratch=True,
    )
    assert result.proven
    assert result.proposal.objective == NPAP_BEST_KNOWN[name]


def test_a_target_below_a_range_keeps_a_valid_policy(tmp_path):
    """A target under Merton's CiN range (18-20) gives a proposal folder that reads back."""
    from allocator import read_outputs, write_outputs
    from models import load_policy

    data = problem(children=[child(f"C{i}") for i in range(16)])
    result = plan_staffing(
        data, load_policy("merton"), OPTIONS, target_per_fte=15, from_scratch=True
    )
    assert result.teams[0].fte_proposed == 2.0
    write_outputs(result.proposal, tmp_path / "proposal")
    assert read_outputs(tmp_path / "proposal").policy.services["cin"].max_children_per_fte == 15
