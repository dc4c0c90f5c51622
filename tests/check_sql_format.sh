#!/bin/sh
# SQL is only ever built with bound parameters, and no user string reaches a
# format string.  A source check, registered in CTest as sql_format_check:
#
#  1. db/: the SQL given to sqlite3_prepare*(), sqlite3_exec() and the layer's
#     own pilotdb__exec_sql(), query_int() and check_query() is a string literal, a
#     macro, the constant statement table stmt_sql[], the migration table, or
#     the buffer `sql` (a wrapper's parameter, or a local filled only by rule 2).
#  2. db/: snprintf() into SQL (a destination named *sql*, or a format that
#     reads as SQL) uses only integer conversions; sqlite3_mprintf(),
#     sqlite3_vmprintf() and sqlite3_str_appendf() (the %q/%Q/%w builders)
#     are not used at all.
#  3. Everywhere (db sim tui cli tests bench fuzz): every printf-family call
#     passes a string literal (or a macro) as its format; only the va_list
#     functions (vsnprintf...) take a wrapper's format parameter.
#  4. Every function of ours taking (..., const char *FORMAT, ...) is
#     declared with __attribute__((format(printf, N, M))), so that the
#     compiler checks its callers too.
#  5. The build keeps -Wformat=2 (-Wformat-nonliteral, -Wformat-security) and
#     -Werror under PILOTDECK_WERROR, which every preset sets: the compiler
#     refuses a non-literal format anywhere, rules 3 and 4 say it still can.
#
# Then a self-test: each rule must catch a planted violation.
# Usage: check_sql_format.sh SOURCE_DIR
set -u
src=${1:?usage: check_sql_format.sh SOURCE_DIR}

# calls.awk: print "file:line:fn:argN:text" for every call of the named
# functions in C files (outside comments and strings), with the text of
# each argument, split at top-level commas.
calls_awk='
function flush_file(   n, i, c, d, st, line, id, j, k, args, a, arglines, startline, nxt, inlit) {
    n = length(text); i = 1; line = 1; st = "code"
    while (i <= n) {
        c = substr(text, i, 1)
        if (c == "\n") line++
        if (st == "code") {
            if (substr(text, i, 2) == "/*") { st = "block"; i += 2; continue }
            if (substr(text, i, 2) == "//") { st = "linec"; i += 2; continue }
            if (c == "\"") { st = "str"; i++; continue }
            if (c == "\047") { st = "chr"; i++; continue }
            if (c ~ /[A-Za-z_]/ && (i == 1 || substr(text, i - 1, 1) !~ /[A-Za-z0-9_.>]/)) {
                j = i
                while (j <= n && substr(text, j, 1) ~ /[A-Za-z0-9_]/) j++
                id = substr(text, i, j - i)
                if (id in want) {
                    k = j
                    while (k <= n && substr(text, k, 1) ~ /[ \t\n]/) k++
                    if (substr(text, k, 1) == "(")
                        emit(id, k + 1, line)
                }
                i = j; continue
            }
        } else if (st == "block") {
            if (substr(text, i, 2) == "*/") { st = "code"; i += 2; continue }
        } else if (st == "linec") {
            if (c == "\n") st = "code"
        } else if (st == "str") {
            if (c == "\\") { i += 2; continue }
            if (c == "\"") st = "code"
        } else if (st == "chr") {
            if (c == "\\") { i += 2; continue }
            if (c == "\047") st = "code"
        }
        i++
    }
}
# print the arguments of the call whose "(" ends just before p
function emit(fn, p, line,   n, d, c, a, cur, s) {
    n = length(text); d = 0; a = 1; cur = ""; s = "code"
    while (p <= n) {
        c = substr(text, p, 1)
        if (s == "str") {
            cur = cur c
            if (c == "\\") { cur = cur substr(text, p + 1, 1); p += 2; continue }
            if (c == "\"") s = "code"
            p++; continue
        }
        if (s == "chr") {
            cur = cur c
            if (c == "\\") { cur = cur substr(text, p + 1, 1); p += 2; continue }
            if (c == "\047") s = "code"
            p++; continue
        }
        if (substr(text, p, 2) == "/*") {
            q = index(substr(text, p + 2), "*/"); p += q + 3; continue
        }
        if (c == "\"") s = "str"
        else if (c == "\047") s = "chr"
        else if (c == "(" || c == "[" || c == "{") d++
        else if (c == ")" || c == "]" || c == "}") {
            if (d == 0) { out(fn, line, a, cur); return }
            d--
        } else if (c == "," && d == 0) { out(fn, line, a, cur); a++; cur = ""; p++; continue }
        cur = cur c
        p++
    }
}
function out(fn, line, a, cur) {
    gsub(/[ \t\n]+/, " ", cur); sub(/^ /, "", cur); sub(/ $/, "", cur)
    printf "%s:%d:%s:%d:%s\n", file, line, fn, a, cur
}
BEGIN { n = split(names, list, ","); for (i = 1; i <= n; i++) want[list[i]] = 1 }
FNR == 1 && NR > 1 { flush_file(); text = "" }
{ text = text $0 "\n"; file = FILENAME }
END { flush_file() }
'

