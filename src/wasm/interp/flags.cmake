# Interpreter build options, included by the root CMakeLists.txt.
# SCALE_INTERP_PROFILE: count executed handlers and pairs, print the top ones at exit.
option(SCALE_INTERP_PROFILE "Interpreter dispatch profile (slow; measurement only)" OFF)
if(SCALE_INTERP_PROFILE)
  target_compile_definitions(scale_obj PRIVATE SCALE_INTERP_PROFILE)
endif()
