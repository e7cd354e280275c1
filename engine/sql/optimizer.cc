#include "engine/sql/optimizer.h"

#include <type_traits>
#include <variant>

#include "engine/expr/functions.h"

namespace weir::sql {
namespace {

using expr::BoundExprKind;
using expr::BoundExprPtr;

bool Deterministic(const BoundExprPtr& e) {
  if (e->kind == BoundExprKind::kCall && !expr::IsDeterministic(e->function))
    return false;
  for (const auto& a : e->args) {
    if (!Deterministic(a)) return false;
  }
  return true;
}

/// Replaces deterministic constant subexpressions by their value.
BoundExprPtr Fold(const BoundExprPtr& e) {
  if (!e || e->kind == BoundExprKind::kLiteral ||
      e->kind == BoundExprKind::kColumn)
    return e;
  if (e->IsConstant() && Deterministic(e)) {
    absl::StatusOr<types::Value> v = expr::EvaluateConstant(*e);
    // Errors (1/0, a bad cast) and non-deterministic functions stay as they
    // are: the runtime evaluates them per row and reports errors there.
    if (v.ok() && v->type() == e->type) return expr::MakeLiteral(*v, e->span);
    if (v.ok() && v->is_null())
      return expr::MakeLiteral(types::Value::Null(e->type), e->span);
  }
  bool changed = false;
  std::vector<BoundExprPtr> args;
  for (const auto& a : e->args) {
    args.push_back(Fold(a));
    changed |= args.back() != a;
  }
  if (!changed) return e;
  auto copy = std::make_shared<expr::BoundExpr>(*e);
  copy->args = std::move(args);
  return copy;
}

bool IsTrue(const BoundExprPtr& e) {
  return e->kind == BoundExprKind::kLiteral && !e->value.is_null() &&
         e->type.id() == types::TypeId::kBoolean && e->value.boolean();
}

template <typename T>
std::shared_ptr<T> Copy(const PlanPtr& n) {
  return std::make_shared<T>(static_cast<const T&>(*n));
}

PlanPtr Rewrite(const PlanPtr& node);

/// Pushes the conjuncts of `pred` as far down `input` as they can go and
/// returns the new subtree (with any filter that could not move on top).
PlanPtr PushFilter(const PlanPtr& input, const BoundExprPtr& pred) {
  std::vector<BoundExprPtr> conjuncts;
  expr::SplitConjuncts(pred, &conjuncts);
  std::vector<BoundExprPtr> keep;
  for (const auto& c : conjuncts) {
    if (!IsTrue(c)) keep.push_back(c);
  }
  if (keep.empty()) return input;
  switch (input->kind) {
    case PlanKind::kFilter: {
      // Merge with the filter below.
      const auto& below = static_cast<const FilterNode&>(*input);
      std::vector<BoundExprPtr> all;
      expr::SplitConjuncts(below.predicate, &all);
      all.insert(all.end(), keep.begin(), keep.end());
      return PushFilter(input->inputs[0], expr::MakeAnd(all));
    }
    case PlanKind::kProject: {
      const auto& p = static_cast<const ProjectNode&>(*input);
      std::vector<BoundExprPtr> down, stay;
      for (const auto& c : keep) {
        std::vector<int> cols;
        c->CollectColumns(&cols);
        bool ok = true;
        for (int col : cols) ok &= Deterministic(p.exprs[col]);
        (ok ? down : stay).push_back(c);
      }
      if (down.empty()) return MakeFilterNode(input, expr::MakeAnd(keep));
      auto copy = Copy<ProjectNode>(input);
      copy->inputs = {PushFilter(
          input->inputs[0], expr::RemapColumns(expr::MakeAnd(down), p.exprs))};
      return stay.empty() ? PlanPtr(copy)
                          : MakeFilterNode(copy, expr::MakeAnd(stay));
    }
    case PlanKind::kWindow: {
      const int n = static_cast<int>(input->inputs[0]->schema.size());
      std::vector<BoundExprPtr> down, stay;
      for (const auto& c : keep) {
        std::vector<int> cols;
        c->CollectColumns(&cols);
        bool ok = true;
        for (int col : cols) ok &= col < n;
        (ok ? down : stay).push_back(c);
      }
      if (down.empty()) return MakeFilterNode(input, expr::MakeAnd(keep));
      auto copy = Copy<WindowNode>(input);
      copy->inputs = {PushFilter(input->inputs[0], expr::MakeAnd(down))};
      return stay.empty() ? PlanPtr(copy)
                          : MakeFilterNode(copy, expr::MakeAnd(stay));
    }
    case PlanKind::kJoin: {
      const auto& j = static_cast<const JoinNode&>(*input);
      const int nleft = static_cast<int>(input->inputs[0]->schema.size());
      // Only the preserved side(s) of an outer join may be filtered early.
      bool left_ok = j.join_type == 0 || j.join_type == 1;
      bool right_ok = j.join_type == 0 || j.join_type == 2;
      std::vector<BoundExprPtr> left, right, stay;
      for (const auto& c : keep) {
        std::vector<int> cols;
        c->CollectColumns(&cols);
        bool l = false, r = false;
        for (int col : cols) (col < nleft ? l : r) = true;
        if (l && !r && left_ok) {
          left.push_back(c);
        } else if (r && !l && right_ok) {
          right.push_back(expr::ShiftColumns(c, -nleft));
        } else {
          stay.push_back(c);
        }
      }
      if (left.empty() && right.empty())
        return MakeFilterNode(input, expr::MakeAnd(keep));
      auto copy = Copy<JoinNode>(input);
      if (!left.empty())
        copy->inputs[0] = PushFilter(input->inputs[0], expr::MakeAnd(left));
      if (!right.empty())
        copy->inputs[1] = PushFilter(input->inputs[1], expr::MakeAnd(right));
      return stay.empty() ? PlanPtr(copy)
                          : MakeFilterNode(copy, expr::MakeAnd(stay));
    }
    case PlanKind::kUnion: {
      auto copy = Copy<UnionNode>(input);
      for (auto& in : copy->inputs) in = PushFilter(in, expr::MakeAnd(keep));
      return copy;
    }
    default:
      return MakeFilterNode(input, expr::MakeAnd(keep));
  }
}

PlanPtr Rewrite(const PlanPtr& node) {
  // Inputs first.
  std::vector<PlanPtr> inputs;
  bool changed = false;
  for (const auto& in : node->inputs) {
    inputs.push_back(Rewrite(in));
    changed |= inputs.back() != in;
  }
  switch (node->kind) {
    case PlanKind::kFilter: {
      const auto& f = static_cast<const FilterNode&>(*node);
      return PushFilter(inputs[0], Fold(f.predicate));
    }
    case PlanKind::kProject: {
      // A projection that passes its input through unchanged disappears.
      const auto& p = static_cast<const ProjectNode&>(*node);
      bool identity = p.schema == inputs[0]->schema;
      for (size_t i = 0; identity && i < p.exprs.size(); ++i) {
        identity = p.exprs[i]->kind == BoundExprKind::kColumn &&
                   p.exprs[i]->column == static_cast<int>(i);
      }
      if (identity) return inputs[0];
      auto copy = Copy<ProjectNode>(node);
      copy->inputs = inputs;
      // Two projections in a row become one, when the inner one computes
      // nothing that must not be repeated (a clock read).
      if (inputs[0]->kind == PlanKind::kProject) {
        const auto& inner = static_cast<const ProjectNode&>(*inputs[0]);
        bool mergeable = true;
        for (const auto& e : inner.exprs) mergeable &= Deterministic(e);
        if (mergeable) {
          for (auto& e : copy->exprs) e = expr::RemapColumns(e, inner.exprs);
          copy->inputs = inner.inputs;
        }
      }
      for (auto& e : copy->exprs) e = Fold(e);
      // The merged projection may now pass its input through unchanged.
      bool passes = copy->schema == copy->inputs[0]->schema;
      for (size_t i = 0; passes && i < copy->exprs.size(); ++i) {
        passes = copy->exprs[i]->kind == BoundExprKind::kColumn &&
                 copy->exprs[i]->column == static_cast<int>(i);
      }
      if (passes) return copy->inputs[0];
      return copy;
    }
    case PlanKind::kJoin: {
      auto copy = Copy<JoinNode>(node);
      if (copy->condition) copy->condition = Fold(copy->condition);
      copy->inputs = inputs;
      return copy;
    }
    case PlanKind::kValues: {
      auto copy = Copy<ValuesNode>(node);
      for (auto& row : copy->rows) {
        for (auto& e : row) e = Fold(e);
      }
      return copy;
    }
    default:
      break;
  }
  if (!changed) return node;
  return CopyWithInputs(*node, std::move(inputs));
}

}  // namespace

PlanPtr Optimize(const PlanPtr& plan) { return Rewrite(plan); }

void Optimize(BoundStatement* statement) {
  std::visit(
      [](auto& s) {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, BoundExplain>) {
          Optimize(s.statement.get());
        } else if constexpr (requires { s.plan; }) {
          s.plan = Optimize(s.plan);
        }
      },
      statement->kind);
}

}  // namespace weir::sql
