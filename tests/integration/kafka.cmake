# Kafka integration tests. The fixture `kafka` starts one broker for all of
# them (kafka_broker_start) and stops it at the end (kafka_broker_stop). The
# port is the cache variable SEGSTREAM_KAFKA_PORT (default 19092; the
# environment variable of the same name overrides it when configuring).
# Starting fails, not skips, when Java or the Maven jars are missing: CI must
# provide them. Every test takes RESOURCE_LOCK kafka: the outage test stops
# the broker, so no other Kafka test may run beside it.
include(${CMAKE_CURRENT_LIST_DIR}/kafka_port.cmake)
set(_kafka_local ${PROJECT_SOURCE_DIR}/tools/kafka-local)
set(_kafka_env "SEGSTREAM_KAFKA_PORT=${SEGSTREAM_KAFKA_PORT}"
               "SEGSTREAM_KAFKA_BOOTSTRAP=${SEGSTREAM_KAFKA_BOOTSTRAP}")

add_test(NAME kafka_broker_start COMMAND ${_kafka_local} start)
set_tests_properties(kafka_broker_start PROPERTIES
  FIXTURES_SETUP kafka ENVIRONMENT "${_kafka_env}" TIMEOUT 300 LABELS "kafka;integration")
add_test(NAME kafka_broker_stop COMMAND ${_kafka_local} stop)
set_tests_properties(kafka_broker_stop PROPERTIES
  FIXTURES_CLEANUP kafka ENVIRONMENT "${_kafka_env}" TIMEOUT 60 LABELS "kafka;integration")

# Connector level: the source and sink against the real broker.
add_executable(kafka_broker_test kafka_broker_test.cc)
segstream_target_options(kafka_broker_test)
target_link_libraries(kafka_broker_test PRIVATE segstream_kafka segstream_decode segstream_fake_state_store GTest::gtest GTest::gtest_main)
# gtest_discover_tests flattens list-valued PROPERTIES, so only single values
# here. PRE_TEST discovery: the properties follow a reconfigure (new port)
# without relinking the binary.
gtest_discover_tests(kafka_broker_test DISCOVERY_TIMEOUT 60 DISCOVERY_MODE PRE_TEST PROPERTIES
  FIXTURES_REQUIRED kafka RESOURCE_LOCK kafka ENVIRONMENT "SEGSTREAM_KAFKA_BOOTSTRAP=${SEGSTREAM_KAFKA_BOOTSTRAP}"
  TIMEOUT 120 LABELS kafka)

# End to end: segstream on Kafka vs the CSV replay (bash scripts). They need
# the segstream and segctl binaries (the lead's targets).
# The UCI data: SEGSTREAM_DATA_DIR at configure time, else ../shared/data next to the repo.
if(DEFINED ENV{SEGSTREAM_DATA_DIR})
  set(_uci_data "$ENV{SEGSTREAM_DATA_DIR}/online_retail.csv.gz")
else()
  set(_uci_data "${PROJECT_SOURCE_DIR}/../shared/data/online_retail.csv.gz")
endif()
if(TARGET segstream AND TARGET segctl AND TARGET loadgen)
  set(_e2e_env ${_kafka_env}
      "SEGSTREAM_BIN=$<TARGET_FILE:segstream>"
      "SEGCTL_BIN=$<TARGET_FILE:segctl>"
      "KAFKA_LOCAL=${_kafka_local}"
      "SEGSTREAM_DATA=${_uci_data}"
      "E2E_WORK=${CMAKE_CURRENT_BINARY_DIR}/e2e"
      "LOADGEN_BIN=$<TARGET_FILE:loadgen>")
  foreach(name uci_roundtrip kill9 outage poison exactly_once second_instance changelog)
    add_test(NAME kafka_e2e_${name} COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e_${name}.sh)
    set_tests_properties(kafka_e2e_${name} PROPERTIES
      FIXTURES_REQUIRED kafka RESOURCE_LOCK kafka ENVIRONMENT "${_e2e_env}" TIMEOUT 900
      LABELS "e2e;kafka;integration")
  endforeach()
  # The outage once more, on 4 partitions with --exactly-once --changelog.
  add_test(NAME kafka_e2e_outage_changelog COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e_outage.sh)
  set_tests_properties(kafka_e2e_outage_changelog PROPERTIES
    FIXTURES_REQUIRED kafka RESOURCE_LOCK kafka ENVIRONMENT "${_e2e_env};E2E_OUTAGE_CHANGELOG=1" TIMEOUT 900
    LABELS "e2e;kafka;integration")
endif()
