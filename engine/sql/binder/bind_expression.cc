// Expressions: column references, operators, CAST, CASE, BETWEEN, IN,
// LIKE, IS NULL and scalar function calls, with implicit casts to the
// types each function wants.

#include <algorithm>

#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/base/strings.h"
#include "engine/base/suggest.h"
#include "engine/expr/functions.h"
#include "engine/sql/binder/binder_internal.h"
#include "fmt/format.h"

namespace weir::sql::internal {

using expr::BoundExprKind;
using types::TypeId;
using types::Value;

namespace {

constexpr int kMaxExprDepth = 2000;

/// Patterns (LIKE, regular expressions) given as constants are checked when
/// the statement is written, so a bad one is reported at its position
/// instead of failing every row at run time: the call is evaluated once on
/// an empty subject.
absl::Status CheckConstantPatterns(const std::string& function,
                                   const std::vector<BoundExprPtr>& args,
                                   const std::vector<SourceSpan>& spans) {
  static const char* kPatternFunctions[] = {"LIKE", "REGEXP", "REGEXP_LIKE",
                                            "REGEXP_EXTRACT", "REGEXP_REPLACE"};
  bool is_pattern = false;
  for (const char* f : kPatternFunctions) is_pattern |= function == f;
  if (!is_pattern || args.size() < 2) return absl::OkStatus();
  for (size_t i = 1; i < args.size(); ++i) {
    if (!args[i]->IsConstant()) return absl::OkStatus();
  }
  expr::BoundExpr probe =
      *expr::MakeCall(function, args, LogicalType::Null(), true);
  probe.args[0] = expr::MakeLiteral(Value::Varchar(""));
  absl::StatusOr<Value> v = expr::EvaluateConstant(probe);
  if (v.ok()) return absl::OkStatus();
  // LIKE's third argument is its escape character.
  bool escape = function == "LIKE" && args.size() > 2 &&
                std::string(v.status().message()).rfind("LIKE escape", 0) == 0;
  return Annotate(v.status(), spans[escape ? 2 : 1]);
}

}  // namespace

absl::StatusOr<BoundExprPtr> StatementBinder::BindColumn(
    const ast::ColumnRefExpr& e, ExprContext& ctx) {
  const auto& parts = e.name.parts;
  if (ctx.scope == nullptr || ctx.scope->empty()) {
    return SqlError(e.span,
                    fmt::format("unknown column '{}': {} has no input columns",
                                e.name.ToString(), ClauseName(ctx.clause)));
  }
  if (parts.size() > 2) {
    return SqlError(e.span,
                    fmt::format("column reference '{}' has too many parts; "
                                "write table.column",
                                e.name.ToString()));
  }
  const std::string* qualifier = parts.size() == 2 ? &parts[0].name : nullptr;
  const std::string& name = parts.back().name;
  const auto& scope = *ctx.scope;
  if (qualifier) {
    bool qualifier_known = false;
    for (const auto& c : scope)
      qualifier_known |= EqualsIgnoreCase(c.qualifier, *qualifier);
    if (!qualifier_known) {
      std::vector<std::string> quals;
      for (const auto& c : scope) {
        if (!c.qualifier.empty() &&
            std::find(quals.begin(), quals.end(), c.qualifier) == quals.end()) {
          quals.push_back(c.qualifier);
        }
      }
      return SqlError(
          parts[0].span,
          fmt::format("unknown table or alias '{}' in '{}'{}", *qualifier,
                      e.name.ToString(), DidYouMean(*qualifier, quals)));
    }
  }
  int found = -1;
  for (size_t i = 0; i < scope.size(); ++i) {
    if (!EqualsIgnoreCase(scope[i].name, name)) continue;
    if (qualifier && !EqualsIgnoreCase(scope[i].qualifier, *qualifier))
      continue;
    if (!qualifier && scope[i].merged_away) continue;
    if (found >= 0) {
      return SqlError(
          e.span, fmt::format("column '{}' is ambiguous: both '{}' and '{}' "
                              "have it; qualify it, as in {}.{}",
                              name, scope[found].qualifier, scope[i].qualifier,
                              scope[found].qualifier, name));
    }
    found = static_cast<int>(i);
  }
  if (found < 0) {
    std::vector<std::string> names;
    for (const auto& c : scope) {
      if (!qualifier || EqualsIgnoreCase(c.qualifier, *qualifier))
        names.push_back(c.name);
    }
    return SqlError(parts.back().span,
                    fmt::format("unknown column '{}'{}", e.name.ToString(),
                                DidYouMean(name, names)));
  }
  const ScopeColumn& c = scope[found];
  return expr::MakeColumn(found, c.name, c.type, c.nullable, e.span);
}

absl::StatusOr<BoundExprPtr> StatementBinder::BindCall(
    std::string_view name, std::vector<BoundExprPtr> args,
    const SourceSpan& span, const SourceSpan& name_span) {
  std::vector<LogicalType> types;
  for (const auto& a : args) types.push_back(a->type);
  absl::StatusOr<expr::ResolvedScalar> r = expr::ResolveScalar(name, types);
  if (!r.ok()) return Annotate(r.status(), name_span);
  bool nullable = false;
  std::vector<SourceSpan> spans;
  for (size_t i = 0; i < args.size(); ++i) {
    spans.push_back(args[i]->span);
    args[i] = CastTo(args[i], r->arg_types[i]);
    nullable |= args[i]->nullable;
  }
  WEIR_RETURN_IF_ERROR(CheckConstantPatterns(r->function, args, spans));
  if (!r->null_if_any_null) nullable = true;
  if (r->function == "IS NULL" || r->function == "IS NOT NULL")
    nullable = false;
  if (r->function == "COALESCE") {
    // NULL only when every argument is.
    nullable = true;
    for (const auto& a : args) nullable &= a->nullable;
  }
  return expr::MakeCall(r->function, std::move(args), r->result, nullable,
                        span);
}

absl::StatusOr<BoundExprPtr> StatementBinder::BindPredicate(const ast::Expr& e,
                                                            ExprContext& ctx) {
  WEIR_ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(e, ctx));
  if (!IsBooleanish(b->type)) {
    return SqlError(e.span,
                    fmt::format("{} must be a BOOLEAN condition, got {}",
                                ClauseName(ctx.clause), b->type.ToString()));
  }
  return CastTo(b, LogicalType::Boolean());
}

