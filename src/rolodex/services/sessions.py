"""Web sign-in: passwords (argon2id) and server-side sessions."""

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, func, select, update

from rolodex.errors import BadRequest, FieldError, NotFound, TooManyRequests
from rolodex.services.context import Caller, utc_now
from rolodex.services.users import caller_of
from rolodex.storage import tables

SESSION_DAYS = 14
MIN_PASSWORD_LENGTH = 8
# Password guessing: after this many failures for one email within the window, refuse for a while.
MAX_FAILURES = 10
FAILURE_WINDOW = timedelta(minutes=15)

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so a wrong email costs as long as a wrong
    password (made on first use: hashing at import would slow every command's start-up)."""
    return _hasher.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class WebSession:
    """A signed-in user, as each page sees it."""

    caller: Caller
    email: str
    name: str
    csrf_token: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def set_password(connection: Connection, email: str, password: str) -> None:
    """Set a user's sign-in password; signs the user out everywhere."""
    if len(password) < MIN_PASSWORD_LENGTH:
        message = f"A password needs at least {MIN_PASSWORD_LENGTH} characters."
        raise BadRequest(message, [FieldError("PASSWORD", message)])
    users = tables.users
    row = connection.execute(
        select(users.c.id).where(users.c.email_key == email.strip().lower())
    ).first()
    if row is None:
        raise NotFound(f"No user with email {email}.")
    connection.execute(
        update(users).where(users.c.id == row.id).values(password_hash=_hasher.hash(password))
    )
    connection.execute(delete(tables.web_sessions).where(tables.web_sessions.c.user_id == row.id))


def sign_in(connection: Connection, email: str, password: str) -> str | None:
    """A new session token for the active user with this email and password, else None.

    TooManyRequests after MAX_FAILURES wrong passwords for one email within FAILURE_WINDOW.
    """
    users, failures = tables.users, tables.sign_in_failures
    email_key = email.strip().lower()
    now = utc_now()
    recent = connection.execute(
        select(func.count(), func.min(failures.c.date_failed_utc)).where(
            failures.c.email_key == email_key, failures.c.date_failed_utc > now - FAILURE_WINDOW
        )
    ).one()
    if recent[0] >= MAX_FAILURES:
        wait = max(1, int((recent[1] + FAILURE_WINDOW - now).total_seconds() // 60) + 1)
        raise TooManyRequests(
            f"Too many failed sign-ins for this email; try again in {wait} minutes.",
            headers={"Retry-After": str(wait * 60)},
        )
    row = connection.execute(
        select(users.c.id, users.c.password_hash, users.c.active).where(
            users.c.email_key == email_key
        )
    ).first()
    stored = row.password_hash if row is not None and row.password_hash else _dummy_hash()
    try:
        _hasher.verify(stored, password)
        valid = row is not None and bool(row.password_hash) and bool(row.active)
    except (VerificationError, InvalidHashError):
        valid = False
    if not valid or row is None:
        connection.execute(failures.insert().values(email_key=email_key, date_failed_utc=now))
        connection.execute(
            delete(failures).where(failures.c.date_failed_utc < now - FAILURE_WINDOW)
        )
        return None
    connection.execute(delete(failures).where(failures.c.email_key == email_key))
    if _hasher.check_needs_rehash(stored):
        connection.execute(
            update(users).where(users.c.id == row.id).values(password_hash=_hasher.hash(password))
        )
    token = secrets.token_urlsafe(32)
    connection.execute(
        tables.web_sessions.insert().values(
            token_hash=_digest(token),
            user_id=row.id,
            csrf_token=secrets.token_urlsafe(32),
            date_created_utc=now,
            expires_utc=now + timedelta(days=SESSION_DAYS),
        )
    )
    # Expired sessions of this user go whenever the user signs in again.
    connection.execute(
        delete(tables.web_sessions).where(
            tables.web_sessions.c.user_id == row.id, tables.web_sessions.c.expires_utc < now
        )
    )
    return token


def session_for(connection: Connection, token: str) -> WebSession | None:
    """The live session of this cookie token, or None (unknown, expired, or user deactivated)."""
    sessions, users = tables.web_sessions, tables.users
    row = connection.execute(
        select(
            sessions.c.csrf_token,
            sessions.c.expires_utc,
            users.c.id,
            users.c.instance_id,
            users.c.administrator,
            users.c.read_only,
            users.c.active,
            users.c.email_address,
            users.c.first_name,
            users.c.last_name,
        )
        .join(users, users.c.id == sessions.c.user_id)
        .where(sessions.c.token_hash == _digest(token))
    ).first()
    if row is None or not row.active or row.expires_utc <= utc_now():
        return None
    name = " ".join(part for part in (row.first_name, row.last_name) if part)
    return WebSession(caller_of(row), row.email_address, name or row.email_address, row.csrf_token)


def sign_out(connection: Connection, token: str) -> None:
    """End the session of this cookie token."""
    connection.execute(
        delete(tables.web_sessions).where(tables.web_sessions.c.token_hash == _digest(token))
    )
