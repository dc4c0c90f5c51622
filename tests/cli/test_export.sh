#!/bin/sh
# End-to-end tests of `pilotdeck export`: jsonl and CSV of a simulated
# database (with --origin) and of a wall-clock one, the filters, refusals
# that write nothing, the round trip through `pilotdeck ingest`, write
# errors, and a FILE replaced only when whole.
# Usage: test_export.sh PATH/TO/pilotdeck SOURCE_DIR
set -u
PD=${1:?usage: test_export.sh PATH/TO/pilotdeck SOURCE_DIR}
SRC=${2:?usage: test_export.sh PATH/TO/pilotdeck SOURCE_DIR}
cli_name=export
. "$(dirname "$0")/common.sh"

ORIGIN=2026-12-01T00:00:00Z
CR=$(printf '\r')

# same A B WHAT: A and B are the same text.
same() { if [ "$1" = "$2" ]; then ok; else bad "$3: '$1' is not '$2'"; fi; }
# refused STATUS NEEDLE CMD...: exit STATUS, NEEDLE on stderr, nothing on stdout.
refused() {
    want=$1 needle=$2; shift 2
    expect "$want" "$@"
    has "$err" "$needle"
    [ -z "$out" ] && ok || bad "'$*' wrote to stdout: $out"
}

# -- help ------------------------------------------------------------------------
expect 0 "$PD" export --help
has "$out" "usage: pilotdeck [--db PATH] export [--format jsonl|csv]"
has "$out" "--origin T"; has "$out" "RFC 4180"
expect 0 "$PD" --help;            has "$out" "export "

# -- a simulated database -----------------------------------------------------------
SIM=$work/sim.db
expect 0 "$PD" --db "$SIM" sim "$SRC/scenarios/outage.ini" --until 1h
refused 2 "holds a simulation on a virtual clock (times from its start); give --origin T" \
    "$PD" --db "$SIM" export
refused 2 "'yesterday' is not a time" "$PD" --db "$SIM" export --origin yesterday
refused 2 "--origin 1980-01-01T00:00:00Z is before 1990" \
    "$PD" --db "$SIM" export --origin 1980-01-01
refused 2 "--since: 'frob' is not a time of this simulated database" \
    "$PD" --db "$SIM" export --origin "$ORIGIN" --since frob
refused 2 "--until: '2026-12-01T00:00:00Z' is not a time of this simulated" \
    "$PD" --db "$SIM" export --origin "$ORIGIN" --until "$ORIGIN"
refused 2 "--since 40m is after --until 30m" \
    "$PD" --db "$SIM" export --origin "$ORIGIN" --since 40m --until 30m
refused 2 "--format 'xml' is not a format (jsonl or csv)" \
    "$PD" --db "$SIM" export --origin "$ORIGIN" --format xml
refused 1 "no CE named 'ce-nowhere'" "$PD" --db "$SIM" export --origin "$ORIGIN" --ce ce-nowhere
# FILE is the database itself, or a link to it: refused, the database as it was
save "$SIM"
refused 2 "export: '$SIM' is the database being read; write to another file" \
    "$PD" --db "$SIM" export --origin "$ORIGIN" "$SIM"
ln -s "$SIM" "$work/link.db"
refused 2 "is the database being read" "$PD" --db "$SIM" export --origin "$ORIGIN" "$work/link.db"
unchanged "export into the database"
refused 2 "unexpected argument 'b'" "$PD" --db "$SIM" export --origin "$ORIGIN" a b

expect 0 "$PD" --db "$SIM" export --origin "$ORIGIN"
printf '%s\n' "$out" >"$work/sim.jsonl"
expect 0 "$PD" --db "$SIM" export --origin "$ORIGIN" -
same "$out" "$(cat "$work/sim.jsonl")" "export - and export to stdout"
lines=$(wc -l <"$work/sim.jsonl")
[ "$lines" -gt 50 ] && ok || bad "only $lines lines"
# Every line has the keys in their order, compact, times in UTC with ms.
key_re='^{"ref":"pilot-[0-9]*","ce":"[^"]*","status":"\(submitted\|running\|done\|failed\)"'
key_re="$key_re"',"at":"2026-12-01T0[0-9]:[0-5][0-9]:[0-5][0-9]\.[0-9]\{3\}Z"\(,"started":false\)\?}$'
same "$(grep -cv "$key_re" "$work/sim.jsonl")" 0 "lines not in the jsonl shape"
# In time order.
sed 's/.*"at":"\([^"]*\)".*/\1/' "$work/sim.jsonl" >"$work/at"
sort -c "$work/at" 2>/dev/null && ok || bad "times out of order"
# One submitted line per pilot, one end line per ended pilot (summary).
summary=$("$PD" --db "$SIM" summary --json)
count() { grep -c "\"status\":\"$1\"" "$work/sim.jsonl"; }
for s in done failed; do
    n=$(printf '%s' "$summary" | sed "s/.*\"$s\":\([0-9]*\).*/\1/")
    same "$(count $s)" "$n" "$s lines against the summary"
