#!/bin/bash
# The bash completion (completion/pilotdeck.bash) sourced into bash as
# bash-completion loads it, without bash-completion's helpers, and asked
# line by line: COMP_WORDS and COMP_CWORD set by hand as bash sets them,
# COMPREPLY compared with what it must hold.  The program is a copy of the
# built pilotdeck in a prefix of its own (bin/, share/pilotdeck/scenarios)
# found on PATH, as an installed one is; the CE names come from a database
# built here.  Nothing may be written on standard error.
# Usage: completion.sh PILOTDECK COMPLETION_FILE SOURCE_DIR
set -u
pilotdeck=${1:?usage: completion.sh PILOTDECK COMPLETION_FILE SOURCE_DIR}
completion=${2:?usage: completion.sh PILOTDECK COMPLETION_FILE SOURCE_DIR}
src=${3:?usage: completion.sh PILOTDECK COMPLETION_FILE SOURCE_DIR}
work=$(mktemp -d "${TMPDIR:-/tmp}/pilotdeck-completion-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/prefix/bin" "$work/prefix/share/pilotdeck/scenarios" "$work/cwd/runs" "$work/home"
cp "$pilotdeck" "$work/prefix/bin/pilotdeck"
cp "$src/scenarios/outage.ini" "$src/scenarios/tutorial.ini" "$work/prefix/share/pilotdeck/scenarios/"
export PATH="$work/prefix/bin:$PATH" HOME="$work/home"
unset PILOTDECK_DB
cd "$work/cwd" || exit 1
touch mine.ini notes.txt runs/one.ini
{
    pilotdeck --db grid.db init
    pilotdeck --db grid.db ce add alpha.example.org --capacity 4 --success-rate 0.9
    pilotdeck --db grid.db ce add alpine.example.org --capacity 2 --success-rate 0.5
    printf '%s\n' '{"ref":"r1","ce":"ce1.cern.ch","site":"CERN","status":"submitted","at":"2026-12-01T10:00:00Z"}' |
        pilotdeck --db grid.db ingest --add-ces -
    pilotdeck --db grid.db ce add 'odd, "quoted" name' --capacity 1 --success-rate 1
    pilotdeck --db other.db init
    pilotdeck --db other.db ce add beta.example.org --capacity 1 --success-rate 1
} >"$work/setup.log" 2>&1 || { cat "$work/setup.log"; exit 1; }

# shellcheck source=completion/pilotdeck.bash
source "$completion" 2>"$work/stderr"
case $(complete -p pilotdeck 2>&1) in
    *"-F _pilotdeck pilotdeck") ;;
    *) echo "completion.sh: 'complete -p pilotdeck' is not '-F _pilotdeck'"; exit 1 ;;
esac

