"""API versions beside /v3.1, each a route table onto the /v3.1 routes over the same services.

A version lists its operations as Insightly documents them (method and path). Each one is served
by the /v3.1 route it names, re-mounted under the version's prefix: no handler is declared
twice, and a handler asks `version_of(request)` for the little that differs (v3.0 shows no
LINKS on standard records). Adding a version is a table here, not new services or storage.
"""

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.routing import BaseRoute

from rolodex.api.routing import CaseInsensitiveRoute
from rolodex.wire import v22
from rolodex.wire.v22 import shown_in_v22

CURRENT_PREFIX = "/v3.1"
_PARAMETER = re.compile(r"\{[^}]*\}")


@dataclass(frozen=True)
class ApiVersion:
    """An older API version: its prefix, its operations, and how they map onto /v3.1."""

    prefix: str
    # False: GETs of standard records carry no LINKS (read them at /{Coll}/{id}/Links), and a
    # PUT leaves links alone, since the caller cannot see them.
    links_in_records: bool
    # "METHOD /Path/{param}" per line, as the version's swagger spells them.
    operations_text: str
    # Collections this version names differently: {v3.1 name: this version's name}.
    collections: dict[str, str] = field(default_factory=dict)
    # How a re-mounted /v3.1 handler's records are shown in this version: (collection, v3.1
    # record) -> record. None: as in v3.1 (less LINKS where links_in_records is False).
    show: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None
    # {collection: the wire name of the extension its records are read with} (v2.2's graph keeps
    # what v3.1 has no field for beside the record; rolodex.storage.extensions).
    extension_wire: dict[str, str] = field(default_factory=dict)

    @property
    def operations(self) -> list[tuple[str, str]]:
        """(method, path) of every operation, in the table's order."""
        return [
            (method, path)
            for method, path in (line.split() for line in self.operations_text.strip().splitlines())
        ]

    def lists(self, method: str, path: str) -> bool:
        """Whether `method` at `path` (under the prefix, any parameter names) is in the table."""
        return (method.upper(), _shape(path.removeprefix(self.prefix))) in {
            (m, _shape(p)) for m, p in self.operations
        }

    def current_path(self, path: str) -> str:
        """The /v3.1 path (relative to the prefix) that serves this version's `path`."""
        path = path.removeprefix(self.prefix)  # the swagger's stray prefix: /v3.0/Contacts/...
        first, _, rest = path[1:].partition("/")
        current = {name: current for current, name in self.collections.items()}
        return "/" + "/".join([current.get(first, first), *([rest] if rest else [])])


def _shape(path: str) -> str:
    """A path with its parameters blanked and its case folded, to match paths by."""
    return _PARAMETER.sub("{}", path).lower()


def _with_parameters(path: str, parameters: list[str]) -> str:
    """`path` with its {parameters} replaced, in order, by `parameters` (names of the handler)."""
    found = iter(parameters)
    return _PARAMETER.sub(lambda _: next(found), path)


def _remount(route: APIRoute, method: str, path: str, documented: bool) -> APIRoute:
    """`route`'s handler for `method` at `path`: same dependencies, status and documentation."""
    return CaseInsensitiveRoute(
        path,
        route.endpoint,
        methods=[method],
        status_code=route.status_code,
        tags=route.tags,
        dependencies=route.dependencies,
        summary=route.summary,
        name=route.name,
        openapi_extra=route.openapi_extra,
        response_class=route.response_class,
        include_in_schema=documented,
    )


