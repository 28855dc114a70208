# Tests of `ntkit hive` (included from cli/CMakeLists.txt).
if(TARGET nthive)
  find_program(NTKIT_SYSTEM_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  if(NOT NTKIT_SYSTEM_PYTHON3)
    find_program(NTKIT_SYSTEM_PYTHON3 python3)
  endif()
  # Every shared hive: ntkit's jsonl export equals python3-hivex's view
  # record for record where hivex reads the hive; no crash anywhere.
  # (The sanitizer build compares the hives up to 4 MB only, to stay fast.)
  if(NTKIT_SANITIZE)
    set(NTKIT_HIVE_ORACLE_MAX 4000000)
  else()
    set(NTKIT_HIVE_ORACLE_MAX "")
  endif()
  add_test(NAME hive_cli_oracle_hivex
    COMMAND ${NTKIT_SYSTEM_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/hive_oracle.py
            $<TARGET_FILE:ntkit> ${NTKIT_SHARED_TESTDATA} ${NTKIT_HIVE_ORACLE_MAX})
  set_tests_properties(hive_cli_oracle_hivex PROPERTIES LABELS "hive;oracle"
    SKIP_RETURN_CODE 77 TIMEOUT 300)
  # Subcommand behaviour: exit codes, decoding, error lines, .reg merge.
  add_test(NAME hive_cli_behaviour
    COMMAND ${NTKIT_SYSTEM_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/hive_cli_test.py
            $<TARGET_FILE:ntkit> ${NTKIT_SHARED_TESTDATA})
  set_tests_properties(hive_cli_behaviour PROPERTIES LABELS "hive"
    SKIP_RETURN_CODE 77 TIMEOUT 300)
endif()
