# Tests included by tests/CMakeLists.txt (faults).

# Faults injected into libpilotdb: out of memory through a counting
# allocator, I/O errors and a full disk through a shim VFS, a full database
# through PRAGMA max_page_count.  One CTest test per group.  oom_files
# replays every operation once per allocation on file databases: 134 s
# plain, 219 s under ASan and 255 s under valgrind on an idle 2-core machine,
# so the limit leaves room for a loaded one.
pilotdeck_add_test(test_faults SOURCES test_faults.c fault_alloc.c fault_vfs.c
                   LIBS pilotdb LABELS db VALGRIND TIMEOUT 900
                   GROUPS oom oom_files io diskfull)
target_compile_definitions(test_faults PRIVATE _DEFAULT_SOURCE) # strdup
target_include_directories(test_faults PRIVATE ${PROJECT_SOURCE_DIR}/db) # schema.h
