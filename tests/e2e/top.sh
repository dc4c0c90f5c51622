#!/bin/sh
# top.sh - `pilotdeck top` end to end in a real terminal (tmux): the screen
# agrees with the database, keys sort, filter, toggle and resize a CE, the
# too-small screen answers q, and the terminal is restored on exit.
# Usage: top.sh PATH/TO/pilotdeck
set -u
PD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/lib.sh"
DB="$WORK/top.db"

# A database with three CEs and some pilots.
"$PD" --db "$DB" init >/dev/null || fail "init"
"$PD" --db "$DB" ce add alpha.site --capacity 10 --success-rate 0.95 >/dev/null || fail "ce add"
"$PD" --db "$DB" ce add beta.site --capacity 4 --success-rate 0.5 >/dev/null || fail "ce add"
"$PD" --db "$DB" ce add gamma.site --capacity 8 --success-rate 0.8 --disabled >/dev/null || fail "ce add"
for i in 1 2 3 4 5 6 7; do
    id=$("$PD" --db "$DB" pilot submit alpha.site) || fail "submit"
    [ $i -le 5 ] && { "$PD" --db "$DB" pilot set "$id" running >/dev/null || fail "set"; }
    [ $i -le 2 ] && { "$PD" --db "$DB" pilot set "$id" done >/dev/null || fail "set"; }
done
for i in 1 2 3; do
    id=$("$PD" --db "$DB" pilot submit beta.site) || fail "submit"
    [ $i -le 1 ] && { "$PD" --db "$DB" pilot set "$id" failed >/dev/null || fail "set"; }
done

# Headless frames and refusals first: no terminal needed.
"$PD" --db "$DB" top --once --width 100 > "$WORK/once.txt" || fail "top --once"
grep -q "alpha.site" "$WORK/once.txt" || fail "--once lacks alpha.site"
if grep -q "$(printf '\033')" "$WORK/once.txt"; then fail "--once wrote escape codes"; fi
LC_ALL=C "$PD" --db "$DB" top --once > "$WORK/ascii.txt" || fail "top --once (C locale)"
if LC_ALL=C grep -q '[^ -~]' "$WORK/ascii.txt"; then fail "non-ASCII output in the C locale"; fi
"$PD" --db "$DB" top --json > "$WORK/once.json" || fail "top --json"
for want in '"name":"beta.site"' '"site":""' '"state":"ok"' '"grade":"Idle"' '"efficiency":' \
            '"done_per_hour":' '"failed_per_hour":' '"submitted_per_hour":' '"window_s":3600' \
            '"now_s":' '"now_at":"20[0-9-]*T[0-9:.]*Z"'; do
    grep -q "$want" "$WORK/once.json" || fail "top --json lacks $want"
done
for col in site state grade efficiency submitted_per_hour configured; do
    "$PD" --db "$DB" top --once --sort $col >/dev/null || fail "--sort $col refused"
done
"$PD" --db "$DB" top --once --sort health 2>/dev/null && fail "--sort health (gone) was accepted"
"$PD" --db "$DB" top --once --grades 90,95,10 2> "$WORK/err" && fail "--grades out of order accepted"
grep -q "good >= fair >= poor" "$WORK/err" || fail "unclear --grades message: $(cat "$WORK/err")"
"$PD" --db "$DB" top --once --stale 0s 2>/dev/null && fail "--stale 0s accepted"
# Everything is stale after a millisecond without change, but disabled.
"$PD" --db "$DB" top --once --stale 1ms | grep -Eq "^alpha\.site +stale" || fail "--stale 1ms: alpha not stale"
"$PD" --db "$DB" top --once --stale 1ms | grep -Eq "^gamma\.site +disabled" || fail "--stale: gamma not disabled"
ok "headless text and JSON frames"
"$PD" --db "$WORK/missing.db" top --once 2> "$WORK/err" && fail "a missing database was accepted"
grep -q "no database" "$WORK/err" || fail "unclear message for a missing database: $(cat "$WORK/err")"
echo "this is not a database, just some text long enough to be a file" > "$WORK/junk.db"
"$PD" --db "$WORK/junk.db" top --once 2> "$WORK/err" && fail "a junk file was accepted"
grep -qi "database" "$WORK/err" || fail "unclear message for a junk file: $(cat "$WORK/err")"
ok "missing and junk databases refused: $(cat "$WORK/err")"

