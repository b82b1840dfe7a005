"""Team protocols (the HAS method), their validation and the instance's protocol library."""
from __future__ import annotations

from flask import Blueprint
from maillage_shared.contracts.documents import (
    ContentQuerySchema,
    DocumentSchema,
    LibraryEntrySchema,
    LibraryImportSchema,
    LibraryQuerySchema,
    LibrarySummarySchema,
    ProtocolFieldsSchema,
    ProtocolQuerySchema,
    ProtocolSummarySchema,
    ProtocolValidationSchema,
)
from marshmallow import Schema

from .. import file_streams
from ..context import current_user_id, require_membership, rpc
from . import API_PREFIX, endpoint
from .document_files import document_structure

bp = Blueprint("documents_protocols", __name__, url_prefix=API_PREFIX)


class PlanDefinitionSchema(Schema):
    """A FHIR R4 PlanDefinition resource (https://hl7.org/fhir/R4/plandefinition.html)."""

    class Meta:
        unknown = "include"


@endpoint(bp, "/structures/<sid>/protocols", "GET", summary="The structure's protocols, reviews due first",
          tags=["protocols"], auth="tenant", query=ProtocolQuerySchema(), response=ProtocolSummarySchema(many=True))
def list_protocols(sid, query):
    return rpc("documents", "list_protocols", current_user_id(), sid, query)


@endpoint(bp, "/documents/<did>/protocol", "PUT", summary="Declare a document a protocol, or change its content",
          tags=["protocols"], auth="tenant", structure_of=document_structure, body=ProtocolFieldsSchema(),
          response=DocumentSchema(), errors=(403, 409),
          description="The HAS fields: the need it answers, for whom, the professions, the steps (who does what, "
                      "when, how), references, the ACI theme (annexe 3) and the review date. Changing a validated "
                      "protocol makes it a draft again.")
def declare_protocol(did, body):
    return rpc("documents", "declare_protocol", current_user_id(), did, body)


@endpoint(bp, "/documents/<did>/protocol", "DELETE", summary="The document is no longer a protocol",
          tags=["protocols"], auth="tenant", structure_of=document_structure, response=DocumentSchema(),
          errors=(403, 409))
def remove_protocol(did):
    return rpc("documents", "remove_protocol", current_user_id(), did)


@endpoint(bp, "/documents/<did>/protocol/validation", "POST", summary="Record the team's validation of a protocol",
          tags=["protocols"], auth="tenant", structure_of=document_structure, role="coordinator",
          body=ProtocolValidationSchema(), response=DocumentSchema(), errors=(409,),
          description="`validated_on` defaults to today (Paris); `review_on` must come after it. Announces "
                      "`documents.protocol_validated` (counted for the ACI).")
def validate_protocol(did, body):
    return rpc("documents", "validate_protocol", current_user_id(), did, body)


@endpoint(bp, "/documents/<did>/protocol/fhir", "GET", summary="The protocol as a FHIR PlanDefinition",
          tags=["protocols"], auth="tenant", structure_of=document_structure, response=PlanDefinitionSchema(),
          errors=(409,))
def protocol_fhir(did):
    return rpc("documents", "protocol_plan_definition", current_user_id(), did)


@endpoint(bp, "/documents/<did>/protocol/publication", "POST",
          summary="Publish a validated protocol to every structure of the instance", tags=["library"],
          auth="tenant", structure_of=document_structure, role="coordinator", response=LibraryEntrySchema(),
          status=201, errors=(409, 410), description="Publishing again replaces the library's copy.")
def publish_protocol(did):
    return rpc("documents", "publish_protocol", current_user_id(), did)


@endpoint(bp, "/documents/<did>/protocol/publication", "DELETE", summary="Withdraw a protocol from the library",
          tags=["library"], auth="tenant", structure_of=document_structure, role="coordinator",
          response=DocumentSchema())
def withdraw_protocol(did):
    return rpc("documents", "withdraw_protocol", current_user_id(), did)


@endpoint(bp, "/library", "GET", summary="Search the instance's protocol library", tags=["library"],
          query=LibraryQuerySchema(), response=LibrarySummarySchema(many=True),
          description="`q` matches every word of the title and the structured fields (need, steps, references…).")
def search_library(query):
    return rpc("documents", "search_library", current_user_id(), query)


@endpoint(bp, "/library/<lid>", "GET", summary="A protocol of the library, with where it comes from",
          tags=["library"], response=LibraryEntrySchema(), errors=(404,))
def library_entry(lid):
    return rpc("documents", "get_library_entry", current_user_id(), lid)


@endpoint(bp, "/library/<lid>/content", "GET", summary="The file of a protocol of the library", tags=["library"],
          query=ContentQuerySchema(), binary_response=True, errors=(404,))
def library_content(lid, query):
    ticket = rpc("documents", "open_library_content", current_user_id(), lid)
    return file_streams.content_response(ticket, inline=query.get("disposition") == "inline")


@endpoint(bp, "/library/<lid>/import", "POST", summary="Import a copy of a library protocol into one's structure",
          tags=["library"], body=LibraryImportSchema(), response=DocumentSchema(), status=201, errors=(403, 404),
          description="The copy is a draft to adapt; it remembers its origin (structure, document, version). "
                      "`structure_id` must be one of the caller's structures (404 otherwise).")
def import_protocol(lid, body):
    require_membership(body["structure_id"])
    return rpc("documents", "import_protocol", current_user_id(), lid, body)
