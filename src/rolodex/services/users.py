"""Instances (tenants), users and their API keys."""

import hashlib
import hmac
import re
import secrets
import uuid
from functools import cache
from typing import Any

from sqlalchemy import Connection, Select, bindparam, delete, func, insert, select, update

from rolodex.errors import BadRequest, Conflict, FieldError, Forbidden, NotFound
from rolodex.services.context import Caller, Role, utc_now
from rolodex.services.settings import seed_defaults
from rolodex.storage import tables
from rolodex.storage.cache import CALLERS, DAILY_LIMITS

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def new_api_key() -> str:
    """A fresh API key: 128 random bits, written like Insightly's (a GUID)."""
    return str(uuid.UUID(bytes=secrets.token_bytes(16)))


def hash_api_key(key: str) -> str:
    """What is stored for a key. Keys are random, so a plain SHA-256 cannot be reversed."""
    return hashlib.sha256(key.strip().lower().encode()).hexdigest()


def create_instance(connection: Connection, name: str) -> int:
    """A new instance with the default settings (rolodex.domain.defaults); returns its id."""
    name = name.strip()
    if not name:
        raise BadRequest("An instance needs a name.")
    subdomain = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "instance"
    result = connection.execute(
        insert(tables.instances)
        .values(name=name, subdomain=subdomain, plan_name="Rolodex", date_created_utc=utc_now())
        .returning(tables.instances.c.id)
    )
    instance_id = int(result.scalar_one())
    seed_defaults(connection, instance_id)
    return instance_id


def default_instance(connection: Connection) -> int:
    """The first instance, created as "Default" when there is none."""
    first = connection.execute(select(func.min(tables.instances.c.id))).scalar()
    return int(first) if first is not None else create_instance(connection, "Default")


def list_instances(connection: Connection) -> list[dict[str, Any]]:
    """Every instance, by id, with its number of users and its own daily limit (None: the
    server's)."""
    instances, users = tables.instances, tables.users
    user_count = (
        select(func.count())
        .where(users.c.instance_id == instances.c.id)
        .scalar_subquery()
        .label("users")
    )
    query = select(
        instances.c.id, instances.c.name, instances.c.rate_limit_daily, user_count
    ).order_by(instances.c.id)
    return [dict(row) for row in connection.execute(query).mappings()]


def instance_exists(connection: Connection, instance_id: int) -> bool:
    query = select(tables.instances.c.id).where(tables.instances.c.id == instance_id)
    return connection.execute(query).first() is not None


def set_daily_limit(connection: Connection, instance_id: int, limit: int | None) -> None:
    """Override the server's daily rate limit for one instance (None: back to the default)."""
    if limit is not None and limit < 0:
        raise BadRequest("A daily limit cannot be negative (0 turns it off).")
    instances = tables.instances
    DAILY_LIMITS.drop_on_commit(connection)
    result = connection.execute(
        update(instances).where(instances.c.id == instance_id).values(rate_limit_daily=limit)
    )
    if result.rowcount == 0:
        raise NotFound(f"No instance with ID {instance_id}.")


def create_user(
    connection: Connection,
    instance_id: int,
    email: str,
    first_name: str,
    last_name: str,
    administrator: bool = False,
) -> tuple[int, str]:
    """A new user of `instance_id`; returns its id and its API key (shown once, stored hashed)."""
    email = email.strip()
    if not _EMAIL.match(email):
        message = f"'{email}' is not an email address."
        raise BadRequest(message, [FieldError("EMAIL_ADDRESS", message)])
    if not instance_exists(connection, instance_id):
        raise NotFound(f"No instance with ID {instance_id}.")
    users = tables.users
    taken = select(users.c.id).where(users.c.email_key == email.lower())
    if connection.execute(taken).first() is not None:
        message = f"A user with email {email} already exists."
        raise Conflict(message, [FieldError("EMAIL_ADDRESS", message)])
    key = new_api_key()
    now = utc_now()
    result = connection.execute(
        insert(users)
        .values(
            instance_id=instance_id,
            email_address=email,
            email_key=email.lower(),
            first_name=first_name,
            last_name=last_name,
            administrator=administrator,
            account_owner=administrator and not _has_users(connection, instance_id),
            active=True,
            timezone_id="UTC",
            user_currency="USD",
            contact_display="FIRST_LAST",
            contact_order="FIRST_LAST",
            task_week_start=1,
            api_key_hash=hash_api_key(key),
            date_created_utc=now,
            date_updated_utc=now,
        )
        .returning(users.c.id)
    )
    return int(result.scalar_one()), key


