# Tests of `ntkit hive replay / recover / layers` on the shared hives
# (included from cli/CMakeLists.txt).
if(TARGET nthive)
  find_program(NTKIT_FORENSIC_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  add_test(NAME hive_forensic_shared
    COMMAND ${NTKIT_FORENSIC_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/hive_forensic_test.py
            $<TARGET_FILE:ntkit> ${NTKIT_SHARED_TESTDATA})
  set_tests_properties(hive_forensic_shared PROPERTIES LABELS "hive;oracle"
    SKIP_RETURN_CODE 77 TIMEOUT 300)
endif()
