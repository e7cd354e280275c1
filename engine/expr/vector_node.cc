#include "engine/expr/vector_node.h"

#include <fmt/format.h>

#include "engine/base/status.h"

namespace weir::expr::internal {

absl::Status VectorNode::LoopStatus(EvalContext& ctx, Rows rows, size_t stop,
                                    const absl::Status& error,
                                    std::span<const Vec> args) const {
  if (stop >= rows.size()) return absl::OkStatus();
  return RowError(ctx, rows[stop], error.code(), error.message(), args);
}

absl::Status VectorNode::RowError(EvalContext& ctx, uint32_t r,
                                  absl::StatusCode code,
                                  absl::string_view message,
                                  std::span<const Vec> args) const {
  ctx.error_row = r;
  if (!ctx.annotate_errors) return absl::Status(code, message);
  std::string text =
      fmt::format("{} in {}", std::string(message), expr_->ToString());
  if (!args.empty()) {
    std::string shown;
    for (const Vec& a : args) {
      if (!shown.empty()) shown += ", ";
      shown += ValueAt(a, r).ToSqlLiteral();
    }
    text += fmt::format(" [arguments: {}]", shown);
  }
  return absl::Status(code, text);
}

absl::Status EvalChildren(const std::vector<NodePtr>& children,
                          EvalContext& ctx, Rows rows, std::vector<Vec>* out) {
  out->resize(children.size());
  for (size_t i = 0; i < children.size(); ++i) {
    WEIR_RETURN_IF_ERROR(children[i]->Eval(ctx, rows, &(*out)[i]));
  }
  return absl::OkStatus();
}

}  // namespace weir::expr::internal
