#pragma once

// Internal to connectors/kafka: what the source and the sink both read from
// a catalog entry's WITH options.

#include <string>

#include "absl/status/statusor.h"
#include "connectors/formats/format.h"
#include "connectors/kafka/kafka_client.h"
#include "engine/catalog/catalog.h"

namespace weir::connectors::kafka::internal {

/// The entry's options that belong to its value format (csv.*, value.*).
formats::FormatOptions FormatOptionsOf(const catalog::Entry& entry);

/// The librdkafka configuration of the entry (bootstrap.servers and
/// properties.*), with `bootstrap` when the entry names no cluster.
/// InvalidArgument for an empty 'properties.' name.
absl::StatusOr<KafkaConfig> ClientConfig(const catalog::Entry& entry,
                                         const std::string& bootstrap);

}  // namespace weir::connectors::kafka::internal
