# The test broker's port and bootstrap address (SEGSTREAM_KAFKA_PORT,
# SEGSTREAM_KAFKA_BOOTSTRAP), for kafka.cmake and for the Kafka tests of other
# directories (tests/tools), which are configured before it. Idempotent.
set(SEGSTREAM_KAFKA_PORT 19092 CACHE STRING "port of the test Kafka broker (controller: port + 1)")
if(DEFINED ENV{SEGSTREAM_KAFKA_PORT})
  set(SEGSTREAM_KAFKA_PORT "$ENV{SEGSTREAM_KAFKA_PORT}" CACHE STRING "" FORCE)
endif()
set(SEGSTREAM_KAFKA_BOOTSTRAP "127.0.0.1:${SEGSTREAM_KAFKA_PORT}")
