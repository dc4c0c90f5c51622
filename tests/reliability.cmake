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

# SIGKILL `pilotdeck ingest --follow` at random instants while a writer
# appends to its file (at least 120 times, about 16 s) and restart it: after
# each kill the database holds exactly the lines before its saved position,
# and at the end it equals one ingest of the file.  Then (about 1 s) a
# rotation and a truncation while it follows and while it is down.
pilotdeck_add_test(test_follow_crash SOURCES test_follow_crash.c
                   LIBS pilotdeck_reliability LABELS reliability TIMEOUT 120
                   GROUPS kills rotation)
target_compile_definitions(test_follow_crash PRIVATE
                           PILOTDECK_EXE="$<TARGET_FILE:pilotdeck>")
add_dependencies(test_follow_crash pilotdeck)
# The kills are timed against a writer's pace: they run alone, like the
# others.  The rotation steps wait for conditions, not times.
set_tests_properties(test_follow_crash.kills PROPERTIES RUN_SERIAL TRUE)
