"""The synthetic population behind `tollgate generate`: Faker-built pools, sampled with numpy.

Faker is slow per call, so it builds small pools (first and last names per locale,
companies, IPs, user agents) once; numpy then combines and samples them in bulk.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
from faker import Faker

from jobs.synthetic.vocab import (
    COUNTRIES,
    FREE_MAIL,
    LOCALES,
    MODERN_UAS,
    TLDS,
    ZONE_COUNTRY,
    ZONE_NAME,
    ZONE_P,
    ZONE_REGION,
    ZONES,
)

NAMES_PER_LOCALE = 300
COMPANIES_PER_LOCALE = 60


@dataclass(frozen=True)
class People:
    """One row per synthetic person; people[:n_accounts] are the account holders."""

    full_name: np.ndarray  # object arrays of str, aligned by person
    email: np.ndarray
    phone: np.ndarray
    company: np.ndarray
    zone: np.ndarray  # int index into ZONES
    ip: np.ndarray
    browser_ua: np.ndarray

    @property
    def country(self) -> np.ndarray:
        return ZONE_COUNTRY[self.zone]

    @property
    def region(self) -> np.ndarray:
        return ZONE_REGION[self.zone]


def json_tokens(values) -> np.ndarray:
    """Each string already JSON-encoded (with quotes), so rows can be assembled by `%`."""
    return np.array([json.dumps(v, ensure_ascii=False) for v in values], dtype=object)


def random_strings(rng: np.random.Generator, n: int, length: int, alphabet: str) -> np.ndarray:
    """n random strings over an ASCII alphabet, drawn in one numpy call."""
    letters = np.frombuffer(alphabet.encode("ascii"), dtype=np.uint8)
    codes = letters[rng.integers(0, len(letters), size=(n, length))]
    return codes.view(f"S{length}").ravel().astype(f"U{length}").astype(object)


def phone_numbers(rng: np.random.Generator, zone: np.ndarray) -> np.ndarray:
    """E.164 mobile numbers valid for each zone's country."""
    out = np.empty(len(zone), dtype=object)
    for z, (_, _, _, _, prefixes, digits) in enumerate(ZONES):
        rows = np.flatnonzero(zone == z)
        prefix = np.array(prefixes, dtype=object)[rng.integers(0, len(prefixes), len(rows))]
        first = random_strings(rng, len(rows), 1, "23456789")  # NANP exchanges start 2-9
        rest = random_strings(rng, len(rows), digits - 1, "0123456789")
        out[rows] = "+" + prefix + first + rest
    return out


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum())


def _locale_pools(seed: int) -> dict[str, tuple[list, list, list, list]]:
    """Per country: (first names, last names, ascii (first, last) for emails, companies)."""
    pools = {}
    for i, country in enumerate(COUNTRIES):
        fake = Faker(LOCALES[country])
        fake.seed_instance(seed * 1000 + i)
        if country == "JP":
            firsts = [fake.first_name_pair() for _ in range(NAMES_PER_LOCALE)]
            lasts = [fake.last_name_pair() for _ in range(NAMES_PER_LOCALE)]
            ascii_names = ([_ascii(f[2]) for f in firsts], [_ascii(x[2]) for x in lasts])
            firsts, lasts = [f[0] for f in firsts], [x[0] for x in lasts]
        else:
            firsts = [fake.first_name() for _ in range(NAMES_PER_LOCALE)]
            lasts = [fake.last_name() for _ in range(NAMES_PER_LOCALE)]
            ascii_names = ([_ascii(f) or "user" for f in firsts], [_ascii(x) or "x" for x in lasts])
        companies = [(fake.company(), f"{fake.domain_word()}.{TLDS[country]}") for _ in range(COMPANIES_PER_LOCALE)]
        pools[country] = (firsts, lasts, ascii_names, companies)
    return pools


def _email(first: str, last: str, style: int, number: int, domain: str) -> str:
    local = (f"{first}.{last}", f"{first[0]}{last}", f"{first}_{last}{number}", f"{first}{number}")
    return f"{local[style]}@{domain}"


