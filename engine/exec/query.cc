#include "engine/exec/query.h"

#include <algorithm>

#include "engine/base/status.h"
#include "engine/expr/vector_eval.h"
#include "fmt/format.h"

namespace weir::exec {
namespace {

using sql::PlanKind;

/// Narrows each batch to the rows where the predicate is TRUE.
class FilterOperator : public Operator {
 public:
  explicit FilterOperator(std::shared_ptr<const expr::CompiledExpr> predicate)
      : predicate_(std::move(predicate)) {}
  absl::Status AddInput(types::Batch batch) override {
    WEIR_RETURN_IF_ERROR(predicate_->Filter(&batch));
    if (batch.num_selected() == 0) return absl::OkStatus();
    return Emit(std::move(batch));
  }

 private:
  std::shared_ptr<const expr::CompiledExpr> predicate_;
};

/// Computes the output columns; keeps the input's selection and changes.
class ProjectOperator : public Operator {
 public:
  ProjectOperator(std::vector<std::shared_ptr<const expr::CompiledExpr>> exprs,
                  std::shared_ptr<const types::Schema> schema)
      : exprs_(std::move(exprs)), schema_(std::move(schema)) {}
  absl::Status AddInput(types::Batch batch) override {
    types::Batch out(schema_);
    for (size_t i = 0; i < exprs_.size(); ++i) {
      WEIR_RETURN_IF_ERROR(exprs_[i]->Evaluate(batch, &out.column(i)));
    }
    out.SetNumRows(batch.num_rows());
    out.SetChanges(batch.changes());
    if (batch.has_selection()) out.SetSelection(batch.selection());
    return Emit(std::move(out));
  }

 private:
  std::vector<std::shared_ptr<const expr::CompiledExpr>> exprs_;
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
        for (int64_t i = 0; i < take; ++i) sel.push_back(static_cast<uint32_t>(i));
      }
      batch.SetSelection(std::move(sel));
    }
    return Emit(std::move(batch));
  }
  bool Done() const override { return budget_->load() <= 0 || Operator::Done(); }

 private:
  std::shared_ptr<std::atomic<int64_t>> budget_;
};

/// The end of every task's chain: hands compacted batches to the client.
class OutputOperator : public Operator {
 public:
  OutputOperator(BoundedQueue<types::Batch>* queue, const std::atomic<bool>* cancelled)
      : queue_(queue), cancelled_(cancelled) {}
  absl::Status AddInput(types::Batch batch) override {
    if (batch.has_selection()) batch = batch.Compact();
    if (batch.num_rows() == 0) return absl::OkStatus();
    queue_->Push(std::move(batch));  // blocks while the client is behind
    return absl::OkStatus();
  }
  bool Done() const override { return cancelled_->load(); }

 private:
  BoundedQueue<types::Batch>* queue_;
  const std::atomic<bool>* cancelled_;
};

/// The linear chain of a stateless plan, from the output down to its scan.
struct Chain {
  const sql::ScanNode* scan = nullptr;
  std::vector<const sql::PlanNode*> ops;  // bottom-up, above the scan
};

absl::StatusOr<Chain> LinearChain(const sql::PlanPtr& plan) {
  if (plan->kind != PlanKind::kOutput) {
    return absl::InvalidArgumentError("a physical plan starts at an output node");
  }
  Chain chain;
  const sql::PlanNode* node = plan->inputs[0].get();
  std::vector<const sql::PlanNode*> top_down;
  while (true) {
    switch (node->kind) {
      case PlanKind::kScan:
        chain.scan = static_cast<const sql::ScanNode*>(node);
        chain.ops.assign(top_down.rbegin(), top_down.rend());
        return chain;
      case PlanKind::kFilter:
      case PlanKind::kProject:
      case PlanKind::kLimit:
        top_down.push_back(node);
        node = node->inputs[0].get();
        break;
      case PlanKind::kUnion:
        return absl::UnimplementedError(
            "Union is not executable yet: queries that read several sources arrive with "
            "the exchange between tasks");
      default:
        return absl::UnimplementedError(fmt::format(
            "{} is not executable yet: stateful operators (windows, aggregates, joins, "
            "top-N) arrive with the state store",
            sql::PlanKindName(node->kind)));
    }
  }
}

int EffectiveParallelism(int requested) {
  if (requested > 0) return requested;
  unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(cores);
}

/// "Source bids -> Filter -> Project -> output queue".
std::string DescribeOperators(const Chain& chain) {
  std::string ops = fmt::format("Source {}", chain.scan->source);
  for (const sql::PlanNode* n : chain.ops) {
    ops += fmt::format(" -> {}", n->kind == PlanKind::kLimit ? "Limit (shared by all tasks)"
                                                             : sql::PlanKindName(n->kind));
  }
  return ops + " -> output queue";
}

std::string DescribeChain(const Chain& chain, int tasks) {
  return fmt::format("{} task{} (one per source split), each: {}", tasks, tasks == 1 ? "" : "s",
                     DescribeOperators(chain));
}

}  // namespace

struct RunningQuery::Task {
  std::unique_ptr<Source> source;
  std::vector<std::unique_ptr<Operator>> ops;  // head first
  std::shared_ptr<const types::Schema> source_schema;
};

