#include "engine/exec/query.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include "engine/base/status.h"
#include "engine/base/duration.h"
#include "engine/base/log.h"
#include "engine/base/strings.h"
#include "engine/catalog/connector_options.h"
#include "engine/exec/aggregate.h"
#include "engine/exec/changelog_normalize.h"
#include "engine/exec/event_time.h"
#include "engine/exec/exchange.h"
#include "engine/exec/operators.h"
#include "engine/exec/pipeline.h"
#include "engine/exec/session_window.h"
#include "engine/exec/values_source.h"
#include "engine/exec/view_store.h"
#include "engine/exec/window.h"
#include "engine/sql/explain.h"
#include "fmt/format.h"

namespace weir::exec {

namespace {

using State = RunningQuery::State;

OutputTo OutputOf(const Stage& stage) {
  switch (stage.output) {
    case StageOutputKind::kClient:
      return OutputTo::kClient;
    case StageOutputKind::kSink:
      return OutputTo::kSink;
    case StageOutputKind::kExchange:
      break;
  }
  return OutputTo::kExchange;
}

/// Whether rows of `a` and `b` have the same columns' types, in order.
bool SameLayout(const types::Schema& a, const types::Schema& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!(a.field(i).type == b.field(i).type)) return false;
  }
  return true;
}

/// What the operators of one query share: each plan node compiled once,
/// and the state directory of its stateful operators.
struct Compiled {
  std::map<const sql::PlanNode*, CompiledStep> steps;
  std::map<const sql::PlanNode*, std::shared_ptr<const CompiledAggregate>>
      aggregates;
  std::map<const sql::PlanNode*, std::shared_ptr<const CompiledSession>>
      sessions;
  std::shared_ptr<QueryStateDir> state;
  size_t store_cache_bytes = 0;
  int max_parallelism = kDefaultMaxParallelism;
  /// The lateness each window operator drops late rows by (window.h).
  std::map<const sql::PlanNode*, int64_t> window_lateness;
  /// Where windowed operators count the late rows they drop: the query's
  /// counter (SHOW QUERIES).
  LateRowCounter late_rows = nullptr;
  const catalog::Catalog* catalog = nullptr;
  /// The dead-letter writer of each stream with 'late-rows' = 'dlq' the
  /// query reads, opened by its first source task (late_rows.h).
  std::map<std::string, std::shared_ptr<LateRowSink>> late_sinks;
  /// The stores of the task being built (snapshotted at its barriers).
  std::vector<storage::StateStore*>* task_stores = nullptr;
  /// Where a materialized view's query applies its rows (view_state.h).
  std::shared_ptr<ViewState> view_state;
};

/// Whether catalog entry `name` sends its late rows to a dead-letter topic.
bool LateRowsToDlq(const catalog::Catalog& catalog, const std::string& name) {
  const catalog::Entry* entry = catalog.Find(name);
  return entry != nullptr &&
         AsciiLower(entry->Option(catalog::kLateRowsOption).value_or("drop")) ==
             "dlq";
}

/// The scans under `node`, by source name.
void ScansUnder(const sql::PlanNode& node, std::set<std::string>* out) {
  if (node.kind == sql::PlanKind::kScan)
    out->insert(static_cast<const sql::ScanNode&>(node).source);
  for (const sql::PlanPtr& in : node.inputs) ScansUnder(*in, out);
}

/// The stream whose late rows the windowed node `node` sends to a
/// dead-letter topic, or "" (none says 'late-rows' = 'dlq'). Unimplemented
/// when such a stream is one of several under it.
absl::StatusOr<std::string> LateRowsStream(const sql::PlanNode& node,
                                           const Compiled& compiled) {
  std::set<std::string> scans;
  ScansUnder(node, &scans);
  for (const std::string& name : scans) {
    if (!LateRowsToDlq(*compiled.catalog, name)) continue;
    if (scans.size() > 1) {
      return absl::UnimplementedError(fmt::format(
          "'late-rows' = 'dlq' of '{}' is not supported yet for a window "
          "over several sources; its late rows would be mixed with theirs",
          name));
    }
    return name;
  }
  return std::string();
}

