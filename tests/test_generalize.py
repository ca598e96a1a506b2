"""Generalizers: user agents, phone numbers, URLs; each run once per distinct value."""

from pyspark.sql import functions as F

from jobs.lake.frames import local_frame
from transforms.generalize import with_calling_code
from transforms.silver_web import url_path_template
from transforms.user_agent import with_user_agent_classes

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Mobile/15E148 Safari/604.1"
)


def test_user_agents_reduce_to_allow_listed_families(spark):
    rows = [(1, CHROME), (2, IPHONE), (3, "JaneDoeBot/1.0 (+jane.doe@example.com)"), (4, None), (5, CHROME)]
    df = local_frame(spark, rows, "id int, user_agent string")
    got = {r.id: tuple(r)[1:] for r in with_user_agent_classes(df).collect()}
    assert got == {
        1: ("Chrome", 120, "Windows", "desktop"),
        2: ("Mobile Safari", 17, "iOS", "mobile"),
        # The unknown bot's name (a regex capture in ua-parser) never comes through.
        3: ("Bot", None, "Other", "bot"),
        4: ("Other", None, "Other", "other"),
        5: ("Chrome", 120, "Windows", "desktop"),
    }
    assert "user_agent" not in with_user_agent_classes(df).columns


def test_phone_numbers_reduce_to_calling_codes(spark):
    rows = [(1, "+44 20 7946 0958"), (2, "+1 202-555-0143"), (3, "not a number"), (4, None), (5, "")]
    df = local_frame(spark, rows, "id int, caller_number string")
    got = {r.id: r.caller_calling_code for r in with_calling_code(df, "caller_number", "caller_calling_code").collect()}
    assert got == {1: 44, 2: 1, 3: None, 4: None, 5: None}


def test_urls_reduce_to_path_templates(spark):
    urls = [
        "/j/8812345678?pwd=abc",
        "/webinar/register/991?email=a%40b.example",
        "/signin",
        "/u/jane.doe@example.com/profile",
        "/static/js/app.3f2a1b.js",
        None,
        "",
    ]
    df = local_frame(spark, [(u,) for u in urls], "url string")
    got = [r[0] for r in df.select(url_path_template(F.col("url"))).collect()]
    assert got == ["/j/{id}", "/webinar/register/{id}", "/signin", "/u/{id}/profile", "/static/js/{id}", None, ""]
