#!/bin/sh
# Every --json output against its schema in schemas/ (JSON Schema 2020-12,
# strict: no key the schema does not name, required keys, types, enums),
# validated with python3-jsonschema on real outputs: a simulated database,
# a wall-clock one made by ingest, a small what-if and sweep with their
# shards and merges, and `pilotdeck test`.  Also the convention itself: a
# document is one compact line (jsonl: one per line), no key anywhere ends
# in _ms (but for the few listed below, which predate it), every *_at is
# ISO 8601 UTC, and every schema in schemas/ is exercised.
# Usage: json_schemas.sh PATH/TO/pilotdeck SOURCE_DIR
set -u
PD=${1:?usage: json_schemas.sh PATH/TO/pilotdeck SOURCE_DIR}
SRC=${2:?usage: json_schemas.sh PATH/TO/pilotdeck SOURCE_DIR}
cli_name=schemas
. "$SRC/tests/cli/common.sh"

if ! python3 -c 'import jsonschema' 2>/dev/null; then
    echo "json_schemas.sh: needs python3 and python3-jsonschema (scripts/install-deps --test)"
    exit 1
fi

# want SCHEMA FILE [jsonl]: validate FILE against
# schemas/SCHEMA.schema.json (as one document, or each line).
: >manifest
want() { printf '%s\t%s\t%s\n' "$1" "$work/$2" "${3:-document}" >>manifest; }
# run FILE CMD...: CMD, which must succeed, with its standard output in FILE.
run() {
    file=$1; shift
    expect 0 "$@"
    cp "$work/out" "$file"
}

# -- a simulated database ---------------------------------------------------------------
sed 's/^duration = .*/duration = 3h/' "$SRC/scenarios/tutorial.ini" >t.ini
run sim.json "$PD" --db s.db sim t.ini --until 2h --json
want sim sim.json
run sim-summary.json "$PD" --db s.db summary --json && want summary sim-summary.json
run sim-ces.json "$PD" --db s.db ce list --json && want ce-list sim-ces.json
run sim-history.json "$PD" --db s.db ce history --json && want ce-history sim-history.json
run sim-pilots.json "$PD" --db s.db pilot list --json && want pilot-list sim-pilots.json
run sim-pilot.json "$PD" --db s.db pilot show 1 --json && want pilot-show sim-pilot.json
run sim-top.json "$PD" --db s.db top --once --json && want top sim-top.json
run sim-tree.json "$PD" --db s.db top --once --json --tree && want top sim-tree.json
run sim-cepage.json "$PD" --db s.db top --once --ce ce-flaky.example.org --json &&
    want top-ce sim-cepage.json
run sim-fit.json "$PD" --db s.db fit --json && want fit sim-fit.json
run sim-export.jsonl "$PD" --db s.db export --origin 2026-12-01T00:00:00Z &&
    want export sim-export.jsonl jsonl

# -- a wall-clock database, from ingest ------------------------------------------------------
{
    record_ago p1 ce-a submitted 6000 ', "site": "S1"'
    record_ago p1 ce-a running 5000
    record_ago p1 ce-a failed 1000 ', "reason": "held", "source_status": "5"'
    record_ago p2 ce-b submitted 3000
    record_ago p3 ce-a submitted 4000 ', "site": "S1"'
    record_ago p3 ce-a running 3900
    record_ago p3 ce-a "done" 100
    record_ago p4 ce-b submitted 2000
    record_ago p4 ce-b failed 1500
} >real.jsonl
expect 0 "$PD" --db w.db ingest --add-ces real.jsonl
expect 0 "$PD" --db w.db ce set ce-b --disable --capacity 3
run wall-summary.json "$PD" --db w.db summary --json && want summary wall-summary.json
run wall-ces.json "$PD" --db w.db ce list --json && want ce-list wall-ces.json
run wall-history.json "$PD" --db w.db ce history --json && want ce-history wall-history.json
run wall-pilots.json "$PD" --db w.db pilot list --json && want pilot-list wall-pilots.json
run wall-pilot.json "$PD" --db w.db pilot show p1 --json && want pilot-show wall-pilot.json
run wall-pilot2.json "$PD" --db w.db pilot show p2 --json && want pilot-show wall-pilot2.json
run wall-top.json "$PD" --db w.db top --once --json && want top wall-top.json
run wall-tree.json "$PD" --db w.db top --once --json --tree && want top wall-tree.json
run wall-cepage.json "$PD" --db w.db top --once --ce ce-a --json && want top-ce wall-cepage.json
run wall-cepage2.json "$PD" --db w.db top --once --ce ce-b --json && want top-ce wall-cepage2.json
run wall-fit.json "$PD" --db w.db fit --json && want fit wall-fit.json
run wall-fit-ce.json "$PD" --db w.db fit --json --ce ce-b --min-pilots 1 &&
    want fit wall-fit-ce.json
run wall-export.jsonl "$PD" --db w.db export && want export wall-export.jsonl jsonl
# a wall-clock database gives its times as *_at too (checked as ISO 8601 UTC below)
for f in wall-history.json wall-pilots.json wall-pilot.json wall-top.json wall-cepage.json; do
    grep -q '_at":"' "$f" && ok || bad "$f has no *_at time"
done

