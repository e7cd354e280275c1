#pragma once

// connector = 'nexmark' and connector = 'datagen': the built-in generators
// as connectors (options, Nexmark's fixed schemas, their paced sources).

#include <memory>

#include "engine/catalog/connector.h"

namespace weir::connectors::generators {

/// The Nexmark generator (person, auction and bid streams), to register
/// once.
std::unique_ptr<catalog::Connector> NewNexmarkConnector();

/// The datagen generator (random rows of a declared schema), to register
/// once.
std::unique_ptr<catalog::Connector> NewDatagenConnector();

}  // namespace weir::connectors::generators
