# Tests included by tests/CMakeLists.txt (badinput).

# The edges of the db layer's input ranges: capacities, success rates, name
# lengths, a million pilots on one CE (5,000 under valgrind).
pilotdeck_add_test(test_boundaries SOURCES test_boundaries.c LIBS pilotdb m
                   LABELS db VALGRIND TIMEOUT 300 GROUPS capacity names million)

# SQL only with bound parameters, literal formats only: a source check with
# a self-test that plants each kind of violation.
add_test(NAME sql_format_check
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/check_sql_format.sh ${PROJECT_SOURCE_DIR})
set_tests_properties(sql_format_check PROPERTIES LABELS db TIMEOUT 120)

# Bad input to the command, end to end: options, values and names for every
# subcommand, scenario files, and database files that are missing, empty,
# truncated, corrupted, foreign, newer, read-only or a directory.
add_test(NAME cli_badinput
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_badinput.sh $<TARGET_FILE:pilotdeck>
                 ${PROJECT_SOURCE_DIR})
set_tests_properties(cli_badinput PROPERTIES LABELS cli TIMEOUT 180)
