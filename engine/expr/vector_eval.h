#pragma once

// Vectorized evaluation of bound expressions over columnar batches: the
// runtime form of a BoundExpr. An expression is compiled once per operator
// and then evaluated batch by batch; each node runs one typed loop over the
// live rows of the batch (its selection vector), never one virtual call per
// row. Results agree with EvaluateConstant row by row, errors included.
//
// Typed loops (no per-row virtual call, no per-row Value):
//   column references, literals (and folded constant subtrees), the
//   comparisons = <> < <= > >= on same-typed operands, + - * / % MOD and
//   NEGATE on INT, BIGINT, DOUBLE and DECIMAL, AND, OR, NOT, IS [NOT] NULL,
//   CASE, IF, COALESCE, casts between INT, BIGINT, DOUBLE, DECIMAL and
//   BOOLEAN (except DOUBLE -> DECIMAL), LIKE with a constant pattern (and
//   no ESCAPE; the shapes 'abc', 'abc%', '%abc' and '%abc%' are byte
//   searches), REGEXP / REGEXP_LIKE with a constant pattern (compiled once),
//   UPPER, LOWER, SUBSTRING, CONCAT, ||, CONCAT_WS, LENGTH, TRIM, LTRIM,
//   RTRIM, REPLACE, POSITION, LPAD, RPAD, REVERSE, SPLIT_PART,
//   REGEXP_EXTRACT and REGEXP_REPLACE with a constant pattern (compiled
//   once), JSON_VALUE, JSON_QUERY, JSON_EXISTS, ABS, CEIL, FLOOR, ROUND,
//   TRUNCATE, SIGN (INT, BIGINT, DOUBLE, DECIMAL), POWER, SQRT, LN, LOG10,
//   EXP, NULLIF, GREATEST and LEAST (operands of one comparable type),
//   EXTRACT, DATE_TRUNC, DATE_FORMAT, UNIX_TIMESTAMP, FROM_UNIXTIME,
//   TO_TIMESTAMP, TO_DATE, and the clock functions NOW, CURRENT_TIMESTAMP
//   and CURRENT_DATE (read once per batch). The row rules of the function
//   kernels are the scalar functions' own (function_helpers.h).
// Per-row fallback (the row's arguments become Values and go through the
// same code EvaluateConstant uses): any call whose operand types differ
// from what the binder produces, REGEXP_EXTRACT and
// REGEXP_REPLACE with a pattern that is not a valid constant, arithmetic on
// temporal and INTERVAL operands, comparisons of operands of different
// types, LIKE with a non-constant pattern or an ESCAPE, and casts from or
// to VARCHAR, BYTES, DATE, TIME, TIMESTAMP and INTERVAL.
// CompiledExpr::fallback_functions() names the calls of an expression that
// take the per-row path.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/expr/bound_expr.h"
#include "engine/types/batch.h"
#include "engine/types/logical_type.h"

namespace weir::expr {

namespace internal {
class VectorNode;
}  // namespace internal

/// Compiled form of a bound expression for repeated evaluation over batches:
/// deterministic constant subtrees are folded, constant LIKE patterns and
/// regular expressions are prepared once, and each node's kernel is chosen
/// once at compile time, not per row.
///
/// Immutable after Compile: Evaluate and Filter are const and may be called
/// from several threads at once (each call keeps its scratch vectors to
/// itself).
class CompiledExpr {
 public:
  /// Compiles `e`. Errors (InvalidArgument) for an unknown function or a
  /// malformed tree (e.g. AND with three arguments). A constant subtree that
  /// fails to evaluate (1 / 0, an invalid constant regular expression) is
  /// not an error here: it fails at Evaluate time on the rows that reach it,
  /// exactly as EvaluateConstant would on those rows.
  static absl::StatusOr<std::unique_ptr<CompiledExpr>> Compile(
      const BoundExprPtr& e);

  ~CompiledExpr();
  CompiledExpr(const CompiledExpr&) = delete;
  CompiledExpr& operator=(const CompiledExpr&) = delete;

  /// The result type (the bound expression's type).
  const types::LogicalType& type() const;
  /// The bound expression this was compiled from.
  const BoundExprPtr& source() const { return source_; }

  /// The calls (function or operator names as bound, outermost first) that
  /// run through the per-row fallback: each row's arguments boxed as Values
  /// and evaluated by the scalar interpreter. Empty when every call has a
  /// typed kernel (folded constant subtrees do not count; nor do casts,
  /// some of which convert per row, see above). For tests and profiling.
  const std::vector<std::string>& fallback_functions() const {
    return fallback_functions_;
  }
  bool UsesFallback() const { return !fallback_functions_.empty(); }

  /// Evaluates over the live rows of `input` (its selection, or every row)
  /// and replaces `out` with a column of type() and input.num_rows() rows:
  /// one value per physical row; rows outside the selection are NULL or
  /// unspecified values. Rows outside the selection are never evaluated, and
  /// branches of CASE/IF/COALESCE/AND/OR only see the rows that reach them,
  /// so they raise no errors.
  ///
  /// A runtime error (overflow, division by zero, a bad cast, a bad regular
  /// expression...) returns the scalar function's status code with a message
  /// naming the value and the failing subexpression, e.g.
  /// "division by zero in (price / qty) [arguments: 10, 0]"; `error_row`,
  /// when not null, receives the physical row that failed. `out` is
  /// unspecified after an error. An input column whose physical type does
  /// not match the expression is InvalidArgument.
  absl::Status Evaluate(const types::Batch& input, types::Column* out,
                        size_t* error_row = nullptr) const;

  /// For BOOLEAN expressions: narrows `input`'s selection to the live rows
  /// where the expression is TRUE (NULL and FALSE drop the row). Errors as
  /// Evaluate (the selection is then unchanged); InvalidArgument when the
  /// expression is not BOOLEAN.
  absl::Status Filter(types::Batch* input, size_t* error_row = nullptr) const;

 private:
  CompiledExpr(BoundExprPtr source, std::unique_ptr<internal::VectorNode> root,
               std::vector<std::string> fallback_functions);

  BoundExprPtr source_;
  std::unique_ptr<internal::VectorNode> root_;
  std::vector<std::string> fallback_functions_;
};

}  // namespace weir::expr
