#pragma once

// Kafka clients over librdkafka: a producer, a consumer with explicitly
// assigned partitions, and the few admin calls Weir needs. connectors/kafka
// is the only part of Weir that includes librdkafka; no librdkafka type
// appears in this header.
//
// Configuration is a map of librdkafka property names to values
// ("bootstrap.servers", "security.protocol", ...), passed through unchanged
// beside Weir's defaults for the kind of client (see ClientKind; and
// ConfigFromOptions for the `properties.*` form used in WITH (...)). A bad
// property name or value is InvalidArgument with librdkafka's message.
// All librdkafka logging goes to stderr, prefixed "weir: kafka:", and only
// at level warning or more severe.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace weir::connectors::kafka {

namespace internal {
struct ProducerAccess;  // rdkafka_util.h
}  // namespace internal

/// librdkafka properties by name.
using KafkaConfig = std::map<std::string, std::string>;

/// Builds a KafkaConfig from connector options: `bootstrap.servers` (or
/// `properties.bootstrap.servers`) and every `properties.NAME` = value as
/// NAME = value. Other keys are ignored (they belong to the connector).
/// InvalidArgument when `properties.` has an empty name.
absl::StatusOr<KafkaConfig> ConfigFromOptions(
    const std::vector<std::pair<std::string, std::string>>& options);

/// The kinds of client Weir makes. Each gets Weir's defaults for its kind
/// (WeirDefaults) beneath what the caller configures, and only the
/// properties librdkafka applies to it: a consumer-only property given to
/// every client reaches the consumers and is left out of the producers
/// (where librdkafka would ignore it with a warning).
enum class ClientKind { kProducer, kConsumer, kAdmin };

/// "producer", "consumer", "admin client".
std::string_view ClientKindName(ClientKind kind);

/// Weir's defaults for a client of `kind`, beneath any configuration the
/// caller gives (see docs/connectors/kafka.md, "Client settings").
const KafkaConfig& WeirDefaults(ClientKind kind);

/// Which clients librdkafka applies a property to. The admin client is a
/// producer to librdkafka.
enum class PropertyScope { kAll, kConsumer, kProducer };

/// Whether librdkafka applies a property of `scope` to a client of `kind`.
bool AppliesTo(PropertyScope scope, ClientKind kind);

/// The scope of librdkafka property `name` (a global or topic property),
/// from librdkafka's own table of properties; nullopt for a name it does
/// not know.
std::optional<PropertyScope> ScopeOfProperty(std::string_view name);

/// Checks librdkafka property `name` and, when given, `value`, as a client
/// would take them, on a scratch configuration (rd_kafka_conf_set): no
/// client is made and nothing is contacted. NotFound for an unknown name,
/// with a suggestion ("librdkafka has no property 'fetch.max.byte'; did
/// you mean 'fetch.max.bytes'?"); InvalidArgument with librdkafka's
/// message for a bad value (which may quote the value). Rules between
/// properties (e.g. acks with enable.idempotence), and the value of
/// plugin.library.paths (librdkafka loads the plugins when it is set), are
/// librdkafka's to check when a client is created.
absl::Status CheckProperty(std::string_view name,
                           std::optional<std::string_view> value);

/// The configuration librdkafka holds for a client of `kind` made from
/// `config`, built by the same function the clients use and read back
/// with rd_kafka_conf_dump (global and topic properties, librdkafka's
/// defaults included). A consumer's private group.id (see KafkaConsumer)
/// is not in it. InvalidArgument as the clients' Create.
absl::StatusOr<KafkaConfig> EffectiveClientConfig(ClientKind kind,
                                                  const KafkaConfig& config);

/// Checks `name` against Kafka's rules for topic names: 1 to 249
/// characters, each an ASCII letter, digit, '.', '_' or '-', and neither
/// "." nor "..". InvalidArgument saying which rule it breaks (for a bad
/// character, which one and at which position, counted from 1).
absl::Status ValidateTopicName(std::string_view name);

/// One record header. A header may have a null value.
struct KafkaHeader {
  std::string key;
  std::optional<std::string> value;
  bool operator==(const KafkaHeader&) const = default;
};

/// One consumed record; owns its bytes.
struct KafkaMessage {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  std::optional<std::string> key;    // nullopt: null key
  std::optional<std::string> value;  // nullopt: null value (tombstone)
  std::vector<KafkaHeader> headers;
  int64_t timestamp_ms = -1;  // -1: the record has no timestamp
};

