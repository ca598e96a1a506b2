"""What the detector benchmark must reach, and its Markdown report (see bench/detectors.py).

A Presidio label counts as found when one of the detectors PRESIDIO_KINDS names for it
fires; TARGETS and MAX_FLAGGED_CLEAN are the recall and false-positive bars it is held to.
"""

from __future__ import annotations

from transforms.detectors import DETECTORS

# Presidio label -> the detectors that find it (IP_ADDRESS: either IP detector).
PRESIDIO_KINDS = {
    "EMAIL_ADDRESS": ("email",),
    "IP_ADDRESS": ("ipv4", "ipv6"),
    "CREDIT_CARD": ("card",),
    "PHONE_NUMBER": ("phone",),
    "IBAN_CODE": ("iban",),
    "US_SSN": ("us_ssn",),
}
TARGETS = {"EMAIL_ADDRESS": 0.99, "IP_ADDRESS": 0.99, "CREDIT_CARD": 0.99, "PHONE_NUMBER": 0.95}
MAX_FLAGGED_CLEAN = 0.01  # share of PII-free texts has_pii may flag


def share(part: int, whole: int) -> str:
    return f"{part / whole:.4f}" if whole else "n/a"


def print_report(recall: list[dict], clean: dict, log: dict, timing: list[dict]) -> list[str]:
    """Print the Markdown tables; return the targets missed."""
    missed: list[str] = []
    print("\n### Presidio synth_dataset_v2: recall per labelled span\n")
    print("| label | detector(s) | spans | recall, value alone | recall, in its text | target |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for row in recall:
        target = TARGETS.get(row["label"])
        for column in ("in_value", "in_context"):
            if target is not None and row[column] / row["spans"] < target:
                missed.append(f"{row['label']} recall {column} {row[column]}/{row['spans']} < {target}")
        print(
            f"| {row['label']} | {'/'.join(PRESIDIO_KINDS[row['label']])} | {row['spans']} | "
            f"{share(row['in_value'], row['spans'])} ({row['in_value']}) | "
            f"{share(row['in_context'], row['spans'])} ({row['in_context']}) | {target or '-'} |"
        )
    print(f"\n### Presidio texts with none of those labels ({clean['texts']} texts)\n")
    print(
        f"has_pii flags {clean['flagged']} = {share(clean['flagged'], clean['texts'])} (target < {MAX_FLAGGED_CLEAN})\n"
    )
    if clean["flagged"] / clean["texts"] >= MAX_FLAGGED_CLEAN:
        missed.append(f"presidio clean texts flagged {clean['flagged']}/{clean['texts']}")
    print("| detector | " + " | ".join(DETECTORS) + " |")
    print("| --- |" + " ---: |" * len(DETECTORS))
    print("| false positives | " + " | ".join(str(clean[name]) for name in DETECTORS) + " |")
    client = log["client"]
    print(f"\n### Apache access log ({client['lines']} lines)\n")
    print(
        f"client IPs detected as IPv4: {client['ipv4']}/{client['lines']} = {share(client['ipv4'], client['lines'])}\n"
    )
    if client["ipv4"] / client["lines"] < TARGETS["IP_ADDRESS"]:
        missed.append(f"apache client IPv4 {client['ipv4']}/{client['lines']}")
    print("| field | real emails (found) | rows with any false positive | " + " | ".join(DETECTORS) + " |")
    print("| --- | ---: | ---: |" + " ---: |" * len(DETECTORS))
    for field in ("url", "user_agent"):
        row = log[field]
        if row["any_false"] / row["lines"] >= MAX_FLAGGED_CLEAN:
            missed.append(f"apache {field} false positives {row['any_false']}/{row['lines']}")
        print(
            f"| {field} | {row['addresses']} ({row['addresses_found']}) | "
            f"{row['any_false']} = {share(row['any_false'], row['lines'])} | "
            + " | ".join(str(row[name]) for name in DETECTORS)
            + " |"
        )
    print("\n### One has_pii pass, warm JVM (median of the timed repeats)\n")
    print("| input | rows | flagged | `length > 0` count, s | `has_pii` count, s | ratio | has_pii rows/s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in timing:
        print(
            f"| {row['input']} | {row['rows']:,} | {row['flagged']:,} | {row['baseline_s']:.2f} | "
            f"{row['has_pii_s']:.2f} | {row['has_pii_s'] / row['baseline_s']:.1f} | "
            f"{row['rows'] / row['has_pii_s']:,.0f} |"
        )
    worst = timing[-1]
    print(f"\nEach detector alone on the PII-free input, one timed pass (baseline {worst['baseline_s']:.2f} s):\n")
    print("| detector | " + " | ".join(worst["detectors_s"]) + " |")
    print("| --- |" + " ---: |" * len(worst["detectors_s"]))
    print("| seconds | " + " | ".join(f"{s:.2f}" for s in worst["detectors_s"].values()) + " |")
    return missed
