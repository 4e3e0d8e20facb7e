"""The staffing model: how many posts each team needs, decided with the allocation.

A team's value at ``k`` staffing units (``k * granularity`` FTE added, or
removed when ``k < 0``) is the engine's own lexicographic result for that
team: ``f_t(k) = (children waiting, sibling groups split, sum load**2 /
capacity)``, each an :func:`allocator.allocate` of the team alone (teams share
no worker, so the engine's optimum of the authority is the sum of theirs).

- ``--total-fte`` / ``--add-fte``: minimise ``sum_t f_t(k_t)`` subject to
  ``sum_t k_t = K`` by dynamic programming over teams, which is exact whatever
  the shape of ``f_t``. ``f_t`` is evaluated lazily: the programme runs on
  lower bounds (:mod:`scenarios.bounds`, tightened by ``f_t`` being
  non-increasing when posts are added) and the levels it picks are solved with
  the engine, until the levels it picks are all solved. Their sum is then at
  most the bound of every other staffing, so the staffing is optimal, and
  proven when every solve was.
- ``--target-per-fte``: teams are independent; each gets the least units with
  no child waiting under a cap of ``X`` children per FTE (or, when new posts
  cannot place some children, e.g. a skill no new post has, the least units that
  place every child a post can), found from a counting bound and checked by
  solving, with a binary search where the bound falls short.
- ``fte_needed`` of a plan's variant is the same least staffing under the
  variant's own caps.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from allocator import allocate
from models import (
    AllocationResult,
    ChildStatus,
    Options,
    Policy,
    ProblemData,
    SolveStatus,
    WorkerLoad,
)
from scenarios import workforce
from scenarios.bounds import Cost, team_bound

MAX_ROUNDS = 60
"""Most rounds of the lazy programme before it stops (reported, never silent)."""
PROBE_WORK = 2.0
"""Work limit of a solve that only counts the children left waiting (least staffing)."""
PROBE_GAP = 0.01
"""Balance gap of such a solve: the balance it finds is not reported."""


class StaffingError(ValueError):
    """Staffing options that cannot be met or make no sense; one line per problem, each
    naming the option."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class Evaluation:
    """The engine's result for one team at one staffing level."""

    waiting: int
    splits: int
    objective: float
    proven: bool

    @property
    def cost(self) -> Cost:
        return (self.waiting, self.splits, round(self.objective, 6))


@dataclass(frozen=True)
class TeamStaffing:
    """One row of ``staffing.csv``."""

    team_id: str
    service: str
    fte_now: float
    fte_proposed: float
    children: int
    children_per_fte_now: float | None
    children_per_fte_proposed: float | None
    posts_added: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class StaffingResult:
    """What :func:`plan_staffing` decided, with the allocation under it."""

    mode: str
    amount: float
    granularity: float
    from_scratch: bool
    teams: tuple[TeamStaffing, ...]
    proposal: AllocationResult
    proven: bool
    solves: int
    """Team-level evaluations by the engine (each a team at one staffing level)."""
    rounds: int
    notes: tuple[str, ...] = ()

    @property
    def fte_proposed(self) -> float:
        return round(sum(t.fte_proposed for t in self.teams), 4)


def check_granularity(granularity: float, option: str = "--granularity") -> list[str]:
    """Problems with a post size: it must be in (0, 1] and divide 1 (1, 0.5, 0.25, 0.2, 0.1)."""
    if not 0 < granularity <= 1:
        return [f"{option} {granularity:g}: must be above 0 and at most 1"]
    parts = 1 / granularity
    if abs(parts - round(parts)) > 1e-9:
        return [f"{option} {granularity:g}: does not divide 1 (use 1, 0.5, 0.25, 0.2 or 0.1)"]
    return []


