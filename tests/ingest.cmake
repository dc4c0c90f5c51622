# Tests included by tests/CMakeLists.txt (ingest).

# The readers of libpilotingest: the corpus of tests/data/ingest/ against its
# .expected renderings, every bad-input class with its message, resuming,
# follow mode, a large condor array in bounded memory.
pilotdeck_add_test(test_ingest SOURCES test_ingest.c LIBS pilotingest
                   LABELS ingest VALGRIND GROUPS corpus bad stream)
target_include_directories(test_ingest PRIVATE ${PROJECT_SOURCE_DIR})