# The live dashboard at 100x30.
start 100 30 "$PD --db $DB top --interval 0.2"
wait_for "alpha\.site"
for ce in alpha.site beta.site gamma.site; do
    j=$(ce_json $ce)
    row=$(screen | grep -E "^$ce ")
    [ -n "$row" ] || fail "no row for $ce"
    want="$(field "$j" active)/$(field "$j" capacity)"
    echo "$row" | grep -q " $want " || fail "$ce: screen row '$row' lacks $want"
    run=$(field "$j" running)
    sub=$(field "$j" submitted)
    echo "$row" | grep -Eq " $want +$run +$sub " || fail "$ce: row '$row' lacks running $run submitted $sub"
done
screen | grep -E "^gamma\.site +disabled" >/dev/null || fail "gamma.site not shown disabled"
screen | grep -E "^beta\.site +ok" >/dev/null || fail "beta.site not shown ok"
screen | grep -q "CEs 2/3 enabled" || fail "header CE count"
screen | grep -Eq "pilots 4 sub 3 run 2 done 1 failed  only [0-9]+s of 1h: done/h" ||
    fail "header pilot counts and rates"
ok "screen agrees with the database"

# Sort: s moves to SITE, then STATE (disabled first).
keys s
wait_for "sorted by SITE"
keys s
wait_for "sorted by STATE"
first=$(screen | sed -n '6p' | awk '{print $1}')
[ "$first" = "gamma.site" ] || fail "sorted by state, first row is '$first'"
keys '<' '<'
wait_for "sorted by NAME"
ok "sort keys"

# Filter, then toggle and grow the one CE left.
keys /
wait_for "filter: _"
keys b e t a Enter
wait_for "filter: beta"
wait_gone "^alpha\.site"
keys e y
wait_for "beta\.site: disabled"
wait_db beta.site enabled false
wait_for "^beta\.site +over:dis"
keys e y
wait_db beta.site enabled true
keys + y
wait_for "beta\.site: capacity 4 -> 5"
wait_db beta.site capacity 5
wait_for "^beta\.site .* 2/5 "
keys - y
wait_db beta.site capacity 4
keys Escape
wait_for "^alpha\.site"
ok "filter, enable/disable and capacity keys write the database"
# ... and the change log says they came from the dashboard, and who
hist=$("$PD" --db "$DB" ce history beta.site --json) || fail "ce history"
case "$hist" in
    *'"field":"capacity","old":5,"new":4,"by":"top","user":"'"$(id -un)"'"'*) ;;
    *) fail "the dashboard's edit is not logged as by top and $(id -un): $hist" ;;
esac
ok "the change log names the dashboard and its user"

# A change made by someone else shows up at the next refresh.
"$PD" --db "$DB" pilot submit alpha.site >/dev/null || fail "submit"
wait_for "^alpha\.site .* 6/10 "
ok "refresh picks up other writers"

# Help screen: keys, then the legend of grades and states; a key turns
# the page, the last one goes back.
keys F1
wait_for "pilotdeck dashboard - keys"
until screen | grep -q "^STATE, what a CE is doing"; do
    keys x
    i=$((${i:-0} + 1))
    [ $i -lt 5 ] || fail "the help has no legend of states"
    sleep 0.2
done
screen | grep -Eq "^  Good >= 85%  Fair >= 60%  Poor >= 25%  Bad below" || fail "no legend of grades"
screen | grep -Eq "^  full +every slot used" || fail "no legend of full"
screen | grep -Eq "^  over:dis +disabled but still holding pilots" || fail "no legend of over"
while screen | grep -q "pilotdeck dashboard - keys"; do
    keys x
    sleep 0.2
done
wait_for "^alpha\.site"
ok "help screen with the legend of grades and states"

