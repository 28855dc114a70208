# NTFS fixtures and oracle tests (included by testdata/CMakeLists.txt).
#
# ntfs_generate_images (a ctest fixture) builds small NTFS images with
# mkntfs + ntfs-3g into the build dir, once per generator version, with a
# manifest of every file and stream. The tests then compare
#   - the images with their manifests through sleuthkit (selfcheck),
#   - `ntkit ntfs` with the manifests and with fls/icat,
#   - `ntkit ntfs` with fls/icat on the real Windows images in
#     ${NTKIT_SHARED_TESTDATA}/ntfs,
# and feed the LZNT1 decoder test with compression units written by ntfs-3g.
# Everything skips (exit 77) when root, /dev/fuse, a tool, the shared data
# or the `ntfs` command of ntkit is missing.

find_package(Python3 COMPONENTS Interpreter)
if(NOT Python3_Interpreter_FOUND)
  message(STATUS "ntfs tests: python3 not found, NTFS oracle tests disabled")
  return()
endif()

set(NTFS_GEN_DIR ${CMAKE_CURRENT_BINARY_DIR}/ntfs)
set(NTFS_SHARED_CACHE ${CMAKE_CURRENT_BINARY_DIR}/ntfs-shared)
set(NTFS_COMPARE ${CMAKE_CURRENT_SOURCE_DIR}/ntfs/ntfs_compare.py)
if(TARGET ntkit)
  set(NTFS_NTKIT $<TARGET_FILE:ntkit>)
else()
  set(NTFS_NTKIT "")
endif()

add_test(NAME ntfs_generate_images
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/ntfs/gen_ntfs_images.py
          ${NTFS_GEN_DIR})
set_tests_properties(ntfs_generate_images PROPERTIES
  FIXTURES_SETUP ntfs_images LABELS "ntfs;fixture" TIMEOUT 300)

foreach(img feat-4k feat-512 feat-64k feat-4kn bigdir-4k frag-4k)
  add_test(NAME ntfs_selfcheck_${img}
    COMMAND ${Python3_EXECUTABLE} ${NTFS_COMPARE} selfcheck ${NTFS_GEN_DIR} ${img})
  add_test(NAME ntfs_ntkit_${img}
    COMMAND ${Python3_EXECUTABLE} ${NTFS_COMPARE} ntkit "${NTFS_NTKIT}" ${NTFS_GEN_DIR} ${img})
  set_tests_properties(ntfs_selfcheck_${img} ntfs_ntkit_${img} PROPERTIES
    FIXTURES_REQUIRED ntfs_images SKIP_RETURN_CODE 77 LABELS "ntfs;oracle" TIMEOUT 300)
endforeach()

foreach(gz ntfs-ptrn.raw.gz ntfs-lastaccess.raw.gz ntfs-si-vs-fn.raw.gz ntfs-2m.raw.gz
           colinfinck-testfs1.gz)
  string(REGEX REPLACE "\\.(raw\\.)?gz$" "" short ${gz})
  add_test(NAME ntfs_shared_${short}
    COMMAND ${Python3_EXECUTABLE} ${NTFS_COMPARE} shared "${NTFS_NTKIT}"
            ${NTKIT_SHARED_TESTDATA} ${NTFS_SHARED_CACHE} ${gz})
  set_tests_properties(ntfs_shared_${short} PROPERTIES
    SKIP_RETURN_CODE 77 LABELS "ntfs;oracle;shared" TIMEOUT 300)
endforeach()

# The LZNT1 unit test again, now with the units ntfs-3g wrote. Labelled
# "unit", not "oracle", so that the sanitizer pass decodes real units too.
if(TARGET ntfs_test_lznt1)
  add_test(NAME ntfs_test_lznt1_ntfs3g_units COMMAND ntfs_test_lznt1)
  set_tests_properties(ntfs_test_lznt1_ntfs3g_units PROPERTIES
    FIXTURES_REQUIRED ntfs_images LABELS "unit;ntfs"
    ENVIRONMENT "NTKIT_LZNT1_UNITS=${NTFS_GEN_DIR}/lznt1-units.tsv")
endif()
