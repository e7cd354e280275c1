// Writing rows to a Kafka topic: the runtime's Sink (CREATE SINK, INSERT
// INTO stream SELECT) -- at-least-once, or exactly-once through one
// transaction per checkpoint -- and INSERT ... VALUES share one
// row-to-record encoder.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connectors/formats/format.h"
#include "connectors/kafka/entry_options.h"
#include "connectors/kafka/kafka_client.h"
#include "connectors/kafka/kafka_source.h"
#include "connectors/kafka/kafka_txn_producer.h"
#include "engine/base/status.h"
#include "engine/exec/sink.h"
#include "fmt/format.h"

namespace weir::connectors::kafka {
namespace {

/// One record to produce; views into the encoder's buffers, valid until the
/// encoder's next record.
struct Record {
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;  // nullopt: a tombstone
  const std::vector<KafkaHeader>* headers = nullptr;
  int64_t timestamp_ms = 0;  // 0: the producer's "now"
};

/// Turns rows of a target's schema into Kafka records:
///  - the value: the value columns in the entry's `format`; for a
///    debezium-json changelog a before/after event, else upsert rules
///    (insert and update-after: the row; delete: a tombstone; update-before:
///    nothing, the update-after that follows replaces it);
///  - the key: the `key.fields` columns, else a 'key' metadata column, else
///    the entry's key columns, else none; as a JSON object of the key
///    columns (`key.format` json) or one column's text (raw);
///  - headers from 'header.<name>' metadata columns (NULL: no header), the
///    timestamp from a 'timestamp' one. Other metadata columns (topic,
///    partition, offset, headers) are the broker's and are ignored.
/// Not thread-safe.
class RecordEncoder {
 public:
  static absl::StatusOr<std::unique_ptr<RecordEncoder>> Create(
      const catalog::Entry& target,
      std::shared_ptr<const types::Schema> schema) {
    std::unique_ptr<RecordEncoder> e(new RecordEncoder());
    e->topic_ = target.Option("topic").value_or(target.name);
    std::vector<bool> is_metadata(schema->size(), false);
    for (const auto& [col, key] : target.metadata) {
      if (col < 0 || static_cast<size_t>(col) >= schema->size()) continue;
      is_metadata[col] = true;
      if (key == "key") e->key_metadata_col_ = col;
      if (key == "timestamp") e->timestamp_col_ = col;
      if (key.rfind("header.", 0) == 0)
        e->header_cols_.push_back({col, key.substr(7)});
    }
    // The key columns.
    if (std::optional<std::string> fields = target.Option("key.fields")) {
      size_t pos = 0;
      while (pos <= fields->size()) {
        size_t end = std::min(fields->find(',', pos), fields->size());
        std::string name = fields->substr(pos, end - pos);
        name.erase(0, name.find_first_not_of(' '));
        name.erase(name.find_last_not_of(' ') + 1);
        std::optional<size_t> index = schema->IndexOf(name);
        if (!index || is_metadata[*index]) {
          std::vector<std::string> names;
          for (size_t i = 0; i < schema->size(); ++i) {
            if (!is_metadata[i]) names.push_back(schema->field(i).name);
          }
          return absl::InvalidArgumentError(
              fmt::format("'{}': key.fields names '{}', which is not a column; "
                          "the columns are {}",
                          target.name, name, fmt::join(names, ", ")));
        }
        e->key_cols_.push_back(static_cast<int>(*index));
        pos = end + 1;
      }
    } else if (e->key_metadata_col_ < 0) {
      e->key_cols_ = target.key;
    }
    const std::string format = target.Option("format").value_or("json");
    e->debezium_ = format == "debezium-json";
    const bool has_key = !e->key_cols_.empty() || e->key_metadata_col_ >= 0;
    if (!target.append_only && !e->debezium_ && !has_key) {
      return absl::InvalidArgumentError(
          fmt::format("'{}' is a changelog (it has updates and deletes); a "
                      "changelog written as {} needs a "
                      "key to upsert by (key.fields = 'col,...' or a PRIMARY "
                      "KEY), or use format "
                      "'debezium-json'",
                      target.name, format));
    }
    // The value columns.
    const bool except_key =
        target.Option("value.fields-include").value_or("all") == "except_key";
    auto value_schema = std::make_shared<types::Schema>();
    for (size_t i = 0; i < schema->size(); ++i) {
      if (is_metadata[i]) continue;
      if (except_key && std::find(e->key_cols_.begin(), e->key_cols_.end(),
                                  static_cast<int>(i)) != e->key_cols_.end()) {
        continue;
      }
      e->value_cols_.push_back(static_cast<int>(i));
      value_schema->Add(schema->field(i));
    }
    e->value_batch_ = types::Batch(value_schema);
    WEIR_ASSIGN_OR_RETURN(
        e->value_encoder_,
        formats::MakeEncoder(format, value_schema,
                             internal::FormatOptionsOf(target)));
    // The key format.
    if (!e->key_cols_.empty()) {
      const std::string key_format =
          target.Option("key.format").value_or("json");
      if (key_format == "raw") {
        if (e->key_cols_.size() != 1) {
          return absl::InvalidArgumentError(fmt::format(
              "'{}': key.format 'raw' takes a single key column, not {}",
              target.name, e->key_cols_.size()));
        }
        e->raw_key_ = true;
      } else if (key_format == "json") {
        auto key_schema = std::make_shared<types::Schema>();
        for (int c : e->key_cols_) key_schema->Add(schema->field(c));
        e->key_batch_ = types::Batch(key_schema);
        WEIR_ASSIGN_OR_RETURN(e->key_encoder_,
                              formats::MakeEncoder("json", key_schema, {}));
      } else {
        return absl::InvalidArgumentError(
            fmt::format("'{}': key.format '{}' is not supported for writing; "
                        "use 'json' or 'raw'",
                        target.name, key_format));
      }
    }
    return e;
  }

