#!/bin/sh
# End-to-end tests of `pilotdeck ingest` (once; --follow has its own):
# counts, idempotence, staleness, skipped states, backwards moves, unknown
# CEs, --add-ces, the all-or-nothing default, --skip-bad, --dry-run, the
# message cap, bad input that must not reach a terminal, the clock kind.
# Usage: test_ingest.sh PATH/TO/pilotdeck SOURCE_DIR
set -u
PD=${1:?usage: test_ingest.sh PATH/TO/pilotdeck SOURCE_DIR}
SRC=${2:?usage: test_ingest.sh PATH/TO/pilotdeck SOURCE_DIR}
DATA=$SRC/tests/data/ingest
cli_name=ingest
. "$(dirname "$0")/common.sh"

line() { # line REF CE STATUS AT [EXTRA]
    printf '{"ref": "%s", "ce": "%s", "status": "%s", "at": "%s"%s}\n' "$1" "$2" "$3" "$4" "${5:-}"
}
count() { printf '%s\n' "$1" | grep -c "$2"; }

# -- into a database with its CEs ----------------------------------------------
expect 0 "$PD" init
expect 0 "$PD" ce add ce-a --capacity 2 --success-rate 0.9
expect 0 "$PD" ce add ce-b --capacity 1 --success-rate 0.5
{
    line p1 ce-a submitted 2026-12-01T10:00:00Z
    line p1 ce-a running   2026-12-01T10:05:00Z
    line p2 ce-a submitted 2026-12-01T10:01:00Z
    line p1 ce-a done      2026-12-01T11:00:00Z ', "reason": "finished"'
    line p3 ce-b submitted 2026-12-01T10:02:00Z
    line p4 ce-b done      2026-12-01T10:30:00Z ', "observed": true'
} >first.jsonl
expect 0 "$PD" ingest first.jsonl
has "$err" "first.jsonl: format jsonl (detected)"
has "$out" "ingest: 6 records read, 4 pilots new, 2 changed, 0 unchanged, 0 stale, 0 bad, 0 CEs added"
expect 0 "$PD" summary;           summary=$out
has "$summary" "submitted"
has "$summary" "done       2"
# ce-b holds two pilots for its capacity of 1 (one done): ingest records facts
expect 0 "$PD" pilot list --ce ce-b
[ "$(count "$out" ' ce-b')" -eq 2 ] && ok || bad "ce-b should hold 2 pilots: $out"

# the same input twice changes nothing
save
expect 0 "$PD" ingest --format jsonl first.jsonl
# (the earlier lines of a pilot are older than what the database holds)
has "$out" "0 pilots new, 0 changed, 4 unchanged, 2 stale, 0 bad"
unchanged "the same input twice"
expect 0 "$PD" summary;           [ "$out" = "$summary" ] && ok || bad "summary changed on a second ingest"

# an older observation is stale; a skipped state (submitted -> done) is fine
{
    line p1 ce-a running 2026-12-01T10:05:00Z
    line p1 ce-a submitted 2026-12-01T09:59:00Z
    line p2 ce-a done 2026-12-01T12:00:00Z
} >stale.jsonl
expect 0 "$PD" ingest - <stale.jsonl
has "$err" "-: format jsonl (detected)"
has "$out" "3 records read, 0 pilots new, 1 changed, 0 unchanged, 2 stale, 0 bad"

# -- bad records: nothing written unless --skip-bad --------------------------------
line p1 ce-a running 2026-12-01T13:00:00Z >back.jsonl   # done, then running
line p9 ce-a submitted 2026-12-01T13:00:00Z >>back.jsonl
save
expect 1 "$PD" ingest back.jsonl
has "$err" "back.jsonl:1:"
has "$err" "nothing written: 1 bad record"
has "$out" "(nothing written)"
unchanged "a backwards move"
expect 1 "$PD" ingest --skip-bad back.jsonl
has "$out" "2 records read, 1 pilots new, 0 changed, 0 unchanged, 0 stale, 1 bad"
expect 0 "$PD" pilot list --ce ce-a; has "$out" "submitted"

# unknown CEs are named, with their counts; nothing written
{
    line q1 ce-x submitted 2026-12-01T10:00:00Z
    line q2 ce-x submitted 2026-12-01T10:01:00Z
    line q3 ce-y submitted 2026-12-01T10:02:00Z
    line q4 ce-a submitted 2026-12-01T10:03:00Z
} >unknown.jsonl
save
expect 1 "$PD" ingest unknown.jsonl
has "$err" "unknown.jsonl:1: unknown CE 'ce-x'"
has "$err" "unknown CE 'ce-x': 2 records, the first at unknown.jsonl:1"
has "$err" "unknown CE 'ce-y': 1 record, the first at unknown.jsonl:3"
has "$err" "--add-ces"
unchanged "unknown CEs"

