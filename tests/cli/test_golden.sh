#!/bin/sh
# End-to-end tests of pilotdeck test: the shipped goldens pass (demo's
# built-in scenario among them), a changed scenario fails with its seed and
# a reproduce command that works, --update rewrites exactly the changed
# golden, a golden of an older pilotdeck told to be updated, --jobs keeps
# the order, --json and --junit (well-formed XML, checked by xmllint, with
# the right counts), bad input refused.
# Usage: test_golden.sh PATH/TO/pilotdeck SOURCE_DIR
set -u
PD=${1:?usage: test_golden.sh PATH/TO/pilotdeck SOURCE_DIR}
SRC=${2:?usage: test_golden.sh PATH/TO/pilotdeck SOURCE_DIR}
cli_name=golden
. "$(dirname "$0")/common.sh"
lacks() { case "$1" in *"$2"*) bad "'$1' has '$2'" ;; *) ok ;; esac; }

# -- help -------------------------------------------------------------------------
expect 0 "$PD" test --help;   has "$out" "usage: pilotdeck test [DIR|FILE...]"
has "$out" "--junit FILE"
expect 0 "$PD" --help;        has "$out" "test "

# -- the shipped goldens, from the source directory and by default from it -------------
expect 0 "$PD" test "$SRC/scenarios"
has "$out" "ok demo"; has "$out" "ok tutorial"; has "$out" "7 passed, 0 failed"
lacks "$out" "large"
expect 0 sh -c "cd '$SRC/scenarios' && '$PD' test"
has "$out" "ok grid50"

# -- a changed scenario fails with its seed and a reproduce command -------------------
mkdir -p proj/golden
for s in tutorial outage flaky_ban; do
    cp "$SRC/scenarios/$s.ini" proj/
    cp "$SRC/scenarios/golden/$s.json" proj/golden/
done
sed -i 's/^capacity = 12$/capacity = 17/' proj/outage.ini
cd proj || exit 1
expect 1 "$PD" test
has "$out" "FAIL outage: golden/outage.json:1: .ces[0].capacity differs (seed 7)"
has "$out" '  got:  "capacity":17
  want: "capacity":12'
has "$out" "  reproduce: pilotdeck --db :memory: sim outage.ini --seed 7 --json | diff golden/outage.json -"
has "$out" "ok tutorial"; has "$out" "ok flaky_ban"; has "$out" "2 passed, 1 failed"
text=$out
# the reproduce command shows the same difference
command=$(printf '%s\n' "$text" | sed -n 's/^  reproduce: pilotdeck//p')
expect 1 sh -c "'$PD'$command"
has "$out" '"capacity":17,'

# --jobs: the same lines in the same order; --json: one object per case
expect 1 "$PD" test --jobs 3
[ "$out" = "$text" ] && ok || bad "--jobs 3 printed another output: $out"
expect 1 "$PD" test --json
[ "$(printf '%s\n' "$out" | grep -c '^{"name":')" -eq 3 ] && ok || bad "--json: $out"
has "$out" '"name":"outage","status":"fail"'; has "$out" '"seed":7'
has "$out" '"where":".ces[0].capacity"'; has "$out" '"reproduce":"pilotdeck --db :memory: sim outage.ini'

# --junit: well-formed, counts that match
expect 1 "$PD" test --junit report.xml
if xmllint --noout report.xml 2>"$work/xml"; then ok; else bad "report.xml: $(cat "$work/xml")"; fi
has "$(cat report.xml)" '<testsuite name="pilotdeck test" tests="3" failures="1" errors="0"'
[ "$(grep -c '<testcase ' report.xml)" -eq 3 ] && ok || bad "report.xml lacks test cases"
[ "$(grep -c '<failure ' report.xml)" -eq 1 ] && ok || bad "report.xml: not one failure"
has "$(cat report.xml)" '.ces[0].capacity differs (seed 7)'

# --update rewrites exactly the changed golden
save golden/tutorial.json; t_saved=$saved
save golden/flaky_ban.json; f_saved=$saved
expect 0 "$PD" test --update
has "$out" "updated outage: golden/outage.json"; has "$out" "ok tutorial"
has "$out" "2 unchanged, 1 updated, 0 failed"
saved=$t_saved saved_file=golden/tutorial.json; unchanged "test --update"
saved=$f_saved saved_file=golden/flaky_ban.json; unchanged "test --update"
has "$(cat golden/outage.json)" '"capacity":17,'
expect 0 "$PD" test;      has "$out" "3 passed, 0 failed"

