#include "engine/exec/physical_plan.h"

#include <algorithm>
#include <set>
#include <thread>

#include "engine/base/status.h"
#include "engine/exec/aggregate.h"
#include "engine/exec/key_hash.h"
#include "engine/exec/session_window.h"
#include "engine/exec/values_source.h"
#include "engine/exec/window.h"
#include "fmt/format.h"
#include "xxhash.h"

namespace weir::exec {

using sql::OutputKind;
using sql::PlanKind;

namespace {

// ------------------------------------------------------------ pipelines

/// A source and the stateless operators above it, bottom-up, up to the
/// output; Union nodes mark where a branch joins the operators above it.
struct Pipeline {
  const sql::ScanNode* scan = nullptr;
  const sql::ValuesNode* values = nullptr;
  std::vector<const sql::PlanNode*> ops;
};

constexpr char kStatefulLater[] =
    "joins and top-N are not built yet (GROUP BY, with or without TUMBLE, "
    "HOP, CUMULATE or SESSION windows, runs)";

absl::Status CollectPipelines(
    const sql::PlanNode* node,
    std::vector<const sql::PlanNode*> above,  // top-down
    std::vector<Pipeline>* out) {
  while (true) {
    switch (node->kind) {
      case PlanKind::kScan:
        out->push_back(Pipeline{static_cast<const sql::ScanNode*>(node),
                                nullptr,
                                {above.rbegin(), above.rend()}});
        return absl::OkStatus();
      case PlanKind::kValues:
        out->push_back(Pipeline{nullptr,
                                static_cast<const sql::ValuesNode*>(node),
                                {above.rbegin(), above.rend()}});
        return absl::OkStatus();
      case PlanKind::kFilter:
      case PlanKind::kProject:
      case PlanKind::kLimit:
        above.push_back(node);
        node = node->inputs[0].get();
        break;
      case PlanKind::kWindow:
        // TUMBLE, HOP, CUMULATE: a stateless operator in the source tasks.
        WEIR_RETURN_IF_ERROR(
            CheckWindowAssignable(static_cast<const sql::WindowNode&>(*node)));
        above.push_back(node);
        node = node->inputs[0].get();
        break;
      case PlanKind::kUnion:
        if (!static_cast<const sql::UnionNode*>(node)->all &&
            !ReadsOnlyConstants(*node)) {
          return absl::UnimplementedError(
              "Union distinct is not executable yet here: a UNION over "
              "streams runs under filters, projections, aggregates and "
              "other UNIONs (without ALL), not under a UNION ALL, a LIMIT or "
              "a window");
        }
        above.push_back(node);
        for (const sql::PlanPtr& input : node->inputs) {
          WEIR_RETURN_IF_ERROR(CollectPipelines(input.get(), above, out));
        }
        return absl::OkStatus();
      case PlanKind::kAggregate:
        return absl::UnimplementedError(
            "Aggregate is not executable yet here: a GROUP BY or DISTINCT "
            "runs at the top of a query or under another one, with only "
            "filters and projections between (not under a UNION ALL, a "
            "LIMIT or a window)");
      default:
        return absl::UnimplementedError(
            fmt::format("{} is not executable yet: {}",
                        sql::PlanKindName(node->kind), kStatefulLater));
    }
  }
}

/// A GROUP BY without windows at the top of the plan (under filters and
/// projections only: HAVING, the select list): the aggregate, and the
/// nodes above it bottom-up. `agg` is null when the plan has none there.
struct AggregateCut {
  const sql::AggregateNode* agg = nullptr;
  std::vector<const sql::PlanNode*> above;
};

/// A windowed aggregate whose windows come from the window operator
/// (window.h: TUMBLE, HOP, CUMULATE) runs as the keyed aggregate with
/// window_start and window_end among its group keys (aggregate.h): its
/// stages are those of a GROUP BY, the window operator running in the
/// source tasks below the exchange. SESSION windows merge and have an
/// operator of their own behind the exchange (session_window.h).
absl::StatusOr<AggregateCut> FindAggregate(const sql::PlanNode* node) {
  AggregateCut cut;
  while (node->kind == PlanKind::kFilter || node->kind == PlanKind::kProject) {
    cut.above.insert(cut.above.begin(), node);
    node = node->inputs[0].get();
  }
  if (node->kind != PlanKind::kAggregate) return AggregateCut{};
  const auto* agg = static_cast<const sql::AggregateNode*>(node);
  if (IsSessionAggregate(*agg)) {
    WEIR_RETURN_IF_ERROR(SessionWindowOf(*agg).status());
    cut.agg = agg;
    return cut;
  }
  cut.agg = agg;
  return cut;
}

/// What the stages below an aggregate feed it: the node they end at (the
/// aggregate's input; a SESSION window's input, session_window.h), the
/// rows of its input projection and the exchange key over them.
struct AggregateFeed {
  const sql::PlanNode* below = nullptr;
  std::shared_ptr<const types::Schema> schema;
  std::vector<int> key;
};

absl::StatusOr<AggregateFeed> FeedOf(const sql::AggregateNode& agg) {
  AggregateFeed feed;
  size_t keys = agg.groups.size();
  if (IsSessionAggregate(agg)) {
    WEIR_ASSIGN_OR_RETURN(const sql::WindowNode* window, SessionWindowOf(agg));
    feed.below = window->inputs[0].get();
    WEIR_ASSIGN_OR_RETURN(feed.schema, SessionInputSchema(agg));
    keys -= 2;  // window_start and window_end are the operator's to find
  } else {
    feed.below = agg.inputs[0].get();
    WEIR_ASSIGN_OR_RETURN(feed.schema, AggregateInputSchema(agg));
  }
  for (size_t k = 0; k < keys; ++k) feed.key.push_back(static_cast<int>(k));
  return feed;
}

/// `u` as a UNION ALL, its inputs that are UNIONs (distinct) over streams
/// too, recursively.
sql::PlanPtr UnionAllOf(const sql::UnionNode& u) {
  auto all = std::make_shared<sql::UnionNode>(u);
  all->all = true;
  all->unique_key.clear();
  for (sql::PlanPtr& input : all->inputs) {
    if (input->kind != PlanKind::kUnion) continue;
    const auto& inner = static_cast<const sql::UnionNode&>(*input);
    if (!inner.all && !ReadsOnlyConstants(inner)) input = UnionAllOf(inner);
  }
  return all;
}

/// `node` with each UNION (distinct) over streams where an aggregate may
/// run (at the top or under another aggregate, under filters and
/// projections) replaced by a distinct aggregate (a row count keyed by
/// every column) over the UNION ALL of its branches. A UNION (distinct)
/// directly under one becomes a UNION ALL: the outer distinct removes its
/// duplicates too (a row is in DISTINCT(X UNION ALL Y) exactly when it is
/// in DISTINCT(DISTINCT(X) UNION ALL Y)). A UNION of constant rows alone
/// stays (its DistinctRows keeps the rows seen in memory); other plans come
/// back as they are.
sql::PlanPtr LowerUnionDistinct(const sql::PlanPtr& node) {
  switch (node->kind) {
    case PlanKind::kOutput:
    case PlanKind::kFilter:
    case PlanKind::kProject:
    case PlanKind::kAggregate: {
      sql::PlanPtr input = LowerUnionDistinct(node->inputs[0]);
      if (input == node->inputs[0]) return node;
      return sql::CopyWithInputs(*node, {std::move(input)});
    }
    case PlanKind::kUnion: {
      const auto& u = static_cast<const sql::UnionNode&>(*node);
      if (u.all || ReadsOnlyConstants(u)) return node;
      return sql::MakeDistinctNode(UnionAllOf(u));
    }
    default:
      return node;
  }
}

// --------------------------------------------------------- operator ids

/// Gives every node an id hashed from what it is and the ids of its
/// inputs, post-order; a node equal to one seen before (the same scan in
/// two UNION branches) is told apart by how many came before it.
class IdAssigner {
 public:
  explicit IdAssigner(std::map<const sql::PlanNode*, OperatorId>* ids)
      : ids_(ids) {}