# --dry-run counts and writes nothing, --add-ces too
expect 0 "$PD" ingest --dry-run --add-ces unknown.jsonl
has "$out" "4 records read, 4 pilots new"
has "$out" "2 CEs added (dry run: nothing written)"
has "$err" "would add CE 'ce-x': capacity 2"
unchanged "a dry run"
expect 1 "$PD" ingest -n unknown.jsonl
has "$out" "(dry run: nothing written)"
unchanged "a dry run with bad records"

# --add-ces: capacity = the most pilots active at once, marked inferred
expect 0 "$PD" ingest --add-ces unknown.jsonl
has "$err" "added CE 'ce-x': capacity 2 (inferred: the most pilots active at once), success rate 1 (no pilot ended)"
expect 0 "$PD" ce list --json;    has "$out" '"name":"ce-x","site":null,"capacity":2,"success_rate":1.0'
# ... and keeps inferring it from later input, until someone sets it
line q5 ce-x submitted 2026-12-01T10:05:00Z >more.jsonl
line q1 ce-x done 2026-12-01T11:00:00Z >>more.jsonl
expect 0 "$PD" ingest more.jsonl
has "$out" "0 CEs added"
expect 0 "$PD" ce list --json;    has "$out" '"name":"ce-x","site":null,"capacity":3,"success_rate":1.0'
expect 0 "$PD" ce history ce-x --json
has "$out" '{"changed_s":'; has "$out" '"ce":"ce-x","field":"capacity","old":2,"new":3,"by":"ingest"'
expect 0 "$PD" ce set ce-x --capacity 10
line q6 ce-x submitted 2026-12-01T10:06:00Z >more.jsonl
line q7 ce-x submitted 2026-12-01T10:06:00Z >>more.jsonl
expect 0 "$PD" ingest more.jsonl
expect 0 "$PD" ce list --json;    has "$out" '"name":"ce-x","site":null,"capacity":10,'

# at most 20 messages, then a count
i=0
while [ $i -lt 25 ]; do line "r$i" ce-a paused 2026-12-01T10:00:00Z; i=$((i + 1)); done >many.jsonl
save
expect 1 "$PD" ingest many.jsonl
[ "$(count "$err" 'many.jsonl:[0-9]*: unknown status')" -eq 20 ] && ok || bad "not 20 messages: $err"
has "$err" "... and 5 more bad records"
unchanged "25 bad records"

# -- untrusted text never reaches the terminal raw -------------------------------------
esc=$(printf '\033')
printf '{"ref": "e1", "ce": "ce-a\\u001b[31m", "status": "submitted", "at": 1796119200}\n' >esc.jsonl
printf '{"ref": "e2", "ce": "ce-a", "status": "submitted", "at": 1796119200, "reason": "x%s[2J"}\n' "$esc" >>esc.jsonl
printf '{"ref": "e3\377", "ce": "ce-a", "status": "submitted", "at": 1796119200}\n' >>esc.jsonl
printf '{"ref": "%0256d", "ce": "ce-a", "status": "submitted", "at": 1796119200}\n' 0 >>esc.jsonl
printf '{"ref": "e5", "ce": "ce-a", "status": "submitted", "at": 500000000}\n' >>esc.jsonl
printf '{"ref": "e6", "ce": "ce-a", "status": "submitted", "at": 4102444800}\n' >>esc.jsonl
printf '{"ref": "e7", "ce": "ce-a", "status": "submitted"}\n' >>esc.jsonl
printf '{"ref": "e8", "ce": 7, "status": "submitted", "at": 1796119200}\n' >>esc.jsonl
printf '{"ref": "e9", "ce": "ce-a", "status": "submitted", "at": 1796119200\n' >>esc.jsonl
save
expect 1 "$PD" ingest --skip-bad esc.jsonl
case "$err" in *"$esc"*) bad "an ESC reached stderr: $err" ;; *) ok ;; esac
has "$err" "esc.jsonl:1:"; has "$err" "esc.jsonl:2:"; has "$err" "esc.jsonl:3:"
has "$err" "esc.jsonl:4:"; has "$err" "before 1990"; has "$err" "more than a day in the future"
has "$err" "esc.jsonl:7:"; has "$err" "esc.jsonl:8:"; has "$err" "esc.jsonl:9:"
has "$out" "9 records read, 0 pilots new, 0 changed, 0 unchanged, 0 stale, 9 bad"
unchanged "nine bad records and --skip-bad"

