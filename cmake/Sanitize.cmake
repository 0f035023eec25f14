# FDSCOPE_SANITIZE: instrumented builds of the library, the tool and the
# tests (scripts/sanitize.sh configures build-asan/ and build-tsan/):
#   address  AddressSanitizer + UndefinedBehaviorSanitizer
#   thread   ThreadSanitizer
# Every report aborts the process (no recovery), so a test that provokes
# one fails. GCC only: its runtimes are shared libraries that a preloaded
# libfdscope.so can link against (clang links them statically into
# executables, which leaves a shared library's references undefined).
#
# A preloaded instrumented library needs its sanitizer's runtime in
# LD_PRELOAD too (ASan insists on being first in the initial library
# list); FDSCOPE_PRELOAD in tests/CMakeLists.txt is the value the tests
# use, in the order each runtime needs.
set(FDSCOPE_SANITIZE "" CACHE STRING "sanitizer build: address (ASan+UBSan), thread (TSan) or empty")
set_property(CACHE FDSCOPE_SANITIZE PROPERTY STRINGS "" address thread)

set(FDSCOPE_SANITIZER_RUNTIME "")
set(FDSCOPE_SANITIZER_ENV "")
if(FDSCOPE_SANITIZE STREQUAL "")
  return()
endif()
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU" OR NOT CMAKE_C_COMPILER_ID STREQUAL "GNU")
  message(FATAL_ERROR "FDSCOPE_SANITIZE needs GCC (its shared sanitizer runtimes)")
endif()

# FDSCOPE_SANITIZER_ENV: the runtime options every test process gets (the
# tests pass them on to the programs they start):
# - no leak checking: the library allocates nothing (its memory is mapped
#   scratch), so LeakSanitizer could only report the test programs' own
#   (a stream whose freopen failed, which glibc never frees), and it cannot
#   run at all at exit from a process at its descriptor limit (the EMFILE
#   tests: it opens /proc/PID/task);
# - TSan stops at the first report, with both stacks of a lock inversion.
if(FDSCOPE_SANITIZE STREQUAL "address")
  # vptr needs RTTI, which the library is built without.
  set(_san_flags -fsanitize=address,undefined -fno-sanitize=vptr -fno-sanitize-recover=all)
  set(_san_runtime libasan.so)
  set(FDSCOPE_SANITIZER_ENV ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1)
elseif(FDSCOPE_SANITIZE STREQUAL "thread")
  set(_san_flags -fsanitize=thread)
  set(_san_runtime libtsan.so)
  set(FDSCOPE_SANITIZER_ENV
      TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=${PROJECT_SOURCE_DIR}/cmake/tsan.supp)
else()
  message(FATAL_ERROR "FDSCOPE_SANITIZE=${FDSCOPE_SANITIZE}: expected address or thread")
endif()

add_compile_options(${_san_flags} -fno-omit-frame-pointer)
add_link_options(${_san_flags})

execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=${_san_runtime}
                OUTPUT_VARIABLE _san_path OUTPUT_STRIP_TRAILING_WHITESPACE)
get_filename_component(FDSCOPE_SANITIZER_RUNTIME "${_san_path}" REALPATH)
if(NOT EXISTS "${FDSCOPE_SANITIZER_RUNTIME}")
  message(FATAL_ERROR "the ${_san_runtime} runtime was not found (${_san_path})")
endif()
message(STATUS "FDSCOPE_SANITIZE=${FDSCOPE_SANITIZE}: runtime ${FDSCOPE_SANITIZER_RUNTIME}")
