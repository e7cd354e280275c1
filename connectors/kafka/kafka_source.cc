#include "connectors/kafka/kafka_source.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <thread>

#include "connectors/formats/convert.h"
#include "connectors/formats/format.h"
#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/entry_options.h"
#include "connectors/kafka/kafka_client.h"
#include "connectors/kafka/late_row_sink.h"
#include "engine/base/log.h"
#include "engine/base/strings.h"
#include "engine/base/status.h"
#include "engine/catalog/connector_options.h"
#include "fmt/format.h"

namespace weir::connectors::kafka {
namespace {

/// `text` as a JSON string literal. Header bytes need not be UTF-8; bytes
/// of a value that is not are read as Latin-1 (each becomes \u00XX), so
/// the result is always valid JSON.
void AppendJsonText(std::string_view text, std::string* out) {
  if (formats::internal::ValidUtf8(text)) {
    formats::internal::AppendJsonString(text, out);
    return;
  }
  std::string latin1;
  for (unsigned char c : text) {
    if (c < 0x80) {
      latin1.push_back(static_cast<char>(c));
    } else {
      latin1.push_back(static_cast<char>(0xC0 | (c >> 6)));
      latin1.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  formats::internal::AppendJsonString(latin1, out);
}

/// 'partition:0,offset:42;partition:1,offset:7' -> offset of `partition`.
std::optional<int64_t> SpecificOffset(const std::string& spec,
                                      int32_t partition) {
  size_t pos = 0;
  while (pos < spec.size()) {
    size_t end = spec.find(';', pos);
    std::string item = spec.substr(
        pos, end == std::string::npos ? std::string::npos : end - pos);
    int p = -1;
    long long o = -1;
    if (std::sscanf(item.c_str(), " partition:%d,offset:%lld", &p, &o) == 2 &&
        p == partition) {
      return o;
    }
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return std::nullopt;
}

/// Kafka header values as metadata columns: all of them as a JSON object
/// ('headers'), or one by name ('header.<name>').
void AppendHeadersJson(const std::vector<KafkaHeader>& headers,
                       std::string* out) {
  // Repeated names: the last wins, as when a JSON reader loads the object.
  std::vector<const KafkaHeader*> last;
  for (const KafkaHeader& h : headers) {
    bool replaced = false;
    for (const KafkaHeader*& seen : last) {
      if (seen->key == h.key) {
        seen = &h;
        replaced = true;
      }
    }
    if (!replaced) last.push_back(&h);
  }
  out->push_back('{');
  for (size_t i = 0; i < last.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendJsonText(last[i]->key, out);
    out->push_back(':');
    if (last[i]->value) {
      AppendJsonText(*last[i]->value, out);
    } else {
      out->append("null");
    }
  }
  out->push_back('}');
}

class KafkaSource : public exec::Source {
 public:
  absl::StatusOr<size_t> Next(types::Batch* out, size_t max_rows) override {
    // A malformed record under 'fail': the rows before it were returned by
    // the last call; now the query fails, and the position stays at it.
    if (malformed_) return *malformed_;
    runs_.clear();
    row_offsets_.clear();
    if (partitions_.empty()) return size_t{0};
    // Never wait for data: the task shares a worker thread, and the runtime
    // backs off a source that returns nothing. The records are read in
    // place, in one call, and released at the next poll.
    absl::Status polled = consumer_->PollBatch(
        max_rows, std::chrono::milliseconds(0), &messages_);
    if (polled.code() == absl::StatusCode::kUnavailable) {
      // The cluster went away: the client reconnects by itself, so go on
      // returning nothing instead of failing the query; say so once per
      // outage.
      if (!unavailable_) {
        Log(LogLevel::kWarning,
            std::string(polled.message()) + "; waiting for it to come back");
        unavailable_ = true;
      }
      return size_t{0};
    }
    WEIR_RETURN_IF_ERROR(polled);
    if (unavailable_ && !messages_.empty()) {
      Log(LogLevel::kInfo, "Kafka is reachable again");
      unavailable_ = false;
    }
    const KafkaRecordBatch& messages = messages_;
    bool dead_lettered = false;
    // Values decode into the value columns; metadata columns are filled from
    // the record beside them, one entry per decoded row.
    types::Batch* values = metadata_.empty() ? out : &value_rows_;
    if (!metadata_.empty()) value_rows_.Clear();
    size_t before = values->num_rows();
    size_t handled = 0;  // messages[0, handled) are decoded or dealt with
    // Grown once, not doubling row by row; a string column cannot hold
    // more than the payloads (escapes and base64 only shrink), and room
    // never touched costs no memory.
    const size_t payload_bytes = messages.value_bytes();
    for (size_t c = 0; c < values->num_columns(); ++c) {
      types::Column& column = values->column(c);
      column.Reserve(before + messages.size());
      if (column.physical() == types::PhysicalType::kString &&
          column.size() == 0 && (c >= value_read_.size() || value_read_[c])) {
        column.ReserveBytes(payload_bytes);
      }
    }
    for (const KafkaRecord& m : messages) {
      if (malformed_) break;
      ++handled;
      if (!m.value) {
        // A tombstone: nothing to insert into a stream; in an upsert TABLE
        // the delete of its key.
        if (upsert_ && AppendTombstone(m, values)) {
          AppendMetadata(m);
          AddRun(m, 1);
        }
        continue;
      }
      size_t rows_before = values->num_rows();
      absl::Status s = decoder_->Decode(*m.value, values);
      if (s.ok()) {
        for (size_t r = rows_before; r < values->num_rows(); ++r)
          AppendMetadata(m);
        AddRun(m, values->num_rows() - rows_before);
        continue;
      }
      std::string where = fmt::format("topic '{}' partition {} offset {}",
                                      m.topic, m.partition, m.offset);
      if (on_error_ == "skip") {
        ++skipped_;
        Log(LogLevel::kWarning,
            fmt::format("skipped a malformed record at {}: {}", where,
                        std::string(s.message())));
        continue;
      }
      if (on_error_ == "dlq") {
        std::vector<KafkaHeader> headers = m.Headers();
        headers.push_back({"weir.error", std::string(s.message())});
        headers.push_back({"weir.source", where});
        std::optional<std::string_view> key;
        if (m.key) key = *m.key;
        WEIR_RETURN_IF_ERROR(
            dlq_->Produce(dlq_topic_, -1, key, *m.value, headers));
        dead_lettered = true;
        continue;
      }
      // 'fail': the rows decoded before it go out first (this call), the
      // error with the next call; the records after it are not returned
      // (the decoder left `values` as it was).
      --handled;
      malformed_ = absl::Status(
          s.code(), fmt::format("malformed record at {}: {} (set "
                                "'format.on-error' = 'skip' or 'dlq' to go on)",
                                where, std::string(s.message())));
    }
    // A record counts as handled only once its dead-letter copy is stored.
    if (dead_lettered)
      WEIR_RETURN_IF_ERROR(dlq_->Flush(std::chrono::seconds(30)));
    // The position after the handled records: in checkpoints
    // (checkpoint_position), and with group-offsets committed once their
    // rows are delivered (position(), Commit()).
    // Records come in runs per partition: the last of each run sets it.
    for (size_t i = 0; i < handled; ++i) {
      const int32_t partition = messages.partition(i);
      if (i + 1 < handled && messages.partition(i + 1) == partition) continue;
      positions_[partition] = messages.offset(i) + 1;
    }
    if (metadata_.empty()) return out->num_rows() - before;
    return Assemble(out);
  }

  /// Appends the delete of the key of tombstone `m` to `values`: the key
  /// columns decoded from the record key, the other columns NULL (the
  /// changelog normalize retracts the key's latest row). False (and
  /// logged) when the record key does not give them.
  bool AppendTombstone(const KafkaRecord& m, types::Batch* values) {
    std::vector<types::Value> row;
    row.reserve(values->num_columns());
    for (size_t c = 0; c < values->num_columns(); ++c)
      row.push_back(types::Value::Null(values->column(c).type()));
    if (!key_value_columns_.empty()) {
      absl::Status s = absl::InvalidArgumentError("the record has no key");
      if (m.key) {
        key_rows_.Clear();
        s = key_decoder_->Decode(*m.key, &key_rows_);
        if (!s.ok() && key_text_decoder_) {
          key_rows_.Clear();
          s = key_text_decoder_->Decode(*m.key, &key_rows_);
        }
      }
      if (s.ok() && key_rows_.num_rows() != 1)
        s = absl::InvalidArgumentError("the key holds no single row");
      if (!s.ok()) {
        Log(LogLevel::kWarning,
            fmt::format("skipped a tombstone at topic '{}' partition {} "
                        "offset {}: its key does not give the PRIMARY KEY: {}",
                        m.topic, m.partition, m.offset,
                        std::string(s.message())));
        return false;
      }
      for (size_t k = 0; k < key_value_columns_.size(); ++k) {
        row[static_cast<size_t>(key_value_columns_[k])] =
            key_rows_.column(k).GetValue(0);
      }
    }
    values->AppendRow(row, types::ChangeKind::kDelete);
    return true;
  }

  /// Appends the metadata of `m` to the metadata columns.
  void AppendMetadata(const KafkaRecord& m) {
    for (size_t i = 0; i < metadata_.size(); ++i) {
      types::Column& c = metadata_columns_[i];
      const std::string& key = metadata_[i].second;
      if (key == "key") {
        if (m.key)
          c.AppendString(std::string(*m.key));
        else
          c.AppendNull();
      } else if (key == "topic") {
        c.AppendString(std::string(m.topic));
      } else if (key == "partition") {
        c.AppendInt(m.partition);
      } else if (key == "offset") {
        c.AppendInt(m.offset);
      } else if (key == "headers") {
        std::string json;
        AppendHeadersJson(m.Headers(), &json);
        c.AppendString(std::move(json));
      } else if (key.rfind("header.", 0) == 0) {
        // The last header of that name, as for 'headers'.
        const std::vector<KafkaHeader> headers = m.Headers();
        const std::optional<std::string>* value = nullptr;
        for (const KafkaHeader& h : headers) {
          if (h.key.compare(0, std::string::npos, key, 7, std::string::npos) ==
              0) {
            value = &h.value;
          }
        }
        if (value != nullptr && value->has_value()) {
          c.AppendString(**value);
        } else {
          c.AppendNull();
        }
      } else if (m.timestamp_ms < 0) {
        c.AppendNull();
      } else {
        c.AppendInt(m.timestamp_ms * 1000);
      }
    }
  }

  /// Moves the value columns and the metadata columns into `out` (which
  /// holds no rows yet), in the stream's column order.
  size_t Assemble(types::Batch* out) {
    size_t n = value_rows_.num_rows();
    if (n == 0) {
      for (auto& c : metadata_columns_) c.Clear();
      return 0;
    }
    size_t next_value = 0;
    size_t next_meta = 0;
    for (size_t col = 0; col < out->num_columns(); ++col) {
      if (next_meta < metadata_.size() &&
          metadata_[next_meta].first == static_cast<int>(col)) {
        out->column(col) = std::move(metadata_columns_[next_meta]);
        metadata_columns_[next_meta] = types::Column(out->column(col).type());
        ++next_meta;
      } else {
        out->column(col) = std::move(value_rows_.column(next_value));
        value_rows_.column(next_value) = types::Column(out->column(col).type());
        ++next_value;
      }
    }
    out->SetChanges(value_rows_.changes());
    out->SetNumRows(n);
    value_rows_.Clear();
    return n;
  }
  bool finished() const override { return partitions_.empty(); }

  /// Passes the flags of the value columns to the decoder (metadata
  /// columns are filled whatever the flags say). An upsert table's key
  /// columns are always decoded: the changelog normalize keys on them.
  void ReadOnly(const std::vector<bool>& read) override {
    std::vector<bool> values;
    size_t next_meta = 0;
    for (size_t col = 0; col < read.size(); ++col) {
      if (next_meta < metadata_.size() &&
          metadata_[next_meta].first == static_cast<int>(col)) {
        ++next_meta;
        continue;
      }
      values.push_back(read[col]);
    }
    for (int k : key_value_columns_) {
      if (static_cast<size_t>(k) < values.size())
        values[static_cast<size_t>(k)] = true;
    }
    decoder_->ReadOnly(values);
    value_read_ = values;
  }

  /// Event time is tracked per partition (engine/exec/watermark.h).
  std::vector<int32_t> Partitions() const override { return partitions_; }
  void RowPartitions(std::vector<exec::PartitionRows>* runs) const override {
    *runs = runs_;
  }
  void RowOffsets(std::vector<int64_t>* offsets) const override {
    *offsets = row_offsets_;
  }
  absl::StatusOr<std::shared_ptr<exec::LateRowSink>> OpenLateRowSink()
      override {
    if (late_dlq_topic_.empty()) return exec::Source::OpenLateRowSink();
    return internal::OpenLateRowSink(config_, topic_, late_dlq_topic_);
  }

  /// `rows` more rows of the last Next came from record `m`.
  void AddRun(const KafkaRecord& m, size_t rows) {
    if (rows == 0) return;
    const int32_t partition = m.partition;
    if (!late_dlq_topic_.empty())
      row_offsets_.insert(row_offsets_.end(), rows, m.offset);
    if (!runs_.empty() && runs_.back().partition == partition) {
      runs_.back().rows += static_cast<uint32_t>(rows);
    } else {
      runs_.push_back({partition, static_cast<uint32_t>(rows)});
    }
  }

  /// group-offsets: the next offset to read of each partition that returned
  /// records; other sources keep no positions.
  std::optional<exec::SourcePosition> position() const override {
    if (!commit_) return std::nullopt;
    return positions_;
  }

  /// Every startup mode: the next offset to read of each partition that
  /// returned records (the others start as the options say on resume).
  std::optional<exec::SourcePosition> checkpoint_position() const override {
    return positions_;
  }

  /// Assigns each partition of `position` at its offset (a checkpoint's:
  /// the checkpoint, not the group, is where a resumed query reads from).
  absl::Status StartAt(const exec::SourcePosition& position) override {
    std::vector<std::pair<int32_t, StartOffset>> starts;
    for (const auto& [partition, offset] : position) {
      if (std::find(partitions_.begin(), partitions_.end(), partition) ==
          partitions_.end()) {
        return absl::FailedPreconditionError(fmt::format(
            "a checkpoint holds a position in partition {} of topic '{}', "
            "which this split does not read (the topic's partitions or the "
            "query's parallelism changed)",
            partition, topic_));
      }
      starts.emplace_back(partition, StartOffset::AtOffset(offset));
    }
    WEIR_RETURN_IF_ERROR(consumer_->Assign(topic_, starts));
    for (const auto& [partition, offset] : position)
      positions_[partition] = offset;
    return absl::OkStatus();
  }

  /// Commits `position` under the group, asynchronously (the consumer's
  /// destructor waits for commits still outstanding); a failure is logged
  /// and superseded by the next commit.
  void Commit(const exec::SourcePosition& position) override {
    if (!commit_ || position.empty() || position == committed_) return;
    std::vector<std::pair<int32_t, int64_t>> offsets(position.begin(),
                                                     position.end());
    absl::Status s = consumer_->CommitAsync(topic_, offsets);
    if (!s.ok()) {
      Log(LogLevel::kWarning,
          fmt::format("cannot commit offsets of topic '{}': {}", topic_,
                      std::string(s.message())));
      return;
    }
    committed_ = position;
  }

  std::unique_ptr<KafkaConsumer> consumer_;
  KafkaRecordBatch messages_;  // the last poll's records, read in place
  std::string topic_;
  // The next offset to read per partition (checkpoints), and with
  // group-offsets the last position committed. The runtime decides what is
  // committed (only rows that were delivered, or a completed checkpoint's
  // positions); the source never commits by itself.
  bool commit_ = false;
  exec::SourcePosition positions_;
  exec::SourcePosition committed_;
  // 'fail' met a malformed record: returned by every later Next.
  std::optional<absl::Status> malformed_;
  std::unique_ptr<formats::Decoder> decoder_;
  // ReadOnly's flags of the value columns (empty: all read); an unread
  // string column gets no room for the payload's bytes.
  std::vector<bool> value_read_;
  std::unique_ptr<KafkaProducer> dlq_;
  std::string dlq_topic_;
  std::string on_error_ = "fail";
  std::vector<int32_t> partitions_;
  // The partition of each row the last Next returned, as runs.
  std::vector<exec::PartitionRows> runs_;
  // 'late-rows' = 'dlq': the dead-letter topic, the clients' configuration
  // (for the late-row writer), and the offset of each row the last Next
  // returned.
  std::string late_dlq_topic_;
  KafkaConfig config_;
  std::vector<int64_t> row_offsets_;
  int64_t skipped_ = 0;
  bool unavailable_ = false;
  // Metadata columns (index in the stream, key), sorted by index; the rows
  // of the value columns are decoded into value_rows_ first.
  std::vector<std::pair<int, std::string>> metadata_;
  std::vector<types::Column> metadata_columns_;
  types::Batch value_rows_;
  // An upsert TABLE (entry.upsert): tombstones become deletes of their
  // key. The PRIMARY KEY columns among the value columns (their indexes
  // there) are decoded from the record key by key_decoder_ (key.format),
  // or, for a single column whose key is no JSON object, from the key's
  // text by key_text_decoder_.
  bool upsert_ = false;
  std::vector<int> key_value_columns_;
  std::unique_ptr<formats::Decoder> key_decoder_;
  std::unique_ptr<formats::Decoder> key_text_decoder_;
  types::Batch key_rows_;
};

/// Sets up `source` to turn the tombstones of upsert TABLE `entry` (rows
/// of `schema`; the decoder reads `value_schema`) into deletes of their
/// key.
absl::Status SetUpTombstones(const catalog::Entry& entry,
                             const types::Schema& schema,
                             const types::Schema& value_schema,
                             KafkaSource* source) {
  source->upsert_ = true;
  auto key_schema = std::make_shared<types::Schema>();
  for (int k : entry.key) {
    const std::string& name = schema.field(static_cast<size_t>(k)).name;
    for (size_t v = 0; v < value_schema.size(); ++v) {
      if (value_schema.field(v).name != name) continue;
      source->key_value_columns_.push_back(static_cast<int>(v));
      key_schema->Add(value_schema.field(v));
    }
  }
  if (key_schema->size() == 0) return absl::OkStatus();  // metadata keys
  // Records would then carry their key only in the record key, which only
  // tombstones are read from: every row would have a NULL key.
  if (AsciiLower(entry.Option("value.fields-include").value_or("all")) ==
      "except_key") {
    return absl::UnimplementedError(fmt::format(
        "TABLE '{}': value.fields-include = 'except_key' is not read yet: "
        "the PRIMARY KEY columns of an upsert table are read from the "
        "record value (only a tombstone's from the record key); write them "
        "into the value, or declare the key as a METADATA FROM 'key' column",
        entry.name));
  }
  std::string format = AsciiLower(entry.Option("key.format").value_or("json"));
  const bool single = key_schema->size() == 1;
  const bool text = single && key_schema->field(0).type.id() ==
                                  types::TypeId::kVarchar;
  // raw holds one VARCHAR or BYTES column; a single key of another type is
  // its text, which the csv decoder reads.
  if (format == "raw" && !text) format = "csv";
  auto fail = [&](const absl::Status& s) {
    return absl::InvalidArgumentError(fmt::format(
        "TABLE '{}': its tombstones cannot be matched to their PRIMARY KEY "
        "with key.format '{}': {}",
        entry.name, format, std::string(s.message())));
  };
  absl::StatusOr<std::unique_ptr<formats::Decoder>> decoder =
      formats::MakeDecoder(format, key_schema, {});
  if (!decoder.ok()) return fail(decoder.status());
  source->key_decoder_ = *std::move(decoder);
  if (format == "json" && single) {
    decoder = formats::MakeDecoder(text ? "raw" : "csv", key_schema, {});
    if (!decoder.ok()) return fail(decoder.status());
    source->key_text_decoder_ = *std::move(decoder);
  }
  source->key_rows_ = types::Batch(key_schema);
  return absl::OkStatus();
}

}  // namespace

namespace internal {

formats::FormatOptions FormatOptionsOf(const catalog::Entry& entry) {
  formats::FormatOptions out;
  for (const auto& [k, v] : entry.options) {
    if (k.rfind("csv.", 0) == 0 || k.rfind("value.", 0) == 0)
      out.push_back({k, v});
  }
  return out;
}

}  // namespace internal

absl::StatusOr<int> EnsureTopic(const catalog::Entry& entry,
                                const std::string& topic, int partitions,
                                const std::string& bootstrap,
                                EmbeddedBroker* embedded,
                                const KafkaConfig& session) {
  // Refused before anything is asked of the cluster.
  WEIR_RETURN_IF_ERROR(ValidateTopicName(topic));
  WEIR_ASSIGN_OR_RETURN(KafkaConfig config,
                        internal::ClientConfig(entry, bootstrap, session));
  WEIR_ASSIGN_OR_RETURN(auto admin, KafkaAdmin::Create(config));
  absl::StatusOr<int> count = admin->PartitionCount(topic);
  if (count.ok() || count.status().code() != absl::StatusCode::kNotFound)
    return count;
  absl::Status created = embedded != nullptr
                             ? embedded->CreateTopic(topic, partitions)
                             : admin->CreateTopic(topic, partitions);
  if (!created.ok() && created.code() != absl::StatusCode::kAlreadyExists)
    return created;
  // Metadata may lag the creation for a moment.
  for (int attempt = 0; attempt < 50; ++attempt) {
    count = admin->PartitionCount(topic);
    if (count.ok()) return count;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return count;
}

std::string TopicOf(const catalog::Entry& entry) {
  return entry.Option("topic").value_or(entry.name);
}

std::string DlqTopicOf(const catalog::Entry& entry) {
  if (entry.Option("format.on-error").value_or("fail") != "dlq" &&
      !LateRowsToDlq(entry))
    return "";
  return entry.Option("format.dlq.topic").value_or(TopicOf(entry) + ".dlq");
}

bool LateRowsToDlq(const catalog::Entry& entry) {
  return AsciiLower(entry.Option(catalog::kLateRowsOption).value_or("drop")) ==
         "dlq";
}

std::string EntryBootstrap(const catalog::Entry& entry) {
  if (auto b = entry.Option("bootstrap.servers")) return *b;
  if (auto b = entry.Option("properties.bootstrap.servers")) return *b;
  return "";
}

absl::StatusOr<std::unique_ptr<exec::Source>> OpenKafkaSource(
    const catalog::Entry& entry, std::shared_ptr<const types::Schema> schema,
    int split, int splits, const std::string& bootstrap,
    const KafkaConfig& session) {
  std::string topic = entry.Option("topic").value_or(entry.name);
  WEIR_RETURN_IF_ERROR(ValidateTopicName(topic));
  WEIR_ASSIGN_OR_RETURN(KafkaConfig config,
                        internal::ClientConfig(entry, bootstrap, session));
  auto source = std::make_unique<KafkaSource>();
  if (auto group = entry.Option("group.id")) config["group.id"] = *group;
  std::string mode =
      entry.Option("scan.startup.mode").value_or("earliest-offset");
  if (mode == "group-offsets") {
    if (!config.count("group.id")) {
      return absl::InvalidArgumentError(fmt::format(
          "'{}': scan.startup.mode = 'group-offsets' needs 'group.id' (or "
          "'properties.group.id')",
          entry.name));
    }
    // Partitions the group never committed start here; Kafka's own default
    // (latest) would skip what is already in the topic.
    config.emplace("auto.offset.reset", "earliest");
  }
  WEIR_ASSIGN_OR_RETURN(source->consumer_, KafkaConsumer::Create(config));
  // Asked through the consumer itself, which then knows the leaders of
  // the partitions it is about to read.
  WEIR_ASSIGN_OR_RETURN(int partitions,
                        source->consumer_->PartitionCount(topic));
  for (int p = split; p < partitions; p += splits)
    source->partitions_.push_back(p);
  // The decoder sees only the value columns.
  std::shared_ptr<const types::Schema> value_schema = schema;
  if (!entry.metadata.empty()) {
    source->metadata_ = entry.metadata;
    std::sort(source->metadata_.begin(), source->metadata_.end());
    auto values = std::make_shared<types::Schema>();
    for (size_t i = 0; i < schema->size(); ++i) {
      bool is_meta = false;
      for (const auto& [col, key] : source->metadata_)
        is_meta |= col == static_cast<int>(i);
      if (!is_meta) values->Add(schema->field(i));
    }
    for (const auto& [col, key] : source->metadata_) {
      source->metadata_columns_.emplace_back(schema->field(col).type);
    }
    value_schema = values;
    source->value_rows_ = types::Batch(values);
  }
  WEIR_ASSIGN_OR_RETURN(
      source->decoder_,
      formats::MakeDecoder(entry.Option("format").value_or("json"),
                           value_schema, internal::FormatOptionsOf(entry)));
  if (entry.upsert) {
    WEIR_RETURN_IF_ERROR(
        SetUpTombstones(entry, *schema, *value_schema, source.get()));
  }
  source->on_error_ = entry.Option("format.on-error").value_or("fail");
  if (source->on_error_ == "dlq") {
    source->dlq_topic_ = DlqTopicOf(entry);
    // The consumer's properties (group.id, ...) stay out of the producer
    // of dead letters (see ClientKind).
    WEIR_ASSIGN_OR_RETURN(source->dlq_, KafkaProducer::Create(config));
  }
  source->topic_ = topic;
  if (LateRowsToDlq(entry)) {
    source->late_dlq_topic_ = DlqTopicOf(entry);
    source->config_ = config;
  }
  if (source->partitions_.empty())
    return std::unique_ptr<exec::Source>(std::move(source));
  if (mode == "specific-offsets") {
    std::string spec =
        entry.Option("scan.startup.specific-offsets").value_or("");
    std::vector<std::pair<int32_t, StartOffset>> starts;
    for (int32_t p : source->partitions_) {
      std::optional<int64_t> o = SpecificOffset(spec, p);
      starts.emplace_back(
          p, o ? StartOffset::AtOffset(*o) : StartOffset::Earliest());
    }
    WEIR_RETURN_IF_ERROR(source->consumer_->Assign(topic, starts));
  } else {
    StartOffset start = StartOffset::Earliest();
    if (mode == "latest-offset") start = StartOffset::Latest();
    if (mode == "timestamp") {
      start = StartOffset::AtTimestamp(std::atoll(
          entry.Option("scan.startup.timestamp-millis").value_or("0").c_str()));
    }
    if (mode == "group-offsets") {
      start = StartOffset::Committed();
      source->commit_ = true;
    }
    WEIR_RETURN_IF_ERROR(
        source->consumer_->Assign(topic, source->partitions_, start));
  }
  return std::unique_ptr<exec::Source>(std::move(source));
}

}  // namespace weir::connectors::kafka
