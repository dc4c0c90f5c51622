#!/bin/sh
# config.sh - the dashboard's configuration file end to end: a bad file is
# refused with FILE:LINE before anything runs, the file's settings apply
# and the command line wins over them, S writes the current settings and a
# new top picks them up, --config and --no-config, and the colours.
# Usage: config.sh PATH/TO/pilotdeck
set -u
PD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/lib.sh"
DB="$WORK/config.db"
CFG="$XDG_CONFIG_HOME/pilotdeck/config"

"$PD" --db "$DB" init >/dev/null || fail "init"
for ce in alpha.site:10 beta.site:4 gamma.site:8; do
    "$PD" --db "$DB" ce add "${ce%:*}" --capacity "${ce#*:}" --success-rate 0.9 >/dev/null ||
        fail "ce add"
done
for i in 1 2 3; do
    id=$("$PD" --db "$DB" pilot submit alpha.site) || fail "submit"
    "$PD" --db "$DB" pilot set "$id" running >/dev/null || fail "set"
    [ $i -le 2 ] && { "$PD" --db "$DB" pilot set "$id" done >/dev/null || fail "set"; }
done
id=$("$PD" --db "$DB" pilot submit gamma.site) || fail "submit"
"$PD" --db "$DB" pilot set "$id" failed >/dev/null || fail "set"

# The CE names of a --once frame, in order.
order() {
    "$PD" --db "$DB" top --once --width 100 "$@" | sed -n '6,$p' | awk '{printf "%s ", $1}'
}

# A bad file stops top, headless or not, before anything runs.
mkdir -p "$(dirname "$CFG")"
printf '[top]\nsort = done\n# the rates\nwindow = 1q\n' > "$CFG"
"$PD" --db "$DB" top --once > "$WORK/out" 2> "$WORK/err" && fail "a bad file was accepted"
grep -q "^pilotdeck: $CFG:4: window: " "$WORK/err" || fail "unclear refusal: $(cat "$WORK/err")"
[ -s "$WORK/out" ] && fail "a frame was printed despite the bad file"
start 100 30 "$PD --db $DB top"
wait_for "config:4: window"
status=$(wait_exit)
[ "$status" = 1 ] || fail "top with a bad file: exit status $status"
$T kill-session -t e2e
printf '[top]\nsort = done\n[grades]\ngood = 50%%\nfair = 60%%\n' > "$CFG"
"$PD" --db "$DB" top --once 2> "$WORK/err" >/dev/null && fail "disordered grades accepted"
grep -q "$CFG: \[grades\]: " "$WORK/err" || fail "unclear refusal: $(cat "$WORK/err")"
printf '[top]\nsort = done\n[colors]\nwarn = purple\n' > "$CFG"
"$PD" --db "$DB" top --once 2> "$WORK/err" >/dev/null && fail "a bad colour accepted"
grep -q "$CFG:4: warn: 'purple' is not a colour" "$WORK/err" || fail "unclear: $(cat "$WORK/err")"
[ "$(order --no-config)" = "alpha.site beta.site gamma.site " ] || fail "--no-config read the file"
"$PD" --db "$DB" top --once --config "$WORK/none.ini" 2> "$WORK/err" && fail "missing --config file"
grep -q "none.ini: No such file" "$WORK/err" || fail "unclear: $(cat "$WORK/err")"
ok "bad files are refused with FILE:LINE, --no-config reads none: $(head -1 "$WORK/err")"

# The file's settings apply; the command line wins over each.
printf '# mine\n[top]\nsort = done\nreverse = true\nwindow = 2h\n' > "$CFG"
[ "$(order)" = "beta.site gamma.site alpha.site " ] || fail "file's sort: $(order)"
"$PD" --db "$DB" top --once --width 100 | grep -q "of 2h" || fail "file's window not used"
"$PD" --db "$DB" top --once --width 100 --window 30m | grep -q "of 30m" || fail "--window lost"
# --sort wins; the file's reverse stays
[ "$(order --sort name)" = "gamma.site beta.site alpha.site " ] || fail "--sort: $(order --sort name)"
printf '[top]\nfilter = gam\n' > "$CFG"
[ "$(order)" = "gamma.site " ] || fail "file's filter: $(order)"
[ "$(order --filter alp)" = "alpha.site " ] || fail "--filter: $(order --filter alp)"
# The example in top --help is a file top reads.
"$PD" top --help | sed -n '/^A configuration file/,$p' | sed '1d; s/^  //' > "$WORK/help.ini"
grep -q "^\[colors\]" "$WORK/help.ini" || fail "no example in top --help"
"$PD" --db "$DB" top --once --config "$WORK/help.ini" >/dev/null || fail "the help's example is refused"
ok "the file's sort, reverse, window and filter apply; the command line wins"

