"""Protocoles pluriprofessionnels, as the HAS method describes them (HAS, 2015): the team's
need they answer, for whom, the professions involved, who does what, when and how (ordered
steps), the references they rest on, and a regular review. A document is declared a protocol
(a draft); a coordinator records the team's validation on a date with the next review date,
which announces ``documents.protocol_validated`` (finance counts them for the ACI: 100 points
each, 8 at most, when the theme is on annexe 3). Changing a validated protocol makes it a
draft again, to be validated anew.
"""
from __future__ import annotations

import re
import unicodedata

from maillage_shared.contracts.identity import PROFESSIONS
from maillage_shared.contracts.projects import ACI_PROTOCOL_THEMES
from maillage_shared.errors import Conflict, Invalid

from .access import (
    actor_in,
    can_read,
    readable_document,
    require_active,
    require_coordinator,
    require_edit,
    require_manage,
)
from .changes import change_document
from .context import DocumentsContext
from .model import ACTIVE, DRAFT, VALIDATED, Document, Protocol, protocol_validated
from .views import document_view, protocol_summary, review_due

MIN_PROFESSIONS = 2


def normalised_content(fields: dict) -> dict:
    """The protocol's content as stored: every profession acting in a step is listed among its
    professions, in the order first met; steps and references without their empty parts."""
    steps = [{"who": list(dict.fromkeys(step["who"])), "what": step["what"].strip(),
              "when": (step.get("when") or "").strip(), "how": (step.get("how") or "").strip()}
             for step in fields.get("steps") or []]
    professions = list(dict.fromkeys([*(fields.get("professions") or []), *(p for s in steps for p in s["who"])]))
    references = [{"citation": ref["citation"].strip(), "url": ref.get("url") or None}
                  for ref in fields.get("references") or []]
    return {"need": (fields.get("need") or "").strip(), "population": (fields.get("population") or "").strip(),
            "professions": professions, "steps": steps, "references": references,
            "aci_theme": fields.get("aci_theme")}


def declare_protocol(ctx: DocumentsContext, actor_id: str, document_id: str, fields: dict) -> dict:
    """Declare the document a protocol, or change its content (all fields at once)."""
    document, member = readable_document(ctx, document_id, actor_id)
    require_active(document)
    require_edit(ctx, document, member)
    content = normalised_content(fields)
    review_on = fields.get("review_on")

    def apply(fresh: Document):
        require_active(fresh)
        protocol = fresh.protocol
        if protocol is None:
            fresh.protocol = Protocol(updated_at=ctx.now(), updated_by=actor_id, **content, review_on=review_on)
        else:
            if protocol.status == VALIDATED and (content != protocol.content() or review_on != protocol.review_on):
                protocol.status = DRAFT  # a revision: the team validates it again
            for name, value in content.items():
                setattr(protocol, name, value)
            protocol.review_on = review_on
            protocol.updated_at, protocol.updated_by = ctx.now(), actor_id
        fresh.updated_at = ctx.now()

    declared = document.protocol is None
    updated = change_document(ctx, document_id, apply)
    ctx.audit("protocol.declared" if declared else "protocol.updated", updated.structure_id, actor_id, document_id,
              status=updated.protocol.status)
    return document_view(ctx, updated, member)


def remove_protocol(ctx: DocumentsContext, actor_id: str, document_id: str) -> dict:
    """The document is a plain document again (its content is kept in the history)."""
    document, member = readable_document(ctx, document_id, actor_id)
    require_active(document)
    require_manage(ctx, document, member)
    if document.protocol is None:
        return document_view(ctx, document, member)
    if document.protocol.library_entry_id:
        raise Conflict("This protocol is in the library: withdraw it from the library first.")

    def apply(fresh: Document):
        fresh.protocol = None
        fresh.updated_at = ctx.now()

    updated = change_document(ctx, document_id, apply)
    ctx.audit("protocol.removed", updated.structure_id, actor_id, document_id)
    return document_view(ctx, updated, member)


def completeness_errors(protocol: Protocol) -> dict[str, str]:
    errors = {}
    if not protocol.need:
        errors["need"] = "Say which need of the team this protocol answers."
    if len(protocol.professions) < MIN_PROFESSIONS:
        errors["professions"] = "A protocol involves at least two professions."
    if not protocol.steps:
        errors["steps"] = "Describe at least one step: who does what, when and how."
    if not protocol.aci_theme:
        errors["aci_theme"] = "Choose the ACI theme (annexe 3), or « hors liste »."
    return errors


