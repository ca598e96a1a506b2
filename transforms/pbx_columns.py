"""Naming the fields of PBX CSV lines by their layout (`transforms.cdr_layouts`): `_names`
beside `_fields`, so every value is looked up by its column name, whichever the layout.

A header layout names each file's fields by its first line. That line is no record and
leaves the output; a file whose first line does not name what a call record needs has no
header, and every one of its lines is quarantined with that reason instead.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from transforms.cdr_layouts import ASTERISK_COLUMNS, KNOWN_COLUMNS, ROLES, CdrLayout
from transforms.pbx_times import looks_like_time
from transforms.telephony_common import field

# The tail of a cdr_csv line by its field count (see ASTERISK_OPTIONAL); 17 and 20 fields
# carry uniqueid or userfield, and a uniqueid is recognizable by its shape.
_NEW_COLUMNS = ("peeraccount", "linkedid", "sequence")
_CSV_TAILS = {
    16: (),
    18: ("uniqueid", "userfield"),
    19: _NEW_COLUMNS,
    21: ("uniqueid", "userfield", *_NEW_COLUMNS),
}
# uniqueid is "<epoch>.<sequence>", prefixed by "<systemname>-" when systemname is set.
UNIQUEID = r"^([\w.-]+-)?[0-9]+\.[0-9]+$"


def _no_names() -> Column:
    return F.array().cast("array<string>")


def named(name: str) -> Column:
    """The field called `name` on this line, null when the layout has none (or it is empty)."""
    position = F.array_position("_names", F.lit(name))
    return F.when(position > 0, F.get("_fields", (position - 1).cast("int")))


def named_any(names: tuple[str, ...]) -> Column:
    """The first of `names` the layout has."""
    return F.coalesce(*(named(name) for name in names))


def has_any(names: tuple[str, ...]) -> Column:
    """Whether the layout has a column of one of `names` (false for a line without names)."""
    return _overlaps(F.col("_names"), names)


def with_column_names(fields_df: DataFrame, layout: CdrLayout) -> DataFrame:
    """Add `_names`, `_header_ok`, `_repeated_header` and `extra_keys` (the unclassified
    column names, sorted) to `with_csv_fields` output; a header line leaves the output."""
    known = F.array(*map(F.lit, sorted(KNOWN_COLUMNS[layout.family])))
    if layout.header:
        named_df = _with_header(fields_df, layout)
    else:
        names = _csv_names() if layout.by_field_count else F.array(*map(F.lit, layout.columns))
        named_df = fields_df.select("*", names.alias("_names"), F.lit(True).alias("_header_ok"))
        named_df = named_df.select("*", F.lit(False).alias("_repeated_header"))
    extra = F.when(F.col("_header_ok"), F.array_sort(F.array_except("_names", known))).otherwise(_no_names())
    return named_df.select("*", extra.alias("extra_keys"))


def fits_names(layout: CdrLayout) -> Column:
    """One field per name; with `trailing_empty`, also more fields if the extra ones are empty."""
    size, count = F.size("_fields"), F.size("_names")
    if not layout.trailing_empty:
        return F.coalesce(size == count, F.lit(False))
    surplus = F.filter("_fields", lambda value, index: (index >= count) & value.isNotNull())
    return F.coalesce((size >= count) & (F.size(surplus) == 0), F.lit(False))


def _csv_names() -> Column:
    size, extra = F.size("_fields"), field(len(ASTERISK_COLUMNS))
    one_of_two = F.when(F.coalesce(extra.rlike(UNIQUEID), F.lit(False)), F.lit("uniqueid")).otherwise("userfield")
    as_array = lambda names: F.array(*map(F.lit, (*ASTERISK_COLUMNS, *names)))  # noqa: E731
    names = F.when(size == 17, F.concat(as_array(()), F.array(one_of_two)))
    names = names.when(size == 20, F.concat(as_array(()), F.array(one_of_two), F.array(*map(F.lit, _NEW_COLUMNS))))
    for count, tail in _CSV_TAILS.items():
        names = names.when(size == count, as_array(tail))
    return names.otherwise(as_array(()))


def _with_header(fields_df: DataFrame, layout: CdrLayout) -> DataFrame:
    """Join each line with its file's first line, which names the fields, or, with
    `layout.columns`, is skipped when it is not a record (its start field is no time)."""
    header_df = fields_df.where(F.col("line_number") == 1).select(
        "source_file",
        F.col("_fields").alias("_header"),
        F.col("_well_formed").alias("_header_well_formed"),
    )
    joined_df = fields_df.join(F.broadcast(header_df), on="source_file", how="left")
    roles = ROLES[layout.family]
    if layout.columns:
        start = layout.columns.index(next(name for name in layout.columns if name in roles["start"]))
        names, names_ok = F.array(*map(F.lit, layout.columns)), F.lit(True)
        has_header = ~F.coalesce(looks_like_time(F.get("_header", start)), F.lit(False))
    else:
        needs = [roles["start"], roles["destination"], roles["duration"] + roles["end"]]
        needs += [roles["leg"]] if layout.family == "freeswitch" else []
        names = _header_names(F.col("_header"))
        names_ok = F.coalesce(F.col("_header_well_formed"), F.lit(False))
        for names_of_role in needs:
            names_ok = names_ok & _overlaps(names, names_of_role)
        has_header = names_ok
    is_first = F.col("line_number") == 1
    return joined_df.where(~(is_first & has_header)).select(
        *fields_df.columns,
        F.when(names_ok, names).otherwise(_no_names()).alias("_names"),
        names_ok.alias("_header_ok"),
        (has_header & F.col("_fields").eqNullSafe(F.col("_header"))).alias("_repeated_header"),
    )


def _overlaps(names: Column, wanted: tuple[str, ...]) -> Column:
    return F.coalesce(F.arrays_overlap(names, F.array(*map(F.lit, wanted))), F.lit(False))


def _header_names(header: Column) -> Column:
    """A header's names, lowercased; an unnamed column is `column_<n>`, and empty names
    after the last named column (a report's padding) are no columns."""
    named_count = F.array_max(F.transform(header, lambda name, index: F.when(name.isNotNull(), index + 1).otherwise(0)))
    lowered = F.transform(
        header,
        lambda name, index: F.coalesce(F.lower(name), F.concat(F.lit("column_"), (index + 1).cast("string"))),
    )
    return F.slice(lowered, 1, F.coalesce(named_count, F.lit(0)))