done
same "$(count submitted)" "$(printf '%s' "$summary" |
    sed 's/[^0-9]*\([0-9]*\)[^0-9]*\([0-9]*\)[^0-9]*\([0-9]*\)[^0-9]*\([0-9]*\).*/\1 \2 \3 \4/' |
    awk '{print $1 + $2 + $3 + $4}')" "submitted lines against the pilots"
# A pilot that failed before it started says so on its failed line only.
grep -q '"started":false' "$work/sim.jsonl" && ok || bad "no pilot failed before starting"
same "$(grep '"started":false' "$work/sim.jsonl" | grep -cv '"status":"failed"')" 0 \
    "started:false on a line that is not failed"
first=$(grep '"started":false' "$work/sim.jsonl" | head -1 | sed 's/.*"ref":"\([^"]*\)".*/\1/')
same "$(grep -c "\"ref\":\"$first\"," "$work/sim.jsonl")" 2 "lines of $first (submitted, failed)"

# Filters: --since/--until in virtual time, --ce.
expect 0 "$PD" --db "$SIM" export --origin "$ORIGIN" --since 30m --until 40m
printf '%s\n' "$out" | sed 's/.*"at":"\([^"]*\)".*/\1/' >"$work/at"
same "$(grep -cv '^2026-12-01T00:3[0-9]:' "$work/at")" 0 "times outside 30m..40m"
same "$(wc -l <"$work/at")" "$(grep -c '"at":"2026-12-01T00:3' "$work/sim.jsonl")" \
    "lines from 30m to 40m"
ce=$(head -1 "$work/sim.jsonl" | sed 's/.*"ce":"\([^"]*\)".*/\1/')
expect 0 "$PD" --db "$SIM" export --origin "$ORIGIN" --ce "$ce"
same "$out" "$(grep "\"ce\":\"$ce\"" "$work/sim.jsonl")" "--ce $ce"
expect 0 "$PD" --db "$SIM" export --origin "$ORIGIN" --since 2h
same "$out" "" "nothing after the end"

# CSV: a header, CRLF line ends, the same rows.
expect 0 "$PD" --db "$SIM" export --origin "$ORIGIN" --format csv "$work/sim.csv"
same "$(head -1 "$work/sim.csv")" "ref,ce,site,status,at,observed,started,reason,source_status$CR" \
    "CSV header"
same "$(grep -cv "$CR\$" "$work/sim.csv")" 0 "CSV lines without CRLF"
same "$(($(wc -l <"$work/sim.csv") - 1))" "$lines" "CSV rows"
same "$(sed -n 2p "$work/sim.csv")" "$(head -1 "$work/sim.jsonl" |
    sed 's/{"ref":"\([^"]*\)","ce":"\([^"]*\)","status":"\([^"]*\)","at":"\([^"]*\)"}/\1,\2,,\3,\4,,,,/')$CR" \
    "first CSV row"
grep -q ',failed,[^,]*,,false,,' "$work/sim.csv" && ok || bad "CSV lacks started false"

# -- a wall-clock database: CSV quoting, --origin refused -------------------------------
"$PD" init >/dev/null
expect 0 "$PD" ce add 'ce,"q"' --capacity 2 --success-rate 1
expect 0 "$PD" pilot submit 'ce,"q"'
refused 2 "--origin is for a simulated database" "$PD" export --origin "$ORIGIN"
expect 0 "$PD" export --format csv
case "$out" in *'pilot-1,"ce,""q""",,submitted,20'*"Z,,,,$CR") ok ;;
    *) bad "CSV quoting: $out" ;; esac
