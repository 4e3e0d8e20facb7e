"""What the command prints: the short summary after a run, and a progress line."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

OUTPUT_LISTING = "allocations.csv, workers.csv, summary.json, candidates.csv, findings.csv, input/"


class Progress:
    """A progress line on a terminal, once a solve has run for more than 1.5 s."""

    def __init__(self) -> None:
        self.shown = False

    def __call__(self, done: int, total: int, elapsed: float) -> None:
        if elapsed < 1.5 or not sys.stderr.isatty():
            return
        self.shown = True
        click.echo(f"\rsolving: {done}/{total} sub-problems, {elapsed:.1f} s", err=True, nl=False)

    def end(self) -> None:
        """End the progress line, if one was drawn."""
        if self.shown:
            click.echo("", err=True)


class ReadProgress:
    """A progress line on a terminal while a large data folder is read and checked."""

    def __init__(self) -> None:
        self.shown = False
        self.start = time.monotonic()

    def __call__(self, what: str, done: int, total: int) -> None:
        if time.monotonic() - self.start < 1.0 or not sys.stderr.isatty():
            return
        self.shown = True
        click.echo(f"\rreading {what}: {done:,} of {total:,} rows checked", err=True, nl=False)

    def end(self) -> None:
        """End the progress line, if one was drawn."""
        if self.shown:
            click.echo("", err=True)
            self.shown = False


def children_words(n: int) -> str:
    """``1 child``, ``2 children``."""
    return f"{n} child" if n == 1 else f"{n} children"


def per_fte(value: float) -> str:
    """``23``, ``17.5``: children per FTE to one decimal, without a trailing ``.0``."""
    return f"{value:.1f}".removesuffix(".0")


def human_summary(result: Any, s: dict[str, Any], out: Path, verbose: bool = False) -> str:
    """What a manager reads after a run: placed and waiting, workers newly in a band and
    what the policy asks then, how even each team is (children per FTE) against allocating
    by hand; solver terms only with ``verbose`` (they are always in summary.json)."""
    new = s["children_allocated"] + s["children_unallocated"]
    lines = [
        f"{children_words(new)} to allocate: {s['children_allocated']} allocated, "
        f"{s['children_unallocated']} waiting."
    ]
    if s["children_moved"]:
        lines.append(f"{children_words(s['children_moved'])} moved between workers.")
    waiting = [f for f in result.findings if f.kind == "unallocated"]
    if waiting:
        lines.append("Waiting, by team (each child's reason is in allocations.csv):")
        lines += [f"  {f.message.removeprefix('team ')}" for f in waiting]
    lines += _new_bands(result)
    lines += _evenness(result, s)
    lines.append(_how_even(s))
    split = s["sibling_groups_split"]
    if split:
        lines.append(
            f"{split} sibling group{'s' if split != 1 else ''} split between workers "
            "(why: findings.csv)."
        )
    approvals = sum(1 for a in result.allocations if a.needs_approval)
    if approvals:
        lines.append(
            f"{children_words(approvals)} need an approval before allocation "
            "(needs_approval in allocations.csv)."
        )
    if verbose:
        gap = s["gap"]
        lines.append(
            f"Solver: {s['status']}, objective {s['objective']:.2f}, bound "
            f"{s['best_bound']:.2f}, gap {100 * (gap or 0):.4f}%, {s['solve_seconds']:.1f} s; "
            f"greedy baseline {s['greedy_objective']:.2f}."
        )
        lines += _routes(s.get("proof"))
    lines.append(f"Wrote {out}/ ({OUTPUT_LISTING}).")
    return "\n".join(lines)


def _how_even(s: dict[str, Any]) -> str:
    """Whether the proposal is proven the most even the rules allow, in a manager's words."""
    if s["status"] == "optimal":
        return "This is the most even allocation the rules allow (proven)."
    gap = s.get("gap") or 0.0
    if gap > 0:
        return (
            f"The solver stopped at its limit: the loads are within {100 * gap:.3f}% of the "
            "most even the rules allow (summary.json: gap)."
        )
    return (
        "The loads are as even as the rules allow (proven), but the solver stopped at its "
        "limit before proving every other aim (summary.json: status feasible)."
    )


def _routes(proof: dict[str, Any] | None) -> list[str]:
    """How the balance and complexity stages were settled (the proof stage or CP-SAT)."""
    if not proof:
        return []
    out = []
    for stage in ("balance", "complexity"):
        routes = proof.get(stage) or {}
        total = sum(routes.values())
        if total:
            out.append(
                f"{stage.capitalize()}: {routes.get('proof', 0)} of {total} sub-problems proven "
                f"by the proof stage, {routes.get('cp-sat+proof', 0)} closed by it after CP-SAT, "
                f"{routes.get('cp-sat', 0)} by CP-SAT alone"
                + (f", {routes['unproven']} not proven." if routes.get("unproven") else ".")
            )
    return out


def _new_bands(result: Any) -> list[str]:
    """Workers this batch takes into a threshold band, grouped by band, with the action."""
    policy = result.policy
    newly: dict[str, list[str]] = {}
    for w in result.workers:
        if w.band in ("within", "no_cases") or w.fte_available <= 0:
            continue
        before = policy.band(w.children_before / w.fte_available, w.load_before / w.fte_available)
        if before != w.band:
            newly.setdefault(w.band, []).append(w.worker_id)
    if not newly:
        return ["No worker is taken into a threshold band by this batch."]
    out = ["Workers this batch takes into a threshold band:"]
    for threshold in policy.thresholds:
        names = newly.get(threshold.name)
        if not names:
            continue
        side = (
            f"above {threshold.above:g}"
            if threshold.above is not None
            else (f"below {threshold.below:g}")
        )
        unit = "children" if threshold.measure == "children" else "points"
        action = threshold.action or "action needed"
        if threshold.approval:
            action = f"{threshold.approval.replace('_', ' ')} agreement; {action}"
        out.append(f"  {threshold.name} ({side} {unit} per FTE): {', '.join(names)}: {action}")
    return out


def _evenness(result: Any, s: dict[str, Any]) -> list[str]:
    """How even each team is in children per FTE, now and allocating by hand."""
    by_hand = s["model"].get("greedy_children", {})
    spreads: list[tuple[float, str, float, float]] = []
    hand: list[float] = []
    teams: dict[str, list[Any]] = {}
    for w in result.workers:
        if w.capacity > 0 and w.fte_available > 0 and w.accepting:
            teams.setdefault(w.team_id, []).append(w)
    for team, workers in sorted(teams.items()):
        if len(workers) < 2:
            continue
        after = [w.children_after / w.fte_available for w in workers]
        spreads.append((max(after) - min(after), team, min(after), max(after)))
        if by_hand:
            greedy = [by_hand.get(w.worker_id, w.children_after) / w.fte_available for w in workers]
            hand.append(max(greedy) - min(greedy))
    if not spreads:
        return []
    spreads.sort(key=lambda x: (-x[0], x[1]))
    middle = sorted(x[0] for x in spreads)[len(spreads) // 2]
    widest, team, low, high = spreads[0]
    line = (
        f"Evenness in children per FTE, among workers taking new work: in {team}, the widest, "
        f"from {per_fte(low)} to {per_fte(high)} (spread {per_fte(widest)})"
    )
    if len(spreads) > 1:
        line += f"; the median team's spread is {per_fte(middle)}"
    out = [line + "."]
    if hand:
        by_hand_middle = sorted(hand)[len(hand) // 2]
        out.append(
            f"Allocating by hand (heaviest first to the least loaded), the median team's "
            f"spread would be {per_fte(by_hand_middle)}."
        )
    return out
