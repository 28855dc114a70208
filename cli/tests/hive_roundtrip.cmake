# `ntkit hive export --format reg` against hivex's tools (included from
# cli/CMakeLists.txt): export -> hivexregedit --merge into a fresh hive ->
# export again gives the same text; and the same keys and values as
# `hivexregedit --export`, on generated and shared hives.
if(TARGET nthive)
  find_program(NTKIT_ROUNDTRIP_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  if(NOT NTKIT_ROUNDTRIP_PYTHON3)
    find_program(NTKIT_ROUNDTRIP_PYTHON3 python3)
  endif()
  add_test(NAME hive_reg_roundtrip_hivex
    COMMAND ${NTKIT_ROUNDTRIP_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/hive_roundtrip.py
            $<TARGET_FILE:ntkit> ${CMAKE_BINARY_DIR}/testdata/hive ${NTKIT_SHARED_TESTDATA})
  set_tests_properties(hive_reg_roundtrip_hivex PROPERTIES LABELS "hive;oracle"
    SKIP_RETURN_CODE 77 TIMEOUT 300)
endif()
