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
  streams:streams sysfiles:sysfiles signals:signals options:options
  dtype:dtype xattrs:xattrs wof:wof prefill:prefill)
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

# ntkitfs --hive against python3-hivex (Debian's python3 holds the module).
if(TARGET nthive)
  find_program(FUSE_SYS_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
  if(NOT FUSE_SYS_PYTHON3)
    set(FUSE_SYS_PYTHON3 ${Python3_EXECUTABLE})
  endif()
  foreach(h hivex/special hivex/rlenvalue_test_hive regipy/NTUSER.DAT plaso/NTUSER-RunTests.DAT
            nt-hive/testhive python-registry/UNICODE_TESTS)
    string(REPLACE "/" "_" hname ${h})
    add_test(NAME fuse_hive_${hname}
      COMMAND ${FUSE_SYS_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/tests/fuse_hive_test.py
              $<TARGET_FILE:ntkitfs> ${NTKIT_SHARED_TESTDATA}/hives/${h})
    set_tests_properties(fuse_hive_${hname} PROPERTIES SKIP_RETURN_CODE 77
      LABELS "fuse;hive;shared" TIMEOUT 300)
  endforeach()
endif()