/// What the windowed operator over `node` does with late rows in a task
/// reading `positions` (null behind an exchange): the query's counter and
/// the stream's dead-letter writer, when it has one.
absl::StatusOr<LateRowOutput> LateRowsOf(const sql::PlanNode& node,
                                         const RowPositions* positions,
                                         const Compiled& compiled) {
  LateRowOutput out;
  out.counter = compiled.late_rows;
  out.positions = positions;
  WEIR_ASSIGN_OR_RETURN(std::string stream, LateRowsStream(node, compiled));
  if (stream.empty()) return out;
  auto it = compiled.late_sinks.find(stream);
  if (it == compiled.late_sinks.end()) {
    return absl::InternalError(fmt::format(
        "the dead-letter writer of '{}' is not open before its window",
        stream));
  }
  out.sink = it->second;
  return out;
}

absl::StatusOr<std::shared_ptr<const CompiledAggregate>> AggregateOf(
    const sql::PlanNode* node, Compiled* compiled) {
  auto it = compiled->aggregates.find(node);
  if (it == compiled->aggregates.end()) {
    WEIR_ASSIGN_OR_RETURN(
        auto c,
        CompileAggregate(static_cast<const sql::AggregateNode&>(*node)));
    it = compiled->aggregates.emplace(node, std::move(c)).first;
  }
  return it->second;
}

/// The store of stateful operator `op` in task `task`.
absl::StatusOr<AggregateStore> OpenOperatorStore(const PhysicalOperator& op,
                                                 int task, Compiled* compiled) {
  AggregateStore store;
  store.dir = compiled->state;
  store.op = static_cast<storage::OperatorId>(op.id);
  store.max_parallelism = compiled->max_parallelism;
  store.late_rows = compiled->late_rows;
  storage::StoreOptions store_options;
  store_options.cache_bytes = compiled->store_cache_bytes;
  WEIR_ASSIGN_OR_RETURN(
      store.store,
      compiled->state->backend().OpenStore(
          fmt::format("op{}-t{}", static_cast<uint32_t>(op.id), task),
          store_options));
  if (compiled->task_stores != nullptr)
    compiled->task_stores->push_back(store.store.get());
  return store;
}

/// A SESSION window aggregate's operator (session_window.h): its input
/// projection, or the session operator itself.
absl::Status AppendSessionOperator(
    const PhysicalOperator& op, RowErrorFn row_error, int task,
    const RowPositions* positions, Compiled* compiled,
    std::vector<std::unique_ptr<Operator>>* out) {
  WEIR_ASSIGN_OR_RETURN(LateRowOutput late,
                        LateRowsOf(*op.node, positions, *compiled));
  auto it = compiled->sessions.find(op.node);
  if (it == compiled->sessions.end()) {
    WEIR_ASSIGN_OR_RETURN(
        auto c, CompileSession(static_cast<const sql::AggregateNode&>(*op.node),
                               /*carry_late_rows=*/late.sink != nullptr));
    it = compiled->sessions.emplace(op.node, std::move(c)).first;
  }
  if (op.aggregate_input) {
    MakeSessionInputOperators(it->second, row_error, positions, out);
    return absl::OkStatus();
  }
  WEIR_ASSIGN_OR_RETURN(AggregateStore store,
                        OpenOperatorStore(op, task, compiled));
  out->push_back(
      MakeSessionWindowOperator(it->second, std::move(store), std::move(late)));
  return absl::OkStatus();
}

