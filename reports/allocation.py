"""The allocation report: a proposal folder as a manager reads it.

Headline (allocated, waiting and why, siblings split, how much more even than
by hand, the solver's standing), the exceptions needing action, each team's
workers before and after against cap, average and thresholds, the batch's
allocation list, every finding, and what reproduces the run. Every figure comes
from the folder (``read_outputs`` and ``summary``); nothing is solved again.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from models import (
    AllocationResult,
    ChildAllocation,
    Policy,
    Role,
    Team,
    Threshold,
    Worker,
    WorkerLoad,
)
from reports import charts
from reports.about import about_rows, footer_text, solver_words
from reports.formats import format_value
from reports.model import Cell, Chart, Column, Figure, Report, Rule, Section, Table, Tone

BATCH = ("allocated", "moved", "unallocated")
"""Statuses of the children this run decided about (``kept`` children stay where they are)."""


@dataclass(frozen=True)
class WorkerView:
    """One worker's row of ``workers.csv`` with the figures a manager compares, per FTE."""

    load: WorkerLoad
    worker: Worker
    by_hand: int | None
    """Children the greedy baseline (allocating by hand) would leave them with."""

    @property
    def holds_cases(self) -> bool:
        """Has capacity for cases (the engine's fairness measures count only these)."""
        return self.load.capacity > 0

    @property
    def fte(self) -> float:
        """FTE after reductions: what the engine's per-FTE figures and bands divide by."""
        return self.load.fte_available

    def per_fte(self, children: float | None) -> float | None:
        """``children`` per FTE after reductions (None without FTE or children)."""
        return None if children is None or self.fte <= 0 else children / self.fte

    @property
    def after(self) -> float:
        """Children per FTE after allocation: the engine's own figure (``workers.csv``)."""
        return self.load.children_per_fte

    @property
    def cap_per_fte(self) -> float | None:
        cap = self.load.max_children
        return None if cap is None or not self.holds_cases else self.per_fte(cap)

    def load_per_fte(self, load: float) -> float | None:
        """Weighted load per FTE after reductions (the measure of a load threshold)."""
        return self.per_fte(load) if self.holds_cases else None

    @property
    def above_cap(self) -> bool:
        """Above any cap in force: the engine's largest share of a cap (``utilisation``:
        children, weighted load, cases or a caseload-mix cap) is over 1."""
        return self.load.utilisation > 1 + 1e-9

    @property
    def cap_words(self) -> tuple[float | None, str]:
        """``(cap, words)`` for the cap this worker is most above (``binding_cap``)."""
        w = self.load
        kind = w.binding_cap
        if kind == "load" and w.max_load is not None:
            return w.max_load, f"weighted load {w.load_after:g} above their cap of {w.max_load:g}"
        if kind == "cases":
            cap = round(w.cases_after / w.utilisation) if w.utilisation else None
            return cap, f"holds {w.cases_after} cases, above their cap of {cap} cases"
        if kind.startswith("mix:"):
            return None, f"above their caseload-mix cap for {kind[4:].replace('_', ' ')}"
        cap = w.max_children
        return cap, f"above their cap of {cap}" if cap is not None else "above their cap"

    @property
    def marks(self) -> str:
        """What a manager should notice about the worker: ASYE, part-time, closed, reduced."""
        out = []
        if self.worker.role is Role.ASYE:
            out.append("ASYE")
        if self.worker.fte < 1:
            out.append(f"part-time {self.worker.fte:g} FTE")
        if not self.load.accepting and self.holds_cases:
            out.append("closed to new work")
        if self.load.reduction:
            out.append(f"reduced ({self.load.reduction})")
        if self.load.absence:
            out.append(self.load.absence)
        if self.load.awaiting_closure:
            out.append(f"{self.load.awaiting_closure} awaiting closure")
        return "; ".join(out)

    @property
    def label(self) -> str:
        """Worker id with ASYE or part-time noted, as on the team chart."""
        extra = []
        if self.worker.role is Role.ASYE:
            extra.append("ASYE")
        if self.worker.fte < 1:
            extra.append(f"{self.worker.fte:g} FTE")
        return self.load.worker_id + (f" ({', '.join(extra)})" if extra else "")


def _spread(values: Sequence[float]) -> float | None:
    return max(values) - min(values) if values else None


