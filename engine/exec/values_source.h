#pragma once

// Constant rows through the regular operators. A statement that reads no
// source (SELECT without FROM, INSERT ... VALUES, a UNION of those) runs
// like any query: a VALUES node is the source of its pipeline, and the
// filters, projections, unions and LIMIT above it are the same operators
// a push query uses. What differs is only what constant rows are:
//  - they are known when the statement starts, so the clock functions
//    read the statement's start (PrepareConstantPlan);
//  - an error on them is an error in the statement's own text, so it is
//    reported at the failing expression's position (StatementRowError),
//    not with the row's values as an error in data is.

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/exec/source.h"
#include "engine/expr/vector_eval.h"
#include "engine/sql/logical_plan.h"
#include "engine/types/batch.h"

namespace weir::exec {

/// Makes the plan of a statement that reads no source ready to run, as of
/// now (call it when the statement starts):
///  - the clock is read once, and every NOW(), CURRENT_TIMESTAMP and
///    CURRENT_DATE in the plan becomes that reading, converted to the
///    call's type as the clock functions convert it; so all of them agree,
///    however many rows, expressions and UNION branches there are;
///  - every cell of every VALUES row is evaluated to a literal, once; a
///    cell that fails is the error, pointing at the cell.
/// Expressions of other operators stay as they are (they run per row).
absl::StatusOr<sql::PlanPtr> PrepareConstantPlan(const sql::PlanPtr& plan);

/// The rows of `node`, in order, as one source split of `schema` (the
/// node's). Cells are evaluated when it opens (literals, after
/// PrepareConstantPlan); an error points at the failing cell. Next hands
/// out up to `max_rows` rows per call and never waits.
absl::StatusOr<std::unique_ptr<Source>> OpenValuesSource(
    const sql::ValuesNode& node, std::shared_ptr<const types::Schema> schema);

/// Whether nothing at or below `node` reads a source: its rows are
/// constants (and few: a UNION may keep them all to remove duplicates).
bool ReadsOnlyConstants(const sql::PlanNode& node);

/// How an operator reports an expression `e` failing (`error`) at physical
/// row `row` of `batch`: DataRowError for rows of data (as the expression
/// says, naming the row's values), StatementRowError for constant rows.
using RowErrorFn = absl::Status (*)(const expr::CompiledExpr& e,
                                    const types::Batch& batch, size_t row,
                                    const absl::Status& error);

/// Returns `error` as it is.
absl::Status DataRowError(const expr::CompiledExpr& e,
                          const types::Batch& batch, size_t row,
                          const absl::Status& error);

/// The error of `e` failing (`error`) at physical row `row` of `batch`,
/// for rows that are the statement's own constants: `e` evaluated over
/// that row's values by the constant interpreter, its message as constant
/// evaluation words it and, when it carries none, the position of `e` in
/// the statement. Returns `error` itself when the interpreter does not
/// fail the same way (another status code) or the row is out of range.
absl::Status StatementRowError(const expr::CompiledExpr& e,
                               const types::Batch& batch, size_t row,
                               const absl::Status& error);

}  // namespace weir::exec
