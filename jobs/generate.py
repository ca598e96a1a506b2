"""`tollgate generate`: a deterministic, realistic landing folder (DESIGN.md "Landing formats").

Same seed and arguments give byte-identical files; nothing depends on the wall clock.
Conference legs and web requests follow a weekly and daily rhythm in each account's local
time zone, and a small, counted fraction of records is deliberately broken.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import numpy as np

from jobs.generate_pools import (
    APP_UAS, BOT_UAS, DAY_S, SIP_UAS, ZONES, Accounts, People, build_accounts, build_billing,
    build_people, json_tokens, phone_numbers, random_strings,
)
from transforms.vocabulary import ACCESS_TYPES, PRODUCTS, REGIONS

HELP = "write a synthetic landing folder (CDR legs, usage logs, accounts, billing, requests)"
log = logging.getLogger("tollgate.generate")

ACCOUNT_HEADER = (
    "account_id,username,email,full_name,phone,company,country,region,timezone,plan,"
    "created_at,birth_date,marketing_consent,do_not_sell,password_hash"
).split(",")
BILLING_HEADER = ("transaction_id,account_id,card_number,card_expiry,cardholder_name,"
                  "billing_address,amount,currency,created_at").split(",")
REQUEST_KINDS = ("erasure", "access", "opt_out_of_sale", "opt_in_to_sale",
                 "withdraw_marketing_consent")
REQUEST_P = (0.35, 0.25, 0.20, 0.05, 0.15)
# Relative activity per local hour on a weekday: two peaks, 9-11 and 14-16, quiet nights.
HOUR_WEIGHT = np.array([0.02, 0.01, 0.01, 0.01, 0.02, 0.04, 0.12, 0.35, 0.85, 1.6, 1.8, 1.4,
                        0.8, 1.1, 1.6, 1.7, 1.2, 0.6, 0.3, 0.2, 0.14, 0.09, 0.05, 0.03])
WEEKEND_FACTOR = 0.12
DEFAULT_START = dt.date(2026, 11, 2)  # a Monday; fixed so that output never depends on today


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, required=True, help="landing folder to write")
    parser.add_argument("--days", type=int, default=14, help="days in the window")
    parser.add_argument("--accounts", type=int, default=5000, help="number of accounts")
    parser.add_argument("--legs-per-day", type=int, default=14300, help="average legs per day")
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    parser.add_argument("--start", type=dt.date.fromisoformat, default=DEFAULT_START,
                        help="first day, YYYY-MM-DD (UTC)")


def run(args: argparse.Namespace) -> int:
    summary = generate_landing(args.out, days=args.days, accounts=args.accounts,
                               legs_per_day=args.legs_per_day, seed=args.seed, start=args.start)
    log.info("wrote %s", json.dumps(summary, sort_keys=True))
    return 0


def generate_landing(out: Path, *, days: int = 14, accounts: int = 5000,
                     legs_per_day: int = 14300, seed: int = 7,
                     start: dt.date = DEFAULT_START, requests_per_day: int | None = None) -> dict:
    """Write the landing folder under `out` and return counts per kind.

    Example: ``generate_landing(Path("data/landing"), days=3, accounts=200, legs_per_day=500)``
    """
    if days < 1 or accounts < 1 or legs_per_day < 0:
        raise ValueError("days and accounts must be positive, legs_per_day not negative")
    out = Path(out)
    rng_people, rng_acc, rng_bill, rng_cdr, rng_use, rng_req = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6))
    t0 = int(np.datetime64(start, "s").astype(np.int64))
    _clear_partitions(out)
    people = build_people(accounts + max(2000, accounts // 2), seed, rng_people)
    acc = build_accounts(people, accounts, t0, rng_acc)
    _write_csv(out / "accounts" / "accounts.csv", ACCOUNT_HEADER, acc.rows)
    billing = build_billing(people, acc, _months(start, days), seed, rng_bill)
    _write_csv(out / "billing" / "billing.csv", BILLING_HEADER, billing)
    weight, offset = zone_rhythm(start, days)
    window = Window(t0, days, weight, offset)
    cdr = write_cdr(out / "cdr", people, acc, window, legs_per_day * days, rng_cdr)
    n_requests = (legs_per_day // 2 if requests_per_day is None else requests_per_day) * days
    usage = write_usage(out / "usage", people, window, n_requests, rng_use)
    n_privacy = _write_privacy_requests(out / "privacy_requests" / "requests.jsonl",
                                        acc.account_id, window, rng_req)
    summary = {
        "accounts": accounts, "minors": acc.minors, "people": len(people.email),
        "do_not_sell": sum(row[ACCOUNT_HEADER.index("do_not_sell")] == "true" for row in acc.rows),
        "billing_rows": len(billing), "privacy_requests": n_privacy, **cdr, **usage,
    }
    summary["planted"] = {**cdr.pop("planted"), **usage.pop("planted")}
    summary["files"] = 3 + summary["cdr_files"] + summary["usage_files"]
    return dict(sorted(summary.items()))


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
    weight[:, days * 24:] = 0.0  # nothing starts after the window
    return weight, offset


def _months(start: dt.date, days: int) -> list[tuple[int, int]]:
    """Each calendar month's part of the window, as [first, end) UTC epoch seconds."""
    spans: dict[tuple[int, int], list[int]] = {}
    for d in range(days):
        day = start + dt.timedelta(days=d)
        first_s = int(np.datetime64(day, "s").astype(np.int64))
        span = spans.setdefault((day.year, day.month), [first_s, first_s])
        span[1] = first_s + DAY_S
    return [tuple(span) for span in spans.values()]


