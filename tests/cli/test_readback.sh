#!/bin/sh
# Reading pilots and the CE change log back, end to end: `pilot list` (ISO
# and virtual times, --ref, --since/--until, --limit, JSON), `pilot show`
# (text timeline, JSON) and `ce history` (table, JSON), on wall-clock and
# simulated databases; refusals exit 1 or 2 and print nothing on stdout;
# reading leaves the database as it was.
# Usage: test_readback.sh PATH/TO/pilotdeck SOURCE_DIR
cli_name=readback
set -u
PD=${1:?usage: test_readback.sh PATH/TO/pilotdeck SOURCE_DIR}
SRC=${2:?usage: test_readback.sh PATH/TO/pilotdeck SOURCE_DIR}
. "$(dirname "$0")/common.sh"

# json TEXT: TEXT is one valid JSON document.
json() {
    if command -v jq >/dev/null 2>&1; then
        printf '%s' "$1" | jq -e . >/dev/null 2>&1
    elif command -v python3 >/dev/null 2>&1; then
        printf '%s' "$1" | python3 -m json.tool >/dev/null 2>&1
    else
        case "$1" in '['*']' | '{'*'}') true ;; *) false ;; esac
    fi && ok || bad "not valid JSON: $1"
}
# jqis TEXT FILTER WANT: jq's FILTER of TEXT prints WANT (skipped without jq).
jqis() {
    command -v jq >/dev/null 2>&1 || { ok; return; }
    got=$(printf '%s' "$1" | jq -c "$2" 2>&1)
    [ "$got" = "$3" ] && ok || bad "jq '$2' gave '$got', wanted '$3' in: $1"
}
# like TEXT ERE: some line of TEXT matches ERE.
like() { printf '%s\n' "$1" | grep -Eq -- "$2" && ok || bad "no line of '$1' matches '$2'"; }
# refused STATUS NEEDLE CMD...: exits STATUS, says NEEDLE, nothing on stdout.
refused() {
    want=$1 needle=$2; shift 2
    expect "$want" "$@"
    has "$err" "$needle"
    [ -z "$out" ] && ok || bad "output on stdout before a refusal of '$*': $out"
}
lines() { printf '%s\n' "$1" | wc -l | tr -d ' '; }

iso_utc='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z'
iso_paris='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+01:00'
json_utc='"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z"'

# -- help ------------------------------------------------------------------------
expect 0 "$PD" pilot show --help;  has "$out" "pilot show ID|REF [--json] [--utc]"
has "$out" "--since T] [--until T] [--limit N]"
expect 0 "$PD" ce history --help;  has "$out" "ce history [NAME] [--since T] [--json]"

# -- a wall-clock database made by hand --------------------------------------------
expect 0 "$PD" init
expect 0 "$PD" ce add ce-a.example.org --capacity 3 --success-rate 0.5
expect 0 "$PD" ce add ce-b.example.org --capacity 2 --success-rate 1
expect 0 "$PD" ce set ce-a.example.org --capacity 4 --disable
expect 0 "$PD" ce set ce-a.example.org --enable
expect 0 "$PD" pilot submit ce-a.example.org   # 1: done
expect 0 "$PD" pilot submit ce-a.example.org   # 2: failed before it started
expect 0 "$PD" pilot submit ce-b.example.org   # 3: running
expect 0 "$PD" pilot submit ce-b.example.org   # 4: submitted
expect 0 "$PD" pilot set 1 running
expect 0 "$PD" pilot set 1 done
expect 0 "$PD" pilot set 2 failed
expect 0 "$PD" pilot set 3 running
save

