# Tests of `ntkit ntfs` (included from cli/CMakeLists.txt).
find_program(NTKIT_PYTHON3 python3)
set(NTFS_SHARED_CACHE ${CMAKE_BINARY_DIR}/ntfs-shared-cache)
if(NTKIT_PYTHON3)
  # Decompresses the shared images once per build directory (sparse files).
  add_test(NAME ntfs_shared_images
    COMMAND ${NTKIT_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/ntfs_compare.py --prepare
            ${NTKIT_SHARED_TESTDATA} ${NTFS_SHARED_CACHE})
  set_tests_properties(ntfs_shared_images PROPERTIES SKIP_RETURN_CODE 77 LABELS "ntfs;cli"
    FIXTURES_SETUP ntfs_shared TIMEOUT 300)
  # Every shared real Windows image: tree = fls -r -p, contents = icat
  # (ntfs-3g for the 2 MiB-cluster image TSK cannot read).
  add_test(NAME ntfs_cli_vs_tsk
    COMMAND ${NTKIT_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/ntfs_compare.py $<TARGET_FILE:ntkit>
            ${NTKIT_SHARED_TESTDATA} ${NTFS_SHARED_CACHE})
  set_tests_properties(ntfs_cli_vs_tsk PROPERTIES SKIP_RETURN_CODE 77 LABELS "ntfs;cli" TIMEOUT 300
    FIXTURES_REQUIRED ntfs_shared)
endif()
# Usage, exit codes, error lines and facts SOURCES.md states about the images.
add_test(NAME ntfs_cli_usage
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/ntfs_usage.sh $<TARGET_FILE:ntkit> ${NTKIT_SHARED_TESTDATA}
          ${NTFS_SHARED_CACHE})
set_tests_properties(ntfs_cli_usage PROPERTIES SKIP_RETURN_CODE 77 LABELS "ntfs;cli"
  FIXTURES_REQUIRED ntfs_shared)
