// File: source/kafka/client.cc
#include "source/kafka/client.h"

#include <algorithm>

#include "common/log.h"

namespace starling::source::kafka {

std::string Brokers(const spec::Spec& spec) {
  std::string out;
  for (const std::string& h : spec.hosts) {
    if (!out.empty()) out += ',';
    out += h;
  }
  return out;
}

Status SetProperties(rd_kafka_conf_t* conf,
                     std::span<const std::pair<std::string, std::string>> properties,
                     std::span<const std::string_view> reserved, std::string_view what) {
  char err[512];
  for (const auto& [name, value] : properties) {
    if (std::find(reserved.begin(), reserved.end(), name) != reserved.end()) {
      return InvalidArgument(std::string(what) + ": rdkafka." + name +
                             " is set by Starling and cannot be changed (docs/kafka.md)");
    }
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      // librdkafka's message quotes the value: not shown for a secret.
      return InvalidArgument(
          std::string(what) + ": rdkafka." + name + ": " +
          (spec::IsSecretName(name) ? std::string("invalid value (hidden)") : std::string(err)));
    }
  }
  return Status::Ok();
}

void RouteLogs(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_log_cb(
      conf, [](const rd_kafka_t*, int level, const char* facility, const char* text) {
        log::Debug("librdkafka {} [{}]: {}", level, facility, text);
      });
}

std::string ErrorText(rd_kafka_resp_err_t err) { return rd_kafka_err2str(err); }

}  // namespace starling::source::kafka
