"""Paris wall-clock times ↔ UTC instants, safe around daylight-saving changes.

People type a date and start/end times as they read them on a Paris clock; the service
stores the UTC instants. Two days a year need care: on the last Sunday of March the
clock jumps from 02:00 to 03:00 (02:30 does not exist: refused), and on the last Sunday
of October 02:00–03:00 happens twice (the first occurrence, summer time, is taken). A
duration is always the difference of the UTC instants, so a 01:00–04:00 meeting on that
October night lasts four hours.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from maillage_shared.clock import PARIS
from maillage_shared.errors import Invalid

MAX_DURATION = timedelta(hours=12)


@dataclass(frozen=True)
class LocalSlot:
    """What a person typed, and the instants it means."""

    date: date
    start: str
    end: str
    starts_at: datetime  # naive UTC
    ends_at: datetime

    @property
    def duration_minutes(self) -> int:
        return duration_minutes(self.starts_at, self.ends_at)


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def to_utc(day: date, hhmm: str, field: str = "start") -> datetime:
    """The UTC instant of ``hhmm`` on ``day`` in Paris; Invalid when the clock skips it."""
    local = datetime.combine(day, parse_hhmm(hhmm), tzinfo=PARIS)  # fold=0: the first of two
    instant = local.astimezone(UTC)
    if instant.astimezone(PARIS).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise Invalid("This time does not exist in Paris on that day (the clocks go forward).",
                      {field: f"{hhmm} does not exist on {day.isoformat()} in Paris: clocks jump from 02:00 "
                              "to 03:00."})
    return instant.replace(tzinfo=None)


def local_slot(day: date, start: str, end: str, prefix: str = "") -> LocalSlot:
    starts_at = to_utc(day, start, prefix + "start")
    ends_at = to_utc(day, end, prefix + "end")
    if ends_at <= starts_at:
        raise Invalid("The end must be after the start.", {prefix + "end": "The end must be after the start."})
    if ends_at - starts_at > MAX_DURATION:
        raise Invalid("A meeting lasts at most 12 hours.", {prefix + "end": "A meeting lasts at most 12 hours."})
    return LocalSlot(day, start, end, starts_at, ends_at)


def in_paris(instant: datetime) -> datetime:
    return instant.replace(tzinfo=UTC).astimezone(PARIS)


def paris_date(instant: datetime) -> date:
    return in_paris(instant).date()


def paris_hhmm(instant: datetime) -> str:
    return in_paris(instant).strftime("%H:%M")


def duration_minutes(starts_at: datetime, ends_at: datetime) -> int:
    return int((ends_at - starts_at).total_seconds() // 60)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The UTC instants of 1 January 00:00 in Paris of ``year`` and of the next year."""
    return to_utc(date(year, 1, 1), "00:00"), to_utc(date(year + 1, 1, 1), "00:00")