absl::StatusOr<BoundExprPtr> StatementBinder::BindExpr(const ast::Expr& e,
                                                       ExprContext& ctx) {
  if (++expr_depth_ > kMaxExprDepth) {
    --expr_depth_;
    return SqlError(e.span, "expression nests too deeply");
  }
  struct DepthGuard {
    int& d;
    ~DepthGuard() { --d; }
  } guard{expr_depth_};
  using ast::ExprKind;
  switch (e.kind) {
    case ExprKind::kLiteral:
      return BindLiteral(static_cast<const ast::LiteralExpr&>(e));
    case ExprKind::kColumnRef:
      return BindColumn(static_cast<const ast::ColumnRefExpr&>(e), ctx);
    case ExprKind::kStar:
      return SqlError(e.span,
                      "'*' is only allowed as a select item or in COUNT(*)");
    case ExprKind::kUnary:
      return BindUnary(static_cast<const ast::UnaryExpr&>(e), ctx);
    case ExprKind::kBinary: {
      const auto& b = static_cast<const ast::BinaryExpr&>(e);
      WEIR_ASSIGN_OR_RETURN(BoundExprPtr l, BindExpr(*b.left, ctx));
      WEIR_ASSIGN_OR_RETURN(BoundExprPtr r, BindExpr(*b.right, ctx));
      // In ast::BinaryOp's order.
      static const char* kOps[] = {"+",
                                   "-",
                                   "*",
                                   "/",
                                   "%",
                                   "=",
                                   "<>",
                                   "<",
                                   "<=",
                                   ">",
                                   ">=",
                                   "AND",
                                   "OR",
                                   "||",
                                   "IS DISTINCT FROM",
                                   "IS NOT DISTINCT FROM"};
      return BindCall(kOps[static_cast<int>(b.op)], {l, r}, e.span, b.op_span);
    }
    case ExprKind::kFunction:
      return BindFunction(static_cast<const ast::FunctionExpr&>(e), ctx);
    case ExprKind::kCast:
      return BindCast(static_cast<const ast::CastExpr&>(e), ctx);
    case ExprKind::kCase:
      return BindCase(static_cast<const ast::CaseExpr&>(e), ctx);
    case ExprKind::kBetween:
      return BindBetween(static_cast<const ast::BetweenExpr&>(e), ctx);
    case ExprKind::kIn:
      return BindIn(static_cast<const ast::InExpr&>(e), ctx);
    case ExprKind::kIsNull: {
      const auto& n = static_cast<const ast::IsNullExpr&>(e);
      WEIR_ASSIGN_OR_RETURN(BoundExprPtr x, BindExpr(*n.operand, ctx));
      return BindCall(n.negated ? "IS NOT NULL" : "IS NULL", {x}, e.span,
                      e.span);
    }
    case ExprKind::kLike:
      return BindLike(static_cast<const ast::LikeExpr&>(e), ctx);
  }
  return SqlError(e.span, "unsupported expression");
}

