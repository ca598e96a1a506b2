"""Accounts and their billing for `tollgate generate`: accounts.csv and billing.csv rows.

Account i is held by person i of the population (jobs/synthetic/pools.py); rows follow the
parsers' field lists, so the files hold exactly the columns ingest reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from faker import Faker

from jobs.synthetic.pools import DAY_S, People, random_strings
from jobs.synthetic.vocab import COUNTRIES, LOCALES, ZONE_NAME
from transforms.parse_accounts import ACCOUNT_FIELDS
from transforms.parse_billing import BILLING_FIELDS

PLANS = np.array(["free", "pro", "business", "enterprise"], dtype=object)
PLAN_P = (0.55, 0.25, 0.15, 0.05)
BCRYPT = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
YEAR_DAYS = 365.25


@dataclass(frozen=True)
class Accounts:
    """One row per account: account i is held by people[i]."""

    account_id: np.ndarray
    plan: np.ndarray
    created_s: np.ndarray  # UTC epoch seconds, all before the window
    rows: list[tuple]  # accounts.csv rows, in ACCOUNT_FIELDS order
    minors: int


def build_accounts(people: People, n: int, window_start_s: int, rng: np.random.Generator) -> Accounts:
    """Accounts created before the window; about 0.5% held by minors (under 18 at creation)."""
    account_id = np.array([f"acct-{i + 1:07d}" for i in range(n)], dtype=object)
    plan = PLANS[rng.choice(len(PLANS), size=n, p=PLAN_P)]
    first_s = int(np.datetime64("2019-01-01", "s").astype(np.int64))
    created_s = rng.integers(first_s, window_start_s - DAY_S, n)
    age_years = np.clip(rng.normal(39, 11, n), 18.2, 85)  # 18.2: stays adult after rounding
    minors = rng.choice(n, size=max(1, round(n * 0.005)), replace=False)
    age_years[minors] = rng.uniform(13, 17.8, len(minors))
    birth_day = created_s // DAY_S - np.round(age_years * YEAR_DAYS).astype(np.int64)
    created = np.datetime_as_string(created_s.astype("datetime64[s]")).astype(object) + "Z"
    birth = np.datetime_as_string(birth_day.astype("datetime64[D]")).astype(object)
    consent = np.where(rng.random(n) < 0.45, "true", "false")
    do_not_sell = np.where(rng.random(n) < 0.08, "true", "false")
    hashes = "$2b$12$" + random_strings(rng, n, 53, BCRYPT)
    company = np.where(plan == "free", "", people.company[:n])  # individuals leave it empty
    usernames, seen = [], set()
    for k in range(n):
        name = people.email[k].split("@")[0].replace(".", "_")
        while name in seen:
            name += str(k % 10)
        seen.add(name)
        usernames.append(name)
    columns = {
        "account_id": account_id,
        "username": usernames,
        "email": people.email[:n],
        "full_name": people.full_name[:n],
        "phone": people.phone[:n],
        "company": company,
        "country": people.country[:n],
        "region": people.region[:n],
        "timezone": ZONE_NAME[people.zone[:n]],
        "plan": plan,
        "created_at": created,
        "birth_date": birth,
        "marketing_consent": consent,
        "do_not_sell": do_not_sell,
        "password_hash": hashes,
    }
    rows = list(zip(*(columns[name] for name in ACCOUNT_FIELDS), strict=True))
    return Accounts(account_id, plan, created_s, rows, len(minors))


CURRENCY = {
    "us": ("USD", 1.0),
    "ca": ("CAD", 1.38),
    "ie": ("EUR", 0.93),
    "jp": ("JPY", 150.0),
    "in": ("INR", 84.0),
    "sg": ("SGD", 1.35),
    "hk": ("HKD", 7.8),
    "uk": ("GBP", 0.79),
    "au": ("AUD", 1.52),
    "eu": ("EUR", 0.93),
}
PLAN_USD = {"pro": 15.99, "business": 21.99, "enterprise": 249.0}  # per seat and month


def build_billing(
    people: People, accounts: Accounts, months: list[tuple[int, int]], seed: int, rng: np.random.Generator
) -> list[tuple]:
    """One billing.csv row (BILLING_FIELDS order) per paying account and month, by time;
    months are (first_s, end_s) spans."""
    paying = np.flatnonzero(accounts.plan != "free")
    country, region = people.country, people.region  # computed properties: read once
    seats = np.where(accounts.plan[paying] == "pro", 1, rng.integers(2, 60, len(paying)))
    fakes = {}
    for i, code in enumerate(COUNTRIES):
        fakes[code] = Faker(LOCALES[code])
        fakes[code].seed_instance(seed * 1000 + 500 + i)
    cards = {k: (fakes["US"].credit_card_number(), fakes[country[k]].address()) for k in paying}
    expiry = [
        f"{m:02d}/{y}"
        for m, y in zip(rng.integers(1, 13, len(paying)), rng.integers(27, 32, len(paying)), strict=False)
    ]
    rows = []
    for first_s, end_s in months:
        when = rng.integers(first_s, end_s, len(paying))
        stamps = np.datetime_as_string(when.astype("datetime64[s]")) + "Z"
        txn = "txn_" + random_strings(rng, len(paying), 24, "0123456789abcdef")
        for j, k in enumerate(paying):
            currency, rate = CURRENCY[region[k]]
            amount = PLAN_USD[accounts.plan[k]] * seats[j] * rate
            text = f"{amount:.0f}" if currency == "JPY" else f"{amount:.2f}"
            number, address = cards[k]
            record = {
                "transaction_id": txn[j],
                "account_id": accounts.account_id[k],
                "card_number": number,
                "card_expiry": expiry[j],
                "cardholder_name": people.full_name[k],
                "billing_address": address,
                "amount": text,
                "currency": currency,
                "created_at": stamps[j],
            }
            rows.append(tuple(record[name] for name in BILLING_FIELDS))
    created_at = BILLING_FIELDS.index("created_at")
    rows.sort(key=lambda row: row[created_at])
    return rows
