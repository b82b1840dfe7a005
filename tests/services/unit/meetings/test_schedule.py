"""Paris wall-clock slots become the right UTC instants, including on DST change days."""
from datetime import date, datetime

import pytest
from maillage_shared.errors import Invalid

from services.meetings.domain.schedule import local_slot, paris_hhmm, to_utc, year_bounds


@pytest.mark.parametrize("day, hhmm, utc", [
    (date(2026, 12, 3), "12:30", datetime(2026, 12, 3, 11, 30)),   # winter: UTC+1
    (date(2026, 7, 2), "12:30", datetime(2026, 7, 2, 10, 30)),     # summer: UTC+2
    (date(2026, 3, 29), "01:30", datetime(2026, 3, 29, 0, 30)),    # before the jump
    (date(2026, 3, 29), "03:00", datetime(2026, 3, 29, 1, 0)),     # after the jump
    (date(2026, 10, 25), "02:30", datetime(2026, 10, 25, 0, 30)),  # happens twice: the first (summer) one
    (date(2026, 10, 25), "03:30", datetime(2026, 10, 25, 2, 30)),
])
def test_paris_times_become_utc(day, hhmm, utc):
    assert to_utc(day, hhmm) == utc


def test_a_time_the_clock_skips_is_refused_naming_the_field():
    with pytest.raises(Invalid) as error:
        local_slot(date(2026, 3, 29), "02:30", "04:00", prefix="slots.0.")

    assert "slots.0.start" in error.value.fields


def test_durations_count_real_minutes_across_a_change():
    autumn = local_slot(date(2026, 10, 25), "01:00", "04:00")  # the clock goes back: 4 real hours
    spring = local_slot(date(2026, 3, 29), "01:00", "04:00")   # the clock goes forward: 2 real hours

    assert (autumn.duration_minutes, spring.duration_minutes) == (240, 120)
    assert (paris_hhmm(autumn.starts_at), paris_hhmm(autumn.ends_at)) == ("01:00", "04:00")


def test_a_slot_ending_before_it_starts_is_refused():
    with pytest.raises(Invalid) as error:
        local_slot(date(2026, 12, 3), "14:00", "12:30")

    assert error.value.fields == {"end": "The end must be after the start."}


def test_a_year_starts_at_midnight_in_paris():
    assert year_bounds(2026) == (datetime(2025, 12, 31, 23, 0), datetime(2026, 12, 31, 23, 0))
