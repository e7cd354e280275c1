#include "engine/expr/vector_eval.h"

#include <fmt/format.h>

#include <chrono>
#include <numeric>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/base/status.h"
#include "engine/base/strings.h"
#include "engine/expr/function_registry.h"
#include "engine/expr/functions.h"
#include "engine/expr/kernel.h"
#include "engine/expr/vector_node.h"

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

using types::LogicalType;
using types::PhysicalType;
using types::Value;

namespace {

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
  return MakeCallNode(e, default_nulls, std::move(children), std::move(kernel));
}

absl::StatusOr<NodePtr> CompileCall(const BoundExprPtr& e,
                                    const CompileOptions& options) {
  if (!options.fold && !IsDeterministic(e->function)) {
    return MakeErrorNode(e, absl::FailedPreconditionError(fmt::format(
                                "not a constant: {} is not deterministic",
                                weir::AsciiUpper(e->function))));
  }
  const ScalarFunction* fn = ScalarFunctions().Find(e->function);
  if (fn == nullptr) {
    return absl::InvalidArgumentError(
        fmt::format("unknown function '{}'", e->function));
  }
  return CompileRegisteredCall(e, *fn, options);
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

NodePtr MakeCallNode(BoundExprPtr e, bool default_nulls,
                     std::vector<NodePtr> children, Kernel kernel) {
  return Make<CallNode>(std::move(e), default_nulls, std::move(children),
                        std::move(kernel));
}

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
  WEIR_ASSIGN_OR_RETURN(internal::NodePtr node,
                        internal::CompileNode(root, {.fold = false}));
  internal::EvalContext ctx;
  ctx.annotate_errors = false;
  internal::Vec out;
  internal::RowList rows;
  WEIR_RETURN_IF_ERROR(internal::EvalRoot(*node, ctx, nullptr, &out, &rows));
  return internal::ValueAt(out, 0);
}

CompiledExpr::CompiledExpr(BoundExprPtr source,
                           std::unique_ptr<internal::VectorNode> root)
    : source_(std::move(source)), root_(std::move(root)) {}

CompiledExpr::~CompiledExpr() = default;

absl::StatusOr<std::unique_ptr<CompiledExpr>> CompiledExpr::Compile(
    const BoundExprPtr& e) {
  WEIR_ASSIGN_OR_RETURN(internal::NodePtr root,
                        internal::CompileNode(e, internal::CompileOptions()));
  return std::unique_ptr<CompiledExpr>(new CompiledExpr(e, std::move(root)));
}

const types::LogicalType& CompiledExpr::type() const { return source_->type; }

absl::Status CompiledExpr::Evaluate(const types::Batch& input,
                                    types::Column* out,
                                    size_t* error_row) const {
  using types::PhysicalType;
  // A bare reference to an input column of the same type (a projection
  // passing a column through): the column is copied whole, in its own form
  // (a packed string column stays packed), instead of value by value.
  if (source_->kind == BoundExprKind::kColumn && source_->column >= 0 &&
      static_cast<size_t>(source_->column) < input.num_columns()) {
    const types::Column& c = input.column(static_cast<size_t>(source_->column));
    if (c.type() == type() && c.size() == input.num_rows()) {
      *out = c;
      return absl::OkStatus();
    }
  }
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
  // The live rows, as EvalRoot evaluated them.
  internal::Rows live = input->has_selection()
                            ? internal::Rows(input->selection())
                            : internal::Rows(all_rows);
  types::SelectionVector kept;
  if (v.physical != types::PhysicalType::kNull) {
    const int64_t* d = v.Data<int64_t>();
    if (v.constant) {
      if (!v.IsNull(0) && d[0] != 0) kept.assign(live.begin(), live.end());
    } else {
      // Branch-free: every live row is written, the count moves only for
      // the rows kept.
      kept.resize(live.size());
      size_t n = 0;
      if (v.nulls != nullptr) {
        for (uint32_t r : live) {
          kept[n] = r;
          n += (d[r] != 0) & (v.nulls[r] == 0);
        }
      } else {
        for (uint32_t r : live) {
          kept[n] = r;
          n += d[r] != 0;
        }
      }
      kept.resize(n);
    }
  }
  input->SetSelection(std::move(kept));
  return absl::OkStatus();
}

}  // namespace weir::expr
