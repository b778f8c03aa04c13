# Generates a .cpp that holds every migration as a raw string literal, so the
# server binary needs no SQL files at run time.
#
# Included from server/src/CMakeLists.txt after serendip_store is defined.
set(_mig_root ${PROJECT_SOURCE_DIR}/server/migrations)
file(GLOB _mig_files CONFIGURE_DEPENDS ${_mig_root}/sqlite/*.sql ${_mig_root}/postgres/*.sql)
set(_mig_out ${CMAKE_CURRENT_BINARY_DIR}/generated/embedded_migrations.cpp)
add_custom_command(
  OUTPUT ${_mig_out}
  COMMAND ${CMAKE_COMMAND} -DROOT=${_mig_root} -DOUT=${_mig_out}
          -P ${CMAKE_CURRENT_SOURCE_DIR}/store/embed_migrations_run.cmake
  DEPENDS ${_mig_files} ${CMAKE_CURRENT_SOURCE_DIR}/store/embed_migrations_run.cmake
  COMMENT "Embedding SQL migrations"
  VERBATIM)
target_sources(serendip_store PRIVATE ${_mig_out})