  const std::string& topic() const { return topic_; }

  /// Encodes the live rows of `rows` (of the schema given to Create), calling
  /// `emit(const Record&)` for each record in row order. Stops at the first
  /// error of encoding or of `emit`.
  template <typename Emit>
  absl::Status Encode(const types::Batch& rows, Emit&& emit) {
    const types::Batch& values = Project(rows, value_cols_, &value_batch_);
    const types::Batch* keys =
        key_encoder_ ? &Project(rows, key_cols_, &key_batch_) : nullptr;
    live_.clear();
    if (rows.has_selection()) {
      live_.assign(rows.selection().begin(), rows.selection().end());
    } else {
      for (size_t r = 0; r < rows.num_rows(); ++r)
        live_.push_back(static_cast<uint32_t>(r));
    }
    for (size_t i = 0; i < live_.size();) {
      const size_t r = live_[i];
      const types::ChangeKind kind = rows.change(r);
      Record record;
      size_t used = 1;
      if (debezium_) {
        WEIR_ASSIGN_OR_RETURN(used, value_encoder_->Encode(values, r, &value_));
        record.value = value_;
      } else if (kind == types::ChangeKind::kUpdateBefore) {
        ++i;  // the update-after that follows overwrites the key's value
        continue;
      } else if (kind == types::ChangeKind::kDelete) {
        if (key_cols_.empty() && key_metadata_col_ < 0) {
          return absl::InvalidArgumentError(
              fmt::format("cannot write a delete to topic '{}': it has no key "
                          "to write a tombstone for",
                          topic_));
        }
      } else {
        WEIR_ASSIGN_OR_RETURN(used, value_encoder_->Encode(values, r, &value_));
        record.value = value_;
      }
      // A debezium update pairs two rows; its key is the new row's.
      const size_t key_row = used == 2 ? live_[i + 1] : r;
      WEIR_RETURN_IF_ERROR(EncodeKey(rows, keys, key_row, &record));
      headers_.clear();
      for (const auto& [col, name] : header_cols_) {
        const types::Column& c = rows.column(col);
        if (!c.IsNull(r))
          headers_.push_back({name, std::string(c.StringAt(r))});
      }
      record.headers = &headers_;
      if (timestamp_col_ >= 0 && !rows.column(timestamp_col_).IsNull(r)) {
        record.timestamp_ms = rows.column(timestamp_col_).ints()[r] / 1000;
      }
      WEIR_RETURN_IF_ERROR(emit(record));
      i += used;
    }
    return absl::OkStatus();
  }

