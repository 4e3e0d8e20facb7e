"""Complete hints for CP-SAT: every variable's value under an assignment.

A complete hint (the greedy baseline, then each stage's answer) is what CP-SAT
benefits from; partial hints help little (shared/spec/cpsat-notes.md). Hints
are relabelled to satisfy the symmetry breaking, so they stay feasible.
"""

from __future__ import annotations

from ortools.sat.python import cp_model, cp_model_helper

from allocator.cpsat.constraints.symmetry import group_children
from allocator.cpsat.model import Built
from allocator.cpsat.variables import Component
from allocator.prepare import Instance, effective_weights


def set_hint(
    built: Built, inst: Instance, comp: Component, assignment: dict[int, int | None]
) -> dict[int, int]:
    """A complete hint: every variable's value under ``assignment`` (returned by index)."""
    model, v = built.model, built.v
    model.clear_hints()
    values: dict[int, int] = {}

    def hint(var: cp_model.IntVar, value: int | bool) -> None:
        model.add_hint(var, value)
        values[var.index] = int(value)

    # Only the component's children and those its workers keep count towards its
    # workers' loads (a sibling held elsewhere discounts nothing here), so the hint
    # costs the component's size, not the authority's.
    full: dict[int, int | None] = {c: w for w, kept in comp.fixed.items() for c in kept}
    full.update((c, assignment.get(c)) for c in comp.children)
    order = sorted(full)
    relevant = [inst.children[c] for c in order]
    weights = dict(zip(order, effective_weights(relevant, full), strict=True))

    def holder(c: int) -> int | None:
        return full[c] if c in full else inst.children[c].current

    for (c, w), x in v.assign.items():
        hint(x, full[c] == w)
    for (family, w), h in v.holds_family.items():
        hint(h, any(holder(c) == w for c in inst.families[family]))
    for (c, w), t in v.together.items():
        members = inst.families[inst.children[c].family or ""]
        hint(t, full[c] == w and any(holder(s) == w for s in members if s != c))
    loads: dict[int, int] = dict.fromkeys(v.load, 0)
    counts: dict[int, int] = {}
    complex_counts: dict[int, int] = {}
    for ch in relevant:
        holder_w = full[ch.index]
        if holder_w is None or not ch.active:
            continue
        counts[holder_w] = counts.get(holder_w, 0) + 1
        complex_counts[holder_w] = complex_counts.get(holder_w, 0) + ch.complex
        if holder_w in loads:
            loads[holder_w] += inst.units(weights[ch.index])
    for w, load in v.load.items():
        hint(load, loads[w])
        extra = loads[w] - v.load_offset[w]
        hint(v.excess[w], extra)
        hint(v.square[w], extra * extra)
    for w, count in v.complex_count.items():
        hint(count, complex_counts.get(w, 0))
        hint(v.complex_square[w], complex_counts.get(w, 0) ** 2)
    for var, pairs, constant in v.indicators:
        hint(var, constant or any(full[c] == w for c, w in pairs))
    for w, crosses in v.crosses.items():
        held = {"children": counts.get(w, 0), "load": loads.get(w, 0)}
        hint(crosses, any(held[measure] > limit for measure, limit in v.crossing_limits[w]))
    return values


def ordered_for_symmetry(
    built: Built, inst: Instance, hint: dict[int, int | None]
) -> dict[int, int | None]:
    """Relabel interchangeable workers in ``hint`` the way symmetry breaking requires:
    by the first child (heaviest first) each holds."""
    relabel: dict[int, int] = {}
    for group in built.groups:
        rank = {c: k for k, c in enumerate(group_children(inst, built.v, group))}
        first = {
            w: min((rank[c] for c, h in hint.items() if h == w and c in rank), default=len(rank))
            for w in group
        }
        by_first = sorted(group, key=lambda w: (first[w], w))
        relabel.update(zip(by_first, group, strict=True))
    return {c: relabel.get(w, w) if w is not None else None for c, w in hint.items()}


def ordered_children(
    inst: Instance, groups: list[list[int]], hint: dict[int, int | None]
) -> dict[int, int | None]:
    """Swap interchangeable children in ``hint`` so their workers' ranks are ascending."""
    out = dict(hint)
    for group in groups:
        ranks = {w: k for k, w in enumerate(inst.children[group[0]].candidates)}
        workers = sorted((out[c] for c in group), key=lambda w: ranks[w])  # type: ignore[index]
        out.update(zip(group, workers, strict=True))
    return out


def hint_value(expr: cp_model.LinearExpr, hints: dict[int, int]) -> int:
    """Value of ``expr`` under the complete hint (variable index -> value)."""
    flat = cp_model_helper.FlatIntExpr(expr)
    return flat.offset + sum(
        c * hints[var.index] for var, c in zip(flat.vars, flat.coeffs, strict=True)
    )
