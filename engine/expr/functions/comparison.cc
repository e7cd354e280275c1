// The comparison operators = <> (!=) < <= > >=. Both sides are cast to
// their common type by the binder; exact numbers compare exactly across
// scales. NULL when either side is NULL.

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

/// Exact numbers at their own scales (integers at scale 0).
template <typename Pred>
Kernel CompareExact(const KernelBinding& b) {
  const int sa = ExactScale(b.arg(0)), sb = ExactScale(b.arg(1));
  return WithExactArgs(b, [&](auto ta, auto tb) -> Kernel {
    using A = decltype(ta);
    using B = decltype(tb);
    if (sa == sb) {
      return BinaryKernel<A, B, int64_t>(
          [](int64_t& o, const A& x, const B& y) {
            o = Pred{}(Compare3<int128>(x, y));
          });
    }
    return BinaryKernel<A, B, int64_t>(
        [sa, sb](int64_t& o, const A& x, const B& y) {
          o = Pred{}(types::internal::CompareDecimal(x, sa, y, sb));
        });
  });
}

template <typename Pred>
absl::StatusOr<Kernel> CompareKernel(const KernelBinding& b) {
  if (b.arity() != 2 || b.result().id() != TypeId::kBoolean) {
    return b.NoKernel();
  }
  CompareKind kind = ChooseCompare(b.arg(0), b.arg(1));
  if (kind == CompareKind::kNone) return b.NoKernel();
  if (kind == CompareKind::kDecimal) return CompareExact<Pred>(b);
  return WithComparison<Kernel>(kind, [](auto tag, auto cmp) -> Kernel {
    using T = decltype(tag);
    return BinaryKernel<T, T, int64_t>(
        [cmp](int64_t& o, const T& x, const T& y) { o = Pred{}(cmp(x, y)); });
  });
}

template <typename Pred>
void AddComparison(ScalarRegistry& r, const char* name,
                   std::vector<std::string> synonyms = {}) {
  r.Add({.name = name,
         .synonyms = std::move(synonyms),
         .is_operator = true,
         .signature = fmt::format("a {} b", name),
         .description = "Comparison; NULL when either side is NULL.",
         .overloads = {Comparable(2, 2, LogicalType::Boolean(),
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
}

}  // namespace weir::expr::internal
