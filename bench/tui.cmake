# The dashboard's frame benchmark (bench/README.md, "Dashboard").
add_executable(bench_frame bench_frame.c)
target_link_libraries(bench_frame PRIVATE pilottui)
add_test(NAME bench_frame_quick COMMAND bench_frame --quick)
set_tests_properties(bench_frame_quick PROPERTIES LABELS bench TIMEOUT 300)
