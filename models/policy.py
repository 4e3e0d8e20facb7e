"""The allocation policy: caps, ASYE schedule, thresholds, span, siblings, weighting.

A policy is read from TOML (a shipped preset or a user's file) and validated
here. Every field has a sensible default, so a file may hold only what differs.
"""

from __future__ import annotations

import difflib
import tomllib
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import tomli_w
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from models._base import Frozen, Number, Whole
from models.calendar import months_between
from models.enums import SiblingMode
from models.problem import MAX_CHILDREN, MAX_MILES, MAX_WEIGHT, Child

PER_FTE = 1000.0
"""Highest children per FTE a cap, target, category cap or threshold may name."""
LOAD_PER_FTE = 100_000.0
"""Highest weighted load per FTE a cap may name (1,000 children of the highest weight)."""
SPAN_FTE = 1000.0
"""Highest case-holding FTE a manager's span may name."""
OVERSIGHT = 1_000_000
"""Highest number of cases a manager's oversight limit may name."""

PRESETS = ("default", "barnet", "merton", "sutton")


class ServicePolicy(Frozen):
    """Caps for one service (the ``service`` column of ``teams.csv``).

    Caps are per FTE and pro-rata by a worker's capacity; count caps are
    rounded down.
    """

    label: str | None = None
    max_children_per_fte: Number = Field(gt=0, le=PER_FTE)
    max_load_per_fte: Number | None = Field(default=None, gt=0, le=LOAD_PER_FTE)
    target_children_per_fte: Number | None = Field(default=None, gt=0, le=PER_FTE)
    category_caps_per_fte: dict[str, Annotated[Number, Field(ge=0, le=PER_FTE)]] = Field(
        default_factory=dict
    )

    @model_validator(mode="after")
    def _caps_positive(self) -> ServicePolicy:
        bad = [k for k, v in self.category_caps_per_fte.items() if v < 0]
        if bad:
            raise ValueError(f"category caps must be >= 0: {', '.join(bad)}")
        return self


class AsyeSchedule(Frozen):
    """Capacity factor of an ASYE worker by completed months since ``asye_start``.

    ``factor(m) = start + (end - start) * min(m, months) / months``.
    """

    start_factor: Number = Field(default=0.5, gt=0, le=1)
    end_factor: Number = Field(default=0.8, gt=0, le=1)
    months: Whole = Field(default=12, ge=1, le=120)
    excluded: tuple[str, ...] = ("court",)
    """Categories or flags an ASYE worker may not hold alone."""

    def factor(self, months_served: int) -> float:
        """Capacity factor after ``months_served`` completed months (clamped)."""
        m = min(max(months_served, 0), self.months)
        return self.start_factor + (self.end_factor - self.start_factor) * m / self.months

    def factor_on(self, start: date, as_of: date) -> float:
        """Capacity factor on ``as_of`` of an ASYE whose assessed year began on ``start``.

        Examples
        --------
        >>> AsyeSchedule().factor_on(date(2026, 5, 23), date(2026, 11, 23))  # 6 of 12 months
        0.65
        """
        return self.factor(months_between(start, as_of))

    def year_ended(self, start: date, as_of: date) -> bool:
        """Whether the assessed year that began on ``start`` is over by ``as_of``."""
        return months_between(start, as_of) >= self.months


class Threshold(Frozen):
    """A caseload band per FTE that needs action, e.g. Head of Service approval."""

    name: str
    above: Number | None = Field(default=None, ge=0, le=PER_FTE)
    below: Number | None = Field(default=None, ge=0, le=PER_FTE)
    action: str = ""

    @model_validator(mode="after")
    def _one_side(self) -> Threshold:
        if (self.above is None) == (self.below is None):
            raise ValueError(f"threshold {self.name!r} needs exactly one of 'above' or 'below'")
        return self

    def matches(self, children_per_fte: float) -> bool:
        if self.above is not None:
            return children_per_fte > self.above
        assert self.below is not None
        return children_per_fte < self.below


