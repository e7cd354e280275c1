#include "engine/exec/operators.h"

#include <algorithm>

#include "engine/base/status.h"

namespace weir::exec {

using sql::PlanKind;

namespace {

/// Narrows each batch to the rows where the predicate is TRUE.
class FilterOperator : public Operator {
 public:
  FilterOperator(std::shared_ptr<const expr::CompiledExpr> predicate,
                 RowErrorFn row_error)
      : predicate_(std::move(predicate)), row_error_(row_error) {}
  absl::Status AddInput(types::Batch batch) override {
    size_t row = 0;
    absl::Status st = predicate_->Filter(&batch, &row);
    if (!st.ok()) return row_error_(*predicate_, batch, row, st);
    if (batch.num_selected() == 0) return absl::OkStatus();
    return Emit(std::move(batch));
  }

 private:
  std::shared_ptr<const expr::CompiledExpr> predicate_;
  RowErrorFn row_error_;
};

/// Computes the output columns; keeps the input's selection and changes.
class ProjectOperator : public Operator {
 public:
  ProjectOperator(std::vector<std::shared_ptr<const expr::CompiledExpr>> exprs,
                  std::shared_ptr<const types::Schema> schema,
                  RowErrorFn row_error)
      : exprs_(std::move(exprs)),
        schema_(std::move(schema)),
        row_error_(row_error) {}
  absl::Status AddInput(types::Batch batch) override {
    types::Batch out(schema_);
    for (size_t i = 0; i < exprs_.size(); ++i) {
      size_t row = 0;
      absl::Status st = exprs_[i]->Evaluate(batch, &out.column(i), &row);
      if (!st.ok()) return row_error_(*exprs_[i], batch, row, st);
    }
    out.SetNumRows(batch.num_rows());
    out.SetChanges(batch.changes());
    if (batch.has_selection()) out.SetSelection(batch.selection());
    return Emit(std::move(out));
  }

 private:
  std::vector<std::shared_ptr<const expr::CompiledExpr>> exprs_;
  std::shared_ptr<const types::Schema> schema_;
  RowErrorFn row_error_;
};

/// The top of a UNION ALL branch in a task: relabels the branch's batches
/// with the union's schema (same column types, the first branch's names)
/// by moving the columns over, so operators and outputs above the union
/// see one schema whichever branch a row came from.
class UnionInputOperator : public Operator {
 public:
  explicit UnionInputOperator(std::shared_ptr<const types::Schema> schema)
      : schema_(std::move(schema)) {}
  absl::Status AddInput(types::Batch batch) override {
    types::Batch out(schema_);
    for (size_t i = 0; i < out.num_columns(); ++i)
      out.column(i) = std::move(batch.column(i));
    out.SetNumRows(batch.num_rows());
    out.SetChanges(batch.changes());
    if (batch.has_selection()) out.SetSelection(batch.selection());
    return Emit(std::move(out));
  }

 private:
  std::shared_ptr<const types::Schema> schema_;
};

/// A LIMIT shared by all tasks of a query: each task takes rows from one
/// atomic budget, so the query emits exactly `limit` rows in total.
class LimitOperator : public Operator {
 public:
  explicit LimitOperator(std::shared_ptr<std::atomic<int64_t>> budget)
      : budget_(std::move(budget)) {}
  absl::Status AddInput(types::Batch batch) override {
    int64_t want = static_cast<int64_t>(batch.num_selected());
    int64_t have = budget_->load();
    int64_t take = 0;
    while (have > 0) {
      take = std::min(have, want);
      if (budget_->compare_exchange_weak(have, have - take)) break;
    }
    if (have <= 0 || take == 0) return absl::OkStatus();
    if (take < want) {
      types::SelectionVector sel;
      if (batch.has_selection()) {
        sel.assign(batch.selection().begin(), batch.selection().begin() + take);
      } else {
        for (int64_t i = 0; i < take; ++i)
          sel.push_back(static_cast<uint32_t>(i));
      }
      batch.SetSelection(std::move(sel));
    }
    return Emit(std::move(batch));
  }
  bool Done() const override {
    return budget_->load() <= 0 || Operator::Done();
  }

 private:
  std::shared_ptr<std::atomic<int64_t>> budget_;
};

}  // namespace

absl::StatusOr<CompiledStep> CompileStep(const sql::PlanNode& node) {
  CompiledStep step;
  step.schema = std::make_shared<types::Schema>(node.schema);
  switch (node.kind) {
    case PlanKind::kFilter: {
      WEIR_ASSIGN_OR_RETURN(
          auto c, expr::CompiledExpr::Compile(
                      static_cast<const sql::FilterNode&>(node).predicate));
      step.exprs.push_back(std::move(c));
      break;
    }
    case PlanKind::kProject:
      for (const auto& e : static_cast<const sql::ProjectNode&>(node).exprs) {
        WEIR_ASSIGN_OR_RETURN(auto c, expr::CompiledExpr::Compile(e));
        step.exprs.push_back(std::move(c));
      }
      break;
    case PlanKind::kLimit:
      step.limit_budget = std::make_shared<std::atomic<int64_t>>(
          static_cast<const sql::LimitNode&>(node).limit);
      break;
    case PlanKind::kUnion:
      if (!static_cast<const sql::UnionNode&>(node).all)
        step.distinct = std::make_shared<DistinctRows>();
      break;
    default:
      break;
  }
  return step;
}

void MakeOperators(const sql::PlanNode& node, const CompiledStep& step,
                   RowErrorFn row_error,
                   std::vector<std::unique_ptr<Operator>>* out) {
  switch (node.kind) {
    case PlanKind::kFilter:
      out->push_back(
          std::make_unique<FilterOperator>(step.exprs[0], row_error));
      return;
    case PlanKind::kProject:
      out->push_back(std::make_unique<ProjectOperator>(step.exprs, step.schema,
                                                       row_error));
      return;
    case PlanKind::kLimit:
      out->push_back(std::make_unique<LimitOperator>(step.limit_budget));
      return;
    default:
      out->push_back(std::make_unique<UnionInputOperator>(step.schema));
      if (step.distinct)
        out->push_back(std::make_unique<DistinctOperator>(step.distinct));
      return;
  }
}

std::unique_ptr<Operator> MakeProjectOperator(
    std::vector<std::shared_ptr<const expr::CompiledExpr>> exprs,
    std::shared_ptr<const types::Schema> schema, RowErrorFn row_error) {
  return std::make_unique<ProjectOperator>(std::move(exprs), std::move(schema),
                                           row_error);
}

void Link(std::vector<std::unique_ptr<Operator>>& ops) {
  for (size_t k = 0; k + 1 < ops.size(); ++k)
    ops[k]->set_downstream(ops[k + 1].get());
}

}  // namespace weir::exec
