"""A scenario plan (TOML): a base, a policy, a date and named variants of changes.

The format is the public interface ``shared/spec/scenario-format.md`` (kept in
``docs/planner.md``): planners write these files by hand. :func:`read_plan`
validates the whole file and raises one :class:`PlanError` holding every
problem, each naming the plan file, the variant and the change.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from models import Role

BASE = "base"
"""The name under which the plan's base is evaluated (reserved for variants)."""


class PlanError(ValueError):
    """A plan (or a planning option) is invalid: ``problems`` holds one line per problem,
    each naming the plan file, the variant and the change."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class _Change(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class AddWorkers(_Change):
    """Hypothetical posts in ``team``, ids ``<team>-NEW-<k>``."""

    kind: Literal["add_workers"]
    team: str
    count: int = Field(default=1, ge=1, le=1000)
    fte: float = Field(default=1.0, gt=0, le=1)
    role: Role = Role.SOCIAL_WORKER
    skills: str = ""
    asye_start: date | None = None

    @model_validator(mode="after")
    def _asye_needs_start(self) -> AddWorkers:
        if self.role is Role.ASYE and self.asye_start is None:
            raise ValueError("asye_start is required for role 'asye'")
        return self


class RemoveWorkers(_Change):
    """Posts gone; their children wait for reallocation in the team."""

    kind: Literal["remove_workers"]
    workers: list[str] = Field(min_length=1)


class ReduceFte(_Change):
    """Remove ``fte`` case-holding FTE from a team or service, posts with most spare room first."""

    kind: Literal["reduce_fte"]
    team: str | None = None
    service: str | None = None
    fte: float = Field(gt=0, le=10_000)

    @model_validator(mode="after")
    def _one_scope(self) -> ReduceFte:
        if (self.team is None) == (self.service is None):
            raise ValueError("give exactly one of 'team' or 'service'")
        return self


class ChangeFte(_Change):
    """A new contracted FTE for one worker (held children stay)."""

    kind: Literal["change_fte"]
    worker: str
    fte: float = Field(gt=0, le=1)


class Leave(_Change):
    """Workers on leave from ``from`` to ``to``: closed to new work; with ``release`` their
    children are reallocated (by default when longer than 15 working days)."""

    kind: Literal["leave"]
    workers: list[str] = Field(min_length=1)
    start: date = Field(alias="from")
    end: date = Field(alias="to")
    release: bool | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Leave:
        if self.end < self.start:
            raise ValueError(
                f"dates out of order: 'to' {self.end.isoformat()} is before "
                f"'from' {self.start.isoformat()}"
            )
        return self


class MoveWorker(_Change):
    """A worker moves to another team with their caseload."""

    kind: Literal["move_worker"]
    worker: str
    team: str


class AsyeCohort(_Change):
    """Newly qualified (ASYE) workers joining ``team`` on ``start``."""

    kind: Literal["asye_cohort"]
    team: str
    count: int = Field(ge=1, le=1000)
    fte: float = Field(default=1.0, gt=0, le=1)
    start: date


class Demand(_Change):
    """Extra new referrals in a team, service or category: ``count`` of them, or ``percent``
    of the children now in that scope (held and waiting, rounded half up)."""

    kind: Literal["demand"]
    team: str | None = None
    service: str | None = None
    category: str | None = None
    percent: float | None = Field(default=None, ge=0, le=1000)
    count: int | None = Field(default=None, ge=0, le=1_000_000)

    @model_validator(mode="after")
    def _one_scope_one_size(self) -> Demand:
        if sum(x is not None for x in (self.team, self.service, self.category)) != 1:
            raise ValueError("give exactly one of 'team', 'service' or 'category'")
        if (self.percent is None) == (self.count is None):
            raise ValueError("give exactly one of 'percent' or 'count'")
        return self


class PolicyChange(_Change):
    """The policy in force for this variant: a preset or file, ``set`` dotted keys, and
    ``services`` mapping the data's service names to the new policy's."""

    kind: Literal["policy"]
    preset: str | None = None
    file: str | None = None
    set: dict[str, Any] = Field(default_factory=dict)
    services: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _something(self) -> PolicyChange:
        if self.preset is not None and self.file is not None:
            raise ValueError("give 'preset' or 'file', not both")
        if self.preset is None and self.file is None and not self.set and not self.services:
            raise ValueError("give 'preset', 'file', 'set' or 'services'")
        return self


Change = Annotated[
    AddWorkers
    | RemoveWorkers
    | ReduceFte
    | ChangeFte
    | Leave
    | MoveWorker
    | AsyeCohort
    | Demand
    | PolicyChange,
    Field(discriminator="kind"),
]
CHANGE_KINDS = (
    "add_workers",
    "remove_workers",
    "reduce_fte",
    "change_fte",
    "leave",
    "move_worker",
    "asye_cohort",
    "demand",
    "policy",
)


class Variant(BaseModel):
    """One named variant: changes applied in the order written."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    changes: list[Change] = Field(default_factory=list)


