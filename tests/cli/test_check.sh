#!/bin/sh
# End-to-end tests of `pilotdeck check`, the Nagios / Icinga plugin: every
# state with its exit status (OK 0, WARNING 1, CRITICAL 2, UNKNOWN 3, bad
# arguments included), exact text and perfdata for a database of known
# pilots at known times, selections, idle efficiency, staleness, outside
# names that must not break the line, and the Monitoring Plugins line and
# perfdata syntax of every output checked by a regular expression.
# Usage: test_check.sh PATH/TO/pilotdeck SOURCE_DIR
set -u
PD=${1:?usage: test_check.sh PATH/TO/pilotdeck SOURCE_DIR}
SRC=${2:?usage: test_check.sh PATH/TO/pilotdeck SOURCE_DIR}
cli_name=check
. "$(dirname "$0")/common.sh"

# -- help ----------------------------------------------------------------------------------
expect 0 "$PD" check --help
has "$out" "usage: pilotdeck [--db PATH] check [--ce NAME | --site NAME] [--window TIME]"
has "$out" "Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN"
expect 0 "$PD" --help;      has "$out" "check "

# check STATUS ARGS...: run `pilotdeck ARGS...`, want exit STATUS, one line
# on stdout and nothing on stderr; the line (its age made AGE) in $got, and
# kept for the syntax check at the end.
check() {
    want=$1; shift
    expect "$want" "$PD" "$@"
    got=$(printf '%s' "$out" | sed "s/'age'=[0-9]*s/'age'=AGEs/")
    printf '%s\n' "$out" >>lines.txt
    [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && ok || bad "'$*' printed more than a line"
    same "$err" "" "stderr of '$*'"
}

# -- UNKNOWN: bad arguments and a database that cannot be read ----------------------------
check 3 check
has "$got" "PILOTDECK UNKNOWN: cannot open database '$work/t.db':"
expect 0 "$PD" init
check 3 check --frob
same "$got" "PILOTDECK UNKNOWN: unknown option '--frob' (see 'pilotdeck check --help')" "--frob"
check 3 check -x;                 has "$got" "PILOTDECK UNKNOWN: unknown option '-x'"
# before the command too: a plugin's every bad argument is UNKNOWN
check 3 --bogus check;            same "$got" "PILOTDECK UNKNOWN: unknown option '--bogus' (see 'pilotdeck --help')" "--bogus check"
check 3 --db= check;              same "$got" "PILOTDECK UNKNOWN: --db needs a path" "--db= check"
expect 2 "$PD" --bogus summary;   has "$err" "unknown option '--bogus'"
check 3 check --warn-free
same "$got" "PILOTDECK UNKNOWN: option '--warn-free' needs a value" "missing value"
check 3 check --warn-free 2x
same "$got" "PILOTDECK UNKNOWN: --warn-free: '2x' is not a whole number" "bad number"
check 3 check --crit-free -1;     has "$got" "--crit-free: -1 is out of range"
check 3 check --warn-efficiency 101%
same "$got" "PILOTDECK UNKNOWN: --warn-efficiency: 101 is out of range [0, 100]" "101%"
check 3 check --crit-efficiency high; has "$got" "--crit-efficiency: 'high' is not a number"
check 3 check --stale soon
same "$got" "PILOTDECK UNKNOWN: --stale: 'soon' is not a duration like 15m, 2h or 1d" "--stale soon"
check 3 check --stale 0m;         has "$got" "--stale: '0m' is not a duration"
check 3 check --window 1m;        has "$got" "PILOTDECK UNKNOWN: --window: 1m is out of range"
check 3 check --ce a --site b
same "$got" "PILOTDECK UNKNOWN: give --ce or --site, not both" "--ce and --site"
check 3 check extra;              same "$got" "PILOTDECK UNKNOWN: unexpected argument 'extra'" "argument"
check 3 check --ce nowhere;       same "$got" "PILOTDECK UNKNOWN: no CE named 'nowhere'" "--ce"
check 3 check --site nowhere;     same "$got" "PILOTDECK UNKNOWN: no CE of site 'nowhere'" "--site"
echo "not a database" >junk.db
check 3 --db "$work/junk.db" check; has "$got" "PILOTDECK UNKNOWN: cannot open database"

# -- an empty database: OK without thresholds; nothing ever changed ------------------------
check 0 check
same "$got" "PILOTDECK OK: 0 free slots of 0; efficiency idle over 1h (0 ended, fewer than 10); 0 CEs | 'free_slots'=0;;;0;0 'capacity'=0;;;0; 'submitted'=0;;;0; 'running'=0;;;0; 'efficiency'=U;;;0;100 'ended'=0;;;0; 'age'=U;;;0;" \
    "an empty database"
check 2 check --stale 1h;         has "$got" "PILOTDECK CRITICAL: no pilot change recorded (--stale 1h);"

# -- a database of known pilots ------------------------------------------------------------
# SITE-1: ce-a (capacity 10) 8 done and 2 failed in the last hour, one
# waiting, one running; ce-b (capacity 4) 4 done and 6 failed, one running
# (10 ended each: no fewer than an Idle CE has).
# SITE-2: ce-c (capacity 3, disabled) 2 failed: idle.  The last change
# (ce-a's running pilot) 300 s ago.
{
    for i in 1 2 3 4 5 6 7; do record_ago a$i ce-a submitted 3000 ', "site": "SITE-1"'; done
    for i in 1 2 3 4; do record_ago a$i ce-a done 600; done
    record_ago a5 ce-a failed 500
    record_ago a7 ce-a running 300
    for i in 1 2 3 4 5 6; do record_ago b$i ce-b submitted 3000 ', "site": "SITE-1"'; done
    record_ago b1 ce-b done 700; record_ago b2 ce-b done 700
    record_ago b3 ce-b failed 700; record_ago b4 ce-b failed 700; record_ago b5 ce-b failed 700
    record_ago b6 ce-b running 2000
    for i in 11 12 13 14; do record_ago a$i ce-a submitted 3000; record_ago a$i ce-a done 600; done
    record_ago a15 ce-a submitted 3000; record_ago a15 ce-a failed 500
    for i in 11 12; do record_ago b$i ce-b submitted 3000; record_ago b$i ce-b done 700; done
    for i in 13 14 15; do record_ago b$i ce-b submitted 3000; record_ago b$i ce-b failed 700; done
    record_ago c1 ce-c submitted 2000 ', "site": "SITE-2"'; record_ago c1 ce-c failed 1000
    record_ago c2 ce-c submitted 2000 ', "site": "SITE-2"'; record_ago c2 ce-c failed 1000
} >known.jsonl
expect 0 "$PD" ingest --add-ces known.jsonl
expect 0 "$PD" ce set ce-a --capacity 10
expect 0 "$PD" ce set ce-b --capacity 4
expect 0 "$PD" ce set ce-c --capacity 3 --disable
PERF="'capacity'=14;;;0; 'submitted'=1;;;0; 'running'=2;;;0;"

# OK: no threshold, and thresholds not crossed (fewer than: 11 is not < 11).
save
check 0 check
unchanged "check"
same "$got" "PILOTDECK OK: 11 free slots of 14 (fewest: ce-b 3); efficiency 54.5% over 1h (lowest: ce-b 40.0%); 3 CEs (1 disabled) | 'free_slots'=11;;;0;14 $PERF 'efficiency'=54.55%;;;0;100 'ended'=22;;;0; 'age'=AGEs;;;0;" \
    "OK without thresholds"
age=$(printf '%s' "$out" | sed "s/.*'age'=\([0-9]*\)s.*/\1/")
[ "$age" -ge 300 ] && [ "$age" -lt 400 ] && ok || bad "age $age, wanted 300 s and a little"
check 0 check --warn-free 11 --crit-free 5 --warn-efficiency 50 --crit-efficiency 40%
same "$got" "PILOTDECK OK: 11 free slots of 14 (fewest: ce-b 3); efficiency 54.5% over 1h (lowest: ce-b 40.0%); 3 CEs (1 disabled) | 'free_slots'=11;11:;5:;0;14 $PERF 'efficiency'=54.55%;50:;40:;0;100 'ended'=22;;;0; 'age'=AGEs;;;0;" \
    "OK within thresholds"

# WARNING and CRITICAL on free slots.
check 1 check --warn-free 12
same "$got" "PILOTDECK WARNING: 11 free slots of 14, fewer than 12 (fewest: ce-b 3); efficiency 54.5% over 1h (lowest: ce-b 40.0%); 3 CEs (1 disabled) | 'free_slots'=11;12:;;0;14 $PERF 'efficiency'=54.55%;;;0;100 'ended'=22;;;0; 'age'=AGEs;;;0;" \
    "WARNING on free slots"
check 2 check --warn-free 20 --crit-free 12
has "$got" "PILOTDECK CRITICAL: 11 free slots of 14, fewer than 12 (fewest: ce-b 3);"
has "$got" "'free_slots'=11;20:;12:;0;14 "

# WARNING and CRITICAL on efficiency: the alerting clause comes first.
check 1 check --warn-efficiency 60
same "$got" "PILOTDECK WARNING: efficiency 54.5% over 1h, below 60% (lowest: ce-b 40.0%); 11 free slots of 14 (fewest: ce-b 3); 3 CEs (1 disabled) | 'free_slots'=11;;;0;14 $PERF 'efficiency'=54.55%;60:;;0;100 'ended'=22;;;0; 'age'=AGEs;;;0;" \
    "WARNING on efficiency"
check 2 check --warn-efficiency 90 --crit-efficiency 55%
has "$got" "PILOTDECK CRITICAL: efficiency 54.5% over 1h, below 55% (lowest: ce-b 40.0%);"
has "$got" "'efficiency'=54.55%;90:;55:;0;100 "
# Both: CRITICAL first, then WARNING, then what is fine.
check 2 check --crit-free 12 --warn-efficiency 60 --stale 1h
has "$got" "PILOTDECK CRITICAL: 11 free slots of 14, fewer than 12 (fewest: ce-b 3); efficiency 54.5% over 1h, below 60% (lowest: ce-b 40.0%); last pilot change 0:0"

# Staleness (CRITICAL): the last change was 300 s ago.
check 2 check --stale 2m
has "$got" "PILOTDECK CRITICAL: last pilot change 0:05:"
has "$got" " ago, longer than 2m; 11 free slots"
has "$got" "'age'=AGEs;;120;0;"
check 0 check --stale 1h;         has "$got" "PILOTDECK OK: 11 free slots of 14"
has "$got" "; last pilot change 0:0"; has "$got" "'age'=AGEs;;3600;0;"

# Selections: a site, a CE, an idle CE that never alerts on efficiency.
check 1 check --site SITE-1 --warn-efficiency 61
same "$got" "PILOTDECK WARNING: efficiency 60.0% over 1h, below 61% (lowest: ce-b 40.0%); 11 free slots of 14 (fewest: ce-b 3); 2 CEs of site SITE-1 | 'free_slots'=11;;;0;14 $PERF 'efficiency'=60.00%;61:;;0;100 'ended'=20;;;0; 'age'=AGEs;;;0;" \
    "--site SITE-1"
check 1 check --ce ce-a --warn-efficiency 85 --crit-efficiency 80
same "$got" "PILOTDECK WARNING: efficiency 80.0% over 1h, below 85%; 8 free slots of 10; CE ce-a | 'free_slots'=8;;;0;10 'capacity'=10;;;0; 'submitted'=1;;;0; 'running'=1;;;0; 'efficiency'=80.00%;85:;80:;0;100 'ended'=10;;;0; 'age'=AGEs;;;0;" \
    "--ce ce-a"
check 0 check --ce ce-c --warn-efficiency 99 --crit-efficiency 99
same "$got" "PILOTDECK OK: 0 free slots of 0; efficiency idle over 1h (2 ended, fewer than 10); CE ce-c (1 disabled) | 'free_slots'=0;;;0;0 'capacity'=0;;;0; 'submitted'=0;;;0; 'running'=0;;;0; 'efficiency'=U;99:;99:;0;100 'ended'=2;;;0; 'age'=AGEs;;;0;" \
    "an idle CE"
# A window of 5 minutes holds no ended pilot: idle everywhere.
check 0 check --window 5m --crit-efficiency 99
has "$got" "efficiency idle over 5m (0 ended, fewer than 10);"

# -- a simulation: virtual times, so --stale cannot be judged -------------------------------
SIM=$work/sim.db
expect 0 "$PD" --db "$SIM" sim "$SRC/scenarios/outage.ini" --until 1h
check 0 --db "$SIM" check
has "$got" "PILOTDECK OK: "
case "$got" in *"'age'"*) bad "age on a simulation: $got" ;; *) ok ;; esac
check 3 --db "$SIM" check --stale 1h
same "$got" "PILOTDECK UNKNOWN: --stale needs a wall-clock database; this one holds a simulation (virtual times)" \
    "--stale on a simulation"

