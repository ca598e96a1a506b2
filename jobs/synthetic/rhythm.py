"""The time-zone rhythm of `tollgate generate`: when, in UTC, people in each zone are active.

Activity follows a weekly and daily rhythm in local time, so each zone peaks at its own
UTC hours and daylight-saving changes inside the window move the peaks with them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

from jobs.synthetic.pools import DAY_S
from jobs.synthetic.vocab import ZONES

# Relative activity per local hour on a weekday: two peaks, 9-11 and 14-16, quiet but never
# empty nights (support desks, calls with other continents): about 0.9% of a day per hour.
HOUR_WEIGHT = np.array(
    [
        0.16,
        0.15,
        0.14,
        0.14,
        0.15,
        0.16,
        0.20,
        0.35,
        0.85,
        1.6,
        1.8,
        1.4,
        0.8,
        1.1,
        1.6,
        1.7,
        1.2,
        0.6,
        0.3,
        0.22,
        0.2,
        0.18,
        0.17,
        0.16,
    ]
)
WEEKEND_FACTOR = 0.12


def zone_rhythm(start: dt.date, days: int) -> tuple[np.ndarray, np.ndarray]:
    """Per zone and UTC hour from the window start (two spare days for end times):
    the activity weight of that local hour, and the zone's UTC offset in seconds."""
    hours = (days + 2) * 24
    t0 = dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC)
    weight = np.zeros((len(ZONES), hours))
    offset = np.zeros((len(ZONES), hours), dtype=np.int64)
    for z, zone in enumerate(ZONES):
        tz = ZoneInfo(zone[1])
        for h in range(hours):
            at = (t0 + dt.timedelta(hours=h)).astimezone(tz)
            offset[z, h] = int(at.utcoffset().total_seconds())
            mid = (t0 + dt.timedelta(hours=h, minutes=30)).astimezone(tz)  # +05:30 zones
            weekend = mid.weekday() >= 5
            weight[z, h] = HOUR_WEIGHT[mid.hour] * (WEEKEND_FACTOR if weekend else 1.0)
    weight[:, days * 24 :] = 0.0  # nothing starts after the window
    return weight, offset


@dataclass(frozen=True)
class Window:
    """The generated days: UTC epoch start, day count, and zone x UTC-hour rhythm and offsets."""

    t0: int
    days: int
    weight: np.ndarray
    offset: np.ndarray

    def day(self, d: int) -> dt.date:
        return dt.date(1970, 1, 1) + dt.timedelta(days=self.t0 // DAY_S + d)

    def sample_starts(self, rng: np.random.Generator, zone: np.ndarray) -> np.ndarray:
        """Epoch seconds following each zone's local weekly and daily rhythm."""
        hour = np.zeros(len(zone), dtype=np.int64)
        for z in range(len(ZONES)):
            rows = np.flatnonzero(zone == z)
            p = self.weight[z] / self.weight[z].sum()
            hour[rows] = rng.choice(len(p), size=len(rows), p=p)
        return self.t0 + hour * 3600 + rng.integers(0, 3600, len(zone))

    def iso_local(self, t: np.ndarray, zone: np.ndarray) -> np.ndarray:
        """ISO-8601 with the zone's UTC offset at that instant, e.g. 2026-11-03T09:14:05-05:00."""
        hour = np.clip((t - self.t0) // 3600, 0, self.offset.shape[1] - 1)
        off = self.offset[zone, hour]
        local = np.datetime_as_string((t + off).astype("datetime64[s]")).astype(object)
        sign = np.where(off < 0, "-", "+").astype(object)
        hh = np.char.zfill((np.abs(off) // 3600).astype(str), 2).astype(object)
        mm = np.char.zfill((np.abs(off) % 3600 // 60).astype(str), 2).astype(object)
        return local + sign + hh + ":" + mm
