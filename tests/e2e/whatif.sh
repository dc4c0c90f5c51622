#!/bin/sh
# whatif.sh - `w` in the dashboard end to end in a real terminal (tmux): on
# a simulated database the form refuses a bad capacity, runs capacity +50%
# and shows baseline and variant; Esc cancels a running what-if and the
# dashboard goes on; the database is not written; the demo asks what-if of
# its own in-memory database.  PILOTDECK_WHATIF_REPLICATIONS keeps the runs
# short (the dashboard's default is 30).
# Usage: whatif.sh PATH/TO/pilotdeck
set -u
PD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SCENARIOS=$(cd "$(dirname "$0")/../../scenarios" && pwd)
. "$(dirname "$0")/lib.sh"
DB="$WORK/sim.db"
cd "$WORK" || fail "cd $WORK"

"$PD" sim "$SCENARIOS/tutorial.ini" --db "$DB" >/dev/null || fail "sim"
before=$(cksum < "$DB")

start 80 24 "env PILOTDECK_WHATIF_REPLICATIONS=4 $PD --db $DB top"
wait_for "^ce-flaky\.example"
keys w
wait_for "what-if on ce-flaky\.example\.org$"
wait_for "now: capacity 30, enabled, success rate 0\.60"
wait_for "> capacity +\[_ +\]"
ok "w opens the form on the selected CE"

keys -l -- -5
keys Enter
wait_for "capacity: '-5' is neither slots"
keys BSpace BSpace
keys -l '+50%'
keys Enter
wait_for "what-if on ce-flaky\.example\.org: capacity \+50%"
wait_for "last 7d fitted, forecast 12h, 4 replications each, [0-9]+ pilots carried over"
wait_for "baseline +variant +change"
screen > "$WORK/panel.txt"
[ "$(grep -Ec '^    throughput/h +[0-9.]+ ±[0-9.]+ +[0-9.]+ ±[0-9.]+ +[-+][0-9.]+ ±[0-9.]+' "$WORK/panel.txt")" = 2 ] ||
    fail "no throughput rows for all CEs and the CE"
for row in done failed utilization; do
    grep -Eq "^    $row +[0-9.]+%? ±" "$WORK/panel.txt" || fail "no $row row"
done
grep -q "^  all CEs" "$WORK/panel.txt" || fail "no total"
grep -q "^  ce-flaky\.example\.org" "$WORK/panel.txt" || fail "no CE rows"
grep -q "significant: the change's 95 % interval excludes 0" "$WORK/panel.txt" ||
    fail "no legend of the significant marker"
ok "capacity +50% runs and the panel shows baseline and variant"
keys Enter
wait_gone "baseline +variant"
wait_for "^ce-reliable\.exampl"
quit_restored
[ "$(cksum < "$DB")" = "$before" ] || fail "the database was written"
ok "Enter closes the panel; the database is unchanged"
$T kill-session -t e2e

# A long run, cancelled with Esc; the dashboard goes on.
start 80 24 "env PILOTDECK_WHATIF_REPLICATIONS=1000 $PD --db $DB top"
wait_for "^ce-flaky\.example"
keys j w
wait_for "what-if on ce-reliable\.example\.org"
keys Tab
keys -l 2h
keys Enter
wait_for "running: [0-9]+ of 2000 replications .* Esc cancels"
keys Escape
wait_for "what-if cancelled after [0-9]+ of 2000 replications"
wait_gone "running:"
keys k
keys w
wait_for "what-if on ce-flaky\.example\.org"
keys Escape
wait_gone "what-if on"
quit_restored
ok "Esc cancels a running what-if and the dashboard goes on"
$T kill-session -t e2e

# The demo's database is in memory: the what-if reads a snapshot of it.
start 80 24 "env PILOTDECK_WHATIF_REPLICATIONS=3 $PD demo --speed 5000 --interval 0.1 $SCENARIOS/tutorial.ini"
wait_for "sim T\+0d 0[2-9]:"
keys w
wait_for "what-if on ce-flaky\.example\.org"
keys -l -- '-50%'
keys Enter
wait_for "baseline +variant +change"
wait_for "^    utilization"
quit_restored
ok "the demo asks what-if of its in-memory database"
echo "PASS"
