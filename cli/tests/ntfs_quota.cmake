# `ntkit ntfs stat` and quota entries, on a patched copy of a Windows image
# of the shared test data (included from cli/CMakeLists.txt).
find_program(NTKIT_PYTHON3 python3)
if(NTKIT_PYTHON3)
  add_test(NAME ntfs_cli_quota
    COMMAND ${NTKIT_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/ntfs_quota_test.py $<TARGET_FILE:ntkit> ${NTKIT_SHARED_TESTDATA})
  set_tests_properties(ntfs_cli_quota PROPERTIES SKIP_RETURN_CODE 77 LABELS "ntfs;cli;oracle" TIMEOUT 120)
endif()
