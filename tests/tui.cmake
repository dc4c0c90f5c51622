# Tests of libpilottui (label "tui") and the dashboard end to end under tmux
# (label "e2e"), included by tests/CMakeLists.txt.
if(TARGET pilottui)
  pilotdeck_add_test(test_tui SOURCES test_tui.c LIBS pilottui PkgConfig::JANSSON m
                     LABELS tui VALGRIND TIMEOUT 120 GROUPS view layout frame)
endif()

if(TARGET pilotdeck AND TARGET pilottui)
  add_test(NAME e2e_top
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/e2e/top.sh $<TARGET_FILE:pilotdeck>)
  set_tests_properties(e2e_top PROPERTIES LABELS e2e TIMEOUT 120 SKIP_RETURN_CODE 77)
endif()
if(TARGET pilotdeck AND TARGET pilottui AND TARGET pilotsim)
  add_test(NAME e2e_demo
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/e2e/demo.sh $<TARGET_FILE:pilotdeck>)
  set_tests_properties(e2e_demo PROPERTIES LABELS e2e TIMEOUT 120 SKIP_RETURN_CODE 77)
endif()