@dataclass
class _Search:
    """Teams at staffing levels: building their data, bounding and solving them."""

    data: ProblemData
    policy: Policy
    options: Options
    granularity: float
    from_scratch: bool = False
    bounds: dict[tuple[str, int], Cost] = field(default_factory=dict)
    exact: dict[tuple[str, int], Evaluation] = field(default_factory=dict)
    batches: list[tuple[dict[str, int], AllocationResult]] = field(default_factory=list)
    solves: int = 0

    teams: list[str] = field(init=False)
    alone: dict[str, ProblemData] = field(init=False)

    def __post_init__(self) -> None:
        self.teams = [t.team_id for t in self.data.teams]
        self.alone = {t: workforce.subset(self.data, {t}) for t in self.teams}

    @property
    def as_of(self) -> date:
        return self.options.as_of

    def staffed(self, data: ProblemData, levels: dict[str, int]) -> ProblemData:
        """``data`` with each team of ``levels`` at its level (teams in ``data``'s order)."""
        for team in [t.team_id for t in data.teams]:
            if team not in levels:
                continue
            k = levels[team]
            if self.from_scratch:
                gone = {
                    w.worker_id for w in data.workers if w.team_id == team and w.role.carries_cases
                }
                data = workforce.remove_workers(data, gone)
            if k > 0 or (self.from_scratch and k >= 0):
                sizes = workforce.post_sizes(round(k * self.granularity, 4))
                if sizes:
                    data, _ = workforce.add_posts(data, team, sizes)
            elif k < 0:
                data, _ = workforce.reduce_fte(
                    data, self.policy, self.as_of, {team}, round(-k * self.granularity, 4)
                )
        return data

    def bound(self, team: str, k: int) -> Cost:
        key = (team, k)
        if key not in self.bounds:
            level = self.staffed(self.alone[team], {team: k})
            self.bounds[key] = team_bound(level, self.policy, self.as_of, self.options.release)
        return self.bounds[key]

    def lower(self, team: str, k: int) -> Cost:
        """The best lower bound known for ``f_team(k)``: the solved value when proven, else
        the bound, tightened by any proven value at more posts (``f`` never rises as
        posts are added to today's staffing)."""
        known = self.exact.get((team, k))
        if known is not None and known.proven:
            return known.cost
        best = self.bound(team, k)
        if k >= 0:
            above = [e.cost for (t, j), e in self.exact.items() if t == team and j > k and e.proven]
            if above:
                best = max(best, min(above))
        return best

    def evaluate(
        self, levels: dict[str, int], processes: int = 1, probe: bool = False
    ) -> AllocationResult:
        """Solve the teams of ``levels`` at their levels in one engine run.

        A ``probe`` only needs the children left waiting (the engine's first stage): it
        runs with a work limit of at most :data:`PROBE_WORK` and a balance gap of at least
        :data:`PROBE_GAP`, and is never reused as a proposal."""
        part = self.staffed(workforce.subset(self.data, set(levels)), levels)
        update: dict[str, object] = {"processes": processes}
        if probe:
            update["work_limit"] = min(self.options.work_budget, PROBE_WORK)
            update["gap_limit"] = max(self.options.gap_limit, PROBE_GAP)
        result = allocate(part, self.policy, self.options.model_copy(update=update))
        proven = result.status is SolveStatus.OPTIMAL
        for team, cost in team_costs(result, part, levels).items():
            self.exact[(team, levels[team])] = Evaluation(*cost, proven=proven)
        self.solves += len(levels)
        if not probe:
            self.batches.append((dict(levels), result))
        return result

    def level_fte(self, team: str, k: int) -> float:
        now = 0.0 if self.from_scratch else workforce.case_holding_fte(self.alone[team])
        return round(now + k * self.granularity, 4)

    def proposal(self, levels: dict[str, int], processes: int) -> AllocationResult:
        """The allocation of the whole data at ``levels``: a run already made when one was."""
        for done, result in self.batches:
            if done == levels and set(done) == set(self.teams):
                return result
        data = self.staffed(self.data, levels)
        return allocate(data, self.policy, self.options.model_copy(update={"processes": processes}))