/// The operators of `ops` in task `task` of the stage's `tasks`, each node
/// compiled once into `compiled`; a stateful one opens its task's store.
absl::Status AppendOperators(const std::vector<PhysicalOperator>& ops,
                             RowErrorFn row_error, int task, int tasks,
                             const RowPositions* positions, Compiled* compiled,
                             std::vector<std::unique_ptr<Operator>>* out) {
  for (const PhysicalOperator& op : ops) {
    if (op.node->kind == sql::PlanKind::kWindow) {
      auto it = compiled->window_lateness.find(op.node);
      const bool drops_late = it != compiled->window_lateness.end();
      LateRowOutput late = LateRowOutput::CountOnly(compiled->late_rows);
      if (drops_late) {
        WEIR_ASSIGN_OR_RETURN(late, LateRowsOf(*op.node, positions, *compiled));
      }
      out->push_back(MakeWindowOperator(
          static_cast<const sql::WindowNode&>(*op.node),
          drops_late ? std::optional<int64_t>(it->second) : std::nullopt,
          std::move(late)));
      continue;
    }
    if (op.node->kind == sql::PlanKind::kAggregate &&
        IsSessionAggregate(static_cast<const sql::AggregateNode&>(*op.node))) {
      WEIR_RETURN_IF_ERROR(
          AppendSessionOperator(op, row_error, task, positions, compiled, out));
      continue;
    }
    if (op.view_store) {
      const auto& view = static_cast<const sql::OutputNode&>(*op.node);
      if (compiled->view_state == nullptr) {
        return absl::InternalError(fmt::format(
            "materialized view '{}' has no view state to apply its rows to",
            view.target));
      }
      WEIR_ASSIGN_OR_RETURN(AggregateStore store,
                            OpenOperatorStore(op, task, compiled));
      WEIR_ASSIGN_OR_RETURN(
          out->emplace_back(),
          MakeViewStoreOperator(compiled->view_state, std::move(store), task,
                                view.target,
                                !view.inputs.empty() &&
                                    !view.inputs[0]->append_only));
      continue;
    }
    if (op.normalize) {
      const auto& scan = static_cast<const sql::ScanNode&>(*op.node);
      WEIR_ASSIGN_OR_RETURN(AggregateStore store,
                            OpenOperatorStore(op, task, compiled));
      out->push_back(MakeChangelogNormalizeOperator(
          std::make_shared<types::Schema>(scan.schema), scan.unique_key,
          std::move(store), scan.source));
      continue;
    }
    if (op.node->kind == sql::PlanKind::kAggregate) {
      WEIR_ASSIGN_OR_RETURN(auto agg, AggregateOf(op.node, compiled));
      if (op.aggregate_input) {
        out->push_back(MakeAggregateInputOperator(agg, row_error));
        continue;
      }
      WEIR_ASSIGN_OR_RETURN(AggregateStore store,
                            OpenOperatorStore(op, task, compiled));
      store.task = task;
      store.tasks = tasks;
      out->push_back(MakeAggregateOperator(std::move(agg), std::move(store)));
      continue;
    }
    auto it = compiled->steps.find(op.node);
    if (it == compiled->steps.end()) {
      WEIR_ASSIGN_OR_RETURN(CompiledStep step, CompileStep(*op.node));
      it = compiled->steps.emplace(op.node, std::move(step)).first;
    }
    MakeOperators(*op.node, it->second, row_error, out);
  }
  return absl::OkStatus();
}

/// The query's state directory: kept under its name (a persistent query's
/// identity), or fresh when it has state but no name; null when it needs
/// none.
absl::StatusOr<std::shared_ptr<QueryStateDir>> OpenStateDir(
    const QueryOptions& options, bool needed) {
  if (!options.state_name.empty()) {
    std::filesystem::path parent = options.state_dir.empty()
                                       ? storage::DefaultStateDir()
                                       : options.state_dir;
    if (parent.empty()) {
      return absl::FailedPreconditionError(
          "nowhere to keep the query's state: SET 'state.dir', or set HOME "
          "or XDG_DATA_HOME");
    }
    return QueryStateDir::OpenKept(parent / options.state_name);
  }
  if (!needed) return std::shared_ptr<QueryStateDir>();
  return QueryStateDir::Open(options.state_dir);
}

constexpr std::string_view kPhysicalPlanHeading = "\nPhysical plan:\n";

/// Whether plan texts (CheckpointMetadata::plan) `a` and `b` differ only in
/// their task counts: the same logical plan, the same physical plan but
/// for its numbers.
bool OnlyTaskCountsDiffer(std::string_view a, std::string_view b) {
  const size_t pa = a.find(kPhysicalPlanHeading);
  const size_t pb = b.find(kPhysicalPlanHeading);
  if (pa == std::string_view::npos || pb == std::string_view::npos ||
      a.substr(0, pa) != b.substr(0, pb))
    return false;
  auto without_digits = [](std::string_view s) {
    std::string out;
    for (char c : s) {
      if (c < '0' || c > '9') out += c;
    }
    return out;
  };
  return without_digits(a.substr(pa)) == without_digits(b.substr(pb));
}

