#!/bin/sh
# End-to-end tests of `pilotdeck fit`: the help, the report of a simulated
# database, the scenario it writes (which `pilotdeck sim` takes unchanged),
# --json, --ce, --events, exact counts on a small wall-clock history made
# by `pilotdeck ingest`, and bad input refused with a clear message, a
# non-zero status and nothing written.
# Usage: test_fit.sh PATH/TO/pilotdeck SOURCE_DIR
set -u
PD=${1:?usage: test_fit.sh PATH/TO/pilotdeck SOURCE_DIR}
SRC=${2:?usage: test_fit.sh PATH/TO/pilotdeck SOURCE_DIR}
cli_name=fit
. "$(dirname "$0")/common.sh"

# same A B WHAT: A and B are the same text.
same() { if [ "$1" = "$2" ]; then ok; else bad "$3: '$1' is not '$2'"; fi; }
# jq_is JSON FILTER VALUE: the filter gives VALUE.
jq_is() { same "$(printf '%s' "$1" | jq -c "$2" 2>&1)" "$3" "jq '$2'"; }
# The files of the work directory (a reader of a WAL database may leave its
# -shm and an empty -wal); nothing_new: the same as $before.
listing() { ls -A "$work" | grep -v '^\(out\|err\)$\|-shm$\|-wal$'; }
nothing_new() { same "$(listing)" "$before" "files after $*"; }
# refused STATUS NEEDLE CMD...: exit STATUS, NEEDLE on stderr, and nothing
# written: not on stdout, no new file.
refused() {
    want=$1 needle=$2; shift 2
    expect "$want" "$@"
    has "$err" "$needle"
    [ -z "$out" ] && ok || bad "'$*' wrote to stdout: $out"
    nothing_new "$*"
}

# -- help ------------------------------------------------------------------------
expect 0 "$PD" fit --help
has "$out" "usage: pilotdeck [--db PATH] fit [--since T] [--until T] [--ce NAME]..."
has "$out" "[--min-pilots N] [--events] [-o SCENARIO.ini | --json]"
for opt in "--since T" "--until T" "--ce NAME" "--min-pilots N" "--events" "-o, --output FILE" \
    "--json"; do has "$out" "$opt"; done
has "$out" "Wilson 95 %"; has "$out" "'pilotdeck sim' takes unchanged"
expect 0 "$PD" --help;            has "$out" "fit "

# -- a simulated database ----------------------------------------------------------
SIM=$work/sim.db
expect 0 "$PD" --db "$SIM" sim "$SRC/scenarios/outage.ini"
save "$SIM"
expect 0 "$PD" --db "$SIM" fit
report=$out
has "$report" "window      0d 00:00:00 to 0d 17:59:59"
has "$report" "submission  director:"
has "$report" "cycle 2m"
for ce in ce-a ce-b ce-c; do has "$report" "CE $ce.example.org: capacity"; done
has "$report" "run_time      fixed(2h)"
has "$report" "queue_time    uniform("
unchanged "fit (report)"
expect 0 "$PD" --db "$SIM" fit
same "$out" "$report" "a second fit's report"

# -o: a scenario that sim takes unchanged, commented; the same bytes twice
expect 0 "$PD" --db "$SIM" fit -o f.ini
has "$err" "fit: wrote the scenario to f.ini"
[ -z "$out" ] && ok || bad "fit -o wrote to stdout: $out"
unchanged "fit -o"
has "$(cat f.ini)" "[scenario]"
same "$(grep -c '^\[ce ' f.ini)" 3 "[ce] sections"
same "$(grep -c '^; success_rate: ' f.ini)" 3 "success_rate comments"
has "$(cat f.ini)" "; run_time: fixed by AIC"
has "$(cat f.ini)" "name = fit of sim.db"
expect 0 "$PD" --db :memory: sim f.ini
has "$out" "ce-a.example.org"
expect 0 "$PD" --db "$SIM" fit -o -
same "$out" "$(cat f.ini)" "fit -o - and fit -o f.ini"