# -- pilot list ------------------------------------------------------------------------
expect 0 env TZ=UTC "$PD" pilot list
[ "$(lines "$out")" -eq 5 ] && ok || bad "pilot list: $out"
like "$out" '^ID +STATUS +SUBMITTED +STARTED +ENDED +CE +REF$'
like "$out" "^1 +done +$iso_utc +$iso_utc +$iso_utc +ce-a\.example\.org +-$"
like "$out" "^2 +failed +$iso_utc +- +$iso_utc +ce-a\.example\.org +-$"
like "$out" "^4 +submitted +$iso_utc +- +- +ce-b\.example\.org +-$"
expect 0 env TZ=Europe/Paris "$PD" pilot list
like "$out" "^1 +done +$iso_paris +$iso_paris +$iso_paris +ce-a"
expect 0 env TZ=Europe/Paris "$PD" pilot list --utc
like "$out" "^1 +done +$iso_utc +$iso_utc +$iso_utc +ce-a"
expect 0 "$PD" pilot list --json
json "$out"
like "$out" "\"pilot_id\":1,\"ce_name\":\"ce-a.example.org\",\"status\":\"done\",\"submitted_s\":[0-9.]+,\"submitted_at\":$json_utc,\"started_s\":[0-9.]+,\"started_at\":$json_utc,\"ended_s\":[0-9.]+,\"ended_at\":$json_utc,\"updated_s\":[0-9.]+,\"updated_at\":$json_utc,"
has "$out" '"pilot_id":2,"ce_name":"ce-a.example.org","status":"failed",'
has "$out" '"started_s":null,"started_at":null,'
has "$out" '"ref":null,"site":null,"source_status":null,"reason":null,"submitted_kind":"exact","started_kind":"none","ended_kind":"exact"}'
jqis "$out" 'length' 4
jqis "$out" '.[0] | keys_unsorted' '["pilot_id","ce_name","status","submitted_s","submitted_at","started_s","started_at","ended_s","ended_at","updated_s","updated_at","ref","site","source_status","reason","submitted_kind","started_kind","ended_kind"]'
jqis "$out" '[.[] | .ended_at == null]' '[false,false,true,true]'

expect 0 "$PD" pilot list --limit 2
[ "$(lines "$out")" -eq 3 ] && ok || bad "pilot list --limit 2: $out"
expect 0 "$PD" pilot list --limit 1 --json; jqis "$out" '[.[].pilot_id]' '[1]'
expect 0 "$PD" pilot list --status running --limit 5 --json; jqis "$out" '[.[].pilot_id]' '[3]'
expect 0 "$PD" pilot list --ce ce-b.example.org --json; jqis "$out" '[.[].pilot_id]' '[3,4]'
expect 0 "$PD" pilot list --since 2000-01-01 --json; jqis "$out" 'length' 4
expect 0 "$PD" pilot list --since 1h --until 2100-01-01T00:00:00+01:00 --json
jqis "$out" 'length' 4
expect 0 "$PD" pilot list --since 2099-01-01;  [ "$(lines "$out")" -eq 1 ] && ok || bad "future --since: $out"
expect 0 "$PD" pilot list --until 946684800 --json;  [ "$out" = "[]" ] && ok || bad "old --until: $out"
expect 0 "$PD" pilot list --ref no-such-ref --json;  [ "$out" = "[]" ] && ok || bad "--ref: $out"
refused 2 "--limit: 0 is out of range" "$PD" pilot list --limit 0
refused 2 "--limit: -3 is out of range" "$PD" pilot list --limit -3
refused 2 "--limit: 'x' is not a whole number" "$PD" pilot list --limit x
refused 2 "--since: 'yesterday' is not a time" "$PD" pilot list --since yesterday
refused 2 "--until: '2026-12-01T10:00:00' is not a time" "$PD" pilot list --until 2026-12-01T10:00:00
refused 2 "is not before --until" "$PD" pilot list --since 2026-12-02 --until 2026-12-01
refused 1 "no CE named 'nope'" "$PD" pilot list --ce nope --ref x

