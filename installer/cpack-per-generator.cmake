# Read by cpack once per generator (CPACK_PROJECT_CONFIG_FILE).
if(CPACK_GENERATOR STREQUAL "TGZ")
    # Archives hold only the install prefix unless staged with DESTDIR; stage the same
    # /usr, /etc and /lib layout the Debian package has.
    set(CPACK_SET_DESTDIR ON)
    set(CPACK_INSTALL_PREFIX /usr)
endif()
