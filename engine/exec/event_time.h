#pragma once

// The `WATERMARK FOR col AS expr` of a stream, evaluated on its source's
// rows: for each partition, the largest value of `expr` over the rows it
// returned (watermark.h combines them). Rows whose value is NULL do not
// move it.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/catalog/catalog.h"
#include "engine/exec/source.h"
#include "engine/expr/vector_eval.h"
#include "engine/types/batch.h"

namespace weir::exec {

/// Immutable once made; shared by the tasks of a source.
class EventTimeExpr {
 public:
  /// The watermark expression of `entry` over rows of its schema; nullopt
  /// when it declares none. The expression is bound again from its text
  /// (the catalog keeps the text), as a query over the entry would bind
  /// it; an error there is Internal (the binder accepted it once).
  static absl::StatusOr<std::optional<EventTimeExpr>> Compile(
      const catalog::Entry& entry);

  /// For each run of `runs` (every row of `batch` as partition 0 when
  /// `runs` is empty), calls `observe(partition, micros)` with the largest
  /// value of the expression over the run's rows, kNoWatermark when none
  /// has one. Errors from evaluating the expression on the rows (an
  /// overflow) are returned as the expression reports them.
  absl::Status Observe(
      const types::Batch& batch, const std::vector<PartitionRows>& runs,
      const std::function<void(int32_t partition, int64_t micros)>& observe)
      const;

 private:
  EventTimeExpr() = default;

  /// The common `col - INTERVAL ...` (or `col`): read the column, no
  /// expression to run.
  int column_ = -1;
  int64_t delay_ = 0;
  /// Otherwise: the compiled expression.
  std::shared_ptr<const expr::CompiledExpr> expr_;
};

}  // namespace weir::exec
