#!/bin/sh
# End-to-end tests of the pilotdeck command's data operations: outputs,
# JSON, exit statuses, and that a refused command writes nothing.
# Usage: test_cli.sh PATH/TO/pilotdeck
set -u
PD=${1:?usage: test_cli.sh PATH/TO/pilotdeck}
cli_name=cli
. "$(dirname "$0")/common.sh"

# -- help and version ----------------------------------------------------
expect 0 "$PD" --help;            has "$out" "usage: pilotdeck"
expect 0 "$PD" --version;         has "$out" "pilotdeck "
for c in init ce pilot summary "ce add" "ce set" "ce list" "pilot submit" \
         "pilot set" "pilot list"; do
    # shellcheck disable=SC2086
    expect 0 "$PD" $c --help;     has "$out" "usage:"
done
expect 2 "$PD";                   has "$err" "usage:"
expect 2 "$PD" frobnicate;        has "$err" "unknown command 'frobnicate'"
expect 2 "$PD" --frob;            has "$err" "unknown option '--frob'"
expect 2 "$PD" --db;              has "$err" "--db needs a path"
# Every command's help, from the command table: --help and -h print it and
# exit 0, and 'pilotdeck help COMMAND [SUBCOMMAND]' prints the same.
expect 0 "$PD" help;              [ "$out" = "$("$PD" --help)" ] && ok || bad "help differs from --help"
commands=$("$PD" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p')
case "$commands" in *init*merge*help*) ok ;; *) bad "commands in --help: $commands" ;; esac
for c in $commands "ce add" "ce set" "ce list" "pilot submit" "pilot set" "pilot list"; do
    # shellcheck disable=SC2086
    expect 0 "$PD" $c --help;     has "$out" "usage: pilotdeck"; help=$out
    # shellcheck disable=SC2086
    expect 0 "$PD" $c -h;         [ "$out" = "$help" ] && ok || bad "'$c -h' differs from '$c --help'"
    # shellcheck disable=SC2086
    expect 0 "$PD" help $c;       [ "$out" = "$help" ] && ok || bad "'help $c' differs from '$c --help'"
done
expect 2 "$PD" help frob;         has "$err" "unknown command 'frob'"
expect 2 "$PD" help ce frob;      has "$err" "ce: unknown subcommand 'frob' (add, set, list, history)"
expect 2 "$PD" help sim extra;    has "$err" "unexpected argument 'extra'"

# -- a missing database is reported and not created -------------------------
expect 1 "$PD" ce add a --capacity 1 --success-rate 1
has "$err" "No such file"; has "$err" " init'"
[ ! -e "$PILOTDECK_DB" ] && ok || bad "ce add created the database"
expect 1 "$PD" summary
[ ! -e "$PILOTDECK_DB" ] && ok || bad "summary created the database"

# -- init and CEs -------------------------------------------------------------
expect 0 "$PD" init;              has "$out" "schema version"
expect 0 "$PD" init               # again: nothing to do, still fine
expect 0 "$PD" ce add reliable-ce.example.org --capacity 5 --success-rate 1.0
expect 0 "$PD" ce add flaky-ce.example.org --capacity 3 --success-rate 0.3
expect 0 "$PD" ce add off-ce --capacity 2 --success-rate 0.5 --disabled
expect 0 "$PD" ce list --json
has "$out" '{"name":"flaky-ce.example.org","site":null,"capacity":3,"success_rate":0.3,"enabled":true,"active":0,'
has "$out" '"available_slots":0}'
expect 0 "$PD" ce list --available --json
case "$out" in *off-ce*) bad "disabled CE listed as available" ;; *) ok ;; esac
expect 0 "$PD" ce list;           has "$out" "disabled"

save
expect 1 "$PD" ce add flaky-ce.example.org --capacity 1 --success-rate 1
has "$err" "exists already";      unchanged "duplicate ce add"
for args in "--capacity -1 --success-rate 0.5" "--capacity 1 --success-rate nan" \
            "--capacity 1 --success-rate -0.1" "--capacity 1 --success-rate 1.1" \
            "--capacity x --success-rate 1" "--capacity 1" \
            "--capacity 99999999999999999999 --success-rate 1" \
            "--capacity 1 --success-rate 1 --enable" "--capacity"; do
    # shellcheck disable=SC2086
    expect 2 "$PD" ce add newce $args
    unchanged "ce add newce $args"
done
expect 1 "$PD" ce add "" --capacity 1 --success-rate 1;   has "$err" "empty"
expect 1 "$PD" ce add "$(printf 'a\nb')" --capacity 1 --success-rate 1
has "$err" "control character";   unchanged "ce add with a newline"
expect 2 "$PD" ce set flaky-ce.example.org;                has "$err" "nothing to change"
expect 2 "$PD" ce set flaky-ce.example.org --enable --disable
expect 1 "$PD" ce set nope --enable; has "$err" "no CE named 'nope'"
unchanged "refused ce set"

# Quotes, semicolons and non-ASCII are data.
weird="o'brien\"; DROP TABLE ce; -- été"
expect 0 "$PD" ce add "$weird" --capacity 1 --success-rate 0.25
expect 0 "$PD" ce list --json;    has "$out" "o'brien\\\"; DROP TABLE ce; -- été"
expect 0 "$PD" ce set "$weird" --capacity 2 --disable
expect 0 "$PD" ce list --json;    has "$out" '"capacity":2,"success_rate":0.25,"enabled":false'

