# Fails when ARCHIVE has undefined symbols from the C++ runtime (mangled
# names: operator new/delete, std::, __cxa_*, __gxx_personality).
execute_process(COMMAND ${NM} -u ${ARCHIVE} OUTPUT_VARIABLE undefined RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} -u ${ARCHIVE} failed")
endif()
string(REGEX MATCHALL "[ \t]U[ \t]+(_Z[^\n]*|__cxa[^\n]*|__gxx[^\n]*)" cxx "${undefined}")
if(cxx)
  message(FATAL_ERROR "fdscope_common needs the C++ runtime: ${cxx}")
endif()
message(STATUS "fdscope_common: no C++ runtime symbols (undefined: ${undefined})")
