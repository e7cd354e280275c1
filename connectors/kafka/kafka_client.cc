#include "connectors/kafka/kafka_client.h"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <set>

#include "connectors/kafka/rdkafka_util.h"
#include "engine/base/status.h"

namespace weir::connectors::kafka {

using internal::CallError;
using internal::ErrorStatus;
using internal::ErrorTracker;
using internal::HandlePtr;
using internal::MessagePtr;
using internal::QueryWatermarks;
using internal::QueuePtr;
using internal::ToMillis;
using internal::TopicPartitionCount;
using internal::TopicPartitionListPtr;

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
  WEIR_ASSIGN_OR_RETURN(internal::ConfPtr conf,
                        internal::ClientConf(ClientKind::kProducer, config));
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

rd_kafka_t* internal::ProducerAccess::Handle(KafkaProducer& producer) {
  return producer.impl_->rk.get();
}

void internal::ProducerAccess::ClearDeliveryErrors(KafkaProducer& producer) {
  std::lock_guard<std::mutex> lock(producer.impl_->mu);
  producer.impl_->first_error = absl::OkStatus();
}

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
  // Handles of the topics whose metadata (partition leaders) this consumer
  // asked for: holding one keeps librdkafka's topic object, and with it
  // the leaders, until the assignment uses them.
  std::map<std::string, rd_kafka_topic_t*> topics;
  // The topics PartitionCount found.
  std::set<std::string> existing;
  // Whether the main queue (error events) is forwarded to the consumer
  // queue yet: from the first Assign on. Before, rd_kafka_poll serves it.
  bool events_forwarded = false;
  HandlePtr rk;
  QueuePtr queue;  // the consumer's

  ~Impl() {  // before rk: the queue and topic handles hold references
    queue.reset();
    for (const auto& [name, handle] : topics) rd_kafka_topic_destroy(handle);
  }

  // Serves error events into the tracker without consuming records.
  void ServeEvents() {
    if (!events_forwarded) rd_kafka_poll(rk.get(), 0);
  }
};

