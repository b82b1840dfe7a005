"""Signup, slugs, unique e-mails, profiles and structure updates."""
import pytest
from maillage_shared.contracts.identity import EVENTS, StructureUpdatedPayload
from maillage_shared.errors import Conflict, Forbidden, Invalid, NotFound

from services.identity.domain import accounts
from services.identity.domain.text import fold, slugify

from .conftest import PASSWORD, signup_request


def test_signup_creates_the_structure_and_its_first_coordinator_logged_in(ctx, msp):
    structure = ctx.structures.get(msp.structure.id)
    membership = ctx.memberships.get_active(structure.id, msp.user_id)

    assert structure.slug == "msp-des-tilleuls"
    assert membership.role == "coordinator" and membership.profession == "coordinateur"
    assert msp.tokens.user_id == msp.user_id and msp.tokens.refresh_token
    assert "structure.created" in ctx.audit_entries.actions()


def test_signup_announces_the_coordinator_with_a_member_joined_event(ctx, msp):
    [event] = ctx.memberships.outbox

    assert event.type == "identity.member_joined.v1"
    assert event.structure_id == msp.structure.id
    assert EVENTS[event.type]().load(event.payload) == {
        "user_id": msp.user_id, "role": "coordinator", "profession": "coordinateur",
        "first_name": "Claire", "last_name": "Martin"}


def test_a_second_structure_with_the_same_name_gets_a_unique_slug(ctx, msp):
    other = accounts.signup(ctx, signup_request(coordinator={"email": "autre@example.org"}))
    third = accounts.signup(ctx, signup_request(coordinator={"email": "encore@example.org"}))

    assert (other.structure.slug, third.structure.slug) == ("msp-des-tilleuls-2", "msp-des-tilleuls-3")


@pytest.mark.parametrize("name, slug", [
    ("Maison de santé Les Écureuils", "maison-de-sante-les-ecureuils"),
    ("  CPTS   Cœur d'Ille  ", "cpts-coeur-d-ille"),
    ("Centre de santé n°3 — Villejean", "centre-de-sante-n-3-villejean"),
    ("!!!", "structure"),
])
def test_slugs_are_made_from_the_name(name, slug):
    assert slugify(name) == slug


def test_fold_ignores_case_and_accents():
    assert fold("  Hélène  LE  GOFF ") == "helene le goff"


@pytest.mark.parametrize("email", ["claire.martin@example.org", "Claire.Martin@Example.ORG"])
def test_an_email_already_used_is_refused_and_nothing_is_written(ctx, msp, email):
    with pytest.raises(Conflict) as error:
        accounts.signup(ctx, signup_request(coordinator={"email": email}, structure={"name": "Autre MSP"}))

    assert "coordinator.email" in error.value.fields
    assert ctx.structures.by_slug("autre-msp") is None
    assert len(ctx.users.rows) == 1


def test_a_failed_membership_write_undoes_the_signup(ctx, monkeypatch):
    def broken_join(membership, events):
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(ctx.memberships, "join", broken_join)

    with pytest.raises(RuntimeError):
        accounts.signup(ctx, signup_request())

    assert ctx.structures.rows == {} and ctx.users.rows == {}


def test_a_short_password_is_refused_naming_the_field(ctx):
    with pytest.raises(Invalid) as error:
        accounts.create_account(ctx, email="a@example.org", password="court", first_name="A", last_name="B")

    assert set(error.value.fields) == {"password"}


def test_me_lists_the_structures_of_the_user(ctx, msp):
    me = accounts.get_me(ctx, msp.user_id)

    assert me.user.email == "claire.martin@example.org"
    assert [(m.structure_slug, m.role) for m in me.memberships] == [("msp-des-tilleuls", "coordinator")]


def test_me_of_an_unknown_user_is_not_found(ctx):
    with pytest.raises(NotFound):
        accounts.get_me(ctx, "nobody")


def test_a_profile_update_changes_the_search_key_with_the_names(ctx, msp):
    user = accounts.update_profile(ctx, msp.user_id, {"last_name": "Le Goff", "phone": "06 12 34 56 78"})

    stored = ctx.users.get(msp.user_id)
    assert user.last_name == stored.last_name == "Le Goff"
    assert stored.search_key == "claire le goff" and stored.phone == "06 12 34 56 78"


def test_a_coordinator_updates_the_structure_and_it_is_announced(ctx, msp):
    structure = accounts.update_structure(ctx, msp.user_id, msp.structure.id,
                                          {"phone": "02 99 12 34 56", "name": "MSP des Grands Tilleuls"})

    [event] = ctx.structures.outbox
    payload = StructureUpdatedPayload().load(event.payload)
    assert structure.slug == "msp-des-tilleuls"  # the public URL does not move
    assert payload["structure"]["name"] == "MSP des Grands Tilleuls"
    assert ctx.audit_entries.entries[-1].details == {"fields": ["name", "phone"]}


def test_a_partial_address_keeps_the_rest_of_it(ctx, msp):
    accounts.update_structure(ctx, msp.user_id, msp.structure.id, {"address": {"line2": "Bâtiment B"}})

    assert ctx.structures.get(msp.structure.id).address == {
        "line1": "3 rue des Tilleuls", "line2": "Bâtiment B", "postcode": "35000", "city": "Rennes"}


def test_only_coordinators_update_the_structure(ctx, msp, add_member):
    member = add_member()
    outsider = accounts.create_account(ctx, email="x@example.org", password=PASSWORD, first_name="X", last_name="Y")

    with pytest.raises(Forbidden):
        accounts.update_structure(ctx, member.id, msp.structure.id, {"phone": "02 99 00 00 01"})
    with pytest.raises(NotFound):  # a non-member must not learn the structure exists
        accounts.update_structure(ctx, outsider.id, msp.structure.id, {"phone": "02 99 00 00 01"})
    assert ctx.structures.outbox == []
