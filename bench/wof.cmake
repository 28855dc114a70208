# WOF (Windows 10 system compression) decoders against wimlib, the reference
# implementation of XPRESS-Huffman and LZX as WOF uses them
# (bench/README-wof.md). wimlib is needed only here, never by the library.
#   wof_diff   differential test (ctest, labels ntfs;wof): wimlib-compressed
#              chunks, hand-made streams, whole WofCompressedData streams,
#              damaged chunks.
#   wof_bench  decoding throughput of ntkit vs wimlib on the same chunks:
#              cmake --build BUILD --target wof_bench && BUILD/bench/wof_bench
#   bench_wof_read  reading a 256 MiB XPRESS4K and LZX file out of an NTFS
#              image (`ntkit ntfs cat`) against wof_peer_read, a reader of
#              the extracted WofCompressedData stream built on wimlib
#              (bench/wof_read_bench.sh; root, mkntfs, ntfs-3g):
#              cmake --build BUILD --target bench_wof_read
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(WIM QUIET IMPORTED_TARGET wimlib)
endif()
if(NOT WIM_FOUND)
  # Debian's wimlib.pc lists libntfs-3g and fuse as private requirements,
  # so pkg-config refuses it without their -dev packages: look directly.
  find_path(NTKIT_WIM_INCLUDE wimlib.h)
  find_library(NTKIT_WIM_LIBRARY wim)
  if(NTKIT_WIM_INCLUDE AND NTKIT_WIM_LIBRARY AND NOT TARGET PkgConfig::WIM)
    add_library(PkgConfig::WIM INTERFACE IMPORTED)
    set_target_properties(PkgConfig::WIM PROPERTIES
      INTERFACE_INCLUDE_DIRECTORIES "${NTKIT_WIM_INCLUDE}"
      INTERFACE_LINK_LIBRARIES "${NTKIT_WIM_LIBRARY}")
    set(WIM_FOUND 1)
  endif()
endif()
if(TARGET ntfs AND WIM_FOUND)
  foreach(prog wof_diff wof_bench wof_peer_read)
    add_executable(${prog} ${CMAKE_CURRENT_SOURCE_DIR}/${prog}.c)
    target_compile_options(${prog} PRIVATE ${NTKIT_WARNINGS})
    target_include_directories(${prog} PRIVATE ${CMAKE_SOURCE_DIR}/libntfs/src ${CMAKE_CURRENT_SOURCE_DIR})
    target_link_libraries(${prog} PRIVATE ntfs PkgConfig::WIM)
  endforeach()
  if(NTKIT_BUILD_TESTS)
    add_test(NAME wof_diff COMMAND wof_diff -q)
    set_tests_properties(wof_diff PROPERTIES LABELS "ntfs;wof" TIMEOUT 300)
    # The benchmark is not timed here: a small run must work and print ratios.
    add_test(NAME wof_bench_smoke COMMAND wof_bench --mib 2)
    set_tests_properties(wof_bench_smoke PROPERTIES LABELS "bench;wof" TIMEOUT 300
      PASS_REGULAR_EXPRESSION "ratio")
    # Not timed: the read benchmark's script (shell + its Python) must parse.
    add_test(NAME bench_wof_read_script_parse
      COMMAND sh -c "bash -n \"$0\" && sed -n '/^exec \"$py\"/,/^PY$/p' \"$0\" | sed '1d;$d' | python3 -c 'import ast, sys; ast.parse(sys.stdin.read())'"
              ${CMAKE_CURRENT_SOURCE_DIR}/wof_read_bench.sh)
    set_tests_properties(bench_wof_read_script_parse PROPERTIES LABELS "bench;wof" TIMEOUT 60)
  endif()
  if(TARGET ntkit)
    set(NTKIT_BENCH_WOF_WORKDIR "/var/tmp/ntkit-wofbench" CACHE PATH
        "Directory that keeps the WOF read benchmark's image between runs")
    add_custom_target(bench_wof_read
      COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/wof_read_bench.sh $<TARGET_FILE:ntkit>
              $<TARGET_FILE:wof_peer_read> ${NTKIT_BENCH_WOF_WORKDIR}
      DEPENDS ntkit wof_peer_read
      USES_TERMINAL
      COMMENT "Benchmarking ntkit ntfs cat on WOF files against a wimlib-based reader")
  endif()
elseif(TARGET ntfs)
  message(STATUS "wimlib not found (pkg-config wimlib): WOF differential test and benchmark skipped")
endif()