expect 0 "$PD" export
case "$out" in '{"ref":"pilot-1","ce":"ce,\"q\"","status":"submitted","at":"20'*'Z"}') ok ;;
    *) bad "JSON escaping: $out" ;; esac
expect 0 "$PD" export --ce 'ce,"q"' --since 2020-01-01 --until 2100-01-01
case "$out" in '{"ref":"pilot-1"'*) ok ;; *) bad "wall-clock filters: $out" ;; esac
# An empty database: nothing, or the CSV header only.
expect 0 "$PD" --db "$work/empty.db" init
expect 0 "$PD" --db "$work/empty.db" export;                same "$out" "" "empty jsonl"
expect 0 "$PD" --db "$work/empty.db" export --format csv
same "$out" "ref,ce,site,status,at,observed,started,reason,source_status$CR" "empty CSV"

# -- round trip: export | ingest into a fresh database keeps the history ---------------------
# The simulation, on wall-clock times from --origin, into A, then A into B.
A=$work/a.db B=$work/b.db
expect 0 "$PD" --db "$A" ingest --add-ces "$work/sim.jsonl"
has "$err" "added CE"
expect 0 "$PD" --db "$A" export;    printf '%s\n' "$out" >"$work/a.jsonl"
cmp -s "$work/a.jsonl" "$work/sim.jsonl" && ok || bad "A's export differs from the simulation's"
expect 0 sh -c '"$0" --db "$1" export | "$0" --db "$2" ingest --add-ces -' "$PD" "$A" "$B"
expect 0 "$PD" --db "$B" export;    printf '%s\n' "$out" >"$work/b.jsonl"
cmp -s "$work/a.jsonl" "$work/b.jsonl" && ok || bad "B's export differs from A's"
same "$("$PD" --db "$A" summary)" "$("$PD" --db "$SIM" summary)" "summary of A and of the simulation"
same "$("$PD" --db "$B" summary --json)" "$summary" "summary of B and of the simulation"
# Again: nothing new.
expect 0 "$PD" --db "$B" ingest "$work/a.jsonl"
has "$out" "0 pilots new, 0 changed"
# Facts an outside source gives: sites, observed times, reasons (with a
# comma and a quote, for CSV), a pilot that failed before it started.
cat >"$work/facts.jsonl" <<'EOF_FACTS'
{"ref":"r1","ce":"ce,\"q\"","site":"SITE-1","status":"submitted","at":"2026-12-01T10:00:00Z"}
{"ref":"r2","ce":"ce2","status":"failed","at":"2026-12-01T10:30:00Z","started":false,"reason":"no, \"never\""}
{"ref":"r1","ce":"ce,\"q\"","status":"running","at":"2026-12-01T11:00:00.5Z","observed":true,"source_status":"Running"}
{"ref":"r3","ce":"ce2","status":"done","at":1796126400,"reason":"ok","source_status":"Done"}
EOF_FACTS
C=$work/c.db D=$work/d.db
expect 0 "$PD" --db "$C" ingest --add-ces "$work/facts.jsonl"
expect 0 "$PD" --db "$C" export
same "$out" '{"ref":"r1","ce":"ce,\"q\"","site":"SITE-1","status":"submitted","at":"2026-12-01T10:00:00.000Z"}
{"ref":"r2","ce":"ce2","status":"failed","at":"2026-12-01T10:30:00.000Z","started":false,"reason":"no, \"never\""}
{"ref":"r1","ce":"ce,\"q\"","site":"SITE-1","status":"running","at":"2026-12-01T11:00:00.500Z","observed":true,"source_status":"Running"}
{"ref":"r3","ce":"ce2","status":"done","at":"2026-12-01T12:00:00.000Z","reason":"ok","source_status":"Done"}' \
    "export of ingested facts"
printf '%s\n' "$out" >"$work/c.jsonl"
expect 0 "$PD" --db "$D" ingest --add-ces "$work/c.jsonl"
expect 0 "$PD" --db "$D" export
same "$out" "$(cat "$work/c.jsonl")" "export of D and of C"
expect 0 "$PD" --db "$C" export --format csv
same "$out" "ref,ce,site,status,at,observed,started,reason,source_status$CR
r1,\"ce,\"\"q\"\"\",SITE-1,submitted,2026-12-01T10:00:00.000Z,,,,$CR
r2,ce2,,failed,2026-12-01T10:30:00.000Z,,false,\"no, \"\"never\"\"\",$CR
r1,\"ce,\"\"q\"\"\",SITE-1,running,2026-12-01T11:00:00.500Z,true,,,Running$CR
r3,ce2,,done,2026-12-01T12:00:00.000Z,,,ok,Done$CR" "CSV of ingested facts"

