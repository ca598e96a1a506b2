"""The CSV layouts PBXs write call records in, by configuration: a preset, a header row, or
the column names in file order. Pure Python: the parsers (`parse_asterisk`,
`parse_freeswitch`) read the layout; `jobs/config/settings.py` builds it from the YAML.

A column is looked up by its name, the PBX's own CDR variable (`uniqueid`, `calldate`,
`start_stamp`, ...), so one parser serves every layout of a family. A column a family does
not know is kept out of bronze; its name is listed (`extra_keys`) and named in the warnings.
"""

from __future__ import annotations

from dataclasses import dataclass

FAMILIES = ("asterisk", "freeswitch")

# cdr/cdr_csv.c build_csv_record(): these 16 always, then uniqueid (loguniqueid), userfield
# (loguserfield), then peeraccount, linkedid, sequence (newcdrcolumns): 16 to 21 fields.
ASTERISK_COLUMNS = (
    "accountcode",
    "src",
    "dst",
    "dcontext",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
)
ASTERISK_OPTIONAL = ("uniqueid", "userfield", "peeraccount", "linkedid", "sequence")
# The order of cdr_csv.conf.xml's "example" template (the default); every field is quoted,
# none escaped. Its "sql" template writes the first 13 inside `INSERT INTO cdr VALUES (...);`.
FREESWITCH_COLUMNS = (
    "caller_id_name",
    "caller_id_number",
    "destination_number",
    "context",
    "start_stamp",
    "answer_stamp",
    "end_stamp",
    "duration",
    "billsec",
    "hangup_cause",
    "uuid",
    "bleg_uuid",
    "accountcode",
    "read_codec",
    "write_codec",
)
# What each parser reads, by role: the names a PBX gives that value, first match wins. The
# Asterisk `cdr` table has one `calldate` start stamp and neither answer nor end.
ROLES = {
    "asterisk": {
        "start": ("start", "calldate"),
        "answer": ("answer",),
        "end": ("end",),
        "duration": ("duration",),
        "billsec": ("billsec",),
        "destination": ("dst",),
        "leg": ("uniqueid",),
    },
    "freeswitch": {
        "start": ("start_stamp", "start_epoch"),
        "answer": ("answer_stamp", "answer_epoch"),
        "end": ("end_stamp", "end_epoch"),
        "duration": ("duration",),
        "billsec": ("billsec",),
        "destination": ("destination_number",),
        "leg": ("uuid",),
    },
}
# Every column a family's parser knows: read into a leg, or dropped on purpose (it holds
# nothing a leg needs). Any other column is unclassified.
KNOWN_COLUMNS = {
    "asterisk": frozenset((*ASTERISK_COLUMNS, *ASTERISK_OPTIONAL, "calldate")),
    "freeswitch": frozenset((*FREESWITCH_COLUMNS, "start_epoch", "answer_epoch", "end_epoch")),
}


@dataclass(frozen=True)
class CdrLayout:
    """How one PBX folder's lines are laid out.

    `columns` names the fields in file order (lowercase); None means the first line of each
    file names them (`header`), or, for Asterisk's cdr_csv, that the field count decides
    (16 to 21, see ASTERISK_OPTIONAL). With `header` and `columns` both, `columns` names the
    fields and a first line that is no record is skipped. `trailing_empty` accepts empty
    fields after the last named one (a spreadsheet's or a report's padding);
    `insert_statement` means every line is `INSERT INTO <table> VALUES (...);`.
    """

    family: str
    name: str
    columns: tuple[str, ...] | None = None
    header: bool = False
    trailing_empty: bool = False
    insert_statement: bool = False

    @property
    def by_field_count(self) -> bool:
        return self.columns is None and not self.header


PRESETS: dict[str, dict[str, CdrLayout]] = {
    "asterisk": {
        # Master.csv of cdr_csv: 18 fields by default, 21 with newcdrcolumns (16 to 21 read).
        "cdr_csv": CdrLayout("asterisk", "cdr_csv"),
        # The `cdr` table (cdr_adaptive_odbc, cdr_mysql, cdr_pgsql) exported with its header;
        # its columns vary by installation (linkedid, sequence, vendor extras).
        "cdr_table": CdrLayout("asterisk", "cdr_table", header=True, trailing_empty=True),
        # FreePBX's CDR report "CSV file": a calldate-first header, then the rows (RFC 4180
        # since 2013; before, a field was quoted only when it held a comma).
        "freepbx_report": CdrLayout("asterisk", "freepbx_report", header=True, trailing_empty=True),
    },
    "freeswitch": {
        "example": CdrLayout("freeswitch", "example", columns=FREESWITCH_COLUMNS),
        "sql": CdrLayout("freeswitch", "sql", columns=FREESWITCH_COLUMNS[:13], insert_statement=True),
    },
}
DEFAULT_PRESET = {"asterisk": "cdr_csv", "freeswitch": "example"}


def normalize_column_name(name: str) -> str:
    """A column name as layouts compare it: trimmed and lowercased."""
    return name.strip().lower()


def missing_roles(family: str, columns: tuple[str, ...]) -> list[str]:
    """What a layout with these column names lacks to make a leg (empty when it has all)."""
    roles, names = ROLES[family], set(columns)
    needed = ["start", "destination", *(["leg"] if family == "freeswitch" else [])]
    missing = [" or ".join(roles[role]) for role in needed if not names.intersection(roles[role])]
    if not names.intersection(roles["duration"] + roles["end"]):
        missing.append(" or ".join(roles["duration"] + roles["end"]))
    return missing


def resolve_layout(
    family: str,
    preset: str | None = None,
    *,
    header: bool = False,
    columns: list[str] | tuple[str, ...] | None = None,
) -> CdrLayout:
    """The layout a source's configuration names; ValueError says what is wrong with it.

    >>> resolve_layout("asterisk", "cdr_table").header
    True
    """
    if family not in FAMILIES:
        raise ValueError(f"unknown PBX format {family!r} (known: {', '.join(FAMILIES)})")
    if preset is not None and (header or columns is not None):
        raise ValueError("give a layout preset, or header/columns for a layout of your own, not both")
    if columns is not None:
        names = tuple(normalize_column_name(name) for name in columns)
        if any(not name for name in names) or len(set(names)) != len(names):
            raise ValueError("columns must be distinct, non-empty names")
        missing = missing_roles(family, names)
        if missing:
            raise ValueError(f"{family} columns lack what a call record needs: {'; '.join(missing)}")
        return CdrLayout(family, "columns", columns=names, header=header, trailing_empty=True)
    if header:
        return CdrLayout(family, "header", header=True, trailing_empty=True)
    name = preset or DEFAULT_PRESET[family]
    if name not in PRESETS[family]:
        raise ValueError(f"unknown {family} layout {name!r} (known: {', '.join(PRESETS[family])})")
    return PRESETS[family][name]