# S writes what the dashboard shows now; a new top starts from it.
rm -f "$CFG"
rmdir "$(dirname "$CFG")"
start 100 30 "$PD --db $DB top --sort failed --reverse --filter .site -d 0.3 --window 2h --no-mouse"
wait_for "^alpha\.site"
[ "$($T display-message -p -t e2e '#{mouse_any_flag}')" = 0 ] || fail "--no-mouse: mouse on"
keys S
wait_for "settings saved to $CFG"
for line in "sort = failed" "reverse = true" "filter = .site" "window = 2h" "delay = 0.3" \
            "stale = 30m" "mouse = false" "good = 85%" "min_ended = 10" "scheme = default"; do
    grep -qx "$line" "$CFG" || fail "S: no '$line' in $(cat "$CFG")"
done
mode=$(stat -c %a "$CFG")
[ "$mode" = "$(printf %o $((0666 & ~$(umask))))" ] || fail "S: mode $mode (umask $(umask))"
[ "$(stat -c %a "$(dirname "$CFG")")" = 700 ] || fail "S: directory not 0700"
[ "$(ls "$(dirname "$CFG")")" = config ] || fail "S left files: $(ls "$(dirname "$CFG")")"
quit_restored
$T kill-session -t e2e
start 100 30 "$PD --db $DB top"
wait_for "filter: \.site"
screen | sed -n 5p | grep -Eq "FAIL(▲|▼)" || fail "the saved sort is not used"
screen | grep -q "of 2h" || fail "the saved window is not used"
[ "$($T display-message -p -t e2e '#{mouse_any_flag}')" = 0 ] || fail "saved mouse = false: mouse on"
quit_restored
[ "$(order)" = "$(order --sort failed --reverse --filter .site)" ] || fail "--once ignores the saved file"
ok "S writes the settings (mode $mode, directory 0700) and a new top uses them"

# --config FILE: read there and S writes there; the default file stays.
printf '[top]\nsort = active\n' > "$WORK/other.ini"
$T kill-session -t e2e
start 100 30 "$PD --db $DB top --config $WORK/other.ini"
wait_for "^alpha\.site"
screen | sed -n 5p | grep -Eq "ACT/CAP(▲|▼)" || fail "--config: its sort is not used"
keys r S
wait_for "settings saved to $WORK/other\.ini"
grep -qx "reverse = true" "$WORK/other.ini" || fail "--config: S did not write there"
grep -qx "sort = failed" "$CFG" || fail "--config: the default file changed"
quit_restored
ok "--config FILE is read and written instead"

# Colours: an element of the file, the mono scheme, the built-in ones.
title_codes() {
    $T capture-pane -e -p -t e2e | sed -n 1p | cut -c1-40
}
esc=$(printf '\033')
printf '[colors]\ntitle = white on red bold\n' > "$CFG"
$T kill-session -t e2e
start 100 30 "$PD --db $DB top"
wait_for "^alpha\.site"
title_codes | grep -q "${esc}\[\([0-9]*;\)*41m" || fail "title = white on red: $(title_codes | cat -v)"
quit_restored
printf '[colors]\nscheme = mono\n' > "$CFG"
$T kill-session -t e2e
start 100 30 "$PD --db $DB top"
wait_for "^alpha\.site"
if $T capture-pane -e -p -t e2e | grep -q "${esc}\[[34][0-7]m"; then fail "mono: colours on screen"; fi
title_codes | grep -q "${esc}\[[0-9;]*7m" || fail "mono: the title is not in reverse video"
quit_restored
$T kill-session -t e2e
start 100 30 "$PD --db $DB top --no-config"
wait_for "^alpha\.site"
title_codes | grep -q "${esc}\[\([0-9]*;\)*44m" || fail "built-in: the title is not on blue"
quit_restored
ok "colours: an element from the file, the mono scheme, the built-in ones"
echo "PASS"
