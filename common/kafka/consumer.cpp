#include "common/kafka/consumer.hpp"

#include <librdkafka/rdkafkacpp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "common/kafka/detail.hpp"

namespace analytics::kafka {
namespace {

std::vector<TopicPartition> to_plain(const std::vector<RdKafka::TopicPartition*>& parts) {
  std::vector<TopicPartition> out;
  out.reserve(parts.size());
  for (const auto* p : parts) out.push_back({p->topic(), p->partition(), p->offset()});
  return out;
}

class Rebalancer : public RdKafka::RebalanceCb {
 public:
  explicit Rebalancer(Consumer::Callbacks cbs) : cbs_(std::move(cbs)) {}

  // Runs inside librdkafka's C frames: nothing may escape. If the owner's callback fails, the
  // assignment is still made (or dropped), so the group never waits on this member.
  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      auto plain = to_plain(partitions);
      for (auto& p : plain) p.offset = TopicPartition::kOffsetBeginning;
      try {
        if (cbs_.on_assign) cbs_.on_assign(plain);
      } catch (const std::exception& e) {
        spdlog::error("on_assign failed, starting from the beginning error={}", e.what());
      }
      for (size_t i = 0; i < partitions.size(); ++i) partitions[i]->set_offset(plain[i].offset);
      consumer->assign(partitions);
      spdlog::info("partitions assigned count={}", partitions.size());
    } else {
      try {
        if (cbs_.on_revoke) cbs_.on_revoke(to_plain(partitions));
      } catch (const std::exception& e) {
        spdlog::error("on_revoke failed error={}", e.what());
      }
      consumer->unassign();
      spdlog::info("partitions revoked count={}", partitions.size());
    }
  }

 private:
  Consumer::Callbacks cbs_;
};

/// librdkafka's default heartbeat (3 s) expires any session shorter than ~3 s, and it does not
/// check the pair: beat three times per session, as Kafka's own guidance says.
void derive_heartbeat(Properties& props) {
  auto session = props.find("session.timeout.ms");
  if (session == props.end() || props.count("heartbeat.interval.ms") != 0) return;
  long long ms = 0;
  try {
    ms = std::stoll(session->second);
  } catch (const std::exception&) {
    return;  // librdkafka names the bad value when the configuration is applied
  }
  props["heartbeat.interval.ms"] = std::to_string(std::clamp(ms / 3, 1LL, 3000LL));
}

}  // namespace

std::string Message::header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "";
}

Consumer::Consumer(const Properties& props, const std::vector<std::string>& topics,
                   Callbacks callbacks)
    : on_error_(callbacks.on_error),
      rebalance_cb_(std::make_unique<Rebalancer>(std::move(callbacks))),
      topics_(topics) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  Properties effective = props;
  derive_heartbeat(effective);
  // Positions live with the data (PostgreSQL), never in Kafka's committed offsets.
  effective["enable.auto.commit"] = "false";
  effective["enable.auto.offset.store"] = "false";
  effective["enable.partition.eof"] = "false";
  // librdkafka's default for consumers, stated so that no version or override changes it:
  // subscribing never creates a topic.
  effective["allow.auto.create.topics"] = "false";
  detail::apply(*conf, effective);
  std::string err;
  if (conf->set("rebalance_cb", rebalance_cb_.get(), err) != RdKafka::Conf::CONF_OK) {
    throw KafkaError("cannot set rebalance callback: " + err, false);
  }
  consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer_) throw KafkaError("cannot create consumer: " + err, false);
  auto setting = [&effective](const char* key) {
    auto it = effective.find(key);
    return it == effective.end() ? std::string("default") : it->second;
  };
  spdlog::info(
      "consumer joining group={} client_id={} group_instance_id={} session_timeout_ms={} "
      "heartbeat_interval_ms={} max_poll_interval_ms={}",
      setting("group.id"), setting("client.id"), setting("group.instance.id"),
      setting("session.timeout.ms"), setting("heartbeat.interval.ms"),
      setting("max.poll.interval.ms"));
  RdKafka::ErrorCode sub = consumer_->subscribe(topics);
  if (sub != RdKafka::ERR_NO_ERROR) {
    throw KafkaError("subscribe failed: " + RdKafka::err2str(sub), false);
  }
}

Consumer::~Consumer() { close(); }