 private:
  RecordEncoder() = default;

  /// `rows` itself when `cols` are all its columns in order; else a copy of
  /// those columns in `scratch`, with the same change kinds and selection
  /// (the format encoders take whole batches of their schema).
  static const types::Batch& Project(const types::Batch& rows,
                                     const std::vector<int>& cols,
                                     types::Batch* scratch) {
    bool identity = cols.size() == rows.num_columns();
    for (size_t i = 0; identity && i < cols.size(); ++i)
      identity = cols[i] == static_cast<int>(i);
    if (identity) return rows;
    scratch->Clear();
    scratch->ClearSelection();
    for (size_t i = 0; i < cols.size(); ++i)
      scratch->column(i) = rows.column(cols[i]);
    scratch->SetNumRows(rows.num_rows());
    scratch->SetChanges(rows.changes());
    if (rows.has_selection()) scratch->SetSelection(rows.selection());
    return *scratch;
  }

  absl::Status EncodeKey(const types::Batch& rows, const types::Batch* keys,
                         size_t r, Record* record) {
    if (key_encoder_) {
      WEIR_RETURN_IF_ERROR(key_encoder_->Encode(*keys, r, &key_).status());
      record->key = key_;
    } else if (raw_key_) {
      const types::Column& c = rows.column(key_cols_[0]);
      if (c.IsNull(r)) return absl::OkStatus();
      if (c.physical() == types::PhysicalType::kString) {
        record->key = c.StringAt(r);
      } else {
        key_ = c.GetValue(r).ToString();
        record->key = key_;
      }
    } else if (key_metadata_col_ >= 0) {
      const types::Column& c = rows.column(key_metadata_col_);
      if (!c.IsNull(r)) record->key = c.StringAt(r);
    }
    return absl::OkStatus();
  }

  std::string topic_;
  bool debezium_ = false;
  std::vector<int> value_cols_;
  std::vector<int> key_cols_;
  int key_metadata_col_ = -1;
  int timestamp_col_ = -1;
  std::vector<std::pair<int, std::string>> header_cols_;
  bool raw_key_ = false;
  std::unique_ptr<formats::Encoder> value_encoder_;
  std::unique_ptr<formats::Encoder> key_encoder_;
  types::Batch value_batch_;
  types::Batch key_batch_;
  // Reused per record.
  std::vector<uint32_t> live_;
  std::string value_;
  std::string key_;
  std::vector<KafkaHeader> headers_;
};

/// Undelivered records a sink task holds before Ready() says false. Well
/// under librdkafka's own queue bound (queue.buffering.max.messages,
/// 100,000 by default), so that Produce does not block for room.
constexpr int64_t kMaxUndelivered = 50000;

/// How long records may be pending with no acknowledgement at all before
/// the sink says the broker is unreachable.
constexpr std::chrono::seconds kUnreachableAfter{3};

/// How many of a sink task's rows the producer has acknowledged. Rows map
/// to records in order, so after each produce the task notes the producer's
/// record count that covers its rows so far; acknowledgements of different
/// partitions come in any order, so the count is exact only once nothing
/// is in flight. Also tells when records have waited too long for any
/// acknowledgement.
class DeliveryCount {
 public:
  using Clock = std::chrono::steady_clock;

  /// `rows` more rows were produced; they are delivered once the
  /// producer has acknowledged `records_end` records.
  void Produced(int64_t records_end, int64_t rows) {
    if (rows == 0) return;
    rows_produced_ += rows;
    ends_.push_back({records_end, rows_produced_});
  }

