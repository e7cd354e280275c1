// AND and OR with SQL's three-valued logic (FALSE wins over NULL in AND,
// TRUE in OR). The right side is evaluated only over the rows the left side
// does not decide, which makes `x = 0 OR 10 / x > 1` safe.

#include <fmt/format.h>

#include <utility>

#include "engine/base/status.h"
#include "engine/expr/vector_node.h"

namespace weir::expr::internal {
namespace {

class ConjunctNode final : public VectorNode {
 public:
  ConjunctNode(BoundExprPtr expr, bool is_and, NodePtr left, NodePtr right)
      : VectorNode(std::move(expr)),
        is_and_(is_and),
        left_(std::move(left)),
        right_(std::move(right)) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    const types::Tribool decisive =
        is_and_ ? types::Tribool::kFalse : types::Tribool::kTrue;
    Vec left;
    WEIR_RETURN_IF_ERROR(left_->Eval(ctx, rows, &left));
    RowList undecided;
    undecided.reserve(rows.size());
    for (uint32_t r : rows) {
      if (TriboolAt(left, r) != decisive) undecided.push_back(r);
    }
    Vec right;
    if (!undecided.empty()) {
      WEIR_RETURN_IF_ERROR(right_->Eval(ctx, undecided, &right));
    }
    out->Init(type());
    int64_t* o = out->Allocate<int64_t>(ctx.num_rows);
    uint8_t* nulls = out->AllocateNulls(ctx.num_rows);
    const int64_t decisive_value = is_and_ ? 0 : 1;
    for (uint32_t r : rows) o[r] = decisive_value;
    for (uint32_t r : undecided) {
      types::Tribool a = TriboolAt(left, r), b = TriboolAt(right, r);
      types::Tribool t = is_and_ ? types::And(a, b) : types::Or(a, b);
      if (t == types::Tribool::kUnknown) {
        nulls[r] = 1;
      } else {
        o[r] = t == types::Tribool::kTrue;
      }
    }
    return absl::OkStatus();
  }

 private:
  bool is_and_;
  NodePtr left_;
  NodePtr right_;
};

}  // namespace

absl::StatusOr<NodePtr> CompileConjunct(const BoundExprPtr& e, bool is_and,
                                        const CompileOptions& options) {
  if (e->args.size() != 2) {
    return absl::InvalidArgumentError(
        fmt::format("{} takes 2 arguments, got {}: {}", e->function,
                    e->args.size(), e->ToString()));
  }
  WEIR_ASSIGN_OR_RETURN(NodePtr l, CompileNode(e->args[0], options));
  WEIR_ASSIGN_OR_RETURN(NodePtr r, CompileNode(e->args[1], options));
  return Make<ConjunctNode>(e, is_and, std::move(l), std::move(r));
}

}  // namespace weir::expr::internal
