#pragma once

// The connectors built into Weir, registered in one place above both the
// engine (which sees only engine/catalog/connector.h) and the connectors.
// The weir binary and the tests that need real connectors give
// BuiltinConnectors() to their sessions (SessionOptions::connectors).

#include <memory>

#include "absl/status/status.h"
#include "engine/catalog/connector_registry.h"

namespace weir::connectors {

/// Registers every built-in connector into `registry`, in the order
/// messages list them (kafka, mysql-cdc, mysql, datagen, nexmark, print,
/// blackhole). AlreadyExists when one of their names is taken.
absl::Status RegisterBuiltinConnectors(catalog::ConnectorRegistry& registry);

/// A registry of the built-in connectors, made once and shared.
std::shared_ptr<const catalog::ConnectorRegistry> BuiltinConnectors();

}  // namespace weir::connectors
