// One line per built-in connector: adding a connector is its folder under
// connectors/ and a line here.

#include "connectors/registry.h"

#include "connectors/blackhole/blackhole_connector.h"
#include "connectors/generators/generator_connectors.h"
#include "connectors/kafka/kafka_connector.h"
#include "connectors/mysql/mysql_connectors.h"
#include "connectors/print/print_connector.h"
#include "engine/base/check.h"
#include "engine/base/status.h"

namespace weir::connectors {

absl::Status RegisterBuiltinConnectors(catalog::ConnectorRegistry& registry) {
  WEIR_RETURN_IF_ERROR(registry.Register(kafka::NewKafkaConnector()));
  WEIR_RETURN_IF_ERROR(registry.Register(mysql::NewMySqlCdcConnector()));
  WEIR_RETURN_IF_ERROR(registry.Register(mysql::NewMySqlSinkConnector()));
  WEIR_RETURN_IF_ERROR(registry.Register(generators::NewDatagenConnector()));
  WEIR_RETURN_IF_ERROR(registry.Register(generators::NewNexmarkConnector()));
  WEIR_RETURN_IF_ERROR(registry.Register(print::NewPrintConnector()));
  WEIR_RETURN_IF_ERROR(registry.Register(blackhole::NewBlackholeConnector()));
  return absl::OkStatus();
}

std::shared_ptr<const catalog::ConnectorRegistry> BuiltinConnectors() {
  static const std::shared_ptr<const catalog::ConnectorRegistry> builtins = [] {
    auto registry = std::make_shared<catalog::ConnectorRegistry>();
    // The built-in names differ; only a broken build fails here.
    WEIR_CHECK(RegisterBuiltinConnectors(*registry).ok());
    return registry;
  }();
  return builtins;
}

}  // namespace weir::connectors
