#include "connectors/kafka/kafka_client.h"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>

#include "connectors/kafka/rdkafka_util.h"
#include "engine/base/status.h"

namespace weir::connectors::kafka {
namespace {

using internal::ErrorStatus;
using internal::HandlePtr;
using internal::MessagePtr;
using internal::TopicPartitionListPtr;

int ToMillis(std::chrono::milliseconds timeout) {
  return static_cast<int>(std::max<int64_t>(0, timeout.count()));
}

// Client-wide error events (librdkafka's error_cb): remembers that every
// broker was found down, and the first fatal error. error_cb runs on
// whichever thread serves the handle's main queue, hence the lock.
class ErrorTracker {
 public:
  static void OnError(rd_kafka_t* rk, int err, const char* reason,
                      void* opaque) {
    static_cast<ErrorTracker*>(opaque)->Record(rk, err, reason);
  }

  // Installs OnError on `conf` with this tracker as the opaque.
  void Install(rd_kafka_conf_t* conf) {
    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_error_cb(conf, &OnError);
  }

  // The "all brokers down" report since the last call, if any, as
  // Unavailable naming `bootstrap`; clears it.
  std::optional<absl::Status> TakeBrokersDown(const std::string& bootstrap) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!brokers_down_) return std::nullopt;
    brokers_down_ = false;
    return absl::Status(
        absl::StatusCode::kUnavailable,
        fmt::format("kafka: cannot reach any broker of '{}': {}", bootstrap,
                    brokers_down_reason_));
  }

  absl::Status Fatal() const {
    std::lock_guard<std::mutex> lock(mu_);
    return fatal_;
  }

 private:
  void Record(rd_kafka_t* rk, int err, const char* reason) {
    std::lock_guard<std::mutex> lock(mu_);
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      char detail[512];
      rd_kafka_resp_err_t orig =
          rd_kafka_fatal_error(rk, detail, sizeof detail);
      if (fatal_.ok()) {
        fatal_ = absl::Status(absl::StatusCode::kInternal,
                              fmt::format("kafka: fatal client error: {}: {}",
                                          rd_kafka_err2name(orig), detail));
      }
    } else if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
               err == RD_KAFKA_RESP_ERR__RESOLVE) {
      brokers_down_ = true;
      brokers_down_reason_ = reason;
    } else if (err == RD_KAFKA_RESP_ERR__TRANSPORT && !brokers_down_) {
      brokers_down_reason_ = reason;
    }
  }

  mutable std::mutex mu_;
  bool brokers_down_ = false;
  std::string brokers_down_reason_;
  absl::Status fatal_;
};

// After a call that failed with `err`, the most useful status: when the
// brokers were reported down, Unavailable naming them; else `err`.
absl::Status CallError(rd_kafka_t* rk, ErrorTracker& tracker,
                       rd_kafka_resp_err_t err, const std::string& bootstrap,
                       const std::string& context) {
  rd_kafka_poll(rk, 0);  // serves pending error events into the tracker
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT ||
      err == RD_KAFKA_RESP_ERR__TRANSPORT) {
    if (std::optional<absl::Status> down = tracker.TakeBrokersDown(bootstrap)) {
      return absl::Status(
          down->code(),
          fmt::format("{} ({})", std::string(down->message()), context));
    }
  }
  return ErrorStatus(err, fmt::format("{} from '{}'", context, bootstrap));
}

absl::StatusOr<Watermarks> QueryWatermarks(rd_kafka_t* rk,
                                           ErrorTracker& tracker,
                                           const std::string& bootstrap,
                                           const std::string& topic,
                                           int32_t partition,
                                           std::chrono::milliseconds timeout) {
  Watermarks marks;
  rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
      rk, topic.c_str(), partition, &marks.low, &marks.high, ToMillis(timeout));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return CallError(
        rk, tracker, err, bootstrap,
        fmt::format("watermarks of topic '{}' partition {}", topic, partition));
  }
  return marks;
}

}  // namespace

