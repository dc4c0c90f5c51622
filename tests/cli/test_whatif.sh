#!/bin/sh
# End-to-end tests of pilotdeck whatif, sweep and merge: results identical
# whatever --jobs, shards merged into the unsharded report byte for byte
# (text, JSON and CSV), and bad input refused with a clear message, the
# right exit status and nothing written.
# Usage: test_whatif.sh PATH/TO/pilotdeck SOURCE_DIR
set -u
PD=${1:?usage: test_whatif.sh PATH/TO/pilotdeck SOURCE_DIR}
SRC=${2:?usage: test_whatif.sh PATH/TO/pilotdeck SOURCE_DIR}
cli_name=whatif
. "$(dirname "$0")/common.sh"
TUT="$SRC/scenarios/tutorial.ini"
ARR="$SRC/scenarios/arrivals.ini"
same() {
    if cmp -s "$1" "$2"; then ok; else
        bad "$3: $1 and $2 differ:"; diff "$1" "$2" | head -5; fi
}
nothing() { [ -z "$out" ] && ok || bad "wrote to stdout: $out"; }

# -- help ------------------------------------------------------------------------
for c in whatif sweep merge; do
    expect 0 "$PD" $c --help;     has "$out" "usage: pilotdeck $c"
done
expect 0 "$PD" --help;            has "$out" "whatif"

# -- results do not depend on --jobs ----------------------------------------------
SET="ce.ce-flaky.example.org.success_rate=0.8"
expect 0 "$PD" whatif "$TUT" --set "$SET" --replications 4 --jobs 1
cp out whatif.j1
has "$out" "seeds 42 to 45"; has "$out" "SIGNIFICANT"
expect 0 "$PD" whatif "$TUT" --set "$SET" --replications 4 --jobs 3
cp out whatif.j3; same whatif.j1 whatif.j3 "whatif --jobs 1 vs 3"
expect 0 "$PD" whatif "$TUT" --set "$SET" --replications 4 --jobs 2 --json
cp out whatif.json
has "$out" '"metric":"throughput_per_hour"'; has "$out" '"significant":'

# a variant given as a file (the same changes) gives the same numbers
sed 's/^success_rate = 0.6$/success_rate = 0.8/' "$TUT" >variant.ini
expect 0 "$PD" whatif "$TUT" variant.ini --replications 4 --json
sed 's/"variant":"[^"]*"//' out >file.json
sed 's/"variant":"[^"]*"//' whatif.json >set.json
same file.json set.json "VARIANT.ini vs --set"

# -- shards merge into the unsharded report ------------------------------------------
for k in 1 2 3; do
    expect 0 "$PD" whatif "$TUT" --set "$SET" --replications 4 --shard $k/3
    cp out shard$k.jsonl
done
has "$(head -1 shard1.jsonl)" '"pilotdeck_study":3'
expect 0 "$PD" merge shard3.jsonl shard1.jsonl shard2.jsonl
cp out merged; same whatif.j1 merged "merged what-if"
expect 0 "$PD" merge shard2.jsonl shard1.jsonl shard3.jsonl --json
cp out merged.json; same whatif.json merged.json "merged what-if JSON"

VARY="ce.ce-flaky.example.org.capacity=10..30:10"
expect 0 "$PD" sweep "$TUT" --vary "$VARY" --replications 3 --jobs 2 --csv sweep.csv
cp out sweep.txt
has "$out" "Sweep: ce.ce-flaky.example.org.capacity"; has "$out" "o the mean"
[ "$(wc -l <sweep.csv)" -eq $((1 + 3 * 3 * 6)) ] && ok || bad "sweep.csv has $(wc -l <sweep.csv) lines"
for k in 1 2; do
    expect 0 "$PD" sweep "$TUT" --vary "$VARY" --replications 3 --shard $k/2
    cp out sweep$k.jsonl
done
expect 0 "$PD" merge sweep1.jsonl sweep2.jsonl --csv merged.csv
cp out merged-sweep.txt
same sweep.txt merged-sweep.txt "merged sweep"; same sweep.csv merged.csv "merged sweep CSV"
# durations: values with units
expect 0 "$PD" sweep "$ARR" --vary scenario.warmup=1h..3h:1h --replications 2 --jobs 2
has "$out" "2h |"

