// CAST and TRY_CAST. Typed loops convert between INT, BIGINT, DOUBLE,
// DECIMAL and BOOLEAN; every other conversion (from or to VARCHAR, BYTES,
// DATE, TIME, TIMESTAMP, INTERVAL, and DOUBLE -> DECIMAL) goes row by row
// through types::CastValue, the one definition of what a cast does. A
// failing row is an error for CAST and NULL for TRY_CAST.

#include <fmt/format.h>

#include <cmath>
#include <utility>

#include "engine/base/status.h"
#include "engine/expr/vector_node.h"
#include "engine/types/decimal_util.h"

namespace weir::expr::internal {
namespace {

using types::LogicalType;
using types::PhysicalType;
using types::TypeId;
using types::Value;

enum class CastKernel {
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

CastKernel ChooseCast(const LogicalType& from, const LogicalType& to) {
  TypeId f = from.id(), t = to.id();
  if (f == TypeId::kNull) return CastKernel::kAllNull;
  bool from_int = from.IsInteger();
  if (to.IsInteger()) {
    if (from_int || f == TypeId::kBoolean) return CastKernel::kIntToInt;
    if (f == TypeId::kDouble) return CastKernel::kDoubleToInt;
    if (f == TypeId::kDecimal) return CastKernel::kDecToInt;
  }
  if (t == TypeId::kBoolean && from_int) return CastKernel::kIntToBool;
  if (t == TypeId::kDouble) {
    if (from_int) return CastKernel::kIntToDouble;
    if (f == TypeId::kDecimal) return CastKernel::kDecToDouble;
  }
  if (t == TypeId::kDecimal) {
    if (from_int) return CastKernel::kIntToDec;
    if (f == TypeId::kDecimal) return CastKernel::kDecToDec;
  }
  return CastKernel::kPerRow;
}

class CastNode final : public VectorNode {
 public:
  CastNode(BoundExprPtr expr, NodePtr child)
      : VectorNode(std::move(expr)),
        child_(std::move(child)),
        kernel_(ChooseCast(child_->type(), type())) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    Vec in;
    WEIR_RETURN_IF_ERROR(child_->Eval(ctx, rows, &in));
    out->Init(type());
    if (kernel_ == CastKernel::kAllNull ||
        out->physical == PhysicalType::kNull) {
      out->Init(type());
      if (out->physical != PhysicalType::kNull) {
        SetConstant(out, type(), Value::Null(type()));
      }
      return absl::OkStatus();
    }
    const size_t n = ctx.num_rows;
    const LogicalType& to = type();
    const bool try_cast = expr_->try_cast;
    // Try-casts turn failing rows into NULL, so they need their own flags.
    uint8_t* nulls = nullptr;
    if (try_cast || kernel_ == CastKernel::kPerRow) {
      nulls = out->AllocateNulls(n);
      if (in.nulls != nullptr) {
        for (uint32_t r : rows) nulls[r] = in.IsNull(r) ? 1 : 0;
      }
    } else {
      PropagateNulls(std::span<const Vec>(&in, 1), rows, n, out);
    }
    const uint8_t* skip = out->nulls;
    absl::StatusCode code = absl::StatusCode::kOk;
    std::string why;
    // `fail` records the error of a row; try-casts make the row NULL.
    auto fail = [&](uint32_t r, absl::StatusCode c, std::string w) {
      if (try_cast) {
        nulls[r] = 1;
        return true;
      }
      code = c;
      why = std::move(w);
      return false;
    };
    auto out_of_range = [&](uint32_t r) {
      return fail(r, absl::StatusCode::kOutOfRange,
                  fmt::format("value {} is out of range for {}",
                              ValueAt(in, r).ToString(), to.ToString()));
    };
    auto decimal_overflow = [&](uint32_t r) {
      return fail(r, absl::StatusCode::kOutOfRange,
                  fmt::format("DECIMAL overflow: value does not fit {}",
                              to.ToString()));
    };
    auto fits = [&](int128 v) {
      return to.id() == TypeId::kInt ? v >= INT32_MIN && v <= INT32_MAX
                                     : v >= INT64_MIN && v <= INT64_MAX;
    };
    size_t stop = rows.size();
    switch (kernel_) {
      case CastKernel::kIntToInt: {
        const int64_t* a = in.Data<int64_t>();
        int64_t* o = out->Allocate<int64_t>(n);
        stop = ForRows(rows, skip, [&](uint32_t r) {
          int64_t v = a[in.Index(r)];
          if (!fits(v)) return out_of_range(r);
          o[r] = v;
          return true;
        });
        break;
      }
      case CastKernel::kIntToBool: {
        const int64_t* a = in.Data<int64_t>();
        int64_t* o = out->Allocate<int64_t>(n);
        stop = ForRows(rows, skip, [&](uint32_t r) {
          o[r] = a[in.Index(r)] != 0;
          return true;
        });
        break;
      }
      case CastKernel::kIntToDouble: {
        const int64_t* a = in.Data<int64_t>();
        double* o = out->Allocate<double>(n);
        stop = ForRows(rows, skip, [&](uint32_t r) {
          o[r] = static_cast<double>(a[in.Index(r)]);
          return true;
        });
        break;
      }
      case CastKernel::kDecToDouble: {
        const int128* a = in.Data<int128>();
        double* o = out->Allocate<double>(n);
        int s = in.type.scale();
        stop = ForRows(rows, skip, [&](uint32_t r) {
          o[r] = types::internal::DecimalToDouble(a[in.Index(r)], s);
          return true;
        });
        break;
      }
      case CastKernel::kDoubleToInt: {
        const double* a = in.Data<double>();
        int64_t* o = out->Allocate<int64_t>(n);
        stop = ForRows(rows, skip, [&](uint32_t r) {
          double d = std::round(a[in.Index(r)]);
          if (!std::isfinite(d) || d < -1.8e19 || d > 1.8e19) {
            return out_of_range(r);
          }
          int128 v = static_cast<int128>(d);
          if (!fits(v)) return out_of_range(r);
          o[r] = static_cast<int64_t>(v);
          return true;
        });
        break;
      }
      case CastKernel::kDecToInt: {
        const int128* a = in.Data<int128>();
        int64_t* o = out->Allocate<int64_t>(n);
        int s = in.type.scale();
        stop = ForRows(rows, skip, [&](uint32_t r) {
          int128 v = *types::internal::Rescale(a[in.Index(r)], s, 0);
          if (!fits(v)) return out_of_range(r);
          o[r] = static_cast<int64_t>(v);
          return true;
        });
        break;
      }
      case CastKernel::kIntToDec:
      case CastKernel::kDecToDec: {
        bool from_dec = kernel_ == CastKernel::kDecToDec;
        int s = from_dec ? in.type.scale() : 0;
        int128* o = out->Allocate<int128>(n);
        auto convert = [&](uint32_t r, int128 u) {
          auto v = types::internal::Rescale(u, s, to.scale());
          if (!v || !types::internal::FitsPrecision(*v, to.precision())) {
            return decimal_overflow(r);
          }
          o[r] = *v;
          return true;
        };
        if (from_dec) {
          const int128* a = in.Data<int128>();
          stop = ForRows(rows, skip, [&](uint32_t r) {
            return convert(r, a[in.Index(r)]);
          });
        } else {
          const int64_t* a = in.Data<int64_t>();
          stop = ForRows(rows, skip, [&](uint32_t r) {
            return convert(r, a[in.Index(r)]);
          });
        }
        break;
      }
      case CastKernel::kPerRow: {
        out->AllocateAll(n);  // replaces the nulls: copy the input's again
        nulls = out->null_buf.data();
        if (in.nulls != nullptr) {
          for (uint32_t r : rows) nulls[r] = in.IsNull(r) ? 1 : 0;
        }
        stop = ForRows(rows, nulls, [&](uint32_t r) {
          auto v = types::CastValue(ValueAt(in, r), to);
          if (!v.ok()) {
            return fail(r, v.status().code(),
                        std::string(v.status().message()));
          }
          StoreValue(out, r, *std::move(v));
          return true;
        });
        break;
      }
      case CastKernel::kAllNull:
        break;
    }
    if (stop < rows.size()) {
      return RowError(ctx, rows[stop], code, why, std::span<const Vec>(&in, 1));
    }
    return absl::OkStatus();
  }

 private:
  NodePtr child_;
  CastKernel kernel_;
};

}  // namespace

absl::StatusOr<NodePtr> CompileCast(const BoundExprPtr& e,
                                    const CompileOptions& options) {
  if (e->args.size() != 1) {
    return absl::InvalidArgumentError("CAST takes one argument");
  }
  WEIR_ASSIGN_OR_RETURN(NodePtr c, CompileNode(e->args[0], options));
  return Make<CastNode>(e, std::move(c));
}

}  // namespace weir::expr::internal