def _clear_partitions(out: Path) -> None:
    """Remove date partitions a previous run left, so a rerun gives exactly this window."""
    for folder in ("cdr", "usage"):
        for partition in sorted((out / folder).glob("date=*")):
            shutil.rmtree(partition)


def _write_csv(path: Path, header: list[str], rows: list[tuple]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    log.info("wrote %s: %d rows", path.name, len(rows))


def _write_privacy_requests(path: Path, account_id: np.ndarray, window: Window,
                            rng: np.random.Generator) -> int:
    """About 1% of accounts file one request each, received inside the window."""
    n = max(1, round(len(account_id) * 0.01))
    who = rng.choice(len(account_id), size=n, replace=False)
    kind = rng.choice(len(REQUEST_KINDS), size=n, p=REQUEST_P)
    received = np.sort(rng.integers(window.t0, window.t0 + window.days * DAY_S, n))
    stamps = np.datetime_as_string(received.astype("datetime64[s]"))
    ids = random_strings(rng, n, 20, HEX)
    lines = [
        json.dumps({"request_id": f"pr_{ids[i]}", "kind": REQUEST_KINDS[kind[i]],
                    "account_id": account_id[who[i]], "received_at": f"{stamps[i]}Z"},
                   ensure_ascii=False, separators=(",", ":"))
        for i in range(n)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return n


HEX = "0123456789abcdef"
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
UUID_VARIANT = {h: "89ab"[i % 4] for i, h in enumerate(HEX)}
MAX_LINES_PER_PART = 100_000
BAD_RATE = 0.0005  # share of legs per planted defect kind
BAD_KINDS = ("truncated_json", "garbage_line", "null_strings", "missing_leg_id",
             "duplicate_leg", "extra_key")
GARBAGE = ("<html><head><title>502 Bad Gateway</title></head></html>", "-- log rotated --",
           "ERROR upstream timed out (110: Connection timed out) while reading response header",
           "leg_id,conference_id,account_id,participant_name", "\x1b[31mpanic: index out of range")
NULLABLE = ("participant_name", "participant_email", "caller_number", "access_number",
            "ip_address", "user_agent", "notes")
# product -> (share of conferences, p of geometric size, median leg seconds)
PRODUCT_SHAPE = {"meeting": (0.76, 0.30, 1500), "webinar": (0.027, 0.05, 2700),
                 "audio": (0.213, 0.45, 720)}
ACCESS_P = {"audio": (0.75, 0.20, 0.0, 0.0, 0.05), "other": (0.075, 0.035, 0.35, 0.47, 0.07)}
# region -> toll-free prefix and digits after it, for the service's dial-in numbers
TOLL_FREE = {"us": ("+1888", 7), "ca": ("+1877", 7), "ie": ("+3531800", 6), "jp": ("+81120", 6),
             "in": ("+911800", 7), "sg": ("+65800", 7), "hk": ("+852800", 6),
             "uk": ("+44800", 7), "au": ("+611800", 6), "eu": ("+49800", 7)}
NOTES = ("Caller could not hear audio; advised to rejoin from the app.",
         "Customer {name} reported echo on the bridge, escalated to tier 2.",
         "Participant asked us to resend the invite to {email}.",
         "Call back requested on {phone} about the dropped connection.",
         "Dial-in PIN rejected twice, joined after reset.",
         "Poor MOS on this leg, ISP packet loss suspected.",
         "Agent note: {name} ({email}) wants the recording deleted.",
         "Screen share froze for a minute, no further action.",
         "Left voicemail for {name} at {phone}.")
REGION_OF_ZONE = np.array([REGIONS.index(zone[0]) for zone in ZONES])
CDR_TEMPLATE = (
    '{"leg_id":"%s","conference_id":"%s","account_id":"%s","participant_name":%s,'
    '"participant_email":%s,"caller_number":%s,"access_number":%s,"access_type":"%s",'
    '"ip_address":%s,"user_agent":%s,"country":"%s","region":"%s","product":"%s",'
    '"start_time":"%s","end_time":"%s","duration_s":%d,"recorded":%s,"transcribed":%s,'
    '"mos":%.1f,"rating":%s,"notes":%s}'
)


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


def _conferences(people: People, acc: Accounts, window: Window, n_legs: int, rng) -> dict:
    """One row per conference: host account, product, size, start; sizes sum to n_legs."""
    shares = np.array([shape[0] for shape in PRODUCT_SHAPE.values()])
    product = rng.choice(len(PRODUCTS), size=max(n_legs, 1), p=shares / shares.sum())
    geometric_p = np.array([shape[1] for shape in PRODUCT_SHAPE.values()])[product]
    size = np.minimum(rng.geometric(geometric_p) + np.where(product == 1, 4, 0), 40)
    n_conf = int(np.searchsorted(np.cumsum(size), n_legs) + 1) if n_legs else 0
    product, size = product[:n_conf], size[:n_conf].copy()
    if n_conf:
        size[-1] -= size.sum() - n_legs  # the last conference takes what is left
    activity = rng.lognormal(0.0, 1.0, len(acc.account_id))  # a few accounts host a lot
    host = rng.choice(len(activity), size=n_conf, p=activity / activity.sum())
    start = window.sample_starts(rng, people.zone[host])
    on_the_hour = rng.random(n_conf) < 0.35  # many meetings are booked at :00 or :30
    slot = start - (start - window.t0) % 3600 + rng.choice([0, 1800], n_conf)
    start = np.where(on_the_hour, slot + rng.integers(-90, 300, n_conf), start)
    recorded = rng.random(n_conf) < 0.15
    return {
        "id": "cnf-" + random_strings(rng, n_conf, 16, HEX), "host": host, "size": size,
        "product": product, "start": start, "recorded": recorded,
        "transcribed": recorded & (rng.random(n_conf) < 0.53),
    }


def _participants(people: People, conf: dict, rng) -> tuple[np.ndarray, ...]:
    """Per leg: its conference row and person; the host joins first, guests mostly local."""
    n = int(conf["size"].sum())
    leg_conf = np.repeat(np.arange(len(conf["size"])), conf["size"])
    rank = np.arange(n) - np.repeat(np.cumsum(conf["size"]) - conf["size"], conf["size"])
    host_region = people.region[conf["host"]][leg_conf]
    person = rng.integers(0, len(people.email), n)
    local = rng.random(n) < 0.85
    region = people.region
    for r in REGIONS:
        pool = np.flatnonzero(region == r)
        rows = np.flatnonzero(local & (host_region == r))
        if len(pool):
            person[rows] = pool[rng.integers(0, len(pool), len(rows))]
    person = np.where(rank == 0, conf["host"][leg_conf], person)
    return leg_conf, rank, person


def _access_numbers(rng) -> np.ndarray:
    """Per region (REGIONS order): two toll dial-in numbers and one toll-free, JSON-encoded."""
    first_zone = np.array([[z[0] for z in ZONES].index(r) for r in REGIONS])
    toll = phone_numbers(rng, np.repeat(first_zone, 2)).reshape(len(REGIONS), 2)
    free = [prefix + "".join(random_strings(rng, 1, digits, "0123456789"))
            for prefix, digits in (TOLL_FREE[r] for r in REGIONS)]
    return json_tokens(np.column_stack([toll, free]).ravel()).reshape(len(REGIONS), 3)


def _notes(people: People, person: np.ndarray, rng) -> np.ndarray:
    """About 15% of legs carry an agent note; some quote a name, an email or a phone."""
    notes = np.full(len(person), "null", dtype=object)
    rows = np.flatnonzero(rng.random(len(person)) < 0.15)
    about = np.where(rng.random(len(rows)) < 0.6, person[rows],
                     rng.integers(0, len(people.email), len(rows)))
    template = rng.integers(0, len(NOTES), len(rows))
    notes[rows] = [
        json.dumps(NOTES[t].format(name=people.full_name[p], email=people.email[p],
                                   phone=people.phone[p]), ensure_ascii=False)
        for t, p in zip(template, about)
    ]
    return notes


def simulate_legs(people: People, acc: Accounts, window: Window, n_legs: int,
                  rng: np.random.Generator) -> tuple[dict, int]:
    """One row per participant leg, sorted by start (string columns hold JSON tokens),
    and the number of conferences."""
    conf = _conferences(people, acc, window, n_legs, rng)
    leg_conf, rank, person = _participants(people, conf, rng)
    n, product = len(person), conf["product"][leg_conf]
    is_audio = product == PRODUCTS.index("audio")
    access = np.where(is_audio, rng.choice(5, n, p=ACCESS_P["audio"]),
                      rng.choice(5, n, p=ACCESS_P["other"]))
    phone_leg, web, app = access < 2, access == 2, access == 3
    join = np.where(rank == 0, 0, np.minimum(rng.exponential(120, n), 1200)).astype(np.int64)
    end_of_window = window.t0 + window.days * DAY_S - 1
    start = np.clip(conf["start"][leg_conf] + join, window.t0, end_of_window)
    medians = np.array([shape[2] for shape in PRODUCT_SHAPE.values()])[product]
    duration = np.clip(rng.lognormal(np.log(medians), 0.65), 20, 6 * 3600).astype(np.int64)
    host = conf["host"][leg_conf]
    zone = people.zone[host]
    has_name = np.where(phone_leg, rng.random(n) < 0.4, rng.random(n) < np.where(web | app, 1, .5))
    email_p = np.select([phone_leg, app, web], [0.1, 0.85, 0.6], 0.2)
    ua = np.where(web, json_tokens(people.browser_ua)[person],
                  np.where(app, json_tokens(APP_UAS)[person % len(APP_UAS)],
                           json_tokens(SIP_UAS)[person % len(SIP_UAS)]))
    region_i = REGION_OF_ZONE[zone]
    dial_col = np.where(access == 0, rng.integers(0, 2, n), 2)
    rating = np.where(rng.random(n) < 0.7, 0, rng.choice(5, n, p=(.05, .07, .15, .33, .40)) + 1)
    mos = np.where(phone_leg, rng.normal(3.8, 0.5, n), rng.normal(4.2, 0.4, n))
    legs = {
        "conference_id": conf["id"][leg_conf], "account_id": acc.account_id[host],
        "name": np.where(has_name, json_tokens(people.full_name)[person], "null"),
        "email": np.where(rng.random(n) < email_p, json_tokens(people.email)[person], "null"),
        "caller": np.where(phone_leg, json_tokens(people.phone)[person], "null"),
        "access_number": np.where(phone_leg, _access_numbers(rng)[region_i, dial_col], "null"),
        "access_type": np.array(ACCESS_TYPES, dtype=object)[access],
        "ip": np.where(phone_leg, "null", json_tokens(people.ip)[person]),
        "ua": np.where(phone_leg, "null", ua), "country": people.country[person],
        "region": people.region[host], "product": np.array(PRODUCTS, dtype=object)[product],
        "start": start, "end": start + duration, "zone": zone, "duration": duration,
        "recorded": np.where(conf["recorded"][leg_conf], "true", "false"),
        "transcribed": np.where(conf["transcribed"][leg_conf], "true", "false"),
        "mos": np.round(np.clip(mos, 1.0, 5.0), 1),
        "rating": np.array(["null", "1", "2", "3", "4", "5"], dtype=object)[rating],
        "notes": _notes(people, person, rng),
    }
    order = np.argsort(start, kind="stable")
    return {key: column[order] for key, column in legs.items()}, len(conf["id"])


def _cdr_lines(legs: dict, window: Window, rows: slice, rng) -> list[str]:
    """The JSON lines of one day's legs, in the contract's key order."""
    part = {key: column[rows] for key, column in legs.items()}
    n = len(part["start"])
    hexes = random_strings(rng, n, 32, HEX)
    leg_ids = [f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{UUID_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"
               for h in hexes]
    columns = (
        leg_ids, part["conference_id"], part["account_id"], part["name"], part["email"],
        part["caller"], part["access_number"], part["access_type"], part["ip"], part["ua"],
        part["country"], part["region"], part["product"],
        window.iso_local(part["start"], part["zone"]), window.iso_local(part["end"], part["zone"]),
        part["duration"], part["recorded"], part["transcribed"], part["mos"], part["rating"],
        part["notes"],
    )
    return [CDR_TEMPLATE % row for row in zip(*(c if isinstance(c, list) else c.tolist()
                                                 for c in columns))]


def _dump(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def plant_cdr_defects(lines: list[str], quota: np.ndarray, emails: np.ndarray, rng) -> dict:
    """Break records of one day in place, `quota` per BAD_KINDS; returns what was planted.

    Each broken record is a different leg; duplicates and garbage lines are added."""
    n_trunc, n_garbage, n_null, n_missing, n_dup, n_extra = quota
    picked = rng.choice(len(lines), size=min(len(lines), quota.sum() - n_garbage), replace=False)
    cuts = np.cumsum([n_trunc, n_null, n_missing, n_extra])
    trunc, null, missing, extra, dup = np.split(picked, cuts)
    for i in trunc:  # cut before the closing brace: never valid JSON
        lines[i] = lines[i][: rng.integers(len(lines[i]) // 4, len(lines[i]) - 1)]
    for i in null:
        record = json.loads(lines[i])
        lines[i] = _dump({key: "NULL" if key in NULLABLE else v for key, v in record.items()})
    for i in missing:
        record = json.loads(lines[i])
        del record["leg_id"]
        lines[i] = _dump(record)
    with_email = rng.random(len(extra)) < 0.4
    for i, has_email in zip(extra, with_email):
        record = json.loads(lines[i])
        hint = f";login_hint={emails[rng.integers(len(emails))]}" if has_email else ""
        record["client_debug"] = f"sdk=6.0.4;net=wifi;retry={rng.integers(0, 4)}{hint}"
        lines[i] = _dump(record)
    inserts = [(int(rng.integers(i + 1, len(lines) + 1)), lines[i]) for i in dup]
    inserts += [(int(rng.integers(0, len(lines) + 1)), GARBAGE[rng.integers(len(GARBAGE))])
                for _ in range(n_garbage)]
    for position, line in sorted(inserts, key=lambda item: -item[0]):
        lines.insert(position, line)
    counts = (len(trunc), n_garbage, len(null), len(missing), len(dup), len(extra))
    return {**dict(zip(BAD_KINDS, map(int, counts))), "extra_key_with_email": int(with_email.sum())}


def write_cdr(folder: Path, people: People, acc: Accounts, window: Window, n_legs: int,
              rng: np.random.Generator) -> dict:
    """cdr/date=YYYY-MM-DD/legs-NNN.jsonl by UTC start date, with planted defects."""
    legs, n_conf = simulate_legs(people, acc, window, n_legs, rng)
    bounds = np.searchsorted(legs["start"], window.t0 + DAY_S * np.arange(window.days + 1))
    per_day = np.diff(bounds)
    share = per_day / max(per_day.sum(), 1)
    quota = np.stack([rng.multinomial(max(1, round(n_legs * BAD_RATE)), share) if n_legs
                      else np.zeros(window.days, dtype=np.int64) for _ in BAD_KINDS], axis=1)
    planted = dict.fromkeys((*BAD_KINDS, "extra_key_with_email"), 0)
    n_files = n_lines = 0
    for d in range(window.days):
        if per_day[d] == 0:
            continue
        day = window.day(d).isoformat()
        lines = _cdr_lines(legs, window, slice(bounds[d], bounds[d + 1]), rng)
        for kind, count in plant_cdr_defects(lines, quota[d], people.email, rng).items():
            planted[kind] += count
        target = folder / f"date={day}"
        target.mkdir(parents=True, exist_ok=True)
        for part, first in enumerate(range(0, len(lines), MAX_LINES_PER_PART)):
            chunk = lines[first:first + MAX_LINES_PER_PART]
            (target / f"legs-{part:03d}.jsonl").write_text(
                "".join(line + "\n" for line in chunk), encoding="utf-8")
            n_files += 1
        n_lines += len(lines)
        log.info("cdr %s: %d lines", day, len(lines))
    return {"conferences": n_conf, "legs": n_legs, "cdr_lines": n_lines, "cdr_files": n_files,
            "planted": planted}


SITE = "https://meet.tollgate.example"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# method, path pool, share of human requests, share of bot requests, statuses, their shares,
# typical response bytes
WEB_REQUESTS = (
    ("GET", "join", .16, .05, (200, 302, 404), (.90, .07, .03), 18_000),
    ("GET", "js", .19, 0, (200, 304), (.5, .5), 240_000),
    ("GET", "css", .08, 0, (200, 304), (.5, .5), 48_000),
    ("GET", "me", .15, 0, (200, 304, 401, 500), (.86, .08, .05, .01), 1_400),
    ("GET", "signin", .06, .10, (200, 302), (.85, .15), 14_000),
    ("POST", "signin", .04, 0, (302, 200, 500), (.85, .14, .01), 250),
    ("GET", "signup", .02, .05, (200, 302), (.9, .1), 16_000),
    ("GET", "profile", .05, 0, (200, 302), (.9, .1), 22_000),
    ("GET", "schedule", .04, 0, (200, 302), (.92, .08), 26_000),
    ("POST", "schedule", .02, 0, (302, 200, 500), (.9, .08, .02), 300),
    ("GET", "register", .04, .05, (200, 302, 404), (.9, .05, .05), 20_000),
    ("GET", "favicon", .05, .10, (200, 304, 404), (.6, .35, .05), 5_430),
    ("GET", "root", .10, .25, (200, 301, 302), (.8, .1, .1), 31_000),
    ("GET", "robots", 0, .25, (200,), (1.0,), 120),
    ("GET", "probe", 0, .15, (404,), (1.0,), 150),
)
REFERERS = ("-", f"{SITE}/", f"{SITE}/signin", f"{SITE}/profile", "https://www.google.com/",
            "https://www.bing.com/", "https://duckduckgo.com/", "https://mail.google.com/",
            "https://outlook.office.com/", "https://teams.microsoft.com/")
REFERER_P = (.30, .20, .08, .07, .12, .04, .03, .06, .06, .04)
BOT_IPS = ("66.249.66.1", "66.249.79.12", "40.77.167.61", "54.36.148.7", "185.191.171.15")
LOG_TEMPLATE = '%s - - [{stamp}:%02d:%02d:%02d +0000] "%s %s HTTP/1.1" %s %s "%s" "%s"'
LOG_FIELDS = ("ip", "hour", "minute", "second", "method", "path", "status", "bytes", "referer",
              "ua")


def _paths(people: People, rng) -> dict[str, np.ndarray]:
    """Path pools per request kind; some webinar registrations carry an email in the query."""
    ids = random_strings(rng, 3000, 11, "0123456789")
    ids = np.where(rng.random(3000) < 0.5, ids, np.array([i[:10] for i in ids], dtype=object))
    ids = np.where(np.char.startswith(ids.astype(str), "0"), "8" + ids, ids)
    email = people.email[rng.integers(0, len(people.email), 2000)]
    query = np.array([f"?email={quote(e, safe='')}" for e in email], dtype=object)
    return {
        "join": "/j/" + ids + "?pwd=" + random_strings(rng, 3000, 32, BASE62),
        "js": np.array([f"/static/js/{n}.{h}.js" for n in ("app", "vendor", "meeting")
                        for h in random_strings(rng, 2, 8, HEX)], dtype=object),
        "css": "/static/css/main." + random_strings(rng, 2, 8, HEX) + ".css",
        "me": np.array(["/api/v2/users/me"], dtype=object),
        "signin": np.array(["/signin", "/signin?next=%2Fprofile"], dtype=object),
        "signup": np.array(["/signup", "/signup?plan=pro"], dtype=object),
        "profile": np.array(["/profile"], dtype=object),
        "schedule": np.array(["/meeting/schedule"], dtype=object),
        "register": "/webinar/register/WN_" + random_strings(rng, 2000, 22, BASE62)
        + np.where(rng.random(2000) < 0.6, query, ""),
        "favicon": np.array(["/favicon.ico"], dtype=object),
        "root": np.array(["/"], dtype=object),
        "robots": np.array(["/robots.txt"], dtype=object),
        "probe": np.array(["/wp-login.php", "/.env", "/.git/config"], dtype=object),
    }


def simulate_requests(people: People, window: Window, n: int, rng) -> dict:
    """One row per web request, sorted by time; people follow their local rhythm, bots do not."""
    bot = rng.random(n) < 0.04
    person = rng.integers(0, len(people.email), n)
    t = window.sample_starts(rng, people.zone[person])
    t = np.where(bot, rng.integers(window.t0, window.t0 + window.days * DAY_S, n), t)
    human_p, bot_p = (np.array([r[i] for r in WEB_REQUESTS]) for i in (2, 3))
    kind = np.where(bot, rng.choice(len(WEB_REQUESTS), n, p=bot_p),
                    rng.choice(len(WEB_REQUESTS), n, p=human_p))
    paths, path = _paths(people, rng), np.empty(n, dtype=object)
    status, size = np.zeros(n, dtype=np.int64), np.zeros(n)
    for k, (_, pool, _, _, statuses, status_p, typical) in enumerate(WEB_REQUESTS):
        rows = np.flatnonzero(kind == k)
        path[rows] = paths[pool][rng.integers(0, len(paths[pool]), len(rows))]
        status[rows] = rng.choice(statuses, len(rows), p=status_p)
        size[rows] = rng.lognormal(np.log(typical), 0.35, len(rows))
    redirect, not_found = status // 100 == 3, status == 404
    size = np.where(redirect, rng.lognormal(np.log(240), 0.2, n), size)
    size = np.where(not_found, rng.lognormal(np.log(1800), 0.2, n), size)
    no_body = (status == 304) | (redirect & (rng.random(n) < 0.5))
    nbytes = np.where(no_body, "-", size.astype(np.int64).astype(str)).astype(object)
    app = (kind == 3) & (rng.random(n) < 0.5)
    ua = np.where(app, np.array(APP_UAS, dtype=object)[person % len(APP_UAS)],
                  people.browser_ua[person])
    order = np.argsort(t, kind="stable")
    second_of_day = (t - window.t0) % DAY_S
    columns = {
        "t": t, "hour": second_of_day // 3600, "minute": second_of_day // 60 % 60,
        "second": second_of_day % 60,
        "ip": np.where(bot, np.array(BOT_IPS, dtype=object)[person % 5], people.ip[person]),
        "method": np.array([r[0] for r in WEB_REQUESTS], dtype=object)[kind], "path": path,
        "status": status, "bytes": nbytes,
        "referer": np.where(bot, "-", np.array(REFERERS, dtype=object)[
            rng.choice(len(REFERERS), n, p=REFERER_P)]),
        "ua": np.where(bot, np.array(BOT_UAS, dtype=object)[person % len(BOT_UAS)], ua),
    }
    return {key: column[order] for key, column in columns.items()}


def write_usage(folder: Path, people: People, window: Window, n: int, rng) -> dict:
    """usage/date=YYYY-MM-DD/access.log in combined log format, one truncated line per file."""
    req = simulate_requests(people, window, n, rng)
    bounds = np.searchsorted(req["t"], window.t0 + DAY_S * np.arange(window.days + 1))
    truncated = n_lines = 0
    for d in range(window.days):
        day = window.day(d)
        rows = slice(bounds[d], bounds[d + 1])
        stamp = f"{day.day:02d}/{MONTHS[day.month - 1]}/{day.year}"
        lines = [LOG_TEMPLATE.format(stamp=stamp) % row
                 for row in zip(*(req[key][rows].tolist() for key in LOG_FIELDS))]
        if lines:  # cut inside the user agent: no closing quote
            i = int(rng.integers(len(lines)))
            ua_at = lines[i].rindex(' "') + 2
            lines[i] = lines[i][: rng.integers(ua_at, len(lines[i]) - 1)]
            truncated += 1
        target = folder / f"date={day.isoformat()}"
        target.mkdir(parents=True, exist_ok=True)
        (target / "access.log").write_text("".join(line + "\n" for line in lines),
                                           encoding="utf-8")
        n_lines += len(lines)
        log.info("usage %s: %d lines", day.isoformat(), len(lines))
    return {"usage_lines": n_lines, "usage_files": window.days,
            "planted": {"usage_truncated": truncated}}