# a plot through gnuplot (installed by scripts/install-deps), the same again
if command -v gnuplot >/dev/null 2>&1; then
    expect 0 "$PD" merge sweep2.jsonl sweep1.jsonl --plot sweep.svg --metric done
    has "$(head -3 sweep.svg)" "<svg"; has "$(cat sweep.svg)" "done (total)"
    expect 0 "$PD" sweep "$TUT" --vary "$VARY" --replications 3 --plot again.svg --metric done
    same sweep.svg again.svg "plot of the merged and of the unsharded sweep"
else
    echo "test_whatif.sh: gnuplot not installed, plots not tested"
fi

# -- bad input: a clear message, exit 2 (usage) or 1 (refused), nothing written -------
expect 2 "$PD" whatif "$TUT" --set ce.ce-flaky.example.org.colour=red
has "$err" "unknown CE key 'colour'"; nothing
expect 2 "$PD" whatif "$TUT" --set ce.nowhere.capacity=+50%
has "$err" "no CE named 'nowhere'"
expect 2 "$PD" whatif "$TUT" --set scenario.speed=3
has "$err" "unknown key 'scenario.speed'"
expect 2 "$PD" whatif "$TUT" --set ce.ce-flaky.example.org.capacity=lots
has "$err" "is not a whole number"
expect 2 "$PD" whatif "$TUT" --set capacity
has "$err" "is not KEY=VALUE"
# one sign at most, for durations as for numbers
expect 2 "$PD" whatif "$TUT" --set scenario.cycle=++1m
has "$err" "'++1m' is not a duration"; nothing
expect 2 "$PD" whatif "$TUT" --set scenario.max_per_cycle=++1
has "$err" "'++1'"; nothing
# a sweep point is absolute: no hint at percentages
expect 2 "$PD" sweep "$TUT" --vary 'ce.*.run_time=30m..60m:30m' --replications 2
has "$err" "unknown distribution '30m'"
case "$err" in *"change in percent"*) bad "sweep hints at percentages: $err" ;; *) ok ;; esac
expect 2 "$PD" whatif "$TUT";                  has "$err" "not neither"
expect 2 "$PD" whatif "$TUT" variant.ini --set "$SET"; has "$err" "not both"
expect 2 "$PD" whatif;                         has "$err" "missing BASE.ini"
expect 1 "$PD" whatif nowhere.ini --set "$SET"; has "$err" "nowhere.ini"
expect 2 "$PD" whatif "$TUT" --set "$SET" --replications 1
has "$err" "at least 2 replications"
expect 2 "$PD" whatif "$TUT" --set "$SET" --replications many
has "$err" "not a whole number"
expect 2 "$PD" whatif "$TUT" --set "$SET" --jobs 0;   has "$err" "--jobs"
expect 2 "$PD" whatif "$TUT" --set "$SET" --seed -1
has "$err" "whatif: --seed: -1 is out of range"; nothing
expect 2 "$PD" whatif "$TUT" --set "$SET" --seed 4x
has "$err" "whatif: --seed: '4x' is not a whole number"; nothing
expect 2 "$PD" whatif "$TUT" variant.ini extra.ini
has "$err" "unexpected argument 'extra.ini'"; nothing
for spec in 0/3 4/3 3 a/b 1/0 -1/2 "1/2x"; do
    expect 2 "$PD" whatif "$TUT" --set "$SET" --shard "$spec"
    has "$err" "is not K/N"; nothing
