#pragma once

// The runtime form of a bound expression: a tree of VectorNodes, each
// evaluated once per batch over a list of rows (never once per row).
// Internal to engine/expr; CompiledExpr (vector_eval.h) is the public face.
//
// Who builds which node:
//   vector_eval.cc          CompileNode: the dispatch, constant folding, and
//                           CallNode (every registered scalar function)
//   forms/column_expr.cc    columns and literals
//   forms/conjunct_expr.cc  AND, OR (lazy: the right side sees only the rows
//                           the left side does not decide)
//   forms/switch_expr.cc    CASE, IF, COALESCE (lazy per branch)
//   forms/cast_expr.cc      CAST, TRY_CAST (a CallNode with a cast kernel)

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/expr/bound_expr.h"
#include "engine/expr/vector.h"
#include "engine/types/batch.h"

namespace weir::expr::internal {

/// What one evaluation shares between its nodes.
struct EvalContext {
  /// The batch; null when evaluating a constant (EvaluateConstant), where a
  /// column reference is an error.
  const types::Batch* input = nullptr;
  size_t num_rows = 0;
  int64_t now_micros = 0;  // the clock, read once per Evaluate
  size_t error_row = 0;    // the physical row of the error returned
  /// Errors say which subexpression and which argument values failed
  /// (CompiledExpr); EvaluateConstant keeps the plain message.
  bool annotate_errors = true;
};

/// One node of a compiled expression. Eval is called once per batch (not
/// per row) and must only read and write the rows in `rows`.
class VectorNode {
 public:
  explicit VectorNode(BoundExprPtr expr) : expr_(std::move(expr)) {}
  virtual ~VectorNode() = default;

  /// Evaluates over `rows` into `out` (re-initialized to this node's type).
  virtual absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const = 0;

  /// The value of a node that stands for one constant (a literal or a
  /// folded subtree), else nullptr. Kernels prepare constant arguments
  /// (a LIKE pattern, a regular expression) from it once.
  virtual const types::Value* constant_value() const { return nullptr; }

  const BoundExpr& expr() const { return *expr_; }
  const types::LogicalType& type() const { return expr_->type; }

 protected:
  /// The end of a row loop that stopped at live row index `stop` (as
  /// ForRows returns it): OK when it ran through every row, else `error` at
  /// that row, as RowError words it.
  absl::Status LoopStatus(EvalContext& ctx, Rows rows, size_t stop,
                          const absl::Status& error,
                          std::span<const Vec> args) const;

  /// The error `message` of this node at physical row `r`; when the context
  /// annotates errors it names the subexpression and the argument values:
  /// "division by zero in (price / qty) [arguments: 10, 0]".
  absl::Status RowError(EvalContext& ctx, uint32_t r, absl::StatusCode code,
                        absl::string_view message,
                        std::span<const Vec> args) const;

  BoundExprPtr expr_;
};

using NodePtr = std::unique_ptr<VectorNode>;

template <typename T, typename... A>
NodePtr Make(A&&... args) {
  return std::make_unique<T>(std::forward<A>(args)...);
}

/// Evaluates every child over `rows` into `out` (one Vec per child).
absl::Status EvalChildren(const std::vector<NodePtr>& children,
                          EvalContext& ctx, Rows rows, std::vector<Vec>* out);

/// How an expression is compiled.
struct CompileOptions {
  /// Fold deterministic constant subtrees into literals (CompiledExpr).
  /// EvaluateConstant compiles without folding: it is the folding.
  bool fold = true;
};

/// Compiles one bound expression (and its children).
absl::StatusOr<NodePtr> CompileNode(const BoundExprPtr& e,
                                    const CompileOptions& options);
/// CompileNode(e) as a value of type `t`: a cast when the types differ, as
/// the branches of CASE, IF and COALESCE need.
absl::StatusOr<NodePtr> CompileAs(const BoundExprPtr& e,
                                  const types::LogicalType& t,
                                  const CompileOptions& options);
/// CompileNode over every expression of `args`.
absl::StatusOr<std::vector<NodePtr>> CompileAll(
    const std::vector<BoundExprPtr>& args, const CompileOptions& options);

// ---- The built-in forms (forms/*.cc).

/// A column of the input batch (a view, no copy).
NodePtr MakeColumnNode(BoundExprPtr e);
/// A constant: every row has `value` (of e's type).
NodePtr MakeLiteralNode(BoundExprPtr e, types::Value value);
/// A node that fails with `error` when evaluated (a column reference or a
/// clock function in EvaluateConstant); rows that never reach it are fine.
NodePtr MakeErrorNode(BoundExprPtr e, absl::Status error);
/// AND / OR with SQL's three-valued logic.
absl::StatusOr<NodePtr> CompileConjunct(const BoundExprPtr& e, bool is_and,
                                        const CompileOptions& options);
/// CASE WHEN ... (a kCase expression), IF(cond, a, b) and COALESCE(...).
absl::StatusOr<NodePtr> CompileCase(const BoundExprPtr& e,
                                    const CompileOptions& options);
absl::StatusOr<NodePtr> CompileIf(const BoundExprPtr& e,
                                  const CompileOptions& options);
absl::StatusOr<NodePtr> CompileCoalesce(const BoundExprPtr& e,
                                        const CompileOptions& options);
/// CAST / TRY_CAST (a kCast expression).
absl::StatusOr<NodePtr> CompileCast(const BoundExprPtr& e,
                                    const CompileOptions& options);

}  // namespace weir::expr::internal
