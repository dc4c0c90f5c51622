# Tests included by tests/CMakeLists.txt (badinput).

# The edges of the db layer's input ranges: capacities, success rates, name
# lengths, a million pilots on one CE (5,000 under valgrind).
pilotdeck_add_test(test_boundaries SOURCES test_boundaries.c LIBS pilotdb m
                   LABELS db VALGRIND TIMEOUT 300 GROUPS capacity names million)