def _has_users(connection: Connection, instance_id: int) -> bool:
    query = select(tables.users.c.id).where(tables.users.c.instance_id == instance_id).limit(1)
    return connection.execute(query).first() is not None


def any_user(connection: Connection) -> bool:
    """Whether any user exists at all (a fresh database has none)."""
    return connection.execute(select(tables.users.c.id).limit(1)).first() is not None


def regenerate_key(connection: Connection, email: str) -> str:
    """A new API key for the user with `email`; the old key stops working at once."""
    users = tables.users
    key = new_api_key()
    CALLERS.drop_on_commit(connection)
    result = connection.execute(
        update(users)
        .where(users.c.email_key == email.strip().lower())
        .values(api_key_hash=hash_api_key(key), date_updated_utc=utc_now())
    )
    if result.rowcount == 0:
        raise NotFound(f"No user with email {email}.")
    return key


def caller_of(row: Any) -> Caller:
    """The caller a user row (id, instance_id, administrator, read_only) acts as."""
    return Caller(
        instance_id=row.instance_id,
        user_id=row.id,
        is_admin=bool(row.administrator),
        read_only=bool(row.read_only),
    )


def cached_caller(key: str) -> Caller | bool | None:
    """The caller for `key` as this process last read it (at most CACHE_SECONDS ago): a Caller,
    False for a key known to be invalid, or None when it must be read (`authenticate`)."""
    return CALLERS.peek(hash_api_key(key))  # type: ignore[return-value]


def authenticate(connection: Connection, key: str) -> Caller | None:
    """The active user whose API key is `key`, or None (kept in the CALLERS cache)."""
    digest = hash_api_key(key)

    def load() -> Caller | bool:
        row = connection.execute(_user_by_key_hash(), {"digest": digest}).first()
        # The lookup is by hash; comparing the digests again in constant time costs nothing.
        if row is None or not hmac.compare_digest(row.api_key_hash, digest):
            return False
        return caller_of(row)

    found = CALLERS.get_or_load(connection, digest, load)
    return found if isinstance(found, Caller) else None


@cache
def _user_by_key_hash() -> Select[Any]:
    """Built once: every request runs it."""
    users = tables.users
    return select(
        users.c.id,
        users.c.instance_id,
        users.c.administrator,
        users.c.read_only,
        users.c.api_key_hash,
    ).where(users.c.api_key_hash == bindparam("digest"), users.c.active.is_(True))


def instance_info(connection: Connection, instance_id: int) -> dict[str, Any]:
    """GET /Instance."""
    instances = tables.instances
    row = connection.execute(select(instances).where(instances.c.id == instance_id)).one()
    return {
        "INSTANCE_NAME": row.name,
        "INSTANCE_SUBDOMAIN": row.subdomain,
        "PLAN_NAME": row.plan_name,
        "NEW_USER_EXPERIENCE_ENABLED": True,
    }


# --- administration of an instance's users (the admin web pages) ------------------------------


def list_users(connection: Connection, instance_id: int) -> list[dict[str, Any]]:
    """The instance's users, by last and first name."""
    return _users_where(connection, tables.users.c.instance_id == instance_id)