done
expect 2 "$PD" whatif "$TUT" --set "$SET" --shard 1/2 --json; has "$err" "give --json"
expect 2 "$PD" whatif "$TUT" --set "$SET" --seed 9223372036854775806 --replications 3
has "$err" "beyond 2^63-1"
expect 2 "$PD" sweep "$TUT";                   has "$err" "missing --vary"
# bad_range RANGE PART: the range is refused with PART in its message,
# nothing on stdout and no CSV written
bad_range() {
    expect 2 "$PD" sweep "$TUT" --vary "ce.ce-flaky.example.org.capacity=$1" --csv bad.csv
    has "$err" "$2"; nothing
    [ ! -e bad.csv ] && ok || bad "range $1 wrote bad.csv"
}
bad_range 10..30      "the range '10..30' is not FROM..TO:STEP"
bad_range 30..10:10   "30..10:10: need STEP > 0 and FROM <= TO"
bad_range 10..30:0    "10..30:0: need STEP > 0 and FROM <= TO"
bad_range 10..30:-5   "10..30:-5: need STEP > 0 and FROM <= TO"
bad_range a..b:1      "FROM 'a' is not a plain number"
bad_range 1e1..30:10  "FROM '1e1' is not a plain number"
bad_range 1m..30:1    "TO '30' is not a duration with a unit (e.g. 0h, 90m), as FROM '1m' is"
bad_range 10:30..1    "the range '10:30..1' is not FROM..TO:STEP"
bad_range ..30:10     "the range '..30:10' is not FROM..TO:STEP"
expect 2 "$PD" sweep "$TUT" --vary foo --csv bad.csv
has "$err" "--vary 'foo' is not KEY=FROM..TO:STEP"; nothing
[ ! -e bad.csv ] && ok || bad "--vary foo wrote bad.csv"
expect 2 "$PD" sweep "$TUT" --vary "$VARY" --vary ce.ce-flaky.example.org.success_rate=0.5..1:0.5
has "$err" "give --vary once"; nothing
expect 2 "$PD" sweep "$TUT" --vary "$VARY" --seed 9223372036854775808
has "$err" "sweep: --seed: 9223372036854775808 is out of range"; nothing
expect 2 "$PD" sweep "$TUT" --vary "$VARY" --seed x
has "$err" "sweep: --seed: 'x' is not a whole number"; nothing
expect 2 "$PD" sweep "$TUT" --vary ce.ce-flaky.example.org.capacity=1..5000:1
has "$err" "more than 1000 values"
expect 2 "$PD" sweep "$TUT" --vary ce.ce-flaky.example.org.success_rate=0.5..1.5:0.5
has "$err" "out of range"
expect 2 "$PD" sweep "$TUT" --vary ce.ce-flaky.example.org.capacity=1..2:1 --plot x.pdf
has "$err" ".svg or .png"
expect 2 "$PD" sweep "$TUT" --vary ce.ce-flaky.example.org.capacity=1..2:1 --metric speed
has "$err" "--metric 'speed' is unknown"
expect 1 "$PD" sweep "$TUT" --vary ce.ce-flaky.example.org.capacity=1..2:1 --csv no/such/dir.csv
has "$err" "no/such/dir.csv"; nothing

# sweep points are absolute values: -10 is refused, not run as "20 - 10"
cat >small.ini <<'EOF'
[scenario]
name = small
seed = 3
duration = 6h
cycle = 2m
max_per_cycle = 50
policy = director
sample_interval = 1h

[ce a]
capacity = 20
success_rate = 0.9
queue_time = exp(5m)
run_time = exp(30m)
EOF
expect 2 "$PD" sweep small.ini --vary ce.a.capacity=-10..10:10 --replications 2
has "$err" "ce.a.capacity=-10: -10 is out of range"; nothing
expect 2 "$PD" sweep small.ini --vary ce.a.success_rate=-0.2..0:0.1 --replications 2
has "$err" "ce.a.success_rate=-0.2: -0.2 is out of range"; nothing
# a CE name holding '=': --set and --vary both end the key at the last '='
sed 's/^\[ce a\]$/[ce x=y]/' small.ini >eq.ini
expect 0 "$PD" whatif eq.ini --set 'ce.x=y.capacity=+5' --replications 2
has "$out" "x=y "
expect 0 "$PD" sweep eq.ini --vary 'ce.x=y.capacity=10..20:10' --replications 2
has "$out" "Totals over all CEs at each value of ce.x=y.capacity"

