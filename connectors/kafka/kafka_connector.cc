// connector = 'kafka': its declaration (options and their checks, metadata
// columns, session settings, what EXPLAIN and DESCRIBE show) and its
// runtime in a session: each stream, table or sink reaches its own
// bootstrap.servers, else the session's (SET, the config file), else an
// embedded broker started on first use; its clients take the librdkafka
// properties of every level (entry_options.h); its topic (and DLQ topic)
// is created when missing.

#include "connectors/kafka/kafka_connector.h"

#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/entry_options.h"
#include "connectors/kafka/kafka_client.h"
#include "connectors/kafka/kafka_source.h"
#include "engine/base/status.h"
#include "engine/base/strings.h"
#include "engine/catalog/connector_options.h"
#include "engine/exec/sink.h"
#include "engine/exec/source.h"
#include "fmt/format.h"

namespace weir::connectors::kafka {
namespace {

using catalog::Applies;
using catalog::OptionSpec;
using catalog::ValueKind;
using types::LogicalType;

/// Partitions of a topic Weir creates when neither the entry nor SET
/// 'topic.partitions' says.
constexpr int kDefaultPartitions = 4;

/// How a sink of a query with checkpoints writes: 'at-least-once' (the
/// default) or 'exactly-once' (one Kafka transaction per checkpoint).
/// Exactly-once is opt-in until a bounded query ends with a final
/// checkpoint (else its last rows stay in an uncommitted transaction) and
/// its sink reports delivery as the at-least-once one does.
constexpr char kDeliveryGuarantee[] = "sink.delivery-guarantee";

/// The prefix of librdkafka properties in WITH (...) and SET.
constexpr std::string_view kProperties = "properties.";

const std::vector<std::string>& Formats() {
  static const std::vector<std::string> formats{"json", "csv", "avro",
                                                "debezium-json", "raw"};
  return formats;
}

catalog::OptionsSpec Options() {
  const Applies source_only = Applies::kSourceOnly;
  catalog::OptionsSpec spec;
  spec.options = {
      OptionSpec::String("topic", /*required=*/true),
      OptionSpec::OneOf("format", Formats()),
      OptionSpec::String("bootstrap.servers"),
      OptionSpec::OneOf("scan.startup.mode",
                        {"earliest-offset", "latest-offset", "group-offsets",
                         "timestamp", "specific-offsets"},
                        false, source_only),
      OptionSpec::Integer("scan.startup.timestamp-millis", 0,
                          std::numeric_limits<int64_t>::max(), source_only),
      OptionSpec::Of("scan.startup.specific-offsets", ValueKind::kOffsets,
                     source_only),
      OptionSpec::String("group.id", false, source_only),
      OptionSpec::OneOf("key.format", Formats()),
      OptionSpec::String("key.fields"),
      OptionSpec::OneOf("value.fields-include", {"all", "except_key"}),
      OptionSpec::OneOf("format.on-error", {"skip", "fail", "dlq"}, false,
                        source_only),
      OptionSpec::String("format.dlq.topic", false, source_only),
      OptionSpec::Integer("partitions", 1),
      OptionSpec::Of("csv.delimiter", ValueKind::kChar),
      // Also on a stream: INSERT INTO it writes as it says.
      OptionSpec::OneOf(kDeliveryGuarantee, {"exactly-once", "at-least-once"}),
  };
  spec.conditionals = {
      {"scan.startup.mode", "timestamp", "scan.startup.timestamp-millis"},
      {"scan.startup.mode", "specific-offsets",
       "scan.startup.specific-offsets"},
      // Without format.dlq.topic the DLQ is "<topic>.dlq" (DlqTopicOf).
      {"format.on-error", "dlq", "format.dlq.topic", "", /*only_then=*/true,
       /*required=*/false},
      {catalog::kLateRowsOption, "dlq", "format.dlq.topic", "",
       /*only_then=*/true, /*required=*/false},
      {"scan.startup.mode", "group-offsets", "group.id", "properties.group.id",
       /*only_then=*/false},
  };
  // Checked one by one against librdkafka (CheckFamilyOption).
  spec.families = {{std::string(kProperties), "properties.*"}};
  return spec;
}

/// Checks librdkafka property `key` (written with its 'properties.'
/// prefix) and, when given, its value; `what` names the key in messages
/// ("option", "setting"). NotFound for an unknown property, worded
/// `unknown_prefix` ("unknown option 'properties.x' for connector
/// 'kafka'"), InvalidArgument for a bad value; a secret value is never
/// quoted.
absl::Status CheckPropertyKey(std::string_view key,
                              std::optional<std::string_view> value,
                              std::string_view what,
                              std::string_view unknown_prefix) {
  const std::string_view name = key.substr(kProperties.size());
  if (name.empty()) {
    return absl::InvalidArgumentError(fmt::format(
        "{} '{}' needs a name after the '{}'", what, key, kProperties));
  }
  absl::Status status = CheckProperty(name, value);
  if (status.ok()) return status;
  if (status.code() == absl::StatusCode::kNotFound) {
    return absl::NotFoundError(
        fmt::format("{}: {}", unknown_prefix, std::string(status.message())));
  }
  return absl::InvalidArgumentError(catalog::HideSecretValue(
      key, value.value_or(""),
      fmt::format("{} '{}' has a value librdkafka refuses: {}", what, key,
                  std::string(status.message()))));
}

/// The topic options (and the DLQ topic a source defaults to) checked
/// against Kafka's rules for topic names; `*bad_key` the offending
/// option's index.
absl::Status CheckTopicNames(const catalog::Options& options, int* bad_key) {
  int topic = -1;
  int dlq_topic = -1;
  int on_error = -1;
  for (size_t i = 0; i < options.size(); ++i) {
    const std::string& key = options[i].first;
    if (key == "topic") topic = static_cast<int>(i);
    if (key == "format.dlq.topic") dlq_topic = static_cast<int>(i);
    // Late rows go to the same DLQ topic (DlqTopicOf).
    if ((key == "format.on-error" || key == catalog::kLateRowsOption) &&
        AsciiLower(options[i].second) == "dlq")
      on_error = static_cast<int>(i);
  }
  for (int i : {topic, dlq_topic}) {
    if (i < 0) continue;
    if (absl::Status status = ValidateTopicName(options[i].second);
        !status.ok()) {
      *bad_key = i;
      return status;
    }
  }
  if (topic >= 0 && dlq_topic < 0 && on_error >= 0) {
    const std::string dlq = options[topic].second + ".dlq";
    if (absl::Status status = ValidateTopicName(dlq); !status.ok()) {
      *bad_key = on_error;
      return absl::InvalidArgumentError(fmt::format(
          "the DLQ topic defaults to '<topic>.dlq', which is no topic name "
          "here ({}); set 'format.dlq.topic'",
          std::string(status.message())));
    }
  }
  return absl::OkStatus();
}

std::vector<catalog::MetadataSpec> Metadata() {
  const LogicalType text = LogicalType::Varchar();
  const LogicalType bytes = LogicalType::Bytes();
  return {
      {"key", "", {text, bytes}},
      {"topic", "", {text}},
      {"partition", "", {LogicalType::Int(), LogicalType::Bigint()}},
      {"offset", "", {LogicalType::Bigint()}},
      {"timestamp", "", {LogicalType::TimestampOrDie(3)}},
      {"headers", "", {text}},
      {"header.", "header.trace-id", {text, bytes}},
  };
}

std::vector<catalog::SettingSpec> Settings() {
  return {
      {"bootstrap.servers", "a host:port list",
       [](const std::string& v) { return v.find(':') != std::string::npos; }},
      {"scan.startup.mode", "'earliest-offset' or 'latest-offset'",
       [](const std::string& v) {
         return v == "earliest-offset" || v == "latest-offset";
       }},
      catalog::PositiveIntegerSetting("topic.partitions", 10000),
  };
}

/// Kafka in one session: the embedded broker, once started, lives as long
/// as the session (after its queries, which write to it).
class KafkaSession : public catalog::ConnectorSession {
 public:
  absl::StatusOr<catalog::SourceOpener> PrepareSource(
      const catalog::Entry& entry,
      const catalog::QueryContext& context) override {
    WEIR_ASSIGN_OR_RETURN(Cluster cluster, Prepare(entry, context));
    if (std::string dlq = DlqTopicOf(entry); !dlq.empty()) {
      WEIR_RETURN_IF_ERROR(
          EnsureTopic(entry, dlq, DefaultPartitions(context.settings),
                      cluster.bootstrap, EmbeddedAt(cluster.bootstrap),
                      cluster.session)
              .status());
    }
    return catalog::SourceOpener(
        [cluster](const catalog::Entry& e,
                  std::shared_ptr<const types::Schema> schema, int split,
                  int splits) {
          return OpenKafkaSource(e, std::move(schema), split, splits,
                                 cluster.bootstrap, cluster.session);
        });
  }

