#!/bin/sh
# demo.sh - `pilotdeck demo` end to end in a real terminal (tmux): the
# built-in scenario runs, space pauses it, [ and ] change the speed, the
# paused screen agrees with the database, a CE toggled on screen is written,
# and q restores the terminal.
# Usage: demo.sh PATH/TO/pilotdeck
set -u
PD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/lib.sh"
DB="$WORK/demo.db"

# From another directory, as a user would type it.
cd "$WORK" || fail "cd"
start 120 30 "$PD demo --speed 2000 --interval 0.1 --db $DB"
wait_for "ce-cern\.example\.org"
wait_for "running x2000"
wait_for "sim T\+0d 0[1-9]:"
ok "the built-in scenario runs"

keys ']'
wait_for "running x4000"
keys '[' '['
wait_for "running x1000"
ok "[ and ] change the speed"

keys Space
wait_for "PAUSED x1000"
t1=$(screen | sed -n '1s/.*\(T+[^ ]* [0-9:]*\).*/\1/p')
sleep 0.4
t2=$(screen | sed -n '1s/.*\(T+[^ ]* [0-9:]*\).*/\1/p')
[ -n "$t1" ] && [ "$t1" = "$t2" ] || fail "the clock moved while paused ($t1, $t2)"
ok "space pauses at $t1"

# Paused: the screen shows what the database holds.
for ce in ce-cern.example.org ce-fnal.example.org ce-flaky.example.org; do
    j=$(ce_json $ce)
    [ -n "$j" ] || fail "no CE $ce in the database"
    want="$(field "$j" active)/$(field "$j" capacity) +$(field "$j" running) +$(field "$j" submitted) "
    screen | grep -Eq "^$ce .* $want" || fail "$ce: screen lacks '$want'"
done
ok "paused screen agrees with the database"

# Disable the first CE (cern) from the dashboard; resume.
keys e y
wait_for "ce-cern\.example\.org: disabled"
wait_db ce-cern.example.org enabled false
keys Space
wait_for "running x1000"
wait_for "^ce-cern\.example\.org +(disabled|over:dis)"
ok "e disables a CE while the simulation runs"

# At full speed the two days end in seconds; the header says so.
keys ']' ']' ']' ']' ']' ']' ']'
wait_for "running x65536"
i=0
until screen | sed -n 1p | grep -q "  finished"; do
    i=$((i + 1))
    [ $i -lt 200 ] || fail "the header never said finished"
    sleep 0.05
done
screen | sed -n 1p | grep -q "running" && fail "a finished demo still says running"
wait_for "simulation finished; q quits"
ok "the header says finished at the end"

keys q
status=$(wait_exit)
[ "$status" = 0 ] || fail "exit status $status after q"
check_restored
ok "q quits with status 0 and the terminal restored"
echo "PASS"
