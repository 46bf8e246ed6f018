"""SQL for the activities of activity sets, always scoped to one instance."""

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Connection, delete, func, insert, select

from rolodex.storage import tables
from rolodex.storage.repository import Row

_activities = tables.activities


class ActivityStore:
    """Activity rows of one instance."""

    def __init__(self, connection: Connection, instance_id: int) -> None:
        self.connection = connection
        self.instance_id = instance_id

    def _scoped(self) -> ColumnElement[bool]:
        return _activities.c.instance_id == self.instance_id

    def of_sets(self, set_ids: Sequence[int]) -> dict[int, list[Row]]:
        """Each set's activities, in id order."""
        grouped: dict[int, list[Row]] = defaultdict(list)
        if set_ids:
            query = (
                select(_activities)
                .where(self._scoped(), _activities.c.activityset_id.in_(list(set_ids)))
                .order_by(_activities.c.id)
            )
            for row in self.connection.execute(query).mappings():
                grouped[row["activityset_id"]].append(dict(row))
        return grouped

    def insert(self, set_id: int, values: Row) -> int:
        result = self.connection.execute(
            insert(_activities)
            .values(instance_id=self.instance_id, activityset_id=set_id, **values)
            .returning(_activities.c.id)
        )
        return int(result.scalar_one())

    def delete_of_set(self, set_id: int) -> None:
        self.connection.execute(
            delete(_activities).where(self._scoped(), _activities.c.activityset_id == set_id)
        )

    def count_with_team(self, team_id: int) -> int:
        """How many activities are assigned to the team."""
        query = (
            select(func.count())
            .select_from(_activities)
            .where(self._scoped(), _activities.c.assigned_team_id == team_id)
        )
        return int(self.connection.execute(query).scalar_one())
