# Tests included by tests/CMakeLists.txt (faults).
