# Run the generator again into OUT and compare every file with the build's copy in REF.
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
execute_process(COMMAND ${SCALE} signature generate ${SCHEMA} --both --prefix sig -o ${OUT}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "scale signature generate failed (${rc})")
endif()
foreach(f sig_host.h sig_host.c sig_guest.h sig_guest.c)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${REF}/${f} ${OUT}/${f}
                  RESULT_VARIABLE diff)
  if(NOT diff EQUAL 0)
    message(FATAL_ERROR "regenerated ${f} differs from the build's copy")
  endif()
endforeach()
message(STATUS "regenerated files are identical")