def team_costs(
    result: AllocationResult, data: ProblemData, teams: Iterable[str]
) -> dict[str, Cost]:
    """Each team's ``(children waiting, sibling groups split, balance objective)`` in a result."""
    wanted = set(teams)
    waiting = dict.fromkeys(wanted, 0)
    for a in result.allocations:
        if a.status is ChildStatus.UNALLOCATED and a.team_id in wanted:
            waiting[a.team_id] += 1
    team_of_family = {c.family_id: c.team_id for c in data.children if c.family_id is not None}
    splits = dict.fromkeys(wanted, 0)
    for f in result.findings:
        if f.kind == "split" and f.entities:
            team = team_of_family.get(f.entities[0])
            if team in splits:
                splits[team] += 1
    objective = dict.fromkeys(wanted, 0.0)
    for w in result.workers:
        if w.capacity > 0 and w.team_id in wanted:
            objective[w.team_id] += w.load_after**2 / w.capacity
    return {t: (waiting[t], splits[t], round(objective[t], 6)) for t in wanted}


def _add(a: Cost, b: Cost) -> Cost:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


def best_levels(choices: list[list[tuple[int, Cost]]], total: int) -> tuple[Cost, list[int]] | None:
    """Exact dynamic programme: one level per team, levels adding up to ``total``,
    least sum of costs (compared lexicographically); ties to the earlier, lower levels.

    Examples
    --------
    >>> best_levels([[(0, (0, 0, 9.0)), (1, (0, 0, 4.0))], [(0, (0, 0, 5.0)), (1, (0, 0, 1.0))]], 1)
    ((0, 0, 9.0), [1, 0])
    """
    states: dict[int, tuple[Cost, list[int]]] = {0: ((0, 0, 0.0), [])}
    for options in choices:
        nxt: dict[int, tuple[Cost, list[int]]] = {}
        for used, (cost, picks) in states.items():
            for k, c in options:
                s = used + k
                value = _add(cost, c)
                if s not in nxt or value < nxt[s][0]:
                    nxt[s] = (value, [*picks, k])
        states = nxt
    return states.get(total)


def _held_minimum(search: _Search, team: str) -> float:
    """FTE a team needs to hold the children it holds today under its service's cap."""
    service = search.policy.services[
        next(t.service for t in search.data.teams if t.team_id == team)
    ]
    held = sum(1 for c in search.alone[team].children if c.worker_id is not None)
    if service.max_children_per_fte is None:
        return 0.0
    units = math.ceil(held / service.max_children_per_fte / search.granularity - 1e-9)
    return units * search.granularity


