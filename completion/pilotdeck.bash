# bash completion for pilotdeck                             -*- shell-script -*-
#
# Commands, subcommands, options and their values are read from the
# program's own help ('pilotdeck --help', 'pilotdeck help COMMAND'), which
# prints its command table, so they never drift from it; that is done once
# per shell and program.  CE and site names come from the database the
# line names (--db anywhere on it, else $PILOTDECK_DB, else ./pilotdeck.db)
# through 'pilotdeck ce list --csv -', which only reads it.  Needs bash 4
# (associative arrays), not the bash-completion package.

# _pilotdeck_parse_help CMD: 'pilotdeck help CMD' (or --help when CMD is
# empty) on standard input, as records for _pilotdeck_load:
#   C NAME               a command (from the main help)
#   S CMD SUB            a subcommand
#   O KEY OPT VALUE [LONG]  an option of KEY ("" global, "sim", "ce list");
#                        VALUE "-" for a flag; LONG: OPT is its short name
#   V KEY OPT WORD...    the values the help lists for OPT
#   P KEY PLACEHOLDER... positional arguments, in order
#   L PLACEHOLDER WORD...  "STATUS is submitted, running, done or failed"
_pilotdeck_parse_help() {
    awk -v cmd="$1" 'BEGIN { OFS = "\037" }
    function trim(s) { gsub(/^ +| +$/, "", s); return s }
    # A list of words in help text: "a, b or c" (parentheses dropped, after
    # the last colon), printed as "a b c"; "" when it is not one.
    function word_list(text) {
        gsub(/\([^)]*\)/, "", text)
        gsub(/ +/, " ", text)
        sub(/.*:/, "", text)
        sub(/[;.].*/, "", text)
        gsub(/ +,/, ",", text)
        text = trim(text)
        if (text !~ /^[a-z_]+(, [a-z_]+)*(,? or [a-z_]+)?$/ || text !~ /,| or /)
            return ""
        gsub(/,? or |, /, " ", text)
        return text
    }
    function flush_option() {
        if (optname != "" && (w = word_list(opthelp)) != "")
            print "V", cmd, optname, w
        optname = ""; opthelp = ""
    }
    # One usage line, "pilotdeck" and "usage:" already gone.
    function usage_entry(e,   n, t, i, key, tok, name, val, alts, pos) {
        sub(/^\[--db PATH\] */, "", e)
        n = split(e, t, / +/)
        if (t[1] != cmd || n < 1)
            return
        key = cmd; i = 2
        if (t[2] ~ /^[a-z][a-z-]*$/) {
            key = cmd " " t[2]; i = 3
            print "S", cmd, t[2]
        }
        pos = ""
        for (; i <= n; i++) {
            tok = t[i]
            sub(/^[[(]+/, "", tok)
            if (tok ~ /^--?[a-zA-Z]/) {
                name = tok
                sub(/[])|,.]+$/, "", name)
                val = "-"
                if (name == tok && i < n && t[i + 1] !~ /^[-[|(]/ && t[i + 1] != "...") {
                    val = t[++i]
                    sub(/[]).]+$/, "", val)
                }
                print "O", key, name, val
                if (val ~ /^[a-z_]+(\|[a-z_]+)+$/) {
                    alts = val
                    gsub(/\|/, " ", alts)
                    print "V", key, name, alts
                }
            } else if (tok ~ /^[A-Z]/) {
                gsub(/[][()]/, "", tok)
                pos = pos " " tok
            }
        }
        if (pos != "" && !(key in positional)) {
            positional[key] = 1
            print "P", key, substr(pos, 2)
        }
    }
    /^usage: / || (inusage && /^ +pilotdeck /) {
        if (entry != "") usage_entry(entry)
        entry = $0
        sub(/^(usage:)? *pilotdeck */, "", entry)
        inusage = 1
        next
    }
    inusage && /^ +[^ ]/ { entry = entry " " trim($0); next }
    inusage { if (entry != "") usage_entry(entry); entry = ""; inusage = 0 }
    { text = text " " $0 }
    /^Commands:/ { incommands = 1; next }
    incommands && /^  [a-z]/ { print "C", $1; next }
    /^$/ { flush_option(); incommands = 0; next }
    /^  -/ {
        flush_option()
        line = $0
        short = ""
        if (match(line, /^  -[a-zA-Z], /)) {
            short = substr(line, 4, 1)
            line = "  " substr(line, RLENGTH + 1)
        }
        if (!match(line, /^  --[a-z][a-z0-9-]*/))
            next
        optname = substr(line, 3, RLENGTH - 2)
        rest = substr(line, RLENGTH + 1)
        val = "-"
        if (match(rest, /^ [^ ]+/))
            val = substr(rest, 2, RLENGTH - 1)
        opthelp = rest
        if (val != "-")
            opthelp = substr(rest, RLENGTH + 1)
        print "O", cmd, optname, val
        if (short != "")
            print "O", cmd, "-" short, val, optname
        next
    }
    optname != "" && /^     / { opthelp = opthelp " " $0; next }
    { flush_option() }
    END {
        flush_option()
        # at the start of a sentence: "the CE is unknown, disabled or full"
        # is no list of values
        while (match(text, /(^|[.;] +)[A-Z][A-Z]+ is [a-z_]+(, [a-z_]+)*,? or [a-z_]+/)) {
            found = substr(text, RSTART, RLENGTH)
            text = substr(text, RSTART + RLENGTH)
            sub(/^[.;]? */, "", found)
            placeholder = found
            sub(/ .*/, "", placeholder)
            sub(/^[A-Z]+ is /, "", found)
            gsub(/,? or |, /, " ", found)
            print "L", placeholder, found
        }
    }'
}