/// The first line where `was` and `now` differ, as "was: ...; now: ...".
std::string FirstDifference(std::string_view was, std::string_view now) {
  auto line = [](std::string_view* text) {
    const size_t nl = text->find('\n');
    std::string_view l = text->substr(0, nl);
    *text = nl == std::string_view::npos ? std::string_view()
                                         : text->substr(nl + 1);
    return l;
  };
  while (!was.empty() || !now.empty()) {
    std::string_view a = line(&was), b = line(&now);
    if (a != b) {
      return fmt::format("was: {}\nnow: {}", a.empty() ? "(nothing)" : a,
                         b.empty() ? "(nothing)" : b);
    }
  }
  return "";
}

/// The metadata of the checkpoint `dir` holds, checked against the plan
/// `metadata` describes; nullopt when it holds none.
absl::StatusOr<std::optional<CheckpointMetadata>> CheckResumable(
    QueryStateDir& dir, const std::string& name,
    const CheckpointMetadata& metadata) {
  std::optional<storage::CommitRecord> record = dir.backend().last_commit();
  if (!record) return std::optional<CheckpointMetadata>();
  const std::string what =
      fmt::format("'{}' (checkpoint {})", dir.dir().string(), record->id.value);
  WEIR_ASSIGN_OR_RETURN(CheckpointMetadata old,
                        CheckpointMetadata::Decode(record->metadata, what));
  if (old.fingerprint == metadata.fingerprint)
    return std::optional<CheckpointMetadata>(std::move(old));
  const std::string fresh = fmt::format(
      "start afresh: DROP it first (DROP ... IF EXISTS {0} removes the "
      "state kept for '{0}'), write to a new name, or remove the directory "
      "'{1}'",
      name, dir.dir().string());
  if (OnlyTaskCountsDiffer(old.plan, metadata.plan)) {
    return absl::FailedPreconditionError(fmt::format(
        "the state of '{}' (checkpoint {}) was written with another "
        "parallelism, and resuming with a different task count is not "
        "supported yet:\n{}\nSET 'parallelism' back to what it was, or {}",
        name, record->id.value, FirstDifference(old.plan, metadata.plan),
        fresh));
  }
  return absl::FailedPreconditionError(fmt::format(
      "the state of '{}' (checkpoint {}) belongs to a different query plan, "
      "so it cannot resume:\n{}\nTo use the new plan, {}",
      name, record->id.value, FirstDifference(old.plan, metadata.plan),
      fresh));
}

/// Rolls the state forward to the checkpoint prepared after the last
/// commit record when every sink committed it (a crash between the sinks'
/// commits and the record); else leaves it, and opening the stores
/// discards it.
absl::Status RollForwardIfCommitted(
    const std::string& name, storage::StateBackend& backend,
    const std::vector<std::shared_ptr<SinkCommitter>>& committers) {
  WEIR_ASSIGN_OR_RETURN(std::optional<storage::StateBackend::Prepared> p,
                        backend.prepared());
  if (!p) return absl::OkStatus();
  for (const auto& committer : committers) {
    WEIR_ASSIGN_OR_RETURN(uint64_t last, committer->LastCommittedCheckpoint());
    if (last != p->id.value) {
      Log(LogLevel::kInfo,
          fmt::format("'{}': checkpoint {} was prepared but a sink committed "
                      "{}: resuming from the last commit record",
                      name, p->id.value, last));
      return absl::OkStatus();
    }
  }
  Log(LogLevel::kInfo,
      fmt::format("'{}': the sinks committed checkpoint {} before its commit "
                  "record: rolling forward to it",
                  name, p->id.value));
  return backend.RollForward(p->id, p->metadata);
}

}  // namespace

absl::Status DropQueryState(const std::filesystem::path& state_dir,
                            const std::string& name) {
  if (state_dir.empty() || name.empty()) return absl::OkStatus();
  const std::filesystem::path dir = state_dir / name;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return absl::OkStatus();
  return storage::StateBackend::Destroy(dir);
}