absl::StatusOr<KafkaConfig> ConfigFromOptions(
    const std::vector<std::pair<std::string, std::string>>& options) {
  constexpr std::string_view kPrefix = "properties.";
  KafkaConfig config;
  for (const auto& [key, value] : options) {
    if (key == "bootstrap.servers") {
      config[key] = value;
    } else if (key.size() >= kPrefix.size() &&
               key.compare(0, kPrefix.size(), kPrefix) == 0) {
      std::string name = key.substr(kPrefix.size());
      if (name.empty()) {
        return absl::Status(absl::StatusCode::kInvalidArgument,
                            "kafka: 'properties.' needs a property name");
      }
      config[name] = value;
    }
  }
  return config;
}

// ---------------------------------------------------------------- producer

struct KafkaProducer::Impl {
  std::string bootstrap;
  ErrorTracker tracker;
  std::atomic<int64_t> queued{0};
  std::atomic<int64_t> delivered{0};
  std::atomic<int64_t> failed{0};
  mutable std::mutex mu;
  absl::Status first_error;  // guarded by mu
  HandlePtr rk;              // last: destroyed first

  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* message,
                         void* opaque) {
    auto* impl = static_cast<Impl*>(opaque);
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      impl->delivered.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    impl->failed.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(impl->mu);
    if (impl->first_error.ok()) {
      impl->first_error = ErrorStatus(
          message->err,
          fmt::format("delivery to topic '{}' partition {} at '{}' failed",
                      rd_kafka_topic_name(message->rkt), message->partition,
                      impl->bootstrap));
    }
  }

  absl::Status FirstError() const {
    absl::Status fatal = tracker.Fatal();
    if (!fatal.ok()) return fatal;
    std::lock_guard<std::mutex> lock(mu);
    return first_error;
  }
};

KafkaProducer::KafkaProducer(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

KafkaProducer::~KafkaProducer() {
  if (impl_ && impl_->rk) {
    rd_kafka_purge(impl_->rk.get(),
                   RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(impl_->rk.get(), 0);
    impl_->rk.reset();
  }
}

absl::StatusOr<std::unique_ptr<KafkaProducer>> KafkaProducer::Create(
    const KafkaConfig& config) {
  auto impl = std::make_unique<Impl>();
  impl->bootstrap = internal::BootstrapOf(config);
  KafkaConfig effective = config;
  effective.emplace("enable.idempotence", "true");
  WEIR_ASSIGN_OR_RETURN(internal::ConfPtr conf, internal::MakeConf(effective));
  rd_kafka_conf_set_opaque(conf.get(), impl.get());
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &Impl::OnDelivery);
  // Both callbacks share the opaque: the tracker is reached through Impl.
  rd_kafka_conf_set_error_cb(conf.get(), [](rd_kafka_t* rk, int err,
                                            const char* reason, void* op) {
    ErrorTracker::OnError(rk, err, reason, &static_cast<Impl*>(op)->tracker);
  });
  WEIR_ASSIGN_OR_RETURN(
      impl->rk, internal::NewHandle(RD_KAFKA_PRODUCER, std::move(conf)));
  return std::unique_ptr<KafkaProducer>(new KafkaProducer(std::move(impl)));
}

absl::Status KafkaProducer::Produce(std::string_view topic, int32_t partition,
                                    std::optional<std::string_view> key,
                                    std::optional<std::string_view> value,
                                    const std::vector<KafkaHeader>& headers,
                                    int64_t timestamp_ms) {
  WEIR_RETURN_IF_ERROR(impl_->FirstError());
  const std::string topic_name(topic);
  for (;;) {
    rd_kafka_vu_t vus[7];
    size_t n = 0;
    vus[n].vtype = RD_KAFKA_VTYPE_TOPIC;
    vus[n++].u.cstr = topic_name.c_str();
    vus[n].vtype = RD_KAFKA_VTYPE_PARTITION;
    vus[n++].u.i32 = partition < 0 ? RD_KAFKA_PARTITION_UA : partition;
    vus[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    vus[n++].u.i = RD_KAFKA_MSG_F_COPY;
    if (key) {
      vus[n].vtype = RD_KAFKA_VTYPE_KEY;
      vus[n].u.mem.ptr = const_cast<char*>(key->data());
      vus[n++].u.mem.size = key->size();
    }
    if (value) {
      vus[n].vtype = RD_KAFKA_VTYPE_VALUE;
      vus[n].u.mem.ptr = const_cast<char*>(value->data());
      vus[n++].u.mem.size = value->size();
    }
    if (timestamp_ms != 0) {
      vus[n].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
      vus[n++].u.i64 = timestamp_ms;
    }
    // librdkafka takes the header list only when the record is accepted.
    internal::HeadersPtr header_list;
    if (!headers.empty()) {
      header_list.reset(rd_kafka_headers_new(headers.size()));
      for (const KafkaHeader& header : headers) {
        rd_kafka_header_add(
            header_list.get(), header.key.data(),
            static_cast<ssize_t>(header.key.size()),
            header.value ? header.value->data() : nullptr,
            header.value ? static_cast<ssize_t>(header.value->size()) : 0);
      }
      vus[n].vtype = RD_KAFKA_VTYPE_HEADERS;
      vus[n++].u.headers = header_list.get();
    }
    rd_kafka_error_t* error = rd_kafka_produceva(impl_->rk.get(), vus, n);
    if (error == nullptr) {
      header_list.release();
      impl_->queued.fetch_add(1, std::memory_order_relaxed);
      rd_kafka_poll(impl_->rk.get(), 0);
      return absl::OkStatus();
    }
    const rd_kafka_resp_err_t err = rd_kafka_error_code(error);
    const std::string message = rd_kafka_error_string(error);
    rd_kafka_error_destroy(error);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      // Never drop: serve delivery reports until there is room.
      rd_kafka_poll(impl_->rk.get(), 50);
      WEIR_RETURN_IF_ERROR(impl_->FirstError());
      continue;
    }
    absl::StatusCode code = internal::CodeFor(err);
    if (code == absl::StatusCode::kNotFound) {
      code = absl::StatusCode::kInvalidArgument;
    }
    return absl::Status(
        code, fmt::format("kafka: cannot produce to topic '{}' partition {}: "
                          "{}",
                          topic_name, partition, message));
  }
}

absl::Status KafkaProducer::Flush(std::chrono::milliseconds timeout) {
  rd_kafka_resp_err_t err = rd_kafka_flush(impl_->rk.get(), ToMillis(timeout));
  WEIR_RETURN_IF_ERROR(impl_->FirstError());
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
    std::string why;
    if (std::optional<absl::Status> down =
            impl_->tracker.TakeBrokersDown(impl_->bootstrap)) {
      why = fmt::format(" ({})", std::string(down->message()));
    }
    return absl::Status(
        absl::StatusCode::kDeadlineExceeded,
        fmt::format("kafka: {} record(s) still undelivered to '{}' after {} "
                    "ms{}",
                    InFlight(), impl_->bootstrap, timeout.count(), why));
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return ErrorStatus(err, fmt::format("flush to '{}'", impl_->bootstrap));
  }
  return absl::OkStatus();
}