# _pilotdeck_records: _pilotdeck_parse_help's records into the tables.
_pilotdeck_records() {
    local kind key opt rest
    while IFS=$'\037' read -r kind key opt rest; do
        key=${key:--}    # the global options
        case $kind in
            C) _pilotdeck_cmds+=" $key" ;;
            S) [[ " ${_pilotdeck_subs[$key]-} " == *" $opt "* ]] ||
                   _pilotdeck_subs[$key]+=" $opt" ;;
            L) _pilotdeck_list[$key]=$opt ;;
            P) _pilotdeck_pos[$key]=$opt ;;
            O) [[ $rest != *$'\037'* ]] || _pilotdeck_long[$key|$opt]=${rest#*$'\037'} rest=${rest%%$'\037'*}
               [[ -n ${_pilotdeck_opt[$key|$opt]+set} ]] || _pilotdeck_opts[$key]+=" $opt"
               # a value named anywhere wins over a flag named elsewhere
               [[ ${_pilotdeck_opt[$key|$opt]:--} != - ]] || _pilotdeck_opt[$key|$opt]=$rest ;;
            V) _pilotdeck_vals[$key|$opt]+=" $rest"
               _pilotdeck_vals[*|$opt]=${_pilotdeck_vals[*|$opt]-$rest} ;;
        esac
    done
}

# _pilotdeck_load PROGRAM: the tables, from PROGRAM's help, once per shell
# and program.
_pilotdeck_load() {
    [[ ${_pilotdeck_loaded-} == "$1" ]] && return
    declare -gA _pilotdeck_opt=() _pilotdeck_opts=() _pilotdeck_vals=() _pilotdeck_long=() \
                _pilotdeck_subs=() _pilotdeck_pos=() _pilotdeck_list=()
    declare -g _pilotdeck_cmds=""
    local c
    _pilotdeck_records < <("$1" --help 2>/dev/null </dev/null | _pilotdeck_parse_help "")
    for c in $_pilotdeck_cmds; do
        _pilotdeck_records < <("$1" help "$c" 2>/dev/null </dev/null | _pilotdeck_parse_help "$c")
    done
    _pilotdeck_loaded=$1
}

# _pilotdeck_ces PROGRAM DB FIELD: the CE names (FIELD 1) or sites (2) of
# the database DB, one per line; nothing, silently, when it cannot be read.
_pilotdeck_ces() {
    [[ -f $2 && -r $2 ]] || return 0
    "$1" --db "$2" ce list --csv - 2>/dev/null </dev/null | awk -v field="$3" '
        NR == 1 { next }
        {   # RFC 4180: a quoted field may hold commas and "" for a quote
            line = $0; n = 0
            while (line != "" && n < field) {
                n++
                if (substr(line, 1, 1) == "\"") {
                    value = ""; line = substr(line, 2)
                    while (match(line, /"/)) {
                        value = value substr(line, 1, RSTART - 1)
                        line = substr(line, RSTART + 1)
                        if (substr(line, 1, 1) != "\"") break
                        value = value "\""; line = substr(line, 2)
                    }
                    sub(/^,/, "", line)
                } else if (match(line, /,/)) {
                    value = substr(line, 1, RSTART - 1); line = substr(line, RSTART + 1)
                } else {
                    value = line; line = ""
                }
            }
            sub(/\r$/, "", value)
            if (n == field && value != "" && !seen[value]++) print value
        }'
}

# _pilotdeck_scenarios PROGRAM: the names of the scenarios installed with
# pilotdeck, which 'sim' and 'demo' find by name (cli/scenario_path.c):
# beside the program (BINDIR/../share/pilotdeck/scenarios) and beside this
# file (DATADIR/bash-completion/completions/../../pilotdeck/scenarios).
_pilotdeck_scenarios() {
    local bin dir f
    bin=$(readlink -f -- "$(type -P -- "$1")" 2>/dev/null)
    for dir in "${bin%/*}/../share/pilotdeck/scenarios" \
               "${_pilotdeck_source%/*}/../../pilotdeck/scenarios"; do
        for f in "$dir"/*.ini; do
            [[ -f $f ]] && f=${f##*/} && printf '%s\n' "${f%.ini}"
        done
    done
}

