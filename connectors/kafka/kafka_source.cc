#include "connectors/kafka/kafka_source.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "connectors/formats/format.h"
#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_client.h"
#include "engine/base/status.h"
#include "fmt/format.h"

namespace weir::connectors::kafka {
namespace {

formats::FormatOptions FormatOptionsOf(const catalog::Entry& entry) {
  formats::FormatOptions out;
  for (const auto& [k, v] : entry.options) {
    if (k.rfind("csv.", 0) == 0 || k.rfind("value.", 0) == 0) out.push_back({k, v});
  }
  return out;
}

absl::StatusOr<KafkaConfig> ClientConfig(const catalog::Entry& entry,
                                         const std::string& bootstrap) {
  WEIR_ASSIGN_OR_RETURN(KafkaConfig config, ConfigFromOptions(entry.options));
  if (!config.count("bootstrap.servers")) config["bootstrap.servers"] = bootstrap;
  return config;
}

/// 'partition:0,offset:42;partition:1,offset:7' -> offset of `partition`.
std::optional<int64_t> SpecificOffset(const std::string& spec, int32_t partition) {
  size_t pos = 0;
  while (pos < spec.size()) {
    size_t end = spec.find(';', pos);
    std::string item = spec.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    int p = -1;
    long long o = -1;
    if (std::sscanf(item.c_str(), " partition:%d,offset:%lld", &p, &o) == 2 && p == partition) {
      return o;
    }
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return std::nullopt;
}

class KafkaSource : public exec::Source {
 public:
  absl::StatusOr<size_t> Next(types::Batch* out, size_t max_rows) override {
    if (partitions_.empty()) return size_t{0};
    absl::StatusOr<std::vector<KafkaMessage>> polled =
        consumer_->Poll(max_rows, std::chrono::milliseconds(100));
    if (!polled.ok() && polled.status().code() == absl::StatusCode::kUnavailable) {
      // The cluster went away: wait for it (the client reconnects by itself)
      // instead of failing the query; say so once per outage.
      if (!unavailable_) {
        std::fprintf(stderr, "weir: %s; waiting for it to come back\n",
                     std::string(polled.status().message()).c_str());
        unavailable_ = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      return size_t{0};
    }
    if (!polled.ok()) return polled.status();
    if (unavailable_ && !polled->empty()) {
      std::fprintf(stderr, "weir: Kafka is reachable again\n");
      unavailable_ = false;
    }
    std::vector<KafkaMessage>& messages = *polled;
    bool dead_lettered = false;
    // Values decode into the value columns; metadata columns are filled from
    // the record beside them, one entry per decoded row.
    types::Batch* values = metadata_.empty() ? out : &value_rows_;
    if (!metadata_.empty()) value_rows_.Clear();
    size_t before = values->num_rows();
    for (const KafkaMessage& m : messages) {
      if (!m.value) continue;  // a tombstone: nothing to insert into a stream
      size_t rows_before = values->num_rows();
      absl::Status s = decoder_->Decode(*m.value, values);
      if (s.ok()) {
        for (size_t r = rows_before; r < values->num_rows(); ++r) AppendMetadata(m);
        continue;
      }
      std::string where = fmt::format("topic '{}' partition {} offset {}", m.topic, m.partition,
                                      m.offset);
      if (on_error_ == "skip") {
        ++skipped_;
        std::fprintf(stderr, "weir: skipped a malformed record at %s: %s\n", where.c_str(),
                     std::string(s.message()).c_str());
        continue;
      }
      if (on_error_ == "dlq") {
        std::vector<KafkaHeader> headers = m.headers;
        headers.push_back({"weir.error", std::string(s.message())});
        headers.push_back({"weir.source", where});
        std::optional<std::string_view> key;
        if (m.key) key = *m.key;
        WEIR_RETURN_IF_ERROR(dlq_->Produce(dlq_topic_, -1, key, *m.value, headers));
        dead_lettered = true;
        continue;
      }
      return absl::Status(s.code(), fmt::format("malformed record at {}: {} (set "
                                                "'format.on-error' = 'skip' or 'dlq' to go on)",
                                                where, std::string(s.message())));
    }
    // A record counts as handled only once its dead-letter copy is stored.
    if (dead_lettered) WEIR_RETURN_IF_ERROR(dlq_->Flush(std::chrono::seconds(30)));
    if (metadata_.empty()) return out->num_rows() - before;
    return Assemble(out);
  }

  /// Appends the metadata of `m` to the metadata columns.
  void AppendMetadata(const KafkaMessage& m) {
    for (size_t i = 0; i < metadata_.size(); ++i) {
      types::Column& c = metadata_columns_[i];
      const std::string& key = metadata_[i].second;
      if (key == "key") {
        if (m.key) c.AppendString(*m.key); else c.AppendNull();
      } else if (key == "topic") {
        c.AppendString(m.topic);
      } else if (key == "partition") {
        c.AppendInt(m.partition);
      } else if (key == "offset") {
        c.AppendInt(m.offset);
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
      if (next_meta < metadata_.size() && metadata_[next_meta].first == static_cast<int>(col)) {
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

  std::unique_ptr<KafkaConsumer> consumer_;
  std::unique_ptr<formats::Decoder> decoder_;
  std::unique_ptr<KafkaProducer> dlq_;
  std::string dlq_topic_;
  std::string on_error_ = "fail";
  std::vector<int32_t> partitions_;
  int64_t skipped_ = 0;
  bool unavailable_ = false;
  // Metadata columns (index in the stream, key), sorted by index; the rows
  // of the value columns are decoded into value_rows_ first.
  std::vector<std::pair<int, std::string>> metadata_;
  std::vector<types::Column> metadata_columns_;
  types::Batch value_rows_;
};

}  // namespace

absl::StatusOr<int> EnsureTopic(const catalog::Entry& entry, const std::string& bootstrap,
                                EmbeddedBroker* embedded, int default_partitions) {
  WEIR_ASSIGN_OR_RETURN(KafkaConfig config, ClientConfig(entry, bootstrap));
  std::string topic = entry.Option("topic").value_or(entry.name);
  WEIR_ASSIGN_OR_RETURN(auto admin, KafkaAdmin::Create(config));
  absl::StatusOr<int> count = admin->PartitionCount(topic);
  if (count.ok() || count.status().code() != absl::StatusCode::kNotFound) return count;
  int partitions = default_partitions;
  if (auto p = entry.Option("partitions")) partitions = std::atoi(p->c_str());
  absl::Status created = embedded != nullptr ? embedded->CreateTopic(topic, partitions)
                                             : admin->CreateTopic(topic, partitions);
  if (!created.ok() && created.code() != absl::StatusCode::kAlreadyExists) return created;
  // Metadata may lag the creation for a moment.
  for (int attempt = 0; attempt < 50; ++attempt) {
    count = admin->PartitionCount(topic);
    if (count.ok()) return count;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return count;
}

std::string EntryBootstrap(const catalog::Entry& entry) {
  if (auto b = entry.Option("bootstrap.servers")) return *b;
  if (auto b = entry.Option("properties.bootstrap.servers")) return *b;
  return "";
}

absl::StatusOr<std::unique_ptr<exec::Source>> OpenKafkaSource(
    const catalog::Entry& entry, std::shared_ptr<const types::Schema> schema, int split,
    int splits, const std::string& bootstrap) {
  WEIR_ASSIGN_OR_RETURN(KafkaConfig config, ClientConfig(entry, bootstrap));
  std::string topic = entry.Option("topic").value_or(entry.name);
  WEIR_ASSIGN_OR_RETURN(auto admin, KafkaAdmin::Create(config));
  WEIR_ASSIGN_OR_RETURN(int partitions, admin->PartitionCount(topic));
  auto source = std::make_unique<KafkaSource>();
  for (int p = split; p < partitions; p += splits) source->partitions_.push_back(p);
  // The decoder sees only the value columns.
  std::shared_ptr<const types::Schema> value_schema = schema;
  if (!entry.metadata.empty()) {
    source->metadata_ = entry.metadata;
    std::sort(source->metadata_.begin(), source->metadata_.end());
    auto values = std::make_shared<types::Schema>();
    for (size_t i = 0; i < schema->size(); ++i) {
      bool is_meta = false;
      for (const auto& [col, key] : source->metadata_) is_meta |= col == static_cast<int>(i);
      if (!is_meta) values->Add(schema->field(i));
    }
    for (const auto& [col, key] : source->metadata_) {
      source->metadata_columns_.emplace_back(schema->field(col).type);
    }
    value_schema = values;
    source->value_rows_ = types::Batch(values);
  }
  WEIR_ASSIGN_OR_RETURN(source->decoder_,
                        formats::MakeDecoder(entry.Option("format").value_or("json"),
                                             value_schema, FormatOptionsOf(entry)));
  source->on_error_ = entry.Option("format.on-error").value_or("fail");
  if (source->on_error_ == "dlq") {
    source->dlq_topic_ = entry.Option("format.dlq.topic").value_or(topic + ".dlq");
    WEIR_ASSIGN_OR_RETURN(source->dlq_, KafkaProducer::Create(config));
  }
  if (auto group = entry.Option("group.id")) config["group.id"] = *group;
  WEIR_ASSIGN_OR_RETURN(source->consumer_, KafkaConsumer::Create(config));
  if (source->partitions_.empty()) return std::unique_ptr<exec::Source>(std::move(source));
  std::string mode = entry.Option("scan.startup.mode").value_or("earliest-offset");
  if (mode == "specific-offsets") {
    std::string spec = entry.Option("scan.startup.specific-offsets").value_or("");
    for (int32_t p : source->partitions_) {
      std::optional<int64_t> o = SpecificOffset(spec, p);
      WEIR_RETURN_IF_ERROR(source->consumer_->Assign(
          topic, {p}, o ? StartOffset::AtOffset(*o) : StartOffset::Earliest()));
    }
  } else {
    StartOffset start = StartOffset::Earliest();
    if (mode == "latest-offset") start = StartOffset::Latest();
    if (mode == "timestamp") {
      start = StartOffset::AtTimestamp(
          std::atoll(entry.Option("scan.startup.timestamp-millis").value_or("0").c_str()));
    }
    if (mode == "group-offsets") {
      return absl::UnimplementedError(
          "scan.startup.mode = 'group-offsets' arrives with checkpoints; use earliest-offset, "
          "latest-offset, timestamp or specific-offsets");
    }
    WEIR_RETURN_IF_ERROR(source->consumer_->Assign(topic, source->partitions_, start));
  }
  return std::unique_ptr<exec::Source>(std::move(source));
}

absl::StatusOr<size_t> WriteRows(const catalog::Entry& entry, const types::Batch& rows,
                                 const std::string& bootstrap) {
  WEIR_ASSIGN_OR_RETURN(KafkaConfig config, ClientConfig(entry, bootstrap));
  std::string topic = entry.Option("topic").value_or(entry.name);
  // Metadata columns are not part of the value: 'key' becomes the record
  // key and 'timestamp' its timestamp; topic, partition and offset are the
  // broker's to choose and are ignored.
  const types::Batch* values = &rows;
  types::Batch value_rows;
  int key_col = -1, timestamp_col = -1;
  if (!entry.metadata.empty()) {
    auto schema = std::make_shared<types::Schema>();
    std::vector<size_t> value_cols;
    for (size_t i = 0; i < rows.num_columns(); ++i) {
      const std::string* key = nullptr;
      for (const auto& [col, k] : entry.metadata) {
        if (col == static_cast<int>(i)) key = &k;
      }
      if (key == nullptr) {
        schema->Add(rows.schema()->field(i));
        value_cols.push_back(i);
      } else if (*key == "key") {
        key_col = static_cast<int>(i);
      } else if (*key == "timestamp") {
        timestamp_col = static_cast<int>(i);
      }
    }
    value_rows = types::Batch(schema);
    for (size_t r = 0; r < rows.num_rows(); ++r) {
      std::vector<types::Value> row;
      for (size_t c : value_cols) row.push_back(rows.column(c).GetValue(r));
      value_rows.AppendRow(row, rows.change(r));
    }
    values = &value_rows;
  }
  WEIR_ASSIGN_OR_RETURN(auto encoder,
                        formats::MakeEncoder(entry.Option("format").value_or("json"),
                                             values->schema(), FormatOptionsOf(entry)));
  WEIR_ASSIGN_OR_RETURN(auto producer, KafkaProducer::Create(config));
  std::string payload;
  size_t written = 0;
  for (size_t r = 0; r < values->num_rows();) {
    WEIR_ASSIGN_OR_RETURN(size_t used, encoder->Encode(*values, r, &payload));
    std::optional<std::string_view> key;
    if (key_col >= 0 && !rows.column(key_col).IsNull(r)) key = rows.column(key_col).strings()[r];
    int64_t timestamp_ms = 0;
    if (timestamp_col >= 0 && !rows.column(timestamp_col).IsNull(r)) {
      timestamp_ms = rows.column(timestamp_col).ints()[r] / 1000;
    }
    WEIR_RETURN_IF_ERROR(producer->Produce(topic, -1, key, payload, {}, timestamp_ms));
    r += used;
    ++written;
  }
  WEIR_RETURN_IF_ERROR(producer->Flush(std::chrono::seconds(30)));
  return written;
}

}  // namespace weir::connectors::kafka
