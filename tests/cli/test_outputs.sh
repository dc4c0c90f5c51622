#!/bin/sh
# The output convention, end to end: every FILE option takes - for standard
# output (and makes no file named -); every CSV is RFC 4180 (fields with a
# comma or a quote quoted, quotes doubled, CRLF line ends, a header row),
# checked by reading it back with Python's csv module; outputs are created
# with the umask's mode.
# Usage: test_outputs.sh PATH/TO/pilotdeck SOURCE_DIR
set -u
PD=${1:?usage: test_outputs.sh PATH/TO/pilotdeck SOURCE_DIR}
SRC=${2:?usage: test_outputs.sh PATH/TO/pilotdeck SOURCE_DIR}
cli_name=outputs
. "$(dirname "$0")/common.sh"

# A CE whose name holds a comma and quotes.
NAME='flaky, "the" one'
sed 's/^\[ce ce-flaky.example.org\]/[ce flaky, "the" one]/' "$SRC/scenarios/tutorial.ini" >q.ini

# csv_check FILE COLUMN WANT: FILE parses as RFC 4180 with CRLF line ends,
# its rows all as wide as the header, and COLUMN's values include WANT.
csv_check() {
    python3 - "$1" "$2" "$3" <<'PY' && ok || bad "$1 is not the CSV wanted"
import csv, sys
path, column, want = sys.argv[1:]
raw = open(path, 'rb').read()
lines = raw.split(b'\r\n')
assert lines[-1] == b'', 'the last record does not end in CRLF'
assert b'\n' not in raw.replace(b'\r\n', b''), 'a bare LF ends a record'
rows = list(csv.reader(open(path, newline='')))
header = rows[0]
assert all(len(r) == len(header) for r in rows), 'rows of different widths'
i = header.index(column)
assert want in {r[i] for r in rows[1:]}, f'{want!r} not in column {column}'
PY
}

# -- sim --csv: a file, and - for standard output --------------------------------------
expect 0 "$PD" --db :memory: sim q.ini --until 2h --csv series.csv
csv_check series.csv ce "$NAME"
# the series has standard output to itself; the report goes to standard error
"$PD" --db :memory: sim q.ini --until 2h --csv - >stdout.csv 2>report.txt && ok || bad "sim --csv -"
[ ! -e ./- ] && ok || bad "sim --csv - made a file named -"
cmp -s stdout.csv series.csv && ok || bad "sim --csv - differs from --csv FILE"
has "$(cat report.txt)" "scenario tutorial, seed 42"

# -- sweep --csv - -------------------------------------------------------------------------
"$PD" sweep q.ini --vary "ce.$NAME.capacity=20..30:10" --replications 2 --json --csv - \
    >sweep.csv 2>sweep.json && ok || bad "sweep --json --csv -"
[ ! -e ./- ] && ok || bad "sweep --csv - made a file named -"
csv_check sweep.csv ce "$NAME"
jq -e '.metrics | length > 0' sweep.json >/dev/null && ok || bad "sweep --json beside --csv -: not on stderr"

# -- export --format csv ----------------------------------------------------------------------
expect 0 "$PD" --db s.db sim q.ini --until 2h
expect 0 "$PD" --db s.db export --format csv --origin 2026-12-01T00:00:00Z export.csv
csv_check export.csv ce "$NAME"

# -- files follow the umask -------------------------------------------------------------------
(umask 022 && "$PD" --db :memory: sim q.ini --until 1h --csv mode.csv >/dev/null)
same "$(stat -c %a mode.csv)" 644 "mode of sim --csv under umask 022"
(umask 077 && "$PD" sweep q.ini --vary "ce.$NAME.capacity=20..30:10" --replications 2 \
    --csv mode2.csv >/dev/null)
same "$(stat -c %a mode2.csv)" 600 "mode of sweep --csv under umask 077"