# -- output files ------------------------------------------------------------------------
# Write errors are reported: a full device, as FILE and as stdout.
if [ -w /dev/full ]; then
    refused 1 "writing /dev/full: No space left on device" \
        "$PD" --db "$SIM" export --origin "$ORIGIN" /dev/full
    expect 1 sh -c "\"\$0\" --db \"\$1\" export --origin $ORIGIN >/dev/full" "$PD" "$SIM"
    has "$err" "writing standard output: No space left on device"
fi
# A refused export leaves FILE as it was, and no temporary file behind.
mkdir "$work/dest"; echo old >"$work/dest/x.jsonl"
save "$work/dest/x.jsonl"
expect 1 "$PD" --db "$SIM" export --origin "$ORIGIN" --ce nowhere "$work/dest/x.jsonl"
unchanged "export --ce nowhere"
expect 2 "$PD" --db "$SIM" export "$work/dest/x.jsonl"
unchanged "export without --origin"
# ... and so does one whose writing fails midway: a file size limit (100
# blocks: 50 or 100 KiB) above the database's shared memory file (32 KiB)
# and below the export (120 KiB).
expect 0 "$PD" --db "$work/long.db" sim "$SRC/scenarios/outage.ini"
expect 1 sh -c 'ulimit -f 100; trap "" XFSZ; exec "$0" --db "$1" export --origin "$2" "$3"' \
    "$PD" "$work/long.db" "$ORIGIN" "$work/dest/x.jsonl"
has "$err" "writing $work/dest/x.jsonl: File too large"
unchanged "export past the file size limit"
same "$(ls -A "$work/dest")" "x.jsonl" "files left in the directory"
# A successful one replaces it whole, as a new file of mode 0666 less the umask.
chmod 600 "$work/dest/x.jsonl"
expect 0 sh -c 'umask 027; exec "$0" --db "$1" export --origin "$2" "$3"' \
    "$PD" "$SIM" "$ORIGIN" "$work/dest/x.jsonl"
cmp -s "$work/dest/x.jsonl" "$work/sim.jsonl" && ok || bad "FILE differs from stdout"
same "$(stat -c %a "$work/dest/x.jsonl")" 640 "mode of the new file"
same "$(ls -A "$work/dest")" "x.jsonl" "files left in the directory"
# Through a symbolic link: the file it points to is replaced, the link stays.
ln -s x.jsonl "$work/dest/link"
expect 0 "$PD" --db "$SIM" export --origin "$ORIGIN" --format csv "$work/dest/link"
[ -L "$work/dest/link" ] && ok || bad "the link was replaced"
cmp -s "$work/dest/x.jsonl" "$work/sim.csv" && ok || bad "the link's target not written"
refused 1 "is a directory" "$PD" --db "$SIM" export --origin "$ORIGIN" "$work/dest"
refused 1 "cannot create a file next to '$work/nowhere/x'" \
    "$PD" --db "$SIM" export --origin "$ORIGIN" "$work/nowhere/x"
# A missing database: refused, no FILE made.
refused 1 "cannot open database" "$PD" --db "$work/none.db" export "$work/dest/new"
[ ! -e "$work/dest/new" ] && [ ! -e "$work/none.db" ] && ok || bad "missing database: files made"

# Text a database file holds that is not UTF-8 (written behind the layer's
# back) cannot be written as JSON: refused, FILE left as it was.
printf '{"ref": "u1", "ce": "ce-u", "status": "submitted", "at": 1796119200}\n' |
    "$PD" --db "$work/utf.db" ingest --add-ces - >/dev/null 2>&1
sqlite3 "$work/utf.db" "UPDATE pilot_source SET reason = CAST(x'61ff62' AS TEXT)"
printf 'before\n' >"$work/dest/utf.jsonl"
refused 1 "is not valid UTF-8" "$PD" --db "$work/utf.db" export "$work/dest/utf.jsonl"
same "$(cat "$work/dest/utf.jsonl")" before "FILE after a refused export"
same "$(ls -A "$work/dest" | grep -c utf)" 1 "files left after a refused export"

finish
