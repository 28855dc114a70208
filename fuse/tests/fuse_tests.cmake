# ntkitfs tests: real FUSE mounts compared with `ntfs-3g -o ro` (label fuse).
# The fixture images are made once per build (fuse_make_fixture.py keeps a
# stamp); every test exits 77 (skip) without root, /dev/fuse or the tools.
find_package(Python3 COMPONENTS Interpreter)
if(NOT Python3_Interpreter_FOUND)
  return()
endif()
set(FUSE_FIX_DIR ${CMAKE_CURRENT_BINARY_DIR}/fixtures)
set(FUSE_TEST ${CMAKE_CURRENT_SOURCE_DIR}/tests/fuse_mount_test.py)

add_test(NAME fuse_make_fixture
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/tests/fuse_make_fixture.py ${FUSE_FIX_DIR})
set_tests_properties(fuse_make_fixture PROPERTIES FIXTURES_SETUP fuse_images
  LABELS "fuse;fixture" TIMEOUT 300 RESOURCE_LOCK fuse_fixture)

set(FUSE_CHECKS
  tree_volume:tree^feat.img
  tree_mbr:tree^disk-mbr.img
  tree_mbr_partition:tree^disk-mbr.img@5
  tree_gpt_gz:tree^disk-gpt.img.gz
  erofs:erofs concurrent:concurrent concurrent_mt:concurrent^mt concurrent_threads:concurrent^threads=3
  damaged:damaged errors:errors
  streams:streams sysfiles:sysfiles signals:signals options:options)
foreach(c ${FUSE_CHECKS})
  string(REPLACE ":" ";" pair "${c}")
  list(GET pair 0 name)
  list(GET pair 1 argstr)
  string(REPLACE "^" ";" args "${argstr}")
  add_test(NAME fuse_${name}
    COMMAND ${Python3_EXECUTABLE} ${FUSE_TEST} $<TARGET_FILE:ntkitfs> ${FUSE_FIX_DIR} ${args})
  set_tests_properties(fuse_${name} PROPERTIES FIXTURES_REQUIRED fuse_images
    SKIP_RETURN_CODE 77 LABELS fuse TIMEOUT 300)
endforeach()

# Real Windows images (gzip; the msuhanov ones are MBR disks).
foreach(gz colinfinck-testfs1.gz ntfs-ptrn.raw.gz ntfs-lastaccess.raw.gz ntfs-si-vs-fn.raw.gz
           ntfs-2m.raw.gz)
  string(REGEX REPLACE "\\.(raw\\.)?gz$" "" short ${gz})
  add_test(NAME fuse_shared_${short}
    COMMAND ${Python3_EXECUTABLE} ${FUSE_TEST} $<TARGET_FILE:ntkitfs> ${FUSE_FIX_DIR} shared ${gz}
            ${NTKIT_SHARED_TESTDATA} ${CMAKE_CURRENT_BINARY_DIR}/shared-cache)
  set_tests_properties(fuse_shared_${short} PROPERTIES SKIP_RETURN_CODE 77
    LABELS "fuse;shared" TIMEOUT 300)
endforeach()
