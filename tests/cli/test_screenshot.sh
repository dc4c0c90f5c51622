#!/bin/sh
# The README's picture of the dashboard: scripts/ansi2svg on a fixed
# capture of `pilotdeck top` (tests/data/screenshot) and on escape
# sequences made here (256 and 24-bit colours, reverse, wide, combining and
# control characters, characters XML escapes), each SVG well formed
# (xmllint) and holding the expected text and colours; then
# scripts/screenshot end to end, as the README's picture is remade.
# Usage: test_screenshot.sh PATH/TO/pilotdeck SOURCE_DIR
set -u
PD=${1:?usage: test_screenshot.sh PATH/TO/pilotdeck SOURCE_DIR}
SRC=${2:?usage: test_screenshot.sh PATH/TO/pilotdeck SOURCE_DIR}
cli_name=screenshot
. "$(dirname "$0")/common.sh"

for tool in python3 xmllint tmux; do
    command -v "$tool" >/dev/null 2>&1 && continue
    # In CI the dependency script installs them: a failure there.
    if [ -n "${CI:-}" ]; then echo "FAIL: $tool is not installed (scripts/install-deps --test)"; exit 1; fi
    echo "SKIP: $tool is not installed (scripts/install-deps --test)"
    exit 77
done
A2S="python3 $SRC/scripts/ansi2svg"

# in_svg FILE PART: FILE holds PART (has would print the whole file).
in_svg() { if grep -qF -- "$2" "$1"; then ok; else bad "$1 lacks '$2'"; fi; }
# count TEXT PART: how many times PART occurs in TEXT.
count() { printf '%s\n' "$1" | grep -oF -- "$2" | wc -l; }
# well_formed FILE: an XML document, no escape character left in it.
well_formed() {
    if xmllint --noout "$1" 2>"$work/xmllint"; then ok; else bad "$1 is not well formed: $(cat "$work/xmllint")"; fi
    same "$(tr -cd '\001-\010\013-\037\177' <"$1" | wc -c)" 0 "control characters in $1"
}

# -- the fixed capture --------------------------------------------------------------
expect 0 $A2S --cols 120 --rows 18 --title "pilotdeck top" "$SRC/tests/data/screenshot/top-120x18.ansi" top.svg
same "$err" "" "ansi2svg's standard error"
well_formed top.svg
svg=$(cat top.svg)
# 120x18 cells of 8.4x18 px, 12 px margins, a 28 px title bar
in_svg top.svg '<svg xmlns="http://www.w3.org/2000/svg" width="1032" height="376"'
in_svg top.svg '<title>pilotdeck top</title>'
for text in '>pilotdeck<' '>grid.db<' '>ce-cern.example.org<' '>ce-ral.example.org<' '>stale<' \
            '>DONE/H<' '>Quit<' '>What-if<'; do
    in_svg top.svg "$text"
done
# the selected row (the first CE): a blue bar the whole width, bold text
in_svg top.svg '<rect x="12" y="130" width="1008" height="18" fill="#3465a4"/>'
in_svg top.svg 'font-weight="bold">ce-cern.example.org</text>'
# grades in their colours: Bad red and bold, Poor yellow
in_svg top.svg 'fill="#cc0000" font-weight="bold">Bad</text>'
in_svg top.svg 'fill="#c4a000" font-weight="bold">Poor</text>'
# bars are shapes on the grid, one element per run: the header's slot bar
# (13 full blocks, then a medium shade), the sort arrow a glyph on its cell
in_svg top.svg '<rect x="306" y="58" width="109.2" height="18" fill="#4e9a06"/>'
in_svg top.svg '<rect x="415.2" y="58" width="8.4" height="18" fill="#06989a" fill-opacity="0.5"/>'
in_svg top.svg 'text-anchor="middle" fill="#2e3436" font-weight="bold">▼</text>'
same "$(count "$svg" '█')" 0 "full blocks left as text"
# every cell is on the grid: each text's x is 12 + 8.4 k (or a cell's middle)
bad_x=$(printf '%s\n' "$svg" | sed -n 's/^<text x="\([0-9.]*\)".*/\1/p' |
    awk '{ k = ($1 - 12) / 4.2; d = k - int(k + 0.5); if (d > 0.001 || d < -0.001) print }')
same "$bad_x" "" "texts off the grid"

