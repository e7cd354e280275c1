// GROUP BY: group expressions, the aggregate node (windowed when grouping
// by a window's start and end), EMIT ON WINDOW CLOSE and ALLOWED LATENESS,
// HAVING, and the rewrite of the select list onto the aggregate's output.

#include <cstdlib>

#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/base/strings.h"
#include "engine/sql/binder/binder_internal.h"
#include "fmt/format.h"

namespace weir::sql::internal {

using expr::BoundExprKind;

namespace {

/// The groups of an aggregation and their text, which expressions over the
/// aggregate's input are matched against.
struct Groups {
  std::vector<BoundExprPtr> exprs;
  std::vector<std::string> text;
};

/// Rewrites an expression bound over the aggregate's input into one over
/// its output: group expressions become group columns, aggregate markers
/// aggregate columns; any other column is an error.
absl::StatusOr<BoundExprPtr> RewriteForAggregate(const BoundExprPtr& e,
                                                 const Groups& groups,
                                                 Clause clause) {
  std::string text = e->ToString();
  const int ngroups = static_cast<int>(groups.exprs.size());
  for (int i = 0; i < ngroups; ++i) {
    const BoundExprPtr& g = groups.exprs[i];
    if (e->kind != BoundExprKind::kLiteral && groups.text[i] == text &&
        g->type == e->type) {
      return expr::MakeColumn(
          i, g->kind == BoundExprKind::kColumn ? g->column_name : text, e->type,
          e->nullable, e->span);
    }
  }
  if (e->kind == BoundExprKind::kColumn) {
    if (e->column >= kAggBase) {
      return expr::MakeColumn(ngroups + e->column - kAggBase, e->column_name,
                              e->type, e->nullable, e->span);
    }
    return SqlError(
        e->span,
        fmt::format("column '{}' must appear in GROUP BY or be used in "
                    "an aggregate function ({})",
                    e->column_name, ClauseName(clause)));
  }
  if (e->args.empty()) return e;
  auto copy = std::make_shared<expr::BoundExpr>(*e);
  for (auto& a : copy->args) {
    WEIR_ASSIGN_OR_RETURN(a, RewriteForAggregate(a, groups, clause));
  }
  return BoundExprPtr(copy);
}

/// Adds the output columns of `agg->aggregates[from...]`.
void AddAggregateColumns(size_t from, AggregateNode* agg) {
  for (size_t i = from; i < agg->aggregates.size(); ++i) {
    const AggregateCall& a = agg->aggregates[i];
    agg->schema.Add({a.display, a.type, AggregateNullable(a)});
  }
}

}  // namespace

absl::StatusOr<std::vector<BoundExprPtr>> StatementBinder::BindGroupBy(
    const ast::SelectCore& core, const BoundRel& rel) {
  // Expressions, select aliases, or 1-based select positions.
  std::vector<BoundExprPtr> groups;
  for (const auto& g : core.group_by) {
    ExprContext ctx{&rel.columns, Clause::kGroupBy, nullptr, nullptr, nullptr};
    BoundExprPtr b;
    if (g->kind == ast::ExprKind::kLiteral &&
        static_cast<const ast::LiteralExpr&>(*g).literal_kind ==
            ast::LiteralKind::kInteger) {
      int64_t pos =
          std::atoll(static_cast<const ast::LiteralExpr&>(*g).text.c_str());
      if (pos < 1 || pos > static_cast<int64_t>(core.items.size())) {
        return SqlError(
            g->span,
            fmt::format("GROUP BY position {} is not in the select list "
                        "(1 to {})",
                        pos, core.items.size()));
      }
      const ast::Expr& target = *core.items[pos - 1].expr;
      WEIR_ASSIGN_OR_RETURN(b, BindExpr(target, ctx));
    } else {
      absl::StatusOr<BoundExprPtr> r = BindExpr(*g, ctx);
      if (!r.ok() && g->kind == ast::ExprKind::kColumnRef &&
          static_cast<const ast::ColumnRefExpr&>(*g).name.parts.size() == 1) {
        // Maybe a select alias.
        const std::string& n =
            static_cast<const ast::ColumnRefExpr&>(*g).name.parts[0].name;
        for (const auto& item : core.items) {
          if (item.alias && EqualsIgnoreCase(item.alias->name, n)) {
            r = BindExpr(*item.expr, ctx);
            break;
          }
        }
      }
      if (!r.ok()) return r.status();
      b = *r;
    }
    groups.push_back(b);
  }
  return groups;
}

absl::Status StatementBinder::ApplyEmitPolicy(const ast::Query& q,
                                              const BoundRel& rel,
                                              AggregateNode* agg) {
  const bool windowed = agg->window_start_group && agg->window_end_group;
  if (q.emit == ast::EmitMode::kOnWindowClose) {
    if (!windowed) {
      return SqlError(q.emit_span,
                      "EMIT ON WINDOW CLOSE needs a GROUP BY over window_start "
                      "and window_end of TUMBLE, HOP, CUMULATE or SESSION");
    }
    if (!rel.window_has_watermark) {
      return SqlError(
          q.emit_span,
          fmt::format("EMIT ON WINDOW CLOSE needs a watermark on the window's "
                      "time column '{}'; declare WATERMARK FOR {} AS ... on "
                      "the source",
                      rel.window_time_name, rel.window_time_name));
    }
    agg->emit = EmitPolicy::kOnWindowClose;
    // One final +I per window and group, never changed afterwards, whatever
    // the input: rows that would change a closed window are late.
    agg->append_only = true;
  }
  if (q.allowed_lateness) {
    if (!windowed || !rel.window_has_watermark) {
      return SqlError(
          q.allowed_lateness->span,
          "ALLOWED LATENESS needs a windowed aggregation over a column with "
          "a watermark");
    }
    ExprContext ctx{nullptr, Clause::kLateness, nullptr, nullptr, nullptr};
    WEIR_ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*q.allowed_lateness, ctx));
    WEIR_ASSIGN_OR_RETURN(int64_t m, ConstantMicros(b, "ALLOWED LATENESS"));
    if (m < 0)
      return SqlError(q.allowed_lateness->span,
                      "ALLOWED LATENESS must not be negative");
    agg->allowed_lateness_micros = m;
    // Final rows leave only when the watermark passes window_end plus the
    // lateness (EMIT ON WINDOW CLOSE), and updates of a window may come
    // that long after its end (the default), so downstream event time
    // trails by that much more: the operator forwards watermark - lateness.
    if (agg->watermark_delay) {
      agg->watermark_delay = *agg->watermark_delay + m;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<PlanPtr> StatementBinder::BindAggregation(
    const ast::SelectCore& core, const ast::Query& q, const BoundRel& rel,
    SelectList* list) {
  Groups groups;
  WEIR_ASSIGN_OR_RETURN(groups.exprs, BindGroupBy(core, rel));
  for (const auto& g : groups.exprs) groups.text.push_back(g->ToString());
  const PlanPtr& input = rel.plan;
  // Windowed aggregation: grouping by the window's start and end.
  auto agg = std::make_shared<AggregateNode>();
  for (size_t i = 0; i < groups.exprs.size(); ++i) {
    const BoundExprPtr& g = groups.exprs[i];
    if (g->kind != BoundExprKind::kColumn) continue;
    if (rel.window_start && g->column == *rel.window_start) {
      agg->window_start_group = static_cast<int>(i);
    }
    if (rel.window_end && g->column == *rel.window_end) {
      agg->window_end_group = static_cast<int>(i);
    }
  }
  bool windowed = agg->window_start_group && agg->window_end_group;
  if (rel.window_start && !windowed) {
    SourceSpan span =
        core.group_by.empty() ? core.span : core.group_by[0]->span;
    return SqlError(span,
                    "an aggregation over a window table function must GROUP BY "
                    "window_start and window_end");
  }
  // The node: one column per group, then one per aggregate.
  agg->window_fn = rel.window_fn;
  agg->groups = groups.exprs;
  agg->aggregates = list->aggregates;
  agg->retracting = !input->append_only;
  agg->inputs = {input};
  for (size_t i = 0; i < groups.exprs.size(); ++i) {
    const BoundExprPtr& g = groups.exprs[i];
    std::string n =
        g->kind == BoundExprKind::kColumn ? g->column_name : groups.text[i];
    agg->schema.Add({n, g->type, g->nullable});
    agg->unique_key.push_back(static_cast<int>(i));
  }
  AddAggregateColumns(0, agg.get());
  agg->append_only =
      list->aggregates.empty() && core.having == nullptr && input->append_only;
  // The output's watermark is window_end's only when the windows are on
  // the column the watermark is on; windows on another time column never
  // close, so their output has no watermark.
  if (windowed && input->event_time && rel.window_has_watermark) {
    agg->event_time = *agg->window_end_group;
    agg->watermark_delay = input->watermark_delay;
  }
  WEIR_RETURN_IF_ERROR(ApplyEmitPolicy(q, rel, agg.get()));
  // HAVING may use aggregates the select list does not: they join the node
  // before it is shared.
  BoundExprPtr having;
  if (core.having) {
    ExprContext ctx{&rel.columns, Clause::kHaving, &list->aggregates,
                    &list->aggregate_spans, nullptr};
    WEIR_ASSIGN_OR_RETURN(having, BindPredicate(*core.having, ctx));
    size_t known = agg->aggregates.size();
    agg->aggregates = list->aggregates;
    AddAggregateColumns(known, agg.get());
  }
  PlanPtr plan = agg;
  if (having) {
    WEIR_ASSIGN_OR_RETURN(having,
                          RewriteForAggregate(having, groups, Clause::kHaving));
    plan = MakeFilterNode(plan, having);
  }
  for (auto& item : list->items) {
    WEIR_ASSIGN_OR_RETURN(item,
                          RewriteForAggregate(item, groups, Clause::kSelect));
  }
  return plan;
}

}  // namespace weir::sql::internal
