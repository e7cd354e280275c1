// The comparison operators = <> (!=) < <= > >=, NULL when either side is
// NULL, and IS [NOT] DISTINCT FROM, their NULL-safe forms. Both sides are
// cast to their common type by the binder; exact numbers compare exactly
// across scales.

#include <fmt/format.h>

#include <string>
#include <vector>

#include "engine/expr/compare.h"
#include "engine/expr/function_registry.h"

namespace weir::expr::internal {
namespace {

using types::LogicalType;
using types::TypeId;

struct Eq {
  bool operator()(int c) const { return c == 0; }
};
struct Ne {
  bool operator()(int c) const { return c != 0; }
};
struct Lt {
  bool operator()(int c) const { return c < 0; }
};
struct Le {
  bool operator()(int c) const { return c <= 0; }
};
struct Gt {
  bool operator()(int c) const { return c > 0; }
};
struct Ge {
  bool operator()(int c) const { return c >= 0; }
};

template <typename Pred>
absl::StatusOr<Kernel> CompareKernel(const KernelBinding& b) {
  if (b.arity() != 2 || b.result().id() != TypeId::kBoolean) {
    return b.NoKernel();
  }
  return WithOrder(b, [](auto ta, auto tb, auto cmp) -> Kernel {
    using A = decltype(ta);
    using B = decltype(tb);
    return BinaryKernel<A, B, int64_t>(
        [cmp](int64_t& o, const A& x, const B& y) { o = Pred{}(cmp(x, y)); });
  });
}

/// IS DISTINCT FROM (`kDistinct`) and IS NOT DISTINCT FROM: NULL-safe <>
/// and =, never NULL. Two NULLs are not distinct; a NULL and a value are.
template <bool kDistinct>
absl::StatusOr<Kernel> DistinctFrom(const KernelBinding& b) {
  if (b.arity() != 2 || b.result().id() != TypeId::kBoolean) {
    return b.NoKernel();
  }
  auto kernel = [](auto ta, auto tb, auto cmp) -> Kernel {
    using A = decltype(ta);
    using B = decltype(tb);
    return BinaryOrNullKernel<A, B, int64_t>(
        [cmp](int64_t& o, const A* x, const B* y) {
          const bool differ = x == nullptr || y == nullptr
                                  ? (x == nullptr) != (y == nullptr)
                                  : cmp(*x, *y) != 0;
          o = differ == kDistinct;
        });
  };
  // A NULL-typed side is NULL in every row: only the other side's NULLs
  // count.
  if (b.arg(0).IsNull() || b.arg(1).IsNull()) {
    return kernel(int64_t{}, int64_t{}, [](int64_t, int64_t) { return 0; });
  }
  return WithOrder(b, kernel);
}

template <typename Pred>
void AddComparison(ScalarRegistry& r, const char* name,
                   std::vector<std::string> synonyms = {}) {
  r.Add({.name = name,
         .synonyms = std::move(synonyms),
         .is_operator = true,
         .signature = fmt::format("a {} b", name),
         .description = "Comparison; NULL when either side is NULL.",
         .overloads = {Compared(LogicalType::Boolean(),
                                "(T, T) for two types with a common type")},
         .kernel = CompareKernel<Pred>});
}

}  // namespace

void RegisterComparisonFunctions(ScalarRegistry& r) {
  AddComparison<Eq>(r, "=");
  AddComparison<Ne>(r, "<>", {"!="});
  AddComparison<Lt>(r, "<");
  AddComparison<Le>(r, "<=");
  AddComparison<Gt>(r, ">");
  AddComparison<Ge>(r, ">=");
  for (bool distinct : {true, false}) {
    r.Add({.name = distinct ? "IS DISTINCT FROM" : "IS NOT DISTINCT FROM",
           .is_operator = true,
           .signature =
               distinct ? "a IS DISTINCT FROM b" : "a IS NOT DISTINCT FROM b",
           .description =
               distinct ? "NULL-safe <>: TRUE when exactly one side is NULL "
                          "or both differ; never NULL."
                        : "NULL-safe =: TRUE when both sides are NULL or "
                          "equal; never NULL.",
           .overloads = {Compared(LogicalType::Boolean(),
                                  "(T, T) for two types with a common type")},
           .nulls = NullHandling::kCustom,
           .kernel = distinct ? KernelFactory(DistinctFrom<true>)
                              : KernelFactory(DistinctFrom<false>)});
  }
}

}  // namespace weir::expr::internal
