# tests/layering.cmake - the layers include only downward, and kernel reports are written below the front ends.
#
#   cmake -DROOT=<source dir> -P tests/layering.cmake
#
# sim <- arch <- mm <- drivers <- scenarios <- tools: a file in one layer may
# include its own layer's headers and those of the layers to its left, never
# one to its right. And the text of KASAN's and kmemleak's reports lives in
# mm/: a front end that printed it would be a second KASAN.
set(layers sim arch mm drivers scenarios tools)
set(bad "")
list(LENGTH layers n)
math(EXPR last "${n} - 1")
foreach(i RANGE ${last})
  list(GET layers ${i} layer)
  file(GLOB_RECURSE sources ${ROOT}/${layer}/*.h ${ROOT}/${layer}/*.cpp)
  math(EXPR above "${i} + 1")
  foreach(src ${sources})
    file(STRINGS ${src} includes REGEX "^#include \"[a-z]+/")
    foreach(line ${includes})
      string(REGEX REPLACE "^#include \"([a-z]+)/.*" "\\1" target "${line}")
      list(FIND layers ${target} j)
      if(j GREATER ${i})
        file(RELATIVE_PATH rel ${ROOT} ${src})
        string(APPEND bad "  ${rel}: ${line} (${layer} may not include ${target})\n")
      endif()
    endforeach()
    if(i GREATER 2)
      file(STRINGS ${src} reports REGEX "BUG: KASAN|unreferenced object")
      if(reports)
        file(RELATIVE_PATH rel ${ROOT} ${src})
        string(APPEND bad "  ${rel}: KASAN or kmemleak report text above mm/\n")
      endif()
    endif()
  endforeach()
endforeach()
if(bad)
  message(FATAL_ERROR "layering broken:\n${bad}")
endif()
message(STATUS "layers include only downward")
