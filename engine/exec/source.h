#pragma once

// Where a task's rows come from: one split of a source (a set of Kafka
// partitions, a share of a generator's sequence). Implementations live with
// their connectors; the physical planner gets them through a SourceProvider.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "engine/catalog/catalog.h"
#include "engine/types/batch.h"

namespace weir::exec {

/// One split of a source, read by one task. Not thread-safe.
class Source {
 public:
  virtual ~Source() = default;
  /// Appends up to `max_rows` rows to `out` (a batch of the source's
  /// schema). Returns how many; 0 with finished() true means the end.
  /// Tasks share a fixed pool of worker threads, so Next must not wait for
  /// data: it returns what is at hand now (0 rows when nothing is, e.g. an
  /// idle topic or a paced generator ahead of its schedule), blocking for a
  /// few milliseconds at most. The runtime backs off idle tasks by itself.
  virtual absl::StatusOr<size_t> Next(types::Batch* out, size_t max_rows) = 0;
  virtual bool finished() const = 0;
  /// The watermark after the rows returned so far, when the source knows
  /// one (micros since epoch).
  virtual std::optional<int64_t> watermark() const { return std::nullopt; }
};

/// Creates split `split_index` of `num_splits` of the source `entry` (a
/// stream or table of the catalog), producing rows of `schema`.
using SourceProvider = std::function<absl::StatusOr<std::unique_ptr<Source>>(
    const catalog::Entry& entry, std::shared_ptr<const types::Schema> schema,
    int split_index, int num_splits)>;

}  // namespace weir::exec
