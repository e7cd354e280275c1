#pragma once

// The physical plan: what runs, between the logical plan (engine/sql) and
// the tasks (pipeline.h). The planner cuts the logical plan into *stages*
// joined by *exchanges*:
//
//   - a stage is a group of identical tasks: each reads the stage's inputs
//     (a source split, constant rows, or the channels of one or more
//     exchanges) and runs the same chain of operators into the stage's
//     output (the client queue, a sink per task, or an exchange to the
//     next stage);
//   - an exchange connects every task of one stage to every task of the
//     next and routes rows by key (exchange.h);
//   - a stage with several inputs (a UNION of branches behind exchanges;
//     joins later) has one exchange per input; its tasks combine their
//     inputs' watermarks and align their barriers.
//
// Today's shapes: every scan (each UNION ALL branch) is a source stage
// with one task per split, running its own copy of the stateless
// operators above it (filter, project, the union, a shared LIMIT); each
// VALUES node is a one-task stage, the VALUES stages running one after
// another in plan order; a changelog written into a keyed target adds a
// stage of sink tasks behind a hash exchange on the target's key, fed by
// every source stage. A GROUP BY without windows cuts the plan: the
// stages below it end in the aggregate's input projection and a hash
// exchange on the group keys, and one keyed stage runs the aggregate and
// the stateless operators above it (HAVING, the final projection) into
// the output (or into the keyed sink exchange: the aggregate's output is a
// changelog). A windowed GROUP BY over TUMBLE, HOP or CUMULATE has the
// same shape: the window operator (window.h) is one more stateless
// operator of the source stages, and the keyed aggregate takes
// window_start and window_end among its group keys; a SESSION window's
// aggregate is cut below the window and runs the session operator
// (session_window.h) in the keyed stage. SELECT DISTINCT and GROUP BY
// without aggregate functions are an aggregate with no calls (a row count
// per group); a UNION (distinct) over streams there is planned as one: the
// aggregate keyed by every column over the UNION ALL of its branches (a
// UNION (distinct) directly under it becoming a UNION ALL too; a UNION of
// constant rows alone keeps its in-memory DistinctRows). An aggregate
// under another (a COUNT over a DISTINCT, a DISTINCT over a GROUP BY, with
// filters and projections between) runs in a keyed stage of its own that
// ends in the upper one's input projection and hash exchange: the upper
// aggregate takes the lower one's changelog. A Kafka
// TABLE in a plain format (json, csv, raw, avro) is an upsert topic: its
// source stage ends in a hash exchange on the PRIMARY KEY, and a keyed
// stage runs the changelog normalize (the latest row per key) and the
// operators above the scan. Other stateful operators (joins, top-N, an
// aggregate below a UNION ALL, a LIMIT or a window) are refused until they
// are built; the type already takes any number of stages.
//
// Operator ids. Every logical node of the plan gets an id that depends
// only on the plan (its kind, schema and the ids of its inputs, hashed),
// so the same statement gets the same ids in every run and on every
// machine; operators replicated into several tasks share their node's id.
// State will be keyed by it (operator id | key group | key).
//
// EXPLAIN prints the physical plan from this type (Describe), one line per
// stage.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/catalog/catalog.h"
#include "engine/sql/logical_plan.h"

namespace weir::exec {

/// A stable id of a plan node (see the file comment).
enum class OperatorId : uint32_t {};

/// One operator of a stage: the logical node it runs and its id.
struct PhysicalOperator {
  const sql::PlanNode* node = nullptr;  // owned by PhysicalPlan::logical
  OperatorId id{};
  /// For an AggregateNode: true for the projection in front of its keyed
  /// exchange (the group keys, then each call's argument), false for the
  /// aggregate itself, behind the exchange (aggregate.h).
  bool aggregate_input = false;
  /// For a ScanNode of an upsert TABLE: the changelog normalize behind the
  /// hash exchange on its PRIMARY KEY (changelog_normalize.h).
  bool normalize = false;
  /// For the OutputNode of a materialized view: the view store that ends
  /// each stage writing the view (view_store.h).
  bool view_store = false;
};

enum class StageInputKind { kSource, kValues, kExchange };

/// Where one input of a stage comes from.
struct StageInput {
  StageInputKind kind = StageInputKind::kSource;
  const sql::ScanNode* scan = nullptr;      // kSource
  const sql::ValuesNode* values = nullptr;  // kValues
  int exchange = -1;                        // kExchange: PhysicalPlan index
  /// The scan's or VALUES node's id (kSource, kValues).
  OperatorId source_id{};
  /// Stateless operators applied to this input's rows only, bottom-up,
  /// before the stage's shared operators (e.g. the relabeling of a UNION
  /// branch). Events (watermarks, barriers) enter at the shared part.
  std::vector<PhysicalOperator> ops;
};

enum class StageOutputKind { kClient, kSink, kExchange };

struct Stage {
  std::vector<StageInput> inputs;
  /// The operators every input's rows go through, bottom-up.
  std::vector<PhysicalOperator> ops;
  StageOutputKind output = StageOutputKind::kClient;
  int exchange = -1;  // kExchange: the exchange it feeds
  /// Tasks: 1 for constant rows, else the plan's parallelism (0 in a plan
  /// made for EXPLAIN without one: one per core).
  int tasks = 0;

