# Warnings are errors in Lethe's own code (never in llama.cpp's).
add_library(lethe_warnings INTERFACE)
target_compile_options(lethe_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                                -Wconversion -Wno-sign-conversion -Werror)

add_library(lethe_sanitizers INTERFACE)
if(LETHE_SANITIZE)
  target_compile_options(lethe_sanitizers INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                                    -fno-sanitize-recover=undefined)
  target_link_options(lethe_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

# GCC 12 at -O2 reports false positives inside libstdc++: -Wrestrict in std::string (GCC bug 105329) and
# -Wmaybe-uninitialized in std::optional (bug 80635). The sanitizer build covers what these would catch.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(lethe_warnings INTERFACE -Wno-restrict -Wno-maybe-uninitialized)
endif()
