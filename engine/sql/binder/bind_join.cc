// Joins: the join keys and interval bounds a stream join needs, USING and
// comma joins, and the key and changelog mode of the join's output.

#include <algorithm>

#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/base/strings.h"
#include "engine/expr/functions.h"
#include "engine/sql/binder/binder_internal.h"
#include "fmt/format.h"

namespace weir::sql::internal {

using expr::BoundExprKind;
using types::TypeId;
using types::Value;

std::optional<std::pair<int, int64_t>> TimeOperand(const BoundExprPtr& e) {
  const expr::BoundExpr* x = e.get();
  while (x->kind == BoundExprKind::kCast &&
         x->type.id() == TypeId::kTimestamp) {
    x = x->args[0].get();
  }
  if (x->kind == BoundExprKind::kColumn)
    return std::make_pair(x->column, int64_t{0});
  if (x->kind == BoundExprKind::kCall &&
      (x->function == "+" || x->function == "-") && x->args.size() == 2 &&
      x->args[1]->IsConstant() && x->args[1]->type.id() == TypeId::kInterval) {
    auto inner = TimeOperand(x->args[0]);
    if (!inner) return std::nullopt;
    absl::StatusOr<Value> v = expr::EvaluateConstant(*x->args[1]);
    if (!v.ok() || v->is_null() || v->interval().months != 0)
      return std::nullopt;
    int64_t d = v->interval().micros;
    inner->second += x->function == "+" ? d : -d;
    return inner;
  }
  return std::nullopt;
}

namespace {

/// Which sides of a join (left columns first) an expression reads.
std::pair<bool, bool> SidesOf(const BoundExprPtr& e, int nleft) {
  std::vector<int> cols;
  e->CollectColumns(&cols);
  bool l = false, r = false;
  for (int c : cols) (c < nleft ? l : r) = true;
  return {l, r};
}

/// A join's conjuncts sorted by use: equality keys, event-time bounds
/// (left.time - right.time in [lower, upper]) and the rest.
struct JoinConditions {
  std::vector<std::pair<int, int>> equi_keys;  // (left col, right col)
  std::vector<BoundExprPtr> residual;
  std::vector<BoundExprPtr> time_conjuncts;  // kept if no interval join
  std::optional<int64_t> lower, upper;
  int left_time = -1;
  int right_time = -1;
};

/// `left.col = right.col` (through casts): adds the key and says so.
bool TakeEquiKey(const BoundExprPtr& c, int nleft, JoinConditions* out) {
  if (c->function != "=") return false;
  const expr::BoundExpr* x = c->args[0].get();
  const expr::BoundExpr* y = c->args[1].get();
  while (x->kind == BoundExprKind::kCast) x = x->args[0].get();
  while (y->kind == BoundExprKind::kCast) y = y->args[0].get();
  if (x->kind != BoundExprKind::kColumn || y->kind != BoundExprKind::kColumn ||
      (x->column < nleft) == (y->column < nleft)) {
    return false;
  }
  int lc = std::min(x->column, y->column);
  int rc = std::max(x->column, y->column) - nleft;
  out->equi_keys.push_back({lc, rc});
  // A key compared across types is also checked as written.
  if (x->type != y->type) out->residual.push_back(c);
  return true;
}

/// `left.time OP right.time + offset` on the inputs' event-time columns:
/// narrows the time bounds and says so.
bool TakeTimeBound(const BoundExprPtr& c, int nleft, const PlanNode& left,
                   const PlanNode& right, JoinConditions* out) {
  const std::string& fn = c->function;
  if (fn != ">=" && fn != ">" && fn != "<=" && fn != "<") return false;
  auto ta = TimeOperand(c->args[0]);
  auto tb = TimeOperand(c->args[1]);
  if (!ta || !tb || (ta->first < nleft) == (tb->first < nleft)) return false;
  // Normalize to: left.time OP right.time + offset.
  bool a_left = ta->first < nleft;
  auto l = a_left ? *ta : *tb;
  auto r = a_left ? *tb : *ta;
  std::string op = fn;
  if (!a_left)
    op = op == ">=" ? "<=" : op == ">" ? "<" : op == "<=" ? ">=" : ">";
  int64_t offset = r.second - l.second;
  const auto& lcol = left.event_time;
  const auto& rcol = right.event_time;
  bool time_attrs =
      lcol && rcol && *lcol == l.first && *rcol == r.first - nleft;
  if (!time_attrs ||
      (out->left_time >= 0 &&
       (out->left_time != l.first || out->right_time != r.first - nleft))) {
    return false;
  }
  out->left_time = l.first;
  out->right_time = r.first - nleft;
  if (op == ">=" || op == ">") {
    out->lower = out->lower ? std::max(*out->lower, offset) : offset;
  } else {
    out->upper = out->upper ? std::min(*out->upper, offset) : offset;
  }
  out->time_conjuncts.push_back(c);
  // Strict bounds (< and >) stay in the residual condition too.
  if (op == ">" || op == "<") out->residual.push_back(c);
  return true;
}

JoinConditions ClassifyJoinConjuncts(const std::vector<BoundExprPtr>& conjuncts,
                                     int nleft, const PlanNode& left,
                                     const PlanNode& right) {
  JoinConditions out;
  for (const auto& c : conjuncts) {
    auto [uses_l, uses_r] = SidesOf(c, nleft);
    if (c->kind == BoundExprKind::kCall && c->args.size() == 2 && uses_l &&
        uses_r &&
        (TakeEquiKey(c, nleft, &out) ||
         TakeTimeBound(c, nleft, left, right, &out))) {
      continue;
    }
    out.residual.push_back(c);
  }
  return out;
}

/// The key of a join's output. When the join keys cover one side's unique
/// key, each row of the other side meets at most one row, so the other
/// side's key identifies output rows (not for FULL joins, which also emit
/// the unmatched side alone). Otherwise a row is identified by the keys of
/// both sides.
std::vector<int> JoinUniqueKey(const std::vector<std::pair<int, int>>& equi,
                               const std::vector<int>& lkey,
                               const std::vector<int>& rkey,
                               ast::JoinType effective, int nleft) {
  auto covers = [&](const std::vector<int>& key, bool right_side) {
    if (key.empty()) return false;
    for (int k : key) {
      bool found = false;
      for (auto [l, r] : equi) found |= (right_side ? r : l) == k;
      if (!found) return false;
    }
    return true;
  };
  std::vector<int> key;
  if (effective != ast::JoinType::kFull && effective != ast::JoinType::kRight &&
      covers(rkey, true) && !lkey.empty()) {
    key = lkey;
  } else if (effective != ast::JoinType::kFull &&
             effective != ast::JoinType::kLeft && covers(lkey, false) &&
             !rkey.empty()) {
    for (int k : rkey) key.push_back(k + nleft);
  } else if (!lkey.empty() && !rkey.empty()) {
    key = lkey;
    for (int k : rkey) key.push_back(k + nleft);
  }
  return key;
}

}  // namespace

absl::StatusOr<BoundRel> StatementBinder::MakeJoin(
    BoundRel left, BoundRel right, ast::JoinType type,
    std::vector<BoundExprPtr> conjuncts, const SourceSpan& span) {
  const int nleft = static_cast<int>(left.columns.size());
  JoinConditions cond =
      ClassifyJoinConjuncts(conjuncts, nleft, *left.plan, *right.plan);
  // A join a stream can run: on keys, or within event-time bounds.
  bool interval = cond.lower && cond.upper && left.plan->append_only &&
                  right.plan->append_only;
  if (cond.lower && cond.upper && *cond.lower > *cond.upper) {
    return SqlError(span,
                    "the join's time bounds are empty: the lower bound is "
                    "after the upper bound");
  }
  if (cond.equi_keys.empty() && !interval) {
    if (type == ast::JoinType::kCross && conjuncts.empty()) {
      return SqlError(
          span,
          "a streaming CROSS JOIN would keep every row of both inputs forever; "
          "join ON an equality (a.x = b.y) or a time bound "
          "(a.ts BETWEEN b.ts - INTERVAL '1' HOUR AND b.ts)");
    }
    return SqlError(span,
                    "a streaming join needs an equality between the two sides "
                    "(ON a.x = b.y) or a bound on their event times "
                    "(a.ts BETWEEN b.ts - INTERVAL '1' HOUR AND b.ts)");
  }
  if (!interval) {
    for (const auto& c : cond.time_conjuncts) {
      if (std::find(cond.residual.begin(), cond.residual.end(), c) ==
          cond.residual.end())
        cond.residual.push_back(c);
    }
  }
  auto node = std::make_shared<JoinNode>();
  node->equi_keys = cond.equi_keys;
  node->condition = expr::MakeAnd(cond.residual);
  if (interval) {
    node->join_kind = JoinKind::kInterval;
    node->left_time = cond.left_time;
    node->right_time = cond.right_time;
    node->lower_micros = *cond.lower;
    node->upper_micros = *cond.upper;
  }
  // A cross join with a condition is an inner join.
  ast::JoinType effective =
      type == ast::JoinType::kCross ? ast::JoinType::kInner : type;
  node->join_type = static_cast<int>(effective);
  // The columns: the left side's, then the right side's; an outer join's
  // other side may be NULL.
  bool left_nullable =
      effective == ast::JoinType::kRight || effective == ast::JoinType::kFull;
  bool right_nullable =
      effective == ast::JoinType::kLeft || effective == ast::JoinType::kFull;
  BoundRel rel;
  for (auto c : left.columns) {
    c.nullable |= left_nullable;
    rel.columns.push_back(c);
  }
  for (auto c : right.columns) {
    c.nullable |= right_nullable;
    rel.columns.push_back(c);
  }
  node->schema = SchemaOf(rel.columns);
  node->inputs = {left.plan, right.plan};
  if (interval) {
    node->append_only = true;
    node->event_time = left.plan->event_time;
    node->watermark_delay = left.plan->watermark_delay;
  } else {
    node->append_only = left.plan->append_only && right.plan->append_only &&
                        effective == ast::JoinType::kInner;
  }
  node->unique_key = JoinUniqueKey(node->equi_keys, left.plan->unique_key,
                                   right.plan->unique_key, effective, nleft);
  rel.plan = node;
  rel.sources = left.sources;
  rel.sources.insert(rel.sources.end(), right.sources.begin(),
                     right.sources.end());
  return rel;
}

absl::Status StatementBinder::BindUsing(const ast::JoinRef& ref,
                                        const std::vector<ScopeColumn>& scope,
                                        BoundRel* left, BoundRel* right,
                                        std::vector<BoundExprPtr>* conjuncts) {
  const int nleft = static_cast<int>(left->columns.size());
  for (const auto& u : ref.using_columns) {
    int l = -1, r = -1;
    for (int i = 0; i < static_cast<int>(scope.size()); ++i) {
      if (!EqualsIgnoreCase(scope[i].name, u.name)) continue;
      (i < nleft ? l : r) = i;
    }
    if (l < 0 || r < 0) {
      return SqlError(
          u.span,
          fmt::format("USING column '{}' must exist on both sides of the join",
                      u.name));
    }
    auto lc = expr::MakeColumn(l, scope[l].name, scope[l].type,
                               scope[l].nullable, u.span);
    auto rc = expr::MakeColumn(r, scope[r].name, scope[r].type,
                               scope[r].nullable, u.span);
    WEIR_ASSIGN_OR_RETURN(BoundExprPtr eq,
                          BindCall("=", {lc, rc}, u.span, u.span));
    conjuncts->push_back(eq);
    // USING merges the two columns: unqualified, the name means the left
    // one (the right one for a RIGHT join), and SELECT * shows it once.
    if (ref.join_type == ast::JoinType::kRight) {
      left->columns[l].merged_away = true;
    } else {
      right->columns[r - nleft].merged_away = true;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<BoundRel> StatementBinder::BindJoin(
    const ast::JoinRef& ref, const ast::Expr* extra_where,
    std::vector<BoundExprPtr>* leftover) {
  WEIR_ASSIGN_OR_RETURN(BoundRel left, BindTableRef(*ref.left));
  WEIR_ASSIGN_OR_RETURN(BoundRel right, BindTableRef(*ref.right));
  std::vector<ScopeColumn> scope = left.columns;
  scope.insert(scope.end(), right.columns.begin(), right.columns.end());
  const int nleft = static_cast<int>(left.columns.size());
  std::vector<BoundExprPtr> conjuncts;
  if (ref.condition) {
    ExprContext ctx{&scope, Clause::kOn, nullptr, nullptr, nullptr};
    WEIR_ASSIGN_OR_RETURN(BoundExprPtr cond,
                          BindPredicate(*ref.condition, ctx));
    expr::SplitConjuncts(cond, &conjuncts);
  }
  WEIR_RETURN_IF_ERROR(BindUsing(ref, scope, &left, &right, &conjuncts));
  if (extra_where && ref.join_type == ast::JoinType::kCross && !ref.condition) {
    // A comma join: WHERE conjuncts that use both sides join them.
    ExprContext ctx{&scope, Clause::kWhere, nullptr, nullptr, nullptr};
    WEIR_ASSIGN_OR_RETURN(BoundExprPtr where, BindPredicate(*extra_where, ctx));
    std::vector<BoundExprPtr> all;
    expr::SplitConjuncts(where, &all);
    for (const auto& c : all) {
      auto [l, r] = SidesOf(c, nleft);
      (l && r ? conjuncts : *leftover).push_back(c);
    }
  }
  return MakeJoin(std::move(left), std::move(right), ref.join_type,
                  std::move(conjuncts),
                  ref.condition ? ref.condition->span : ref.span);
}

}  // namespace weir::sql::internal
