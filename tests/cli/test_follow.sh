#!/bin/sh
# End-to-end tests of `pilotdeck ingest --follow`, as a person tries it:
# lines appended to the file appear as pilots within a couple of seconds
# (a half-written line waits for its end); SIGTERM ends it with status 0
# and its summary; a restart goes on where it stopped and reads no line
# twice; a bad line is reported and skipped; a missing file is waited for;
# standard input and two files are refused.  Kills at random instants,
# rotation and truncation: tests/test_follow_crash.c.
# Usage: test_follow.sh PATH/TO/pilotdeck
set -u
PD=${1:?usage: test_follow.sh PATH/TO/pilotdeck}
cli_name=follow
. "$(dirname "$0")/common.sh"

in=$work/pilots.jsonl
t0=$(($(date +%s) - 86400)) # a day ago: ingest refuses times in the future

# line REF CE STATUS SECONDS: one jsonl record, SECONDS after t0.
line() {
    printf '{"ref": "%s", "ce": "%s", "status": "%s", "at": %d}\n' "$1" "$2" "$3" $((t0 + $4))
}
# counts: the summary's counts on one line, "submitted N running N done N failed N".
counts() {
    "$PD" summary 2>/dev/null | grep -E '^(submitted|running|done|failed) ' |
        tr -s ' \n' '  ' | sed 's/ $//'
}
shows() { [ "$(counts)" = "$1" ]; }
# within SECONDS CMD...: CMD succeeds within SECONDS (tried every 0.1 s).
within() {
    tries=$(($1 * 10)); shift
    while [ "$tries" -gt 0 ]; do
        "$@" && return 0
        sleep 0.1
        tries=$((tries - 1))
    done
    return 1
}
# appears SUMMARY: the database shows SUMMARY within 5 seconds (the
# follower looks every 0.2 s; the rest is room for a loaded machine).
appears() { if within 5 shows "$1"; then ok; else bad "wanted '$1', the database shows '$(counts)'"; fi; }
# follow FILE: a follower in the background ($fpid).
follow() {
    "$PD" ingest --follow "$1" --add-ces --batch-ms 50 >"$work/follow.out" 2>"$work/follow.err" &
    fpid=$!
}
# stop: SIGTERM the follower; its status in $got, its output in $out and $err.
stop() {
    kill -TERM "$fpid"
    wait "$fpid"
    got=$?
    out=$(cat "$work/follow.out"); err=$(cat "$work/follow.err")
    [ "$got" -eq 0 ] && ok || bad "the follower exited $got after SIGTERM; stderr: $err"
}

# -- appended lines appear; a half-written line waits for its end --------------
{ line p1 ce-a.example.org submitted 0; line p2 ce-b.example.org submitted 5; } >"$in"
follow "$in"
appears "submitted 2 running 0 done 0 failed 0"
line p1 ce-a.example.org running 60 >>"$in"
appears "submitted 1 running 1 done 0 failed 0"
line p3 ce-a.example.org submitted 70 | head -c 30 >>"$in"
sleep 0.5
shows "submitted 1 running 1 done 0 failed 0" && ok || bad "half a line was read: $(counts)"
line p3 ce-a.example.org submitted 70 | tail -c +31 >>"$in"
appears "submitted 2 running 1 done 0 failed 0"
line p2 ce-b.example.org done 3600 >>"$in" # straight from submitted: allowed
appears "submitted 1 running 1 done 1 failed 0"

# -- SIGTERM: status 0 and the summary --------------------------------------------
stop
has "$out" "ingest: 5 records read, 3 pilots new, 2 changed, 0 unchanged, 0 stale, 0 bad, 2 CEs added"
has "$err" "added CE 'ce-a.example.org'"

# -- a restart goes on where it stopped: nothing read twice ----------------------
follow "$in"
line p4 ce-b.example.org submitted 80 >>"$in"
appears "submitted 2 running 1 done 1 failed 0"
stop
has "$err" "going on from line 6"
has "$out" "ingest: 1 records read, 1 pilots new, 0 changed, 0 unchanged"
follow "$in"
within 5 grep -q "going on from line 7" "$work/follow.err" && ok || bad "no restart message"
stop
has "$out" "ingest: 0 records read, 0 pilots new, 0 changed, 0 unchanged"

# -- a bad line: a message, skipped, the follower goes on ------------------------
follow "$in"
echo '{"ref": "p5", "ce": "ce-a.example.org", "status": "sleeping", "at": 1}' >>"$in"
line p1 ce-a.example.org failed 7200 >>"$in"
appears "submitted 2 running 0 done 1 failed 1"
stop
has "$err" "pilots.jsonl:7: unknown status \"sleeping\""
has "$out" "ingest: 2 records read, 0 pilots new, 1 changed, 0 unchanged, 0 stale, 1 bad"

# ... each one, however many: a follower runs for days (no cap of 20)
follow "$in"
i=0
while [ $i -lt 25 ]; do
    echo '{"ref": "q'$i'", "ce": "ce-a.example.org", "status": "sleeping", "at": 1}' >>"$in"
    i=$((i + 1))
done
line p9 ce-a.example.org submitted 7300 >>"$in"
appears "submitted 3 running 0 done 1 failed 1"
stop
[ "$(grep -c 'unknown status "sleeping"' "$work/follow.err")" -eq 25 ] && ok ||
    bad "not one message per bad line: $(cat "$work/follow.err")"

# -- a missing file is waited for -----------------------------------------------
follow "$work/later.jsonl"
sleep 0.5
kill -0 "$fpid" 2>/dev/null && ok || bad "the follower of a missing file did not wait"
line p6 ce-c.example.org submitted 90 >"$work/later.jsonl"
appears "submitted 4 running 0 done 1 failed 1"
stop
has "$out" "ingest: 1 records read, 1 pilots new"

# -- refused: standard input, two files (usage, nothing written) ------------------
save
expect 2 "$PD" ingest --follow -;            has "$err" "not standard input"
expect 2 "$PD" ingest --follow "$in" "$in";  has "$err" "--follow follows exactly one FILE"
expect 1 "$PD" ingest --follow "$work";      has "$err" "it is a directory"
expect 1 "$PD" --db "$work/dir.db" ingest --follow "$work"
[ ! -e "$work/dir.db" ] && ok || bad "following a directory made a database"
unchanged "refused --follow"

finish