def validate_protocol(ctx: DocumentsContext, actor_id: str, document_id: str, request: dict) -> dict:
    """A coordinator records that the team validated the protocol (today unless said otherwise)."""
    document, member = readable_document(ctx, document_id, actor_id)
    require_active(document)
    require_coordinator(member)
    if document.protocol is None:
        raise Conflict("Declare this document a protocol first.")
    validated_on = request.get("validated_on") or ctx.today()
    review_on = request["review_on"]
    if validated_on > ctx.today():
        raise Invalid("A validation cannot be dated in the future.", {"validated_on": "Today at the latest."})
    if review_on <= validated_on:
        raise Invalid("The review date must come after the validation date.",
                      {"review_on": "The review date must come after the validation date."})
    errors = completeness_errors(document.protocol)
    if errors:
        raise Invalid("The protocol is not complete enough to be validated.", errors)

    def apply(fresh: Document):
        require_active(fresh)
        protocol = fresh.protocol
        if protocol is None:
            raise Conflict("Declare this document a protocol first.")
        protocol.status, protocol.validated_on, protocol.validated_by = VALIDATED, validated_on, actor_id
        protocol.validated_version, protocol.review_on = fresh.current_version, review_on
        protocol.updated_at, protocol.updated_by = ctx.now(), actor_id
        fresh.updated_at = ctx.now()
        return [protocol_validated(fresh)]

    updated = change_document(ctx, document_id, apply)
    ctx.audit("protocol.validated", updated.structure_id, actor_id, document_id,
              validated_on=validated_on.isoformat(), version=updated.protocol.validated_version)
    return document_view(ctx, updated, member)


def list_protocols(ctx: DocumentsContext, actor_id: str, structure_id: str, query: dict) -> list[dict]:
    """The structure's protocols the actor may read: reviews due first, then by title."""
    member = actor_in(ctx, structure_id, actor_id)
    today = ctx.today()
    found = [d for d in ctx.documents.in_structure(structure_id, ACTIVE)
             if d.protocol is not None and can_read(ctx, d, member)
             and (not query.get("status") or d.protocol.status == query["status"])
             and (not query.get("review_due") or review_due(d.protocol, today))]
    found.sort(key=lambda d: (not review_due(d.protocol, today), d.title.casefold()))
    return [protocol_summary(ctx, d) for d in found]


# FHIR ---------------------------------------------------------------------------------------

PLAN_TYPE = {"system": "http://terminology.hl7.org/CodeSystem/plan-definition-type", "code": "clinical-protocol",
             "display": "Clinical Protocol"}
ACI_THEME_SYSTEM = "urn:maillage:aci-msp:annexe-3"
PROFESSION_SYSTEM = "urn:maillage:profession"
NEXT_REVIEW = "urn:maillage:fhir:next-review-date"


def plan_definition(ctx: DocumentsContext, actor_id: str, document_id: str) -> dict:
    """The protocol as a FHIR R4 PlanDefinition (type clinical-protocol): steps are actions,
    professions their participants, order ``relatedAction``, references ``relatedArtifact``."""
    document, _ = readable_document(ctx, document_id, actor_id)
    protocol = document.protocol
    if protocol is None:
        raise Conflict("This document is not a protocol.")
    resource = {
        "resourceType": "PlanDefinition", "id": document.id, "url": f"urn:maillage:protocol:{document.id}",
        "version": str(protocol.validated_version or document.current_version),
        "name": _fhir_name(document.title), "title": document.title, "type": {"coding": [PLAN_TYPE]},
        "status": "active" if protocol.status == VALIDATED else "draft",
        "date": document.updated_at.isoformat(timespec="seconds") + "Z",
        "purpose": protocol.need, "usage": protocol.population,
        "relatedArtifact": [{"type": "citation", "citation": r["citation"], **({"url": r["url"]} if r.get("url") else {})}
                            for r in protocol.references],
        "action": [_action(index, step) for index, step in enumerate(protocol.steps)],
    }
    if protocol.aci_theme:
        resource["topic"] = [{"coding": [{"system": ACI_THEME_SYSTEM, "code": protocol.aci_theme,
                                          "display": ACI_PROTOCOL_THEMES.get(protocol.aci_theme, "")}]}]
    if protocol.validated_on:
        resource["approvalDate"] = resource["lastReviewDate"] = protocol.validated_on.isoformat()
    if protocol.review_on:
        resource["extension"] = [{"url": NEXT_REVIEW, "valueDate": protocol.review_on.isoformat()}]
    return {key: value for key, value in resource.items() if value not in ("", [], None)}


def _action(index: int, step: dict) -> dict:
    action = {"id": f"step-{index + 1}", "title": step["what"],
              "participant": [{"type": "practitioner", "role": {"coding": [
                  {"system": PROFESSION_SYSTEM, "code": code, "display": PROFESSIONS.get(code, code)}]}}
                  for code in step["who"]]}
    if step.get("how"):
        action["description"] = step["how"]
    if step.get("when"):
        action["timingTiming"] = {"code": {"text": step["when"]}}
    if index:
        action["relatedAction"] = [{"actionId": f"step-{index}", "relationship": "after-end"}]
    return action


def _fhir_name(title: str) -> str:
    """A computer-friendly name: ``Suivi des patients sous AVK`` → ``SuiviDesPatientsSousAVK``."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z0-9]+", ascii_title)
    name = "".join(w[:1].upper() + w[1:] for w in words) or "Protocol"
    return name if name[0].isalpha() else f"P{name}"
