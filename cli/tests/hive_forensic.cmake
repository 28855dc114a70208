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

# `ntkit hive recover`: the generated deleted.hiv against the records its
# generator deleted, and yarp's deleted/remnant hives against
# testdata/hive/EXPECTATIONS.md (re-checked on the bytes). No peers needed.
if(TARGET nthive AND NTKIT_FORENSIC_PYTHON3)
  add_test(NAME hive_recover_generated
    COMMAND ${NTKIT_FORENSIC_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/hive_recover_test.py
            $<TARGET_FILE:ntkit> generated ${CMAKE_BINARY_DIR}/testdata/hive)
  add_test(NAME hive_recover_shared
    COMMAND ${NTKIT_FORENSIC_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/hive_recover_test.py
            $<TARGET_FILE:ntkit> shared ${NTKIT_SHARED_TESTDATA})
  set_tests_properties(hive_recover_generated hive_recover_shared PROPERTIES LABELS "hive"
    SKIP_RETURN_CODE 77 TIMEOUT 120)
endif()