absl::Status KafkaProducer::Poll() {
  rd_kafka_poll(impl_->rk.get(), 0);
  return impl_->FirstError();
}

int64_t KafkaProducer::InFlight() const {
  return impl_->queued.load() - impl_->delivered.load() - impl_->failed.load();
}

int64_t KafkaProducer::Delivered() const { return impl_->delivered.load(); }

// ---------------------------------------------------------------- consumer

struct KafkaConsumer::Impl {
  std::string bootstrap;
  bool has_group = false;
  ErrorTracker tracker;
  std::optional<absl::Status> pending_error;
  // (topic, partition) -> the offset it was assigned at.
  std::map<std::pair<std::string, int32_t>, int64_t> assignment;
  // Partitions started by timestamp whose lookup the broker could not
  // answer: records before the timestamp are skipped until the first one
  // at or after it.
  std::map<std::pair<std::string, int32_t>, int64_t> skip_before;
  HandlePtr rk;  // last: destroyed first
};

KafkaConsumer::KafkaConsumer(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

KafkaConsumer::~KafkaConsumer() {
  if (impl_ && impl_->rk) {
    rd_kafka_consumer_close(impl_->rk.get());
    impl_->rk.reset();
  }
}

absl::StatusOr<std::unique_ptr<KafkaConsumer>> KafkaConsumer::Create(
    const KafkaConfig& config) {
  auto impl = std::make_unique<Impl>();
  impl->bootstrap = internal::BootstrapOf(config);
  impl->has_group = config.count("group.id") > 0;
  KafkaConfig effective = config;
  effective.emplace("enable.auto.commit", "false");
  // librdkafka's consumer needs a group.id even to assign partitions; a
  // private one is never committed under (Commit refuses without the
  // user's).
  if (!impl->has_group) {
    static std::atomic<int64_t> counter{0};
    effective["group.id"] =
        fmt::format("weir-private-{}-{}", static_cast<int64_t>(getpid()),
                    counter.fetch_add(1));
  }
  effective.emplace("enable.partition.eof", "false");
  WEIR_ASSIGN_OR_RETURN(internal::ConfPtr conf, internal::MakeConf(effective));
  impl->tracker.Install(conf.get());
  WEIR_ASSIGN_OR_RETURN(
      impl->rk, internal::NewHandle(RD_KAFKA_CONSUMER, std::move(conf)));
  // Error events and records then arrive through one queue, served by Poll.
  rd_kafka_poll_set_consumer(impl->rk.get());
  return std::unique_ptr<KafkaConsumer>(new KafkaConsumer(std::move(impl)));
}

absl::Status KafkaConsumer::Assign(const std::string& topic,
                                   const std::vector<int32_t>& partitions,
                                   StartOffset start,
                                   std::chrono::milliseconds timeout) {
  if (partitions.empty()) return absl::OkStatus();
  TopicPartitionListPtr list(
      rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (int32_t partition : partitions) {
    if (partition < 0) {
      return absl::Status(absl::StatusCode::kInvalidArgument,
                          fmt::format("kafka: bad partition {} of topic '{}'",
                                      partition, topic));
    }
    impl_->skip_before.erase({topic, partition});
    rd_kafka_topic_partition_t* entry =
        rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition);
    switch (start.kind) {
      case StartOffset::Kind::kEarliest:
        entry->offset = RD_KAFKA_OFFSET_BEGINNING;
        break;
      case StartOffset::Kind::kLatest:
        entry->offset = RD_KAFKA_OFFSET_END;
        break;
      case StartOffset::Kind::kOffset:
        if (start.value < 0) {
          return absl::Status(
              absl::StatusCode::kInvalidArgument,
              fmt::format("kafka: bad start offset {}", start.value));
        }
        entry->offset = start.value;
        break;
      case StartOffset::Kind::kTimestamp:
        entry->offset = start.value;  // replaced by offsets_for_times
        break;
      case StartOffset::Kind::kCommitted:
        entry->offset = RD_KAFKA_OFFSET_STORED;
        break;
    }
  }
  if (start.kind == StartOffset::Kind::kTimestamp) {
    rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(
        impl_->rk.get(), list.get(), ToMillis(timeout));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return CallError(impl_->rk.get(), impl_->tracker, err, impl_->bootstrap,
                       fmt::format("offsets of topic '{}' at timestamp {}",
                                   topic, start.value));
    }
    for (int i = 0; i < list->cnt; ++i) {
      const rd_kafka_topic_partition_t& entry = list->elems[i];
      if (entry.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return ErrorStatus(
            entry.err,
            fmt::format("offset of topic '{}' partition {} at timestamp {}",
                        topic, entry.partition, start.value));
      }
      if (entry.offset >= 0) continue;
      // -1: no record that late, so the partition end. But librdkafka's
      // mock cluster (the embedded broker) answers -1 to every timestamp
      // lookup; so for a non-empty partition, read from the start and skip
      // records before the timestamp here, in Poll. That is the broker's
      // rule (the first record at or after it), at the cost of a scan.
      WEIR_ASSIGN_OR_RETURN(
          Watermarks marks,
          QueryWatermarks(impl_->rk.get(), impl_->tracker, impl_->bootstrap,
                          topic, entry.partition, timeout));
      if (marks.high > marks.low) {
        list->elems[i].offset = marks.low;
        impl_->skip_before[{topic, entry.partition}] = start.value;
      } else {
        list->elems[i].offset = RD_KAFKA_OFFSET_END;
      }
    }
  }
  // rd_kafka_incremental_assign needs a group.id, so the whole assignment
  // is set again, each earlier partition from where it has got to.
  TopicPartitionListPtr full(rd_kafka_topic_partition_list_copy(list.get()));
  if (!impl_->assignment.empty()) {
    TopicPartitionListPtr current(rd_kafka_topic_partition_list_new(
        static_cast<int>(impl_->assignment.size())));
    for (const auto& [key, start_offset] : impl_->assignment) {
      rd_kafka_topic_partition_list_add(current.get(), key.first.c_str(),
                                        key.second);
    }
    rd_kafka_position(impl_->rk.get(), current.get());
    for (int i = 0; i < current->cnt; ++i) {
      const rd_kafka_topic_partition_t& entry = current->elems[i];
      if (rd_kafka_topic_partition_list_find(full.get(), entry.topic,
                                             entry.partition) != nullptr) {
        continue;  // assigned again: the new start wins
      }
      const int64_t offset =
          entry.err == RD_KAFKA_RESP_ERR_NO_ERROR && entry.offset >= 0
              ? entry.offset
              : impl_->assignment[{entry.topic, entry.partition}];
      rd_kafka_topic_partition_list_add(full.get(), entry.topic,
                                        entry.partition)
          ->offset = offset;
    }
  }
  rd_kafka_resp_err_t err = rd_kafka_assign(impl_->rk.get(), full.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return ErrorStatus(err, fmt::format("assign topic '{}'", topic));
  }
  impl_->assignment.clear();
  for (int i = 0; i < full->cnt; ++i) {
    impl_->assignment[{full->elems[i].topic, full->elems[i].partition}] =
        full->elems[i].offset;
  }
  return absl::OkStatus();
}

