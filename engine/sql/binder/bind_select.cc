// One SELECT block: FROM and WHERE, the select list, top-N rankings and
// DISTINCT. GROUP BY and HAVING are in bind_aggregate.cc.

#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/base/strings.h"
#include "engine/expr/functions.h"
#include "engine/sql/binder/binder_internal.h"
#include "fmt/format.h"

namespace weir::sql::internal {

using expr::BoundExprKind;
using types::Value;

namespace {

std::string DefaultName(const ast::Expr& e) {
  if (e.kind == ast::ExprKind::kColumnRef) {
    return static_cast<const ast::ColumnRefExpr&>(e).name.parts.back().name;
  }
  if (e.kind == ast::ExprKind::kFunction) {
    return AsciiLower(static_cast<const ast::FunctionExpr&>(e).name.name);
  }
  if (e.kind == ast::ExprKind::kCast) {
    return DefaultName(*static_cast<const ast::CastExpr&>(e).operand);
  }
  return "?column?";
}

/// The ranking of a top-N query (ROW_NUMBER() OVER ...) over `input`: the
/// input's columns, then the rank.
PlanPtr MakeRankNode(const PlanPtr& input, const RankUse& rank) {
  auto r = std::make_shared<RankNode>();
  r->fn = rank.fn;
  r->partition_by = rank.partition_by;
  r->order_by = rank.order_by;
  r->descending = rank.descending;
  r->span = rank.span;
  r->inputs = {input};
  r->schema = input->schema;
  const char* rname = rank.fn == RankFn::kRowNumber ? "row_number"
                      : rank.fn == RankFn::kRank    ? "rank"
                                                    : "dense_rank";
  r->schema.Add({rname, LogicalType::Bigint(), false});
  r->append_only = false;
  // Rows are identified by their partition and rank.
  bool plain_partition = true;
  for (const auto& p : rank.partition_by) {
    if (p->kind != BoundExprKind::kColumn)
      plain_partition = false;
    else
      r->unique_key.push_back(p->column);
  }
  if (plain_partition)
    r->unique_key.push_back(static_cast<int>(input->schema.size()));
  else
    r->unique_key.clear();
  return r;
}

}  // namespace

absl::StatusOr<BoundRel> StatementBinder::BindFromWhere(
    const ast::SelectCore& core) {
  BoundRel rel;
  std::vector<BoundExprPtr> where_conjuncts;
  bool where_done = false;
  if (core.from) {
    if (core.from->kind == ast::TableRefKind::kJoin && core.where) {
      const auto& j = static_cast<const ast::JoinRef&>(*core.from);
      if (j.join_type == ast::JoinType::kCross && !j.condition) {
        // A comma join takes the WHERE conjuncts that join its sides.
        WEIR_ASSIGN_OR_RETURN(rel,
                              BindJoin(j, core.where.get(), &where_conjuncts));
        where_done = true;
      }
    }
    if (!where_done) {
      WEIR_ASSIGN_OR_RETURN(rel, BindTableRef(*core.from));
    }
  } else {
    // SELECT without FROM: the select list over one empty row.
    auto values = std::make_shared<ValuesNode>();
    values->rows.push_back({});
    rel.plan = values;
  }
  if (core.where && !where_done) {
    ExprContext ctx{&rel.columns, Clause::kWhere, nullptr, nullptr, nullptr};
    WEIR_ASSIGN_OR_RETURN(BoundExprPtr pred, BindPredicate(*core.where, ctx));
    expr::SplitConjuncts(pred, &where_conjuncts);
  }
  for (const auto& c : where_conjuncts) {
    // A filter on the rank of a subquery turns its ranking into top-N.
    bool used = false;
    WEIR_ASSIGN_OR_RETURN(PlanPtr limited, ApplyRankLimit(rel.plan, c, &used));
    rel.plan = used ? limited : MakeFilterNode(rel.plan, c);
  }
  return rel;
}

absl::StatusOr<SelectList> StatementBinder::BindSelectList(
    const ast::SelectCore& core, const BoundRel& rel) {
  SelectList list;
  for (const auto& item : core.items) {
    if (item.expr->kind == ast::ExprKind::kStar) {
      // `*` or `alias.*`: the matching columns in scope.
      const auto& star = static_cast<const ast::StarExpr&>(*item.expr);
      bool any = false;
      for (size_t i = 0; i < rel.columns.size(); ++i) {
        const ScopeColumn& c = rel.columns[i];
        if (star.qualifier &&
            !EqualsIgnoreCase(c.qualifier, star.qualifier->name))
          continue;
        if (!star.qualifier && c.merged_away) continue;
        list.items.push_back(expr::MakeColumn(static_cast<int>(i), c.name,
                                              c.type, c.nullable, item.span));
        list.names.push_back(c.name);
        list.spans.push_back(item.span);
        any = true;
      }
      if (!any) {
        return SqlError(item.span,
                        star.qualifier
                            ? fmt::format("unknown table or alias '{}'",
                                          star.qualifier->name)
                            : std::string("SELECT * needs a FROM clause"));
      }
      continue;
    }
    ExprContext ctx{&rel.columns, Clause::kSelect, &list.aggregates,
                    &list.aggregate_spans, &list.rank};
    WEIR_ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*item.expr, ctx));
    list.items.push_back(b);
    list.names.push_back(item.alias ? item.alias->name
                                    : DefaultName(*item.expr));
    list.spans.push_back(item.span);
  }
  return list;
}