  absl::StatusOr<catalog::SinkOpener> PrepareSink(
      const catalog::Entry& target,
      const catalog::QueryContext& context) override {
    WEIR_ASSIGN_OR_RETURN(Cluster cluster, Prepare(target, context));
    // With checkpoints, exactly-once when the sink opts in.
    const bool exactly_once =
        context.checkpoints &&
        AsciiLower(target.Option(kDeliveryGuarantee).value_or(
            "at-least-once")) == "exactly-once";
    if (exactly_once) {
      // The sink's tasks share one transactional producer.
      auto committer = std::make_shared<std::shared_ptr<exec::SinkCommitter>>();
      return catalog::SinkOpener(
          [cluster, committer](const catalog::Entry& t,
                               std::shared_ptr<const types::Schema> schema,
                               int task, int tasks) {
            return OpenTxnKafkaSink(t, std::move(schema), task, tasks,
                                    cluster.bootstrap, cluster.session,
                                    committer.get());
          });
    }
    return catalog::SinkOpener(
        [cluster](const catalog::Entry& t,
                  std::shared_ptr<const types::Schema> schema, int task,
                  int tasks) {
          return OpenKafkaSink(t, std::move(schema), task, tasks,
                               cluster.bootstrap, cluster.session);
        });
  }

 private:
  using Cluster = internal::SessionCluster;

