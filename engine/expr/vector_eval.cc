#include "engine/expr/vector_eval.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <numeric>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/base/status.h"
#include "engine/expr/function_helpers.h"
#include "engine/expr/functions.h"
#include "engine/types/decimal_util.h"
#include "engine/types/temporal_util.h"

// How evaluation works: every BoundExpr node becomes a VectorNode whose
// kernel was chosen at compile time. Eval(rows) evaluates the node's children
// over `rows` (ascending physical row indexes), then runs one loop over
// `rows` writing the node's result into a Vec. A Vec is either a view of an
// input column (no copy), a constant (one value for every row), or owned
// buffers indexed by physical row. Lazy forms (AND, OR, CASE, IF, COALESCE)
// evaluate a child only over the rows that need it, which is what makes
// `x = 0 OR 10 / x > 1` safe and keeps unselected rows from raising errors.

namespace weir::expr {
namespace internal {

using types::Column;
using types::IntervalValue;
using types::LogicalType;
using types::PhysicalType;
using types::TypeId;
using types::Value;
using types::internal::int128;

using Rows = std::span<const uint32_t>;
using RowList = std::vector<uint32_t>;

namespace {

const uint8_t kAlwaysNull = 1;

bool IsContinuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

/// The values of one node over the rows of a batch. Not copyable: `data` and
/// `nulls` may point into the owned buffers.
struct Vec {
  Vec() = default;
  Vec(const Vec&) = delete;
  Vec& operator=(const Vec&) = delete;
  Vec(Vec&&) = default;
  Vec& operator=(Vec&&) = default;

  LogicalType type;
  PhysicalType physical = PhysicalType::kNull;
  /// One value (index 0) stands for every row.
  bool constant = false;
  /// Per row (index 0 when constant); nullptr when no row is NULL.
  const uint8_t* nulls = nullptr;
  /// int64_t, double, int128, std::string or IntervalValue by `physical`.
  const void* data = nullptr;

  std::vector<int64_t> ints;
  std::vector<double> doubles;
  std::vector<int128> decimals;
  std::vector<std::string> strings;
  std::vector<IntervalValue> intervals;
  std::vector<uint8_t> null_buf;

  void Init(const LogicalType& t) {
    type = t;
    physical = types::PhysicalTypeOf(t);
    constant = false;
    data = nullptr;
    nulls = physical == PhysicalType::kNull ? &kAlwaysNull : nullptr;
    if (physical == PhysicalType::kNull) constant = true;
  }
  size_t Index(size_t r) const { return constant ? 0 : r; }
  bool IsNull(size_t r) const {
    return nulls != nullptr && nulls[constant ? 0 : r] != 0;
  }
  template <typename T>
  const T* Data() const {
    return static_cast<const T*>(data);
  }
  bool OwnsStrings() const {
    return physical == PhysicalType::kString && !constant &&
           data == static_cast<const void*>(strings.data());
  }
  /// Owned, zero-initialized values for `n` physical rows.
  template <typename T>
  T* Allocate(size_t n) {
    std::vector<T>* v;
    if constexpr (std::is_same_v<T, int64_t>) {
      v = &ints;
    } else if constexpr (std::is_same_v<T, double>) {
      v = &doubles;
    } else if constexpr (std::is_same_v<T, int128>) {
      v = &decimals;
    } else if constexpr (std::is_same_v<T, std::string>) {
      v = &strings;
    } else {
      v = &intervals;
    }
    v->assign(n, T{});
    data = v->data();
    return v->data();
  }
  /// Owned null flags for `n` rows, all false.
  uint8_t* AllocateNulls(size_t n) {
    null_buf.assign(n, 0);
    nulls = null_buf.data();
    return null_buf.data();
  }
  /// Owned storage of this Vec's physical type for `n` rows plus nulls.
  uint8_t* AllocateAll(size_t n) {
    switch (physical) {
      case PhysicalType::kInt64:
        Allocate<int64_t>(n);
        break;
      case PhysicalType::kDouble:
        Allocate<double>(n);
        break;
      case PhysicalType::kInt128:
        Allocate<int128>(n);
        break;
      case PhysicalType::kString:
        Allocate<std::string>(n);
        break;
      case PhysicalType::kInterval:
        Allocate<IntervalValue>(n);
        break;
      case PhysicalType::kNull:
        return nullptr;
    }
    return AllocateNulls(n);
  }
};

/// The value at physical row `r` as a Value of the Vec's type (slow path).
Value ValueAt(const Vec& v, size_t r) {
  if (v.IsNull(r)) return Value::Null(v.type);
  size_t i = v.Index(r);
  switch (v.type.id()) {
    case TypeId::kBoolean:
      return Value::Boolean(v.Data<int64_t>()[i] != 0);
    case TypeId::kInt:
      return Value::Int(static_cast<int32_t>(v.Data<int64_t>()[i]));
    case TypeId::kBigint:
      return Value::Bigint(v.Data<int64_t>()[i]);
    case TypeId::kDate:
      return Value::Date(v.Data<int64_t>()[i]);
    case TypeId::kTime:
      return Value::Time(v.Data<int64_t>()[i]);
    case TypeId::kTimestamp:
      return Value::Timestamp(v.Data<int64_t>()[i], v.type.precision());
    case TypeId::kDouble:
      return Value::Double(v.Data<double>()[i]);
    case TypeId::kDecimal:
      return Value::Decimal(v.Data<int128>()[i], v.type);
    case TypeId::kVarchar:
      return Value::Varchar(v.Data<std::string>()[i]);
    case TypeId::kBytes:
      return Value::Bytes(v.Data<std::string>()[i]);
    case TypeId::kInterval:
      return Value::Interval(v.Data<IntervalValue>()[i]);
    case TypeId::kNull:
      break;
  }
  return Value::Null(v.type);
}

/// Stores `value` at row `r` of a Vec with owned storage (AllocateAll).
void StoreValue(Vec* out, size_t r, Value value) {
  if (out->physical == PhysicalType::kNull) return;
  if (value.is_null()) {
    out->null_buf[r] = 1;
    return;
  }
  switch (out->physical) {
    case PhysicalType::kInt64:
      out->ints[r] = value.type().id() == TypeId::kBoolean
                         ? (value.boolean() ? 1 : 0)
                         : value.integer();
      break;
    case PhysicalType::kDouble:
      out->doubles[r] = value.dbl();
      break;
    case PhysicalType::kInt128:
      out->decimals[r] = value.decimal();
      break;
    case PhysicalType::kString:
      out->strings[r] = value.str();
      break;
    case PhysicalType::kInterval:
      out->intervals[r] = value.interval();
      break;
    case PhysicalType::kNull:
      break;
  }
}

/// Makes `out` the constant `value` (already of type `type`).
void SetConstant(Vec* out, const LogicalType& type, const Value& value) {
  out->Init(type);
  if (out->physical == PhysicalType::kNull) return;
  out->AllocateAll(1);
  StoreValue(out, 0, value);
  out->constant = true;
  if (!value.is_null()) out->nulls = nullptr;
}

/// Copies the values of `src` at `rows` into `dst` (owned storage of the
/// same physical type); moves strings out of `src` when it owns them.
void CopyRows(Vec& src, Rows rows, Vec* dst) {
  if (dst->physical == PhysicalType::kNull) return;
  uint8_t* nulls = dst->null_buf.data();
  auto copy = [&](auto* to, const auto* from, bool move) {
    for (uint32_t r : rows) {
      nulls[r] = src.IsNull(r) ? 1 : 0;
      if (nulls[r]) {
        continue;
      } else if (move) {
        to[r] = std::move(
            const_cast<std::remove_const_t<
                std::remove_reference_t<decltype(from[0])>>&>(from[r]));
      } else {
        to[r] = from[src.Index(r)];
      }
    }
  };
  switch (dst->physical) {
    case PhysicalType::kInt64:
      copy(dst->ints.data(), src.Data<int64_t>(), false);
      break;
    case PhysicalType::kDouble:
      copy(dst->doubles.data(), src.Data<double>(), false);
      break;
    case PhysicalType::kInt128:
      copy(dst->decimals.data(), src.Data<int128>(), false);
      break;
    case PhysicalType::kString:
      copy(dst->strings.data(), src.Data<std::string>(), src.OwnsStrings());
      break;
    case PhysicalType::kInterval:
      copy(dst->intervals.data(), src.Data<IntervalValue>(), false);
      break;
    case PhysicalType::kNull:
      break;
  }
}

/// Calls `f(r)` for each row of `rows` not flagged in `nulls` (nullptr: no
/// flags); stops at the first `f` returning false. Returns the position in
/// `rows` where it stopped, or rows.size().
template <bool kHasNulls, typename F>
inline size_t LoopRows(Rows rows, const uint8_t* nulls, F&& f) {
  const size_t n = rows.size();
  const uint32_t* p = rows.data();
  for (size_t i = 0; i < n; ++i) {
    uint32_t r = p[i];
    if constexpr (kHasNulls) {
      if (nulls[r]) continue;
    }
    if (!f(r)) return i;
  }
  return n;
}

template <typename F>
inline size_t ForRows(Rows rows, const uint8_t* nulls, F&& f) {
  return nulls != nullptr ? LoopRows<true>(rows, nulls, f)
                          : LoopRows<false>(rows, nulls, f);
}

/// ForRows over two operands: calls f(r, ia, ib) with the operands' value
/// indexes, one instantiation per constness so the loop has no branch on it.
template <typename F>
inline size_t ForRows2(const Vec& a, const Vec& b, Rows rows,
                       const uint8_t* nulls, F&& f) {
  if (!a.constant && !b.constant) {
    return ForRows(rows, nulls, [&](uint32_t r) { return f(r, r, r); });
  }
  if (!a.constant) {
    return ForRows(rows, nulls, [&](uint32_t r) { return f(r, r, 0u); });
  }
  if (!b.constant) {
    return ForRows(rows, nulls, [&](uint32_t r) { return f(r, 0u, r); });
  }
  return ForRows(rows, nulls, [&](uint32_t r) { return f(r, 0u, 0u); });
}

/// Sets out->nulls to the OR of the operands' nulls over `rows` (nullptr
/// when no operand has any) and returns it.
const uint8_t* PropagateNulls(const std::vector<const Vec*>& args, Rows rows,
                              size_t num_rows, Vec* out) {
  bool any = false;
  for (const Vec* a : args) any = any || a->nulls != nullptr;
  if (!any) {
    out->nulls = nullptr;
    return nullptr;
  }
  uint8_t* nulls = out->AllocateNulls(num_rows);
  for (const Vec* a : args) {
    if (a->nulls == nullptr) continue;
    if (a->constant) {
      if (a->nulls[0]) {
        for (uint32_t r : rows) nulls[r] = 1;
      }
    } else {
      for (uint32_t r : rows) nulls[r] |= a->nulls[r];
    }
  }
  return nulls;
}

/// What one Evaluate call shares between its nodes.
struct EvalContext {
  const types::Batch* input = nullptr;
  size_t num_rows = 0;
  int64_t now_micros = 0;  // the clock, read once per Evaluate
  size_t error_row = 0;
};

}  // namespace

/// One node of a compiled expression. Eval is called once per batch (not
/// per row) and must only read and write the rows in `rows`.
class VectorNode {
 public:
  explicit VectorNode(BoundExprPtr expr) : expr_(std::move(expr)) {}
  virtual ~VectorNode() = default;

  /// Evaluates over `rows` into `out` (re-initialized to this node's type).
  virtual absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const = 0;

  const BoundExpr& expr() const { return *expr_; }
  const LogicalType& type() const { return expr_->type; }

 protected:
  /// The end of a row loop that stopped at live row index `stop` (as
  /// ForRows returns it): OK when it ran through every row, else `error`
  /// at that row, as RowError words it.
  absl::Status LoopStatus(EvalContext& ctx, Rows rows, size_t stop,
                          const absl::Status& error,
                          const std::vector<const Vec*>& args) const {
    if (stop == rows.size()) return absl::OkStatus();
    return RowError(ctx, rows[stop], error.code(), std::string(error.message()),
                    args);
  }

  /// The error of this node at physical row `r`, naming the subexpression
  /// and the argument values.
  absl::Status RowError(EvalContext& ctx, uint32_t r, absl::StatusCode code,
                        const std::string& message,
                        const std::vector<const Vec*>& args) const {
    ctx.error_row = r;
    std::string shown;
    for (const Vec* a : args) {
      if (!shown.empty()) shown += ", ";
      shown += ValueAt(*a, r).ToSqlLiteral();
    }
    std::string text = fmt::format("{} in {}", message, expr_->ToString());
    if (!args.empty()) text += fmt::format(" [arguments: {}]", shown);
    return absl::Status(code, text);
  }

