# bench_sim: the large scenario into :memory: and a WAL file (bench/README.md).
add_executable(bench_sim bench_sim.c)
target_link_libraries(bench_sim PRIVATE pilotsim)
target_compile_definitions(bench_sim PRIVATE
  PILOTDECK_SOURCE_DIR="${PROJECT_SOURCE_DIR}" _DEFAULT_SOURCE) # mkdtemp
add_test(NAME bench_sim_quick COMMAND bench_sim --quick)
set_tests_properties(bench_sim_quick PROPERTIES LABELS bench TIMEOUT 300)

# bench_fit: fit over the large scenario's history (bench/README.md).
add_executable(bench_fit bench_fit.c)
target_link_libraries(bench_fit PRIVATE pilotsim PkgConfig::JANSSON)
target_compile_definitions(bench_fit PRIVATE
  PILOTDECK_SOURCE_DIR="${PROJECT_SOURCE_DIR}" _DEFAULT_SOURCE) # mkdtemp
add_test(NAME bench_fit_quick COMMAND bench_fit --quick --rounds 1)
set_tests_properties(bench_fit_quick PROPERTIES LABELS bench TIMEOUT 300)
