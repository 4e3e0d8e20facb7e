"""Dependencies every route shares: the database session, the signed-in user, roles, scope.

Handlers never check roles: a route declares ``require_role(...)`` and, for a
team's data, :func:`team_access` or :func:`proposal_access`, which answer 401
(no session) or 403 (a team or service the user may not see) before the
handler runs, and note in ``request.state.audit`` what the access log records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from workspace import crud
from workspace.core.config import Settings
from workspace.state import current_snapshot
from workspace.tables import Proposal, TeamRow, User, UserSession

COOKIE = "caseload_session"
EVERY_TEAM = ("admin", "planner")
"""Roles that may read every team's data (planners read only)."""
APPROVERS_AND_MANAGERS = ("team_manager", "head_of_service", "admin")


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Iterator[Session]:
    """A database session for one request; a handler commits what it changes."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    with factory() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


@dataclass
class Audit:
    """What the access log records of one request (set by the dependencies)."""

    user: User | None = None
    action: str = "view"
    team_ids: list[str] = field(default_factory=list)


def audit(request: Request) -> Audit:
    found = getattr(request.state, "audit", None)
    if found is None:
        found = Audit()
        request.state.audit = found
    return found


@dataclass
class Signed:
    """The signed-in user and their session."""

    user: User
    session: UserSession
    teams: list[str]
    services: list[str]


def signed_in(request: Request, db: SessionDep, settings: SettingsDep) -> Signed:
    """The user of the request's session cookie; 401 without a live session."""
    cached = getattr(request.state, "signed", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    token = request.cookies.get(COOKIE)
    found = None
    if token:
        found = crud.session_user(
            session=db,
            token=token,
            secret=settings.secret(),
            idle_minutes=settings.session_minutes,
            max_hours=settings.session_hours,
        )
        db.commit()
    if found is None:
        raise HTTPException(401, "not signed in, or the session has expired: sign in again")
    user, row = found
    signed = Signed(
        user=user,
        session=row,
        teams=crud.user_teams(session=db, user=user),
        services=crud.user_services(session=db, user=user),
    )
    request.state.signed = signed
    audit(request).user = user
    return signed


CurrentUser = Annotated[Signed, Depends(signed_in)]


def check_role(current: Signed, roles: tuple[str, ...]) -> Signed:
    """``current``, if their role is one of ``roles`` (else 403): for a form whose user
    comes from the CSRF check rather than from :func:`require_role`."""
    if current.user.role not in roles:
        raise HTTPException(403, f"this needs the role {' or '.join(roles)}")
    return current


def require_role(*roles: str) -> Callable[..., Signed]:
    """A dependency: the signed-in user, if their role is one of ``roles`` (else 403)."""

    def check(current: CurrentUser) -> Signed:
        return check_role(current, roles)

    check.__name__ = f"require_{'_or_'.join(roles)}"
    return check


PLANNING_READERS = ("planner", "head_of_service", "admin")
"""Who reads scenario plans and forecasts (and their runs)."""
PLANNING_RUNNERS = ("planner", "admin")
"""Who starts and cancels plan runs and forecast runs."""
PlanningReader = Annotated[Signed, Depends(require_role(*PLANNING_READERS))]
PlanningRunner = Annotated[Signed, Depends(require_role(*PLANNING_RUNNERS))]


def visible_teams(db: Session, current: Signed) -> list[TeamRow]:
    """The current teams this user may see (none before the first import)."""
    snapshot = current_snapshot(db)
    if snapshot is None:
        return []
    rows = list(
        db.scalars(
            select(TeamRow).where(TeamRow.snapshot_id == snapshot.id).order_by(TeamRow.team_id)
        )
    )
    role = current.user.role
    if role in EVERY_TEAM:
        return rows
    if role == "team_manager":
        return [t for t in rows if t.team_id in current.teams]
    if role == "head_of_service":
        return [t for t in rows if t.service in current.services]
    return []


def may_act_on(db: Session, current: Signed, team_ids: list[str], *, write: bool) -> bool:
    """Whether the user may see (or, with ``write``, change) every one of these teams."""
    role = current.user.role
    if role == "admin":
        return True
    if role == "planner":
        return not write
    if role == "worker":
        return False
    allowed = {t.team_id for t in visible_teams(db, current)}
    if role == "team_manager":
        allowed |= set(current.teams)
    return set(team_ids) <= allowed


def team_access(
    request: Request,
    db: SessionDep,
    current: CurrentUser,
    team_id: Annotated[str, Query(min_length=1, max_length=100)],
) -> str:
    """The ``team_id`` query parameter, if the user may see that team (else 403)."""
    audit(request).team_ids = [team_id]
    if not may_act_on(db, current, [team_id], write=False):
        raise HTTPException(403, f"you may not see team {team_id}")
    return team_id


TeamId = Annotated[str, Depends(team_access)]


def proposal_access(
    request: Request,
    db: SessionDep,
    current: Annotated[Signed, Depends(require_role(*APPROVERS_AND_MANAGERS))],
    proposal_id: Annotated[int, Path(ge=1, le=2**62)],
) -> Proposal:
    """The proposal, if the user manages all its teams, heads their service, or is admin."""
    proposal = db.get(Proposal, proposal_id)
    if proposal is None:
        raise HTTPException(404, f"no proposal {proposal_id}")
    audit(request).team_ids = list(proposal.team_ids)
    if not may_act_on(db, current, list(proposal.team_ids), write=True):
        raise HTTPException(403, "you may not see this proposal's teams")
    return proposal


ProposalDep = Annotated[Proposal, Depends(proposal_access)]


def changes(request: Request) -> None:
    """Marks the request as a change in the access log."""
    audit(request).action = "change"
