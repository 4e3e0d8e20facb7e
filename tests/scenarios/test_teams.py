"""plan-teams: the arrangement against brute force, the rules, and infeasibility in numbers."""

from __future__ import annotations

import itertools

import pytest

from models import ProblemData, load_policy
from scenarios.teams import TeamsError, plan_teams
from tests.support import child, problem, team, worker

MERTON = load_policy("merton")  # span: ideal 5, at most 6; oversight 50-100 cases


def services_of_two() -> ProblemData:
    """cin teams A (6.5 FTE, over the maximum), B (2 FTE), C (2 FTE); a cla team D."""
    workers = [
        worker(m, t, "team_manager")
        for m, t in (("MA", "A"), ("MB", "B"), ("MC", "C"), ("MD", "D"))
    ]
    workers += [worker(f"A{i}", "A") for i in range(6)] + [worker("A6", "A", fte=0.5)]
    workers += [worker("B0", "B"), worker("B1", "B", "asye", asye_start="2026-10-01")]
    workers += [worker(f"C{i}", "C", fte=0.5 if i < 2 else 1.0) for i in range(3)]
    workers += [worker("D0", "D"), worker("D1", "D")]
    children = [
        child(f"K{i}", "A", worker_id=f"A{i % 7}", family_id="F1" if i < 2 else None)
        for i in range(16)
    ]
    children += [child("K99", "D", category="cla", worker_id="D0")]
    teams = [
        team("A", manager_id="MA"),
        team("B", manager_id="MB"),
        team("C", manager_id="MC"),
        team("D", "cla", manager_id="MD"),
    ]
    return problem(teams=teams, workers=workers, children=children)


def brute_force(data: ProblemData, max_fte: float = 6.0, ideal: float = 5.0):
    """Least (span deviation, moves) over every assignment of cin workers to A, B, C."""
    holders = [w for w in data.workers if w.role.carries_cases and w.team_id != "D"]
    best = None
    for choice in itertools.product("ABC", repeat=len(holders)):
        spans = dict.fromkeys("ABC", 0.0)
        for w, t in zip(holders, choice, strict=True):
            spans[t] += w.fte
        if any(s > max_fte + 1e-9 for s in spans.values()):
            continue
        deviation = round(sum(abs(s - ideal) for s in spans.values()), 2)
        moves = sum(1 for w, t in zip(holders, choice, strict=True) if w.team_id != t)
        if best is None or (deviation, moves) < best:
            best = (deviation, moves)
    # D's two workers stay (3 FTE from the ideal) and nobody can move across services.
    return (best[0] + 3.0, best[1]) if best else None


def test_the_arrangement_is_optimal_by_brute_force():
    """The model's spans and moves are the best of every assignment (3**12 checked)."""
    data = services_of_two()
    result = plan_teams(data, MERTON)
    assert result.status == "optimal"
    assert (result.span_deviation, len(result.moves)) == brute_force(data)
    spans = {t.team_id: t.fte_after for t in result.teams}
    assert max(spans.values()) <= 6
    assert spans["D"] == 2.0  # services are kept apart: no cin worker joins D


def test_children_move_with_their_worker():
    """A moved worker's children change team; nobody else's do; cases count families once."""
    data = services_of_two()
    result = plan_teams(data, MERTON)
    moved = {m.worker_id: m.to_team for m in result.moves}
    for c in result.data.children:
        old = next(x for x in data.children if x.child_id == c.child_id)
        assert c.team_id == moved.get(c.worker_id, old.team_id)
    before = next(t for t in result.teams if t.team_id == "A").cases_before
    assert before == 15  # 16 children, two of them one family


def test_asye_limit_only_when_asked():
    """--max-asye-per-manager 0 with an ASYE worker is impossible, said in numbers."""
    data = services_of_two()
    assert plan_teams(data, MERTON).teams  # no limit by default
    with pytest.raises(TeamsError) as caught:
        plan_teams(data, MERTON, max_asye_per_manager=0)
    assert caught.value.problems == [
        "service cin: 1 ASYE worker and --max-asye-per-manager 0 lets no manager take one"
    ]


def test_too_few_managers_is_said_in_numbers():
    """The issue's example: 7 managers cannot supervise 46 FTE at a span of at most 6."""
    workers = [worker(f"M{i}", f"T{i}", "team_manager") for i in range(7)]
    workers += [worker(f"W{i}", f"T{i % 7}") for i in range(46)]
    data = problem(teams=[team(f"T{i}", manager_id=f"M{i}") for i in range(7)], workers=workers)
    with pytest.raises(TeamsError) as caught:
        plan_teams(data, MERTON)
    assert caught.value.problems == [
        "service cin: 7 managers cannot supervise 46 FTE at a span of at most 6: "
        "1 more manager or 4 fewer FTE"
    ]


def test_oversight_is_reported_or_a_limit():
    """Cases above the oversight maximum are reported; with the limit they are an error."""
    workers = [worker("M1", "T1", "team_manager"), worker("W1", "T1")]
    children = [child(f"C{i}", worker_id="W1") for i in range(101)]
    data = problem(teams=[team("T1", manager_id="M1")], workers=workers, children=children)
    result = plan_teams(data, MERTON)
    assert result.teams[0].oversight == "above maximum"
    with pytest.raises(TeamsError, match="cannot oversee 101 cases at most 100 each"):
        plan_teams(data, MERTON, oversight_limit=True)
