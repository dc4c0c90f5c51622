#!/bin/sh
# The dashboard's rates to the pilot on a database of real-looking records:
# pilots ingested at known times before now, then `top --once` (text and
# JSON) over 1h, 30m and a 7d window longer than the history (rates over the
# time since the first event, marked partial).  Every figure per CE and in
# total is checked against the pilots that fall inside the window, counted
# here by hand.  Boundaries are kept two minutes or more from any record.
# Usage: test_top_rates.sh PATH/TO/pilotdeck
set -u
PD=${1:?usage: test_top_rates.sh PATH/TO/pilotdeck}
cli_name=top-rates
. "$(dirname "$0")/common.sh"

{
    # ce-a: seconds before now of each transition
    record_ago a1 ce-a submitted 10800 ', "site": "S1"'; record_ago a1 ce-a done 7200
    record_ago a2 ce-a submitted 7200;  record_ago a2 ce-a running 5400
    record_ago a2 ce-a done 3000
    record_ago a3 ce-a submitted 2400;  record_ago a3 ce-a running 2000
    record_ago a3 ce-a done 600
    record_ago a4 ce-a submitted 1500;  record_ago a4 ce-a failed 1200
    record_ago a5 ce-a submitted 4200;  record_ago a5 ce-a failed 3900
    record_ago a6 ce-a submitted 300
    record_ago a7 ce-a submitted 3480;  record_ago a7 ce-a running 3000
    # ce-b
    for i in 1 2 3 4 5; do record_ago b$i ce-b submitted 1000 ', "site": "S2"'; done
    for i in 1 2 3; do record_ago b$i ce-b done 800; done
    record_ago b4 ce-b failed 700
    record_ago b5 ce-b running 900
    record_ago b6 ce-b submitted 3720;  record_ago b6 ce-b done 3500
} >history.jsonl
expect 0 "$PD" ingest --add-ces history.jsonl

# jq_of FILTER: FILTER applied to the last --json output ($json)
jq_of() { printf '%s' "$json" | jq -r "$1"; }

# rates WINDOW CE SUB DONE FAILED HOURS: the CE's (or "total"'s) pilots
# inside the window and its rates over HOURS hours.
rates() {
    w=$1 ce=$2 sub=$3 dn=$4 fl=$5 hours=$6
    if [ "$ce" = total ]; then sel='.totals'; else sel=".ces[] | select(.name == \"$ce\")"; fi
    got=$(jq_of "$sel | \"\(.in_window.submitted) \(.in_window.done) \(.in_window.failed)\"")
    same "$got" "$sub $dn $fl" "$w $ce: submitted, done, failed in the window"
    for f in submitted:$sub done:$dn failed:$fl; do
        name=${f%%:*} n=${f#*:}
        got=$(jq_of "$sel | .${name}_per_hour")
        want=$(awk -v n="$n" -v h="$hours" 'BEGIN { printf "%.6f", n / h }')
        got=$(awk -v g="$got" 'BEGIN { printf "%.6f", g }')
        same "$got" "$want" "$w $ce: ${name}_per_hour"
    done
}

# -- the default window, 1h ------------------------------------------------------------
expect 0 "$PD" top --json
json=$out
same "$(jq_of .window_s)" 3600 "window_s"
same "$(jq_of .rate_span_s)" 3600 "rate_span_s of a full window"
same "$(jq_of .rates_partial)" false "a full window is not partial"
rates 1h ce-a 4 2 1 1
rates 1h ce-b 5 4 1 1
rates 1h total 9 6 2 1
expect 0 "$PD" top --once --width 120
has "$out" "last 1h: done/h 6.0 failed/h 2.0 sub/h 9.0"

# -- 30 minutes: counts halve less than the window does ----------------------------------
expect 0 "$PD" top --json --window 30m
json=$out
same "$(jq_of .window_s)" 1800 "window_s of 30m"
rates 30m ce-a 2 1 1 0.5
rates 30m ce-b 5 3 1 0.5
rates 30m total 7 4 2 0.5
expect 0 "$PD" top --once --width 120 --window 30m
has "$out" "last 30m: done/h 8.0 failed/h 4.0 sub/h 14.0"

# -- 7 days, longer than the history: over the time since the first event ------------------
expect 0 "$PD" top --json --window 7d
json=$out
same "$(jq_of .rates_partial)" true "a window longer than the history is partial"
span=$(jq_of .rate_span_s)
in_range=$(awk -v s="$span" 'BEGIN { print (s >= 10800 && s < 10860) ? "yes" : "no" }')
same "$in_range" yes "rate span $span s: the time since the first event (3h)"
hours=$(awk -v s="$span" 'BEGIN { printf "%.9f", s / 3600 }')
rates 7d ce-a 7 3 2 "$hours"
rates 7d ce-b 6 4 1 "$hours"
rates 7d total 13 7 3 "$hours"

# -- sorted by the rate: most done per hour first, reversed least first -------------------
expect 0 "$PD" top --json --sort done_per_hour
json=$out
same "$(jq_of '[.ces[].name] | join(" ")')" "ce-b ce-a" "sorted by done per hour"
expect 0 "$PD" top --json --sort done_per_hour --reverse
json=$out
same "$(jq_of '[.ces[].name] | join(" ")')" "ce-a ce-b" "sorted by done per hour, reversed"

# -- the file's reverse = true, and the command line over it ---------------------------
printf '[top]\nsort = done_per_hour\nreverse = true\n' >reverse.ini
expect 0 "$PD" top --json --config reverse.ini
json=$out
same "$(jq_of '[.ces[].name] | join(" ")')" "ce-a ce-b" "the file's reverse = true"
expect 0 "$PD" top --json --config reverse.ini --no-reverse
json=$out
same "$(jq_of '[.ces[].name] | join(" ")')" "ce-b ce-a" "--no-reverse over the file"
expect 0 "$PD" top --json --config reverse.ini --no-reverse --reverse
json=$out
same "$(jq_of '[.ces[].name] | join(" ")')" "ce-a ce-b" "the last of --no-reverse --reverse"

finish