def version_routes(current: Iterable[BaseRoute], version: ApiVersion) -> Iterator[APIRoute]:
    """The routes of `version`, taken from the `current` (/v3.1) routes in their order.

    A path the swagger spells with the version's own prefix (/v3.0/Contacts/{id}/Links, so
    /v3.0/v3.0/... in full) is served as listed and, undocumented, without the doubled prefix.
    An operation that a route under the version's prefix serves already (the v2.2 graph routes
    of rolodex.api.v22, the v2.2-only routes) is not re-mounted.
    """
    current = list(current)
    served = {
        (method, _shape(route.path.removeprefix(version.prefix)))
        for route in current
        if isinstance(route, APIRoute) and route.path.startswith(version.prefix + "/")
        for method in route.methods or ()
    }
    wanted: dict[tuple[str, str], list[str]] = {}
    for method, path in version.operations:
        if (method, _shape(path)) not in served:
            wanted.setdefault((method, _shape(version.current_path(path))), []).append(path)
    for route in current:
        if not isinstance(route, APIRoute) or not route.path.startswith(CURRENT_PREFIX):
            continue
        relative = route.path.removeprefix(CURRENT_PREFIX)
        parameters = _PARAMETER.findall(relative)
        for method in sorted(route.methods or ()):
            for path in wanted.pop((method, _shape(relative)), []):
                mounted = _with_parameters(path, parameters)
                yield _remount(route, method, version.prefix + mounted, True)
                if mounted.startswith(version.prefix + "/"):
                    bare = mounted.removeprefix(version.prefix)
                    yield _remount(route, method, version.prefix + bare, False)


def version_of(request: Request) -> ApiVersion | None:
    """The older version `request` was made to; None for /v3.1."""
    path = request.url.path.lower()
    for version in VERSIONS:
        if path.startswith(version.prefix.lower() + "/"):
            return version
    return None


def api_location(request: Request, collection: str, record_id: object) -> str:
    """The URL of a record in the version `request` was made to (/v3.0/Milestone/7)."""
    version = version_of(request)
    if version is None:
        return f"{CURRENT_PREFIX}/{collection}/{record_id}"
    return f"{version.prefix}/{version.collections.get(collection, collection)}/{record_id}"


def shows_links(request: Request) -> bool:
    """Whether records in answers to `request` carry their LINKS (not in v3.0)."""
    version = version_of(request)
    return version is None or version.links_in_records


