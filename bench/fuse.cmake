# ntkitfs vs ntfs-3g (bench/fuse_bench.sh, results in bench/README-fuse.md).
# A benchmark, never a timed test: run it with
#   cmake --build BUILD --target bench_fuse
# (needs root, /dev/fuse, mkntfs, ntfs-3g; the image is cached in
# BUILD/bench/fuse-cache).
if(TARGET ntkitfs)
  add_custom_target(bench_fuse
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/fuse_bench.sh $<TARGET_FILE:ntkitfs>
            ${CMAKE_CURRENT_BINARY_DIR}/fuse-cache
    DEPENDS ntkitfs USES_TERMINAL VERBATIM)
endif()