def build_people(n: int, seed: int, rng: np.random.Generator) -> People:
    """n people with names and companies from their country's locale; emails are unique."""
    zone = rng.choice(len(ZONES), size=n, p=ZONE_P / ZONE_P.sum())
    country = ZONE_COUNTRY[zone]
    pools = _locale_pools(seed)
    first_i, last_i = rng.integers(0, NAMES_PER_LOCALE, (2, n))
    company_i = rng.integers(0, COMPANIES_PER_LOCALE, n)
    style, number = rng.integers(0, 4, n), rng.integers(1, 99, n)
    work_mail = rng.random(n) < 0.5
    free_i = rng.integers(0, len(FREE_MAIL), n)
    names, emails, companies, seen = [], [], [], set()
    for k in range(n):
        firsts, lasts, (a_first, a_last), comps = pools[country[k]]
        f, la = first_i[k], last_i[k]
        eastern = country[k] == "JP"
        names.append(f"{lasts[la]} {firsts[f]}" if eastern else f"{firsts[f]} {lasts[la]}")
        company, domain = comps[company_i[k]]
        companies.append(company)
        email = _email(a_first[f], a_last[la], style[k], number[k], domain if work_mail[k] else FREE_MAIL[free_i[k]])
        while email in seen:  # deterministic de-duplication: bump the number
            number[k] += 100
            email = _email(a_first[f], a_last[la], 2, number[k], email.split("@")[1])
        seen.add(email)
        emails.append(email)
    ips, uas = network_pools(seed)
    ip_i = np.where(rng.random(n) < 0.1, rng.integers(0, 400, n), rng.integers(400, len(ips), n))
    ua_i = np.where(rng.random(n) < 0.6, rng.integers(0, len(MODERN_UAS), n), rng.integers(0, len(uas), n))
    return People(
        full_name=np.array(names, dtype=object),
        email=np.array(emails, dtype=object),
        phone=phone_numbers(rng, zone),
        company=np.array(companies, dtype=object),
        zone=zone,
        ip=np.array(ips, dtype=object)[ip_i],
        browser_ua=np.array(uas, dtype=object)[ua_i],
    )


def network_pools(seed: int) -> tuple[list[str], list[str]]:
    """IP addresses (the first 400 IPv6) and browser user agents, Faker's plus modern ones."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    ips = [fake.ipv6() for _ in range(400)] + [fake.ipv4_public() for _ in range(3600)]
    # Faker's Firefox strings carry a random timestamp; real ones say Gecko/20100101.
    uas = list(MODERN_UAS) + [
        re.sub(r"Gecko/\d{4}-\d\d-\d\d [\d:.]+", "Gecko/20100101", fake.user_agent()) for _ in range(200)
    ]
    return ips, uas


PLANS = np.array(["free", "pro", "business", "enterprise"], dtype=object)
PLAN_P = (0.55, 0.25, 0.15, 0.05)
BCRYPT = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
DAY_S = 86_400
YEAR_DAYS = 365.25


@dataclass(frozen=True)
class Accounts:
    """One row per account: account i is held by people[i]."""

    account_id: np.ndarray
    plan: np.ndarray
    created_s: np.ndarray  # UTC epoch seconds, all before the window
    rows: list[tuple]  # accounts.csv rows in header order
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
    rows = list(
        zip(
            account_id,
            usernames,
            people.email[:n],
            people.full_name[:n],
            people.phone[:n],
            company,
            people.country[:n],
            people.region[:n],
            ZONE_NAME[people.zone[:n]],
            plan,
            created,
            birth,
            consent,
            do_not_sell,
            hashes,
            strict=False,
        )
    )
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
    """One billing.csv row per paying account and month; months are (first_s, end_s) spans."""
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
            rows.append(
                (
                    txn[j],
                    accounts.account_id[k],
                    number,
                    expiry[j],
                    people.full_name[k],
                    address,
                    text,
                    currency,
                    stamps[j],
                )
            )
    rows.sort(key=lambda row: row[-1])
    return rows