  BoundExprPtr expr_;
};

using NodePtr = std::unique_ptr<VectorNode>;

template <typename T, typename... A>
NodePtr Make(A&&... args) {
  return std::make_unique<T>(std::forward<A>(args)...);
}

namespace {

/// Evaluates every child over `rows`.
absl::Status EvalChildren(const std::vector<NodePtr>& children,
                          EvalContext& ctx, Rows rows, std::vector<Vec>* out) {
  out->resize(children.size());
  for (size_t i = 0; i < children.size(); ++i) {
    WEIR_RETURN_IF_ERROR(children[i]->Eval(ctx, rows, &(*out)[i]));
  }
  return absl::OkStatus();
}

std::vector<const Vec*> Pointers(const std::vector<Vec>& vecs) {
  std::vector<const Vec*> out;
  for (const Vec& v : vecs) out.push_back(&v);
  return out;
}

// ------------------------------------------------------------ leaves

class ColumnNode final : public VectorNode {
 public:
  using VectorNode::VectorNode;

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    const int index = expr_->column;
    if (index < 0 || static_cast<size_t>(index) >= ctx.input->num_columns()) {
      return absl::InvalidArgumentError(
          fmt::format("column {} is out of range: the batch has {} columns",
                      expr_->ToString(), ctx.input->num_columns()));
    }
    const Column& c = ctx.input->column(index);
    out->Init(type());
    if (out->physical == PhysicalType::kNull) return absl::OkStatus();
    if (c.physical() != out->physical ||
        (out->physical == PhysicalType::kInt128 &&
         c.type().scale() != type().scale()) ||
        c.size() < ctx.num_rows) {
      return absl::InvalidArgumentError(fmt::format(
          "column {} of the batch has type {} ({} rows); the expression "
          "expects {}",
          expr_->ToString(), c.type().ToString(), c.size(), type().ToString()));
    }
    switch (out->physical) {
      case PhysicalType::kInt64:
        out->data = c.ints();
        break;
      case PhysicalType::kDouble:
        out->data = c.doubles();
        break;
      case PhysicalType::kInt128:
        out->data = c.decimals();
        break;
      case PhysicalType::kString:
        out->data = c.strings();
        break;
      case PhysicalType::kInterval:
        out->data = c.intervals();
        break;
      case PhysicalType::kNull:
        break;
    }
    if (c.MayHaveNulls()) {
      uint8_t* nulls = out->AllocateNulls(ctx.num_rows);
      for (uint32_t r : rows) nulls[r] = c.IsNull(r) ? 1 : 0;
    }
    return absl::OkStatus();
  }
};

class LiteralNode final : public VectorNode {
 public:
  LiteralNode(BoundExprPtr expr, Value value)
      : VectorNode(std::move(expr)), value_(std::move(value)) {}

  absl::Status Eval(EvalContext&, Rows, Vec* out) const override {
    SetConstant(out, type(), value_);
    return absl::OkStatus();
  }

 private:
  Value value_;
};

/// NOW, CURRENT_TIMESTAMP, CURRENT_DATE: the time the Evaluate call began,
/// the same for every row of the batch.
class ClockNode final : public VectorNode {
 public:
  using VectorNode::VectorNode;

  absl::Status Eval(EvalContext& ctx, Rows, Vec* out) const override {
    namespace ti = types::internal;
    int64_t m = ctx.now_micros;
    Value v = type().id() == TypeId::kDate
                  ? Value::Date(ti::FloorDiv(m, ti::kMicrosPerDay))
                  : Value::Timestamp(m - ti::FloorMod(m, 1000), 3);
    if (!(v.type() == type())) {
      WEIR_ASSIGN_OR_RETURN(v, types::CastValue(v, type()));
    }
    SetConstant(out, type(), v);
    return absl::OkStatus();
  }
};

// ------------------------------------------------------------ fallback

/// Any scalar function: the arguments are evaluated as vectors, then each
/// row's argument values go through EvaluateConstant on a private copy of
/// the call whose arguments are literals.
class FallbackCallNode final : public VectorNode {
 public:
  FallbackCallNode(BoundExprPtr expr, std::vector<NodePtr> children)
      : VectorNode(std::move(expr)), children_(std::move(children)) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    std::vector<Vec> args;
    WEIR_RETURN_IF_ERROR(EvalChildren(children_, ctx, rows, &args));
    out->Init(type());
    out->AllocateAll(ctx.num_rows);
    // Thread-safe: the mutable call tree is private to this Eval.
    BoundExpr call = *expr_;
    std::vector<std::shared_ptr<BoundExpr>> literals;
    for (size_t i = 0; i < args.size(); ++i) {
      auto lit = std::make_shared<BoundExpr>();
      lit->kind = BoundExprKind::kLiteral;
      lit->type = args[i].type;
      literals.push_back(lit);
      call.args[i] = lit;
    }
    for (uint32_t r : rows) {
      for (size_t i = 0; i < args.size(); ++i) {
        literals[i]->value = ValueAt(args[i], r);
      }
      auto v = EvaluateConstant(call);
      if (!v.ok()) {
        return RowError(ctx, r, v.status().code(),
                        std::string(v.status().message()), Pointers(args));
      }
      StoreValue(out, r, *std::move(v));
    }
    return absl::OkStatus();
  }

 private:
  std::vector<NodePtr> children_;
};

// ------------------------------------------------------------ casts

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
      PropagateNulls({&in}, rows, n, out);
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
      return RowError(ctx, rows[stop], code, why, {&in});
    }
    return absl::OkStatus();
  }

 private:
  NodePtr child_;
  CastKernel kernel_;
};

// ------------------------------------------------------------ logic

/// Reads a BOOLEAN Vec at row r as a Tribool.
inline types::Tribool TriboolAt(const Vec& v, uint32_t r) {
  if (v.IsNull(r)) return types::Tribool::kUnknown;
  return v.Data<int64_t>()[v.Index(r)] != 0 ? types::Tribool::kTrue
                                            : types::Tribool::kFalse;
}

/// AND / OR with SQL's three-valued logic; the right side is evaluated only
/// over the rows the left side does not decide.
class LogicNode final : public VectorNode {
 public:
  LogicNode(BoundExprPtr expr, bool is_and, NodePtr left, NodePtr right)
      : VectorNode(std::move(expr)),
        is_and_(is_and),
        left_(std::move(left)),
        right_(std::move(right)) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    const types::Tribool decisive =
        is_and_ ? types::Tribool::kFalse : types::Tribool::kTrue;
    Vec left;
    WEIR_RETURN_IF_ERROR(left_->Eval(ctx, rows, &left));
    RowList undecided;
    undecided.reserve(rows.size());
    for (uint32_t r : rows) {
      if (TriboolAt(left, r) != decisive) undecided.push_back(r);
    }
    Vec right;
    if (!undecided.empty()) {
      WEIR_RETURN_IF_ERROR(right_->Eval(ctx, undecided, &right));
    }
    out->Init(type());
    int64_t* o = out->Allocate<int64_t>(ctx.num_rows);
    uint8_t* nulls = out->AllocateNulls(ctx.num_rows);
    const int64_t decisive_value = is_and_ ? 0 : 1;
    for (uint32_t r : rows) o[r] = decisive_value;
    for (uint32_t r : undecided) {
      types::Tribool a = TriboolAt(left, r), b = TriboolAt(right, r);
      types::Tribool t = is_and_ ? types::And(a, b) : types::Or(a, b);
      if (t == types::Tribool::kUnknown) {
        nulls[r] = 1;
      } else {
        o[r] = t == types::Tribool::kTrue;
      }
    }
    return absl::OkStatus();
  }

 private:
  bool is_and_;
  NodePtr left_;
  NodePtr right_;
};

class NotNode final : public VectorNode {
 public:
  NotNode(BoundExprPtr expr, NodePtr child)
      : VectorNode(std::move(expr)), child_(std::move(child)) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    Vec in;
    WEIR_RETURN_IF_ERROR(child_->Eval(ctx, rows, &in));
    out->Init(type());
    if (in.physical == PhysicalType::kNull) {
      SetConstant(out, type(), Value::Null(type()));
      return absl::OkStatus();
    }
    PropagateNulls({&in}, rows, ctx.num_rows, out);
    const int64_t* a = in.Data<int64_t>();
    int64_t* o = out->Allocate<int64_t>(ctx.num_rows);
    ForRows(rows, nullptr, [&](uint32_t r) {
      o[r] = a[in.Index(r)] == 0;
      return true;
    });
    return absl::OkStatus();
  }

 private:
  NodePtr child_;
};

class IsNullNode final : public VectorNode {
 public:
  IsNullNode(BoundExprPtr expr, bool negated, NodePtr child)
      : VectorNode(std::move(expr)),
        negated_(negated),
        child_(std::move(child)) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    Vec in;
    WEIR_RETURN_IF_ERROR(child_->Eval(ctx, rows, &in));
    out->Init(type());
    int64_t* o = out->Allocate<int64_t>(ctx.num_rows);
    const int64_t when_null = negated_ ? 0 : 1;
    for (uint32_t r : rows) o[r] = in.IsNull(r) ? when_null : 1 - when_null;
    return absl::OkStatus();
  }

 private:
  bool negated_;
  NodePtr child_;
};

// ------------------------------------------------------------ branches

/// CASE WHEN c1 THEN v1 ... ELSE e END (IF is CASE with one branch): each
/// THEN is evaluated only over the rows whose WHEN chose it. Branch values
/// were cast to the result type at compile time.
class CaseNode final : public VectorNode {
 public:
  CaseNode(BoundExprPtr expr, std::vector<NodePtr> whens,
           std::vector<NodePtr> thens, NodePtr otherwise)
      : VectorNode(std::move(expr)),
        whens_(std::move(whens)),
        thens_(std::move(thens)),
        else_(std::move(otherwise)) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    out->Init(type());
    out->AllocateAll(ctx.num_rows);
    RowList remaining(rows.begin(), rows.end());
    RowList chosen, rest;
    for (size_t i = 0; i < whens_.size() && !remaining.empty(); ++i) {
      Vec cond;
      WEIR_RETURN_IF_ERROR(whens_[i]->Eval(ctx, remaining, &cond));
      chosen.clear();
      rest.clear();
      for (uint32_t r : remaining) {
        (TriboolAt(cond, r) == types::Tribool::kTrue ? chosen : rest)
            .push_back(r);
      }
      if (!chosen.empty()) {
        Vec value;
        WEIR_RETURN_IF_ERROR(thens_[i]->Eval(ctx, chosen, &value));
        CopyRows(value, chosen, out);
      }
      remaining.swap(rest);
    }
    if (remaining.empty()) return absl::OkStatus();
    if (else_ != nullptr) {
      Vec value;
      WEIR_RETURN_IF_ERROR(else_->Eval(ctx, remaining, &value));
      CopyRows(value, remaining, out);
    } else if (out->physical != PhysicalType::kNull) {
      for (uint32_t r : remaining) out->null_buf[r] = 1;
    }
    return absl::OkStatus();
  }

 private:
  std::vector<NodePtr> whens_;
  std::vector<NodePtr> thens_;
  NodePtr else_;  // may be null: NULL
};

/// COALESCE: argument i is evaluated only over the rows where every earlier
/// argument was NULL.
class CoalesceNode final : public VectorNode {
 public:
  CoalesceNode(BoundExprPtr expr, std::vector<NodePtr> children)
      : VectorNode(std::move(expr)), children_(std::move(children)) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    out->Init(type());
    out->AllocateAll(ctx.num_rows);
    RowList remaining(rows.begin(), rows.end()), still_null;
    for (const NodePtr& child : children_) {
      if (remaining.empty()) break;
      Vec value;
      WEIR_RETURN_IF_ERROR(child->Eval(ctx, remaining, &value));
      CopyRows(value, remaining, out);
      still_null.clear();
      for (uint32_t r : remaining) {
        if (value.IsNull(r)) still_null.push_back(r);
      }
      remaining.swap(still_null);
    }
    return absl::OkStatus();
  }

 private:
  std::vector<NodePtr> children_;
};

// ------------------------------------------------------------ comparison

enum class CmpOp { kEq, kNe, kLt, kLe, kGt, kGe };

template <typename F>
auto WithPredicate(CmpOp op, F&& f) {
  switch (op) {
    case CmpOp::kEq:
      return f([](int c) { return c == 0; });
    case CmpOp::kNe:
      return f([](int c) { return c != 0; });
    case CmpOp::kLt:
      return f([](int c) { return c < 0; });
    case CmpOp::kLe:
      return f([](int c) { return c <= 0; });
    case CmpOp::kGt:
      return f([](int c) { return c > 0; });
    case CmpOp::kGe:
      break;
  }
  return f([](int c) { return c >= 0; });
}