# a line over 1 MiB
{ printf '{"ref": "big", "ce": "ce-a", "status": "submitted", "at": 1796119200, "reason": "'
  head -c 1100000 /dev/zero | tr '\0' x; printf '"}\n'; } >big.jsonl
expect 1 "$PD" ingest big.jsonl;  has "$err" "big.jsonl:1:"

# -- the formats of the corpus ---------------------------------------------------------
expect 1 "$PD" --db corpus.db ingest --add-ces --skip-bad "$DATA/condor_history.json" \
    "$DATA/condor_q.json" "$DATA/condor_history.jsonl" "$DATA/dirac_pilots.csv"
has "$err" "condor_history.json: format condor (detected)"
has "$err" "dirac_pilots.csv: format dirac (detected)"
has "$out" "CEs added"
expect 0 "$PD" --db corpus.db ce list; has "$out" "CERN_ce503"
expect 0 "$PD" --db corpus.db ingest --format condor "$DATA/condor_empty.json" "$DATA/condor_empty_array.json"
has "$out" "0 records read"
expect 1 "$PD" --db corpus.db ingest --format dirac "$DATA/pilots.jsonl"
expect 2 "$PD" ingest --format xml first.jsonl; has "$err" "not a format"
expect 1 "$PD" ingest no-such-file.jsonl;        has "$err" "cannot open 'no-such-file.jsonl'"
mkdir adir
save
expect 1 "$PD" ingest adir;                      has "$err" "cannot read 'adir': it is a directory"
unchanged "ingest of a directory"

# -- what the database holds after each file of the corpus ------------------------------------
# NAME.db.expected: the export and the CE list of a fresh database after
# `ingest --add-ces --skip-bad NAME` (UPDATE_EXPECTED=1 rewrites them).
for f in "$DATA"/*.json "$DATA"/*.jsonl "$DATA"/*.csv; do
    rm -f corpus1.db
    "$PD" --db corpus1.db ingest --add-ces --skip-bad "$f" >/dev/null 2>&1
    { echo "# export"; "$PD" --db corpus1.db export 2>&1
      echo "# ce list"; "$PD" --db corpus1.db ce list 2>&1; } >got.txt
    if [ -n "${UPDATE_EXPECTED:-}" ]; then cp got.txt "$f.db.expected"; fi
    if cmp -s got.txt "$f.db.expected"; then ok; else
        bad "$(basename "$f"): the database differs from $(basename "$f").db.expected:
$(diff "$f.db.expected" got.txt | head -20)"; fi
done

# readers say how many pilots have times that are not exact
rm -f corpus1.db
"$PD" --db corpus1.db ingest --add-ces --skip-bad "$DATA/dirac_pilots.csv" >/dev/null 2>&1
expect 0 "$PD" --db corpus1.db summary
has "$out" "times      5 pilots with observed times, 3 with an unknown start"
expect 0 "$PD" --db corpus1.db export
has "$err" "5 pilots with observed times"

# -- a new database is created, unless nothing could be written ---------------------------
expect 1 "$PD" --db new.db ingest unknown.jsonl
[ ! -e new.db ] && ok || bad "a failed ingest left new.db"
expect 0 "$PD" --db new.db ingest --dry-run --add-ces unknown.jsonl
[ ! -e new.db ] && ok || bad "a dry run created new.db"
expect 0 "$PD" --db new.db ingest --add-ces unknown.jsonl
[ -e new.db ] && ok || bad "ingest did not create new.db"

# -- a simulation's database is refused ------------------------------------------------------
expect 0 "$PD" --db sim.db sim "$SRC/scenarios/grid50.ini" --until 10m
save sim.db
expect 1 "$PD" --db sim.db ingest --add-ces unknown.jsonl
has "$err" "this database holds a simulation on a virtual clock; ingest needs a wall-clock database"
unchanged "ingest into a simulation's database"
expect 1 "$PD" --db sim.db pilot submit grid-0001
has "$err" "virtual clock"
unchanged "pilot submit into a simulation's database"
expect 0 "$PD" --db sim.db init;  has "$out" "schema version 6, virtual clock (a simulation)"
expect 0 "$PD" --db sim.db summary
case "$out" in *times*) bad "a simulation's exact times noted: $out" ;; *) ok ;; esac
expect 0 "$PD" --db new.db init;  has "$out" "schema version 6, wall clock (real data)"
expect 0 "$PD" --db fresh.db init; has "$out" "no clock yet"
# ... and a simulation into an ingested one
expect 1 "$PD" --db new.db sim "$SRC/scenarios/grid50.ini" --until 10m
has "$err" "wall-clock"

finish