absl::StatusOr<BoundExprPtr> StatementBinder::BindUnary(const ast::UnaryExpr& e,
                                                        ExprContext& ctx) {
  WEIR_ASSIGN_OR_RETURN(BoundExprPtr operand, BindExpr(*e.operand, ctx));
  if (e.op == ast::UnaryOp::kPlus) {
    if (!operand->type.IsNumeric() && operand->type.id() != TypeId::kInterval) {
      return SqlError(e.span, fmt::format("unary + needs a number, got {}",
                                          operand->type.ToString()));
    }
    return operand;
  }
  return BindCall(e.op == ast::UnaryOp::kNot ? "NOT" : "NEGATE", {operand},
                  e.span, e.span);
}

absl::StatusOr<BoundExprPtr> StatementBinder::BindCast(const ast::CastExpr& e,
                                                       ExprContext& ctx) {
  WEIR_ASSIGN_OR_RETURN(BoundExprPtr operand, BindExpr(*e.operand, ctx));
  WEIR_ASSIGN_OR_RETURN(LogicalType target, TypeFromName(e.target));
  if (!types::CanExplicitlyCast(operand->type, target)) {
    return SqlError(
        e.span, fmt::format("cannot cast {} to {}", operand->type.ToString(),
                            target.ToString()));
  }
  if (operand->kind == BoundExprKind::kLiteral && operand->value.is_null()) {
    return expr::MakeLiteral(Value::Null(target), e.span);
  }
  return expr::MakeCast(operand, target, e.try_cast, e.span);
}

absl::StatusOr<BoundExprPtr> StatementBinder::BindCase(const ast::CaseExpr& e,
                                                       ExprContext& ctx) {
  BoundExprPtr operand;
  if (e.operand) {
    WEIR_ASSIGN_OR_RETURN(operand, BindExpr(*e.operand, ctx));
  }
  // The conditions: `operand = value` for a simple CASE, else BOOLEANs.
  std::vector<BoundExprPtr> conds, results;
  for (const auto& w : e.whens) {
    if (operand) {
      WEIR_ASSIGN_OR_RETURN(BoundExprPtr v, BindExpr(*w.condition, ctx));
      WEIR_ASSIGN_OR_RETURN(
          BoundExprPtr eq,
          BindCall("=", {operand, v}, w.condition->span, w.condition->span));
      conds.push_back(eq);
    } else {
      WEIR_ASSIGN_OR_RETURN(BoundExprPtr cond, BindExpr(*w.condition, ctx));
      if (!IsBooleanish(cond->type)) {
        return SqlError(
            w.condition->span,
            fmt::format("CASE WHEN needs a BOOLEAN condition, got {}",
                        cond->type.ToString()));
      }
      conds.push_back(CastTo(cond, LogicalType::Boolean()));
    }
    WEIR_ASSIGN_OR_RETURN(BoundExprPtr r, BindExpr(*w.result, ctx));
    results.push_back(r);
  }
  BoundExprPtr else_result;
  if (e.else_result) {
    WEIR_ASSIGN_OR_RETURN(else_result, BindExpr(*e.else_result, ctx));
  }
  // The result type: the common type of every branch.
  LogicalType type = LogicalType::Null();
  std::vector<std::pair<BoundExprPtr, const ast::Expr*>> all;
  for (size_t i = 0; i < results.size(); ++i)
    all.push_back({results[i], e.whens[i].result.get()});
  if (else_result) all.push_back({else_result, e.else_result.get()});
  for (const auto& [r, ast_r] : all) {
    std::optional<LogicalType> common = types::CommonSuperType(type, r->type);
    if (!common) {
      return SqlError(
          ast_r->span,
          fmt::format("CASE branches have incompatible types {} and {}",
                      type.ToString(), r->type.ToString()));
    }
    type = *common;
  }
  std::vector<BoundExprPtr> args;
  for (size_t i = 0; i < conds.size(); ++i) {
    args.push_back(conds[i]);
    args.push_back(CastTo(results[i], type));
  }
  args.push_back(else_result ? CastTo(else_result, type)
                             : expr::MakeLiteral(Value::Null(type)));
  return expr::MakeCase(std::move(args), type, e.span);
}

