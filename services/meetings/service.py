"""The meetings service's Nameko edge: each entrypoint loads its input through the contract
schema, calls one domain use case and dumps the result (JSON values only).

Run: ``python -m maillage_shared.runner services.meetings.service:MeetingsService``.
"""
from __future__ import annotations

from maillage_shared.contracts import load
from maillage_shared.contracts.identity import MemberLeftPayload
from maillage_shared.contracts.meetings import (
    AttendanceRequestSchema,
    CalendarFeedSchema,
    CancelSchema,
    CoordinationTimeRequestSchema,
    CoordinationTimeSchema,
    MeetingCreateSchema,
    MeetingListQuerySchema,
    MeetingSchema,
    MeetingSummarySchema,
    MeetingUpdateSchema,
    MinutesRequestSchema,
    PollCloseSchema,
    PollCreateSchema,
    PollListQuerySchema,
    PollSchema,
    PollSummarySchema,
    ReopenSchema,
    ReportCsvQuerySchema,
    VoteSchema,
    YearlyReportSchema,
    YearQuerySchema,
)
from maillage_shared.service_kit import (
    EXPECTED_ERRORS,
    CorrelationId,
    Metrics,
    MongoDatabase,
    SettingsProvider,
    relay_outbox,
)
from nameko.events import EventDispatcher, event_handler
from nameko.rpc import RpcProxy, rpc
from nameko.timer import timer

from . import demo
from .adapters.ics import feed_text
from .adapters.mailer import relay_mail
from .adapters.mongo import OUTBOX_COLLECTIONS
from .domain import feeds, meetings, members_left, minutes, polls, timesheet
from .domain.context import MeetingsContext
from .wiring import MeetingsWiring


