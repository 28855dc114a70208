# Hive benchmark (bench/README-hive.md): hive_walk measures libnthive in
# process; hive_bench.sh runs ntkit against hivexml and regfexport on the
# largest shared hive and prints times, ratios and PASS/FAIL per target.
#   cmake --build BUILD --target bench_hive
if(TARGET nthive)
  add_executable(hive_walk ${CMAKE_CURRENT_SOURCE_DIR}/hive_walk.c)
  target_compile_options(hive_walk PRIVATE ${NTKIT_WARNINGS})
  target_link_libraries(hive_walk PRIVATE nthive)

  if(TARGET ntkit)
    add_custom_target(bench_hive
      COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/hive_bench.sh
              $<TARGET_FILE:ntkit> $<TARGET_FILE:hive_walk> ${NTKIT_SHARED_TESTDATA}/hives
      DEPENDS ntkit hive_walk
      USES_TERMINAL
      COMMENT "Benchmarking ntkit hive against hivexml and regfexport")
  endif()

  # Not a timed test: only checks that hive_walk runs and reports on a
  # generated hive (the thresholds are for bench_hive on real data).
  if(NTKIT_BUILD_TESTS)
    add_test(NAME hive_walk_runs
      COMMAND sh -c "f=\"$1\"; [ -f \"$f\" ] || exit 77; out=$(\"$0\" \"$f\" 1) || exit 1; echo \"$out\"; echo \"$out\" | grep -q '^walk: ' && echo \"$out\" | grep -q '^lookup: '"
              $<TARGET_FILE:hive_walk> ${CMAKE_BINARY_DIR}/testdata/hive/bulk.hiv)
    set_tests_properties(hive_walk_runs PROPERTIES LABELS bench SKIP_RETURN_CODE 77 TIMEOUT 60)
  endif()
endif()
