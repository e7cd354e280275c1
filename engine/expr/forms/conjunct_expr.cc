// AND and OR with SQL's three-valued logic (FALSE wins over NULL in AND,
// TRUE in OR). The right side is evaluated only over the rows the left side
// does not decide, which makes `x = 0 OR 10 / x > 1` safe.

#include <fmt/format.h>

#include <algorithm>
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
    // The decisive value: FALSE decides an AND, TRUE an OR.
    const int64_t decisive = is_and_ ? 0 : 1;
    Vec left;
    WEIR_RETURN_IF_ERROR(left_->Eval(ctx, rows, &left));
    // The rows the left side does not decide (the other value, or NULL),
    // gathered without a branch per row.
    RowList undecided(rows.size());
    size_t n = 0;
    if (left.physical == types::PhysicalType::kNull) {
      n = rows.size();
      std::copy(rows.begin(), rows.end(), undecided.begin());
    } else {
      const int64_t* l = left.Data<int64_t>();
      for (uint32_t r : rows) {
        undecided[n] = r;
        n += left.IsNull(r) || (l[left.Index(r)] != 0) != decisive;
      }
    }
    undecided.resize(n);
    Vec right;
    if (n > 0) WEIR_RETURN_IF_ERROR(right_->Eval(ctx, undecided, &right));
    out->Init(type());
    int64_t* o = out->Allocate<int64_t>(ctx.num_rows);
    for (uint32_t r : rows) o[r] = decisive;
    if (n == 0) return absl::OkStatus();
    const bool right_null = right.physical == types::PhysicalType::kNull;
    const int64_t* rv = right_null ? nullptr : right.Data<int64_t>();
    if (left.nulls == nullptr && right.nulls == nullptr && !right_null) {
      // The left side is the non-decisive value: the right side decides.
      for (uint32_t r : undecided) o[r] = rv[right.Index(r)] != 0;
      return absl::OkStatus();
    }
    // Three-valued: the right side's decisive value wins; two
    // non-decisive values give the other value; anything else is NULL.
    uint8_t* nulls = out->AllocateNulls(ctx.num_rows);
    for (uint32_t r : undecided) {
      const bool rn = right_null || right.IsNull(r);
      const int64_t b = rn ? 0 : rv[right.Index(r)] != 0;
      if (!rn && b == decisive) {
        o[r] = decisive;
      } else if (!rn && !left.IsNull(r)) {
        o[r] = b;
      } else {
        nulls[r] = 1;
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
