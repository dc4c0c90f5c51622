#!/bin/sh
# The Debian package as a user builds it (the deb preset), in a tree of its
# own: configured with a pkg-config that knows no cmocka and no C++
# compiler, so the build shows it needs neither; lintian clean of errors;
# unpacked with dpkg -x and its pilotdeck run from there (--version, a
# scenario found by name, the shipped goldens replayed), its man page read,
# its bash completion asked for a scenario, the README's images found
# beside it.  Then the same
# tree through cmake --install into a prefix that is then moved.
# Usage: package.sh SOURCE_DIR WORK_DIR
set -eu
src=${1:?usage: package.sh SOURCE_DIR WORK_DIR}
work=${2:?usage: package.sh SOURCE_DIR WORK_DIR}
fail() {
    echo "package.sh: $*" >&2
    exit 1
}
for tool in dpkg-shlibdeps lintian file scdoc; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing (scripts/install-deps --test)"
done
build=$work/build root=$work/root
rm -rf "$root" "$work/prefix" "$work/moved" "$work/cwd"
mkdir -p "$work/bin" "$work/cwd"

# pkg-config without cmocka: the release build must not ask for it.
real_pkg_config=$(command -v pkg-config)
cat >"$work/bin/pkg-config" <<EOF
#!/bin/sh
for arg in "\$@"; do
    case \$arg in cmocka*) echo "pkg-config: cmocka hidden by tests/package.sh" >&2; exit 1 ;; esac
done
exec $real_pkg_config "\$@"
EOF
chmod +x "$work/bin/pkg-config"
(cd "$src" && cmake --preset deb -B "$build" -DPKG_CONFIG_EXECUTABLE="$work/bin/pkg-config" \
                    -DCMAKE_CXX_COMPILER="$work/bin/no-such-c++") >"$work/configure.log" 2>&1 ||
    { cat "$work/configure.log"; fail "the deb preset does not configure without cmocka and C++"; }
if grep -q "cmocka hidden" "$work/configure.log"; then
    cat "$work/configure.log"
    fail "the release build asked pkg-config for cmocka"
fi
cmake --build "$build" -j2 >"$work/build.log" 2>&1 || { tail -40 "$work/build.log"; fail "build"; }
rm -f "$build"/pilotdeck_*.deb
(cd "$build" && cpack -G DEB) >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; fail "cpack"; }
deb=$(ls "$build"/pilotdeck_*.deb)
echo "package: $(basename "$deb")"
echo "Depends: $(dpkg-deb -f "$deb" Depends)"
dpkg-deb -f "$deb" Depends | grep -q 'libsqlite3-0' ||
    fail "Depends was not computed (CPACK_DEBIAN_PACKAGE_SHLIBDEPS)"

# lintian: errors fail, warnings and the rest are shown.
lintian --display-info --pedantic "$deb" >"$work/lintian.log" 2>&1 || true
grep -v '^N:\|^running with root' "$work/lintian.log" || true
if grep -q '^E:' "$work/lintian.log"; then
    fail "lintian reports errors"
fi

# installed_works PREFIX: the pilotdeck of PREFIX, run from a directory
# with no scenarios in it, finds its own by name.
installed_works() {
    bin=$1/bin/pilotdeck golden=$1/share/pilotdeck/scenarios/golden
    (
        cd "$work/cwd"
        "$bin" --version
        "$bin" --db :memory: sim outage --json | cmp - "$golden/outage.json" ||
            fail "$bin: sim outage differs from its golden"
        "$bin" --db :memory: sim scenarios/tutorial.ini --json | cmp - "$golden/tutorial.json" ||
            fail "$bin: sim scenarios/tutorial.ini differs from its golden"
        if "$bin" --db :memory: sim no-such-scenario >"$work/out" 2>&1; then
            fail "$bin: sim of a missing scenario succeeded"
        fi
        grep -q "no-such-scenario" "$work/out" || fail "$bin: the message does not name the file"
    )
}

# has_readme_images DOCDIR: every image the README shows (![...](PATH))
# is there, at its path relative to the installed README.
has_readme_images() {
    images=$(grep -o '!\[[^]]*\]([^)]*)' "$1/README.md" | sed 's/.*](\(.*\))$/\1/')
    [ -n "$images" ] || fail "$1/README.md shows no image (has its syntax changed?)"
    for image in $images; do
        [ -s "$1/$image" ] || fail "$1: the README's image $image is not installed"
    done
}

# completes PREFIX: the bash completion of PREFIX, sourced as
# bash-completion loads it, offers its installed scenarios by name.
completes() {
    bash -c '. "$1/share/bash-completion/completions/pilotdeck" &&
             COMP_WORDS=("$1/bin/pilotdeck" sim out) COMP_CWORD=2 && _pilotdeck &&
             [ "${COMPREPLY[*]}" = outage ]' completes "$1" ||
        fail "$1: the bash completion does not complete 'sim out' to outage"
}

# The package's files, unpacked.
dpkg -x "$deb" "$root"
for f in usr/bin/pilotdeck usr/share/man/man1/pilotdeck.1.gz usr/share/doc/pilotdeck/copyright \
         usr/share/doc/pilotdeck/changelog.gz usr/share/doc/pilotdeck/README.md \
         usr/share/pilotdeck/scenarios/outage.ini usr/share/bash-completion/completions/pilotdeck; do
    [ -e "$root/$f" ] || fail "$f is not in the package"
done
installed_works "$root/usr"
has_readme_images "$root/usr/share/doc/pilotdeck"
completes "$root/usr"
man --warnings -l "$root/usr/share/man/man1/pilotdeck.1.gz" >/dev/null 2>"$work/man.log" &&
    ! [ -s "$work/man.log" ] || { cat "$work/man.log"; fail "man warns about pilotdeck.1"; }
"$root/usr/bin/pilotdeck" test "$root/usr/share/pilotdeck/scenarios" --jobs 2 >"$work/test.log" ||
    { cat "$work/test.log"; fail "the shipped goldens do not replay"; }
tail -n 1 "$work/test.log"

# cmake --install: the program, scenarios and docs, found after the prefix moved.
cmake --install "$build" --prefix "$work/prefix" >/dev/null
for f in bin/pilotdeck share/man/man1/pilotdeck.1.gz share/doc/pilotdeck/README.md \
         share/doc/pilotdeck/LICENSE share/pilotdeck/scenarios/grid50.ini \
         share/bash-completion/completions/pilotdeck; do
    [ -e "$work/prefix/$f" ] || fail "cmake --install did not install $f"
done
has_readme_images "$work/prefix/share/doc/pilotdeck"
mv "$work/prefix" "$work/moved"
installed_works "$work/moved"
completes "$work/moved"
echo "package.sh: ok"
