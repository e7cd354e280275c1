// The transformer's expressions: boolean and arithmetic operators,
// predicates, literals, function calls, CAST, CASE, the SQL forms that
// become calls (EXTRACT, SUBSTRING, POSITION, CURRENT_*), and intervals.

#include <string>
#include <utility>
#include <vector>

#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/base/strings.h"
#include "engine/sql/transformer_internal.h"
#include "fmt/format.h"

namespace weir::sql::internal {

namespace {

ast::IntervalUnit IntervalUnitOf(P::IntervalUnitContext* ctx) {
  switch (ctx->getStart()->getType()) {
    case P::YEAR:
    case P::YEARS:
      return ast::IntervalUnit::kYear;
    case P::MONTH:
    case P::MONTHS:
      return ast::IntervalUnit::kMonth;
    case P::DAY:
    case P::DAYS:
      return ast::IntervalUnit::kDay;
    case P::HOUR:
    case P::HOURS:
      return ast::IntervalUnit::kHour;
    case P::MINUTE:
    case P::MINUTES:
      return ast::IntervalUnit::kMinute;
    default:
      return ast::IntervalUnit::kSecond;
  }
}

}  // namespace

absl::StatusOr<ast::ExprPtr> Transformer::Expr(P::ExpressionContext* ctx) {
  return Boolean(ctx->booleanExpression());
}

absl::StatusOr<ast::ExprPtr> Transformer::Boolean(
    P::BooleanExpressionContext* ctx) {
  auto* predicated = As<P::PredicatedContext>(ctx);
  if (predicated != nullptr && predicated->predicate() == nullptr) {
    return Value(predicated->valueExpression());  // no node of its own
  }
  DepthScope scope(&depth_);
  if (scope.too_deep()) return TooDeep(ctx);
  SourceSpan span = Span(ctx);
  if (auto* c = As<P::LogicalBinaryContext>(ctx)) {
    auto out = MakeNode<ast::BinaryExpr>(span);
    out->op =
        c->op->getType() == P::AND ? ast::BinaryOp::kAnd : ast::BinaryOp::kOr;
    out->op_span = Span(c->op);
    WEIR_ASSIGN_OR_RETURN(out->left, Boolean(c->left));
    WEIR_ASSIGN_OR_RETURN(out->right, Boolean(c->right));
    return out;
  }
  if (auto* c = As<P::LogicalNotContext>(ctx)) {
    auto out = MakeNode<ast::UnaryExpr>(span);
    out->op = ast::UnaryOp::kNot;
    WEIR_ASSIGN_OR_RETURN(out->operand, Boolean(c->booleanExpression()));
    return out;
  }
  auto* c = As<P::PredicatedContext>(ctx);
  WEIR_ASSIGN_OR_RETURN(ast::ExprPtr value, Value(c->valueExpression()));
  return Predicate(c->predicate(), std::move(value), span);
}

// `value` followed by a comparison, BETWEEN, IN, LIKE, IS [NOT] DISTINCT
// FROM or IS [NOT] NULL; `span` covers both.
absl::StatusOr<ast::ExprPtr> Transformer::Predicate(P::PredicateContext* pred,
                                                    ast::ExprPtr value,
                                                    const SourceSpan& span) {
  if (auto* p = As<P::ComparisonContext>(pred)) {
    auto out = MakeNode<ast::BinaryExpr>(span);
    switch (p->comparisonOperator()->getStart()->getType()) {
      case P::EQ:
        out->op = ast::BinaryOp::kEq;
        break;
      case P::NEQ:
        out->op = ast::BinaryOp::kNe;
        break;
      case P::LT:
        out->op = ast::BinaryOp::kLt;
        break;
      case P::LTE:
        out->op = ast::BinaryOp::kLe;
        break;
      case P::GT:
        out->op = ast::BinaryOp::kGt;
        break;
      default:
        out->op = ast::BinaryOp::kGe;
    }
    out->op_span = Span(p->comparisonOperator());
    out->left = std::move(value);
    WEIR_ASSIGN_OR_RETURN(out->right, Value(p->right));
    return out;
  }
  if (auto* p = As<P::BetweenContext>(pred)) {
    auto out = MakeNode<ast::BetweenExpr>(span);
    out->negated = p->NOT() != nullptr;
    out->operand = std::move(value);
    WEIR_ASSIGN_OR_RETURN(out->low, Value(p->lower));
    WEIR_ASSIGN_OR_RETURN(out->high, Value(p->upper));
    return out;
  }
  if (auto* p = As<P::InListContext>(pred)) {
    auto out = MakeNode<ast::InExpr>(span);
    out->negated = p->NOT() != nullptr;
    out->operand = std::move(value);
    for (P::ExpressionContext* e : p->expression()) {
      WEIR_ASSIGN_OR_RETURN(ast::ExprPtr item, Expr(e));
      out->list.push_back(std::move(item));
    }
    return out;
  }
  if (auto* p = As<P::LikeContext>(pred)) {
    auto out = MakeNode<ast::LikeExpr>(span);
    out->negated = p->NOT() != nullptr;
    out->regexp = p->kind->getType() != P::LIKE;
    out->operand = std::move(value);
    WEIR_ASSIGN_OR_RETURN(out->pattern, Value(p->pattern));
    if (p->escape != nullptr) {
      WEIR_ASSIGN_OR_RETURN(out->escape, Value(p->escape));
    }
    return out;
  }
  if (auto* p = As<P::DistinctFromContext>(pred)) {
    auto out = MakeNode<ast::BinaryExpr>(span);
    out->op = p->NOT() != nullptr ? ast::BinaryOp::kIsNotDistinctFrom
                                  : ast::BinaryOp::kIsDistinctFrom;
    out->op_span = text_.SpanOf(p->IS()->getSymbol(), p->FROM()->getSymbol());
    out->left = std::move(value);
    WEIR_ASSIGN_OR_RETURN(out->right, Value(p->right));
    return out;
  }
  auto* p = As<P::NullPredicateContext>(pred);
  auto out = MakeNode<ast::IsNullExpr>(span);
  out->negated = p->NOT() != nullptr;
  out->operand = std::move(value);
  return out;
}

absl::StatusOr<ast::ExprPtr> Transformer::Value(
    P::ValueExpressionContext* ctx) {
  if (auto* c = As<P::ValueExpressionDefaultContext>(ctx)) {
    return Primary(c->primaryExpression());
  }
  DepthScope scope(&depth_);
  if (scope.too_deep()) return TooDeep(ctx);
  SourceSpan span = Span(ctx);
  if (auto* c = As<P::ArithmeticUnaryContext>(ctx)) {
    auto out = MakeNode<ast::UnaryExpr>(span);
    out->op = c->op->getType() == P::MINUS ? ast::UnaryOp::kNegate
                                           : ast::UnaryOp::kPlus;
    WEIR_ASSIGN_OR_RETURN(out->operand, Value(c->valueExpression()));
    return out;
  }
  auto* c = As<P::ArithmeticBinaryContext>(ctx);
  auto out = MakeNode<ast::BinaryExpr>(span);
  switch (c->op->getType()) {
    case P::PLUS:
      out->op = ast::BinaryOp::kAdd;
      break;
    case P::MINUS:
      out->op = ast::BinaryOp::kSub;
      break;
    case P::ASTERISK:
      out->op = ast::BinaryOp::kMul;
      break;
    case P::SLASH:
      out->op = ast::BinaryOp::kDiv;
      break;
    case P::PERCENT:
      out->op = ast::BinaryOp::kMod;
      break;
    default:
      out->op = ast::BinaryOp::kConcat;
  }
  out->op_span = Span(c->op);
  WEIR_ASSIGN_OR_RETURN(out->left, Value(c->left));
  WEIR_ASSIGN_OR_RETURN(out->right, Value(c->right));
  return out;
}

std::unique_ptr<ast::LiteralExpr> Transformer::Literal(ast::LiteralKind kind,
                                                       const SourceSpan& span,
                                                       std::string text) {
  auto out = MakeNode<ast::LiteralExpr>(span);
  out->literal_kind = kind;
  out->text = std::move(text);
  return out;
}

std::unique_ptr<ast::FunctionExpr> Transformer::Function(const SourceSpan& span,
                                                         Token* name) {
  auto out = MakeNode<ast::FunctionExpr>(span);
  out->name.span = Span(name);
  out->name.name = weir::AsciiUpper(Text(out->name.span));
  return out;
}

absl::StatusOr<ast::ExprPtr> Transformer::Function(
    const SourceSpan& span, Token* name,
    const std::vector<P::ValueExpressionContext*>& args) {
  auto out = Function(span, name);
  for (P::ValueExpressionContext* v : args) {
    WEIR_ASSIGN_OR_RETURN(ast::ExprPtr arg, Value(v));
    out->args.push_back(std::move(arg));
  }
  return ast::ExprPtr(std::move(out));
}

absl::StatusOr<ast::ExprPtr> Transformer::Primary(
    P::PrimaryExpressionContext* ctx) {
  SourceSpan span = Span(ctx);
  if (auto* c = As<P::ColumnReferenceContext>(ctx)) {
    auto out = MakeNode<ast::ColumnRefExpr>(span);
    for (P::IdentifierContext* i : c->identifier()) {
      out->name.parts.push_back(Identifier(i));
    }
    out->name.span = span;
    return out;
  }
  if (auto* c = As<P::NumericLiteralContext>(ctx)) {
    ast::LiteralKind kind = ast::LiteralKind::kInteger;
    if (c->value->getType() == P::DECIMAL_VALUE) {
      kind = ast::LiteralKind::kDecimal;
    } else if (c->value->getType() == P::DOUBLE_VALUE) {
      kind = ast::LiteralKind::kDouble;
    }
    return Literal(kind, span, std::string(Text(span)));
  }
  if (As<P::StringLiteralContext>(ctx)) {
    return Literal(ast::LiteralKind::kString, span, UnescapeString(Text(span)));
  }
  if (auto* c = As<P::BooleanLiteralContext>(ctx)) {
    return Literal(ast::LiteralKind::kBoolean, span,
                   c->value->getType() == P::TRUE_ ? "true" : "false");
  }
  if (As<P::NullLiteralContext>(ctx)) {
    return Literal(ast::LiteralKind::kNull, span, "");
  }
  if (auto* c = As<P::TypedLiteralContext>(ctx)) {
    auto out = Literal(ast::LiteralKind::kTyped, span,
                       UnescapeString(Text(Span(c->STRING()))));
    ast::TypeName type;
    type.span = Span(c->typeKeyword);
    type.name = weir::AsciiUpper(Text(type.span));
    out->type_name = std::move(type);
    return out;
  }
  if (auto* c = As<P::IntervalLiteralContext>(ctx)) {
    return Interval(c->interval());
  }
  if (auto* c = As<P::ParenthesizedExpressionContext>(ctx)) {
    return Expr(c->expression());
  }
  if (auto* c = As<P::FunctionCallContext>(ctx)) return FunctionCall(c, span);
  if (auto* c = As<P::CastContext>(ctx)) {
    auto out = MakeNode<ast::CastExpr>(span);
    out->try_cast = c->castKind->getType() == P::TRY_CAST;
    WEIR_ASSIGN_OR_RETURN(out->operand, Expr(c->expression()));
    WEIR_ASSIGN_OR_RETURN(out->target, TypeName(c->typeName()));
    return out;
  }
  if (auto* c = As<P::SimpleCaseContext>(ctx)) {
    return Case(c->operand, c->whenClause(), c->elseResult, span);
  }
  if (auto* c = As<P::SearchedCaseContext>(ctx)) {
    return Case(nullptr, c->whenClause(), c->elseResult, span);
  }
  if (auto* c = As<P::ExtractContext>(ctx)) {
    auto out = Function(span, c->EXTRACT()->getSymbol());
    ast::Identifier field = Identifier(c->field);
    out->args.push_back(Literal(ast::LiteralKind::kString, field.span,
                                weir::AsciiUpper(field.name)));
    WEIR_ASSIGN_OR_RETURN(ast::ExprPtr arg, Value(c->valueExpression()));
    out->args.push_back(std::move(arg));
    return out;
  }
  if (auto* c = As<P::SubstringContext>(ctx)) {
    return Function(span, c->SUBSTRING()->getSymbol(), c->valueExpression());
  }
  if (auto* c = As<P::PositionContext>(ctx)) {
    return Function(span, c->POSITION()->getSymbol(), c->valueExpression());
  }
  if (auto* c = As<P::CurrentTimeContext>(ctx)) {
    return ast::ExprPtr(Function(span, c->name));
  }
  return SqlError(span, "unsupported expression");
}

absl::StatusOr<ast::ExprPtr> Transformer::FunctionCall(
    P::FunctionCallContext* c, const SourceSpan& span) {
  auto out = MakeNode<ast::FunctionExpr>(span);
  P::FunctionNameContext* fn = c->functionName();
  out->name.span = Span(fn);
  if (fn->identifier() != nullptr) {
    ast::Identifier id = Identifier(fn->identifier());
    out->name.name = weir::AsciiUpper(id.name);
    out->name.quoted = id.quoted;
  } else {
    out->name.name = weir::AsciiUpper(Text(out->name.span));
  }
  if (c->ASTERISK() != nullptr) {
    out->args.push_back(MakeNode<ast::StarExpr>(Span(c->ASTERISK())));
  }
  out->distinct = c->DISTINCT() != nullptr;
  for (P::ExpressionContext* e : c->expression()) {
    WEIR_ASSIGN_OR_RETURN(ast::ExprPtr arg, Expr(e));
    out->args.push_back(std::move(arg));
  }
  if (c->over() != nullptr) {
    P::OverContext* o = c->over();
    ast::WindowSpec spec;
    spec.span = Span(o);
    for (P::ExpressionContext* e : o->expression()) {
      WEIR_ASSIGN_OR_RETURN(ast::ExprPtr p, Expr(e));
      spec.partition_by.push_back(std::move(p));
    }
    for (P::SortItemContext* s : o->sortItem()) {
      WEIR_ASSIGN_OR_RETURN(ast::OrderItem item, SortItem(s));
      spec.order_by.push_back(std::move(item));
    }
    out->over = std::move(spec);
  }
  return out;
}

absl::StatusOr<ast::ExprPtr> Transformer::Case(
    P::ExpressionContext* operand,
    const std::vector<P::WhenClauseContext*>& whens,
    P::ExpressionContext* else_result, const SourceSpan& span) {
  auto out = MakeNode<ast::CaseExpr>(span);
  if (operand != nullptr) {
    WEIR_ASSIGN_OR_RETURN(out->operand, Expr(operand));
  }
  for (P::WhenClauseContext* w : whens) {
    ast::CaseExpr::When when;
    WEIR_ASSIGN_OR_RETURN(when.condition, Expr(w->condition));
    WEIR_ASSIGN_OR_RETURN(when.result, Expr(w->result));
    out->whens.push_back(std::move(when));
  }
  if (else_result != nullptr) {
    WEIR_ASSIGN_OR_RETURN(out->else_result, Expr(else_result));
  }
  return ast::ExprPtr(std::move(out));
}

absl::StatusOr<ast::ExprPtr> Transformer::Interval(P::IntervalContext* ctx) {
  auto out = MakeNode<ast::LiteralExpr>(Span(ctx));
  out->literal_kind = ast::LiteralKind::kInterval;
  std::string_view raw = Text(ctx->value);
  out->text = ctx->value->getType() == P::STRING ? UnescapeString(raw)
                                                 : std::string(raw);
  out->negative = ctx->sign != nullptr && ctx->sign->getType() == P::MINUS;
  out->unit = IntervalUnitOf(ctx->from);
  if (ctx->to != nullptr) {
    out->to_unit = IntervalUnitOf(ctx->to);
    using U = ast::IntervalUnit;
    U from = out->unit;
    U to = out->to_unit;
    bool ok = (from == U::kYear && to == U::kMonth) ||
              (from >= U::kDay && to > from && to <= U::kSecond);
    if (!ok) {
      return SqlError(
          Span(ctx->to),
          fmt::format("invalid interval qualifier {} TO {}; use YEAR TO "
                      "MONTH, or DAY/HOUR/MINUTE TO a smaller unit down to "
                      "SECOND",
                      weir::AsciiUpper(Text(ctx->from->getStart())),
                      weir::AsciiUpper(Text(ctx->to->getStart()))));
    }
  }
  return ast::ExprPtr(std::move(out));
}

}  // namespace weir::sql::internal
