"""Bodies of the pipeline and opportunity-state endpoints (PUT .../Pipeline, .../PipelineStage,
.../StateChange)."""

from typing import Any

from pydantic import Field

from rolodex.domain.registry import OPPORTUNITY_STATE_REASONS
from rolodex.wire.records import WireInt, WireModel, python_type


class StageChangeIn(WireModel):
    STAGE_ID: WireInt | None = None
    # Applied to the record as POST .../ActivitySetAssignment (rolodex.services.activity_sets).
    ACTIVITYSET_ASSIGNMENT: dict[str, Any] | None = None


class PipelineChangeIn(WireModel):
    PIPELINE_ID: WireInt
    PIPELINE_STAGE_CHANGE: StageChangeIn | None = None


class StageMoveIn(StageChangeIn):
    """PUT .../PipelineStage: the stage at the top level, or inside PIPELINE_STAGE_CHANGE."""

    PIPELINE_STAGE_CHANGE: StageChangeIn | None = None


_STATE = python_type(OPPORTUNITY_STATE_REASONS.fields[2])  # OPEN, WON, ... in any case


class StateChangeIn(WireModel):
    OPPORTUNITY_ID: WireInt | None = None
    FOR_OPPORTUNITY_STATE: _STATE  # type: ignore[valid-type]
    STATE_REASON_ID: WireInt | None = None
    STATE_REASON: str | None = Field(default=None, max_length=255)
