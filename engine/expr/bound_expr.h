#pragma once

// Bound (resolved, typed) scalar expressions: what the binder produces from
// AST expressions and what the optimizer and runtime consume. Immutable once
// built and shared between plan nodes.

#include <memory>
#include <string>
#include <vector>

#include "engine/base/source_span.h"
#include "engine/types/logical_type.h"
#include "engine/types/value.h"

namespace weir::expr {

enum class BoundExprKind {
  kColumn,   // input column by index
  kLiteral,  // constant value
  kCall,     // scalar function or operator, by canonical name
  kCast,     // CAST / TRY_CAST / implicit cast: args[0] to `type`
  kCase,     // args = [when1, then1, when2, then2, ..., else]; else always
             // present (a NULL literal when not written)
};

struct BoundExpr;
using BoundExprPtr = std::shared_ptr<const BoundExpr>;

/// One node of a bound expression tree.
struct BoundExpr {
  BoundExprKind kind = BoundExprKind::kLiteral;
  types::LogicalType type;
  bool nullable = true;
  SourceSpan span;

  // kColumn
  int column = -1;
  std::string column_name;  // for printing only
  // kLiteral
  types::Value value;
  // kCall: canonical upper-case name, e.g. "+", "=", "AND", "NOT", "LIKE",
  // "IS NULL", "UPPER", "SUBSTRING". Arguments are already cast to the types
  // the function's signature wants (casts are explicit kCast nodes).
  std::string function;
  std::vector<BoundExprPtr> args;
  // kCast
  bool try_cast = false;

  /// A readable rendering for EXPLAIN: columns by name, operators infix,
  /// implicit casts shown as CAST(x AS T). E.g. "(price > 1000)".
  std::string ToString() const;

  /// True when no column is referenced (the expression is a constant).
  bool IsConstant() const;
  /// Adds the indexes of referenced input columns to `out`.
  void CollectColumns(std::vector<int>* out) const;
};

BoundExprPtr MakeColumn(int index, std::string name, types::LogicalType type,
                        bool nullable, SourceSpan span = {});
BoundExprPtr MakeLiteral(types::Value value, SourceSpan span = {});
BoundExprPtr MakeCall(std::string function, std::vector<BoundExprPtr> args,
                      types::LogicalType type, bool nullable,
                      SourceSpan span = {});
/// Returns `arg` itself when it already has type `target`.
BoundExprPtr MakeCast(BoundExprPtr arg, types::LogicalType target,
                      bool try_cast = false, SourceSpan span = {});
BoundExprPtr MakeCase(std::vector<BoundExprPtr> args, types::LogicalType type,
                      SourceSpan span = {});

/// Adds the conjuncts of an AND tree to `out` (`e` itself when it is not an
/// AND).
void SplitConjuncts(const BoundExprPtr& e, std::vector<BoundExprPtr>* out);
/// The AND of `conjuncts` (left-deep); null when there are none.
BoundExprPtr MakeAnd(const std::vector<BoundExprPtr>& conjuncts);

/// A copy of `e` in which column i is replaced by `columns[i]` (used to
/// push predicates through projections). Columns out of range are a bug.
BoundExprPtr RemapColumns(const BoundExprPtr& e,
                          const std::vector<BoundExprPtr>& columns);
/// A copy of `e` with every column index shifted by `delta` (join sides).
BoundExprPtr ShiftColumns(const BoundExprPtr& e, int delta);

}  // namespace weir::expr
