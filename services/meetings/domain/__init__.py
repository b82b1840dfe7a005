"""Business rules of the meetings context, with no Nameko, pymongo or Flask import.

Use cases are functions taking a ``MeetingsContext``: ``polls`` (date polls, tally,
closing into a meeting), ``meetings`` (schedule, change, cancel, invitations),
``minutes`` (minutes, pseudonymous cases, attendance, close and reopen), ``timesheet``
(coordination time, yearly report, CSV), ``feeds`` (private calendar feed tokens),
``members_left`` (reaction to identity's member_left). ``schedule`` converts Paris
wall-clock times to UTC; ``pseudonymity`` refuses obvious patient identifiers.
"""
from .context import MeetingsContext  # noqa: F401
