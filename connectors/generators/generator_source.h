#pragma once

// The built-in generators as runtime sources: one split of a nexmark or
// datagen stream per task, paced to the stream's declared rate.

#include <memory>

#include "absl/status/statusor.h"
#include "engine/catalog/catalog.h"
#include "engine/exec/source.h"
#include "engine/types/schema.h"

namespace weir::connectors::generators {

/// Opens split `split` of `splits` of the nexmark or datagen stream
/// `entry`, producing rows of `schema`. Nexmark is paced to
/// events-per-second (of event time, all tables together) and datagen to
/// rows-per-second (0: as fast as possible), shared evenly by the splits.
/// InvalidArgument for bad options (already checked by the binder, so
/// rare); FailedPrecondition for other connectors.
absl::StatusOr<std::unique_ptr<exec::Source>> OpenGeneratorSource(
    const catalog::Entry& entry, std::shared_ptr<const types::Schema> schema,
    int split, int splits);

}  // namespace weir::connectors::generators