namespace {

KafkaMessage ToMessage(const rd_kafka_message_t& m) {
  KafkaMessage out;
  out.topic = rd_kafka_topic_name(m.rkt);
  out.partition = m.partition;
  out.offset = m.offset;
  if (m.key != nullptr) {
    out.key.emplace(static_cast<const char*>(m.key), m.key_len);
  }
  if (m.payload != nullptr) {
    out.value.emplace(static_cast<const char*>(m.payload), m.len);
  }
  rd_kafka_timestamp_type_t type;
  const int64_t ts = rd_kafka_message_timestamp(&m, &type);
  out.timestamp_ms = type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? -1 : ts;
  rd_kafka_headers_t* headers = nullptr;  // owned by the message
  if (rd_kafka_message_headers(&m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name;
    const void* value;
    size_t size;
    for (size_t i = 0;
         rd_kafka_header_get_all(headers, i, &name, &value, &size) ==
         RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      KafkaHeader header{name, std::nullopt};
      if (value != nullptr) {
        header.value.emplace(static_cast<const char*>(value), size);
      }
      out.headers.push_back(std::move(header));
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<KafkaMessage>> KafkaConsumer::Poll(
    size_t max_messages, std::chrono::milliseconds timeout) {
  if (impl_->pending_error) {
    absl::Status status = std::move(*impl_->pending_error);
    impl_->pending_error.reset();
    return status;
  }
  WEIR_RETURN_IF_ERROR(impl_->tracker.Fatal());
  std::vector<KafkaMessage> out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < max_messages) {
    int wait_ms = 0;
    if (out.empty()) {
      wait_ms = ToMillis(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()));
      // Wake up now and then to notice brokers reported down.
      wait_ms = std::min(wait_ms, 100);
    }
    MessagePtr message(rd_kafka_consumer_poll(impl_->rk.get(), wait_ms));
    if (message == nullptr) {
      if (!out.empty()) break;
      // Checked before the deadline so that a zero timeout still reports
      // an outage.
      if (std::optional<absl::Status> down =
              impl_->tracker.TakeBrokersDown(impl_->bootstrap)) {
        return *down;
      }
      if (std::chrono::steady_clock::now() >= deadline) break;
      continue;
    }
    if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* topic =
          message->rkt != nullptr ? rd_kafka_topic_name(message->rkt) : "";
      absl::Status status(
          internal::CodeFor(message->err),
          fmt::format("kafka: consuming topic '{}' partition {} from '{}': {}",
                      topic, message->partition, impl_->bootstrap,
                      rd_kafka_message_errstr(message.get())));
      if (out.empty()) return status;
      impl_->pending_error = std::move(status);
      break;
    }
    KafkaMessage record = ToMessage(*message);
    if (!impl_->skip_before.empty()) {
      auto skip = impl_->skip_before.find({record.topic, record.partition});
      if (skip != impl_->skip_before.end()) {
        if (record.timestamp_ms < skip->second) continue;
        impl_->skip_before.erase(skip);
      }
    }
    out.push_back(std::move(record));
  }
  return out;
}

absl::StatusOr<std::optional<int64_t>> KafkaConsumer::Position(
    const std::string& topic, int32_t partition) {
  TopicPartitionListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition);
  rd_kafka_resp_err_t err = rd_kafka_position(impl_->rk.get(), list.get());
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) err = list->elems[0].err;
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return ErrorStatus(err, fmt::format("position of topic '{}' partition {}",
                                        topic, partition));
  }
  const int64_t offset = list->elems[0].offset;
  if (offset < 0) return std::optional<int64_t>();
  return std::optional<int64_t>(offset);
}

