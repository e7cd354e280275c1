#pragma once

// connector = 'print': a sink that prints each row (declared and checked
// today; it runs in a later version).

#include <memory>

#include "engine/catalog/connector.h"

namespace weir::connectors::print {

/// The print sink connector, to register once.
std::unique_ptr<catalog::Connector> NewPrintConnector();

}  // namespace weir::connectors::print