class MeetingsService:
    name = "meetings"

    db = MongoDatabase("meetings")
    settings = SettingsProvider()
    correlation_id = CorrelationId()
    metrics = Metrics("meetings")
    dispatch = EventDispatcher()
    identity_rpc = RpcProxy("identity")
    projects_rpc = RpcProxy("projects")
    wiring = MeetingsWiring()

    @property
    def ctx(self) -> MeetingsContext:
        return self.wiring.context(self.db, self.correlation_id, self.identity_rpc, self.projects_rpc)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def health(self):
        self.db.command("ping")
        return {"status": "ok"}

    # Polls --------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def structure_of_poll(self, poll_id):
        return polls.structure_of(self.ctx, poll_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def create_poll(self, actor_id, structure_id, payload):
        return PollSchema().dump(polls.create_poll(self.ctx, actor_id, structure_id, load(PollCreateSchema(), payload)))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_polls(self, actor_id, structure_id, query=None):
        found = polls.list_polls(self.ctx, actor_id, structure_id, load(PollListQuerySchema(), query))
        return PollSummarySchema(many=True).dump(found)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_poll(self, actor_id, structure_id, poll_id):
        return PollSchema().dump(polls.get(self.ctx, actor_id, structure_id, poll_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def vote(self, actor_id, structure_id, poll_id, payload):
        return PollSchema().dump(polls.vote(self.ctx, actor_id, structure_id, poll_id, load(VoteSchema(), payload)))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def close_poll(self, actor_id, structure_id, poll_id, payload):
        request = load(PollCloseSchema(), payload)
        return MeetingSchema().dump(polls.close_poll(self.ctx, actor_id, structure_id, poll_id, request))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def delete_poll(self, actor_id, structure_id, poll_id):
        polls.delete_poll(self.ctx, actor_id, structure_id, poll_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def poll_csv(self, actor_id, structure_id, poll_id):
        return polls.poll_csv(self.ctx, actor_id, structure_id, poll_id)

    # Meetings ------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def structure_of_meeting(self, meeting_id):
        return meetings.structure_of(self.ctx, meeting_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def create_meeting(self, actor_id, structure_id, payload):
        request = load(MeetingCreateSchema(), payload)
        return MeetingSchema().dump(meetings.create_meeting(self.ctx, actor_id, structure_id, request))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_meetings(self, actor_id, structure_id, query=None):
        found = meetings.list_meetings(self.ctx, actor_id, structure_id, load(MeetingListQuerySchema(), query))
        return MeetingSummarySchema(many=True).dump(found)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_meeting(self, actor_id, structure_id, meeting_id):
        return MeetingSchema().dump(meetings.get(self.ctx, actor_id, structure_id, meeting_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def update_meeting(self, actor_id, structure_id, meeting_id, payload):
        changes = load(MeetingUpdateSchema(), payload)
        return MeetingSchema().dump(meetings.update_meeting(self.ctx, actor_id, structure_id, meeting_id, changes))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def cancel_meeting(self, actor_id, structure_id, meeting_id, payload=None):
        request = load(CancelSchema(), payload)
        return MeetingSchema().dump(meetings.cancel_meeting(self.ctx, actor_id, structure_id, meeting_id, request))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def save_minutes(self, actor_id, structure_id, meeting_id, payload):
        request = load(MinutesRequestSchema(), payload)
        return MeetingSchema().dump(minutes.save_minutes(self.ctx, actor_id, structure_id, meeting_id, request))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def record_attendance(self, actor_id, structure_id, meeting_id, payload):
        request = load(AttendanceRequestSchema(), payload)
        return MeetingSchema().dump(minutes.record_attendance(self.ctx, actor_id, structure_id, meeting_id, request))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def close_meeting(self, actor_id, structure_id, meeting_id):
        return MeetingSchema().dump(minutes.close_meeting(self.ctx, actor_id, structure_id, meeting_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def reopen_meeting(self, actor_id, structure_id, meeting_id, payload):
        request = load(ReopenSchema(), payload)
        return MeetingSchema().dump(minutes.reopen_meeting(self.ctx, actor_id, structure_id, meeting_id, request))

    # Time and the yearly report --------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def record_coordination_time(self, actor_id, structure_id, payload):
        request = load(CoordinationTimeRequestSchema(), payload)
        return CoordinationTimeSchema().dump(timesheet.record_time(self.ctx, actor_id, structure_id, request))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_coordination_time(self, actor_id, structure_id, query=None):
        found = timesheet.list_time(self.ctx, actor_id, structure_id, load(YearQuerySchema(), query))
        return CoordinationTimeSchema(many=True).dump(found)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def delete_coordination_time(self, actor_id, structure_id, time_id):
        timesheet.delete_time(self.ctx, actor_id, structure_id, time_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def yearly_report(self, actor_id, structure_id, query=None):
        report = timesheet.yearly_report(self.ctx, actor_id, structure_id, load(YearQuerySchema(), query))
        return YearlyReportSchema().dump(report)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def yearly_report_csv(self, actor_id, structure_id, query=None):
        return timesheet.report_csv(self.ctx, actor_id, structure_id, load(ReportCsvQuerySchema(), query))

    # Calendar feed -------------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def calendar_feed_status(self, user_id):
        return CalendarFeedSchema().dump(feeds.feed_status(self.ctx, user_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def issue_calendar_feed(self, user_id):
        return CalendarFeedSchema().dump(feeds.issue_feed(self.ctx, user_id))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def revoke_calendar_feed(self, user_id):
        feeds.revoke_feed(self.ctx, user_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def calendar_feed(self, token):
        """The feed's iCalendar text for the token's owner (the token is the credential)."""
        _, found = feeds.feed_meetings(self.ctx, token)
        return feed_text(found, self.settings.public_url)

    # Demo data, events, relays ---------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def ensure_demo_data(self, identity_demo):
        return demo.ensure_demo_data(self.ctx, identity_demo)

    @event_handler("identity", "member_left.v1")
    def on_member_left(self, event):
        """At-least-once delivery: a re-delivered event is recognised by its id (and the
        changes are idempotent anyway, so a crash between the two writes is harmless)."""
        payload = load(MemberLeftPayload(), event.get("payload"))
        processed = self.wiring.processed_events(self.db)
        if not processed.seen(event["event_id"]):
            members_left.forget_member(self.ctx, event["structure_id"], payload["user_id"])
            processed.mark(event)

    @timer(interval=0.5)
    def relay_events(self):
        """Publish what the outbox holds (at-least-once; consumers are idempotent)."""
        relay_outbox(self.name, self.db, OUTBOX_COLLECTIONS, self.dispatch)

    @timer(interval=1)
    def send_mail(self):
        """Send the invitations, updates and cancellations waiting in the mail outbox."""
        relay_mail(self.db, self.wiring.mailer)