def plan_staffing(
    data: ProblemData,
    policy: Policy,
    options: Options,
    *,
    total_fte: float | None = None,
    add_fte: float | None = None,
    target_per_fte: float | None = None,
    granularity: float = 1.0,
    from_scratch: bool = False,
) -> StaffingResult:
    """Decide the case-holding FTE of every team jointly with the allocation.

    Exactly one of ``total_fte`` (share out this many FTE), ``add_fte`` (add
    this many to today's) or ``target_per_fte`` (the least FTE per team with no
    child waiting and nobody above this many children per FTE). Posts come in
    ``granularity`` FTE (whole posts by default), as full-time posts plus one
    part-time post, with the policy's qualified-worker defaults (social
    worker, no skills, accepting), named ``<team>-NEW-<k>``. Today's workers
    keep their posts and caseloads; removing FTE (a ``total_fte`` below
    today's) takes posts as the plan change ``reduce_fte`` does. With
    ``from_scratch`` today's case-holding posts are ignored and every child is
    placed afresh.

    Parameters
    ----------
    data, policy, options
        As for :func:`allocator.allocate`; ``options.gap_limit = 0`` and a work
        limit make the result proven and reproducible. ``options.processes``
        solves teams side by side.

    Returns
    -------
    StaffingResult
        FTE per team with the reason, the allocation under it (``proposal``),
        whether it is proven optimal, and the number of team solves.

    Raises
    ------
    StaffingError
        Options that cannot be met: none or several modes, a target of 0, a
        total below what today's held children need, a total that today's FTE
        cannot reach in steps of ``granularity``, a granularity that does not
        divide 1, or children held by a worker of another team.

    Examples
    --------
    >>> from datetime import date
    >>> from models import Child, Options, ProblemData, Team, load_policy
    >>> data = ProblemData(
    ...     teams=(Team(team_id="A", service="cin"), Team(team_id="B", service="cin")),
    ...     workers=(),
    ...     children=tuple(Child(child_id=f"{t}{i}", team_id=t, category="cin", weight=w)
    ...                    for t, n, w in (("A", 30, 1.0), ("B", 10, 1.0)) for i in range(n)),
    ... )
    >>> options = Options(as_of=date(2027, 3, 1), gap_limit=0, work_limit=10)
    >>> result = plan_staffing(data, load_policy("default"), options, total_fte=4,
    ...                        from_scratch=True)
    >>> [(t.team_id, t.fte_proposed) for t in result.teams], result.proven
    ([('A', 3.0), ('B', 1.0)], True)
    """
    modes = {
        "total_fte": total_fte,
        "add_fte": add_fte,
        "target_per_fte": target_per_fte,
    }
    given = [m for m, v in modes.items() if v is not None]
    problems = check_granularity(granularity)
    if len(given) != 1:
        problems.append("give exactly one of --total-fte, --add-fte or --target-per-fte")
    for name, value in modes.items():
        if value is not None and (not math.isfinite(value) or value <= 0):
            flag = "--" + name.replace("_", "-")
            problems.append(f"{flag} {value:g}: must be a number above 0")
    outside = workforce.held_outside_team(data)
    if outside:
        c = outside[0]
        problems.append(
            f"child {c.child_id} of team {c.team_id} is held by worker {c.worker_id} of another "
            f"team ({len(outside)} such children): staffing decides team by team, so each team's "
            "children must be held within it"
        )
    if problems:
        raise StaffingError(problems)
    today = data
    if target_per_fte is not None:
        if from_scratch:
            data = workforce.remove_workers(
                data, {w.worker_id for w in data.workers if w.role.carries_cases}
            )
        capped_policy, capped = cap_per_fte(policy, data, target_per_fte)
        if math.floor(target_per_fte * granularity + 1e-9) < 1:
            raise StaffingError(
                [
                    f"--target-per-fte {target_per_fte:g}: a post of {granularity:g} FTE could "
                    "not hold one child; use a larger --granularity"
                ]
            )
        search = _Search(capped, capped_policy, options, granularity)
        return _least(
            search, "target_per_fte", target_per_fte, from_scratch, options.processes, today
        )
    search = _Search(data, policy, options, granularity, from_scratch)
    now = 0.0 if from_scratch else workforce.case_holding_fte(data)
    goal = total_fte if total_fte is not None else now + (add_fte or 0.0)
    units = (goal - now) / granularity
    if abs(units - round(units)) > 1e-6:
        flag = "--total-fte" if total_fte is not None else "--add-fte"
        lower = now + math.floor(units) * granularity
        raise StaffingError(
            [
                f"{flag}: {goal:g} FTE differs from today's {now:g} case-holding FTE by "
                f"{goal - now:g}, not a whole number of {granularity:g}-FTE posts; use "
                f"{lower:g} or {lower + granularity:g} FTE, or a smaller --granularity"
            ]
        )
    if total_fte is not None and not from_scratch:
        minimum = sum(
            min(_held_minimum(search, t), workforce.case_holding_fte(search.alone[t]))
            for t in search.teams
        )
        if goal < minimum - 1e-9:
            raise StaffingError(
                [
                    f"--total-fte {goal:g}: below the {minimum:g} FTE today's held children need "
                    "under the policy's caps (held children stay with their workers)"
                ]
            )
    mode = "total_fte" if total_fte is not None else "add_fte"
    return _share(search, mode, goal, round(units), add_only=add_fte is not None)


def cap_per_fte(policy: Policy, data: ProblemData, per_fte: float) -> tuple[Policy, ProblemData]:
    """The policy and data with nobody allowed more than ``per_fte`` children per FTE: every
    service's count cap lowered to it (and the lower end of its range with it), and agreed
    ``max_children`` to ``floor(per_fte * fte)``."""
    services = {}
    for key, s in policy.services.items():
        cap = min(s.max_children_per_fte or per_fte, per_fte)
        low = None if s.min_children_per_fte is None else min(s.min_children_per_fte, cap)
        services[key] = s.model_copy(
            update={"max_children_per_fte": cap, "min_children_per_fte": low}
        )
    workers = tuple(
        w.model_copy(
            update={"max_children": min(w.max_children, math.floor(per_fte * w.fte + 1e-9))}
        )
        if w.max_children is not None
        else w
        for w in data.workers
    )
    return (
        policy.model_copy(update={"services": services}),
        data.model_copy(update={"workers": workers}),
    )


