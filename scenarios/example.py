"""A synthetic English local authority, shaped by the DfE workforce statistics.

:func:`generate_authority` builds a realistic but entirely made-up
``ProblemData``: teams across a policy's services, each with a team manager
and 5-6 case-holding FTE (a few deliberately outside the span), part-time and
ASYE workers, existing children spread unevenly (some workers above the cap),
sibling groups, and a batch of new referrals waiting for a worker. Every
identifier is pseudonymous (``T01``, ``W001``, ``C00001``, ``F0001``) and no
name of a real person appears. The same seed always gives the same data.

:func:`dfe_profile` (from :mod:`scenarios.dfe`) reads one authority's row of
the official statistics, so an example can take its size from a real
authority; the generator itself never needs that file.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from datetime import date, timedelta
from random import Random

from models import Child, Policy, ProblemData, Role, ServicePolicy, Team, Worker
from scenarios.dfe import DFE_CSV, dfe_profile

__all__ = [
    "DFE_CSV",
    "EXISTING_PER_FTE",
    "STOCKTON_2024_CASELOAD_PER_FTE",
    "STOCKTON_2024_CASE_HOLDING_FTE",
    "dfe_profile",
    "generate_authority",
    "service_kind",
]

# Stockton-on-Tees, 2024 (shared/data/dfe/README.md): 140.5 case-holding FTE
# holding 2,516 cases, 17.9 per FTE, one of the higher caseloads in England.
STOCKTON_2024_CASE_HOLDING_FTE = 140.5
STOCKTON_2024_CASELOAD_PER_FTE = 17.9
STOCKTON_2024_CASES = 2516
DEFAULT_NEW_REFERRALS = 250
EXISTING_PER_FTE = round(
    (STOCKTON_2024_CASES - DEFAULT_NEW_REFERRALS) / STOCKTON_2024_CASE_HOLDING_FTE, 2
)
"""16.13: existing children per FTE so that, with the batch of new referrals, the
authority holds Stockton's 2,516 cases (the DfE figure counts allocated cases)."""

SKILLS = {"life_story": 0.08, "dv": 0.10, "contextual_safeguarding": 0.06, "bsl": 0.02}
"""Probability that a case-holding worker has each skill (``court`` depends on role)."""
LOCALITIES = ("N", "S", "E", "W")
RISK_FLAGS = {"dv": 0.10, "substance": 0.06, "neglect": 0.08, "non_engagement": 0.05}

PART_TIME_SHARE = 0.13
"""Chance a worker is drawn part-time; a team's odd 0.5 FTE adds more (about 20% in all)."""
PART_TIME_FTE = (0.5, 0.6, 0.8)
ASYE_SHARE_OF_FULL_TIME = 0.14
"""ASYE workers are full time; 14% of full-timers is about 12% of case holders."""
SIBLING_GROUP_SHARE = 0.176
"""Chance a family is a sibling group; with sizes 2-4 about 35% of children have a sibling."""
SIBLING_SIZES = ((2, 3, 4), (60, 28, 12))
CHILDREN_PER_CASE = 1.2
"""About how many children a case (a family) holds in the example's mix of families."""
SPLIT_SIBLINGS = 0.12
"""Chance an existing sibling group is held by two workers rather than one."""
TEAM_FTE = 5.0
"""Case-holding FTE of a usual team: the ideal span of 5 (Merton 002 s.3.1); some
teams get 4.5 or 7 instead, so span findings appear."""


@dataclass(frozen=True)
class _Kind:
    """What a kind of service holds: its share of teams and its children's profile."""

    weight: float
    """Share of teams, relative to other services."""
    categories: dict[str, float]
    """Category mix of its children (only the policy's categories are used)."""
    referred_days: tuple[int, int]
    """Range of days since referral of the children it already holds."""
    court: float
    """Chance a family is in court proceedings."""
    far: float
    """Chance a child is placed over 20 miles away."""
    missing: float
    """Chance a child has been missing (exploitation a little less often)."""


