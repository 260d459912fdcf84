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
