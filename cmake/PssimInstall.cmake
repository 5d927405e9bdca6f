# Install rules: headers, both libraries, the CMake package (pssim::pssim) and pssim.pc.
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/pssim DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS pssim_static pssim_shared EXPORT pssimTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(PSSIM_RACE_AVAILABLE)
  install(TARGETS pssim_race EXPORT pssimTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()
install(EXPORT pssimTargets NAMESPACE pssim:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/pssim)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/pssimConfig.cmake.in
  ${PROJECT_BINARY_DIR}/pssimConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/pssim)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/pssimConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/pssimConfig.cmake ${PROJECT_BINARY_DIR}/pssimConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/pssim)

# pssim.pc locates the prefix from its own directory (${pcfiledir}), so the package still works
# when installed somewhere else than CMAKE_INSTALL_PREFIX (`cmake --install build --prefix DIR`).
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(PSSIM_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(PSSIM_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(PSSIM_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH _pssim_pc_up "/pssim-prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/pssim-prefix")
  string(REGEX REPLACE "/$" "" _pssim_pc_up "${_pssim_pc_up}")
  set(PSSIM_PC_PREFIX "\${pcfiledir}/${_pssim_pc_up}")
  set(PSSIM_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(PSSIM_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
# What the static library needs on the link line after -lpssim (pkg-config --static).
set(PSSIM_PC_LIBS_PRIVATE "-pthread")
foreach(_pssim_lib ${CMAKE_DL_LIBS})
  string(APPEND PSSIM_PC_LIBS_PRIVATE " -l${_pssim_lib}")
endforeach()
# libdw is linked as a shared library: name it in Libs.private rather than Requires.private,
# whose --static expansion would ask for libdw's own static dependencies (bz2, lzma, ...).
if(PSSIM_LIBDW_FOUND)
  foreach(_pssim_lib ${PSSIM_LIBDW_LIBRARIES})
    string(APPEND PSSIM_PC_LIBS_PRIVATE " -l${_pssim_lib}")
  endforeach()
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/pssim.pc.in ${PROJECT_BINARY_DIR}/pssim.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/pssim.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
