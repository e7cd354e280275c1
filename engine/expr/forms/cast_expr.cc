// CAST and TRY_CAST: a call node (the framework's NULL handling) with a
// kernel chosen for the two types. Typed kernels convert between INT,
// BIGINT, DOUBLE, DECIMAL and BOOLEAN; every other conversion (from or to
// VARCHAR, BYTES, DATE, TIME, TIMESTAMP, INTERVAL, and DOUBLE -> DECIMAL)
// goes row by row through types::CastValue, the one definition of what a
// cast does. A failing row is an error for CAST and NULL for TRY_CAST.

#include <fmt/format.h>

#include <cmath>
#include <type_traits>
#include <utility>

#include "engine/base/status.h"
#include "engine/expr/kernel.h"
#include "engine/types/decimal_util.h"

namespace weir::expr::internal {
namespace {

using types::LogicalType;
using types::PhysicalType;
using types::TypeId;
using types::Value;

enum class CastKind {
  kAllNull,      // from the NULL type
  kIntToInt,     // BOOLEAN/INT/BIGINT -> INT/BIGINT
  kIntToBool,    // INT/BIGINT -> BOOLEAN
  kIntToDouble,  // INT/BIGINT -> DOUBLE
  kDecToDouble,
  kDoubleToInt,
  kDecToInt,
  kIntToDec,
  kDecToDec,
  kPerRow,  // types::CastValue per row
};

CastKind ChooseCast(const LogicalType& from, const LogicalType& to) {
  TypeId f = from.id(), t = to.id();
  if (f == TypeId::kNull) return CastKind::kAllNull;
  bool from_int = from.IsInteger();
  if (to.IsInteger()) {
    if (from_int || f == TypeId::kBoolean) return CastKind::kIntToInt;
    if (f == TypeId::kDouble) return CastKind::kDoubleToInt;
    if (f == TypeId::kDecimal) return CastKind::kDecToInt;
  }
  if (t == TypeId::kBoolean && from_int) return CastKind::kIntToBool;
  if (t == TypeId::kDouble) {
    if (from_int) return CastKind::kIntToDouble;
    if (f == TypeId::kDecimal) return CastKind::kDecToDouble;
  }
  if (t == TypeId::kDecimal) {
    if (from_int) return CastKind::kIntToDec;
    if (f == TypeId::kDecimal) return CastKind::kDecToDec;
  }
  return CastKind::kPerRow;
}

/// What a cast's row function returns: for CAST, OK or the row's error;
/// for TRY_CAST, true or false (NULL) instead of the error, which is then
/// never worded.
template <bool kTry>
struct Outcome {
  using Type = std::conditional_t<kTry, bool, absl::Status>;
  static Type Ok() {
    if constexpr (kTry) {
      return true;
    } else {
      return absl::OkStatus();
    }
  }
  template <typename MakeError>
  static Type Fail(MakeError&& error) {
    if constexpr (kTry) {
      return false;
    } else {
      return error();
    }
  }
};

absl::Status OutOfRange(const Value& v, const LogicalType& to) {
  return absl::OutOfRangeError(fmt::format("value {} is out of range for {}",
                                           v.ToString(), to.ToString()));
}

/// The kernel of a cast `from` -> `to` of the kind `kind` (not kAllNull,
/// which never runs a kernel).
template <bool kTry>
Kernel MakeCastKernel(CastKind kind, const LogicalType& from,
                      const LogicalType& to) {
  using O = Outcome<kTry>;
  using R = typename O::Type;
  namespace ti = types::internal;
  const bool to_int = to.id() == TypeId::kInt;
  auto fits = [to_int](int128 v) {
    return to_int ? v >= INT32_MIN && v <= INT32_MAX
                  : v >= INT64_MIN && v <= INT64_MAX;
  };
  switch (kind) {
    case CastKind::kIntToInt:
      return UnaryKernel<int64_t, int64_t>(
          [fits, to](int64_t& o, int64_t v) -> R {
            if (!fits(v)) {
              return O::Fail([&] { return OutOfRange(Value::Bigint(v), to); });
            }
            o = v;
            return O::Ok();
          });
    case CastKind::kIntToBool:
      return UnaryKernel<int64_t, int64_t>(
          [](int64_t& o, int64_t v) { o = v != 0; });
    case CastKind::kIntToDouble:
      return UnaryKernel<int64_t, double>(
          [](double& o, int64_t v) { o = static_cast<double>(v); });
    case CastKind::kDecToDouble:
      return UnaryKernel<int128, double>(
          [s = from.scale()](double& o, int128 v) {
            o = ti::DecimalToDouble(v, s);
          });
    case CastKind::kDoubleToInt:
      return UnaryKernel<double, int64_t>(
          [fits, to](int64_t& o, double x) -> R {
            double d = std::round(x);
            if (!std::isfinite(d) || d < -1.8e19 || d > 1.8e19 ||
                !fits(static_cast<int128>(d))) {
              return O::Fail([&] { return OutOfRange(Value::Double(x), to); });
            }
            o = static_cast<int64_t>(d);
            return O::Ok();
          });
    case CastKind::kDecToInt:
      return UnaryKernel<int128, int64_t>(
          [fits, from, to](int64_t& o, int128 x) -> R {
            int128 v = *ti::Rescale(x, from.scale(), 0);
            if (!fits(v)) {
              return O::Fail(
                  [&] { return OutOfRange(Value::Decimal(x, from), to); });
            }
            o = static_cast<int64_t>(v);
            return O::Ok();
          });
    case CastKind::kIntToDec:
    case CastKind::kDecToDec: {
      auto convert = [s = ExactScale(from), to](int128& o, int128 x) -> R {
        auto v = ti::Rescale(x, s, to.scale());
        if (!v || !ti::FitsPrecision(*v, to.precision())) {
          return O::Fail([&] {
            return absl::OutOfRangeError(fmt::format(
                "DECIMAL overflow: value does not fit {}", to.ToString()));
          });
        }
        o = *v;
        return O::Ok();
      };
      if (kind == CastKind::kDecToDec) {
        return UnaryKernel<int128, int128>(convert);
      }
      return UnaryKernel<int64_t, int128>(
          [convert](int128& o, int64_t x) { return convert(o, x); });
    }
    case CastKind::kPerRow:
    case CastKind::kAllNull:
      break;
  }
  return [to](KernelIO& io) {
    io.out->AllocateValues(io.num_rows());
    const Vec& in = io.args[0];
    ExecuteRows(io, [&](uint32_t r) -> R {
      absl::StatusOr<Value> v = types::CastValue(ValueAt(in, r), to);
      if (!v.ok()) return O::Fail([&] { return v.status(); });
      if (v->is_null()) {
        io.SetNull(r);
      } else {
        StoreValue(io.out, r, *std::move(v));
      }
      return O::Ok();
    });
  };
}

}  // namespace

absl::StatusOr<NodePtr> CompileCast(const BoundExprPtr& e,
                                    const CompileOptions& options) {
  if (e->args.size() != 1) {
    return absl::InvalidArgumentError("CAST takes one argument");
  }
  std::vector<NodePtr> child(1);
  WEIR_ASSIGN_OR_RETURN(child[0], CompileNode(e->args[0], options));
  const LogicalType& from = child[0]->type();
  const CastKind kind = ChooseCast(from, e->type);
  Kernel kernel;
  if (kind != CastKind::kAllNull && !e->type.IsNull()) {
    kernel = e->try_cast ? MakeCastKernel<true>(kind, from, e->type)
                         : MakeCastKernel<false>(kind, from, e->type);
  }
  return MakeCallNode(e, /*default_nulls=*/true, std::move(child),
                      std::move(kernel));
}

}  // namespace weir::expr::internal
