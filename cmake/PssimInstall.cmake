# Install rules: headers, both libraries, the CMake package (pssim::pssim) and pssim.pc.
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/pssim DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS pssim_static pssim_shared EXPORT pssimTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT pssimTargets NAMESPACE pssim:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/pssim)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/pssimConfig.cmake.in
  ${PROJECT_BINARY_DIR}/pssimConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/pssim)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/pssimConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/pssimConfig.cmake ${PROJECT_BINARY_DIR}/pssimConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/pssim)

configure_file(${PROJECT_SOURCE_DIR}/cmake/pssim.pc.in ${PROJECT_BINARY_DIR}/pssim.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/pssim.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