absl::Status KafkaConsumer::Commit(const std::string& topic, int32_t partition,
                                   int64_t offset) {
  if (!impl_->has_group) {
    return absl::Status(absl::StatusCode::kFailedPrecondition,
                        "kafka: committing offsets needs 'group.id'");
  }
  TopicPartitionListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)
      ->offset = offset;
  rd_kafka_resp_err_t err =
      rd_kafka_commit(impl_->rk.get(), list.get(), /*async=*/0);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return CallError(
        impl_->rk.get(), impl_->tracker, err, impl_->bootstrap,
        fmt::format("commit of topic '{}' partition {}", topic, partition));
  }
  return absl::OkStatus();
}

absl::Status KafkaConsumer::CommitAsync(
    const std::string& topic,
    const std::vector<std::pair<int32_t, int64_t>>& offsets) {
  if (!impl_->has_group) {
    return absl::Status(absl::StatusCode::kFailedPrecondition,
                        "kafka: committing offsets needs 'group.id'");
  }
  if (offsets.empty()) return absl::OkStatus();
  TopicPartitionListPtr list(
      rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& [partition, offset] : offsets) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)
        ->offset = offset;
  }
  rd_kafka_resp_err_t err =
      rd_kafka_commit(impl_->rk.get(), list.get(), /*async=*/1);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return ErrorStatus(err, fmt::format("commit of topic '{}'", topic));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<int64_t>> KafkaConsumer::Committed(
    const std::string& topic, int32_t partition,
    std::chrono::milliseconds timeout) {
  if (!impl_->has_group) {
    return absl::Status(absl::StatusCode::kFailedPrecondition,
                        "kafka: committed offsets need 'group.id'");
  }
  TopicPartitionListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition);
  rd_kafka_resp_err_t err =
      rd_kafka_committed(impl_->rk.get(), list.get(), ToMillis(timeout));
  const std::string context = fmt::format(
      "committed offset of topic '{}' partition {}", topic, partition);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return CallError(impl_->rk.get(), impl_->tracker, err, impl_->bootstrap,
                     context);
  }
  if (list->elems[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return ErrorStatus(list->elems[0].err, context);
  }
  const int64_t offset = list->elems[0].offset;
  if (offset < 0) return std::optional<int64_t>();
  return std::optional<int64_t>(offset);
}

