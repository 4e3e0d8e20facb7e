"""``plan-teams``: which team manager each case-holding worker works under.

The planner's own CP-SAT model (not the allocation engine). Each case-holding
worker goes to one team that has a manager, of the same service as today
(services are kept apart); children move with their worker, waiting children
stay in their team. Hard: a team's span (case-holding FTE) is at most the
policy's ``span.max_fte`` (Merton 002 s.3.1: "not more than 6"); with
``max_asye_per_manager``, at most that many ASYE workers per team; with
``oversight_limit``, at most ``span.oversight_max`` cases per team (a sibling
group counts as one case, Merton 002 s.3.2). Minimised, in this order: the
total distance of spans from the ideal (``span.ideal_fte``, "ideally 5"), then
the workers moved from today's teams. Cases against the oversight range are
reported per team.

When no arrangement exists, :class:`TeamsError` says why in numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

from allocator import stoppable
from models import Policy, ProblemData, Role

SCALE = 100
"""FTE in hundredths in the model (contracted FTE has at most two decimals in practice;
values are rounded to hundredths)."""


class TeamsError(ValueError):
    """No arrangement of workers under managers meets the hard limits; one line per reason."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class Move:
    """One row of ``moves.csv``."""

    worker_id: str
    role: str
    fte: float
    service: str
    from_team: str
    to_team: str
    children: int


@dataclass(frozen=True)
class TeamSpan:
    """One row of ``teams_summary.csv``: a team before and after."""

    team_id: str
    manager_id: str | None
    service: str
    fte_before: float
    fte_after: float
    span: str
    cases_before: int
    cases_after: int
    oversight: str
    asye_after: int
    workers_after: int


@dataclass(frozen=True)
class TeamsResult:
    """The arrangement: new data ready to allocate, the moves and each team's figures."""

    data: ProblemData
    moves: tuple[Move, ...]
    teams: tuple[TeamSpan, ...]
    status: str
    """``optimal`` (proven) or ``feasible`` (stopped by the work limit, with its gap)."""
    span_deviation: float
    best_bound_deviation: float
    solve_seconds: float


