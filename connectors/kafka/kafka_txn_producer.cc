#include "connectors/kafka/kafka_txn_producer.h"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <thread>

#include "connectors/kafka/rdkafka_util.h"
#include "engine/base/status.h"

namespace weir::connectors::kafka {
namespace {

using internal::ProducerAccess;
using Clock = std::chrono::steady_clock;

struct ErrorDeleter {
  void operator()(rd_kafka_error_t* error) const {
    rd_kafka_error_destroy(error);
  }
};
using ErrorPtr = std::unique_ptr<rd_kafka_error_t, ErrorDeleter>;

// The marker reader first reads this many offsets before the end of the
// marker partition (each transaction takes two: the marker and the
// commit or abort record), and the whole partition only when none of them
// is a committed marker.
constexpr int64_t kMarkerTail = 64;

// Between retries of a transaction call that failed retriably (librdkafka
// usually waits out the timeout itself; this only stops a busy loop).
constexpr std::chrono::milliseconds kRetryPause(50);

// What Commit gives the abort of a transaction that cannot commit, even
// when its own time is up.
constexpr std::chrono::milliseconds kAbortTime(10000);

std::chrono::milliseconds Remaining(Clock::time_point deadline) {
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - Clock::now()));
}

bool IsFenced(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR__FENCED ||
         err == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
         err == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH;
}

uint64_t Fnv1a(std::string_view bytes) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::optional<exec::CheckpointId> ParseCheckpointId(std::string_view text) {
  uint64_t value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size())
    return std::nullopt;
  return exec::CheckpointId{value};
}

// The last committed marker of `transactional_id` in partition 0 of
// `topic` from offset `start` on, read with read_committed until the
// consumer reports the partition's end (which counts the transaction
// control records a real cluster writes, unlike the consumer position).
absl::StatusOr<std::optional<exec::CheckpointId>> ReadLastMarker(
    const KafkaConfig& config, const std::string& topic,
    const std::string& transactional_id, int64_t start,
    Clock::time_point deadline) {
  KafkaConfig effective = config;
  static std::atomic<int64_t> counter{0};
  effective["group.id"] =
      fmt::format("weir-private-markers-{}-{}", static_cast<int64_t>(getpid()),
                  counter.fetch_add(1));
  effective["isolation.level"] = "read_committed";
  effective["enable.partition.eof"] = "true";
  effective["enable.auto.commit"] = "false";
  effective["enable.auto.offset.store"] = "false";
  WEIR_ASSIGN_OR_RETURN(internal::ConfPtr conf,
                        internal::ClientConf(ClientKind::kConsumer, effective));
  WEIR_ASSIGN_OR_RETURN(
      internal::HandlePtr rk,
      internal::NewHandle(RD_KAFKA_CONSUMER, std::move(conf)));
  rd_kafka_poll_set_consumer(rk.get());
  internal::TopicPartitionListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), 0)->offset =
      start;
  const std::string context =
      fmt::format("read the checkpoint markers of '{}' in topic '{}'",
                  transactional_id, topic);
  if (rd_kafka_resp_err_t err = rd_kafka_assign(rk.get(), list.get());
      err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return internal::ErrorStatus(err, context);
  }
  std::optional<exec::CheckpointId> last;
  absl::Status status = absl::Status(
      absl::StatusCode::kDeadlineExceeded,
      fmt::format("kafka: {}: the end of the partition was not reached in "
                  "time",
                  context));
  while (Clock::now() < deadline) {
    internal::MessagePtr message(rd_kafka_consumer_poll(
        rk.get(), std::min(100, internal::ToMillis(Remaining(deadline)))));
    if (message == nullptr) continue;
    if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      status = absl::OkStatus();
      break;
    }
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // Transport errors are retried by librdkafka; anything it gives up
      // on ends the read.
      if (internal::CodeFor(message->err) == absl::StatusCode::kUnavailable)
        continue;
      status = internal::ErrorStatus(message->err, context);
      break;
    }
    const std::string_view key(static_cast<const char*>(message->key),
                               message->key_len);
    if (key != transactional_id) continue;
    const std::string_view value(static_cast<const char*>(message->payload),
                                 message->len);
    std::optional<exec::CheckpointId> id = ParseCheckpointId(value);
    if (!id) {
      status = absl::Status(
          absl::StatusCode::kDataLoss,
          fmt::format("kafka: {}: the marker at offset {} is not a "
                      "checkpoint id: '{}'",
                      context, message->offset, value));
      break;
    }
    last = id;
  }
  rd_kafka_consumer_close(rk.get());
  WEIR_RETURN_IF_ERROR(status);
  return last;
}

