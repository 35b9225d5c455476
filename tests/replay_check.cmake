# Runs `dazong-replay --trades INPUT` and compares its output with EXPECTED.
# Usage: cmake -DREPLAY=... -DINPUT=... -DEXPECTED=... -DOUTPUT=... -P replay_check.cmake
execute_process(COMMAND "${REPLAY}" --trades "${INPUT}" OUTPUT_FILE "${OUTPUT}"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "dazong-replay exited with ${rc}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files "${OUTPUT}" "${EXPECTED}"
                RESULT_VARIABLE differs)
if(differs)
  file(READ "${OUTPUT}" got)
  file(READ "${EXPECTED}" want)
  message(FATAL_ERROR "replay output differs from ${EXPECTED}\n--- got:\n${got}--- expected:\n${want}")
endif()
