#!/bin/sh
# edits.sh - safe edits in `pilotdeck top` end to end (tmux): e, + and -
# show the change and write it only on y, anything else cancels; u undoes
# this session's edits through the change log; --read-only and a 0444 file
# refuse every edit key and say so in the header.
# Usage: edits.sh PATH/TO/pilotdeck
set -u
PD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/lib.sh"
DB="$WORK/edits.db"
ME=$(id -un)

"$PD" --db "$DB" init >/dev/null || fail "init"
"$PD" --db "$DB" ce add alpha.site --capacity 10 --success-rate 0.9 >/dev/null || fail "ce add"
"$PD" --db "$DB" ce add beta.site --capacity 4 --success-rate 0.9 >/dev/null || fail "ce add"

# The database keeps field $2 of CE $1 at $3 for a while (nothing written).
still() {
    sleep 0.4
    [ "$(field "$(ce_json "$1")" "$2")" = "$3" ] ||
        fail "CE $1: $2 is $(field "$(ce_json "$1")" "$2") without a y, expected $3"
}

start 100 30 "$PD --db $DB top -d 0.2"
wait_for "^alpha\.site"

# + three times: one question for the sum; n cancels.
keys + + +
wait_for "alpha\.site: capacity 10 -> 13\?  y applies, any other key cancels"
still alpha.site capacity 10
keys n
wait_for "cancelled: alpha\.site was not changed"
still alpha.site capacity 10
# - takes back a + before y; y writes.
keys + + + -
wait_for "alpha\.site: capacity 10 -> 12\?"
keys y
wait_for "alpha\.site: capacity 10 -> 12$"
wait_db alpha.site capacity 12
wait_for "^alpha\.site .* 0/12 "
ok "+ and - ask first: n cancels, y writes"

# e asks too; Escape (any key) cancels, y disables.
keys e
wait_for "disable alpha\.site\?  y applies"
keys Escape
wait_for "cancelled: alpha\.site was not changed"
still alpha.site enabled true
keys e y
wait_for "alpha\.site: disabled"
wait_db alpha.site enabled false
keys j - y
wait_db beta.site capacity 3
ok "e asks first: Escape cancels, y writes"

# u undoes, newest first, through the change log as by top and the user.
keys u
wait_for "undone: beta\.site: capacity 3 -> 4"
wait_db beta.site capacity 4
keys u
wait_for "undone: alpha\.site: enabled"
wait_db alpha.site enabled true
keys u
wait_for "undone: alpha\.site: capacity 12 -> 10"
wait_db alpha.site capacity 10
keys u
wait_for "nothing to undo"
hist=$("$PD" --db "$DB" ce history alpha.site --json) || fail "ce history"
case "$hist" in
    *'"field":"capacity","old":12,"new":10,"by":"top","user":"'"$ME"'"'*) ;;
    *) fail "the undo is not logged as by top and $ME: $hist" ;;
esac
ok "u undoes each edit of the session, logged as by top and $ME"

# Someone else changed the CE since: u says so and leaves it.
keys k + y
wait_db alpha.site capacity 11
"$PD" --db "$DB" ce set alpha.site --capacity 20 >/dev/null || fail "ce set"
wait_for "^alpha\.site .* 0/20 "
keys u
wait_for "not undone: alpha\.site was changed since \(capacity is 20 now\)"
still alpha.site capacity 20
# y with nothing asked
keys y
wait_for "nothing to confirm"
quit_restored
ok "u leaves a CE someone else changed since"

# --read-only: every edit key refused, the header says read-only.
$T kill-session -t e2e
start 100 30 "$PD --db $DB top --read-only"
wait_for "read-only \(--read-only\): changes are refused"
screen | sed -n 1p | grep -q "\[read-only\]" || fail "--read-only: the header does not say read-only"
for k in e + -; do
    keys "$k"
    wait_for "read-only database: alpha\.site was not changed"
    keys y
    wait_for "nothing to confirm"
done
keys u
wait_for "read-only database: nothing to undo"
still alpha.site capacity 20
still alpha.site enabled true
quit_restored
ok "--read-only refuses e, +, - and u"

# A 0444 file: the same, forced.  Root may write anything, so as root the
# dashboard runs as nobody.
as_user=""
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
    as_user="runuser -u nobody --"
fi
if [ "$(id -u)" != 0 ] || [ -n "$as_user" ]; then
    $T kill-session -t e2e
    cp "$DB" "$WORK/ro.db" && chmod 444 "$WORK/ro.db" && chmod 1777 "$WORK"
    start 100 30 "$as_user $PD --db $WORK/ro.db top"
    wait_for "read-only: '.*ro\.db' is not writable"
    screen | sed -n 1p | grep -q "\[read-only\]" || fail "0444: the header does not say read-only"
    keys +
    wait_for "read-only database: alpha\.site was not changed"
    keys u
    wait_for "read-only database: nothing to undo"
    [ "$(DB=$WORK/ro.db; field "$(ce_json alpha.site)" capacity)" = 20 ] || fail "0444 file changed"
    quit_restored
    ok "a 0444 file opens read-only and refuses edits"
else
    echo "note: running as root without runuser, the 0444 check was not run"
fi
echo "PASS"