class ManagerSpan(Frozen):
    """Supervision span of a team manager, in case-holding FTE, and case oversight."""

    min_fte: Number = Field(default=5.0, ge=0, le=SPAN_FTE)
    ideal_fte: Number = Field(default=5.0, ge=0, le=SPAN_FTE)
    max_fte: Number = Field(default=6.0, gt=0, le=SPAN_FTE)
    oversight_min: Whole | None = Field(default=50, ge=0, le=OVERSIGHT)
    oversight_max: Whole | None = Field(default=100, gt=0, le=OVERSIGHT)

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

    category: dict[str, Annotated[Number, Field(gt=0, le=MAX_WEIGHT)]] = Field(
        default_factory=lambda: {"cin": 1.0, "cp": 1.25, "cla": 1.0, "care_leaver": 0.8}
    )
    level: dict[int, Annotated[Number, Field(gt=0, le=MAX_WEIGHT)]] = Field(
        default_factory=lambda: {1: 0.75, 2: 1.0, 3: 1.25, 4: 1.5}
    )
    default_level: Whole = 2
    flags: dict[str, Annotated[Number, Field(ge=0, le=MAX_WEIGHT)]] = Field(
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
    travel_miles: Number = Field(default=20.0, ge=0, le=MAX_MILES)
    travel_addition: Number = Field(default=0.25, ge=0, le=MAX_WEIGHT)
    sibling_discount: Number = Field(default=0.0, ge=0, lt=1)

    @model_validator(mode="after")
    def _positive(self) -> Weighting:
        if any(v <= 0 for v in self.category.values()) or any(v <= 0 for v in self.level.values()):
            raise ValueError("category and level weights must be > 0")
        if self.default_level not in self.level:
            raise ValueError(f"default_level {self.default_level} has no level weight")
        return self

    def weight_of(self, child: Child) -> float:
        """Workload weight of ``child`` before any sibling discount, in weight units.

        An explicit ``weight`` wins; otherwise
        ``category * level + sum(flag additions) + travel addition``, rounded to
        2 decimals. Unknown categories and levels count 1, unknown flags 0.

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

    max_new_per_worker: Whole | None = Field(default=None, ge=0, le=MAX_CHILDREN)
    open_per_new: Whole | None = Field(default=None, ge=1, le=MAX_CHILDREN)

    def limit(self, open_children: int) -> int | None:
        limits = []
        if self.max_new_per_worker is not None:
            limits.append(self.max_new_per_worker)
        if self.open_per_new is not None:
            limits.append(max(1, open_children // self.open_per_new))
        return min(limits) if limits else None


class Priorities(Frozen):
    """Which children come first when capacity is short."""

    statutory_categories: tuple[str, ...] = ("cp", "cla")
    statutory_flags: tuple[str, ...] = ("court",)
    risk_flags: tuple[str, ...] = ("missing", "cse", "dv", "substance", "neglect", "non_engagement")

    def tier(self, child: Child) -> int:
        """2 statutory (child protection, in care, court), 1 a risk flag, 0 otherwise."""
        if child.category in self.statutory_categories or child.flags & set(self.statutory_flags):
            return 2
        if child.flags & set(self.risk_flags):
            return 1
        return 0


class Policy(Frozen):
    """Everything the allocator needs to know about the local rules."""

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

    @model_validator(mode="after")
    def _has_services(self) -> Policy:
        if not self.services:
            raise ValueError("a policy needs at least one [services.NAME] table")
        return self

    def band(self, children_per_fte: float) -> str:
        """Name of the first threshold band matched, or ``within``."""
        for threshold in self.thresholds:
            if threshold.matches(children_per_fte):
                return threshold.name
        return "within"


class PolicyError(ValueError):
    """A policy could not be found, read or validated; the message says why."""


def load_policy(name_or_path: str | Path) -> Policy:
    """Load a shipped preset by name or a TOML policy file by path.

    Preset names are matched without regard to case and surrounding spaces
    (``Barnet`` is ``barnet``); an unknown name suggests the closest preset.

    Examples
    --------
    >>> load_policy("barnet").services["children_in_care"].target_children_per_fte
    16.0
    """
    text: str
    where: str
    path = Path(name_or_path)
    preset = str(name_or_path).strip().lower()
    if preset in PRESETS and (preset == str(name_or_path) or not path.is_file()):
        where = f"preset {preset!r}"
        text = resources.files("models.presets").joinpath(f"{preset}.toml").read_text("utf-8")
    elif path.is_file():
        where = str(path)
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError(f"{where}: cannot read policy file: {exc}") from None
    else:
        close = difflib.get_close_matches(preset, PRESETS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise PolicyError(
            f"unknown policy {str(name_or_path)!r}: not a preset ({', '.join(PRESETS)}) "
            f"and not an existing file{hint}"
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
