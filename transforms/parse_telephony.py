"""Telephony CDRs (Asterisk and FreeSWITCH, in the layouts of `transforms.cdr_layouts`) ->
native CDR legs.

The two parsers live in `parse_asterisk` and `parse_freeswitch` and share
`telephony_common`; this module picks one by the layout's family and maps what it accepts
onto the columns of the native JSON-lines CDR (`transforms.parse_cdr`), so both can be
unioned into one bronze table.
"""

from __future__ import annotations

from functools import partial

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from transforms.cdr_layouts import CdrLayout
from transforms.generalize import e164
from transforms.parse_asterisk import parse_asterisk_legs, parse_asterisk_lines
from transforms.parse_cdr import CDR_FIELDS
from transforms.parse_freeswitch import parse_freeswitch_legs, parse_freeswitch_lines
from transforms.per_value import map_distinct
from transforms.quarantine import REASON
from transforms.vocabulary import PRODUCTS, REGIONS

__all__ = [
    "e164",
    "parse_asterisk_lines",
    "parse_freeswitch_lines",
    "parse_pbx_lines",
    "telephony_to_legs",
    "with_e164",
]


def parse_pbx_lines(lines_df: DataFrame, layout: CdrLayout, source_timezone: str, day_first: bool) -> DataFrame:
    """One PBX's lines, laid out as `layout` says -> one row per line but a header: the
    call leg, `extra_keys` (the names of the columns no parser knows, never their values)
    and a reject reason (null when accepted)."""
    parser = parse_asterisk_legs if layout.family == "asterisk" else parse_freeswitch_legs
    return parser(lines_df, source_timezone, day_first, layout)


def with_e164(df: DataFrame, number_cols: list[str], default_region: str) -> DataFrame:
    """Add `<col>_e164` for each of `number_cols`: the number in E.164, or null (phonenumbers,
    once per distinct number)."""
    to_e164 = partial(e164, default_region=default_region)
    for col_name in number_cols:
        df = map_distinct(
            df.withColumn(f"_{col_name}_raw", F.col(col_name)),
            f"_{col_name}_raw",
            to_e164,
            {f"{col_name}_e164": "string"},
        )
    return df


def telephony_to_legs(
    parsed_df: DataFrame,
    *,
    account_id: str,
    region: str,
    country: str,
    product: str = "audio",
    keep_rejected: bool = False,
) -> DataFrame:
    """Accepted telephony rows -> native CDR legs: `source_file, line_number, value`, the
    CDR_FIELDS typed as `parse_cdr_lines` types them, `extra_keys` (the parsed rows' own,
    or empty) and `reject_reason`.

    Grain: one row per accepted call leg (every input row with `keep_rejected=True`, whose
    rejected rows keep their reason, ready for the quarantine). One PBX, one configuration:
    `account_id`, `region` and `product` apply to every leg; `country` (ISO alpha-2) is the
    PBX's and the default region for numbers dialed without a country code. A dial-in leg's
    conference is the number it dialed (the bridge); the caller and dialed numbers are in
    E.164 or null (an internal extension has no E.164 form).
    """
    is_country = len(country) == 2 and country.isalpha() and country.isupper()
    if region not in REGIONS or product not in PRODUCTS or not is_country:
        raise ValueError(f"bad telephony source: region={region!r} product={product!r} country={country!r}")
    rows_df = parsed_df if keep_rejected else parsed_df.where(F.col(REASON).isNull())
    numbered_df = with_e164(rows_df, ["caller_number", "destination_number"], country)
    legs = _leg_columns(account_id, region, country, product)
    has_extra_keys = "extra_keys" in parsed_df.columns
    extra_keys = F.col("extra_keys") if has_extra_keys else F.array().cast("array<string>")
    return numbered_df.select(
        "source_file",
        "line_number",
        "value",
        *(legs[name].alias(name) for name in CDR_FIELDS),
        extra_keys.alias("extra_keys"),
        REASON,
    )


def _leg_columns(account_id: str, region: str, country: str, product: str) -> dict[str, Column]:
    null = lambda type_name: F.lit(None).cast(type_name)  # noqa: E731
    return {
        "leg_id": F.col("leg_id"),
        "conference_id": F.col("destination_number"),
        "account_id": F.lit(account_id),
        "participant_name": F.col("caller_name"),
        "participant_email": null("string"),
        "caller_number": F.col("caller_number_e164"),
        "access_number": F.col("destination_number_e164"),
        "access_type": F.lit("dial_in"),
        "ip_address": null("string"),
        "user_agent": null("string"),
        "country": F.lit(country),
        "region": F.lit(region),
        "product": F.lit(product),
        "start_time": F.col("start_time"),
        "end_time": F.col("end_time"),
        "duration_s": F.col("duration_s").cast("bigint"),
        "recorded": null("boolean"),
        "transcribed": null("boolean"),
        "mos": null("double"),
        "rating": null("int"),
        "notes": null("string"),
    }