# -- pilot show ------------------------------------------------------------------------
expect 0 env TZ=UTC "$PD" pilot show 1
like "$out" '^pilot 1$'
like "$out" '^  ce +ce-a\.example\.org$'
like "$out" '^  site +-$'
like "$out" '^  ref +-$'
like "$out" '^  status +done$'
like "$out" '^  reason +-$'
like "$out" "^  submitted +$iso_utc +exact +queued [0-9]+:[0-9]{2}:[0-9]{2}$"
like "$out" "^  running +$iso_utc +exact +ran [0-9]+:[0-9]{2}:[0-9]{2}$"
like "$out" "^  done +$iso_utc +exact$"
expect 0 env TZ=Europe/Paris "$PD" pilot show 2
like "$out" "^  submitted +$iso_paris +exact +queued "
like "$out" '^  running +- +never started$'
like "$out" "^  failed +$iso_paris +exact$"
expect 0 env TZ=Europe/Paris "$PD" pilot show 2 --utc
like "$out" "^  failed +$iso_utc +exact$"
expect 0 "$PD" pilot show 3
like "$out" '^  running .* exact +ran [0-9:]+ so far$'
like "$out" '^  ended +- +not yet$'
expect 0 "$PD" pilot show 4
like "$out" '^  submitted .* queued [0-9:]+ so far$'
like "$out" '^  running +- +not yet$'

expect 0 "$PD" pilot show 1 --json
json "$out"
jqis "$out" 'keys_unsorted' '["id","ce","site","ref","status","source_status","reason","submitted_s","submitted_at","submitted_kind","started_s","started_at","started_kind","ended_s","ended_at","ended_kind","queue_s","run_s"]'
jqis "$out" '[.id, .ce, .site, .ref, .status, .source_status, .reason]' '[1,"ce-a.example.org",null,null,"done",null,null]'
jqis "$out" '[.submitted_kind, .started_kind, .ended_kind]' '["exact","exact","exact"]'
jqis "$out" '[.queue_s, .run_s] | map(type)' '["number","number"]'
like "$out" "\"ended_s\":[0-9.]+,\"ended_at\":$json_utc,\"ended_kind\":\"exact\""
expect 0 "$PD" pilot show 2 --json
jqis "$out" '[.started_s, .started_at, .started_kind, .run_s, (.queue_s | type)]' '[null,null,"none",null,"number"]'
expect 0 "$PD" pilot show 4 --json
jqis "$out" '[.started_kind, .ended_kind, .queue_s, .run_s]' '["none","none",null,null]'
refused 1 "no pilot with id or ref '99'" "$PD" pilot show 99
refused 1 "no pilot with ref 'no-such-ref'" "$PD" pilot show no-such-ref
refused 1 "control character" "$PD" pilot show "$(printf 'a\033[2Jb')"
refused 2 "missing pilot id or ref" "$PD" pilot show
refused 2 "unexpected argument" "$PD" pilot show 1 2

# -- ce history ------------------------------------------------------------------------
expect 0 env TZ=UTC "$PD" ce history
like "$out" '^AT +CE +FIELD +OLD +NEW +BY +USER$'
[ "$(lines "$out")" -eq 10 ] && ok || bad "ce history: $out"
# newest first: the last change of ce-a, then the one before
[ "$(printf '%s\n' "$out" | sed -n 2p | awk '{print $2, $3, $4, $5}')" = "ce-a.example.org enabled no yes" ] &&
    ok || bad "ce history newest first: $out"
[ "$(printf '%s\n' "$out" | sed -n 3p | awk '{print $2, $3, $4, $5}')" = "ce-a.example.org enabled yes no" ] &&
    ok || bad "ce history second: $out"
