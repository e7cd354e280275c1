// CASE WHEN c1 THEN v1 ... ELSE e END, IF(c, a, b) (CASE with one branch)
// and COALESCE(a, b, ...). Each branch is evaluated only over the rows that
// reach it, so a branch's errors (1 / 0) only count for those rows. Branch
// values are cast to the result type at compile time.

#include <fmt/format.h>

#include <utility>

#include "engine/base/status.h"
#include "engine/expr/vector_node.h"

namespace weir::expr::internal {
namespace {

class CaseNode final : public VectorNode {
 public:
  CaseNode(BoundExprPtr expr, std::vector<NodePtr> whens,
           std::vector<NodePtr> thens, NodePtr otherwise)
      : VectorNode(std::move(expr)),
        whens_(std::move(whens)),
        thens_(std::move(thens)),
        else_(std::move(otherwise)) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    out->Init(type());
    out->AllocateAll(ctx.num_rows);
    RowList remaining(rows.begin(), rows.end());
    RowList chosen, rest;
    for (size_t i = 0; i < whens_.size() && !remaining.empty(); ++i) {
      Vec cond;
      WEIR_RETURN_IF_ERROR(whens_[i]->Eval(ctx, remaining, &cond));
      chosen.clear();
      rest.clear();
      for (uint32_t r : remaining) {
        (TriboolAt(cond, r) == types::Tribool::kTrue ? chosen : rest)
            .push_back(r);
      }
      if (!chosen.empty()) {
        Vec value;
        WEIR_RETURN_IF_ERROR(thens_[i]->Eval(ctx, chosen, &value));
        CopyRows(value, chosen, out);
      }
      remaining.swap(rest);
    }
    if (remaining.empty()) return absl::OkStatus();
    if (else_ != nullptr) {
      Vec value;
      WEIR_RETURN_IF_ERROR(else_->Eval(ctx, remaining, &value));
      CopyRows(value, remaining, out);
    } else if (out->physical != types::PhysicalType::kNull) {
      for (uint32_t r : remaining) out->null_buf[r] = 1;
    }
    return absl::OkStatus();
  }

 private:
  std::vector<NodePtr> whens_;
  std::vector<NodePtr> thens_;
  NodePtr else_;  // may be null: NULL
};

/// COALESCE: argument i is evaluated only over the rows where every earlier
/// argument was NULL.
class CoalesceNode final : public VectorNode {
 public:
  CoalesceNode(BoundExprPtr expr, std::vector<NodePtr> children)
      : VectorNode(std::move(expr)), children_(std::move(children)) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    out->Init(type());
    out->AllocateAll(ctx.num_rows);
    RowList remaining(rows.begin(), rows.end()), still_null;
    for (const NodePtr& child : children_) {
      if (remaining.empty()) break;
      Vec value;
      WEIR_RETURN_IF_ERROR(child->Eval(ctx, remaining, &value));
      CopyRows(value, remaining, out);
      still_null.clear();
      for (uint32_t r : remaining) {
        if (value.IsNull(r)) still_null.push_back(r);
      }
      remaining.swap(still_null);
    }
    return absl::OkStatus();
  }

 private:
  std::vector<NodePtr> children_;
};

}  // namespace

absl::StatusOr<NodePtr> CompileCase(const BoundExprPtr& e,
                                    const CompileOptions& options) {
  std::vector<NodePtr> whens, thens;
  size_t i = 0;
  for (; i + 1 < e->args.size(); i += 2) {
    WEIR_ASSIGN_OR_RETURN(NodePtr w, CompileNode(e->args[i], options));
    WEIR_ASSIGN_OR_RETURN(NodePtr t,
                          CompileAs(e->args[i + 1], e->type, options));
    whens.push_back(std::move(w));
    thens.push_back(std::move(t));
  }
  NodePtr otherwise;
  if (i < e->args.size()) {
    WEIR_ASSIGN_OR_RETURN(otherwise, CompileAs(e->args[i], e->type, options));
  }
  return Make<CaseNode>(e, std::move(whens), std::move(thens),
                        std::move(otherwise));
}

absl::StatusOr<NodePtr> CompileIf(const BoundExprPtr& e,
                                  const CompileOptions& options) {
  if (e->args.size() != 3) {
    return absl::InvalidArgumentError(fmt::format(
        "IF takes 3 arguments, got {}: {}", e->args.size(), e->ToString()));
  }
  std::vector<NodePtr> whens, thens;
  WEIR_ASSIGN_OR_RETURN(NodePtr c, CompileNode(e->args[0], options));
  WEIR_ASSIGN_OR_RETURN(NodePtr a, CompileAs(e->args[1], e->type, options));
  WEIR_ASSIGN_OR_RETURN(NodePtr b, CompileAs(e->args[2], e->type, options));
  whens.push_back(std::move(c));
  thens.push_back(std::move(a));
  return Make<CaseNode>(e, std::move(whens), std::move(thens), std::move(b));
}

absl::StatusOr<NodePtr> CompileCoalesce(const BoundExprPtr& e,
                                        const CompileOptions& options) {
  std::vector<NodePtr> children;
  for (const auto& a : e->args) {
    WEIR_ASSIGN_OR_RETURN(NodePtr c, CompileAs(a, e->type, options));
    children.push_back(std::move(c));
  }
  return Make<CoalesceNode>(e, std::move(children));
}

}  // namespace weir::expr::internal
