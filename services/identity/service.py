"""The identity service's Nameko edge: each entrypoint loads its input through the
contract schema, calls one domain use case and dumps the result (JSON values only).

Run: ``python -m maillage_shared.runner services.identity.service:IdentityService``.
"""
from __future__ import annotations

from maillage_shared.contracts import load
from maillage_shared.contracts.identity import (
    AcceptedInvitationSchema,
    AcceptInvitationSchema,
    AuditEntrySchema,
    AvailabilityRequestSchema,
    AvailabilitySchema,
    DateQuerySchema,
    DirectoryEntrySchema,
    DirectoryQuerySchema,
    InvitationPreviewSchema,
    InvitationRequestSchema,
    InvitationSchema,
    LoginRequestSchema,
    MemberSchema,
    MembershipSchema,
    MemberUpdateSchema,
    MeSchema,
    PeriodQuerySchema,
    ProfileUpdateSchema,
    RefreshRequestSchema,
    SignupRequestSchema,
    SignupResultSchema,
    StructureSchema,
    StructureUpdateSchema,
    TokenPairSchema,
    UserSchema,
)
from maillage_shared.service_kit import (
    EXPECTED_ERRORS,
    CorrelationId,
    Metrics,
    MongoDatabase,
    SettingsProvider,
    relay_outbox,
)
from nameko.events import EventDispatcher
from nameko.rpc import rpc
from nameko.timer import timer

from . import demo
from .adapters.mongo import OUTBOX_COLLECTIONS
from .domain import accounts, audit, availability, invitations, members, sessions
from .domain.context import IdentityContext
from .wiring import IdentityWiring


class IdentityService:
    name = "identity"

    db = MongoDatabase("identity")
    settings = SettingsProvider()
    correlation_id = CorrelationId()
    metrics = Metrics("identity")
    dispatch = EventDispatcher()
    wiring = IdentityWiring()

    @property
    def identity(self) -> IdentityContext:
        return self.wiring.context(self.db, self.correlation_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def health(self):
        self.db.command("ping")
        return {"status": "ok"}

    # Accounts and sessions ------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def signup(self, payload, ip=None):
        result = accounts.signup(self.identity, load(SignupRequestSchema(), payload), ip)
        return SignupResultSchema().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def login(self, payload, ip=None):
        request = load(LoginRequestSchema(), payload)
        return TokenPairSchema().dump(sessions.login(self.identity, request["email"], request["password"], ip))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def refresh(self, payload):
        request = load(RefreshRequestSchema(), payload)
        return TokenPairSchema().dump(sessions.refresh(self.identity, request["refresh_token"]))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def logout(self, payload):
        sessions.logout(self.identity, load(RefreshRequestSchema(), payload)["refresh_token"])

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_me(self, user_id):
        return MeSchema().dump(accounts.get_me(self.identity, user_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def update_profile(self, user_id, payload):
        changes = load(ProfileUpdateSchema(), payload)
        return UserSchema().dump(accounts.update_profile(self.identity, user_id, changes))

    # Structures and members -------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_membership(self, user_id, structure_id):
        return MembershipSchema().dump(members.get_membership(self.identity, user_id, structure_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_structure(self, structure_id):
        return StructureSchema().dump(accounts.get_structure(self.identity, structure_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def update_structure(self, actor_id, structure_id, payload):
        changes = load(StructureUpdateSchema(), payload)
        return StructureSchema().dump(accounts.update_structure(self.identity, actor_id, structure_id, changes))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_members(self, structure_id):
        return MemberSchema(many=True).dump(members.list_members(self.identity, structure_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def update_member(self, actor_id, structure_id, user_id, payload):
        changes = load(MemberUpdateSchema(), payload)
        return MemberSchema().dump(members.update_member(self.identity, actor_id, structure_id, user_id, changes))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def remove_member(self, actor_id, structure_id, user_id):
        members.remove_member(self.identity, actor_id, structure_id, user_id)

    # Invitations --------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def invite(self, actor_id, structure_id, payload):
        request = load(InvitationRequestSchema(), payload)
        return InvitationSchema().dump(invitations.invite(self.identity, actor_id, structure_id, request))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_invitations(self, actor_id, structure_id):
        return InvitationSchema(many=True).dump(invitations.list_invitations(self.identity, actor_id, structure_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def revoke_invitation(self, actor_id, structure_id, invitation_id):
        invitations.revoke_invitation(self.identity, actor_id, structure_id, invitation_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def preview_invitation(self, token):
        return InvitationPreviewSchema().dump(invitations.preview_invitation(self.identity, token))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def accept_invitation(self, token, payload, user_id=None):
        # A logged-in holder of the invited address proves it by their session, not a password;
        # the domain says which fields each case needs.
        result = invitations.accept_invitation(self.identity, token, load(AcceptInvitationSchema(), payload), user_id)
        return AcceptedInvitationSchema().dump(result)

    # Directory and availability -------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def directory(self, structure_id, query=None):
        entries = availability.directory(self.identity, structure_id, load(DirectoryQuerySchema(), query))
        return DirectoryEntrySchema(many=True).dump(entries)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_availability(self, structure_id, query=None):
        periods = availability.list_availability(self.identity, structure_id, load(PeriodQuerySchema(), query))
        return AvailabilitySchema(many=True).dump(periods)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def declare_availability(self, actor_id, structure_id, payload):
        request = load(AvailabilityRequestSchema(), payload)
        return AvailabilitySchema().dump(
            availability.declare_availability(self.identity, actor_id, structure_id, request))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def delete_availability(self, actor_id, structure_id, availability_id):
        availability.delete_availability(self.identity, actor_id, structure_id, availability_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def on_call(self, structure_id, query=None):
        day = load(DateQuerySchema(), query)["date"]
        return AvailabilitySchema(many=True).dump(availability.on_call(self.identity, structure_id, day))

    # Audit, demo, events ----------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def audit_log(self, actor_id, structure_id, limit=100):
        return AuditEntrySchema(many=True).dump(audit.audit_log(self.identity, actor_id, structure_id, limit))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def ensure_demo_data(self):
        return demo.ensure_demo_data(self.identity)

    @timer(interval=0.5)
    def relay_events(self):
        """Publish what the outbox holds (at-least-once; consumers are idempotent)."""
        relay_outbox(self.name, self.db, OUTBOX_COLLECTIONS, self.dispatch)
