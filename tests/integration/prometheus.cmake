# Prometheus-side checks of deploy/ (included OPTIONAL by tests/integration/CMakeLists.txt):
#   - promtool: scrape config, alert rules, alert unit tests
#   - the Grafana dashboard's JSON structure and the offline PromQL parse of its queries
#   - a real Prometheus server scraping a paced `segstream run --http`: every
#     dashboard and alert query parses, every dashboard panel returns data.
find_program(SEGSTREAM_PROMTOOL promtool)
find_program(SEGSTREAM_PROMETHEUS prometheus)
set(_segstream_deploy ${PROJECT_SOURCE_DIR}/deploy)

if(SEGSTREAM_PROMTOOL)
  add_test(NAME prometheus_check_config
           COMMAND ${SEGSTREAM_PROMTOOL} check config ${_segstream_deploy}/prometheus/prometheus.yml)
  add_test(NAME prometheus_check_rules
           COMMAND ${SEGSTREAM_PROMTOOL} check rules ${_segstream_deploy}/prometheus/alerts.yml)
  add_test(NAME prometheus_test_rules
           COMMAND ${SEGSTREAM_PROMTOOL} test rules alerts_test.yml
           WORKING_DIRECTORY ${_segstream_deploy}/prometheus)
  add_test(NAME grafana_dashboard_structure
           COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/prometheus_check_dashboard.sh ${PROJECT_SOURCE_DIR})
  set_tests_properties(prometheus_check_config prometheus_check_rules prometheus_test_rules
                       grafana_dashboard_structure PROPERTIES LABELS "prometheus")
endif()

if(SEGSTREAM_PROMETHEUS AND SEGSTREAM_PROMTOOL AND TARGET segstream)
  # The full UCI file next to the repo when present, else the committed sample.
  set(_prometheus_input "${PROJECT_SOURCE_DIR}/../shared/data/online_retail.csv.gz")
  if(NOT EXISTS "${_prometheus_input}")
    set(_prometheus_input "${PROJECT_SOURCE_DIR}/tests/data/online_retail_sample.csv.gz")
  endif()
  add_test(NAME prometheus_dashboard
           COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/prometheus_dashboard.sh $<TARGET_FILE:segstream> ${PROJECT_SOURCE_DIR}
                   ${_prometheus_input})
  # Exit code 77: `segstream run` lacks --http/--max-rate (reported as skipped).
  set_tests_properties(prometheus_dashboard PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77
                       LABELS "prometheus;integration" RUN_SERIAL ON)
endif()
