// AND, OR and NOT with SQL's three-valued logic, and IS [NOT] NULL. AND and
// OR are built-in forms (forms/conjunct_expr.cc): they are registered here
// for their names and type rules.

#include "engine/expr/function_registry.h"

namespace weir::expr::internal {
namespace {

using types::LogicalType;

const LogicalType kBool = LogicalType::Boolean();

/// IS NULL (`when_null` 1) and IS NOT NULL (0): never NULL.
Kernel IsNull(int64_t when_null) {
  return [when_null](KernelIO& io) {
    const Vec& in = io.args[0];
    int64_t* o = io.Output<int64_t>();
    for (uint32_t r : io.rows) o[r] = in.IsNull(r) ? when_null : 1 - when_null;
  };
}

}  // namespace

void RegisterLogicalFunctions(ScalarRegistry& r) {
  r.Add({.name = "AND",
         .is_operator = true,
         .signature = "a AND b",
         .description = "Logical AND (FALSE wins over NULL).",
         .overloads = {Fixed({kBool, kBool}, kBool)},
         .nulls = NullHandling::kCustom,
         .form = SpecialForm::kAnd});
  r.Add({.name = "OR",
         .is_operator = true,
         .signature = "a OR b",
         .description = "Logical OR (TRUE wins over NULL).",
         .overloads = {Fixed({kBool, kBool}, kBool)},
         .nulls = NullHandling::kCustom,
         .form = SpecialForm::kOr});
  r.Add({.name = "NOT",
         .is_operator = true,
         .signature = "NOT a",
         .description = "Logical negation; NOT NULL is NULL.",
         .overloads = {Fixed({kBool}, kBool)},
         .kernel = [](const KernelBinding& b) -> absl::StatusOr<Kernel> {
           if (b.arity() != 1 || b.arg_id(0) != types::TypeId::kBoolean) {
             return b.NoKernel();
           }
           return UnaryKernel<int64_t, int64_t>(
               [](int64_t& o, int64_t v) { o = v == 0; });
         }});
  for (bool negated : {false, true}) {
    r.Add(
        {.name = negated ? "IS NOT NULL" : "IS NULL",
         .is_operator = true,
         .signature = negated ? "a IS NOT NULL" : "a IS NULL",
         .description = negated ? "True when a is not NULL; never NULL."
                                : "True when a is NULL; never NULL.",
         .overloads = {AnyOne()},
         .nulls = NullHandling::kCustom,
         .kernel = [negated](const KernelBinding& b) -> absl::StatusOr<Kernel> {
           if (b.arity() != 1 || b.result().id() != types::TypeId::kBoolean) {
             return b.NoKernel();
           }
           return IsNull(negated ? 0 : 1);
         }});
  }
}

}  // namespace weir::expr::internal
