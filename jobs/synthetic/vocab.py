"""Static tables behind `tollgate generate`: regions and time zones, locales, user agents,
dial-in prefixes and note texts. Data only; the generators sample from them.
"""

from __future__ import annotations

import numpy as np

# Hosting-region mix of accounts: US heaviest, then the EU and the UK.
REGION_WEIGHTS = {
    "us": 0.35,
    "ca": 0.07,
    "ie": 0.04,
    "jp": 0.07,
    "in": 0.08,
    "sg": 0.04,
    "hk": 0.04,
    "uk": 0.10,
    "au": 0.06,
    "eu": 0.15,
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
    "US": "en_US",
    "CA": "en_CA",
    "IE": "en_IE",
    "JP": "ja_JP",
    "IN": "en_IN",
    "SG": "en_US",
    "HK": "en_US",
    "GB": "en_GB",
    "AU": "en_AU",
    "DE": "de_DE",
    "FR": "fr_FR",
    "ES": "es_ES",
    "NL": "nl_NL",
}
TLDS = {
    "US": "com",
    "CA": "ca",
    "IE": "ie",
    "JP": "co.jp",
    "IN": "in",
    "SG": "com.sg",
    "HK": "com.hk",
    "GB": "co.uk",
    "AU": "com.au",
    "DE": "de",
    "FR": "fr",
    "ES": "es",
    "NL": "nl",
}
FREE_MAIL = ("gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "icloud.com", "proton.me")
COUNTRIES = tuple(LOCALES)

APP_UAS = tuple(
    f"TollgateMeetings/{v} ({os})"
    for v in ("5.17.11", "5.18.2", "6.0.4")
    for os in (
        "Windows NT 10.0; Win64; x64",
        "Macintosh; Intel Mac OS X 14_5",
        "iPhone; iOS 17.5",
        "Android 14; Pixel 8",
        "X11; Linux x86_64",
    )
)
SIP_UAS = (
    "Polycom/6.4.3.5018 PolycomRealPresenceTrio-8800",
    "Cisco-SIPGateway/IOS-15.6",
    "Yealink SIP-T54W 96.86.0.70",
    "Poly Studio X50/4.1.0",
    "Asterisk PBX 20.5.2",
)
BOT_UAS = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "curl/8.5.0",
    "python-requests/2.32.3",
)
MODERN_UAS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
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

HEX = "0123456789abcdef"
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# region -> toll-free prefix and digits after it, for the service's dial-in numbers
TOLL_FREE = {
    "us": ("+1888", 7),
    "ca": ("+1877", 7),
    "ie": ("+3531800", 6),
    "jp": ("+81120", 6),
    "in": ("+911800", 7),
    "sg": ("+65800", 7),
    "hk": ("+852800", 6),
    "uk": ("+44800", 7),
    "au": ("+611800", 6),
    "eu": ("+49800", 7),
}
NOTES = (
    "Caller could not hear audio; advised to rejoin from the app.",
    "Customer {name} reported echo on the bridge, escalated to tier 2.",
    "Participant asked us to resend the invite to {email}.",
    "Call back requested on {phone} about the dropped connection.",
    "Dial-in PIN rejected twice, joined after reset.",
    "Poor MOS on this leg, ISP packet loss suspected.",
    "Agent note: {name} ({email}) wants the recording deleted.",
    "Screen share froze for a minute, no further action.",
    "Left voicemail for {name} at {phone}.",
)
# What a crashed writer or a log shipper leaves behind in a CDR file.
GARBAGE = (
    "<html><head><title>502 Bad Gateway</title></head></html>",
    "-- log rotated --",
    "ERROR upstream timed out (110: Connection timed out) while reading response header",
    "leg_id,conference_id,account_id,participant_name",
    "\x1b[31mpanic: index out of range",
)
