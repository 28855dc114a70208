# `ntkit ntfs cat` on WOF (Compact OS) files in an image this test builds
# with mkntfs + ntfs-3g and wimlib (included from cli/CMakeLists.txt).
find_program(NTKIT_PYTHON3 python3)
if(NTKIT_PYTHON3)
  add_test(NAME ntfs_cli_wof
    COMMAND ${NTKIT_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/ntfs_wof_test.py $<TARGET_FILE:ntkit>
            ${CMAKE_BINARY_DIR}/ntfs-wof)
  set_tests_properties(ntfs_cli_wof PROPERTIES SKIP_RETURN_CODE 77 LABELS "ntfs;cli" TIMEOUT 300
    RUN_SERIAL TRUE)
endif()
# libntfs's test_wof_read reads the image and plaintexts the test above
# keeps (it skips when run on its own, without NTKIT_WOF_DIR).
if(NTKIT_PYTHON3 AND TARGET ntfs_test_wof_read)
  set_tests_properties(ntfs_cli_wof PROPERTIES FIXTURES_SETUP ntfs_wof_image)
  add_test(NAME ntfs_wof_read_image COMMAND $<TARGET_FILE:ntfs_test_wof_read>)
  set_tests_properties(ntfs_wof_read_image PROPERTIES LABELS "ntfs" SKIP_RETURN_CODE 77
    ENVIRONMENT "NTKIT_WOF_DIR=${CMAKE_BINARY_DIR}/ntfs-wof" FIXTURES_REQUIRED ntfs_wof_image)
endif()
