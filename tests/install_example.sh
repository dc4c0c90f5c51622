#!/bin/sh
# Install a build into a temporary prefix and build and run the example
# project of examples/regression against it through pkg-config, as a user
# of the installed fixture library does.
# Usage: install_example.sh BUILD_DIR SOURCE_DIR C_COMPILER
set -eu
build=${1:?usage: install_example.sh BUILD_DIR SOURCE_DIR C_COMPILER}
src=${2:?usage: install_example.sh BUILD_DIR SOURCE_DIR C_COMPILER}
cc=${3:?usage: install_example.sh BUILD_DIR SOURCE_DIR C_COMPILER}
work=$(mktemp -d "${TMPDIR:-/tmp}/pilotdeck-example-XXXXXX")
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >"$work/install.log"
for f in bin/pilotdeck include/pilotdeck/pilotdb.h include/pilotdeck/fixtures.h; do
    [ -e "$work/prefix/$f" ] || { echo "install_example: $f not installed"; exit 1; }
done
pc=$(find "$work/prefix" -name pilotdeck-test.pc)
[ -n "$pc" ] || { echo "install_example: pilotdeck-test.pc not installed"; exit 1; }
PKG_CONFIG_PATH=$(dirname "$pc")
export PKG_CONFIG_PATH
echo "pkg-config pilotdeck-test: $(pkg-config --cflags --libs pilotdeck-test)"
cmake -S "$src/examples/regression" -B "$work/build" -DCMAKE_C_COMPILER="$cc" \
      -DCMAKE_C_FLAGS="-Wall -Wextra -Werror" >"$work/configure.log" ||
    { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
ctest --test-dir "$work/build" --output-on-failure
