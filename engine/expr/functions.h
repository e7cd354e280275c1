#pragma once

// The function registry: every scalar function, operator and aggregate of the
// SQL reference with its type rules. The binder asks it to resolve a call
// against argument types; constant folding asks it to evaluate.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/expr/bound_expr.h"
#include "engine/types/logical_type.h"
#include "engine/types/value.h"

namespace weir::expr {

/// The outcome of resolving a scalar call.
struct ResolvedScalar {
  std::string function;  // canonical name (synonyms mapped: LCASE -> LOWER)
  types::LogicalType result;
  /// The type each argument must be cast to (implicitly) before the call;
  /// same length as the arguments.
  std::vector<types::LogicalType> arg_types;
  /// Result is NULL when any argument is NULL (most functions); false for
  /// COALESCE, IS NULL, AND/OR (three-valued), CONCAT_WS, etc.
  bool null_if_any_null = true;
};

/// Resolves a scalar function or operator by name (case-insensitive) for
/// the given argument types. Operators use their symbol: "+", "-", "*",
/// "/", "%", "=", "<>", "<", "<=", ">", ">=", "AND", "OR", "NOT",
/// "NEGATE", "||", "LIKE", "REGEXP", "IS NULL", "IS NOT NULL". Errors
/// (InvalidArgument, without position; the binder adds it):
///   "unknown function 'FOO'"
///   "function UPPER does not accept (INT); expected (VARCHAR)"
absl::StatusOr<ResolvedScalar> ResolveScalar(
    std::string_view name, const std::vector<types::LogicalType>& args);

/// The outcome of resolving an aggregate call.
struct ResolvedAggregate {
  std::string function;  // COUNT, SUM, AVG, MIN, MAX, COUNT_DISTINCT, ...
  types::LogicalType result;
  std::vector<types::LogicalType> arg_types;
  /// True when the aggregate can take retractions (deletes) with O(1) state
  /// per group (COUNT, SUM, AVG); false when retractable input needs the
  /// multiset of values (MIN, MAX, COUNT DISTINCT).
  bool retractable_cheaply = true;
  /// What state one group keeps, for EXPLAIN: "count", "sum+count",
  /// "value multiset", "distinct value set".
  std::string state;
};

/// True for COUNT, SUM, AVG, MIN, MAX (and their synonyms).
bool IsAggregateFunction(std::string_view name);
/// True for ROW_NUMBER, RANK, DENSE_RANK.
bool IsWindowFunction(std::string_view name);

/// Resolves an aggregate. `star` is COUNT(*); `distinct` is AGG(DISTINCT x).
absl::StatusOr<ResolvedAggregate> ResolveAggregate(
    std::string_view name, const std::vector<types::LogicalType>& args,
    bool distinct, bool star);

/// Evaluates a constant expression (IsConstant()) to a value with SQL
/// semantics (three-valued logic, exact DECIMAL, errors on overflow or
/// division by zero). Used by constant folding and for literal options.
absl::StatusOr<types::Value> EvaluateConstant(const BoundExpr& e);

/// One line per function for SHOW FUNCTIONS: name, signature, description.
struct FunctionDoc {
  std::string name;
  std::string signature;
  std::string description;
};
std::vector<FunctionDoc> ListFunctions();

}  // namespace weir::expr

namespace weir::expr {

/// False for functions whose result changes between calls with the same
/// arguments (NOW, CURRENT_TIMESTAMP, CURRENT_DATE): constant folding must
/// leave them alone, and EvaluateConstant refuses them with
/// FailedPrecondition. Unknown names count as deterministic.
bool IsDeterministic(std::string_view name);

}  // namespace weir::expr