/// One consumed record read in place: the views point into librdkafka's
/// fetch buffers and stay valid while the KafkaRecordBatch that returned
/// it holds the record (until the batch is cleared, refilled or
/// destroyed). Cheap to copy.
struct KafkaRecord {
  std::string_view topic;
  int32_t partition = -1;
  int64_t offset = -1;
  std::optional<std::string_view> key;    // nullopt: null key
  std::optional<std::string_view> value;  // nullopt: null value (tombstone)
  int64_t timestamp_ms = -1;              // -1: the record has no timestamp

  /// The record's headers, copied (parsed on each call: read them only
  /// when needed).
  std::vector<KafkaHeader> Headers() const;
  /// An owning copy of the whole record.
  KafkaMessage ToMessage() const;

 private:
  friend class KafkaRecordBatch;
  const void* message_ = nullptr;  // the librdkafka message
};

/// Records returned by KafkaConsumer::PollBatch, in the order the consumer
/// delivered them. Owns them: clearing, refilling or destroying the batch
/// gives their memory back to librdkafka (no copy is ever made). Reuse one
/// batch for many polls. Move-only; not thread-safe.
class KafkaRecordBatch {
 public:
  KafkaRecordBatch();
  ~KafkaRecordBatch();
  KafkaRecordBatch(KafkaRecordBatch&&) noexcept;
  KafkaRecordBatch& operator=(KafkaRecordBatch&&) noexcept;
  KafkaRecordBatch(const KafkaRecordBatch&) = delete;
  KafkaRecordBatch& operator=(const KafkaRecordBatch&) = delete;

  size_t size() const;
  bool empty() const { return size() == 0; }
  /// The bytes of all the records' values together.
  size_t value_bytes() const;
  /// Record `i` (< size()), valid until the batch changes.
  KafkaRecord operator[](size_t i) const;
  /// The partition and offset of record `i` (< size()) alone, without
  /// making the whole record.
  int32_t partition(size_t i) const;
  int64_t offset(size_t i) const;
  /// Releases every record.
  void Clear();

  class Iterator {
   public:
    Iterator(const KafkaRecordBatch* batch, size_t i) : batch_(batch), i_(i) {}
    KafkaRecord operator*() const { return (*batch_)[i_]; }
    Iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator!=(const Iterator& o) const { return i_ != o.i_; }

   private:
    const KafkaRecordBatch* batch_;
    size_t i_;
  };
  Iterator begin() const { return Iterator(this, 0); }
  Iterator end() const { return Iterator(this, size()); }

 private:
  friend class KafkaConsumer;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Where a consumer starts reading a partition.
struct StartOffset {
  enum class Kind { kEarliest, kLatest, kOffset, kTimestamp, kCommitted };
  Kind kind = Kind::kEarliest;
  int64_t value = 0;  // the offset (kOffset) or epoch ms (kTimestamp)

  static StartOffset Earliest() { return {Kind::kEarliest, 0}; }
  /// Only records produced after the assignment (the partition's end when
  /// Assign looks it up).
  static StartOffset Latest() { return {Kind::kLatest, 0}; }
  static StartOffset AtOffset(int64_t offset) {
    return {Kind::kOffset, offset};
  }
  /// The first record whose timestamp is >= `epoch_ms` (the end of the
  /// partition when there is none). Asked of the broker; when the broker
  /// answers "none" for a non-empty partition (the embedded broker always
  /// does: librdkafka's mock cluster has no timestamp index), the consumer
  /// reads from the low watermark and skips earlier records itself.
  static StartOffset AtTimestamp(int64_t epoch_ms) {
    return {Kind::kTimestamp, epoch_ms};
  }
  /// The offset committed under the consumer's `group.id`; where none is
  /// committed, `auto.offset.reset` of the configuration decides (earliest,
  /// Weir's default, or latest). Without a `group.id` the private group has
  /// nothing committed, so always the reset rule.
  static StartOffset Committed() { return {Kind::kCommitted, 0}; }
};

/// Low and high watermarks of a partition: the first offset still stored and
/// the offset the next record will get.
struct Watermarks {
  int64_t low = 0;
  int64_t high = 0;
};

/// A producer. Thread-safe: Produce and Flush may be called from several
/// threads. Idempotence (`enable.idempotence=true`, hence acks=all and
/// in-order retries without duplicates) is on unless the configuration says
/// otherwise. The destructor does not flush: call Flush first; anything
/// still undelivered is dropped when the producer is destroyed.
class KafkaProducer {
 public:
  /// Creates the client; connects lazily, so an unreachable broker is not an
  /// error here (Flush reports it). InvalidArgument for bad configuration.
  static absl::StatusOr<std::unique_ptr<KafkaProducer>> Create(
      const KafkaConfig& config);
  ~KafkaProducer();
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  /// Queues one record; copies all bytes. `partition` -1 lets the
  /// partitioner choose (by key hash when there is a key); `timestamp_ms` 0
  /// means "now". Never drops: when the local queue
  /// (`queue.buffering.max.messages`/`.kbytes`) is full, it serves delivery
  /// reports and retries, so it blocks only while the queue is full.
  /// Returns the first delivery error seen so far, if any (so a caller stops
  /// early), InvalidArgument for an unknown partition or oversized record.
  absl::Status Produce(std::string_view topic, int32_t partition,
                       std::optional<std::string_view> key,
                       std::optional<std::string_view> value,
                       const std::vector<KafkaHeader>& headers = {},
                       int64_t timestamp_ms = 0);

