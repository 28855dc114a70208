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