KINDS = {
    "assessment": _Kind(3.0, {"cin": 0.85, "cp": 0.15}, (3, 60), 0.03, 0.04, 0.02),
    "cin": _Kind(4.0, {"cin": 0.55, "cp": 0.45}, (30, 900), 0.13, 0.05, 0.03),
    "cp": _Kind(2.5, {"cp": 0.85, "cin": 0.15}, (30, 700), 0.15, 0.05, 0.03),
    "disabled": _Kind(1.0, {"cin": 0.8, "cp": 0.05, "cla": 0.15}, (60, 2500), 0.04, 0.08, 0.02),
    "cla": _Kind(2.5, {"cla": 1.0}, (60, 3000), 0.22, 0.20, 0.08),
    "permanence": _Kind(1.0, {"cla": 1.0}, (180, 2500), 0.15, 0.20, 0.03),
    "leaving_care": _Kind(1.5, {"care_leaver": 0.55, "cla": 0.45}, (365, 4000), 0.03, 0.18, 0.08),
    "youth_justice": _Kind(0.75, {"cin": 0.6, "cla": 0.3, "cp": 0.1}, (30, 700), 0.12, 0.08, 0.10),
    "other": _Kind(1.5, {}, (30, 1500), 0.08, 0.10, 0.04),
}
_KIND_WORDS = (
    ("leaving_care", ("leaving", "care_leaver", "care leaver")),
    ("disabled", ("disab",)),
    ("youth_justice", ("youth", "justice")),
    ("permanence", ("adoption", "fostering", "permanence")),
    ("assessment", ("assess", "first_response", "first response", "duty", "front_door", "mash")),
    ("cla", ("in_care", "in care", "looked_after", "looked after")),
    ("cp", ("protection",)),
    ("cin", ("cin", "need", "intervention", "planning", "safeguarding", "family")),
)


def service_kind(key: str, label: str | None = None) -> str:
    """Kind of a service (``assessment``, ``cin``, ``cla``, ...) from its key, else label.

    Examples
    --------
    >>> service_kind("intervention_planning"), service_kind("T9", "Leaving Care (14+)")
    ('cin', 'leaving_care')
    """
    if key.lower() in KINDS:
        return key.lower()
    for text in (key.lower(), (label or "").lower()):
        for kind, words in _KIND_WORDS:
            if any(word in text for word in words):
                return kind
    return "other"


def generate_authority(
    policy: Policy,
    *,
    seed: int = 0,
    case_holding_fte: float = STOCKTON_2024_CASE_HOLDING_FTE,
    caseload_per_fte: float = EXISTING_PER_FTE,
    new_referrals: int = DEFAULT_NEW_REFERRALS,
    as_of: date = date(2026, 11, 23),
    authorities: int = 1,
) -> ProblemData:
    """A synthetic local authority (or several) for examples, tests and benchmarks.

    Parameters
    ----------
    policy
        Its services become the teams' services (more children in need and
        assessment teams than others) and its weighting's categories the
        children's categories.
    seed
        Same seed, same data.
    case_holding_fte, caseload_per_fte
        Size of each authority: case-holding FTE and existing children per
        FTE (defaults: Stockton-on-Tees 2024, 140.5 FTE and 2,516 cases once the
        new referrals are allocated; see :func:`dfe_profile`).
    new_referrals
        Children per authority waiting for a worker (empty ``worker_id``).
    as_of
        The allocation date: ASYE starts and referrals lie before it.
    authorities
        Above 1, authorities ``A01``, ``A02``... are generated side by side,
        their identifiers prefixed (``A02-T01``, ``A02-W001``).

    Examples
    --------
    >>> from models import load_policy
    >>> data = generate_authority(load_policy("default"))
    >>> sum(c.worker_id is None for c in data.children)
    250
    """
    if not (0 < case_holding_fte <= 5000) or not (0 <= caseload_per_fte <= 100):
        raise ValueError(
            "case_holding_fte must be > 0 and <= 5000, caseload_per_fte >= 0 and <= 100"
        )
    if new_referrals < 0 or authorities < 1:
        raise ValueError("new_referrals must be >= 0 and authorities >= 1")
    categories = list(policy.weighting.category)
    if not categories:
        raise ValueError("the policy's weighting names no categories to give children")
    teams: list[Team] = []
    workers: list[Worker] = []
    children: list[Child] = []
    for a in range(authorities):
        prefix = f"A{a + 1:02d}-" if authorities > 1 else ""
        rng = Random(seed) if a == 0 else Random(f"{seed}/{a}")
        authority = _Authority(policy, rng, prefix, as_of)
        authority.staff(case_holding_fte)
        authority.existing_children(round(case_holding_fte * caseload_per_fte))
        authority.referrals(new_referrals)
        teams += authority.teams
        workers += authority.workers
        children += authority.children
    return ProblemData(
        teams=tuple(teams),
        workers=tuple(workers),
        children=tuple(children),
        source=(
            f"synthetic authority (seed {seed}, {authorities} x {case_holding_fte} "
            f"case-holding FTE, {caseload_per_fte} children per FTE, "
            f"{new_referrals} new referrals, as of {as_of.isoformat()})"
        ),
    )