# -- studies: what-if and sweep, their shards and merges -------------------------------------
run whatif.json "$PD" whatif t.ini --set scenario.duration=2h --replications 2 --json &&
    want whatif whatif.json
run sweep.json "$PD" sweep t.ini --vary scenario.cycle=1m..2m:1m --replications 2 --json &&
    want sweep sweep.json
for k in 1 2; do
    run wshard$k.jsonl "$PD" whatif t.ini --set scenario.duration=2h --replications 2 --shard $k/2 &&
        want shard wshard$k.jsonl jsonl
    run shard$k.jsonl "$PD" sweep t.ini --vary scenario.cycle=1m..2m:1m --replications 2 \
        --shard $k/2 && want shard shard$k.jsonl jsonl
done
run merge-whatif.json "$PD" merge wshard1.jsonl wshard2.jsonl --json && want whatif merge-whatif.json
run merge-sweep.json "$PD" merge shard1.jsonl shard2.jsonl --json && want sweep merge-sweep.json

# -- pilotdeck test: updated, ok, fail, error --------------------------------------------------
mkdir cases && cp t.ini cases/t.ini
run test-updated.jsonl "$PD" test cases/t.ini --update --json && want test test-updated.jsonl jsonl
run test-ok.jsonl "$PD" test cases --json && want test test-ok.jsonl jsonl
sed -i 's/"seed": *42/"seed": 43/; s/"seed":42/"seed":43/' cases/golden/t.json
"$PD" test cases --json >test-fail.jsonl; want test test-fail.jsonl jsonl
grep -q '"status":"fail"' test-fail.jsonl && ok || bad "test --json: no failing case"
printf '[scenario]\n  name = x\n' >cases/broken.ini && mkdir -p cases/golden &&
    echo '{}' >cases/golden/broken.json
"$PD" test cases/broken.ini --json >test-error.jsonl; want test test-error.jsonl jsonl
grep -q '"status":"error"' test-error.jsonl && ok || bad "test --json: no error case"

# -- validate ----------------------------------------------------------------------------------
python3 - "$SRC/schemas" manifest <<'PY' && ok || bad "the outputs above do not follow their schemas"
import json, os, re, sys
from jsonschema.validators import validator_for

schema_dir, manifest = sys.argv[1:]
UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")
failures = []
validators, used = {}, set()

def validator(name):
    if name not in validators:
        with open(os.path.join(schema_dir, name + ".schema.json")) as f:
            schema = json.load(f)
        cls = validator_for(schema)
        cls.check_schema(schema)
        validators[name] = cls(schema)
    return validators[name]

def walk(value, path, where, name):
    if isinstance(value, dict):
        for key, sub in value.items():
            here = f"{path}.{key}"
            if key.endswith("_ms"):
                failures.append(f"{where}: {here}: a time in ms (the convention: *_s, seconds)")
            if key.endswith("_at") and sub is not None and not (
                    isinstance(sub, str) and UTC.match(sub)):
                failures.append(f"{where}: {here}: {sub!r} is not ISO 8601 UTC")
            walk(sub, here, where, name)
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            walk(sub, f"{path}[{i}]", where, name)

strict_checked = set()

def strict(name, where, doc):
    """Once per schema: the output with a key added must fail (the schema is strict)."""
    target = doc[0] if isinstance(doc, list) and doc else doc
    if name in strict_checked or not isinstance(target, dict):
        return
    strict_checked.add(name)
    target["unexpected_key"] = 1
    if validator(name).is_valid(doc):
        failures.append(f"{where}: {name}.schema.json takes a key it does not name")
    del target["unexpected_key"]

def check(name, where, text):
    try:
        doc = json.loads(text)
    except ValueError as e:
        failures.append(f"{where}: not JSON: {e}")
        return
    walk(doc, "", where, name)
    strict(name, where, doc)
    errors = sorted(validator(name).iter_errors(doc), key=lambda e: list(e.absolute_path))
    for e in errors[:5]:
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.absolute_path)
        failures.append(f"{where}: {name}.schema.json: {path or '.'}: {e.message}")
    if len(errors) > 5:
        failures.append(f"{where}: ... and {len(errors) - 5} more")

count = 0
for row in open(manifest):
    name, path, mode = row.rstrip("\n").split("\t")
    used.add(name)
    text = open(path).read()
    where = os.path.basename(path)
    if mode == "jsonl":
        lines = text.split("\n")[:-1]
        if not lines:
            failures.append(f"{where}: no lines")
        for i, line in enumerate(lines, 1):
            check(name, f"{where}:{i}", line)
    else:
        if text.count("\n") != 1 or not text.endswith("}\n") and not text.endswith("]\n"):
            failures.append(f"{where}: not one compact document on one line")
        check(name, where, text)
    count += 1

for f in sorted(os.listdir(schema_dir)):
    if f.endswith(".schema.json") and f[:-len(".schema.json")] not in used:
        failures.append(f"schemas/{f}: no output is validated against it")
for name in sorted(used - strict_checked):
    failures.append(f"{name}: no non-empty output to check the schema's strictness on")
for f in failures:
    print("FAIL:", f)
print(f"json_schemas.sh: {count} outputs against {len(used)} schemas")
sys.exit(1 if failures else 0)
PY

finish
