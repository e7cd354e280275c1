// The transformer's queries: ORDER BY / LIMIT / EMIT modifiers, UNION,
// SELECT, and the FROM clause's relations (tables, subqueries, joins,
// TUMBLE/HOP/SESSION windows).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/sql/transformer_internal.h"
#include "fmt/format.h"

namespace weir::sql::internal {

absl::StatusOr<std::unique_ptr<ast::Query>> Transformer::Query(
    P::QueryContext* ctx) {
  auto out = std::make_unique<ast::Query>();
  out->span = Span(ctx);
  WEIR_ASSIGN_OR_RETURN(out->body, QueryBody(ctx->queryBody()));
  for (P::SortItemContext* s : ctx->sortItem()) {
    WEIR_ASSIGN_OR_RETURN(ast::OrderItem item, SortItem(s));
    out->order_by.push_back(std::move(item));
  }
  for (P::QueryModifierContext* m : ctx->queryModifier()) {
    if (auto* l = As<P::LimitModifierContext>(m)) {
      if (out->limit != nullptr) {
        return SqlError(Span(l->LIMIT()), "LIMIT given twice");
      }
      auto lit = MakeNode<ast::LiteralExpr>(Span(l->INTEGER_VALUE()));
      lit->literal_kind = ast::LiteralKind::kInteger;
      lit->text = std::string(Text(lit->span));
      out->limit = std::move(lit);
    } else if (auto* a = As<P::AllowedLatenessModifierContext>(m)) {
      if (out->allowed_lateness != nullptr) {
        return SqlError(Span(a->ALLOWED()), "ALLOWED LATENESS given twice");
      }
      WEIR_ASSIGN_OR_RETURN(out->allowed_lateness, Interval(a->interval()));
    } else {
      if (out->emit != ast::EmitMode::kDefault) {
        return SqlError(Span(m), "EMIT given twice");
      }
      out->emit = As<P::EmitChangesModifierContext>(m)
                      ? ast::EmitMode::kChanges
                      : ast::EmitMode::kOnWindowClose;
      out->emit_span = Span(m);
    }
  }
  return out;
}

absl::StatusOr<std::unique_ptr<ast::QueryBody>> Transformer::QueryBody(
    P::QueryBodyContext* ctx) {
  DepthScope scope(&depth_);
  if (scope.too_deep()) return TooDeep(ctx);
  if (auto* c = As<P::SetOperationContext>(ctx)) {
    auto out = std::make_unique<ast::QueryBody>();
    out->span = Span(c);
    out->set_op = c->quantifier != nullptr && c->quantifier->getType() == P::ALL
                      ? ast::SetOpKind::kUnionAll
                      : ast::SetOpKind::kUnion;
    WEIR_ASSIGN_OR_RETURN(out->left, QueryBody(c->left));
    WEIR_ASSIGN_OR_RETURN(out->right, QueryBody(c->right));
    return out;
  }
  P::QueryPrimaryContext* primary =
      As<P::QueryBodyDefaultContext>(ctx)->queryPrimary();
  if (auto* p = As<P::ParenthesizedQueryBodyContext>(primary)) {
    return QueryBody(p->queryBody());
  }
  auto out = std::make_unique<ast::QueryBody>();
  out->span = Span(ctx);
  WEIR_ASSIGN_OR_RETURN(
      out->select,
      Select(As<P::QueryPrimaryDefaultContext>(primary)->querySpecification()));
  return out;
}

absl::StatusOr<std::unique_ptr<ast::SelectCore>> Transformer::Select(
    P::QuerySpecificationContext* ctx) {
  auto out = std::make_unique<ast::SelectCore>();
  out->span = Span(ctx);
  out->distinct = ctx->DISTINCT() != nullptr;
  for (P::SelectItemContext* s : ctx->selectItem()) {
    ast::SelectItem item;
    item.span = Span(s);
    if (As<P::SelectStarContext>(s)) {
      item.expr = MakeNode<ast::StarExpr>(item.span);
    } else if (auto* q = As<P::SelectQualifiedStarContext>(s)) {
      auto star = MakeNode<ast::StarExpr>(item.span);
      star->qualifier = Identifier(q->identifier());
      item.expr = std::move(star);
    } else {
      auto* e = As<P::SelectSingleContext>(s);
      WEIR_ASSIGN_OR_RETURN(item.expr, Expr(e->expression()));
      if (e->identifier()) item.alias = Identifier(e->identifier());
    }
    out->items.push_back(std::move(item));
  }
  for (P::RelationContext* r : ctx->relation()) {
    WEIR_ASSIGN_OR_RETURN(ast::TableRefPtr ref, Relation(r));
    if (out->from == nullptr) {
      out->from = std::move(ref);
    } else {
      // FROM a, b: a cross join without condition.
      auto join =
          MakeNode<ast::JoinRef>(SourceSpan::Cover(out->from->span, ref->span));
      join->join_type = ast::JoinType::kCross;
      join->left = std::move(out->from);
      join->right = std::move(ref);
      out->from = std::move(join);
    }
  }
  if (ctx->where != nullptr) {
    WEIR_ASSIGN_OR_RETURN(out->where, Boolean(ctx->where));
  }
  for (P::ExpressionContext* g : ctx->expression()) {
    WEIR_ASSIGN_OR_RETURN(ast::ExprPtr e, Expr(g));
    out->group_by.push_back(std::move(e));
  }
  if (ctx->having != nullptr) {
    WEIR_ASSIGN_OR_RETURN(out->having, Boolean(ctx->having));
  }
  return out;
}

absl::StatusOr<ast::TableRefPtr> Transformer::Relation(
    P::RelationContext* ctx) {
  DepthScope scope(&depth_);
  if (scope.too_deep()) return TooDeep(ctx);
  if (auto* c = As<P::RelationDefaultContext>(ctx)) {
    return RelationPrimary(c->relationPrimary());
  }
  auto out = MakeNode<ast::JoinRef>(Span(ctx));
  if (auto* c = As<P::CrossJoinContext>(ctx)) {
    out->join_type = ast::JoinType::kCross;
    WEIR_ASSIGN_OR_RETURN(out->left, Relation(c->left));
    WEIR_ASSIGN_OR_RETURN(out->right, RelationPrimary(c->right));
    return out;
  }
  auto* c = As<P::JoinContext>(ctx);
  P::JoinTypeContext* type = c->joinType();
  if (type->LEFT()) {
    out->join_type = ast::JoinType::kLeft;
  } else if (type->RIGHT()) {
    out->join_type = ast::JoinType::kRight;
  } else if (type->FULL()) {
    out->join_type = ast::JoinType::kFull;
  } else {
    out->join_type = ast::JoinType::kInner;
  }
  WEIR_ASSIGN_OR_RETURN(out->left, Relation(c->left));
  WEIR_ASSIGN_OR_RETURN(out->right, RelationPrimary(c->right));
  P::JoinCriteriaContext* criteria = c->joinCriteria();
  if (criteria->ON()) {
    WEIR_ASSIGN_OR_RETURN(out->condition,
                          Boolean(criteria->booleanExpression()));
  } else {
    out->using_columns = IdentifierList(criteria->identifierList());
  }
  return out;
}

absl::StatusOr<ast::TableRefPtr> Transformer::RelationPrimary(
    P::RelationPrimaryContext* ctx) {
  if (auto* c = As<P::TableNameContext>(ctx)) {
    auto out = MakeNode<ast::NamedTableRef>(Span(c));
    out->name = QualifiedName(c->qualifiedName());
    if (c->identifier()) out->alias = Identifier(c->identifier());
    return out;
  }
  if (auto* c = As<P::SubqueryRelationContext>(ctx)) {
    auto out = MakeNode<ast::SubqueryRef>(Span(c));
    WEIR_ASSIGN_OR_RETURN(out->query, Query(c->query()));
    if (c->identifier()) out->alias = Identifier(c->identifier());
    return out;
  }
  if (auto* c = As<P::ParenthesizedRelationContext>(ctx)) {
    return Relation(c->relation());
  }
  return WindowRelation(As<P::WindowRelationContext>(ctx));
}

absl::StatusOr<ast::TableRefPtr> Transformer::WindowRelation(
    P::WindowRelationContext* c) {
  auto out = MakeNode<ast::WindowTableRef>(Span(c));
  out->name_span = Span(c->windowKind);
  std::string_view name;
  size_t min_args = 1;
  size_t max_args = 1;
  std::string_view usage;
  switch (c->windowKind->getType()) {
    case P::TUMBLE:
      out->window = ast::WindowKind::kTumble;
      name = "TUMBLE";
      max_args = 2;
      usage = "TUMBLE(source, time_column, size [, offset])";
      break;
    case P::HOP:
      out->window = ast::WindowKind::kHop;
      name = "HOP";
      min_args = 2;
      max_args = 3;
      usage = "HOP(source, time_column, slide, size [, offset])";
      break;
    case P::CUMULATE:
      out->window = ast::WindowKind::kCumulate;
      name = "CUMULATE";
      min_args = 2;
      max_args = 3;
      usage = "CUMULATE(source, time_column, step, max_size [, offset])";
      break;
    default:
      out->window = ast::WindowKind::kSession;
      name = "SESSION";
      usage = "SESSION(source, time_column, gap)";
  }
  std::vector<P::ExpressionContext*> args = c->expression();
  if (args.size() < min_args || args.size() > max_args) {
    return SqlError(out->name_span,
                    fmt::format("{} takes {} to {} interval arguments, "
                                "got {}; use {}",
                                name, min_args, max_args, args.size(), usage));
  }
  P::WindowSourceContext* source = c->windowSource();
  if (source->query() != nullptr) {
    auto sub = MakeNode<ast::SubqueryRef>(Span(source));
    WEIR_ASSIGN_OR_RETURN(sub->query, Query(source->query()));
    out->input = std::move(sub);
  } else {
    auto named = MakeNode<ast::NamedTableRef>(Span(source));
    named->name = QualifiedName(source->qualifiedName());
    out->input = std::move(named);
  }
  out->time_column = Identifier(c->windowTimeColumn()->identifier());
  for (P::ExpressionContext* a : args) {
    WEIR_ASSIGN_OR_RETURN(ast::ExprPtr e, Expr(a));
    out->args.push_back(std::move(e));
  }
  if (c->identifier()) out->alias = Identifier(c->identifier());
  return out;
}

absl::StatusOr<ast::OrderItem> Transformer::SortItem(P::SortItemContext* ctx) {
  ast::OrderItem out;
  out.span = Span(ctx);
  WEIR_ASSIGN_OR_RETURN(out.expr, Expr(ctx->expression()));
  if (ctx->ordering != nullptr && ctx->ordering->getType() == P::DESC) {
    out.direction = ast::SortDirection::kDesc;
  }
  if (ctx->nullOrder != nullptr) {
    out.nulls = ctx->nullOrder->getType() == P::FIRST ? ast::NullsOrder::kFirst
                                                      : ast::NullsOrder::kLast;
  }
  return out;
}

}  // namespace weir::sql::internal
