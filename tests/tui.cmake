# Tests of libpilottui (label "tui") and the dashboard end to end under tmux
# (label "e2e"), included by tests/CMakeLists.txt.
pilotdeck_add_test(test_tui SOURCES test_tui.c LIBS pilottui PkgConfig::JANSSON m
                   LABELS tui VALGRIND TIMEOUT 120 GROUPS view layout frame whatif)
# The configuration file: reading, refusals, writing back, colour elements.
pilotdeck_add_test(test_config SOURCES test_config.c LIBS pilottui LABELS tui VALGRIND
                   GROUPS config)
target_compile_definitions(test_config PRIVATE _DEFAULT_SOURCE) # mkdtemp, setenv, symlink
# A CE's page: its model, text and JSON.
pilotdeck_add_test(test_cepage SOURCES test_cepage.c LIBS pilottui PkgConfig::JANSSON m
                   LABELS tui VALGRIND TIMEOUT 120 GROUPS model text)

foreach(screen top demo rates watch whatif tree edits config mouse cepage)
  add_test(NAME e2e_${screen}
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/e2e/${screen}.sh $<TARGET_FILE:pilotdeck>)
  set_tests_properties(e2e_${screen} PROPERTIES LABELS e2e TIMEOUT 120 SKIP_RETURN_CODE 77)
endforeach()
