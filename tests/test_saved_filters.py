"""SavedFilterService: a user's filters of a list, by name (replaced when saved again under a
name in any letter case), never another user's; bad filters refused with a message."""

import pytest
from sqlalchemy import Engine

from rolodex.domain.registry import CONTACTS, ORGANISATIONS
from rolodex.errors import BadRequest, NotFound
from rolodex.services.context import Caller
from rolodex.services.saved_filters import MAX_PER_LIST, FilterIn, SavedFilterService
from rolodex.storage.engine import unit_of_work
from tests.conftest import Tenant


def test_filters_are_saved_listed_replaced_and_deleted_per_user_and_list(
    tenant: Tenant, engine: Engine
) -> None:
    me = Caller(tenant.instance_id, tenant.user_id, is_admin=True)
    other = Caller(tenant.instance_id, tenant.add_user(engine, "other@example.com")[0])
    with unit_of_work(engine, write=True) as connection:
        mine = SavedFilterService(connection, me, CONTACTS)
        first = mine.save(FilterIn("  Big   ones ", "FIRST_NAME", "ada", "last_name", True))
        assert (first.name, first.sort_field, first.descending) == ("Big ones", "LAST_NAME", True)
        mine.save(FilterIn("All by name", sort_field="FIRST_NAME"))
        replaced = mine.save(FilterIn("BIG ONES", "FIRST_NAME", "bob"))
        assert replaced.id == first.id and replaced.search_text == "bob"
        assert [f.name for f in mine.list()] == ["All by name", "BIG ONES"]
        assert SavedFilterService(connection, me, ORGANISATIONS).list() == []
        theirs = SavedFilterService(connection, other, CONTACTS)
        assert theirs.list() == []
        with pytest.raises(NotFound):
            theirs.delete(first.id)
        with pytest.raises(NotFound):
            SavedFilterService(connection, me, ORGANISATIONS).get(first.id)
        mine.delete(first.id)
        assert [f.name for f in mine.list()] == ["All by name"]


def test_bad_filters_are_refused_with_a_message(tenant: Tenant, engine: Engine) -> None:
    me = Caller(tenant.instance_id, tenant.user_id, is_admin=True)
    with unit_of_work(engine, write=True) as connection:
        service = SavedFilterService(connection, me, CONTACTS)
        for wanted, message in (
            (FilterIn(" "), "give the filter a name"),
            (FilterIn("x" * 101), "longer than 100 characters"),
            (FilterIn("Long", search_text="x" * 501), "longer than 500 characters"),
            (FilterIn("Odd", sort_field="BACKGROUND"), "not a field the list can be sorted by"),
        ):
            with pytest.raises(BadRequest, match=message):
                service.save(wanted)
        for number in range(MAX_PER_LIST):
            service.save(FilterIn(f"Filter {number}"))
        with pytest.raises(BadRequest, match=f"You have {MAX_PER_LIST} saved filters"):
            service.save(FilterIn("One more"))
        service.save(FilterIn("filter 0", search_text="replacing is still allowed"))