# a CE called "total" keeps its figures (the total is reported as "(all CEs)"),
# in text, JSON, CSV and merged shards; CSV fields with commas or quotes are quoted
sed -e 's/^\[ce a\]$/[ce total]/' small.ini >tot.ini
printf '\n[ce b,"c"]\ncapacity = 10\nsuccess_rate = 0.5\nqueue_time = exp(5m)\nrun_time = exp(30m)\n' >>tot.ini
expect 0 "$PD" whatif tot.ini --set ce.total.capacity=+5 --replications 3
cp out tot.txt
has "$out" "(all CEs)  done"; has "$out" "
total      done"
expect 0 "$PD" whatif tot.ini --set ce.total.capacity=+5 --replications 3 --json
has "$out" '"ce":"total","metric":"done"'; has "$out" '"ce":"(all CEs)","metric":"done"'
for k in 1 2; do
    expect 0 "$PD" whatif tot.ini --set ce.total.capacity=+5 --replications 3 --shard $k/2
    cp out tot$k.jsonl
done
expect 0 "$PD" merge tot2.jsonl tot1.jsonl; cp out tot-merged.txt
same tot.txt tot-merged.txt "merged what-if with a CE called total"
expect 0 "$PD" sweep tot.ini --vary ce.total.capacity=10..20:10 --replications 2 --csv tot.csv
has "$(cat tot.csv)" '
10,10,"b,""c""",done,2,'
has "$(cat tot.csv)" '
10,10,total,done,2,'

# the range message names the part that is wrong
expect 2 "$PD" sweep "$ARR" --vary scenario.warmup=0..2h:1h
has "$err" "FROM '0' is not a duration with a unit"; nothing
expect 2 "$PD" sweep "$ARR" --vary scenario.warmup=1h..2h:1
has "$err" "STEP '1' is not a duration with a unit"

# a scenario file name that is not UTF-8 is refused up front, naming the file
cp small.ini "$(printf 'bad\377.ini')"
expect 2 "$PD" whatif "$(printf 'bad\377.ini')" --set ce.a.capacity=+5 --replications 2 --shard 1/1
has "$err" "bad\\xff.ini' is not UTF-8"; nothing
expect 2 "$PD" sweep "$(printf 'bad\377.ini')" --vary ce.a.capacity=1..2:1 --replications 2
has "$err" "bad\\xff.ini' is not UTF-8"; nothing

# merge checks the shard header and every task: "FILE:LINE: what", exit 1
for k in 1 2; do
    expect 0 "$PD" whatif small.ini --set ce.a.capacity=+5 --replications 3 --shard $k/2
    cp out small$k.jsonl
done
sed '1s/"replications":3/"replications":100000000/' small1.jsonl >m-rep.jsonl
expect 1 "$PD" merge m-rep.jsonl small2.jsonl
has "$err" "m-rep.jsonl:1: replications is not from 2 to 1000000"; nothing
sed '1s/"first_seed":3/"first_seed":9223372036854775807/' small1.jsonl >m-seed.jsonl
expect 1 "$PD" merge m-seed.jsonl;    has "$err" "m-seed.jsonl:1: first_seed"
sed '1s#"shard":"1/2"#"shard":"3/2"#' small1.jsonl >m-k.jsonl
expect 1 "$PD" merge m-k.jsonl small2.jsonl; has "$err" "m-k.jsonl:1: shard '3/2' is not K/N"
sed '1s#"shard":"1/2"#"shard":"2/2"#' small1.jsonl >m-t1.jsonl
sed '1s#"shard":"2/2"#"shard":"1/2"#' small2.jsonl >m-t2.jsonl
expect 1 "$PD" merge m-t1.jsonl m-t2.jsonl
has "$err" "m-t1.jsonl:2: the task does not belong to this shard"; nothing
sed '2s/\[\[[0-9.e+-]*,/[[1e308,/' small1.jsonl >m-big.jsonl
expect 1 "$PD" merge m-big.jsonl small2.jsonl
has "$err" "m-big.jsonl:2: a value is not a number from 0 to 1e15"; nothing
sed '2s/\[\[[0-9.e+-]*,/[[-1,/' small1.jsonl >m-neg.jsonl
expect 1 "$PD" merge m-neg.jsonl small2.jsonl; has "$err" "m-neg.jsonl:2: a value"
sed '2s/"task":0,/"task":99,/' small1.jsonl >m-task.jsonl
expect 1 "$PD" merge m-task.jsonl small2.jsonl
has "$err" "m-task.jsonl:2: not a task of this study"; nothing
sed '2s/"seed":3,/"seed":4,/' small1.jsonl >m-s.jsonl
expect 1 "$PD" merge m-s.jsonl small2.jsonl
has "$err" "m-s.jsonl:2: its seed is not the study's"; nothing

