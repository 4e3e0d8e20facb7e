"""The case note each allocation or transfer of an approved batch needs on the child's record.

Barnet 001 s.3.9: "the movement of cases between social workers must follow
the agreed transfer policy and must be noted by the manager in a case note on
the records"; s.3.10: where the case does not go directly to the allocated
worker, "the Team Manager must put a case note on the record to advise of the
situation and identify any tasks to be completed by the temporarily allocated
worker". The text is ready to paste; the bracketed part is for the manager to
complete.
"""

from __future__ import annotations

from workspace.tables import Batch, Decision


def _who(worker_id: str | None, names: dict[str, str]) -> str:
    if worker_id is None:
        return "no worker"
    name = names.get(worker_id)
    return f"{name} ({worker_id})" if name else worker_id


def case_note(decision: Decision, batch: Batch, names: dict[str, str]) -> str | None:
    """The case-note text for one decision, or ``None`` when the child still waits.

    ``names`` maps worker ids to names where the data gives them.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> b = Batch(id=3, approved_by="mo", approved_at=datetime(2026, 11, 23, tzinfo=UTC))
    >>> d = Decision(child_id="C1", team_id="T1", worker_id="W2", worker_before="W1",
    ...              status="moved", engine_reason="Moved from W1 (released) to W2.")
    >>> print(case_note(d, b, {"W2": "Ash"}))  # doctest: +NORMALIZE_WHITESPACE
    Case transferred on 23/11/2026 from W1 to Ash (W2), in line with the transfer policy.
    Decided by mo (team manager), batch 3. Reason: Moved from W1 (released) to W2.
    """
    day = batch.approved_at.date().strftime("%d/%m/%Y")
    to = _who(decision.worker_id, names)
    if decision.status == "allocated":
        first = f"Case allocated on {day} to {to}."
    elif decision.status == "moved":
        first = (
            f"Case transferred on {day} from {_who(decision.worker_before, names)} to {to}, "
            "in line with the transfer policy."
        )
    else:
        return None
    lines = [first]
    if decision.cover_for:
        lines.append(
            f"{to} holds the case as interim cover until {_who(decision.cover_for, names)} "
            "is available. Tasks for the interim worker: [list visits and deadlines]."
        )
    who = f"Decided by {batch.approved_by} (team manager), batch {batch.id}."
    if batch.head_of_service:
        who = (
            f"Decided by {batch.approved_by} (team manager) and agreed by "
            f"{batch.head_of_service} (head of service), batch {batch.id}."
        )
    lines.append(f"{who} Reason: {decision.engine_reason}")
    if decision.needs_approval:
        review = decision.review_date.strftime("%d/%m/%Y") if decision.review_date else "[date]"
        lines.append(
            f"Above the caseload threshold ({decision.needs_approval}): {decision.reason}. "
            f"To be reviewed by {review}."
        )
    elif decision.reason:
        lines.append(f"Manager's note: {decision.reason}")
    return "\n".join(lines)