absl::StatusOr<std::unique_ptr<RunningQuery>> RunningQuery::Start(
    const sql::PlanPtr& plan, const catalog::Catalog& catalog,
    const SourceProvider& sources, QueryOptions options) {
  const int n = EffectiveParallelism(options.parallelism);
  PhysicalPlanOptions planning;
  planning.parallelism = n;
  planning.max_parallelism = options.max_parallelism;
  planning.catalog = &catalog;
  WEIR_ASSIGN_OR_RETURN(PhysicalPlan physical, PlanPhysical(plan, planning));
  int sink_tasks = 0;
  bool to_client = false;
  for (const Stage& stage : physical.stages) {
    if (stage.output == StageOutputKind::kSink) sink_tasks += stage.tasks;
    if (stage.output == StageOutputKind::kClient) to_client = true;
  }
  if (sink_tasks > 0 && !options.sinks) {
    return absl::InvalidArgumentError(fmt::format(
        "writing to '{}' needs a sink provider (QueryOptions::sinks)",
        physical.output->target));
  }

  std::unique_ptr<RunningQuery> q(new RunningQuery());
  auto state = std::make_shared<State>();
  state->batch_rows = std::max<size_t>(options.batch_rows, 1);
  state->final_flush_timeout = options.final_flush_timeout;
  state->cancel_flush_timeout = options.cancel_flush_timeout;
  state->commit_interval = options.commit_interval;
  state->idle_timeout = options.idle_timeout;
  state->clock = options.clock != nullptr ? options.clock : &SystemClock();
  q->schema_ = std::make_shared<types::Schema>(plan->schema);
  q->physical_ = physical.Describe();
  if (to_client) {
    state->output = std::make_unique<BoundedQueue<types::Batch>>(
        options.output_queue_batches);
  }
  for (const ExchangeSpec& spec : physical.exchanges) {
    State::Link link;
    link.exchange = std::make_unique<Exchange>(
        spec.key_columns,
        physical.stages[static_cast<size_t>(spec.from_stage)].tasks,
        physical.stages[static_cast<size_t>(spec.to_stage)].tasks,
        options.output_queue_batches, physical.max_parallelism);
    state->exchanges.push_back(std::move(link));
  }

  // Compile each plan node once; tasks share the compiled expressions
  // (CompiledExpr is const) and a LIMIT's budget.
  Compiled compiled;
  compiled.max_parallelism = physical.max_parallelism;
  compiled.window_lateness = WindowLateness(physical.logical);
  compiled.late_rows = &state->late_rows;
  compiled.catalog = &catalog;
  compiled.view_state = options.view_state;
  int stateful_tasks = 0;
  for (const Stage& stage : physical.stages) {
    for (const PhysicalOperator& op : stage.ops) {
      if ((op.node->kind == sql::PlanKind::kAggregate && !op.aggregate_input) ||
          op.normalize || op.view_store)
        stateful_tasks += stage.tasks;
    }
  }
  const bool checkpoints = options.checkpoint_interval.count() > 0;
  WEIR_ASSIGN_OR_RETURN(
      compiled.state,
      OpenStateDir(options, stateful_tasks > 0 || checkpoints));
  if (stateful_tasks > 0) {
    compiled.store_cache_bytes = std::max<size_t>(
        options.state_cache_bytes / static_cast<size_t>(stateful_tasks), 1);
  }
  // A persistent query's identity: its plan. Its state resumes only under
  // the same plan.
  CheckpointMetadata metadata;
  metadata.plan = "Logical plan:\n" + sql::ExplainPlan(physical.logical) +
                  std::string(kPhysicalPlanHeading) + q->physical_;
  metadata.fingerprint = PlanFingerprint(metadata.plan);
  // The sinks open first: an exactly-once sink says which checkpoint its
  // output reached before any store opens (which would discard a
  // checkpoint prepared but not recorded).
  std::vector<std::unique_ptr<Sink>> sinks;
  std::vector<std::shared_ptr<SinkCommitter>> committers;
  for (int i = 0; i < sink_tasks; ++i) {
    WEIR_ASSIGN_OR_RETURN(sinks.emplace_back(),
                          options.sinks(*physical.target, q->schema_, i,
                                        sink_tasks));
    std::shared_ptr<SinkCommitter> c = sinks.back()->Committer();
    if (c && std::find(committers.begin(), committers.end(), c) ==
                 committers.end())
      committers.push_back(std::move(c));
  }
  if (checkpoints && !committers.empty() && !options.state_name.empty()) {
    WEIR_RETURN_IF_ERROR(RollForwardIfCommitted(
        options.state_name, compiled.state->backend(), committers));
  }
  std::optional<CheckpointMetadata> resume;
  if (!options.state_name.empty()) {
    WEIR_ASSIGN_OR_RETURN(
        resume, CheckResumable(*compiled.state, options.state_name, metadata));
  }
  std::vector<std::shared_ptr<PipelineTask>> tasks;
  std::shared_ptr<PipelineTask> last_values;
  int sink_index = 0;
  for (const Stage& stage : physical.stages) {
    const RowErrorFn row_error =
        stage.reads_values() ? StatementRowError : DataRowError;
    const catalog::Entry* entry = nullptr;
    std::shared_ptr<const types::Schema> source_schema;
    std::optional<EventTimeExpr> event_time;
    if (stage.reads_source()) {
      const StageInput& in = stage.inputs[0];
      const sql::PlanNode& node =
          in.scan ? static_cast<const sql::PlanNode&>(*in.scan) : *in.values;
      source_schema = std::make_shared<types::Schema>(node.schema);
      if (in.scan) {
        entry = catalog.Find(in.scan->source);  // PlanPhysical checked it
        WEIR_ASSIGN_OR_RETURN(event_time, EventTimeExpr::Compile(*entry));
        // The watermark expression reads rows laid out as the entry's.
        if (event_time && !SameLayout(entry->schema, node.schema)) {
          return absl::InternalError(fmt::format(
              "the scan of '{}' does not read the stream's columns as "
              "declared, which its WATERMARK FOR needs",
              in.scan->source));
        }
      }
    }
    for (int i = 0; i < stage.tasks; ++i) {
      auto task = std::make_shared<PipelineTask>(state, OutputOf(stage));
      compiled.task_stores = &task->stores;
      if (stage.reads_values()) {
        task->source_schema = source_schema;
        WEIR_ASSIGN_OR_RETURN(
            task->source,
            OpenValuesSource(*stage.inputs[0].values, source_schema));
        // Constant rows come out in the plan's order: each VALUES task
        // starts when the one before it ends.
        if (last_values) {
          last_values->then = task;
          task->chained = true;
        }
        last_values = task;
      } else if (stage.reads_source()) {
        task->source_schema = source_schema;
        task->event_time = event_time;
        if (auto idle = entry->Option(catalog::kIdleTimeoutOption))
          task->idle_timeout = ParseDuration(*idle);  // checked when declared
        WEIR_ASSIGN_OR_RETURN(task->source,
                              sources(*entry, source_schema, i, stage.tasks));
        if (task->source->wants_store() && compiled.state) {
          // The split's own state, snapshotted with its position; the
          // source owns it, and keeps the state directory open with it.
          storage::StoreOptions store_options;
          store_options.cache_bytes = compiled.store_cache_bytes > 0
                                          ? compiled.store_cache_bytes
                                          : options.state_cache_bytes;
          WEIR_ASSIGN_OR_RETURN(
              std::unique_ptr<storage::StateStore> store,
              compiled.state->backend().OpenStore(
                  fmt::format("source{}", state->source_tasks.size()),
                  store_options));
          task->stores.push_back(store.get());
          std::shared_ptr<QueryStateDir> dir = compiled.state;
          task->source->AttachStore(std::shared_ptr<storage::StateStore>(
              store.release(), [dir](storage::StateStore* s) { delete s; }));
        }
        // Projection pushdown: the source may skip the columns nothing
        // reads; not when a watermark expression or a late row's copy
        // (which holds the whole row) reads them all.
        if (!event_time && !LateRowsToDlq(catalog, entry->name)) {
          std::vector<bool> read = ScanColumnsRead(stage);
          if (std::find(read.begin(), read.end(), false) != read.end())
            task->source->ReadOnly(read);
        }
        if (LateRowsToDlq(catalog, entry->name)) {
          // Late rows of this stream go to its dead-letter topic, with
          // their source position (late_rows.h).
          task->fill_positions = true;
          if (!compiled.late_sinks.count(entry->name)) {
            WEIR_ASSIGN_OR_RETURN(compiled.late_sinks[entry->name],
                                  task->source->OpenLateRowSink());
          }
        }
      } else {
        for (const StageInput& in : stage.inputs) {
          State::Link& link =
              state->exchanges[static_cast<size_t>(in.exchange)];
          task->gate.AddInput(link.exchange.get(), i);
          task->input_exchanges.push_back(in.exchange);
          link.consumers.push_back(task.get());
          task->input_ops.emplace_back();
          WEIR_RETURN_IF_ERROR(AppendOperators(
              in.ops, row_error, i, stage.tasks, nullptr, &compiled,
              &task->input_ops.back()));
        }
      }
      WEIR_RETURN_IF_ERROR(
          AppendOperators(stage.ops, row_error, i, stage.tasks,
                          task->fill_positions ? &task->row_positions : nullptr,
                          &compiled, &task->ops));
      switch (stage.output) {
        case StageOutputKind::kClient:
          task->ops.push_back(MakeClientOutput(state.get(), task.get()));
          state->client_producers.push_back(task.get());
          state->final_tasks.push_back(task.get());
          break;
        case StageOutputKind::kExchange: {
          task->out_exchange = stage.exchange;
          task->producer = i;
          state->exchanges[static_cast<size_t>(stage.exchange)]
              .producers.push_back(task.get());
          task->ops.push_back(MakeExchangeOutput(state.get(), task.get()));
          break;
        }
        case StageOutputKind::kSink:
          task->sink = std::move(sinks[static_cast<size_t>(sink_index++)]);
          task->ops.push_back(MakeSinkOutput(state.get(), task.get()));
          state->sink_tasks.push_back(task.get());
          state->final_tasks.push_back(task.get());
          break;
      }
      Link(task->ops);
      for (auto& prefix : task->input_ops) {
        Link(prefix);
        if (!prefix.empty())
          prefix.back()->set_downstream(task->ops.front().get());
      }
      if (task->source) {
        task->source_index = static_cast<int>(state->source_tasks.size());
        state->source_tasks.push_back(task.get());
      }
      task->index = static_cast<int>(state->tasks.size());
      state->tasks.push_back(task.get());
      tasks.push_back(std::move(task));
    }
  }

  compiled.task_stores = nullptr;
  if (!options.state_name.empty()) {
    // Kept state without positions would count the input again on resume.
    for (const PipelineTask* t : state->source_tasks) {
      if (!t->source->checkpoint_position()) {
        return absl::FailedPreconditionError(fmt::format(
            "'{}' cannot resume from a checkpoint: a source it reads keeps "
            "no position; unset state.dir to run it without keeping its "
            "state",
            options.state_name));
      }
    }
  }
  if (resume) {
    // Each split continues where the checkpoint had it.
    if (resume->positions.size() != state->source_tasks.size()) {
      return absl::DataLossError(fmt::format(
          "the checkpoint of '{}' holds {} source positions for {} source "
          "tasks",
          options.state_name, resume->positions.size(),
          state->source_tasks.size()));
    }
    for (size_t i = 0; i < state->source_tasks.size(); ++i) {
      if (const auto& position = resume->positions[i]) {
        WEIR_RETURN_IF_ERROR(
            state->source_tasks[i]->source->StartAt(*position));
      }
    }
    // Each task's chain starts from the watermark it had acted on, when
    // the record has them (one per task).
    if (resume->watermarks.size() == tasks.size()) {
      for (size_t i = 0; i < tasks.size(); ++i)
        tasks[i]->RestoreWatermark(resume->watermarks[i]);
    }
    q->resumed_from_ = compiled.state->backend().last_commit()->id.value;
    for (PipelineTask* t : state->source_tasks)
      t->SkipBarriersThrough(q->resumed_from_);
  }
  if (checkpoints) {
    Checkpointer::Options c;
    c.backend = &compiled.state->backend();
    c.interval = options.checkpoint_interval;
    for (const auto& t : tasks)  // in State::tasks order
      c.tasks.push_back({!t->stores.empty(), t->source_index});
    c.num_sources = static_cast<int>(state->source_tasks.size());
    c.metadata = std::move(metadata);
    c.resumed_from = q->resumed_from_;
    RunningQuery* raw = q.get();
    State* st = state.get();
    c.inject = [raw](CheckpointId id) { raw->InjectBarrier(id); };
    c.committers = std::move(committers);
    c.on_commit = [st] {
      for (PipelineTask* t : st->source_tasks) st->executor->Wake(*t);
      // Sinks holding rows back until the commit write them now.
      for (PipelineTask* t : st->sink_tasks) st->executor->Wake(*t);
    };
    c.fail = [st](const absl::Status& status) { st->Fail(status, false); };
    // The coordinator counts as a task: the query is done once the final
    // checkpoint is written.
    c.on_done = [st] { st->TaskEnded(); };
    state->checkpointer = std::make_unique<Checkpointer>(std::move(c));
  }
  state->state_dir = compiled.state;

  if (options.executor == nullptr) {
    q->owned_executor_ = std::make_unique<Executor>();
    options.executor = q->owned_executor_.get();
  }
  state->executor = options.executor;
  state->live_tasks =
      static_cast<int>(tasks.size()) + (state->checkpointer ? 1 : 0);
  q->state_ = state;
  for (auto& t : tasks) q->tasks_.push_back(t);
  for (auto& t : tasks) {
    if (!t->chained) state->executor->Submit(std::move(t));
  }
  if (state->checkpointer) state->checkpointer->Start();
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
  // The output's watermark: its final tasks' combined as a task combines
  // its channels (ended and idle tasks do not hold it back).
  WatermarkCombiner combined;
  for (const PipelineTask* task : state_->final_tasks) {
    const int i = combined.AddInput();
    combined.Advance(i, task->out_watermark.load());
    if (task->ended.load()) {
      combined.SetEnded(i);
    } else if (task->out_idle.load()) {
      combined.SetIdle(i, true);
    }
  }
  combined.Update();
  {
    std::lock_guard lock(state_->mu);
    state_->shown_watermark =
        std::max(state_->shown_watermark, combined.watermark());
    stats.watermark = state_->shown_watermark;
    for (const PipelineTask* task : state_->source_tasks) {
      if (task->source_progress.empty()) continue;
      if (!stats.progress.empty()) stats.progress += "; ";
      stats.progress += task->source_progress;
    }
  }
  // Rows read first: every row counted as delivered or pending below was
  // read before, so rows_read >= rows_written + rows_pending holds.
  stats.rows_read = state_->rows_read.load();
  stats.late_rows = state_->late_rows.load();
  stats.resumed_from = resumed_from_;
  if (state_->checkpointer) stats.last_checkpoint = state_->checkpointer->last();
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

void RunningQuery::InjectBarrier(CheckpointId id) {
  for (PipelineTask* task : state_->source_tasks) {
    uint64_t seen = task->barrier_requested.load();
    while (seen < ToInt(id) &&
           !task->barrier_requested.compare_exchange_weak(seen, ToInt(id))) {
    }
  }
  state_->WakeAll();
}

uint64_t RunningQuery::barrier_passed() const {
  uint64_t least = UINT64_MAX;
  for (const PipelineTask* task : state_->final_tasks) {
    if (!task->ended.load())
      least = std::min(least, task->barrier_passed.load());
  }
  return least == UINT64_MAX ? 0 : least;
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
    // A credit came back: tasks backed off on a full queue may go on.
    if (was_full) state_->Wake(state_->client_producers);
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
    // No checkpoint starts or completes while the query goes away.
    if (state_->checkpointer) state_->checkpointer->Stop();
    state_->Cancel();
    std::unique_lock lock(state_->mu);
    state_->ended_cv.wait(lock, [&] { return state_->live_tasks == 0; });
    // The worker that ended the last task may hold the state a moment
    // longer; the state directory is let go now, so that a DROP right
    // after can remove it.
    state_->state_dir.reset();
  }
  tasks_.clear();
  owned_executor_.reset();  // joins its threads: only this query used them
}

}  // namespace weir::exec
