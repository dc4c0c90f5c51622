#!/bin/sh
# rates.sh - the rate window end to end: `top` on screen and `top --once`
# (text and JSON) show the same rates of the same database, the header
# names the window, and a bad --window is refused.
# Usage: rates.sh PATH/TO/pilotdeck
set -u
PD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SCENARIOS=$(cd "$(dirname "$0")/../../scenarios" && pwd)
. "$(dirname "$0")/lib.sh"
DB="$WORK/run.db"

# A finished simulation: its clock (the newest change) stands still.
"$PD" sim "$SCENARIOS/grid50.ini" --db "$DB" >/dev/null || fail "sim"

"$PD" --db "$DB" top --once --width 120 --window 30m > "$WORK/once.txt" || fail "top --once"
rates=$(sed -n 3p "$WORK/once.txt")
N='[0-9][0-9. ]*[kMG]?' # the dashboard's numbers: 12.3, 5 432, 116k
echo "$rates" | grep -Eq "last 30m: done/h $N failed/h $N sub/h $N" ||
    fail "--once rates line: '$rates'"
json=$("$PD" --db "$DB" top --json --window 30m) || fail "top --json"
echo "$json" | grep -q '"window_s":1800' || fail "--json lacks window_s 1800"
echo "$json" | grep -q '"rates_partial":false' || fail "--json: a full window is marked partial"
# The text's figure is the JSON's in the one number format: one decimal
# below 100, else whole with a space between groups of three digits.
done_h=$(echo "$rates" | sed 's/.*done\/h \(.*\) failed\/h.*/\1/')
json_h=$(echo "$json" | sed 's/.*"totals":{[^}]*"done_per_hour":\([0-9.e+]*\).*/\1/')
want=$(awk -v v="$json_h" 'BEGIN {
    if (v < 99.95) { printf "%.1f", v; exit }
    s = sprintf("%.0f", v); out = ""
    while (length(s) > 3) { out = " " substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
    print s out }')
[ "$done_h" = "$want" ] || fail "--once done/h '$done_h' is not --json's $json_h ('$want')"
ok "--once text and JSON: $rates"

start 120 40 "$PD --db $DB top --window 30m --sort done_per_hour"
wait_for "last 30m: done/h"
live=$(screen | sed -n 3p | sed 's/ *$//')
[ "$live" = "$rates" ] || fail "live rates '$live' differ from --once '$rates'"
# The whole picture, per-CE rates included, down to the last table row.
"$PD" --db "$DB" top --once --width 120 --window 30m --sort done_per_hour | sed -n 1,38p > "$WORK/once38.txt"
screen | sed -n 1,38p | sed 's/ *$//' > "$WORK/live38.txt"
cmp -s "$WORK/once38.txt" "$WORK/live38.txt" ||
    fail "live screen differs from --once: $(diff "$WORK/once38.txt" "$WORK/live38.txt" | head -5)"
keys q
wait_exit >/dev/null
ok "live screen agrees with --once, per-CE rates included"

# A window the database has not filled yet is said so.
"$PD" --db "$DB" top --once --width 120 --window 7d | sed -n 3p | grep -Eq "only [0-9]+[smhd] of 7d: done/h" ||
    fail "a window longer than the history is not marked"
ok "a window longer than the history is marked"

"$PD" --db "$DB" top --once --window 4m 2> "$WORK/err"
[ $? = 2 ] || fail "--window 4m was not refused as a usage error"
grep -q "out of range" "$WORK/err" || fail "unclear message: $(cat "$WORK/err")"
"$PD" --db "$DB" top --once --window soon 2> "$WORK/err" && fail "--window soon was accepted"
ok "bad windows refused: $(cat "$WORK/err")"
echo "PASS"
