"""Article dates: the range they may take, and wall-clock times in the site's time zone, where
daylight saving skips an hour (no such moment) and repeats one (two moments)."""

import datetime as dt

from django.utils import timezone
from django.utils.formats import date_format

# Python's datetime stops at year 9999, so a moment near either end overflows when shown in
# another time zone (a 500 on every page listing it); years below 1000 are typos ('0204' for
# 2024) that would stretch the archive over centuries.
EARLIEST_DATE = dt.datetime(1000, 1, 1, tzinfo=dt.UTC)
LATEST_DATE = dt.datetime(9998, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
SKIPPED, REPEATED = "skipped", "repeated"


def date_range_problem(moment: dt.datetime) -> str | None:
    """Why `moment` (aware) cannot be an article's date, or None."""
    try:
        inside = EARLIEST_DATE <= moment.astimezone(dt.UTC) <= LATEST_DATE
    except (OverflowError, ValueError):
        inside = False
    return None if inside else "must be between the years 1000 and 9998 (1000-01-01 and 9998-12-31 in UTC)"


def daylight_saving(naive: dt.datetime, zone=None) -> str | None:
    """SKIPPED or REPEATED when daylight saving makes `naive` no moment or two in `zone` (the
    site's by default), else None."""
    zone = zone or timezone.get_current_timezone()
    earlier, later = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    if earlier.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != naive:
        return SKIPPED
    return REPEATED if earlier.utcoffset() != later.utcoffset() else None


def local_moment(naive: dt.datetime) -> dt.datetime:
    """A wall-clock time in the site's time zone; ValueError when daylight saving skips or
    repeats it, naming the exact moments the writer may have meant."""
    zone = timezone.get_current_timezone()
    problem = daylight_saving(naive, zone)
    if problem is None:
        return naive.replace(tzinfo=zone)
    what = "does not exist" if problem == SKIPPED else "happens twice"
    moments = (naive.replace(tzinfo=zone, fold=fold) for fold in (0, 1))
    examples = " or ".join(naive.replace(tzinfo=dt.timezone(m.utcoffset())).isoformat() for m in moments)
    raise ValueError(f"{what} in {zone.key} (daylight saving); write it with its UTC offset, e.g. {examples}")


def local(moment: dt.datetime) -> str:
    """A moment as editors read it, in the site's time zone."""
    return date_format(timezone.localtime(moment), "j F Y, H:i")
