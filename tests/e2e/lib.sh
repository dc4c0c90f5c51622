# lib.sh - helpers for the dashboard's end-to-end tests: a private tmux
# server of fixed size, screen polling and reading CEs back from the DB.
# Sourced by top.sh and demo.sh; expects PD (the pilotdeck binary).

if ! command -v tmux >/dev/null 2>&1; then
    # In CI the dependency script installs tmux: its absence is a failure
    # there, not a reason to pass without testing the terminal.
    if [ -n "${CI:-}" ]; then
        echo "FAIL: tmux is not installed (scripts/install-deps installs it)" >&2
        exit 1
    fi
    echo "SKIP: tmux is not installed (scripts/install-deps installs it)" >&2
    exit 77
fi

unset TMUX
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pilotdeck-e2e.XXXXXX")
# The user's own dashboard settings stay out of the tests (and S writes here).
export XDG_CONFIG_HOME="$WORK/xdg"
SOCK="pilotdeck-e2e-$$"
T="tmux -u -L $SOCK -f /dev/null"
FAILURES=0

cleanup() {
    $T kill-server 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# A session that lives as long as the test, so that killing the session
# under test never stops the server (and a new one never races its exit).
$T new-session -d -s keep -x 80 -y 24 "exec sleep 600" || { echo "FAIL: tmux would not start" >&2; exit 1; }

fail() {
    echo "FAIL: $*" >&2
    echo "--- screen ---" >&2
    $T capture-pane -p -t e2e >&2
    echo "--------------" >&2
    exit 1
}

ok() {
    echo "ok: $*"
}

# Start CMD in a detached session "e2e" of size W x H; CMD's exit status
# lands in $WORK/exit when it ends.
start() {
    w=$1 h=$2
    shift 2
    rm -f "$WORK/exit"
    $T new-session -d -s e2e -x "$w" -y "$h" \
        "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen-256color $*; echo \$? > $WORK/exit; exec sleep 600" ||
        fail "tmux could not start: $*"
}

screen() {
    $T capture-pane -p -t e2e
}

# Wait up to 5 s for the screen to contain (grep -E) PATTERN.
wait_for() {
    i=0
    while [ $i -lt 100 ]; do
        if screen | grep -Eq -- "$1"; then
            return 0
        fi
        sleep 0.05
        i=$((i + 1))
    done
    fail "screen never showed '$1'"
}

# Wait up to 5 s for the screen not to contain PATTERN.
wait_gone() {
    i=0
    while [ $i -lt 100 ]; do
        if ! screen | grep -Eq -- "$1"; then
            return 0
        fi
        sleep 0.05
        i=$((i + 1))
    done
    fail "screen still shows '$1'"
}

keys() {
    $T send-keys -t e2e "$@"
}

# Wait up to 5 s for the command to end; print its exit status.
wait_exit() {
    i=0
    while [ $i -lt 100 ]; do
        if [ -s "$WORK/exit" ]; then
            cat "$WORK/exit"
            return 0
        fi
        sleep 0.05
        i=$((i + 1))
    done
    fail "the dashboard did not exit"
}

# The JSON object of CE $1 from `pilotdeck ce list --json`, and a field of it.
ce_json() {
    "$PD" --db "$DB" ce list --json | tr '{' '\n' | grep "\"name\":\"$1\""
}
field() {
    printf '%s\n' "$1" | sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p"
}

# Wait up to 5 s for field $2 of CE $1 to become $3 in the database.
wait_db() {
    i=0
    while [ $i -lt 100 ]; do
        if [ "$(field "$(ce_json "$1")" "$2")" = "$3" ]; then
            return 0
        fi
        sleep 0.05
        i=$((i + 1))
    done
    fail "CE $1: $2 is $(field "$(ce_json "$1")" "$2"), expected $3"
}

# The terminal is restored: no alternate screen, cursor visible.
check_restored() {
    modes=$($T display-message -p -t e2e '#{alternate_on} #{cursor_flag}')
    [ "$modes" = "0 1" ] || fail "terminal not restored (alternate_on cursor_flag: $modes)"
}

# q quits with status 0 and the terminal restored.
quit_restored() {
    keys q
    status=$(wait_exit)
    [ "$status" = 0 ] || fail "exit status $status after q"
    check_restored
}
