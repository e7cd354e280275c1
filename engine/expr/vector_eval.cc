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
#include "engine/expr/function_registry.h"
#include "engine/expr/functions.h"
#include "engine/expr/kernel.h"
#include "engine/expr/vector_node.h"
#include "engine/types/decimal_util.h"
#include "engine/types/temporal_util.h"

// How evaluation works: every BoundExpr node becomes a VectorNode
// (vector_node.h) whose kernel was chosen at compile time. Eval(rows)
// evaluates the node's children over `rows` (ascending physical row
// indexes), then runs one loop over `rows` writing the node's result into a
// Vec. Lazy forms (AND, OR, CASE, IF, COALESCE) evaluate a child only over
// the rows that need it, which is what makes `x = 0 OR 10 / x > 1` safe and
// keeps unselected rows from raising errors. A call of a registered
// function is a CallNode: NULL handling here, the function's kernel
// (kernel.h) for the rest.

namespace weir::expr {
namespace internal {

using types::Column;
using types::IntervalValue;
using types::LogicalType;
using types::PhysicalType;
using types::TypeId;
using types::Value;

/// The row evaluator of a function not yet registered with a batch kernel
/// (functions.cc).
absl::StatusOr<Value> EvaluateLegacyCall(const BoundExpr& call,
                                         const std::vector<Value>& args);

namespace {

// ---- Until every family is registered: the nodes of the functions that
// are not, with the argument-pointer forms of the null and error helpers.

std::vector<const Vec*> Pointers(const std::vector<Vec>& vecs) {
  std::vector<const Vec*> out;
  for (const Vec& v : vecs) out.push_back(&v);
  return out;
}

const uint8_t* PropagateNullsOf(const std::vector<const Vec*>& args, Rows rows,
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

class LegacyNode : public VectorNode {
 public:
  using VectorNode::VectorNode;

 protected:
  absl::Status LoopStatus(EvalContext& ctx, Rows rows, size_t stop,
                          const absl::Status& error,
                          const std::vector<const Vec*>& args) const {
    if (stop == rows.size()) return absl::OkStatus();
    return RowError(ctx, rows[stop], error.code(), std::string(error.message()),
                    args);
  }

  absl::Status RowError(EvalContext& ctx, uint32_t r, absl::StatusCode code,
                        const std::string& message,
                        const std::vector<const Vec*>& args) const {
    ctx.error_row = r;
    if (!ctx.annotate_errors) return absl::Status(code, message);
    std::string shown;
    for (const Vec* a : args) {
      if (!shown.empty()) shown += ", ";
      shown += ValueAt(*a, r).ToSqlLiteral();
    }
    std::string text = fmt::format("{} in {}", message, expr_->ToString());
    if (!args.empty()) text += fmt::format(" [arguments: {}]", shown);
    return absl::Status(code, text);
  }
};

class ClockNode final : public LegacyNode {
 public:
  using LegacyNode::LegacyNode;

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

/// A function not yet registered with a batch kernel: the arguments are
/// evaluated as vectors, then each row's argument values go through the
/// function's row evaluator.
class FallbackCallNode final : public LegacyNode {
 public:
  FallbackCallNode(BoundExprPtr expr, std::vector<NodePtr> children)
      : LegacyNode(std::move(expr)), children_(std::move(children)) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    std::vector<Vec> args;
    WEIR_RETURN_IF_ERROR(EvalChildren(children_, ctx, rows, &args));
    out->Init(type());
    out->AllocateAll(ctx.num_rows);
    std::vector<Value> values(args.size());
    for (uint32_t r : rows) {
      for (size_t i = 0; i < args.size(); ++i) values[i] = ValueAt(args[i], r);
      auto v = EvaluateLegacyCall(*expr_, values);
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

class NotNode final : public LegacyNode {
 public:
  NotNode(BoundExprPtr expr, NodePtr child)
      : LegacyNode(std::move(expr)), child_(std::move(child)) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    Vec in;
    WEIR_RETURN_IF_ERROR(child_->Eval(ctx, rows, &in));
    out->Init(type());
    if (in.physical == PhysicalType::kNull) {
      SetConstant(out, type(), Value::Null(type()));
      return absl::OkStatus();
    }
    PropagateNullsOf({&in}, rows, ctx.num_rows, out);
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

class IsNullNode final : public LegacyNode {
 public:
  IsNullNode(BoundExprPtr expr, bool negated, NodePtr child)
      : LegacyNode(std::move(expr)),
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

class CompareNode final : public LegacyNode {
 public:
  CompareNode(BoundExprPtr expr, CmpOp op, CmpKernel kernel, NodePtr left,
              NodePtr right)
      : LegacyNode(std::move(expr)),
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
    const uint8_t* nulls = PropagateNullsOf({&a, &b}, rows, ctx.num_rows, out);
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

class ArithNode final : public LegacyNode {
 public:
  ArithNode(BoundExprPtr expr, char op, ArithKernel kernel, NodePtr left,
            NodePtr right)
      : LegacyNode(std::move(expr)),
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
    const uint8_t* nulls = PropagateNullsOf({&a, &b}, rows, ctx.num_rows, out);
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

class NegateNode final : public LegacyNode {
 public:
  NegateNode(BoundExprPtr expr, NodePtr child)
      : LegacyNode(std::move(expr)), child_(std::move(child)) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    Vec in;
    WEIR_RETURN_IF_ERROR(child_->Eval(ctx, rows, &in));
    out->Init(type());
    const uint8_t* nulls = PropagateNullsOf({&in}, rows, ctx.num_rows, out);
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
class LikeNode final : public LegacyNode {
 public:
  enum class Shape { kExact, kPrefix, kSuffix, kContains, kAny, kGeneral };

  LikeNode(BoundExprPtr expr, NodePtr text, std::string pattern,
           std::string escape)
      : LegacyNode(std::move(expr)),
        text_(std::move(text)),
        pattern_(std::move(pattern)),
        escape_(std::move(escape)) {
    Classify();
  }

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    Vec in;
    WEIR_RETURN_IF_ERROR(text_->Eval(ctx, rows, &in));
    out->Init(type());
    const uint8_t* nulls = PropagateNullsOf({&in}, rows, ctx.num_rows, out);
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
class RegexNode final : public LegacyNode {
 public:
  RegexNode(BoundExprPtr expr, NodePtr text, std::unique_ptr<re2::RE2> re)
      : LegacyNode(std::move(expr)),
        text_(std::move(text)),
        re_(std::move(re)) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    Vec in;
    WEIR_RETURN_IF_ERROR(text_->Eval(ctx, rows, &in));
    out->Init(type());
    const uint8_t* nulls = PropagateNullsOf({&in}, rows, ctx.num_rows, out);
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
class RegexFnNode final : public LegacyNode {
 public:
  RegexFnNode(BoundExprPtr expr, bool extract, std::vector<NodePtr> children,
              std::unique_ptr<re2::RE2> re)
      : LegacyNode(std::move(expr)),
        extract_(extract),
        children_(std::move(children)),
        re_(std::move(re)) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    std::vector<Vec> args;
    WEIR_RETURN_IF_ERROR(EvalChildren(children_, ctx, rows, &args));
    out->Init(type());
    auto ptrs = Pointers(args);
    const uint8_t* in_nulls = PropagateNullsOf(ptrs, rows, ctx.num_rows, out);
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
class JsonNode final : public LegacyNode {
 public:
  enum class Fn { kValue, kQuery, kExists };

  JsonNode(BoundExprPtr expr, Fn fn, std::vector<NodePtr> children)
      : LegacyNode(std::move(expr)), fn_(fn), children_(std::move(children)) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    std::vector<Vec> args;
    WEIR_RETURN_IF_ERROR(EvalChildren(children_, ctx, rows, &args));
    out->Init(type());
    auto ptrs = Pointers(args);
    const uint8_t* in_nulls = PropagateNullsOf(ptrs, rows, ctx.num_rows, out);
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
// ------------------------------------------------------------ numeric

/// ABS, CEIL, FLOOR, ROUND, TRUNCATE, SIGN, POWER, SQRT, LN, LOG10 and EXP:
/// one typed loop per input kind; the row rules are the scalar functions'
/// (the numeric helpers of function_helpers.h). NULL when any argument is.
class NumericFnNode final : public LegacyNode {
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
      : LegacyNode(std::move(expr)), fn_(fn), children_(std::move(children)) {}

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
    const uint8_t* nulls = PropagateNullsOf(ptrs, rows, ctx.num_rows, out);
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
class PickNode final : public LegacyNode {
 public:
  enum class Fn { kNullIf, kGreatest, kLeast };

  PickNode(BoundExprPtr expr, Fn fn, CmpKernel kernel,
           std::vector<NodePtr> children)
      : LegacyNode(std::move(expr)),
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
    const uint8_t* nulls = PropagateNullsOf(Pointers(args), rows, n, out);
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
class TemporalFnNode final : public LegacyNode {
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
      : LegacyNode(std::move(expr)), fn_(fn), children_(std::move(children)) {}

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
    const uint8_t* in_nulls = PropagateNullsOf(ptrs, rows, ctx.num_rows, out);
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

// ------------------------------------------------------------ calls

/// A call of a registered function: its arguments, then its kernel. With
/// default NULL handling, an argument that is NULL in every row makes the
/// result NULL without running the kernel, and the rows where any argument
/// is NULL are flagged before it runs.
class CallNode final : public VectorNode {
 public:
  CallNode(BoundExprPtr expr, bool default_nulls, std::vector<NodePtr> children,
           Kernel kernel)
      : VectorNode(std::move(expr)),
        default_nulls_(default_nulls),
        children_(std::move(children)),
        kernel_(std::move(kernel)) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    std::vector<Vec> args;
    WEIR_RETURN_IF_ERROR(EvalChildren(children_, ctx, rows, &args));
    out->Init(type());
    if (out->physical == PhysicalType::kNull) return absl::OkStatus();
    const uint8_t* nulls = nullptr;
    if (default_nulls_) {
      for (const Vec& a : args) {
        if (a.AllNull()) {
          SetAllNull(out, type());
          return absl::OkStatus();
        }
      }
      nulls = PropagateNulls(args, rows, ctx.num_rows, out);
    }
    KernelIO io(ctx, args, rows, nulls, out);
    kernel_(io);
    if (io.stop >= rows.size()) return absl::OkStatus();
    return RowError(ctx, rows[io.stop], io.error.code(), io.error.message(),
                    args);
  }

 private:
  bool default_nulls_;
  std::vector<NodePtr> children_;
  Kernel kernel_;
};

// ------------------------------------------------------------ compiler

std::string UpperName(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

/// Every name a legacy function is known by.
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

/// While CompiledExpr::Compile runs on this thread: where it records the
/// calls that compile to FallbackCallNode.
thread_local std::vector<std::string>* compiling_fallbacks = nullptr;

absl::StatusOr<NodePtr> CompileLegacyCall(const BoundExprPtr& e,
                                          const CompileOptions& options) {
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
    WEIR_ASSIGN_OR_RETURN(auto children, CompileAll(args, options));
    return Make<FallbackCallNode>(e, std::move(children));
  };

  if (name == "AND" || name == "OR") {
    return CompileConjunct(e, name == "AND", options);
  }
  if (name == "NOT") {
    WEIR_RETURN_IF_ERROR(arity(1));
    WEIR_ASSIGN_OR_RETURN(NodePtr c, CompileNode(args[0], options));
    return Make<NotNode>(e, std::move(c));
  }
  if (name == "IS NULL" || name == "IS NOT NULL") {
    WEIR_RETURN_IF_ERROR(arity(1));
    WEIR_ASSIGN_OR_RETURN(NodePtr c, CompileNode(args[0], options));
    return Make<IsNullNode>(e, name == "IS NOT NULL", std::move(c));
  }
  if (name == "IF") return CompileIf(e, options);
  if (name == "COALESCE") return CompileCoalesce(e, options);
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
    WEIR_ASSIGN_OR_RETURN(NodePtr l, CompileNode(args[0], options));
    WEIR_ASSIGN_OR_RETURN(NodePtr r, CompileNode(args[1], options));
    return Make<CompareNode>(e, op, k, std::move(l), std::move(r));
  }
  if (name == "+" || name == "-" || name == "*" || name == "/" || name == "%" ||
      name == "MOD") {
    WEIR_RETURN_IF_ERROR(arity(2));
    ArithKernel k = ChooseArith(e->type, args[0]->type, args[1]->type);
    if (k == ArithKernel::kNone) return fallback();
    WEIR_ASSIGN_OR_RETURN(NodePtr l, CompileNode(args[0], options));
    WEIR_ASSIGN_OR_RETURN(NodePtr r, CompileNode(args[1], options));
    char op = name == "MOD" ? '%' : name[0];
    return Make<ArithNode>(e, op, k, std::move(l), std::move(r));
  }
  if (name == "NEGATE") {
    WEIR_RETURN_IF_ERROR(arity(1));
    const LogicalType& t = args[0]->type;
    if (!t.IsNumeric() || !(t == e->type)) return fallback();
    WEIR_ASSIGN_OR_RETURN(NodePtr c, CompileNode(args[0], options));
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
    WEIR_ASSIGN_OR_RETURN(NodePtr t, CompileNode(args[0], options));
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
    WEIR_ASSIGN_OR_RETURN(NodePtr t, CompileNode(args[0], options));
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
    WEIR_ASSIGN_OR_RETURN(auto children, CompileAll(args, options));
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
    WEIR_ASSIGN_OR_RETURN(auto children, CompileAll(args, options));
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
    WEIR_ASSIGN_OR_RETURN(auto children, CompileAll(args, options));
    return Make<NumericFnNode>(e, fn, std::move(children));
  }
  if (name == "NULLIF" || name == "GREATEST" || name == "LEAST") {
    const LogicalType& t = e->type;
    CmpKernel k = t.IsNull() ? CmpKernel::kNone : ChooseCompare(t, t);
    bool ok = k != CmpKernel::kNone && !args.empty() &&
              (name != "NULLIF" || args.size() == 2);
    for (size_t i = 0; ok && i < args.size(); ++i) ok = args[i]->type == t;
    if (!ok) return fallback();
    WEIR_ASSIGN_OR_RETURN(auto children, CompileAll(args, options));
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
    WEIR_ASSIGN_OR_RETURN(auto children, CompileAll(args, options));
    return Make<TemporalFnNode>(e, fn, std::move(children));
  }
  return fallback();
}

/// A call of a registered function: its kernel, chosen for the argument
/// types; AND, OR, IF and COALESCE are built-in forms.
absl::StatusOr<NodePtr> CompileRegisteredCall(const BoundExprPtr& call,
                                              const ScalarFunction& fn,
                                              const CompileOptions& options) {
  switch (fn.form) {
    case SpecialForm::kAnd:
    case SpecialForm::kOr:
      return CompileConjunct(call, fn.form == SpecialForm::kAnd, options);
    case SpecialForm::kIf:
      return CompileIf(call, options);
    case SpecialForm::kCoalesce:
      return CompileCoalesce(call, options);
    case SpecialForm::kNone:
      break;
  }
  BoundExprPtr e = call;
  if (e->type.IsNull()) {
    // A call built without a result type (the binder's probe of constant
    // patterns): the type rule's result, so the kernel runs.
    Types arg_types;
    for (const auto& a : e->args) arg_types.push_back(a->type);
    auto r = ResolveScalar(e->function, arg_types);
    if (r.ok() && !r->result.IsNull()) {
      auto typed = std::make_shared<BoundExpr>(*e);
      typed->type = r->result;
      e = typed;
    }
  }
  WEIR_ASSIGN_OR_RETURN(std::vector<NodePtr> children,
                        CompileAll(e->args, options));
  const bool default_nulls = fn.nulls == NullHandling::kDefault;
  bool null_arg = false;
  std::vector<const Value*> constants;
  for (const NodePtr& c : children) {
    constants.push_back(c->constant_value());
    null_arg = null_arg || c->type().IsNull();
  }
  Kernel kernel;
  // With default NULL handling a NULL-typed argument makes every row NULL:
  // the kernel never runs.
  if (!(default_nulls && null_arg) && !e->type.IsNull()) {
    WEIR_ASSIGN_OR_RETURN(kernel,
                          fn.kernel(KernelBinding(*e, std::move(constants))));
  }
  return Make<CallNode>(e, default_nulls, std::move(children),
                        std::move(kernel));
}

absl::StatusOr<NodePtr> CompileCall(const BoundExprPtr& e,
                                    const CompileOptions& options) {
  if (!options.fold && !IsDeterministic(e->function)) {
    return MakeErrorNode(e, absl::FailedPreconditionError(fmt::format(
                                "not a constant: {} is not deterministic",
                                UpperName(e->function))));
  }
  if (const ScalarFunction* fn = ScalarFunctions().Find(e->function)) {
    return CompileRegisteredCall(e, *fn, options);
  }
  return CompileLegacyCall(e, options);
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Evaluates `root` over `rows` of a batch of `num_rows` rows (`input`, or
/// none for a constant) into `out`.
absl::Status EvalRoot(const VectorNode& root, EvalContext& ctx,
                      const types::Batch* input, Vec* out, RowList* all_rows) {
  ctx.input = input;
  ctx.num_rows = input != nullptr ? input->num_rows() : 1;
  ctx.now_micros = NowMicros();
  Rows rows;
  if (input != nullptr && input->has_selection()) {
    rows = input->selection();
  } else {
    all_rows->resize(ctx.num_rows);
    std::iota(all_rows->begin(), all_rows->end(), 0u);
    rows = *all_rows;
  }
  return root.Eval(ctx, rows, out);
}

}  // namespace

absl::StatusOr<std::vector<NodePtr>> CompileAll(
    const std::vector<BoundExprPtr>& args, const CompileOptions& options) {
  std::vector<NodePtr> out;
  for (const auto& a : args) {
    WEIR_ASSIGN_OR_RETURN(NodePtr n, CompileNode(a, options));
    out.push_back(std::move(n));
  }
  return out;
}

absl::StatusOr<NodePtr> CompileAs(const BoundExprPtr& e, const LogicalType& t,
                                  const CompileOptions& options) {
  if (t.IsNull() || e->type == t) return CompileNode(e, options);
  return CompileNode(MakeCast(e, t), options);
}

absl::StatusOr<NodePtr> CompileNode(const BoundExprPtr& e,
                                    const CompileOptions& options) {
  if (e == nullptr) return absl::InvalidArgumentError("null expression");
  if (e->kind == BoundExprKind::kLiteral) {
    Value v = e->value;
    if (v.is_null()) v = Value::Null(e->type);
    return MakeLiteralNode(e, std::move(v));
  }
  if (e->kind == BoundExprKind::kColumn) {
    if (!options.fold) {
      return MakeErrorNode(
          e, absl::FailedPreconditionError(fmt::format(
                 "not a constant: the expression references column {}",
                 e->ToString())));
    }
    return MakeColumnNode(e);
  }
  if (options.fold && IsFoldable(*e)) {
    // Folding failures (1 / 0) are left to the rows that reach them.
    auto v = EvaluateConstant(*e);
    if (v.ok()) {
      if (v->is_null()) return MakeLiteralNode(e, Value::Null(e->type));
      if (v->type() == e->type) return MakeLiteralNode(e, *std::move(v));
      auto cast = types::CastValue(*v, e->type);
      if (cast.ok()) return MakeLiteralNode(e, *std::move(cast));
    }
  }
  switch (e->kind) {
    case BoundExprKind::kCast:
      return CompileCast(e, options);
    case BoundExprKind::kCase:
      return CompileCase(e, options);
    case BoundExprKind::kCall:
      return CompileCall(e, options);
    default:
      break;
  }
  return absl::InvalidArgumentError("unknown expression kind");
}

}  // namespace internal

absl::StatusOr<types::Value> EvaluateConstant(const BoundExpr& e) {
  // A non-owning pointer: `e` outlives the compiled tree.
  BoundExprPtr root(BoundExprPtr(), &e);
  // Calls folded here are not the caller's fallbacks.
  std::vector<std::string>* saved = internal::compiling_fallbacks;
  internal::compiling_fallbacks = nullptr;
  auto compiled = internal::CompileNode(root, {.fold = false});
  internal::compiling_fallbacks = saved;
  WEIR_ASSIGN_OR_RETURN(internal::NodePtr node, std::move(compiled));
  internal::EvalContext ctx;
  ctx.annotate_errors = false;
  internal::Vec out;
  internal::RowList rows;
  WEIR_RETURN_IF_ERROR(internal::EvalRoot(*node, ctx, nullptr, &out, &rows));
  return internal::ValueAt(out, 0);
}

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
  WEIR_ASSIGN_OR_RETURN(internal::NodePtr root,
                        internal::CompileNode(e, internal::CompileOptions()));
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
  internal::EvalContext ctx;
  absl::Status s = internal::EvalRoot(*root_, ctx, &input, &v, &all_rows);
  if (!s.ok()) {
    if (error_row != nullptr) *error_row = ctx.error_row;
    return s;
  }
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
  internal::EvalContext ctx;
  absl::Status s = internal::EvalRoot(*root_, ctx, input, &v, &all_rows);
  if (!s.ok()) {
    if (error_row != nullptr) *error_row = ctx.error_row;
    return s;
  }
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
