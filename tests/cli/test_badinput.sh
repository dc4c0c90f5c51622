#!/bin/sh
# Bad input to the pilotdeck command, end to end: options, values and names
# for every subcommand, and database files that are missing, empty,
# truncated, corrupted, foreign, newer, read-only or a directory.  Each
# refusal must name what was wrong, exit 2 (usage) or 1 (refused), and leave
# the database's bytes and mtime as they were (no -wal left behind either).
# (tests/cli/test_cli.sh covers the everyday refusals; this adds the rest.)
# Usage: test_badinput.sh PATH/TO/pilotdeck SOURCE_DIR
set -u
PD=${1:?usage: test_badinput.sh PATH/TO/pilotdeck SOURCE_DIR}
SRC=${2:?usage: test_badinput.sh PATH/TO/pilotdeck SOURCE_DIR}
cli_name=bad
. "$(dirname "$0")/common.sh"

# A refusal says so on stderr, names the program, prints nothing on stdout.
said() {
    case "$err" in "pilotdeck: "*"$1"*) ok ;; *) bad "stderr '$err' lacks 'pilotdeck: ...$1'" ;; esac
    [ -z "$out" ] && ok || bad "output on stdout before a refusal: $out"
}

# refuse STATUS NEEDLE CMD...: refused with STATUS, message has NEEDLE, nothing written.
refuse() {
    want=$1 needle=$2; shift 2
    save
    expect "$want" "$@"
    said "$needle"
    unchanged "$*"
}

"$PD" init >/dev/null || { echo "init failed"; exit 1; }
"$PD" ce add ce-a.example.org --capacity 2 --success-rate 0.5 >/dev/null &&
"$PD" ce add ce-b.example.org --capacity 1 --success-rate 1 >/dev/null &&
"$PD" pilot submit ce-a.example.org >/dev/null || { echo "setup failed"; exit 1; }
sleep 0.01 # so that a write in the same clock tick would still change the mtime

# -- every subcommand: unknown options, missing values, extra arguments --------
# (commands without options call a stray option an unexpected argument)
refuse 2 "'--frob'" "$PD" init --frob
refuse 2 "unexpected argument" "$PD" init now
refuse 2 "unknown option '--frob'" "$PD" ce add x --capacity 1 --success-rate 1 --frob
refuse 2 "unknown option '-z'" "$PD" ce add x -z
refuse 2 "unknown option '--frob'" "$PD" ce set ce-a.example.org --frob
refuse 2 "unknown option '--frob'" "$PD" ce list --frob
refuse 2 "'--frob'" "$PD" pilot submit ce-a.example.org --frob
refuse 2 "'--frob'" "$PD" pilot set 1 running --frob
refuse 2 "unknown option '--frob'" "$PD" pilot list --frob
refuse 2 "unknown option '--frob'" "$PD" summary --frob
refuse 2 "unknown option '--frob'" "$PD" sim "$SRC/scenarios/tutorial.ini" --frob
refuse 2 "unknown option '--frob'" "$PD" top --once --frob
refuse 2 "unknown option '--frob'" "$PD" demo --frob
refuse 2 "needs a value" "$PD" ce set ce-a.example.org --capacity
refuse 2 "needs a value" "$PD" ce set ce-a.example.org --success-rate
refuse 2 "needs a value" "$PD" pilot list --status
refuse 2 "needs a value" "$PD" pilot list --ce
refuse 2 "needs a value" "$PD" sim "$SRC/scenarios/tutorial.ini" --seed
refuse 2 "needs a value" "$PD" sim "$SRC/scenarios/tutorial.ini" --until
refuse 2 "needs a value" "$PD" sim "$SRC/scenarios/tutorial.ini" --csv
refuse 2 "needs a value" "$PD" top --once --width
refuse 2 "needs a value" "$PD" top --once --sort
refuse 2 "needs a value" "$PD" demo --speed
refuse 2 "unexpected argument 'b'" "$PD" ce list b
refuse 2 "unexpected argument" "$PD" ce add x y --capacity 1 --success-rate 1
refuse 2 "unexpected argument" "$PD" pilot set 1 running now
refuse 2 "unexpected argument" "$PD" summary now
refuse 2 "unexpected argument 'b'" "$PD" sim a b
refuse 2 "unexpected argument" "$PD" top --once now
refuse 2 "missing SCENARIO" "$PD" sim
refuse 2 "unknown subcommand" "$PD" ce frob
refuse 2 "unknown option '--frob'" "$PD" --frob summary
refuse 2 "--db needs a path" "$PD" --db= summary
refuse 2 "--db needs a path" "$PD" sim "$SRC/scenarios/tutorial.ini" --db ""
# an unknown letter in a group of short options is named by itself
refuse 2 "unknown option '-z' (see 'pilotdeck ce list --help')" "$PD" ce list -zh
refuse 2 "unknown option '-z'" "$PD" summary -zh
refuse 2 "unknown option '-z'" "$PD" pilot submit -zh ce-a.example.org

