# ntkitfs vs ntfs-3g (bench/fuse_bench.sh, results in bench/README-fuse.md).
# A benchmark, never a timed test: run it with
#   cmake --build BUILD --target bench_fuse
# (needs root, /dev/fuse, mkntfs, ntfs-3g; the image is cached in
# BUILD/bench/fuse-cache).
# fuse_floor is a do-nothing libfuse daemon: the script times it on the
# small-file task as the floor any daemon could reach on this kernel.
if(TARGET ntkitfs)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(FLOOR_FUSE3 REQUIRED IMPORTED_TARGET fuse3) # imported targets are per directory
  add_executable(fuse_floor fuse_floor.c)
  target_compile_options(fuse_floor PRIVATE ${NTKIT_WARNINGS})
  target_link_libraries(fuse_floor PRIVATE PkgConfig::FLOOR_FUSE3)
  add_custom_target(bench_fuse
    COMMAND ${CMAKE_COMMAND} -E env FLOOR=$<TARGET_FILE:fuse_floor>
            ${CMAKE_CURRENT_SOURCE_DIR}/fuse_bench.sh $<TARGET_FILE:ntkitfs>
            ${CMAKE_CURRENT_BINARY_DIR}/fuse-cache
    DEPENDS ntkitfs fuse_floor USES_TERMINAL VERBATIM)
endif()
