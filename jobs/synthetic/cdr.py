"""Conference legs for `tollgate generate`: simulated legs and the
cdr/date=YYYY-MM-DD/legs-NNN.jsonl files, with a small, counted share of planted defects.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from jobs.synthetic.pools import (
    DAY_S,
    Accounts,
    People,
    json_tokens,
    phone_numbers,
    random_strings,
)
from jobs.synthetic.rhythm import Window
from jobs.synthetic.vocab import APP_UAS, GARBAGE, HEX, NOTES, SIP_UAS, TOLL_FREE, ZONES
from transforms.vocabulary import ACCESS_TYPES, PRODUCTS, REGIONS

log = logging.getLogger("tollgate.generate")

UUID_VARIANT = {h: "89ab"[i % 4] for i, h in enumerate(HEX)}
MAX_LINES_PER_PART = 100_000
BAD_RATE = 0.0005  # share of legs per planted defect kind
BAD_KINDS = ("truncated_json", "garbage_line", "null_strings", "missing_leg_id", "duplicate_leg", "extra_key")
NULLABLE = (
    "participant_name",
    "participant_email",
    "caller_number",
    "access_number",
    "ip_address",
    "user_agent",
    "notes",
)
# product -> (share of conferences, p of geometric size, median leg seconds)
PRODUCT_SHAPE = {"meeting": (0.76, 0.30, 1500), "webinar": (0.027, 0.05, 2700), "audio": (0.213, 0.45, 720)}
ACCESS_P = {"audio": (0.75, 0.20, 0.0, 0.0, 0.05), "other": (0.075, 0.035, 0.35, 0.47, 0.07)}
REGION_OF_ZONE = np.array([REGIONS.index(zone[0]) for zone in ZONES])
CDR_TEMPLATE = (
    '{"leg_id":"%s","conference_id":"%s","account_id":"%s","participant_name":%s,'
    '"participant_email":%s,"caller_number":%s,"access_number":%s,"access_type":"%s",'
    '"ip_address":%s,"user_agent":%s,"country":"%s","region":"%s","product":"%s",'
    '"start_time":"%s","end_time":"%s","duration_s":%d,"recorded":%s,"transcribed":%s,'
    '"mos":%.1f,"rating":%s,"notes":%s}'
)


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
        "id": "cnf-" + random_strings(rng, n_conf, 16, HEX),
        "host": host,
        "size": size,
        "product": product,
        "start": start,
        "recorded": recorded,
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
    free = [
        prefix + "".join(random_strings(rng, 1, digits, "0123456789"))
        for prefix, digits in (TOLL_FREE[r] for r in REGIONS)
    ]
    return json_tokens(np.column_stack([toll, free]).ravel()).reshape(len(REGIONS), 3)


def _notes(people: People, person: np.ndarray, rng) -> np.ndarray:
    """About 15% of legs carry an agent note; some quote a name, an email or a phone."""
    notes = np.full(len(person), "null", dtype=object)
    rows = np.flatnonzero(rng.random(len(person)) < 0.15)
    about = np.where(rng.random(len(rows)) < 0.6, person[rows], rng.integers(0, len(people.email), len(rows)))
    template = rng.integers(0, len(NOTES), len(rows))
    notes[rows] = [
        json.dumps(
            NOTES[t].format(name=people.full_name[p], email=people.email[p], phone=people.phone[p]), ensure_ascii=False
        )
        for t, p in zip(template, about, strict=False)
    ]
    return notes


def simulate_legs(
    people: People, acc: Accounts, window: Window, n_legs: int, rng: np.random.Generator
) -> tuple[dict, int]:
    """One row per participant leg, sorted by start (string columns hold JSON tokens),
    and the number of conferences."""
    conf = _conferences(people, acc, window, n_legs, rng)
    leg_conf, rank, person = _participants(people, conf, rng)
    n, product = len(person), conf["product"][leg_conf]
    is_audio = product == PRODUCTS.index("audio")
    access = np.where(is_audio, rng.choice(5, n, p=ACCESS_P["audio"]), rng.choice(5, n, p=ACCESS_P["other"]))
    phone_leg, web, app = access < 2, access == 2, access == 3
    join = np.where(rank == 0, 0, np.minimum(rng.exponential(120, n), 1200)).astype(np.int64)
    end_of_window = window.t0 + window.days * DAY_S - 1
    start = np.clip(conf["start"][leg_conf] + join, window.t0, end_of_window)
    medians = np.array([shape[2] for shape in PRODUCT_SHAPE.values()])[product]
    duration = np.clip(rng.lognormal(np.log(medians), 0.65), 20, 6 * 3600).astype(np.int64)
    host = conf["host"][leg_conf]
    zone = people.zone[host]
    has_name = np.where(phone_leg, rng.random(n) < 0.4, rng.random(n) < np.where(web | app, 1, 0.5))
    email_p = np.select([phone_leg, app, web], [0.1, 0.85, 0.6], 0.2)
    ua = np.where(
        web,
        json_tokens(people.browser_ua)[person],
        np.where(app, json_tokens(APP_UAS)[person % len(APP_UAS)], json_tokens(SIP_UAS)[person % len(SIP_UAS)]),
    )
    region_i = REGION_OF_ZONE[zone]
    dial_col = np.where(access == 0, rng.integers(0, 2, n), 2)
    rating = np.where(rng.random(n) < 0.7, 0, rng.choice(5, n, p=(0.05, 0.07, 0.15, 0.33, 0.40)) + 1)
    mos = np.where(phone_leg, rng.normal(3.8, 0.5, n), rng.normal(4.2, 0.4, n))
    legs = {
        "conference_id": conf["id"][leg_conf],
        "account_id": acc.account_id[host],
        "name": np.where(has_name, json_tokens(people.full_name)[person], "null"),
        "email": np.where(rng.random(n) < email_p, json_tokens(people.email)[person], "null"),
        "caller": np.where(phone_leg, json_tokens(people.phone)[person], "null"),
        "access_number": np.where(phone_leg, _access_numbers(rng)[region_i, dial_col], "null"),
        "access_type": np.array(ACCESS_TYPES, dtype=object)[access],
        "ip": np.where(phone_leg, "null", json_tokens(people.ip)[person]),
        "ua": np.where(phone_leg, "null", ua),
        "country": people.country[person],
        "region": people.region[host],
        "product": np.array(PRODUCTS, dtype=object)[product],
        "start": start,
        "end": start + duration,
        "zone": zone,
        "duration": duration,
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
    leg_ids = [f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{UUID_VARIANT[h[16]]}{h[17:20]}-{h[20:]}" for h in hexes]
    columns = (
        leg_ids,
        part["conference_id"],
        part["account_id"],
        part["name"],
        part["email"],
        part["caller"],
        part["access_number"],
        part["access_type"],
        part["ip"],
        part["ua"],
        part["country"],
        part["region"],
        part["product"],
        window.iso_local(part["start"], part["zone"]),
        window.iso_local(part["end"], part["zone"]),
        part["duration"],
        part["recorded"],
        part["transcribed"],
        part["mos"],
        part["rating"],
        part["notes"],
    )
    return [
        CDR_TEMPLATE % row for row in zip(*(c if isinstance(c, list) else c.tolist() for c in columns), strict=False)
    ]


def _dump(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def plant_cdr_defects(lines: list[str], quota: np.ndarray, emails: np.ndarray, rng) -> dict:
    """Break records of one day in place, `quota` per BAD_KINDS; returns what was planted.

    Each broken record is a different leg; duplicates and garbage lines are added."""
    n_trunc, n_garbage, n_null, n_missing, _n_dup, n_extra = quota
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
    for i, has_email in zip(extra, with_email, strict=False):
        record = json.loads(lines[i])
        hint = f";login_hint={emails[rng.integers(len(emails))]}" if has_email else ""
        record["client_debug"] = f"sdk=6.0.4;net=wifi;retry={rng.integers(0, 4)}{hint}"
        lines[i] = _dump(record)
    inserts = [(int(rng.integers(i + 1, len(lines) + 1)), lines[i]) for i in dup]
    inserts += [(int(rng.integers(0, len(lines) + 1)), GARBAGE[rng.integers(len(GARBAGE))]) for _ in range(n_garbage)]
    for position, line in sorted(inserts, key=lambda item: -item[0]):
        lines.insert(position, line)
    counts = (len(trunc), n_garbage, len(null), len(missing), len(dup), len(extra))
    return {**dict(zip(BAD_KINDS, map(int, counts), strict=False)), "extra_key_with_email": int(with_email.sum())}


def write_cdr(
    folder: Path, people: People, acc: Accounts, window: Window, n_legs: int, rng: np.random.Generator
) -> dict:
    """cdr/date=YYYY-MM-DD/legs-NNN.jsonl by UTC start date, with planted defects."""
    legs, n_conf = simulate_legs(people, acc, window, n_legs, rng)
    bounds = np.searchsorted(legs["start"], window.t0 + DAY_S * np.arange(window.days + 1))
    per_day = np.diff(bounds)
    share = per_day / max(per_day.sum(), 1)
    quota = np.stack(
        [
            rng.multinomial(max(1, round(n_legs * BAD_RATE)), share)
            if n_legs
            else np.zeros(window.days, dtype=np.int64)
            for _ in BAD_KINDS
        ],
        axis=1,
    )
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
            chunk = lines[first : first + MAX_LINES_PER_PART]
            (target / f"legs-{part:03d}.jsonl").write_text("".join(line + "\n" for line in chunk), encoding="utf-8")
            n_files += 1
        n_lines += len(lines)
        log.info("cdr %s: %d lines", day, len(lines))
    return {"conferences": n_conf, "legs": n_legs, "cdr_lines": n_lines, "cdr_files": n_files, "planted": planted}