like "$out" "^$iso_utc +ce-a\.example\.org +capacity +3 +4 +[a-z]+ "
like "$out" "^$iso_utc +ce-b\.example\.org +success_rate +- +1 "
like "$out" "^$iso_utc +ce-a\.example\.org +capacity +- +3 "
expect 0 env TZ=Europe/Paris "$PD" ce history ce-b.example.org
[ "$(lines "$out")" -eq 4 ] && ok || bad "ce history ce-b: $out"
like "$out" "^$iso_paris +ce-b\.example\.org +enabled +- +yes "
expect 0 "$PD" ce history --json
json "$out"
jqis "$out" 'length' 9
jqis "$out" '[.[] | keys_unsorted] | unique' '[["changed_s","changed_at","ce","field","old","new","by","user"]]'
jqis "$out" '.[0] | [.ce, .field, .old, .new]' '["ce-a.example.org","enabled",false,true]'
jqis "$out" '[.[].by] | unique' '["cli"]'
login=$(id -un 2>/dev/null) && jqis "$out" '[.[].user] | unique' "[\"$login\"]"
jqis "$out" '[.[] | select(.field == "capacity") | [.old, .new]]' '[[3,4],[null,2],[null,3]]'
jqis "$out" '[.[] | select(.field == "success_rate") | .new]' '[1,0.5]'
like "$out" "^\\[\\{\"changed_s\":[0-9.]+,\"changed_at\":$json_utc,\"ce\":\"ce-a.example.org\",\"field\":\"enabled\",\"old\":false,\"new\":true,\"by\":\"[a-z]+\",\"user\":"
expect 0 "$PD" ce history ce-b.example.org --since 2099-01-01 --json
[ "$out" = "[]" ] && ok || bad "ce history --since future: $out"
expect 0 "$PD" ce history --since 1h --json; jqis "$out" 'length' 9
refused 1 "no CE named 'nope'" "$PD" ce history nope
refused 2 "--since: 'soon' is not a time" "$PD" ce history --since soon
refused 2 "unexpected argument" "$PD" ce history ce-a.example.org ce-b.example.org
unchanged "reading pilots and the change log"

# -- text a database file holds never reaches the terminal raw ------------------------------
# The layer refuses control characters; a file written by other means may hold them.
if command -v sqlite3 >/dev/null 2>&1; then
    sqlite3 "$PILOTDECK_DB" "INSERT INTO pilot_source(pilot_id, ref, reason, source_status)
        VALUES (2, 'raw-ref', 'esc' || char(27) || '[2J c1' || char(155) || ' bad' ||
        CAST(x'ff' AS TEXT) || ' end', 'Rem' || char(7) || 'oved')"
    expect 0 "$PD" pilot show raw-ref
    like "$out" '^pilot 2$'
    has "$out" '  reason         esc\x1b[2J c1\xc2\x9b bad\xff end'
    has "$out" '  source status  Rem\x07oved'
    printf '%s' "$out" | LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177-\377]')" &&
        bad "control character or non-ASCII byte in pilot show: $out" || ok
    expect 0 "$PD" pilot list --ref raw-ref
    like "$out" '^2 +failed .* raw-ref$'
    # bytes that are not UTF-8 are written as the text \xNN, as on a terminal
    expect 0 "$PD" pilot list --json
    json "$out"
    has "$out" '"reason":"esc\u001B[2J c1\u009B bad\\xff end"'
    sqlite3 "$PILOTDECK_DB" "UPDATE pilot_source SET reason = 'a' || char(27) || 'b' WHERE pilot_id = 2"
    expect 0 "$PD" pilot list --ref raw-ref --json
    json "$out"
    has "$out" '"ref":"raw-ref","site":null,"source_status":"Rem\u0007oved","reason":"a\u001Bb",'
    expect 0 "$PD" pilot show raw-ref --json
    has "$out" '"reason":"a\u001Bb"'
    # CE names and the change log, in the tables
    sqlite3 "$PILOTDECK_DB" "UPDATE ce SET name = name || char(27) || '[31m' || char(155)
        WHERE ce_id = 1; INSERT INTO ce_change(at, ce_id, field, old_value, new_value, actor,
        user_name) VALUES (0, 1, 'site', NULL, 'S' || char(7), 'cli', 'u' || char(27))"
    for cmd in "ce list" "ce history" "pilot list"; do
        # shellcheck disable=SC2086
        expect 0 "$PD" $cmd
        has "$out" '\x1b[31m\xc2\x9b'
        printf '%s' "$out" | LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177]')" &&
            bad "control character in $cmd: $out" || ok
    done
