// File: source/kafka/cluster.cc
#include "source/kafka/cluster.h"

#include <algorithm>
#include <iterator>
#include <set>

#include "source/kafka/client.h"

namespace starling::source::kafka {
namespace {

int Ms(std::chrono::milliseconds d) { return static_cast<int>(d.count()); }

// A consumer handle on the cluster; `group` empty: one that only assigns.
Result<Handle> NewConsumer(const ClusterOptions& o, const std::string& group,
                           void (*rebalance)(rd_kafka_t*, rd_kafka_resp_err_t,
                                             rd_kafka_topic_partition_list_t*, void*),
                           void* opaque) {
  Conf conf(rd_kafka_conf_new());
  const std::pair<std::string, std::string> mine[] = {
      {"bootstrap.servers", o.brokers},
      {"client.id", "starling"},
      {"group.id", group.empty() ? std::string("starling.assign") : group},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      {"partition.assignment.strategy", "cooperative-sticky"}};
  STARLING_RETURN_IF_ERROR(SetProperties(conf.get(), mine, {}, o.describe));
  STARLING_RETURN_IF_ERROR(SetProperties(conf.get(), o.properties, {}, o.describe));
  RouteLogs(conf.get());
  if (rebalance != nullptr) rd_kafka_conf_set_rebalance_cb(conf.get(), rebalance);
  rd_kafka_conf_set_opaque(conf.get(), opaque);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), err, sizeof err);
  if (rk == nullptr) return InvalidArgument(o.describe + ": " + err);
  conf.release();
  rd_kafka_poll_set_consumer(rk);
  return Handle(rk);
}

Result<std::vector<std::int32_t>> Partitions(rd_kafka_t* rk, const ClusterOptions& o,
                                             const std::string& topic, bool missing_is_empty) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, Ms(o.timeout));
  rd_kafka_topic_destroy(rkt);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Unavailable(o.describe + ": no metadata from brokers " + o.brokers + ": " +
                       ErrorText(err));
  }
  std::unique_ptr<const rd_kafka_metadata_t, void (*)(const rd_kafka_metadata_t*)> hold(
      md, rd_kafka_metadata_destroy);
  std::vector<std::int32_t> out;
  if (md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR ||
      md->topics[0].partition_cnt == 0) {
    if (missing_is_empty) return out;
    return NotFound(o.describe + ": topic '" + topic + "' not found on brokers " + o.brokers);
  }
  for (int i = 0; i < md->topics[0].partition_cnt; ++i) {
    out.push_back(md->topics[0].partitions[i].id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

struct GroupMember::Impl {
  ClusterOptions options;
  std::string topic;
  Handle rk;
  std::vector<std::int32_t> partitions;
  std::uint64_t rebalances = 0;
  bool synced = false;  // a rebalance callback came (the first join is complete)
  std::set<std::int32_t> held;
  Change pending;  // filled by the rebalance callback, inside Poll
  std::function<void(const std::vector<std::int32_t>&)> on_revoke;

  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* list, void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    ++self->rebalances;
    self->synced = true;
    const bool cooperative = std::string_view(rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE";
    rd_kafka_error_t* error = nullptr;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      for (int i = 0; i < list->cnt; ++i) {
        self->pending.events.push_back({true, list->elems[i].partition});
        self->held.insert(list->elems[i].partition);
      }
      error = cooperative ? rd_kafka_incremental_assign(rk, list) : nullptr;
      if (!cooperative) (void)rd_kafka_assign(rk, list);
      // Never read here: the partitions' work reads them on its own.
      (void)rd_kafka_pause_partitions(rk, list);
    } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
      std::vector<std::int32_t> revoked;
      for (int i = 0; i < list->cnt; ++i) {
        const std::int32_t p = list->elems[i].partition;
        self->held.erase(p);
        // Assigned and revoked within one Poll (several rebalances): the
        // caller never saw it, and need not start work on it.
        auto& events = self->pending.events;
        const auto assigned = std::find_if(events.rbegin(), events.rend(),
                                           [p](const Event& e) { return e.partition == p; });
        if (assigned != events.rend() && assigned->assigned) {
          events.erase(std::next(assigned).base());
          continue;
        }
        events.push_back({false, p});
        revoked.push_back(p);
      }
      // Given up, not lost: done with them before the group hands them on.
      if (self->on_revoke && !revoked.empty() && rd_kafka_assignment_lost(rk) == 0) {
        self->on_revoke(revoked);
      }
      error = cooperative ? rd_kafka_incremental_unassign(rk, list) : nullptr;
      if (!cooperative) (void)rd_kafka_assign(rk, nullptr);
    } else {
      for (std::int32_t p : self->held) self->pending.events.push_back({false, p});
      self->held.clear();
      (void)rd_kafka_assign(rk, nullptr);
    }
    if (error != nullptr) rd_kafka_error_destroy(error);
  }
};

