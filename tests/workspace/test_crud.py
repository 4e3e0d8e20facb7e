"""Tests for workspace/crud.py: users and sessions, straight on a database session."""

from __future__ import annotations

import pytest

from workspace import crud
from workspace.crud import UserError


@pytest.fixture
def db(app):
    with app.state.session_factory() as session:
        yield session


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"role": "boss"}, "not one of"),
        ({"role": "worker"}, "needs --worker"),
        ({"role": "team_manager"}, "needs at least one --team"),
        ({"role": "head_of_service"}, "needs at least one --service"),
        ({"role": "admin", "password": "short"}, "at least 10"),
    ],
)
def test_a_user_missing_what_their_role_needs_is_refused(db, fields, message):
    """Each role's scope is required, and passwords have a minimum length."""
    values = {"username": "new", "password": "a long password", **fields}
    with pytest.raises(UserError, match=message):
        crud.add_user(session=db, **values)


def test_adding_a_user_again_changes_password_role_and_scope(db):
    """The same name again replaces the password, role and teams."""
    crud.add_user(
        session=db, username="sam", password="first password", role="team_manager", teams=["T1"]
    )
    user = crud.add_user(
        session=db, username="sam", password="second password", role="team_manager", teams=["T2"]
    )
    assert crud.user_teams(session=db, user=user) == ["T2"]
    assert crud.authenticate(session=db, username="sam", password="second password") is not None
    assert crud.authenticate(session=db, username="sam", password="first password") is None


def test_a_session_token_finds_its_user_and_no_other(db):
    """A fresh token finds its user; a made-up one finds nothing."""
    user = crud.authenticate(session=db, username="mo", password="mo-password-1")
    token, _ = crud.open_session(session=db, user=user, secret="s" * 40, idle_minutes=5)
    found = crud.session_user(session=db, token=token, secret="s" * 40, idle_minutes=5, max_hours=1)
    assert found is not None and found[0].username == "mo"
    assert (
        crud.session_user(session=db, token="made-up", secret="s" * 40, idle_minutes=5, max_hours=1)
        is None
    )