def _share(search: _Search, mode: str, goal: float, units: int, add_only: bool) -> StaffingResult:
    """Share ``units`` staffing units among the teams (the lazy exact programme)."""
    ranges: dict[str, range] = {}
    for team in search.teams:
        if search.from_scratch or add_only:
            low = 0
        else:
            held = _held_minimum(search, team)
            now = workforce.case_holding_fte(search.alone[team])
            low = -math.floor(max(0.0, now - held) / search.granularity + 1e-9)
        ranges[team] = range(low, 0)  # upper ends below
    lows = sum(r.start for r in ranges.values())
    for team in search.teams:
        ranges[team] = range(ranges[team].start, units - (lows - ranges[team].start) + 1)
    notes: list[str] = []
    rounds = 0
    processes = search.options.processes
    while True:
        choices = [[(k, search.lower(t, k)) for k in ranges[t]] for t in search.teams]
        found = best_levels(choices, units)
        if found is None:
            raise StaffingError([f"--{mode.replace('_', '-')} {goal:g}: no staffing reaches it"])
        _, vector = found
        levels = dict(zip(search.teams, vector, strict=True))
        missing = {t: k for t, k in levels.items() if (t, k) not in search.exact}
        if not missing:
            break
        rounds += 1
        if rounds > MAX_ROUNDS:
            notes.append(f"stopped after {MAX_ROUNDS} rounds: the staffing is not proven optimal")
            break
        # The first round solves every team (the whole authority, reusable as the proposal).
        search.evaluate(levels if rounds == 1 else missing, processes)
    proven = (
        all((t, k) in search.exact and search.exact[(t, k)].proven for t, k in levels.items())
        and not notes
    )
    proposal = search.proposal(levels, processes)
    rows = _rows(search, levels, proposal, _share_reasons(search, levels, ranges), search.data)
    notes += _agreement(search, proposal)
    return StaffingResult(
        mode=mode,
        amount=goal,
        granularity=search.granularity,
        from_scratch=search.from_scratch,
        teams=rows,
        proposal=proposal,
        proven=proven and not any("disagree" in n for n in notes),
        solves=search.solves,
        rounds=rounds,
        notes=tuple(notes),
    )


def _describe(before: Cost, after: Cost, exact: bool) -> str:
    """What one staffing unit changes between two team values, in words."""
    qualifier = "" if exact else "at least "
    if before[0] != after[0]:
        n = before[0] - after[0]
        return f"lets {qualifier}{n} more child{'ren' if n != 1 else ''} be allocated"
    if before[1] != after[1]:
        n = before[1] - after[1]
        return f"keeps {qualifier}{n} more sibling group{'s' if n != 1 else ''} together"
    return f"lowers the balance objective by {qualifier}{before[2] - after[2]:,.1f}"


def _share_reasons(
    search: _Search, levels: dict[str, int], ranges: dict[str, range]
) -> dict[str, str]:
    out = {}
    g = search.granularity
    for team, k in levels.items():
        here = search.exact[(team, k)].cost
        parts = []
        if k > ranges[team].start:
            before = search.exact.get((team, k - 1))
            value = before.cost if before is not None else search.lower(team, k - 1)
            parts.append(f"the last {g:g} FTE here {_describe(value, here, before is not None)}")
        if k + 1 < ranges[team].stop:
            after = search.exact.get((team, k + 1))
            value = after.cost if after is not None else search.lower(team, k + 1)
            if value == here:
                parts.append(f"{g:g} FTE more would change nothing")
            else:
                word = "would" if after is not None else "could at most"
                gain = (
                    _describe(here, value, True)
                    .replace("lets", "let")
                    .replace("keeps", "keep")
                    .replace("lowers", "lower")
                )
                parts.append(f"{g:g} FTE more {word} {gain}, less than it gives elsewhere")
        if not parts:
            parts.append("no choice: every other team's level is fixed by the total")
        out[team] = "; ".join(parts)
    return out


