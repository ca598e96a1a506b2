"""Web access logs for `tollgate generate`: usage/date=YYYY-MM-DD/access.log in combined log
format. People follow their local rhythm, crawlers do not; one line per file is truncated.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote

import numpy as np

from jobs.synthetic.pools import DAY_S, People, random_strings
from jobs.synthetic.rhythm import Window
from jobs.synthetic.vocab import APP_UAS, BASE62, BOT_UAS, HEX

log = logging.getLogger("tollgate.generate")

SITE = "https://meet.tollgate.example"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# method, path pool, share of human requests, share of bot requests, statuses, their shares,
# typical response bytes
WEB_REQUESTS = (
    ("GET", "join", 0.16, 0.05, (200, 302, 404), (0.90, 0.07, 0.03), 18_000),
    ("GET", "js", 0.19, 0, (200, 304), (0.5, 0.5), 240_000),
    ("GET", "css", 0.08, 0, (200, 304), (0.5, 0.5), 48_000),
    ("GET", "me", 0.15, 0, (200, 304, 401, 500), (0.86, 0.08, 0.05, 0.01), 1_400),
    ("GET", "signin", 0.06, 0.10, (200, 302), (0.85, 0.15), 14_000),
    ("POST", "signin", 0.04, 0, (302, 200, 500), (0.85, 0.14, 0.01), 250),
    ("GET", "signup", 0.02, 0.05, (200, 302), (0.9, 0.1), 16_000),
    ("GET", "profile", 0.05, 0, (200, 302), (0.9, 0.1), 22_000),
    ("GET", "schedule", 0.04, 0, (200, 302), (0.92, 0.08), 26_000),
    ("POST", "schedule", 0.02, 0, (302, 200, 500), (0.9, 0.08, 0.02), 300),
    ("GET", "register", 0.04, 0.05, (200, 302, 404), (0.9, 0.05, 0.05), 20_000),
    ("GET", "favicon", 0.05, 0.10, (200, 304, 404), (0.6, 0.35, 0.05), 5_430),
    ("GET", "root", 0.10, 0.25, (200, 301, 302), (0.8, 0.1, 0.1), 31_000),
    ("GET", "robots", 0, 0.25, (200,), (1.0,), 120),
    ("GET", "probe", 0, 0.15, (404,), (1.0,), 150),
)
REFERERS = (
    "-",
    f"{SITE}/",
    f"{SITE}/signin",
    f"{SITE}/profile",
    "https://www.google.com/",
    "https://www.bing.com/",
    "https://duckduckgo.com/",
    "https://mail.google.com/",
    "https://outlook.office.com/",
    "https://teams.microsoft.com/",
)
REFERER_P = (0.30, 0.20, 0.08, 0.07, 0.12, 0.04, 0.03, 0.06, 0.06, 0.04)
BOT_IPS = ("66.249.66.1", "66.249.79.12", "40.77.167.61", "54.36.148.7", "185.191.171.15")
LOG_TEMPLATE = '%s - - [{stamp}:%02d:%02d:%02d +0000] "%s %s HTTP/1.1" %s %s "%s" "%s"'
LOG_FIELDS = ("ip", "hour", "minute", "second", "method", "path", "status", "bytes", "referer", "ua")


def _paths(people: People, rng) -> dict[str, np.ndarray]:
    """Path pools per request kind; some webinar registrations carry an email in the query."""
    ids = random_strings(rng, 3000, 11, "0123456789")
    ids = np.where(rng.random(3000) < 0.5, ids, np.array([i[:10] for i in ids], dtype=object))
    ids = np.where(np.char.startswith(ids.astype(str), "0"), "8" + ids, ids)
    email = people.email[rng.integers(0, len(people.email), 2000)]
    query = np.array([f"?email={quote(e, safe='')}" for e in email], dtype=object)
    return {
        "join": "/j/" + ids + "?pwd=" + random_strings(rng, 3000, 32, BASE62),
        "js": np.array(
            [f"/static/js/{n}.{h}.js" for n in ("app", "vendor", "meeting") for h in random_strings(rng, 2, 8, HEX)],
            dtype=object,
        ),
        "css": "/static/css/main." + random_strings(rng, 2, 8, HEX) + ".css",
        "me": np.array(["/api/v2/users/me"], dtype=object),
        "signin": np.array(["/signin", "/signin?next=%2Fprofile"], dtype=object),
        "signup": np.array(["/signup", "/signup?plan=pro"], dtype=object),
        "profile": np.array(["/profile"], dtype=object),
        "schedule": np.array(["/meeting/schedule"], dtype=object),
        "register": "/webinar/register/WN_"
        + random_strings(rng, 2000, 22, BASE62)
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
    kind = np.where(bot, rng.choice(len(WEB_REQUESTS), n, p=bot_p), rng.choice(len(WEB_REQUESTS), n, p=human_p))
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
    ua = np.where(app, np.array(APP_UAS, dtype=object)[person % len(APP_UAS)], people.browser_ua[person])
    order = np.argsort(t, kind="stable")
    second_of_day = (t - window.t0) % DAY_S
    columns = {
        "t": t,
        "hour": second_of_day // 3600,
        "minute": second_of_day // 60 % 60,
        "second": second_of_day % 60,
        "ip": np.where(bot, np.array(BOT_IPS, dtype=object)[person % 5], people.ip[person]),
        "method": np.array([r[0] for r in WEB_REQUESTS], dtype=object)[kind],
        "path": path,
        "status": status,
        "bytes": nbytes,
        "referer": np.where(bot, "-", np.array(REFERERS, dtype=object)[rng.choice(len(REFERERS), n, p=REFERER_P)]),
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
        lines = [
            LOG_TEMPLATE.format(stamp=stamp) % row
            for row in zip(*(req[key][rows].tolist() for key in LOG_FIELDS), strict=False)
        ]
        if lines:  # cut inside the user agent: no closing quote
            i = int(rng.integers(len(lines)))
            ua_at = lines[i].rindex(' "') + 2
            lines[i] = lines[i][: rng.integers(ua_at, len(lines[i]) - 1)]
            truncated += 1
        target = folder / f"date={day.isoformat()}"
        target.mkdir(parents=True, exist_ok=True)
        (target / "access.log").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        n_lines += len(lines)
        log.info("usage %s: %d lines", day.isoformat(), len(lines))
    return {"usage_lines": n_lines, "usage_files": window.days, "planted": {"usage_truncated": truncated}}
