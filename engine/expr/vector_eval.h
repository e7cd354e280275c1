#pragma once

// Vectorized evaluation of bound expressions over columnar batches: the
// runtime form of a BoundExpr. An expression is compiled once per operator
// and then evaluated batch by batch; each node runs one typed loop over the
// live rows of the batch (its selection vector), never one virtual call per
// row. Results agree with EvaluateConstant row by row, errors included.
//
// Every call of a scalar function runs its registered batch kernel
// (function_registry.h, kernel.h); the built-in forms (columns, literals,
// AND/OR, CASE/IF/COALESCE, CAST) are nodes of their own (forms/). What
// still works one row at a time, boxing each value as a types::Value, is in
// one place: casts from or to VARCHAR, BYTES, DATE, TIME, TIMESTAMP and
// INTERVAL, and DOUBLE -> DECIMAL (forms/cast_expr.cc, through
// types::CastValue).

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
  /// Compiles `e`. Errors (InvalidArgument) for an unknown function, a call
  /// whose argument types its function has no kernel for (the binder never
  /// makes one), or a malformed tree (e.g. AND with three arguments). A
  /// constant subtree that fails to evaluate (1 / 0, an invalid constant
  /// regular expression) is not an error here: it fails at Evaluate time on the
  /// rows that reach it, exactly as EvaluateConstant would on those rows.
  static absl::StatusOr<std::unique_ptr<CompiledExpr>> Compile(
      const BoundExprPtr& e);

  ~CompiledExpr();
  CompiledExpr(const CompiledExpr&) = delete;
  CompiledExpr& operator=(const CompiledExpr&) = delete;

  /// The result type (the bound expression's type).
  const types::LogicalType& type() const;
  /// The bound expression this was compiled from.
  const BoundExprPtr& source() const { return source_; }

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
  CompiledExpr(BoundExprPtr source, std::unique_ptr<internal::VectorNode> root);

  BoundExprPtr source_;
  std::unique_ptr<internal::VectorNode> root_;
};

}  // namespace weir::expr
