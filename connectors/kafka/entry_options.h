#pragma once

// Internal to connectors/kafka: what the source, the sink and the connector
// read from a catalog entry's WITH options and the session's settings.
//
// A Kafka client's configuration is merged from four levels, the highest
// first: the statement's options (WITH bootstrap.servers, properties.NAME,
// group.id), the session's SET 'properties.NAME' (and SET
// 'bootstrap.servers'), the `weir --config` file (the same keys, beneath
// SET), and Weir's defaults (WeirDefaults; the embedded broker when no
// level names a cluster).

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/formats/format.h"
#include "connectors/kafka/kafka_client.h"
#include "engine/catalog/catalog.h"
#include "engine/catalog/connector.h"

namespace weir::connectors::kafka::internal {

/// The entry's options that belong to its value format (csv.*, value.*).
formats::FormatOptions FormatOptionsOf(const catalog::Entry& entry);

/// The librdkafka properties that the session's `settings` give every
/// Kafka client: SET 'properties.NAME' as NAME, and SET
/// 'bootstrap.servers' (over 'properties.bootstrap.servers') as
/// bootstrap.servers. `keys` (when not null) receives the setting each
/// property came from.
KafkaConfig SessionProperties(
    const std::map<std::string, std::string>& settings,
    std::map<std::string, std::string>* keys = nullptr);

/// Where the clients of an entry go, and what the session configures them
/// with beneath the entry's own options.
struct SessionCluster {
  /// The entry's bootstrap.servers, else the session's; "" when no level
  /// names a cluster (a query then starts the embedded broker).
  std::string bootstrap;
  /// SessionProperties without bootstrap.servers.
  KafkaConfig session;
};

/// The SessionCluster of `entry` in a session with `settings`.
SessionCluster ClusterOf(const catalog::Entry& entry,
                         const std::map<std::string, std::string>& settings);

/// The librdkafka configuration of the entry: its own bootstrap.servers
/// and properties.* over `session` (SessionProperties), and `bootstrap`
/// as bootstrap.servers when neither names a cluster. InvalidArgument for
/// an empty 'properties.' name.
absl::StatusOr<KafkaConfig> ClientConfig(const catalog::Entry& entry,
                                         const std::string& bootstrap,
                                         const KafkaConfig& session = {});

/// The settings of the clients a query of `entry` opens, merged as
/// ClientConfig merges them, each with its level ("statement", "SET",
/// "config file", "Weir default") and the clients it applies to when not
/// all of the entry's; properties that apply to none of them are left
/// out. In name order. For DESCRIBE (Connector::ClientSettings).
std::vector<catalog::ClientSetting> DescribeClientSettings(
    const catalog::Entry& entry, const catalog::SessionSettings& settings);

}  // namespace weir::connectors::kafka::internal