template <typename T>
inline int Compare3(const T& a, const T& b) {
  return (b < a) - (a < b);
}

inline int CompareDoubles(double a, double b) {
  // As types::CompareValues: NaN equals NaN and sorts above everything.
  bool na = std::isnan(a), nb = std::isnan(b);
  if (na || nb) return na == nb ? 0 : (na ? 1 : -1);
  return Compare3(a, b);
}

inline int128 IntervalTotal(const IntervalValue& iv) {
  return static_cast<int128>(iv.months) * 30 * types::internal::kMicrosPerDay +
         iv.micros;
}

enum class CmpKernel { kInt, kDouble, kDecimal, kString, kInterval, kNone };

CmpKernel ChooseCompare(const LogicalType& a, const LogicalType& b) {
  if (a.IsInteger() && b.IsInteger()) return CmpKernel::kInt;
  if (a.id() == TypeId::kDouble && b.id() == TypeId::kDouble) {
    return CmpKernel::kDouble;
  }
  if ((a.id() == TypeId::kDecimal || a.IsInteger()) &&
      (b.id() == TypeId::kDecimal || b.IsInteger())) {
    return CmpKernel::kDecimal;
  }
  if (!(a == b)) return CmpKernel::kNone;
  switch (a.id()) {
    case TypeId::kBoolean:
    case TypeId::kDate:
    case TypeId::kTime:
    case TypeId::kTimestamp:
      return CmpKernel::kInt;
    case TypeId::kVarchar:
    case TypeId::kBytes:
      return CmpKernel::kString;
    case TypeId::kInterval:
      return CmpKernel::kInterval;
    default:
      return CmpKernel::kNone;
  }
}

class CompareNode final : public VectorNode {
 public:
  CompareNode(BoundExprPtr expr, CmpOp op, CmpKernel kernel, NodePtr left,
              NodePtr right)
      : VectorNode(std::move(expr)),
        op_(op),
        kernel_(kernel),
        left_(std::move(left)),
        right_(std::move(right)) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    Vec a, b;
    WEIR_RETURN_IF_ERROR(left_->Eval(ctx, rows, &a));
    WEIR_RETURN_IF_ERROR(right_->Eval(ctx, rows, &b));
    out->Init(type());
    if (a.physical == PhysicalType::kNull ||
        b.physical == PhysicalType::kNull) {
      SetConstant(out, type(), Value::Null(type()));
      return absl::OkStatus();
    }
    const uint8_t* nulls = PropagateNulls({&a, &b}, rows, ctx.num_rows, out);
    int64_t* o = out->Allocate<int64_t>(ctx.num_rows);
    WithPredicate(op_, [&](auto pred) {
      switch (kernel_) {
        case CmpKernel::kInt: {
          const int64_t *x = a.Data<int64_t>(), *y = b.Data<int64_t>();
          ForRows2(a, b, rows, nulls, [&](uint32_t r, uint32_t i, uint32_t j) {
            o[r] = pred(Compare3(x[i], y[j]));
            return true;
          });
          break;
        }
        case CmpKernel::kDouble: {
          const double *x = a.Data<double>(), *y = b.Data<double>();
          ForRows2(a, b, rows, nulls, [&](uint32_t r, uint32_t i, uint32_t j) {
            o[r] = pred(CompareDoubles(x[i], y[j]));
            return true;
          });
          break;
        }
        case CmpKernel::kDecimal: {
          CompareDecimals(a, b, rows, nulls, o, pred);
          break;
        }
        case CmpKernel::kString: {
          const std::string *x = a.Data<std::string>(),
                            *y = b.Data<std::string>();
          ForRows2(a, b, rows, nulls, [&](uint32_t r, uint32_t i, uint32_t j) {
            int c = x[i].compare(y[j]);
            o[r] = pred((c > 0) - (c < 0));
            return true;
          });
          break;
        }
        case CmpKernel::kInterval: {
          const IntervalValue *x = a.Data<IntervalValue>(),
                              *y = b.Data<IntervalValue>();
          ForRows2(a, b, rows, nulls, [&](uint32_t r, uint32_t i, uint32_t j) {
            o[r] = pred(Compare3(IntervalTotal(x[i]), IntervalTotal(y[j])));
            return true;
          });
          break;
        }
        case CmpKernel::kNone:
          break;
      }
      return 0;
    });
    return absl::OkStatus();
  }

 private:
  template <typename Pred>
  static void CompareDecimals(const Vec& a, const Vec& b, Rows rows,
                              const uint8_t* nulls, int64_t* o, Pred pred) {
    // Integers take part at scale 0; widen them into int128 on the fly.
    auto run = [&](auto get_a, auto get_b) {
      int sa = a.physical == PhysicalType::kInt128 ? a.type.scale() : 0;
      int sb = b.physical == PhysicalType::kInt128 ? b.type.scale() : 0;
      if (sa == sb) {
        ForRows2(a, b, rows, nulls, [&](uint32_t r, uint32_t i, uint32_t j) {
          o[r] = pred(Compare3(get_a(i), get_b(j)));
          return true;
        });
      } else {
        ForRows2(a, b, rows, nulls, [&](uint32_t r, uint32_t i, uint32_t j) {
          o[r] =
              pred(types::internal::CompareDecimal(get_a(i), sa, get_b(j), sb));
          return true;
        });
      }
    };
    auto dec = [](const Vec& v) {
      const int128* p = v.Data<int128>();
      return [p](uint32_t i) { return p[i]; };
    };
    auto integer = [](const Vec& v) {
      const int64_t* p = v.Data<int64_t>();
      return [p](uint32_t i) { return static_cast<int128>(p[i]); };
    };
    bool da = a.physical == PhysicalType::kInt128;
    bool db = b.physical == PhysicalType::kInt128;
    if (da && db) {
      run(dec(a), dec(b));
    } else if (da) {
      run(dec(a), integer(b));
    } else if (db) {
      run(integer(a), dec(b));
    } else {
      run(integer(a), integer(b));
    }
  }

  CmpOp op_;
  CmpKernel kernel_;
  NodePtr left_;
  NodePtr right_;
};

// ------------------------------------------------------------ arithmetic

enum class ArithKernel { kInt, kDouble, kDecimal, kNone };

ArithKernel ChooseArith(const LogicalType& result, const LogicalType& a,
                        const LogicalType& b) {
  switch (result.id()) {
    case TypeId::kInt:
    case TypeId::kBigint:
      return a.IsInteger() && b.IsInteger() ? ArithKernel::kInt
                                            : ArithKernel::kNone;
    case TypeId::kDouble:
      return a.id() == TypeId::kDouble && b.id() == TypeId::kDouble
                 ? ArithKernel::kDouble
                 : ArithKernel::kNone;
    case TypeId::kDecimal: {
      auto ok = [](const LogicalType& t) {
        return t.id() == TypeId::kDecimal || t.IsInteger();
      };
      return ok(a) && ok(b) ? ArithKernel::kDecimal : ArithKernel::kNone;
    }
    default:
      return ArithKernel::kNone;
  }
}

/// Why a row of an arithmetic kernel failed.
enum class ArithError {
  kNone,
  kDivisionByZero,
  kIntOverflow,
  kDoubleOverflow,
  kDecimalOverflow
};

/// DECIMAL a (scale sa) op b (scale sb) into `result`, exactly as the
/// scalar operator computes it.
inline ArithError DecimalOp(char op, int128 x, int sa, int128 y, int sb,
                            const LogicalType& result, int128* out) {
  namespace ti = types::internal;
  auto finish = [&](std::optional<int128> u, int scale) {
    if (!u) return ArithError::kDecimalOverflow;
    auto v =
        scale == result.scale() ? u : ti::Rescale(*u, scale, result.scale());
    if (!v || !ti::FitsPrecision(*v, result.precision())) {
      return ArithError::kDecimalOverflow;
    }
    *out = *v;
    return ArithError::kNone;
  };
  int s = std::max(sa, sb);
  switch (op) {
    case '+':
    case '-': {
      auto xs = sa == s ? std::optional<int128>(x) : ti::Rescale(x, sa, s);
      auto ys = sb == s ? std::optional<int128>(y) : ti::Rescale(y, sb, s);
      int128 r;
      if (!xs || !ys ||
          (op == '+' ? __builtin_add_overflow(*xs, *ys, &r)
                     : __builtin_sub_overflow(*xs, *ys, &r))) {
        return ArithError::kDecimalOverflow;
      }
      return finish(r, s);
    }
    case '*':
      return finish(ti::MultiplyDecimal(x, sa, y, sb, result.scale()),
                    result.scale());
    case '/':
      if (y == 0) return ArithError::kDivisionByZero;
      return finish(ti::DivideDecimal(x, sa, y, sb, result.scale()),
                    result.scale());
    default: {
      if (y == 0) return ArithError::kDivisionByZero;
      auto xs = ti::Rescale(x, sa, s);
      auto ys = ti::Rescale(y, sb, s);
      if (!xs || !ys) return ArithError::kDecimalOverflow;
      return finish(*xs % *ys, s);
    }
  }
}

class ArithNode final : public VectorNode {
 public:
  ArithNode(BoundExprPtr expr, char op, ArithKernel kernel, NodePtr left,
            NodePtr right)
      : VectorNode(std::move(expr)),
        op_(op),
        kernel_(kernel),
        left_(std::move(left)),
        right_(std::move(right)) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    Vec a, b;
    WEIR_RETURN_IF_ERROR(left_->Eval(ctx, rows, &a));
    WEIR_RETURN_IF_ERROR(right_->Eval(ctx, rows, &b));
    out->Init(type());
    if (a.physical == PhysicalType::kNull ||
        b.physical == PhysicalType::kNull) {
      SetConstant(out, type(), Value::Null(type()));
      return absl::OkStatus();
    }
    const uint8_t* nulls = PropagateNulls({&a, &b}, rows, ctx.num_rows, out);
    ArithError error = ArithError::kNone;
    size_t stop = rows.size();
    const size_t n = ctx.num_rows;
    switch (kernel_) {
      case ArithKernel::kInt: {
        const int64_t *x = a.Data<int64_t>(), *y = b.Data<int64_t>();
        int64_t* o = out->Allocate<int64_t>(n);
        const bool is_int = type().id() == TypeId::kInt;
        auto body = [&](auto op_tag) {
          constexpr char kOp = decltype(op_tag)::value;
          return ForRows2(
              a, b, rows, nulls, [&](uint32_t r, uint32_t i, uint32_t j) {
                int128 p = x[i], q = y[j], v;
                if constexpr (kOp == '+') {
                  v = p + q;
                } else if constexpr (kOp == '-') {
                  v = p - q;
                } else if constexpr (kOp == '*') {
                  v = p * q;
                } else {
                  if (q == 0) {
                    error = ArithError::kDivisionByZero;
                    return false;
                  }
                  v = kOp == '/' ? p / q : p % q;
                }
                bool fits = is_int ? v >= INT32_MIN && v <= INT32_MAX
                                   : v >= INT64_MIN && v <= INT64_MAX;
                if (!fits) {
                  error = ArithError::kIntOverflow;
                  return false;
                }
                o[r] = static_cast<int64_t>(v);
                return true;
              });
        };
        stop = WithOp(body);
        break;
      }
      case ArithKernel::kDouble: {
        const double *x = a.Data<double>(), *y = b.Data<double>();
        double* o = out->Allocate<double>(n);
        auto body = [&](auto op_tag) {
          constexpr char kOp = decltype(op_tag)::value;
          return ForRows2(a, b, rows, nulls,
                          [&](uint32_t r, uint32_t i, uint32_t j) {
                            double p = x[i], q = y[j], v;
                            if constexpr (kOp == '+') {
                              v = p + q;
                            } else if constexpr (kOp == '-') {
                              v = p - q;
                            } else if constexpr (kOp == '*') {
                              v = p * q;
                            } else {
                              if (q == 0) {
                                error = ArithError::kDivisionByZero;
                                return false;
                              }
                              if constexpr (kOp == '%') {
                                o[r] = std::fmod(p, q);
                                return true;
                              }
                              v = p / q;
                            }
                            if (std::isinf(v)) {
                              error = ArithError::kDoubleOverflow;
                              return false;
                            }
                            o[r] = v;
                            return true;
                          });
        };
        stop = WithOp(body);
        break;
      }
      case ArithKernel::kDecimal: {
        int128* o = out->Allocate<int128>(n);
        int sa = a.physical == PhysicalType::kInt128 ? a.type.scale() : 0;
        int sb = b.physical == PhysicalType::kInt128 ? b.type.scale() : 0;
        const LogicalType& result = type();
        auto run = [&](auto get_a, auto get_b) {
          return ForRows2(
              a, b, rows, nulls, [&](uint32_t r, uint32_t i, uint32_t j) {
                error =
                    DecimalOp(op_, get_a(i), sa, get_b(j), sb, result, &o[r]);
                return error == ArithError::kNone;
              });
        };
        auto dec = [](const Vec& v) {
          const int128* p = v.Data<int128>();
          return [p](uint32_t i) { return p[i]; };
        };
        auto integer = [](const Vec& v) {
          const int64_t* p = v.Data<int64_t>();
          return [p](uint32_t i) { return static_cast<int128>(p[i]); };
        };
        bool da = a.physical == PhysicalType::kInt128;
        bool db = b.physical == PhysicalType::kInt128;
        if (da && db) {
          stop = run(dec(a), dec(b));
        } else if (da) {
          stop = run(dec(a), integer(b));
        } else if (db) {
          stop = run(integer(a), dec(b));
        } else {
          stop = run(integer(a), integer(b));
        }
        break;
      }
      case ArithKernel::kNone:
        break;
    }
    if (stop == rows.size()) return absl::OkStatus();
    std::string what =
        fmt::format("{} {} {}", a.type.ToString(), op_, b.type.ToString());
    absl::StatusCode code = absl::StatusCode::kOutOfRange;
    std::string message;
    switch (error) {
      case ArithError::kDivisionByZero:
        code = absl::StatusCode::kInvalidArgument;
        message = "division by zero";
        break;
      case ArithError::kIntOverflow:
        message = "integer overflow in " + what;
        break;
      case ArithError::kDoubleOverflow:
        message = "value out of range: overflow in " + what;
        break;
      case ArithError::kDecimalOverflow:
      case ArithError::kNone:
        message = fmt::format("DECIMAL overflow: value does not fit {}",
                              type().ToString());
        break;
    }
    return RowError(ctx, rows[stop], code, message, {&a, &b});
  }

 private:
  template <char C>
  using OpTag = std::integral_constant<char, C>;

  template <typename F>
  size_t WithOp(F&& f) const {
    switch (op_) {
      case '+':
        return f(OpTag<'+'>{});
      case '-':
        return f(OpTag<'-'>{});
      case '*':
        return f(OpTag<'*'>{});
      case '/':
        return f(OpTag<'/'>{});
      default:
        return f(OpTag<'%'>{});
    }
  }

  char op_;
  ArithKernel kernel_;
  NodePtr left_;
  NodePtr right_;
};