GroupMember::GroupMember(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

GroupMember::~GroupMember() {
  if (!impl_ || !impl_->rk) return;
  // librdkafka before 2.3.0 aborts when a cooperative-sticky member is
  // closed before its first assignment (confluentinc/librdkafka#4312): let
  // the join finish first (bounded), and if it never does, leave the handle
  // to the process's exit rather than abort.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!impl_->synced && std::chrono::steady_clock::now() < deadline) {
    Message m(rd_kafka_consumer_poll(impl_->rk.get(), 100));
  }
  if (!impl_->synced) {
    (void)impl_->rk.release();
    return;
  }
  (void)rd_kafka_consumer_close(impl_->rk.get());
  impl_->rk.reset();
}

Result<std::unique_ptr<GroupMember>> GroupMember::Open(const ClusterOptions& options,
                                                       const std::string& topic,
                                                       const std::string& group) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->topic = topic;
  STARLING_ASSIGN_OR_RETURN(impl->rk, NewConsumer(options, group, &Impl::OnRebalance, impl.get()));
  STARLING_ASSIGN_OR_RETURN(impl->partitions,
                            Partitions(impl->rk.get(), options, topic, /*missing_is_empty=*/false));
  PartitionList topics(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(topics.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  const rd_kafka_resp_err_t err = rd_kafka_subscribe(impl->rk.get(), topics.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Unavailable(options.describe + ": cannot join group '" + group + "': " + ErrorText(err));
  }
  return std::unique_ptr<GroupMember>(new GroupMember(std::move(impl)));
}

Result<GroupMember::Change> GroupMember::Poll(std::chrono::milliseconds wait) {
  // A paused consumer hands out no message: the poll serves the group.
  Message m(rd_kafka_consumer_poll(impl_->rk.get(), Ms(wait)));
  char err[512];
  if (rd_kafka_fatal_error(impl_->rk.get(), err, sizeof err) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Unavailable(impl_->options.describe + ": fatal group error: " + err);
  }
  Change out = std::move(impl_->pending);
  impl_->pending = {};
  return out;
}

void GroupMember::SetOnRevoke(std::function<void(const std::vector<std::int32_t>&)> on_revoke) {
  impl_->on_revoke = std::move(on_revoke);
}

const std::vector<std::int32_t>& GroupMember::partitions() const { return impl_->partitions; }
std::uint64_t GroupMember::rebalances() const { return impl_->rebalances; }

Result<std::vector<std::int32_t>> TopicPartitions(const ClusterOptions& options,
                                                  const std::string& topic) {
  STARLING_ASSIGN_OR_RETURN(Handle rk, NewConsumer(options, {}, nullptr, nullptr));
  return Partitions(rk.get(), options, topic, /*missing_is_empty=*/false);
}

Result<std::map<std::string, std::string>> ReadLatestByKey(const ClusterOptions& options,
                                                           const std::string& topic) {
  // A state may be as large as the topic allows (100 MB): room for it.
  ClusterOptions o = options;
  o.properties.emplace_back("receive.message.max.bytes", "210000000");
  STARLING_ASSIGN_OR_RETURN(Handle rk, NewConsumer(o, {}, nullptr, nullptr));
  STARLING_ASSIGN_OR_RETURN(std::vector<std::int32_t> partitions,
                            Partitions(rk.get(), options, topic, /*missing_is_empty=*/true));
  std::map<std::string, std::string> out;
  std::map<std::int32_t, std::int64_t> end;
  PartitionList assign(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (std::int32_t p : partitions) {
    std::int64_t low = 0, high = 0;
    const rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
        rk.get(), topic.c_str(), p, &low, &high, Ms(options.timeout));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Unavailable(options.describe + ": no offsets of " + topic + "/" + std::to_string(p) +
                         ": " + ErrorText(err));
    }
    if (high <= low) continue;
    end[p] = high;
    rd_kafka_topic_partition_list_add(assign.get(), topic.c_str(), p)->offset = low;
  }
  if (end.empty()) return out;
  if (rd_kafka_assign(rk.get(), assign.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Unavailable(options.describe + ": cannot read " + topic);
  }
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  while (!end.empty()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return Unavailable(options.describe + ": " + topic + " was not read to its end within " +
                         std::to_string(options.timeout.count() / 1000) + " s");
    }
    Message m(rd_kafka_consumer_poll(rk.get(), 100));
    if (!m) continue;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
      continue;  // transient (a broker down): librdkafka retries; the deadline bounds it
    }
    const auto at = end.find(m->partition);
    if (at == end.end()) continue;
    if (m->key != nullptr) {
      std::string key(static_cast<const char*>(m->key), m->key_len);
      if (m->payload == nullptr) {
        out.erase(key);  // a tombstone: the key was deleted
      } else {
        out[std::move(key)] = std::string(static_cast<const char*>(m->payload), m->len);
      }
    }
    if (m->offset + 1 >= at->second) end.erase(at);
  }
  return out;
}