# -- outside names: a '|' would start the perfdata early ------------------------------------
{
    record_ago p1 'p|q' running 100 ', "site": "s|t"'
    record_ago p2 'p|r' running 100 ', "site": "s|t"'
} >pipes.jsonl
expect 0 "$PD" --db "$work/pipes.db" ingest --add-ces pipes.jsonl
check 0 --db "$work/pipes.db" check --site 's|t'
same "$got" 'PILOTDECK OK: 0 free slots of 2 (fewest: p\x7cq 0, p\x7cr 0); efficiency idle over 1h (0 ended, fewer than 10); 2 CEs of site s\x7ct'" | 'free_slots'=0;;;0;2 'capacity'=2;;;0; 'submitted'=0;;;0; 'running'=2;;;0; 'efficiency'=U;;;0;100 'ended'=0;;;0; 'age'=AGEs;;;0;" \
    "names with '|'"

# ... nor would control characters and bytes that are not UTF-8 (a database
# written by other means): the text \xNN.
if command -v sqlite3 >/dev/null 2>&1; then
    cp "$work/pipes.db" odd.db
    sqlite3 odd.db "UPDATE ce SET name = 'p' || char(10) || CAST(X'FF' AS TEXT) || char(27)
                    WHERE name = 'p|r'"
    check 0 --db "$work/odd.db" check
    has "$got" 'PILOTDECK OK: 0 free slots of 2 (fewest: p\x0a\xff\x1b 0, p\x7cq 0);'
