# Tests of the CLI's shared pieces (hosted code).
ntkit_test(test_cli_arena ${CMAKE_CURRENT_LIST_DIR}/test_cli_arena.c
           ${CMAKE_CURRENT_LIST_DIR}/../common_arena.c LIBS ntcore)
target_include_directories(test_cli_arena PRIVATE ${CMAKE_CURRENT_LIST_DIR}/..)
target_compile_definitions(test_cli_arena PRIVATE _GNU_SOURCE)
