# dazong_project_options: warnings (errors on project code) and sanitizers for every target
# built from this repository. Third-party headers are system includes, so they are exempt.
add_library(dazong_project_options INTERFACE)
target_compile_options(dazong_project_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough)
if(DAZONG_WERROR)
  target_compile_options(dazong_project_options INTERFACE -Werror)
endif()
if(DAZONG_SANITIZE)
  target_compile_options(dazong_project_options INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(dazong_project_options INTERFACE -fsanitize=address,undefined)
endif()

# dazong_add_unit_test(name SOURCES ... LIBS ...): a GoogleTest executable registered with CTest
# under the "unit" label (the sanitizer build runs exactly these).
function(dazong_add_unit_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main dazong_project_options)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT 300)
endfunction()
