#include "engine/expr/bound_expr.h"

#include <string>
#include <utility>

#include "engine/base/check.h"
#include "engine/expr/function_registry.h"

namespace weir::expr {
namespace {

/// Operators are spelt infix when they have two operands ("a + b",
/// "a IS DISTINCT FROM b").
bool IsInfixOperator(const std::string& f) {
  const internal::ScalarFunction* fn = internal::ScalarFunctions().Find(f);
  return fn != nullptr && fn->is_operator;
}

std::string JoinArgs(const std::vector<BoundExprPtr>& args, size_t from = 0) {
  std::string out;
  for (size_t i = from; i < args.size(); ++i) {
    if (i > from) out += ", ";
    out += args[i]->ToString();
  }
  return out;
}

std::string CallToString(const BoundExpr& e) {
  const std::string& f = e.function;
  const auto& a = e.args;
  if (f == "LIKE" && a.size() == 3) {
    return "(" + a[0]->ToString() + " LIKE " + a[1]->ToString() + " ESCAPE " +
           a[2]->ToString() + ")";
  }
  if (a.size() == 2 && IsInfixOperator(f)) {
    return "(" + a[0]->ToString() + " " + f + " " + a[1]->ToString() + ")";
  }
  if (a.size() == 1) {
    if (f == "NOT") return "(NOT " + a[0]->ToString() + ")";
    if (f == "NEGATE") return "(- " + a[0]->ToString() + ")";
    if (f == "IS NULL" || f == "IS NOT NULL") {
      return "(" + a[0]->ToString() + " " + f + ")";
    }
  }
  if (a.empty() && (f == "CURRENT_TIMESTAMP" || f == "CURRENT_DATE")) return f;
  if (f == "EXTRACT" && a.size() == 2 &&
      a[0]->kind == BoundExprKind::kLiteral && !a[0]->value.is_null() &&
      a[0]->value.type().IsString()) {
    return "EXTRACT(" + a[0]->value.str() + " FROM " + a[1]->ToString() + ")";
  }
  return f + "(" + JoinArgs(a) + ")";
}

}  // namespace

std::string BoundExpr::ToString() const {
  switch (kind) {
    case BoundExprKind::kColumn:
      return column_name.empty() ? "$" + std::to_string(column) : column_name;
    case BoundExprKind::kLiteral:
      return value.ToSqlLiteral();
    case BoundExprKind::kCall:
      return CallToString(*this);
    case BoundExprKind::kCast:
      return std::string(try_cast ? "TRY_CAST(" : "CAST(") +
             args[0]->ToString() + " AS " + type.ToString() + ")";
    case BoundExprKind::kCase: {
      std::string out = "CASE";
      size_t i = 0;
      for (; i + 1 < args.size(); i += 2) {
        out +=
            " WHEN " + args[i]->ToString() + " THEN " + args[i + 1]->ToString();
      }
      if (i < args.size()) out += " ELSE " + args[i]->ToString();
      return out + " END";
    }
  }
  return "?";
}

bool BoundExpr::IsConstant() const {
  if (kind == BoundExprKind::kColumn) return false;
  for (const auto& a : args) {
    if (!a->IsConstant()) return false;
  }
  return true;
}

void BoundExpr::CollectColumns(std::vector<int>* out) const {
  if (kind == BoundExprKind::kColumn) out->push_back(column);
  for (const auto& a : args) a->CollectColumns(out);
}

BoundExprPtr MakeColumn(int index, std::string name, types::LogicalType type,
                        bool nullable, SourceSpan span) {
  auto e = std::make_shared<BoundExpr>();
  e->kind = BoundExprKind::kColumn;
  e->column = index;
  e->column_name = std::move(name);
  e->type = type;
  e->nullable = nullable;
  e->span = span;
  return e;
}

BoundExprPtr MakeLiteral(types::Value value, SourceSpan span) {
  auto e = std::make_shared<BoundExpr>();
  e->kind = BoundExprKind::kLiteral;
  e->type = value.type();
  e->nullable = value.is_null();
  e->value = std::move(value);
  e->span = span;
  return e;
}

BoundExprPtr MakeCall(std::string function, std::vector<BoundExprPtr> args,
                      types::LogicalType type, bool nullable, SourceSpan span) {
  auto e = std::make_shared<BoundExpr>();
  e->kind = BoundExprKind::kCall;
  e->function = std::move(function);
  e->args = std::move(args);
  e->type = type;
  e->nullable = nullable;
  e->span = span;
  return e;
}

BoundExprPtr MakeCast(BoundExprPtr arg, types::LogicalType target,
                      bool try_cast, SourceSpan span) {
  WEIR_CHECK(arg != nullptr);
  if (arg->type == target) return arg;
  auto e = std::make_shared<BoundExpr>();
  e->kind = BoundExprKind::kCast;
  e->type = target;
  e->nullable = arg->nullable || try_cast;
  e->try_cast = try_cast;
  e->span = span.known() ? span : arg->span;
  e->args.push_back(std::move(arg));
  return e;
}

BoundExprPtr MakeCase(std::vector<BoundExprPtr> args, types::LogicalType type,
                      SourceSpan span) {
  WEIR_CHECK(args.size() % 2 == 1);
  auto e = std::make_shared<BoundExpr>();
  e->kind = BoundExprKind::kCase;
  e->type = type;
  e->nullable = false;
  for (size_t i = 1; i < args.size(); i += 2) {
    if (args[i]->nullable) e->nullable = true;
  }
  if (args.back()->nullable) e->nullable = true;
  e->args = std::move(args);
  e->span = span;
  return e;
}

namespace {

template <typename F>
BoundExprPtr Rewrite(const BoundExprPtr& e, const F& column_fn) {
  if (e->kind == BoundExprKind::kColumn) return column_fn(*e);
  if (e->args.empty()) return e;
  auto copy = std::make_shared<BoundExpr>(*e);
  for (auto& a : copy->args) a = Rewrite(a, column_fn);
  return copy;
}

}  // namespace

BoundExprPtr RemapColumns(const BoundExprPtr& e,
                          const std::vector<BoundExprPtr>& columns) {
  return Rewrite(e, [&](const BoundExpr& c) {
    WEIR_CHECK(c.column >= 0 && static_cast<size_t>(c.column) < columns.size());
    return columns[c.column];
  });
}

BoundExprPtr ShiftColumns(const BoundExprPtr& e, int delta) {
  return Rewrite(e, [&](const BoundExpr& c) {
    auto copy = std::make_shared<BoundExpr>(c);
    copy->column += delta;
    return BoundExprPtr(copy);
  });
}

void SplitConjuncts(const BoundExprPtr& e, std::vector<BoundExprPtr>* out) {
  if (e->kind == BoundExprKind::kCall && e->function == "AND") {
    for (const auto& a : e->args) SplitConjuncts(a, out);
    return;
  }
  out->push_back(e);
}

BoundExprPtr MakeAnd(const std::vector<BoundExprPtr>& conjuncts) {
  if (conjuncts.empty()) return nullptr;
  BoundExprPtr acc = conjuncts[0];
  for (size_t i = 1; i < conjuncts.size(); ++i) {
    acc = MakeCall("AND", {acc, conjuncts[i]}, types::LogicalType::Boolean(),
                   acc->nullable || conjuncts[i]->nullable);
  }
  return acc;
}

}  // namespace weir::expr
