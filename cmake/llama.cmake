# Resolves llama.cpp (libllama + ggml) for Lethe. Three ways, first match wins:
#   -DLETHE_LLAMA_PREFIX=DIR      an installed llama.cpp package (find_package(llama) under DIR)
#   -DLETHE_LLAMA_SOURCE_DIR=DIR  your own llama.cpp checkout, built once into the cache by scripts/llama-cpp.sh
#   (default)                     the release pinned through npm's node-llama-cpp, sha256-verified, built once
# Defines the target lethe::llama and the variables LETHE_LLAMA_SERVER / LETHE_LLAMA_BENCH / LETHE_LLAMA_FINETUNE
# (paths to the tools, empty when not available).
set(LETHE_LLAMA_PREFIX "" CACHE PATH "Installed llama.cpp package prefix (optional)")
set(LETHE_LLAMA_SOURCE_DIR "" CACHE PATH "Your own llama.cpp source checkout (optional)")

add_library(lethe_llama INTERFACE)
add_library(lethe::llama ALIAS lethe_llama)

if(LETHE_LLAMA_PREFIX)
  find_package(llama REQUIRED CONFIG PATHS "${LETHE_LLAMA_PREFIX}" NO_DEFAULT_PATH)
  target_link_libraries(lethe_llama INTERFACE llama)
  find_program(LETHE_LLAMA_SERVER llama-server HINTS "${LETHE_LLAMA_PREFIX}/bin")
  find_program(LETHE_LLAMA_BENCH llama-bench HINTS "${LETHE_LLAMA_PREFIX}/bin")
  find_program(LETHE_LLAMA_FINETUNE llama-finetune HINTS "${LETHE_LLAMA_PREFIX}/bin")
  message(STATUS "llama.cpp: installed package at ${LETHE_LLAMA_PREFIX}")
  return()
endif()

set(_env "")
if(LETHE_LLAMA_SOURCE_DIR)
  set(_env "LETHE_LLAMA_SOURCE_DIR=${LETHE_LLAMA_SOURCE_DIR}")
endif()
message(STATUS "llama.cpp: resolving the cached build (the first build takes ~10 minutes on 2 cores)")
execute_process(
  COMMAND ${CMAKE_COMMAND} -E env ${_env} bash "${CMAKE_SOURCE_DIR}/scripts/llama-cpp.sh"
  OUTPUT_VARIABLE _prefix OUTPUT_STRIP_TRAILING_WHITESPACE
  RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "llama.cpp build failed (see the messages above)")
endif()
message(STATUS "llama.cpp: ${_prefix}")

find_package(OpenMP REQUIRED)
target_include_directories(lethe_llama SYSTEM INTERFACE "${_prefix}/include")
# Static archives, in link order: llama needs ggml, ggml needs its backends and ggml-base.
file(GLOB _backends "${_prefix}/lib/libggml-*.a")
list(REMOVE_ITEM _backends "${_prefix}/lib/libggml-base.a")
target_link_libraries(lethe_llama INTERFACE
  "${_prefix}/lib/libllama.a" "${_prefix}/lib/libggml.a" ${_backends} "${_prefix}/lib/libggml-base.a"
  OpenMP::OpenMP_CXX Threads::Threads ${CMAKE_DL_LIBS} m)
set(LETHE_LLAMA_SERVER "${_prefix}/bin/llama-server")
set(LETHE_LLAMA_BENCH "${_prefix}/bin/llama-bench")
set(LETHE_LLAMA_FINETUNE "${_prefix}/bin/llama-finetune")
