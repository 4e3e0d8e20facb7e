"""Build a variant: the plan's base with each change applied in the order written.

Every change kind of ``scenario-format.md`` is one function ``(state, change)
-> state`` in :data:`APPLY`; a change that cannot apply raises
:class:`ChangeError` with the reason, which :func:`build_variant` prefixes
with the plan file, the variant and the change. Nothing here solves.
"""

from __future__ import annotations

import difflib
import json
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError

from models import Child, Policy, PolicyError, ProblemData, Role, load_policy, working_days
from scenarios import workforce
from scenarios.plan import (
    AddWorkers,
    AsyeCohort,
    ChangeFte,
    Demand,
    Leave,
    MoveWorker,
    Plan,
    PlanError,
    PolicyChange,
    ReduceFte,
    RemoveWorkers,
    Variant,
)

RELEASE_AFTER_WORKING_DAYS = 15
"""Leave longer than this many working days releases the worker's children (Barnet 001
s.3.12), unless the change says ``release``."""


class ChangeError(ValueError):
    """A change cannot apply to the variant as built so far; the message says why."""


@dataclass(frozen=True)
class VariantState:
    """A variant as built so far: its data, the policy in force and who is released."""

    data: ProblemData
    policy: Policy
    as_of: date
    seed: int
    folder: Path
    release: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    drawn: dict[str, int] = field(default_factory=dict)
    """How often each demand change has drawn so far (a key of its draws)."""


def _close(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=3)
    return f"; did you mean {', '.join(map(repr, close))}?" if close else ""


def _team(state: VariantState, team: str) -> str:
    teams = [t.team_id for t in state.data.teams]
    if team not in teams:
        raise ChangeError(f"unknown team {team!r}{_close(team, teams)}")
    return team


def _workers(state: VariantState, ids: list[str]) -> list[str]:
    known = [w.worker_id for w in state.data.workers]
    unknown = [w for w in ids if w not in known]
    if unknown:
        hints = "".join(_close(w, known) for w in unknown[:1])
        raise ChangeError(f"unknown worker {', '.join(map(repr, unknown))}{hints}")
    return ids


def _service_teams(state: VariantState, service: str) -> set[str]:
    services = sorted({t.service for t in state.data.teams})
    if service not in services:
        raise ChangeError(
            f"unknown service {service!r}; the data's services: {', '.join(services)}"
            + _close(service, services)
        )
    return {t.team_id for t in state.data.teams if t.service == service}


def _add_workers(state: VariantState, change: AddWorkers) -> VariantState:
    team = _team(state, change.team)
    skills = frozenset(s.strip() for s in change.skills.split(";") if s.strip())
    data, _ = workforce.add_posts(
        state.data, team, [change.fte] * change.count, change.role, skills, change.asye_start
    )
    return replace(state, data=data)


def _remove_workers(state: VariantState, change: RemoveWorkers) -> VariantState:
    gone = set(_workers(state, change.workers))
    data = workforce.remove_workers(state.data, gone)
    return replace(state, data=data, release=tuple(w for w in state.release if w not in gone))


def _reduce_fte(state: VariantState, change: ReduceFte) -> VariantState:
    teams = (
        {_team(state, change.team)} if change.team else _service_teams(state, change.service or "")
    )
    try:
        data, cut = workforce.reduce_fte(state.data, state.policy, state.as_of, teams, change.fte)
    except ValueError as exc:
        raise ChangeError(str(exc)) from None
    note = f"posts removed: {', '.join(cut.removed) or 'none'}"
    if cut.cut:
        note += f"; {cut.cut[0]} cut from {cut.cut[1]:g} to {cut.cut[2]:g} FTE"
    release = tuple(w for w in state.release if w not in cut.removed)
    return replace(state, data=data, release=release, notes=(*state.notes, note))


def _change_fte(state: VariantState, change: ChangeFte) -> VariantState:
    (wid,) = _workers(state, [change.worker])
    workers = tuple(
        w.model_copy(update={"fte": change.fte}) if w.worker_id == wid else w
        for w in state.data.workers
    )
    return replace(state, data=state.data.model_copy(update={"workers": workers}))


