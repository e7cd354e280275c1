#pragma once

// Batch kernels: how a registered scalar function computes its result over
// the rows of a batch. Internal to engine/expr.
//
// A function's KernelFactory runs once, when a call is compiled: it looks at
// the call's argument and result types (and constant arguments, e.g. a LIKE
// pattern) and returns a Kernel, one typed loop, or an error when it has no
// kernel for those types. The Kernel then runs once per batch.
//
// NULLs are the framework's business (CallNode in vector_eval.cc), as in
// Velox's default null behaviour and DuckDB's executors: for a function with
// default NULL handling, a call whose argument is NULL in every row is NULL
// without running the kernel, and the rows where any argument is NULL are
// flagged in KernelIO::nulls before the kernel runs; the executors below skip
// them. A function with custom NULL handling (IS NULL, CONCAT_WS, NULLIF,
// ...) sees every row and reads the arguments' null flags itself.
//
// The executors (ExecuteUnary/Binary/Ternary) run `f(out, args...)` for each
// row to compute, where `out` is the row's result slot (ExecuteBinaryOrNull
// passes pointers, nullptr for NULL, to custom-NULL kernels; ExecuteRows
// passes the row to kernels that read their arguments themselves). What `f`
// returns says what happened:
//   void                  the result is in `out`
//   bool                  true: the result is in `out`; false: it is NULL
//   absl::Status          OK: the result is in `out`; an error stops the
//                         batch at this row
//   absl::StatusOr<bool>  both
// A row function whose value comes as a StatusOr ends with `return
// StoreOr(out, value)`.
// Physical element types: int64_t (BOOLEAN, INT, BIGINT, DATE, TIME,
// TIMESTAMP), double, int128 (DECIMAL), std::string (VARCHAR, BYTES),
// types::IntervalValue.

#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/expr/bound_expr.h"
#include "engine/expr/vector.h"
#include "engine/expr/vector_node.h"

namespace weir::expr::internal {

/// What a kernel reads and writes in one batch.
class KernelIO {
 public:
  KernelIO(EvalContext& ctx, const std::vector<Vec>& args, Rows rows,
           const uint8_t* nulls, Vec* out)
      : ctx(ctx),
        args(args),
        rows(rows),
        nulls(nulls),
        out(out),
        stop(rows.size()) {}

  EvalContext& ctx;
  /// The evaluated arguments.
  const std::vector<Vec>& args;
  /// The rows to compute.
  Rows rows;
  /// Rows whose result is already NULL (default NULL handling): skip them;
  /// nullptr when there are none.
  const uint8_t* nulls;
  /// The result, initialized to the call's type.
  Vec* out;
  /// Where the row loop stopped on an error (an index into `rows`), and the
  /// error; rows.size() when every row was computed.
  size_t stop;
  absl::Status error;

  size_t num_rows() const { return ctx.num_rows; }
  const types::LogicalType& result_type() const { return out->type; }
  /// Owned result values for every physical row.
  template <typename T>
  T* Output() {
    return out->Allocate<T>(ctx.num_rows);
  }
  /// Makes row r's result NULL.
  void SetNull(uint32_t r) {
    if (result_nulls_ == nullptr) {
      result_nulls_ = out->MutableNulls(ctx.num_rows);
    }
    result_nulls_[r] = 1;
  }
  /// Records `e` as the error of the current row; returns false, so a row
  /// loop's body can `return io.Fail(...)`.
  bool Fail(absl::Status e) {
    error = std::move(e);
    return false;
  }

 private:
  uint8_t* result_nulls_ = nullptr;
};

/// The batch implementation of one call.
using Kernel = std::function<void(KernelIO&)>;

/// What a kernel factory sees of the call being compiled.
class KernelBinding {
 public:
  KernelBinding(const BoundExpr& call,
                std::vector<const types::Value*> constants)
      : call_(call), constants_(std::move(constants)) {}

