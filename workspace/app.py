"""``create_app``: the FastAPI application with its JSON API, pages, logs and access log.

The server's log says which route answered, with what status and how fast:
the route's template (``/api/proposals/{proposal_id}``), never the path or
query that was asked for, and never a body, so no child's data reaches it.
The access log (a table) records who viewed or changed which team's data.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from importlib.resources import files
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from workspace import crud
from workspace.api.deps import Audit
from workspace.api.main import api_router
from workspace.core.config import Settings
from workspace.core.db import make_engine, migrate, session_factory
from workspace.state import NoDataError

log = logging.getLogger("caseload.workspace")
CHANGE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'"
    ),
    "Cache-Control": "no-store",
}


def route_template(request: Request) -> str:
    """The path template of the route that answered (no ids, no query)."""
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    if path is None:
        return "(no route)"
    path = str(path)
    if request.url.path.startswith("/api/") and not path.startswith("/api"):
        path = "/api" + path  # a route of the included API router keeps its own path
    return path


def create_app(settings: Settings, *, run_migrations: bool = True) -> FastAPI:
    """The workspace application for ``settings`` (the schema migrated first by default).

    Examples
    --------
    >>> from fastapi.testclient import TestClient
    >>> from workspace.core.config import load_settings
    >>> app = create_app(load_settings(database_url="sqlite://"))
    >>> TestClient(app).get("/api/caseloads?team_id=T1").status_code
    401
    """
    engine = make_engine(settings.sqlalchemy_url)
    if run_migrations:
        migrate(engine)
    app = FastAPI(
        title="caseload workspace",
        version="1",
        description="Team managers' allocations, approvals and record (docs/workspace.md).",
        # The browsable docs load scripts from a CDN: nothing leaves the machine, so none.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory(engine)
    app.include_router(api_router)

    from workspace.web.main import web_router

    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=str(files("workspace") / "static")), name="static")

    @app.middleware("http")
    async def access_and_log(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        request.state.audit = Audit(action="change" if request.method in CHANGE_METHODS else "view")
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        template = route_template(request)
        record: Audit = request.state.audit
        if not template.startswith("/static"):
            _log_access(app, record, request.method, template, response.status_code)
        log.info(
            "%s %s %d %.0f ms",
            request.method,
            template,
            response.status_code,
            1000 * (time.perf_counter() - started),
        )
        return response

    @app.exception_handler(NoDataError)
    async def no_data(request: Request, exc: NoDataError) -> Response:
        if request.url.path.startswith("/api"):
            return JSONResponse({"detail": str(exc)}, status_code=409)
        from workspace.web.pages import render_error

        return render_error(request, 409, str(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/api") or request.url.path.startswith("/openapi"):
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        if exc.status_code == 401:
            return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)
        from workspace.web.pages import render_error

        return render_error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        errors: list[Any] = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        if request.url.path in RUN_ROUTES:
            # the run routes' documented problem shape (field, file, row, ... message),
            # with FastAPI's own keys kept beside it
            errors = [
                {
                    **e,
                    "field": str(e["loc"][-1]) if e["loc"] else None,
                    "file": None,
                    "row": None,
                    "column": None,
                    "variant": None,
                    "change": None,
                    "message": f"{e['loc'][-1] if e['loc'] else 'request'}: {e['msg']}",
                }
                for e in errors
            ]
        if request.url.path.startswith("/api"):
            return JSONResponse({"detail": errors}, status_code=422)
        from workspace.web.pages import render_error

        return render_error(
            request, 422, "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)
        )

    return app


RUN_ROUTES = ("/api/forecast-runs", "/api/plan-runs")
"""Routes whose 422 problems have the planner's shape (docs/workspace.md)."""


def _log_access(app: FastAPI, record: Audit, method: str, route: str, status: int) -> None:
    """One row of the access log, in its own short transaction (never fails the request)."""
    if record.user is None and record.action not in ("sign_in",) and not record.team_ids:
        return
    try:
        with app.state.session_factory() as session, session.begin():
            crud.log_access(
                session=session,
                user=record.user,
                action=record.action,
                route=f"{method} {route}",
                team_ids=record.team_ids,
                status_code=status,
            )
    except Exception as exc:  # the log must not take the page down; say so in the server log
        log.error("access log not written: %s", type(exc).__name__)