def _least(
    search: _Search,
    mode: str,
    amount: float,
    from_scratch: bool,
    processes: int,
    today: ProblemData,
) -> StaffingResult:
    """The least units per team placing every child new posts can place."""
    levels, reasons, proven = least_units(search, processes=processes)
    proposal = search.proposal(levels, processes)
    rows = _rows(search, levels, proposal, reasons, today)
    notes = _agreement(search, proposal)
    return StaffingResult(
        mode=mode,
        amount=amount,
        granularity=search.granularity,
        from_scratch=from_scratch,
        teams=rows,
        proposal=proposal,
        proven=proven and not notes,
        solves=search.solves,
        rounds=len(search.batches),
        notes=tuple(notes),
    )


def least_units(
    search: _Search, first: AllocationResult | None = None, processes: int = 1
) -> tuple[dict[str, int], dict[str, str], bool]:
    """Least units per team such that no child waits, or, where new posts cannot place some
    children, the least reaching the fewest waiting that posts allow.

    ``first`` is an engine result for the data as it is (every team at 0 units), when one
    has been made. Returns the units per team, a reason per team, and whether every solve
    it rests on was proven."""
    teams = search.teams
    if first is not None:
        for team, cost in team_costs(first, search.data, teams).items():
            search.exact[(team, 0)] = Evaluation(*cost, proven=first.status is SolveStatus.OPTIMAL)
    low: dict[str, int] = {}
    for team in teams:
        if (team, 0) in search.exact and search.exact[(team, 0)].waiting == 0:
            low[team] = 0
            continue
        k, most = 0, len(search.alone[team].children) / search.granularity + 1
        while search.bound(team, k)[0] > 0 and k < most:
            k += 1
        low[team] = k
    todo = {t: k for t, k in low.items() if (t, k) not in search.exact}
    if todo:
        search.evaluate(low if first is None else todo, processes, probe=first is not None)
    reasons: dict[str, str] = {}
    short = {t for t in teams if search.exact[(t, low[t])].waiting > 0}
    high: dict[str, int] = {}
    for team in short:
        waiting = search.exact[(team, low[team])].waiting
        per_post = max(1, _new_post_cap(search, team))
        posts = math.ceil(waiting / per_post)
        high[team] = low[team] + math.ceil(posts / search.granularity)
    if high:
        search.evaluate(high, processes, probe=True)
    floor = {t: search.exact[(t, high[t])].waiting for t in high}
    # Binary search, all short teams side by side: least k in (low, high] reaching the floor.
    lo = {t: low[t] for t in high}
    hi = {
        t: low[t] if search.exact[(t, low[t])].waiting <= floor[t] else k for t, k in high.items()
    }
    while True:
        probe = {t: (lo[t] + hi[t]) // 2 for t in hi if hi[t] - lo[t] > 1}
        if not probe:
            break
        search.evaluate(probe, processes, probe=True)
        for t, k in probe.items():
            if search.exact[(t, k)].waiting <= floor[t]:
                hi[t] = k
            else:
                lo[t] = k
    levels = {t: (hi[t] if t in hi else low[t]) for t in teams}
    floor = {t: floor.get(t, 0) for t in teams}

    def settled(team: str, k: int) -> bool:
        """The engine's count of children waiting at ``k`` units is the least possible."""
        e = search.exact[(team, k)]
        return e.proven or e.waiting == 0 or e.waiting == search.bound(team, k)[0]

    proven = True
    for t in teams:
        k = levels[t]
        g = search.granularity
        stuck = floor[t]
        if k == 0:
            reasons[t] = "no post needed: no child waits" if not stuck else "no post helps"
        elif (t, k - 1) in search.exact:
            reasons[t] = (
                f"{k * g:g} FTE: with {(k - 1) * g:g} FTE the engine leaves "
                f"{search.exact[(t, k - 1)].waiting} waiting"
            )
        else:
            reasons[t] = (
                f"{k * g:g} FTE: with less there is no room for every waiting child under "
                "the caps (a count of places)"
            )
        if stuck:
            reasons[t] += (
                f"; {stuck} child{'ren' if stuck != 1 else ''} no new post can take "
                "(a skill, a sibling rule or another limit)"
            )
        below = k > 0 and (
            search.bound(t, k - 1)[0] > stuck or ((t, k - 1) in search.exact and settled(t, k - 1))
        )
        proven = proven and settled(t, k) and (k == 0 or below)
    return levels, reasons, proven


def _new_post_cap(search: _Search, team: str) -> int:
    service = next(t.service for t in search.data.teams if t.team_id == team)
    per_fte = search.policy.services[service].max_children_per_fte
    if per_fte is None:
        return len(search.alone[team].children)
    return math.floor(per_fte * min(1.0, search.granularity) + 1e-9)


def fte_needed(
    data: ProblemData,
    policy: Policy,
    options: Options,
    result: AllocationResult,
    granularity: float = 1.0,
) -> tuple[float | None, int, bool]:
    """Extra case-holding FTE (in posts of ``granularity``) that leaves no child waiting in
    ``result``'s data, held children staying where they are.

    Returns ``(fte, children no new post can take, proven)``; 0 FTE when nobody waits;
    ``None`` when a child is held by a worker of another team (staffing decides team by
    team).
    """
    if result.children_unallocated == 0:
        return 0.0, 0, result.status is SolveStatus.OPTIMAL
    if workforce.held_outside_team(data):
        return None, 0, False
    search = _Search(data, policy, options, granularity)
    levels, _, proven = least_units(search, first=result)
    stuck = sum(search.exact[(t, k)].waiting for t, k in levels.items())
    return round(sum(levels.values()) * granularity, 4), stuck, proven


def _rows(
    search: _Search,
    levels: dict[str, int],
    proposal: AllocationResult,
    reasons: dict[str, str],
    before: ProblemData,
) -> tuple[TeamStaffing, ...]:
    """Rows of ``staffing.csv``: FTE and children per FTE held today (``before``) and under
    the proposal."""
    children: dict[str, int] = {}
    held: dict[str, int] = {}
    for c in before.children:
        children[c.team_id] = children.get(c.team_id, 0) + 1
        if c.worker_id is not None:
            held[c.team_id] = held.get(c.team_id, 0) + 1
    after: dict[str, int] = {}
    for a in proposal.allocations:
        if a.worker_id is not None:
            after[a.team_id] = after.get(a.team_id, 0) + 1
    proposal_fte = {t: workforce.case_holding_fte(proposal.data, [t]) for t in search.teams}
    rows = []
    for team in before.teams:
        t = team.team_id
        fte_now = workforce.case_holding_fte(before, [t])
        new = tuple(
            w.worker_id
            for w in proposal.data.workers
            if w.team_id == t
            and w.worker_id.startswith(f"{t}-{workforce.NEW_POST}-")
            and w.worker_id not in {x.worker_id for x in before.workers}
        )
        rows.append(
            TeamStaffing(
                team_id=t,
                service=team.service,
                fte_now=fte_now,
                fte_proposed=proposal_fte[t],
                children=children.get(t, 0),
                children_per_fte_now=round(held.get(t, 0) / fte_now, 2) if fte_now else None,
                children_per_fte_proposed=round(after.get(t, 0) / proposal_fte[t], 2)
                if proposal_fte[t]
                else None,
                posts_added=new,
                reason=reasons.get(t, ""),
            )
        )
    return tuple(rows)


def _agreement(search: _Search, proposal: AllocationResult) -> list[str]:
    """A note when the engine's capacity differs from the one the bounds used, or its count
    cap is above theirs (a cap below theirs keeps the bounds valid)."""
    rooms = workforce.rooms(proposal.data, search.policy, search.as_of)

    def differs(w: WorkerLoad) -> bool:
        room = rooms.get(w.worker_id)
        if room is None:
            return False
        if abs(room.capacity - w.capacity) > 1e-6:
            return True
        engine = w.max_children
        return w.capacity > 0 and room.cap is not None and (engine is None or room.cap < engine)

    off = [w.worker_id for w in proposal.workers if differs(w)]
    if not off:
        return []
    return [
        f"the planner's bounds and the engine disagree on the capacity or cap of "
        f"{', '.join(off[:5])}: the staffing is not proven minimal"
    ]
