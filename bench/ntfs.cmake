# NTFS benchmark (bench/README-ntfs.md): ntfs_bench.sh builds a ~1.4 GiB
# image with mkntfs + ntfs-3g (bench/ntfs_mkimage.py, needs root and FUSE)
# and times `ntkit ntfs` against cat, icat, ntfscat, ntfsls and fls on it,
# printing ratios and PASS/FAIL per target. Not a ctest test:
#   cmake --build BUILD --target bench_ntfs
# Set NTKIT_BENCH_NTFS_WORKDIR to keep (and reuse) the image between runs.
if(TARGET ntkit AND TARGET ntfs)
  set(NTKIT_BENCH_NTFS_WORKDIR "" CACHE PATH
      "Directory that keeps the NTFS benchmark image between runs (empty: a temporary one)")
  add_custom_target(bench_ntfs
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/ntfs_bench.sh $<TARGET_FILE:ntkit>
            ${NTKIT_BENCH_NTFS_WORKDIR}
    DEPENDS ntkit
    USES_TERMINAL
    COMMENT "Benchmarking ntkit ntfs against cat, icat, ntfscat, ntfsls and fls")
endif()

# Not timed: the scripts must at least parse.
if(NTKIT_BUILD_TESTS)
  find_program(NTKIT_BENCH_PYTHON3 python3)
  if(NTKIT_BENCH_PYTHON3)
    add_test(NAME bench_ntfs_scripts_parse
      COMMAND sh -c "bash -n \"$0\" && \"$1\" -c 'import ast, sys; ast.parse(open(sys.argv[1]).read())' \"$2\""
              ${CMAKE_CURRENT_SOURCE_DIR}/ntfs_bench.sh ${NTKIT_BENCH_PYTHON3}
              ${CMAKE_CURRENT_SOURCE_DIR}/ntfs_mkimage.py)
    set_tests_properties(bench_ntfs_scripts_parse PROPERTIES LABELS bench TIMEOUT 60)
  endif()
endif()
