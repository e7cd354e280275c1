// A query: its body (a SELECT block or a UNION of bodies), ORDER BY, LIMIT,
// and where EMIT may stand.

#include <cstdlib>

#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/expr/functions.h"
#include "engine/sql/binder/binder_internal.h"
#include "fmt/format.h"

namespace weir::sql::internal {

using types::Value;

namespace {

/// EMIT ON WINDOW CLOSE needs an aggregate that closes windows; a UNION or
/// a plain window query has none.
absl::Status CheckWindowClose(const ast::Query& q, const PlanPtr& plan) {
  bool found = false;
  ForEachNode(plan, [&](const PlanNode& n) {
    if (n.kind == PlanKind::kAggregate &&
        static_cast<const AggregateNode&>(n).emit ==
            EmitPolicy::kOnWindowClose) {
      found = true;
    }
  });
  if (found) return absl::OkStatus();
  return SqlError(q.emit_span,
                  "EMIT ON WINDOW CLOSE needs a GROUP BY over window_start "
                  "and window_end of TUMBLE, HOP, CUMULATE or SESSION");
}

/// Whether `plan` aggregates over windows (ALLOWED LATENESS applies to
/// such an aggregate; ApplyEmitPolicy checked its watermark).
bool HasWindowedAggregate(const PlanPtr& plan) {
  bool found = false;
  ForEachNode(plan, [&](const PlanNode& n) {
    if (n.kind == PlanKind::kAggregate &&
        static_cast<const AggregateNode&>(n).window_start_group) {
      found = true;
    }
  });
  return found;
}

/// A ranking that no outer filter limited is not a top-N.
absl::Status CheckRanksLimited(const PlanPtr& plan) {
  absl::Status unlimited = absl::OkStatus();
  ForEachNode(plan, [&](const PlanNode& n) {
    if (n.kind != PlanKind::kRank || !unlimited.ok()) return;
    const auto& rank = static_cast<const RankNode&>(n);
    if (rank.limit != 0) return;
    const char* fn = rank.fn == RankFn::kRowNumber ? "ROW_NUMBER"
                     : rank.fn == RankFn::kRank    ? "RANK"
                                                   : "DENSE_RANK";
    unlimited = SqlError(
        rank.span, fmt::format("{}() is only supported for top-N: select it in "
                               "a subquery and filter it in the outer query, "
                               "as in WHERE rn <= 10",
                               fn));
  });
  return unlimited;
}

}  // namespace

absl::Status StatementBinder::CheckEmitPlacement(const ast::Query& q,
                                                 QueryUse use) {
  if (use != QueryUse::kTop && use != QueryUse::kView &&
      q.emit == ast::EmitMode::kChanges) {
    return SqlError(q.emit_span,
                    use == QueryUse::kSubquery
                        ? "EMIT belongs at the end of the outermost query"
                        : "EMIT CHANGES is for push queries; results here are "
                          "always kept up to date");
  }
  if (use == QueryUse::kView && q.emit == ast::EmitMode::kChanges) {
    return SqlError(q.emit_span,
                    "a materialized view is always kept up to date; "
                    "drop EMIT CHANGES (or use EMIT ON WINDOW CLOSE for final "
                    "window results)");
  }
  if (use == QueryUse::kSubquery && q.emit == ast::EmitMode::kOnWindowClose) {
    return SqlError(q.emit_span,
                    "EMIT belongs at the end of the outermost query");
  }
  return absl::OkStatus();
}

absl::StatusOr<BoundRel> StatementBinder::BindQuery(const ast::Query& q,
                                                    QueryUse use) {
  WEIR_RETURN_IF_ERROR(CheckEmitPlacement(q, use));
  WEIR_ASSIGN_OR_RETURN(BoundRel rel, BindBody(*q.body, q));
  if (q.emit == ast::EmitMode::kOnWindowClose) {
    WEIR_RETURN_IF_ERROR(CheckWindowClose(q, rel.plan));
  }
  if (q.allowed_lateness && !HasWindowedAggregate(rel.plan)) {
    return SqlError(
        ClauseSpan(source_, q.allowed_lateness->span, q.allowed_lateness->span,
                   {"ALLOWED", "LATENESS"}),
        "ALLOWED LATENESS needs a windowed aggregation (GROUP BY "
        "window_start, window_end) over a column with a watermark");
  }
  bool pull = use == QueryUse::kTop && q.emit == ast::EmitMode::kDefault;
  if (!q.order_by.empty()) {
    if (!pull) {
      return SqlError(
          ClauseSpan(source_, q.order_by.front().span, q.order_by.back().span,
                     {"ORDER", "BY"}),
          "ORDER BY is only allowed in pull queries (on views); a continuous "
          "result has no final order. For the top rows per group use "
          "ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...) with rn <= N");
    }
    WEIR_ASSIGN_OR_RETURN(rel.plan, BindOrderBy(q, rel));
  }
  if (q.limit) {
    if (use == QueryUse::kView || use == QueryUse::kSink ||
        use == QueryUse::kInsert || use == QueryUse::kSubquery) {
      return SqlError(
          ClauseSpan(source_, q.limit->span, q.limit->span, {"LIMIT"}),
          "LIMIT is only allowed on the outermost SELECT of a push or pull "
          "query; "
          "for top-N use ROW_NUMBER() OVER (...) with rn <= N");
    }
    WEIR_ASSIGN_OR_RETURN(rel.plan, BindLimit(q, rel.plan));
  }
  if (use != QueryUse::kSubquery) {
    WEIR_RETURN_IF_ERROR(CheckRanksLimited(rel.plan));
  }
  return rel;
}

absl::StatusOr<BoundRel> StatementBinder::BindBody(const ast::QueryBody& body,
                                                   const ast::Query& q) {
  if (body.select) return BindSelect(*body.select, q);
  return BindUnion(body, q);
}

absl::StatusOr<BoundRel> StatementBinder::BindUnion(const ast::QueryBody& body,
                                                    const ast::Query& q) {
  WEIR_ASSIGN_OR_RETURN(BoundRel left, BindBody(*body.left, q));
  WEIR_ASSIGN_OR_RETURN(BoundRel right, BindBody(*body.right, q));
  if (left.columns.size() != right.columns.size()) {
    return SqlError(
        body.right->span,
        fmt::format(
            "UNION inputs must have the same number of columns: {} and {}",
            left.columns.size(), right.columns.size()));
  }
  // The column types: the common type of both sides.
  std::vector<LogicalType> types;
  for (size_t i = 0; i < left.columns.size(); ++i) {
    std::optional<LogicalType> t =
        types::CommonSuperType(left.columns[i].type, right.columns[i].type);
    if (!t) {
      return SqlError(
          body.right->span,
          fmt::format("UNION column {} ('{}') has incompatible types {} and {}",
                      i + 1, left.columns[i].name,
                      left.columns[i].type.ToString(),
                      right.columns[i].type.ToString()));
    }
    types.push_back(*t);
  }
  // A side whose types differ gets a projection casting to them.
  auto conform = [&](BoundRel& side) {
    bool same = true;
    for (size_t i = 0; i < types.size(); ++i)
      same &= side.columns[i].type == types[i];
    if (same) return;
    auto p = std::make_shared<ProjectNode>();
    for (size_t i = 0; i < types.size(); ++i) {
      const auto& c = side.columns[i];
      p->exprs.push_back(CastTo(
          expr::MakeColumn(static_cast<int>(i), c.name, c.type, c.nullable),
          types[i]));
      p->schema.Add({c.name, types[i], c.nullable});
    }
    p->inputs = {side.plan};
    DeriveProjectProps(*side.plan, p.get());
    side.plan = p;
  };
  conform(left);
  conform(right);
  auto u = std::make_shared<UnionNode>();
  u->all = body.set_op == ast::SetOpKind::kUnionAll;
  u->inputs = {left.plan, right.plan};
  BoundRel rel;
  for (size_t i = 0; i < types.size(); ++i) {
    bool nullable = left.columns[i].nullable || right.columns[i].nullable;
    u->schema.Add({left.columns[i].name, types[i], nullable});
    rel.columns.push_back({"", left.columns[i].name, types[i], nullable});
  }
  // UNION (distinct) over append-only inputs only ever inserts new rows.
  u->append_only = left.plan->append_only && right.plan->append_only;
  if (!u->all) {
    for (size_t i = 0; i < types.size(); ++i)
      u->unique_key.push_back(static_cast<int>(i));
  }
  rel.plan = u;
  rel.sources = left.sources;
  rel.sources.insert(rel.sources.end(), right.sources.begin(),
                     right.sources.end());
  return rel;
}

absl::StatusOr<PlanPtr> StatementBinder::BindOrderBy(const ast::Query& q,
                                                     const BoundRel& rel) {
  auto sort = std::make_shared<SortNode>();
  for (const auto& o : q.order_by) {
    BoundExprPtr key;
    if (o.expr->kind == ast::ExprKind::kLiteral &&
        static_cast<const ast::LiteralExpr&>(*o.expr).literal_kind ==
            ast::LiteralKind::kInteger) {
      // A 1-based position in the select list.
      int64_t pos = std::atoll(
          static_cast<const ast::LiteralExpr&>(*o.expr).text.c_str());
      if (pos < 1 || pos > static_cast<int64_t>(rel.columns.size())) {
        return SqlError(o.expr->span,
                        fmt::format("ORDER BY position {} is not in the select "
                                    "list (1 to {})",
                                    pos, rel.columns.size()));
      }
      const auto& c = rel.columns[pos - 1];
      key = expr::MakeColumn(static_cast<int>(pos - 1), c.name, c.type,
                             c.nullable, o.span);
    } else {
      ExprContext ctx{&rel.columns, Clause::kOrderBy, nullptr, nullptr,
                      nullptr};
      WEIR_ASSIGN_OR_RETURN(key, BindExpr(*o.expr, ctx));
    }
    bool desc = o.direction == ast::SortDirection::kDesc;
    sort->keys.push_back(key);
    sort->descending.push_back(desc);
    sort->nulls_first.push_back(o.nulls == ast::NullsOrder::kDefault
                                    ? desc
                                    : o.nulls == ast::NullsOrder::kFirst);
  }
  sort->schema = rel.plan->schema;
  sort->unique_key = rel.plan->unique_key;
  sort->append_only = rel.plan->append_only;
  sort->inputs = {rel.plan};
  return sort;
}

absl::StatusOr<PlanPtr> StatementBinder::BindLimit(const ast::Query& q,
                                                   const PlanPtr& input) {
  ExprContext ctx{nullptr, Clause::kLimit, nullptr, nullptr, nullptr};
  WEIR_ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*q.limit, ctx));
  absl::StatusOr<Value> v =
      b->IsConstant() && b->type.IsInteger()
          ? expr::EvaluateConstant(*b)
          : absl::StatusOr<Value>(absl::InvalidArgumentError("x"));
  if (!v.ok() || v->is_null() || v->integer() < 0) {
    return SqlError(q.limit->span, "LIMIT needs a non-negative integer");
  }
  auto limit = std::make_shared<LimitNode>();
  limit->limit = v->integer();
  PassThrough(input, limit.get());
  return limit;
}

}  // namespace weir::sql::internal