# --json: parses, with its keys; the same bytes twice
expect 0 "$PD" --db "$SIM" fit --json
json=$out
printf '%s' "$json" | jq -e . >/dev/null && ok || bad "fit --json does not parse: $json"
# has_keys JSON PATH KEY...: the object at PATH has (at least) these keys.
has_keys() {
    obj=$1 path=$2; shift 2
    for key in "$@"; do jq_is "$obj" "$path | has(\"$key\")" true; done
}
has_keys "$json" . ces clock ended fail_before_start failed scenario since_s submission until_s
jq_is "$json" '.clock' '"sim"'
jq_is "$json" '.since_s' 0
jq_is "$json" '.submission | [.policy, .cycle_s]' '["director",120]'
jq_is "$json" '.ces | length' 3
has_keys "$json" '.submission' policy bursts periodic_share cycle_s max_per_cycle
has_keys "$json" '.ces[0]' capacity enabled ended_own max_waiting name queue_time run_time site \
    submitted success_rate
has_keys "$json" '.ces[0].success_rate' done ended high low source value
has_keys "$json" '.ces[0].run_time' censored exact family ks left_out loglik mean_s \
    observed_share params_s source stopped
jq_is "$json" '.ces[0].run_time.loglik | keys' '["exp","fixed","lognormal","uniform"]'
jq_is "$json" '.ces[2] | [.name, .run_time.family, .run_time.params_s]' \
    '["ce-c.example.org","fixed",[7200]]'
jq_is "$json" '[.ces[].success_rate | .low <= .value and .value <= .high] | all' true
jq_is "$json" '.ended == ([.ces[].success_rate.ended] | add)' true
same "$(printf '%s' "$json" | jq -r .scenario)" "$(cat f.ini)" "the JSON's scenario and -o's"
expect 0 "$PD" --db "$SIM" fit --json
same "$out" "$json" "a second fit --json"

# --ce twice: those two CEs only, and sim takes their scenario
expect 0 "$PD" --db "$SIM" fit --ce ce-c.example.org --ce ce-a.example.org --json
jq_is "$out" '[.ces[].name]' '["ce-a.example.org","ce-c.example.org"]'
expect 0 "$PD" --db "$SIM" fit --ce ce-c.example.org --ce ce-a.example.org -o two.ini
same "$(grep '^\[ce ' two.ini | tr '\n' ' ')" "[ce ce-a.example.org] [ce ce-c.example.org] " \
    "the sections of --ce twice"
expect 0 "$PD" --db :memory: sim two.ini

# --events: ce-b's outage (6h to 10h) from the change log, as [event]s
expect 0 "$PD" --db "$SIM" fit --events -o ev.ini
unchanged "fit --events"
same "$(grep -c '^\[event ' ev.ini)" 2 "[event] sections"
same "$(sed -n '/^\[event change-1\]/,/^$/p' ev.ini | grep = | tr '\n' ' ')" \
    "at = 6h ce = ce-b.example.org enabled = false " "the first event"
same "$(sed -n '/^\[event change-2\]/,$p' ev.ini | grep = | tr '\n' ' ')" \
    "at = 10h ce = ce-b.example.org enabled = true " "the second event"
# at the window's start ce-b was enabled: its section does not disable it
same "$(sed -n '/^\[ce ce-b/,/^$/p' ev.ini | grep -c '^enabled')" 0 "ce-b's enabled key"
# sim plays them: ce-b is off at 8h, on again at the end
expect 0 "$PD" --db :memory: sim ev.ini --until 8h --json
jq_is "$out" '[.ces[] | select(.name == "ce-b.example.org") | .enabled]' '[false]'
expect 0 "$PD" --db :memory: sim ev.ini --json
jq_is "$out" '[.ces[] | select(.name == "ce-b.example.org") | .enabled]' '[true]'
# without --events: no event
same "$(grep -c '^\[event ' f.ini)" 0 "[event] sections without --events"

# -- bad input: a clear message, a non-zero status, nothing written -------------------
before=$(listing)
save "$SIM"
refused 1 "the window is empty: it starts at 3d 00:00:00, after the history's last time" \
    "$PD" --db "$SIM" fit --since 3d -o bad.ini
refused 1 "the window is 500 ms long; a scenario lasts at least a second" \
    "$PD" --db "$SIM" fit --since 3600 --until 3600.5 -o bad.ini
refused 2 "--until 1h is not after --since 2h: the window is empty" \
    "$PD" --db "$SIM" fit --since 2h --until 1h -o bad.ini
