"""The allocation policy: caps, ASYE schedule, thresholds, span, siblings, weighting.

A policy is read from TOML (a shipped preset or a user's file) and validated
here. Every field has a sensible default, so a file may hold only what differs.
"""

from __future__ import annotations

import tomllib
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from models._base import Frozen
from models.calendar import months_between
from models.enums import SiblingMode
from models.problem import Child

PRESETS = ("default", "barnet", "merton", "sutton", "welsh")


class CaseloadMix(Frozen):
    """Caps that depend on the mix a worker holds (Merton 002 s.2.4, leaving care).

    "caseloads of under 18s should be in the region of 13-16 and those of over
    18s would be expected to be 20-25. If social workers in the 14+ Team are
    allocated both children in care and care experienced adults the caseload is
    expected to be no more than 10 children in care and 10 care leavers."

    A worker holding children of two or more of the categories named in
    ``mixed_per_fte`` has each capped at ``mixed_per_fte[category] * capacity``;
    a worker holding only one of them has it capped at
    ``only_max_per_fte[category] * capacity``, and ``only_min_per_fte`` is the
    lower end of that range, reported when undershot. Categories outside the
    mix are not affected.
    """

    mixed_per_fte: dict[str, float]
    only_max_per_fte: dict[str, float]
    only_min_per_fte: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _same_categories(self) -> CaseloadMix:
        if len(self.mixed_per_fte) < 2:
            raise ValueError("a caseload mix needs at least two categories in mixed_per_fte")
        if set(self.only_max_per_fte) != set(self.mixed_per_fte):
            raise ValueError("only_max_per_fte must name the same categories as mixed_per_fte")
        if not set(self.only_min_per_fte) <= set(self.mixed_per_fte):
            raise ValueError("only_min_per_fte may name only categories of mixed_per_fte")
        values = [*self.mixed_per_fte.values(), *self.only_max_per_fte.values()]
        if any(v <= 0 for v in values) or any(v < 0 for v in self.only_min_per_fte.values()):
            raise ValueError("caseload mix caps must be > 0 (and lower ends >= 0)")
        return self


class ServicePolicy(Frozen):
    """Caps for one service (the ``service`` column of ``teams.csv``).

    Every figure is per FTE and pro-rata by a worker's capacity (Barnet 001
    s.3.3: "The average caseload will be pro-rota'd where social workers do not
    work full-time"); caps are rounded down. A range in a source ("18-20
    children") gives its upper end as the cap (``max_...``) and its lower end as
    ``min_...``, reported when a worker is below it; a source's "no more than" is
    always a cap.

    Attributes
    ----------
    max_children_per_fte
        Hard cap on children; ``None`` when the policy sets none.
    min_children_per_fte
        Lower end of the expected range, reported when undershot.
    max_cases_per_fte, min_cases_per_fte
        The same in cases, where a sibling group a worker holds counts once
        (Merton 002 s.2.1: "10-12 cases and no more than 26 children").
    max_load_per_fte
        Hard cap on weighted load.
    target_children_per_fte
        The team average the policy aims at (Barnet 001 s.4 table; Sutton's
        "average caseload of 18 children"), reported against.
    category_caps_per_fte
        Caps on one category, always in force.
    mix
        Caps that depend on the caseload's mix (:class:`CaseloadMix`).
    """

    label: str | None = None
    max_children_per_fte: float | None = Field(default=None, gt=0)
    min_children_per_fte: float | None = Field(default=None, ge=0)
    max_cases_per_fte: float | None = Field(default=None, gt=0)
    min_cases_per_fte: float | None = Field(default=None, ge=0)
    max_load_per_fte: float | None = Field(default=None, gt=0)
    target_children_per_fte: float | None = Field(default=None, gt=0)
    category_caps_per_fte: dict[str, float] = Field(default_factory=dict)
    mix: CaseloadMix | None = None

    @model_validator(mode="after")
    def _caps_positive(self) -> ServicePolicy:
        bad = [k for k, v in self.category_caps_per_fte.items() if v < 0]
        if bad:
            raise ValueError(f"category caps must be >= 0: {', '.join(bad)}")
        for low, high in (
            (self.min_children_per_fte, self.max_children_per_fte),
            (self.min_cases_per_fte, self.max_cases_per_fte),
        ):
            if low is not None and high is not None and low > high:
                raise ValueError("a range's lower end is above its upper end")
        return self


