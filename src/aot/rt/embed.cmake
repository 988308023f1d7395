# Embed the AOT object's headers (wasm-rt.h, scale-aot.h) as C strings:
# defines SCALE_AOT_EMBEDDED, the generated source to add to libscale.
set(_embed_out ${CMAKE_BINARY_DIR}/generated/aot_embedded.c)
set(_embed_in ${CMAKE_CURRENT_LIST_DIR}/wasm-rt.h ${CMAKE_CURRENT_LIST_DIR}/scale-aot.h)
add_custom_command(
  OUTPUT ${_embed_out}
  COMMAND ${CMAKE_COMMAND} -DOUT=${_embed_out} -DIN_DIR=${CMAKE_CURRENT_LIST_DIR}
          -P ${CMAKE_CURRENT_LIST_DIR}/embed_run.cmake
  DEPENDS ${_embed_in} ${CMAKE_CURRENT_LIST_DIR}/embed_run.cmake
  COMMENT "Embedding AOT runtime headers")
set(SCALE_AOT_EMBEDDED ${_embed_out})
