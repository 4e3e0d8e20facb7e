"""Signing in and out: ``POST /api/session``, ``DELETE /api/session``, ``GET /api/me``."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response

from workspace import crud
from workspace.api.deps import COOKIE, CurrentUser, SessionDep, SettingsDep, audit
from workspace.core.config import Settings
from workspace.schemas import Me, SignIn
from workspace.tables import User

router = APIRouter(tags=["session"])


def set_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        max_age=settings.session_hours * 3600,
        path="/",
    )


def sign_in(
    request: Request, db: SessionDep, settings: Settings, username: str, password: str
) -> tuple[User, str] | None:
    """Check the password and open a session; ``None`` when wrong. Logged either way."""
    user = crud.authenticate(session=db, username=username, password=password)
    record = audit(request)
    record.action = "sign_in"
    if user is None:
        return None
    record.user = user
    token, _ = crud.open_session(
        session=db, user=user, secret=settings.secret(), idle_minutes=settings.session_minutes
    )
    db.commit()
    return user, token


@router.post(
    "/session", response_model=Me, responses={401: {"description": "wrong user name or password"}}
)
def create_session(
    body: SignIn, request: Request, response: Response, db: SessionDep, settings: SettingsDep
) -> Me:
    """Sign in: sets the session cookie (HttpOnly, SameSite=Strict)."""
    found = sign_in(request, db, settings, body.username, body.password)
    if found is None:
        raise HTTPException(401, "wrong user name or password")
    user, token = found
    set_cookie(response, token, settings)
    return Me(
        username=user.username,
        role=user.role,
        teams=crud.user_teams(session=db, user=user),
        services=crud.user_services(session=db, user=user),
        worker_id=user.worker_id,
    )


@router.delete("/session", status_code=204, response_class=Response)
def delete_session(
    request: Request, db: SessionDep, settings: SettingsDep, current: CurrentUser
) -> Response:
    """Sign out: the session ends on the server and the cookie is cleared."""
    audit(request).action = "sign_out"
    crud.close_session(session=db, token=request.cookies.get(COOKIE, ""), secret=settings.secret())
    db.commit()
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/me", response_model=Me)
def me(current: CurrentUser) -> Me:
    """Who is signed in, their role and scope."""
    return Me(
        username=current.user.username,
        role=current.user.role,
        teams=current.teams,
        services=current.services,
        worker_id=current.user.worker_id,
    )
