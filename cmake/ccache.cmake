# Compiles through ccache when it is installed, with its cache beside the llama.cpp build cache
# (~/.cache/lethe/ccache, or $CCACHE_DIR when set), so that a second build of an unchanged tree, CI's above all,
# costs seconds per file instead of a compile. -DLETHE_CCACHE=OFF turns it off.
option(LETHE_CCACHE "Compile through ccache when it is installed" ON)
if(NOT LETHE_CCACHE)
  return()
endif()
find_program(LETHE_CCACHE_PROGRAM ccache)
if(NOT LETHE_CCACHE_PROGRAM)
  message(STATUS "ccache: not installed; compiling without it")
  return()
endif()
if(DEFINED ENV{CCACHE_DIR})
  set(_ccache_dir "$ENV{CCACHE_DIR}")
elseif(DEFINED ENV{LETHE_CACHE_DIR})
  set(_ccache_dir "$ENV{LETHE_CACHE_DIR}/ccache")
elseif(DEFINED ENV{XDG_CACHE_HOME})
  set(_ccache_dir "$ENV{XDG_CACHE_HOME}/lethe/ccache")
else()
  set(_ccache_dir "$ENV{HOME}/.cache/lethe/ccache")
endif()
# No CCACHE_BASEDIR: it would make __FILE__ relative, and the tests find the repository through it. Hits therefore
# need the same checkout path, which CI's clean clone keeps.
set(_launcher ${CMAKE_COMMAND} -E env "CCACHE_DIR=${_ccache_dir}" ${LETHE_CCACHE_PROGRAM})
set(CMAKE_C_COMPILER_LAUNCHER ${_launcher})
set(CMAKE_CXX_COMPILER_LAUNCHER ${_launcher})
message(STATUS "ccache: ${LETHE_CCACHE_PROGRAM}, cache in ${_ccache_dir}")