def _team_average(views: Sequence[WorkerView], children: str) -> float | None:
    holders = [v for v in views if v.holds_cases]
    fte = sum(v.fte for v in holders)
    if not holders or fte <= 0:
        return None
    return sum(getattr(v.load, children) for v in holders) / fte


def _band_rules(policy: Policy, measure: str = "children") -> tuple[Rule, ...]:
    """Highlights of a per-FTE column from the policy's thresholds of that ``measure``
    (``children`` or weighted ``load``).

    The highest ``above`` threshold is an exception, lower ones need approval, and
    ``below`` thresholds mark a low caseload.
    """
    mine = [t for t in policy.thresholds if t.measure == measure]
    above = sorted((t for t in mine if t.above is not None), key=_limit, reverse=True)
    rules = []
    for i, t in enumerate(above):
        tone: Tone = "exception" if i == 0 and len(above) > 1 else "approval"
        rules.append(Rule(op="gt", value=t.above, tone=tone, label=_threshold_words(t)))
    for t in mine:
        if t.below is not None:
            rules.append(Rule(op="lt", value=t.below, tone="low", label=_threshold_words(t)))
    return tuple(rules)


def _limit(t: Threshold) -> float:
    return t.above if t.above is not None else t.below if t.below is not None else 0.0


def _threshold_words(t: Threshold) -> str:
    side = f"above {t.above:g}" if t.above is not None else f"below {t.below:g}"
    measure = "children" if t.measure == "children" else "weighted load"
    agree = f"agreed by the {t.approval.replace('_', ' ')}; " if t.approval else ""
    return f"{side} {measure} per FTE: {agree}{t.action or t.name.replace('_', ' ')}"


def allocation_report(
    result: AllocationResult,
    info: dict[str, Any],
    recorded: dict[str, Any],
    source: str,
) -> Report:
    """Build the allocation report of one proposal.

    Parameters
    ----------
    result
        The proposal as read back from its folder (``allocator.read_outputs``).
    info
        ``allocator.summary(result)``: the figures of ``summary.json``.
    recorded
        ``summary.json`` as written by the run (its ``reproduce`` section names the
        versions that made the proposal, not those reading it).
    source
        The folder, as the user named it (shown in the report).
    """
    data, policy = result.data, result.policy
    greedy = result.stats.get("greedy_children")
    inputs = {w.worker_id: w for w in data.workers}
    views = [
        WorkerView(
            load=w,
            worker=inputs[w.worker_id],
            by_hand=greedy.get(w.worker_id) if isinstance(greedy, dict) else None,
        )
        for w in result.workers
    ]
    by_team: dict[str, list[WorkerView]] = {t.team_id: [] for t in data.teams}
    for v in views:
        by_team[v.load.team_id].append(v)
    evenness = _evenness(data.teams, by_team)
    headline, notes = _headline(result, info, views, evenness)
    rules = _band_rules(policy)
    sections: tuple[Section, ...] = (
        _overview(views, evenness, policy),
        _exceptions(result, views, rules),
        _teams(result, by_team, rules),
        _evenness_section(evenness, greedy is not None),
        _allocation_list(result),
        _findings(result),
        Section(
            id="about",
            title="About this run",
            paragraphs=(
                "What reproduces the proposal: the folder's own copy of its input and policy "
                f"(input/), the options and the versions below. `caseload allocate --reproduce "
                f"{source} --out AGAIN` runs it again and says whether every child is placed "
                "as before.",
            ),
            facts=about_rows(result, info, recorded, source),
            page_break=True,
        ),
    )
    workbook = _workbook_tables(result, views, rules)
    sections = (*sections, Section(id="workbook", title="Workbook tables", tables=workbook))
    as_of = result.options.as_of.isoformat()
    return Report(
        kind="allocation",
        title=f"Allocation proposal, {as_of}",
        subtitle=(
            f"{policy.name} policy · {len(data.teams)} teams · "
            f"{sum(v.holds_cases for v in views)} case-holding workers · "
            f"{len(data.children):,} children · {source}"
        ),
        headline=headline,
        notes=notes,
        sections=sections,
        about=about_rows(result, info, recorded, source),
        footer=footer_text(info, recorded),
    )


