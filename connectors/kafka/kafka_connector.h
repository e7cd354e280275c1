#pragma once

// connector = 'kafka': streams, tables and sinks over Kafka topics. What
// Weir knows about Kafka as a connector (options, metadata columns,
// settings, EXPLAIN text) and its per-session runtime (the cluster of each
// entry, the embedded broker started on first use, topics created when
// missing) are declared in kafka_connector.cc.

#include <memory>

#include "engine/catalog/connector.h"

namespace weir::connectors::kafka {

/// The Kafka connector, to register once.
std::unique_ptr<catalog::Connector> NewKafkaConnector();

}  // namespace weir::connectors::kafka