# _pilotdeck_files CUR [GLOB [NOT]]: files (those matching GLOB, "" for
# any, and not NOT) and directories.
_pilotdeck_files() {
    local f
    compopt -o filenames 2>/dev/null
    # shellcheck disable=SC2053 # GLOB and NOT are patterns
    while IFS= read -r f; do
        if [[ -d $f ]]; then
            COMPREPLY+=("$f")
        elif [[ ( -z ${2-} || $f == $2 ) && ( -z ${3-} || $f != $3 ) ]]; then
            COMPREPLY+=("$f")
        fi
    done < <(compgen -f -- "$1")
}

# _pilotdeck_words CUR WORDS: the words of the list WORDS (separated by
# blanks) that start with CUR.
_pilotdeck_words() {
    local cur=$1 w list
    read -ra list <<<"$2"
    for w in "${list[@]}"; do
        [[ $w == "$cur"* ]] && COMPREPLY+=("$w")
    done
}

# _pilotdeck_names CUR NAME...: the NAMEs that start with CUR, quoted for
# the shell (a CE's name may hold a comma, a quote or a space).
_pilotdeck_names() {
    local cur=$1 w q
    shift
    for w in "$@"; do
        [[ $w == "$cur"* ]] && printf -v q '%q' "$w" && COMPREPLY+=("$q")
    done
}

