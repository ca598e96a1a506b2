"""`tollgate budget`: what each differentially private recipient has spent, and what is left."""

from __future__ import annotations

import argparse

from jobs.commands.args import add_location_args
from jobs.config.dp import epsilon_at
from jobs.config.policy import load_policy
from jobs.config.recipients import load_recipients
from jobs.console.show import print_table
from jobs.errors import ConfigError
from jobs.lake.layout import Lake
from jobs.lake.session import get_spark
from jobs.release.budget import read_balances, total_amount

HELP = "privacy budget of each DP recipient: spent and remaining (rho, and epsilon at its delta)"
WRITES_LAKE = False
COLUMNS = (
    "recipient",
    "releases",
    "rho spent",
    "rho total",
    "rho left",
    "epsilon spent",
    "epsilon total",
    "delta",
    "selection delta spent",
    "selection delta total",
)


def configure(parser: argparse.ArgumentParser) -> None:
    add_location_args(parser)
    parser.add_argument("--recipient", help="only this recipient (default: every privacy: dp recipient)")


def run(args: argparse.Namespace) -> int:
    recipients = load_recipients(args.recipients, load_policy(args.policy).k_floor)
    dp_recipients = {name: r for name, r in recipients.items() if r.dp is not None}
    if args.recipient and args.recipient not in dp_recipients:
        raise ConfigError(f"no privacy: dp recipient named {args.recipient!r} in {args.recipients}")
    chosen = [dp_recipients[args.recipient]] if args.recipient else list(dp_recipients.values())
    if not chosen:
        print(f"no privacy: dp recipient in {args.recipients}")
        return 0
    balances = read_balances(get_spark("tollgate-budget"), Lake(args.lake))
    rows = []
    for recipient in chosen:
        budget = recipient.dp.budget
        balance = balances.get(recipient.name)
        # The budget as the ledger holds it (rounded down); spent amounts are exact decimals.
        rho_total = total_amount(budget.rho_total)
        rho_spent = balance.rho_spent if balance else total_amount(0)
        delta_spent = balance.selection_delta_spent if balance else total_amount(0)
        rows.append(
            (
                recipient.name,
                balance.releases if balance else 0,
                f"{rho_spent:.6f}",
                f"{rho_total:.6f}",
                f"{max(rho_total - rho_spent, 0):.6f}",
                f"{epsilon_at(float(rho_spent), budget.delta):.4f}",
                "" if budget.epsilon is None else f"{budget.epsilon:.4f}",
                f"{budget.delta:.1e}",
                f"{delta_spent:.1e}",
                f"{budget.selection_delta:.1e}",
            )
        )
    print_table(COLUMNS, rows, title="differential privacy budget")
    return 0