def _leave(state: VariantState, change: Leave) -> VariantState:
    ids = _workers(state, change.workers)
    if not change.start <= state.as_of <= change.end:
        raise ChangeError(
            f"the leave from {change.start.isoformat()} to {change.end.isoformat()} does not "
            f"cover the plan's as_of {state.as_of.isoformat()}, so it would change nothing"
        )
    release = change.release
    if release is None:
        release = working_days(change.start, change.end) > RELEASE_AFTER_WORKING_DAYS
    workers = tuple(
        w.model_copy(update={"accepting": False}) if w.worker_id in ids else w
        for w in state.data.workers
    )
    released = tuple(dict.fromkeys((*state.release, *ids))) if release else state.release
    return replace(state, data=state.data.model_copy(update={"workers": workers}), release=released)


def _move_worker(state: VariantState, change: MoveWorker) -> VariantState:
    (wid,) = _workers(state, [change.worker])
    team = _team(state, change.team)
    workers = tuple(
        w.model_copy(update={"team_id": team}) if w.worker_id == wid else w
        for w in state.data.workers
    )
    children = tuple(
        c.model_copy(update={"team_id": team}) if c.worker_id == wid else c
        for c in state.data.children
    )
    return replace(
        state, data=state.data.model_copy(update={"workers": workers, "children": children})
    )


def _asye_cohort(state: VariantState, change: AsyeCohort) -> VariantState:
    team = _team(state, change.team)
    if change.start > state.as_of:
        raise ChangeError(
            f"start {change.start.isoformat()} is after the plan's as_of "
            f"{state.as_of.isoformat()}: the cohort would not have joined yet"
        )
    data, _ = workforce.add_posts(
        state.data, team, [change.fte] * change.count, Role.ASYE, frozenset(), change.start
    )
    return replace(state, data=data)


def _scope(state: VariantState, change: Demand) -> list[Child]:
    if change.team is not None:
        team = _team(state, change.team)
        return [c for c in state.data.children if c.team_id == team]
    if change.service is not None:
        teams = _service_teams(state, change.service)
        return [c for c in state.data.children if c.team_id in teams]
    categories = sorted({c.category for c in state.data.children})
    if change.category not in categories:
        raise ChangeError(
            f"unknown category {change.category!r}; the data's categories: {', '.join(categories)}"
        )
    return [c for c in state.data.children if c.category == change.category]


def _demand(state: VariantState, change: Demand) -> VariantState:
    """New referrals drawn from the scope's own children: a child picked at random brings
    its category, weight, level, flags, distance, skill and patch; a child with siblings
    brings a new sibling group of the same size (cut to what is left to draw). A new
    referral is never awaiting closure."""
    scope = _scope(state, change)
    if not scope:
        raise ChangeError("no children in that scope to draw the mix of new referrals from")
    count = change.count
    if count is None:
        count = math.floor(len(scope) * (change.percent or 0) / 100 + 0.5)
    key = json.dumps(change.model_dump(mode="json", by_alias=True), sort_keys=True)
    occurrence = state.drawn.get(key, 0)
    rng = np.random.default_rng([zlib.crc32(key.encode()), occurrence, state.seed])
    families: dict[str, list[Child]] = {}
    for c in state.data.children:
        if c.family_id is not None:
            families.setdefault(c.family_id, []).append(c)
    used = {c.child_id for c in state.data.children}
    used_families = set(families)
    new: list[Child] = []
    serial = {"child": 0, "family": 0}

    def next_id(kind: str, team: str, taken: set[str]) -> str:
        while True:
            serial[kind] += 1
            candidate = f"{team}-REF-{'F' if kind == 'family' else ''}{serial[kind]}"
            if candidate not in taken:
                taken.add(candidate)
                return candidate

    while len(new) < count:
        template = scope[int(rng.integers(len(scope)))]
        members = families.get(template.family_id or "", [template])
        members = members[: count - len(new)]
        family = next_id("family", template.team_id, used_families) if len(members) > 1 else None
        for member in members:
            new.append(
                member.model_copy(
                    update={
                        "child_id": next_id("child", template.team_id, used),
                        "team_id": template.team_id,
                        "worker_id": None,
                        "family_id": family,
                        "previous_worker_id": None,
                        "referred_on": state.as_of,
                        "awaiting_closure": False,
                    }
                )
            )
    data = state.data.model_copy(update={"children": state.data.children + tuple(new)})
    return replace(state, data=data, drawn={**state.drawn, key: occurrence + 1})