refused 2 "--since: '2026-12-01T00:00:00Z' is not a time of this simulated database" \
    "$PD" --db "$SIM" fit --since 2026-12-01T00:00:00Z -o bad.ini
refused 1 "no CE named 'ce-nowhere'" "$PD" --db "$SIM" fit --ce ce-a.example.org \
    --ce ce-nowhere -o bad.ini
refused 2 "--min-pilots: 0 is out of range" "$PD" --db "$SIM" fit --min-pilots 0 -o bad.ini
refused 2 "--min-pilots: 'many' is not" "$PD" --db "$SIM" fit --min-pilots many -o bad.ini
refused 2 "--json prints the report; -o writes the scenario: give one" \
    "$PD" --db "$SIM" fit -o bad.ini --json
refused 1 "cannot create a file next to '$work/nowhere/f.ini'" \
    "$PD" --db "$SIM" fit -o "$work/nowhere/f.ini"
refused 1 "next to '$work/f.ini/x.ini'" "$PD" --db "$SIM" fit -o "$work/f.ini/x.ini"
refused 2 "fit: -o $SIM is the database being fitted; write the scenario to another file" \
    "$PD" --db "$SIM" fit -o "$SIM"
ln -s sim.db link.db && before=$(listing)
refused 2 "fit: -o link.db is the database being fitted" "$PD" --db "$SIM" fit -o link.db
if [ "$(id -u)" -ne 0 ]; then # (root writes anywhere)
    mkdir ro && chmod 555 ro && before=$(listing)
    refused 1 "next to 'ro/f.ini'" "$PD" --db "$SIM" fit -o ro/f.ini
    same "$(ls -A ro)" "" "files in a read-only directory"
    chmod 755 ro && rmdir ro && before=$(listing)
fi
refused 1 "no pilot ended in the window" "$PD" --db "$SIM" fit --until 1s -o bad.ini
refused 2 "unexpected argument" "$PD" --db "$SIM" fit extra -o bad.ini
unchanged "refused fits"
nothing_new "refused fits"
same "$(cat f.ini)" "$(printf '%s' "$json" | jq -r .scenario)" "f.ini after refusals"
# a refused -o leaves an existing file as it was
save f.ini
refused 1 "no CE named 'ce-nowhere'" "$PD" --db "$SIM" fit --ce ce-nowhere -o f.ini
unchanged "a refused fit -o over an existing file"

# a missing database file: refused, not created
refused 1 "cannot open database '$work/none.db'" "$PD" --db "$work/none.db" fit -o bad.ini
[ ! -e "$work/none.db" ] && ok || bad "fit created the missing database"
nothing_new "fit of a missing database"

# a database with CEs and no pilot
expect 0 "$PD" init
expect 0 "$PD" ce add ce-w --capacity 5 --success-rate 0.9
expect 0 "$PD" ce add ce-v --capacity 2 --success-rate 0.5
before=$(listing)
save
refused 1 "fit: the database has no pilot" "$PD" fit -o bad.ini
refused 1 "fit: the database has no pilot" "$PD" fit --json
unchanged "fit of a database without pilots"
nothing_new "fit of a database without pilots"

