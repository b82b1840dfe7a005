"""The instance's library: publish a validated protocol, search it, import a copy."""
from __future__ import annotations

from datetime import date

import pytest
from maillage_shared.contracts import load
from maillage_shared.contracts.documents import EVENTS, ProtocolFieldsSchema
from maillage_shared.errors import Conflict, Forbidden, NotFound

from services.documents.domain import documents, library, protocols
from services.documents.domain.model import PROTOCOL_PUBLISHED

from .conftest import ANNE, CLAIRE, OTHER_SID, PAUL, PDF, SID, ZOE, new_version

FIELDS = load(ProtocolFieldsSchema(), ProtocolFieldsSchema.EXAMPLES[0])


@pytest.fixture
def validated(ctx, document):
    protocols.declare_protocol(ctx, PAUL, document["id"], FIELDS)
    return protocols.validate_protocol(ctx, CLAIRE, document["id"], {"validated_on": date(2026, 11, 12),
                                                                     "review_on": date(2028, 11, 12)})


@pytest.fixture
def published(ctx, validated):
    return library.publish_protocol(ctx, CLAIRE, validated["id"])


def test_publishing_copies_the_validated_version_into_the_library(ctx, validated, published):
    assert published["origin_structure_name"] == "MSP des Tilleuls"
    assert published["origin_version"] == 1 and published["sha256"] == validated["current"]["sha256"]
    assert ctx.contents.keys("library/") == [f"library/sha256/{published['sha256']}"]
    [event] = ctx.documents.events(PROTOCOL_PUBLISHED)
    assert load(EVENTS[PROTOCOL_PUBLISHED](), event.payload)["library_entry_id"] == published["id"]
    assert documents.get_document(ctx, PAUL, validated["id"])["protocol"]["library_entry_id"] == published["id"]


def test_only_validated_open_protocols_are_published_by_coordinators(ctx, document, validated):
    with pytest.raises(Forbidden):
        library.publish_protocol(ctx, PAUL, validated["id"])
    protocols.declare_protocol(ctx, PAUL, validated["id"], {**FIELDS, "need": "Révision"})
    with pytest.raises(Conflict):
        library.publish_protocol(ctx, CLAIRE, validated["id"])


def test_a_restricted_document_is_not_published(ctx, validated):
    documents.update_document(ctx, CLAIRE, validated["id"], {"restricted_to": [CLAIRE]})

    with pytest.raises(Conflict):
        library.publish_protocol(ctx, CLAIRE, validated["id"])


@pytest.mark.parametrize("query, found", [
    ({"q": "inr domicile"}, True),              # words of a step
    ({"q": "hemorragiques"}, True),             # the need, without accents
    ({"q": "iatrogenique"}, True),              # the theme's label
    ({"theme": "iatrogenic_risk"}, True),
    ({"theme": "obesity"}, False),
    ({"profession": "pharmacien"}, True),
    ({"profession": "orthophoniste"}, False),
    ({"q": "asthme"}, False),
])
def test_the_library_is_searched_by_words_theme_and_profession(ctx, published, query, found):
    results = library.search_library(ctx, ZOE, query)

    assert [r["id"] for r in results] == ([published["id"]] if found else [])


def test_another_structure_imports_a_copy_that_remembers_its_origin(ctx, validated, published):
    imported = library.import_protocol(ctx, ZOE, published["id"], {"structure_id": OTHER_SID, "folder": "Protocoles"})

    assert imported["structure_id"] == OTHER_SID and imported["created_by"] == ZOE
    assert imported["protocol"]["status"] == "draft"
    assert imported["protocol"]["steps"] == validated["protocol"]["steps"]
    assert imported["origin"]["structure_name"] == "MSP des Tilleuls"
    assert (imported["origin"]["document_id"], imported["origin"]["version"]) == (validated["id"], 1)
    assert imported["current"]["name"] == "v1"
    assert f"{OTHER_SID}/sha256/{published['sha256']}" in ctx.contents.keys()


def test_importing_needs_membership_of_the_target(ctx, published):
    with pytest.raises(NotFound):
        library.import_protocol(ctx, ZOE, published["id"], {"structure_id": SID})


def test_the_copy_outlives_the_original_being_purged(ctx, clock, validated, published):
    documents.trash_document(ctx, CLAIRE, validated["id"])
    clock.advance(days=31)
    documents.purge_trash(ctx)

    imported = library.import_protocol(ctx, ZOE, published["id"], {"structure_id": OTHER_SID})

    assert documents.open_version(ctx, ZOE, imported["id"])["sha256"] == published["sha256"]


def test_publishing_again_replaces_the_snapshot(ctx, validated, published):
    new_version(ctx, validated["id"], data=PDF + b"%v2")
    protocols.validate_protocol(ctx, CLAIRE, validated["id"], {"validated_on": date(2026, 11, 20),
                                                               "review_on": date(2028, 11, 20)})

    again = library.publish_protocol(ctx, CLAIRE, validated["id"])

    assert again["id"] == published["id"] and again["origin_version"] == 2
    assert ctx.contents.keys("library/") == [f"library/sha256/{again['sha256']}"]


def test_withdrawing_takes_it_out_of_the_library(ctx, validated, published):
    library.withdraw_protocol(ctx, CLAIRE, validated["id"])

    assert library.search_library(ctx, ANNE, {}) == []
    with pytest.raises(NotFound):
        library.get_library_entry(ctx, ANNE, published["id"])
    assert ctx.contents.keys("library/") == []