class NegateNode final : public VectorNode {
 public:
  NegateNode(BoundExprPtr expr, NodePtr child)
      : VectorNode(std::move(expr)), child_(std::move(child)) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    Vec in;
    WEIR_RETURN_IF_ERROR(child_->Eval(ctx, rows, &in));
    out->Init(type());
    const uint8_t* nulls = PropagateNulls({&in}, rows, ctx.num_rows, out);
    size_t stop = rows.size();
    const size_t n = ctx.num_rows;
    switch (in.physical) {
      case PhysicalType::kInt64: {
        const int64_t* a = in.Data<int64_t>();
        int64_t* o = out->Allocate<int64_t>(n);
        const int64_t min = type().id() == TypeId::kInt ? INT32_MIN : INT64_MIN;
        stop = ForRows(rows, nulls, [&](uint32_t r) {
          int64_t v = a[in.Index(r)];
          if (v == min) return false;
          o[r] = -v;
          return true;
        });
        break;
      }
      case PhysicalType::kDouble: {
        const double* a = in.Data<double>();
        double* o = out->Allocate<double>(n);
        ForRows(rows, nulls, [&](uint32_t r) {
          o[r] = -a[in.Index(r)];
          return true;
        });
        break;
      }
      case PhysicalType::kInt128: {
        const int128* a = in.Data<int128>();
        int128* o = out->Allocate<int128>(n);
        ForRows(rows, nulls, [&](uint32_t r) {
          o[r] = -a[in.Index(r)];
          return true;
        });
        break;
      }
      default:
        SetConstant(out, type(), Value::Null(type()));
        break;
    }
    if (stop == rows.size()) return absl::OkStatus();
    return RowError(ctx, rows[stop], absl::StatusCode::kOutOfRange,
                    "integer overflow in - " + in.type.ToString(), {&in});
  }

 private:
  NodePtr child_;
};

// ------------------------------------------------------------ strings

/// A LIKE pattern known at compile time, reduced to a byte search when it
/// has no '_' and no escape. Byte searches are checked at code-point
/// boundaries so they agree with internal::Like on any input.
class LikeNode final : public VectorNode {
 public:
  enum class Shape { kExact, kPrefix, kSuffix, kContains, kAny, kGeneral };

  LikeNode(BoundExprPtr expr, NodePtr text, std::string pattern,
           std::string escape)
      : VectorNode(std::move(expr)),
        text_(std::move(text)),
        pattern_(std::move(pattern)),
        escape_(std::move(escape)) {
    Classify();
  }

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    Vec in;
    WEIR_RETURN_IF_ERROR(text_->Eval(ctx, rows, &in));
    out->Init(type());
    const uint8_t* nulls = PropagateNulls({&in}, rows, ctx.num_rows, out);
    int64_t* o = out->Allocate<int64_t>(ctx.num_rows);
    const std::string* s = in.Data<std::string>();
    const std::string_view lit = literal_;
    const size_t len = lit.size();
    auto boundary = [](std::string_view t, size_t pos) {
      return pos == 0 || pos >= t.size() || !IsContinuation(t[pos]);
    };
    size_t stop = rows.size();
    absl::Status error;
    switch (shape_) {
      case Shape::kExact:
        ForRows(rows, nulls, [&](uint32_t r) {
          o[r] = s[in.Index(r)] == lit;
          return true;
        });
        break;
      case Shape::kPrefix:
        ForRows(rows, nulls, [&](uint32_t r) {
          std::string_view t = s[in.Index(r)];
          o[r] = t.size() >= len && t.compare(0, len, lit) == 0 &&
                 boundary(t, len);
          return true;
        });
        break;
      case Shape::kSuffix:
        ForRows(rows, nulls, [&](uint32_t r) {
          std::string_view t = s[in.Index(r)];
          o[r] = t.size() >= len && t.compare(t.size() - len, len, lit) == 0 &&
                 boundary(t, t.size() - len);
          return true;
        });
        break;
      case Shape::kContains:
        ForRows(rows, nulls, [&](uint32_t r) {
          std::string_view t = s[in.Index(r)];
          bool found = false;
          for (size_t pos = t.find(lit); pos != std::string_view::npos;
               pos = t.find(lit, pos + 1)) {
            if (boundary(t, pos) && boundary(t, pos + len)) {
              found = true;
              break;
            }
          }
          o[r] = found;
          return true;
        });
        break;
      case Shape::kAny:
        ForRows(rows, nulls, [&](uint32_t r) {
          o[r] = 1;
          return true;
        });
        break;
      case Shape::kGeneral:
        stop = ForRows(rows, nulls, [&](uint32_t r) {
          auto m = internal::Like(s[in.Index(r)], pattern_, escape_);
          if (!m.ok()) {
            error = m.status();
            return false;
          }
          o[r] = *m;
          return true;
        });
        break;
    }
    return LoopStatus(ctx, rows, stop, error, {&in});
  }

 private:
  void Classify() {
    shape_ = Shape::kGeneral;
    if (!escape_.empty() || pattern_.find('_') != std::string::npos) return;
    size_t first = pattern_.find_first_not_of('%');
    if (first == std::string::npos) {
      shape_ = pattern_.empty() ? Shape::kExact : Shape::kAny;
      return;
    }
    size_t last = pattern_.find_last_not_of('%');
    std::string lit = pattern_.substr(first, last - first + 1);
    if (lit.find('%') != std::string::npos || IsContinuation(lit[0])) return;
    literal_ = lit;
    bool lead = first > 0, trail = last + 1 < pattern_.size();
    shape_ = lead ? (trail ? Shape::kContains : Shape::kSuffix)
                  : (trail ? Shape::kPrefix : Shape::kExact);
  }

  NodePtr text_;
  std::string pattern_;
  std::string escape_;
  Shape shape_ = Shape::kGeneral;
  std::string literal_;
};

/// s REGEXP p / REGEXP_LIKE(s, p) with p constant: compiled once.
class RegexNode final : public VectorNode {
 public:
  RegexNode(BoundExprPtr expr, NodePtr text, std::unique_ptr<re2::RE2> re)
      : VectorNode(std::move(expr)),
        text_(std::move(text)),
        re_(std::move(re)) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    Vec in;
    WEIR_RETURN_IF_ERROR(text_->Eval(ctx, rows, &in));
    out->Init(type());
    const uint8_t* nulls = PropagateNulls({&in}, rows, ctx.num_rows, out);
    int64_t* o = out->Allocate<int64_t>(ctx.num_rows);
    const std::string* s = in.Data<std::string>();
    ForRows(rows, nulls, [&](uint32_t r) {
      o[r] = re2::RE2::PartialMatch(s[in.Index(r)], *re_);
      return true;
    });
    return absl::OkStatus();
  }

 private:
  NodePtr text_;
  std::unique_ptr<re2::RE2> re_;
};

/// REGEXP_EXTRACT and REGEXP_REPLACE with a constant pattern, compiled
/// once. The children are every argument (the pattern a literal), so errors
/// show the same arguments as the scalar path's.
class RegexFnNode final : public VectorNode {
 public:
  RegexFnNode(BoundExprPtr expr, bool extract, std::vector<NodePtr> children,
              std::unique_ptr<re2::RE2> re)
      : VectorNode(std::move(expr)),
        extract_(extract),
        children_(std::move(children)),
        re_(std::move(re)) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    std::vector<Vec> args;
    WEIR_RETURN_IF_ERROR(EvalChildren(children_, ctx, rows, &args));
    out->Init(type());
    auto ptrs = Pointers(args);
    const uint8_t* in_nulls = PropagateNulls(ptrs, rows, ctx.num_rows, out);
    std::string* o = out->Allocate<std::string>(ctx.num_rows);
    const Vec& a0 = args[0];
    const std::string* s = a0.Data<std::string>();
    size_t stop = rows.size();
    absl::Status error;
    if (extract_) {
      // No match is NULL, so the result has null flags of its own: those of
      // PropagateNulls (out's buffer) when there are any.
      uint8_t* nulls = in_nulls != nullptr ? out->null_buf.data()
                                           : out->AllocateNulls(ctx.num_rows);
      const Vec* group = args.size() > 2 ? &args[2] : nullptr;
      stop = ForRows(rows, in_nulls, [&](uint32_t r) {
        int64_t g = group ? group->Data<int64_t>()[group->Index(r)] : 0;
        auto v = internal::RegexExtract(s[a0.Index(r)], *re_, g);
        if (!v.ok()) {
          error = v.status();
          return false;
        }
        if (v->has_value()) {
          o[r].assign(**v);
        } else {
          nulls[r] = 1;
        }
        return true;
      });
    } else {
      const Vec& rewrite = args[2];
      const std::string* w = rewrite.Data<std::string>();
      bool constant_checked = false;
      stop = ForRows(rows, in_nulls, [&](uint32_t r) {
        const std::string& rw = w[rewrite.Index(r)];
        if (!(rewrite.constant && constant_checked)) {
          error = internal::CheckRegexRewrite(*re_, rw);
          if (!error.ok()) return false;
          constant_checked = true;
        }
        o[r] = s[a0.Index(r)];
        internal::RegexReplaceAll(*re_, rw, &o[r]);
        return true;
      });
    }
    return LoopStatus(ctx, rows, stop, error, ptrs);
  }

 private:
  bool extract_;
  std::vector<NodePtr> children_;
  std::unique_ptr<re2::RE2> re_;
};

/// JSON_VALUE, JSON_QUERY and JSON_EXISTS: internal::LookupJson per row,
/// NULL for the outcomes the scalar functions map to NULL.
class JsonNode final : public VectorNode {
 public:
  enum class Fn { kValue, kQuery, kExists };

