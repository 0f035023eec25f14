# FDSCOPE_FUZZ: the libFuzzer targets of fuzz/ (scripts/fuzz.sh builds them
# in build-fuzz/ and runs them). libFuzzer is clang's. Every object the
# targets link is built with coverage feedback and ASan+UBSan, the tool's
# core and common/ included (the fuzzer steers by their branches), and
# with libstdc++'s assertions, so an out-of-range operator[] in the tool is
# a finding too. Only the `fuzzers` target is meant to be built in such a
# tree: the preloaded library cannot link against clang's static runtimes.
option(FDSCOPE_FUZZ "build the libFuzzer targets in fuzz/ (clang)" OFF)
if(NOT FDSCOPE_FUZZ)
  return()
endif()
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "FDSCOPE_FUZZ needs clang (libFuzzer): configure with CC=clang-14 CXX=clang++-14")
endif()
if(FDSCOPE_SANITIZE)
  message(FATAL_ERROR "FDSCOPE_FUZZ brings its own sanitizers: leave FDSCOPE_SANITIZE empty")
endif()
# vptr needs RTTI, which common/ is built without.
set(FDSCOPE_FUZZ_SANITIZERS -fsanitize=address,undefined -fno-sanitize=vptr -fno-sanitize-recover=all)
add_compile_options(-fsanitize=fuzzer-no-link ${FDSCOPE_FUZZ_SANITIZERS}
                    -fno-omit-frame-pointer -D_GLIBCXX_ASSERTIONS)
add_link_options(${FDSCOPE_FUZZ_SANITIZERS})