KafkaConsumer::KafkaConsumer(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

KafkaConsumer::~KafkaConsumer() {
  // Then ~Impl releases the queue and topic handles before the client.
  if (impl_ && impl_->rk) rd_kafka_consumer_close(impl_->rk.get());
}

absl::StatusOr<std::unique_ptr<KafkaConsumer>> KafkaConsumer::Create(
    const KafkaConfig& config) {
  auto impl = std::make_unique<Impl>();
  impl->bootstrap = internal::BootstrapOf(config);
  impl->has_group = config.count("group.id") > 0;
  KafkaConfig effective = config;
  // librdkafka's consumer needs a group.id even to assign partitions; a
  // private one is never committed under (Commit refuses without the
  // user's).
  if (!impl->has_group) {
    static std::atomic<int64_t> counter{0};
    effective["group.id"] =
        fmt::format("weir-private-{}-{}", static_cast<int64_t>(getpid()),
                    counter.fetch_add(1));
  }
  // Beneath `config`: auto-commit off, auto.offset.reset earliest,
  // fetch.wait.max.ms 100 (WeirDefaults says why).
  WEIR_ASSIGN_OR_RETURN(internal::ConfPtr conf,
                        internal::ClientConf(ClientKind::kConsumer, effective));
  impl->tracker.Install(conf.get());
  WEIR_ASSIGN_OR_RETURN(
      impl->rk, internal::NewHandle(RD_KAFKA_CONSUMER, std::move(conf)));
  impl->queue.reset(rd_kafka_queue_get_consumer(impl->rk.get()));
  return std::unique_ptr<KafkaConsumer>(new KafkaConsumer(std::move(impl)));
}

absl::StatusOr<int> KafkaConsumer::PartitionCount(
    const std::string& topic, std::chrono::milliseconds timeout) {
  Impl& impl = *impl_;
  rd_kafka_topic_t*& handle = impl.topics[topic];
  if (handle == nullptr) {
    handle = rd_kafka_topic_new(impl.rk.get(), topic.c_str(), nullptr);
    if (handle == nullptr) {
      impl.topics.erase(topic);
      return ErrorStatus(rd_kafka_last_error(),
                         fmt::format("topic '{}'", topic));
    }
  }
  absl::StatusOr<int> count = TopicPartitionCount(
      impl.rk.get(), impl.tracker, impl.bootstrap, topic, timeout,
      [&impl] { impl.ServeEvents(); }, handle);
  if (count.ok()) impl.existing.insert(topic);
  return count;
}

absl::Status KafkaConsumer::Assign(const std::string& topic,
                                   const std::vector<int32_t>& partitions,
                                   StartOffset start,
                                   std::chrono::milliseconds timeout) {
  std::vector<std::pair<int32_t, StartOffset>> starts;
  starts.reserve(partitions.size());
  for (int32_t partition : partitions) starts.emplace_back(partition, start);
  return Assign(topic, starts, timeout);
}

absl::Status KafkaConsumer::Assign(
    const std::string& topic,
    const std::vector<std::pair<int32_t, StartOffset>>& starts,
    std::chrono::milliseconds timeout) {
  if (starts.empty()) return absl::OkStatus();
  const bool by_time = starts[0].second.kind == StartOffset::Kind::kTimestamp;
  bool logical = false;  // some partition starts at earliest or latest
  for (const auto& [partition, start] : starts) {
    if ((start.kind == StartOffset::Kind::kTimestamp) != by_time) {
      return absl::InvalidArgumentError(fmt::format(
          "kafka: a timestamp start of topic '{}' must be every partition's",
          topic));
    }
    logical |= start.kind == StartOffset::Kind::kEarliest ||
               start.kind == StartOffset::Kind::kLatest;
  }
  TopicPartitionListPtr list(
      rd_kafka_topic_partition_list_new(static_cast<int>(starts.size())));
  for (const auto& [partition, start] : starts) {
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
  if (by_time) {
    const int64_t at = starts[0].second.value;
    rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(
        impl_->rk.get(), list.get(), ToMillis(timeout));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return CallError(impl_->rk.get(), impl_->tracker, err, impl_->bootstrap,
                       fmt::format("offsets of topic '{}' at timestamp {}",
                                   topic, at));
    }
    for (int i = 0; i < list->cnt; ++i) {
      const rd_kafka_topic_partition_t& entry = list->elems[i];
      const int64_t epoch_ms = starts[static_cast<size_t>(i)].second.value;
      if (entry.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return ErrorStatus(
            entry.err,
            fmt::format("offset of topic '{}' partition {} at timestamp {}",
                        topic, entry.partition, epoch_ms));
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
        impl_->skip_before[{topic, entry.partition}] = epoch_ms;
      } else {
        list->elems[i].offset = marks.high;
      }
    }
  }
  if (!impl_->topics.count(topic)) {
    // The topic's partition leaders, through this consumer. Best effort;
    // an unreachable cluster (reported once by librdkafka, taken here) is
    // the next poll's error.
    absl::Status warm =
        PartitionCount(topic, std::min<std::chrono::milliseconds>(
                                  timeout, std::chrono::seconds(2)))
            .status();
    if (warm.code() == absl::StatusCode::kUnavailable)
      impl_->pending_error = std::move(warm);
  }
  // Only for a topic known to exist: a lookup on a missing one would wait
  // for leaders until its timeout.
  if (impl_->existing.count(topic) && logical) {
    // Start at concrete offsets, looked up here in one request per leader.
    // Given a logical start, librdkafka looks the offset up itself, and for
    // a partition whose leader its broker thread has not taken on yet it
    // retries only 500 ms later: a stall at the start of a query, for some
    // partitions or all. Best effort: the logical start stays on failure.
    TopicPartitionListPtr query(rd_kafka_topic_partition_list_copy(list.get()));
    if (rd_kafka_offsets_for_times(impl_->rk.get(), query.get(),
                                   ToMillis(std::min<std::chrono::milliseconds>(
                                       timeout, std::chrono::seconds(5)))) ==
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      for (int i = 0; i < query->cnt; ++i) {
        const StartOffset::Kind kind =
            starts[static_cast<size_t>(i)].second.kind;
        if ((kind == StartOffset::Kind::kEarliest ||
             kind == StartOffset::Kind::kLatest) &&
            query->elems[i].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
            query->elems[i].offset >= 0) {
          list->elems[i].offset = query->elems[i].offset;
        }
      }
    }
  }
  if (!impl_->events_forwarded) {
    // From now on error events and records arrive through one queue,
    // served by PollBatch.
    rd_kafka_poll_set_consumer(impl_->rk.get());
    impl_->events_forwarded = true;
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

// ------------------------------------------------------------ records

namespace {

const rd_kafka_message_t* MessageOf(const void* message) {
  return static_cast<const rd_kafka_message_t*>(message);
}

}  // namespace

std::vector<KafkaHeader> KafkaRecord::Headers() const {
  std::vector<KafkaHeader> out;
  rd_kafka_headers_t* headers = nullptr;  // owned by the message
  // librdkafka parses the headers on this first call and keeps them.
  if (rd_kafka_message_headers(MessageOf(message_), &headers) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return out;
  }
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
    out.push_back(std::move(header));
  }
  return out;
}

KafkaMessage KafkaRecord::ToMessage() const {
  KafkaMessage out;
  out.topic = std::string(topic);
  out.partition = partition;
  out.offset = offset;
  if (key) out.key.emplace(*key);
  if (value) out.value.emplace(*value);
  out.headers = Headers();
  out.timestamp_ms = timestamp_ms;
  return out;
}

struct KafkaRecordBatch::Impl {
  std::vector<rd_kafka_message_t*> messages;
  // The name of the last topic handle seen: records of one topic share it,
  // and looking it up is a strlen per record otherwise.
  const rd_kafka_topic_t* topic = nullptr;
  std::string_view topic_name;

  void Clear() {
    for (rd_kafka_message_t* m : messages) rd_kafka_message_destroy(m);
    messages.clear();
    topic = nullptr;  // valid only while a record holds the handle
  }
};

KafkaRecordBatch::KafkaRecordBatch() : impl_(std::make_unique<Impl>()) {}
KafkaRecordBatch::~KafkaRecordBatch() {
  if (impl_) impl_->Clear();
}
KafkaRecordBatch::KafkaRecordBatch(KafkaRecordBatch&& other) noexcept
    : impl_(std::exchange(other.impl_, std::make_unique<Impl>())) {}
KafkaRecordBatch& KafkaRecordBatch::operator=(
    KafkaRecordBatch&& other) noexcept {
  if (this != &other) {
    impl_->Clear();
    std::swap(impl_, other.impl_);
  }
  return *this;
}

size_t KafkaRecordBatch::size() const { return impl_->messages.size(); }

size_t KafkaRecordBatch::value_bytes() const {
  size_t bytes = 0;
  for (const rd_kafka_message_t* m : impl_->messages) bytes += m->len;
  return bytes;
}

void KafkaRecordBatch::Clear() { impl_->Clear(); }

KafkaRecord KafkaRecordBatch::operator[](size_t i) const {
  const rd_kafka_message_t& m = *impl_->messages[i];
  KafkaRecord r;
  r.message_ = &m;
  if (m.rkt != impl_->topic) {
    impl_->topic = m.rkt;
    impl_->topic_name = rd_kafka_topic_name(m.rkt);
  }
  r.topic = impl_->topic_name;
  r.partition = m.partition;
  r.offset = m.offset;
  if (m.key != nullptr) {
    r.key.emplace(static_cast<const char*>(m.key), m.key_len);
  }
  if (m.payload != nullptr) {
    r.value.emplace(static_cast<const char*>(m.payload), m.len);
  }
  rd_kafka_timestamp_type_t type;
  const int64_t ts = rd_kafka_message_timestamp(&m, &type);
  r.timestamp_ms = type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? -1 : ts;
  return r;
}

int32_t KafkaRecordBatch::partition(size_t i) const {
  return impl_->messages[i]->partition;
}

int64_t KafkaRecordBatch::offset(size_t i) const {
  return impl_->messages[i]->offset;
}

absl::Status KafkaConsumer::PollBatch(size_t max_messages,
                                      std::chrono::milliseconds timeout,
                                      KafkaRecordBatch* out) {
  out->Clear();
  if (impl_->pending_error) {
    absl::Status status = std::move(*impl_->pending_error);
    impl_->pending_error.reset();
    return status;
  }
  WEIR_RETURN_IF_ERROR(impl_->tracker.Fatal());
  std::vector<rd_kafka_message_t*>& kept = out->impl_->messages;
  kept.reserve(max_messages);
  std::vector<rd_kafka_message_t*> taken;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (kept.size() < max_messages) {
    // rd_kafka_consume_batch_queue waits until it has all it asked for or
    // the time is up: so wait for one record only, then take the rest of
    // what is there without waiting.
    int wait_ms = 0;
    size_t want = max_messages - kept.size();
    if (kept.empty() && timeout.count() > 0) {
      wait_ms = ToMillis(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()));
      // Wake up now and then to notice brokers reported down.
      wait_ms = std::min(wait_ms, 100);
      if (wait_ms > 0) want = 1;
    }
    taken.resize(want);
    const ssize_t n = rd_kafka_consume_batch_queue(impl_->queue.get(), wait_ms,
                                                   taken.data(), want);
    if (n < 0) {
      return ErrorStatus(rd_kafka_last_error(),
                         fmt::format("consume from '{}'", impl_->bootstrap));
    }
    for (ssize_t i = 0; i < n; ++i) {
      MessagePtr message(taken[static_cast<size_t>(i)]);
      if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
      if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (!impl_->pending_error) {
          const char* topic =
              message->rkt != nullptr ? rd_kafka_topic_name(message->rkt) : "";
          impl_->pending_error = absl::Status(
              internal::CodeFor(message->err),
              fmt::format(
                  "kafka: consuming topic '{}' partition {} from '{}': {}",
                  topic, message->partition, impl_->bootstrap,
                  rd_kafka_message_errstr(message.get())));
        }
        continue;
      }
      if (!impl_->skip_before.empty()) {
        auto skip = impl_->skip_before.find(
            {rd_kafka_topic_name(message->rkt), message->partition});
        if (skip != impl_->skip_before.end()) {
          rd_kafka_timestamp_type_t type;
          if (rd_kafka_message_timestamp(message.get(), &type) < skip->second)
            continue;
          impl_->skip_before.erase(skip);
        }
      }
      kept.push_back(message.release());
    }
    if (impl_->pending_error) break;
    if (!kept.empty()) {
      // After the first record, go on while calls come back full.
      if (n > 0 && (wait_ms > 0 || static_cast<size_t>(n) == want)) continue;
      break;
    }
    // Nothing yet. Checked before the deadline so that a zero timeout
    // still reports an outage.
    if (std::optional<absl::Status> down =
            impl_->tracker.TakeBrokersDown(impl_->bootstrap)) {
      return *down;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
  }
  if (kept.empty() && impl_->pending_error) {
    absl::Status status = std::move(*impl_->pending_error);
    impl_->pending_error.reset();
    return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<KafkaMessage>> KafkaConsumer::Poll(
    size_t max_messages, std::chrono::milliseconds timeout) {
  KafkaRecordBatch batch;
  WEIR_RETURN_IF_ERROR(PollBatch(max_messages, timeout, &batch));
  std::vector<KafkaMessage> out;
  out.reserve(batch.size());
  for (const KafkaRecord& record : batch) out.push_back(record.ToMessage());
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

}  // namespace weir::connectors::kafka