  JsonNode(BoundExprPtr expr, Fn fn, std::vector<NodePtr> children)
      : VectorNode(std::move(expr)), fn_(fn), children_(std::move(children)) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    std::vector<Vec> args;
    WEIR_RETURN_IF_ERROR(EvalChildren(children_, ctx, rows, &args));
    out->Init(type());
    auto ptrs = Pointers(args);
    const uint8_t* in_nulls = PropagateNulls(ptrs, rows, ctx.num_rows, out);
    // PropagateNulls' flags, when there are any, are out's own buffer.
    uint8_t* nulls = in_nulls != nullptr ? out->null_buf.data()
                                         : out->AllocateNulls(ctx.num_rows);
    const Vec& doc = args[0];
    const Vec& path = args[1];
    const std::string* d = doc.Data<std::string>();
    const std::string* p = path.Data<std::string>();
    std::string* text = nullptr;
    int64_t* flag = nullptr;
    if (fn_ == Fn::kExists) {
      flag = out->Allocate<int64_t>(ctx.num_rows);
    } else {
      text = out->Allocate<std::string>(ctx.num_rows);
    }
    const internal::JsonFound want = fn_ == Fn::kValue
                                         ? internal::JsonFound::kScalar
                                         : internal::JsonFound::kContainer;
    absl::Status error;
    size_t stop = ForRows(rows, in_nulls, [&](uint32_t r) {
      auto found = internal::LookupJson(d[doc.Index(r)], p[path.Index(r)]);
      if (!found.ok()) {
        error = found.status();
        return false;
      }
      if (fn_ == Fn::kExists) {
        if (found->found == internal::JsonFound::kMalformed) {
          nulls[r] = 1;
        } else {
          flag[r] = found->found != internal::JsonFound::kMissing;
        }
      } else if (found->found != want) {
        nulls[r] = 1;
      } else {
        text[r] = std::move(found->text);
      }
      return true;
    });
    return LoopStatus(ctx, rows, stop, error, ptrs);
  }

 private:
  Fn fn_;
  std::vector<NodePtr> children_;
};

/// String functions with a typed loop: UPPER, LOWER, LENGTH, SUBSTRING,
/// CONCAT, ||, CONCAT_WS, TRIM, LTRIM, RTRIM, REPLACE, POSITION, LPAD, RPAD,
/// REVERSE and SPLIT_PART. The row logic is the scalar functions' (the
/// helpers of function_helpers.h), applied to the string buffers in place.
class StringNode final : public VectorNode {
 public:
  enum class Fn {
    kUpper,
    kLower,
    kLength,
    kSubstring,
    kConcat,
    kConcatWs,
    kTrim,
    kLTrim,
    kRTrim,
    kReplace,
    kPosition,
    kLPad,
    kRPad,
    kReverse,
    kSplitPart,
  };

  StringNode(BoundExprPtr expr, Fn fn, std::vector<NodePtr> children)
      : VectorNode(std::move(expr)), fn_(fn), children_(std::move(children)) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    std::vector<Vec> args;
    WEIR_RETURN_IF_ERROR(EvalChildren(children_, ctx, rows, &args));
    out->Init(type());
    auto ptrs = Pointers(args);
    // CONCAT_WS is NULL only when the separator is (NULL strings are
    // skipped); every other function is NULL when any argument is.
    const uint8_t* nulls =
        fn_ == Fn::kConcatWs
            ? PropagateNulls({ptrs[0]}, rows, ctx.num_rows, out)
            : PropagateNulls(ptrs, rows, ctx.num_rows, out);
    const size_t n = ctx.num_rows;
    const Vec& a0 = args[0];
    const std::string* s = a0.Data<std::string>();
    // Argument i at row r.
    auto str = [&](size_t i, uint32_t r) -> const std::string& {
      return args[i].Data<std::string>()[args[i].Index(r)];
    };
    auto integer = [&](size_t i, uint32_t r) {
      return args[i].Data<int64_t>()[args[i].Index(r)];
    };
    size_t stop = rows.size();
    absl::Status error;
    switch (fn_) {
      case Fn::kTrim:
      case Fn::kLTrim:
      case Fn::kRTrim: {
        std::string* o = out->Allocate<std::string>(n);
        const bool left = fn_ != Fn::kRTrim, right = fn_ != Fn::kLTrim;
        const bool default_chars = args.size() < 2;
        ForRows(rows, nulls, [&](uint32_t r) {
          std::string_view chars = default_chars ? std::string_view(" ")
                                                 : std::string_view(str(1, r));
          o[r].assign(
              internal::TrimCodePoints(s[a0.Index(r)], chars, left, right));
          return true;
        });
        break;
      }
      case Fn::kReplace: {
        std::string* o = out->Allocate<std::string>(n);
        ForRows(rows, nulls, [&](uint32_t r) {
          internal::AppendReplaced(s[a0.Index(r)], str(1, r), str(2, r), &o[r]);
          return true;
        });
        break;
      }
      case Fn::kPosition: {
        // POSITION(needle, haystack): a0 is the needle.
        int64_t* o = out->Allocate<int64_t>(n);
        ForRows(rows, nulls, [&](uint32_t r) {
          o[r] = static_cast<int32_t>(
              internal::Utf8Position(s[a0.Index(r)], str(1, r)));
          return true;
        });
        break;
      }
      case Fn::kLPad:
      case Fn::kRPad: {
        std::string* o = out->Allocate<std::string>(n);
        const bool left = fn_ == Fn::kLPad;
        const bool default_pad = args.size() < 3;
        ForRows(rows, nulls, [&](uint32_t r) {
          std::string_view pad =
              default_pad ? std::string_view(" ") : std::string_view(str(2, r));
          internal::AppendPadded(s[a0.Index(r)], integer(1, r), pad, left,
                                 &o[r]);
          return true;
        });
        break;
      }
      case Fn::kReverse: {
        std::string* o = out->Allocate<std::string>(n);
        ForRows(rows, nulls, [&](uint32_t r) {
          internal::AppendReversed(s[a0.Index(r)], &o[r]);
          return true;
        });
        break;
      }
      case Fn::kSplitPart: {
        std::string* o = out->Allocate<std::string>(n);
        stop = ForRows(rows, nulls, [&](uint32_t r) {
          auto v = internal::SplitPartField(s[a0.Index(r)], str(1, r),
                                            integer(2, r));
          if (!v.ok()) {
            error = v.status();
            return false;
          }
          o[r].assign(*v);
          return true;
        });
        break;
      }
      case Fn::kConcatWs: {
        std::string* o = out->Allocate<std::string>(n);
        ForRows(rows, nulls, [&](uint32_t r) {
          const std::string& sep = s[a0.Index(r)];
          std::string& t = o[r];
          bool first = true;
          for (size_t i = 1; i < args.size(); ++i) {
            if (args[i].IsNull(r)) continue;
            if (!first) t += sep;
            t += str(i, r);
            first = false;
          }
          return true;
        });
        break;
      }
      case Fn::kUpper:
      case Fn::kLower: {
        std::string* o = out->Allocate<std::string>(n);
        const char from = fn_ == Fn::kUpper ? 'a' : 'A';
        ForRows(rows, nulls, [&](uint32_t r) {
          std::string& t = o[r];
          t = s[a0.Index(r)];
          for (char& c : t) {
            if (static_cast<unsigned char>(c - from) < 26) c ^= 0x20;
          }
          return true;
        });
        break;
      }
      case Fn::kLength: {
        int64_t* o = out->Allocate<int64_t>(n);
        ForRows(rows, nulls, [&](uint32_t r) {
          o[r] = static_cast<int32_t>(internal::Utf8Length(s[a0.Index(r)]));
          return true;
        });
        break;
      }
      case Fn::kSubstring: {
        std::string* o = out->Allocate<std::string>(n);
        const Vec& start = args[1];
        const Vec* len = args.size() > 2 ? &args[2] : nullptr;
        stop = ForRows(rows, nulls, [&](uint32_t r) {
          std::optional<int64_t> l;
          if (len != nullptr) l = len->Data<int64_t>()[len->Index(r)];
          auto v = internal::Substring(
              s[a0.Index(r)], start.Data<int64_t>()[start.Index(r)], l);
          if (!v.ok()) {
            error = v.status();
            return false;
          }
          o[r] = *std::move(v);
          return true;
        });
        break;
      }
      case Fn::kConcat: {
        std::string* o = out->Allocate<std::string>(n);
        ForRows(rows, nulls, [&](uint32_t r) {
          size_t total = 0;
          for (const Vec& a : args)
            total += a.Data<std::string>()[a.Index(r)].size();
          std::string& t = o[r];
          t.reserve(total);
          for (const Vec& a : args) t += a.Data<std::string>()[a.Index(r)];
          return true;
        });
        break;
      }
    }
    return LoopStatus(ctx, rows, stop, error, ptrs);
  }

 private:
  Fn fn_;
  std::vector<NodePtr> children_;
};

// ------------------------------------------------------------ numeric

/// ABS, CEIL, FLOOR, ROUND, TRUNCATE, SIGN, POWER, SQRT, LN, LOG10 and EXP:
/// one typed loop per input kind; the row rules are the scalar functions'
/// (the numeric helpers of function_helpers.h). NULL when any argument is.
class NumericFnNode final : public VectorNode {
 public:
  enum class Fn {
    kAbs,
    kCeil,
    kFloor,
    kRound,
    kTruncate,
    kSign,
    kPower,
    kSqrt,
    kLn,
    kLog10,
    kExp,
  };

  NumericFnNode(BoundExprPtr expr, Fn fn, std::vector<NodePtr> children)
      : VectorNode(std::move(expr)), fn_(fn), children_(std::move(children)) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    std::vector<Vec> args;
    WEIR_RETURN_IF_ERROR(EvalChildren(children_, ctx, rows, &args));
    out->Init(type());
    for (const Vec& a : args) {
      if (a.physical == PhysicalType::kNull) {
        SetConstant(out, type(), Value::Null(type()));
        return absl::OkStatus();
      }
    }
    auto ptrs = Pointers(args);
    const uint8_t* nulls = PropagateNulls(ptrs, rows, ctx.num_rows, out);
    const size_t n = ctx.num_rows;
    const Vec& x = args[0];
    const LogicalType& result = type();
    absl::Status error;
    auto fail = [&](absl::Status s) {
      error = std::move(s);
      return false;
    };
    // f(value, &out) -> bool over the input kind In into Out.
    auto unary = [&](auto in_tag, auto* o, auto&& f) {
      using In = decltype(in_tag);
      const In* a = x.Data<In>();
      return ForRows(rows, nulls,
                     [&](uint32_t r) { return f(a[x.Index(r)], &o[r]); });
    };
    size_t stop = rows.size();
    switch (fn_) {
      case Fn::kAbs:
        if (x.physical == PhysicalType::kInt64) {
          stop = unary(int64_t{}, out->Allocate<int64_t>(n),
                       [&](int64_t v, int64_t* o) {
                         auto a = internal::AbsInteger(v, x.type, result);
                         if (!a.ok()) return fail(a.status());
                         *o = *a;
                         return true;
                       });
        } else if (x.physical == PhysicalType::kDouble) {
          stop = unary(double{}, out->Allocate<double>(n),
                       [](double v, double* o) {
                         *o = std::fabs(v);
                         return true;
                       });
        } else {
          stop = unary(int128{}, out->Allocate<int128>(n),
                       [](int128 v, int128* o) {
                         *o = internal::AbsDecimal(v);
                         return true;
                       });
        }
        break;
      case Fn::kCeil:
      case Fn::kFloor: {
        const bool ceil = fn_ == Fn::kCeil;
        if (x.physical == PhysicalType::kInt64) {
          stop = unary(int64_t{}, out->Allocate<int64_t>(n),
                       [](int64_t v, int64_t* o) {
                         *o = v;
                         return true;
                       });
        } else if (x.physical == PhysicalType::kDouble) {
          stop = unary(double{}, out->Allocate<double>(n),
                       [ceil](double v, double* o) {
                         *o = internal::CeilFloorDouble(v, ceil);
                         return true;
                       });
        } else {
          const int scale = x.type.scale();
          stop = unary(
              int128{}, out->Allocate<int128>(n), [&](int128 v, int128* o) {
                auto q = internal::CeilFloorDecimal(v, scale, ceil, result);
                if (!q.ok()) return fail(q.status());
                *o = *q;
                return true;
              });
        }
        break;
      }
      case Fn::kRound:
      case Fn::kTruncate: {
        const bool truncate = fn_ == Fn::kTruncate;
        const Vec* d = args.size() > 1 ? &args[1] : nullptr;
        const int64_t* dd = d != nullptr ? d->Data<int64_t>() : nullptr;
        auto digits = [&](uint32_t r) -> int64_t {
          return d != nullptr ? dd[d->Index(r)] : 0;
        };
        if (x.physical == PhysicalType::kDouble) {
          const double* a = x.Data<double>();
          double* o = out->Allocate<double>(n);
          stop = ForRows(rows, nulls, [&](uint32_t r) {
            o[r] = internal::RoundDouble(a[x.Index(r)], digits(r), truncate);
            return true;
          });
        } else {
          auto run = [&](auto* a, int scale, auto* o) {
            return ForRows(rows, nulls, [&](uint32_t r) {
              auto v = internal::RoundExact(static_cast<int128>(a[x.Index(r)]),
                                            scale, digits(r), truncate, result);
              if (!v.ok()) return fail(v.status());
              o[r] = static_cast<std::remove_reference_t<decltype(o[r])>>(*v);
              return true;
            });
          };
          if (x.physical == PhysicalType::kInt64) {
            stop = run(x.Data<int64_t>(), 0, out->Allocate<int64_t>(n));
          } else {
            stop =
                run(x.Data<int128>(), x.type.scale(), out->Allocate<int128>(n));
          }
        }
        break;
      }
      case Fn::kSign: {
        int64_t* o = out->Allocate<int64_t>(n);
        if (x.physical == PhysicalType::kDouble) {
          stop = unary(double{}, o, [](double v, int64_t* s) {
            *s = internal::SignOf(v);
            return true;
          });
        } else if (x.physical == PhysicalType::kInt64) {
          stop = unary(int64_t{}, o, [](int64_t v, int64_t* s) {
            *s = internal::SignOf(static_cast<int128>(v));
            return true;
          });
        } else {
          stop = unary(int128{}, o, [](int128 v, int64_t* s) {
            *s = internal::SignOf(v);
            return true;
          });
        }
        break;
      }
      case Fn::kPower: {
        const Vec& y = args[1];
        const double *a = x.Data<double>(), *b = y.Data<double>();
        double* o = out->Allocate<double>(n);
        stop = ForRows2(x, y, rows, nulls,
                        [&](uint32_t r, uint32_t i, uint32_t j) {
                          auto v = internal::Power(a[i], b[j]);
                          if (!v.ok()) return fail(v.status());
                          o[r] = *v;
                          return true;
                        });
        break;
      }
      case Fn::kSqrt:
      case Fn::kLn:
      case Fn::kLog10:
      case Fn::kExp: {
        const internal::DoubleFn f =
            fn_ == Fn::kSqrt    ? internal::DoubleFn::kSqrt
            : fn_ == Fn::kLn    ? internal::DoubleFn::kLn
            : fn_ == Fn::kLog10 ? internal::DoubleFn::kLog10
                                : internal::DoubleFn::kExp;
        stop =
            unary(double{}, out->Allocate<double>(n), [&](double v, double* o) {
              auto r = internal::ApplyDoubleFn(f, v);
              if (!r.ok()) return fail(r.status());
              *o = *r;
              return true;
            });
        break;
      }
    }
    return LoopStatus(ctx, rows, stop, error, ptrs);
  }

 private:
  Fn fn_;
  std::vector<NodePtr> children_;
};