def _set_key(policy: Policy, dotted: str, value: Any) -> dict[str, Any]:
    """The policy as a dict with one dotted key set; unknown keys raise ``ChangeError``."""
    raw = policy.model_dump(mode="json")
    parts = dotted.split(".")
    node: Any = raw
    model: Any = policy
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(model, BaseModel):
            fields = list(type(model).model_fields)
            if part not in fields:
                raise ChangeError(
                    f"set: unknown key {dotted!r}: {'.'.join(parts[:depth]) or 'the policy'} "
                    f"has no {part!r} (keys: {', '.join(fields)})"
                )
            model = getattr(model, part)
        elif isinstance(model, dict):
            if part not in model and not last:
                known = ", ".join(map(str, model)) or "none"
                raise ChangeError(
                    f"set: unknown key {dotted!r}: no {part!r} in "
                    f"{'.'.join(parts[:depth])} (keys: {known})"
                )
            model = model.get(part)
        else:
            raise ChangeError(f"set: unknown key {dotted!r}: {'.'.join(parts[:depth])} is a value")
        if last:
            node[part] = value
        else:
            node = node.setdefault(part, {})
    return raw


def _policy(state: VariantState, change: PolicyChange) -> VariantState:
    policy = state.policy
    if change.preset is not None or change.file is not None:
        source = (
            change.preset if change.preset is not None else str(state.folder / (change.file or ""))
        )
        try:
            policy = load_policy(source)
        except PolicyError as exc:
            raise ChangeError(str(exc)) from None
    for dotted, value in change.set.items():
        raw = _set_key(policy, dotted, value)
        try:
            policy = Policy.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or dotted
            raise ChangeError(f"set {dotted!r}: {where}: {first['msg']}") from None
    data_services = sorted({t.service for t in state.data.teams})
    for old, new in change.services.items():
        if old not in data_services:
            raise ChangeError(
                f"services: the data has no service {old!r} (its services: "
                f"{', '.join(data_services)})"
            )
        if new not in policy.services:
            raise ChangeError(
                f"services: {old!r} maps to {new!r}, which policy {policy.name!r} lacks "
                f"(its services: {', '.join(policy.services)})"
            )
    teams = tuple(
        t.model_copy(update={"service": change.services[t.service]})
        if t.service in change.services
        else t
        for t in state.data.teams
    )
    unmapped = sorted({t.service for t in teams if t.service not in policy.services})
    if unmapped:
        raise ChangeError(
            f"policy {policy.name!r} has no service for the data's {', '.join(unmapped)}. "
            f"The data's services: {', '.join(data_services)}; the policy's: "
            f"{', '.join(policy.services)}. Map each to the policy's service whose rules "
            f'should apply: services = {{ {unmapped[0]} = "..." }}'
        )
    return replace(state, policy=policy, data=state.data.model_copy(update={"teams": teams}))


APPLY: dict[str, Callable[[VariantState, Any], VariantState]] = {
    "add_workers": _add_workers,
    "remove_workers": _remove_workers,
    "reduce_fte": _reduce_fte,
    "change_fte": _change_fte,
    "leave": _leave,
    "move_worker": _move_worker,
    "asye_cohort": _asye_cohort,
    "demand": _demand,
    "policy": _policy,
}
"""Each change kind of the plan format, applied to a variant as built so far."""


def build_variant(plan: Plan, variant: Variant, base: ProblemData, policy: Policy) -> VariantState:
    """The variant's data, policy and releases: the base with every change applied in order.

    Raises
    ------
    PlanError
        Every change that cannot apply (unknown team, worker, service or key,
        a leave or cohort outside the plan's date, a team left with children
        and no case-holder), each line naming the plan file, the variant and the
        change. Later changes are still checked against the variant as built
        without the failed ones.
    """
    state = VariantState(
        data=base, policy=policy, as_of=plan.as_of, seed=plan.seed, folder=plan.folder
    )
    problems: list[str] = []
    for number, change in enumerate(variant.changes, start=1):
        head = f"{plan.file}: variant {variant.name!r}: change {number} ({change.kind})"
        before = workforce.teams_without_holder(state.data)
        try:
            after = APPLY[change.kind](state, change)
            orphaned = sorted(workforce.teams_without_holder(after.data) - before)
            if orphaned:
                raise ChangeError(
                    f"leaves team {', '.join(orphaned)} with children and no case-holder"
                )
            ProblemData.model_validate(after.data.model_dump())
        except ChangeError as exc:
            problems.append(f"{head}: {exc}")
            continue
        except ValidationError as exc:
            problems.append(f"{head}: {exc.errors()[0]['msg']}")
            continue
        state = after
    if problems:
        raise PlanError(problems)
    return state