else
    echo "SKIP: sqlite3 not installed: names with control characters not tested"
fi

# -- every line in the Monitoring Plugins syntax ----------------------------------------------
# 'label'=value[UOM];warn;crit;min;max, warn and crit as Nagios ranges
# (check writes all five fields, though the guidelines let trailing ones go).
NUM='-?[0-9]+(\.[0-9]+)?'
RANGE="@?(~|$NUM)?(:($NUM)?)?"
PERFRE="'[^'=]+'=($NUM|U)(%|s|ms|us|B|KB|MB|GB|TB|c)?;$RANGE;$RANGE;($NUM)?;($NUM)?"
LINERE="^PILOTDECK (OK|WARNING|CRITICAL|UNKNOWN): [^|]+( \| $PERFRE( $PERFRE)*)?\$"
[ "$(wc -l <lines.txt)" -ge 30 ] && ok || bad "only $(wc -l <lines.txt) lines checked"
same "$(grep -Evc "$LINERE" lines.txt)" 0 "lines not in the plugin syntax: $(grep -Ev "$LINERE" lines.txt)"
# ... and the state word agrees with no other: UNKNOWN lines carry no perfdata.
same "$(grep -c '^PILOTDECK UNKNOWN: .*|' lines.txt)" 0 "UNKNOWN lines with perfdata"
# The expression itself refuses what it should.
for wrong in "PILOTDECK OK: x | free=1;;;0;" "PILOTDECK OK: x | 'a b'=1,5;;;0;" \
             "PILOTDECK FINE: x" "PILOTDECK OK: x | 'a'=;;;0;" \
             "PILOTDECK OK: a | b | 'c'=1;;;0;" "PILOTDECK OK: x | 'a'=1;5;;0;x"; do
    printf '%s\n' "$wrong" | grep -Eq "$LINERE" && bad "the syntax takes: $wrong" || ok
done

finish