# -- a wall-clock history through ingest, with exact counts --------------------------
# ce-w: p1, p2, p7 done; p3 fails running; p4 fails before it starts;
# p5 still runs and p6 still waits at the end (12:00, p7's end).
line() { # line REF STATUS AT [EXTRA]
    printf '{"ref": "%s", "ce": "ce-w", "status": "%s", "at": "2026-12-01T%sZ"%s}\n' \
        "$1" "$2" "$3" "${4:-}"
}
{
    line p1 submitted 10:00:00; line p2 submitted 10:00:00
    line p3 submitted 10:00:00; line p4 submitted 10:00:00
    line p3 running 10:05:00;   line p1 running 10:10:00
    line p2 running 10:20:00;   line p4 failed 10:30:00 ', "started": false'
    line p7 submitted 10:30:00; line p3 failed 10:35:00
    line p7 running 10:40:00;   line p5 submitted 11:00:00
    line p1 done 11:10:00;      line p5 running 11:30:00
    line p2 done 11:50:00;      line p6 submitted 11:55:00
    line p7 done 12:00:00
} >wall.jsonl
expect 0 "$PD" ingest wall.jsonl
has "$out" "7 pilots new"
save
expect 0 "$PD" fit --json --ce ce-w --min-pilots 1
w=$out
jq_is "$w" '[.clock, .since_s, .until_s, .since_at, .until_at]' '["wall",1796119200,1796126400.001,"2026-12-01T10:00:00.000Z","2026-12-01T12:00:00.001Z"]'
jq_is "$w" '[.ended, .failed, .fail_before_start]' '[5,2,0.5]'
jq_is "$w" '.ces[0] | [.name, .submitted, .ended_own]' '["ce-w",7,5]'
# 4 bursts are too few to be periodic: arrivals, with their rates
jq_is "$w" '.submission | [.policy, .bursts]' '["arrivals",4]'
has_keys "$w" '.ces[0]' arrival_rate accepted_rate saturated
jq_is "$w" '.ces[0].success_rate | [.done, .ended, .source]' '[3,5,"own"]'
# queue: p1 10m, p2 20m, p3 5m, p4 30m (a failure before start waited it
# all), p5 30m, p7 10m exact; p6 censored at 5m
jq_is "$w" '.ces[0].queue_time | [.exact, .censored, .left_out]' '[6,1,0]'
# run: p1 1h, p2 90m, p7 80m exact; p3 stopped at 30m; p5 censored at 30m
jq_is "$w" '.ces[0].run_time | [.exact, .censored, .stopped, .left_out]' '[3,1,1,0]'
jq_is "$w" '.ces[0].accepted_rate * 7200001 / 3600000 | round' 7
# the default --min-pilots 30: pooled over every CE (ce-v has no pilot)
expect 0 "$PD" fit --json
jq_is "$out" '[.ces[] | [.name, .ended_own, .success_rate.source, .run_time.source]]' \
    '[["ce-v",0,"all","all"],["ce-w",5,"all","all"]]'
expect 0 "$PD" fit
has "$out" "window      2026-12-01T10:00:00Z to 2026-12-01T12:00:00Z (2.00 hours)"
has "$out" "only 5 ended pilots of its own"
expect 0 "$PD" fit -o wall.ini
has "$(cat wall.ini)" "pooled over every CE"
expect 0 "$PD" --db :memory: sim wall.ini
before=$(listing)
# the first hour: two failures, nothing done, no complete run
expect 0 "$PD" fit --json --ce ce-w --min-pilots 1 --until 2026-12-01T11:00:00Z
jq_is "$out" '[.ended, .failed, .ces[0].success_rate.done]' '[2,2,0]'
jq_is "$out" '.ces[0].queue_time | [.exact, .censored]' '[5,0]'
jq_is "$out" '.ces[0].run_time | [.family, .why]' '[null,"no complete observation"]'
# a window after the history, and one in which no pilot ended
refused 1 "the window is empty: it starts at 2026-12-02T00:00:00Z, after the history's last time 2026-12-01T12:00:00Z" \
    "$PD" fit --since 2026-12-02 -o bad.ini
refused 1 "no pilot ended in the window" "$PD" fit --until 2026-12-01T10:30:00Z -o bad.ini
unchanged "fits of the wall-clock database"
nothing_new "fits of the wall-clock database"

# unknown and observed times: p8's start is unknown (submitted, then done),
# p9's submission (first seen running, at an observed time)
{
    line p8 submitted 10:00:00; line p9 running 10:15:00 ', "observed": true'
    line p9 done 11:15:00;      line p8 done 11:30:00
} >unknown.jsonl
expect 0 "$PD" ingest unknown.jsonl
has "$out" "2 pilots new"
expect 0 "$PD" fit --json --ce ce-w --min-pilots 1
jq_is "$out" '[.ended, .failed, .ces[0].success_rate.done]' '[7,2,5]'
jq_is "$out" '.ces[0].queue_time | [.exact, .censored, .left_out, .observed_share]' '[6,1,2,0]'
jq_is "$out" '.ces[0].run_time | [.exact, .censored, .stopped, .left_out]' '[4,1,1,1]'
jq_is "$out" '.ces[0].run_time.observed_share * 6 | round' 1
expect 0 "$PD" fit --ce ce-w --min-pilots 1
has "$out" "6 exact, 1 censored; 2 left out (submission or start unknown)"
has "$out" "4 exact, 1 censored, 1 stopped by a failure; 1 left out (start unknown); 16.7 % on observed times"

finish
