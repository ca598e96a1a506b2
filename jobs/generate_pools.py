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

# Hosting-region mix of accounts: US heaviest, then the EU and the UK.
REGION_WEIGHTS = {
    "us": 0.35, "ca": 0.07, "ie": 0.04, "jp": 0.07, "in": 0.08,
    "sg": 0.04, "hk": 0.04, "uk": 0.10, "au": 0.06, "eu": 0.15,
}
# (region, IANA zone, ISO country, share of the region, mobile prefixes, digits after prefix)
ZONES = (
    ("us", "America/New_York", "US", 0.45, ("1212", "1646", "1718", "1917"), 7),
    ("us", "America/Chicago", "US", 0.25, ("1312", "1773", "1872"), 7),
    ("us", "America/Denver", "US", 0.08, ("1303", "1720"), 7),
    ("us", "America/Los_Angeles", "US", 0.22, ("1213", "1310", "1415", "1818"), 7),
    ("ca", "America/Toronto", "CA", 0.70, ("1416", "1647", "1437"), 7),
    ("ca", "America/Vancouver", "CA", 0.30, ("1604", "1778"), 7),
    ("ie", "Europe/Dublin", "IE", 1.0, ("35383", "35385", "35386", "35387"), 7),
    ("jp", "Asia/Tokyo", "JP", 1.0, ("8190", "8180", "8170"), 8),
    ("in", "Asia/Kolkata", "IN", 1.0, ("9198", "9199", "9194", "9170", "9181"), 8),
    ("sg", "Asia/Singapore", "SG", 1.0, ("6581", "6583", "6587", "6591", "6596", "6598"), 6),
    ("hk", "Asia/Hong_Kong", "HK", 1.0, ("85261", "85263", "85264", "85290", "85291", "85296"), 6),
    ("uk", "Europe/London", "GB", 1.0, ("4474", "4475", "4477", "4478"), 8),
    ("au", "Australia/Sydney", "AU", 0.75, ("6140", "6141", "6142", "6143", "6146"), 7),
    ("au", "Australia/Perth", "AU", 0.25, ("6140", "6141", "6142", "6143", "6146"), 7),
    ("eu", "Europe/Berlin", "DE", 0.35, ("49151", "49160", "49176"), 8),
    ("eu", "Europe/Paris", "FR", 0.30, ("3361", "3362", "3366", "3367", "3377", "3378"), 7),
    ("eu", "Europe/Madrid", "ES", 0.20, ("346",), 8),
    ("eu", "Europe/Amsterdam", "NL", 0.15, ("3161", "3162", "3164", "3165"), 7),
)
ZONE_REGION = np.array([z[0] for z in ZONES], dtype=object)
ZONE_NAME = np.array([z[1] for z in ZONES], dtype=object)
ZONE_COUNTRY = np.array([z[2] for z in ZONES], dtype=object)
ZONE_P = np.array([REGION_WEIGHTS[z[0]] * z[3] for z in ZONES])
LOCALES = {
    "US": "en_US", "CA": "en_CA", "IE": "en_IE", "JP": "ja_JP", "IN": "en_IN", "SG": "en_US",
    "HK": "en_US", "GB": "en_GB", "AU": "en_AU", "DE": "de_DE", "FR": "fr_FR", "ES": "es_ES",
    "NL": "nl_NL",
}
TLDS = {"US": "com", "CA": "ca", "IE": "ie", "JP": "co.jp", "IN": "in", "SG": "com.sg",
        "HK": "com.hk", "GB": "co.uk", "AU": "com.au", "DE": "de", "FR": "fr", "ES": "es",
        "NL": "nl"}
FREE_MAIL = ("gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "icloud.com", "proton.me")
COUNTRIES = tuple(LOCALES)
NAMES_PER_LOCALE = 300
COMPANIES_PER_LOCALE = 60

APP_UAS = tuple(
    f"TollgateMeetings/{v} ({os})"
    for v in ("5.17.11", "5.18.2", "6.0.4")
    for os in ("Windows NT 10.0; Win64; x64", "Macintosh; Intel Mac OS X 14_5", "iPhone; iOS 17.5",
               "Android 14; Pixel 8", "X11; Linux x86_64")
)
SIP_UAS = ("Polycom/6.4.3.5018 PolycomRealPresenceTrio-8800", "Cisco-SIPGateway/IOS-15.6",
           "Yealink SIP-T54W 96.86.0.70", "Poly Studio X50/4.1.0", "Asterisk PBX 20.5.2")
BOT_UAS = ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
           "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
           "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
           "curl/8.5.0", "python-requests/2.32.3")
