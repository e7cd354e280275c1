#pragma once

// Logical plan nodes: what a bound statement computes, before the physical
// planner decides tasks and exchanges. Nodes are immutable once built and
// shared (shared_ptr<const>); rewrites build new nodes.
//
// Every node knows its output schema, its unique key (the columns that
// identify a row of its output, if any), whether its output is append-only
// or a changelog (inserts, updates and deletes), which output column carries
// event time with a watermark, and what state it keeps. EXPLAIN prints all
// of that.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/catalog/catalog.h"
#include "engine/expr/bound_expr.h"
#include "engine/types/schema.h"

namespace weir::sql {

enum class PlanKind {
  kScan,    // read a catalog source or view
  kValues,  // constant rows (INSERT ... VALUES, SELECT without FROM)
  kFilter,
  kProject,
  kWindow,     // TUMBLE / HOP / CUMULATE / SESSION table function
  kAggregate,  // GROUP BY (windowed or not)
  kJoin,
  kRank,   // ROW_NUMBER/RANK/DENSE_RANK OVER, top-N when limited
  kSort,   // ORDER BY (pull queries)
  kLimit,  // LIMIT (pull queries, push queries stop after n rows)
  kUnion,
  kOutput,  // the root: where results go
};

struct PlanNode;
using PlanPtr = std::shared_ptr<const PlanNode>;

struct PlanNode {
  explicit PlanNode(PlanKind k) : kind(k) {}
  virtual ~PlanNode() = default;