  /// Takes the producer's acknowledged and in-flight record counts.
  void Update(int64_t acked, int64_t in_flight) {
    if (acked != last_acked_ || in_flight == 0) {
      last_acked_ = acked;
      last_ack_ = Clock::now();
    }
    while (!ends_.empty() && ends_.front().records_end <= acked) {
      rows_delivered_ = ends_.front().rows_end;
      ends_.pop_front();
    }
  }

  /// Counts every row produced so far as delivered (a transactional
  /// producer with nothing in flight: acknowledged, or failed and the
  /// transaction aborted, which the next write reports).
  void AllDelivered() {
    rows_delivered_ = rows_produced_;
    ends_.clear();
  }

  /// Nothing was in flight: the wait for an acknowledgement starts now.
  void StartWaiting() { last_ack_ = Clock::now(); }

  /// Records are in flight and none was acknowledged for a while.
  bool Stalled(int64_t in_flight) const {
    return in_flight > 0 && Clock::now() - last_ack_ >= kUnreachableAfter;
  }

  int64_t delivered() const { return rows_delivered_; }

 private:
  /// The producer's record count and the task's produced rows after one
  /// produce.
  struct ProducedEnd {
    int64_t records_end;
    int64_t rows_end;
  };

  int64_t rows_produced_ = 0;
  int64_t rows_delivered_ = 0;    // of rows_produced_, acknowledged
  std::deque<ProducedEnd> ends_;  // not yet known to be acknowledged
  int64_t last_acked_ = 0;
  Clock::time_point last_ack_ = Clock::now();
};

class KafkaSink final : public exec::Sink {
 public:
  KafkaSink(std::unique_ptr<RecordEncoder> encoder,
            std::unique_ptr<KafkaProducer> producer, int64_t buffer_rows,
            std::string bootstrap)
      : encoder_(std::move(encoder)),
        producer_(std::move(producer)),
        buffer_rows_(buffer_rows),
        bootstrap_(std::move(bootstrap)) {}

  absl::Status Write(const types::Batch& batch) override {
    WEIR_RETURN_IF_ERROR(producer_->Poll());
    if (producer_->InFlight() == 0) count_.StartWaiting();
    int64_t records = 0;
    absl::Status st = encoder_->Encode(batch, [&](const Record& r) {
      ++records;
      return producer_->Produce(encoder_->topic(), -1, r.key, r.value,
                                *r.headers, r.timestamp_ms);
    });
    // Rows map to records in order: a row of an update-before writes none,
    // a debezium update pairs two rows into one.
    records_written_ += records;
    const auto rows = static_cast<int64_t>(batch.num_selected());
    rows_written_ += rows;
    count_.Produced(records_written_, rows);
    return st;
  }

  bool Ready() override {
    // With a delivery error, let the next Write report it.
    if (!producer_->Poll().ok()) return true;
    return producer_->InFlight() < buffer_rows_;
  }

  absl::Status Flush(std::chrono::milliseconds timeout) override {
    return producer_->Flush(timeout);
  }

  std::optional<exec::SinkDelivery> Delivery() override {
    producer_->Poll().IgnoreError();  // a delivery error: Write reports it
    count_.Update(producer_->Delivered(), producer_->InFlight());
    exec::SinkDelivery d;
    d.delivered = count_.delivered();
    d.pending = rows_written_ - count_.delivered();
    if (count_.Stalled(producer_->InFlight()))
      d.problem = "output broker unreachable: " + bootstrap_;
    return d;
  }

  std::string Describe() const override {
    return fmt::format("topic '{}' at '{}'", encoder_->topic(), bootstrap_);
  }

