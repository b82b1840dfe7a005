"""Roles and memberships: permissions, the last coordinator, removal and its event, audit log."""
import pytest
from maillage_shared.contracts.identity import MemberLeftPayload
from maillage_shared.errors import Conflict, Forbidden, Invalid, NotFound

from services.identity.domain import accounts, audit, members

from .conftest import signup_request


def test_members_are_listed_by_last_name(ctx, msp, add_member):
    add_member("Paul", "Leroy")
    add_member("Hélène", "Bernard")
    add_member("Anne", "Élie", profession="infirmier")

    assert [m.last_name for m in members.list_members(ctx, msp.structure.id)] == ["Bernard", "Élie", "Leroy",
                                                                                   "Martin"]


def test_a_coordinator_changes_a_role_and_it_is_audited(ctx, msp, add_member):
    paul = add_member()

    view = members.update_member(ctx, msp.user_id, msp.structure.id, paul.id, {"role": "coordinator"})

    assert view.role == "coordinator"
    assert members.get_membership(ctx, paul.id, msp.structure.id).role == "coordinator"
    entry = ctx.audit_entries.entries[-1]
    assert (entry.action, entry.target, entry.details) == ("member.role_changed", paul.id,
                                                           {"from": "member", "to": "coordinator"})


def test_the_last_coordinator_can_be_neither_demoted_nor_removed(ctx, msp):
    with pytest.raises(Conflict, match="at least one coordinator"):
        members.update_member(ctx, msp.user_id, msp.structure.id, msp.user_id, {"role": "member"})
    with pytest.raises(Conflict):
        members.remove_member(ctx, msp.user_id, msp.structure.id, msp.user_id)
    assert members.get_membership(ctx, msp.user_id, msp.structure.id).role == "coordinator"


def test_a_coordinator_can_step_down_once_someone_else_coordinates(ctx, msp, add_member):
    paul = add_member(role="coordinator")

    members.update_member(ctx, msp.user_id, msp.structure.id, msp.user_id, {"role": "member"})

    assert members.get_membership(ctx, msp.user_id, msp.structure.id).role == "member"
    with pytest.raises(Conflict):
        members.update_member(ctx, paul.id, msp.structure.id, paul.id, {"role": "guest"})


@pytest.mark.parametrize("role", ["member", "guest"])
def test_only_coordinators_change_or_remove_members(ctx, msp, add_member, role):
    actor = add_member("Anne", "Morel", role=role)
    paul = add_member()

    with pytest.raises(Forbidden):
        members.update_member(ctx, actor.id, msp.structure.id, paul.id, {"role": "coordinator"})
    with pytest.raises(Forbidden):
        members.remove_member(ctx, actor.id, msp.structure.id, paul.id)


def test_someone_outside_the_structure_gets_not_found(ctx, msp, add_member):
    paul = add_member()
    elsewhere = accounts.signup(ctx, signup_request(coordinator={"email": "autre@example.org"}))

    with pytest.raises(NotFound):
        members.remove_member(ctx, elsewhere.user_id, msp.structure.id, paul.id)
    with pytest.raises(NotFound):
        members.get_membership(ctx, elsewhere.user_id, msp.structure.id)


def test_removing_a_member_announces_it_in_the_same_write(ctx, msp, add_member):
    paul = add_member()

    members.remove_member(ctx, msp.user_id, msp.structure.id, paul.id)

    event = ctx.memberships.outbox[-1]
    assert event.type == "identity.member_left.v1" and event.structure_id == msp.structure.id
    assert MemberLeftPayload().load(event.payload) == {"user_id": paul.id, "reason": "removed"}
    assert [m.user_id for m in members.list_members(ctx, msp.structure.id)] == [msp.user_id]
    assert ctx.audit_entries.actions()[-1] == "member.removed"
    with pytest.raises(NotFound):
        members.remove_member(ctx, msp.user_id, msp.structure.id, paul.id)


def test_the_audit_log_shows_the_structure_newest_first_to_coordinators(ctx, msp, add_member):
    paul = add_member()
    members.update_member(ctx, msp.user_id, msp.structure.id, paul.id, {"profession": "ipa"})
    members.remove_member(ctx, msp.user_id, msp.structure.id, paul.id)

    entries = audit.audit_log(ctx, msp.user_id, msp.structure.id, limit=2)

    assert [e.action for e in entries] == ["member.removed", "member.profession_changed"]
    with pytest.raises(Forbidden):
        audit.audit_log(ctx, add_member("Anne", "Morel").id, msp.structure.id)


@pytest.mark.parametrize("limit", [0, 501, "10", True])
def test_the_audit_log_limit_is_checked(ctx, msp, limit):
    with pytest.raises(Invalid) as error:
        audit.audit_log(ctx, msp.user_id, msp.structure.id, limit)

    assert "limit" in error.value.fields