absl::StatusOr<std::unique_ptr<RunningQuery>> RunningQuery::Start(
    const sql::PlanPtr& plan, const catalog::Catalog& catalog, const SourceProvider& sources,
    QueryOptions options) {
  WEIR_ASSIGN_OR_RETURN(Chain chain, LinearChain(plan));
  const catalog::Entry* entry = catalog.Find(chain.scan->source);
  if (entry == nullptr) {
    return absl::NotFoundError(fmt::format("'{}' was dropped", chain.scan->source));
  }
  std::unique_ptr<RunningQuery> q(new RunningQuery());
  const int n = EffectiveParallelism(options.parallelism);
  q->batch_rows_ = options.batch_rows;
  q->schema_ = std::make_shared<types::Schema>(plan->schema);
  q->physical_ = DescribeChain(chain, n);
  q->output_ = std::make_unique<BoundedQueue<types::Batch>>(options.output_queue_batches);
  // Compile expressions once; tasks share them (CompiledExpr is const).
  struct Step {
    const sql::PlanNode* node;
    std::vector<std::shared_ptr<const expr::CompiledExpr>> exprs;
    std::shared_ptr<const types::Schema> schema;
  };
  std::vector<Step> steps;
  auto limit_budget = std::make_shared<std::atomic<int64_t>>(0);
  for (const sql::PlanNode* node : chain.ops) {
    Step step{node, {}, std::make_shared<types::Schema>(node->schema)};
    if (node->kind == PlanKind::kFilter) {
      WEIR_ASSIGN_OR_RETURN(auto c, expr::CompiledExpr::Compile(
                                        static_cast<const sql::FilterNode*>(node)->predicate));
      step.exprs.push_back(std::move(c));
    } else if (node->kind == PlanKind::kProject) {
      for (const auto& e : static_cast<const sql::ProjectNode*>(node)->exprs) {
        WEIR_ASSIGN_OR_RETURN(auto c, expr::CompiledExpr::Compile(e));
        step.exprs.push_back(std::move(c));
      }
    } else if (node->kind == PlanKind::kLimit) {
      limit_budget->store(static_cast<const sql::LimitNode*>(node)->limit);
    }
    steps.push_back(std::move(step));
  }
  auto source_schema = std::make_shared<types::Schema>(chain.scan->schema);
  for (int i = 0; i < n; ++i) {
    auto task = std::make_unique<Task>();
    task->source_schema = source_schema;
    WEIR_ASSIGN_OR_RETURN(task->source, sources(*entry, source_schema, i, n));
    for (const Step& step : steps) {
      switch (step.node->kind) {
        case PlanKind::kFilter:
          task->ops.push_back(std::make_unique<FilterOperator>(step.exprs[0]));
          break;
        case PlanKind::kProject:
          task->ops.push_back(std::make_unique<ProjectOperator>(step.exprs, step.schema));
          break;
        default:
          task->ops.push_back(std::make_unique<LimitOperator>(limit_budget));
          break;
      }
    }
    task->ops.push_back(std::make_unique<OutputOperator>(q->output_.get(), &q->cancelled_));
    for (size_t k = 0; k + 1 < task->ops.size(); ++k) {
      task->ops[k]->set_downstream(task->ops[k + 1].get());
    }
    q->tasks_.push_back(std::move(task));
  }
  q->running_ = n;
  for (int i = 0; i < n; ++i) {
    q->threads_.emplace_back([raw = q.get(), i] { raw->RunTask(static_cast<size_t>(i)); });
  }
  return q;
}

void RunningQuery::RunTask(size_t index) {
  Task& task = *tasks_[index];
  Operator* head = task.ops.front().get();
  absl::Status status;
  std::optional<int64_t> watermark;
  while (!cancelled_.load() && !head->Done()) {
    types::Batch batch(task.source_schema);
    absl::StatusOr<size_t> n = task.source->Next(&batch, batch_rows_);
    if (!n.ok()) {
      status = n.status();
      break;
    }
    if (*n > 0) {
      status = head->AddInput(std::move(batch));
      if (!status.ok()) break;
    }
    std::optional<int64_t> wm = task.source->watermark();
    if (wm && (!watermark || *wm > *watermark)) {
      watermark = wm;
      status = head->OnWatermark(*wm);
      if (!status.ok()) break;
    }
    if (task.source->finished()) {
      status = head->Finish();
      break;
    }
  }
  if (!status.ok()) Fail(status);
  if (running_.fetch_sub(1) == 1) output_->Close();
}

void RunningQuery::Fail(const absl::Status& status) {
  {
    std::lock_guard lock(error_mu_);
    if (error_.ok()) error_ = status;
  }
  Cancel();
}

void RunningQuery::Cancel() {
  cancelled_ = true;
  output_->Close();
}

absl::StatusOr<std::optional<types::Batch>> RunningQuery::Next(std::chrono::milliseconds timeout) {
  types::Batch batch;
  auto r = output_->Pop(&batch, timeout);
  if (r == BoundedQueue<types::Batch>::PopResult::kItem) {
    return std::optional<types::Batch>(std::move(batch));
  }
  if (r == BoundedQueue<types::Batch>::PopResult::kClosed) {
    finished_ = true;
    std::lock_guard lock(error_mu_);
    if (!error_.ok()) return error_;
  }
  return std::optional<types::Batch>();
}

RunningQuery::~RunningQuery() {
  Cancel();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

std::string ExplainPhysical(const sql::PlanPtr& plan, int parallelism) {
  absl::StatusOr<Chain> chain = LinearChain(plan);
  if (!chain.ok()) return std::string(chain.status().message());
  if (parallelism <= 0) {
    return fmt::format("one task per core (SET 'parallelism' to choose), each reading one "
                       "source split: {}",
                       DescribeOperators(*chain));
  }
  return DescribeChain(*chain, parallelism);
}

}  // namespace weir::exec