@dataclass(frozen=True)
class TeamEvenness:
    team: Team
    workers: int
    proposed: list[float]
    by_hand: list[float] | None

    @property
    def spread(self) -> float | None:
        return _spread(self.proposed)

    @property
    def spread_by_hand(self) -> float | None:
        return None if self.by_hand is None else _spread(self.by_hand)


def _evenness(teams: Sequence[Team], by_team: dict[str, list[WorkerView]]) -> list[TeamEvenness]:
    out = []
    for team in teams:
        holders = [v for v in by_team[team.team_id] if v.holds_cases]
        if not holders:
            continue
        proposed = [v.after for v in holders]
        hand = [v.per_fte(v.by_hand) for v in holders]
        by_hand = None if any(h is None for h in hand) else [h for h in hand if h is not None]
        out.append(TeamEvenness(team, len(holders), proposed, by_hand))
    return out


def _headline(
    result: AllocationResult,
    info: dict[str, Any],
    views: list[WorkerView],
    evenness: list[TeamEvenness],
) -> tuple[tuple[Figure, ...], tuple[str, ...]]:
    allocated = info["children_allocated"]
    waiting = info["children_unallocated"]
    batch = allocated + waiting
    bands = info["workers_above_threshold"]
    above_cap = sum(v.above_cap for v in views)
    figures = [
        Figure(
            id="allocated",
            label="children allocated",
            value=allocated,
            detail=f"of {batch:,} waiting for a worker",
            tone="good",
        ),
        Figure(
            id="waiting",
            label="children still waiting",
            value=waiting,
            detail="no worker could take them: reasons below" if waiting else "none left",
            tone="warn" if waiting else "good",
        ),
    ]
    if info["children_moved"] or result.options.rebalance:
        figures.append(
            Figure(
                id="moved",
                label="children moved",
                value=info["children_moved"],
                detail=f"at most {result.options.max_moves:,} allowed",
            )
        )
    figures.append(
        Figure(
            id="split",
            label="sibling groups split",
            value=info["sibling_groups_split"],
            detail="families newly held by more than one worker",
            tone="warn" if info["sibling_groups_split"] else "good",
        )
    )
    spreads = [t.spread for t in evenness if t.spread is not None]
    hand = [t.spread_by_hand for t in evenness if t.spread_by_hand is not None]
    if spreads:
        detail = (
            f"by hand {format_value(statistics.fmean(hand), 'number', 1)}"
            if hand and len(hand) == len(spreads)
            else "by hand: not recorded in this folder"
        )
        figures.append(
            Figure(
                id="spread",
                label="spread of children per FTE in a team (mean)",
                value=round(statistics.fmean(spreads), 4),
                kind="number",
                decimals=1,
                detail=detail + "; highest minus lowest worker",
            )
        )
    figures.append(
        Figure(
            id="above-threshold",
            label="workers in a threshold band",
            value=sum(bands.values()),
            detail=", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(bands.items()))
            or "none",
            tone="warn" if bands else "good",
        )
    )
    figures.append(
        Figure(
            id="above-cap",
            label="workers above their cap",
            value=above_cap,
            detail="keep their children and take no new ones" if above_cap else "none",
            tone="bad" if above_cap else "good",
        )
    )
    notes = [solver_words(info), _by_hand_words(info, views, evenness)]
    notes += [
        f.message[0].upper() + f.message[1:] for f in result.findings if f.kind == "unallocated"
    ]
    notes += [f.message for f in result.findings if f.kind == "conflict"]
    return tuple(figures), tuple(n for n in notes if n)