class Plan(BaseModel):
    """A whole plan file, validated; paths are as written (relative to ``folder``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    base: str = Field(min_length=1)
    policy: str = "default"
    as_of: date
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    granularity: float = Field(default=1.0, gt=0, le=1)
    """Extension: the post size ``fte_needed`` is counted in (whole posts by default)."""
    variant: list[Variant] = Field(default_factory=list)
    file: str = Field(default="plan.toml", exclude=True)
    """Where the plan was read from, for messages (not part of the file)."""

    @field_validator("granularity")
    @classmethod
    def _divides_one(cls, granularity: float) -> float:
        """Posts a council can fill, as ``plan-staffing --granularity`` (1, 0.5, ... 0.1)."""
        parts = 1 / granularity
        if abs(parts - round(parts)) > 1e-9:
            raise ValueError(f"{granularity:g} does not divide 1 (use 1, 0.5, 0.25, 0.2 or 0.1)")
        return granularity

    @property
    def folder(self) -> Path:
        """The folder relative paths in the plan start from."""
        return Path(self.file).resolve().parent

    def path(self, relative: str) -> Path:
        """A path written in the plan, from the plan file's folder."""
        return (self.folder / relative).resolve()


def slug(name: str) -> str:
    """A folder name for a variant: lower case, words joined by ``-``.

    Examples
    --------
    >>> slug("Lose 3 FTE in CIN!"), slug("Merton caps")
    ('lose-3-fte-in-cin', 'merton-caps')
    """
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return text[:60].strip("-") or "variant"


def variant_slugs(names: list[str]) -> list[str]:
    """Distinct folder names for the variants, in order (``-2``, ``-3`` for repeats)."""
    out: list[str] = []
    for name in names:
        base = slug(name)
        candidate, k = base, 2
        while candidate in out:
            candidate, k = f"{base}-{k}", k + 1
        out.append(candidate)
    return out


def read_plan(path: Path | str) -> Plan:
    """Read and validate a plan file.

    Raises
    ------
    PlanError
        Every problem found: not TOML, unknown or missing keys, values out of
        range, unknown change kinds, repeated or reserved variant names. Each
        line names the file, and where one is to blame the variant (by name)
        and the change (by number, from 1, and kind).

    Examples
    --------
    >>> import tempfile
    >>> file = Path(tempfile.mkdtemp()) / "plan.toml"
    >>> _ = file.write_text('name = "x"\\nbase = "data/"\\nas_of = 2027-03-01\\n'
    ...                     '[[variant]]\\nname = "cut"\\n'
    ...                     'changes = [{ kind = "reduce_fte", service = "cin", fte = -1 }]\\n')
    >>> try:
    ...     read_plan(file)
    ... except PlanError as error:
    ...     print(error.problems[0].split(": ", 1)[1])
    variant 'cut': change 1 (reduce_fte): fte: Input should be greater than 0
    """
    path = Path(path)
    where = str(path)
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise PlanError([f"{where}: plan file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError([f"{where}: cannot read plan file: {exc}"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise PlanError([f"{where}: not valid TOML: {exc}"]) from None
    return parse_plan(raw, where)


def parse_plan(raw: dict[str, Any], where: str = "plan.toml") -> Plan:
    """Validate a plan already parsed from TOML; see :func:`read_plan`."""
    problems: list[str] = []
    variants = raw.get("variant", [])
    if not isinstance(variants, list):
        problems.append(f"{where}: variant: write each variant as a [[variant]] table")
        variants = []
    for number, variant in enumerate(variants, start=1):
        if not isinstance(variant, dict):
            continue
        for k, change in enumerate(variant.get("changes") or [], start=1):
            kind = change.get("kind") if isinstance(change, dict) else None
            if kind not in CHANGE_KINDS:
                label = _variant_label(variants, number)
                problems.append(
                    f"{where}: {label}: change {k}: unknown kind {kind!r}; "
                    f"kinds: {', '.join(CHANGE_KINDS)}"
                )
    try:
        plan = Plan.model_validate({**raw, "file": where})
    except ValidationError as exc:
        for error in exc.errors():
            line = _locate(error, variants, where)
            if line is not None and line not in problems:
                problems.append(line)
        raise PlanError(problems or [f"{where}: invalid plan"]) from None
    if problems:
        raise PlanError(problems)
    seen: set[str] = set()
    for number, v in enumerate(plan.variant, start=1):
        if v.name.strip().lower() == BASE:
            problems.append(f"{where}: variant {number}: the name 'base' is reserved for the base")
        if v.name in seen:
            problems.append(f"{where}: variant {v.name!r}: the name is used twice")
        seen.add(v.name)
    if problems:
        raise PlanError(problems)
    return plan


def _variant_label(variants: list[Any], number: int) -> str:
    variant = variants[number - 1] if 0 < number <= len(variants) else None
    name = variant.get("name") if isinstance(variant, dict) else None
    return f"variant {name!r}" if isinstance(name, str) and name else f"variant {number}"


def _locate(error: Any, variants: list[Any], where: str) -> str | None:
    """One plan problem as ``file: variant 'x': change k (kind): field: message``."""
    loc = list(error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "union_tag_invalid":
        return None  # reported with the list of kinds above
    if loc and loc[0] == "variant" and len(loc) >= 2 and isinstance(loc[1], int):
        label = _variant_label(variants, loc[1] + 1)
        rest = loc[2:]
        if len(rest) >= 2 and rest[0] == "changes" and isinstance(rest[1], int):
            k = rest[1] + 1
            kind = rest[2] if len(rest) > 2 and rest[2] in CHANGE_KINDS else "?"
            fields = [str(p) for p in rest[3:]]
            if error["type"] == "extra_forbidden":
                message = "unknown field for this kind of change"
            head = f"{where}: {label}: change {k} ({kind})"
            return f"{head}: {'.'.join(fields)}: {message}" if fields else f"{head}: {message}"
        field = ".".join(str(p) for p in rest) or "(variant)"
        return f"{where}: {label}: {field}: {message}"
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    field = ".".join(str(p) for p in loc) or "(top level)"
    return f"{where}: {field}: {message}"
