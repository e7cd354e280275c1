// COALESCE, IF, NULLIF, GREATEST and LEAST. COALESCE and IF are built-in
// forms (forms/switch_expr.cc), registered here for their names and type
// rules. NULLIF, GREATEST and LEAST compare their arguments (cast to one
// type by the binder) as the comparison operators do; GREATEST and LEAST
// are NULL when any argument is and keep the earliest of equal arguments.

#include <fmt/format.h>

#include <cstdint>

#include "engine/expr/compare.h"
#include "engine/expr/function_registry.h"

namespace weir::expr::internal {
namespace {

using types::LogicalType;

/// The comparison of the call's arguments, all of its result type.
CompareKind SameTypeComparison(const KernelBinding& b) {
  const LogicalType& t = b.result();
  if (t.IsNull() || b.arity() == 0) return CompareKind::kNone;
  for (size_t i = 0; i < b.arity(); ++i) {
    if (!(b.arg(i) == t)) return CompareKind::kNone;
  }
  return ChooseCompare(t, t);
}

/// NULLIF(a, b): a, or NULL when a = b; a's type is the result's.
absl::StatusOr<Kernel> NullIf(const KernelBinding& b) {
  if (b.arity() != 2 || !(b.arg(0) == b.result())) return b.NoKernel();
  return WithOrder(b, [](auto ta, auto tb, auto cmp) -> Kernel {
    using A = decltype(ta);
    using B = decltype(tb);
    return BinaryOrNullKernel<A, B, A>([cmp](A& o, const A* x, const B* y) {
      if (x == nullptr || (y != nullptr && cmp(*x, *y) == 0)) return false;
      o = *x;
      return true;
    });
  });
}

KernelFactory Extreme(bool greatest) {
  return [greatest](const KernelBinding& b) -> absl::StatusOr<Kernel> {
    CompareKind kind = SameTypeComparison(b);
    if (kind == CompareKind::kNone) return b.NoKernel();
    return WithComparison<Kernel>(kind, [greatest](auto tag, auto cmp) {
      using T = decltype(tag);
      return Kernel([greatest, cmp](KernelIO& io) {
        const std::vector<Vec>& args = io.args;
        T* o = io.Output<T>();
        ExecuteRows(io, [&](uint32_t r) {
          const T* best = &args[0].Data<T>()[args[0].Index(r)];
          for (size_t i = 1; i < args.size(); ++i) {
            const T* v = &args[i].Data<T>()[args[i].Index(r)];
            int c = cmp(*v, *best);
            if (greatest ? c > 0 : c < 0) best = v;
          }
          o[r] = *best;
        });
      });
    });
  };
}

}  // namespace

void RegisterConditionalFunctions(ScalarRegistry& r) {
  const Overload common_type =
      Comparable(1, SIZE_MAX, std::nullopt, "(T, ...) with a common type");
  r.Add({.name = "COALESCE",
         .signature = "COALESCE(a, b, ...)",
         .description = "The first argument not NULL.",
         .overloads = {common_type},
         .nulls = NullHandling::kCustom,
         .form = SpecialForm::kCoalesce});
  r.Add({.name = "NULLIF",
         .signature = "NULLIF(a, b)",
         .description = "NULL when a = b, else a.",
         .overloads = {Compared(std::nullopt, "(T, T) with a common type")},
         .nulls = NullHandling::kCustom,
         .kernel = NullIf});
  r.Add({.name = "IF",
         .signature = "IF(cond BOOLEAN, a, b)",
         .description = "a when cond is TRUE, else b.",
         .overloads = {{"(BOOLEAN, T, T) with a common type",
                        [](const Types& args) -> std::optional<Match> {
                          if (args.size() != 3 ||
                              !types::CanImplicitlyCast(
                                  args[0], LogicalType::Boolean())) {
                            return std::nullopt;
                          }
                          auto c = types::CommonSuperType(args[1], args[2]);
                          if (!c) return std::nullopt;
                          return Match{*c, {LogicalType::Boolean(), *c, *c}};
                        }}},
         .nulls = NullHandling::kCustom,
         .form = SpecialForm::kIf});
  for (bool greatest : {true, false}) {
    const char* name = greatest ? "GREATEST" : "LEAST";
    r.Add({.name = name,
           .signature = fmt::format("{}(a, b, ...)", name),
           .description =
               fmt::format("The {} argument; NULL if any argument is NULL.",
                           greatest ? "largest" : "smallest"),
           .overloads = {common_type},
           .kernel = Extreme(greatest)});
  }
}

}  // namespace weir::expr::internal
