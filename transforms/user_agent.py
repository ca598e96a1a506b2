"""User agent -> browser family, major version, OS family and device class (ua-parser).

ua-parser's families come from regex captures, so an unknown agent such as
"JaneDoeBot/1.0" would yield the family "JaneDoeBot". Only families on the allow-lists
below leave this module; anything else becomes "Other" (or "Bot" for crawlers).
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from transforms.per_value import map_distinct

BROWSER_FAMILIES = frozenset(
    {
        "Chrome",
        "Chrome Mobile",
        "Chrome Mobile iOS",
        "Chrome Mobile WebView",
        "Chromium",
        "Firefox",
        "Firefox Mobile",
        "Firefox iOS",
        "Safari",
        "Mobile Safari",
        "Mobile Safari UI/WKWebView",
        "Edge",
        "Edge Mobile",
        "Opera",
        "Opera Mobile",
        "Samsung Internet",
        "IE",
        "IE Mobile",
        "UC Browser",
        "Yandex Browser",
        "Android",
        "Electron",
        "Vivaldi",
        "Brave",
        "Silk",
        "Facebook",
        "Instagram",
        "Other",
    }
)
OS_FAMILIES = frozenset(
    {
        "Windows",
        "Mac OS X",
        "iOS",
        "iPadOS",
        "Android",
        "Linux",
        "Ubuntu",
        "Fedora",
        "Debian",
        "Chrome OS",
        "FreeBSD",
        "Windows Phone",
        "Other",
    }
)
DESKTOP_OS = frozenset({"Windows", "Mac OS X", "Linux", "Ubuntu", "Fedora", "Debian", "Chrome OS", "FreeBSD"})
UA_OUTPUTS = {"browser_family": "string", "browser_major": "int", "os_family": "string", "device_class": "string"}


def classify_user_agent(agent: str | None) -> tuple[str, int | None, str, str]:
    """(browser family, major version, OS family, device class) from allow-listed values."""
    from ua_parser import parse  # noqa: PLC0415 - imported on the executor, where the UDF runs

    if not agent:
        return ("Other", None, "Other", "other")
    result = parse(agent)
    device = result.device.family if result.device else None
    browser = result.user_agent.family if result.user_agent else "Other"
    os_family = result.os.family if result.os else "Other"
    is_bot = device == "Spider"
    if browser not in BROWSER_FAMILIES:
        browser = "Bot" if is_bot else "Other"
    major_text = result.user_agent.major if result.user_agent else None
    major = int(major_text) if browser not in ("Other", "Bot") and major_text and major_text.isdigit() else None
    if os_family not in OS_FAMILIES:
        os_family = "Other"
    return (browser, major, os_family, _device_class(device, os_family, is_bot))


def _device_class(device: str | None, os_family: str, is_bot: bool) -> str:
    if is_bot:
        return "bot"
    if device and ("iPad" in device or "Tablet" in device or "Kindle" in device):
        return "tablet"
    if os_family in ("iOS", "Android", "Windows Phone"):
        return "mobile"
    if os_family in DESKTOP_OS:
        return "desktop"
    return "other"


def with_user_agent_classes(df: DataFrame, ua_col: str = "user_agent") -> DataFrame:
    """Add browser_family, browser_major, os_family and device_class; drop `ua_col`.

    ua-parser runs once per distinct agent (thousands, not millions), joined back.
    """
    classified_df = map_distinct(df, ua_col, classify_user_agent, UA_OUTPUTS)
    return classified_df.select(
        *(F.col(c) for c in df.columns if c != ua_col),
        F.coalesce("browser_family", F.lit("Other")).alias("browser_family"),
        "browser_major",
        F.coalesce("os_family", F.lit("Other")).alias("os_family"),
        F.coalesce("device_class", F.lit("other")).alias("device_class"),
    )
