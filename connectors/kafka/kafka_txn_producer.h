#pragma once

// A transactional Kafka producer for one sink: every checkpoint's rows go
// out in one Kafka transaction, which commits together with a marker that
// names the checkpoint, so that after a crash the sink can say which
// checkpoint its output last committed (LastCommittedCheckpoint) and the
// engine can roll its state forward or back to match.
//
// The marker is a record in a one-partition marker topic, written as the
// last record of the transaction after the rows are flushed (key: the
// transactional.id, value: the checkpoint id in decimal). Not a group
// offset through send_offsets_to_transaction: librdkafka 2.0.2's mock
// cluster (the embedded broker) accepts TxnOffsetCommit but stores
// nothing, so that marker could not be read back there; a marker record
// is read back on both, and written after the rows it still says the
// right thing on the embedded broker, which does not hide aborted records
// (docs/state-and-recovery.md, "Kafka transactions" has the spike's findings and the argument).
//
// Used by the exactly-once Kafka sink (kafka_sink.cc): one producer per
// sink, "commit the sink's transaction (with the marker), then the state's
// commit record"; on restart the state rolls forward iff
// LastCommittedCheckpoint reached it (engine/exec/checkpoint.h).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "connectors/kafka/kafka_client.h"
#include "engine/exec/barrier.h"

namespace weir::connectors::kafka {

/// Who a transactional producer writes for.
struct TxnProducerOptions {
  /// The sink's name, for messages and the default ids below. Required.
  std::string sink_name;
  /// Kafka's transactional.id; empty: TransactionalIdFor(sink_name). Must
  /// stay the same across restarts of the sink (that is how a restart
  /// finds and aborts what its previous incarnation left open).
  std::string transactional_id;
  /// The checkpoint marker topic (one partition; created at Open when it
  /// does not exist); empty: MarkerTopicFor(sink_name).
  std::string marker_topic;
  /// Existing topics the sink writes: Open asks for their metadata, so
  /// that the first transaction does not wait for it (about a second per
  /// topic). Optional.
  std::vector<std::string> output_topics;
};

/// "weir-sink-" + sink_name.
std::string TransactionalIdFor(std::string_view sink_name);

/// "weir-sink-<name>.checkpoints", with every character Kafka does not
/// allow in a topic name replaced by '_' (and then, or when too long, a
/// hash of the name appended, so that distinct sinks keep distinct
/// topics). Always a valid topic name.
std::string MarkerTopicFor(std::string_view sink_name);

/// A transactional producer. Not thread-safe except for producer(), whose
/// Produce/Poll may be used as KafkaProducer's. Calls block up to their
/// timeout. Errors:
///  - FailedPrecondition "another weir process writes sink X" when a
///    producer with the same transactional.id started since (fenced); the
///    producer is unusable then;
///  - Aborted when the transaction could not commit and was aborted (a
///    delivery failure, or an error librdkafka classifies as abortable):
///    Begin again and resend the checkpoint's rows;
///  - DeadlineExceeded / Unavailable when a retriable error outlasted the
///    timeout: the transaction is still open and its outcome undecided;
///    call Commit again (or Abort);
///  - Internal for any other fatal error (the producer is unusable).
class KafkaTxnProducer {
 public:
  /// Creates the marker topic when missing, then the producer, and
  /// initializes transactions: on a real Kafka cluster this fences any
  /// earlier producer with the same transactional.id and aborts the
  /// transaction it left open. InvalidArgument for bad options or
  /// configuration (`config` must not set transactional.id: it comes from
  /// `options`).
  static absl::StatusOr<std::unique_ptr<KafkaTxnProducer>> Open(
      const KafkaConfig& config, const TxnProducerOptions& options,
      std::chrono::milliseconds timeout = std::chrono::seconds(30));
  /// Does not abort an open transaction (a crash would not either): the
  /// next Open of the sink, or the broker after transaction.timeout.ms,
  /// ends it. Call Abort first for a clean stop.
  ~KafkaTxnProducer();
  KafkaTxnProducer(const KafkaTxnProducer&) = delete;
  KafkaTxnProducer& operator=(const KafkaTxnProducer&) = delete;

  /// Starts a transaction. FailedPrecondition when one is open.
  absl::Status Begin();

  /// Queues one record in the open transaction (KafkaProducer::Produce;
  /// FailedPrecondition outside a transaction).
  absl::Status Produce(std::string_view topic, int32_t partition,
                       std::optional<std::string_view> key,
                       std::optional<std::string_view> value,
                       const std::vector<KafkaHeader>& headers = {},
                       int64_t timestamp_ms = 0);

  /// The underlying producer, for the sink's batch path (Produce, Poll,
  /// InFlight, Flush) inside a transaction (Begin first: librdkafka
  /// refuses records outside one).
  KafkaProducer& producer() { return *producer_; }

  /// Commits the open transaction as checkpoint `checkpoint_id`:
  /// flushes its records, writes the marker, commits. Retriable errors
  /// are retried until `timeout`. See the class comment for errors.
  absl::Status Commit(
      exec::CheckpointId checkpoint_id,
      std::chrono::milliseconds timeout = std::chrono::seconds(60));

  /// Aborts the open transaction; its records are never visible to
  /// read_committed consumers on a real cluster (the embedded broker shows
  /// them: see docs/state-and-recovery.md, "Kafka transactions"). OK when none is open.
  absl::Status Abort(
      std::chrono::milliseconds timeout = std::chrono::seconds(30));

  /// The checkpoint id of the last committed transaction's marker, read
  /// with isolation.level=read_committed; nullopt when there is none.
  /// Call it after Open (which ends what an earlier incarnation left
  /// open) and outside a transaction.
  absl::StatusOr<std::optional<exec::CheckpointId>> LastCommittedCheckpoint(
      std::chrono::milliseconds timeout = std::chrono::seconds(30));

  /// Kafka's send_offsets_to_transaction: commits `offset` for `topic`
  /// `partition` under consumer group `group` with the open transaction.
  /// Kept for real clusters and the spike test; on the embedded broker it
  /// succeeds but stores nothing.
  absl::Status SendOffsetsToTransaction(
      const std::string& group, const std::string& topic, int32_t partition,
      int64_t offset,
      std::chrono::milliseconds timeout = std::chrono::seconds(30));

  bool in_transaction() const { return in_transaction_; }
  const std::string& transactional_id() const { return transactional_id_; }
  const std::string& marker_topic() const { return marker_topic_; }

 private:
  KafkaTxnProducer() = default;
  absl::Status InitTransactions(std::chrono::milliseconds timeout);
  // `status`, or the fenced error when the producer was fenced.
  absl::Status WhenFenced(absl::Status status) const;

  KafkaConfig config_;  // without transactional.id: for the marker reader
  std::string sink_name_;
  std::string transactional_id_;
  std::string marker_topic_;
  bool in_transaction_ = false;
  std::unique_ptr<KafkaProducer> producer_;
};

}  // namespace weir::connectors::kafka