class AsyeSchedule(Frozen):
    """Capacity factor of an ASYE worker by completed months since ``asye_start``.

    ``factor(m) = start + (end - start) * min(m, months) / months``. Barnet 001
    s.3.6: "ASYE Social Workers initially should have approximately 50% of a
    caseload in comparison to a post ASYE qualified Social Worker. However, their
    capacity increases throughout their assessed year": from 0.5 to a qualified
    worker's 1.0 over the 12 months.
    """

    start_factor: float = Field(default=0.5, gt=0, le=1)
    end_factor: float = Field(default=1.0, gt=0, le=1)
    months: int = Field(default=12, ge=1)
    excluded: tuple[str, ...] = ()
    """Categories or flags an ASYE worker may not hold alone. No shipped preset sets any
    (none of the source policies does); some councils' schemes do (see
    docs/examples/asye-protections.toml)."""

    def factor(self, months_served: int) -> float:
        """Capacity factor after ``months_served`` completed months (clamped)."""
        m = min(max(months_served, 0), self.months)
        return self.start_factor + (self.end_factor - self.start_factor) * m / self.months

    def factor_on(self, start: date, as_of: date) -> float:
        """Capacity factor on ``as_of`` of an ASYE whose assessed year began on ``start``.

        Examples
        --------
        >>> AsyeSchedule().factor_on(date(2026, 5, 23), date(2026, 11, 23))  # 6 of 12 months
        0.75
        """
        return self.factor(months_between(start, as_of))

    def year_ended(self, start: date, as_of: date) -> bool:
        """Whether the assessed year that began on ``start`` is over by ``as_of``."""
        return months_between(start, as_of) >= self.months


class Threshold(Frozen):
    """A caseload band per FTE that needs action.

    ``measure`` says what the band counts: ``children`` (the default) or weighted
    ``load`` (points), per FTE after reductions. A band that needs someone's
    ``approval`` (Barnet 001 s.3.7: "If an individual holds a caseload higher
    than 22 this must be agreed by the Head of Service") is not crossed by a new
    allocation unless ``allow_crossing`` is set; then the proposal may cross it
    where the alternative is a child waiting, the fewest crossings first, never
    above the service's hard cap (which the policy must then set), each crossing
    marked as needing that approval.
    """

    name: str
    above: float | None = Field(default=None, ge=0)
    below: float | None = Field(default=None, ge=0)
    measure: Literal["children", "load"] = "children"
    action: str = ""
    approval: str | None = None
    """Who must agree to a caseload in this band (e.g. ``head_of_service``)."""
    allow_crossing: bool = False

    @model_validator(mode="after")
    def _one_side(self) -> Threshold:
        if (self.above is None) == (self.below is None):
            raise ValueError(f"threshold {self.name!r} needs exactly one of 'above' or 'below'")
        if (self.approval is not None or self.allow_crossing) and self.above is None:
            raise ValueError(f"threshold {self.name!r}: approval applies to 'above' bands only")
        if self.allow_crossing and self.approval is None:
            raise ValueError(f"threshold {self.name!r}: allow_crossing needs an approval")
        return self

    def matches(self, per_fte: float) -> bool:
        """Whether a caseload of ``per_fte`` (in this band's measure) is in the band."""
        if self.above is not None:
            return per_fte > self.above + 1e-9
        assert self.below is not None
        return per_fte < self.below - 1e-9


class ManagerSpan(Frozen):
    """Supervision span of a team manager, in case-holding FTE, and case oversight.

    Merton 002 s.3.1: "one manager should provide supervision for ideally 5 whole
    time equivalent front line workers and not more than 6" (an ideal and a
    maximum: no minimum); s.3.2: "a front line manager should have oversight of
    between 50 - 100 cases depending on the nature of the work" (a range,
    reported across every team the manager leads, a sibling group counting as
    one case; a hard limit only with ``oversight_hard``). Nothing is set unless
    a policy sets it.
    """

    min_fte: float | None = Field(default=None, ge=0)
    ideal_fte: float | None = Field(default=None, ge=0)
    max_fte: float | None = Field(default=None, gt=0)
    oversight_min: int | None = Field(default=None, ge=0)
    oversight_max: int | None = Field(default=None, gt=0)
    oversight_hard: bool = False

    @field_validator("oversight_min", "oversight_max", mode="before")
    @classmethod
    def _none_as_text(cls, value: Any) -> Any:
        """TOML has no null: ``"none"`` switches a limit off (see :func:`policy_toml`)."""
        return None if isinstance(value, str) and value.strip().lower() == "none" else value


