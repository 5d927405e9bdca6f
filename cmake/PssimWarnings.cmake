# Warning flags shared by the library, tests, examples and benchmarks.
function(pssim_set_warnings target)
  if(CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
    # -Wno-multichar: pool and object tags are written 'gaTx' in every driver.
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-multichar
      $<$<COMPILE_LANGUAGE:C>:-Wstrict-prototypes>)
    if(PSSIM_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endif()
endfunction()