absl::StatusOr<BoundExprPtr> StatementBinder::BindBetween(
    const ast::BetweenExpr& e, ExprContext& ctx) {
  WEIR_ASSIGN_OR_RETURN(BoundExprPtr x, BindExpr(*e.operand, ctx));
  WEIR_ASSIGN_OR_RETURN(BoundExprPtr lo, BindExpr(*e.low, ctx));
  WEIR_ASSIGN_OR_RETURN(BoundExprPtr hi, BindExpr(*e.high, ctx));
  WEIR_ASSIGN_OR_RETURN(BoundExprPtr ge,
                        BindCall(">=", {x, lo}, e.span, e.low->span));
  WEIR_ASSIGN_OR_RETURN(BoundExprPtr le,
                        BindCall("<=", {x, hi}, e.span, e.high->span));
  WEIR_ASSIGN_OR_RETURN(BoundExprPtr both,
                        BindCall("AND", {ge, le}, e.span, e.span));
  if (!e.negated) return both;
  return BindCall("NOT", {both}, e.span, e.span);
}

absl::StatusOr<BoundExprPtr> StatementBinder::BindIn(const ast::InExpr& e,
                                                     ExprContext& ctx) {
  WEIR_ASSIGN_OR_RETURN(BoundExprPtr x, BindExpr(*e.operand, ctx));
  BoundExprPtr acc;
  for (const auto& item : e.list) {
    WEIR_ASSIGN_OR_RETURN(BoundExprPtr v, BindExpr(*item, ctx));
    WEIR_ASSIGN_OR_RETURN(BoundExprPtr eq,
                          BindCall("=", {x, v}, e.span, item->span));
    if (!acc) {
      acc = eq;
    } else {
      WEIR_ASSIGN_OR_RETURN(acc, BindCall("OR", {acc, eq}, e.span, e.span));
    }
  }
  if (!acc) return SqlError(e.span, "IN needs at least one value");
  if (!e.negated) return acc;
  return BindCall("NOT", {acc}, e.span, e.span);
}

absl::StatusOr<BoundExprPtr> StatementBinder::BindLike(const ast::LikeExpr& e,
                                                       ExprContext& ctx) {
  WEIR_ASSIGN_OR_RETURN(BoundExprPtr x, BindExpr(*e.operand, ctx));
  WEIR_ASSIGN_OR_RETURN(BoundExprPtr p, BindExpr(*e.pattern, ctx));
  std::vector<BoundExprPtr> args = {x, p};
  if (e.escape) {
    WEIR_ASSIGN_OR_RETURN(BoundExprPtr esc, BindExpr(*e.escape, ctx));
    args.push_back(esc);
  }
  const char* fn = e.regexp ? "REGEXP" : "LIKE";
  WEIR_ASSIGN_OR_RETURN(BoundExprPtr call, BindCall(fn, args, e.span, e.span));
  if (!e.negated) return call;
  return BindCall("NOT", {call}, e.span, e.span);
}

}  // namespace weir::sql::internal
