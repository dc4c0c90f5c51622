# The dashboard's frame benchmark (bench/README.md, "Dashboard").
add_executable(bench_frame bench_frame.c)
target_link_libraries(bench_frame PRIVATE pilottui)
add_test(NAME bench_frame_quick COMMAND bench_frame --quick)
set_tests_properties(bench_frame_quick PROPERTIES LABELS bench TIMEOUT 300)

# bench_cepage: opening the page of a CE of 100,000 pilots (bench/README.md).
add_executable(bench_cepage bench_cepage.c)
target_link_libraries(bench_cepage PRIVATE pilottui)
add_test(NAME bench_cepage_quick COMMAND bench_cepage --quick)
set_tests_properties(bench_cepage_quick PROPERTIES LABELS bench TIMEOUT 300)