  PlanKind kind;
  types::Schema schema;
  std::vector<int> unique_key;  // empty: rows have no key
  bool append_only = true;
  /// The output column that is an event-time attribute whose watermark is
  /// known (from a WATERMARK declaration, through windows), if any.
  std::optional<int> event_time;
  /// Watermark delay of that column in microseconds, when it is a constant.
  std::optional<int64_t> watermark_delay;
  std::vector<PlanPtr> inputs;
};

struct ScanNode : PlanNode {
  ScanNode() : PlanNode(PlanKind::kScan) {}
  std::string source;  // catalog name
  catalog::EntryKind source_kind = catalog::EntryKind::kStream;
  std::string connector;
  std::string detail;  // e.g. "topic=bids format=json"
  /// An upsert TABLE (catalog::Entry::upsert): read through the changelog
  /// normalize, which keeps the latest row per key.
  bool upsert = false;
};

struct ValuesNode : PlanNode {
  ValuesNode() : PlanNode(PlanKind::kValues) {}
  std::vector<std::vector<expr::BoundExprPtr>> rows;
};

struct FilterNode : PlanNode {
  FilterNode() : PlanNode(PlanKind::kFilter) {}
  expr::BoundExprPtr predicate;
};

struct ProjectNode : PlanNode {
  ProjectNode() : PlanNode(PlanKind::kProject) {}
  std::vector<expr::BoundExprPtr> exprs;  // one per output column
};

enum class WindowFn { kTumble, kHop, kCumulate, kSession };

struct WindowNode : PlanNode {
  WindowNode() : PlanNode(PlanKind::kWindow) {}
  WindowFn fn = WindowFn::kTumble;
  int time_column = -1;      // input column
  int64_t size_micros = 0;   // TUMBLE/HOP size, CUMULATE max size, SESSION gap
  int64_t slide_micros = 0;  // HOP slide, CUMULATE step
  int64_t offset_micros = 0;
  // Output: the input columns, then window_start, window_end.
};

struct AggregateCall {
  std::string function;                  // COUNT, SUM, COUNT_DISTINCT, ...
  std::vector<expr::BoundExprPtr> args;  // over the aggregate's input
  bool distinct = false;
  bool star = false;  // COUNT(*)
  types::LogicalType type;
  std::string state;    // from the registry, for EXPLAIN
  std::string display;  // "SUM(amount)"
};

enum class EmitPolicy { kUpdates, kOnWindowClose };

struct AggregateNode : PlanNode {
  AggregateNode() : PlanNode(PlanKind::kAggregate) {}
  std::vector<expr::BoundExprPtr> groups;  // output columns 0..groups-1
  std::vector<AggregateCall> aggregates;   // then one column per call
  /// Set when the groups include window_start and window_end of a window
  /// table function: indexes (into `groups`) of those two.
  std::optional<int> window_start_group;
  std::optional<int> window_end_group;
  WindowFn window_fn = WindowFn::kTumble;  // when windowed
  EmitPolicy emit = EmitPolicy::kUpdates;
  int64_t allowed_lateness_micros = 0;
  /// True when the input is a changelog, so aggregates must retract.
  bool retracting = false;
};

enum class JoinKind { kRegular, kInterval };

struct JoinNode : PlanNode {
  JoinNode() : PlanNode(PlanKind::kJoin) {}
  JoinKind join_kind = JoinKind::kRegular;
  int join_type = 0;  // ast::JoinType as int (kept free of the AST)
  /// Over the concatenated schema (left columns, then right columns).
  expr::BoundExprPtr condition;  // may be null (after full extraction)
  std::vector<std::pair<int, int>> equi_keys;  // (left col, right col index
                                               // within the right input)
  // Interval joins: left.time BETWEEN right.time + lower AND
  // right.time + upper.
  int left_time = -1;
  int right_time = -1;
  int64_t lower_micros = 0;
  int64_t upper_micros = 0;
};

enum class RankFn { kRowNumber, kRank, kDenseRank };

struct RankNode : PlanNode {
  RankNode() : PlanNode(PlanKind::kRank) {}
  RankFn fn = RankFn::kRowNumber;
  std::vector<expr::BoundExprPtr> partition_by;
  std::vector<expr::BoundExprPtr> order_by;
  std::vector<bool> descending;
  int64_t limit = 0;  // 0 until an outer filter `rn <= N` sets it
  SourceSpan span;    // the ROW_NUMBER() call, for errors
  // Output: the input columns, then the rank column.
};

struct SortNode : PlanNode {
  SortNode() : PlanNode(PlanKind::kSort) {}
  std::vector<expr::BoundExprPtr> keys;
  std::vector<bool> descending;
  std::vector<bool> nulls_first;
};

struct LimitNode : PlanNode {
  LimitNode() : PlanNode(PlanKind::kLimit) {}
  int64_t limit = 0;
};

struct UnionNode : PlanNode {
  UnionNode() : PlanNode(PlanKind::kUnion) {}
  bool all = true;  // UNION (not ALL) deduplicates: keeps a row count
};

enum class OutputKind {
  kClient,       // push or pull query results to the caller
  kMaterialize,  // CREATE MATERIALIZED VIEW
  kSink,         // CREATE SINK
  kInsert,       // INSERT INTO a stream
};

struct OutputNode : PlanNode {
  OutputNode() : PlanNode(PlanKind::kOutput) {}
  OutputKind output = OutputKind::kClient;
  std::string target;     // view, sink or stream name
  std::string connector;  // for sinks
  std::string detail;     // e.g. "table=revenue"
  bool push = false;      // kClient: a push query (EMIT ...)
};

/// Makes `input` the only input of `node` and gives `node` its schema, key,
/// changelog mode and watermark: for nodes that pass rows through (filters,
/// limits, outputs).
void PassThrough(const PlanPtr& input, PlanNode* node);

/// A copy of `node` (of any kind) reading `inputs` instead of its own.
PlanPtr CopyWithInputs(const PlanNode& node, std::vector<PlanPtr> inputs);

/// A filter over `input` keeping its schema, key, changelog mode and
/// watermark.
PlanPtr MakeFilterNode(const PlanPtr& input, expr::BoundExprPtr predicate);

/// SELECT DISTINCT (and a UNION's deduplication) over `input`: an
/// aggregate without calls grouping by every column, keyed by all of them.
/// Over an append-only input it only ever inserts (a row's count never
/// returns to zero); over a changelog it retracts.
PlanPtr MakeDistinctNode(const PlanPtr& input);

/// Names of plan node kinds as EXPLAIN shows them.
const char* PlanKindName(PlanKind kind);

/// Visits every node, inputs first.
void ForEachNode(const PlanPtr& root,
                 const std::function<void(const PlanNode&)>& fn);

}  // namespace weir::sql