absl::StatusOr<Watermarks> KafkaConsumer::WatermarkOffsets(
    const std::string& topic, int32_t partition,
    std::chrono::milliseconds timeout) {
  return QueryWatermarks(impl_->rk.get(), impl_->tracker, impl_->bootstrap,
                         topic, partition, timeout);
}

// ------------------------------------------------------------------- admin

struct KafkaAdmin::Impl {
  std::string bootstrap;
  ErrorTracker tracker;
  HandlePtr rk;  // last: destroyed first
};

KafkaAdmin::KafkaAdmin(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KafkaAdmin::~KafkaAdmin() = default;

absl::StatusOr<std::unique_ptr<KafkaAdmin>> KafkaAdmin::Create(
    const KafkaConfig& config) {
  auto impl = std::make_unique<Impl>();
  impl->bootstrap = internal::BootstrapOf(config);
  KafkaConfig effective = config;
  // Metadata requests must never create the topics they ask about.
  effective.emplace("allow.auto.create.topics", "false");
  WEIR_ASSIGN_OR_RETURN(internal::ConfPtr conf, internal::MakeConf(effective));
  impl->tracker.Install(conf.get());
  WEIR_ASSIGN_OR_RETURN(
      impl->rk, internal::NewHandle(RD_KAFKA_PRODUCER, std::move(conf)));
  return std::unique_ptr<KafkaAdmin>(new KafkaAdmin(std::move(impl)));
}

namespace {
struct NewTopicDeleter {
  void operator()(rd_kafka_NewTopic_t* t) const {
    rd_kafka_NewTopic_destroy(t);
  }
};
struct AdminOptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* o) const {
    rd_kafka_AdminOptions_destroy(o);
  }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* m) const {
    rd_kafka_metadata_destroy(m);
  }
};
}  // namespace