# -- pilots -------------------------------------------------------------------
expect 0 "$PD" pilot submit reliable-ce.example.org; [ "$out" = 1 ] && ok || bad "first id $out"
expect 0 "$PD" pilot submit reliable-ce.example.org; [ "$out" = 2 ] && ok || bad "second id $out"
expect 0 "$PD" pilot submit reliable-ce.example.org
expect 0 "$PD" pilot set 3 RUNNING
save
expect 1 "$PD" pilot submit off-ce;  has "$err" "disabled"; unchanged "submit to a disabled CE"
expect 1 "$PD" pilot submit nope;    has "$err" "no CE named 'nope'"
expect 1 "$PD" pilot set 3 submitted; has "$err" "cannot go from running to submitted"
expect 1 "$PD" pilot set 99 running; has "$err" "no pilot with id 99"
expect 2 "$PD" pilot set 3 sleeping; has "$err" "not a status"
expect 2 "$PD" pilot set -3 running
expect 2 "$PD" pilot set x running
expect 2 "$PD" pilot set 3
expect 2 "$PD" pilot submit a b
unchanged "refused pilot commands"
expect 0 "$PD" ce set reliable-ce.example.org --capacity 3
expect 1 "$PD" pilot submit reliable-ce.example.org; has "$err" "full (3 of 3"

expect 0 "$PD" pilot list --status running --json
has "$out" '"pilot_id":3,"ce_name":"reliable-ce.example.org","status":"running","submitted_s":'
expect 0 "$PD" pilot list --ce reliable-ce.example.org
[ "$(printf '%s\n' "$out" | wc -l)" -eq 4 ] && ok || bad "pilot list --ce: $out"
expect 1 "$PD" pilot list --ce nope; [ -z "$out" ] && ok || bad "output before an error: $out"
expect 2 "$PD" pilot list --status nope
expect 0 "$PD" summary --json;    [ "$out" = '{"submitted":2,"running":1,"done":0,"failed":0}' ] && ok || bad "summary $out"
expect 0 "$PD" pilot set 3 done
expect 0 "$PD" pilot set 1 failed
expect 0 "$PD" summary;           has "$out" "done       1"
# A pilot's times: started and ended once they happen, null / "-" before.
expect 0 "$PD" pilot list --status done --json
has "$out" '"pilot_id":3,'
printf '%s' "$out" | grep -Eq '"started_s":[0-9.]+,"started_at":"[0-9-]+T[0-9:.]+Z","ended_s":[0-9.]+,"ended_at":"[0-9-]+T[0-9:.]+Z","updated_s":' && ok || bad "done pilot times: $out"
expect 0 "$PD" pilot list --status failed --json
printf '%s' "$out" | grep -Eq '"pilot_id":1,.*"started_s":null,"started_at":null,"ended_s":[0-9.]+,"ended_at":"[0-9-]+T[0-9:.]+Z",' && ok || bad "failed pilot times: $out"
expect 0 "$PD" pilot list --status submitted
printf '%s\n' "$out" | grep -Eq '^2 +submitted +[0-9-]+T[0-9:]+(Z|[+-][0-9:]+) +- +- +reliable-ce' && ok || bad "submitted pilot: $out"

# -- --db and files that are not ours ------------------------------------------
expect 0 "$PD" --db "$work/other.db" init
expect 0 "$PD" --db="$work/other.db" summary --json
[ "$out" = '{"submitted":0,"running":0,"done":0,"failed":0}' ] && ok || bad "other summary $out"
printf 'not a database at all, just some text that is long enough\n' >"$work/text.db"
cp "$work/text.db" "$work/text.orig"
expect 1 "$PD" --db "$work/text.db" init;  has "$err" "not a pilotdeck database"
cmp -s "$work/text.db" "$work/text.orig" && ok || bad "init modified a foreign file"
mkdir "$work/dir.db"
expect 1 "$PD" --db "$work/dir.db" summary; has "$err" "is a directory"

# -- read-only files ---------------------------------------------------------------
# As root, run as nobody; root may write anything.
as_user=""
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
    as_user="runuser -u nobody --"
fi
if [ "$(id -u)" != 0 ] || [ -n "$as_user" ]; then
    for mode in 1777 755; do  # directory writable, then not
        rodir="$work/ro-$mode"
        mkdir "$rodir" && cp "$PILOTDECK_DB" "$rodir/t.db" && chmod 444 "$rodir/t.db"
        chmod "$mode" "$rodir" "$work"
        cp "$rodir/t.db" "$work/ro.orig"
        expect 1 $as_user "$PD" --db "$rodir/t.db" ce add ro --capacity 1 --success-rate 1
        has "$err" "readonly"
        if [ "$mode" = 1777 ]; then
            expect 0 $as_user "$PD" --db "$rodir/t.db" summary --json
            has "$out" '"running":'
        else
            expect 1 $as_user "$PD" --db "$rodir/t.db" summary --json
            has "$err" "is the directory writable?"
        fi
        cmp -s "$rodir/t.db" "$work/ro.orig" && ok || bad "read-only file changed"
    done
fi

# -- output errors are failures -----------------------------------------------------
if [ -w /dev/full ]; then
    "$PD" summary --json >/dev/full 2>"$work/full.err"; [ $? -eq 1 ] && ok || bad "write error not reported"
    # said once, with the real cause (not again with a stale errno)
    [ "$(wc -l <"$work/full.err")" -eq 1 ] && grep -q "No space left" "$work/full.err" && ok ||
        bad "write error reported as: $(cat "$work/full.err")"
fi

finish
