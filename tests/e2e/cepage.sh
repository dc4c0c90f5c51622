#!/bin/sh
# cepage.sh - a CE's page end to end: `top --once --ce NAME` (text and
# JSON) and in the dashboard Enter opens the selected CE's page, which
# shows its failure and hold reasons and its change log; Enter on a pilot
# shows its timeline; Esc goes back to the page, then to the table; below
# 60x16 the page gives way to the "too small" screen.
# Usage: cepage.sh PATH/TO/pilotdeck
set -u
PD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/lib.sh"
DB="$WORK/page.db"

# Pilots of the last hour, from an outside source: two failed with the same
# reason, one with another, one held, two done.  (The database refuses a
# control character in a reason; the unit tests put one there by SQL.)
now=$(date +%s)
t() { echo $((now - $1)); }
cat > "$WORK/pilots.jsonl" <<EOF
{"ref": "p-1", "ce": "ce1.example.org", "site": "SITE-A", "status": "submitted", "at": $(t 3000)}
{"ref": "p-1", "ce": "ce1.example.org", "status": "failed", "at": $(t 2900), "reason": "proxy expired", "source_status": "Aborted"}
{"ref": "p-2", "ce": "ce1.example.org", "status": "submitted", "at": $(t 2800)}
{"ref": "p-2", "ce": "ce1.example.org", "status": "failed", "at": $(t 2700), "reason": "proxy expired", "source_status": "Aborted"}
{"ref": "p-3", "ce": "ce1.example.org", "status": "submitted", "at": $(t 2600)}
{"ref": "p-3", "ce": "ce1.example.org", "status": "failed", "at": $(t 2500), "reason": "bad node: Zürich", "source_status": "Aborted"}
{"ref": "p-4", "ce": "ce1.example.org", "status": "submitted", "at": $(t 2400)}
{"ref": "p-4", "ce": "ce1.example.org", "status": "running", "at": $(t 2300), "reason": "held: memory limit", "source_status": "Held"}
{"ref": "p-5", "ce": "ce1.example.org", "status": "submitted", "at": $(t 2200)}
{"ref": "p-5", "ce": "ce1.example.org", "status": "running", "at": $(t 2100)}
{"ref": "p-5", "ce": "ce1.example.org", "status": "done", "at": $(t 1000), "source_status": "Completed"}
{"ref": "p-6", "ce": "ce1.example.org", "status": "submitted", "at": $(t 900)}
{"ref": "p-6", "ce": "ce1.example.org", "status": "running", "at": $(t 800)}
{"ref": "p-6", "ce": "ce1.example.org", "status": "done", "at": $(t 600)}
{"ref": "q-1", "ce": "ce2.example.org", "status": "submitted", "at": $(t 500)}
EOF
"$PD" --db "$DB" ingest --add-ces "$WORK/pilots.jsonl" >/dev/null 2>&1 || fail "ingest"
"$PD" --db "$DB" ce set ce1.example.org --capacity 42 >/dev/null || fail "ce set"

# Headless first.
"$PD" --db "$DB" top --once --ce ce1.example.org --width 120 > "$WORK/page.txt" ||
    fail "top --once --ce"
grep -q "^CE ce1.example.org  site SITE-A" "$WORK/page.txt" || fail "page title: $(head -1 "$WORK/page.txt")"
grep -Eq "^ +2  proxy expired$" "$WORK/page.txt" || fail "failure reason count"
grep -Eq "^ +1  held: memory limit$" "$WORK/page.txt" || fail "hold reason"
grep -Eq "by cli.*: capacity [0-9]+ -> 42" "$WORK/page.txt" || fail "change log"
if grep -q "$(printf '\033')" "$WORK/page.txt"; then fail "--ce wrote an escape code"; fi
grep -Eq "^ +1  bad node: Zürich$" "$WORK/page.txt" || fail "a UTF-8 reason"
json=$("$PD" --db "$DB" top --once --ce ce1.example.org --json) || fail "--ce --json"
echo "$json" | grep -q '"reason":"proxy expired","count":2' || fail "--json reasons: $json"
echo "$json" | grep -q '"now_at":"' || fail "--json lacks now_at"
"$PD" --db "$DB" top --once --ce nosuch.example.org 2> "$WORK/err" && fail "an unknown CE was accepted"
grep -q "no CE named 'nosuch.example.org'" "$WORK/err" || fail "unclear message: $(cat "$WORK/err")"
"$PD" --db "$DB" top --ce ce1.example.org 2> "$WORK/err"
[ $? = 2 ] || fail "--ce without --once was not a usage error"
ok "headless page, JSON and refusals"

# The dashboard: Enter opens the first CE's page.
start 120 60 "$PD --db $DB top --interval 0.2"
wait_for "^ce1\.example\.org"
keys Enter
wait_for "^CE ce1\.example\.org  site SITE-A"
wait_for "proxy expired"
wait_for "held: memory limit"
wait_for "Change log"
wait_for "capacity [0-9]+ -> 42"
wait_for "Esc Back"
if screen | grep -q "$(printf '\033')"; then fail "an escape code reached the screen"; fi
ok "Enter opens the page: reasons and change log"

# The newest pilot is selected; j moves to the next one, Enter shows its
# timeline with each transition's kind.
keys j
keys Enter
wait_for "^Pilot #[0-9]+ p-5 of CE ce1\.example\.org"
wait_for "^  done +[0-9-]+ [0-9:]+ +exact"
wait_for "^  submitted +[0-9-]+ [0-9:]+ +exact"
ok "Enter on a pilot shows its timeline"

keys Escape
wait_for "^CE ce1\.example\.org"
wait_gone "^Pilot #"

# Below the smallest size the page says so, as the table does, and keys
# other than q wait; back to a size that fits, the page is as it was.
$T resize-window -t e2e -x 59 -y 30
wait_for "terminal too small: need 60x16"
wait_for "have 59x30, press q to quit"
wait_gone "^CE ce1"
keys Escape
$T resize-window -t e2e -x 120 -y 15
wait_for "have 120x15, press q to quit"
$T resize-window -t e2e -x 120 -y 60
wait_for "^CE ce1\.example\.org  site SITE-A"
wait_for "Esc Back"
ok "too small on the page: the message, keys wait, the page returns"
keys Escape
wait_for "^ce2\.example\.org"
wait_gone "^CE ce1"
ok "Esc goes back to the page, then to the table"
quit_restored
echo "PASS"
