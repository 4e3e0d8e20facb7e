"""The JSON API fuzzed from its own schema (/openapi.json) with schemathesis: whatever a
client sends, no route answers with a server error."""

from __future__ import annotations

import shutil

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.support import password_of
from tests.workspace.conftest import SECRET
from workspace import create_app, load_settings


@pytest.fixture(scope="module")
def fuzzed_app(template_db, tmp_path_factory):
    """The workspace on its own copy of the test database (the fuzzing changes it)."""
    target = tmp_path_factory.mktemp("fuzz") / "ws.db"
    shutil.copy(template_db, target)
    app = create_app(load_settings(database_url=f"sqlite:///{target}", secret_key=SECRET))
    yield app
    app.state.engine.dispose()


@pytest.fixture(scope="module")
def cookie(fuzzed_app):
    """A signed-in admin's session cookie (signed in again when a case signs out)."""
    from fastapi.testclient import TestClient

    def sign_in() -> dict[str, str]:
        client = TestClient(fuzzed_app)
        client.post("/api/session", json={"username": "admin", "password": password_of("admin")})
        return {"caseload_session": client.cookies["caseload_session"]}

    return {"cookies": sign_in(), "sign_in": sign_in}


def operations(app) -> list:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def test_no_route_answers_with_a_server_error(fuzzed_app, cookie):
    """Generated requests to every operation, signed in as an admin, never get a 5xx."""
    failures: list[str] = []
    tried = 0
    for operation in operations(fuzzed_app):

        @given(case=operation.as_strategy())
        @settings(
            max_examples=15,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case) -> None:
            nonlocal tried
            tried += 1
            response = case.call(cookies=cookie["cookies"])
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.text[:300]}")
            if case.method == "DELETE" and case.path == "/api/session":
                cookie["cookies"] = cookie["sign_in"]()

        fuzz()
    assert failures == []
    assert tried > 100
