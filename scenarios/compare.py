"""The comparison of a plan's variants: one row per variant, ``base`` first.

The columns of ``comparison.csv`` are fixed by ``scenario-format.md``
(:data:`CONTRACT_COLUMNS`); :data:`EXTRA_COLUMNS` follow them. Every figure is
read from the engine's result for the variant.
"""

from __future__ import annotations

from typing import Any

from allocator import summary
from models import AllocationResult, ProblemData

CONTRACT_COLUMNS = [
    "variant",
    "case_holding_fte",
    "children",
    "children_allocated",
    "children_unallocated",
    "mean_children_per_fte",
    "max_children_per_fte",
    "workers_above_cap",
    "workers_above_threshold",
    "sibling_groups_split",
    "objective",
    "fte_needed",
]
EXTRA_COLUMNS = [
    "children_newly_allocated",
    "children_no_new_post_can_take",
    "status",
    "gap",
    "fte_needed_proven",
    "wall_limited",
]
COLUMNS = CONTRACT_COLUMNS + EXTRA_COLUMNS

KEY_MEASURES = {
    "children_unallocated": "Children waiting",
    "workers_above_cap": "Workers above cap",
    "mean_children_per_fte": "Mean children per FTE",
    "max_children_per_fte": "Most children per FTE",
    "fte_needed": "FTE needed",
    "workers_above_threshold": "Workers in a threshold band",
}
"""The measures charted per variant, with their titles."""


def comparison_row(
    name: str,
    data: ProblemData,
    result: AllocationResult,
    fte_needed: float | None,
    stuck: int,
    fte_proven: bool,
) -> dict[str, Any]:
    """One variant's row of ``comparison.csv`` from its data and the engine's result.

    ``children_allocated`` counts children with a worker after the run (kept,
    moved or newly allocated), so ``children = children_allocated +
    children_unallocated``; ``children_newly_allocated`` is the engine's own
    count. Children per FTE are over case-holding FTE (roles that carry
    cases). A worker is above cap when the children or weighted load they hold
    after the run exceed their cap (held children stay, so a cap lowered by the
    variant shows here). ``workers_above_threshold`` counts workers in any of
    the policy's threshold bands.
    """
    info = summary(result)
    fte = {w.worker_id: w.fte for w in data.workers if w.role.carries_cases}
    case_holding = round(sum(fte.values()), 4)
    held = sum(1 for a in result.allocations if a.worker_id is not None)
    per_fte = [w.children_after / fte[w.worker_id] for w in result.workers if w.worker_id in fte]
    above_cap = sum(
        1
        for w in result.workers
        if w.capacity > 0
        and (
            (w.max_children is not None and w.children_after > w.max_children)
            or (w.max_load is not None and w.load_after > w.max_load + 1e-9)
        )
    )
    return {
        "variant": name,
        "case_holding_fte": case_holding,
        "children": len(result.allocations),
        "children_allocated": held,
        "children_unallocated": result.children_unallocated,
        "mean_children_per_fte": round(held / case_holding, 2) if case_holding else None,
        "max_children_per_fte": round(max(per_fte), 2) if per_fte else None,
        "workers_above_cap": above_cap,
        "workers_above_threshold": sum(info["workers_above_threshold"].values()),
        "sibling_groups_split": info["sibling_groups_split"],
        "objective": result.objective,
        "fte_needed": fte_needed,
        "children_newly_allocated": result.children_allocated,
        "children_no_new_post_can_take": stuck,
        "status": result.status.value,
        "gap": info["gap"],
        "fte_needed_proven": fte_proven,
        "wall_limited": bool(result.stats.get("wall_limited", False)),
    }


def differences(rows: list[dict[str, Any]]) -> list[list[str]]:
    """The comparison as text cells, each variant's values that differ from ``base``
    followed by the difference: ``12 (+3)``; ``*`` marks a changed text value."""
    base = rows[0]
    table = []
    for row in rows:
        cells = []
        for column in [*CONTRACT_COLUMNS, "status"]:
            value = row[column]
            text = _text(value)
            if row is not base and column != "variant" and value != base[column]:
                if isinstance(value, int | float) and isinstance(base[column], int | float):
                    delta = value - base[column]
                    if not isinstance(value, bool):
                        text += f" ({'+' if delta > 0 else ''}{_text(round(delta, 2))})"
                else:
                    text += " *"
            cells.append(text)
        table.append(cells)
    return table


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value == value else "n/a"
    return str(value)
