"""The settings a new instance starts with: lead sources and statuses, categories, pipelines,
opportunity state reasons, relationship roles and an activity set. Plain data;
rolodex.services.settings writes it.

Raise DEFAULTS_VERSION when adding defaults: `rolodex db upgrade` gives every instance below it
what it lacks (rows are matched by name, so nothing an admin changed is overwritten).
"""

from typing import Any

from rolodex.domain.registry import (
    FILE_CATEGORIES,
    LEAD_SOURCES,
    LEAD_STATUS_CONVERTED,
    LEAD_STATUSES,
    OPPORTUNITY_CATEGORIES,
    OPPORTUNITY_STATE_REASONS,
    PROJECT_CATEGORIES,
    RELATIONSHIPS,
    TASK_CATEGORIES,
    RecordType,
)

DEFAULTS_VERSION = 2  # 2: the default activity set

_OPEN, _CLOSED = 1, 2


def _ordered(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**row, "FIELD_ORDER": order} for order, row in enumerate(rows, start=1)]


def _categories(names_and_colours: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [
        {"CATEGORY_NAME": name, "BACKGROUND_COLOR": colour, "ACTIVE": True}
        for name, colour in names_and_colours
    ]


# Each settings type with its default rows (wire field names); the first field names the row.
SETTINGS_DEFAULTS: dict[RecordType, list[dict[str, Any]]] = {
    LEAD_SOURCES: _ordered(
        [
            {"LEAD_SOURCE": "Web", "DEFAULT_VALUE": True},
            {"LEAD_SOURCE": "Phone Inquiry", "DEFAULT_VALUE": False},
            {"LEAD_SOURCE": "Email", "DEFAULT_VALUE": False},
            {"LEAD_SOURCE": "Referral", "DEFAULT_VALUE": False},
            {"LEAD_SOURCE": "Partner", "DEFAULT_VALUE": False},
            {"LEAD_SOURCE": "Trade Show", "DEFAULT_VALUE": False},
            {"LEAD_SOURCE": "Advertisement", "DEFAULT_VALUE": False},
            {"LEAD_SOURCE": "Other", "DEFAULT_VALUE": False},
        ]
    ),
    LEAD_STATUSES: _ordered(
        [
            {"LEAD_STATUS": "Open - Not Contacted", "STATUS_TYPE": _OPEN, "DEFAULT_STATUS": True},
            {"LEAD_STATUS": "Working - Contacted", "STATUS_TYPE": _OPEN, "DEFAULT_STATUS": False},
            {"LEAD_STATUS": "Closed - Not Converted", "STATUS_TYPE": _CLOSED},
            {"LEAD_STATUS": "Converted", "STATUS_TYPE": LEAD_STATUS_CONVERTED},
        ]
    ),
    FILE_CATEGORIES: _categories(
        [("Contract", "4A90D9"), ("Proposal", "7ED321"), ("Invoice", "F5A623"), ("Other", "9B9B9B")]
    ),
    OPPORTUNITY_CATEGORIES: _categories(
        [("New Business", "4A90D9"), ("Existing Business", "7ED321"), ("Renewal", "F5A623")]
    ),
    PROJECT_CATEGORIES: _categories(
        [("Client Project", "4A90D9"), ("Internal", "9B9B9B"), ("Implementation", "7ED321")]
    ),
    TASK_CATEGORIES: _categories(
        [
            ("Call", "4A90D9"),
            ("Email", "7ED321"),
            ("Follow-up", "F5A623"),
            ("Meeting", "BD10E0"),
        ]
    ),
    OPPORTUNITY_STATE_REASONS: [
        {"STATE_REASON": "Best value", "FOR_OPPORTUNITY_STATE": "WON"},
        {"STATE_REASON": "Relationship", "FOR_OPPORTUNITY_STATE": "WON"},
        {"STATE_REASON": "Price too high", "FOR_OPPORTUNITY_STATE": "LOST"},
        {"STATE_REASON": "Went with a competitor", "FOR_OPPORTUNITY_STATE": "LOST"},
        {"STATE_REASON": "No budget", "FOR_OPPORTUNITY_STATE": "ABANDONED"},
        {"STATE_REASON": "No decision", "FOR_OPPORTUNITY_STATE": "ABANDONED"},
        {"STATE_REASON": "On hold by the customer", "FOR_OPPORTUNITY_STATE": "SUSPENDED"},
    ],
    RELATIONSHIPS: [
        {
            "FORWARD_TITLE": "Colleague",
            "FORWARD": "is a colleague of",
            "REVERSE_TITLE": "Colleague",
            "REVERSE": "is a colleague of",
            "FOR_CONTACTS": True,
        },
        {
            "FORWARD_TITLE": "Manager",
            "FORWARD": "is the manager of",
            "REVERSE_TITLE": "Reports to",
            "REVERSE": "reports to",
            "FOR_CONTACTS": True,
        },
        {
            "FORWARD_TITLE": "Spouse",
            "FORWARD": "is the spouse of",
            "REVERSE_TITLE": "Spouse",
            "REVERSE": "is the spouse of",
            "FOR_CONTACTS": True,
        },
        {
            "FORWARD_TITLE": "Parent company",
            "FORWARD": "is the parent company of",
            "REVERSE_TITLE": "Subsidiary",
            "REVERSE": "is a subsidiary of",
            "FOR_ORGANISATIONS": True,
        },
        {
            "FORWARD_TITLE": "Supplier",
            "FORWARD": "supplies",
            "REVERSE_TITLE": "Customer",
            "REVERSE": "is a customer of",
            "FOR_ORGANISATIONS": True,
        },
        {
            "FORWARD_TITLE": "Partner",
            "FORWARD": "is a partner of",
            "REVERSE_TITLE": "Partner",
            "REVERSE": "is a partner of",
            "FOR_ORGANISATIONS": True,
        },
    ],
}

# Pipelines with their stages, in order.
PIPELINE_DEFAULTS: list[tuple[dict[str, Any], list[str]]] = [
    (
        {"PIPELINE_NAME": "Sales Pipeline", "FOR_OPPORTUNITIES": True},
        ["Qualification", "Needs Analysis", "Proposal", "Negotiation"],
    ),
    (
        {"PIPELINE_NAME": "Project Delivery", "FOR_PROJECTS": True},
        ["Planning", "In Progress", "Review", "Handover"],
    ),
]

# Activity sets in the set-file shape of `rolodex activity-sets create` (matched by NAME).
ACTIVITY_SET_DEFAULTS: list[dict[str, Any]] = [
    {
        "NAME": "New customer onboarding",
        "FOR_CONTACTS": True,
        "FOR_ORGANISATIONS": True,
        "FOR_OPPORTUNITIES": True,
        "FOR_PROJECTS": True,
        "ACTIVITIES": [
            {
                "ACTIVITY_NAME": "Welcome call",
                "ACTIVITY_DETAILS": "Call to welcome the customer and agree the next steps.",
                "ACTIVITY_TYPE": "Task",
                "DUE_DAYS_AFTER_START": 1,
                "SKIP_SAT": True,
                "SKIP_SUN": True,
            },
            {
                "ACTIVITY_NAME": "Kickoff meeting",
                "ACTIVITY_DETAILS": "Meet the customer's team to start the work.",
                "ACTIVITY_TYPE": "Event",
                "EVENT_DAYS_AFTER_START": 5,
                "EVENT_TIME": "10:00",
                "DURATION": 60,
                "SKIP_SAT": True,
                "SKIP_SUN": True,
            },
        ],
    },
]
