# `cpack -G DEB` in a release build: the pilotdeck package.  It ships the
# "runtime" install component (the program, its scenarios and docs; the
# static libraries and headers are for developers) and the "debian" one,
# the copyright and changelog files Debian wants, which `cmake --install`
# leaves out.  Its dependencies are computed by dpkg-shlibdeps.

# /usr/share/doc/pilotdeck/copyright, machine-readable, with LICENSE's text.
file(STRINGS ${PROJECT_SOURCE_DIR}/LICENSE license_lines)
list(GET license_lines 2 license_copyright)  # "Copyright (c) YEAR HOLDER"
string(REGEX REPLACE "^Copyright \\(c\\) " "" license_copyright "${license_copyright}")
set(license_text "")
foreach(line IN LISTS license_lines)
  if(line STREQUAL "")
    string(APPEND license_text " .\n")
  else()
    string(APPEND license_text " ${line}\n")
  endif()
endforeach()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/LICENSE)
file(CONFIGURE OUTPUT ${PROJECT_BINARY_DIR}/debian/copyright CONTENT
"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: pilotdeck
Upstream-Contact: pilotdeck maintainers <pilotdeck@example.org>

Files: *
Copyright: ${license_copyright}
License: Expat
${license_text}")

# /usr/share/doc/pilotdeck/changelog.gz: pilotdeck is its own Debian
# package (native), so one entry per version; the date honours
# SOURCE_DATE_EPOCH for a reproducible package.
string(TIMESTAMP changelog_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
file(CONFIGURE OUTPUT ${PROJECT_BINARY_DIR}/debian/changelog CONTENT
"pilotdeck (${PROJECT_VERSION}) unstable; urgency=medium

  * pilotdeck ${PROJECT_VERSION}: see /usr/share/doc/pilotdeck/README.md.

 -- pilotdeck maintainers <pilotdeck@example.org>  ${changelog_date}
")
add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/debian/changelog.gz
                   COMMAND gzip -9nf -k ${PROJECT_BINARY_DIR}/debian/changelog
                   DEPENDS ${PROJECT_BINARY_DIR}/debian/changelog)
add_custom_target(debian_changelog ALL DEPENDS ${PROJECT_BINARY_DIR}/debian/changelog.gz)
install(FILES ${PROJECT_BINARY_DIR}/debian/copyright ${PROJECT_BINARY_DIR}/debian/changelog.gz
        DESTINATION ${PILOTDECK_DOC_DIR} COMPONENT debian EXCLUDE_FROM_ALL)

set(CPACK_PACKAGE_NAME pilotdeck)
set(CPACK_PACKAGE_VENDOR "pilotdeck maintainers")
set(CPACK_PACKAGE_CONTACT "pilotdeck maintainers <pilotdeck@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "terminal dashboard and simulator for grid pilot capacity")
set(CPACK_PACKAGE_DESCRIPTION
    "pilotdeck keeps the computing elements (CEs) of a grid and the pilot jobs
submitted to them in an SQLite database, shows them live in a terminal
dashboard, simulates seeded scenarios into the same database, reads the
pilot histories of HTCondor and DIRAC, and answers what-if questions
about capacity. It exports Prometheus metrics and runs as a Nagios or
Icinga check.")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL runtime debian)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# --plot draws through gnuplot when it is there.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "gnuplot-nox | gnuplot")

include(CPack)

# The package built, checked by lintian and run unpacked (tests/package.sh),
# in its own tree under this one; in the gcc test preset only.
if(BUILD_TESTING)
  add_test(NAME package_deb COMMAND sh ${PROJECT_SOURCE_DIR}/tests/package.sh
                                    ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/package)
  set_tests_properties(package_deb PROPERTIES LABELS package TIMEOUT 900)
endif()
