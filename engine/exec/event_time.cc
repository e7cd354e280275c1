#include "engine/exec/event_time.h"

#include <algorithm>

#include "engine/base/status.h"
#include "engine/exec/watermark.h"
#include "engine/sql/binder.h"
#include "engine/sql/optimizer.h"
#include "engine/sql/parser.h"
#include "fmt/format.h"

namespace weir::exec {
namespace {

/// `name` as a quoted identifier.
std::string Quoted(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

/// Calls fn(partition, first row, end row) for each run.
template <typename Fn>
void ForEachRun(const types::Batch& batch,
                const std::vector<PartitionRows>& runs, Fn&& fn) {
  if (runs.empty()) {
    fn(0, size_t{0}, batch.num_rows());
    return;
  }
  size_t row = 0;
  for (const PartitionRows& run : runs) {
    const size_t end = std::min(batch.num_rows(), row + run.rows);
    fn(run.partition, row, end);
    row = end;
  }
}

/// The largest non-NULL value of `col` over rows [first, end), or
/// kNoWatermark.
int64_t MaxOf(const types::Column& col, size_t first, size_t end) {
  int64_t best = kNoWatermark;
  const int64_t* v = col.ints();
  if (!col.MayHaveNulls()) {
    for (size_t r = first; r < end; ++r) best = std::max(best, v[r]);
    return best;
  }
  for (size_t r = first; r < end; ++r) {
    if (!col.IsNull(r)) best = std::max(best, v[r]);
  }
  return best;
}

}  // namespace

absl::StatusOr<std::optional<EventTimeExpr>> EventTimeExpr::Compile(
    const catalog::Entry& entry) {
  if (!entry.watermark) return std::optional<EventTimeExpr>();
  const catalog::WatermarkInfo& wm = *entry.watermark;
  EventTimeExpr out;
  if (wm.delay_micros) {
    out.column_ = wm.column;
    out.delay_ = *wm.delay_micros;
    return std::optional<EventTimeExpr>(std::move(out));
  }
  // Bind the expression as a query over the entry alone would.
  auto internal = [&](const absl::Status& status) {
    return absl::InternalError(
        fmt::format("cannot compile the watermark of '{}' ({}): {}", entry.name,
                    wm.expr_text, std::string(status.message())));
  };
  auto catalog = catalog::NewInMemoryCatalog();
  catalog::Entry copy = entry;
  copy.watermark.reset();
  if (absl::Status st = catalog->Create(copy, false); !st.ok())
    return internal(st);
  const std::string text = fmt::format("SELECT {} FROM {} EMIT CHANGES",
                                       wm.expr_text, Quoted(entry.name));
  auto stmt = sql::ParseStatement(text);
  if (!stmt.ok()) return internal(stmt.status());
  auto bound = sql::Binder(*catalog).Bind(**stmt, text);
  if (!bound.ok()) return internal(bound.status());
  const auto* query = std::get_if<sql::BoundQuery>(&bound->kind);
  if (query == nullptr) return internal(absl::InternalError("not a query"));
  sql::PlanPtr plan = sql::Optimize(query->plan);
  const sql::ProjectNode* project = nullptr;
  sql::ForEachNode(plan, [&](const sql::PlanNode& n) {
    if (n.kind == sql::PlanKind::kProject && project == nullptr)
      project = static_cast<const sql::ProjectNode*>(&n);
  });
  if (project == nullptr || project->exprs.size() != 1)
    return internal(absl::InternalError("no projection"));
  auto compiled = expr::CompiledExpr::Compile(project->exprs[0]);
  if (!compiled.ok()) return internal(compiled.status());
  out.expr_ = std::move(*compiled);
  return std::optional<EventTimeExpr>(std::move(out));
}

absl::Status EventTimeExpr::Observe(
    const types::Batch& batch, const std::vector<PartitionRows>& runs,
    const std::function<void(int32_t, int64_t)>& observe) const {
  if (batch.num_rows() == 0) return absl::OkStatus();
  if (expr_ == nullptr) {
    const types::Column& col = batch.column(static_cast<size_t>(column_));
    ForEachRun(batch, runs, [&](int32_t p, size_t first, size_t end) {
      int64_t best = MaxOf(col, first, end);
      if (best != kNoWatermark) {
        int64_t wm = 0;
        best =
            __builtin_sub_overflow(best, delay_, &wm) ? kNoWatermark + 1 : wm;
      }
      observe(p, best);
    });
    return absl::OkStatus();
  }
  types::Column values;
  WEIR_RETURN_IF_ERROR(expr_->Evaluate(batch, &values));
  ForEachRun(batch, runs, [&](int32_t p, size_t first, size_t end) {
    observe(p, MaxOf(values, first, end));
  });
  return absl::OkStatus();
}

}  // namespace weir::exec
