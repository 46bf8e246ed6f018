"""SQL for team memberships, always scoped to one instance (like rolodex.storage.repository)."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, delete, insert, select, update

from rolodex.storage import tables
from rolodex.storage.repository import Page, Row, fetch_page

_members = tables.team_members


class TeamMemberStore:
    """Team membership rows of one instance."""

    def __init__(self, connection: Connection, instance_id: int) -> None:
        self.connection = connection
        self.instance_id = instance_id

    def _scoped(self) -> ColumnElement[bool]:
        return _members.c.instance_id == self.instance_id

    def get(self, member_id: int) -> Row | None:
        query = select(_members).where(self._scoped(), _members.c.id == member_id)
        row = self.connection.execute(query).mappings().first()
        return dict(row) if row is not None else None

    def of_teams(self, team_ids: Sequence[int]) -> dict[int, list[Row]]:
        """Each team's memberships, in id order."""
        grouped: dict[int, list[Row]] = defaultdict(list)
        if team_ids:
            query = (
                select(_members)
                .where(self._scoped(), _members.c.team_id.in_(list(team_ids)))
                .order_by(_members.c.id)
            )
            for row in self.connection.execute(query).mappings():
                grouped[row["team_id"]].append(dict(row))
        return grouped

    def page(self, page: Page) -> tuple[list[Row], int | None]:
        """One page of every membership of the instance, in id order."""
        query: Select[Any] = select(_members).where(self._scoped()).order_by(_members.c.id)
        return fetch_page(self.connection, query, page)

    def insert(self, team_id: int, user_id: int) -> int:
        result = self.connection.execute(
            insert(_members)
            .values(instance_id=self.instance_id, team_id=team_id, member_user_id=user_id)
            .returning(_members.c.id)
        )
        return int(result.scalar_one())

    def update(self, member_id: int, team_id: int, user_id: int) -> None:
        self.connection.execute(
            update(_members)
            .where(self._scoped(), _members.c.id == member_id)
            .values(team_id=team_id, member_user_id=user_id)
        )

    def delete(self, member_ids: Iterable[int]) -> None:
        wanted = set(member_ids)
        if wanted:
            self.connection.execute(
                delete(_members).where(self._scoped(), _members.c.id.in_(wanted))
            )

    def delete_of_team(self, team_id: int) -> None:
        self.connection.execute(
            delete(_members).where(self._scoped(), _members.c.team_id == team_id)
        )
