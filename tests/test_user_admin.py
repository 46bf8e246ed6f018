"""rolodex.services.users' administration of users: listing, (de)activating, roles."""

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from rolodex.errors import Conflict, Forbidden, NotFound
from rolodex.services import users
from rolodex.services.context import Caller, Role
from rolodex.services.sessions import session_for, set_password, sign_in
from rolodex.storage.engine import unit_of_work
from tests.conftest import Tenant


def test_users_are_listed_per_instance(engine: Engine, make_tenant: Callable[[], Tenant]) -> None:
    mine, theirs = make_tenant(), make_tenant()
    other_id, _ = mine.add_user(engine, f"list-{mine.instance_id}@example.com")
    with unit_of_work(engine) as connection:
        listed = users.list_users(connection, mine.instance_id)
    assert [user["id"] for user in listed] == [mine.user_id, other_id]  # Admin, then User
    assert listed[0]["administrator"] is True
    assert listed[1]["has_password"] is False
    assert theirs.email not in {user["email_address"] for user in listed}


def test_deactivating_ends_the_users_sessions_for_good(
    engine: Engine, make_tenant: Callable[[], Tenant]
) -> None:
    tenant = make_tenant()
    email = f"gone-{tenant.instance_id}@example.com"
    user_id, key = tenant.add_user(engine, email)
    admin = Caller(tenant.instance_id, tenant.user_id, is_admin=True)
    with unit_of_work(engine, write=True) as connection:
        set_password(connection, email, "a-long-password")
        token = sign_in(connection, email, "a-long-password")
        assert token is not None
        users.set_active(connection, admin, user_id, False)
        assert users.authenticate(connection, key) is None
        users.set_active(connection, admin, user_id, True)
        assert users.authenticate(connection, key) is not None
        assert session_for(connection, token) is None  # reactivation revives no old session


def test_only_an_admin_changes_other_users_of_its_own_instance(
    engine: Engine, make_tenant: Callable[[], Tenant]
) -> None:
    tenant, stranger = make_tenant(), make_tenant()
    user_id, key = tenant.add_user(engine, f"plain-{tenant.instance_id}@example.com")
    admin = Caller(tenant.instance_id, tenant.user_id, is_admin=True)
    plain = Caller(tenant.instance_id, user_id)
    with unit_of_work(engine, write=True) as connection:
        with pytest.raises(Forbidden):
            users.set_role(connection, plain, tenant.user_id, Role.USER)
        with pytest.raises(Conflict, match="You cannot deactivate yourself"):
            users.set_active(connection, admin, tenant.user_id, False)
        with pytest.raises(Conflict, match="You cannot change your own role"):
            users.set_role(connection, admin, tenant.user_id, Role.USER)
        with pytest.raises(NotFound):
            users.set_active(connection, admin, stranger.user_id, False)
        users.set_role(connection, admin, user_id, Role.ADMINISTRATOR)
        caller = users.authenticate(connection, key)
        untouched = users.authenticate(connection, stranger.api_key)
    assert caller is not None and caller.is_admin
    assert untouched is not None and untouched.is_admin