# calls NAMES FILES...: the calls of NAMES (comma-separated) in FILES.
calls() {
    names=$1; shift
    [ $# -gt 0 ] || return 0
    awk -v names="$names" "$calls_awk" "$@"
}

# c_files DIR...: the C sources and headers under SOURCE_DIR/DIR.
c_files() {
    for d in "$@"; do
        [ -d "$root/$d" ] && find "$root/$d" -name '*.[ch]' -type f
    done | sort
}

problem() { problems=$((problems + 1)); printf '%s\n' "$*"; }

# Integer conversions only: %d %i %u %x %ld %lld %zu %jd %" PRId64 "...
only_int_formats() {
    printf '%s' "$1" | sed -e 's/%%//g' -e 's/%" *PRI[diuxX][0-9A-Z]*/%d/g' | grep -E '%' |
        grep -qvE '^[^%]*(%[-+ #0]*[0-9]*(hh|h|l|ll|j|z|t)?[diuxX][^%]*)*$' && return 1
    return 0
}

looks_like_sql() {
    printf '%s' "$1" | grep -qiE '^"[[:space:]]*(SELECT|INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|PRAGMA|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|WITH|ATTACH|VACUUM)\b'
}

check_tree() {
    root=$1
    problems=0
    db_files=$(c_files db)
    all_files=$(c_files db sim tui cli tests bench fuzz)

    # 1. SQL arguments.
    # shellcheck disable=SC2086
    calls sqlite3_prepare,sqlite3_prepare_v2,sqlite3_prepare_v3,sqlite3_prepare16,sqlite3_prepare16_v2,sqlite3_prepare16_v3,sqlite3_exec,pilotdb__exec_sql,query_int,check_query $db_files |
    while IFS= read -r rec; do
        arg=$(printf '%s' "$rec" | cut -d: -f4)
        [ "$arg" = 2 ] || continue
        where=$(printf '%s' "$rec" | cut -d: -f1-3)
        text=$(printf '%s' "$rec" | cut -d: -f5-)
        case "$text" in
            const\ *|char\ *|sqlite3\ *|pilotdb\ *|struct\ *) continue ;;  # a declaration
            \"*) looks_like_sql "$text" && ! only_int_formats "$text" &&
                 echo "$where: SQL literal with a format conversion: $text" ;;
            stmt_sql\[*\]|pilotdb_migrations\[*\].sql|sql) ;;
            *) if printf '%s' "$text" | grep -qE '^[A-Z][A-Z0-9_]*$'; then :; else
                   echo "$where: SQL is not a constant: '$text'"; fi ;;
        esac
    done >"$tmp/sql1"
    while IFS= read -r l; do problem "$l"; done <"$tmp/sql1"
    # shellcheck disable=SC2086
    nsql=$(calls sqlite3_prepare,sqlite3_prepare_v2,sqlite3_prepare_v3,sqlite3_exec,pilotdb__exec_sql,query_int,check_query $db_files | grep -c ':2:')

    # 2. Formatting into SQL.
    # shellcheck disable=SC2086
    calls snprintf,sprintf,sqlite3_snprintf,sqlite3_mprintf,sqlite3_vmprintf,sqlite3_str_appendf,sqlite3_str_vappendf $db_files >"$tmp/fmt"
    awk -F: '{ key = $1 ":" $2 ":" $3; if ($4 == 1) dest[key] = $0; }
             $3 ~ /^sqlite3_(mprintf|vmprintf|str_appendf|str_vappendf)$/ && $4 == 1 {
                 print $1 ":" $2 ":" $3 ": builds SQL text with %q/%Q; bind parameters instead" }' \
        "$tmp/fmt" >"$tmp/sql2"
    while IFS= read -r rec; do
        fn=$(printf '%s' "$rec" | cut -d: -f3)
        arg=$(printf '%s' "$rec" | cut -d: -f4)
        text=$(printf '%s' "$rec" | cut -d: -f5-)
        where=$(printf '%s' "$rec" | cut -d: -f1-3)
        case "$fn:$arg" in snprintf:3|sprintf:2|sqlite3_snprintf:3) ;; *) continue ;; esac
        destarg=1; [ "$fn" = sqlite3_snprintf ] && destarg=2
        dest=$(grep -F "$where:$destarg:" "$tmp/fmt" | head -n 1 | cut -d: -f5-)
        if printf '%s' "$dest" | grep -qi sql || looks_like_sql "$text"; then
            case "$text" in
                \"*) only_int_formats "$text" ||
                     echo "$where: SQL formatted with a non-integer conversion: $text" ;;
                *) echo "$where: SQL formatted with a non-literal format: $text" ;;
            esac
        fi
    done <"$tmp/fmt" >>"$tmp/sql2"
    while IFS= read -r l; do problem "$l"; done <"$tmp/sql2"

    # 3. Literal formats everywhere.
    # shellcheck disable=SC2086
    calls printf,fprintf,dprintf,sprintf,snprintf,vprintf,vfprintf,vsprintf,vsnprintf,syslog,cli_error,fail_msg,print_message,print_error $all_files |
    awk -F: '
        { fn = $3; a = $4; t = $0; for (k = 0; k < 4; k++) t = substr(t, index(t, ":") + 1) }
        (fn == "printf" || fn == "vprintf" || fn == "cli_error" || fn == "fail_msg" ||
         fn == "print_message" || fn == "print_error") && a == 1 ||
        (fn == "fprintf" || fn == "dprintf" || fn == "sprintf" || fn == "vfprintf" ||
         fn == "vsprintf" || fn == "syslog") && a == 2 ||
        (fn == "snprintf" || fn == "vsnprintf") && a == 3 {
            if (t ~ /^"/ || t ~ /^[A-Z][A-Z0-9_]*( |$)/ || t == "fmt") next
            # the va_list functions, inside a wrapper that rule 4 covers
            if (fn ~ /^v/ && t ~ /^[a-z_][a-z0-9_]*$/) next
            if (t ~ /^(const )?char \*/) next   # a prototype
            print $1 ":" $2 ":" fn ": format is not a literal: " t
        }' >"$tmp/fmt3"
    while IFS= read -r l; do problem "$l"; done <"$tmp/fmt3"
    # shellcheck disable=SC2086
    nfmt=$(calls printf,fprintf,dprintf,sprintf,snprintf,vprintf,vfprintf,vsprintf,vsnprintf,syslog,cli_error,fail_msg,print_message,print_error $all_files | grep -c ':1:')
    echo "$nsql SQL arguments in db/, $nfmt printf-family calls checked"

    # 4. Format attributes on our variadic wrappers.
    # shellcheck disable=SC2086
    [ -n "$all_files" ] && cat $all_files | tr '\n' ' ' >"$tmp/joined"
    [ -n "$all_files" ] &&
        grep -oE '[A-Za-z_][A-Za-z0-9_]*\([^();{}]*const char \*[A-Za-z_]+, *\.\.\.\)' "$tmp/joined" |
        sed 's/(.*//' | sort -u |
    while read -r name; do
        if ! grep -qE "$name\([^;{}]*\)[[:space:]]*__attribute__\(\(format\(printf" "$tmp/joined"; then
            # shellcheck disable=SC2086
            echo "$(grep -lE "$name\(" $all_files | head -n 1): $name(..., const char *fmt, ...) has no __attribute__((format(printf, ...)))"
        fi
    done >"$tmp/fmt4"
    while IFS= read -r l; do problem "$l"; done <"$tmp/fmt4"

    # 5. The compiler's share.
    if [ -f "$root/CMakeLists.txt" ]; then
        grep -q -- '-Wformat=2' "$root/CMakeLists.txt" ||
            problem "CMakeLists.txt: -Wformat=2 is no longer among the warnings"
        grep -A2 'if(PILOTDECK_WERROR)' "$root/CMakeLists.txt" | grep -q -- '-Werror' ||
            problem "CMakeLists.txt: PILOTDECK_WERROR no longer adds -Werror"
    fi
    return "$problems"
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pilotdeck-sqlfmt-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failed=0

echo "== checking $src"
check_tree "$src"
n=$?
echo "$n problem(s) in the sources"
[ "$n" -eq 0 ] || failed=1

# Self-test: each planted violation must be found, and a clean file must not.
plant() { # plant NAME DIR CODE: a one-function file; the check must flag it
    name=$1 dir=$2 code=$3
    rm -rf "$tmp/tree" && mkdir -p "$tmp/tree/$dir"
    cp "$src/CMakeLists.txt" "$tmp/tree/"
    printf '#include <stdio.h>\nvoid planted(sqlite3 *conn, const char *name, char *user_sql);\nvoid planted(sqlite3 *conn, const char *name, char *user_sql)\n{\n    char sql[200];\n%s\n}\n' \
        "$code" >"$tmp/tree/$dir/planted.c"
    out=$(check_tree "$tmp/tree" 2>&1 | grep -v " checked$"); got=$(check_tree "$tmp/tree" >/dev/null 2>&1; echo $?)
    if [ "$name" = clean ]; then
        [ "$got" -eq 0 ] && echo "self-test clean: ok" ||
            { echo "self-test clean: false alarm: $out"; failed=1; }
    elif [ "$got" -gt 0 ]; then
        echo "self-test $name: caught ($(printf '%s' "$out" | head -n 1 | sed 's/^[^:]*planted.c://'))"
    else
        echo "self-test $name: NOT caught"; failed=1
    fi
}
plant clean db '    snprintf(sql, sizeof sql, "PRAGMA user_version = %d;", 2);
    sqlite3_exec(conn, sql, NULL, NULL, NULL);
    sqlite3_exec(conn, "SELECT 1, 2", NULL, NULL, NULL);
    snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld; -- %" PRId64 " %zu", 1LL, x, y);
    printf("%s\n", name);
    fprintf(stderr, "%s" "\n", user_sql);'
plant sql-%s db '    snprintf(sql, sizeof sql, "SELECT * FROM ce WHERE name = '\''%s'\''", name);
    sqlite3_exec(conn, sql, NULL, NULL, NULL);'
plant sql-%s-split db '    snprintf(sql, sizeof sql,
             "DELETE FROM ce WHERE name = "
             "\"%s\"", name);'
plant sql-not-constant db '    sqlite3_exec(conn, user_sql, NULL, NULL, NULL);'
plant sql-prepare-expr db '    sqlite3_prepare_v2(conn, name + 1, -1, NULL, NULL);'
plant sql-mprintf db '    char *q = sqlite3_mprintf("DELETE FROM ce WHERE name = %Q", name);
    sqlite3_free(q);'
plant format-from-user cli '    printf(name);'
plant format-from-user-fprintf sim '    fprintf(stderr, user_sql, 1);'
plant wrapper-without-attribute tui '}
static void note(const char *fmt, ...)
{'

if [ "$failed" -eq 0 ]; then echo "sql_format_check: ok"; else echo "sql_format_check: FAILED"; fi
exit "$failed"
