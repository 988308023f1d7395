# The local function store (src/registry) as its own static library, linked into the scale
# CLI together with the embedded C guest SDK and `scale new` templates. Included from the top
# CMakeLists.txt after the CLI target is defined.
file(GLOB SCALE_REGISTRY_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/registry/*.c)
add_library(scale_registry STATIC ${SCALE_REGISTRY_SOURCES})
# src/ for registry/store.h (and the signature module's HCL reader the scalefile parser reuses).
target_include_directories(scale_registry PUBLIC ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(scale_registry PUBLIC scale_static PkgConfig::CJSON OpenSSL::Crypto)

if(TARGET scale)
  include(${PROJECT_SOURCE_DIR}/src/cli/templates/embed.cmake)
  target_sources(scale PRIVATE ${SCALE_CLI_EMBEDDED})
  target_link_libraries(scale PRIVATE scale_registry)
endif()