  OperatorId Assign(const sql::PlanNode& node) {
    if (auto it = ids_->find(&node); it != ids_->end()) return it->second;
    std::string text = sql::PlanKindName(node.kind);
    for (const sql::PlanPtr& in : node.inputs) {
      text += fmt::format("|in:{}", static_cast<uint32_t>(Assign(*in)));
    }
    for (const types::Field& f : node.schema.fields()) {
      text += "|" + f.name + ":" + f.type.ToString();
    }
    for (int k : node.unique_key) text += fmt::format("|key:{}", k);
    text += node.append_only ? "|append" : "|changelog";
    switch (node.kind) {
      case PlanKind::kScan:
        text += "|source:" + static_cast<const sql::ScanNode&>(node).source;
        break;
      case PlanKind::kLimit:
        text += fmt::format("|limit:{}",
                            static_cast<const sql::LimitNode&>(node).limit);
        break;
      case PlanKind::kWindow: {
        const auto& w = static_cast<const sql::WindowNode&>(node);
        text += fmt::format("|window:{}:{}:{}:{}:{}", static_cast<int>(w.fn),
                            w.time_column, w.size_micros, w.slide_micros,
                            w.offset_micros);
        break;
      }
      case PlanKind::kAggregate: {
        const auto& a = static_cast<const sql::AggregateNode&>(node);
        if (a.window_start_group) {
          text += fmt::format("|emit:{}:{}", static_cast<int>(a.emit),
                              a.allowed_lateness_micros);
        }
        break;
      }
      case PlanKind::kUnion:
        text += static_cast<const sql::UnionNode&>(node).all ? "|all" : "";
        break;
      case PlanKind::kOutput: {
        const auto& out = static_cast<const sql::OutputNode&>(node);
        text += fmt::format("|output:{}:{}", static_cast<int>(out.output),
                            out.target);
        break;
      }
      default:
        break;
    }
    uint32_t id = 0;
    for (uint64_t salt = 0;; ++salt) {
      id = static_cast<uint32_t>(
          XXH3_64bits_withSeed(text.data(), text.size(), salt));
      if (used_.insert(id).second) break;
    }
    (*ids_)[&node] = OperatorId{id};
    return OperatorId{id};
  }

