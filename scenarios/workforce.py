"""Staffing edits on ``ProblemData`` shared by plans and staffing: posts added, removed or
cut, as the data contract defines capacity and caps.

Capacity ``c = fte * role_factor * (1 - active reductions)`` and the count cap
``floor(max_children_per_fte * c)`` (unless ``max_children`` is agreed) follow
``data-contract.md``. The planner uses them only to choose which posts a
reduction takes and to bound what a staffing level can achieve; every figure
it reports comes from the engine (``allocator.allocate``), and the staffing
model checks that the engine's capacities match these (``StaffingResult.notes``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from models import Child, Policy, ProblemData, Role, Team, Worker

ROUNDING = 1e-9
NEW_POST = "NEW"
NO_CAP = 10**9
"""Spare room of a worker without a count cap (an agreed override, or none set)."""
"""Hypothetical posts are named ``<team>-NEW-<k>`` (scenario-format.md)."""


def capacity(worker: Worker, policy: Policy, data: ProblemData, as_of: date) -> float:
    """Capacity in FTE: ``fte * role factor * (1 - active reductions)`` (data contract).

    Examples
    --------
    >>> from models import load_policy
    >>> w = Worker(worker_id="W1", team_id="T1", role=Role.ASYE, fte=1,
    ...            asye_start=date(2026, 5, 23))
    >>> data = ProblemData(teams=(Team(team_id="T1", service="cin"),), workers=(w,), children=())
    >>> capacity(w, load_policy("default"), data, date(2026, 11, 23))
    0.75
    """
    if not worker.role.carries_cases:
        return 0.0
    factor = 1.0
    if worker.role is Role.ASYE and worker.asye_start is not None:
        factor = policy.asye.factor_on(worker.asye_start, as_of)
    reduction = min(
        1.0,
        sum(
            r.fraction
            for r in data.reductions
            if r.worker_id == worker.worker_id and r.active_on(as_of)
        ),
    )
    return round(worker.fte * factor * (1 - reduction), 4)


def count_cap(worker: Worker, per_fte: float | None, cap_fte: float) -> int | None:
    """At least the most children the engine lets the worker hold: the agreed
    ``max_children`` (before any reduction), else ``floor(per_fte * capacity)``; ``None``
    when no count cap applies. The engine's cap is never above this (it scales an agreed
    cap by reductions and keeps it under the service's), so bounds built on it hold."""
    if cap_fte <= 0:
        return 0
    if worker.max_children is not None:
        return worker.max_children
    if per_fte is None:
        return None
    return math.floor(per_fte * cap_fte + ROUNDING)


@dataclass(frozen=True)
class Room:
    """A worker's capacity and count cap, and the children they hold now."""

    worker: Worker
    capacity: float
    cap: int | None
    held: int

    @property
    def spare(self) -> int:
        """Children the worker could still take under the count cap (0 when at or above;
        a large number when no count cap applies)."""
        if self.cap is None:
            return NO_CAP
        return max(0, self.cap - self.held)


def rooms(data: ProblemData, policy: Policy, as_of: date) -> dict[str, Room]:
    """Worker id -> capacity, count cap and children held, for every worker."""
    service = {t.team_id: t.service for t in data.teams}
    held: dict[str, int] = {}
    for c in data.children:
        if c.worker_id is not None:
            held[c.worker_id] = held.get(c.worker_id, 0) + 1
    overridden = {o.worker_id for o in data.overrides}
    out = {}
    for w in data.workers:
        cap_fte = capacity(w, policy, data, as_of)
        rules = policy.services.get(service[w.team_id])
        per_fte = rules.max_children_per_fte if rules is not None else None
        cap = None if w.worker_id in overridden else count_cap(w, per_fte, cap_fte)
        out[w.worker_id] = Room(w, cap_fte, cap, held.get(w.worker_id, 0))
    return out


def case_holding_fte(data: ProblemData, teams: Iterable[str] | None = None) -> float:
    """Contracted FTE of workers whose role carries cases (in ``teams`` when given)."""
    wanted = None if teams is None else set(teams)
    return round(
        sum(
            w.fte
            for w in data.workers
            if w.role.carries_cases and (wanted is None or w.team_id in wanted)
        ),
        4,
    )


def new_post_ids(data: ProblemData, team: str, count: int) -> list[str]:
    """``count`` unused ids ``<team>-NEW-<k>``, ``k`` counting on from the last one used."""
    used = {w.worker_id for w in data.workers}
    out: list[str] = []
    k = 1
    while len(out) < count:
        candidate = f"{team}-{NEW_POST}-{k}"
        if candidate not in used:
            out.append(candidate)
        k += 1
    return out


def post_sizes(fte: float) -> list[float]:
    """Posts making up ``fte``: full-time posts, then one part-time post for the rest.

    Examples
    --------
    >>> post_sizes(2.5), post_sizes(1.0), post_sizes(0)
    ([1.0, 1.0, 0.5], [1.0], [])
    """
    whole = math.floor(fte + ROUNDING)
    rest = round(fte - whole, 4)
    return [1.0] * whole + ([rest] if rest > ROUNDING else [])


def add_posts(
    data: ProblemData,
    team: str,
    sizes: list[float],
    role: Role = Role.SOCIAL_WORKER,
    skills: frozenset[str] = frozenset(),
    asye_start: date | None = None,
) -> tuple[ProblemData, list[str]]:
    """``data`` with new posts of the given FTE in ``team`` (qualified-worker defaults:
    social worker, no skills, accepting); returns the data and the new ids."""
    ids = new_post_ids(data, team, len(sizes))
    posts = tuple(
        Worker(
            worker_id=wid,
            team_id=team,
            role=role,
            fte=fte,
            skills=skills,
            asye_start=asye_start,
        )
        for wid, fte in zip(ids, sizes, strict=True)
    )
    return data.model_copy(update={"workers": data.workers + posts}), ids