def _users_where(connection: Connection, *conditions: Any) -> list[dict[str, Any]]:
    """The users matching `conditions`, by last and first name, each with its role."""
    users = tables.users
    query = (
        select(
            users.c.id,
            users.c.instance_id,
            users.c.email_address,
            users.c.first_name,
            users.c.last_name,
            users.c.administrator,
            users.c.read_only,
            users.c.account_owner,
            users.c.active,
            users.c.password_hash.is_not(None).label("has_password"),
        )
        .where(*conditions)
        .order_by(users.c.last_name, users.c.first_name, users.c.id)
    )
    return [
        {**row, "role": Role.of(row["administrator"], row["read_only"])}
        for row in connection.execute(query).mappings()
    ]


def user_of(connection: Connection, caller: Caller, user_id: int) -> dict[str, Any]:
    """A user of the caller's instance, for an administrator; 404 for any other instance's."""
    if not caller.is_admin:
        raise Forbidden("Only an administrator can manage users.")
    users = tables.users
    found = _users_where(
        connection, users.c.instance_id == caller.instance_id, users.c.id == user_id
    )
    if not found:
        raise NotFound(f"No user with ID {user_id} in this instance.")
    return found[0]


def _change_other_user(
    connection: Connection, caller: Caller, user_id: int, what: str, values: dict[str, Any]
) -> dict[str, Any]:
    user = user_of(connection, caller, user_id)
    if user_id == caller.user_id:
        # Locking oneself out would leave the instance without the admin who did it.
        raise Conflict(f"You cannot {what} yourself; ask another administrator.")
    CALLERS.drop_on_commit(connection)
    connection.execute(
        update(tables.users)
        .where(tables.users.c.id == user_id)
        .values(**values, date_updated_utc=utc_now())
    )
    return user


def set_active(connection: Connection, caller: Caller, user_id: int, active: bool) -> None:
    """Deactivate (API key and web sessions stop working) or reactivate another user."""
    _change_other_user(
        connection, caller, user_id, "activate" if active else "deactivate", {"active": active}
    )
    if not active:  # so that reactivating the user does not revive old sessions
        connection.execute(
            delete(tables.web_sessions).where(tables.web_sessions.c.user_id == user_id)
        )


def set_role(connection: Connection, caller: Caller, user_id: int, role: Role) -> None:
    """An administrator gives another user of the instance a role (the admin pages)."""
    user = user_of(connection, caller, user_id)
    if user_id == caller.user_id:
        raise Conflict("You cannot change your own role; ask another administrator.")
    _write_role(connection, user, role)


def set_role_by_email(connection: Connection, email: str, role: Role) -> dict[str, Any]:
    """Give the user with `email` a role (`rolodex users set-role`); returns the user as it
    was before."""
    found = _users_where(connection, tables.users.c.email_key == email.strip().lower())
    if not found:
        raise NotFound(f"No user with email {email}.")
    _write_role(connection, found[0], role)
    return found[0]


def _write_role(connection: Connection, user: dict[str, Any], role: Role) -> None:
    """Set `user`'s role, unless that leaves the instance without an active administrator."""
    users = tables.users
    if user["role"] is role:
        return  # no change, and DATE_UPDATED_UTC stays
    if user["role"] is Role.ADMINISTRATOR:
        # Role changes of one instance take turns on its row, so that two of them cannot each
        # demote one of the last two administrators.
        instances = tables.instances
        connection.execute(
            select(instances.c.id).where(instances.c.id == user["instance_id"]).with_for_update()
        )
        others = connection.execute(
            select(func.count())
            .select_from(users)
            .where(
                users.c.instance_id == user["instance_id"],
                users.c.id != user["id"],
                users.c.administrator.is_(True),
                users.c.active.is_(True),
            )
        ).scalar_one()
        if others == 0:
            raise Conflict(
                f"{user['email_address']} is the instance's last active administrator; "
                "make another user an administrator first."
            )
    CALLERS.drop_on_commit(connection)
    connection.execute(
        update(users)
        .where(users.c.id == user["id"])
        .values(**role.columns(), date_updated_utc=utc_now())
    )