absl::Status FencedStatus(const std::string& sink, const std::string& what,
                          const std::string& message) {
  return absl::Status(
      absl::StatusCode::kFailedPrecondition,
      fmt::format("kafka sink '{}': another weir process writes sink '{}' (a "
                  "newer producer took over its transactional.id; this one is "
                  "fenced): {}: {}",
                  sink, sink, what, message));
}

// Maps a librdkafka transaction error to a Status, as the class comment
// promises. `what` says which step failed.
absl::Status TxnStatus(rd_kafka_t* rk, const rd_kafka_error_t* error,
                       const std::string& sink, const std::string& what) {
  rd_kafka_resp_err_t code = rd_kafka_error_code(error);
  std::string message = rd_kafka_error_string(error);
  if (rd_kafka_error_is_fatal(error)) {
    char detail[512] = "";
    const rd_kafka_resp_err_t fatal =
        rd_kafka_fatal_error(rk, detail, sizeof detail);
    if (fatal != RD_KAFKA_RESP_ERR_NO_ERROR) {
      code = fatal;
      message = detail;
    }
  }
  if (IsFenced(code)) return FencedStatus(sink, what, message);
  if (rd_kafka_error_is_fatal(error)) {
    return absl::Status(
        absl::StatusCode::kInternal,
        fmt::format("kafka sink '{}': {}: fatal error {}: {}", sink, what,
                    rd_kafka_err2name(code), message));
  }
  absl::StatusCode status_code = internal::CodeFor(code);
  if (status_code == absl::StatusCode::kInternal)
    status_code = absl::StatusCode::kUnavailable;
  return absl::Status(
      status_code, fmt::format("kafka sink '{}': {}: {}", sink, what, message));
}

// Asks for `topic`'s metadata through `rk`, ignoring the outcome.
void WarmTopic(rd_kafka_t* rk, const std::string& topic,
               std::chrono::milliseconds timeout) {
  rd_kafka_topic_t* handle = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  if (handle == nullptr) return;
  internal::ErrorTracker unused;
  internal::TopicPartitionCount(
      rk, unused, "", topic, std::min(timeout, std::chrono::milliseconds(5000)),
      [rk] { rd_kafka_poll(rk, 0); }, handle)
      .IgnoreError();
  rd_kafka_topic_destroy(handle);
}

}  // namespace

std::string TransactionalIdFor(std::string_view sink_name) {
  return fmt::format("weir-sink-{}", sink_name);
}

std::string MarkerTopicFor(std::string_view sink_name) {
  std::string clean;
  bool changed = false;
  for (char c : sink_name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    clean.push_back(ok ? c : '_');
    changed |= !ok;
  }
  constexpr size_t kMaxName = 200;  // of Kafka's 249, room for the rest
  if (changed || clean.size() > kMaxName || clean.empty()) {
    clean = fmt::format("{}-{:016x}", clean.substr(0, kMaxName - 17),
                        Fnv1a(sink_name));
  }
  return fmt::format("weir-sink-{}.checkpoints", clean);
}

KafkaTxnProducer::~KafkaTxnProducer() = default;

absl::StatusOr<std::unique_ptr<KafkaTxnProducer>> KafkaTxnProducer::Open(
    const KafkaConfig& config, const TxnProducerOptions& options,
    std::chrono::milliseconds timeout) {
  if (options.sink_name.empty()) {
    return absl::InvalidArgumentError(
        "kafka: a transactional producer needs the sink's name");
  }
  if (config.count("transactional.id")) {
    return absl::InvalidArgumentError(fmt::format(
        "kafka sink '{}': transactional.id is chosen by Weir (stable per "
        "sink); do not set it",
        options.sink_name));
  }
  std::unique_ptr<KafkaTxnProducer> txn(new KafkaTxnProducer());
  txn->config_ = config;
  txn->sink_name_ = options.sink_name;
  txn->transactional_id_ = options.transactional_id.empty()
                               ? TransactionalIdFor(options.sink_name)
                               : options.transactional_id;
  txn->marker_topic_ = options.marker_topic.empty()
                           ? MarkerTopicFor(options.sink_name)
                           : options.marker_topic;
  WEIR_RETURN_IF_ERROR(ValidateTopicName(txn->marker_topic_));
  const Clock::time_point deadline = Clock::now() + timeout;
  {
    WEIR_ASSIGN_OR_RETURN(std::unique_ptr<KafkaAdmin> admin,
                          KafkaAdmin::Create(config));
    absl::StatusOr<int> partitions =
        admin->PartitionCount(txn->marker_topic_, Remaining(deadline));
    if (partitions.status().code() == absl::StatusCode::kNotFound) {
      // -1: the cluster's default replication (Kafka >= 2.4).
      absl::Status created =
          admin->CreateTopic(txn->marker_topic_, 1, -1, Remaining(deadline));
      if (!created.ok() && created.code() != absl::StatusCode::kAlreadyExists)
        return created;
    } else if (!partitions.ok()) {
      return partitions.status();
    }
  }
  KafkaConfig producer_config = config;
  producer_config["transactional.id"] = txn->transactional_id_;
  WEIR_ASSIGN_OR_RETURN(txn->producer_, KafkaProducer::Create(producer_config));
  WEIR_RETURN_IF_ERROR(txn->InitTransactions(Remaining(deadline)));
  // The producer learns the partition leaders now rather than at the
  // first transaction, which would wait for them (about a second). Best
  // effort: a failure shows when producing.
  WarmTopic(ProducerAccess::Handle(*txn->producer_), txn->marker_topic_,
            Remaining(deadline));
  for (const std::string& topic : options.output_topics)
    WarmTopic(ProducerAccess::Handle(*txn->producer_), topic,
              Remaining(deadline));
  return txn;
}

