# What `cmake --install` puts beside bin/pilotdeck (component "runtime"):
# the shipped scenarios with their goldens, found by name by `sim` and
# `demo` (cli/scenario_path.c), and the documentation.
install(DIRECTORY scenarios/ DESTINATION ${PILOTDECK_SCENARIO_DIR})
install(FILES README.md LICENSE DESTINATION ${PILOTDECK_DOC_DIR})