V3_0 = ApiVersion(
    prefix="/v3.0",
    links_in_records=False,
    collections={"Comments": "Comment", "Milestones": "Milestone"},
    # reference/insightly-v3.0-operations.tsv: the official v3.0 swagger's operations.
    operations_text="""
GET /ActivitySets/{id}
GET /ActivitySets
POST /Comment/{id}/FileAttachments
DELETE /Comment/{id}
GET /Comment/{id}/FileAttachments
PUT /Comment
POST /Contacts/{id}/ActivitySetAssignment
POST /Contacts/{id}/Dates
POST /Contacts
POST /Contacts/{id}/FileAttachments
POST /Contacts/{id}/Follow
POST /v3.0/Contacts/{id}/Links
POST /Contacts/{id}/Notes
POST /Contacts/{id}/Tags
DELETE /Contacts/{id}/Dates/{dateId}
DELETE /Contacts/{id}
DELETE /Contacts/{id}/Follow
DELETE /Contacts/{id}/Image
DELETE /Contacts/{id}/Links/{linkId}
DELETE /Contacts/{id}/Tags/{tagName}
GET /Contacts/{id}/Emails
GET /Contacts
GET /Contacts/Search
GET /Contacts/SearchByTag
GET /Contacts/{id}
GET /Contacts/{id}/Events
GET /Contacts/{id}/FileAttachments
GET /Contacts/{id}/Follow
GET /Contacts/{id}/Image
GET /v3.0/Contacts/{id}/Links
GET /Contacts/{id}/Notes
GET /Contacts/{id}/Tasks
PUT /Contacts/{id}/Dates
PUT /Contacts
PUT /Contacts/{id}/Image/{filename}
PUT /v3.0/Contacts/{id}/Links
PUT /Contacts/{id}/Notes
GET /Countries
GET /Currencies
GET /CustomFields/{objectName}
GET /CustomFields/{objectName}/Search
GET /CustomObjects
GET /CustomObjects/{customObjectName}
POST /{objectName}
DELETE /{objectName}/{id}
GET /{objectName}
GET /{objectName}/Search
GET /{objectName}/{id}
PUT /{objectName}
POST /Emails/{id}/Comments
POST /Emails/{id}/Follow
POST /v3.0/Emails/{id}/Links
POST /Emails/{id}/Tags
DELETE /Emails/{id}
DELETE /Emails/{id}/Follow
DELETE /Emails/{id}/Links/{linkId}
DELETE /Emails/{id}/Tags/{tagName}
GET /Emails/{id}/Comments
GET /Emails
GET /Emails/Search
GET /Emails/SearchByTag
GET /Emails/{id}
GET /Emails/{id}/FileAttachments
GET /Emails/{id}/Follow
GET /v3.0/Emails/{id}/Links
POST /Events
POST /v3.0/Events/{id}/Links
DELETE /Events/{id}
DELETE /Events/{id}/Links/{linkId}
GET /Events
GET /Events/Search
GET /Events/{id}
GET /v3.0/Events/{id}/Links
PUT /Events
DELETE /FileAttachments/{id}
GET /FileAttachments/{id}
POST /FileCategories
DELETE /FileCategories/{id}
GET /FileCategories
GET /FileCategories/{id}
PUT /FileCategories
GET /Follows
GET /Instance
POST /LeadSources
DELETE /LeadSources
GET /LeadSources
PUT /LeadSources
POST /LeadStatuses
DELETE /LeadStatuses
GET /LeadStatuses
PUT /LeadStatuses
POST /Leads/{id}/ActivitySetAssignment
POST /Leads
POST /Leads/{id}/FileAttachments
POST /Leads/{id}/Follow
POST /v3.0/Leads/{id}/Links
POST /Leads/{id}/Notes
POST /Leads/{id}/Tags
DELETE /Leads/{id}
DELETE /Leads/{id}/Follow
DELETE /Leads/{id}/Image
DELETE /Leads/{id}/Links/{linkId}
DELETE /Leads/{id}/Tags/{tagName}
GET /Leads/{id}/Emails
GET /Leads
GET /Leads/Search
GET /Leads/SearchByTag
GET /Leads/{id}
GET /Leads/{id}/Events
GET /Leads/{id}/FileAttachments
GET /Leads/{id}/Follow
GET /Leads/{id}/Image
GET /Leads/{id}/LinkEmailAddress
GET /v3.0/Leads/{id}/Links
GET /Leads/{id}/Notes
GET /Leads/{id}/Tasks
PUT /Leads
PUT /Leads/{id}/Image/{filename}
PUT /v3.0/Leads/{id}/Links
PUT /Leads/{id}/Notes
DELETE /Milestone/{id}
GET /Milestone
GET /Milestone/Search
GET /Milestone/{id}
POST /Notes/{id}/Comments
POST /Notes/{id}/FileAttachments
POST /Notes/{id}/Follow
POST /v3.0/Notes/{id}/Links
DELETE /Notes/{id}
DELETE /Notes/{id}/Follow
DELETE /Notes/{id}/Links/{linkId}
GET /Notes/{id}/Comments
GET /Notes
GET /Notes/Search
GET /Notes/{id}
GET /Notes/{id}/FileAttachments
GET /Notes/{id}/Follow
GET /v3.0/Notes/{id}/Links
PUT /Notes
POST /Opportunities/{id}/ActivitySetAssignment
POST /Opportunities
POST /Opportunities/{id}/FileAttachments
POST /Opportunities/{id}/Follow
POST /v3.0/Opportunities/{id}/Links
POST /Opportunities/{id}/Notes
POST /Opportunities/{id}/Tags
DELETE /Opportunities/{id}
DELETE /Opportunities/{id}/Follow
DELETE /Opportunities/{id}/Image
DELETE /Opportunities/{id}/Links/{linkId}
DELETE /Opportunities/{id}/Pipeline
DELETE /Opportunities/{id}/Tags/{tagName}
GET /Opportunities/{id}/Emails
GET /Opportunities
GET /Opportunities/Search
GET /Opportunities/SearchByTag
GET /Opportunities/{id}
GET /Opportunities/{id}/Events
GET /Opportunities/{id}/FileAttachments
GET /Opportunities/{id}/Follow
GET /Opportunities/{id}/Image
GET /Opportunities/{id}/LinkEmailAddress
GET /v3.0/Opportunities/{id}/Links
GET /Opportunities/{id}/Notes
GET /Opportunities/{id}/StateHistory
GET /Opportunities/{id}/Tasks
PUT /Opportunities
PUT /Opportunities/{id}/Image/{filename}
PUT /v3.0/Opportunities/{id}/Links
PUT /Opportunities/{id}/Notes
PUT /Opportunities/{id}/StateChange
PUT /Opportunities/{id}/Pipeline
PUT /Opportunities/{id}/PipelineStage
POST /OpportunityCategories
DELETE /OpportunityCategories/{id}
GET /OpportunityCategories
GET /OpportunityCategories/{id}
PUT /OpportunityCategories
GET /OpportunityStateReasons
POST /Organisations/{id}/ActivitySetAssignment
POST /Organisations/{id}/Dates
POST /Organisations/{id}/EmailDomains
POST /Organisations
POST /Organisations/{id}/FileAttachments
POST /Organisations/{id}/Follow
POST /v3.0/Organisations/{id}/Links
POST /Organisations/{id}/Notes
POST /Organisations/{id}/Tags
DELETE /Organisations/{id}/Dates/{dateId}
DELETE /Organisations/{id}/EmailDomains/{emailDomainId}
DELETE /Organisations/{id}
DELETE /Organisations/{id}/Follow
DELETE /Organisations/{id}/Image
DELETE /Organisations/{id}/Links/{linkId}
DELETE /Organisations/{id}/Tags/{tagName}
GET /Organisations/{id}/Emails
GET /Organisations
GET /Organisations/Search
GET /Organisations/SearchByTag
GET /Organisations/{id}
GET /Organisations/{id}/Events
GET /Organisations/{id}/FileAttachments
GET /Organisations/{id}/Follow
GET /Organisations/{id}/Image
GET /v3.0/Organisations/{id}/Links
GET /Organisations/{id}/Notes
GET /Organisations/{id}/Tasks
PUT /Organisations/{id}/Dates
PUT /Organisations/{id}/EmailDomains
PUT /Organisations
PUT /Organisations/{id}/Image/{filename}
PUT /v3.0/Organisations/{id}/Links
PUT /Organisations/{id}/Notes
GET /Permissions
GET /PipelineStages/{id}
GET /PipelineStages
GET /Pipelines/{id}
GET /Pipelines
POST /ProjectCategories
DELETE /ProjectCategories/{id}
GET /ProjectCategories
GET /ProjectCategories/{id}
PUT /ProjectCategories
POST /Projects/{id}/ActivitySetAssignment
POST /Projects
POST /Projects/{id}/FileAttachments
POST /Projects/{id}/Follow
POST /v3.0/Projects/{id}/Links
POST /v3.0/Projects/{id}/Milestones
POST /Projects/{id}/Notes
POST /Projects/{id}/Tags
DELETE /Projects/{id}
DELETE /Projects/{id}/Follow
DELETE /Projects/{id}/Image
DELETE /Projects/{id}/Links/{linkId}
DELETE /Projects/{id}/Milestones/{milestoneId}
DELETE /Projects/{id}/Pipeline
DELETE /Projects/{id}/Tags/{tagName}
GET /Projects/{id}/Emails
GET /Projects
GET /Projects/Search
GET /Projects/SearchByTag
GET /Projects/{id}
GET /Projects/{id}/Events
GET /Projects/{id}/FileAttachments
GET /Projects/{id}/Follow
GET /Projects/{id}/Image
GET /Projects/{id}/LinkEmailAddress
GET /v3.0/Projects/{id}/Links
GET /v3.0/Projects/{id}/Milestones
GET /Projects/{id}/Notes
GET /Projects/{id}/Tasks
PUT /Projects
PUT /Projects/{id}/Image/{filename}
PUT /v3.0/Projects/{id}/Links
PUT /v3.0/Projects/{id}/Milestones
PUT /Projects/{id}/Notes
PUT /Projects/{id}/Pipeline
PUT /Projects/{id}/PipelineStage
GET /Relationships
GET /Tags
POST /TaskCategories
DELETE /TaskCategories/{id}
GET /TaskCategories
GET /TaskCategories/{id}
PUT /TaskCategories
POST /Tasks/{id}/Comments
POST /Tasks
POST /Tasks/{id}/Follow
POST /v3.0/Tasks/{id}/Links
DELETE /Tasks/{id}
DELETE /Tasks/{id}/Follow
DELETE /Tasks/{id}/Links/{linkId}
GET /Tasks/{id}/Comments
GET /Tasks
GET /Tasks/Search
GET /Tasks/{id}
GET /Tasks/{id}/Follow
GET /v3.0/Tasks/{id}/Links
PUT /Tasks
POST /TeamMembers
DELETE /TeamMembers/{id}
GET /TeamMembers/{id}
GET /TeamMembers
POST /Teams
POST /Teams/{id}/TeamMembers
DELETE /Teams/{id}
DELETE /Teams/{id}/TeamMembers/{permissionId}
GET /Teams/{id}
GET /Teams
PUT /Teams
GET /Users/{id}
GET /Users/Me
GET /Users
GET /Users/Search
""",
)

