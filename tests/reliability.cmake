# Tests included by tests/CMakeLists.txt (reliability).
