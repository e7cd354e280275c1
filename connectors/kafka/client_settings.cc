// A Kafka entry's client configuration, merged from its levels (see
// entry_options.h): for the clients a query opens, and for DESCRIBE.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "connectors/kafka/entry_options.h"
#include "connectors/kafka/kafka_client.h"
#include "connectors/kafka/kafka_source.h"
#include "engine/base/status.h"
#include "fmt/format.h"

namespace weir::connectors::kafka {
namespace internal {
namespace {

constexpr std::string_view kProperties = "properties.";

/// The kinds of client a query of `entry` opens: a source's consumer, the
/// producer of an INSERT, a sink or a DLQ, and the admin client that
/// looks its topics up and creates them.
std::vector<ClientKind> ClientsOf(const catalog::Entry& entry) {
  std::vector<ClientKind> kinds;
  if (entry.kind != catalog::EntryKind::kSink)
    kinds.push_back(ClientKind::kConsumer);
  if (entry.kind != catalog::EntryKind::kTable || !DlqTopicOf(entry).empty())
    kinds.push_back(ClientKind::kProducer);
  kinds.push_back(ClientKind::kAdmin);
  return kinds;
}

}  // namespace

KafkaConfig SessionProperties(
    const std::map<std::string, std::string>& settings,
    std::map<std::string, std::string>* keys) {
  KafkaConfig out;
  auto put = [&](const std::string& key, const std::string& name,
                 const std::string& value) {
    out[name] = value;
    if (keys != nullptr) (*keys)[name] = key;
  };
  for (const auto& [key, value] : settings) {
    if (key.size() > kProperties.size() && key.rfind(kProperties, 0) == 0)
      put(key, key.substr(kProperties.size()), value);
  }
  if (auto it = settings.find("bootstrap.servers"); it != settings.end())
    put(it->first, it->first, it->second);
  return out;
}

SessionCluster ClusterOf(const catalog::Entry& entry,
                         const std::map<std::string, std::string>& settings) {
  SessionCluster cluster;
  cluster.session = SessionProperties(settings);
  cluster.bootstrap = EntryBootstrap(entry);
  if (cluster.bootstrap.empty())
    cluster.bootstrap = cluster.session["bootstrap.servers"];
  cluster.session.erase("bootstrap.servers");
  return cluster;
}

absl::StatusOr<KafkaConfig> ClientConfig(const catalog::Entry& entry,
                                         const std::string& bootstrap,
                                         const KafkaConfig& session) {
  KafkaConfig config = session;
  WEIR_ASSIGN_OR_RETURN(KafkaConfig own, ConfigFromOptions(entry.options));
  for (auto& [name, value] : own) config[name] = std::move(value);
  if (!config.count("bootstrap.servers"))
    config["bootstrap.servers"] = bootstrap;
  return config;
}

std::vector<catalog::ClientSetting> DescribeClientSettings(
    const catalog::Entry& entry, const catalog::SessionSettings& settings) {
  const std::vector<ClientKind> kinds = ClientsOf(entry);
  std::map<std::string, catalog::ClientSetting> merged;
  // Which of the entry's clients a property reaches: "" for all of them;
  // nullopt for none.
  auto clients_of = [&](const std::string& name) -> std::optional<std::string> {
    const std::optional<PropertyScope> scope = ScopeOfProperty(name);
    if (!scope) return "";
    std::vector<std::string> reached;
    for (ClientKind kind : kinds) {
      if (AppliesTo(*scope, kind)) reached.emplace_back(ClientKindName(kind));
    }
    if (reached.empty()) return std::nullopt;
    if (reached.size() == kinds.size()) return "";
    std::string joined = reached[0];
    for (size_t i = 1; i < reached.size(); ++i) joined += " and " + reached[i];
    return joined;
  };
  auto put = [&](const std::string& name, const std::string& value,
                 const std::string& level) {
    if (std::optional<std::string> clients = clients_of(name))
      merged[name] = {name, value, level, *clients};
  };

  // Weir's defaults, for the clients that take them.
  for (ClientKind kind : kinds) {
    for (const auto& [name, value] : WeirDefaults(kind)) {
      merged[name] = {name, value, "Weir default",
                      std::string(ClientKindName(kind))};
    }
  }
  if (entry.kind != catalog::EntryKind::kTable) {
    merged["client.id"] = {
        "client.id", fmt::format("weir-sink-{}-<task>of<tasks>", entry.name),
        "Weir default", "producer"};
  }
  merged["bootstrap.servers"] = {
      "bootstrap.servers", "",
      "Weir default: the embedded broker, started on first use", ""};

  // The session: the config file, then SET over it.
  std::map<std::string, std::string> keys;
  const KafkaConfig session = SessionProperties(settings.values, &keys);
  for (const auto& [name, value] : session) {
    const std::string& key = keys[name];
    put(name, value,
        settings.level_of(key) == catalog::SettingLevel::kSet ? "SET"
                                                              : "config file");
  }

  // The statement's own options.
  if (absl::StatusOr<KafkaConfig> own = ConfigFromOptions(entry.options);
      own.ok()) {
    for (const auto& [name, value] : *own) put(name, value, "statement");
  }
  if (entry.kind != catalog::EntryKind::kSink) {
    if (auto group = entry.Option("group.id"))
      put("group.id", *group, "statement");
  }

  std::vector<catalog::ClientSetting> out;
  out.reserve(merged.size());
  for (auto& [name, setting] : merged) out.push_back(std::move(setting));
  return out;
}

}  // namespace internal

absl::StatusOr<KafkaConfig> EntryClientConfig(
    const catalog::Entry& entry,
    const std::map<std::string, std::string>& settings) {
  const internal::SessionCluster cluster = internal::ClusterOf(entry, settings);
  WEIR_ASSIGN_OR_RETURN(
      KafkaConfig config,
      internal::ClientConfig(entry, cluster.bootstrap, cluster.session));
  if (config["bootstrap.servers"].empty()) config.erase("bootstrap.servers");
  return config;
}

}  // namespace weir::connectors::kafka
