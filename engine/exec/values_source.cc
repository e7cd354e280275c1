#include "engine/exec/values_source.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/expr/functions.h"

namespace weir::exec {
namespace {

using expr::BoundExprKind;
using expr::BoundExprPtr;
using types::Value;

/// `status` pointing at `span`, unless it already points somewhere.
absl::Status AtSpan(const absl::Status& status, const SourceSpan& span) {
  if (status.ok() || ErrorSpan(status)) return status;
  return SqlError(status.code(), span, std::string(status.message()));
}

/// Reads the clock through the runtime's own clock function, so constant
/// statements and running queries convert a reading the same way.
absl::StatusOr<Value> ReadClock() {
  BoundExprPtr now = expr::MakeCall(
      "CURRENT_TIMESTAMP", {}, types::LogicalType::TimestampOrDie(3), false);
  WEIR_ASSIGN_OR_RETURN(std::unique_ptr<expr::CompiledExpr> compiled,
                        expr::CompiledExpr::Compile(now));
  types::Batch one_row(std::make_shared<types::Schema>());
  one_row.AppendRow({});
  types::Column out;
  WEIR_RETURN_IF_ERROR(compiled->Evaluate(one_row, &out));
  return out.GetValue(0);
}

/// `e` with every clock call replaced by `now` in the call's type.
absl::StatusOr<BoundExprPtr> FixClock(const BoundExprPtr& e, const Value& now) {
  if (e->kind == BoundExprKind::kCall && e->args.empty() &&
      !expr::IsDeterministic(e->function) && e->type.IsTemporal()) {
    absl::StatusOr<Value> v = types::CastValue(now, e->type);
    if (!v.ok()) return AtSpan(v.status(), e->span);
    return expr::MakeLiteral(*std::move(v), e->span);
  }
  if (e->args.empty()) return e;
  auto copy = std::make_shared<expr::BoundExpr>(*e);
  for (auto& a : copy->args) {
    WEIR_ASSIGN_OR_RETURN(a, FixClock(a, now));
  }
  return BoundExprPtr(copy);
}

absl::StatusOr<sql::PlanPtr> Prepare(const sql::PlanPtr& node,
                                     const Value& now) {
  std::vector<sql::PlanPtr> inputs;
  for (const sql::PlanPtr& in : node->inputs) {
    WEIR_ASSIGN_OR_RETURN(sql::PlanPtr prepared, Prepare(in, now));
    inputs.push_back(std::move(prepared));
  }
  switch (node->kind) {
    case sql::PlanKind::kValues: {
      auto values = std::make_shared<sql::ValuesNode>(
          static_cast<const sql::ValuesNode&>(*node));
      for (auto& row : values->rows) {
        for (BoundExprPtr& cell : row) {
          WEIR_ASSIGN_OR_RETURN(BoundExprPtr fixed, FixClock(cell, now));
          absl::StatusOr<Value> v = expr::EvaluateConstant(*fixed);
          if (!v.ok()) return AtSpan(v.status(), cell->span);
          cell = expr::MakeLiteral(*std::move(v), cell->span);
        }
      }
      return values;
    }
    case sql::PlanKind::kProject: {
      auto project = std::make_shared<sql::ProjectNode>(
          static_cast<const sql::ProjectNode&>(*node));
      project->inputs = std::move(inputs);
      for (BoundExprPtr& e : project->exprs) {
        WEIR_ASSIGN_OR_RETURN(e, FixClock(e, now));
      }
      return project;
    }
    case sql::PlanKind::kFilter: {
      auto filter = std::make_shared<sql::FilterNode>(
          static_cast<const sql::FilterNode&>(*node));
      filter->inputs = std::move(inputs);
      WEIR_ASSIGN_OR_RETURN(filter->predicate,
                            FixClock(filter->predicate, now));
      return filter;
    }
    default:
      return sql::CopyWithInputs(*node, std::move(inputs));
  }
}

/// The rows of a VALUES node, handed out in order.
class ValuesSource final : public Source {
 public:
  explicit ValuesSource(std::vector<std::vector<Value>> rows)
      : rows_(std::move(rows)) {}

  absl::StatusOr<size_t> Next(types::Batch* out, size_t max_rows) override {
    size_t n = std::min(max_rows, rows_.size() - next_);
    for (size_t i = 0; i < n; ++i) out->AppendRow(rows_[next_++]);
    return n;
  }
  bool finished() const override { return next_ == rows_.size(); }
  std::optional<SourcePosition> checkpoint_position() const override {
    return SourcePosition{{0, static_cast<int64_t>(next_)}};
  }
  absl::Status StartAt(const SourcePosition& position) override {
    auto it = position.find(0);
    if (it != position.end())
      next_ = std::min(rows_.size(), static_cast<size_t>(
                                         std::max<int64_t>(it->second, 0)));
    return absl::OkStatus();
  }

 private:
  std::vector<std::vector<Value>> rows_;
  size_t next_ = 0;
};

}  // namespace

absl::StatusOr<sql::PlanPtr> PrepareConstantPlan(const sql::PlanPtr& plan) {
  WEIR_ASSIGN_OR_RETURN(Value now, ReadClock());
  return Prepare(plan, now);
}

absl::StatusOr<std::unique_ptr<Source>> OpenValuesSource(
    const sql::ValuesNode& node, std::shared_ptr<const types::Schema> schema) {
  std::vector<std::vector<Value>> rows;
  rows.reserve(node.rows.size());
  for (const auto& cells : node.rows) {
    if (cells.size() != schema->size()) {
      return absl::InternalError("a VALUES row does not match its schema");
    }
    std::vector<Value> row;
    row.reserve(cells.size());
    for (const BoundExprPtr& cell : cells) {
      absl::StatusOr<Value> v = expr::EvaluateConstant(*cell);
      if (!v.ok()) return AtSpan(v.status(), cell->span);
      row.push_back(*std::move(v));
    }
    rows.push_back(std::move(row));
  }
  return std::unique_ptr<Source>(new ValuesSource(std::move(rows)));
}

bool ReadsOnlyConstants(const sql::PlanNode& node) {
  if (node.kind == sql::PlanKind::kScan) return false;
  for (const sql::PlanPtr& in : node.inputs) {
    if (!ReadsOnlyConstants(*in)) return false;
  }
  return true;
}

absl::Status DataRowError(const expr::CompiledExpr&, const types::Batch&,
                          size_t, const absl::Status& error) {
  return error;
}

absl::Status StatementRowError(const expr::CompiledExpr& e,
                               const types::Batch& batch, size_t row,
                               const absl::Status& error) {
  if (row >= batch.num_rows()) return error;
  std::vector<BoundExprPtr> columns;
  columns.reserve(batch.num_columns());
  for (size_t c = 0; c < batch.num_columns(); ++c) {
    columns.push_back(expr::MakeLiteral(batch.column(c).GetValue(row)));
  }
  absl::StatusOr<Value> v =
      expr::EvaluateConstant(*expr::RemapColumns(e.source(), columns));
  if (v.ok() || v.status().code() != error.code()) return error;
  return AtSpan(v.status(), e.source()->span);
}

}  // namespace weir::exec