# _pilotdeck_value CUR KEY CMD OPT PLACEHOLDER: complete the value of OPT
# (or a positional argument, OPT ""), named PLACEHOLDER in the help.
_pilotdeck_value() {
    local cur=$1 key=$2 cmd=$3 opt=$4 ph=$5 words name names
    opt=${_pilotdeck_long[$key|$opt]-${_pilotdeck_long[$cmd|$opt]-$opt}}
    words=${_pilotdeck_vals[$key|$opt]-${_pilotdeck_vals[$cmd|$opt]-}}
    if [[ -z $words && -n $opt ]]; then
        words=${_pilotdeck_vals[*|$opt]-}    # merge --metric: as sweep's
    fi
    if [[ -n $words ]]; then
        _pilotdeck_words "$cur" "$words"
    elif [[ $opt == --ce || $ph == CE || ( $ph == NAME && $cmd == ce && $key != "ce add" ) ]]; then
        mapfile -t names < <(_pilotdeck_ces "$prog" "$db" 1)
        _pilotdeck_names "$cur" "${names[@]}"
    elif [[ $opt == --site ]]; then
        mapfile -t names < <(_pilotdeck_ces "$prog" "$db" 2)
        _pilotdeck_names "$cur" "${names[@]}"
    elif name=${opt#--} && words=${name:+${_pilotdeck_list[${name^^}]-}} &&
         words=${words:-${ph:+${_pilotdeck_list[${ph%...}]-}}} && [[ -n $words ]]; then
        _pilotdeck_words "$cur" "$words"    # --status: "STATUS is ..."
    elif [[ $ph == *.ini* || $ph == SCENARIO* ]]; then
        _pilotdeck_files "$cur" '*.ini'
        if [[ -z $opt && ( $cmd == sim || $cmd == demo ) ]]; then
            mapfile -t names < <(_pilotdeck_scenarios "$prog" | sort -u)
            _pilotdeck_names "$cur" "${names[@]}"
        fi
    elif [[ $ph == DIR ]]; then
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
    elif [[ $opt == --db ]]; then
        _pilotdeck_files "$cur" "" '*-@(wal|shm|journal)'    # SQLite's, beside a database
    elif [[ $ph == *FILE* || $ph == *PATH* ]]; then
        _pilotdeck_files "$cur"
    fi
}

# _pilotdeck_join: the words of the line up to the current one into words,
# as the user sees them.  Bash splits at every character of
# COMP_WORDBREAKS, ':' among them, so that "--db :memory: top" is the words
# --db : memory : top; a run of colons is joined again to the words it
# touches without a blank between.  A run that starts with '='
# ("--db=:memory:") gives its '=' a word of its own, as "--db=FILE" has.
_pilotdeck_join() {
    local line=${COMP_LINE-} i w glued
    words=()
    if [[ -z $line ]]; then
        words=("${COMP_WORDS[@]:0:COMP_CWORD + 1}")
        return
    fi
    line=${line:0:COMP_POINT}
    for ((i = 0; i <= COMP_CWORD && i < ${#COMP_WORDS[@]}; i++)); do
        w=${COMP_WORDS[i]}
        glued=1
        [[ $line != [[:blank:]]* ]] || glued=0
        line=${line#"${line%%[![:blank:]]*}"}
        line=${line#"$w"}
        if [[ $w == =:* && -z ${w//[=:]/} ]]; then
            words+=("=")
            w=${w#=}
        fi
        if ((i > 0 && glued)) && [[ ${words[-1]} != = ]] &&
           [[ ( -n $w && -z ${w//:/} ) || ${words[-1]} == *: ]]; then
            words[-1]+=$w
        else
            words+=("$w")
        fi
    done
}

_pilotdeck() {
    local words
    _pilotdeck_join
    local prog=${COMP_WORDS[0]} cword=$((${#words[@]} - 1))
    local cur=${words[cword]} colon_prefix=""
    local db=${PILOTDECK_DB:-pilotdeck.db} cmd="" sub="" key=- npos=0
    local i w v opt="" ph="" positional
    COMPREPLY=()
    # bash replaces only what follows the current word's last colon
    [[ $cur != *:* || ${COMP_WORDBREAKS-} != *:* ]] || colon_prefix=${cur%"${cur##*:}"}
    type -P -- "$prog" >/dev/null 2>&1 || prog=pilotdeck
    _pilotdeck_load "$prog"

    # The words before the current one: the command, subcommand, --db and
    # the positional arguments, option values skipped ("--opt = value" is
    # how bash splits --opt=value).
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        if [[ $w == -* && $w != - ]]; then
            v=${_pilotdeck_opt[$key|${w%%=*}]-${_pilotdeck_opt[$cmd|${w%%=*}]-}}
            if [[ $w == --db=* ]]; then
                db=${w#--db=}
            elif [[ -n $v && $v != - && $w != *=* ]]; then
                [[ ${words[i + 1]-} != = ]] || ((i++))
                ((i + 1 < cword)) || { opt=${w}; ph=$v; break; }
                ((i++))
                [[ $w != --db ]] || db=${words[i]}
            fi
        elif [[ -z $cmd ]]; then
            cmd=$w key=$w
        elif [[ -n ${_pilotdeck_subs[$cmd]-} && -z $sub ]]; then
            sub=$w key="$cmd $w"
        else
            ((npos++))
        fi
    done
    [[ $db != \~/* ]] || db=$HOME/${db#\~/}   # as the shell will expand it
    [[ $cur != = ]] || cur=""

    if [[ -n $opt ]]; then
        _pilotdeck_value "$cur" "$key" "$cmd" "$opt" "$ph"
    elif [[ $cur == -* ]]; then
        if [[ -z $cmd ]]; then
            _pilotdeck_words "$cur" "${_pilotdeck_opts[-]}"
        else
            # the long names: those of the command and of its subcommand
            [[ $cur == --* ]] || cur=--
            _pilotdeck_words "$cur" "${_pilotdeck_opts[$cmd]-} ${_pilotdeck_opts[$key]-} --help"
        fi
    elif [[ -z $cmd ]]; then
        _pilotdeck_words "$cur" "$_pilotdeck_cmds"
    elif [[ $cmd == help ]]; then
        if ((npos == 0)); then
            _pilotdeck_words "$cur" "$_pilotdeck_cmds"
        elif ((npos == 1)); then
            _pilotdeck_words "$cur" "${_pilotdeck_subs[${words[cword - 1]}]-}"
        fi
    elif [[ -n ${_pilotdeck_subs[$cmd]-} && -z $sub ]]; then
        _pilotdeck_words "$cur" "${_pilotdeck_subs[$cmd]}"
    else
        read -ra positional <<<"${_pilotdeck_pos[$key]-}"
        if ((npos < ${#positional[@]})); then
            ph=${positional[npos]}
        elif ((${#positional[@]})) && [[ ${positional[-1]} == *... ]]; then
            ph=${positional[-1]}
        fi
        [[ -z $ph ]] || _pilotdeck_value "$cur" "$key" "$cmd" "" "$ph"
    fi
    # duplicates out, in order
    if ((${#COMPREPLY[@]} > 1)); then
        mapfile -t COMPREPLY < <(printf '%s\n' "${COMPREPLY[@]}" | awk '!seen[$0]++')
    fi
    [[ -z $colon_prefix ]] || COMPREPLY=("${COMPREPLY[@]#"$colon_prefix"}")
    return 0
}

_pilotdeck_source=${BASH_SOURCE[0]}
complete -F _pilotdeck pilotdeck