# a golden of an older pilotdeck (indented, times in ms): told to update, not diffed
cp golden/tutorial.json "$work/tutorial.json"
jq '.duration_ms = .duration_s * 1000 | .time_ms = .time_s * 1000 | .warmup_ms = .warmup_s * 1000
    | del(.duration_s, .time_s, .warmup_s)' "$work/tutorial.json" >golden/tutorial.json
expect 1 "$PD" test tutorial.ini
has "$out" "FAIL tutorial: golden/tutorial.json: a golden of an older pilotdeck (times in milliseconds, *_ms keys): rewrite it with pilotdeck test --update"
lacks "$out" "differs"
expect 0 "$PD" test --update tutorial.ini
has "$out" "updated tutorial: golden/tutorial.json"
cmp -s golden/tutorial.json "$work/tutorial.json" && ok || bad "test --update of an older golden"

# -- a manifest: seed, until, the CSV series; names that XML must escape ----------------
cat >cases.ini <<'EOF'
; cases beyond each scenario's own seed
[case tutorial-seed-3]
scenario = tutorial.ini
seed = 3
until = 12h
compare = report, csv

[case <odd> & "quoted"]
scenario = flaky_ban.ini
EOF
expect 1 "$PD" test cases.ini
has "$out" "FAIL tutorial-seed-3: golden/tutorial-seed-3.json: no golden file"
expect 0 "$PD" test --update cases.ini
has "$out" "updated tutorial-seed-3: golden/tutorial-seed-3.json golden/tutorial-seed-3.csv"
expect 0 "$PD" test cases.ini
sed -i '2s/,[^,]*$/,999/' golden/tutorial-seed-3.csv
expect 1 "$PD" test cases.ini --junit odd.xml
has "$out" "FAIL tutorial-seed-3: golden/tutorial-seed-3.csv:2: column"
has "$out" "--csv replay.csv >/dev/null && diff golden/tutorial-seed-3.csv replay.csv"
if xmllint --noout odd.xml 2>"$work/xml"; then ok; else bad "odd.xml: $(cat "$work/xml")"; fi
has "$(cat odd.xml)" 'name="&lt;odd&gt; &amp; &quot;quoted&quot;"'
expect 0 "$PD" test --update cases.ini
has "$out" "updated tutorial-seed-3: golden/tutorial-seed-3.csv"

# -- the database a case leaves: its summary and its fit ---------------------------------
cat >db.ini <<'EOF'
[case outage-db]
scenario = outage.ini
compare = report, summary, fit
EOF
expect 0 "$PD" test --update db.ini
has "$out" "updated outage-db: golden/outage-db.json golden/outage-db.summary.json golden/outage-db.fit.json"
# they are what the commands print on the replayed database
rm -f replay.db
expect 0 "$PD" --db replay.db sim outage.ini
expect 0 "$PD" --db replay.db summary --json; printf '%s\n' "$out" >summary.json
cmp -s summary.json golden/outage-db.summary.json && ok || bad "summary golden: $(cat golden/outage-db.summary.json)"
expect 0 "$PD" --db replay.db fit --json; printf '%s\n' "$out" >fit.json
cmp -s fit.json golden/outage-db.fit.json && ok || bad "fit golden differs from fit --json"
expect 0 "$PD" test db.ini;   has "$out" "ok outage-db"
# a summary that differs is reported with the command that shows it
printf '{"submitted":0,"running":0,"done":0,"failed":0}\n' >golden/outage-db.summary.json
expect 1 "$PD" test db.ini
has "$out" "FAIL outage-db: golden/outage-db.summary.json:1: .submitted differs (seed 7)"
has "$out" "reproduce: rm -f replay.db && pilotdeck --db replay.db sim outage.ini --seed 7 >/dev/null && pilotdeck --db replay.db summary --json | diff golden/outage-db.summary.json -"
command=$(printf '%s\n' "$out" | sed -n 's/^  reproduce: //p')
expect 1 sh -c "PATH='$(dirname "$PD")':\$PATH; $command"
has "$out" '{"submitted":0,"running":0,"done":0,"failed":0}'
cp summary.json golden/outage-db.summary.json
# and a fit that differs
sed -i 's/"ended":[0-9]*/"ended":1/' golden/outage-db.fit.json
expect 1 "$PD" test db.ini
has "$out" "FAIL outage-db: golden/outage-db.fit.json:1: .ended differs (seed 7)"
has "$out" "replay.db fit --json | diff golden/outage-db.fit.json -"
expect 0 "$PD" test --update db.ini
has "$out" "updated outage-db: golden/outage-db.fit.json"
expect 0 "$PD" test db.ini;   has "$out" "ok outage-db"
expect 0 "$PD" test                 # the directory: its scenarios and its manifests
has "$out" "6 passed, 0 failed"
# -- a history: an export replayed through ingest, compared on summary, ces and fit -------
rm -f replay.db
expect 0 "$PD" --db replay.db sim outage.ini
expect 0 "$PD" --db replay.db export --origin 2026-12-01T00:00:00Z week.jsonl
expect 1 "$PD" test week.jsonl
has "$out" "FAIL week: golden/week.summary.json: no golden file"
expect 0 "$PD" test --update week.jsonl
has "$out" "updated week: golden/week.summary.json golden/week.fit.json golden/week.ces.json"
# they are what the commands print after `ingest --add-ces` of the history
rm -f replay.db
expect 0 "$PD" --db replay.db ingest --add-ces week.jsonl
for o in "summary summary" "ces ce list" "fit fit"; do
    set -- $o; file=$1; shift
    expect 0 "$PD" --db replay.db "$@" --json; printf '%s\n' "$out" >got.json
    cmp -s got.json "golden/week.$file.json" && ok || bad "golden/week.$file.json is not '$*' --json"
