"""Teams and their members: everyone reads them, only admins change them.

A team's scalar fields go through the generic record engine (registry TEAMS); its TEAMMEMBERS
are kept here. A TEAMMEMBERS array in POST or PUT /Teams becomes exactly the team's members
(matched by MEMBER_USER_ID: a member kept keeps its PERMISSION_ID); a user is in a team once.
Every membership change sets the team's DATE_UPDATED_UTC. A team that tasks (ASSIGNED_TEAM_ID)
or activity set activities are assigned to is not deleted (409), as with settings in use.
"""

from typing import Any

from sqlalchemy import Connection

from rolodex.domain.registry import TASKS, TEAMS, USERS
from rolodex.errors import Conflict, FieldError, Forbidden, NotFound, invalid_field, invalid_input
from rolodex.services.context import Caller, next_update_stamp
from rolodex.services.records import RecordService, Wire
from rolodex.storage.activity_sets import ActivityStore
from rolodex.storage.repository import Page, Row
from rolodex.storage.teams import TeamMemberStore
from rolodex.wire.json import upper_keys
from rolodex.wire.records import validate
from rolodex.wire.teams import TeamMemberIn, TeamMembersIn, TeamMemberUpdate


def member_wire(row: Row) -> Wire:
    return {
        "PERMISSION_ID": row["id"],
        "TEAM_ID": row["team_id"],
        "MEMBER_USER_ID": row["member_user_id"],
    }