def _by_hand_words(
    info: dict[str, Any], views: list[WorkerView], evenness: list[TeamEvenness]
) -> str:
    """How much more even than allocating by hand, in children per FTE and in the objective."""
    holders = [v for v in views if v.holds_cases]
    if not holders:
        return ""
    after = [v.after for v in holders]
    parts = [
        f"Across the authority, the highest caseload is {format_value(max(after), 'number', 1)} "
        f"children per FTE and the lowest {format_value(min(after), 'number', 1)}"
    ]
    hand = [v.per_fte(v.by_hand) for v in holders]
    if all(h is not None for h in hand):
        known = [h for h in hand if h is not None]
        parts[0] += (
            f" (by hand: {format_value(max(known), 'number', 1)} and "
            f"{format_value(min(known), 'number', 1)})"
        )
        narrower = sum(
            1
            for t in evenness
            if t.spread is not None
            and t.spread_by_hand is not None
            and t.spread < t.spread_by_hand - 1e-9
        )
        wider = sum(
            1
            for t in evenness
            if t.spread is not None
            and t.spread_by_hand is not None
            and t.spread > t.spread_by_hand + 1e-9
        )
        parts.append(
            f"Within teams the proposal is more even than by hand in {narrower} of "
            f"{len(evenness)} teams and less even in {wider}"
        )
    improvement = info.get("improvement_over_greedy_percent")
    if improvement is not None:
        more = info["model"].get("greedy_unallocated", 0) - info["children_unallocated"]
        if more > 0:
            parts.append(
                f"By hand, {more} more child{'ren' if more != 1 else ''} would be left waiting"
            )
        elif improvement >= 0:
            parts.append(
                "The balance measure the solver minimises (weighted load squared per FTE of "
                f"capacity) is {improvement:.2f}% lower than by hand"
            )
        else:
            parts.append(
                "The balance measure is lower by hand, but only by leaving more urgent children "
                "waiting or splitting more siblings, which come first"
            )
    return ". ".join(parts) + "."


def _overview(views: list[WorkerView], evenness: list[TeamEvenness], policy: Policy) -> Section:
    thresholds = _threshold_lines(policy)
    per_fte = [v.after for v in views if v.holds_cases]
    chart_list: list[Chart] = [charts.distribution_chart(per_fte, thresholds)]
    if evenness:
        chart_list.append(
            charts.spread_chart(
                [
                    {"team": t.team.team_id, "by_hand": t.spread_by_hand, "proposed": t.spread}
                    for t in evenness
                ]
            )
        )
    return Section(
        id="overview",
        title="Caseloads after allocation",
        paragraphs=(
            "Children per FTE counts every child a worker holds after this batch, divided by "
            "their contracted FTE; the policy's thresholds are set in those terms.",
        ),
        charts=tuple(chart_list),
    )


def _threshold_lines(policy: Policy) -> list[tuple[str, float]]:
    out = []
    for t in policy.thresholds:
        if t.measure != "children":
            continue  # the charts are in children per FTE
        value = t.above if t.above is not None else t.below
        if value is not None:
            out.append((t.name.replace("_", " "), value))
    return out


SHOWN_PER_WORKER = frozenset({"threshold", "above_cap", "unallocated"})
"""Finding kinds the exceptions table shows as its own rows (with the worker's numbers)
or the headline shows (children waiting); every other finding is listed as it is."""


def _range_words(
    low: float | None, high: float | None, ideal: float | None, what: str = "policy"
) -> str:
    """`` (policy 5 to 6, ideally 5)``, `` (oversight at most 100)``, or empty."""
    parts = []
    if low is not None and high is not None:
        parts.append(f"{what} {low:g} to {high:g}")
    elif high is not None:
        parts.append(f"{what} at most {high:g}")
    elif low is not None:
        parts.append(f"{what} at least {low:g}")
    if ideal is not None:
        parts.append(f"ideally {ideal:g}")
    return f" ({', '.join(parts)})" if parts else ""


