#!/bin/sh
# The man page names every command, subcommand and option that the --help
# texts list: the list is read from `pilotdeck --help` and
# `pilotdeck help COMMAND`, which print the command table, so a new command
# or option fails here until doc/pilotdeck.1.scd documents it.  The same
# for the dashboard's keys, read from the key table (tui/keys.c).
# Usage: man_page.sh PILOTDECK PAGE.scd
set -eu
pilotdeck=${1:?usage: man_page.sh PILOTDECK PAGE.scd}
page=${2:?usage: man_page.sh PILOTDECK PAGE.scd}
missing=0
lack() {
    echo "man_page.sh: $page lacks $*"
    missing=$((missing + 1))
}
# check_help CONTEXT TEXT: every option of the help text on standard
# input is named in TEXT (a file: the page, or a command's section of it),
# not merely a longer option; -h, --help, which every command has, only in
# the page.
check_help() {
    help=$(cat)
    for opt in $(printf '%s\n' "$help" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
        [ "$opt" != --help ] || [ "$2" = "$page" ] || continue
        grep -qE -- "$opt([^a-zA-Z0-9-]|\$)" "$2" || lack "$opt ($1)"
    done
    # "  -d, --delay S": the short name beside the long one
    printf '%s\n' "$help" | sed -nE 's/^ +-([a-zA-Z]), --([a-z][a-z0-9-]*).*/\1 \2/p' |
        while read -r letter name; do
            [ "$name" != help ] || [ "$2" = "$page" ] || continue
            grep -qE -- "\\*-$letter\\*, \\*--$name\\*" "$2" || echo "-$letter, --$name"
        done >"$tmp"
    while read -r pair; do
        lack "'$pair' ($1)"
    done <"$tmp"
}
tmp=$(mktemp "${TMPDIR:-/tmp}/pilotdeck-man-XXXXXX")
help_text=$(mktemp "${TMPDIR:-/tmp}/pilotdeck-man-XXXXXX")
section=$(mktemp "${TMPDIR:-/tmp}/pilotdeck-man-XXXXXX")
trap 'rm -f "$tmp" "$help_text" "$section"' EXIT

# (a redirection, not a pipe: check_help counts in this shell)
"$pilotdeck" --help >"$help_text"
check_help "pilotdeck --help" "$page" <"$help_text"
commands=$("$pilotdeck" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
[ -n "$commands" ] || { echo "man_page.sh: no commands in 'pilotdeck --help'"; exit 1; }
count=0
for cmd in $commands; do
    count=$((count + 1))
    grep -qx "## $cmd" "$page" || lack "a section '## $cmd'"
    # the section: from "## cmd" to the next heading
    sed -n "/^## $cmd\$/,/^#/p" "$page" >"$section"
    "$pilotdeck" help "$cmd" >"$help_text"
    check_help "$cmd" "$section" <"$help_text"
    # subcommands, from the usage lines: "pilotdeck [--db PATH] ce add NAME ..."
    for sub in $("$pilotdeck" help "$cmd" |
                 sed -nE "s/^(usage:)? *pilotdeck (\\[--db PATH\\] )?$cmd ([a-z][a-z-]*)( .*)?\$/\\3/p" |
                 sort -u); do
        grep -qF "*$cmd $sub*" "$section" || lack "'$cmd $sub'"
    done
done
# KEYS: every key of the dashboard's key table (tui/keys.c: each row's
# .label, as the help screen shows it, and each character its .keys take)
# is a term of the section, as *KEY*.
keys_c=$(dirname "$0")/../tui/keys.c
[ -r "$keys_c" ] || { echo "man_page.sh: cannot read $keys_c"; exit 1; }
# (term lines only; scdoc's escapes undone: *\_* is the key _)
sed -n '/^# KEYS$/,/^# [A-Z]/{/^[^[:space:]]/p}' "$page" | sed 's/\\\(.\)/\1/g' >"$section"
[ -s "$section" ] || lack "a section '# KEYS'"
{
    # "Up/Down, j/k" -> Up Down j k; "+ / -" -> + -; "/" stays
    grep -o '\.label = "[^"]*"' "$keys_c" | sed 's/^\.label = "//; s/"$//' |
        awk '{ n = split($0, piece, /, /)
               for (i = 1; i <= n; i++) {
                   if (piece[i] == "/") { print "/"; continue }
                   gsub(/ *\/ */, " ", piece[i])
                   m = split(piece[i], key, / +/)
                   for (j = 1; j <= m; j++) print key[j]
               } }'
    # 'x' in .keys = { ... }: the printable ones (' ' is space)
    grep -o "\.keys = {[^}]*}" "$keys_c" | grep -o "'[^\\']'" | sed "s/^'//; s/'\$//; s/^ \$/space/"
} | sort -u >"$tmp"
nkeys=0
while IFS= read -r key; do
    nkeys=$((nkeys + 1))
    grep -qF -- "*$key*" "$section" || lack "the key '$key' of $keys_c in KEYS"
done <"$tmp"
[ "$nkeys" -gt 20 ] || lack "the keys of $keys_c ($nkeys read: has the table changed its form?)"
if [ "$missing" -gt 0 ]; then
    echo "man_page.sh: $missing missing; document them in $page"
    exit 1
fi
echo "man_page.sh: $count commands, their subcommands and options, and $nkeys keys are in the page"