  /// Waits until every queued record is delivered or failed, up to
  /// `timeout`. Returns the first delivery error (naming topic and
  /// partition) since the producer was created, DeadlineExceeded with the
  /// count of records still in flight, or OK.
  absl::Status Flush(std::chrono::milliseconds timeout);

  /// Serves the delivery reports that have arrived, without waiting, so
  /// that InFlight() is current. Returns the first delivery error so far
  /// (as Produce does), else OK.
  absl::Status Poll();

  /// Records queued or in flight, not yet acknowledged or failed. Counts
  /// only the reports served so far (by Produce, Poll or Flush).
  int64_t InFlight() const;

  /// Records acknowledged by the broker so far.
  int64_t Delivered() const;

 private:
  friend struct internal::ProducerAccess;  // for KafkaTxnProducer
  struct Impl;
  explicit KafkaProducer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// A consumer of explicitly assigned partitions (no group rebalancing).
/// Not thread-safe: use one thread at a time. Auto-commit is off unless the
/// configuration turns it on; `auto.offset.reset` is earliest (an offset no
/// longer stored restarts at the oldest record kept) and
/// `fetch.wait.max.ms` 100 (librdkafka's 500 ms is how late a new record
/// can show on a broker that holds empty fetches, as the embedded one
/// does) unless it says otherwise. `group.id`
/// is needed only for Commit and Committed; without one, a private group id
/// is used (librdkafka's consumer requires one) under which nothing is ever
/// committed.
class KafkaConsumer {
 public:
  /// Creates the client; connects lazily. InvalidArgument for bad
  /// configuration.
  static absl::StatusOr<std::unique_ptr<KafkaConsumer>> Create(
      const KafkaConfig& config);
  ~KafkaConsumer();
  KafkaConsumer(const KafkaConsumer&) = delete;
  KafkaConsumer& operator=(const KafkaConsumer&) = delete;

