"""What every meetings use case receives: repositories, identity's directory, the projects
link and the clock. The composition root (the Nameko service, or a test with fakes)
builds one per call."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from maillage_shared.clock import utcnow

from .ports import FeedRepository, MeetingRepository, MemberDirectory, PollRepository, ProjectsLink, TimeRepository
from .schedule import paris_date


@dataclass
class MeetingsContext:
    polls: PollRepository
    meetings: MeetingRepository
    times: TimeRepository
    feeds: FeedRepository
    members: MemberDirectory
    projects: ProjectsLink
    clock: Callable[[], datetime] = utcnow
    is_production: bool = False

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        """Today in Europe/Paris."""
        return paris_date(self.clock())