else
    echo "sqlite3 not found: the raw text checks are skipped"
fi

# -- ingested pilots: refs, sites, reasons, observed and unknown times ------------------------
real=$work/real.db
cat >"$work/in.jsonl" <<'EOF'
{"ref": "grid#1.0#1", "ce": "ce-a.example.org", "status": "submitted", "at": "2026-12-01T10:00:00Z", "site": "T2_EXAMPLE"}
{"ref": "grid#1.0#1", "ce": "ce-a.example.org", "status": "running", "at": "2026-12-01T10:05:00Z"}
{"ref": "grid#1.0#1", "ce": "ce-a.example.org", "status": "done", "at": "2026-12-01T11:05:00Z", "source_status": "Completed"}
{"ref": "grid#2.0#1", "ce": "ce-a.example.org", "status": "submitted", "at": "2026-12-01T10:00:00Z"}
{"ref": "grid#2.0#1", "ce": "ce-a.example.org", "status": "running", "at": "2026-12-01T10:30:00Z", "observed": true}
{"ref": "grid#3.0#1", "ce": "ce-b.example.org", "status": "done", "at": "2026-12-01T12:00:00+01:00"}
{"ref": "grid#4.0#1", "ce": "ce-b.example.org", "status": "submitted", "at": 1796119200}
{"ref": "grid#4.0#1", "ce": "ce-b.example.org", "status": "failed", "at": "2026-12-01T10:20:00Z", "reason": "removed by the factory: idle too long", "source_status": "Removed"}
{"ref": "777", "ce": "ce-b.example.org", "status": "submitted", "at": "2026-12-01T09:00:00.250Z"}
EOF
# A removed idle job never started; a DIRAC row ends at an observed time.
printf '%s\n' '{"GlobalJobId": "schedd.example.org#5.0#1796119200", "JobStatus": 3, "QDate": 1796119200, "EnteredCurrentStatus": 1796120400, "GlideinEntryName": "ce-b.example.org", "RemoveReason": "via condor_rm"}' >"$work/condor.jsonl"
printf 'PilotJobReference,DestinationSite,Status,SubmissionTime,LastUpdateTime,StatusReason\nhttps://ce-a.example.org:8443/1,ce-a.example.org,Done,2026-12-01 10:00:00,2026-12-01 12:00:00,Job finished\n' >"$work/dirac.csv"
expect 0 "$PD" --db "$real" init
expect 0 "$PD" --db "$real" ce add ce-a.example.org --capacity 5 --success-rate 0.9
expect 0 "$PD" --db "$real" ingest --add-ces "$work/in.jsonl"
expect 0 "$PD" --db "$real" ingest --format condor "$work/condor.jsonl"
expect 0 "$PD" --db "$real" ingest --format dirac "$work/dirac.csv"
save "$real"