# /v2.2 (reference/insightly-v2.2-operations.tsv: the official v2.2 swagger's operations). Its
# record types speak the v2 object graph and are served by rolodex.api.v22; the operations v3.1
# does not have (GET /CustomFields, /CustomFieldGroups, /Comments/{id}, /Teams/Search, PUT
# /TeamMembers and /Teams/{id}/TeamMembers) by the /v2.2 routes of rolodex.api.custom_fields,
# .comments and .teams; the rest (follows, files, images, pipelines, categories, teams, ...) are
# re-mounted like v3.0's, a record they answer with shown in the v2 graph.
V2_2 = ApiVersion(
    prefix="/v2.2",
    links_in_records=True,
    show=shown_in_v22,
    extension_wire={collection: v22.WIRE for collection in v22.ADDRESS_SLOTS},
    operations_text="""
GET /ActivitySets/{id}
GET /ActivitySets
POST /Comments/{id}/FileAttachments
DELETE /Comments/{id}
GET /Comments/{id}
GET /Comments/{id}/FileAttachments
PUT /Comments
POST /Contacts/{id}/ActivitySetAssignment
POST /Contacts/{id}/Addresses
POST /Contacts
POST /Contacts/{id}/ContactInfos
POST /Contacts/{id}/ContactLinks
POST /Contacts/{id}/Dates
POST /Contacts/{id}/FileAttachments
POST /Contacts/{id}/Follow
POST /Contacts/{id}/Links
POST /Contacts/{id}/Notes
POST /Contacts/{id}/Tags
DELETE /Contacts/{id}/Addresses/{addressId}
DELETE /Contacts/{id}
DELETE /Contacts/{id}/ContactInfos/{contactInfoId}
DELETE /Contacts/{id}/ContactLinks/{linkId}
DELETE /Contacts/{id}/CustomFields/{customFieldId}
DELETE /Contacts/{id}/Dates/{dateId}
DELETE /Contacts/{id}/Follow
DELETE /Contacts/{id}/Image
DELETE /Contacts/{id}/Links/{linkId}
DELETE /Contacts/{id}/Tags/{tagName}
GET /Contacts/{id}
GET /Contacts
GET /Contacts/Search
GET /Contacts/{id}/Emails
GET /Contacts/{id}/Events
GET /Contacts/{id}/FileAttachments
GET /Contacts/{id}/Follow
GET /Contacts/{id}/Image
GET /Contacts/{id}/Notes
GET /Contacts/{id}/Tasks
PUT /Contacts/{id}/Addresses
PUT /Contacts
PUT /Contacts/{id}/ContactInfos
PUT /Contacts/{id}/ContactLinks
PUT /Contacts/{id}/CustomFields
PUT /Contacts/{id}/Dates
PUT /Contacts/{id}/Image/{filename}
PUT /Contacts/{id}/Links
GET /Countries
GET /Currencies
GET /CustomFieldGroups
GET /CustomFields
POST /Emails/{id}/Comments
POST /Emails/{id}/Follow
POST /Emails/{id}/Tags
DELETE /Emails/{id}/Follow
DELETE /Emails/{id}/Tags/{tagName}
GET /Emails/{id}/Comments
GET /Emails/{id}
GET /Emails
GET /Emails/Search
GET /Emails/{id}/FileAttachments
GET /Emails/{id}/Follow
POST /Events
POST /Events/{id}/EventLinks
DELETE /Events/{id}
DELETE /Events/{id}/EventLinks/{linkId}
GET /Events/{id}
GET /Events
GET /Events/Search
PUT /Events
PUT /Events/{id}/EventLinks
DELETE /FileAttachments/{id}
GET /FileAttachments/{id}
POST /FileCategories
DELETE /FileCategories/{id}
GET /FileCategories
GET /FileCategories/{id}
PUT /FileCategories
GET /Follows
GET /Instance
POST /LeadSources
DELETE /LeadSources/{id}
GET /LeadSources
PUT /LeadSources
POST /LeadStatuses
DELETE /LeadStatuses/{id}
GET /LeadStatuses
PUT /LeadStatuses
POST /Leads/{id}/ActivitySetAssignment
POST /Leads/{id}/FileAttachments
POST /Leads/{id}/Follow
POST /Leads
POST /Leads/{id}/Notes
POST /Leads/{id}/Tags
DELETE /Leads/{id}/CustomFields/{customFieldId}
DELETE /Leads/{id}/Follow
DELETE /Leads/{id}/Image
DELETE /Leads/{id}
DELETE /Leads/{id}/Tags/{tagName}
GET /Leads/{id}/Emails
GET /Leads/{id}/Events
GET /Leads/{id}/FileAttachments
GET /Leads/{id}/Follow
GET /Leads/{id}/Image
GET /Leads/{id}
GET /Leads
GET /Leads/Search
GET /Leads/{id}/Notes
GET /Leads/{id}/Tasks
PUT /Leads/{id}/CustomFields
PUT /Leads/{id}/Image/{filename}
PUT /Leads
GET /Milestones
GET /Milestones/Search
POST /Notes/{id}/Comments
POST /Notes/{id}/FileAttachments
POST /Notes/{id}/Follow
POST /Notes/{id}/NoteLinks
DELETE /Notes/{id}/Follow
DELETE /Notes/{id}
DELETE /Notes/{id}/NoteLinks/{linkId}
GET /Notes/{id}/Comments
GET /Notes/{id}/FileAttachments
GET /Notes/{id}/Follow
GET /Notes/{id}
GET /Notes
GET /Notes/Search
PUT /Notes
PUT /Notes/{id}/NoteLinks
POST /Opportunities/{id}/ActivitySetAssignment
POST /Opportunities/{id}/FileAttachments
POST /Opportunities/{id}/Follow
POST /Opportunities/{id}/Links
POST /Opportunities/{id}/Notes
POST /Opportunities
POST /Opportunities/{id}/Tags
DELETE /Opportunities/{id}/CustomFields/{customFieldId}
DELETE /Opportunities/{id}/Follow
DELETE /Opportunities/{id}/Image
DELETE /Opportunities/{id}/Links/{linkId}
DELETE /Opportunities/{id}
DELETE /Opportunities/{id}/Pipeline
DELETE /Opportunities/{id}/Tags/{tagName}
GET /Opportunities/{id}/Emails
GET /Opportunities/{id}/Events
GET /Opportunities/{id}/FileAttachments
GET /Opportunities/{id}/Follow
GET /Opportunities/{id}/Image
GET /Opportunities/{id}/LinkEmailAddress
GET /Opportunities/{id}/Notes
GET /Opportunities
GET /Opportunities/Search
GET /Opportunities/{id}
GET /Opportunities/{id}/Tasks
PUT /Opportunities/{id}/CustomFields
PUT /Opportunities/{id}/Image/{filename}
PUT /Opportunities/{id}/Links
PUT /Opportunities
PUT /Opportunities/{id}/Pipeline
PUT /Opportunities/{id}/PipelineStage
POST /OpportunityCategories
DELETE /OpportunityCategories/{id}
GET /OpportunityCategories
GET /OpportunityCategories/{id}
PUT /OpportunityCategories
GET /OpportunityStateReasons
POST /Organisations/{id}/ActivitySetAssignment
POST /Organisations/{id}/Addresses
POST /Organisations/{id}/ContactInfos
POST /Organisations/{id}/Dates
POST /Organisations/{id}/FileAttachments
POST /Organisations/{id}/Follow
POST /Organisations/{id}/Links
POST /Organisations/{id}/Notes
POST /Organisations
POST /Organisations/{id}/OrganisationLinks
POST /Organisations/{id}/Tags
DELETE /Organisations/{id}/Addresses/{addressId}
DELETE /Organisations/{id}/ContactInfos/{contactInfoId}
DELETE /Organisations/{id}/CustomFields/{customFieldId}
DELETE /Organisations/{id}/Dates/{dateId}
DELETE /Organisations/{id}/Follow
DELETE /Organisations/{id}/Image
DELETE /Organisations/{id}/Links/{linkId}
DELETE /Organisations/{id}
DELETE /Organisations/{id}/OrganisationLinks/{linkId}
DELETE /Organisations/{id}/Tags/{tagName}
GET /Organisations/{id}/Emails
GET /Organisations/{id}/Events
GET /Organisations/{id}/FileAttachments
GET /Organisations/{id}/Follow
GET /Organisations/{id}/Image
GET /Organisations/{id}/Notes
GET /Organisations/{id}
GET /Organisations
GET /Organisations/Search
GET /Organisations/{id}/Tasks
PUT /Organisations/{id}/Addresses
PUT /Organisations/{id}/ContactInfos
PUT /Organisations/{id}/CustomFields
PUT /Organisations/{id}/Dates
PUT /Organisations/{id}/Image/{filename}
PUT /Organisations/{id}/Links
PUT /Organisations
PUT /Organisations/{id}/OrganisationLinks
GET /PipelineStages/{id}
GET /PipelineStages
GET /Pipelines/{id}
GET /Pipelines
POST /ProjectCategories
DELETE /ProjectCategories/{id}
GET /ProjectCategories
GET /ProjectCategories/{id}
PUT /ProjectCategories
POST /Projects/{id}/ActivitySetAssignment
POST /Projects/{id}/FileAttachments
POST /Projects/{id}/Follow
POST /Projects/{id}/Links
POST /Projects/{id}/Milestones
POST /Projects/{id}/Notes
POST /Projects
POST /Projects/{id}/Tags
DELETE /Projects/{id}/CustomFields/{customFieldId}
DELETE /Projects/{id}/Follow
DELETE /Projects/{id}/Image
DELETE /Projects/{id}/Links/{linkId}
DELETE /Projects/{id}/Milestones/{milestoneId}
DELETE /Projects/{id}/Pipeline
DELETE /Projects/{id}
DELETE /Projects/{id}/Tags/{tagName}
GET /Projects/{id}/Emails
GET /Projects/{id}/Events
GET /Projects/{id}/FileAttachments
GET /Projects/{id}/Follow
GET /Projects/{id}/Image
GET /Projects/{id}/LinkEmailAddress
GET /Projects/{id}/Milestones
GET /Projects/{id}/Notes
GET /Projects/{id}
GET /Projects
GET /Projects/Search
GET /Projects/{id}/Tasks
PUT /Projects/{id}/CustomFields
PUT /Projects/{id}/Image/{filename}
PUT /Projects/{id}/Links
PUT /Projects/{id}/Milestones
PUT /Projects/{id}/Pipeline
PUT /Projects/{id}/PipelineStage
PUT /Projects
GET /Relationships
GET /Tags
POST /TaskCategories
DELETE /TaskCategories/{id}
GET /TaskCategories
GET /TaskCategories/{id}
PUT /TaskCategories
POST /Tasks/{id}/Comments
POST /Tasks/{id}/Follow
POST /Tasks
DELETE /Tasks/{id}/Follow
DELETE /Tasks/{id}
GET /Tasks/{id}/Comments
GET /Tasks/{id}/Follow
GET /Tasks/{id}
GET /Tasks
GET /Tasks/Search
PUT /Tasks
POST /TeamMembers
DELETE /TeamMembers/{id}
GET /TeamMembers/{id}
GET /TeamMembers
PUT /TeamMembers
POST /Teams
POST /Teams/{id}/TeamMembers
DELETE /Teams/{id}
DELETE /Teams/{id}/TeamMembers/{permissionId}
GET /Teams/{id}
GET /Teams
GET /Teams/Search
PUT /Teams
PUT /Teams/{id}/TeamMembers
GET /Users/{id}
GET /Users/Me
GET /Users
GET /Users/Search
""",
)

VERSIONS = (V3_0, V2_2)
