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
# The build works on a copy, patched (cmake/libunwind/*.patch: why is in each
# file), so third_party/ stays as Debian ships it; a changed patch makes a
# fresh copy and a rebuild.
file(GLOB _uw_patches ${CMAKE_CURRENT_LIST_DIR}/libunwind/*.patch)
set(_uw_apply "find . -mindepth 1 -delete && cp -a '${FDSCOPE_LIBUNWIND_SOURCE}/.' .")
foreach(_p IN LISTS _uw_patches)
  string(APPEND _uw_apply " && patch -p1 -s -i '${_p}'")
endforeach()
# initial-exec TLS: the shim is loaded at start-up (LD_PRELOAD), and the
# general-dynamic model would call __tls_get_addr, which may allocate.
set(_uw_cflags "-O2 -g -fPIC -fvisibility=hidden -ftls-model=initial-exec")
ExternalProject_Add(libunwind_build
  SOURCE_DIR ${CMAKE_BINARY_DIR}/third_party/libunwind-src
  DOWNLOAD_COMMAND ""
  PATCH_COMMAND sh -c "${_uw_apply}"
  BINARY_DIR ${CMAKE_BINARY_DIR}/third_party/libunwind-build
  INSTALL_DIR ${_uw_prefix}
  CONFIGURE_COMMAND <SOURCE_DIR>/configure -q --prefix=<INSTALL_DIR>
    --enable-static --disable-shared --with-pic
    --disable-minidebuginfo --disable-zlibdebuginfo --disable-coredump
    --disable-ptrace --disable-setjmp --disable-tests --disable-documentation
    --disable-cxx-exceptions --disable-weak-backtrace
    # Signals are blocked once a trace instead (libunwind/trace-signal-mask.patch).
    --disable-block-signals
    CC=${CMAKE_C_COMPILER} CFLAGS=${_uw_cflags}
  # Installed in the build step, which declares libunwind.a: a rebuilt
  # archive then relinks the library in the same ninja run.
  BUILD_COMMAND make -s -j4
  COMMAND make -s install
  INSTALL_COMMAND ""
  BUILD_BYPRODUCTS ${_uw_prefix}/lib/libunwind.a
  LOG_CONFIGURE ON LOG_BUILD ON LOG_INSTALL ON LOG_OUTPUT_ON_FAILURE ON)

file(MAKE_DIRECTORY ${_uw_prefix}/include)
add_library(unwind_static STATIC IMPORTED GLOBAL)
set_target_properties(unwind_static PROPERTIES
  IMPORTED_LOCATION ${_uw_prefix}/lib/libunwind.a
  INTERFACE_INCLUDE_DIRECTORIES ${_uw_prefix}/include)
add_dependencies(unwind_static libunwind_build)
ExternalProject_Add_StepDependencies(libunwind_build patch ${_uw_patches})
