#!/bin/sh
# End-to-end tests of `pilotdeck metrics`: the exact exposition of a
# database of known pilots at known times (wall clock), label values that
# need escaping, idle efficiency, the figures of `top --once --json` for the
# same window, promtool's verdict when it is installed, and --textfile:
# refusals that write nothing, a file that appears whole, a failed write
# that leaves the old one.
# Usage: test_metrics.sh PATH/TO/pilotdeck SOURCE_DIR
set -u
PD=${1:?usage: test_metrics.sh PATH/TO/pilotdeck SOURCE_DIR}
SRC=${2:?usage: test_metrics.sh PATH/TO/pilotdeck SOURCE_DIR}
cli_name=metrics
. "$(dirname "$0")/common.sh"

# samples: the output without its HELP and TYPE lines.
samples() { printf '%s\n' "$1" | grep -v '^#'; }

# -- help and refusals ----------------------------------------------------------------
expect 0 "$PD" metrics --help
has "$out" "usage: pilotdeck [--db PATH] metrics [--window TIME] [--textfile DIR]"
expect 0 "$PD" --help;                 has "$out" "metrics "
expect 1 "$PD" metrics;                has "$err" "cannot open database"
expect 2 "$PD" metrics --frob;         has "$err" "unknown option '--frob'"
expect 2 "$PD" metrics --window 1m;    has "$err" "--window: 1m is out of range [5m, 7d]"
expect 2 "$PD" metrics extra;          has "$err" "unexpected argument 'extra'"

# -- a database of known pilots ------------------------------------------------------------
# ce-a (site SITE-1, capacity 10): 8 done and 2 failed in the last hour, 2
# done a day ago, one waiting, one running.  The CE named with a quote, a
# backslash and a non-ASCII letter (site likewise): one running pilot, idle.
# ce-c (capacity 3, disabled): 2 failed in the last hour, idle (fewer than 10).
Q='ce \"q\\ é'          # as JSON writes it: ce "q\ é
QS='lab \"x\"\\y'        # lab "x"\y
{
    for i in 1 2 3 4 5 6 7; do record_ago a$i ce-a submitted 3000 ', "site": "SITE-1"'; done
    for i in 1 2 3 4; do record_ago a$i ce-a done 600; done
    record_ago a5 ce-a failed 500
    for i in 11 12 13 14; do record_ago a$i ce-a submitted 3000; record_ago a$i ce-a done 600; done
    record_ago a15 ce-a submitted 3000; record_ago a15 ce-a failed 500
    record_ago a7 ce-a running 2000
    record_ago a8 ce-a submitted 90000; record_ago a8 ce-a done 80000
    record_ago a9 ce-a submitted 90000; record_ago a9 ce-a done 80000
    record_ago b1 "$Q" submitted 400 ", \"site\": \"$QS\""
    record_ago b1 "$Q" running 300
    record_ago c1 ce-c submitted 2000; record_ago c1 ce-c failed 1000
    record_ago c2 ce-c submitted 2000; record_ago c2 ce-c failed 1000
} >known.jsonl
expect 0 "$PD" init
expect 0 "$PD" ingest --add-ces known.jsonl
expect 0 "$PD" ce set ce-a --capacity 10
expect 0 "$PD" ce set ce-c --capacity 3 --disable

