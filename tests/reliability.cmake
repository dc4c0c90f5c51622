# Tests included by tests/CMakeLists.txt (reliability): processes killed
# mid-write and processes sharing one WAL file.  Multi-process and timed, so
# no valgrind twins; PILOTDECK_RELIABILITY_SCALE scales their work.
add_library(pilotdeck_reliability STATIC reliability_util.c)
target_include_directories(pilotdeck_reliability PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(pilotdeck_reliability PUBLIC pilotdb)

# SIGKILL the simulator at random moments; every reopened file must hold
# exactly what had committed.
pilotdeck_add_test(test_crash SOURCES test_crash.c
                   LIBS pilotdeck_reliability pilotsim
                   LABELS reliability TIMEOUT 300)

# A simulator, a second writer and four readers on one WAL file: no busy
# errors, invariants in every snapshot, a bounded -wal file, no lost toggle.
pilotdeck_add_test(test_concurrency SOURCES test_concurrency.c
                   LIBS pilotdeck_reliability pilotsim
                   LABELS reliability TIMEOUT 300)

# Both time their kills and snapshots against a calibration run: another
# test on the second core (ctest -j2) can starve the parent while the child
# races ahead, so that the kills land after the child's last step. They run
# alone.
set_tests_properties(test_crash test_concurrency PROPERTIES RUN_SERIAL TRUE)
