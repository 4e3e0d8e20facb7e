"""Queries: users, sessions, the access log, proposals and the record.

Every function takes the database session as the keyword ``session=`` and
leaves the transaction to its caller, so the JSON API and the pages share
them and a route's work commits (or rolls back) as one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from workspace.core.security import hash_password, new_token, token_hash, verify_password
from workspace.schemas import ROLES
from workspace.tables import (
    AccessRecord,
    Approval,
    Batch,
    Decision,
    Proposal,
    TeamRow,
    User,
    UserService,
    UserSession,
    UserTeam,
    now,
)


class UserError(ValueError):
    """A user that cannot be added as asked; the message says why."""


# --- users ------------------------------------------------------------------------------


def add_user(
    *,
    session: Session,
    username: str,
    password: str,
    role: str,
    teams: Sequence[str] = (),
    services: Sequence[str] = (),
    worker_id: str | None = None,
) -> User:
    """Add a user (or replace the password, role and scope of an existing one).

    Raises
    ------
    UserError
        An unknown role, a short password, a worker without ``worker_id``, a
        team manager without a team, a head of service without a service.
    """
    from workspace.core.security import MIN_PASSWORD_LENGTH

    problems = []
    if not username.strip() or len(username) > 100:
        problems.append("the user name must be 1 to 100 characters")
    if role not in ROLES:
        problems.append(f"--role: {role!r} is not one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    if role == "worker" and not worker_id:
        problems.append("a worker needs --worker WORKER_ID (their own caseload)")
    if role == "team_manager" and not teams:
        problems.append("a team manager needs at least one --team TEAM_ID")
    if role == "head_of_service" and not services:
        problems.append("a head of service needs at least one --service SERVICE")
    if problems:
        raise UserError("; ".join(problems))
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, password_hash="", role=role)
        session.add(user)
    user.password_hash = hash_password(password)
    user.role = role
    user.worker_id = worker_id
    user.active = True
    session.flush()
    session.execute(delete(UserTeam).where(UserTeam.user_id == user.id))
    session.execute(delete(UserService).where(UserService.user_id == user.id))
    session.add_all(UserTeam(user_id=user.id, team_id=t) for t in dict.fromkeys(teams))
    session.add_all(UserService(user_id=user.id, service=s) for s in dict.fromkeys(services))
    session.flush()
    return user


def list_users(*, session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def user_teams(*, session: Session, user: User) -> list[str]:
    return list(session.scalars(select(UserTeam.team_id).where(UserTeam.user_id == user.id)))


def user_services(*, session: Session, user: User) -> list[str]:
    return list(session.scalars(select(UserService.service).where(UserService.user_id == user.id)))


# --- sessions ---------------------------------------------------------------------------


def authenticate(*, session: Session, username: str, password: str) -> User | None:
    """The active user with this password, else ``None`` (same time either way)."""
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    ok = verify_password(user.password_hash if user else None, password)
    return user if ok and user is not None else None


def open_session(
    *, session: Session, user: User, secret: str, idle_minutes: int
) -> tuple[str, UserSession]:
    """A new session for ``user``: the cookie's token and the stored row."""
    token = new_token()
    row = UserSession(
        token_hash=token_hash(secret, token),
        user_id=user.id,
        csrf_token=new_token(),
        expires_at=now() + timedelta(minutes=idle_minutes),
    )
    session.add(row)
    session.flush()
    return token, row


def session_user(
    *, session: Session, token: str, secret: str, idle_minutes: int, max_hours: int
) -> tuple[User, UserSession] | None:
    """The user of a live session (extending it), or ``None`` when unknown or expired."""
    row = session.scalar(
        select(UserSession).where(UserSession.token_hash == token_hash(secret, token))
    )
    if row is None:
        return None
    moment = now()
    if (
        aware(row.expires_at) <= moment
        or aware(row.created_at) + timedelta(hours=max_hours) <= moment
    ):
        session.delete(row)
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if (moment - aware(row.last_seen)).total_seconds() > 30:
        row.last_seen = moment
        row.expires_at = moment + timedelta(minutes=idle_minutes)
    return user, row


def close_session(*, session: Session, token: str, secret: str) -> None:
    session.execute(delete(UserSession).where(UserSession.token_hash == token_hash(secret, token)))


def aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes of what was stored as UTC: make them aware."""
    from datetime import UTC

    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# --- the access log ---------------------------------------------------------------------


def log_access(
    *,
    session: Session,
    user: User | None,
    action: str,
    route: str,
    team_ids: Sequence[str],
    status_code: int,
) -> None:
    """Record who viewed or changed which teams' data (no child's data)."""
    session.add(
        AccessRecord(
            username=user.username if user else None,
            role=user.role if user else None,
            action=action,
            route=route[:200],
            team_ids=",".join(sorted(set(team_ids)))[:1000],
            status_code=status_code,
        )
    )


def access_log(
    *, session: Session, team_id: str | None = None, limit: int = 500
) -> list[AccessRecord]:
    query = select(AccessRecord).order_by(AccessRecord.id.desc()).limit(limit)
    if team_id:
        query = query.where(AccessRecord.team_ids.contains(team_id))
    return list(session.scalars(query))


# --- proposals, approvals and the record ------------------------------------------------


def proposals_for(*, session: Session, team_ids: Sequence[str], limit: int = 20) -> list[Proposal]:
    """Recent proposals touching any of these teams, newest first."""
    rows = session.scalars(select(Proposal).order_by(Proposal.id.desc()).limit(500)).all()
    wanted = set(team_ids)
    return [p for p in rows if wanted & set(p.team_ids)][:limit]


def approvals_of(*, session: Session, proposal_id: int) -> list[Approval]:
    return list(
        session.scalars(
            select(Approval).where(Approval.proposal_id == proposal_id).order_by(Approval.id)
        )
    )


def awaiting_head_of_service(*, session: Session) -> list[tuple[Proposal, Approval]]:
    """Proposals a manager approved that wait for a head of service, oldest first."""
    rows = session.execute(
        select(Proposal, Approval)
        .join(Approval, Approval.proposal_id == Proposal.id)
        .where(Approval.step == "manager", Proposal.applied.is_(False))
        .order_by(Approval.id)
    ).all()
    latest: dict[int, tuple[Proposal, Approval]] = {}
    for proposal, approval in rows:
        latest[proposal.id] = (proposal, approval)
    return list(latest.values())


def batches_for(*, session: Session, team_id: str, limit: int = 100) -> list[Batch]:
    ids = select(Decision.batch_id).where(Decision.team_id == team_id).distinct()
    return list(
        session.scalars(
            select(Batch).where(Batch.id.in_(ids)).order_by(Batch.id.desc()).limit(limit)
        )
    )


def decisions_of(*, session: Session, batch_id: int, team_id: str | None = None) -> list[Decision]:
    query = select(Decision).where(Decision.batch_id == batch_id)
    if team_id is not None:
        query = query.where(Decision.team_id == team_id)
    return list(session.scalars(query.order_by(Decision.id)))


def team_versions(*, session: Session, snapshot_id: int, team_ids: Sequence[str]) -> dict[str, int]:
    rows = session.execute(
        select(TeamRow.team_id, TeamRow.version).where(
            TeamRow.snapshot_id == snapshot_id, TeamRow.team_id.in_(list(team_ids))
        )
    ).all()
    return {team: version for team, version in rows}