absl::Status KafkaAdmin::CreateTopic(const std::string& name, int partitions,
                                     int replication_factor,
                                     std::chrono::milliseconds timeout) {
  char errstr[512];
  std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter> topic(
      rd_kafka_NewTopic_new(name.c_str(), partitions, replication_factor,
                            errstr, sizeof errstr));
  if (topic == nullptr) {
    return absl::Status(
        absl::StatusCode::kInvalidArgument,
        fmt::format("kafka: cannot create topic '{}': {}", name, errstr));
  }
  std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter> options(
      rd_kafka_AdminOptions_new(impl_->rk.get(),
                                RD_KAFKA_ADMIN_OP_CREATETOPICS));
  rd_kafka_AdminOptions_set_request_timeout(options.get(), ToMillis(timeout),
                                            errstr, sizeof errstr);
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue(
      rd_kafka_queue_new(impl_->rk.get()));
  rd_kafka_NewTopic_t* topics[] = {topic.get()};
  rd_kafka_CreateTopics(impl_->rk.get(), topics, 1, options.get(), queue.get());
  std::unique_ptr<rd_kafka_event_t, EventDeleter> event(
      rd_kafka_queue_poll(queue.get(), ToMillis(timeout) + 1000));
  const std::string context = fmt::format("create topic '{}'", name);
  if (event == nullptr) {
    return CallError(impl_->rk.get(), impl_->tracker,
                     RD_KAFKA_RESP_ERR__TIMED_OUT, impl_->bootstrap, context);
  }
  if (rd_kafka_resp_err_t err = rd_kafka_event_error(event.get());
      err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
      return CallError(impl_->rk.get(), impl_->tracker, err, impl_->bootstrap,
                       context);
    }
    return absl::Status(
        internal::CodeFor(err),
        fmt::format("kafka: {} at '{}': {}", context, impl_->bootstrap,
                    rd_kafka_event_error_string(event.get())));
  }
  const rd_kafka_CreateTopics_result_t* result =
      rd_kafka_event_CreateTopics_result(event.get());
  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(result, &count);
  for (size_t i = 0; i < count; ++i) {
    rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* detail = rd_kafka_topic_result_error_string(results[i]);
      return absl::Status(
          internal::CodeFor(err),
          fmt::format("kafka: {} at '{}': {}", context, impl_->bootstrap,
                      detail != nullptr ? detail : rd_kafka_err2str(err)));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int> KafkaAdmin::PartitionCount(
    const std::string& topic, std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* raw = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(impl_->rk.get(), /*all_topics=*/1,
                                              nullptr, &raw, ToMillis(timeout));
  const std::string context = fmt::format("metadata of topic '{}'", topic);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return CallError(impl_->rk.get(), impl_->tracker, err, impl_->bootstrap,
                     context);
  }
  std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter> metadata(raw);
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& entry = metadata->topics[i];
    if (topic != entry.topic) continue;
    if (entry.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return ErrorStatus(entry.err, context);
    }
    return entry.partition_cnt;
  }
  return absl::Status(absl::StatusCode::kNotFound,
                      fmt::format("kafka: topic '{}' does not exist at '{}'",
                                  topic, impl_->bootstrap));
}

absl::StatusOr<Watermarks> KafkaAdmin::WatermarkOffsets(
    const std::string& topic, int32_t partition,
    std::chrono::milliseconds timeout) {
  return QueryWatermarks(impl_->rk.get(), impl_->tracker, impl_->bootstrap,
                         topic, partition, timeout);
}

}  // namespace weir::connectors::kafka
