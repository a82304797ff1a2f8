# Helpers: one library target per src/ folder, tests beside them.
# A layering mistake (an inner layer using an outer one) shows up as a link error.

if(STARLING_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(STARLING_SANITIZE STREQUAL "thread")
  # -Wno-tsan: Boost.Asio's std::atomic_thread_fence, which TSan does not
  # model, would warn in every file that includes it (the server's
  # io_context runs on one thread; hand-offs go through its queue).
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -Wno-tsan)
  add_link_options(-fsanitize=thread)
endif()

# libFuzzer builds: every library linked into a fuzzer must carry coverage
# instrumentation, or the fuzzer runs blind over the code under test (set
# here, before src/ is added; fuzz/CMakeLists.txt links the runtime). They
# share the ASan+UBSan tree (the `asan` preset): one sanitized build serves
# the tests and the fuzzers, which keeps `make test` within CI's time.
if(STARLING_BUILD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "STARLING_BUILD_FUZZ needs clang (use the `asan` preset)")
  endif()
  if(NOT STARLING_SANITIZE STREQUAL "address")
    message(FATAL_ERROR "STARLING_BUILD_FUZZ needs STARLING_SANITIZE=address (use the `asan` preset)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# No fused multiply-add unless the code asks for one: clang would contract
# a*b+c into an FMA where GCC (in ISO mode) does not, and the generator's
# posts, and so every output made from them, would depend on the compiler.
add_compile_options(-ffp-contract=off)

if(STARLING_ARCH AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  add_compile_options(-march=${STARLING_ARCH})
endif()

set(STARLING_WARNINGS -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)

# starling_library(NAME SOURCES a.cc b.cc DEPS other_lib ...)
function(starling_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(starling_${name} STATIC ${ARG_SOURCES})
  target_include_directories(starling_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(starling_${name} PRIVATE ${STARLING_WARNINGS})
  target_link_libraries(starling_${name} PUBLIC ${ARG_DEPS})
endfunction()

# starling_test(NAME SOURCES a_test.cc DEPS lib ...) registers a GoogleTest binary with CTest.
function(starling_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${STARLING_WARNINGS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  target_compile_definitions(${name} PRIVATE
    STARLING_SHARED_DATA="${STARLING_SHARED_DATA}"
    STARLING_TEST_TMP="${CMAKE_BINARY_DIR}/test-tmp"
    STARLING_TEST_SOURCE_DIR="${PROJECT_SOURCE_DIR}/tests")
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES TIMEOUT 600 LABELS "unit;${ARG_LABELS}")
endfunction()

# The real database servers of the store tests (tests/support/store_servers.py):
# the fixture tests `store_servers_start` / `store_servers_stop`
# (tests/CMakeLists.txt) start them once per ctest run, in this build tree,
# and stop them after the last test that needs them.
set(STARLING_STORE_SERVERS_DIR ${CMAKE_BINARY_DIR}/test-tmp/store-servers)

# starling_uses_store_servers(TEST [KILLS_SERVERS]) makes any registered test
# (a GoogleTest binary or a script) need the servers: it requires the fixture,
# finds them through STARLING_TEST_SERVERS (servers.json; C++:
# tests/support/store_servers.h, Python: tests/support/store_servers.py) and a
# GoogleTest skip (a server that could not start) counts as skipped, not passed.
# KILLS_SERVERS: the test kills or restarts a server (and starts it again
# before it ends), so it runs alone (RUN_SERIAL).
function(starling_uses_store_servers test)
  cmake_parse_arguments(ARG "KILLS_SERVERS" "" "" ${ARGN})
  set_property(TEST ${test} APPEND PROPERTY FIXTURES_REQUIRED store_servers)
  set_property(TEST ${test} APPEND PROPERTY ENVIRONMENT
               "STARLING_TEST_SERVERS=${STARLING_STORE_SERVERS_DIR}/servers.json")
  set_property(TEST ${test} APPEND PROPERTY LABELS store)
  set_property(TEST ${test} PROPERTY SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
  if(ARG_KILLS_SERVERS)
    set_property(TEST ${test} PROPERTY RUN_SERIAL TRUE)
  endif()
endfunction()

# starling_store_test(NAME SOURCES a_test.cc DEPS lib ... [KILLS_SERVERS]):
# starling_test for a store's GoogleTest binary that talks to the real servers.
function(starling_store_test name)
  cmake_parse_arguments(ARG "KILLS_SERVERS" "" "SOURCES;DEPS;LABELS" ${ARGN})
  starling_test(${name} SOURCES ${ARG_SOURCES} DEPS ${ARG_DEPS} simdjson::simdjson
                LABELS "${ARG_LABELS}")
  if(ARG_KILLS_SERVERS)
    starling_uses_store_servers(${name} KILLS_SERVERS)
  else()
    starling_uses_store_servers(${name})
  endif()
endfunction()

# The real Apache Kafka broker of the Kafka tests (tests/support/kafka_broker.py,
# one node in KRaft mode): the fixture tests `kafka_broker_start` /
# `kafka_broker_stop` (tests/CMakeLists.txt) start it once per ctest run, in
# this build tree, and stop it after the last test that needs it.
set(STARLING_KAFKA_BROKER_DIR ${CMAKE_BINARY_DIR}/test-tmp/kafka-broker)

# starling_uses_kafka_broker(TEST [KILLS_BROKER]) makes any registered test
# (a GoogleTest binary or a script) need the broker: it requires the fixture,
# finds it through STARLING_TEST_KAFKA (kafka.json; C++:
# tests/support/kafka_broker.h, Python: kafka_broker.from_env()) and a
# GoogleTest skip (no broker on this machine) counts as skipped, not passed.
# KILLS_BROKER: the test kills or restarts the broker (and starts it again
# before it ends), so it runs alone (RUN_SERIAL).
function(starling_uses_kafka_broker test)
  cmake_parse_arguments(ARG "KILLS_BROKER" "" "" ${ARGN})
  set_property(TEST ${test} APPEND PROPERTY FIXTURES_REQUIRED kafka_broker)
  set_property(TEST ${test} APPEND PROPERTY ENVIRONMENT
               "STARLING_TEST_KAFKA=${STARLING_KAFKA_BROKER_DIR}/kafka.json")
  set_property(TEST ${test} APPEND PROPERTY LABELS kafka)
  set_property(TEST ${test} PROPERTY SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
  if(ARG_KILLS_BROKER)
    set_property(TEST ${test} PROPERTY RUN_SERIAL TRUE)
  endif()
endfunction()

# starling_kafka_test(NAME SOURCES a_test.cc DEPS lib ... [KILLS_BROKER]):
# starling_test for a GoogleTest binary that talks to the real broker.
function(starling_kafka_test name)
  cmake_parse_arguments(ARG "KILLS_BROKER" "" "SOURCES;DEPS;LABELS" ${ARGN})
  starling_test(${name} SOURCES ${ARG_SOURCES} DEPS ${ARG_DEPS} simdjson::simdjson
                LABELS "${ARG_LABELS}")
  if(ARG_KILLS_BROKER)
    starling_uses_kafka_broker(${name} KILLS_BROKER)
  else()
    starling_uses_kafka_broker(${name})
  endif()
endfunction()

# starling_uses_rdkafka(TEST): a test binary that drives librdkafka itself
# (the Kafka tests and their mock cluster). Under TSan it also gets
# tests/support/tsan_c11_threads.cc (librdkafka's C11 threads would
# otherwise start unseen by GCC's ThreadSanitizer and crash) and the
# suppressions of tests/support/tsan_rdkafka.supp (races inside librdkafka,
# which is not instrumented).
function(starling_uses_rdkafka test)
  target_link_libraries(${test} PRIVATE PkgConfig::RDKAFKA)
  if(STARLING_SANITIZE STREQUAL "thread")
    target_sources(${test} PRIVATE ${PROJECT_SOURCE_DIR}/tests/support/tsan_c11_threads.cc)
    set_property(TEST ${test} APPEND PROPERTY ENVIRONMENT
                 "TSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/support/tsan_rdkafka.supp")
  endif()
endfunction()
