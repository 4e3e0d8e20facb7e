"""The allocation policy: caps, ASYE schedule, thresholds, span, siblings, weighting.

A policy is read from TOML (a shipped preset or a user's file) and validated
here. Every field has a sensible default, so a file may hold only what differs.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from pydantic import Field, ValidationError, model_validator

from models._base import Frozen
from models.enums import SiblingMode

PRESETS = ("default", "barnet", "merton", "sutton")


class ServicePolicy(Frozen):
    """Caps for one service (the ``service`` column of ``teams.csv``).

    Caps are per FTE and pro-rata by a worker's capacity; count caps are
    rounded down.
    """

    label: str | None = None
    max_children_per_fte: float = Field(gt=0)
    max_load_per_fte: float | None = Field(default=None, gt=0)
    target_children_per_fte: float | None = Field(default=None, gt=0)
    category_caps_per_fte: dict[str, float] = Field(default_factory=dict)

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

    start_factor: float = Field(default=0.5, gt=0, le=1)
    end_factor: float = Field(default=0.8, gt=0, le=1)
    months: int = Field(default=12, ge=1)
    excluded: tuple[str, ...] = ("court",)
    """Categories or flags an ASYE worker may not hold alone."""

    def factor(self, months_served: int) -> float:
        """Capacity factor after ``months_served`` completed months (clamped)."""
        m = min(max(months_served, 0), self.months)
        return self.start_factor + (self.end_factor - self.start_factor) * m / self.months


class Threshold(Frozen):
    """A caseload band per FTE that needs action, e.g. Head of Service approval."""

    name: str
    above: float | None = None
    below: float | None = None
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

    min_fte: float = Field(default=5, ge=0)
    ideal_fte: float = Field(default=5, ge=0)
    max_fte: float = Field(default=6, gt=0)
    oversight_min: int | None = Field(default=50, ge=0)
    oversight_max: int | None = Field(default=100, gt=0)


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
    travel_miles: float = Field(default=20, ge=0)
    travel_addition: float = Field(default=0.25, ge=0)
    sibling_discount: float = Field(default=0.0, ge=0, lt=1)

    @model_validator(mode="after")
    def _positive(self) -> Weighting:
        if any(v <= 0 for v in self.category.values()) or any(v <= 0 for v in self.level.values()):
            raise ValueError("category and level weights must be > 0")
        if self.default_level not in self.level:
            raise ValueError(f"default_level {self.default_level} has no level weight")
        return self


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
    """Which children come first when capacity is short."""

    statutory_categories: tuple[str, ...] = ("cp", "cla")
    statutory_flags: tuple[str, ...] = ("court",)
    risk_flags: tuple[str, ...] = ("missing", "cse", "dv", "substance", "neglect", "non_engagement")


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
    """Parse and validate policy TOML, naming every problem found."""
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