absl::StatusOr<BoundRel> StatementBinder::BindSelect(
    const ast::SelectCore& core, const ast::Query& q) {
  WEIR_ASSIGN_OR_RETURN(BoundRel rel, BindFromWhere(core));
  WEIR_ASSIGN_OR_RETURN(SelectList list, BindSelectList(core, rel));
  bool aggregating = !core.group_by.empty() || !list.aggregates.empty() ||
                     core.having != nullptr;
  if (list.rank && aggregating) {
    return SqlError(list.rank->span,
                    "a window function cannot be combined with GROUP BY in the "
                    "same SELECT; aggregate in a subquery first");
  }
  PlanPtr plan = rel.plan;
  if (aggregating) {
    WEIR_ASSIGN_OR_RETURN(plan, BindAggregation(core, q, rel, &list));
  } else if (list.rank) {
    plan = MakeRankNode(plan, *list.rank);
  }
  // The projection.
  auto project = std::make_shared<ProjectNode>();
  project->exprs = list.items;
  project->inputs = {plan};
  BoundRel out;
  for (size_t i = 0; i < list.items.size(); ++i) {
    const BoundExprPtr& e = list.items[i];
    project->schema.Add({list.names[i], e->type, e->nullable});
    out.columns.push_back(
        {"", list.names[i], e->type, e->nullable, list.spans[i]});
  }
  DeriveProjectProps(*plan, project.get());
  out.plan = core.distinct ? MakeDistinctNode(project) : PlanPtr(project);
  out.sources = rel.sources;
  return out;
}

absl::StatusOr<PlanPtr> StatementBinder::ApplyRankLimit(
    const PlanPtr& plan, const BoundExprPtr& conjunct, bool* used) {
  *used = false;
  // Match `col <= N`, `col < N` or `col = 1` with col a column of `plan`.
  if (conjunct->kind != BoundExprKind::kCall || conjunct->args.size() != 2)
    return plan;
  const std::string& fn = conjunct->function;
  if (fn != "<=" && fn != "<" && fn != "=") return plan;
  const expr::BoundExpr* col = conjunct->args[0].get();
  while (col->kind == BoundExprKind::kCast) col = col->args[0].get();
  const auto& lit = conjunct->args[1];
  if (col->kind != BoundExprKind::kColumn || !lit->IsConstant()) return plan;
  absl::StatusOr<Value> v = expr::EvaluateConstant(*lit);
  if (!v.ok() || v->is_null() || !v->type().IsInteger()) return plan;
  int64_t n = v->integer();
  if (fn == "<") n -= 1;
  if (fn == "=" && n != 1) return plan;
  // Follow the column down through projections to a rank node.
  int column = col->column;
  std::vector<std::shared_ptr<const PlanNode>> chain;
  PlanPtr node = plan;
  while (node->kind == PlanKind::kProject) {
    const auto& p = static_cast<const ProjectNode&>(*node);
    const auto& e = p.exprs[column];
    if (e->kind != BoundExprKind::kColumn) return plan;
    column = e->column;
    chain.push_back(node);
    node = node->inputs[0];
  }
  if (node->kind != PlanKind::kRank) return plan;
  const auto& rank = static_cast<const RankNode&>(*node);
  if (column != static_cast<int>(rank.schema.size()) - 1 || rank.limit != 0)
    return plan;
  if (n < 1) {
    return SqlError(
        conjunct->span,
        "a top-N filter must keep at least one row (rn <= N with N >= 1)");
  }
  // Rebuild the chain over a copy of the ranking that keeps N rows.
  auto limited = std::make_shared<RankNode>(rank);
  limited->limit = n;
  PlanPtr rebuilt = limited;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    auto copy =
        std::make_shared<ProjectNode>(static_cast<const ProjectNode&>(**it));
    copy->inputs = {rebuilt};
    rebuilt = copy;
  }
  *used = true;
  return rebuilt;
}

}  // namespace weir::sql::internal