# a plot path that cannot be created is refused before anything runs, with
# nothing on stdout and no CSV written; a line break in it is refused
if command -v gnuplot >/dev/null 2>&1; then
    expect 1 "$PD" sweep small.ini --vary ce.a.capacity=10..20:10 --replications 2 \
        --plot no/such/dir.svg --csv plot.csv
    has "$err" "no/such/dir.svg"; nothing
    [ ! -e plot.csv ] && ok || bad "a bad --plot path still wrote the CSV"
fi
expect 2 "$PD" sweep small.ini --vary ce.a.capacity=10..20:10 --replications 2 \
    --plot "$(printf 'two\nlines.svg')"
has "$err" "line break"; nothing
# without gnuplot on PATH, --plot is refused before anything runs or is written
expect 1 env PATH=/nonexistent "$PD" sweep small.ini --vary ce.a.capacity=10..20:10 \
    --replications 2 --plot nognu.svg --csv nognu.csv
has "$err" "--plot needs gnuplot, which was not found"; nothing
[ ! -e nognu.svg ] && [ ! -e nognu.csv ] && ok || bad "--plot without gnuplot wrote a file"

# a shard that cannot be written (a full device) fails, naming the error
if [ -w /dev/full ]; then
    to_full() { "$@" >/dev/full; }
    expect 1 to_full "$PD" whatif small.ini --set ce.a.capacity=+5 --replications 2 --shard 1/1
    has "$err" "writing the shard: No space left on device"
fi

sed '1s/"pilotdeck_study":3/"pilotdeck_study":1/' small1.jsonl >m-v1.jsonl
expect 1 "$PD" merge m-v1.jsonl small2.jsonl; has "$err" "m-v1.jsonl:1: shard format 1"

# different warm-ups: each configuration's window is shown, and counts over
# different windows get no difference (text, JSON and merged shards)
expect 0 "$PD" whatif small.ini --set scenario.warmup=3h --replications 3
cp out warm.txt
has "$out" "the measured windows differ: baseline [0, 6h], variant [3h, 6h]"
has "$out" "n/a: other window"
case "$out" in *"no warm-up"*) bad "prints the baseline's 'no warm-up' only" ;; *) ok ;; esac
expect 0 "$PD" whatif small.ini --set scenario.warmup=3h --replications 3 --json
has "$out" '"metric":"done","baseline":'; has "$out" '"comparable":false,"difference":null,"significant":null'
has "$out" '"metric":"utilization","baseline":'; has "$out" '"comparable":true'
for k in 1 2; do
    expect 0 "$PD" whatif small.ini --set scenario.warmup=3h --replications 3 --shard $k/2
    cp out warm$k.jsonl
done
expect 0 "$PD" merge warm1.jsonl warm2.jsonl; cp out warm-merged.txt
same warm.txt warm-merged.txt "merged what-if with different warm-ups"

