# The layer check of issue 15 (docs/layers.md). Every project target is
# registered by segstream_target_options(); after all folders are added,
# segstream_write_target_graph() writes each target's folder, sources and
# project link dependencies to <build>/segstream_targets.tsv, and ctest runs
# cmake/check_layers.py over it (test `layers`, label `lint`): an include of a
# header from a library the target does not link, or a cycle of link
# dependencies, fails the test.

set_property(GLOBAL PROPERTY SEGSTREAM_TARGETS "")

function(segstream_register_target target)
  set_property(GLOBAL APPEND PROPERTY SEGSTREAM_TARGETS ${target})
endfunction()

# Writes the graph of every registered target to `out` (tab-separated lines:
# "target NAME TYPE FOLDER", "source NAME FILE", "link NAME DEPENDENCY"; paths
# relative to the source tree; generated sources are left out).
function(segstream_write_target_graph out)
  get_property(targets GLOBAL PROPERTY SEGSTREAM_TARGETS)
  set(text "")
  foreach(t IN LISTS targets)
    get_target_property(type ${t} TYPE)
    get_target_property(dir ${t} SOURCE_DIR)
    file(RELATIVE_PATH rel_dir ${PROJECT_SOURCE_DIR} ${dir})
    string(APPEND text "target\t${t}\t${type}\t${rel_dir}\n")
    get_target_property(sources ${t} SOURCES)
    foreach(s IN LISTS sources)
      cmake_path(ABSOLUTE_PATH s BASE_DIRECTORY ${dir} NORMALIZE OUTPUT_VARIABLE abs)
      cmake_path(IS_PREFIX PROJECT_BINARY_DIR ${abs} NORMALIZE generated)
      if(NOT generated)
        file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${abs})
        string(APPEND text "source\t${t}\t${rel}\n")
      endif()
    endforeach()
    if(type STREQUAL "INTERFACE_LIBRARY")
      get_target_property(deps ${t} INTERFACE_LINK_LIBRARIES)
    else()
      get_target_property(deps ${t} LINK_LIBRARIES)
    endif()
    foreach(d IN LISTS deps)
      if(d AND TARGET ${d} AND d IN_LIST targets)
        string(APPEND text "link\t${t}\t${d}\n")
      endif()
    endforeach()
  endforeach()
  file(CONFIGURE OUTPUT ${out} CONTENT "${text}" @ONLY)
endfunction()

# ctest: `layers` checks the tree, `layers_selftest` shows the checker fails
# on a synthetic tree with a forbidden include and a link cycle.
function(segstream_add_layer_tests graph)
  find_package(Python3 COMPONENTS Interpreter REQUIRED)
  add_test(NAME layers
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/cmake/check_layers.py
      --root ${PROJECT_SOURCE_DIR} --graph ${graph})
  add_test(NAME layers_selftest
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/cmake/check_layers_test.py)
  set_tests_properties(layers layers_selftest PROPERTIES LABELS lint TIMEOUT 60)
  set_tests_properties(layers_selftest PROPERTIES ENVIRONMENT SEGSTREAM_CMAKE=${CMAKE_COMMAND})
endfunction()
