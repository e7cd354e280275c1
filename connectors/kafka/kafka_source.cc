#include "connectors/kafka/kafka_source.h"

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
    size_t before = out->num_rows();
    for (const KafkaMessage& m : messages) {
      if (!m.value) continue;  // a tombstone: nothing to insert into a stream
      absl::Status s = decoder_->Decode(*m.value, out);
      if (s.ok()) continue;
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
    return out->num_rows() - before;
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
  WEIR_ASSIGN_OR_RETURN(source->decoder_,
                        formats::MakeDecoder(entry.Option("format").value_or("json"), schema,
                                             FormatOptionsOf(entry)));
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
  WEIR_ASSIGN_OR_RETURN(auto encoder,
                        formats::MakeEncoder(entry.Option("format").value_or("json"),
                                             rows.schema(), FormatOptionsOf(entry)));
  WEIR_ASSIGN_OR_RETURN(auto producer, KafkaProducer::Create(config));
  std::string payload;
  size_t written = 0;
  for (size_t r = 0; r < rows.num_rows();) {
    WEIR_ASSIGN_OR_RETURN(size_t used, encoder->Encode(rows, r, &payload));
    WEIR_RETURN_IF_ERROR(producer->Produce(topic, -1, std::nullopt, payload));
    r += used;
    ++written;
  }
  WEIR_RETURN_IF_ERROR(producer->Flush(std::chrono::seconds(30)));
  return written;
}

}  // namespace weir::connectors::kafka
