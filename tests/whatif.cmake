# Tests included by tests/CMakeLists.txt (whatif): statistics, overrides,
# replications on threads, common random numbers, interval coverage, and
# the whatif / sweep / merge commands end to end.
pilotdeck_add_test(test_whatif SOURCES test_whatif.c
                   LIBS pilotdeck_simcheck pilotsim m LABELS sim TIMEOUT 300
                   GROUPS stats override replicate crn coverage)
target_include_directories(test_whatif PRIVATE ${PROJECT_SOURCE_DIR}/sim)
# The fast groups again under valgrind (the simulating ones take too long there;
# the asan build runs them all).
pilotdeck_add_test(test_whatif_memcheck SOURCES test_whatif.c
                   LIBS pilotdeck_simcheck pilotsim m LABELS sim VALGRIND TIMEOUT 300
                   GROUPS stats override)
target_include_directories(test_whatif_memcheck PRIVATE ${PROJECT_SOURCE_DIR}/sim)

# The commands end to end (bad input, --jobs, shards and merge).
add_test(NAME cli_whatif
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_whatif.sh $<TARGET_FILE:pilotdeck>
                 ${PROJECT_SOURCE_DIR})
set_tests_properties(cli_whatif PROPERTIES LABELS cli TIMEOUT 300)

# The study model and the shard format, called directly (small runs: the
# valgrind twin runs them all).
pilotdeck_add_test(test_study SOURCES test_study.c LIBS pilotsim m LABELS sim VALGRIND
                   GROUPS model shard)

# Forecasts from a database's state (whatif --from-db): carried pilots, the
# rest of their lives, and a forecast against the scenario run on.
pilotdeck_add_test(test_forecast SOURCES test_forecast.c
                   LIBS pilotdeck_simcheck pilotsim m LABELS sim TIMEOUT 300)
target_include_directories(test_forecast PRIVATE ${PROJECT_SOURCE_DIR}/sim)