  bool reads_values() const {
    return inputs.size() == 1 && inputs[0].kind == StageInputKind::kValues;
  }
  bool reads_source() const {
    return inputs.size() == 1 && inputs[0].kind != StageInputKind::kExchange;
  }
};

struct ExchangeSpec {
  int from_stage = -1;
  int to_stage = -1;
  /// Key columns of the rows the from-stage emits.
  std::vector<int> key_columns;
};

struct PhysicalPlan {
  /// The optimized logical plan; holds every node the stages point to.
  sql::PlanPtr logical;
  const sql::OutputNode* output = nullptr;
  /// Producers before consumers; source and VALUES stages first, in plan
  /// order.
  std::vector<Stage> stages;
  std::vector<ExchangeSpec> exchanges;
  /// 0: one task per core (EXPLAIN without `parallelism`).
  int parallelism = 0;
  int max_parallelism = 128;
  /// The sink or insert target (nullptr: client output, or planned
  /// without a catalog).
  const catalog::Entry* target = nullptr;
  /// The id of every node of `logical`.
  std::map<const sql::PlanNode*, OperatorId> ids;
  /// The rows each aggregate's input projection emits (aggregate.h).
  std::map<const sql::PlanNode*, std::shared_ptr<const types::Schema>>
      aggregate_inputs;

  /// The physical plan as EXPLAIN prints it after "Physical plan: ".
  std::string Describe() const;
  /// The schema of the rows stage `s` emits.
  const types::Schema& OutputSchema(int s) const;
};

struct PhysicalPlanOptions {
  /// Tasks per source split group and per keyed stage; 0: one per core.
  int parallelism = 0;
  /// Key groups of the query (SET 'max-parallelism').
  int max_parallelism = 128;
  /// Finds sink and insert targets (their key) and checks that what the
  /// plan reads still exists; without it the output node's unique key
  /// stands for the target's (a sink being explained before it exists).
  const catalog::Catalog* catalog = nullptr;
};

/// Projection pushdown: the columns of the scan of source stage `stage`
/// that its operators use, one flag per column of the scan's schema. Known
/// when the operators start with filters (their predicates' columns) and a
/// projection (its expressions' columns); in every other case (rows that
/// leave with the scan's columns, an upsert table's normalize, an
/// aggregate's input, a window function, a stage that does not read a
/// source) every column.
std::vector<bool> ScanColumnsRead(const Stage& stage);

/// Plans `plan` (rooted at an OutputNode). Unimplemented, naming the
/// operator, for what cannot run yet (stateful operators); NotFound for a
/// target or source that was dropped.
absl::StatusOr<PhysicalPlan> PlanPhysical(const sql::PlanPtr& plan,
                                          const PhysicalPlanOptions& options);

/// What EXPLAIN prints after "Physical plan: " for `plan`: Describe(), or
/// why it cannot run ("not executable yet: " + `refusal` when `refusal`
/// (the session's view of its sources and sinks, e.g. a sink connector
/// that does not run) says so; else the planner's own refusal).
std::string ExplainPhysical(
    const sql::PlanPtr& plan, const PhysicalPlanOptions& options,
    const std::function<std::string(const sql::PlanNode& root)>& refusal =
        nullptr);

/// As above with only a parallelism and a catalog (tests).
std::string ExplainPhysical(const sql::PlanPtr& plan, int parallelism,
                            const catalog::Catalog* catalog = nullptr);

/// OK when `plan` can run with `options` (as far as its operators and
/// output go; sources and sinks are opened by RunningQuery::Start), else
/// the error Start would give. Lets a caller refuse a query before it
/// creates topics or opens connections for it.
absl::Status CheckExecutable(const sql::PlanPtr& plan,
                             PhysicalPlanOptions options);

/// The tasks per stage that `requested` (SET 'parallelism', 0 when unset)
/// stands for: 0 means one per core.
int EffectiveParallelism(int requested);

}  // namespace weir::exec
