"""The landing sources and their columns: what the privacy policy may classify."""

from __future__ import annotations

from transforms.parse_accounts import ACCOUNT_FIELDS
from transforms.parse_billing import BILLING_FIELDS
from transforms.parse_cdr import CDR_FIELDS
from transforms.parse_requests import REQUEST_FIELDS
from transforms.parse_usage import USAGE_FIELDS

# Columns of known shape per source; the policy must not name others (typos are errors).
SOURCE_COLUMNS = {
    "cdr": CDR_FIELDS,
    "usage_log": USAGE_FIELDS,
    "accounts": ACCOUNT_FIELDS,
    "billing": BILLING_FIELDS,
    "privacy_requests": REQUEST_FIELDS,
}
# Free text may hold anything; it never leaves bronze, whatever the file says.
FREE_TEXT = {"cdr": {"notes"}}
