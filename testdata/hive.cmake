# Registry hive fixtures and oracle tests (testdata/hive/).
#
# At build time gen_hives.py writes the generated hives and their manifests
# into <build>/testdata/hive/. The tests compare, record by record:
#   hive_gen_hivex_*       manifest == hivex's dump (the generator is right)
#   hive_gen_regfexport_*  manifest, reduced, == regfexport's report
#   hive_gen_export_*      manifest == ntkit hive export --format jsonl
#   hive_gen_subtree_*     manifest parts == ntkit hive export HIVE KEY
#   hive_gen_reg_*         ntkit's .reg merged by hivexregedit == manifest
#   hive_gen_get_*         ntkit hive get == the manifest's decoded value
#   hive_shared_*          ntkit == hivex on every shared hive, or the row
#                          of testdata/hive/EXPECTATIONS.md for the file
# Tests exit 77 (skipped) when a tool, the shared data or ntkit's hive
# command is missing.

find_package(Python3 COMPONENTS Interpreter)

if(Python3_Interpreter_FOUND)
  set(NTKIT_HIVE_SRC ${CMAKE_CURRENT_SOURCE_DIR}/hive)
  set(NTKIT_HIVE_GEN ${CMAKE_CURRENT_BINARY_DIR}/hive)

  # The hivex bindings come with the distribution's python3, which need not
  # be the first python3 on PATH (pyenv and the like).
  set(NTKIT_HIVEX_PYTHON "")
  foreach(cand /usr/bin/python3 ${Python3_EXECUTABLE})
    if(NOT NTKIT_HIVEX_PYTHON AND EXISTS ${cand})
      execute_process(COMMAND ${cand} -c "import hivex" RESULT_VARIABLE hivex_rc
                      OUTPUT_QUIET ERROR_QUIET)
      if(hivex_rc EQUAL 0)
        set(NTKIT_HIVEX_PYTHON ${cand})
      endif()
    endif()
  endforeach()
  if(NOT NTKIT_HIVEX_PYTHON)
    message(STATUS "hive tests: no python3 with the hivex module; hivex comparisons will skip")
    set(NTKIT_HIVEX_PYTHON ${Python3_EXECUTABLE})
  endif()

  add_custom_command(
    OUTPUT ${NTKIT_HIVE_GEN}/hives.stamp
    COMMAND ${Python3_EXECUTABLE} ${NTKIT_HIVE_SRC}/gen_hives.py ${NTKIT_HIVE_GEN}
    DEPENDS ${NTKIT_HIVE_SRC}/gen_hives.py ${NTKIT_HIVE_SRC}/regf_writer.py
    COMMENT "Generating test hives and manifests"
    VERBATIM)
  add_custom_target(hive_fixtures ALL DEPENDS ${NTKIT_HIVE_GEN}/hives.stamp)

  if(TARGET ntkit)
    set(NTKIT_HIVE_NTKIT $<TARGET_FILE:ntkit>)
  else()
    set(NTKIT_HIVE_NTKIT "")
  endif()

  function(ntkit_hive_gen_test check hive)
    set(name hive_gen_${check}_${hive})
    add_test(NAME ${name}
      COMMAND ${NTKIT_HIVEX_PYTHON} ${NTKIT_HIVE_SRC}/check_generated.py
              ${check} ${NTKIT_HIVE_GEN} ${hive} ${NTKIT_HIVE_NTKIT})
    set_tests_properties(${name} PROPERTIES LABELS "hive;oracle" SKIP_RETURN_CODE 77
                         TIMEOUT 180)
  endfunction()

  foreach(hive features v13 bulk regsafe)
    foreach(check hivex regfexport export)
      ntkit_hive_gen_test(${check} ${hive})
    endforeach()
  endforeach()
  foreach(hive features v13 bulk)
    ntkit_hive_gen_test(subtree ${hive})
  endforeach()
  foreach(hive regsafe v13)
    ntkit_hive_gen_test(reg ${hive})
  endforeach()
  foreach(hive features bulk)
    ntkit_hive_gen_test(get ${hive})
  endforeach()
  # Keys named like "application/x-slash" must be reachable by path.
  ntkit_hive_gen_test(slash features)

  # One test per shared hive, so a failure names its file.
  set(shared_hives ${NTKIT_SHARED_TESTDATA}/hives)
  file(GLOB_RECURSE shared_files RELATIVE ${shared_hives} ${shared_hives}/*)
  list(FILTER shared_files EXCLUDE REGEX "(^|/)SOURCES\\.md$")
  if(NOT shared_files)
    set(shared_files none)  # registers one test that reports the skip
  endif()
  foreach(rel ${shared_files})
    string(REGEX REPLACE "\\.xz$" "" tname "${rel}")
    string(REGEX REPLACE "[^A-Za-z0-9_.-]" "_" tname "${tname}")
    add_test(NAME hive_shared_${tname}
      COMMAND ${NTKIT_HIVEX_PYTHON} ${NTKIT_HIVE_SRC}/check_shared.py
              ${shared_hives} ${rel} "${NTKIT_HIVE_NTKIT}" ${NTKIT_HIVE_SRC}/EXPECTATIONS.md)
    set_tests_properties(hive_shared_${tname} PROPERTIES LABELS "hive;oracle;shared"
                         SKIP_RETURN_CODE 77 TIMEOUT 180)
  endforeach()
else()
  message(STATUS "hive tests: python3 not found; hive fixture tests are not registered")
endif()
