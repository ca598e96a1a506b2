#!/usr/bin/env bash
# Tollgate's daily stages in order for one day (default: yesterday, UTC), each with retries.
# Called by docs/cron/tollgate.cron; checked by tests/test_schedule.py with a stand-in tollgate.
#   tollgate-daily.sh [YYYY-MM-DD]
# Exit 1 (a failure, the lake lock held) is retried after RETRY_DELAY seconds; exit 2 (bad
# configuration) and 3 (the privacy gate refused) would fail the same way again, so they stop
# the run at once. Logs: counts, stages and days only, as JSON lines in logs/.
set -uo pipefail
TOLLGATE_HOME=${TOLLGATE_HOME:-/opt/tollgate}
TOLLGATE=${TOLLGATE:-$TOLLGATE_HOME/.venv/bin/tollgate}
RETRIES=${RETRIES:-2}
RETRY_DELAY=${RETRY_DELAY:-600}
DAY=${1:-$(date -u -d yesterday +%F)}
LOCATIONS=(--landing data/landing --lake data/lake --exports data/exports)
COMMON=(--wait-lock 1800 --log-json "logs/tollgate-$DAY.jsonl")
cd "$TOLLGATE_HOME" || exit 2

run_stage() {  # run_stage STAGE ARGS...: the stage, retried on exit 1
    local attempt code
    for ((attempt = 0; attempt <= RETRIES; attempt++)); do
        "$TOLLGATE" "$@" "${LOCATIONS[@]}" "${COMMON[@]}"
        code=$?
        [[ $code -ne 1 ]] && return "$code"
        ((attempt < RETRIES)) && sleep "$RETRY_DELAY"
    done
    return "$code"
}

for stage in ingest anonymize aggregate; do
    run_stage "$stage" --date "$DAY" || exit
done
# Export publishes the gold tables as they stand (every report week): no date.
run_stage export || exit
