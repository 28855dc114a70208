# Tests of `ntkit hive find` (included from cli/CMakeLists.txt): every match
# against an oracle of the test's own (fnmatch over the lowercased tree),
# the tree read from the generator's manifest (no peer: runs in the
# sanitizer pass) or by python3-hivex (generated and shared hives).
if(TARGET nthive)
  find_program(NTKIT_FIND_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  if(NOT NTKIT_FIND_PYTHON3)
    find_program(NTKIT_FIND_PYTHON3 python3)
  endif()
  add_test(NAME hive_find_manifest
    COMMAND ${NTKIT_FIND_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/hive_find_test.py manifest
            $<TARGET_FILE:ntkit> ${CMAKE_BINARY_DIR}/testdata/hive)
  set_tests_properties(hive_find_manifest PROPERTIES LABELS "hive;cli"
    SKIP_RETURN_CODE 77 TIMEOUT 120)
  add_test(NAME hive_find_oracle_hivex
    COMMAND ${NTKIT_FIND_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/hive_find_test.py hivex
            $<TARGET_FILE:ntkit> ${CMAKE_BINARY_DIR}/testdata/hive ${NTKIT_SHARED_TESTDATA})
  set_tests_properties(hive_find_oracle_hivex PROPERTIES LABELS "hive;oracle"
    SKIP_RETURN_CODE 77 TIMEOUT 300)
endif()

# --json across `ntkit hive` (get against hivex, ls -l layer fields against
# `hive layers`, every record-printing subcommand parses).
if(TARGET nthive)
  add_test(NAME hive_json_surface
    COMMAND ${NTKIT_FIND_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/hive_json_test.py
            $<TARGET_FILE:ntkit> ${NTKIT_SHARED_TESTDATA})
  set_tests_properties(hive_json_surface PROPERTIES LABELS "hive;oracle"
    SKIP_RETURN_CODE 77 TIMEOUT 120)
endif()