absl::Status KafkaTxnProducer::InitTransactions(
    std::chrono::milliseconds timeout) {
  rd_kafka_t* rk = ProducerAccess::Handle(*producer_);
  const Clock::time_point deadline = Clock::now() + timeout;
  for (;;) {
    ErrorPtr error(rd_kafka_init_transactions(
        rk, internal::ToMillis(Remaining(deadline))));
    if (error == nullptr) return absl::OkStatus();
    if (!rd_kafka_error_is_retriable(error.get()) || Clock::now() >= deadline) {
      return TxnStatus(rk, error.get(), sink_name_, "initialize transactions");
    }
    std::this_thread::sleep_for(kRetryPause);
  }
}

absl::Status KafkaTxnProducer::Begin() {
  if (in_transaction_) {
    return absl::FailedPreconditionError(fmt::format(
        "kafka sink '{}': a transaction is already open", sink_name_));
  }
  rd_kafka_t* rk = ProducerAccess::Handle(*producer_);
  ErrorPtr error(rd_kafka_begin_transaction(rk));
  if (error != nullptr)
    return TxnStatus(rk, error.get(), sink_name_, "begin a transaction");
  // Reports of an aborted transaction's records (purged) may still come:
  // serve them, then forget its errors.
  producer_->Poll().IgnoreError();
  ProducerAccess::ClearDeliveryErrors(*producer_);
  in_transaction_ = true;
  return absl::OkStatus();
}

absl::Status KafkaTxnProducer::Produce(std::string_view topic,
                                       int32_t partition,
                                       std::optional<std::string_view> key,
                                       std::optional<std::string_view> value,
                                       const std::vector<KafkaHeader>& headers,
                                       int64_t timestamp_ms) {
  if (!in_transaction_) {
    return absl::FailedPreconditionError(fmt::format(
        "kafka sink '{}': produce outside a transaction", sink_name_));
  }
  return WhenFenced(
      producer_->Produce(topic, partition, key, value, headers, timestamp_ms));
}

absl::Status KafkaTxnProducer::WhenFenced(absl::Status status) const {
  if (status.ok()) return status;
  char detail[512] = "";
  const rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(
      ProducerAccess::Handle(*producer_), detail, sizeof detail);
  if (!IsFenced(fatal)) return status;
  return FencedStatus(sink_name_, "produce", detail);
}