def _exceptions(
    result: AllocationResult, views: list[WorkerView], rules: tuple[Rule, ...]
) -> Section:
    """Workers and teams a manager must act on, with their numbers and the policy's words."""
    policy = result.policy
    thresholds = {t.name: t for t in policy.thresholds}
    released = set(result.options.release)
    rows: list[tuple[Cell, ...]] = []
    for v in views:
        w = v.load
        cells = (w.worker_id, w.team_id, w.children_after, round(v.after, 4))
        threshold = thresholds.get(w.band)
        if threshold is not None:
            rows.append(
                (
                    *cells,
                    _limit(threshold),
                    _threshold_words(threshold).split(":")[0],
                    _threshold_words(threshold).split(": ", 1)[1],
                )
            )
        if v.above_cap:
            cap, words = v.cap_words
            rows.append(
                (*cells, cap, words, "keeps these children and takes no new ones until below cap")
            )
        if w.worker_id in released:
            rows.append((*cells, None, "released (long leave)", "their children are reallocated"))
        elif v.holds_cases and not w.accepting:
            rows.append((*cells, None, "closed to new work", "takes no new children"))
    for a in result.allocations:
        if a.needs_approval:
            rows.append(
                (a.child_id, a.team_id, None, None, None, "needs approval", a.needs_approval)
            )
    for f in result.findings:
        if f.kind not in SHOWN_PER_WORKER:
            who = ", ".join(f.entities[:3]) + (", ..." if len(f.entities) > 3 else "")
            rows.append((who, None, None, None, None, f.kind.replace("_", " "), f.message))
    columns = (
        Column(key="who", label="worker or team"),
        Column(key="team", label="team"),
        Column(key="children", label="children", kind="int"),
        Column(key="per_fte", label="children per FTE", kind="number", decimals=1, rules=rules),
        Column(key="limit", label="limit", kind="number", decimals=1),
        Column(key="exception", label="exception"),
        Column(key="action", label="what the policy says should happen"),
    )
    table = Table(
        id="exceptions",
        title="Exceptions needing action",
        caption=(
            "Workers above an approval or exception threshold or their cap, closed to new "
            "work or released, and teams outside the manager's span or oversight."
        ),
        columns=columns,
        rows=tuple(rows),
        sheet="Exceptions",
        empty="No exceptions: every worker is within the policy's thresholds and caps.",
    )
    return Section(id="exceptions", title="Exceptions needing action", tables=(table,))


WORKER_COLUMNS_HELP = {
    "cap": "The most children this worker may hold: the service's cap per FTE, pro rata.",
    "load_after": "Weighted load (complexity, risk, travel) per FTE after allocation.",
}


def _worker_columns(
    rules: tuple[Rule, ...], with_team: bool, load_rules: tuple[Rule, ...] = ()
) -> tuple[Column, ...]:
    cap_rule = Rule(op="gt", column="cap", tone="cap", label="above the worker's cap")
    columns = [
        Column(key="worker", label="worker"),
        *([Column(key="team", label="team")] if with_team else []),
        Column(key="role", label="role"),
        Column(key="fte", label="FTE", kind="number", decimals=2),
        *(
            [Column(key="capacity", label="capacity", kind="number", decimals=2)]
            if with_team
            else []
        ),
        Column(key="cap", label="cap", kind="int", help=WORKER_COLUMNS_HELP["cap"]),
        Column(key="before", label="children before", kind="int"),
        Column(key="after", label="children after", kind="int", rules=(cap_rule,)),
        Column(key="new", label="new", kind="int"),
        Column(key="per_fte_before", label="per FTE before", kind="number", decimals=1),
        Column(key="per_fte_after", label="per FTE after", kind="number", decimals=1, rules=rules),
        Column(key="per_fte_by_hand", label="per FTE by hand", kind="number", decimals=1),
        Column(key="load_before", label="load per FTE before", kind="number", decimals=1),
        Column(
            key="load_after",
            label="load per FTE after",
            kind="number",
            decimals=1,
            rules=load_rules,
            help=WORKER_COLUMNS_HELP["load_after"],
        ),
        Column(key="band", label="band"),
        Column(key="notes", label="notes"),
    ]
    return tuple(columns)