def remove_workers(data: ProblemData, gone: set[str]) -> ProblemData:
    """``data`` without the workers in ``gone``: their children wait (no worker), links to
    them (``previous_worker_id``, a team's ``manager_id``, reductions) are cleared."""
    if not gone:
        return data
    children = tuple(
        c.model_copy(
            update={
                "worker_id": None if c.worker_id in gone else c.worker_id,
                "previous_worker_id": None
                if c.previous_worker_id in gone
                else c.previous_worker_id,
            }
        )
        if c.worker_id in gone or c.previous_worker_id in gone
        else c
        for c in data.children
    )
    teams = tuple(
        t.model_copy(update={"manager_id": None}) if t.manager_id in gone else t for t in data.teams
    )
    workers = tuple(w for w in data.workers if w.worker_id not in gone)
    return _rebuilt(data, teams, workers, children)


def _rebuilt(
    data: ProblemData,
    teams: tuple[Team, ...],
    workers: tuple[Worker, ...],
    children: tuple[Child, ...],
) -> ProblemData:
    """``data`` with these teams, workers and children; every other table (reductions,
    overrides, adjustments, ...) keeps the rows whose worker and child are still there."""
    worker_ids = {w.worker_id for w in workers}
    child_ids = {c.child_id for c in children}
    fields: dict[str, object] = {}
    for name, value in data:
        if name in ("teams", "workers", "children") or not isinstance(value, tuple):
            continue
        fields[name] = tuple(
            row
            for row in value
            if getattr(row, "worker_id", None) in (None, *worker_ids)
            and getattr(row, "child_id", None) in (None, *child_ids)
        )
    return ProblemData(
        **{**dict(data), **fields, "teams": teams, "workers": workers, "children": children}
    )


def release_to_waiting(data: ProblemData, worker_id: str) -> ProblemData:
    """``data`` with ``worker_id``'s children waiting again, remembering the worker as their
    ``previous_worker_id`` (the engine prefers continuity when it may)."""
    children = tuple(
        c.model_copy(update={"worker_id": None, "previous_worker_id": worker_id})
        if c.worker_id == worker_id
        else c
        for c in data.children
    )
    return data.model_copy(update={"children": children})


@dataclass(frozen=True)
class Cut:
    """What :func:`reduce_fte` took: whole posts removed, and a post cut part-way."""

    removed: tuple[str, ...]
    cut: tuple[str, float, float] | None
    """``(worker_id, fte before, fte after)`` of the post cut part-way, if any."""


def reduce_fte(
    data: ProblemData, policy: Policy, as_of: date, teams: set[str], fte: float
) -> tuple[ProblemData, Cut]:
    """Remove ``fte`` case-holding FTE from ``teams``, whole posts from the workers with the
    most spare room (count cap minus children held) first, ties in file order; the last post
    may be cut part-way. Children of every post taken or cut wait for reallocation.

    Raises
    ------
    ValueError
        When the teams hold less case-holding FTE than ``fte``.
    """
    room = rooms(data, policy, as_of)
    holders = [w for w in data.workers if w.team_id in teams and w.role.carries_cases]
    available = round(sum(w.fte for w in holders), 4)
    if fte > available + ROUNDING:
        raise ValueError(f"only {available:g} case-holding FTE there to remove, not {fte:g}")
    order = sorted(enumerate(holders), key=lambda item: (-room[item[1].worker_id].spare, item[0]))
    left = round(fte, 4)
    gone: list[str] = []
    cut: tuple[str, float, float] | None = None
    for _, w in order:
        if left <= ROUNDING:
            break
        if w.fte <= left + ROUNDING:
            gone.append(w.worker_id)
            left = round(left - w.fte, 4)
        else:
            cut = (w.worker_id, w.fte, round(w.fte - left, 4))
            left = 0.0
    data = remove_workers(data, set(gone))
    if cut is not None:
        wid, _, after = cut
        data = data.model_copy(
            update={
                "workers": tuple(
                    w.model_copy(update={"fte": after}) if w.worker_id == wid else w
                    for w in data.workers
                )
            }
        )
        data = release_to_waiting(data, wid)
    return data, Cut(tuple(gone), cut)


def teams_without_holder(data: ProblemData) -> set[str]:
    """Teams that have children (held or waiting) but no worker whose role carries cases."""
    with_children = {c.team_id for c in data.children}
    with_holder = {w.team_id for w in data.workers if w.role.carries_cases}
    return with_children - with_holder


def subset(data: ProblemData, teams: set[str]) -> ProblemData:
    """Only ``teams``: their workers, children and reductions; links outside are cleared."""
    workers = tuple(w for w in data.workers if w.team_id in teams)
    ids = {w.worker_id for w in workers}
    children = []
    for c in data.children:
        if c.team_id not in teams:
            continue
        if c.previous_worker_id is not None and c.previous_worker_id not in ids:
            c = c.model_copy(update={"previous_worker_id": None})
        children.append(c)
    team_rows = tuple(
        t.model_copy(update={"manager_id": None})
        if t.manager_id is not None and t.manager_id not in ids
        else t
        for t in data.teams
        if t.team_id in teams
    )
    return _rebuilt(data, team_rows, workers, tuple(children))


def held_outside_team(data: ProblemData) -> list[Child]:
    """Children held by a worker of another team (the staffing model needs none)."""
    team_of = {w.worker_id: w.team_id for w in data.workers}
    return [
        c for c in data.children if c.worker_id is not None and team_of[c.worker_id] != c.team_id
    ]
