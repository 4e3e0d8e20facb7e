"""Shared pydantic base class for the immutable domain objects, and checked numbers."""

from typing import Annotated

from pydantic import AllowInfNan, BaseModel, ConfigDict, Strict


class Frozen(BaseModel):
    """Immutable, strict-about-unknown-fields model (PyVRP's ``ProblemData`` habit)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


Number = Annotated[float, Strict(), AllowInfNan(False)]
"""A finite number for an input or policy field: a whole number is accepted, but
``true``/``false``, text, ``inf`` and ``nan`` are refused (a policy's ``true`` is
not 1). Each such field also carries its range (``Field(gt=..., le=...)``)."""

Whole = Annotated[int, Strict()]
"""A whole number for an input or policy field: ``true``/``false``, text and
``12.0`` are refused."""