done
expect 0 "$PD" test week.jsonl;  has "$out" "ok week"
# a history that changed: a pilot that ended done now failed
sed -i '0,/"status":"done"/s//"status":"failed"/' week.jsonl
expect 1 "$PD" test week.jsonl
has "$out" "FAIL week: golden/week.summary.json:1: .done differs (history week.jsonl)"
has "$out" "reproduce: rm -f replay.db && pilotdeck --db replay.db ingest --add-ces week.jsonl >/dev/null 2>&1 && pilotdeck --db replay.db summary --json | diff golden/week.summary.json -"
command=$(printf '%s\n' "$out" | sed -n 's/^  reproduce: //p')
expect 1 sh -c "PATH='$(dirname "$PD")':\$PATH; $command"
has "$out" '"done":'
# a manifest's history case, compared on the CEs only; a bad record is an error
cat >hist.ini <<'EOF'
[case week-ces]
history = week.jsonl
compare = ces
EOF
expect 0 "$PD" test --update hist.ini
has "$out" "updated week-ces: golden/week-ces.ces.json"
[ ! -e golden/week-ces.summary.json ] && ok || bad "compare = ces wrote a summary golden"
printf '{"ref":"x","ce":"ce-a","status":"bogus","at":"2026-12-01T00:00:00Z"}\n' >>week.jsonl
expect 1 "$PD" test hist.ini
has "$out" "FAIL week-ces: week.jsonl:"
has "$out" "bogus"
for bad_case in 'scenario = outage.ini\nhistory = week.jsonl' 'history = week.jsonl\nseed = 3' \
                'history = week.jsonl\ncompare = report'; do
    printf "[case x]\n$bad_case\n" >badh.ini
    expect 2 "$PD" test badh.ini
done
has "$err" "a history is compared on summary, ces and fit"
printf '[case x]\nscenario = outage.ini\nhistory = week.jsonl\n' >badh.ini
expect 2 "$PD" test badh.ini;   has "$err" "needs scenario = FILE or history = FILE, one of them"
printf '[case gone]\nhistory = nowhere.jsonl\n' >badh.ini
expect 1 "$PD" test badh.ini
has "$out" "FAIL gone: ingest: cannot open 'nowhere.jsonl': No such file or directory"
has "$out" "  reproduce: rm -f replay.db && pilotdeck --db replay.db ingest --add-ces nowhere.jsonl >/dev/null 2>&1
0 passed, 1 failed"
printf '[case x]\nhistory = week.jsonl\nseed = 3\n' >badh.ini
expect 2 "$PD" test badh.ini;   has "$err" "seed and until are for a scenario, not a history"
rm -f badh.ini hist.ini week.jsonl golden/week* got.json replay.db

cd .. || exit 1

# -- bad input ---------------------------------------------------------------------------
printf '[case a]\nscenario = x.ini\ncompare = summary, plot\n' >m.ini
expect 2 "$PD" test m.ini;    has "$err" "m.ini:3: compare: unknown output 'plot' (report, csv, summary, fit, ces)"
expect 2 "$PD" test nowhere;  has "$err" "nowhere: No such file or directory"
expect 2 "$PD" test --jobs 0 proj
expect 2 "$PD" test --bogus
mkdir empty
expect 1 "$PD" test empty;    has "$err" "no scenario with a golden in empty"
expect 1 "$PD" test proj --junit /nonexistent/dir/r.xml; has "$err" "/nonexistent/dir/r.xml"
printf '[scenario]\nduration = 1h\n[ce a]\ncapacity = x\n' >proj/broken.ini
expect 1 "$PD" test proj/broken.ini
has "$out" "FAIL broken: proj/broken.ini:4:"

finish