expect 0 env TZ=UTC "$PD" --db "$real" pilot list
like "$out" '^1 +done +2026-12-01T10:00:00Z +2026-12-01T10:05:00Z +2026-12-01T11:05:00Z +ce-a\.example\.org +grid#1\.0#1$'
like "$out" '^2 +running +2026-12-01T10:00:00Z +~2026-12-01T10:30:00Z +- +ce-a\.example\.org +grid#2\.0#1$'
like "$out" '^3 +done +\? +\? +2026-12-01T11:00:00Z +ce-b\.example\.org +grid#3\.0#1$'
like "$out" '^5 +submitted +2026-12-01T09:00:00Z +- +- +ce-b\.example\.org +777$'
like "$out" '^6 +failed +2026-12-01T10:00:00Z +- +2026-12-01T10:20:00Z +ce-b\.example\.org +schedd\.example\.org#5\.0#1796119200$'
like "$out" '^7 +done +2026-12-01T10:00:00Z +\? +~2026-12-01T12:00:00Z +ce-a\.example\.org +https://ce-a\.example\.org:8443/1$'
expect 0 env TZ=Europe/Paris "$PD" --db "$real" pilot list
like "$out" '^1 +done +2026-12-01T11:00:00\+01:00 +2026-12-01T11:05:00\+01:00 +2026-12-01T12:05:00\+01:00 +ce-a'
like "$out" '^2 +running +2026-12-01T11:00:00\+01:00 +~2026-12-01T11:30:00\+01:00 +- +ce-a'
expect 0 env TZ=Europe/Paris "$PD" --db "$real" pilot list --utc
like "$out" '^2 +running +2026-12-01T10:00:00Z +~2026-12-01T10:30:00Z +- +ce-a'
expect 0 "$PD" --db "$real" pilot list --json
json "$out"
jqis "$out" '.[1] | [.ref, .site, .source_status, .reason, .submitted_kind, .started_kind, .ended_kind, .started_at, .ended_at]' \
    '["grid#2.0#1","T2_EXAMPLE",null,null,"exact","observed","none","2026-12-01T10:30:00.000Z",null]'
jqis "$out" '.[2] | [.submitted_at, .started_at, .submitted_kind, .started_kind, .updated_at]' \
    '[null,null,"unknown","unknown","2026-12-01T11:00:00.000Z"]'
jqis "$out" '.[3] | [.status, .source_status, .reason]' '["failed","Removed","removed by the factory: idle too long"]'
jqis "$out" '.[4].submitted_at' '"2026-12-01T09:00:00.250Z"'
jqis "$out" '.[5] | [.started_at, .started_kind, .reason]' '[null,"none","via condor_rm"]'
jqis "$out" '.[6] | [.ended_kind, .source_status, .reason]' '["observed","Done","Job finished"]'
expect 0 "$PD" --db "$real" pilot list --ref 'grid#2.0#1' --json;  jqis "$out" '[.[].pilot_id]' '[2]'
expect 0 "$PD" --db "$real" pilot list --ref 'grid#1.0#1' --status running --json
[ "$out" = "[]" ] && ok || bad "--ref with another status: $out"
expect 0 "$PD" --db "$real" pilot list --ref 'grid#1.0#1' --ce ce-b.example.org --json
[ "$out" = "[]" ] && ok || bad "--ref with another CE: $out"
# [since, until): a start, two ends; then the bounds themselves, in another zone.
expect 0 "$PD" --db "$real" pilot list --since 2026-12-01T10:10:00Z --until 2026-12-01T10:40:00Z --json
jqis "$out" '[.[].pilot_id]' '[2,4,6]'
expect 0 "$PD" --db "$real" pilot list --since 2026-12-01T11:00:00+01:00 --until 1796119201 --json
jqis "$out" '[.[].pilot_id]' '[1,2,4,6,7]'
expect 0 "$PD" --db "$real" pilot list --since 2026-12-01T09:00:00.250Z --until 2026-12-01T10:00:00Z --json
jqis "$out" '[.[].pilot_id]' '[5]'
expect 0 "$PD" --db "$real" pilot list --since 2026-12-01 --status done --limit 2 --json
jqis "$out" '[.[].pilot_id]' '[1,3]'

