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

# Golden replays: `pilotdeck test scenarios` replays every shipped scenario
# that has a golden (all but large.ini) against a fresh database, the same
# command users run on theirs.  Its valgrind twin replays the short ones.
add_test(NAME test_sim_golden COMMAND pilotdeck test scenarios
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(test_sim_golden PROPERTIES LABELS sim TIMEOUT 300)
if(VALGRIND_EXECUTABLE AND NOT PILOTDECK_SANITIZE)
  add_test(NAME test_sim_golden.valgrind
           COMMAND ${VALGRIND_EXECUTABLE} --quiet --error-exitcode=99 --leak-check=full
                   --errors-for-leak-kinds=definite,indirect $<TARGET_FILE:pilotdeck> test
                   scenarios/tutorial.ini scenarios/outage.ini scenarios/flaky_ban.ini --jobs 2
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(test_sim_golden.valgrind PROPERTIES LABELS valgrind TIMEOUT 1200)
endif()
# The library behind it (cases, manifests, comparison, --update, jobs), and
# the invariants of each golden run's database, which the command cannot see.
pilotdeck_add_test(test_golden SOURCES test_sim_golden.c
                   LIBS pilotdeck_simcheck pilotsim LABELS sim VALGRIND TIMEOUT 300
                   GROUPS cases compare invariants)

# The engine's step API, external CE changes, common random numbers,
# reproducible reports and CSV, refusals.
pilotdeck_add_test(test_sim_engine SOURCES test_sim_engine.c
                   LIBS pilotdeck_simcheck pilotsim LABELS sim VALGRIND TIMEOUT 300)
target_compile_definitions(test_sim_engine PRIVATE _GNU_SOURCE) # open_memstream

# Statistics against theory (long runs: no valgrind twin).
pilotdeck_add_test(test_sim_stats SOURCES test_sim_stats.c
                   LIBS pilotdeck_simcheck pilotsim m LABELS sim TIMEOUT 300)

# Rewrite the shipped goldens that differ with this build's pilotdeck (review
# the diff before committing): cmake --build BUILD --target regen-golden,
# the same as `pilotdeck test --update scenarios` in the source directory.
add_custom_target(regen-golden
  COMMAND pilotdeck test --update scenarios
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  COMMENT "Updating scenarios/golden/*.json"
  VERBATIM)
add_dependencies(regen-golden pilotdeck)

# The command end to end: a changed scenario, --update, --jobs, --json,
# --junit (checked with xmllint), manifests, bad input.
add_test(NAME cli_golden
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_golden.sh $<TARGET_FILE:pilotdeck>
                 ${PROJECT_SOURCE_DIR})
set_tests_properties(cli_golden PROPERTIES LABELS cli TIMEOUT 300)

# The statistics of fit: likelihoods against quadrature, recovery of known
# parameters, censoring and the failure model, degenerate input, KS.
pilotdeck_add_test(test_fitstat SOURCES test_fitstat.c LIBS pilotsim m
                   LABELS sim VALGRIND TIMEOUT 300)
target_include_directories(test_fitstat PRIVATE ${PROJECT_SOURCE_DIR}/sim)

# fit against the truth of the scenarios that made the histories: round
# trips (rates, times, families, submission, the fitted scenario simulated),
# censoring, a CE disabled for a while, byte-identical output.  The round trips' long histories take
# minutes under valgrind: only the short groups have a valgrind twin.
pilotdeck_add_test(test_fit SOURCES test_fit.c LIBS pilotdeck_simcheck pilotsim m
                   LABELS sim TIMEOUT 300
                   GROUPS grid50 arrivals flaky_ban spread censoring disabled determinism)
target_include_directories(test_fit PRIVATE ${PROJECT_SOURCE_DIR}/sim)
if(VALGRIND_EXECUTABLE AND NOT PILOTDECK_SANITIZE)
  foreach(group censoring determinism)
    add_test(NAME test_fit.${group}.valgrind
             COMMAND ${VALGRIND_EXECUTABLE} --quiet --error-exitcode=99 --leak-check=full
                     --errors-for-leak-kinds=definite,indirect $<TARGET_FILE:test_fit> ${group})
    set_tests_properties(test_fit.${group}.valgrind PROPERTIES LABELS valgrind TIMEOUT 1200
      ENVIRONMENT "PILOTDECK_SOURCE_DIR=${PROJECT_SOURCE_DIR};PILOTDECK_UNDER_VALGRIND=1")
  endforeach()
endif()

# The engine's store (sim/store.h): its contract on both implementations,
# the pilot database and the store in memory, one group each.
pilotdeck_add_test(test_store SOURCES test_store.c LIBS pilotsim LABELS sim VALGRIND
                   TIMEOUT 120 GROUPS sqlite memory)
target_include_directories(test_store PRIVATE ${PROJECT_SOURCE_DIR}/sim)

# The differential test of the two stores: every shipped scenario over 200
# seeds (large.ini at 2 h: 200 in an optimized build, 20 in a debug one), and
# a forecast with carried pilots, must report byte for byte the same through
# both.  Its valgrind twins run a few
# seeds of the short scenarios.
pilotdeck_add_test(test_store_diff SOURCES test_store_diff.c
                   LIBS pilotdeck_simcheck pilotsim LABELS sim TIMEOUT 600
                   GROUPS tutorial outage capacity_whatif flaky_ban arrivals demo grid50
                          large forecast study scenarios)
target_include_directories(test_store_diff PRIVATE ${PROJECT_SOURCE_DIR}/sim)
target_compile_definitions(test_store_diff PRIVATE _GNU_SOURCE) # open_memstream
# large.ini's 200 seeds in an optimized, unsanitized build (the clang stage)
if(CMAKE_BUILD_TYPE STREQUAL "Release" AND NOT PILOTDECK_SANITIZE)
  target_compile_definitions(test_store_diff PRIVATE STORE_DIFF_FULL=1)
endif()
if(VALGRIND_EXECUTABLE AND NOT PILOTDECK_SANITIZE)
  foreach(group tutorial outage flaky_ban forecast study)
    add_test(NAME test_store_diff.${group}.valgrind
             COMMAND ${VALGRIND_EXECUTABLE} --quiet --error-exitcode=99 --leak-check=full
                     --errors-for-leak-kinds=definite,indirect $<TARGET_FILE:test_store_diff>
                     ${group})
    set_tests_properties(test_store_diff.${group}.valgrind PROPERTIES LABELS valgrind
      TIMEOUT 1200
      ENVIRONMENT "PILOTDECK_SOURCE_DIR=${PROJECT_SOURCE_DIR};PILOTDECK_UNDER_VALGRIND=1")
  endforeach()
endif()
