# Tests of libpilottui (label "tui") and the dashboard end to end under tmux
# (label "e2e"), included by tests/CMakeLists.txt.
pilotdeck_add_test(test_tui SOURCES test_tui.c LIBS pilottui PkgConfig::JANSSON m
                   LABELS tui VALGRIND TIMEOUT 120 GROUPS view layout frame whatif)

foreach(screen top demo rates watch whatif tree)
  add_test(NAME e2e_${screen}
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/e2e/${screen}.sh $<TARGET_FILE:pilotdeck>)
  set_tests_properties(e2e_${screen} PROPERTIES LABELS e2e TIMEOUT 120 SKIP_RETURN_CODE 77)
endforeach()
