#pragma once

// UNION (without ALL) over bounded inputs: the rows seen so far, shared by
// the tasks of every branch, in memory. The planner uses this operator only
// where every input is constant; a UNION over streams keeps a count per
// distinct row in the state store instead (the aggregate with no calls,
// physical_plan.h).

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "engine/exec/operator.h"
#include "engine/types/batch.h"

namespace weir::exec {

/// The distinct rows a UNION has let through. Thread-safe: the tasks of all
/// branches share one.
class DistinctRows {
 public:
  /// Narrows `batch` to its live rows that no caller has seen before (the
  /// first of equal rows within the batch too), and remembers them. Rows
  /// are equal when every column is (NULL equals NULL).
  void KeepNew(types::Batch* batch);

 private:
  std::mutex mu_;
  /// Rows by the hash of all their columns.
  absl::flat_hash_map<uint64_t, std::vector<std::vector<types::Value>>> seen_
      /* guarded by mu_ */;
};

/// Lets through the rows `rows` has not seen; placed above the branches'
/// union input, so every branch sees one schema.
class DistinctOperator : public Operator {
 public:
  explicit DistinctOperator(std::shared_ptr<DistinctRows> rows)
      : rows_(std::move(rows)) {}
  absl::Status AddInput(types::Batch batch) override;

 private:
  std::shared_ptr<DistinctRows> rows_;
};

}  // namespace weir::exec
