# Hand-written test and example modules in the WebAssembly text format, assembled by wabt's
# wat2wasm at build time. SCALE_WAT2WASM is empty when wabt is missing: callers skip what
# needs it, with a message.
find_program(SCALE_WAT2WASM wat2wasm)

# scale_wat_modules(TARGET DIR WAT...): a target (built by default) that makes DIR/<name>.wasm
# from each WAT file.
function(scale_wat_modules target dir)
  set(outs)
  foreach(wat ${ARGN})
    get_filename_component(name ${wat} NAME_WE)
    add_custom_command(OUTPUT ${dir}/${name}.wasm
      COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
      COMMAND ${SCALE_WAT2WASM} ${wat} -o ${dir}/${name}.wasm
      DEPENDS ${wat}
      COMMENT "wat2wasm ${name}.wasm"
      VERBATIM)
    list(APPEND outs ${dir}/${name}.wasm)
  endforeach()
  add_custom_target(${target} ALL DEPENDS ${outs})
endfunction()
