# Shared compiler settings for every ntkit target.

set(NTKIT_WARNINGS -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
    -Wmissing-prototypes -Wpointer-arith -Wvla -Wformat=2)

# Debug builds turn on the allocator's double-free / foreign-pointer checks
# and the list link validation.
add_compile_definitions($<$<CONFIG:Debug>:NT_DEBUG=1>)

if(NTKIT_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
  add_compile_definitions(NT_DEBUG=1)
endif()

# ntkit_library(name SOURCES...): a freestanding library. It may include only
# freestanding headers; tests/freestanding.sh proves it on the archive.
function(ntkit_library name)
  add_library(${name} STATIC ${ARGN})
  target_compile_options(${name} PRIVATE ${NTKIT_WARNINGS} -ffreestanding)
endfunction()

# ntkit_test(name SOURCES... [LIBS ...]): a cmocka test run by ctest.
function(ntkit_test name)
  cmake_parse_arguments(T "" "" "LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_UNPARSED_ARGUMENTS})
  target_compile_options(${name} PRIVATE ${NTKIT_WARNINGS} -Wno-missing-prototypes)
  target_link_libraries(${name} PRIVATE ${T_LIBS} ntcore_testsupport cmocka)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "unit;${T_LABELS}"
    ENVIRONMENT "NTKIT_SHARED_TESTDATA=${NTKIT_SHARED_TESTDATA}")
endfunction()

# Real Windows data lives beside the project; tests skip when it is absent.
if(NOT DEFINED NTKIT_SHARED_TESTDATA)
  get_filename_component(NTKIT_SHARED_TESTDATA
    "${CMAKE_SOURCE_DIR}/../shared/testdata" ABSOLUTE)
endif()
