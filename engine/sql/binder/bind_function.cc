// Function calls: scalar functions (through BindCall), aggregates (collected
// for the GROUP BY being bound) and the window functions of top-N queries.

#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/base/strings.h"
#include "engine/expr/functions.h"
#include "engine/sql/binder/binder_internal.h"
#include "fmt/format.h"

namespace weir::sql::internal {

namespace {

std::optional<RankFn> RankFnOf(std::string_view upper) {
  if (upper == "ROW_NUMBER") return RankFn::kRowNumber;
  if (upper == "RANK") return RankFn::kRank;
  if (upper == "DENSE_RANK") return RankFn::kDenseRank;
  return std::nullopt;
}

}  // namespace

absl::StatusOr<BoundExprPtr> StatementBinder::BindFunction(
    const ast::FunctionExpr& e, ExprContext& ctx) {
  std::string name = AsciiUpper(e.name.name);
  if (name == "TUMBLE" || name == "HOP" || name == "SESSION") {
    return SqlError(e.name.span,
                    fmt::format("{} is a table function: use it in FROM, as in "
                                "FROM {}(bids, date_time, INTERVAL '1' MINUTE)",
                                name, name));
  }
  if (expr::IsWindowFunction(name)) return BindWindowFunction(e, name, ctx);
  if (e.over) {
    return SqlError(e.over->span,
                    fmt::format("OVER (...) is only supported with ROW_NUMBER, "
                                "RANK and DENSE_RANK, not {}",
                                name));
  }
  if (expr::IsAggregateFunction(name)) return BindAggregateCall(e, name, ctx);
  if (e.distinct) {
    return SqlError(
        e.span, fmt::format("DISTINCT is only allowed in aggregate functions, "
                            "not in {}",
                            name));
  }
  std::vector<BoundExprPtr> args;
  for (const auto& a : e.args) {
    if (a->kind == ast::ExprKind::kStar) {
      return SqlError(a->span,
                      fmt::format("'*' is not an argument of {}", name));
    }
    WEIR_ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*a, ctx));
    args.push_back(b);
  }
  return BindCall(name, std::move(args), e.span, e.name.span);
}

absl::StatusOr<BoundExprPtr> StatementBinder::BindWindowFunction(
    const ast::FunctionExpr& e, const std::string& name, ExprContext& ctx) {
  if (ctx.rank == nullptr) {
    return SqlError(e.name.span,
                    fmt::format("window function {}() is only allowed as a "
                                "whole select item, for top-N queries",
                                name));
  }
  if (!e.over) {
    return SqlError(e.span,
                    fmt::format("{}() needs an OVER (PARTITION BY ... ORDER BY "
                                "...) clause",
                                name));
  }
  if (!e.args.empty()) {
    return SqlError(e.args[0]->span,
                    fmt::format("{}() takes no arguments", name));
  }
  if (e.over->order_by.empty()) {
    return SqlError(e.over->span,
                    fmt::format("{}() OVER (...) needs ORDER BY to say "
                                "which rows come first",
                                name));
  }
  if (ctx.rank->has_value()) {
    return SqlError(e.span, "only one window function is allowed per SELECT");
  }
  RankUse use;
  use.fn = *RankFnOf(name);
  use.span = e.span;
  ExprContext inner{ctx.scope, Clause::kSelect, nullptr, nullptr, nullptr};
  for (const auto& p : e.over->partition_by) {
    WEIR_ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*p, inner));
    use.partition_by.push_back(b);
  }
  for (const auto& o : e.over->order_by) {
    WEIR_ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*o.expr, inner));
    use.order_by.push_back(b);
    use.descending.push_back(o.direction == ast::SortDirection::kDesc);
  }
  *ctx.rank = std::move(use);
  // The rank column is appended after the scope's columns.
  return expr::MakeColumn(static_cast<int>(ctx.scope->size()), AsciiLower(name),
                          LogicalType::Bigint(), false, e.span);
}

absl::StatusOr<BoundExprPtr> StatementBinder::BindAggregateCall(
    const ast::FunctionExpr& e, const std::string& name, ExprContext& ctx) {
  if (ctx.clause == Clause::kAggregateArg) {
    return SqlError(e.name.span, "aggregate functions cannot be nested");
  }
  if (ctx.aggregates == nullptr) {
    return SqlError(e.name.span,
                    fmt::format("aggregate function {} is not allowed in {}",
                                name, ClauseName(ctx.clause)));
  }
  bool star = e.args.size() == 1 && e.args[0]->kind == ast::ExprKind::kStar;
  if (star && name != "COUNT") {
    return SqlError(e.args[0]->span,
                    fmt::format("{}(*) is not allowed; only COUNT(*)", name));
  }
  ExprContext inner{ctx.scope, Clause::kAggregateArg, nullptr, nullptr,
                    nullptr};
  std::vector<BoundExprPtr> args;
  std::vector<LogicalType> types;
  if (!star) {
    for (const auto& a : e.args) {
      WEIR_ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*a, inner));
      types.push_back(b->type);
      args.push_back(b);
    }
  }
  absl::StatusOr<expr::ResolvedAggregate> r =
      expr::ResolveAggregate(name, types, e.distinct, star);
  if (!r.ok()) return Annotate(r.status(), e.name.span);
  // Shown as written, without the implicit casts of the arguments.
  std::string shown;
  for (size_t i = 0; i < args.size(); ++i) {
    shown += (i ? ", " : "") + args[i]->ToString();
  }
  for (size_t i = 0; i < args.size(); ++i)
    args[i] = CastTo(args[i], r->arg_types[i]);
  AggregateCall call;
  call.function = r->function;
  call.distinct = e.distinct;
  call.star = star;
  call.type = r->result;
  call.state = r->state;
  call.display = fmt::format("{}({}{})", name, e.distinct ? "DISTINCT " : "",
                             star ? "*" : shown);
  call.args = std::move(args);
  // Identical calls share one aggregate.
  int index = -1;
  for (size_t i = 0; i < ctx.aggregates->size(); ++i) {
    if ((*ctx.aggregates)[i].display == call.display)
      index = static_cast<int>(i);
  }
  if (index < 0) {
    index = static_cast<int>(ctx.aggregates->size());
    ctx.aggregates->push_back(std::move(call));
    if (ctx.aggregate_spans) ctx.aggregate_spans->push_back(e.span);
  }
  const AggregateCall& c = (*ctx.aggregates)[index];
  return expr::MakeColumn(kAggBase + index, c.display, c.type,
                          AggregateNullable(c), e.span);
}

}  // namespace weir::sql::internal