class TeamService:
    """Team and team member use cases for one caller."""

    def __init__(self, connection: Connection, caller: Caller, if_match: str | None = None) -> None:
        self.caller = caller
        self.records = RecordService(connection, caller, TEAMS, if_match)
        self.repo = self.records.repo
        self.members = TeamMemberStore(connection, caller.instance_id)

    # --- teams ---------------------------------------------------------------------------

    def list_page(
        self, page: Page, brief: bool = False, team_name: str | None = None
    ) -> tuple[list[Wire], int | None]:
        """A page of teams; with `team_name`, those so named (exactly, as v3.1's searches)."""
        field_filter = None
        if team_name is not None:
            field_filter = self.records.search_filter("TEAM_NAME", team_name)
        teams, total = self.records.list_page(page, field_filter)
        return self._with_members(teams, brief), total

    def read(self, team_id: int, brief: bool = False) -> tuple[Wire, str]:
        team, etag = self.records.read(team_id)
        return self._with_members([team], brief)[0], etag

    def create(self, data: Any) -> tuple[Wire, str]:
        """POST /Teams: the team and, when TEAMMEMBERS is sent, its members."""
        self._require_admin()
        wanted = self._members_sent(data)
        team, _ = self.records.create(data)
        team_id = team[TEAMS.id_field]
        if wanted:
            self._replace_members(team_id, wanted)
        return self.read(team_id)

    def update(
        self, data: Any, path_id: int | None = None, brief: bool = False
    ) -> tuple[Wire, str]:
        """PUT /Teams: fields present are set; TEAMMEMBERS present replaces the members."""
        self._require_admin()
        wanted = self._members_sent(data)
        team, _ = self.records.update(data, path_id)
        team_id = team[TEAMS.id_field]
        if wanted is not None and self._replace_members(team_id, wanted):
            self._touch(team_id)
        return self.read(team_id, brief)

    def delete(self, team_id: int) -> None:
        """DELETE /Teams/{id}: the team and its memberships; 409 while work is assigned to it."""
        self._require_admin()
        self.records.get_for_update(team_id)
        tasks = self.repo.count_where(TASKS, "assigned_team_id", team_id)
        activities = ActivityStore(self.repo.connection, self.caller.instance_id).count_with_team(
            team_id
        )
        if tasks or activities:
            uses = f"{tasks} Tasks" if tasks else f"{activities} activity set activities"
            raise Conflict(
                f"Team {team_id} is the ASSIGNED_TEAM_ID of {uses}; assign them elsewhere "
                "first. Nothing was deleted."
            )
        self.members.delete_of_team(team_id)
        self.records.delete(team_id)

    # --- members -------------------------------------------------------------------------

    def add_member(self, team_id: int, data: Any) -> tuple[Wire, bool]:
        """Add a user to a team; returns the membership and whether it is new."""
        self._require_admin()
        item = validate(TeamMemberIn, upper_keys(data))
        if item.TEAM_ID not in (None, team_id):
            raise invalid_field("TEAM_ID", f"is {item.TEAM_ID} but the path names {team_id}")
        self.records.get_for_update(team_id)
        if not self.repo.existing_ids(USERS, [item.MEMBER_USER_ID]):
            raise invalid_field("MEMBER_USER_ID", f"no User with ID {item.MEMBER_USER_ID}")
        for row in self.members.of_teams([team_id])[team_id]:
            if row["member_user_id"] == item.MEMBER_USER_ID:
                return member_wire(row), False
        member_id = self.members.insert(team_id, item.MEMBER_USER_ID)
        self._touch(team_id)
        return self.member(member_id), True

    def create_member(self, data: Any) -> tuple[Wire, bool]:
        """POST /TeamMembers: TEAM_ID names the team."""
        self._require_admin()
        item = validate(TeamMemberIn, upper_keys(data))
        if item.TEAM_ID is None:
            raise invalid_field("TEAM_ID", "is required")
        if self.repo.get_record(TEAMS, item.TEAM_ID) is None:
            raise invalid_field("TEAM_ID", f"no Team with ID {item.TEAM_ID}")
        return self.add_member(item.TEAM_ID, data)

    def update_member(self, data: Any, team_id: int | None = None) -> Wire:
        """PUT /v2.2/TeamMembers (and /Teams/{team_id}/TeamMembers): PERMISSION_ID names the
        membership, MEMBER_USER_ID and TEAM_ID (left out: unchanged) are what it becomes.

        **Decisions** (the v2.2 swagger only says "Updates a Team Member"): under
        /Teams/{id} the membership must be of that team (404) and stays in it (a TEAM_ID
        naming another is a 400); /TeamMembers may move it to another team. A user is in a
        team once: a change that would make a second membership of the same user is a 409.
        Both teams concerned get a new DATE_UPDATED_UTC; a change to nothing touches none.
        """
        self._require_admin()
        item = validate(TeamMemberUpdate, upper_keys(data))
        if team_id is not None and item.TEAM_ID not in (None, team_id):
            raise invalid_field("TEAM_ID", f"is {item.TEAM_ID} but the path names {team_id}")
        row = self._membership(item.PERMISSION_ID, team_id)
        new_team = item.TEAM_ID if item.TEAM_ID is not None else row["team_id"]
        new_user = item.MEMBER_USER_ID if item.MEMBER_USER_ID is not None else row["member_user_id"]
        if new_team != row["team_id"] and self.repo.get_record(TEAMS, new_team) is None:
            raise invalid_field("TEAM_ID", f"no Team with ID {new_team}")
        if new_user != row["member_user_id"] and not self.repo.existing_ids(USERS, [new_user]):
            raise invalid_field("MEMBER_USER_ID", f"no User with ID {new_user}")
        teams = sorted({row["team_id"], new_team})
        for locked in teams:  # in id order, as every other write to more than one team
            self.records.get_for_update(locked)
        row = self._membership(item.PERMISSION_ID, row["team_id"])  # as it is, now it is locked
        if (new_team, new_user) == (row["team_id"], row["member_user_id"]):
            return member_wire(row)
        for other in self.members.of_teams([new_team])[new_team]:
            if other["member_user_id"] == new_user and other["id"] != row["id"]:
                raise Conflict(
                    f"User {new_user} is a member of Team {new_team} already (PERMISSION_ID "
                    f"{other['id']}); nothing was changed."
                )
        self.members.update(row["id"], new_team, new_user)
        for touched in teams:
            self._touch(touched)
        return self.member(row["id"])

    def remove_member(self, member_id: int, team_id: int | None = None) -> None:
        """Delete a membership (of `team_id`, when given)."""
        self._require_admin()
        row = self._membership(member_id, team_id)
        self.records.get_for_update(row["team_id"])
        self.members.delete([member_id])
        self._touch(row["team_id"])

    def member(self, member_id: int) -> Wire:
        return member_wire(self._membership(member_id, None))

    def member_page(self, page: Page) -> tuple[list[Wire], int | None]:
        rows, total = self.members.page(page)
        return [member_wire(row) for row in rows], total

    # --- internals -----------------------------------------------------------------------

    def _membership(self, member_id: int, team_id: int | None) -> Row:
        """The membership's row (of `team_id`, when given), or 404."""
        row = self.members.get(member_id)
        if row is None or (team_id is not None and row["team_id"] != team_id):
            where = f" of Team {team_id}" if team_id is not None else ""
            raise NotFound(f"No TeamMember with PERMISSION_ID {member_id}{where}.")
        return row

    def _with_members(self, teams: list[Wire], brief: bool) -> list[Wire]:
        if brief:
            return teams
        ids = [team[TEAMS.id_field] for team in teams]
        by_team = self.members.of_teams(ids)
        for team in teams:
            team["TEAMMEMBERS"] = [member_wire(row) for row in by_team[team[TEAMS.id_field]]]
        return teams

    def _members_sent(self, data: Any) -> list[int] | None:
        """The distinct MEMBER_USER_IDs of a TEAMMEMBERS array (None when absent), checked."""
        sent = validate(TeamMembersIn, upper_keys(data)).TEAMMEMBERS
        if sent is None:
            return None
        user_ids = list(dict.fromkeys(item.MEMBER_USER_ID for item in sent))
        known = self.repo.existing_ids(USERS, user_ids)
        problems = [
            FieldError(
                f"TEAMMEMBERS[{index}].MEMBER_USER_ID", f"no User with ID {item.MEMBER_USER_ID}"
            )
            for index, item in enumerate(sent)
            if item.MEMBER_USER_ID not in known
        ]
        if problems:
            raise invalid_input(problems)
        return user_ids

    def _replace_members(self, team_id: int, user_ids: list[int]) -> bool:
        """Make the team's members exactly `user_ids`; whether anything changed."""
        current = self.members.of_teams([team_id])[team_id]
        stale = [row["id"] for row in current if row["member_user_id"] not in user_ids]
        self.members.delete(stale)
        present = {row["member_user_id"] for row in current}
        added = [user_id for user_id in user_ids if user_id not in present]
        for user_id in added:
            self.members.insert(team_id, user_id)
        return bool(stale or added)

    def _touch(self, team_id: int) -> None:
        row = self.repo.get_record(TEAMS, team_id)
        assert row is not None
        stamp = next_update_stamp(row["date_updated_utc"])
        self.repo.update_record(TEAMS, team_id, {"date_updated_utc": stamp})

    def _require_admin(self) -> None:
        if not self.caller.is_admin:
            raise Forbidden("Only an administrator can change Teams and their members.")