 private:
  std::map<const sql::PlanNode*, OperatorId>* ids_;
  std::set<uint32_t> used_;
};

// -------------------------------------------------------------- explain

std::string WindowOperatorName(const sql::WindowNode& w) {
  const char* fn = w.fn == sql::WindowFn::kTumble     ? "TUMBLE"
                   : w.fn == sql::WindowFn::kHop      ? "HOP"
                   : w.fn == sql::WindowFn::kCumulate ? "CUMULATE"
                                                      : "SESSION";
  return fmt::format("Window {}", fn);
}

std::string WindowAggregateName(const sql::AggregateNode& a) {
  if (!a.window_start_group) return "Aggregate";
  return a.emit == sql::EmitPolicy::kOnWindowClose
             ? "WindowAggregate (emit on window close)"
             : "WindowAggregate";
}

std::string OperatorName(const PhysicalOperator& op) {
  const sql::PlanNode& n = *op.node;
  if (op.aggregate_input) {
    return n.kind == PlanKind::kAggregate &&
                   IsSessionAggregate(static_cast<const sql::AggregateNode&>(n))
               ? "Project group keys and event time"
               : "Project group keys";
  }
  if (op.normalize) return "ChangelogNormalize (latest row per key)";
  if (op.view_store) return "ViewStore (the view's rows by key)";
  switch (n.kind) {
    case PlanKind::kAggregate: {
      const auto& a = static_cast<const sql::AggregateNode&>(n);
      if (IsSessionAggregate(a)) return SessionWindowTitle(a);
      if (a.aggregates.empty() && !a.window_start_group)
        return "Distinct (a row count per group)";
      return WindowAggregateName(a);
    }
    case PlanKind::kLimit:
      return "Limit (shared by all tasks)";
    case PlanKind::kUnion:
      return static_cast<const sql::UnionNode&>(n).all ? "Union all"
                                                       : "Union distinct";
    case PlanKind::kWindow:
      return WindowOperatorName(static_cast<const sql::WindowNode&>(n));
    default:
      return sql::PlanKindName(n.kind);
  }
}

std::string SinkName(const sql::OutputNode& out) {
  if (out.output == OutputKind::kInsert)
    return fmt::format("Insert into {}", out.target);
  if (out.output == OutputKind::kMaterialize)
    return fmt::format("view state {}", out.target);
  return fmt::format("Sink {} ({})", out.target,
                     out.connector.empty() ? "?" : out.connector);
}

std::string Join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

}  // namespace

// ------------------------------------------------------------- planning

std::vector<bool> ScanColumnsRead(const Stage& stage) {
  if (stage.inputs.size() != 1 || stage.inputs[0].scan == nullptr) return {};
  const sql::ScanNode& scan = *stage.inputs[0].scan;
  const std::vector<bool> all(scan.schema.size(), true);
  if (scan.upsert) return all;
  std::vector<const PhysicalOperator*> chain;
  for (const PhysicalOperator& op : stage.inputs[0].ops) chain.push_back(&op);
  for (const PhysicalOperator& op : stage.ops) chain.push_back(&op);
  std::vector<int> columns;
  for (const PhysicalOperator* op : chain) {
    if (op->aggregate_input || op->normalize) return all;
    if (op->node->kind == PlanKind::kFilter) {
      static_cast<const sql::FilterNode&>(*op->node)
          .predicate->CollectColumns(&columns);
      continue;
    }
    if (op->node->kind != PlanKind::kProject) return all;
    for (const auto& e : static_cast<const sql::ProjectNode&>(*op->node).exprs)
      e->CollectColumns(&columns);
    std::vector<bool> read(scan.schema.size(), false);
    for (int c : columns) {
      if (c < 0 || static_cast<size_t>(c) >= read.size()) return all;
      read[static_cast<size_t>(c)] = true;
    }
    return read;
  }
  return all;
}

absl::StatusOr<PhysicalPlan> PlanPhysical(const sql::PlanPtr& plan,
                                          const PhysicalPlanOptions& options) {
  if (plan->kind != PlanKind::kOutput) {
    return absl::InvalidArgumentError(
        "a physical plan starts at an output node");
  }
  PhysicalPlan physical;
  physical.logical = LowerUnionDistinct(plan);
  physical.output = static_cast<const sql::OutputNode*>(physical.logical.get());
  physical.parallelism = std::max(options.parallelism, 0);
  physical.max_parallelism = options.max_parallelism;
  const sql::OutputNode& out = *physical.output;
  const sql::PlanNode* top = physical.logical->inputs[0].get();
  // The aggregates from the top down, each (under filters and
  // projections) the input of the one before: a DISTINCT under a COUNT, a
  // GROUP BY under a DISTINCT. Each runs in a keyed stage of its own, fed
  // by the stage below over a hash exchange on its group keys; it takes a
  // changelog as input as it takes one from a CDC table. The pipelines
  // feed the last one.
  struct Level {
    AggregateCut cut;
    AggregateFeed feed;
  };
  std::vector<Level> levels;
  const sql::PlanNode* bottom = top;
  for (;;) {
    WEIR_ASSIGN_OR_RETURN(AggregateCut cut, FindAggregate(bottom));
    if (!cut.agg) break;
    if (!levels.empty() && IsSessionAggregate(*levels.back().cut.agg)) {
      return absl::UnimplementedError(
          "a SESSION window over the changelog of another aggregate is not "
          "executable yet");
    }
    WEIR_ASSIGN_OR_RETURN(AggregateFeed feed, FeedOf(*cut.agg));
    physical.aggregate_inputs[cut.agg] = feed.schema;
    bottom = feed.below;
    levels.push_back(Level{std::move(cut), std::move(feed)});
  }
  const sql::AggregateNode* first_agg =
      levels.empty() ? nullptr : levels.back().cut.agg;
  std::vector<Pipeline> pipelines;
  WEIR_RETURN_IF_ERROR(CollectPipelines(bottom, {}, &pipelines));
  bool upsert = false;
  for (const Pipeline& p : pipelines)
    upsert |= p.scan != nullptr && p.scan->upsert;

  // Where the rows go.
  StageOutputKind output = StageOutputKind::kClient;
  std::vector<int> exchange_key;
  switch (out.output) {
    case OutputKind::kClient:
      break;
    case OutputKind::kMaterialize:
      // The view store (view_store.h) ends the stage(s) that write: behind
      // a hash exchange on the view's key for a changelog, so every change
      // of a key is applied by one task, in order.
      output = StageOutputKind::kSink;
      if (!top->append_only) {
        // A global aggregate (no GROUP BY, stateless operators above it)
        // has one row: its key has no columns.
        const sql::AggregateNode* top_agg =
            levels.empty() ? nullptr : levels.front().cut.agg;
        const bool one_row = top_agg != nullptr && top_agg->groups.empty() &&
                             !top_agg->window_start_group;
        if (out.unique_key.empty() && !one_row) {
          return absl::UnimplementedError(
              "a materialized view over a changelog needs a unique key to "
              "apply its changes to (e.g. GROUP BY keys); this query's "
              "output has none");
        }
        output = StageOutputKind::kExchange;
        exchange_key = out.unique_key;
      }
      if (options.catalog != nullptr)
        physical.target = options.catalog->Find(out.target);
      break;
    case OutputKind::kSink:
    case OutputKind::kInsert: {
      output = StageOutputKind::kSink;
      std::vector<int> key = out.unique_key;
      if (options.catalog != nullptr) {
        physical.target = options.catalog->Find(out.target);
        if (physical.target == nullptr) {
          return absl::NotFoundError(
              fmt::format("'{}' was dropped", out.target));
        }
        key = physical.target->key;
      }
      // A changelog into a keyed target: every change of a key must be
      // written by one task, in order (Flink's keyed sink shuffle).
      if (!top->append_only && !key.empty()) {
        output = StageOutputKind::kExchange;
        exchange_key = key;
      }
      break;
    }
  }
  if (options.catalog != nullptr) {
    for (const Pipeline& p : pipelines) {
      if (p.scan != nullptr && options.catalog->Find(p.scan->source) == nullptr)
        return absl::NotFoundError(
            fmt::format("'{}' was dropped", p.scan->source));
    }
  }
  if ((output == StageOutputKind::kExchange || first_agg || upsert) &&
      physical.parallelism > 0 &&
      physical.parallelism > physical.max_parallelism) {
    return absl::InvalidArgumentError(fmt::format(
        "parallelism {} is above max-parallelism {}: the tasks of a keyed "
        "stage share that many key groups; SET 'max-parallelism' to at "
        "least {}",
        physical.parallelism, physical.max_parallelism, physical.parallelism));
  }

  IdAssigner ids(&physical.ids);
  ids.Assign(*physical.logical);
  auto op_of = [&](const sql::PlanNode* n) {
    return PhysicalOperator{n, physical.ids.at(n)};
  };

  // A keyed stage reading one exchange from each stage of `from` on
  // `key`, its tasks running `ops` into `stage_output`; returns its index.
  auto add_keyed_stage = [&](const std::vector<int>& from,
                             const std::vector<int>& key,
                             std::vector<PhysicalOperator> ops,
                             StageOutputKind stage_output) {
    const int to = static_cast<int>(physical.stages.size());
    Stage stage;
    stage.output = stage_output;
    stage.tasks = physical.parallelism;
    stage.ops = std::move(ops);
    for (int s : from) {
      ExchangeSpec spec;
      spec.from_stage = s;
      spec.to_stage = to;
      spec.key_columns = key;
      physical.stages[static_cast<size_t>(s)].exchange =
          static_cast<int>(physical.exchanges.size());
      StageInput input;
      input.kind = StageInputKind::kExchange;
      input.exchange = static_cast<int>(physical.exchanges.size());
      stage.inputs.push_back(std::move(input));
      physical.exchanges.push_back(std::move(spec));
    }
    physical.stages.push_back(std::move(stage));
    return to;
  };

  // One source stage per pipeline (into the aggregate's exchanges when
  // there is one). An upsert TABLE's source stage only reads and hands its
  // records to a keyed stage on the PRIMARY KEY, which normalizes them and
  // runs the pipeline's operators; those stages come after every source.
  const StageOutputKind source_output =
      first_agg ? StageOutputKind::kExchange : output;
  std::vector<int> top_stages;  // whose rows go on to the aggregate/output
  std::vector<std::pair<int, std::vector<PhysicalOperator>>> to_normalize;
  for (const Pipeline& p : pipelines) {
    Stage stage;
    StageInput input;
    if (p.scan != nullptr) {
      input.kind = StageInputKind::kSource;
      input.scan = p.scan;
      input.source_id = physical.ids.at(p.scan);
      stage.tasks = physical.parallelism;
    } else {
      input.kind = StageInputKind::kValues;
      input.values = p.values;
      input.source_id = physical.ids.at(p.values);
      stage.tasks = 1;
    }
    stage.inputs.push_back(std::move(input));
    std::vector<PhysicalOperator> ops;
    for (const sql::PlanNode* n : p.ops) ops.push_back(op_of(n));
    if (first_agg) {
      PhysicalOperator input_op = op_of(first_agg);
      input_op.aggregate_input = true;
      ops.push_back(input_op);
    }
    const int index = static_cast<int>(physical.stages.size());
    if (p.scan != nullptr && p.scan->upsert) {
      PhysicalOperator normalize = op_of(p.scan);
      normalize.normalize = true;
      ops.insert(ops.begin(), normalize);
      to_normalize.emplace_back(index, std::move(ops));
      stage.output = StageOutputKind::kExchange;
    } else {
      stage.ops = std::move(ops);
      stage.output = source_output;
      top_stages.push_back(index);
    }
    physical.stages.push_back(std::move(stage));
  }
  for (auto& [source_stage, ops] : to_normalize) {
    const sql::ScanNode& scan =
        *physical.stages[static_cast<size_t>(source_stage)].inputs[0].scan;
    top_stages.push_back(add_keyed_stage({source_stage}, scan.unique_key,
                                         std::move(ops), source_output));
  }

  // Each aggregate's tasks, each owning the groups of its key groups,
  // from the bottom up; all but the top one end in the next one's input
  // projection and exchange.
  for (size_t l = levels.size(); l-- > 0;) {
    const Level& level = levels[l];
    std::vector<PhysicalOperator> ops{op_of(level.cut.agg)};
    for (const sql::PlanNode* n : level.cut.above) ops.push_back(op_of(n));
    StageOutputKind stage_output = output;
    if (l > 0) {
      PhysicalOperator input_op = op_of(levels[l - 1].cut.agg);
      input_op.aggregate_input = true;
      ops.push_back(input_op);
      stage_output = StageOutputKind::kExchange;
    }
    top_stages = {add_keyed_stage(top_stages, level.feed.key, std::move(ops),
                                  stage_output)};
  }
  // The keyed sink tasks, reading one exchange per stage that writes.
  if (output == StageOutputKind::kExchange)
    add_keyed_stage(top_stages, exchange_key, {}, StageOutputKind::kSink);
  if (out.output == OutputKind::kMaterialize) {
    for (Stage& stage : physical.stages) {
      if (stage.output != StageOutputKind::kSink) continue;
      PhysicalOperator store = op_of(physical.output);
      store.view_store = true;
      stage.ops.push_back(store);
    }
  }
  return physical;
}

const types::Schema& PhysicalPlan::OutputSchema(int s) const {
  const Stage& stage = stages[static_cast<size_t>(s)];
  if (!stage.ops.empty() && stage.ops.back().aggregate_input)
    return *aggregate_inputs.at(stage.ops.back().node);
  if (!stage.ops.empty()) return stage.ops.back().node->schema;
  const StageInput& in = stage.inputs.front();
  if (!in.ops.empty()) return in.ops.back().node->schema;
  switch (in.kind) {
    case StageInputKind::kSource:
      return in.scan->schema;
    case StageInputKind::kValues:
      return in.values->schema;
    case StageInputKind::kExchange:
      break;
  }
  return OutputSchema(exchanges[static_cast<size_t>(in.exchange)].from_stage);
}

// -------------------------------------------------------------- explain

std::string PhysicalPlan::Describe() const {
  const int n = parallelism;
  auto end_of = [&](const Stage& stage) -> std::string {
    switch (stage.output) {
      case StageOutputKind::kExchange:
        return "hash exchange";
      case StageOutputKind::kSink:
        return SinkName(*output);
      case StageOutputKind::kClient:
        break;
    }
    return "client queue";
  };
  std::vector<std::string> lines;
  for (size_t s = 0; s < stages.size(); ++s) {
    const Stage& stage = stages[s];
    std::vector<std::string> chain;
    if (stage.reads_source()) {
      const StageInput& in = stage.inputs[0];
      chain.push_back(in.scan ? fmt::format("Source {}", in.scan->source)
                              : std::string("Values"));
      for (const PhysicalOperator& op : stage.ops)
        chain.push_back(OperatorName(op));
      chain.push_back(end_of(stage));
      const std::string text = Join(chain, " -> ");
      if (in.values) {
        lines.push_back("1 task (constant rows) on the worker pool: " + text);
      } else if (n > 0) {
        lines.push_back(fmt::format(
            "{} source task{} (one per split of {}) on the worker pool: {}", n,
            n == 1 ? "" : "s", in.scan->source, text));
      } else {
        lines.push_back(fmt::format(
            "one source task per core (SET 'parallelism' to choose), each "
            "reading one split of {}, on the worker pool: {}",
            in.scan->source, text));
      }
      continue;
    }
    // A stage behind exchanges: the keys it is partitioned on (the same
    // for every input of a union; each input's when they differ).
    std::vector<std::string> keys;
    for (const StageInput& in : stage.inputs) {
      const ExchangeSpec& spec = exchanges[static_cast<size_t>(in.exchange)];
      const types::Schema& schema = OutputSchema(spec.from_stage);
      std::vector<std::string> names;
      for (int k : spec.key_columns) {
        names.push_back(static_cast<size_t>(k) < schema.size()
                            ? schema.field(static_cast<size_t>(k)).name
                            : fmt::format("#{}", k));
      }
      std::string key = "(" + Join(names, ", ") + ")";
      if (std::find(keys.begin(), keys.end(), key) == keys.end())
        keys.push_back(key);
    }
    for (const PhysicalOperator& op : stage.ops)
      chain.push_back(OperatorName(op));
    chain.push_back(end_of(stage));
    const char* kind =
        stage.output == StageOutputKind::kSink && stage.ops.empty()
            ? "sink task"
            : "task";
    std::string tasks = n > 0
                            ? fmt::format("{} {}{}", n, kind, n == 1 ? "" : "s")
                            : fmt::format("one {} per core", kind);
    lines.push_back(fmt::format("hash exchange on {} -> {}: {}",
                                Join(keys, " and "), tasks,
                                Join(chain, " -> ")));
  }
  return Join(lines, "\n");
}

std::string ExplainPhysical(
    const sql::PlanPtr& plan, const PhysicalPlanOptions& options,
    const std::function<std::string(const sql::PlanNode& root)>& refusal) {
  if (refusal) {
    std::string why = refusal(*plan);
    if (!why.empty()) return "not executable yet: " + why;
  }
  absl::StatusOr<PhysicalPlan> physical = PlanPhysical(plan, options);
  if (!physical.ok()) return std::string(physical.status().message());
  return physical->Describe();
}

std::string ExplainPhysical(const sql::PlanPtr& plan, int parallelism,
                            const catalog::Catalog* catalog) {
  PhysicalPlanOptions options;
  options.parallelism = parallelism;
  options.catalog = catalog;
  return ExplainPhysical(plan, options);
}

absl::Status CheckExecutable(const sql::PlanPtr& plan,
                             PhysicalPlanOptions options) {
  options.parallelism = EffectiveParallelism(options.parallelism);
  return PlanPhysical(plan, options).status();
}

int EffectiveParallelism(int requested) {
  if (requested > 0) return requested;
  unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(cores);
}

}  // namespace weir::exec
