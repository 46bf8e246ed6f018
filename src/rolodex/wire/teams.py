"""Bodies of the Teams and TeamMembers endpoints, and the documented shapes of their answers.

A team's scalar fields are validated by the registry's write model (rolodex.domain.registry
TEAMS); the TEAMMEMBERS array is validated here.
"""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from rolodex.domain.registry import TEAMS
from rolodex.wire.records import WireInt, WireModel, create_model_for, update_model_for

_BODY_DATE = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")]


class TeamMemberIn(WireModel):
    """One item of TEAMMEMBERS, or the body of POST /TeamMembers (which needs TEAM_ID too)."""

    PERMISSION_ID: WireInt | None = None
    TEAM_ID: WireInt | None = None
    MEMBER_USER_ID: WireInt


class TeamMemberUpdate(WireModel):
    """The body of v2.2's PUT /TeamMembers and PUT /Teams/{id}/TeamMembers."""

    PERMISSION_ID: WireInt
    TEAM_ID: WireInt | None = None
    MEMBER_USER_ID: WireInt | None = None


class TeamMembersIn(WireModel):
    """The TEAMMEMBERS array of a POST or PUT /Teams body (absent: None)."""

    TEAMMEMBERS: list[TeamMemberIn] | None = None


class TeamMember(BaseModel):
    model_config = ConfigDict(extra="forbid")

    PERMISSION_ID: int
    TEAM_ID: int
    MEMBER_USER_ID: int


class Team(BaseModel):
    """A team as sent; `brief=true` leaves TEAMMEMBERS out."""

    model_config = ConfigDict(extra="forbid")

    TEAM_ID: int
    TEAM_NAME: str | None
    ANONYMOUS_TEAM: bool | None
    DATE_CREATED_UTC: _BODY_DATE
    DATE_UPDATED_UTC: _BODY_DATE
    TEAMMEMBERS: list[TeamMember] | None = None


def doc_models() -> list[type[BaseModel]]:
    """The models the OpenAPI document names: Team, TeamMember, TeamCreate, TeamUpdate, ..."""
    members: Any = (list[TeamMemberIn] | None, None)
    team_create = create_model("TeamCreate", __base__=create_model_for(TEAMS), TEAMMEMBERS=members)
    team_update = create_model("TeamUpdate", __base__=update_model_for(TEAMS), TEAMMEMBERS=members)
    team_member_create = create_model(
        "TeamMemberCreate", __base__=TeamMemberIn, TEAM_ID=(WireInt, ...)
    )
    return [
        Team,
        TeamMember,
        TeamMemberIn,
        TeamMemberUpdate,
        team_create,
        team_update,
        team_member_create,
    ]
