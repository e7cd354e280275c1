#pragma once

// The rows a stateful operator owes downstream. A keyed operator (the
// aggregate, the changelog normalize) may owe more rows after one event
// than one step may emit (operator.h, "The output budget"): it queues them
// here in batches of at most its budget and emits one batch per call.

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "engine/types/batch.h"

namespace weir::exec {

class ChangeQueue {
 public:
  explicit ChangeQueue(std::shared_ptr<const types::Schema> schema)
      : schema_(std::move(schema)) {}

  /// Queues `row` (one value per column of the schema) with its change
  /// kind, starting a new batch when the last holds `budget` rows.
  void Append(const std::vector<types::Value>& row, types::ChangeKind kind,
              size_t budget) {
    if (batches_.empty() || batches_.back().num_rows() >= budget)
      batches_.emplace_back(schema_);
    batches_.back().AppendRow(row, kind);
  }

  bool empty() const { return batches_.empty(); }

  /// The oldest queued batch, or nullopt when nothing is owed.
  std::optional<types::Batch> Pop() {
    if (batches_.empty()) return std::nullopt;
    types::Batch next = std::move(batches_.front());
    batches_.pop_front();
    return next;
  }

 private:
  std::shared_ptr<const types::Schema> schema_;
  std::deque<types::Batch> batches_;
};

}  // namespace weir::exec
