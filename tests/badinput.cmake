# Tests included by tests/CMakeLists.txt (badinput).
