"""The event envelope every event travels in."""
from marshmallow import fields, validate

from .base import ContractSchema


class EventEnvelopeSchema(ContractSchema):
    event_id = fields.String(required=True)
    type = fields.String(required=True, validate=validate.Regexp(r"^[a-z_]+\.[a-z_]+\.v\d+$"))
    occurred_at = fields.String(required=True)
    structure_id = fields.String(required=True, allow_none=True)
    correlation_id = fields.String(required=True)
    payload = fields.Dict(required=True)

    EXAMPLES = [{"event_id": "0f8e", "type": "identity.member_left.v1", "occurred_at": "2026-11-23T08:00:00.000Z",
                 "structure_id": "5b0c", "correlation_id": "c1", "payload": {"user_id": "7a1c", "reason": "removed"}}]
