"""Signing in and out, the home page, and a worker's own caseload."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from workspace.api.deps import COOKIE, SessionDep, SettingsDep, Signed, require_role, signed_in
from workspace.api.routes.session import set_cookie, sign_in
from workspace.core.security import new_token, same
from workspace.views import NotFound, worker_caseload
from workspace.web.pages import SIGNIN_COOKIE, FormUser, render

router = APIRouter()


def _safe_next(target: str) -> str:
    """Only a path on this site (no open redirect)."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.get("/signin")
def signin_page(request: Request, next: str = "/") -> Response:
    token = new_token()
    response = render(
        request,
        "signin.html",
        title="Sign in",
        next=_safe_next(next),
        signin_csrf=token,
        error=None,
    )
    response.set_cookie(SIGNIN_COOKIE, token, httponly=True, samesite="strict", path="/signin")
    return response


@router.post("/signin")
def signin_submit(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    cookie = request.cookies.get(SIGNIN_COOKIE, "")
    if not cookie or not same(cookie, csrf_token):
        token = new_token()
        response = render(
            request,
            "signin.html",
            status_code=403,
            title="Sign in",
            next=_safe_next(next),
            signin_csrf=token,
            error="The form expired: sign in again.",
        )
        response.set_cookie(SIGNIN_COOKIE, token, httponly=True, samesite="strict", path="/signin")
        return response
    found = sign_in(request, db, settings, username, password)
    if found is None:
        token = new_token()
        response = render(
            request,
            "signin.html",
            status_code=401,
            title="Sign in",
            next=_safe_next(next),
            signin_csrf=token,
            error="The user name or password is wrong.",
            username=username,
        )
        response.set_cookie(SIGNIN_COOKIE, token, httponly=True, samesite="strict", path="/signin")
        return response
    _, token = found
    redirect = RedirectResponse(_safe_next(next), status_code=303)
    set_cookie(redirect, token, settings)
    redirect.delete_cookie(SIGNIN_COOKIE, path="/signin")
    return redirect


@router.post("/signout")
def signout(request: Request, db: SessionDep, settings: SettingsDep, current: FormUser) -> Response:
    from workspace import crud

    crud.close_session(session=db, token=request.cookies.get(COOKIE, ""), secret=settings.secret())
    db.commit()
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/")
def home(current: Annotated[Signed, Depends(signed_in)]) -> Response:
    target = {"worker": "/me", "planner": "/teams", "admin": "/teams"}.get(
        current.user.role, "/teams"
    )
    return RedirectResponse(target, status_code=303)


@router.get("/me")
def my_caseload(
    request: Request, db: SessionDep, current: Annotated[Signed, Depends(require_role("worker"))]
) -> Response:
    from workspace.history import worker_timeline

    try:
        mine = worker_caseload(session=db, worker_id=current.user.worker_id or "")
    except (NotFound, LookupError) as exc:
        return render(
            request,
            "error.html",
            status_code=404,
            title="Your caseload",
            message=str(exc),
            status=404,
        )
    timeline = worker_timeline(session=db, worker_id=current.user.worker_id or "")
    return render(request, "me.html", title="Your caseload", mine=mine, timeline=timeline)