cases=0 failed=0
# expect LINE WANT...: the line completed where it ends (a trailing space:
# a new, empty word), its words split as bash splits them (at '=' and ':'
# of COMP_WORDBREAKS, a run of them one word: "--db=:memory:" is --db =:
# memory :); COMPREPLY, sorted, must be exactly WANT.
expect() {
    local line=$1 got want
    shift
    read -ra COMP_WORDS <<<"$(sed -E 's/[=:]+/ & /g' <<<"$line")"
    [[ $line != *" " && $line != *= ]] || COMP_WORDS+=("")
    [[ $line != *= ]] || COMP_WORDS[-1]="="
    [[ $line != *= ]] || COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE=$line COMP_POINT=${#line}
    COMPREPLY=()
    _pilotdeck pilotdeck "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" \
        2>>"$work/stderr"
    got=$(printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort | tr '\n' ' ')
    want=$(printf '%s\n' "$@" | LC_ALL=C sort | tr '\n' ' ')
    [[ $# -gt 0 ]] || want=$(printf '\n' | tr '\n' ' ')
    cases=$((cases + 1))
    if [[ $got != "$want" ]]; then
        failed=$((failed + 1))
        printf 'FAIL [%s]\n  want: %s\n  got:  %s\n' "$line" "$want" "$got"
    fi
}

commands=$(pilotdeck --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
# shellcheck disable=SC2086
expect "pilotdeck " $commands
expect "pilotdeck s" summary sim sweep
expect "pilotdeck -" --db --help --version -h
expect "pilotdeck --db grid.db t" top test
expect "pilotdeck ce " add set list history
expect "pilotdeck pilot s" submit set show
# shellcheck disable=SC2086
expect "pilotdeck help " $commands
expect "pilotdeck help ce " add set list history
expect "pilotdeck ce list --" --available --json --csv --help
expect "pilotdeck ce set alpha.example.org --" --capacity --success-rate --enable --disable --help
expect "pilotdeck sim mine.ini --c" --csv
expect "pilotdeck top --db grid.db --filter x --once --sort name --w" --width --window
expect "pilotdeck ingest --format jsonl -" --format --add-ces --skip-bad --dry-run --follow --help

# CE names and sites from the database of the line, $PILOTDECK_DB or ./pilotdeck.db
expect "pilotdeck --db grid.db ce set al" alpha.example.org alpine.example.org
expect "pilotdeck --db=grid.db pilot submit " alpha.example.org alpine.example.org ce1.cern.ch \
    'odd\,\ \"quoted\"\ name'
expect "pilotdeck --db grid.db check --window 2h --ce a" alpha.example.org alpine.example.org
expect "pilotdeck --db grid.db ce set od" 'odd\,\ \"quoted\"\ name'
expect "pilotdeck --db grid.db pilot list --ce c" ce1.cern.ch
expect "pilotdeck --db grid.db check --site " CERN
expect "pilotdeck --db grid.db ce add al"
expect "pilotdeck ce history "
PILOTDECK_DB=other.db expect "pilotdeck ce history " beta.example.org
PILOTDECK_DB=other.db expect "pilotdeck --db grid.db ce history a" alpha.example.org alpine.example.org
cp other.db pilotdeck.db
expect "pilotdeck fit --ce " beta.example.org
expect "pilotdeck --db no-such.db ce set "
expect "pilotdeck --db notes.txt ce set "
cp other.db "$HOME/home.db"
expect "pilotdeck --db ~/home.db ce set " beta.example.org
# a database named with colons: bash splits the word at each of them
expect "pilotdeck --db :memory: t" top test
expect "pilotdeck --db=:memory: top --s" --sort --stale
expect "pilotdeck --db :memory: ce " add set list history
expect "pilotdeck --db :memory: sim o" outage
expect "pilotdeck --db ::x: pilot list --status r" running
cp other.db "runs/grid:2.db"
expect "pilotdeck --db runs/grid:2.db ce set " beta.example.org
expect "pilotdeck --db=runs/grid:2.db fit --ce b" beta.example.org
expect "pilotdeck --db runs/grid:" 2.db
expect "pilotdeck --db runs/grid:2" 2.db

# values of options, from the help
expect "pilotdeck pilot list --status " submitted running "done" failed
expect "pilotdeck pilot set 7 r" running
expect "pilotdeck ingest --format " auto jsonl condor dirac
expect "pilotdeck ingest -f c" condor
expect "pilotdeck export --format " jsonl csv
expect "pilotdeck export --format=c" csv
expect "pilotdeck top --once --sort done" "done" done_per_hour
expect "pilotdeck sweep mine.ini --metric " throughput_per_hour "done" failed utilization refused peak_active
expect "pilotdeck merge a.jsonl --metric p" peak_active
expect "pilotdeck whatif mine.ini --store " memory sqlite
expect "pilotdeck sweep mine.ini --seed "
expect "pilotdeck whatif mine.ini --replications 5 --store s" sqlite

# files: scenarios (and the installed ones by name for sim and demo)
expect "pilotdeck sim " mine.ini runs outage tutorial
expect "pilotdeck sim o" outage
expect "pilotdeck demo --speed 60 " mine.ini runs outage tutorial
expect "pilotdeck sim runs/" runs/one.ini
expect "pilotdeck whatif " mine.ini runs
expect "pilotdeck fit -o " mine.ini runs
expect "pilotdeck --db " grid.db mine.ini notes.txt other.db pilotdeck.db runs
expect "pilotdeck export --since 2h n" notes.txt
expect "pilotdeck sim mine.ini --csv n" notes.txt

if [[ -s $work/stderr ]]; then
    echo "completion.sh: the completion wrote on standard error:"
    cat "$work/stderr"
    failed=$((failed + 1))
fi
if ((failed)); then
    echo "completion.sh: $failed of $cases cases failed"
    exit 1
fi
echo "completion.sh: $cases cases pass"