  static int DefaultPartitions(
      const std::map<std::string, std::string>& settings) {
    auto it = settings.find("topic.partitions");
    return it == settings.end() ? kDefaultPartitions
                                : std::atoi(it->second.c_str());
  }

  EmbeddedBroker* EmbeddedAt(const std::string& bootstrap) const {
    return broker_ && bootstrap == broker_->bootstrap_servers() ? broker_.get()
                                                                : nullptr;
  }

  /// The cluster of `entry`: its own bootstrap.servers, else the
  /// session's (SET or the config file: 'bootstrap.servers', else
  /// 'properties.bootstrap.servers'), else the embedded broker (started on
  /// first use and announced in the context's notes); and the session's
  /// librdkafka properties. Makes sure its topic exists.
  absl::StatusOr<Cluster> Prepare(const catalog::Entry& entry,
                                  const catalog::QueryContext& context) {
    if (!context.connect_to_sources) {
      return absl::FailedPreconditionError(
          "this session does not connect to outside systems, so it cannot "
          "reach Kafka");
    }
    Cluster cluster = internal::ClusterOf(entry, context.settings);
    std::string bootstrap = std::move(cluster.bootstrap);
    if (bootstrap.empty()) {
      if (!broker_) {
        WEIR_ASSIGN_OR_RETURN(broker_, EmbeddedBroker::Start());
        const std::string note = fmt::format(
            "Started an embedded Kafka broker at {} (in memory only; each "
            "partition keeps its last 5 MiB / 100,000 message sets). SET "
            "'bootstrap.servers' to use a real cluster.\n",
            broker_->bootstrap_servers());
        if (context.notes != nullptr) *context.notes += note;
      }
      bootstrap = broker_->bootstrap_servers();
    }
    int partitions = DefaultPartitions(context.settings);
    if (auto p = entry.Option("partitions")) partitions = std::atoi(p->c_str());
    WEIR_RETURN_IF_ERROR(EnsureTopic(entry, TopicOf(entry), partitions,
                                     bootstrap, EmbeddedAt(bootstrap),
                                     cluster.session)
                             .status());
    cluster.bootstrap = std::move(bootstrap);
    return cluster;
  }