// ------------------------------------------------------------ pick

/// NULLIF, GREATEST and LEAST over operands of the call's type (the binder
/// casts them to the common type), compared as types::CompareValues does.
/// NULLIF is NULL when its first operand is NULL or equal to the second;
/// GREATEST / LEAST are NULL when any operand is, and keep the earliest of
/// equal operands.
class PickNode final : public VectorNode {
 public:
  enum class Fn { kNullIf, kGreatest, kLeast };

  PickNode(BoundExprPtr expr, Fn fn, CmpKernel kernel,
           std::vector<NodePtr> children)
      : VectorNode(std::move(expr)),
        fn_(fn),
        kernel_(kernel),
        children_(std::move(children)) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    std::vector<Vec> args;
    WEIR_RETURN_IF_ERROR(EvalChildren(children_, ctx, rows, &args));
    out->Init(type());
    switch (kernel_) {
      case CmpKernel::kInt:
        Run<int64_t>(args, ctx, rows, out,
                     [](int64_t a, int64_t b) { return Compare3(a, b); });
        break;
      case CmpKernel::kDouble:
        Run<double>(args, ctx, rows, out, CompareDoubles);
        break;
      case CmpKernel::kDecimal:
        Run<int128>(args, ctx, rows, out,
                    [](int128 a, int128 b) { return Compare3(a, b); });
        break;
      case CmpKernel::kString:
        Run<std::string>(args, ctx, rows, out,
                         [](const std::string& a, const std::string& b) {
                           int c = a.compare(b);
                           return (c > 0) - (c < 0);
                         });
        break;
      case CmpKernel::kInterval:
        Run<IntervalValue>(args, ctx, rows, out,
                           [](const IntervalValue& a, const IntervalValue& b) {
                             return Compare3(IntervalTotal(a),
                                             IntervalTotal(b));
                           });
        break;
      case CmpKernel::kNone:
        SetConstant(out, type(), Value::Null(type()));
        break;
    }
    return absl::OkStatus();
  }

 private:
  template <typename T, typename Cmp>
  void Run(std::vector<Vec>& args, EvalContext& ctx, Rows rows, Vec* out,
           Cmp cmp) const {
    const size_t n = ctx.num_rows;
    T* o = out->Allocate<T>(n);
    if (fn_ == Fn::kNullIf) {
      const Vec &a = args[0], &b = args[1];
      const T *x = a.Data<T>(), *y = b.Data<T>();
      uint8_t* nulls = out->AllocateNulls(n);
      for (uint32_t r : rows) {
        if (a.IsNull(r) ||
            (!b.IsNull(r) && cmp(x[a.Index(r)], y[b.Index(r)]) == 0)) {
          nulls[r] = 1;
        } else {
          o[r] = x[a.Index(r)];
        }
      }
      return;
    }
    const uint8_t* nulls = PropagateNulls(Pointers(args), rows, n, out);
    const bool greatest = fn_ == Fn::kGreatest;
    ForRows(rows, nulls, [&](uint32_t r) {
      const T* best = &args[0].Data<T>()[args[0].Index(r)];
      for (size_t i = 1; i < args.size(); ++i) {
        const T* v = &args[i].Data<T>()[args[i].Index(r)];
        int c = cmp(*v, *best);
        if (greatest ? c > 0 : c < 0) best = v;
      }
      o[r] = *best;
      return true;
    });
  }

  Fn fn_;
  CmpKernel kernel_;
  std::vector<NodePtr> children_;
};

// ------------------------------------------------------------ date and time

/// EXTRACT, DATE_TRUNC, DATE_FORMAT, UNIX_TIMESTAMP, FROM_UNIXTIME,
/// TO_TIMESTAMP and TO_DATE: the scalar functions' row helpers
/// (function_helpers.h) applied to the stored values (days for DATE, micros
/// otherwise). NULL when any argument is; TO_TIMESTAMP / TO_DATE also when
/// the text does not match.
class TemporalFnNode final : public VectorNode {
 public:
  enum class Fn {
    kExtract,
    kDateTrunc,
    kDateFormat,
    kUnixTimestamp,
    kFromUnixtime,
    kToTimestamp,
    kToDate,
  };

  TemporalFnNode(BoundExprPtr expr, Fn fn, std::vector<NodePtr> children)
      : VectorNode(std::move(expr)), fn_(fn), children_(std::move(children)) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    std::vector<Vec> args;
    WEIR_RETURN_IF_ERROR(EvalChildren(children_, ctx, rows, &args));
    out->Init(type());
    for (const Vec& a : args) {
      if (a.physical == PhysicalType::kNull) {
        SetConstant(out, type(), Value::Null(type()));
        return absl::OkStatus();
      }
    }
    auto ptrs = Pointers(args);
    const uint8_t* in_nulls = PropagateNulls(ptrs, rows, ctx.num_rows, out);
    const size_t n = ctx.num_rows;
    absl::Status error;
    auto fail = [&](absl::Status s) {
      error = std::move(s);
      return false;
    };
    size_t stop = rows.size();
    // (text, temporal) and (temporal, text) argument pairs.
    auto str = [&](size_t i, uint32_t r) -> const std::string& {
      return args[i].Data<std::string>()[args[i].Index(r)];
    };
    auto num = [&](size_t i, uint32_t r) -> int64_t {
      return args[i].Data<int64_t>()[args[i].Index(r)];
    };
    switch (fn_) {
      case Fn::kExtract: {
        int64_t* o = out->Allocate<int64_t>(n);
        const TypeId t = args[1].type.id();
        stop = ForRows(rows, in_nulls, [&](uint32_t r) {
          auto v = internal::ExtractFromTemporal(str(0, r), t, num(1, r));
          if (!v.ok()) return fail(v.status());
          o[r] = *v;
          return true;
        });
        break;
      }
      case Fn::kDateTrunc: {
        int64_t* o = out->Allocate<int64_t>(n);
        const TypeId t = args[1].type.id();
        stop = ForRows(rows, in_nulls, [&](uint32_t r) {
          auto v = internal::TruncateTimestamp(
              str(0, r), internal::TemporalMicros(t, num(1, r)));
          if (!v.ok()) return fail(v.status());
          o[r] = *v;
          return true;
        });
        break;
      }
      case Fn::kDateFormat: {
        std::string* o = out->Allocate<std::string>(n);
        const TypeId t = args[0].type.id();
        stop = ForRows(rows, in_nulls, [&](uint32_t r) {
          o[r] = internal::DateFormat(internal::TemporalMicros(t, num(0, r)),
                                      str(1, r));
          return true;
        });
        break;
      }
      case Fn::kUnixTimestamp: {
        int64_t* o = out->Allocate<int64_t>(n);
        const TypeId t = args[0].type.id();
        stop = ForRows(rows, in_nulls, [&](uint32_t r) {
          o[r] = internal::UnixSeconds(internal::TemporalMicros(t, num(0, r)));
          return true;
        });
        break;
      }
      case Fn::kFromUnixtime: {
        int64_t* o = out->Allocate<int64_t>(n);
        stop = ForRows(rows, in_nulls, [&](uint32_t r) {
          auto v = internal::FromUnixSeconds(num(0, r));
          if (!v.ok()) return fail(v.status());
          o[r] = *v;
          return true;
        });
        break;
      }
      case Fn::kToTimestamp:
      case Fn::kToDate: {
        int64_t* o = out->Allocate<int64_t>(n);
        uint8_t* nulls =
            in_nulls != nullptr ? out->null_buf.data() : out->AllocateNulls(n);
        const bool has_format = args.size() > 1;
        const bool to_date = fn_ == Fn::kToDate;
        const int precision = to_date ? 0 : type().precision();
        stop = ForRows(rows, in_nulls, [&](uint32_t r) {
          std::string_view format;
          if (has_format) format = str(1, r);
          const std::string_view* f = has_format ? &format : nullptr;
          std::optional<int64_t> v =
              to_date ? internal::ToDateDays(str(0, r), f)
                      : internal::ToTimestampMicros(str(0, r), f, precision);
          if (v) {
            o[r] = *v;
          } else {
            nulls[r] = 1;
          }
          return true;
        });
        break;
      }
    }
    return LoopStatus(ctx, rows, stop, error, ptrs);
  }

 private:
  Fn fn_;
  std::vector<NodePtr> children_;
};

// ------------------------------------------------------------ compiler

