# The shared image layer (cli/common_image.c: volume / MBR / GPT / gzip).
# common_image.c is globbed into ntkit by cli/CMakeLists.txt and needs zlib:
# link it here (this file is included right after ntkit is defined).
find_package(ZLIB REQUIRED)
find_package(Threads REQUIRED)
target_link_libraries(ntkit PRIVATE ZLIB::ZLIB Threads::Threads)

if(NTKIT_BUILD_TESTS)
  ntkit_test(test_image ${CMAKE_CURRENT_LIST_DIR}/test_image.c ${CMAKE_CURRENT_LIST_DIR}/../common_image.c
             LIBS ZLIB::ZLIB Threads::Threads LABELS cli)
  target_include_directories(test_image PRIVATE ${CMAKE_CURRENT_LIST_DIR}/..)
  target_compile_definitions(test_image PRIVATE _GNU_SOURCE CLI_IMAGE_GZ_MAX_POINTS=16)
  set_tests_properties(test_image PROPERTIES TIMEOUT 300)
endif()