Status EnsureTopic(const ClusterOptions& options, const std::string& topic, int partitions,
                   const std::vector<std::pair<std::string, std::string>>& config) {
  STARLING_ASSIGN_OR_RETURN(Handle rk, NewConsumer(options, {}, nullptr, nullptr));
  auto existing = Partitions(rk.get(), options, topic, /*missing_is_empty=*/true);
  if (existing.ok() && !existing->empty()) {
    if (static_cast<int>(existing->size()) != partitions) {
      return InvalidArgument(options.describe + ": topic " + topic + " exists with " +
                             std::to_string(existing->size()) + " partitions; it needs " +
                             std::to_string(partitions) + " (delete it, or use another group)");
    }
    return Status::Ok();
  }
  char err[512];
  rd_kafka_NewTopic_t* t =
      rd_kafka_NewTopic_new(topic.c_str(), partitions, /*replication_factor=*/-1, err, sizeof err);
  if (t == nullptr) return InvalidArgument(options.describe + ": topic " + topic + ": " + err);
  for (const auto& [name, value] : config) {
    (void)rd_kafka_NewTopic_set_config(t, name.c_str(), value.c_str());
  }
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk.get());
  rd_kafka_CreateTopics(rk.get(), &t, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, Ms(options.timeout));
  Status st = Status::Ok();
  if (ev == nullptr) {
    st = Unavailable(options.describe + ": no answer to creating topic " + topic);
  } else {
    const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
    std::size_t n = 0;
    const rd_kafka_topic_result_t** results =
        res != nullptr ? rd_kafka_CreateTopics_result_topics(res, &n) : nullptr;
    if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      st = Unavailable(options.describe + ": creating topic " + topic + ": " +
                       rd_kafka_event_error_string(ev));
    } else if (n == 1 && rd_kafka_topic_result_error(results[0]) != RD_KAFKA_RESP_ERR_NO_ERROR &&
               rd_kafka_topic_result_error(results[0]) != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      st = Unavailable(options.describe + ": creating topic " + topic + ": " +
                       ErrorText(rd_kafka_topic_result_error(results[0])));
    }
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(t);
  return st;
}

}  // namespace starling::source::kafka
