# Install rules and the Debian package (CPack DEB): `cpack -G DEB` in the
# build directory writes segstream_VERSION_amd64.deb with the binaries, the
# systemd unit segstream.service, /etc/segstream/segstream.toml (a conffile)
# and maintainer scripts that create the `segstream` system user and
# /var/lib/segstream (deploy/debian/). Runtime library dependencies come from
# dpkg-shlibdeps. CI installs the package with dpkg -i and runs it (.ci/run).
include(GNUInstallDirs)
install(TARGETS segstream segctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${PROJECT_SOURCE_DIR}/deploy/debian/segstream.service DESTINATION lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/debian/segstream.toml DESTINATION /etc/segstream)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME segstream)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "segstream maintainers <segstream@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "streaming customer segmentation engine (RFM + mini-batch k-means)")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE amd64)
set(CPACK_DEBIAN_FILE_NAME "segstream_${PROJECT_VERSION}_amd64.deb")
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/deploy/debian/conffiles
    ${PROJECT_SOURCE_DIR}/deploy/debian/postinst
    ${PROJECT_SOURCE_DIR}/deploy/debian/prerm
    ${PROJECT_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