expect 0 env TZ=UTC "$PD" --db "$real" pilot show 'grid#2.0#1'
like "$out" '^pilot 2$'
like "$out" '^  site +T2_EXAMPLE$'
like "$out" '^  ref +grid#2\.0#1$'
like "$out" '^  submitted +2026-12-01T10:00:00Z +exact +queued ~0:30:00$'
like "$out" '^  running +~2026-12-01T10:30:00Z +observed +ran ~[0-9d :]+ so far$'
like "$out" '^  ended +- +not yet$'
expect 0 env TZ=Europe/Paris "$PD" --db "$real" pilot show 'grid#1.0#1'
like "$out" '^  submitted +2026-12-01T11:00:00\+01:00 +exact +queued 0:05:00$'
like "$out" '^  running +2026-12-01T11:05:00\+01:00 +exact +ran 1:00:00$'
like "$out" '^  done +2026-12-01T12:05:00\+01:00 +exact$'
like "$out" '^  source status +Completed$'
expect 0 "$PD" --db "$real" pilot show 'grid#3.0#1'
like "$out" '^  submitted +\? +unknown +queued \?$'
like "$out" '^  running +\? +start unknown +ran \?$'
expect 0 "$PD" --db "$real" pilot show 'grid#4.0#1'
like "$out" '^  reason +removed by the factory: idle too long$'
like "$out" '^  source status +Removed$'
expect 0 env TZ=UTC "$PD" --db "$real" pilot show 'schedd.example.org#5.0#1796119200'
like "$out" '^  submitted +2026-12-01T10:00:00Z +exact +queued 0:20:00$'
like "$out" '^  running +- +never started$'
like "$out" '^  failed +2026-12-01T10:20:00Z +exact$'
like "$out" '^  reason +via condor_rm$'
expect 0 env TZ=UTC "$PD" --db "$real" pilot show https://ce-a.example.org:8443/1
like "$out" '^  done +~2026-12-01T12:00:00Z +observed$'
expect 0 "$PD" --db "$real" pilot show 777;   like "$out" '^pilot 5$'   # digits, no such id: a ref
expect 0 "$PD" --db "$real" pilot show 5;     like "$out" '^  ref +777$'
expect 0 "$PD" --db "$real" pilot show 'grid#1.0#1' --json
json "$out"
jqis "$out" '[.id, .site, .ref, .source_status, .reason, .queue_s, .run_s]' \
    '[1,"T2_EXAMPLE","grid#1.0#1","Completed",null,300,3600]'
jqis "$out" '[.ended_s, .ended_at, .ended_kind]' '[1796123100,"2026-12-01T11:05:00.000Z","exact"]'
expect 0 "$PD" --db "$real" pilot show 'grid#2.0#1' --json
jqis "$out" '[.started_at, .started_kind, .queue_s, .run_s]' '["2026-12-01T10:30:00.000Z","observed",1800,null]'
expect 0 "$PD" --db "$real" pilot show 'grid#3.0#1' --json
jqis "$out" '[.submitted_at, .submitted_kind, .started_at, .started_kind, .queue_s, .run_s]' \
    '[null,"unknown",null,"unknown",null,null]'
expect 0 "$PD" --db "$real" pilot show 'schedd.example.org#5.0#1796119200' --json
jqis "$out" '[.started_at, .started_kind, .queue_s, .run_s, .reason]' '[null,"none",1200,null,"via condor_rm"]'
refused 1 "no pilot with ref 'grid#9.0#1'" "$PD" --db "$real" pilot show 'grid#9.0#1'

expect 0 env TZ=UTC "$PD" --db "$real" ce history
like "$out" "^$iso_utc +ce-a\.example\.org +site +- +T2_EXAMPLE +ingest "
like "$out" "^$iso_utc +ce-b\.example\.org +capacity +- +[0-9]+ +ingest "
like "$out" "^$iso_utc +ce-a\.example\.org +capacity +- +5 +cli "
expect 0 "$PD" --db "$real" ce history ce-a.example.org --json
json "$out"
jqis "$out" '.[0] | [.field, .old, .new, .by]' '["site",null,"T2_EXAMPLE","ingest"]'
jqis "$out" '[.[].ce] | unique' '["ce-a.example.org"]'
unchanged "reading ingested pilots"

