// File: source/kafka/client.h
// What the Kafka source needs of librdkafka's C API beyond one call: owning
// handles, and a configuration built from a spec (its brokers, and the
// rdkafka.NAME=VALUE parameters a user passes through). The only files that
// include rdkafka.h are this folder's and connectors/kafka_source.cc.
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/spec.h"
#include "common/status.h"

namespace starling::source::kafka {

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using Conf = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
using Message = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

// "h1:9092,h2:9092": the spec's hosts, as bootstrap.servers takes them.
std::string Brokers(const spec::Spec& spec);

// Sets `properties` (name, value) on `conf`, in order. A name in `reserved`
// (properties the connector's guarantees rest on) is refused. Errors quote
// `what` (the redacted spec) and never a secret property's value.
Status SetProperties(rd_kafka_conf_t* conf,
                     std::span<const std::pair<std::string, std::string>> properties,
                     std::span<const std::string_view> reserved, std::string_view what);

// librdkafka's own log lines go to Starling's log (debug level: what matters
// reaches the user as an error or through Health), not straight to stderr.
void RouteLogs(rd_kafka_conf_t* conf);

// librdkafka's name for an error, and its text: "Local: Broker transport failure".
std::string ErrorText(rd_kafka_resp_err_t err);

}  // namespace starling::source::kafka
