#!/bin/sh
# The sweep of examples/slurm run for real: a one-node Slurm cluster of its
# own (scripts/slurm-local), examples/slurm/submit.sh unchanged with this
# build's pilotdeck first on PATH, squeue polled until the job array and the
# merge job have left the queue, and the merged report, CSV and plot
# compared byte for byte with the same sweep run here in one piece.
# Needs root (the daemons run as root); skipped otherwise (exit 77).  On a
# failure: the jobs' and the daemons' logs.  The cluster is stopped on every
# exit.  PILOTDECK_SLURM_TIMEOUT: seconds the jobs may take (default 180).
# Usage: test_slurm.sh PATH/TO/pilotdeck SOURCE_DIR
set -u
PD=${1:?usage: test_slurm.sh PATH/TO/pilotdeck SOURCE_DIR}
SRC=${2:?usage: test_slurm.sh PATH/TO/pilotdeck SOURCE_DIR}

if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: the Slurm test runs only as root (it starts munged, slurmctld and slurmd as root)"
    exit 77
fi
for tool in sbatch squeue slurmctld slurmd munged; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "FAIL: $tool is not installed: scripts/install-deps --test installs Debian's slurm-wlm and munge"
        exit 1
    }
done

jobs_timeout=${PILOTDECK_SLURM_TIMEOUT:-180}
work=$(mktemp -d "${TMPDIR:-/tmp}/pilotdeck-slurm-XXXXXX") || exit 1
chmod 755 "$work"   # munged wants the directories above its socket searchable by all
cluster=$work/cluster tree=$work/tree local=$work/local

# tail_logs FILE...: the last lines of each job's log that says something.
tail_logs() {
    for log in "$@"; do
        [ -s "$log" ] || continue
        echo "--- $log (last 30 lines)"
        tail -n 30 "$log"
    done
}
cleanup() {
    if [ "$1" -ne 0 ]; then
        tail_logs "$tree"/*.log
        [ ! -d "$cluster" ] || "$SRC/scripts/slurm-local" logs "$cluster" 2>&1
    fi
    [ ! -d "$cluster" ] || "$SRC/scripts/slurm-local" down "$cluster"
    rm -rf "$work"
}
trap 'cleanup $?' EXIT
trap 'exit 1' HUP INT PIPE TERM
fail() { printf 'FAIL: %s\n' "$*"; exit 1; }
now() { date +%s.%N; }
seconds_since() { echo "$1 $(now)" | awk '{ printf "%.1f", $2 - $1 }'; }
started=$(now)

# submit.sh works in the tree it belongs to, and the jobs write there: run
# it from a copy of the examples and scenarios, not the source tree.
mkdir -p "$tree/examples" "$local" "$work/shim"
cp -R "$SRC/examples/slurm" "$tree/examples/" || fail "cannot copy examples/slurm into $tree"
cp -R "$SRC/scenarios" "$tree/" || fail "cannot copy scenarios into $tree"

# The sweep as one machine runs it: sweep.sbatch's own command line (read by
# running the script with a pilotdeck that only writes down its arguments)
# without --shard, writing the report, CSV and plot that merge.sbatch makes.
cat >"$work/shim/pilotdeck" <<'EOF'
#!/bin/sh
printf '%s\n' "$@" >"$PILOTDECK_ARGS"
EOF
chmod +x "$work/shim/pilotdeck"
(cd "$local" && PILOTDECK_ARGS="$work/args" SLURM_ARRAY_TASK_ID=1 PATH="$work/shim:$PATH" \
    sh "$tree/examples/slurm/sweep.sbatch") || fail "sweep.sbatch did not run under sh"
grep -qx -- --shard "$work/args" || fail "sweep.sbatch runs no 'pilotdeck ... --shard K/N'"
set --
after_shard=no
while IFS= read -r arg; do
    if [ "$after_shard" = yes ]; then after_shard=no; continue; fi
    case $arg in --shard) after_shard=yes; continue ;; esac
    set -- "$@" "$arg"
done <"$work/args"
(cd "$tree" && "$PD" "$@" --csv "$local/sweep.csv" --plot "$local/sweep.svg" \
    >"$local/sweep.txt") || fail "the sweep in one piece failed: pilotdeck $*"

cluster_started=$(now)
conf=$("$SRC/scripts/slurm-local" up "$cluster") ||
    fail "scripts/slurm-local up: no cluster (its logs are above)"
eval "$conf"
cluster_up=$(seconds_since "$cluster_started")

bindir=$(cd "$(dirname "$PD")" && pwd)
PATH=$bindir:$PATH
export PATH
[ "$(command -v pilotdeck)" = "$bindir/pilotdeck" ] ||
    fail "pilotdeck on PATH is $(command -v pilotdeck), not $PD"

jobs_started=$(now)
"$tree/examples/slurm/submit.sh" || fail "examples/slurm/submit.sh failed"
deadline=$(($(date +%s) + jobs_timeout))
while :; do
    queue=$(squeue -h -o '%i %T %r' 2>"$work/squeue.err") ||
        fail "squeue failed: $(cat "$work/squeue.err")"
    [ -n "$queue" ] || break
    case $queue in
        *DependencyNeverSatisfied*)
            fail "a shard failed, so the merge job can never run; squeue:
$queue" ;;
    esac
    [ "$(date +%s)" -lt "$deadline" ] ||
        fail "the jobs did not end within $jobs_timeout s (PILOTDECK_SLURM_TIMEOUT); squeue:
$queue"
    sleep 0.2
done
jobs_ran=$(seconds_since "$jobs_started")

# Every task of the array and the merge job completed (slurmctld keeps
# ended jobs for MinJobAge, 300 s).
ended=$(squeue -h --states=all -o '%i %T')
[ "$(echo "$ended" | wc -l)" -ge 2 ] || fail "fewer jobs than the array and the merge: $ended"
not_completed=$(echo "$ended" | grep -v ' COMPLETED$')
[ -z "$not_completed" ] || fail "jobs that did not complete:
$not_completed"

for output in sweep.txt sweep.csv sweep.svg; do
    [ -s "$tree/$output" ] || fail "merge.sbatch wrote no $output"
    cmp -s "$local/$output" "$tree/$output" || {
        diff -u "$local/$output" "$tree/$output" | head -n 40
        fail "$output merged from the Slurm shards differs from the sweep in one piece"
    }
done
echo "slurm: cluster up in $cluster_up s, jobs ran in $jobs_ran s;" \
     "$(echo "$ended" | wc -l) jobs; the test took $(seconds_since "$started") s"