  const BoundExpr& call() const { return call_; }
  const std::string& name() const { return call_.function; }
  const types::LogicalType& result() const { return call_.type; }
  size_t arity() const { return call_.args.size(); }
  const types::LogicalType& arg(size_t i) const { return call_.args[i]->type; }
  types::TypeId arg_id(size_t i) const { return arg(i).id(); }
  types::PhysicalType physical(size_t i) const {
    return types::PhysicalTypeOf(arg(i));
  }
  /// True when argument i has physical type `p`.
  bool Is(size_t i, types::PhysicalType p) const { return physical(i) == p; }
  /// True when the arguments are, one letter each: 'S' a string (VARCHAR
  /// or BYTES), 'I' an integer (INT or BIGINT), 'F' a DOUBLE, 'T' a DATE or
  /// TIMESTAMP.
  bool ArgsAre(std::string_view letters) const;
  /// The value of argument i when it is a constant (a literal or a folded
  /// subtree, possibly NULL), else nullptr.
  const types::Value* constant(size_t i) const { return constants_[i]; }

  /// InvalidArgument "function F has no batch kernel for (T1, T2) -> R".
  absl::Status NoKernel() const;

 private:
  const BoundExpr& call_;
  std::vector<const types::Value*> constants_;
};

/// The node of a call: evaluates `children`, then runs `kernel` over their
/// values. With `default_nulls`, a child that is NULL in every row makes
/// the result NULL without running the kernel (which may then be empty),
/// and the rows where any child is NULL are flagged in KernelIO::nulls.
/// Registered functions (vector_eval.cc) and CAST (forms/cast_expr.cc).
NodePtr MakeCallNode(BoundExprPtr e, bool default_nulls,
                     std::vector<NodePtr> children, Kernel kernel);

/// Chooses the kernel of a call, once, at compile time.
using KernelFactory =
    std::function<absl::StatusOr<Kernel>(const KernelBinding&)>;

/// A KernelFactory for a call whose result has physical type `result`: the
/// kernel of the first entry whose argument letters (KernelBinding::ArgsAre)
/// match the call's arguments.
KernelFactory KernelsByArgs(
    types::PhysicalType result,
    std::vector<std::pair<std::string, Kernel>> kernels);

/// Row loops inline their body: a call per row is what batches avoid.
#define WEIR_INLINE_ROW __attribute__((always_inline))

namespace detail {

template <typename T>
struct IsStatusOrBool : std::false_type {};
template <>
struct IsStatusOrBool<absl::StatusOr<bool>> : std::true_type {};

/// Runs one row's `fn()` and records what its return value says.
template <typename Fn>
WEIR_INLINE_ROW inline bool Emit(KernelIO& io, uint32_t r, Fn&& fn) {
  using Ret = decltype(fn());
  if constexpr (std::is_void_v<Ret>) {
    fn();
    return true;
  } else if constexpr (std::is_same_v<Ret, bool>) {
    if (!fn()) io.SetNull(r);
    return true;
  } else if constexpr (std::is_same_v<Ret, absl::Status>) {
    absl::Status s = fn();
    if (ABSL_PREDICT_FALSE(!s.ok())) return io.Fail(std::move(s));
    return true;
  } else {
    static_assert(IsStatusOrBool<Ret>::value,
                  "a kernel returns void, bool, Status or StatusOr<bool>");
    absl::StatusOr<bool> s = fn();
    if (ABSL_PREDICT_FALSE(!s.ok())) return io.Fail(s.status());
    if (!*s) io.SetNull(r);
    return true;
  }
}

}  // namespace detail

/// out = f(out, a) over the rows to compute; A is argument 0's physical
/// element type, R the result's.
template <typename A, typename R, typename F>
void ExecuteUnary(KernelIO& io, F&& f) {
  const Vec& a = io.args[0];
  const A* x = a.Data<A>();
  R* o = io.Output<R>();
  io.stop = ForRows(io.rows, io.nulls, [&](uint32_t r) WEIR_INLINE_ROW {
    return detail::Emit(
        io, r, [&]() WEIR_INLINE_ROW { return f(o[r], x[a.Index(r)]); });
  });
}

/// out = f(out, a, b), one loop per constness of the two arguments.
template <typename A, typename B, typename R, typename F>
void ExecuteBinary(KernelIO& io, F&& f) {
  const Vec& a = io.args[0];
  const Vec& b = io.args[1];
  const A* x = a.Data<A>();
  const B* y = b.Data<B>();
  R* o = io.Output<R>();
  io.stop = ForRows2(a, b, io.rows, io.nulls,
                     [&](uint32_t r, uint32_t i, uint32_t j) WEIR_INLINE_ROW {
                       return detail::Emit(io, r, [&]() WEIR_INLINE_ROW {
                         return f(o[r], x[i], y[j]);
                       });
                     });
}

/// out = f(out, a, b, c).
template <typename A, typename B, typename C, typename R, typename F>
void ExecuteTernary(KernelIO& io, F&& f) {
  const Vec& a = io.args[0];
  const Vec& b = io.args[1];
  const Vec& c = io.args[2];
  const A* x = a.Data<A>();
  const B* y = b.Data<B>();
  const C* z = c.Data<C>();
  R* o = io.Output<R>();
  io.stop = ForRows(io.rows, io.nulls, [&](uint32_t r) WEIR_INLINE_ROW {
    return detail::Emit(io, r, [&]() WEIR_INLINE_ROW {
      return f(o[r], x[a.Index(r)], y[b.Index(r)], z[c.Index(r)]);
    });
  });
}

/// f(r) for each row to compute, for kernels that read their arguments
/// themselves (a variable number of them, or as Values); f returns what the
/// row functions of ExecuteUnary return.
template <typename F>
void ExecuteRows(KernelIO& io, F&& f) {
  io.stop = ForRows(io.rows, io.nulls, [&](uint32_t r) WEIR_INLINE_ROW {
    return detail::Emit(io, r, [&]() WEIR_INLINE_ROW { return f(r); });
  });
}

/// The end of a row function whose value may be an error: stores `v` in the
/// result slot `o`, or returns v's error.
template <typename R, typename T>
WEIR_INLINE_ROW inline absl::Status StoreOr(R& o, absl::StatusOr<T> v) {
  if (ABSL_PREDICT_FALSE(!v.ok())) return v.status();
  o = *std::move(v);
  return absl::OkStatus();
}

/// For a function with custom NULL handling: out = f(out, x, y) for each
/// row to compute, where x and y point to the row's two argument values,
/// or are nullptr when that argument is NULL. f returns what the row
/// functions of ExecuteUnary return.
template <typename A, typename B, typename R, typename F>
void ExecuteBinaryOrNull(KernelIO& io, F&& f) {
  const Vec& a = io.args[0];
  const Vec& b = io.args[1];
  const A* x = a.Data<A>();
  const B* y = b.Data<B>();
  R* o = io.Output<R>();
  ExecuteRows(io, [&](uint32_t r) WEIR_INLINE_ROW {
    return f(o[r], a.IsNull(r) ? nullptr : &x[a.Index(r)],
             b.IsNull(r) ? nullptr : &y[b.Index(r)]);
  });
}

/// A Kernel running `f` through ExecuteUnary/Binary/Ternary (or
/// ExecuteBinaryOrNull) with the given physical element types (the last is
/// the result's).
template <typename A, typename R, typename F>
Kernel UnaryKernel(F f) {
  return [f](KernelIO& io) { ExecuteUnary<A, R>(io, f); };
}
template <typename A, typename B, typename R, typename F>
Kernel BinaryKernel(F f) {
  return [f](KernelIO& io) { ExecuteBinary<A, B, R>(io, f); };
}
template <typename A, typename B, typename C, typename R, typename F>
Kernel TernaryKernel(F f) {
  return [f](KernelIO& io) { ExecuteTernary<A, B, C, R>(io, f); };
}
template <typename A, typename B, typename R, typename F>
Kernel BinaryOrNullKernel(F f) {
  return [f](KernelIO& io) { ExecuteBinaryOrNull<A, B, R>(io, f); };
}

/// make(A{}, B{}) for two exact-number arguments, where A and B are their
/// element types: int64_t for INT and BIGINT, int128 for DECIMAL.
template <typename F>
Kernel WithExactArgs(const KernelBinding& b, F&& make) {
  const bool wide_a = b.Is(0, types::PhysicalType::kInt128);
  const bool wide_b = b.Is(1, types::PhysicalType::kInt128);
  if (wide_a && wide_b) return make(int128{}, int128{});
  if (wide_a) return make(int128{}, int64_t{});
  if (wide_b) return make(int64_t{}, int128{});
  return make(int64_t{}, int64_t{});
}

/// The scale of an exact number's stored value: a DECIMAL's scale, 0 for
/// an integer.
inline int ExactScale(const types::LogicalType& t) {
  return t.id() == types::TypeId::kDecimal ? t.scale() : 0;
}

/// True for INT, BIGINT and DECIMAL.
inline bool IsExactNumber(const types::LogicalType& t) {
  return t.IsInteger() || t.id() == types::TypeId::kDecimal;
}

}  // namespace weir::expr::internal