# -- plots: units, y from 0 (or --plot-range), the title, the umask's mode ------------------
(umask 022 && "$PD" sweep q.ini --vary scenario.cycle=1m..3m:1m --replications 2 \
    --plot cycle.svg --metric done >/dev/null) && ok || bad "sweep --plot"
same "$(stat -c %a cycle.svg)" 644 "mode of --plot under umask 022"
plot=$(cat cycle.svg)
has "$plot" "cycle (min)"
has "$plot" "done (pilots)"
has "$plot" "> 0</text>"
has "$plot" "q.ini: mean and 95% interval of 2 replications"
expect 0 "$PD" sweep q.ini --vary scenario.cycle=1m..2m:1m --replications 2 \
    --plot range.svg --plot-range 20:100
has "$(cat range.svg)" "> 20</text>"
case $(cat range.svg) in *"> 0</text>"*) bad "--plot-range 20:100 still starts at 0" ;; *) ok ;; esac
expect 2 "$PD" sweep q.ini --vary scenario.cycle=1m..2m:1m --plot-range 9:1
same "$err" "pilotdeck: sweep: --plot-range 9:1: LOW must be below HIGH" "a reversed range"

# -- one mistake, one line ----------------------------------------------------------------------
expect 2 "$PD" whatif q.ini --set scenario.cycle=3m --replications 1
same "$err" "pilotdeck: whatif: --replications 1: confidence intervals need at least 2 replications" \
    "--replications 1"

# -- whatif --csv, sweep --json, and merge giving both for shards -----------------------------
expect 0 "$PD" whatif q.ini --set scenario.cycle=3m --replications 2 --csv whatif.csv
csv_check whatif.csv ce "$NAME"
csv_check whatif.csv metric throughput_per_hour
expect 0 "$PD" sweep q.ini --vary scenario.cycle=1m..2m:1m --replications 2 --json
sweep_json=$out
same "$(printf '%s' "$out" | jq -c '[.key, .x_unit, .replications, (.metrics | length)]')" \
    '["scenario.cycle","min",2,36]' "sweep --json: key, unit, replications, rows"
same "$(printf '%s' "$out" | jq -c '[.metrics[] | select(.ce == "total" and .metric == "done") | .value]')" \
    '["1m","2m"]' "sweep --json: a row per value"
for k in 1 2; do
    expect 0 "$PD" sweep q.ini --vary scenario.cycle=1m..2m:1m --replications 2 --shard $k/2
    printf '%s\n' "$out" >shard$k.jsonl
done
expect 0 "$PD" merge shard1.jsonl shard2.jsonl --json
same "$out" "$sweep_json" "merge --json of a sweep's shards against sweep --json"
for k in 1 2; do
    expect 0 "$PD" whatif q.ini --set scenario.cycle=3m --replications 2 --shard $k/2
    printf '%s\n' "$out" >wshard$k.jsonl
done
expect 0 "$PD" merge wshard1.jsonl wshard2.jsonl --csv merged-whatif.csv
cmp -s merged-whatif.csv whatif.csv && ok || bad "merge --csv of a what-if's shards differs"

# -- ce list and pilot list as CSV: the keys of --json, from ingested records ----------------
NAME_JSON='flaky, \"the\" one'
{
    record_ago 'p,1' "$NAME_JSON" submitted 600 ', "site": "S, \"1\""'
    record_ago 'p,1' "$NAME_JSON" running 500
    record_ago 'p,1' "$NAME_JSON" failed 100 ', "reason": "held: \"disk\", twice"'
    record_ago p2 ce-plain submitted 300
} >real.jsonl
expect 0 "$PD" --db real.db ingest --add-ces real.jsonl
expect 0 "$PD" --db real.db ce list --csv ces.csv
csv_check ces.csv name "$NAME"
csv_check ces.csv site 'S, "1"'
same "$(head -1 ces.csv)" "$(printf 'name,site,capacity,success_rate,enabled,active,running,submitted,available_slots\r')" \
    "ce list --csv header: the keys of --json"