std::string UpperName(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

/// Every name EvaluateConstant knows (functions, operators, synonyms).
const std::set<std::string>& KnownFunctions() {
  static const std::set<std::string> names = [] {
    std::set<std::string> s;
    for (const FunctionDoc& d : ListFunctions()) s.insert(d.name);
    return s;
  }();
  return names;
}

bool IsFoldable(const BoundExpr& e) {
  if (e.kind == BoundExprKind::kColumn) return false;
  if (e.kind == BoundExprKind::kCall && !IsDeterministic(e.function)) {
    return false;
  }
  for (const auto& a : e.args) {
    if (!IsFoldable(*a)) return false;
  }
  return true;
}

/// The literal value of `e` when it is a literal, else nullopt.
std::optional<Value> LiteralOf(const BoundExprPtr& e) {
  if (e->kind != BoundExprKind::kLiteral) return std::nullopt;
  return e->value;
}

absl::StatusOr<NodePtr> CompileNode(const BoundExprPtr& e);

absl::StatusOr<std::vector<NodePtr>> CompileAll(
    const std::vector<BoundExprPtr>& args) {
  std::vector<NodePtr> out;
  for (const auto& a : args) {
    WEIR_ASSIGN_OR_RETURN(NodePtr n, CompileNode(a));
    out.push_back(std::move(n));
  }
  return out;
}

/// `e` compiled as a value of type `t` (a cast when it differs), as the
/// scalar interpreter's ValueInType does for branch results.
absl::StatusOr<NodePtr> CompileAs(const BoundExprPtr& e, const LogicalType& t) {
  if (t.IsNull() || e->type == t) return CompileNode(e);
  return CompileNode(MakeCast(e, t));
}

/// While CompiledExpr::Compile runs on this thread: where it records the
/// calls that compile to FallbackCallNode.
thread_local std::vector<std::string>* compiling_fallbacks = nullptr;

absl::StatusOr<NodePtr> CompileCall(const BoundExprPtr& e) {
  const std::string name = UpperName(e->function);
  if (!KnownFunctions().count(name)) {
    return absl::InvalidArgumentError(
        fmt::format("unknown function '{}'", e->function));
  }
  const auto& args = e->args;
  auto arity = [&](size_t n) -> absl::Status {
    if (args.size() == n) return absl::OkStatus();
    return absl::InvalidArgumentError(
        fmt::format("{} takes {} arguments, got {}: {}", name, n, args.size(),
                    e->ToString()));
  };
  auto fallback = [&]() -> absl::StatusOr<NodePtr> {
    if (compiling_fallbacks != nullptr) {
      compiling_fallbacks->push_back(e->function);
    }
    WEIR_ASSIGN_OR_RETURN(auto children, CompileAll(args));
    return Make<FallbackCallNode>(e, std::move(children));
  };

  if (name == "AND" || name == "OR") {
    WEIR_RETURN_IF_ERROR(arity(2));
    WEIR_ASSIGN_OR_RETURN(NodePtr l, CompileNode(args[0]));
    WEIR_ASSIGN_OR_RETURN(NodePtr r, CompileNode(args[1]));
    return Make<LogicNode>(e, name == "AND", std::move(l), std::move(r));
  }
  if (name == "NOT") {
    WEIR_RETURN_IF_ERROR(arity(1));
    WEIR_ASSIGN_OR_RETURN(NodePtr c, CompileNode(args[0]));
    return Make<NotNode>(e, std::move(c));
  }
  if (name == "IS NULL" || name == "IS NOT NULL") {
    WEIR_RETURN_IF_ERROR(arity(1));
    WEIR_ASSIGN_OR_RETURN(NodePtr c, CompileNode(args[0]));
    return Make<IsNullNode>(e, name == "IS NOT NULL", std::move(c));
  }
  if (name == "IF") {
    WEIR_RETURN_IF_ERROR(arity(3));
    std::vector<NodePtr> whens, thens;
    WEIR_ASSIGN_OR_RETURN(NodePtr c, CompileNode(args[0]));
    WEIR_ASSIGN_OR_RETURN(NodePtr a, CompileAs(args[1], e->type));
    WEIR_ASSIGN_OR_RETURN(NodePtr b, CompileAs(args[2], e->type));
    whens.push_back(std::move(c));
    thens.push_back(std::move(a));
    return Make<CaseNode>(e, std::move(whens), std::move(thens), std::move(b));
  }
  if (name == "COALESCE") {
    std::vector<NodePtr> children;
    for (const auto& a : args) {
      WEIR_ASSIGN_OR_RETURN(NodePtr c, CompileAs(a, e->type));
      children.push_back(std::move(c));
    }
    return Make<CoalesceNode>(e, std::move(children));
  }
  if (name == "NOW" || name == "CURRENT_TIMESTAMP" || name == "CURRENT_DATE") {
    return Make<ClockNode>(e);
  }
  static const std::pair<const char*, CmpOp> kCmps[] = {
      {"=", CmpOp::kEq}, {"<>", CmpOp::kNe}, {"!=", CmpOp::kNe},
      {"<", CmpOp::kLt}, {"<=", CmpOp::kLe}, {">", CmpOp::kGt},
      {">=", CmpOp::kGe}};
  for (const auto& [sym, op] : kCmps) {
    if (name != sym) continue;
    WEIR_RETURN_IF_ERROR(arity(2));
    CmpKernel k = ChooseCompare(args[0]->type, args[1]->type);
    if (k == CmpKernel::kNone || e->type.id() != TypeId::kBoolean) {
      return fallback();
    }
    WEIR_ASSIGN_OR_RETURN(NodePtr l, CompileNode(args[0]));
    WEIR_ASSIGN_OR_RETURN(NodePtr r, CompileNode(args[1]));
    return Make<CompareNode>(e, op, k, std::move(l), std::move(r));
  }
  if (name == "+" || name == "-" || name == "*" || name == "/" || name == "%" ||
      name == "MOD") {
    WEIR_RETURN_IF_ERROR(arity(2));
    ArithKernel k = ChooseArith(e->type, args[0]->type, args[1]->type);
    if (k == ArithKernel::kNone) return fallback();
    WEIR_ASSIGN_OR_RETURN(NodePtr l, CompileNode(args[0]));
    WEIR_ASSIGN_OR_RETURN(NodePtr r, CompileNode(args[1]));
    char op = name == "MOD" ? '%' : name[0];
    return Make<ArithNode>(e, op, k, std::move(l), std::move(r));
  }
  if (name == "NEGATE") {
    WEIR_RETURN_IF_ERROR(arity(1));
    const LogicalType& t = args[0]->type;
    if (!t.IsNumeric() || !(t == e->type)) return fallback();
    WEIR_ASSIGN_OR_RETURN(NodePtr c, CompileNode(args[0]));
    return Make<NegateNode>(e, std::move(c));
  }
  if (name == "LIKE" && (args.size() == 2 || args.size() == 3)) {
    auto pattern = LiteralOf(args[1]);
    std::optional<Value> escape =
        args.size() == 3 ? LiteralOf(args[2]) : std::optional<Value>(Value());
    bool strings =
        args[0]->type.IsString() && pattern && !pattern->is_null() &&
        pattern->type().IsString() && escape &&
        (args.size() == 2 || (!escape->is_null() && escape->type().IsString()));
    if (!strings) return fallback();
    WEIR_ASSIGN_OR_RETURN(NodePtr t, CompileNode(args[0]));
    return Make<LikeNode>(e, std::move(t), pattern->str(),
                          args.size() == 3 ? escape->str() : "");
  }
  if (name == "REGEXP" || name == "REGEXP_LIKE") {
    WEIR_RETURN_IF_ERROR(arity(2));
    auto pattern = LiteralOf(args[1]);
    if (!args[0]->type.IsString() || !pattern || pattern->is_null() ||
        !pattern->type().IsString()) {
      return fallback();
    }
    auto re = internal::CompileRegex(pattern->str());
    // A bad pattern fails on the rows that reach it, as in the scalar path.
    if (!re.ok()) return fallback();
    WEIR_ASSIGN_OR_RETURN(NodePtr t, CompileNode(args[0]));
    return Make<RegexNode>(e, std::move(t), *std::move(re));
  }
  if (name == "REGEXP_EXTRACT" || name == "REGEXP_REPLACE") {
    const bool extract = name == "REGEXP_EXTRACT";
    auto pattern = args.size() >= 2 ? LiteralOf(args[1]) : std::nullopt;
    bool ok = e->type.IsString() && pattern && !pattern->is_null() &&
              pattern->type().IsString() && args[0]->type.IsString() &&
              args[1]->type.IsString();
    if (extract) {
      ok = ok && (args.size() == 2 ||
                  (args.size() == 3 && args[2]->type.IsInteger()));
    } else {
      ok = ok && args.size() == 3 && args[2]->type.IsString();
    }
    if (!ok) return fallback();
    auto re = internal::CompileRegex(pattern->str());
    // A bad pattern fails on the rows that reach it, as in the scalar path.
    if (!re.ok()) return fallback();
    WEIR_ASSIGN_OR_RETURN(auto children, CompileAll(args));
    return Make<RegexFnNode>(e, extract, std::move(children), *std::move(re));
  }
  if (name == "JSON_VALUE" || name == "JSON_QUERY" || name == "JSON_EXISTS") {
    const JsonNode::Fn fn = name == "JSON_VALUE"   ? JsonNode::Fn::kValue
                            : name == "JSON_QUERY" ? JsonNode::Fn::kQuery
                                                   : JsonNode::Fn::kExists;
    bool ok = args.size() == 2 && args[0]->type.IsString() &&
              args[1]->type.IsString() &&
              (fn == JsonNode::Fn::kExists ? e->type.id() == TypeId::kBoolean
                                           : e->type.IsString());
    if (!ok) return fallback();
    WEIR_ASSIGN_OR_RETURN(auto children, CompileAll(args));
    return Make<JsonNode>(e, fn, std::move(children));
  }
  static const std::pair<const char*, NumericFnNode::Fn> kNumeric[] = {
      {"ABS", NumericFnNode::Fn::kAbs},
      {"CEIL", NumericFnNode::Fn::kCeil},
      {"CEILING", NumericFnNode::Fn::kCeil},
      {"FLOOR", NumericFnNode::Fn::kFloor},
      {"ROUND", NumericFnNode::Fn::kRound},
      {"TRUNCATE", NumericFnNode::Fn::kTruncate},
      {"TRUNC", NumericFnNode::Fn::kTruncate},
      {"SIGN", NumericFnNode::Fn::kSign},
      {"POWER", NumericFnNode::Fn::kPower},
      {"POW", NumericFnNode::Fn::kPower},
      {"SQRT", NumericFnNode::Fn::kSqrt},
      {"LN", NumericFnNode::Fn::kLn},
      {"LOG10", NumericFnNode::Fn::kLog10},
      {"EXP", NumericFnNode::Fn::kExp}};
  for (const auto& [fn_name, fn] : kNumeric) {
    if (name != fn_name) continue;
    using F = NumericFnNode::Fn;
    const LogicalType& r = e->type;
    auto is_double = [](const LogicalType& t) {
      return t.id() == TypeId::kDouble;
    };
    // The result kind the scalar function gives for a numeric argument:
    // DECIMAL for DECIMAL, else the argument's own type.
    auto same_kind = [&](const LogicalType& t) {
      return t.id() == TypeId::kDecimal ? r.id() == TypeId::kDecimal : t == r;
    };
    bool ok = !args.empty() && args[0]->type.IsNumeric();
    switch (fn) {
      case F::kAbs:
        ok = ok && args.size() == 1 && args[0]->type == r;
        break;
      case F::kCeil:
      case F::kFloor:
        ok = ok && args.size() == 1 && same_kind(args[0]->type);
        break;
      case F::kRound:
      case F::kTruncate:
        ok = ok &&
             (args.size() == 1 ||
              (args.size() == 2 && args[1]->type.IsInteger())) &&
             same_kind(args[0]->type);
        break;
      case F::kSign:
        ok = ok && args.size() == 1 && r.id() == TypeId::kInt;
        break;
      case F::kPower:
        ok = args.size() == 2 && is_double(args[0]->type) &&
             is_double(args[1]->type) && is_double(r);
        break;
      case F::kSqrt:
      case F::kLn:
      case F::kLog10:
      case F::kExp:
        ok = args.size() == 1 && is_double(args[0]->type) && is_double(r);
        break;
    }
    if (!ok) return fallback();
    WEIR_ASSIGN_OR_RETURN(auto children, CompileAll(args));
    return Make<NumericFnNode>(e, fn, std::move(children));
  }
  if (name == "NULLIF" || name == "GREATEST" || name == "LEAST") {
    const LogicalType& t = e->type;
    CmpKernel k = t.IsNull() ? CmpKernel::kNone : ChooseCompare(t, t);
    bool ok = k != CmpKernel::kNone && !args.empty() &&
              (name != "NULLIF" || args.size() == 2);
    for (size_t i = 0; ok && i < args.size(); ++i) ok = args[i]->type == t;
    if (!ok) return fallback();
    WEIR_ASSIGN_OR_RETURN(auto children, CompileAll(args));
    const PickNode::Fn fn = name == "NULLIF"     ? PickNode::Fn::kNullIf
                            : name == "GREATEST" ? PickNode::Fn::kGreatest
                                                 : PickNode::Fn::kLeast;
    return Make<PickNode>(e, fn, k, std::move(children));
  }
  static const std::pair<const char*, TemporalFnNode::Fn> kTemporal[] = {
      {"EXTRACT", TemporalFnNode::Fn::kExtract},
      {"DATE_TRUNC", TemporalFnNode::Fn::kDateTrunc},
      {"DATE_FORMAT", TemporalFnNode::Fn::kDateFormat},
      {"UNIX_TIMESTAMP", TemporalFnNode::Fn::kUnixTimestamp},
      {"FROM_UNIXTIME", TemporalFnNode::Fn::kFromUnixtime},
      {"TO_TIMESTAMP", TemporalFnNode::Fn::kToTimestamp},
      {"TO_DATE", TemporalFnNode::Fn::kToDate}};
  for (const auto& [fn_name, fn] : kTemporal) {
    if (name != fn_name) continue;
    using F = TemporalFnNode::Fn;
    const LogicalType& r = e->type;
    auto temporal = [&](size_t i, bool allow_time) {
      TypeId id = args[i]->type.id();
      return id == TypeId::kDate || id == TypeId::kTimestamp ||
             (allow_time && id == TypeId::kTime);
    };
    auto text = [&](size_t i) { return args[i]->type.IsString(); };
    bool ok = false;
    switch (fn) {
      case F::kExtract:
        ok = args.size() == 2 && text(0) && temporal(1, true) &&
             r.id() == TypeId::kBigint;
        break;
      case F::kDateTrunc:
        ok = args.size() == 2 && text(0) && temporal(1, false) &&
             r.id() == TypeId::kTimestamp &&
             r.precision() == (args[1]->type.id() == TypeId::kTimestamp
                                   ? args[1]->type.precision()
                                   : 0);
        break;
      case F::kDateFormat:
        ok = args.size() == 2 && temporal(0, false) && text(1) && r.IsString();
        break;
      case F::kUnixTimestamp:
        ok =
            args.size() == 1 && temporal(0, false) && r.id() == TypeId::kBigint;
        break;
      case F::kFromUnixtime:
        ok = args.size() == 1 && args[0]->type.IsInteger() &&
             r.id() == TypeId::kTimestamp && r.precision() == 0;
        break;
      case F::kToTimestamp:
        ok = (args.size() == 1 || args.size() == 2) && text(0) &&
             (args.size() == 1 || text(1)) && r.id() == TypeId::kTimestamp;
        break;
      case F::kToDate:
        ok = (args.size() == 1 || args.size() == 2) && text(0) &&
             (args.size() == 1 || text(1)) && r.id() == TypeId::kDate;
        break;
    }
    if (!ok) return fallback();
    WEIR_ASSIGN_OR_RETURN(auto children, CompileAll(args));
    return Make<TemporalFnNode>(e, fn, std::move(children));
  }
  static const std::pair<const char*, StringNode::Fn> kStrings[] = {
      {"UPPER", StringNode::Fn::kUpper},
      {"UCASE", StringNode::Fn::kUpper},
      {"LOWER", StringNode::Fn::kLower},
      {"LCASE", StringNode::Fn::kLower},
      {"LENGTH", StringNode::Fn::kLength},
      {"CHAR_LENGTH", StringNode::Fn::kLength},
      {"CHARACTER_LENGTH", StringNode::Fn::kLength},
      {"SUBSTRING", StringNode::Fn::kSubstring},
      {"SUBSTR", StringNode::Fn::kSubstring},
      {"CONCAT", StringNode::Fn::kConcat},
      {"||", StringNode::Fn::kConcat},
      {"CONCAT_WS", StringNode::Fn::kConcatWs},
      {"TRIM", StringNode::Fn::kTrim},
      {"LTRIM", StringNode::Fn::kLTrim},
      {"RTRIM", StringNode::Fn::kRTrim},
      {"REPLACE", StringNode::Fn::kReplace},
      {"POSITION", StringNode::Fn::kPosition},
      {"LPAD", StringNode::Fn::kLPad},
      {"RPAD", StringNode::Fn::kRPad},
      {"REVERSE", StringNode::Fn::kReverse},
      {"SPLIT_PART", StringNode::Fn::kSplitPart}};
  // The argument types each kernel reads: 'S' VARCHAR, 'I' INT or BIGINT.
  auto signature = [&](std::string_view want) {
    if (args.size() != want.size()) return false;
    for (size_t i = 0; i < want.size(); ++i) {
      const LogicalType& t = args[i]->type;
      if (want[i] == 'S' ? !t.IsString() : !t.IsInteger()) return false;
    }
    return true;
  };
  for (const auto& [fn_name, fn] : kStrings) {
    if (name != fn_name) continue;
    bool ok = !args.empty() && args[0]->type.IsString();
    switch (fn) {
      case StringNode::Fn::kTrim:
      case StringNode::Fn::kLTrim:
      case StringNode::Fn::kRTrim:
        ok = (signature("S") || signature("SS")) && e->type.IsString();
        break;
      case StringNode::Fn::kReplace:
        ok = signature("SSS") && e->type.IsString();
        break;
      case StringNode::Fn::kPosition:
        ok = signature("SS") && e->type.id() == TypeId::kInt;
        break;
      case StringNode::Fn::kLPad:
      case StringNode::Fn::kRPad:
        ok = (signature("SI") || signature("SIS")) && e->type.IsString();
        break;
      case StringNode::Fn::kReverse:
        ok = signature("S") && e->type.IsString();
        break;
      case StringNode::Fn::kSplitPart:
        ok = signature("SSI") && e->type.IsString();
        break;
      case StringNode::Fn::kConcatWs:
        ok = args.size() >= 2 && e->type.IsString();
        for (size_t i = 0; ok && i < args.size(); ++i) {
          ok = args[i]->type.IsString();
        }
        break;
      case StringNode::Fn::kUpper:
      case StringNode::Fn::kLower:
        ok = ok && args.size() == 1 && e->type.IsString();
        break;
      case StringNode::Fn::kLength:
        ok = ok && args.size() == 1 && e->type.id() == TypeId::kInt;
        break;
      case StringNode::Fn::kSubstring:
        ok = ok && (args.size() == 2 || args.size() == 3) && e->type.IsString();
        for (size_t i = 1; ok && i < args.size(); ++i) {
          ok = args[i]->type.IsInteger();
        }
        break;
      case StringNode::Fn::kConcat:
        ok = e->type.IsString();
        for (size_t i = 0; ok && i < args.size(); ++i) {
          ok = args[i]->type.IsString();
        }
        break;
    }
    if (!ok) return fallback();
    WEIR_ASSIGN_OR_RETURN(auto children, CompileAll(args));
    return Make<StringNode>(e, fn, std::move(children));
  }
  return fallback();
}

absl::StatusOr<NodePtr> CompileNode(const BoundExprPtr& e) {
  if (e == nullptr) return absl::InvalidArgumentError("null expression");
  if (e->kind == BoundExprKind::kLiteral) {
    Value v = e->value;
    if (v.is_null()) v = Value::Null(e->type);
    return Make<LiteralNode>(e, std::move(v));
  }
  if (e->kind == BoundExprKind::kColumn) return Make<ColumnNode>(e);
  if (IsFoldable(*e)) {
    // Folding failures (1 / 0) are left to the rows that reach them.
    auto v = EvaluateConstant(*e);
    if (v.ok()) {
      if (v->is_null()) return Make<LiteralNode>(e, Value::Null(e->type));
      if (v->type() == e->type) return Make<LiteralNode>(e, *std::move(v));
      auto cast = types::CastValue(*v, e->type);
      if (cast.ok()) return Make<LiteralNode>(e, *std::move(cast));
    }
  }
  switch (e->kind) {
    case BoundExprKind::kCast: {
      if (e->args.size() != 1) {
        return absl::InvalidArgumentError("CAST takes one argument");
      }
      WEIR_ASSIGN_OR_RETURN(NodePtr c, CompileNode(e->args[0]));
      return Make<CastNode>(e, std::move(c));
    }
    case BoundExprKind::kCase: {
      std::vector<NodePtr> whens, thens;
      size_t i = 0;
      for (; i + 1 < e->args.size(); i += 2) {
        WEIR_ASSIGN_OR_RETURN(NodePtr w, CompileNode(e->args[i]));
        WEIR_ASSIGN_OR_RETURN(NodePtr t, CompileAs(e->args[i + 1], e->type));
        whens.push_back(std::move(w));
        thens.push_back(std::move(t));
      }
      NodePtr otherwise;
      if (i < e->args.size()) {
        WEIR_ASSIGN_OR_RETURN(otherwise, CompileAs(e->args[i], e->type));
      }
      return Make<CaseNode>(e, std::move(whens), std::move(thens),
                            std::move(otherwise));
    }
    case BoundExprKind::kCall:
      return CompileCall(e);
    default:
      break;
  }
  return absl::InvalidArgumentError("unknown expression kind");
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Evaluates `root` over the live rows of `input`.
absl::Status EvalRoot(const VectorNode& root, const types::Batch& input,
                      Vec* out, RowList* all_rows, size_t* error_row) {
  EvalContext ctx;
  ctx.input = &input;
  ctx.num_rows = input.num_rows();
  ctx.now_micros = NowMicros();
  Rows rows;
  if (input.has_selection()) {
    rows = input.selection();
  } else {
    all_rows->resize(input.num_rows());
    std::iota(all_rows->begin(), all_rows->end(), 0u);
    rows = *all_rows;
  }
  absl::Status s = root.Eval(ctx, rows, out);
  if (!s.ok() && error_row != nullptr) *error_row = ctx.error_row;
  return s;
}

}  // namespace
}  // namespace internal

