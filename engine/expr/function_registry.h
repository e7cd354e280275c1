#pragma once

// The scalar function registry: every operator and scalar function is one
// ScalarFunction, registered once by its family
// (engine/expr/functions/<family>.cc), with its names, type rule, NULL
// handling and batch kernel. The binder resolves calls through it
// (ResolveScalar), the compiler builds each call's kernel from it, and
// constant folding runs the same kernel over a one-row batch. Internal to
// engine/expr; functions.h is the public face.
//
// To add a function: add a ScalarFunction to its family's Register...()
// with a KernelFactory for every argument type its overloads accept
// (kernel.h), list it in docs/sql-reference.md, and test it in
// tests/unit/expr_test.cc and a golden file. registry_test walks every
// overload and fails when a type combination has no kernel.

#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/expr/functions.h"
#include "engine/expr/kernel.h"
#include "engine/expr/type_rules.h"

namespace weir::expr::internal {

/// Whether the framework makes a call NULL when an argument is NULL.
enum class NullHandling {
  /// NULL when any argument is NULL; the kernel never sees those rows.
  kDefault,
  /// The kernel sees every row and decides (IS NULL, CONCAT_WS, NULLIF).
  kCustom,
};

/// The built-in forms that are registered for their names and type rules
/// but compiled by the evaluator itself, because they evaluate their
/// arguments lazily (only over the rows that need them).
enum class SpecialForm { kNone, kAnd, kOr, kIf, kCoalesce };

/// One operator or scalar function.
struct ScalarFunction {
  /// The canonical upper-case name ("+", "LOWER", "IS NULL").
  std::string name = {};
  /// Other names that resolve to this function ("LCASE").
  std::vector<std::string> synonyms = {};
  /// Spelt as a symbol or keyword (errors say "operator", not "function").
  bool is_operator = false;
  /// For SHOW FUNCTIONS.
  std::string signature = {};
  std::string description = {};
  /// The type rule: the first overload that matches the arguments wins.
  std::vector<Overload> overloads = {};
  NullHandling nulls = NullHandling::kDefault;
  /// False for the clock functions: never folded, never a constant.
  bool deterministic = true;
  SpecialForm form = SpecialForm::kNone;
  /// The batch kernel for a call's types; empty only for special forms.
  KernelFactory kernel = {};
};

/// The functions, by name. Built once; immutable (and so thread-safe)
/// afterwards.
class ScalarRegistry {
 public:
  /// Adds `f`. A name or synonym registered twice is a bug (WEIR_CHECK).
  void Add(ScalarFunction f);
  /// By name or synonym, case-insensitive; nullptr when unknown.
  const ScalarFunction* Find(std::string_view name) const;
  /// Every function, in registration order.
  const std::deque<ScalarFunction>& functions() const { return functions_; }
  /// Every name and synonym, upper case, sorted.
  std::vector<std::string> Names() const;

 private:
  std::deque<ScalarFunction> functions_;
  std::map<std::string, const ScalarFunction*, std::less<>> by_name_;
};

/// The registry of every scalar function.
const ScalarRegistry& ScalarFunctions();

/// One aggregate function (functions/aggregates.cc). Its runtime is the
/// AggregateKernel (aggregates.h) that MakeAggregateKernel builds for a
/// resolved call.
struct AggregateFunction {
  std::string name = {};
  std::string signature = {};
  std::string description = {};
  /// The accepted arguments, for errors: "(numeric)".
  std::string expected = {};
  /// The type rule: the call for these arguments (`distinct`: AGG(DISTINCT
  /// x), `star`: COUNT(*)), or nullopt when it does not accept them.
  std::function<std::optional<ResolvedAggregate>(const Types&, bool, bool)>
      resolve = {};
};

/// Every aggregate function, by name.
const std::vector<AggregateFunction>& AggregateFunctions();

// The families; each adds its functions (functions/<family>.cc).
void RegisterArithmeticFunctions(ScalarRegistry& r);
void RegisterComparisonFunctions(ScalarRegistry& r);
void RegisterLogicalFunctions(ScalarRegistry& r);
void RegisterConditionalFunctions(ScalarRegistry& r);
void RegisterNumericFunctions(ScalarRegistry& r);
void RegisterStringFunctions(ScalarRegistry& r);
void RegisterRegexFunctions(ScalarRegistry& r);
void RegisterJsonFunctions(ScalarRegistry& r);
void RegisterTemporalFunctions(ScalarRegistry& r);

}  // namespace weir::expr::internal