def apportion(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainders; ties to the first)."""
    whole = sum(weights)
    if total <= 0 or whole <= 0:
        return [0] * len(weights)
    shares = [total * w / whole for w in weights]
    counts = [math.floor(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: (counts[i] - shares[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


@dataclass(frozen=True)
class _Family:
    """What siblings share: category, patch, placement distance, court, referral."""

    family_id: str | None
    category: str
    locality: str
    distance: float
    court: bool
    referred: date


def _months_before(day: date, months: int) -> date:
    month = day.year * 12 + day.month - 1 - months
    return date(month // 12, month % 12 + 1, min(day.day, 28))


class _Authority:
    """Builds one authority: teams and staff, then its children, then referrals."""

    def __init__(self, policy: Policy, rng: Random, prefix: str, as_of: date) -> None:
        self.policy = policy
        self.rng = rng
        self.prefix = prefix
        self.as_of = as_of
        self.teams: list[Team] = []
        self.workers: list[Worker] = []
        self.children: list[Child] = []
        self.kind: dict[str, _Kind] = {}  # team_id -> kind of its service
        self.mix: dict[str, dict[str, float]] = {}  # team_id -> category mix
        self.holders: dict[str, list[Worker]] = {}  # team_id -> case-holding workers
        self.families: dict[str, list[str]] = {}  # team_id -> family ids
        self.family_of: dict[str, _Family] = {}  # family id -> shared attributes
        self.quota: dict[str, int] = {}  # team_id -> existing children
        self.patch: dict[str, str] = {}  # team_id -> the locality it mostly covers
        self.team_of: dict[str, Team] = {}

    # -- teams and workers -------------------------------------------------------------

    def _team_sizes(self, case_holding_fte: float) -> list[int]:
        """Case-holding FTE of each team in tenths: mostly 5-6, a few at 4.5 or 7."""
        tenths = round(case_holding_fte * 10)
        pairs = max(1, round(case_holding_fte / TEAM_FTE) // 12) if case_holding_fte >= 16 else 0
        normal_tenths = tenths - pairs * (45 + 70)
        n = max(1, normal_tenths // round(TEAM_FTE * 10))  # every usual team >= TEAM_FTE
        sizes = [min(50, normal_tenths // n)] * n
        left = normal_tenths - sum(sizes)
        while left > 0:  # hand out the rest in halves (tenths at the end), up to 6 FTE a team
            room = [i for i in range(n) if sizes[i] < 60]
            if not room:
                sizes[self.rng.randrange(n)] += left
                break
            i = self.rng.choice(room)
            step = min(left, 5, 60 - sizes[i])
            sizes[i] += step
            left -= step
        sizes += [45, 70] * pairs
        self.rng.shuffle(sizes)
        return sizes

    def staff(self, case_holding_fte: float) -> None:
        sizes = self._team_sizes(case_holding_fte)
        services = list(self.policy.services)
        kinds = [service_kind(s, self.policy.services[s].label) for s in services]
        weights = [KINDS[k].weight for k in kinds]
        if len(sizes) >= len(services):
            counts = [1 + c for c in apportion(len(sizes) - len(services), weights)]
        else:  # fewer teams than services: the busiest services only
            top = sorted(range(len(services)), key=lambda i: (-weights[i], i))[: len(sizes)]
            counts = [int(i in top) for i in range(len(services))]
        size_iter = iter(sizes)
        for service, kind, count in zip(services, kinds, counts, strict=True):
            label = self.policy.services[service].label or service.replace("_", " ").title()
            for k in range(count):
                self._team(service, kind, f"{label} {k + 1}", next(size_iter), k == 0)

    def _next_worker_id(self) -> str:
        return f"{self.prefix}W{len(self.workers) + 1:03d}"

    def _team(self, service: str, kind: str, name: str, tenths: int, first: bool) -> None:
        team_id = f"{self.prefix}T{len(self.teams) + 1:02d}"
        patch = LOCALITIES[len(self.teams) % len(LOCALITIES)]
        manager = Worker(
            worker_id=self._next_worker_id(),
            team_id=team_id,
            role=Role.TEAM_MANAGER,
            fte=1,
            locality=patch,
        )
        self.workers.append(manager)
        team = Team(team_id=team_id, service=service, manager_id=manager.worker_id, name=name)
        self.teams.append(team)
        self.team_of[team_id] = team
        if first:
            self.workers.append(
                Worker(
                    worker_id=self._next_worker_id(),
                    team_id=team_id,
                    role=Role.HEAD_OF_SERVICE,
                    fte=1,
                )
            )
        self.kind[team_id] = KINDS[kind]
        self.patch[team_id] = patch
        mix = {
            c: p for c, p in KINDS[kind].categories.items() if c in self.policy.weighting.category
        }
        self.mix[team_id] = mix or dict.fromkeys(self.policy.weighting.category, 1.0)
        holders = []
        for fte in self._ftes(tenths):
            holders.append(self._case_holder(team_id, fte, patch))
            self.workers.append(holders[-1])
        self.holders[team_id] = holders

    def _ftes(self, tenths: int) -> list[float]:
        """Contracted FTEs adding up to ``tenths / 10``; about 20% part-time."""
        ftes: list[int] = []
        left = tenths
        while left >= 10:
            fte = (
                round(10 * self.rng.choice(PART_TIME_FTE))
                if self.rng.random() < PART_TIME_SHARE
                else 10
            )
            ftes.append(fte)
            left -= fte
        part = [i for i, f in enumerate(ftes) if f + left < 10]
        if left >= 5 or (left and not part and 10 not in ftes):
            ftes.append(left)
        elif left and part:
            ftes[part[0]] += left
        elif left:  # split a full-timer: 1.0 + 0.3 -> 0.5 + 0.8
            ftes[ftes.index(10)] = 5
            ftes.append(5 + left)
        return [f / 10 for f in ftes]

    def _case_holder(self, team_id: str, fte: float, patch: str) -> Worker:
        rng = self.rng
        asye_start = None
        if fte == 1 and rng.random() < ASYE_SHARE_OF_FULL_TIME:
            role = Role.ASYE
            asye_start = _months_before(self.as_of, rng.randint(0, 11)) - timedelta(
                days=rng.randint(0, 20)
            )
        else:
            r = rng.random()
            role = (
                Role.ADVANCED_PRACTITIONER
                if r < 0.05
                else Role.SENIOR_PRACTITIONER
                if r < 0.20
                else Role.SOCIAL_WORKER
            )
        skills = [s for s, p in SKILLS.items() if rng.random() < p]
        court = 0.02 if role is Role.ASYE else 0.35 if role is not Role.SOCIAL_WORKER else 0.12
        if rng.random() < court:
            skills.append("court")
        service = self.policy.services[self.team_of[team_id].service]
        max_children = None
        if role is not Role.ASYE and rng.random() < 0.04:  # an agreed individual cap
            max_children = max(1, math.floor(self._per_fte(service) * fte * rng.uniform(0.5, 0.8)))
        return Worker(
            worker_id=self._next_worker_id(),
            team_id=team_id,
            role=role,
            fte=fte,
            asye_start=asye_start,
            max_children=max_children,
            accepting=rng.random() >= 0.05,
            skills=frozenset(skills),
            locality=patch if rng.random() < 0.7 else rng.choice(LOCALITIES),
        )

    def _per_fte(self, service: ServicePolicy) -> float:
        """A service's caseload per FTE to size examples by: its cap in children (or in
        cases, at about 1.2 children a case, when that is lower), else the caseload mix's
        mixed total, else its target, else the highest approval threshold, else 18
        (Sutton's average aim, 000)."""
        caps = []
        if service.max_children_per_fte is not None:
            caps.append(service.max_children_per_fte)
        if service.max_cases_per_fte is not None:
            caps.append(service.max_cases_per_fte * CHILDREN_PER_CASE)
        if service.mix is not None:
            caps.append(sum(service.mix.mixed_per_fte.values()))
        if caps:
            return min(caps)
        if service.target_children_per_fte is not None:
            return service.target_children_per_fte
        approvals = [t.above for t in self.policy.thresholds if t.approval and t.above]
        return max(approvals) if approvals else 18.0

    def _capacity(self, worker: Worker) -> float:
        if worker.role is not Role.ASYE:
            return worker.fte
        assert worker.asye_start is not None
        return worker.fte * self.policy.asye.factor_on(worker.asye_start, self.as_of)

    # -- children ----------------------------------------------------------------------

    def existing_children(self, total: int) -> None:
        """``total`` allocated children, spread over teams by FTE and the service's cap."""
        weights = [  # every service about equally close to its cap
            sum(w.fte for w in self.holders[t.team_id])
            * self._per_fte(self.policy.services[t.service])
            for t in self.teams
        ]
        for team, count in zip(self.teams, apportion(total, weights), strict=True):
            team_id = team.team_id
            self.quota[team_id] = count
            self.families[team_id] = []
            holders = self.holders[team_id]
            spread = [self._spread(w) for w in holders]
            sizes = self._family_sizes(count)
            for size, held_by in zip(
                sizes, self._assign(sizes, apportion(count, spread)), strict=True
            ):
                family = self._new_family(team_id, size, referred=self._past_referral(team_id))
                for i in held_by:
                    self._child(team_id, family, worker=holders[i])

    def _spread(self, worker: Worker) -> float:
        """A worker's share of the team's children: by capacity, some heavy, some light.

        A worker with an agreed ``max_children`` holds about that many.
        """
        if worker.max_children is not None:
            cap = self._per_fte(self.policy.services[self.team_of[worker.team_id].service])
            return worker.max_children / cap * self.rng.uniform(0.9, 1.0)
        r = self.rng.random()
        if r < 0.12:
            factor = self.rng.uniform(1.15, 1.4)
        elif r < 0.27:
            factor = self.rng.uniform(0.55, 0.85)
        else:
            factor = self.rng.uniform(0.93, 1.03)
        return self._capacity(worker) * factor

    def _family_sizes(self, count: int) -> list[int]:
        """Family sizes adding up to ``count``: singles and sibling groups of 2-4."""
        sizes = []
        while count > 0:
            size = 1
            if self.rng.random() < SIBLING_GROUP_SHARE:
                size = self.rng.choices(*SIBLING_SIZES)[0]
            sizes.append(min(size, count))
            count -= sizes[-1]
        return sizes

    def _assign(self, sizes: list[int], quotas: list[int]) -> list[list[int]]:
        """Worker index of every child, family by family: each worker gets its quota.

        Largest families first go to the worker with most room left; a few
        sibling groups are split between two workers.
        """
        rng = self.rng
        heap = [(-q, rng.random(), i) for i, q in enumerate(quotas) if q > 0]
        heapq.heapify(heap)

        def take(chunk: int, avoid: int | None) -> list[int]:
            got: list[int] = []
            aside: list[tuple[int, float, int]] = []
            while chunk > 0:
                if not heap:
                    heap.extend(aside)
                    heapq.heapify(heap)
                    aside = []
                room, tie, i = heapq.heappop(heap)
                if i == avoid and heap:
                    aside.append((room, tie, i))
                    continue
                n = min(-room, chunk)
                got += [i] * n
                chunk -= n
                if -room > n:
                    heapq.heappush(heap, (room + n, rng.random(), i))
            for entry in aside:
                heapq.heappush(heap, entry)
            return got

        held_by: list[list[int]] = [[] for _ in sizes]
        for f in sorted(range(len(sizes)), key=lambda f: -sizes[f]):
            if sizes[f] > 1 and rng.random() < SPLIT_SIBLINGS:
                first = take(sizes[f] - 1, None)
                held_by[f] = first + take(1, first[0])
            else:
                held_by[f] = take(sizes[f], None)
        return held_by

    def _past_referral(self, team_id: str) -> date:
        low, high = self.kind[team_id].referred_days
        return self.as_of - timedelta(days=self.rng.randint(low, high))

    def _new_family(self, team_id: str, size: int, referred: date) -> _Family:
        """What siblings share; a family id only for groups of 2 or more."""
        rng = self.rng
        kind = self.kind[team_id]
        mix = self.mix[team_id]
        family = _Family(
            family_id=f"{self.prefix}F{len(self.family_of) + 1:04d}" if size > 1 else None,
            category=rng.choices(list(mix), list(mix.values()))[0],
            locality=self.patch[team_id] if rng.random() < 0.6 else rng.choice(LOCALITIES),
            distance=self._distance(kind),
            court=rng.random() < kind.court,
            referred=referred,
        )
        if family.family_id is not None:
            self.family_of[family.family_id] = family
            self.families[team_id].append(family.family_id)
        return family

    def _distance(self, kind: _Kind) -> float:
        r = self.rng.random()
        if r < kind.far:
            return round(self.rng.uniform(20.5, 60), 1)
        if r < kind.far + 0.15:
            return round(self.rng.uniform(10, 20), 1)
        return round(self.rng.uniform(0.2, 10), 1)

    def _child(
        self,
        team_id: str,
        family: _Family,
        worker: Worker | None = None,
        referred: date | None = None,
        required_skill: str | None = None,
    ) -> Child:
        rng = self.rng
        kind = self.kind[team_id]
        category = family.category
        flags = {"court"} if family.court else set()
        if rng.random() < kind.missing:
            flags.add("missing")
        if rng.random() < kind.missing * 0.8:
            flags.add("cse")
        flags.update(flag for flag, p in RISK_FLAGS.items() if rng.random() < p)
        levels = (5, 30, 40, 25) if category == "cp" else (25, 40, 25, 10)
        level = rng.choices((1, 2, 3, 4), levels)[0]
        distance = family.distance if rng.random() < 0.8 else self._distance(kind)
        if worker is not None and worker.role is Role.ASYE:  # not held alone by an ASYE
            excluded = set(self.policy.asye.excluded)
            flags -= excluded
            if category in excluded:
                category = next((c for c in self.mix[team_id] if c not in excluded), category)
        previous = None
        holders = self.holders[team_id]
        if rng.random() < (0.03 if worker else 0.05) and len(holders) > 1:
            previous = rng.choice([w for w in holders if w is not worker]).worker_id
        child = Child(
            child_id=f"{self.prefix}C{len(self.children) + 1:05d}",
            team_id=team_id,
            category=category,
            worker_id=worker.worker_id if worker else None,
            family_id=family.family_id,
            level=level,
            flags=frozenset(flags),
            distance_miles=distance,
            previous_worker_id=previous,
            required_skill=required_skill,
            locality=family.locality,
            referred_on=referred or family.referred,
        )
        self.children.append(child)
        return child

    # -- new referrals -------------------------------------------------------------------

    def referrals(self, count: int) -> None:
        """``count`` children waiting for a worker, some joining siblings already held."""
        rng = self.rng
        team_ids = [t.team_id for t in self.teams]
        counts = apportion(count, [max(self.quota[t], 1) for t in team_ids])
        joining = [
            sum(rng.random() < 0.08 for _ in range(n)) if self.families[t] else 0
            for t, n in zip(team_ids, counts, strict=True)
        ]
        if count and not sum(joining):  # at least one new child with a sibling already held
            first = next(
                (i for i, t in enumerate(team_ids) if counts[i] and self.families[t]), None
            )
            if first is not None:
                joining[first] = 1
        for team_id, n, join in zip(team_ids, counts, joining, strict=True):
            for _ in range(join):
                family = self.family_of[rng.choice(self.families[team_id])]
                self._referral(team_id, family, self._recent())
            for size in self._family_sizes(n - join):
                referred = self._recent()
                family = self._new_family(team_id, size, referred)
                for _ in range(size):
                    self._referral(team_id, family, referred)

    def _recent(self) -> date:
        return self.as_of - timedelta(days=self.rng.randint(1, 30))

    def _referral(self, team_id: str, family: _Family, referred: date) -> None:
        skill = None
        if self.rng.random() < 0.03:  # needs a skill only some of the team have
            holders = [w for w in self.holders[team_id] if w.accepting]
            skills = sorted({s for w in holders for s in w.skills})
            partial = [s for s in skills if not all(s in w.skills for w in holders)]
            skill = self.rng.choice(partial) if partial else None
        self._child(team_id, family, referred=referred, required_skill=skill)
