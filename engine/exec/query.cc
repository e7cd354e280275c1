#include "engine/exec/query.h"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "engine/base/status.h"
#include "engine/exec/distinct.h"
#include "engine/exec/exchange.h"
#include "engine/exec/pipeline.h"
#include "engine/exec/values_source.h"
#include "engine/expr/vector_eval.h"
#include "fmt/format.h"

namespace weir::exec {

using sql::OutputKind;
using sql::PlanKind;

namespace {

using State = RunningQuery::State;

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

// ------------------------------------------------------------ planning

/// A source and the stateless operators above it, bottom-up, up to the
/// output; Union nodes mark where a branch joins the operators above it.
/// The source is a scan (one task per split) or constant rows (one task).
struct Pipeline {
  const sql::ScanNode* scan = nullptr;
  std::vector<const sql::PlanNode*> ops;
  const sql::ValuesNode* values = nullptr;

  const sql::PlanNode& source() const {
    return scan ? static_cast<const sql::PlanNode&>(*scan) : *values;
  }
  int Tasks(int splits) const { return values ? 1 : splits; }
};

absl::Status CollectPipelines(
    const sql::PlanNode* node,
    std::vector<const sql::PlanNode*> above,  // top-down
    std::vector<Pipeline>* out) {
  while (true) {
    switch (node->kind) {
      case PlanKind::kScan:
        out->push_back(Pipeline{static_cast<const sql::ScanNode*>(node),
                                {above.rbegin(), above.rend()}});
        return absl::OkStatus();
      case PlanKind::kValues:
        out->push_back(Pipeline{nullptr,
                                {above.rbegin(), above.rend()},
                                static_cast<const sql::ValuesNode*>(node)});
        return absl::OkStatus();
      case PlanKind::kFilter:
      case PlanKind::kProject:
      case PlanKind::kLimit:
        above.push_back(node);
        node = node->inputs[0].get();
        break;
      case PlanKind::kUnion:
        if (!static_cast<const sql::UnionNode*>(node)->all &&
            !ReadsOnlyConstants(*node)) {
          return absl::UnimplementedError(
              "Union distinct is not executable yet: it keeps a count per "
              "distinct row, and "
              "stateful operators (windows, aggregates, joins, top-N) arrive "
              "with the state "
              "store");
        }
        above.push_back(node);
        for (const sql::PlanPtr& input : node->inputs) {
          WEIR_RETURN_IF_ERROR(CollectPipelines(input.get(), above, out));
        }
        return absl::OkStatus();
      default:
        return absl::UnimplementedError(
            fmt::format("{} is not executable yet: stateful operators "
                        "(windows, aggregates, joins, "
                        "top-N) arrive with the state store",
                        sql::PlanKindName(node->kind)));
    }
  }
}

/// Tasks and exchanges of a plan, before opening anything.
struct Layout {
  const sql::OutputNode* out = nullptr;
  std::vector<Pipeline> pipelines;
  bool to_sink = false;
  /// Non-empty: a hash exchange on these output columns feeds the sinks.
  std::vector<int> exchange_key;
};

absl::StatusOr<Layout> PlanLayout(const sql::PlanPtr& plan,
                                  const catalog::Catalog* catalog) {
  if (plan->kind != PlanKind::kOutput) {
    return absl::InvalidArgumentError(
        "a physical plan starts at an output node");
  }
  Layout layout;
  layout.out = static_cast<const sql::OutputNode*>(plan.get());
  WEIR_RETURN_IF_ERROR(
      CollectPipelines(plan->inputs[0].get(), {}, &layout.pipelines));
  switch (layout.out->output) {
    case OutputKind::kClient:
      break;
    case OutputKind::kMaterialize:
      return absl::UnimplementedError(
          "Materialize is not executable yet: materialized views keep their "
          "rows in the state "
          "store, which arrives with stateful operators");
    case OutputKind::kSink:
    case OutputKind::kInsert: {
      layout.to_sink = true;
      std::vector<int> key = layout.out->unique_key;
      if (catalog != nullptr) {
        const catalog::Entry* entry = catalog->Find(layout.out->target);
        if (entry == nullptr) {
          return absl::NotFoundError(
              fmt::format("'{}' was dropped", layout.out->target));
        }
        key = entry->key;
      }
      // A changelog into a keyed target: every change of a key must be
      // written by one task, in order (Flink's keyed sink shuffle).
      if (!plan->inputs[0]->append_only && !key.empty())
        layout.exchange_key = key;
      break;
    }
  }
  return layout;
}

std::string OperatorName(const sql::PlanNode& n) {
  switch (n.kind) {
    case PlanKind::kLimit:
      return "Limit (shared by all tasks)";
    case PlanKind::kUnion:
      return static_cast<const sql::UnionNode&>(n).all ? "Union all"
                                                       : "Union distinct";
    default:
      return sql::PlanKindName(n.kind);
  }
}

std::string SinkName(const sql::OutputNode& out) {
  if (out.output == OutputKind::kInsert)
    return fmt::format("Insert into {}", out.target);
  return fmt::format("Sink {} ({})", out.target,
                     out.connector.empty() ? "?" : out.connector);
}

/// One line per group of tasks. `tasks` 0 means one per core.
std::string DescribeLayout(const Layout& layout, int tasks) {
  std::string end;
  if (!layout.exchange_key.empty()) {
    end = "hash exchange";
  } else if (layout.to_sink) {
    end = SinkName(*layout.out);
  } else {
    end = "client queue";
  }
  std::vector<std::string> lines;
  for (const Pipeline& p : layout.pipelines) {
    std::string chain = p.scan ? fmt::format("Source {}", p.scan->source)
                               : std::string("Values");
    for (const sql::PlanNode* n : p.ops) chain += " -> " + OperatorName(*n);
    chain += " -> " + end;
    if (p.values) {
      lines.push_back("1 task (constant rows) on the worker pool: " + chain);
    } else if (tasks > 0) {
      lines.push_back(fmt::format(
          "{} source task{} (one per split of {}) on the worker pool: {}",
          tasks, tasks == 1 ? "" : "s", p.scan->source, chain));
    } else {
      lines.push_back(
          fmt::format("one source task per core (SET 'parallelism' to choose), "
                      "each reading one split of "
                      "{}, on the worker pool: {}",
                      p.scan->source, chain));
    }
  }
  if (!layout.exchange_key.empty()) {
    std::vector<std::string> names;
    for (int k : layout.exchange_key) {
      names.push_back(
          static_cast<size_t>(k) < layout.out->schema.size()
              ? layout.out->schema.field(static_cast<size_t>(k)).name
              : fmt::format("#{}", k));
    }
    std::string key;
    for (size_t i = 0; i < names.size(); ++i) key += (i ? ", " : "") + names[i];
    std::string consumers =
        tasks > 0 ? fmt::format("{} sink task{}", tasks, tasks == 1 ? "" : "s")
                  : std::string("one sink task per core");
    lines.push_back(fmt::format("hash exchange on ({}) -> {}: {}", key,
                                consumers, SinkName(*layout.out)));
  }
  std::string text;
  for (size_t i = 0; i < lines.size(); ++i) text += (i ? "\n" : "") + lines[i];
  return text;
}

int EffectiveParallelism(int requested) {
  if (requested > 0) return requested;
  unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(cores);
}

/// A plan node's compiled form, shared by the tasks that run it.
struct CompiledStep {
  std::vector<std::shared_ptr<const expr::CompiledExpr>> exprs;
  std::shared_ptr<const types::Schema> schema;
  std::shared_ptr<std::atomic<int64_t>> limit_budget;
  std::shared_ptr<DistinctRows> distinct;  // UNION without ALL
};

absl::StatusOr<CompiledStep> Compile(const sql::PlanNode& node) {
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

std::unique_ptr<Operator> MakeOperator(const sql::PlanNode& node,
                                       const CompiledStep& step,
                                       RowErrorFn row_error) {
  switch (node.kind) {
    case PlanKind::kFilter:
      return std::make_unique<FilterOperator>(step.exprs[0], row_error);
    case PlanKind::kProject:
      return std::make_unique<ProjectOperator>(step.exprs, step.schema,
                                               row_error);
    case PlanKind::kLimit:
      return std::make_unique<LimitOperator>(step.limit_budget);
    default:
      return std::make_unique<UnionInputOperator>(step.schema);
  }
}

void Link(std::vector<std::unique_ptr<Operator>>& ops) {
  for (size_t k = 0; k + 1 < ops.size(); ++k)
    ops[k]->set_downstream(ops[k + 1].get());
}

}  // namespace

absl::StatusOr<std::unique_ptr<RunningQuery>> RunningQuery::Start(
    const sql::PlanPtr& plan, const catalog::Catalog& catalog,
    const SourceProvider& sources, QueryOptions options) {
  WEIR_ASSIGN_OR_RETURN(Layout layout, PlanLayout(plan, &catalog));
  const catalog::Entry* target = nullptr;
  if (layout.to_sink) {
    if (!options.sinks) {
      return absl::InvalidArgumentError(fmt::format(
          "writing to '{}' needs a sink provider (QueryOptions::sinks)",
          layout.out->target));
    }
    target = catalog.Find(layout.out->target);  // PlanLayout checked it exists
  }
  std::vector<const catalog::Entry*> entries;
  for (const Pipeline& p : layout.pipelines) {
    if (p.values) {
      entries.push_back(nullptr);
      continue;
    }
    const catalog::Entry* entry = catalog.Find(p.scan->source);
    if (entry == nullptr)
      return absl::NotFoundError(
          fmt::format("'{}' was dropped", p.scan->source));
    entries.push_back(entry);
  }

  std::unique_ptr<RunningQuery> q(new RunningQuery());
  const int n = EffectiveParallelism(options.parallelism);
  auto state = std::make_shared<State>();
  state->batch_rows = std::max<size_t>(options.batch_rows, 1);
  state->final_flush_timeout = options.final_flush_timeout;
  state->cancel_flush_timeout = options.cancel_flush_timeout;
  state->commit_interval = options.commit_interval;
  q->schema_ = std::make_shared<types::Schema>(plan->schema);
  q->physical_ = DescribeLayout(layout, n);
  int source_tasks = 0;
  for (const Pipeline& p : layout.pipelines) source_tasks += p.Tasks(n);
  OutputTo output = OutputTo::kClient;
  if (!layout.exchange_key.empty()) {
    output = OutputTo::kExchange;
    state->exchange = std::make_unique<HashExchange>(
        layout.exchange_key, source_tasks, n, options.output_queue_batches);
  } else if (layout.to_sink) {
    output = OutputTo::kSink;
  } else {
    state->output = std::make_unique<BoundedQueue<types::Batch>>(
        options.output_queue_batches);
  }

  // Compile each plan node once; tasks share the compiled expressions
  // (CompiledExpr is const) and a LIMIT's budget.
  std::map<const sql::PlanNode*, CompiledStep> compiled;
  for (const Pipeline& p : layout.pipelines) {
    for (const sql::PlanNode* node : p.ops) {
      if (compiled.count(node)) continue;
      WEIR_ASSIGN_OR_RETURN(CompiledStep step, Compile(*node));
      compiled.emplace(node, std::move(step));
    }
  }

  std::vector<std::shared_ptr<PipelineTask>> tasks;
  std::shared_ptr<PipelineTask> last_values;
  int sink_index = 0;
  for (size_t pi = 0; pi < layout.pipelines.size(); ++pi) {
    const Pipeline& p = layout.pipelines[pi];
    auto source_schema = std::make_shared<types::Schema>(p.source().schema);
    for (int i = 0; i < p.Tasks(n); ++i) {
      auto task = std::make_shared<PipelineTask>(state, output);
      task->source_schema = source_schema;
      if (output == OutputTo::kExchange)
        task->producer = static_cast<int>(state->source_tasks.size());
      if (p.values) {
        WEIR_ASSIGN_OR_RETURN(task->source,
                              OpenValuesSource(*p.values, source_schema));
        // Constant rows come out in the plan's order: each VALUES task
        // starts when the one before it ends.
        if (last_values) {
          last_values->then = task;
          task->chained = true;
        }
        last_values = task;
      } else {
        WEIR_ASSIGN_OR_RETURN(task->source,
                              sources(*entries[pi], source_schema, i, n));
      }
      for (const sql::PlanNode* node : p.ops) {
        const CompiledStep& step = compiled.at(node);
        task->ops.push_back(MakeOperator(
            *node, step, p.values ? StatementRowError : DataRowError));
        if (step.distinct) {
          task->ops.push_back(
              std::make_unique<DistinctOperator>(step.distinct));
        }
      }
      switch (output) {
        case OutputTo::kClient:
          task->ops.push_back(MakeClientOutput(state.get()));
          break;
        case OutputTo::kExchange:
          task->ops.push_back(MakeExchangeOutput(state.get()));
          break;
        case OutputTo::kSink:
          WEIR_ASSIGN_OR_RETURN(
              task->sink,
              options.sinks(*target, q->schema_, sink_index++, source_tasks));
          task->ops.push_back(MakeSinkOutput(state.get(), task.get()));
          state->sink_tasks.push_back(task.get());
          break;
      }
      Link(task->ops);
      state->source_tasks.push_back(task.get());
      tasks.push_back(std::move(task));
    }
  }
  if (output == OutputTo::kExchange) {
    for (int c = 0; c < n; ++c) {
      auto task = std::make_shared<PipelineTask>(state, OutputTo::kSink);
      task->consumer = c;
      WEIR_ASSIGN_OR_RETURN(task->sink,
                            options.sinks(*target, q->schema_, c, n));
      task->ops.push_back(MakeSinkOutput(state.get(), task.get()));
      state->consumer_tasks.push_back(task.get());
      state->sink_tasks.push_back(task.get());
      tasks.push_back(std::move(task));
    }
  }

  if (options.executor == nullptr) {
    q->owned_executor_ = std::make_unique<Executor>();
    options.executor = q->owned_executor_.get();
  }
  state->executor = options.executor;
  state->live_tasks = static_cast<int>(tasks.size());
  state->consumers_left = static_cast<int>(state->consumer_tasks.size());
  q->state_ = state;
  for (auto& t : tasks) q->tasks_.push_back(t);
  for (auto& t : tasks) {
    if (!t->chained) state->executor->Submit(std::move(t));
  }
  return q;
}

void RunningQuery::Cancel() { state_->Stop(); }

bool RunningQuery::done() const {
  std::lock_guard lock(state_->mu);
  return state_->live_tasks == 0;
}

bool RunningQuery::WaitUntilDone(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mu);
  return state_->ended_cv.wait_for(lock, timeout,
                                   [&] { return state_->live_tasks == 0; });
}

std::string RunningQuery::undelivered_note() const {
  std::lock_guard lock(state_->mu);
  return state_->live_tasks == 0 ? state_->undelivered_note : std::string();
}

absl::Status RunningQuery::status() const {
  std::lock_guard lock(state_->mu);
  return state_->error;
}

QueryStats RunningQuery::stats() const {
  QueryStats stats;
  // Rows read first: every row counted as delivered or pending below was
  // read before, so rows_read >= rows_written + rows_pending holds.
  stats.rows_read = state_->rows_read.load();
  if (state_->output) {
    stats.rows_written = state_->client_rows_taken.load();
    stats.rows_pending = std::max<int64_t>(
        0, state_->client_rows_queued.load() - stats.rows_written);
    return stats;
  }
  std::lock_guard lock(state_->mu);
  stats.rows_written = state_->ended_delivered;
  stats.rows_pending = state_->undelivered;
  for (const PipelineTask* task : state_->sink_tasks) {
    if (task->sink_ended) continue;
    stats.rows_written += task->sink_delivered.load();
    stats.rows_pending += task->sink_pending.load();
    if (stats.delivery_problem.empty())
      stats.delivery_problem = task->sink_problem;
  }
  return stats;
}

absl::StatusOr<std::optional<types::Batch>> RunningQuery::Next(
    std::chrono::milliseconds timeout) {
  if (!state_->output) {
    // Sink outputs: nothing to hand over; wait for the end.
    std::unique_lock lock(state_->mu);
    if (state_->ended_cv.wait_for(lock, timeout,
                                  [&] { return state_->live_tasks == 0; })) {
      finished_ = true;
      if (!state_->error.ok()) return state_->error;
    }
    return std::optional<types::Batch>();
  }
  types::Batch batch;
  bool was_full = false;
  auto r = state_->output->Pop(&batch, timeout, &was_full);
  if (r == BoundedQueue<types::Batch>::PopResult::kItem) {
    state_->client_rows_taken += static_cast<int64_t>(batch.num_rows());
    // A credit came back: sources backed off on a full queue may read on.
    if (was_full) {
      for (Executor::Task* t : state_->source_tasks) state_->executor->Wake(*t);
    }
    return std::optional<types::Batch>(std::move(batch));
  }
  if (r == BoundedQueue<types::Batch>::PopResult::kClosed) {
    finished_ = true;
    std::lock_guard lock(state_->mu);
    if (!state_->error.ok()) return state_->error;
  }
  return std::optional<types::Batch>();
}

RunningQuery::~RunningQuery() {
  if (state_) {
    state_->Cancel();
    std::unique_lock lock(state_->mu);
    state_->ended_cv.wait(lock, [&] { return state_->live_tasks == 0; });
  }
  tasks_.clear();
  owned_executor_.reset();  // joins its threads: only this query used them
}

std::string ExplainPhysical(const sql::PlanPtr& plan, int parallelism,
                            const catalog::Catalog* catalog) {
  absl::StatusOr<Layout> layout = PlanLayout(plan, catalog);
  if (!layout.ok()) return std::string(layout.status().message());
  return DescribeLayout(*layout, parallelism > 0 ? parallelism : 0);
}

absl::Status CheckExecutable(const sql::PlanPtr& plan,
                             const catalog::Catalog* catalog) {
  return PlanLayout(plan, catalog).status();
}

}  // namespace weir::exec
