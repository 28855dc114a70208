# Hives read straight out of NTFS images (`ntkit hive ... IMAGE::PATH`),
# on the bundled sample (testdata/sample) and a generated image
# (included from cli/CMakeLists.txt). See hive_image_test.py.
if(TARGET nthive AND TARGET ntfs)
  find_package(Python3 COMPONENTS Interpreter)
  if(Python3_Interpreter_FOUND)
    set(HIVE_IMAGE_TEST ${CMAKE_CURRENT_LIST_DIR}/hive_image_test.py)
    set(HIVE_IMAGE_SAMPLE ${CMAKE_CURRENT_LIST_DIR}/../../testdata/sample)
    # Manifest values, .gz host hives and every error path: no peer needed,
    # so it also runs in the sanitizer pass.
    add_test(NAME hive_image_sample
      COMMAND ${Python3_EXECUTABLE} ${HIVE_IMAGE_TEST} sample $<TARGET_FILE:ntkit> ${HIVE_IMAGE_SAMPLE})
    set_tests_properties(hive_image_sample PROPERTIES LABELS "hive" SKIP_RETURN_CODE 77 TIMEOUT 120)
    # icat (sleuthkit) as the oracle; a generated image with dirty hives and
    # their logs (shared data, root and ntfs-3g; parts skip without them).
    add_test(NAME hive_image_oracle
      COMMAND ${Python3_EXECUTABLE} ${HIVE_IMAGE_TEST} oracle $<TARGET_FILE:ntkit> ${HIVE_IMAGE_SAMPLE}
              ${NTKIT_SHARED_TESTDATA})
    set_tests_properties(hive_image_oracle PROPERTIES LABELS "hive;oracle" SKIP_RETURN_CODE 77 TIMEOUT 180)
    # ntkitfs --hive IMAGE::PATH (fuse/ is configured after cli/, hence
    # TARGET_EXISTS at generate time).
    add_test(NAME hive_image_fuse
      COMMAND ${Python3_EXECUTABLE} ${HIVE_IMAGE_TEST} fuse $<TARGET_FILE:ntkit> ${HIVE_IMAGE_SAMPLE}
              "$<$<TARGET_EXISTS:ntkitfs>:$<TARGET_FILE:ntkitfs>>" ${NTKIT_SHARED_TESTDATA})
    set_tests_properties(hive_image_fuse PROPERTIES LABELS "hive;fuse" SKIP_RETURN_CODE 77 TIMEOUT 120)
  endif()
endif()
