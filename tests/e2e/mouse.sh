#!/bin/sh
# mouse.sh - the dashboard's mouse end to end (tmux): a click on a column's
# header sorts by it and again reverses it, a click on a row selects it,
# the wheel scrolls; X10 (TERM=screen) and SGR (TERM=xterm) reports; off
# with --no-mouse.
# Usage: mouse.sh PATH/TO/pilotdeck
set -u
PD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/lib.sh"
DB="$WORK/mouse.db"

"$PD" --db "$DB" init >/dev/null || fail "init"
i=1
while [ $i -le 40 ]; do
    n=$(printf %02d $i)
    "$PD" --db "$DB" ce add "ce$n.site" --capacity $i --success-rate "0.$n" >/dev/null ||
        fail "ce add"
    i=$((i + 1))
done
# ceNN holds NN active pilots, so that ACT/CAP orders the CEs by number.
now=$(date +%s)
i=1
while [ $i -le 40 ]; do
    n=$(printf %02d $i)
    j=1
    while [ $j -le $i ]; do
        printf '{"ref":"p%s-%d","ce":"ce%s.site","status":"submitted","at":%s}\n' "$n" $j "$n" "$now"
        j=$((j + 1))
    done
    i=$((i + 1))
done >"$WORK/active.jsonl"
"$PD" --db "$DB" ingest "$WORK/active.jsonl" >/dev/null 2>&1 || fail "ingest"

# An X10 mouse report: button code $1 at column $2, row $3 (from 0).
x10() {
    keys -l "$(printf '\033[M')$(printf "\\$(printf %o $((32 + $1)))")$(printf "\\$(printf %o $((33 + $2)))")$(printf "\\$(printf %o $((33 + $3)))")"
}
click() {
    x10 0 "$1" "$2"
    x10 3 "$1" "$2"
}
# The column (from 0) of the header's title $1 (arrows made ASCII first).
column_of() {
    screen | sed -n 5p | sed 's/▲/^/; s/▼/v/' | awk -v t="$1" '{print index($0, t) - 1}'
}
# The name on screen line $1.
name_at() {
    screen | sed -n "${1}p" | awk '{print $1}'
}

start 100 30 "$PD --db $DB top -d 0.2"
wait_for "^ce01\.site"
[ "$($T display-message -p -t e2e '#{mouse_any_flag}')" = 1 ] || fail "the mouse is not on"

# Header clicks: ACT/CAP, then ACT/CAP again the other way round (the
# selected CE stays selected and in view: g goes to the first row).
x=$(column_of ACT/CAP)
click $((x + 1)) 4
wait_for "sorted by ACT/CAP"
keys g
sleep 0.2
first=$(name_at 6)
case "$first" in ce01.site|ce40.site) ;; *) fail "sorted by ACT/CAP, first row $first" ;; esac
click $((x + 1)) 4
wait_for "sorted by ACT/CAP, reversed"
keys g
sleep 0.2
again=$(name_at 6)
case "$first$again" in ce01.sitece40.site|ce40.sitece01.site) ;;
    *) fail "ACT/CAP clicked twice: first rows $first then $again" ;; esac
x=$(column_of NAME)
click "$x" 4
wait_for "sorted by NAME$"
keys g
sleep 0.2
[ "$(name_at 6)" = ce01.site ] || fail "sorted by NAME, first row $(name_at 6)"
ok "a click on a header sorts by it, again reverses it"

# A click on the fourth row selects it: e asks about that CE.
click 3 8
want=$(name_at 9)
keys e
wait_for "disable $want\?"
keys Escape
wait_for "cancelled"
# Two wheel notches down (three rows each), one up: the 4th + 3 = 7th row.
x10 65 3 10
x10 65 3 10
x10 64 3 10
want=$(name_at 12)
keys e
wait_for "disable $want\?"
keys Escape
ok "a click selects a row, the wheel scrolls ($want)"
quit_restored

# SGR reports, as xterm sends them.
$T kill-session -t e2e
start 100 30 "env TERM=xterm-256color $PD --db $DB top -d 0.2"
wait_for "^ce01\.site"
x=$(column_of FAIL)
keys -l "$(printf '\033[<0;%d;5M' $((x + 2)))"
keys -l "$(printf '\033[<0;%d;5m' $((x + 2)))"
wait_for "sorted by FAIL"
keys -l "$(printf '\033[<0;4;8M')"
keys -l "$(printf '\033[<0;4;8m')"
want=$(name_at 8)
keys e
wait_for "disable $want\?"
keys Escape
quit_restored
ok "SGR reports (TERM=xterm-256color) sort and select"

# --no-mouse leaves the mouse to the terminal: a click changes nothing.
$T kill-session -t e2e
start 100 30 "$PD --db $DB top --no-mouse -d 0.2"
wait_for "^ce01\.site"
[ "$($T display-message -p -t e2e '#{mouse_any_flag}')" = 0 ] || fail "--no-mouse: mouse on"
click 1 4
sleep 0.5
if screen | grep -q "sorted by"; then fail "--no-mouse: a click sorted"; fi
screen | sed -n 5p | grep -Eq "^NAME(▲|\^)" || fail "--no-mouse: the order changed"
quit_restored
ok "--no-mouse: clicks do nothing"

# The file's mouse = false turns it off; --mouse turns it back on.
printf '[top]\nmouse = false\n' >"$WORK/nomouse.ini"
$T kill-session -t e2e
start 100 30 "$PD --db $DB top --config $WORK/nomouse.ini -d 0.2"
wait_for "^ce01\.site"
[ "$($T display-message -p -t e2e '#{mouse_any_flag}')" = 0 ] || fail "mouse = false: mouse on"
quit_restored
$T kill-session -t e2e
start 100 30 "$PD --db $DB top --config $WORK/nomouse.ini --mouse -d 0.2"
wait_for "^ce01\.site"
[ "$($T display-message -p -t e2e '#{mouse_any_flag}')" = 1 ] || fail "--mouse: mouse off"
quit_restored
ok "--mouse over the file's mouse = false"
echo "PASS"
