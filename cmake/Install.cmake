# What `cmake --install` puts beside bin/pilotdeck (component "runtime"):
# the shipped scenarios with their goldens, found by name by `sim` and
# `demo` (cli/scenario_path.c), the bash completion (where bash-completion
# loads it on demand, and which finds those scenarios relative to itself),
# and the documentation (the README with its docs/ beside it).  LICENSE is
# its own component: the Debian package carries its text in the copyright
# file.
install(DIRECTORY scenarios/ DESTINATION ${PILOTDECK_SCENARIO_DIR})
install(FILES completion/pilotdeck.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME pilotdeck)
install(FILES README.md DESTINATION ${PILOTDECK_DOC_DIR})
# the README's images, at the paths it names them by (docs/*.svg)
install(DIRECTORY docs DESTINATION ${PILOTDECK_DOC_DIR} COMPONENT runtime)
install(FILES LICENSE DESTINATION ${PILOTDECK_DOC_DIR} COMPONENT license)