# Selection: Up to the top (it stops at the first row), then j/Down and
# k/Up move it; e acts on the selected CE only.
keys Up Up Up Up j e y
wait_for "beta\.site: disabled"
wait_db beta.site enabled false
keys e y
wait_db beta.site enabled true
keys Down e y
wait_for "gamma\.site: enabled"
wait_db gamma.site enabled true
keys e y
wait_db gamma.site enabled false
keys k Up e y
wait_for "alpha\.site: disabled"
wait_db alpha.site enabled false
keys e y
wait_db alpha.site enabled true
ok "j, k and the arrows move the selection"

# Too small, resize back, the smallest size, too small again and q from
# there.
$T resize-window -t e2e -x 59 -y 20
wait_for "terminal too small: need 60x16"
$T resize-window -t e2e -x 100 -y 30
wait_for "^alpha\.site"
$T resize-window -t e2e -x 80 -y 23
wait_for "^alpha\.site"
screen | sed -n 23p | grep -q "q" || fail "80x23: no footer on the last line"
$T resize-window -t e2e -x 60 -y 16
wait_for "^NAME.* STATE +SLOTS +ACT/CAP GRADE +EFF$"
wait_for "^alpha\.site"
screen | sed -n 5p | grep -Eq "^NAME.* STATE +SLOTS +ACT/CAP GRADE +EFF$" ||
    fail "60x16: not the smallest table"
screen | sed -n 16p | grep -q "q" || fail "60x16: no footer on the last line"
keys F1
wait_for "pilotdeck dashboard - keys"
keys q
wait_for "^alpha\.site"
$T resize-window -t e2e -x 60 -y 15
wait_for "terminal too small: need 60x16"
$T resize-window -t e2e -x 50 -y 30
wait_for "terminal too small: need 60x16"
keys q
status=$(wait_exit)
[ "$status" = 0 ] || fail "exit status $status after q"
check_restored
ok "60x16 and 80x23 are drawn, 59 columns or 15 lines too small; resize, q quits with status 0 and the terminal restored"

# SIGTERM restores the terminal too.
$T kill-session -t e2e
start 100 30 "$PD --db $DB top"
wait_for "alpha\.site"
shell=$($T display-message -p -t e2e '#{pane_pid}')
pid=$(pgrep -P "$shell" -x pilotdeck) || fail "no pilotdeck process under the pane"
kill -TERM "$pid"
status=$(wait_exit)
check_restored
ok "SIGTERM ends the dashboard (status $status) with the terminal restored"

# F10 quits like q.
$T kill-session -t e2e
start 100 30 "$PD --db $DB top"
wait_for "alpha\.site"
keys F10
status=$(wait_exit)
[ "$status" = 0 ] || fail "exit status $status after F10"
check_restored
ok "F10 quits with status 0 and the terminal restored"

# The order and filter of the command line hold on the live screen too,
# and -d sets the refresh (--interval is its alias).
$T kill-session -t e2e
start 120 30 "$PD --db $DB top --sort done --reverse -d 0.2"
wait_for "alpha\.site"
order=$(screen | sed -n '6,8p' | awk '{print $1}' | tr '\n' ' ')
[ "$order" = "beta.site gamma.site alpha.site " ] || fail "--sort done --reverse: rows '$order'"
screen | sed -n 5p | grep -Eq "DONE(\^|▲)" || fail "--sort done: no arrow on DONE"
"$PD" --db "$DB" pilot submit beta.site >/dev/null || fail "submit"
wait_for "^beta\.site .* 3/4 "
keys q
wait_exit >/dev/null
$T kill-session -t e2e
start 100 30 "$PD --db $DB top --filter GAM --interval 0.2"
wait_for "filter: GAM"
wait_for "^gamma\.site"
[ "$(screen | grep -Ec '^(alpha|beta|gamma)\.site')" = 1 ] || fail "--filter GAM shows other CEs"
keys q
wait_exit >/dev/null
ok "--sort, --reverse and --filter apply to the live screen; -d and --interval refresh"

# A file the user may not write, and --read-only: edits.sh.
echo "PASS"
