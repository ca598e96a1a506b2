"""Simulated conference legs for `tollgate generate`: who hosts, who joins, how, when and
for how long, in each account's local rhythm. jobs/synthetic/cdr.py writes them as files.
"""

from __future__ import annotations

import json

import numpy as np

from jobs.synthetic.accounts import Accounts
from jobs.synthetic.pools import DAY_S, People, json_tokens, phone_numbers, random_strings
from jobs.synthetic.rhythm import Window
from jobs.synthetic.vocab import APP_UAS, HEX, NOTES, SIP_UAS, TOLL_FREE, ZONES
from transforms.vocabulary import ACCESS_TYPES, PRODUCTS, REGIONS

# product -> (share of conferences, p of geometric size, median leg seconds)
PRODUCT_SHAPE = {"meeting": (0.76, 0.30, 1500), "webinar": (0.027, 0.05, 2700), "audio": (0.213, 0.45, 720)}
ACCESS_P = {"audio": (0.75, 0.20, 0.0, 0.0, 0.05), "other": (0.075, 0.035, 0.35, 0.47, 0.07)}
REGION_OF_ZONE = np.array([REGIONS.index(zone[0]) for zone in ZONES])


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
    """One row per participant leg, sorted by start, and the number of conferences.

    Columns are named as the CDR fields they fill (string ones hold JSON tokens), except
    `start` and `end` (UTC epoch seconds) and `zone` (the host's, for local times)."""
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
        "participant_name": np.where(has_name, json_tokens(people.full_name)[person], "null"),
        "participant_email": np.where(rng.random(n) < email_p, json_tokens(people.email)[person], "null"),
        "caller_number": np.where(phone_leg, json_tokens(people.phone)[person], "null"),
        "access_number": np.where(phone_leg, _access_numbers(rng)[region_i, dial_col], "null"),
        "access_type": np.array(ACCESS_TYPES, dtype=object)[access],
        "ip_address": np.where(phone_leg, "null", json_tokens(people.ip)[person]),
        "user_agent": np.where(phone_leg, "null", ua),
        "country": people.country[person],
        "region": people.region[host],
        "product": np.array(PRODUCTS, dtype=object)[product],
        "start": start,
        "end": start + duration,
        "zone": zone,
        "duration_s": duration,
        "recorded": np.where(conf["recorded"][leg_conf], "true", "false"),
        "transcribed": np.where(conf["transcribed"][leg_conf], "true", "false"),
        "mos": np.round(np.clip(mos, 1.0, 5.0), 1),
        "rating": np.array(["null", "1", "2", "3", "4", "5"], dtype=object)[rating],
        "notes": _notes(people, person, rng),
    }
    order = np.argsort(start, kind="stable")
    return {key: column[order] for key, column in legs.items()}, len(conf["id"])