absl::Status KafkaTxnProducer::Commit(exec::CheckpointId checkpoint_id,
                                      std::chrono::milliseconds timeout) {
  if (!in_transaction_) {
    return absl::FailedPreconditionError(fmt::format(
        "kafka sink '{}': no open transaction to commit", sink_name_));
  }
  rd_kafka_t* rk = ProducerAccess::Handle(*producer_);
  const Clock::time_point deadline = Clock::now() + timeout;
  const std::string what = fmt::format(
      "commit the transaction of checkpoint {}", exec::ToInt(checkpoint_id));
  // The rows first, then the marker: a visible marker then implies visible
  // rows even where aborted records stay visible (the embedded broker).
  absl::Status delivered = WhenFenced(producer_->Flush(Remaining(deadline)));
  if (delivered.ok()) {
    const std::string id = std::to_string(exec::ToInt(checkpoint_id));
    delivered =
        WhenFenced(producer_->Produce(marker_topic_, 0, transactional_id_, id));
  }
  if (delivered.code() == absl::StatusCode::kFailedPrecondition)
    return delivered;  // fenced
  if (!delivered.ok()) {
    // Records still on their way when the time ran out: the transaction
    // stays open (Commit again or Abort). A delivery that failed (even by
    // timing out) makes it abortable: abort it.
    if (delivered.code() == absl::StatusCode::kDeadlineExceeded &&
        producer_->InFlight() > 0) {
      return delivered;
    }
    WEIR_RETURN_IF_ERROR(Abort(std::max(Remaining(deadline), kAbortTime)));
    return absl::AbortedError(fmt::format(
        "kafka sink '{}': transaction of checkpoint {} aborted: {}", sink_name_,
        exec::ToInt(checkpoint_id), std::string(delivered.message())));
  }
  for (;;) {
    ErrorPtr error(rd_kafka_commit_transaction(
        rk, internal::ToMillis(Remaining(deadline))));
    if (error == nullptr) {
      in_transaction_ = false;
      return absl::OkStatus();
    }
    if (rd_kafka_error_txn_requires_abort(error.get())) {
      absl::Status cause = TxnStatus(rk, error.get(), sink_name_, what);
      WEIR_RETURN_IF_ERROR(Abort(std::max(Remaining(deadline), kAbortTime)));
      return absl::AbortedError(fmt::format("{} (transaction aborted)",
                                            std::string(cause.message())));
    }
    if (!rd_kafka_error_is_retriable(error.get()) || Clock::now() >= deadline) {
      return TxnStatus(rk, error.get(), sink_name_, what);
    }
    std::this_thread::sleep_for(kRetryPause);
  }
}

absl::Status KafkaTxnProducer::Abort(std::chrono::milliseconds timeout) {
  if (!in_transaction_) return absl::OkStatus();
  rd_kafka_t* rk = ProducerAccess::Handle(*producer_);
  const Clock::time_point deadline = Clock::now() + timeout;
  for (;;) {
    ErrorPtr error(rd_kafka_abort_transaction(
        rk, internal::ToMillis(Remaining(deadline))));
    if (error == nullptr) {
      producer_->Poll().IgnoreError();  // the purged records' reports
      in_transaction_ = false;
      return absl::OkStatus();
    }
    if (!rd_kafka_error_is_retriable(error.get()) || Clock::now() >= deadline) {
      return TxnStatus(rk, error.get(), sink_name_, "abort the transaction");
    }
    std::this_thread::sleep_for(kRetryPause);
  }
}

absl::Status KafkaTxnProducer::SendOffsetsToTransaction(
    const std::string& group, const std::string& topic, int32_t partition,
    int64_t offset, std::chrono::milliseconds timeout) {
  if (!in_transaction_) {
    return absl::FailedPreconditionError(fmt::format(
        "kafka sink '{}': no open transaction for the offsets", sink_name_));
  }
  rd_kafka_t* rk = ProducerAccess::Handle(*producer_);
  internal::TopicPartitionListPtr offsets(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(offsets.get(), topic.c_str(), partition)
      ->offset = offset;
  std::unique_ptr<rd_kafka_consumer_group_metadata_t,
                  void (*)(rd_kafka_consumer_group_metadata_t*)>
      metadata(rd_kafka_consumer_group_metadata_new(group.c_str()),
               &rd_kafka_consumer_group_metadata_destroy);
  ErrorPtr error(rd_kafka_send_offsets_to_transaction(
      rk, offsets.get(), metadata.get(), internal::ToMillis(timeout)));
  if (error != nullptr) {
    return TxnStatus(rk, error.get(), sink_name_,
                     fmt::format("send offsets of group '{}'", group));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<exec::CheckpointId>>
KafkaTxnProducer::LastCommittedCheckpoint(std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  WEIR_ASSIGN_OR_RETURN(std::unique_ptr<KafkaAdmin> admin,
                        KafkaAdmin::Create(config_));
  WEIR_ASSIGN_OR_RETURN(
      Watermarks marks,
      admin->WatermarkOffsets(marker_topic_, 0, Remaining(deadline)));
  if (marks.high <= marks.low) return std::optional<exec::CheckpointId>();
  const int64_t tail = std::max(marks.low, marks.high - kMarkerTail);
  WEIR_ASSIGN_OR_RETURN(std::optional<exec::CheckpointId> last,
                        ReadLastMarker(config_, marker_topic_,
                                       transactional_id_, tail, deadline));
  if (last || tail == marks.low) return last;
  return ReadLastMarker(config_, marker_topic_, transactional_id_, marks.low,
                        deadline);
}

}  // namespace weir::connectors::kafka
