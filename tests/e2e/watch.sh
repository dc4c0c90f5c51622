#!/bin/sh
# watch.sh - the README's live-watch recipe end to end: a simulation paced
# at 60 times real time writes a file database while `pilotdeck top` shows
# it in a real terminal (tmux), and the counts move between two captures.
# Usage: watch.sh PATH/TO/pilotdeck
set -u
PD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SCENARIOS=$(cd "$(dirname "$0")/../../scenarios" && pwd)
. "$(dirname "$0")/lib.sh"
cd "$WORK" || fail "cd $WORK"
SIM=""
stop_sim() {
    [ -n "$SIM" ] && kill "$SIM" 2>/dev/null
    cleanup
}
trap stop_sim EXIT INT TERM

# Terminal 1 of the recipe.
"$PD" sim "$SCENARIOS/grid50.ini" --db run.db --speed 60 > sim.out &
SIM=$!
i=0
until "$PD" --db run.db top --once >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -lt 100 ] || fail "the paced simulation wrote no database in 5 s"
    sleep 0.05
done
kill -0 "$SIM" 2>/dev/null || fail "the paced simulation ended at once: $(cat sim.out)"

# Terminal 2 of the recipe.
start 120 30 "sh -c 'cd $WORK && exec $PD --db run.db top'"
wait_for "run\.db"
wait_for "^pilots [0-9]"
first=$(screen | grep "^pilots ")
clock1=$(screen | sed -n 1p | grep -o "sim T+[^ ]* [0-9:]*")
sleep 2
second=$(screen | grep "^pilots ")
clock2=$(screen | sed -n 1p | grep -o "sim T+[^ ]* [0-9:]*")
[ "$first" != "$second" ] || fail "the counts did not move in 2 s: '$first'"
[ "$clock1" != "$clock2" ] || fail "the simulated clock did not move in 2 s: $clock1"
kill -0 "$SIM" 2>/dev/null || fail "the simulation is already over: not paced"
ok "live: $clock1 '$first' -> $clock2 '$second'"
keys q
wait_exit >/dev/null
echo "PASS"