# -- wrong types, negative and huge numbers ------------------------------------------
for cap in 1.5 0x10 " 5" "5 " "" -1 -0x1 9223372036854775808 -9223372036854775809 1e3 +; do
    refuse 2 "--capacity" "$PD" ce add x --capacity "$cap" --success-rate 1
    refuse 2 "--capacity" "$PD" ce set ce-a.example.org --capacity "$cap"
done
for rate in nan NaN -nan inf -inf infinity 1e400 -0.1 1.1 1.0000001 abc "" 0.5x 0,5; do
    refuse 2 "--success-rate" "$PD" ce add x --capacity 1 --success-rate "$rate"
    refuse 2 "--success-rate" "$PD" ce set ce-a.example.org --success-rate "$rate"
done
for id in 0 0x1 1.0 -1 "" 99999999999999999999 " 1"; do
    refuse 2 "" "$PD" pilot set "$id" running
done
refuse 1 "no pilot with id 9223372036854775807" "$PD" pilot set 9223372036854775807 running
refuse 2 "not a status" "$PD" pilot set 1 "running; DROP TABLE pilot"
refuse 2 "not a status" "$PD" pilot set 1 ""
for seed in -1 9223372036854775808 abc 1.5 ""; do
    refuse 2 "--seed" "$PD" sim "$SRC/scenarios/tutorial.ini" --seed "$seed"
done
for until in 5 -5s 1x "" nan 1e3h 99999999999999999999d; do
    refuse 2 "--until" "$PD" sim "$SRC/scenarios/tutorial.ini" --until "$until"
done
refuse 2 "after the end" "$PD" sim "$SRC/scenarios/tutorial.ini" --until 2d
for width in 5 59 1001 100000 abc -80 ""; do
    refuse 2 "--width" "$PD" top --once --width "$width"
done
for interval in nan inf 0 -1 0.01 x; do
    refuse 2 "--interval" "$PD" top --interval "$interval"
done
for speed in nan inf 0 -1 1e9; do
    refuse 2 "--speed" "$PD" demo --speed "$speed"
done