MODERN_UAS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.6778.81 Mobile Safari/537.36",
)


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
        companies = [(fake.company(), f"{fake.domain_word()}.{TLDS[country]}")
                     for _ in range(COMPANIES_PER_LOCALE)]
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
        email = _email(a_first[f], a_last[la], style[k], number[k],
                       domain if work_mail[k] else FREE_MAIL[free_i[k]])
        while email in seen:  # deterministic de-duplication: bump the number
            number[k] += 100
            email = _email(a_first[f], a_last[la], 2, number[k], email.split("@")[1])
        seen.add(email)
        emails.append(email)
    ips, uas = network_pools(seed)
    ip_i = np.where(rng.random(n) < 0.1, rng.integers(0, 400, n), rng.integers(400, len(ips), n))
    ua_i = np.where(rng.random(n) < 0.6, rng.integers(0, len(MODERN_UAS), n),
                    rng.integers(0, len(uas), n))
    return People(
        full_name=np.array(names, dtype=object), email=np.array(emails, dtype=object),
        phone=phone_numbers(rng, zone), company=np.array(companies, dtype=object), zone=zone,
        ip=np.array(ips, dtype=object)[ip_i], browser_ua=np.array(uas, dtype=object)[ua_i],
    )


def network_pools(seed: int) -> tuple[list[str], list[str]]:
    """IP addresses (the first 400 IPv6) and browser user agents, Faker's plus modern ones."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    ips = [fake.ipv6() for _ in range(400)] + [fake.ipv4_public() for _ in range(3600)]
    # Faker's Firefox strings carry a random timestamp; real ones say Gecko/20100101.
    uas = list(MODERN_UAS) + [re.sub(r"Gecko/\d{4}-\d\d-\d\d [\d:.]+", "Gecko/20100101",
                                     fake.user_agent()) for _ in range(200)]
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


def build_accounts(people: People, n: int, window_start_s: int,
                   rng: np.random.Generator) -> Accounts:
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
    rows = list(zip(account_id, usernames, people.email[:n], people.full_name[:n],
                    people.phone[:n], company, people.country[:n], people.region[:n],
                    ZONE_NAME[people.zone[:n]], plan, created, birth, consent, do_not_sell,
                    hashes))
    return Accounts(account_id, plan, created_s, rows, int(len(minors)))


CURRENCY = {"us": ("USD", 1.0), "ca": ("CAD", 1.38), "ie": ("EUR", 0.93), "jp": ("JPY", 150.0),
            "in": ("INR", 84.0), "sg": ("SGD", 1.35), "hk": ("HKD", 7.8), "uk": ("GBP", 0.79),
            "au": ("AUD", 1.52), "eu": ("EUR", 0.93)}
PLAN_USD = {"pro": 15.99, "business": 21.99, "enterprise": 249.0}  # per seat and month


def build_billing(people: People, accounts: Accounts, months: list[tuple[int, int]],
                  seed: int, rng: np.random.Generator) -> list[tuple]:
    """One billing.csv row per paying account and month; months are (first_s, end_s) spans."""
    paying = np.flatnonzero(accounts.plan != "free")
    country, region = people.country, people.region  # computed properties: read once
    seats = np.where(accounts.plan[paying] == "pro", 1, rng.integers(2, 60, len(paying)))
    fakes = {}
    for i, code in enumerate(COUNTRIES):
        fakes[code] = Faker(LOCALES[code])
        fakes[code].seed_instance(seed * 1000 + 500 + i)
    cards = {k: (fakes["US"].credit_card_number(), fakes[country[k]].address())
             for k in paying}
    expiry = [f"{m:02d}/{y}" for m, y in zip(rng.integers(1, 13, len(paying)),
                                            rng.integers(27, 32, len(paying)))]
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
            rows.append((txn[j], accounts.account_id[k], number, expiry[j],
                         people.full_name[k], address, text, currency, stamps[j]))
    rows.sort(key=lambda row: row[-1])
    return rows