save
expect 0 "$PD" metrics
unchanged "metrics"
printf '%s\n' "$out" >metrics.txt
E='ce="ce \"q\\ é",site="lab \"x\"\\y"'   # the escaped labels
A='ce="ce-a",site="SITE-1"' C='ce="ce-c",site=""'
same "$(samples "$out")" "pilotdeck_ce_capacity_slots{$E} 1
pilotdeck_ce_capacity_slots{$A} 10
pilotdeck_ce_capacity_slots{$C} 3
pilotdeck_ce_enabled{$E} 1
pilotdeck_ce_enabled{$A} 1
pilotdeck_ce_enabled{$C} 0
pilotdeck_ce_submitted_pilots{$E} 0
pilotdeck_ce_submitted_pilots{$A} 1
pilotdeck_ce_submitted_pilots{$C} 0
pilotdeck_ce_running_pilots{$E} 1
pilotdeck_ce_running_pilots{$A} 1
pilotdeck_ce_running_pilots{$C} 0
pilotdeck_ce_free_slots{$E} 0
pilotdeck_ce_free_slots{$A} 8
pilotdeck_ce_free_slots{$C} 0
pilotdeck_ce_window_done_pilots{$E} 0
pilotdeck_ce_window_done_pilots{$A} 8
pilotdeck_ce_window_done_pilots{$C} 0
pilotdeck_ce_window_failed_pilots{$E} 0
pilotdeck_ce_window_failed_pilots{$A} 2
pilotdeck_ce_window_failed_pilots{$C} 2
pilotdeck_ce_efficiency_ratio{$A} 0.8
pilotdeck_ce_pilots_done_total{$E} 0
pilotdeck_ce_pilots_done_total{$A} 10
pilotdeck_ce_pilots_done_total{$C} 0
pilotdeck_ce_pilots_failed_total{$E} 0
pilotdeck_ce_pilots_failed_total{$A} 2
pilotdeck_ce_pilots_failed_total{$C} 2
pilotdeck_efficiency_window_seconds 3600
pilotdeck_last_change_timestamp_seconds $((now - 300))" "samples over 1h"
# HELP and TYPE once per family, before its samples; the counters are counters.
same "$(grep -c '^# HELP ' metrics.txt)" 12 "HELP lines"
same "$(grep -c '^# TYPE ' metrics.txt)" 12 "TYPE lines"
same "$(grep '^# TYPE' metrics.txt | awk '{print $3}' | sort | uniq -d)" "" "families twice"
same "$(grep ' counter$' metrics.txt)" "# TYPE pilotdeck_ce_pilots_done_total counter
# TYPE pilotdeck_ce_pilots_failed_total counter" "counters"
has "$(cat metrics.txt)" "# HELP pilotdeck_ce_efficiency_ratio Share of the pilots ended inside the window that ended done; no sample when fewer than 10 ended (idle).
# TYPE pilotdeck_ce_efficiency_ratio gauge
pilotdeck_ce_efficiency_ratio{$A} 0.8"
# The same bytes again: the order is fixed.
expect 0 "$PD" metrics;   same "$out" "$(cat metrics.txt)" "a second run"

# A wider window takes in the two done a day ago: 10 of 12.
expect 0 "$PD" metrics --window 1d
has "$out" "pilotdeck_ce_window_done_pilots{$A} 10"
has "$out" "pilotdeck_ce_efficiency_ratio{$A} 0.833333333333333"
has "$out" "pilotdeck_efficiency_window_seconds 86400"

# The dashboard's figures for the same window.
if command -v jq >/dev/null 2>&1; then
    for window in 1h 1d; do
        expect 0 "$PD" metrics --window $window;      metrics=$out
        expect 0 "$PD" top --once --json --window $window
        printf '%s\n' "$out" | jq -r '.ces[] |
            "pilotdeck_ce_free_slots{ce=\"\(.name)\"} \(.available_slots)",
            "pilotdeck_ce_window_done_pilots{ce=\"\(.name)\"} \(.in_window.done)",
            "pilotdeck_ce_window_failed_pilots{ce=\"\(.name)\"} \(.in_window.failed)"' >top.txt
        same "$(samples "$metrics" | grep -E '_(free_slots|window_(done|failed)_pilots)\{' |
                sed 's/,site="[^"]*\(\\"[^"]*\)*"//; s/\\"/"/g; s/\\\\/\\/g' | sort)" \
             "$(sort top.txt)" "metrics and top --json over $window"
    done
else
    echo "SKIP: jq not installed: metrics against top --json not compared"
fi

# promtool, the Prometheus tools' own check.
if command -v promtool >/dev/null 2>&1; then
    expect 0 sh -c 'promtool check metrics <"$0"' metrics.txt
    same "$out$err" "" "promtool's complaints"
else
    echo "SKIP: promtool not installed (Debian package prometheus): format not checked by it"
fi

# A database written by other means may hold a name with control characters
# and bytes that are not UTF-8: written as the text \xNN, a line feed as \n.
if command -v sqlite3 >/dev/null 2>&1; then
    cp "$PILOTDECK_DB" odd.db
    sqlite3 odd.db "UPDATE ce SET name = 'bad' || char(9) || 'x' || CAST(X'FF' AS TEXT) ||
                    char(10) || 'y' || char(27) WHERE name = 'ce-a'"
    expect 0 "$PD" --db "$work/odd.db" metrics
    has "$out" 'pilotdeck_ce_capacity_slots{ce="bad\\x09x\\xff\ny\\x1b",site="SITE-1"} 10'
    printf '%s\n' "$out" >odd.txt
    same "$(LC_ALL=C tr -d '\n -~' <odd.txt | LC_ALL=C tr -d '\200-\377' | wc -c)" 0 \
        "control characters in the metrics"
    iconv -f UTF-8 -t UTF-8 odd.txt >/dev/null 2>&1 && ok || bad "metrics not UTF-8"
    if command -v promtool >/dev/null 2>&1; then
        expect 0 sh -c 'promtool check metrics <"$0"' odd.txt
    fi
else
    echo "SKIP: sqlite3 not installed: names with control characters not tested"
fi