CompiledExpr::CompiledExpr(BoundExprPtr source,
                           std::unique_ptr<internal::VectorNode> root,
                           std::vector<std::string> fallback_functions)
    : source_(std::move(source)),
      root_(std::move(root)),
      fallback_functions_(std::move(fallback_functions)) {}

CompiledExpr::~CompiledExpr() = default;

absl::StatusOr<std::unique_ptr<CompiledExpr>> CompiledExpr::Compile(
    const BoundExprPtr& e) {
  std::vector<std::string> fallbacks;
  struct Scope {
    std::vector<std::string>* saved;
    ~Scope() { internal::compiling_fallbacks = saved; }
  } scope{internal::compiling_fallbacks};
  internal::compiling_fallbacks = &fallbacks;
  WEIR_ASSIGN_OR_RETURN(internal::NodePtr root, internal::CompileNode(e));
  return std::unique_ptr<CompiledExpr>(
      new CompiledExpr(e, std::move(root), std::move(fallbacks)));
}

const types::LogicalType& CompiledExpr::type() const { return source_->type; }

absl::Status CompiledExpr::Evaluate(const types::Batch& input,
                                    types::Column* out,
                                    size_t* error_row) const {
  using types::PhysicalType;
  internal::Vec v;
  internal::RowList all_rows;
  WEIR_RETURN_IF_ERROR(
      internal::EvalRoot(*root_, input, &v, &all_rows, error_row));
  const size_t n = input.num_rows();
  *out = types::Column(type());
  out->Reserve(n);
  auto fill = [&](auto append) {
    for (size_t r = 0; r < n; ++r) {
      if (v.IsNull(r)) {
        out->AppendNull();
      } else {
        append(v.Index(r));
      }
    }
  };
  switch (out->physical()) {
    case PhysicalType::kInt64: {
      const int64_t* d = v.Data<int64_t>();
      fill([&](size_t i) { out->AppendInt(d[i]); });
      break;
    }
    case PhysicalType::kDouble: {
      const double* d = v.Data<double>();
      fill([&](size_t i) { out->AppendDouble(d[i]); });
      break;
    }
    case PhysicalType::kInt128: {
      const __int128* d = v.Data<__int128>();
      fill([&](size_t i) { out->AppendDecimal(d[i]); });
      break;
    }
    case PhysicalType::kString: {
      if (v.OwnsStrings()) {
        fill([&](size_t i) { out->AppendString(std::move(v.strings[i])); });
      } else {
        const std::string* d = v.Data<std::string>();
        fill([&](size_t i) { out->AppendString(d[i]); });
      }
      break;
    }
    case PhysicalType::kInterval: {
      const types::IntervalValue* d = v.Data<types::IntervalValue>();
      fill([&](size_t i) { out->AppendInterval(d[i]); });
      break;
    }
    case PhysicalType::kNull:
      out->Resize(n);
      break;
  }
  return absl::OkStatus();
}

absl::Status CompiledExpr::Filter(types::Batch* input,
                                  size_t* error_row) const {
  if (type().id() != types::TypeId::kBoolean && !type().IsNull()) {
    return absl::InvalidArgumentError(
        fmt::format("a filter must be BOOLEAN, got {}: {}", type().ToString(),
                    source_->ToString()));
  }
  internal::Vec v;
  internal::RowList all_rows;
  WEIR_RETURN_IF_ERROR(
      internal::EvalRoot(*root_, *input, &v, &all_rows, error_row));
  types::SelectionVector kept;
  if (v.physical != types::PhysicalType::kNull) {
    const int64_t* d = v.Data<int64_t>();
    auto keep = [&](uint32_t r) {
      if (!v.IsNull(r) && d[v.Index(r)] != 0) kept.push_back(r);
    };
    if (input->has_selection()) {
      kept.reserve(input->selection().size());
      for (uint32_t r : input->selection()) keep(r);
    } else {
      kept.reserve(input->num_rows());
      for (uint32_t r = 0; r < input->num_rows(); ++r) keep(r);
    }
  }
  input->SetSelection(std::move(kept));
  return absl::OkStatus();
}

}  // namespace weir::expr
