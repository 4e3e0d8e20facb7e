"""The proof stage inside the engine: the same optimum as CP-SAT proving alone, every rule
kept, and today's result wherever it gives up or does not apply."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import allocator.cpsat.proof as proof_stage
from allocator import InputError, check
from allocator.cpsat import SolverSettings
from allocator.solve import solve
from models import Options, SiblingMode, SolveStatus, Weighting, load_policy
from tests.allocator.test_properties import left_waiting, policies, problems
from tests.support import AS_OF, CIN, child, problem, worker

ALONE = SolverSettings(proof=False)
WITH_PROOF = SolverSettings(proof=True)


def run(data, policy, settings_, **opts):
    options = Options(as_of=AS_OF, gap_limit=0.0, time_limit=20, **opts)
    return solve(data, policy, options, settings=settings_)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=problems(), policy=policies(st.sampled_from(SiblingMode)))
def test_the_proof_reaches_cp_sat_s_optimum_on_random_teams(data, policy):
    """Random small inputs: where both routes prove, as many wait, as many splits, same balance."""
    data = data.model_copy(update={"adjustments": ()})
    try:
        alone = run(data, policy, ALONE)
    except InputError:
        return
    proven = run(data, policy, WITH_PROOF)
    assert check(data, policy, proven) == []
    if alone.status is SolveStatus.OPTIMAL and proven.status is SolveStatus.OPTIMAL:
        assert left_waiting(proven) == left_waiting(alone) or len(left_waiting(proven)) == len(
            left_waiting(alone)
        )
        assert proven.stats["sibling_groups_split"] == alone.stats["sibling_groups_split"]
        assert proven.objective == pytest.approx(alone.objective, abs=1e-6)


def brute_force_balance(data, policy) -> float:
    """Least ``sum load**2 / capacity`` over every way to place every child, by enumeration
    (plain count caps, no families: the rules this test's inputs have)."""
    cap = policy.services["cin"].max_children_per_fte
    holders = [w for w in data.workers]
    kept = {w.worker_id: 0.0 for w in holders}
    count = {w.worker_id: 0 for w in holders}
    for c in data.children:
        if c.worker_id:
            kept[c.worker_id] += c.weight or 1.0
            count[c.worker_id] += 1
    waiting = [c for c in data.children if c.worker_id is None]
    best = float("inf")
    for pick in itertools.product(holders, repeat=len(waiting)):
        load, held = dict(kept), dict(count)
        for c, w in zip(waiting, pick, strict=True):
            load[w.worker_id] += c.weight or 1.0
            held[w.worker_id] += 1
        if any(held[w.worker_id] > max(cap * w.fte, count[w.worker_id]) for w in holders):
            continue
        best = min(best, sum(load[w.worker_id] ** 2 / w.fte for w in holders))
    return best


@pytest.mark.parametrize("seed", range(6))
def test_the_proof_matches_brute_force_on_tiny_teams(seed):
    """Three workers, seven uneven children, a count cap: the proven objective is brute force's."""
    import random

    rng = random.Random(seed)
    workers = [worker("W1"), worker("W2"), worker("W3", fte=0.5)]
    children = [
        child(f"K{i}", worker_id=rng.choice(["W1", "W2", "W3"]), weight=rng.choice([1, 1.5, 2]))
        for i in range(4)
    ] + [child(f"C{i}", weight=rng.choice([0.5, 1, 1.25, 1.5, 2.25, 3])) for i in range(7)]
    data = problem(workers=workers, children=children)
    policy = CIN.model_copy(
        update={
            "services": {"cin": CIN.services["cin"].model_copy(update={"max_children_per_fte": 6})},
            "complexity": CIN.complexity.model_copy(update={"balance": False}),
        }
    )
    result = run(data, policy, WITH_PROOF)
    assert result.status is SolveStatus.OPTIMAL
    assert result.children_unallocated == 0
    assert result.objective == pytest.approx(brute_force_balance(data, policy), abs=1e-6)


def test_siblings_together_at_a_discount_are_not_cut_by_the_relaxation():
    """Siblings of 10 weigh 9 together: the even split needs the discounted 18."""
    policy = CIN.model_copy(
        update={
            "weighting": Weighting(sibling_discount=0.1),
            "siblings": SiblingMode.TOGETHER_WHERE_POSSIBLE,
        }
    )
    data = problem(
        workers=[worker("W1"), worker("W2")],
        children=[
            child("S1", family_id="F", weight=10),
            child("S2", family_id="F", weight=10),
            child("A", weight=9),
            child("B", weight=9),
        ],
    )
    alone, proven = run(data, policy, ALONE), run(data, policy, WITH_PROOF)
    assert proven.status is SolveStatus.OPTIMAL
    assert proven.objective == pytest.approx(alone.objective)
    loads = sorted(w.load_after for w in proven.workers)
    assert loads == pytest.approx([18, 18])


def test_a_proof_that_gives_up_keeps_cp_sat_s_result(monkeypatch):
    """With no budget the proof gives up at once: the result is CP-SAT's, and says so."""
    tiny = proof_stage.ProofBudget(steps=1, effort=0.0)
    monkeypatch.setattr("allocator.cpsat.stages.FIRST_TRY", tiny)
    monkeypatch.setattr("allocator.cpsat.stages.SECOND_TRY", tiny)
    data = problem(
        workers=[worker("W1"), worker("W2")],
        children=[child(f"C{i}", weight=1 + i / 4) for i in range(6)],
    )
    given_up = run(data, CIN, WITH_PROOF)
    alone = run(data, CIN, ALONE)
    assert given_up.objective == pytest.approx(alone.objective)
    assert given_up.status is alone.status
    routes = given_up.stats["proof"]["balance"]
    assert routes["cp-sat"] == 1 and routes["proof"] == 0
    assert "ran out of steps" in " ".join(given_up.stats["proof"]["notes"])


def test_a_team_with_no_choice_left_skips_the_proof():
    """Nobody can be given anything: no measure to decide, so nothing is proven by enumeration."""
    data = problem(workers=[worker("W1", accepting=False)], children=[child("C1")])
    result = run(data, CIN, WITH_PROOF)
    assert result.children_unallocated == 1
    assert result.stats["proof"]["balance"]["proof"] == 0


def test_the_benchmark_team_batch_is_proven_by_the_proof():
    """The barnet team batch CP-SAT left at a gap (7 holders, 30 new): optimal, by the proof."""
    from scenarios import generate_authority

    policy = load_policy("barnet")
    data = generate_authority(
        policy, case_holding_fte=6.5, caseload_per_fte=12, new_referrals=30, as_of=AS_OF
    )
    result = solve(data, policy, Options(as_of=AS_OF), settings=WITH_PROOF)
    assert result.status is SolveStatus.OPTIMAL
    assert result.stats["proof"]["balance"]["proof"] == 1
    assert check(data, policy, result) == []


def test_the_same_input_gives_the_same_proposal_with_the_proof():
    """Deterministic: two runs, the same children with the same workers."""
    from scenarios import generate_authority

    policy = load_policy("default")
    data = generate_authority(policy, case_holding_fte=8, new_referrals=20, as_of=AS_OF)
    first = solve(data, policy, Options(as_of=AS_OF), settings=WITH_PROOF)
    second = solve(data, policy, Options(as_of=AS_OF), settings=WITH_PROOF)
    assert [a.worker_id for a in first.allocations] == [a.worker_id for a in second.allocations]
    assert replace(SolverSettings(), proof=True) == WITH_PROOF


def test_nothing_is_proven_on_an_earlier_stage_a_limit_stopped(monkeypatch):
    """A stopped 'unallocated' search holds a bound, not who waits: no proof rests on it."""
    import allocator.cpsat.stages as stages

    search = stages._ComponentSolve._search

    def stopped_first(self, stage, expr, incumbent):
        result = search(self, stage, expr, incumbent)
        if result is not None and stage.name == "unallocated":
            result.status = "feasible"  # as when the clock stops CP-SAT before its proof
        return result

    monkeypatch.setattr(stages._ComponentSolve, "_search", stopped_first)
    # A cap of 2 children per FTE: of 6 children, 2 must wait, so the stage is searched.
    policy = CIN.model_copy(
        update={
            "services": {"cin": CIN.services["cin"].model_copy(update={"max_children_per_fte": 2})}
        }
    )
    data = problem(
        workers=[worker("W1"), worker("W2")],
        children=[child(f"C{i}", weight=1 + i / 4) for i in range(6)],
    )
    result = run(data, policy, WITH_PROOF)
    assert result.children_unallocated == 2
    assert check(data, policy, result) == []
    balance = result.stats["proof"]["balance"]
    assert balance["proof"] == 0 and balance["cp-sat+proof"] == 0
    assert "an earlier stage (unallocated) is not proven" in " ".join(
        result.stats["proof"]["notes"]
    )


def test_past_the_time_limit_a_team_keeps_the_greedy_proposal_unsearched(monkeypatch):
    """No time left when a team's turn comes: the greedy baseline stands, marked wall-limited."""
    import allocator.cpsat.stages as stages

    built = []
    monkeypatch.setattr(stages, "build", lambda *args: built.append(args) or None)
    data = problem(
        workers=[worker("W1"), worker("W2")],
        children=[child("K1", worker_id="W1", weight=2), *(child(f"C{i}") for i in range(3))],
    )
    result = solve(data, CIN, Options(as_of=AS_OF, time_limit=1e-9))
    assert built == []  # no model was built, let alone searched
    assert result.status is SolveStatus.FEASIBLE and result.stats["wall_limited"]
    assert result.objective == pytest.approx(result.greedy_objective)
    assert result.best_bound == pytest.approx(2 * 2 / 1)  # W1 keeps K1 whatever happens
    assert check(data, CIN, result) == []