# -- merge refuses incomplete, repeated or mixed shards ----------------------------------
expect 2 "$PD" merge;                          has "$err" "missing shard FILEs"
expect 1 "$PD" merge shard1.jsonl shard2.jsonl; has "$err" "missing"; nothing
expect 1 "$PD" merge shard1.jsonl shard1.jsonl shard2.jsonl shard3.jsonl
has "$err" "twice"; nothing
expect 1 "$PD" merge shard1.jsonl sweep1.jsonl; has "$err" "another study"
expect 1 "$PD" merge sweep.csv;                has "$err" "not a line of a pilotdeck shard"
expect 1 "$PD" merge nowhere.jsonl;            has "$err" "nowhere.jsonl"
: >empty.jsonl
expect 1 "$PD" merge empty.jsonl;              has "$err" "is empty"
expect 2 "$PD" merge shard1.jsonl shard2.jsonl shard3.jsonl --plot x.svg
has "$err" "--plot is for sweeps"; [ ! -e x.svg ] && ok || bad "merge --plot of a what-if wrote x.svg"
echo '{}' >o.jsonl
expect 1 "$PD" merge o.jsonl;                  has "$err" "o.jsonl:1: not a pilotdeck shard"; nothing
expect 0 "$PD" whatif "$TUT" --set "$SET" --replications 4 --shard 1/2
cp out half1.jsonl
expect 1 "$PD" merge half1.jsonl shard2.jsonl
has "$err" "shard2.jsonl:1: shard 2/3 is not one of 2 shards"; nothing

# -- forecasts from a database's state: --from-db ------------------------------------------
# The database is only read; the baseline is its last --window fitted, its
# active pilots carried over (their number is in the report).
expect 0 "$PD" --db hist.db sim "$SRC/scenarios/grid50.ini" --until 12h
save hist.db
expect 0 "$PD" --db hist.db whatif --from-db --horizon 2h --set 'ce.*.capacity=+50%' \
    --replications 3 --json
has "$out" '"baseline":"hist.db (its last 7d fitted, 500 active pilots carried over; 2h ahead)"'
unchanged "whatif --from-db"
expect 0 "$PD" --db hist.db whatif --from-db --horizon 2h --set 'ce.*.capacity=+50%' \
    --replications 3 --json
cp out fc1.json
expect 0 "$PD" --db hist.db whatif --from-db --horizon 2h --set 'ce.*.capacity=+50%' \
    --replications 3 --json --jobs 1
cp out fc2.json
same fc1.json fc2.json "a forecast on 1 and 2 jobs"
expect 0 "$PD" --db hist.db sweep --from-db --window 6h --horizon 1h \
    --vary 'ce.grid-0001.capacity=10..20:10' --replications 2
has "$out" "hist.db (its last 6h fitted"
unchanged "sweep --from-db"
# a history whose CEs changed (outage.ini's timeline): the past changes are
# the fit's to read, not the forecast's to replay
expect 0 "$PD" --db outage-hist.db sim "$SRC/scenarios/outage.ini"
expect 0 "$PD" --db outage-hist.db whatif --from-db --horizon 1h --set 'ce.*.capacity=+10%' \
    --replications 2
has "$out" "outage-hist.db (its last 7d fitted"
expect 0 "$PD" --db outage-hist.db fit -o outage-fit.ini
case "$(cat outage-fit.ini)" in *"[event"*) bad "fit without --events wrote events" ;; *) ok ;; esac
expect 0 "$PD" --db outage-hist.db fit --events -o outage-fit.ini
has "$(cat outage-fit.ini)" "[event change-1]"
expect 2 "$PD" --db hist.db whatif --from-db --replications 2;   has "$err" "give the variant as --set"
expect 2 "$PD" --db hist.db whatif --from-db small.ini --set x=1; has "$err" "and no scenario file"
expect 2 "$PD" whatif small.ini --window 3d --set "$SET";         has "$err" "go with --from-db"
expect 2 "$PD" --db hist.db whatif --from-db --horizon 0s --set "$SET"
has "$err" "--horizon '0s' is not a duration of a second or more"
expect 2 "$PD" --db hist.db sweep --from-db small.ini --vary 'scenario.cycle=1m..2m:1m'
has "$err" "not both"
expect 1 "$PD" --db nowhere.db whatif --from-db --set "$SET";     has "$err" "nowhere.db"
[ ! -e nowhere.db ] && ok || bad "whatif --from-db created nowhere.db"
expect 0 "$PD" --db empty.db init
expect 1 "$PD" --db empty.db whatif --from-db --set "$SET";       has "$err" "--from-db: the database has no CE"
unchanged "the refusals"

finish
