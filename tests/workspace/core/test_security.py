"""Tests for workspace/core/security.py: argon2 passwords and keyed session hashes."""

from __future__ import annotations

from workspace.core.security import hash_password, token_hash, verify_password


def test_passwords_are_stored_as_argon2id_hashes():
    """The stored text is an argon2id hash, not the password, and verifies only it."""
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "correct horse battery!")
    assert not verify_password("not a hash", "x")


def test_session_hashes_depend_on_the_secret():
    """The same token hashes differently under another secret (a copied database is useless)."""
    assert token_hash("a" * 40, "token") != token_hash("b" * 40, "token")
