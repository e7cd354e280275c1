#pragma once

// connector = 'blackhole': a sink that drops every row (declared and
// checked today; it runs in a later version).

#include <memory>

#include "engine/catalog/connector.h"

namespace weir::connectors::blackhole {

/// The blackhole sink connector, to register once.
std::unique_ptr<catalog::Connector> NewBlackholeConnector();

}  // namespace weir::connectors::blackhole