class Weighting(Frozen):
    """Workload weight of a child when ``children.csv`` gives no ``weight``.

    ``weight = category[cat] * level[lvl] + sum(flags[f]) + travel_addition``
    (the last when ``distance_miles > travel_miles``), rounded to 2 decimals.
    A child held by the same worker as a sibling counts
    ``weight * (1 - sibling_discount)``.
    """

    category: dict[str, float] = Field(
        default_factory=lambda: {"cin": 1.0, "cp": 1.25, "cla": 1.0, "care_leaver": 0.8}
    )
    level: dict[int, float] = Field(default_factory=lambda: {1: 0.75, 2: 1.0, 3: 1.25, 4: 1.5})
    default_level: int = 2
    flags: dict[str, float] = Field(
        default_factory=lambda: {
            "court": 0.5,
            "missing": 0.25,
            "cse": 0.25,
            "dv": 0.1,
            "substance": 0.1,
            "neglect": 0.1,
            "non_engagement": 0.1,
        }
    )
    travel_miles: float = Field(default=20.0, ge=0)
    travel_addition: float = Field(default=0.25, ge=0)
    sibling_discount: float = Field(default=0.0, ge=0, lt=1)
    ages: dict[int, float] = Field(default_factory=dict)
    """Addition by the child's ``age`` (Merton 002 s.2.4: "Work is likely to be more
    intensive for the 16/17 age group"); none unless set."""
    large_family_size: int | None = Field(default=None, ge=2)
    """A sibling group of at least this many children is large (Sutton 000: complexity
    includes "large sibling groups")."""
    large_family_addition: float = Field(default=0.0, ge=0)
    """Addition to each child of a large sibling group."""

    @model_validator(mode="after")
    def _positive(self) -> Weighting:
        if any(v <= 0 for v in self.category.values()) or any(v <= 0 for v in self.level.values()):
            raise ValueError("category and level weights must be > 0")
        if self.default_level not in self.level:
            raise ValueError(f"default_level {self.default_level} has no level weight")
        return self

    def weight_of(self, child: Child, family_size: int = 1) -> float:
        """Workload weight of ``child`` before any sibling discount, in weight units.

        An explicit ``weight`` wins; otherwise ``category * level + sum(flag
        additions) + travel addition + age addition + large-family addition``
        (``family_size`` is the number of children sharing the child's
        ``family_id``), rounded to 2 decimals. Unknown categories and levels
        count 1, unknown flags and ages 0.

        Examples
        --------
        >>> child = Child(child_id="C1", team_id="T1", category="cp", level=3,
        ...               flags=frozenset({"court"}), distance_miles=25)
        >>> Weighting().weight_of(child)  # 1.25 * 1.25 + 0.5 + 0.25
        2.31
        """
        if child.weight is not None:
            return round(child.weight, 2)
        base = self.category.get(child.category, 1.0)
        level = self.level.get(child.level if child.level is not None else self.default_level, 1.0)
        weight = base * level + sum(self.flags.get(flag, 0.0) for flag in child.flags)
        if child.distance_miles is not None and child.distance_miles > self.travel_miles:
            weight += self.travel_addition
        if child.age is not None:
            weight += self.ages.get(child.age, 0.0)
        if self.large_family_size is not None and family_size >= self.large_family_size:
            weight += self.large_family_addition
        return round(weight, 2)

    def together(self, weight: float) -> float:
        """Weight of a child held by the same worker as a sibling: ``weight * (1 - discount)``,
        rounded to 2 decimals (Merton 002 s.2.3: siblings in one placement "generate less work")."""
        return round(weight * (1 - self.sibling_discount), 2)


