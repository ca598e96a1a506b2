"""Row-level subprocessor extracts: an allow-list of bronze columns, identifiers keyed per
recipient, rows limited to the recipient's source regions. Built-in Spark functions only.

Grain: an extract keeps its source's grain (one row per account, leg or card transaction).

Example:
    extract_df = (bronze_df.transform(in_regions, ("us", "ca"))
                  .transform(allowed_columns, ("account_id", "plan"), ("account_id",), key))
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from transforms.pseudonymize import hmac_sha256

# Password hashes in Modular Crypt / PHC form: bcrypt, sha-crypt (md5/sha256/sha512),
# yescrypt, scrypt, argon2 and Django's pbkdf2. Each alternative starts from a literal
# (`$` or `pbkdf2_`), and a value with no `$` never reaches the regex.
_PASSWORD_HASH = (
    r"\$2[abxy]?\$[0-9]{2}\$[./A-Za-z0-9]{53}"
    r"|\$[156]\$(?:rounds=[0-9]{1,9}\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{22,86}"
    r"|\$(?:y|7|scrypt)\$[./A-Za-z0-9$=,]{16,}"
    r"|\$argon2(?:id|i|d)\$(?:v=[0-9]{1,3}\$)?m=[0-9]{1,9},t=[0-9]{1,9},p=[0-9]{1,3}\$"
    r"|pbkdf2_sha(?:1|256|512)\$[0-9]{1,9}\$"
)


def looks_like_password_hash(col: Column) -> Column:
    """True when the value holds a bcrypt, sha-crypt, scrypt, yescrypt, argon2 or pbkdf2
    hash anywhere in it; false for null."""
    return F.coalesce((F.instr(col, "$") > 0) & col.rlike(_PASSWORD_HASH), F.lit(False))


def pseudonym_name(column: str) -> str:
    """`account_id` -> `account_pseudonym` (the silver tables' convention)."""
    return column.removesuffix("_id") + "_pseudonym"


def allowed_columns(
    source_df: DataFrame, columns: Sequence[str], pseudonymized: Collection[str], key: bytes
) -> DataFrame:
    """Exactly `columns`, in that order; those in `pseudonymized` become `<name>_pseudonym`,
    the HMAC-SHA256 (with `key`, the recipient's own) of the trimmed identifier."""
    return source_df.select(
        *(
            hmac_sha256(F.trim(F.col(column)), key).alias(pseudonym_name(column))
            if column in pseudonymized
            else F.col(column)
            for column in columns
        )
    )


def in_regions(df: DataFrame, regions: Collection[str], region_col: str = "region") -> DataFrame:
    """Rows whose region is one of `regions`; a row of unknown region goes nowhere."""
    return df.where(F.col(region_col).isin(*sorted(regions)))


def with_account_region(billing_df: DataFrame, accounts_df: DataFrame) -> DataFrame:
    """Each transaction with its account's hosting region as `_account_region`; a
    transaction of an account not in `accounts_df` is dropped (its region is not known)."""
    regions_df = accounts_df.select("account_id", F.col("region").alias("_account_region"))
    return billing_df.join(regions_df, on="account_id", how="inner")
