# libunwind, built from Debian's source package as a position-independent
# static archive, so libfdscope.so carries its own unwinder and needs nothing
# but glibc (Debian's libunwind.a is not PIC; its libunwind.so needs liblzma).
include(ExternalProject)

set(FDSCOPE_LIBUNWIND_SOURCE "${PROJECT_SOURCE_DIR}/third_party/libunwind"
    CACHE PATH "libunwind source tree (scripts/fetch-libunwind.sh puts it here)")
if(NOT EXISTS "${FDSCOPE_LIBUNWIND_SOURCE}/configure")
  message(FATAL_ERROR "libunwind source not found in ${FDSCOPE_LIBUNWIND_SOURCE}: "
                      "run scripts/install-deps.sh (or scripts/fetch-libunwind.sh) first")
endif()

set(_uw_prefix ${CMAKE_BINARY_DIR}/third_party/libunwind)
# initial-exec TLS: the shim is loaded at start-up (LD_PRELOAD), and the
# general-dynamic model would call __tls_get_addr, which may allocate.
set(_uw_cflags "-O2 -g -fPIC -fvisibility=hidden -ftls-model=initial-exec")
ExternalProject_Add(libunwind_build
  SOURCE_DIR ${FDSCOPE_LIBUNWIND_SOURCE}
  BINARY_DIR ${CMAKE_BINARY_DIR}/third_party/libunwind-build
  INSTALL_DIR ${_uw_prefix}
  CONFIGURE_COMMAND <SOURCE_DIR>/configure -q --prefix=<INSTALL_DIR>
    --enable-static --disable-shared --with-pic
    --disable-minidebuginfo --disable-zlibdebuginfo --disable-coredump
    --disable-ptrace --disable-setjmp --disable-tests --disable-documentation
    --disable-cxx-exceptions --disable-weak-backtrace
    CC=${CMAKE_C_COMPILER} CFLAGS=${_uw_cflags}
  BUILD_COMMAND make -s -j4
  INSTALL_COMMAND make -s install
  BUILD_BYPRODUCTS ${_uw_prefix}/lib/libunwind.a
  LOG_CONFIGURE ON LOG_BUILD ON LOG_INSTALL ON LOG_OUTPUT_ON_FAILURE ON)

file(MAKE_DIRECTORY ${_uw_prefix}/include)
add_library(unwind_static STATIC IMPORTED GLOBAL)
set_target_properties(unwind_static PROPERTIES
  IMPORTED_LOCATION ${_uw_prefix}/lib/libunwind.a
  INTERFACE_INCLUDE_DIRECTORIES ${_uw_prefix}/include)
add_dependencies(unwind_static libunwind_build)