expect 0 "$PD" --db real.db pilot list --csv pilots.csv
csv_check pilots.csv ref 'p,1'
csv_check pilots.csv reason 'held: "disk", twice'
keys=$("$PD" --db real.db pilot list --json | jq -r '.[0] | keys_unsorted | join(",")')
same "$(head -1 pilots.csv | tr -d '\r')" "$keys" "pilot list --csv header: the keys of --json"
expect 0 "$PD" --db real.db pilot list --csv - --status running
same "$out" "$(head -1 pilots.csv)" "an empty list still has its header"
expect 2 "$PD" --db real.db pilot list --csv real.db
has "$err" "is the database being read"
expect 2 "$PD" --db real.db ce list --csv x.csv --json
[ ! -e x.csv ] && ok || bad "ce list --csv --json wrote x.csv"

# -- top --once --csv: the CE rows of --json ------------------------------------------------
expect 0 "$PD" --db real.db top --csv top.csv
csv_check top.csv name "$NAME"
csv_check top.csv site 'S, "1"'
keys=$("$PD" --db real.db top --json | jq -r '.ces[0] | with_entries(select(.value | type != "array" and type != "object")) | keys_unsorted | join(",")')
same "$(head -1 top.csv | tr -d '\r')" "$keys" "top --csv header: the keys of --json"
expect 2 "$PD" --db real.db top --csv - --json
has "$err" "--csv writes the CE rows"

# -- one refusal of --json with --csv (or -o), the same words everywhere ---------------------
for cmd in "ce list:the list; --csv writes it" "pilot list:the list; --csv writes it" \
           "summary:the counts; --csv writes them" "top:the frame; --csv writes the CE rows"; do
    name=${cmd%%:*}
    # shellcheck disable=SC2086 # the command's words
    expect 2 "$PD" --db real.db $name --json --csv x.csv
    same "$err" "pilotdeck: $name: --json prints ${cmd#*:} to a file: give one" "$name --json --csv"
    [ ! -e x.csv ] && ok || bad "$name --json --csv wrote x.csv"
done
expect 2 "$PD" --db real.db top --once --ce "$NAME" --csv x.csv
same "$err" "pilotdeck: top: --ce prints the page of a CE; --csv writes the CE rows to a file: give one" \
    "top --ce --csv"

# -- a what-if or sweep from the database never writes its CSV or plot over it ----------------
save real.db
expect 2 "$PD" --db real.db whatif --from-db --set ce.ce-plain.capacity=3 --replications 2 --csv real.db
has "$err" "'real.db' is the database being read"
expect 2 "$PD" --db real.db sweep --from-db --vary ce.ce-plain.capacity=1..2:1 --replications 2 \
    --plot real.db
unchanged "whatif and sweep --from-db asked to write over the database"

# -- outside text in a configuration file's error never reaches the terminal raw --------------
printf '[top]\nsort = \033]0;pwned\007\n' >bad.ini
expect 1 "$PD" --db real.db top --once --config bad.ini
has "$err" "bad.ini:2:"
case "$err" in *"$(printf '\033')"*|*"$(printf '\007')"*) bad "a control character of the file reached stderr" ;; *) ok ;; esac

# -- summary --csv: the keys of --json and one row -------------------------------------------
expect 0 "$PD" --db real.db summary --csv -
same "$out" "$(printf 'submitted,running,done,failed\r\n1,0,0,1\r')" "summary --csv -"

# -- sweep --plot -: the SVG alone on standard output, the report on standard error -----------
"$PD" sweep q.ini --vary scenario.cycle=1m..2m:1m --replications 2 --plot - >plot.svg 2>plot.txt &&
    ok || bad "sweep --plot -"
xmllint --noout plot.svg && ok || bad "sweep --plot - is not one SVG document"
has "$(cat plot.txt)" "Sweep: scenario.cycle"
[ ! -e ./- ] && ok || bad "sweep --plot - made a file named -"
expect 2 "$PD" sweep q.ini --vary scenario.cycle=1m..2m:1m --csv - --plot -
has "$err" "cannot both have standard output"

finish