  /// Adds `partitions` of `topic` to the assignment, each starting at
  /// `start`. Unless PartitionCount asked about `topic` already, first
  /// asks for its metadata (up to 2 s; best effort: a failure shows in
  /// PollBatch instead). For a topic found there, earliest and latest are
  /// looked up on the broker (up to 5 s; on failure librdkafka looks them
  /// up later), so that fetching starts at once: the end is the end at
  /// this call. A timestamp
  /// start looks the offsets up on the broker and blocks up to `timeout`
  /// (Unavailable / DeadlineExceeded when it cannot).
  absl::Status Assign(
      const std::string& topic, const std::vector<int32_t>& partitions,
      StartOffset start,
      std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// As above, each partition at its own start, in one change of the
  /// assignment. Use it rather than one Assign per partition: each call
  /// sets the whole assignment again, and librdkafka 2.0.2 can abort the
  /// process (assertion `rktp_started`) when a partition is re-assigned
  /// while an earlier change is still stopping it. A timestamp start must
  /// be the start of every partition of the call.
  absl::Status Assign(
      const std::string& topic,
      const std::vector<std::pair<int32_t, StartOffset>>& starts,
      std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// Replaces the contents of `out` with up to `max_messages` records from
  /// the assigned partitions, read in place (librdkafka's batch API: one
  /// call takes everything already fetched, no copies). Waits up to
  /// `timeout` for the first record, then takes only what is already
  /// fetched; a zero timeout never waits. An empty batch means nothing
  /// arrived in time. Errors name the topic and partition (e.g. OutOfRange
  /// for an offset no longer stored); Unavailable naming bootstrap.servers
  /// when no broker can be reached. A consume error among records returns
  /// the records first and the error on the next call.
  absl::Status PollBatch(size_t max_messages, std::chrono::milliseconds timeout,
                         KafkaRecordBatch* out);

  /// PollBatch, with each record copied into a KafkaMessage.
  absl::StatusOr<std::vector<KafkaMessage>> Poll(
      size_t max_messages, std::chrono::milliseconds timeout);

  /// The number of partitions of `topic`, asked of the cluster through this
  /// consumer's own connection (which then knows the partition leaders, so
  /// that a following Assign starts fetching at once). NotFound when the
  /// topic does not exist (asking does not create it); Unavailable naming
  /// bootstrap.servers as soon as every broker is found down.
  absl::StatusOr<int> PartitionCount(
      const std::string& topic,
      std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// The next offset this consumer will read from the partition, or nullopt
  /// when nothing was consumed yet and no position is known.
  absl::StatusOr<std::optional<int64_t>> Position(const std::string& topic,
                                                  int32_t partition);

  /// Commits `offset` (the next offset to read) for the partition under
  /// `group.id`; blocks until the broker answers.
  absl::Status Commit(const std::string& topic, int32_t partition,
                      int64_t offset);

  /// Starts committing `offsets` ((partition, next offset to read) pairs of
  /// `topic`) under `group.id` and returns without waiting for the broker.
  /// The outcome is not reported: a failed commit is superseded by the
  /// next one. The destructor (which closes the consumer) waits for
  /// commits still outstanding. FailedPrecondition without `group.id`.
  absl::Status CommitAsync(
      const std::string& topic,
      const std::vector<std::pair<int32_t, int64_t>>& offsets);

  /// The offset committed under `group.id`, nullopt when none. Blocks up to
  /// `timeout`. FailedPrecondition without `group.id`.
  absl::StatusOr<std::optional<int64_t>> Committed(
      const std::string& topic, int32_t partition,
      std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// Low and high watermarks, asked of the partition leader (blocks up to
  /// `timeout`).
  absl::StatusOr<Watermarks> WatermarkOffsets(
      const std::string& topic, int32_t partition,
      std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  struct Impl;
  explicit KafkaConsumer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Metadata and topic administration. Thread-safe; every call blocks up to
/// its timeout. Unavailable naming bootstrap.servers when no broker answers.
class KafkaAdmin {
 public:
  static absl::StatusOr<std::unique_ptr<KafkaAdmin>> Create(
      const KafkaConfig& config);
  ~KafkaAdmin();
  KafkaAdmin(const KafkaAdmin&) = delete;
  KafkaAdmin& operator=(const KafkaAdmin&) = delete;

  /// Creates `name` with `partitions` partitions. On a Kafka cluster:
  /// the CreateTopics request. On Weir's embedded broker (in this process
  /// or `weir broker`), whose mock cluster does not implement
  /// CreateTopics, the request goes through the broker's own topic-creation
  /// topic (see EmbeddedBroker); then this waits until the topic shows in
  /// the metadata. InvalidArgument for a bad name (ValidateTopicName) or
  /// count, before any request; AlreadyExists when the topic exists;
  /// FailedPrecondition for another librdkafka mock cluster (it cannot
  /// create topics); DeadlineExceeded after `timeout`.
  absl::Status CreateTopic(
      const std::string& name, int partitions, int replication_factor = 1,
      std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// The number of partitions of `topic`; NotFound when it does not exist
  /// (asking does not create it).
  absl::StatusOr<int> PartitionCount(
      const std::string& topic,
      std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// Low and high watermarks of one partition.
  absl::StatusOr<Watermarks> WatermarkOffsets(
      const std::string& topic, int32_t partition,
      std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  struct Impl;
  explicit KafkaAdmin(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace weir::connectors::kafka
