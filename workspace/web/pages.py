"""What every page shares: templates, the signed-in user, CSRF checks, error pages.

Forms carry the session's CSRF token (``csrf_token``), checked before a page
changes anything; the sign-in form, before any session, uses a double-submit
cookie. Pages use the same dependencies as the API (``require_role``, team
scope), so a page refuses exactly what the API refuses.
"""

from __future__ import annotations

from datetime import date, datetime
from importlib.resources import files
from typing import Annotated, Any

from fastapi import Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from workspace.api.deps import PLANNING_RUNNERS, CurrentUser, Signed, audit, check_role
from workspace.core.security import same

templates = Jinja2Templates(directory=str(files("workspace") / "templates"))
ROLE_NAMES = {
    "team_manager": "Team manager",
    "head_of_service": "Head of service",
    "planner": "Planner",
    "worker": "Social worker",
    "admin": "Administrator",
}
SIGNIN_COOKIE = "caseload_signin_csrf"


def _date(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return "" if value is None else str(value)


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


templates.env.filters["date"] = _date
templates.env.filters["num"] = _num
templates.env.globals["ROLE_NAMES"] = ROLE_NAMES


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page, with the signed-in user (if any) and their CSRF token in its context."""
    signed: Signed | None = getattr(request.state, "signed", None)
    context.setdefault("user", signed.user if signed else None)
    context.setdefault("csrf", signed.session.csrf_token if signed else "")
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def render_error(request: Request, status: int, message: str) -> Response:
    titles = {
        403: "You may not see this",
        404: "Not found",
        409: "Not possible now",
        422: "Check what you entered",
    }
    return render(
        request,
        "error.html",
        status_code=status,
        title=titles.get(status, "Something went wrong"),
        message=message,
        status=status,
    )


def csrf_checked(
    current: CurrentUser, request: Request, csrf_token: Annotated[str, Form(max_length=200)] = ""
) -> Signed:
    """The signed-in user, if the form carries their session's CSRF token (else 403)."""
    if not csrf_token or not same(csrf_token, current.session.csrf_token):
        raise HTTPException(
            403,
            "the form has expired or did not come from this site: reload the page and try again",
        )
    audit(request).action = "change"
    return current


FormUser = Annotated[Signed, Depends(csrf_checked)]


def cancel_from_page(
    request: Request, db: Any, current: Signed, table: Any, run_id: int, page: str
) -> Response:
    """The run page's *Cancel this run* button: cancel run ``run_id`` of ``table`` and show
    its page (``page``) again, where it says what became of it."""
    from fastapi.responses import RedirectResponse

    from workspace.jobs import RunRefused, cancel_run

    check_role(current, PLANNING_RUNNERS)
    audit(request).action = "change"
    try:
        cancel_run(db, table, run_id, current.user.username)
    except RunRefused as exc:
        if exc.status == 404:
            raise HTTPException(404, str(exc)) from None
    db.commit()
    return RedirectResponse(page, status_code=303)
