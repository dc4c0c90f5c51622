# common.sh - sourced by the end-to-end CLI scripts: a private work
# directory (removed on exit) holding $PILOTDECK_DB, and the checks.
#   ok / bad MESSAGE       count a passed or failed check
#   expect STATUS CMD...   run CMD, check its exit status; output in $out/$err
#   has TEXT PART          TEXT contains PART
#   same A B WHAT          A and B are the same text
#   record_ago REF CE STATUS S [EXTRA]  a jsonl record for ingest, S seconds
#                          before $now (the script's start)
#   save [FILE]            remember FILE's bytes and mtime ($PILOTDECK_DB)
#   unchanged WHAT         ... and check that WHAT left them as they were
#   finish                 print the tally; the script's exit status
# Set cli_name (for the work directory's name) before sourcing.
work=$(mktemp -d "${TMPDIR:-/tmp}/pilotdeck-${cli_name:-cli}-XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work" || exit 1
export PILOTDECK_DB="$work/t.db"
passed=0 failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); printf 'FAIL: %s\n' "$*"; }

expect() {
    want=$1; shift
    "$@" >"$work/out" 2>"$work/err"
    got=$?
    out=$(cat "$work/out"); err=$(cat "$work/err")
    if [ "$got" -eq "$want" ]; then ok; else
        bad "'$*' exited $got, wanted $want; stderr: $err"; fi
}
has() { case "$1" in *"$2"*) ok ;; *) bad "'$1' lacks '$2'" ;; esac; }
same() { if [ "$1" = "$2" ]; then ok; else bad "$3: '$1' is not '$2'"; fi; }

now=$(date +%s)
record_ago() {
    printf '{"ref":"%s","ce":"%s","status":"%s","at":"%s"%s}\n' "$1" "$2" "$3" \
        "$(date -u -d "@$((now - $4))" +%Y-%m-%dT%H:%M:%SZ)" "${5:-}"
}

# fingerprint FILE: bytes and modification time (to the nanosecond).
fingerprint() { if [ -e "$1" ]; then printf '%s %s' "$(cksum <"$1")" "$(stat -c %y "$1")"; else echo absent; fi; }
save() { saved_file=${1:-$PILOTDECK_DB}; saved=$(fingerprint "$saved_file"); }
unchanged() {
    if [ "$(fingerprint "$saved_file")" = "$saved" ] && [ ! -s "$saved_file-wal" ]; then ok
    else bad "$saved_file changed by: $*"; fi
}

finish() {
    printf '%d passed, %d failed\n' "$passed" "$failed"
    [ "$failed" -eq 0 ]
}
