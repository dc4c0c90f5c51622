# Tests included by tests/CMakeLists.txt (faults).

# Faults injected into libpilotdb: out of memory through a counting
# allocator, I/O errors and a full disk through a shim VFS, a full database
# through PRAGMA max_page_count.  One CTest test per group.
pilotdeck_add_test(test_faults SOURCES test_faults.c fault_alloc.c fault_vfs.c
                   LIBS pilotdb LABELS db VALGRIND TIMEOUT 300
                   GROUPS oom oom_files io diskfull)
target_compile_definitions(test_faults PRIVATE _DEFAULT_SOURCE) # strdup
target_include_directories(test_faults PRIVATE ${PROJECT_SOURCE_DIR}/db) # schema.h