# An ESC in a reason cannot get in: ingest refuses the record, writes nothing.
printf '%s\n' '{"ref": "grid#8.0#1", "ce": "ce-a.example.org", "status": "failed", "at": "2026-12-01T10:00:00Z", "reason": "x\u001b[2Jy"}' >"$work/esc.jsonl"
expect 1 "$PD" --db "$real" ingest "$work/esc.jsonl"
has "$err" "esc.jsonl:1: field \"reason\" has a control character"
unchanged "an ingest refused for an ESC in a reason"
refused 1 "no pilot with ref 'grid#8.0#1'" "$PD" --db "$real" pilot show 'grid#8.0#1'

# -- a simulated database: virtual times ----------------------------------------------------
sim=$work/sim.db
expect 0 "$PD" sim "$SRC/scenarios/outage.ini" --db "$sim"
expect 0 "$PD" --db "$sim" pilot list --limit 3
[ "$(lines "$out")" -eq 4 ] && ok || bad "sim pilot list --limit 3: $out"
like "$out" '^1 +[a-z]+ +0d [0-9]{2}:[0-9]{2}:[0-9]{2} '
expect 0 "$PD" --db "$sim" pilot list --since 6h --until 7h --json
json "$out"
like "$out" '"submitted_s":[0-9.]+,"started_s"'
case "$out" in *_at\"*) bad "an _at time on a simulated database: $out" ;; *) ok ;; esac
jqis "$out" 'length > 0' true
jqis "$out" '[.[] | [.submitted_s, .started_s, .ended_s] | map(select(. != null and . >= 21600 and . < 25200)) | length > 0] | all' true
refused 2 "not a time of this simulated database" "$PD" --db "$sim" pilot list --since 2026-12-01
expect 0 "$PD" --db "$sim" pilot show 1
like "$out" '^timeline \(virtual time from the start\):$'
like "$out" '^  submitted +0d 00:00:00 +exact +queued [0-9:]+$'
case "$out" in *"so far"*) bad "so far on a simulated database: $out" ;; *) ok ;; esac
expect 0 "$PD" --db "$sim" pilot show 1 --json
jqis "$out" '[.submitted_s, .submitted_kind, has("submitted_at")]' '[0,"exact",false]'
expect 0 "$PD" --db "$sim" ce history ce-b.example.org
like "$out" '^0d 10:00:00 +ce-b\.example\.org +enabled +no +yes +sim +-$'
like "$out" '^0d 06:00:00 +ce-b\.example\.org +enabled +yes +no +sim +-$'
expect 0 "$PD" --db "$sim" ce history --since 7h --json
[ "$out" = '[{"changed_s":36000,"ce":"ce-b.example.org","field":"enabled","old":false,"new":true,"by":"sim","user":null}]' ] &&
    ok || bad "sim ce history --since 7h: $out"

# -- text that is not UTF-8 (a file written by other means) still makes JSON ---------
cp "$sim" "$work/raw.db"
sqlite3 "$work/raw.db" "UPDATE ce SET name = CAST(x'63652dff' AS TEXT) WHERE name = 'ce-b.example.org'"
expect 0 "$PD" --db "$work/raw.db" ce list --json
has "$out" '"name":"ce-\\xff"'
expect 0 "$PD" --db "$work/raw.db" ce history --json
has "$out" '"ce":"ce-\\xff"'
expect 0 "$PD" --db "$work/raw.db" ce list
has "$out" 'ce-\xff'
# and the dashboard's frame shows a control character (here CSI, U+009B) as '?'
sqlite3 "$work/raw.db" "UPDATE ce SET name = 'ce-' || char(155) || '2J' WHERE name = 'ce-a.example.org'"
expect 0 "$PD" --db "$work/raw.db" top --once
has "$out" 'ce-?2J'
printf '%s' "$out" | LC_ALL=C grep -q "$(printf '\302[\200-\237]')" &&
    bad "a C1 control in top --once: $out" || ok

finish