def _cases(data: ProblemData) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Cases each worker holds and cases waiting in each team (a family is one case)."""
    held: dict[str, set[str]] = {}
    waiting: dict[str, set[str]] = {}
    for c in data.children:
        case = f"family {c.family_id}" if c.family_id else f"child {c.child_id}"
        if c.worker_id is None:
            waiting.setdefault(c.team_id, set()).add(case)
        else:
            held.setdefault(c.worker_id, set()).add(case)
    return held, waiting


def _numbers_check(
    data: ProblemData,
    policy: Policy,
    managed: dict[str, list[str]],
    holders: dict[str, list[Any]],
    max_asye: int | None,
    oversight_limit: bool,
    cases: dict[str, int],
) -> list[str]:
    """Why no arrangement can exist, service by service, in numbers (empty when none found)."""
    span = policy.span
    out = []
    for service in sorted(holders):
        workers = holders[service]
        fte = round(sum(w.fte for w in workers), 2)
        m = len(managed.get(service, []))
        if m == 0:
            out.append(
                f"service {service}: {fte:g} case-holding FTE and no team with a manager "
                "(add a manager_id in teams.csv)"
            )
            continue
        if span.max_fte is not None and fte > m * span.max_fte + 1e-9:
            more = math.ceil(fte / span.max_fte - 1e-9) - m
            fewer = round(fte - m * span.max_fte, 2)
            out.append(
                f"service {service}: {m} manager{'s' if m != 1 else ''} cannot supervise "
                f"{fte:g} FTE at a span of at most {span.max_fte:g}: {more} more "
                f"manager{'s' if more != 1 else ''} or {fewer:g} fewer FTE"
            )
        asye = sum(1 for w in workers if w.role is Role.ASYE)
        if max_asye is not None and asye > m * max_asye:
            if max_asye == 0:
                out.append(
                    f"service {service}: {asye} ASYE worker{'s' if asye != 1 else ''} and "
                    "--max-asye-per-manager 0 lets no manager take one"
                )
            else:
                more = math.ceil(asye / max_asye) - m
                out.append(
                    f"service {service}: {m} manager{'s' if m != 1 else ''} cannot take "
                    f"{asye} ASYE workers at most {max_asye} each: {more} more "
                    f"manager{'s' if more != 1 else ''} or {asye - m * max_asye} fewer ASYE "
                    "workers"
                )
        top = span.oversight_max
        if oversight_limit and top is not None and cases.get(service, 0) > m * top:
            total = cases[service]
            more = math.ceil(total / top) - m
            out.append(
                f"service {service}: {m} manager{'s' if m != 1 else ''} cannot oversee "
                f"{total} cases at most {top} each: {more} more managers"
            )
    return out


def plan_teams(
    data: ProblemData,
    policy: Policy,
    *,
    max_asye_per_manager: int | None = None,
    oversight_limit: bool | None = None,
    work_limit: float = 30.0,
    time_limit: float = 120.0,
    seed: int = 0,
) -> TeamsResult:
    """Assign case-holding workers to team managers (see the module's docstring).

    Parameters
    ----------
    data, policy
        Today's teams, workers and children; the policy's ``span`` settings.
    max_asye_per_manager
        At most this many ASYE workers per team (no limit when ``None``).
    oversight_limit
        Treat ``span.oversight_max`` cases per team as a hard limit (else reported);
        ``None`` follows the policy (``span.oversight_hard``).
    work_limit, time_limit, seed
        CP-SAT deterministic work limit, wall-clock safety stop (seconds) and seed.

    Returns
    -------
    TeamsResult
        The new data (workers' and their children's ``team_id``), the moves,
        and each team's span, cases and ASYE workers before and after.

    Raises
    ------
    TeamsError
        No arrangement exists; each line says why in numbers (``service cin: 7
        managers cannot supervise 46 FTE at a span of at most 6: 1 more manager
        or 4 fewer FTE``).

    Examples
    --------
    >>> from models import Team, Worker, load_policy
    >>> teams = (Team(team_id="A", service="cin", manager_id="MA"),
    ...          Team(team_id="B", service="cin", manager_id="MB"))
    >>> staff = [Worker(worker_id="MA", team_id="A", role=Role.TEAM_MANAGER, fte=1),
    ...          Worker(worker_id="MB", team_id="B", role=Role.TEAM_MANAGER, fte=1)]
    >>> staff += [Worker(worker_id=f"W{i}", team_id="A", role=Role.SOCIAL_WORKER, fte=1)
    ...           for i in range(7)] + [Worker(worker_id="W9", team_id="B",
    ...                                        role=Role.SOCIAL_WORKER, fte=1)]
    >>> result = plan_teams(ProblemData(teams=teams, workers=tuple(staff), children=()),
    ...                     load_policy("merton"))
    >>> [(t.team_id, t.fte_after) for t in result.teams], len(result.moves)
    ([('A', 5.0), ('B', 3.0)], 2)
    """
    span = policy.span
    if span.max_fte is None and span.ideal_fte is None:
        raise TeamsError(
            [
                f"policy {policy.name!r} sets no span (span.max_fte, span.ideal_fte): "
                "there is nothing to arrange teams by"
            ]
        )
    if oversight_limit is None:
        oversight_limit = span.oversight_hard
    service_of = {t.team_id: t.service for t in data.teams}
    worker_ids = {w.worker_id for w in data.workers}
    managed: dict[str, list[str]] = {}
    for team in data.teams:
        if team.manager_id is not None and team.manager_id in worker_ids:
            managed.setdefault(team.service, []).append(team.team_id)
    holders: dict[str, list[Any]] = {}
    for w in data.workers:
        if w.role.carries_cases:
            holders.setdefault(service_of[w.team_id], []).append(w)
    held, waiting = _cases(data)
    service_cases: dict[str, int] = {}
    for service, workers in holders.items():
        every = set().union(*(held.get(w.worker_id, set()) for w in workers)) if workers else set()
        ids = [team.team_id for team in data.teams if team.service == service]
        every |= set().union(*(waiting.get(i, set()) for i in ids)) if ids else set()
        service_cases[service] = len(every)
    problems = _numbers_check(
        data, policy, managed, holders, max_asye_per_manager, oversight_limit, service_cases
    )
    if problems:
        raise TeamsError(problems)

    model = cp_model.CpModel()
    x: dict[tuple[str, str], cp_model.IntVar] = {}
    for service, workers in holders.items():
        for w in workers:
            for t in managed[service]:
                x[w.worker_id, t] = model.new_bool_var(f"x[{w.worker_id},{t}]")
            model.add_exactly_one(x[w.worker_id, t] for t in managed[service])
    workers_of = {w.worker_id: w for ws in holders.values() for w in ws}
    all_managed = [t for ts in managed.values() for t in ts]
    ideal = None if span.ideal_fte is None else round(span.ideal_fte * SCALE)
    deviations = []
    case_terms: dict[str, list[Any]] = {}
    for t in all_managed:
        service = service_of[t]
        members = list(holders.get(service, []))
        fte = sum(round(w.fte * SCALE) * x[w.worker_id, t] for w in members)
        if span.max_fte is not None:
            model.add(fte <= round(span.max_fte * SCALE))
        if ideal is not None:
            dev = model.new_int_var(0, 10_000 * SCALE, f"dev[{t}]")
            model.add(dev >= fte - ideal)
            model.add(dev >= ideal - fte)
            deviations.append(dev)
        if max_asye_per_manager is not None:
            model.add(
                sum(x[w.worker_id, t] for w in members if w.role is Role.ASYE)
                <= max_asye_per_manager
            )
        # Cases: a case held by several workers counts once in a team holding any of them.
        holders_of: dict[str, list[str]] = {}
        for w in members:
            for case in held.get(w.worker_id, set()):
                holders_of.setdefault(case, []).append(w.worker_id)
        terms: list[Any] = []
        for case, ws in sorted(holders_of.items()):
            if len(ws) == 1:
                terms.append(x[ws[0], t])
                continue
            present = model.new_bool_var(f"case[{t},{case}]")
            for wid in ws:
                model.add(present >= x[wid, t])
            model.add(present <= sum(x[wid, t] for wid in ws))
            terms.append(present)
        case_terms[t] = terms
        if oversight_limit and span.oversight_max is not None:
            model.add(sum(terms) + len(waiting.get(t, set())) <= span.oversight_max)
    moves = [1 - x[wid, w.team_id] if (wid, w.team_id) in x else 1 for wid, w in workers_of.items()]
    weight = len(workers_of) + 1
    model.minimize(weight * sum(deviations) + sum(moves))
    for (wid, t), var in x.items():
        model.add_hint(var, workers_of[wid].team_id == t)
    solver = cp_model.CpSolver()
    solver.parameters.max_deterministic_time = work_limit
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = 1
    with stoppable(solver):  # Ctrl-C stops the command, not just the search
        status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if status == cp_model.INFEASIBLE:
            raise TeamsError(_packing(holders, managed, policy))
        raise TeamsError(
            [f"no arrangement found within the work limit of {work_limit:g} (raise --work-limit)"]
        )
    new_team = {
        wid: next(t for t in managed[service_of[w.team_id]] if solver.boolean_value(x[wid, t]))
        for wid, w in workers_of.items()
    }
    return _result(data, policy, new_team, solver, status, weight, waiting, held)


def _packing(
    holders: dict[str, list[Any]], managed: dict[str, list[str]], policy: Policy
) -> list[str]:
    out = []
    for service, workers in sorted(holders.items()):
        sizes = sorted((w.fte for w in workers), reverse=True)
        out.append(
            f"service {service}: {len(workers)} workers ({sum(sizes):g} FTE, posts of "
            f"{', '.join(f'{s:g}' for s in sizes[:6])}{', ...' if len(sizes) > 6 else ''}) "
            f"cannot be packed into {len(managed.get(service, []))} teams of at most "
            f"{policy.span.max_fte or 0:g} FTE with the other limits"
        )
    return ["no arrangement meets every limit:", *out]


def _status(value: float, low: float | None, high: float | None, ideal: float | None = None) -> str:
    if high is not None and value > high + 1e-9:
        return "above maximum"
    if low is not None and value < low - 1e-9:
        return "below minimum"
    if ideal is not None and abs(value - ideal) > 1e-9:
        return "within, off ideal"
    return "within"


def _result(
    data: ProblemData,
    policy: Policy,
    new_team: dict[str, str],
    solver: cp_model.CpSolver,
    status: Any,
    weight: int,
    waiting: dict[str, set[str]],
    held: dict[str, set[str]],
) -> TeamsResult:
    span = policy.span
    workers = tuple(
        w.model_copy(update={"team_id": new_team[w.worker_id]}) if w.worker_id in new_team else w
        for w in data.workers
    )
    children = tuple(
        c.model_copy(update={"team_id": new_team[c.worker_id]})
        if c.worker_id in new_team and new_team[c.worker_id] != c.team_id
        else c
        for c in data.children
    )
    after = ProblemData(
        teams=data.teams,
        workers=workers,
        children=children,
        reductions=data.reductions,
        source=data.source,
    )
    count: dict[str, int] = {}
    for c in data.children:
        if c.worker_id is not None:
            count[c.worker_id] = count.get(c.worker_id, 0) + 1
    moves = tuple(
        Move(
            worker_id=w.worker_id,
            role=w.role.value,
            fte=w.fte,
            service=next(t.service for t in data.teams if t.team_id == w.team_id),
            from_team=w.team_id,
            to_team=new_team[w.worker_id],
            children=count.get(w.worker_id, 0),
        )
        for w in data.workers
        if w.worker_id in new_team and new_team[w.worker_id] != w.team_id
    )
    rows = []
    deviation = 0.0
    for t in data.teams:
        before = [w for w in data.workers if w.team_id == t.team_id and w.role.carries_cases]
        now = [w for w in workers if w.team_id == t.team_id and w.role.carries_cases]
        fte_after = round(sum(w.fte for w in now), 2)
        managed = t.manager_id is not None and any(w.worker_id == t.manager_id for w in workers)
        if managed and span.ideal_fte is not None:
            deviation += abs(fte_after - span.ideal_fte)

        def cases(team_workers: list[Any], team: str = t.team_id) -> int:
            every = set(waiting.get(team, set()))
            for w in team_workers:
                every |= held.get(w.worker_id, set())
            return len(every)

        cases_after = cases(now)
        rows.append(
            TeamSpan(
                team_id=t.team_id,
                manager_id=t.manager_id,
                service=t.service,
                fte_before=round(sum(w.fte for w in before), 2),
                fte_after=fte_after,
                span=_status(fte_after, None, span.max_fte, span.ideal_fte)
                if managed
                else "no manager",
                cases_before=cases(before),
                cases_after=cases_after,
                oversight=_status(cases_after, span.oversight_min, span.oversight_max),
                asye_after=sum(1 for w in now if w.role is Role.ASYE),
                workers_after=len(now),
            )
        )
    bound = solver.best_objective_bound
    return TeamsResult(
        data=after,
        moves=moves,
        teams=tuple(rows),
        status="optimal" if status == cp_model.OPTIMAL else "feasible",
        span_deviation=round(deviation, 2),
        best_bound_deviation=round(math.floor(bound / weight) / SCALE, 2),
        solve_seconds=round(solver.wall_time, 3),
    )
