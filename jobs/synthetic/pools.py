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
    ZONE_P,
    ZONE_REGION,
    ZONES,
)

DAY_S = 86_400
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
