"""Shared pydantic base class for the immutable domain objects."""

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    """Immutable, strict-about-unknown-fields model (PyVRP's ``ProblemData`` habit)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
