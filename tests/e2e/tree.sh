#!/bin/sh
# tree.sh - the sites tree end to end in a real terminal (tmux): t groups
# the CEs under their site with its totals, Left and Right fold a site,
# sorting and filtering work inside the tree, CEs without a site sit under
# "(no site)", and `top --once --tree` prints the same lines.
# Usage: tree.sh PATH/TO/pilotdeck
set -u
PD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/lib.sh"
DB="$WORK/sites.db"

# Two sites and a CE without one, ingested as an operator would.
now=$(date +%s)
rec() {
    printf '{"ref":"%s","ce":"%s","status":"%s","at":"%s"%s}\n' "$1" "$2" "$3" \
        "$(date -u -d "@$((now - $4))" +%Y-%m-%dT%H:%M:%SZ)" "${5:-}"
}
{
    for i in 1 2 3 4 5 6 7 8 9 10 11 12; do rec a$i ce-a.cern.ch submitted 3000 ', "site": "CERN"'; done
    for i in 1 2 3 4 5 6 7 8 9 10; do rec a$i ce-a.cern.ch done 600; done
    for i in 1 2 3 4 5; do rec b$i ce-b.cern.ch submitted 3000 ', "site": "CERN"'; done
    for i in 1 2 3; do rec b$i ce-b.cern.ch failed 700; done
    for i in 1 2 3 4; do rec c$i ce-c.fnal.gov submitted 2000 ', "site": "FNAL"'; done
    rec c1 ce-c.fnal.gov running 1000
    rec d1 ce-lonely.org submitted 100
    rec d2 ce-lonely.org submitted 100
} > "$WORK/sites.jsonl"
"$PD" --db "$DB" init >/dev/null || fail "init"
"$PD" --db "$DB" ingest --add-ces "$WORK/sites.jsonl" >/dev/null 2>&1 || fail "ingest"

# Headless: the same tree, with the site's totals on its line.
"$PD" --db "$DB" top --once --tree --width 100 > "$WORK/once.txt" || fail "top --once --tree"
grep -Eq "^▾ CERN +ok .* 4/17 " "$WORK/once.txt" || fail "--once --tree: no CERN line with its totals"
grep -Eq "^  ce-a\.cern\.ch " "$WORK/once.txt" || fail "--once --tree: CEs not under their site"
[ "$(sed -n '6p;9p;11p' "$WORK/once.txt" | awk '{print $2}' | tr '\n' ' ')" = "CERN FNAL (no " ] ||
    fail "--once --tree: sites not in order, (no site) last: $(cat "$WORK/once.txt")"
"$PD" --db "$DB" top --json --tree | grep -q '"sites":\[{"name":"CERN","ces":2' || fail "--json --tree lacks sites"
ok "top --once --tree and --json --tree"

start 100 30 "$PD --db $DB top -d 0.2"
wait_for "^ce-a\.cern\.ch"
keys t
wait_for "^▾ CERN "
wait_for "^  ce-a\.cern\.ch"
wait_for "^▾ \(no site\)"
wait_for "^  ce-lonely\.org"
ok "t groups the CEs under their site, (no site) last"

# The selection (ce-a) stays; Left goes up to CERN, Left again folds it.
keys Left
keys e
wait_for "no CE selected"
keys Left
wait_for "^▸ CERN "
wait_gone "^  ce-a\.cern\.ch"
wait_for "^  ce-c\.fnal\.gov"
keys Right
wait_for "^▾ CERN "
wait_for "^  ce-b\.cern\.ch"
ok "Left and Right fold and unfold a site; edits refuse a site line"

# Sorting and filtering inside the tree.
keys r
wait_for "sorted by NAME, reversed"
order=$(screen | sed -n '6,12p' | sed 's/   .*//' | tr '\n' '|')
[ "$order" = "▾ FNAL|  ce-c.fnal.gov|▾ CERN|  ce-b.cern.ch|  ce-a.cern.ch|▾ (no site)|  ce-lonely.org|" ] ||
    fail "reversed tree: '$order'"
keys /
wait_for "filter: _"
keys f n a l Enter
wait_for "filter: fnal"
wait_gone "CERN"
wait_gone "no site"
wait_for "^▾ FNAL"
keys Escape
wait_for "CERN"
ok "sorting and filtering work inside the tree"

# The smallest terminal shows the tree too.
$T resize-window -t e2e -x 60 -y 16
wait_for "^  ce-a\.cern\.ch +ok"
screen | sed -n 16p | grep -q "q" || fail "60x16: no footer"
keys t
wait_for "flat list of CEs"
wait_for "^ce-a\.cern\.ch"
quit_restored
ok "60x16 pane, t back to the flat list, q quits"
echo "PASS"