 private:
  std::unique_ptr<RecordEncoder> encoder_;
  std::unique_ptr<KafkaProducer> producer_;
  int64_t buffer_rows_;
  std::string bootstrap_;
  int64_t records_written_ = 0;
  int64_t rows_written_ = 0;
  DeliveryCount count_;
};

/// The one transactional producer of an exactly-once sink, shared by its
/// tasks: each checkpoint's rows go out in one transaction, committed with
/// the checkpoint's marker (kafka_txn_producer.h) by the coordinator.
class TxnSinkShared final : public exec::SinkCommitter {
 public:
  explicit TxnSinkShared(std::unique_ptr<KafkaTxnProducer> txn)
      : txn_(std::move(txn)) {}

  absl::Status CommitCheckpoint(uint64_t id) override {
    std::lock_guard lock(mu_);
    if (id <= committed_.load()) return absl::OkStatus();
    // Always a transaction, rows or not: the marker says n.
    WEIR_RETURN_IF_ERROR(BeginLocked());
    WEIR_RETURN_IF_ERROR(txn_->Commit(exec::CheckpointId{id}));
    committed_ = id;
    return absl::OkStatus();
  }

  absl::StatusOr<uint64_t> LastCommittedCheckpoint() override {
    std::lock_guard lock(mu_);
    WEIR_ASSIGN_OR_RETURN(std::optional<exec::CheckpointId> last,
                          txn_->LastCommittedCheckpoint());
    return last ? exec::ToInt(*last) : 0;
  }

  void CheckpointDone(uint64_t id) override {
    uint64_t was = released_.load();
    while (was < id && !released_.compare_exchange_weak(was, id)) {
    }
  }

  /// Tasks prepared up to here may write on (CheckpointDone).
  uint64_t released() const { return released_.load(); }
  std::mutex& mu() { return mu_; }
  /// With mu() held: the open transaction, begun when none is.
  KafkaTxnProducer& TxnLocked() { return *txn_; }
  absl::Status BeginLocked() {
    return txn_->in_transaction() ? absl::OkStatus() : txn_->Begin();
  }

 private:
  std::mutex mu_;
  std::unique_ptr<KafkaTxnProducer> txn_;
  std::atomic<uint64_t> committed_{0};
  std::atomic<uint64_t> released_{0};
};

/// A task of an exactly-once Kafka sink. At barrier n (PrepareCheckpoint)
/// its rows so far are in the shared transaction; what it writes after
/// the barrier is held here until checkpoint n is over (its commit record
/// written, or dropped; else a crash after the sink's commit would show
/// rows of n+1 that the replay from n writes again), then goes into the
/// next transaction.
///
/// Delivery reports as the at-least-once sink's: a row is delivered once
/// the broker acknowledged its record (in the open transaction; the
/// checkpoint's commit makes it visible), pending while it is held back or
/// in flight. The producer is shared, so a task counts its rows delivered
/// once the producer's acknowledgements reach the records produced up to
/// them: exact once nothing is in flight.
class TxnKafkaSink final : public exec::Sink {
 public:
  TxnKafkaSink(std::unique_ptr<RecordEncoder> encoder,
               std::shared_ptr<TxnSinkShared> shared, std::string bootstrap)
      : encoder_(std::move(encoder)),
        shared_(std::move(shared)),
        bootstrap_(std::move(bootstrap)) {}

  absl::Status Write(const types::Batch& batch) override {
    const auto rows = static_cast<int64_t>(batch.num_selected());
    rows_written_ += rows;
    if (Gated()) {
      held_rows_ += rows;
      return encoder_->Encode(batch, [&](const Record& r) {
        held_.push_back(
            {r.key ? std::optional<std::string>(*r.key) : std::nullopt,
             r.value ? std::optional<std::string>(*r.value) : std::nullopt,
             *r.headers, r.timestamp_ms});
        return absl::OkStatus();
      });
    }
    std::lock_guard lock(shared_->mu());
    WEIR_RETURN_IF_ERROR(ReleaseLocked());
    KafkaTxnProducer& txn = shared_->TxnLocked();
    absl::Status st = encoder_->Encode(batch, [&](const Record& r) {
      return txn.Produce(encoder_->topic(), -1, r.key, r.value, *r.headers,
                         r.timestamp_ms);
    });
    ProducedLocked(rows);
    return st;
  }

