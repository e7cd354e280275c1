#pragma once

// The stateless operators of a chain: filter, project, the relabeling of
// a UNION branch, a LIMIT shared by all tasks (and the distinct set of a
// UNION over constants, distinct.h). The planner compiles each plan node
// once (CompileStep); every task that runs the node gets its own operator
// over the shared compiled form.

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/exec/distinct.h"
#include "engine/exec/operator.h"
#include "engine/exec/values_source.h"
#include "engine/expr/vector_eval.h"
#include "engine/sql/logical_plan.h"
#include "engine/types/schema.h"

namespace weir::exec {

/// A plan node's compiled form, shared (read-only, or synchronized) by the
/// tasks that run it.
struct CompiledStep {
  std::vector<std::shared_ptr<const expr::CompiledExpr>> exprs;
  std::shared_ptr<const types::Schema> schema;
  std::shared_ptr<std::atomic<int64_t>> limit_budget;
  std::shared_ptr<DistinctRows> distinct;  // UNION without ALL
};

/// Compiles a Filter, Project, Limit or Union node (other kinds compile to
/// a step with just the schema). Errors from compiling its expressions.
absl::StatusOr<CompiledStep> CompileStep(const sql::PlanNode& node);

/// Appends the operators that run `node` in one task, over `step`;
/// `row_error` reports an expression failing on a row.
void MakeOperators(const sql::PlanNode& node, const CompiledStep& step,
                   RowErrorFn row_error,
                   std::vector<std::unique_ptr<Operator>>* out);

/// An operator computing `exprs` into rows of `schema`, keeping the input's
/// selection and change kinds.
std::unique_ptr<Operator> MakeProjectOperator(
    std::vector<std::shared_ptr<const expr::CompiledExpr>> exprs,
    std::shared_ptr<const types::Schema> schema, RowErrorFn row_error);

/// Links each operator of `ops` to the next.
void Link(std::vector<std::unique_ptr<Operator>>& ops);

}  // namespace weir::exec