# -- names: quotes, semicolons, newlines, control bytes, bad UTF-8, length ------
name255=$(printf '%0255d' 0)
name256=$(printf '%0256d' 0)
refuse 1 "empty" "$PD" ce set "" --capacity 1
refuse 1 "empty" "$PD" pilot submit ""
refuse 1 "control character" "$PD" ce add "$(printf 'a\tb')" --capacity 1 --success-rate 1
refuse 1 "control character" "$PD" ce add "$(printf 'esc\033[31m')" --capacity 1 --success-rate 1
refuse 1 "control character" "$PD" ce set "$(printf 'ce-a.example.org\nx')" --capacity 1
refuse 1 "control character" "$PD" pilot submit "$(printf 'ce-a.example.org\r')"
refuse 1 "UTF-8" "$PD" ce add "$(printf 'caf\351')" --capacity 1 --success-rate 1
refuse 1 "UTF-8" "$PD" ce add "$(printf '\300\257')" --capacity 1 --success-rate 1
refuse 1 "UTF-8" "$PD" pilot submit "$(printf '\377')"
refuse 1 "limit" "$PD" ce add "$name256" --capacity 1 --success-rate 1
refuse 1 "limit" "$PD" pilot submit "$name256"
refuse 1 "limit" "$PD" ce set "$name256" --disable
refuse 1 "no CE named" "$PD" pilot submit "ce-a.example.org'; --"
refuse 1 "no CE named" "$PD" ce set "ce-a.example.org\" OR 1=1" --capacity 9
refuse 1 "" "$PD" pilot list --ce "$(printf 'a\nb')"
expect 0 "$PD" ce add "$name255" --capacity 1 --success-rate 1
expect 0 "$PD" ce list --json; has "$out" "\"name\":\"$name255\""
# a name that looks like an option is data after --
expect 0 "$PD" ce add --capacity 1 --success-rate 1 -- --capacity
expect 0 "$PD" ce list --json;   has "$out" '"name":"--capacity","site":null,"capacity":1'
expect 0 "$PD" pilot list --ce ce-b.example.org
[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && ok || bad "pilot list of an empty CE: $out"
expect 0 "$PD" summary --json
[ "$out" = '{"submitted":1,"running":0,"done":0,"failed":0}' ] && ok || bad "summary after refusals: $out"

# -- sim: scenario files -------------------------------------------------------------
sim_refuse() { # sim_refuse NEEDLE SCENARIO: refused, and no database created
    rm -f "$work/sim.db"
    expect 1 "$PD" sim "$2" --db "$work/sim.db"
    said "$1"
    [ ! -e "$work/sim.db" ] && ok || bad "sim created a database for a refused scenario"
}
sim_refuse "No such file" "$work/nope.ini"
mkdir "$work/dir.ini"
sim_refuse "$work/dir.ini" "$work/dir.ini"
: >"$work/empty.ini"
sim_refuse "empty.ini:1: [scenario] needs a duration" "$work/empty.ini"
printf '[scenario]\nduration = 1h\n[ce a]\ncapacity = 1\000\n' >"$work/nul.ini"
sim_refuse "NUL byte" "$work/nul.ini"
printf '[scenario]\nduration = 1h\n[ce a]\n[ce b]\ncapacity = 1\n' >"$work/emptyce.ini"
sim_refuse "emptyce.ini:3: section [ce a] has no keys" "$work/emptyce.ini"
printf '[scenario]\nduration = 1h\n[ce a]\ncapacity = 1\narrival_rate = 5\n' >"$work/rate.ini"
sim_refuse "rate.ini:5: arrival_rate needs policy = arrivals" "$work/rate.ini"
{ printf '[scenario]\nduration = 1h\n[ce a]\ncapacity = 1\n; '; printf '%0300d\n' 0; } >"$work/long.ini"
sim_refuse "long.ini:5: line too long" "$work/long.ini"
# an indented line (inih would read it as the continuation of the value above)
printf '[scenario]\nduration = 1h\n[ce a]\ncapacity = 1\n  success_rate = 0.5\n' >"$work/indent.ini"
sim_refuse "indent.ini:5: indented line" "$work/indent.ini"
printf '[scenario]\nduration = 1h\n  ; an indented comment is fine\n[ce a]\ncapacity = 1\n\t[ce b]\n' >"$work/indent2.ini"
sim_refuse "indent2.ini:6: indented line" "$work/indent2.ini"
printf '[scenario]\nduration = 1h\n[ce a]\ncapacity = 1\nsuccess_rate = nan\n' >"$work/nan.ini"
sim_refuse "nan.ini:5: success_rate" "$work/nan.ini"
if [ "$(id -u)" != 0 ]; then
    cp "$SRC/scenarios/tutorial.ini" "$work/unreadable.ini" && chmod 000 "$work/unreadable.ini"
    sim_refuse "Permission denied" "$work/unreadable.ini"
fi
# --csv that cannot be written: refused before any database is made
rm -f "$work/sim.db"
expect 1 "$PD" sim "$SRC/scenarios/tutorial.ini" --db "$work/sim.db" --csv "$work/no/such/dir.csv"
said "No such file"
[ ! -e "$work/sim.db" ] && ok || bad "sim created a database despite a bad --csv"
# a database that already holds the scenario's CEs is refused, untouched
expect 0 "$PD" sim "$SRC/scenarios/tutorial.ini" --db "$work/sim.db" --until 10m
save "$work/sim.db"
expect 1 "$PD" sim "$SRC/scenarios/tutorial.ini" --db "$work/sim.db" --until 10m
said "$work/sim.db"
unchanged "a second sim into the same database"

# -- database files ----------------------------------------------------------------------
# The reference: a small pilotdeck database, checkpointed (no WAL).
cp "$PILOTDECK_DB" "$work/good.db"
pages=$(( $(stat -c %s "$work/good.db") / 4096 ))
[ "$pages" -ge 4 ] && ok || bad "reference database has only $pages pages"

# files_refused NAME NEEDLE [ERE]: every read and write command refuses the
# file at $work/NAME with exit 1 and a message containing NEEDLE (and
# matching ERE), and leaves it as it was.
files_refused() {
    f=$work/$1 needle=$2 re=${3:-.}
    for cmd in "summary" "ce list" "pilot list" "top --once" "top --once --json" \
               "ce add new --capacity 1 --success-rate 1" "ce set ce-a.example.org --disable" \
               "pilot submit ce-a.example.org" "pilot set 1 running"; do
        save "$f"
        # shellcheck disable=SC2086
        expect 1 "$PD" --db "$f" $cmd
        said "$needle"
        printf '%s' "$err" | grep -qE "$re" && ok || bad "$cmd on $1: '$err' does not match $re"
        unchanged "$cmd on $1"
    done
    [ ! -e "$f-wal" ] && [ ! -e "$f-shm" ] && ok || bad "$1: -wal/-shm left behind"
}

# missing: reported, not created (only init creates)
files_refused missing.db "missing.db" "No such file|no database at"
[ ! -e "$work/missing.db" ] && ok || bad "a command created missing.db"
# empty
: >"$work/empty.db"
files_refused empty.db "empty"
# truncated: cut after one page, after half, one page short
for keep in 4096 $((pages / 2 * 4096)) $(((pages - 1) * 4096)) 100 4000; do
    head -c "$keep" "$work/good.db" >"$work/trunc.db"
    files_refused trunc.db "malformed"
done
# corrupted header: the magic string, the page size, the in-header page count
cp "$work/good.db" "$work/hdr.db"; printf 'NOT SQLite fmt\000' | dd of="$work/hdr.db" conv=notrunc 2>/dev/null
files_refused hdr.db "not a pilotdeck database"
cp "$work/good.db" "$work/hdr.db"; printf '\377\377' | dd of="$work/hdr.db" bs=1 seek=16 conv=notrunc 2>/dev/null
files_refused hdr.db "not a pilotdeck database"
cp "$work/good.db" "$work/hdr.db"; printf '\177\377\377\377' | dd of="$work/hdr.db" bs=1 seek=28 conv=notrunc 2>/dev/null
files_refused hdr.db "malformed"
# corrupted in the middle: the schema on page 1, the CE table's page 2
# (which every command reads)
cp "$work/good.db" "$work/mid.db"
head -c 200 /dev/zero | tr '\0' 'Z' | dd of="$work/mid.db" bs=1 seek=$((4096 - 300)) conv=notrunc 2>/dev/null
files_refused mid.db "malformed database schema"
cp "$work/good.db" "$work/mid.db"
head -c 4000 /dev/zero | tr '\0' '\377' | dd of="$work/mid.db" bs=1 seek=4096 conv=notrunc 2>/dev/null
files_refused mid.db "" "malformed|corrupt"
# not a pilotdeck database: a text file, another application's SQLite file
printf 'name,capacity\nce-a,10\n' >"$work/text.db"
files_refused text.db "not a pilotdeck database"
cp "$work/good.db" "$work/other.db"
printf '\000\000\000\001' | dd of="$work/other.db" bs=1 seek=68 conv=notrunc 2>/dev/null  # application_id
files_refused other.db "not a pilotdeck database"
# newer schema: user_version (offset 60) far ahead
cp "$work/good.db" "$work/newer.db"
printf '\000\000\000\143' | dd of="$work/newer.db" bs=1 seek=60 conv=notrunc 2>/dev/null
files_refused newer.db "newer"
save "$work/newer.db"
expect 1 "$PD" --db "$work/newer.db" init;   said "newer"; unchanged "init on a newer schema"
save "$work/other.db"
expect 1 "$PD" --db "$work/other.db" init;   said "not a pilotdeck database"; unchanged "init on another db"
# a directory in its place
mkdir "$work/dir.db"
files_refused dir.db "is a directory"
expect 1 "$PD" --db "$work/dir.db" init;     said "directory"
expect 1 "$PD" sim "$SRC/scenarios/tutorial.ini" --db "$work/dir.db"; said "directory"
# a read-only file in a writable directory: writes refused, reads work
# (as root, run as nobody: root may write anything)
as_user=""
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
    as_user="runuser -u nobody --"
fi
if [ "$(id -u)" != 0 ] || [ -n "$as_user" ]; then
    mkdir "$work/ro" && cp "$work/good.db" "$work/ro/ro.db" && chmod 444 "$work/ro/ro.db"
    chmod 1777 "$work/ro" && chmod 755 "$work"
    for cmd in "ce add new --capacity 1 --success-rate 1" "ce set ce-a.example.org --disable" \
               "pilot submit ce-a.example.org" "pilot set 1 running"; do
        save "$work/ro/ro.db"
        # shellcheck disable=SC2086
        expect 1 $as_user "$PD" --db "$work/ro/ro.db" $cmd
        said "readonly"
        unchanged "$cmd on a read-only file"
    done
    save "$work/ro/ro.db"
    expect 0 $as_user "$PD" --db "$work/ro/ro.db" top --once --json;  has "$out" "ce-a.example.org"
    unchanged "top --once on a read-only file"
    # init has nothing to do on a current database, so it may succeed
    expect 0 $as_user "$PD" --db "$work/ro/ro.db" init;  has "$out" "schema version"
    unchanged "init on a read-only file"
    chmod 700 "$work"
fi
# the good reference survived all of the above and is consistent
cmp -s "$work/good.db" "$PILOTDECK_DB" && ok || bad "reference database changed"
expect 0 "$PD" --db "$work/good.db" summary --json
[ "$out" = '{"submitted":1,"running":0,"done":0,"failed":0}' ] && ok || bad "good.db: $out"

finish
