# Embeds shared_state/lua/*.lua into serendip_shared_state (see embed_lua_run.cmake).
set(_lua_root ${CMAKE_CURRENT_SOURCE_DIR}/shared_state/lua)
file(GLOB _lua_files CONFIGURE_DEPENDS ${_lua_root}/*.lua)
set(_lua_out ${CMAKE_CURRENT_BINARY_DIR}/generated/embedded_lua.cpp)
add_custom_command(
  OUTPUT ${_lua_out}
  COMMAND ${CMAKE_COMMAND} -DROOT=${_lua_root} -DOUT=${_lua_out}
          -P ${CMAKE_CURRENT_SOURCE_DIR}/shared_state/embed_lua_run.cmake
  DEPENDS ${_lua_files} ${CMAKE_CURRENT_SOURCE_DIR}/shared_state/embed_lua_run.cmake
  COMMENT "Embedding Lua scripts"
  VERBATIM)
target_sources(serendip_shared_state PRIVATE ${_lua_out})
