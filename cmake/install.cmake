# Installation: the CLI (installed by cli/), the libraries as static and
# shared archives (versioned SONAME), the public headers, pkg-config files
# and a CMake package config, so other projects can use
#   pkg-config --cflags --libs ntkit-hive        or
#   find_package(ntkit) + target_link_libraries(app ntkit::nthive)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(NTKIT_INSTALLED_LIBS ntcore)
foreach(lib nthive ntfs)
  if(TARGET ${lib})
    list(APPEND NTKIT_INSTALLED_LIBS ${lib})
  endif()
endforeach()

set(NTKIT_EXPORTED)
foreach(lib ${NTKIT_INSTALLED_LIBS})
  # The shared library reuses the static library's objects (all PIC).
  add_library(${lib}_shared SHARED $<TARGET_OBJECTS:${lib}>)
  set_target_properties(${lib}_shared PROPERTIES
    OUTPUT_NAME ${lib} VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})
  target_include_directories(${lib}_shared PUBLIC
    $<TARGET_PROPERTY:${lib},INTERFACE_INCLUDE_DIRECTORIES>)
  if(NOT lib STREQUAL "ntcore")
    target_link_libraries(${lib}_shared PUBLIC ntcore_shared)
  endif()
  list(APPEND NTKIT_EXPORTED ${lib} ${lib}_shared)
endforeach()

install(TARGETS ${NTKIT_EXPORTED} EXPORT ntkitTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

install(DIRECTORY libntcore/include/ntcore DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET nthive)
  install(FILES libnthive/include/nthive.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()
if(TARGET ntfs)
  install(FILES libntfs/include/ntfs.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()

install(EXPORT ntkitTargets NAMESPACE ntkit:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ntkit)
configure_package_config_file(cmake/ntkitConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/ntkitConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ntkit)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/ntkitConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/ntkitConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/ntkitConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ntkit)

# pkg-config: ntkit-core, ntkit-hive, ntkit-ntfs
set(NTKIT_PC_core_NAME "ntkit-core")
set(NTKIT_PC_core_DESC "ntkit core: allocators, lists, UTF-16 helpers")
set(NTKIT_PC_core_LIBS "-lntcore")
set(NTKIT_PC_core_REQ "")
set(NTKIT_PC_hive_NAME "ntkit-hive")
set(NTKIT_PC_hive_DESC "ntkit registry hive parser")
set(NTKIT_PC_hive_LIBS "-lnthive")
set(NTKIT_PC_hive_REQ "ntkit-core")
set(NTKIT_PC_ntfs_NAME "ntkit-ntfs")
set(NTKIT_PC_ntfs_DESC "ntkit NTFS parser")
set(NTKIT_PC_ntfs_LIBS "-lntfs")
set(NTKIT_PC_ntfs_REQ "ntkit-core")
# Relocatable: the prefix is found from where the .pc file lies.
file(RELATIVE_PATH NTKIT_PC_UP ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
foreach(pc core hive ntfs)
  if(pc STREQUAL "hive" AND NOT TARGET nthive)
    continue()
  endif()
  if(pc STREQUAL "ntfs" AND NOT TARGET ntfs)
    continue()
  endif()
  set(PC_NAME ${NTKIT_PC_${pc}_NAME})
  set(PC_DESC ${NTKIT_PC_${pc}_DESC})
  set(PC_LIBS ${NTKIT_PC_${pc}_LIBS})
  set(PC_REQ ${NTKIT_PC_${pc}_REQ})
  configure_file(cmake/ntkit.pc.in ${CMAKE_CURRENT_BINARY_DIR}/${PC_NAME}.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/${PC_NAME}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()

if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/cli/ntkit.1 AND TARGET ntkit)
  install(FILES cli/ntkit.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()

# A test installs into a scratch prefix and builds an out-of-tree program
# against the installed files, both through pkg-config and find_package.
if(NTKIT_BUILD_TESTS AND TARGET nthive AND TARGET ntfs AND TARGET ntkit)
  add_test(NAME install_consumer
    COMMAND ${CMAKE_SOURCE_DIR}/tests/install_consumer.sh ${CMAKE_BINARY_DIR} ${CMAKE_C_COMPILER})
  set_tests_properties(install_consumer PROPERTIES LABELS "install" RUN_SERIAL TRUE)
endif()