std::vector<Message> Consumer::poll_batch(size_t max_messages, int max_wait_ms) {
  std::vector<Message> out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(max_wait_ms);
  while (out.size() < max_messages) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) break;
    std::unique_ptr<RdKafka::Message> msg(consumer_->consume(static_cast<int>(left)));
    switch (msg->err()) {
      case RdKafka::ERR_NO_ERROR: {
        Message m;
        m.topic = msg->topic_name();
        m.partition = msg->partition();
        m.offset = msg->offset();
        if (msg->key()) m.key = *msg->key();
        m.payload.assign(static_cast<const char*>(msg->payload()), msg->len());
        m.timestamp_ms = msg->timestamp().timestamp;
        if (RdKafka::Headers* hs = msg->headers()) {
          for (const auto& h : hs->get_all()) {
            m.headers.emplace_back(
                h.key(), std::string(static_cast<const char*>(h.value()), h.value_size()));
          }
        }
        out.push_back(std::move(m));
        break;
      }
      case RdKafka::ERR__TIMED_OUT:
      case RdKafka::ERR__PARTITION_EOF:
        return out;
      default:
        if (msg->err() == RdKafka::ERR__FATAL) {
          throw FatalKafkaError("fatal consumer error: " + msg->errstr());
        }
        if (msg->err() == RdKafka::ERR__MAX_POLL_EXCEEDED) {
          // librdkafka left the group because the owner did not poll in time (a batch
          // outlasted max.poll.interval.ms); the next poll rejoins.
          std::string what = "left the consumer group: " + msg->errstr() +
                             " (a batch took longer than max.poll.interval.ms; rejoining)";
          spdlog::warn("consumer error: {}", what);
          if (on_error_) on_error_(what);
          return out;
        }
        if (msg->err() == RdKafka::ERR__AUTO_OFFSET_RESET) {
          // auto.offset.reset=error: the position is outside the log; never skip silently.
          std::string what = "offset out of range on " + msg->topic_name() + "/" +
                             std::to_string(msg->partition()) + ": " + msg->errstr();
          spdlog::error("consumer error: {}", what);
          if (on_error_) on_error_(what);
          return out;
        }
        // Transient (broker down, rebalance in progress): librdkafka recovers by itself.
        spdlog::warn("consumer error: {}", msg->errstr());
        return out;
    }
  }
  return out;
}

void Consumer::assign(const std::vector<TopicPartition>& partitions) {
  std::vector<RdKafka::TopicPartition*> list;
  for (const auto& p : partitions) {
    list.push_back(RdKafka::TopicPartition::create(p.topic, p.partition, p.offset));
  }
  RdKafka::ErrorCode err = consumer_->assign(list);
  RdKafka::TopicPartition::destroy(list);
  if (err != RdKafka::ERR_NO_ERROR) {
    throw KafkaError("assign failed: " + RdKafka::err2str(err), detail::is_retryable(err));
  }
}

std::optional<int64_t> Consumer::cached_high_watermark(const std::string& topic,
                                                       int32_t partition) {
  int64_t low = -1, high = -1;
  if (consumer_->get_watermark_offsets(topic, partition, &low, &high) != RdKafka::ERR_NO_ERROR ||
      high < 0) {
    return std::nullopt;
  }
  return high;
}

std::optional<std::pair<int64_t, int64_t>> Consumer::watermarks(const std::string& topic,
                                                                int32_t partition, int timeout_ms) {
  int64_t low = 0, high = 0;
  RdKafka::ErrorCode err =
      consumer_->query_watermark_offsets(topic, partition, &low, &high, timeout_ms);
  if (err != RdKafka::ERR_NO_ERROR) return std::nullopt;
  return std::make_pair(low, high);
}

std::vector<TopicPartition> Consumer::end_offsets(std::vector<TopicPartition> partitions,
                                                  int timeout_ms) {
  // ListOffsets with timestamp -1 (OFFSET_END) answers each partition's log-end offset, for
  // all of them in one request per leader, whoever owns them in the group.
  std::vector<RdKafka::TopicPartition*> list;
  for (const auto& p : partitions) {
    list.push_back(
        RdKafka::TopicPartition::create(p.topic, p.partition, RdKafka::Topic::OFFSET_END));
  }
  RdKafka::ErrorCode err = consumer_->offsetsForTimes(list, timeout_ms);
  for (size_t i = 0; i < list.size(); ++i) {
    partitions[i].offset = list[i]->err() == RdKafka::ERR_NO_ERROR ? list[i]->offset() : -1;
  }
  RdKafka::TopicPartition::destroy(list);
  if (err != RdKafka::ERR_NO_ERROR) {
    throw KafkaError("end offsets: " + RdKafka::err2str(err), detail::is_retryable(err));
  }
  return partitions;
}

std::vector<TopicPartition> Consumer::assignment() {
  std::vector<RdKafka::TopicPartition*> list;
  RdKafka::ErrorCode err = consumer_->assignment(list);
  std::vector<TopicPartition> out;
  if (err == RdKafka::ERR_NO_ERROR) out = to_plain(list);
  RdKafka::TopicPartition::destroy(list);
  if (err != RdKafka::ERR_NO_ERROR) {
    throw KafkaError("assignment: " + RdKafka::err2str(err), detail::is_retryable(err));
  }
  for (auto& p : out) p.offset = TopicPartition::kOffsetBeginning;
  return out;
}

std::vector<std::string> Consumer::missing_topics(const std::vector<std::string>& topics,
                                                  int timeout_ms) {
  return detail::missing_topics(*consumer_, topics, timeout_ms);
}

void Consumer::resubscribe() {
  RdKafka::ErrorCode err = consumer_->subscribe(topics_);
  if (err != RdKafka::ERR_NO_ERROR) {
    throw KafkaError("subscribe failed: " + RdKafka::err2str(err), detail::is_retryable(err));
  }
}

void Consumer::close() {
  if (closed_ || !consumer_) return;
  closed_ = true;
  consumer_->close();
}

}  // namespace analytics::kafka