  bool Ready() override {
    if (Gated()) return static_cast<int64_t>(held_.size()) < kMaxUndelivered;
    std::lock_guard lock(shared_->mu());
    if (!shared_->TxnLocked().producer().Poll().ok()) return true;
    return shared_->TxnLocked().producer().InFlight() < kMaxUndelivered;
  }

  absl::Status Flush(std::chrono::milliseconds timeout) override {
    if (Gated()) return WaitingForCommit();
    std::lock_guard lock(shared_->mu());
    WEIR_RETURN_IF_ERROR(ReleaseLocked());
    WEIR_RETURN_IF_ERROR(shared_->TxnLocked().producer().Flush(timeout));
    CountDeliveredLocked();  // everything: nothing is in flight
    return absl::OkStatus();
  }

  std::optional<exec::SinkDelivery> Delivery() override {
    // The coordinator holds the lock while it commits (flushes): report
    // what was known, rather than block a worker thread.
    std::unique_lock lock(shared_->mu(), std::try_to_lock);
    if (lock.owns_lock()) {
      shared_->TxnLocked().producer().Poll().IgnoreError();  // Write says it
      CountDeliveredLocked();
    }
    exec::SinkDelivery d;
    d.delivered = count_.delivered();
    d.pending = rows_written_ - count_.delivered();
    d.problem = problem_;
    return d;
  }

  absl::Status PrepareCheckpoint(uint64_t id,
                                 std::chrono::milliseconds) override {
    if (id <= prepared_) return absl::OkStatus();
    // Rows held since the barrier before belong to this checkpoint. Still
    // held means that one was never started: a checkpoint starts only once
    // the one before has completed or been dropped.
    std::lock_guard lock(shared_->mu());
    WEIR_RETURN_IF_ERROR(ReleaseLocked());
    WEIR_RETURN_IF_ERROR(shared_->TxnLocked().producer().Poll());
    prepared_ = id;
    return absl::OkStatus();
  }

  std::shared_ptr<exec::SinkCommitter> Committer() override { return shared_; }

  std::string Describe() const override {
    return fmt::format("topic '{}' at '{}'", encoder_->topic(), bootstrap_);
  }

 private:
  struct Held {
    std::optional<std::string> key;
    std::optional<std::string> value;
    std::vector<KafkaHeader> headers;
    int64_t timestamp_ms;
  };

  /// Prepared for a checkpoint that is not over yet.
  bool Gated() const { return prepared_ > shared_->released(); }

  absl::Status WaitingForCommit() const {
    return absl::DeadlineExceededError(fmt::format(
        "{}: waiting for checkpoint {} to commit", Describe(), prepared_));
  }

  /// With the shared lock held: the rows held back go into the open
  /// transaction (begun when none is).
  absl::Status ReleaseLocked() {
    WEIR_RETURN_IF_ERROR(shared_->BeginLocked());
    KafkaTxnProducer& txn = shared_->TxnLocked();
    for (const Held& h : held_) {
      WEIR_RETURN_IF_ERROR(txn.Produce(
          encoder_->topic(), -1,
          h.key ? std::optional<std::string_view>(*h.key) : std::nullopt,
          h.value ? std::optional<std::string_view>(*h.value) : std::nullopt,
          h.headers, h.timestamp_ms));
    }
    held_.clear();
    ProducedLocked(std::exchange(held_rows_, 0));
    return absl::OkStatus();
  }

  /// With the shared lock held: `rows` more rows' records were produced;
  /// they are acknowledged once the producer's count reaches its records
  /// so far (acknowledged + in flight).
  void ProducedLocked(int64_t rows) {
    const KafkaProducer& p = shared_->TxnLocked().producer();
    count_.Produced(p.Delivered() + p.InFlight(), rows);
  }

