"""Reference lists clients need to build forms: codes with their French labels."""
from __future__ import annotations

from flask import Blueprint
from maillage_shared.contracts.identity import AVAILABILITY_KINDS, PROFESSIONS, ROLES, STRUCTURE_KINDS, WEEKDAYS
from marshmallow import Schema, fields

from . import API_PREFIX, endpoint

bp = Blueprint("identity_reference", __name__, url_prefix=API_PREFIX)

ROLE_LABELS = {"coordinator": "Coordinateur·rice", "member": "Membre", "guest": "Invité·e"}
AVAILABILITY_LABELS = {"leave": "Absence (congés, formation…)", "on_call": "Garde ou astreinte"}
WEEKDAY_LABELS = {"monday": "lundi", "tuesday": "mardi", "wednesday": "mercredi", "thursday": "jeudi",
                  "friday": "vendredi", "saturday": "samedi", "sunday": "dimanche"}


class LabelledCodeSchema(Schema):
    code = fields.String(required=True)
    label = fields.String(required=True)


class ReferenceSchema(Schema):
    structure_kinds = fields.List(fields.Nested(LabelledCodeSchema), required=True)
    roles = fields.List(fields.Nested(LabelledCodeSchema), required=True)
    professions = fields.List(fields.Nested(LabelledCodeSchema), required=True)
    availability_kinds = fields.List(fields.Nested(LabelledCodeSchema), required=True)
    weekdays = fields.List(fields.Nested(LabelledCodeSchema), required=True)


def _labelled(codes, labels: dict[str, str]) -> list[dict]:
    return [{"code": code, "label": labels[code]} for code in codes]


@endpoint(bp, "/reference", "GET", summary="Structure kinds, roles, professions… with their French labels",
          tags=["reference"], auth="none", response=ReferenceSchema())
def reference():
    return {
        "structure_kinds": _labelled(STRUCTURE_KINDS, STRUCTURE_KINDS),
        "roles": _labelled(ROLES, ROLE_LABELS),
        "professions": _labelled(PROFESSIONS, PROFESSIONS),
        "availability_kinds": _labelled(AVAILABILITY_KINDS, AVAILABILITY_LABELS),
        "weekdays": _labelled(WEEKDAYS, WEEKDAY_LABELS),
    }