  std::unique_ptr<EmbeddedBroker> broker_;
};

class KafkaConnector : public catalog::Connector {
 public:
  KafkaConnector() : Connector(Info()) {}

  absl::Status CheckFamilyOption(std::string_view key,
                                 std::string_view value) const override {
    absl::Status status = CheckPropertyKey(
        key, value, "option",
        fmt::format("unknown option '{}' for connector 'kafka'", key));
    if (status.ok()) return status;
    return absl::InvalidArgumentError(status.message());
  }

  absl::Status CheckOptionSet(const catalog::Options& options,
                              int* bad_key) const override {
    return CheckTopicNames(options, bad_key);
  }

  std::vector<catalog::ClientSetting> ClientSettings(
      const catalog::Entry& entry,
      const catalog::SessionSettings& settings) const override {
    return internal::DescribeClientSettings(entry, settings);
  }

  std::string ScanState(catalog::EntryKind kind) const override {
    if (kind != catalog::EntryKind::kTable) return "";
    return "the latest row per key (to turn upserts into updates)";
  }

  std::string TargetNote(const catalog::Entry& target) const override {
    return fmt::format(" (topic '{}')", TopicOf(target));
  }

  /// A topic of the embedded broker (no level names a cluster) ends with
  /// the process.
  std::string EndsWithProcess(
      const catalog::Entry& entry,
      const std::map<std::string, std::string>& settings) const override {
    if (!internal::ClusterOf(entry, settings).bootstrap.empty()) return "";
    return fmt::format(
        "topic '{}' is on the embedded Kafka broker, which ends with this "
        "process",
        TopicOf(entry));
  }

  std::unique_ptr<catalog::ConnectorSession> NewSession() const override {
    return std::make_unique<KafkaSession>();
  }

 private:
  static catalog::ConnectorInfo Info() {
    catalog::ConnectorInfo info;
    info.name = "kafka";
    info.display_name = "Kafka";
    info.stream = info.table = info.sink = true;
    info.runs_source = info.runs_sink = true;
    info.dead_letters = true;
    info.options = Options();
    info.metadata = Metadata();
    info.explain_options = {"topic", "format"};
    // A topic of plain records (json, csv, raw, avro) holds the latest row
    // per key and tombstones; Debezium events carry their retractions.
    info.upsert_table = [](const catalog::Options& options) {
      for (const auto& [key, value] : options) {
        if (key == "format") return AsciiLower(value) != "debezium-json";
      }
      return true;  // json
    };
    info.settings = Settings();
    info.setting_families = {
        {std::string(kProperties), "properties.<kafka client setting>",
         [](std::string_view key, std::optional<std::string_view> value) {
           return CheckPropertyKey(key, value, "setting",
                                   fmt::format("unknown setting '{}'", key));
         }}};
    return info;
  }
};

}  // namespace

std::unique_ptr<catalog::Connector> NewKafkaConnector() {
  return std::make_unique<KafkaConnector>();
}

}  // namespace weir::connectors::kafka