class Pacing(Frozen):
    """Optional limit on new children per worker in one batch.

    A worker may take at most ``max_new_per_worker`` new children, and at most
    ``max(1, open // open_per_new)`` when ``open_per_new`` is set (the US
    standard of one new case per six open is ``open_per_new = 6``).
    """

    max_new_per_worker: int | None = Field(default=None, ge=0)
    open_per_new: int | None = Field(default=None, ge=1)

    def limit(self, open_children: int) -> int | None:
        limits = []
        if self.max_new_per_worker is not None:
            limits.append(self.max_new_per_worker)
        if self.open_per_new is not None:
            limits.append(max(1, open_children // self.open_per_new))
        return min(limits) if limits else None


class Priorities(Frozen):
    """Which children come first when capacity is short.

    ``order = "statutory_first"`` (the default): statutory work (child
    protection, children in care, court) is placed before other work, then the
    most children, then risk flags, then the longest waiting.
    ``"count_first"``: the most children first, then statutory work.
    """

    statutory_categories: tuple[str, ...] = ("cp", "cla")
    statutory_flags: tuple[str, ...] = ("court",)
    risk_flags: tuple[str, ...] = ("missing", "cse", "dv", "substance", "neglect", "non_engagement")
    order: Literal["statutory_first", "count_first"] = "statutory_first"

    def statutory(self, child: Child) -> bool:
        """Child protection, in care or in court proceedings."""
        return child.category in self.statutory_categories or bool(
            child.flags & set(self.statutory_flags)
        )

    def tier(self, child: Child) -> int:
        """2 statutory (child protection, in care, court), 1 a risk flag, 0 otherwise."""
        if self.statutory(child):
            return 2
        if child.flags & set(self.risk_flags):
            return 1
        return 0


class Complexity(Frozen):
    """Which children are complex, and how their spread is balanced.

    Barnet 001 s.4: "Caseloads should be allocated so that there is a balance of
    complexity across the team and according to experience of individual social
    workers". A child is complex at one of ``levels`` or, with ``statutory``,
    when statutory (child protection, in care, court). With ``balance``, once the
    load is as even as possible, complex children per FTE are evened out too
    (the load balance held at its value). With ``match_experience``, the most
    complex children go by preference to ``experienced_roles``, within both.
    """

    levels: tuple[int, ...] = (3, 4)
    statutory: bool = True
    balance: bool = True
    match_experience: bool = True
    experienced_roles: tuple[str, ...] = ("senior_practitioner", "advanced_practitioner")


class LeavePolicy(Frozen):
    """Leave and absence: when children are reallocated, and when new work stops.

    A worker is away while reductions in force take all their capacity
    (``reductions.csv``). Barnet 001 s.3.12: "in cases of long term sickness or
    annual leave, over 15 working days; the case should be reallocated"
    (``reallocate_after_working_days``; weekends and England's bank holidays do
    not count). ``lookahead_days``: a worker whose absence starts within this
    many days gets no new children (no source sets it; off unless set).
    """

    reallocate_after_working_days: int | None = Field(default=None, ge=0)
    lookahead_days: int | None = Field(default=None, ge=0)


class Policy(Frozen):
    """Everything the allocator needs to know about the local rules.

    See docs/policy.md for every field, the sentence of the source policy it
    comes from, and the test that pins it.
    """

    name: str = "custom"
    source: str = ""
    services: dict[str, ServicePolicy]
    asye: AsyeSchedule = AsyeSchedule()
    thresholds: tuple[Threshold, ...] = ()
    span: ManagerSpan = ManagerSpan()
    siblings: SiblingMode = SiblingMode.TOGETHER_WHERE_POSSIBLE
    weighting: Weighting = Weighting()
    pacing: Pacing = Pacing()
    priorities: Priorities = Priorities()
    complexity: Complexity = Complexity()
    leave: LeavePolicy = LeavePolicy()
    supervisor_factor: float = Field(default=1.0, gt=0, le=1)
    """Capacity factor of a worker who supervises staff (``supervisor`` in workers.csv):
    Sutton 000, "a senior social worker who supervises staff will have a different
    caseload". No source gives its size: 1 (no effect) unless set."""
    escalation_months: int | None = Field(default=None, ge=1)
    """Months above the maximum after which the Head of Service must be informed
    (Barnet 001 s.5 item 4: "any longer than a two-month period")."""

    @model_validator(mode="after")
    def _has_services(self) -> Policy:
        if not self.services:
            raise ValueError("a policy needs at least one [services.NAME] table")
        for threshold in self.thresholds:
            if not threshold.allow_crossing:
                continue
            for key, service in self.services.items():
                ceiling = (
                    service.max_children_per_fte
                    if threshold.measure == "children"
                    else service.max_load_per_fte
                )
                if ceiling is None:
                    field = (
                        "max_children_per_fte"
                        if threshold.measure == "children"
                        else "max_load_per_fte"
                    )
                    raise ValueError(
                        f"threshold {threshold.name!r} may be crossed (allow_crossing), so every "
                        f"service needs a hard ceiling: services.{key}.{field} is not set"
                    )
        return self

    def band(self, children_per_fte: float, load_per_fte: float | None = None) -> str:
        """Name of the first threshold band matched, or ``within``.

        ``children_per_fte`` and ``load_per_fte`` are per FTE after reductions;
        a band measured in load is skipped when ``load_per_fte`` is not given.
        """
        for threshold in self.thresholds:
            value = children_per_fte if threshold.measure == "children" else load_per_fte
            if value is not None and threshold.matches(value):
                return threshold.name
        return "within"


class PolicyError(ValueError):
    """A policy could not be found, read or validated; the message says why."""


def load_policy(name_or_path: str | Path) -> Policy:
    """Load a shipped preset by name or a TOML policy file by path.

    Examples
    --------
    >>> load_policy("barnet").services["children_in_care"].target_children_per_fte
    16.0
    """
    text: str
    where: str
    path = Path(name_or_path)
    if str(name_or_path) in PRESETS:
        where = f"preset {name_or_path!r}"
        text = resources.files("models.presets").joinpath(f"{name_or_path}.toml").read_text("utf-8")
    elif path.is_file():
        where = str(path)
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError(f"{where}: cannot read policy file: {exc}") from None
    else:
        raise PolicyError(
            f"unknown policy {str(name_or_path)!r}: not a preset ({', '.join(PRESETS)}) "
            "and not an existing file"
        )
    return parse_policy(text, where)


def parse_policy(text: str, where: str = "policy") -> Policy:
    r"""Parse and validate policy TOML, naming every problem found.

    ``where`` names the text in messages (a file path, or ``preset 'barnet'``);
    a name ending ``.toml`` also names the policy when the text gives none.

    Raises
    ------
    PolicyError
        The text is not TOML, or a field is unknown or out of range: one line
        per problem, ``where: dotted.key: message``.

    Examples
    --------
    >>> parse_policy("[services.cin]\nmax_children_per_fte = 18", "mine.toml").name
    'mine'
    >>> try:
    ...     parse_policy("[services.cin]\nmax_children_per_fte = -1", "mine.toml")
    ... except PolicyError as error:
    ...     print(error)
    mine.toml: services.cin.max_children_per_fte: Input should be greater than 0
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{where}: not valid TOML: {exc}") from None
    raw.setdefault("name", Path(where).stem if where.endswith(".toml") else "custom")
    try:
        return Policy.model_validate(raw)
    except ValidationError as exc:
        lines = [
            f"{where}: {'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise PolicyError("\n".join(lines)) from None


NONE = "none"
"""How a policy file writes a limit that is switched off where the default sets one."""


def policy_toml(policy: Policy) -> str:
    """The policy as TOML that :func:`parse_policy` reads back equal.

    Every field is written (but for lists and tables empty by default), so the
    file does not depend on this version's defaults. TOML has no null: a field
    that is ``None`` is left out where its default is ``None`` too, and written
    ``"none"`` where the default sets a value (only the oversight limits today).

    Examples
    --------
    >>> policy = load_policy("merton")
    >>> parse_policy(policy_toml(policy), "merton.toml") == policy
    True
    """
    return tomli_w.dumps(_toml_table(policy))


def _toml_table(model: BaseModel) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if value is None:
            if info.default is not None:
                table[name] = NONE
            continue
        if (
            not value
            and isinstance(value, dict | tuple)
            and not info.get_default(call_default_factory=True)
        ):
            continue  # an empty table or list that is empty by default too
        table[name] = _toml_value(value)
    return table


def _toml_value(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return _toml_table(value)
    if isinstance(value, dict):
        return {str(k): _toml_value(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_toml_value(v) for v in value]
    if isinstance(value, str):  # StrEnum values become plain strings
        return str(value)
    return value