# -- escape sequences made here ---------------------------------------------------
esc=$(printf '\033')
{
    printf '%s[38;5;196mred%s[0m %s[48;2;1;2;3mbg%s[49m %s[7mrev%s[27m\n' "$esc" "$esc" "$esc" "$esc" "$esc" "$esc"
    printf '界ab e\314\201 \001x<&>" %s[2m▁%s[22m %s]0;title\007%s[4mu%s[24m\n' "$esc" "$esc" "$esc" "$esc" "$esc"
    printf '%s[1;38;2;300;0;0mX%s[m%s[96mY%s[38:5:21mZ\n' "$esc" "$esc" "$esc" "$esc"
} >odd.ansi
expect 0 $A2S odd.ansi odd.svg
well_formed odd.svg
svg=$(cat odd.svg)
# the screen's size from the input: 16 cells wide (界 is two, é one), 3 lines
in_svg odd.svg 'width="158.4" height="106"'
in_svg odd.svg 'fill="#ff0000">red</text>'                    # 256-colour palette
in_svg odd.svg '<rect x="45.6" y="40" width="16.8" height="18" fill="#010203"/>' # 24-bit background
in_svg odd.svg '<rect x="70.8" y="40" width="25.2" height="18" fill="#d3d7cf"/>' # reverse: the
in_svg odd.svg 'fill="#1c1c1c">rev</text>'                    # default colours swapped
in_svg odd.svg '<text x="20.4" y="71" text-anchor="middle">界</text>' # wide: centred on 2 cells
in_svg odd.svg '<text x="28.8" y="71" textLength="16.8"'      # ... and the next text after them
in_svg odd.svg "text-anchor=\"middle\">$(printf 'e\314\201')</text>" # combining: one cell
in_svg odd.svg '>x&lt;&amp;&gt;"</text>'                      # \001 dropped, XML escaped
in_svg odd.svg 'height="2.25" fill="#d3d7cf" fill-opacity="0.6"/>' # a dim lower eighth block
in_svg odd.svg 'height="1" fill="#d3d7cf"/>'                  # the underline; the OSC ignored
case $svg in *title*title*title*) bad "the OSC's text was drawn" ;; *) ok ;; esac
in_svg odd.svg 'fill="#ff0000" font-weight="bold">X</text>'   # 24-bit clamped, bold
in_svg odd.svg 'fill="#34e2e2">Y</text>'                      # bright cyan
in_svg odd.svg 'fill="#0000ff">Z</text>'                      # the colon form of 38;5

# -- refusals -----------------------------------------------------------------------
expect 2 $A2S --cols 0 odd.ansi;           has "$err" "--cols 0 is not between 1 and 1000"
expect 2 $A2S a b c;                       has "$err" "unrecognized arguments: c"
expect 1 $A2S nowhere.ansi;                has "$err" "ansi2svg: cannot read nowhere.ansi"
expect 1 $A2S odd.ansi nodir/x.svg;        has "$err" "ansi2svg: cannot write nodir/x.svg"
if [ -e nodir ]; then bad "nodir created"; else ok; fi

# -- scripts/screenshot, end to end -------------------------------------------------------
SHOT="sh $SRC/scripts/screenshot --pilotdeck $PD"
expect 2 $SHOT --frob;                     has "$err" "screenshot: unknown option '--frob'"
expect 1 $SHOT --size 50x10 x.svg;         has "$err" "--size 50x10 is smaller than the dashboard's 60x16"
expect 1 $SHOT --size big x.svg;           has "$err" "--size 'big' is not WIDTHxHEIGHT"
expect 1 $SHOT --pilotdeck "$work/none" x.svg; has "$err" "is not an executable"
if [ -e x.svg ]; then bad "x.svg written by a refused run"; else ok; fi
expect 0 $SHOT --no-wait --size 100x20 --ansi shot.ansi shot.svg
has "$err" "screenshot: wrote shot.svg (100x20"
well_formed shot.svg
svg=$(cat shot.svg)
in_svg shot.svg 'width="864" height="412"'
for text in '>ce-cern.example.org<' '>ce-ral.example.org<' '>stale<' '>Bad<' '>grid.db<' '>Quit<'; do
    in_svg shot.svg "$text"
done
has "$(cat shot.ansi)" "${esc}[" # the raw capture, with its colours
for left in "$work"/*tmp*; do [ -e "$left" ] && bad "a temporary file left: $left"; done
finish
