# Embed what `scale new` and `scale build` write to disk into the scale binary, so it works
# right after `make`, without installation: the project templates (src/cli/templates/c/*) and
# the C guest SDK with the host-shared sources it compiles (sdk/c, Polyglot, the HTTP codec).
# Defines SCALE_CLI_EMBEDDED, the generated source to add to the CLI.
#
# Each SDK entry is "ROLE|PATH" with PATH relative to the source tree; ROLE 0 = header,
# 1 = compiled into every guest, 2 = compiled into guests on the HTTP signature.
# Keep this list in step with sdk/c (tests/function/CMakeLists.txt builds guests the same way).
set(_root ${PROJECT_SOURCE_DIR})
file(GLOB _sdk_headers RELATIVE ${_root} CONFIGURE_DEPENDS ${_root}/sdk/c/include/*.h)
set(_entries)
foreach(_h ${_sdk_headers} include/scale/polyglot.h include/scale/http_signature.h
        src/polyglot/alloc.h src/util/utf8.h)
  list(APPEND _entries "0|${_h}")
endforeach()
foreach(_c sdk/c/src/guest.c src/polyglot/encode.c src/polyglot/decode.c src/util/utf8.c)
  list(APPEND _entries "1|${_c}")
endforeach()
foreach(_c sdk/c/src/http_guest.c src/function/http.c)
  list(APPEND _entries "2|${_c}")
endforeach()
file(GLOB _templates RELATIVE ${CMAKE_CURRENT_LIST_DIR} CONFIGURE_DEPENDS
     ${CMAKE_CURRENT_LIST_DIR}/c/*)
foreach(_t ${_templates})
  list(APPEND _entries "T|src/cli/templates/${_t}")
endforeach()

set(_deps)
foreach(_e ${_entries})
  string(REGEX REPLACE "^[^|]*\\|" "" _p "${_e}")
  list(APPEND _deps ${_root}/${_p})
endforeach()
string(REPLACE ";" "\n" _list_text "${_entries}")
set(_list ${CMAKE_BINARY_DIR}/generated/cli_embedded.list)
file(WRITE ${_list}.new "${_list_text}\n")
file(COPY_FILE ${_list}.new ${_list} ONLY_IF_DIFFERENT)

set(_out ${CMAKE_BINARY_DIR}/generated/cli_embedded.c)
add_custom_command(
  OUTPUT ${_out}
  COMMAND ${CMAKE_COMMAND} -DOUT=${_out} -DLIST=${_list} -DROOT=${_root}
          -P ${CMAKE_CURRENT_LIST_DIR}/embed_run.cmake
  DEPENDS ${_deps} ${_list} ${CMAKE_CURRENT_LIST_DIR}/embed_run.cmake
  COMMENT "Embedding the C guest SDK and project templates")
set(SCALE_CLI_EMBEDDED ${_out})
