#!/usr/bin/env bash
# Tollgate's stages for one day (default: yesterday, UTC), each with retries, in the order of
# the one stage list that `tollgate run` runs (jobs/pipeline/stages.py: ingest, erase,
# anonymize, aggregate, vacuum, export), read here from `python -m jobs.pipeline.stages DAY`.
# Called by docs/cron/tollgate.cron; checked by tests/test_schedule.py with a stand-in tollgate.
#   tollgate-daily.sh [YYYY-MM-DD]
# Exit 1 (a failure, the lake lock held) is retried after RETRY_DELAY seconds; exit 2 (bad
# configuration) and 3 (the privacy gate refused) would fail the same way again, so they stop
# the run at once. Logs: counts, stages and days only, as JSON lines in logs/.
# TOLLGATE_LANDING, TOLLGATE_LAKE, TOLLGATE_EXPORTS and TOLLGATE_LOGS say where the data is
# (defaults data/landing, data/lake, data/exports and logs, relative to TOLLGATE_HOME).
set -uo pipefail
TOLLGATE_HOME=${TOLLGATE_HOME:-/opt/tollgate}
TOLLGATE=${TOLLGATE:-$TOLLGATE_HOME/.venv/bin/tollgate}
RETRIES=${RETRIES:-2}
RETRY_DELAY=${RETRY_DELAY:-600}
DAY=${1:-$(date -u -d yesterday +%F)}
LOCATIONS=(
    --landing "${TOLLGATE_LANDING:-data/landing}"
    --lake "${TOLLGATE_LAKE:-data/lake}"
    --exports "${TOLLGATE_EXPORTS:-data/exports}"
)
COMMON=(--wait-lock 1800 --log-json "${TOLLGATE_LOGS:-logs}/tollgate-$DAY.jsonl")
cd "$TOLLGATE_HOME" || exit 2

# One line per stage, in order: its own tollgate arguments (`--date DAY` for a dated stage).
stage_list=$("$TOLLGATE_HOME/.venv/bin/python" -m jobs.pipeline.stages "$DAY") || exit 2
[[ -n $stage_list ]] || exit 2
mapfile -t stages <<<"$stage_list"

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

for stage in "${stages[@]}"; do
    read -ra arguments <<<"$stage"
    run_stage "${arguments[@]}" || exit
done
