# Tests of libpilotsim (label "sim"), included by tests/CMakeLists.txt.
pilotdeck_add_test(test_pcg32 SOURCES test_pcg32.c ${PROJECT_SOURCE_DIR}/sim/pcg32.c
                   LIBS LABELS sim VALGRIND TIMEOUT 120)
target_include_directories(test_pcg32 PRIVATE ${PROJECT_SOURCE_DIR}/sim)

# pcg-cpp (libpcg-cpp-dev) as the oracle of the C generator.
add_executable(pcg_oracle pcg_oracle.cpp ${PROJECT_SOURCE_DIR}/sim/pcg32.c)
target_include_directories(pcg_oracle PRIVATE ${PROJECT_SOURCE_DIR}/sim)
add_test(NAME pcg_oracle COMMAND pcg_oracle)
set_tests_properties(pcg_oracle PROPERTIES LABELS sim TIMEOUT 120)

# The scenario parser, distributions and numbers, the key table: file and
# --set alike, defaults, README tables, help (white-box: private headers).
pilotdeck_add_test(test_scenario SOURCES test_scenario.c LIBS pilotsim m
                   LABELS sim VALGRIND TIMEOUT 120)
target_include_directories(test_scenario PRIVATE ${PROJECT_SOURCE_DIR}/sim)
target_compile_definitions(test_scenario PRIVATE _DEFAULT_SOURCE) # open_memstream

# Shared checks of a simulated database (event replay, counts, pilotdb_check).
add_library(pilotdeck_simcheck STATIC sim_check.c)
target_include_directories(pilotdeck_simcheck PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}
                           PRIVATE ${PROJECT_SOURCE_DIR}/sim)
target_link_libraries(pilotdeck_simcheck PUBLIC pilotsim pilotdeck_testsupport)

# Invariants over 200 seeds of each small scenario, one CTest test per scenario.
pilotdeck_add_test(test_sim_invariants SOURCES test_sim_invariants.c
                   LIBS pilotdeck_simcheck pilotsim LABELS sim VALGRIND TIMEOUT 300
                   GROUPS tutorial outage capacity_whatif flaky_ban arrivals grid50)

# Golden replays of every shipped scenario but large.ini.
pilotdeck_add_test(test_sim_golden SOURCES test_sim_golden.c
                   LIBS pilotdeck_simcheck pilotsim LABELS sim VALGRIND TIMEOUT 300)

# The engine's step API, external CE changes, common random numbers,
# reproducible reports and CSV, refusals.
pilotdeck_add_test(test_sim_engine SOURCES test_sim_engine.c
                   LIBS pilotdeck_simcheck pilotsim LABELS sim VALGRIND TIMEOUT 300)
target_compile_definitions(test_sim_engine PRIVATE _GNU_SOURCE) # open_memstream

# Statistics against theory (long runs: no valgrind twin).
pilotdeck_add_test(test_sim_stats SOURCES test_sim_stats.c
                   LIBS pilotdeck_simcheck pilotsim m LABELS sim TIMEOUT 300)

# Regenerate scenarios/golden/*.json with this build's pilotdeck (review the
# diff before committing): cmake --build BUILD --target regen-golden
add_custom_target(regen-golden
  COMMAND ${PROJECT_SOURCE_DIR}/scripts/regen-golden ${PROJECT_BINARY_DIR}
  COMMENT "Regenerating scenarios/golden/*.json"
  VERBATIM)
add_dependencies(regen-golden pilotdeck)
