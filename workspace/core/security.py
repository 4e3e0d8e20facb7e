"""Passwords (argon2), session tokens and CSRF tokens.

Passwords are hashed with argon2id (``argon2-cffi``'s defaults, RFC 9106's
second recommended set). A session is a random token in an HttpOnly,
SameSite=Strict cookie; the database keeps only its keyed hash, so a copy of
the database cannot be used to sign in. Forms carry the session's CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
"""NCSC guidance favours length over composition rules."""

# A hash to verify against when the user does not exist, so a wrong user name takes
# as long as a wrong password (no user names learnt from timing).
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (a self-describing string)."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; always spends the time of one verification.

    Examples
    --------
    >>> verify_password(hash_password("correct horse"), "correct horse")
    True
    >>> verify_password(None, "anything")
    False
    """
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A fresh random token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def token_hash(secret: str, token: str) -> str:
    """The keyed hash stored for a session token."""
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two tokens."""
    return hmac.compare_digest(a.encode(), b.encode())
