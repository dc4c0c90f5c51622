# Tests included by tests/CMakeLists.txt (whatif).
