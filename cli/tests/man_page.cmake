# The man page cli/ntkit.1 (installed by cmake/install.cmake): groff renders
# it without warnings and it documents every subcommand `ntkit --help`,
# `ntkit hive --help` and `ntkit ntfs --help` list (included from
# cli/CMakeLists.txt).
find_program(NTKIT_MAN_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT NTKIT_MAN_PYTHON3)
  find_program(NTKIT_MAN_PYTHON3 python3)
endif()
if(NTKIT_MAN_PYTHON3 AND EXISTS ${CMAKE_CURRENT_LIST_DIR}/../ntkit.1)
  add_test(NAME cli_man_page
    COMMAND ${NTKIT_MAN_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/man_page_test.py
            $<TARGET_FILE:ntkit> ${CMAKE_CURRENT_LIST_DIR}/../ntkit.1)
  set_tests_properties(cli_man_page PROPERTIES LABELS "cli" SKIP_RETURN_CODE 77 TIMEOUT 60)
endif()