  /// With the shared lock held: counts what the producer's
  /// acknowledgements cover; says when none came for a while.
  void CountDeliveredLocked() {
    const KafkaProducer& p = shared_->TxnLocked().producer();
    count_.Update(p.Delivered(), p.InFlight());
    // All acknowledged, or failed (the next Write says so).
    if (p.InFlight() == 0) count_.AllDelivered();
    problem_ = count_.Stalled(p.InFlight())
                   ? "output broker unreachable: " + bootstrap_
                   : std::string();
  }

  std::unique_ptr<RecordEncoder> encoder_;
  std::shared_ptr<TxnSinkShared> shared_;
  std::string bootstrap_;
  uint64_t prepared_ = 0;
  std::vector<Held> held_;
  // Delivery counts, in rows.
  int64_t rows_written_ = 0;
  int64_t held_rows_ = 0;  // of rows_written_, in held_
  DeliveryCount count_;    // of the rows produced
  std::string problem_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<exec::Sink>> OpenTxnKafkaSink(
    const catalog::Entry& target, std::shared_ptr<const types::Schema> schema,
    int task, int tasks, const std::string& bootstrap,
    const KafkaConfig& session,
    std::shared_ptr<exec::SinkCommitter>* committer) {
  (void)task;
  (void)tasks;
  WEIR_ASSIGN_OR_RETURN(KafkaConfig config,
                        internal::ClientConfig(target, bootstrap, session));
  WEIR_ASSIGN_OR_RETURN(auto encoder,
                        RecordEncoder::Create(target, std::move(schema)));
  if (*committer == nullptr) {
    config.emplace("client.id", fmt::format("weir-sink-{}", target.name));
    TxnProducerOptions options;
    options.sink_name = target.name;
    options.output_topics = {encoder->topic()};
    WEIR_ASSIGN_OR_RETURN(auto txn, KafkaTxnProducer::Open(config, options));
    *committer = std::make_shared<TxnSinkShared>(std::move(txn));
  }
  return std::unique_ptr<exec::Sink>(new TxnKafkaSink(
      std::move(encoder), std::static_pointer_cast<TxnSinkShared>(*committer),
      config["bootstrap.servers"]));
}

absl::StatusOr<std::unique_ptr<exec::Sink>> OpenKafkaSink(
    const catalog::Entry& target, std::shared_ptr<const types::Schema> schema,
    int task, int tasks, const std::string& bootstrap,
    const KafkaConfig& session) {
  WEIR_ASSIGN_OR_RETURN(KafkaConfig config,
                        internal::ClientConfig(target, bootstrap, session));
  // Tell the tasks apart in the broker's logs and metrics.
  config.emplace("client.id",
                 fmt::format("weir-sink-{}-{}of{}", target.name, task, tasks));
  WEIR_ASSIGN_OR_RETURN(auto encoder,
                        RecordEncoder::Create(target, std::move(schema)));
  WEIR_ASSIGN_OR_RETURN(auto producer, KafkaProducer::Create(config));
  return std::unique_ptr<exec::Sink>(
      new KafkaSink(std::move(encoder), std::move(producer), kMaxUndelivered,
                    config["bootstrap.servers"]));
}

absl::StatusOr<size_t> WriteRows(const catalog::Entry& entry,
                                 const types::Batch& rows,
                                 const std::string& bootstrap,
                                 const KafkaConfig& session) {
  WEIR_ASSIGN_OR_RETURN(KafkaConfig config,
                        internal::ClientConfig(entry, bootstrap, session));
  WEIR_ASSIGN_OR_RETURN(auto encoder,
                        RecordEncoder::Create(entry, rows.schema()));
  WEIR_ASSIGN_OR_RETURN(auto producer, KafkaProducer::Create(config));
  size_t written = 0;
  WEIR_RETURN_IF_ERROR(encoder->Encode(rows, [&](const Record& r) {
    ++written;
    return producer->Produce(encoder->topic(), -1, r.key, r.value, *r.headers,
                             r.timestamp_ms);
  }));
  WEIR_RETURN_IF_ERROR(producer->Flush(std::chrono::seconds(30)));
  return written;
}

}  // namespace weir::connectors::kafka