# A simulation's times are virtual: no last-change timestamp.
expect 0 "$PD" --db "$work/sim.db" sim "$SRC/scenarios/outage.ini" --until 1h
expect 0 "$PD" --db "$work/sim.db" metrics
case "$out" in *last_change*) bad "a simulation with a wall-clock timestamp" ;; *) ok ;; esac
has "$out" "pilotdeck_ce_pilots_done_total{ce="
# An empty database: the families and no CE sample.
expect 0 "$PD" --db "$work/empty.db" init
expect 0 "$PD" --db "$work/empty.db" metrics
same "$(samples "$out")" "pilotdeck_efficiency_window_seconds 3600" "an empty database"

# -- --textfile ------------------------------------------------------------------------------
mkdir prom
expect 0 "$PD" metrics --textfile "$work/prom"
same "$out$err" "" "output of --textfile"
cmp -s prom/pilotdeck.prom metrics.txt && ok || bad "the textfile differs from stdout"
same "$(ls -A prom)" "pilotdeck.prom" "files in the directory"
# Refusals: clear, non-zero, nothing written.
expect 1 "$PD" metrics --textfile "$work/nowhere"
has "$err" "metrics: --textfile: no directory '$work/nowhere'"
[ -e "$work/nowhere" ] && bad "nowhere created" || ok
expect 1 "$PD" metrics --textfile "$work/metrics.txt"
has "$err" "metrics: --textfile: '$work/metrics.txt' is not a directory"
expect 2 "$PD" metrics --textfile ""
has "$err" "--textfile needs a directory"
if [ "$(id -u)" -ne 0 ]; then
    mkdir locked; chmod 555 locked
    expect 1 "$PD" metrics --textfile "$work/locked"
    has "$err" "metrics: --textfile: cannot write in '$work/locked': Permission denied"
    same "$(ls -A locked)" "" "files in a directory not writable"
else
    echo "SKIP: running as root: a directory not writable is not tested"
fi
# Never over the database being read.
mkdir dbdir; cp "$PILOTDECK_DB" dbdir/pilotdeck.prom
save "$work/dbdir/pilotdeck.prom"
expect 2 "$PD" --db "$work/dbdir/pilotdeck.prom" metrics --textfile "$work/dbdir"
has "$err" "is the database being read"
unchanged "metrics --textfile over the database"
# A database that cannot be read leaves the old file.
save prom/pilotdeck.prom
expect 1 "$PD" --db "$work/missing.db" metrics --textfile "$work/prom"
unchanged "metrics of a missing database"
same "$(ls -A prom)" "pilotdeck.prom" "files after a refusal"

# A write that fails midway (a file size limit of 100 blocks, 50 or 100
# KiB: above the database's shared memory file, 32 KiB, and below the
# metrics of 400 CEs) leaves the old file whole and no temporary file.
i=0
while [ $i -lt 400 ]; do record_ago "m$i" "many-ce-$i" running 100; i=$((i + 1)); done >many.jsonl
MANY=$work/many.db
expect 0 "$PD" --db "$MANY" ingest --add-ces many.jsonl
expect 0 "$PD" --db "$MANY" metrics
[ ${#out} -gt 150000 ] && ok || bad "the metrics of 400 CEs are only ${#out} bytes"
expect 1 sh -c 'ulimit -f 100; trap "" XFSZ; exec "$0" --db "$1" metrics --textfile "$2"' \
    "$PD" "$MANY" "$work/prom"
has "$err" "writing $work/prom/pilotdeck.prom: File too large"
unchanged "metrics past the file size limit"
same "$(ls -A prom)" "pilotdeck.prom" "files after a failed write"

# A success replaces the file by a rename (a new inode), never in place...
inode=$(stat -c %i prom/pilotdeck.prom)
expect 0 "$PD" --db "$MANY" metrics --textfile "$work/prom"
[ "$(stat -c %i prom/pilotdeck.prom)" != "$inode" ] && ok || bad "rewritten in place"
# ... so a reader never sees half a file: read it while it is rewritten.
expect 0 "$PD" --db "$MANY" metrics;      printf '%s\n' "$out" >many.txt
(
    n=0
    while [ $n -lt 20 ]; do
        "$PD" --db "$MANY" metrics --textfile "$work/prom" || exit 1
        n=$((n + 1))
    done
) &
writer=$!
reads=0 torn=0
while kill -0 $writer 2>/dev/null; do
    cmp -s prom/pilotdeck.prom many.txt || torn=$((torn + 1))
    reads=$((reads + 1))
done
wait $writer && ok || bad "a rewrite failed"
same "$torn" 0 "reads of a partial file (of $reads)"
same "$(ls -A prom)" "pilotdeck.prom" "files after the rewrites"

finish