def _worker_row(v: WorkerView, with_team: bool) -> tuple[Cell, ...]:
    w = v.load
    per_hand = v.per_fte(v.by_hand)
    return (
        w.worker_id,
        *((w.team_id,) if with_team else ()),
        "ASYE" if w.role == "asye" else w.role.replace("_", " "),
        w.fte,
        *((w.capacity,) if with_team else ()),
        w.max_children if v.holds_cases else None,
        w.children_before,
        w.children_after,
        w.new_children,
        _round(v.per_fte(w.children_before)),
        round(v.after, 4),
        None if per_hand is None or not v.holds_cases else round(per_hand, 4),
        _round(v.load_per_fte(w.load_before)),
        _round(v.load_per_fte(w.load_after)),
        w.band.replace("_", " "),
        v.marks,
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _teams(
    result: AllocationResult, by_team: dict[str, list[WorkerView]], rules: tuple[Rule, ...]
) -> Section:
    policy = result.policy
    span = policy.span
    thresholds = _threshold_lines(policy)
    manager_fte: dict[str, float] = {}
    for team in result.data.teams:
        if team.manager_id is not None:
            fte = sum(v.worker.fte for v in by_team[team.team_id] if v.worker.role.carries_cases)
            # contracted FTE, as the engine's span finding counts it (Merton 002 s.3.1)
            manager_fte[team.manager_id] = manager_fte.get(team.manager_id, 0.0) + fte
    cases = _cases_by_team(result)
    columns = _worker_columns(rules, with_team=False, load_rules=_band_rules(policy, "load"))
    parts = []
    for team in result.data.teams:
        views = by_team[team.team_id]
        service = policy.services.get(team.service)
        average = _team_average(views, "children_after")
        holders = [v for v in views if v.holds_cases]
        facts: list[tuple[str, str]] = [
            ("service", service.label or team.service if service else team.service),
        ]
        if team.manager_id is None:
            facts.append(("manager", "none named in teams.csv"))
        else:
            facts.append(
                (
                    "manager's span",
                    f"{team.manager_id}: {manager_fte[team.manager_id]:g} case-holding FTE"
                    + _range_words(span.min_fte, span.max_fte, span.ideal_fte),
                )
            )
        oversight = _range_words(span.oversight_min, span.oversight_max, None, "oversight")
        facts.append(("cases held", f"{cases.get(team.team_id, 0):,}{oversight}"))
        if average is not None:
            target = (
                f"; the service's target is {service.target_children_per_fte:g}"
                if service and service.target_children_per_fte
                else ""
            )
            facts.append(
                (
                    "team average",
                    f"{format_value(average, 'number', 1)} children per FTE{target}"
                    + (
                        f"; cap {service.max_children_per_fte:g} per FTE"
                        if service and service.max_children_per_fte
                        else ""
                    ),
                )
            )
        chart_list = []
        if holders:
            chart_list.append(
                charts.team_workers_chart(
                    team.team_id,
                    [
                        {
                            "label": v.label,
                            "before": _round(v.per_fte(v.load.children_before)) or 0.0,
                            "after": round(v.after, 4),
                            "cap": _round(v.cap_per_fte),
                        }
                        for v in holders
                    ],
                    thresholds,
                    None if average is None else round(average, 4),
                )
            )
        title = f"Team {team.team_id}" + (f": {team.name}" if team.name else "")
        parts.append(
            Section(
                id=f"team-{team.team_id}",
                title=title,
                facts=tuple(facts),
                charts=tuple(chart_list),
                tables=(
                    Table(
                        id=f"workers-{team.team_id}",
                        title=f"Workers of team {team.team_id}",
                        columns=columns,
                        rows=tuple(_worker_row(v, with_team=False) for v in views),
                    ),
                ),
            )
        )
    return Section(
        id="teams",
        title="Teams",
        paragraphs=(
            "Each worker's children and weighted load per FTE, before and after this batch, "
            "against their cap, the team average and the policy's thresholds. By hand is the "
            "greedy baseline: each child, heaviest first, to the least-loaded worker with room.",
        ),
        subsections=tuple(parts),
        page_break=True,
    )


def _cases_by_team(result: AllocationResult) -> dict[str, int]:
    """Cases held per team after allocation: a sibling group counts as one case."""
    family = {c.child_id: c.family_id or c.child_id for c in result.data.children}
    held: dict[str, set[str]] = {}
    for a in result.allocations:
        if a.worker_id is not None:
            held.setdefault(a.team_id, set()).add(family[a.child_id])
    return {team: len(cases) for team, cases in held.items()}


def _evenness_section(evenness: list[TeamEvenness], recorded: bool) -> Section:
    rows = []
    for t in evenness:
        hand = t.by_hand
        rows.append(
            (
                t.team.team_id,
                t.workers,
                None if hand is None else round(max(hand), 4),
                None if hand is None else round(min(hand), 4),
                _round(t.spread_by_hand),
                round(max(t.proposed), 4),
                round(min(t.proposed), 4),
                _round(t.spread),
                round(statistics.pstdev(t.proposed), 4),
            )
        )
    worse = Rule(op="gt", column="hand_spread", tone="changed", label="less even than by hand")
    columns = (
        Column(key="team", label="team"),
        Column(key="workers", label="case-holding workers", kind="int"),
        Column(key="hand_high", label="highest by hand", kind="number", decimals=1),
        Column(key="hand_low", label="lowest by hand", kind="number", decimals=1),
        Column(key="hand_spread", label="spread by hand", kind="number", decimals=1),
        Column(key="high", label="highest proposed", kind="number", decimals=1),
        Column(key="low", label="lowest proposed", kind="number", decimals=1),
        Column(key="spread", label="spread proposed", kind="number", decimals=1, rules=(worse,)),
        Column(key="sd", label="standard deviation proposed", kind="number", decimals=2),
    )
    paragraphs = [
        "Children per FTE of the highest and lowest case-holding worker in each team, by hand "
        "(the greedy baseline) and in the proposal. The solver evens weighted load per FTE of "
        "capacity, so a team's count spread can be wider where complexity differs."
    ]
    if not recorded:
        paragraphs.append(
            "This folder was written by a caseload that did not record the greedy baseline's "
            "caseloads: the by-hand columns are empty."
        )
    table = Table(
        id="evenness",
        title="Evenness by team",
        columns=columns,
        rows=tuple(rows),
        sheet="Evenness",
    )
    return Section(
        id="evenness",
        title="How much more even than by hand",
        paragraphs=tuple(paragraphs),
        tables=(table,),
    )


ALLOCATION_COLUMNS = (
    Column(key="child", label="child"),
    Column(key="team", label="team"),
    Column(key="category", label="category"),
    Column(key="weight", label="weight", kind="number", decimals=2),
    Column(key="status", label="status"),
    Column(key="worker", label="worker"),
    Column(key="before", label="worker before"),
    Column(key="reason", label="reason"),
    Column(key="note", label="cover or approval"),
)


def _allocation_rows(result: AllocationResult, statuses: Sequence[str]) -> tuple[tuple[Cell, ...]]:
    category = {c.child_id: c.category for c in result.data.children}
    return tuple(  # type: ignore[return-value]
        (
            a.child_id,
            a.team_id,
            category[a.child_id],
            a.weight,
            a.status.value,
            a.worker_id,
            a.worker_before,
            a.reason,
            _allocation_note(a),
        )
        for a in result.allocations
        if a.status.value in statuses
    )


def _allocation_note(a: ChildAllocation) -> str:
    """Interim cover (for whom, until when) and the approval an allocation needs."""
    parts = []
    if a.cover_for:
        until = f" until {a.cover_until.isoformat()}" if a.cover_until else ""
        parts.append(f"cover for {a.cover_for}{until}")
    if a.needs_approval:
        parts.append(f"needs approval: {a.needs_approval}")
    return "; ".join(parts)


def _allocation_list(result: AllocationResult) -> Section:
    rows = _allocation_rows(result, BATCH)
    kept = sum(1 for a in result.allocations if a.status.value == "kept")
    table = Table(
        id="allocations",
        title="Allocation list",
        caption=(
            f"The {len(rows):,} children of this batch: sort by a column's heading, filter by "
            f"team or status, or search. The {kept:,} children kept with their worker are in "
            "the workbook and allocations.csv."
        ),
        columns=ALLOCATION_COLUMNS,
        rows=rows,
        interactive=True,
        filters=("team", "status"),
    )
    return Section(id="allocations", title="Allocation list", tables=(table,), page_break=True)


def _findings(result: AllocationResult) -> Section:
    table = Table(
        id="findings",
        title="Findings",
        caption="Everything in findings.csv, in its order.",
        columns=(
            Column(key="kind", label="kind"),
            Column(key="entities", label="who"),
            Column(key="message", label="message"),
        ),
        rows=tuple((f.kind, ", ".join(f.entities), f.message) for f in result.findings),
        sheet="Findings",
        empty="No findings.",
    )
    return Section(id="findings", title="Findings", tables=(table,))


def _workbook_tables(
    result: AllocationResult, views: list[WorkerView], rules: tuple[Rule, ...]
) -> tuple[Table, ...]:
    """Tables for the workbook only: every worker in one sheet, every child in another."""
    workers = Table(
        id="all-workers",
        title="Workers",
        columns=_worker_columns(
            rules, with_team=True, load_rules=_band_rules(result.policy, "load")
        ),
        rows=tuple(_worker_row(v, with_team=True) for v in views),
        sheet="Workers",
        on_page=False,
    )
    children = Table(
        id="all-allocations",
        title="Allocations",
        columns=ALLOCATION_COLUMNS,
        rows=_allocation_rows(result, ("kept", *BATCH)),
        sheet="Allocations",
        on_page=False,
    )
    return (workers, children)
