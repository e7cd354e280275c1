#pragma once

// The binder's private types, shared by its files (not part of the public
// surface, which is engine/sql/binder.h). One StatementBinder binds one
// statement; its methods are spread over one file per concern:
//
//   bind_statement.cc    the statement dispatch, queries, DROP, DESCRIBE,
//                        SHOW, SET, RESET, TERMINATE, EXPLAIN
//   bind_create.cc       CREATE STREAM/TABLE, CREATE MATERIALIZED VIEW,
//                        CREATE SINK and their WITH options
//   bind_insert.cc       INSERT ... VALUES and INSERT ... SELECT
//   bind_query_node.cc   a query: set operations, ORDER BY, LIMIT, EMIT
//   bind_select.cc       one SELECT block: FROM, WHERE, the select list,
//                        top-N, DISTINCT
//   bind_aggregate.cc    GROUP BY, aggregates, HAVING, EMIT ON WINDOW CLOSE
//   bind_tableref.cc     FROM items: named sources, subqueries, windows
//   bind_join.cc         joins: keys, interval bounds, output keys
//   bind_expression.cc   expressions, operators and scalar calls
//   bind_function.cc     function calls: aggregates, window functions
//   bind_literal.cc      literals and type names
//   connector_rules.cc   what the binder asks the connectors
//   bind_helpers.cc      scopes, spans and plan helpers used by several

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/catalog/catalog.h"
#include "engine/catalog/connector.h"
#include "engine/catalog/connector_options.h"
#include "engine/catalog/connector_registry.h"
#include "engine/expr/bound_expr.h"
#include "engine/sql/ast.h"
#include "engine/sql/binder.h"
#include "engine/sql/logical_plan.h"

namespace weir::sql::internal {

using expr::BoundExprPtr;
using types::LogicalType;

// Aggregate results are referenced from select/having expressions through
// columns numbered from kAggBase while binding; the aggregate rewrite maps
// them to the aggregate node's output columns.
constexpr int kAggBase = 1 << 20;

constexpr int64_t kMicrosPerSecond = 1000000;

/// A column visible to expressions: its plan column index is its position.
struct ScopeColumn {
  ScopeColumn(std::string q, std::string n, LogicalType t, bool null,
              SourceSpan s = {})
      : qualifier(std::move(q)),
        name(std::move(n)),
        type(t),
        nullable(null),
        span(s) {}
  std::string qualifier;  // table name or alias ("" for derived columns)
  std::string name;
  LogicalType type;
  bool nullable = true;
  SourceSpan span;  // the select item that made it, when derived
  /// The right-hand copy of a JOIN ... USING column: reachable only when
  /// qualified, and left out of SELECT *.
  bool merged_away = false;
};

/// A source read by a query, for pull-query checks and dependency lists.
struct SourceUse {
  std::string name;
  catalog::EntryKind kind;
  SourceSpan span;
};

/// A bound FROM item or query: its plan and the names it exposes.
struct BoundRel {
  PlanPtr plan;
  std::vector<ScopeColumn> columns;
  std::vector<SourceUse> sources;
  // Set when the relation comes straight from a window table function
  // (possibly filtered): the window columns and how they were made.
  std::optional<int> window_start;
  std::optional<int> window_end;
  WindowFn window_fn = WindowFn::kTumble;
  bool window_has_watermark = false;
  std::string window_time_name;
};

/// Where an expression stands, for the rules that depend on it and for
/// error messages.
enum class Clause {
  kSelect,
  kWhere,
  kGroupBy,
  kHaving,
  kOn,
  kWatermark,
  kValues,
  kOrderBy,
  kWindowArg,
  kLimit,
  kLateness,
  kAggregateArg
};

/// How a clause is named in errors: "WHERE", "the select list", ...
const char* ClauseName(Clause c);

/// A window function found in a select item (top-N).
struct RankUse {
  RankFn fn = RankFn::kRowNumber;
  std::vector<BoundExprPtr> partition_by;
  std::vector<BoundExprPtr> order_by;
  std::vector<bool> descending;
  SourceSpan span;
};

/// What an expression may see and use: the columns in scope, and where
/// aggregates and window functions found in it are collected (null when
/// they are not allowed there).
struct ExprContext {
  const std::vector<ScopeColumn>* scope = nullptr;
  Clause clause = Clause::kSelect;
  std::vector<AggregateCall>* aggregates = nullptr;
  std::vector<SourceSpan>* aggregate_spans = nullptr;
  std::optional<RankUse>* rank = nullptr;
};

/// A bound select list: one expression, name and span per output column
/// (stars expanded), and the aggregates and window function it uses.
struct SelectList {
  std::vector<BoundExprPtr> items;
  std::vector<std::string> names;
  std::vector<SourceSpan> spans;
  std::vector<AggregateCall> aggregates;
  std::vector<SourceSpan> aggregate_spans;
  std::optional<RankUse> rank;
};

/// Binds one statement against a catalog it only reads.
class StatementBinder {
 public:
  StatementBinder(const catalog::Catalog& catalog,
                  const catalog::ConnectorRegistry& connectors,
                  const catalog::DeclareContext& context,
                  std::string_view source)
      : catalog_(catalog),
        connectors_(connectors),
        context_(context),
        source_(source) {}

  absl::StatusOr<BoundStatement> Bind(const ast::Statement& stmt);

 private:
  // Statements (bind_statement.cc).
  absl::StatusOr<BoundStatement> BindQueryStatement(
      const ast::QueryStatement& s);
  absl::StatusOr<BoundStatement> BindDrop(const ast::DropStatement& s);
  absl::StatusOr<BoundStatement> BindDescribe(const ast::DescribeStatement& s);
  absl::StatusOr<BoundStatement> BindExplain(const ast::ExplainStatement& s);

  // CREATE (bind_create.cc).
  absl::StatusOr<BoundStatement> BindCreateSource(
      const ast::CreateSourceStatement& s);
  absl::Status BindColumnDefs(const ast::CreateSourceStatement& s,
                              catalog::Entry* entry);
  absl::Status BindPrimaryKey(const ast::CreateSourceStatement& s,
                              catalog::Entry* entry);
  absl::Status BindWatermark(const ast::WatermarkDef& w, catalog::Entry* entry);
  absl::StatusOr<BoundStatement> BindCreateView(
      const ast::CreateViewStatement& s);
  absl::StatusOr<BoundStatement> BindCreateSink(
      const ast::CreateSinkStatement& s);
  absl::Status CheckOptions(
      catalog::OptionUse use, const std::vector<ast::Option>& options,
      const SourceSpan& fallback,
      std::vector<std::pair<std::string, std::string>>* out);
  /// The exact text of `span` in the script.
  std::string TextOf(const SourceSpan& span) const;

  // INSERT (bind_insert.cc).
  absl::StatusOr<BoundStatement> BindInsert(const ast::InsertStatement& s);
  absl::StatusOr<const catalog::Entry*> FindInsertTarget(
      const ast::InsertStatement& s);
  absl::StatusOr<std::vector<int>> InsertColumns(const ast::InsertStatement& s,
                                                 const catalog::Entry& target);
  absl::StatusOr<BoundRel> BindInsertQuery(const ast::InsertStatement& s,
                                           const catalog::Entry& target,
                                           const std::vector<int>& cols);
  absl::StatusOr<PlanPtr> BindInsertValues(const ast::InsertStatement& s,
                                           const catalog::Entry& target,
                                           const std::vector<int>& cols);

  // Queries (bind_query_node.cc).
  enum class QueryUse { kTop, kSubquery, kView, kSink, kInsert };
  absl::StatusOr<BoundRel> BindQuery(const ast::Query& q, QueryUse use);
  absl::Status CheckEmitPlacement(const ast::Query& q, QueryUse use);
  absl::StatusOr<BoundRel> BindBody(const ast::QueryBody& body,
                                    const ast::Query& q);
  absl::StatusOr<BoundRel> BindUnion(const ast::QueryBody& body,
                                     const ast::Query& q);
  absl::StatusOr<PlanPtr> BindOrderBy(const ast::Query& q, const BoundRel& rel);
  absl::StatusOr<PlanPtr> BindLimit(const ast::Query& q, const PlanPtr& input);

  // SELECT (bind_select.cc).
  absl::StatusOr<BoundRel> BindSelect(const ast::SelectCore& core,
                                      const ast::Query& q);
  absl::StatusOr<BoundRel> BindFromWhere(const ast::SelectCore& core);
  absl::StatusOr<SelectList> BindSelectList(const ast::SelectCore& core,
                                            const BoundRel& rel);
  absl::StatusOr<PlanPtr> ApplyRankLimit(const PlanPtr& plan,
                                         const BoundExprPtr& conjunct,
                                         bool* used);

  // GROUP BY (bind_aggregate.cc). Builds the aggregate (and HAVING) over
  // `rel` and rewrites `list` to read the aggregate's output.
  absl::StatusOr<PlanPtr> BindAggregation(const ast::SelectCore& core,
                                          const ast::Query& q,
                                          const BoundRel& rel,
                                          SelectList* list);
  absl::StatusOr<std::vector<BoundExprPtr>> BindGroupBy(
      const ast::SelectCore& core, const BoundRel& rel);
  absl::Status ApplyEmitPolicy(const ast::Query& q, const BoundRel& rel,
                               AggregateNode* agg);

  // FROM items (bind_tableref.cc).
  absl::StatusOr<BoundRel> BindTableRef(const ast::TableRef& ref);
  absl::StatusOr<BoundRel> BindNamedTable(const ast::NamedTableRef& ref);
  absl::StatusOr<BoundRel> BindWindow(const ast::WindowTableRef& ref);
  absl::StatusOr<std::vector<int64_t>> BindWindowArgs(
      const ast::WindowTableRef& ref);

  // Joins (bind_join.cc).
  absl::StatusOr<BoundRel> BindJoin(const ast::JoinRef& ref,
                                    const ast::Expr* extra_where,
                                    std::vector<BoundExprPtr>* leftover);
  absl::Status BindUsing(const ast::JoinRef& ref,
                         const std::vector<ScopeColumn>& scope, BoundRel* left,
                         BoundRel* right, std::vector<BoundExprPtr>* conjuncts);
  absl::StatusOr<BoundRel> MakeJoin(BoundRel left, BoundRel right,
                                    ast::JoinType type,
                                    std::vector<BoundExprPtr> conjuncts,
                                    const SourceSpan& span);

  // Expressions (bind_expression.cc, bind_function.cc, bind_literal.cc).
  absl::StatusOr<BoundExprPtr> BindExpr(const ast::Expr& e, ExprContext& ctx);
  absl::StatusOr<BoundExprPtr> BindPredicate(const ast::Expr& e,
                                             ExprContext& ctx);
  absl::StatusOr<BoundExprPtr> BindColumn(const ast::ColumnRefExpr& e,
                                          ExprContext& ctx);
  absl::StatusOr<BoundExprPtr> BindUnary(const ast::UnaryExpr& e,
                                         ExprContext& ctx);
  absl::StatusOr<BoundExprPtr> BindCast(const ast::CastExpr& e,
                                        ExprContext& ctx);
  absl::StatusOr<BoundExprPtr> BindCase(const ast::CaseExpr& e,
                                        ExprContext& ctx);
  absl::StatusOr<BoundExprPtr> BindBetween(const ast::BetweenExpr& e,
                                           ExprContext& ctx);
  absl::StatusOr<BoundExprPtr> BindIn(const ast::InExpr& e, ExprContext& ctx);
  absl::StatusOr<BoundExprPtr> BindLike(const ast::LikeExpr& e,
                                        ExprContext& ctx);
  absl::StatusOr<BoundExprPtr> BindCall(std::string_view name,
                                        std::vector<BoundExprPtr> args,
                                        const SourceSpan& span,
                                        const SourceSpan& name_span);
  absl::StatusOr<BoundExprPtr> BindFunction(const ast::FunctionExpr& e,
                                            ExprContext& ctx);
  absl::StatusOr<BoundExprPtr> BindWindowFunction(const ast::FunctionExpr& e,
                                                  const std::string& name,
                                                  ExprContext& ctx);
  absl::StatusOr<BoundExprPtr> BindAggregateCall(const ast::FunctionExpr& e,
                                                 const std::string& name,
                                                 ExprContext& ctx);
  absl::StatusOr<BoundExprPtr> BindLiteral(const ast::LiteralExpr& e);

  const catalog::Catalog& catalog_;
  const catalog::ConnectorRegistry& connectors_;
  const catalog::DeclareContext& context_;
  std::string_view source_;
  int expr_depth_ = 0;
};

// ---------------------------------------------------------------- helpers
// (bind_helpers.cc unless noted)

std::vector<std::string> ColumnNames(const std::vector<ScopeColumn>& cols);
types::Schema SchemaOf(const std::vector<ScopeColumn>& cols);
std::vector<ScopeColumn> ScopeOf(const types::Schema& schema,
                                 const std::string& qualifier);

/// `status` with `span` attached, unless it is OK or already has a span.
absl::Status Annotate(const absl::Status& status, const SourceSpan& span);

/// `e` converted to `target` (a typed NULL literal stays a literal).
BoundExprPtr CastTo(const BoundExprPtr& e, const LogicalType& target);
/// BOOLEAN or the type of a bare NULL.
bool IsBooleanish(const LogicalType& t);

/// The constant value of an INTERVAL expression in microseconds; `what`
/// names it in errors ("the window size").
absl::StatusOr<int64_t> ConstantMicros(const BoundExprPtr& e,
                                       std::string_view what);
/// "5s", "2min", "1h", "250ms" for error messages.
std::string FormatMicros(int64_t micros);

/// The span of a whole clause, from its keywords (e.g. ORDER BY, found just
/// before `first`) to the end of `last`. Falls back to first..last when the
/// keywords are not found (comments between them, say).
SourceSpan ClauseSpan(std::string_view source, const SourceSpan& first,
                      const SourceSpan& last,
                      std::initializer_list<std::string_view> keywords);

/// When `e` is a time column of one side, optionally plus or minus a
/// constant interval, returns (column, offset in micros). (bind_join.cc)
std::optional<std::pair<int, int64_t>> TimeOperand(const BoundExprPtr& e);

/// Whether an aggregate's result may be NULL (all but the counts).
bool AggregateNullable(const AggregateCall& a);

/// Keys, append-only flag and event time carried through a projection.
void DeriveProjectProps(const PlanNode& input, ProjectNode* p);

/// The root of a statement's plan over `input`, built complete: its rows
/// go to the client (a push query when `push`), or to the view or stream
/// `target`.
PlanPtr MakeOutput(const PlanPtr& input, OutputKind kind, std::string target,
                   bool push = false);
/// The root of a CREATE SINK's plan: rows go to `sink` (its connector, and
/// what EXPLAIN shows of its options).
PlanPtr MakeSinkOutput(const PlanPtr& input, const catalog::Entry& sink,
                       const catalog::ConnectorRegistry& connectors);

/// The distinct names of `sources`, in first-use order.
std::vector<std::string> ReadNames(const std::vector<SourceUse>& sources);

/// Maps a written type name to a logical type. (bind_literal.cc)
absl::StatusOr<LogicalType> TypeFromName(const ast::TypeName& t);

// ------------------------------------------------------- connector rules
// What the binder asks the connector of an entry (connector_rules.cc). No
// connector is named: the answers come from `connectors`.

/// The columns (and key) of a source declared without a column list, as
/// its connector gives them (read from the outside system only when
/// `context` allows, else read later), or the error that it needs a column
/// list. Errors point at `name_span`.
absl::Status DefaultSourceSchema(const catalog::ConnectorRegistry& connectors,
                                 const catalog::DeclareContext& context,
                                 const SourceSpan& name_span, bool is_table,
                                 catalog::Entry* entry);

/// Checks a `METADATA [FROM 'key']` column `c` (at index `index` of the
/// entry's schema) against the metadata its connector offers, and records
/// it.
absl::Status BindMetadataColumn(const catalog::ConnectorRegistry& connectors,
                                const ast::ColumnDef& c, size_t index,
                                catalog::Entry* entry);

/// The error for a TABLE declared without a PRIMARY KEY.
absl::Status MissingTableKey(const catalog::ConnectorRegistry& connectors,
                             const catalog::Entry& entry,
                             const SourceSpan& span);

/// Checks that a query can read `entry`: its columns are known.
absl::Status CheckReadable(const catalog::ConnectorRegistry& connectors,
                           const catalog::Entry& entry, const SourceSpan& span);

/// Checks that `input` can be written by the sink `sink`; errors point at
/// `span` (the sink's input).
absl::Status CheckSinkInput(const catalog::ConnectorRegistry& connectors,
                            const catalog::Entry& sink, const PlanNode& input,
                            const SourceSpan& span);

/// Checks that INSERT may write to `target` (named at `span`): a stream
/// whose connector runs sinks.
absl::Status CheckInsertTarget(const catalog::ConnectorRegistry& connectors,
                               const catalog::Entry& target,
                               const SourceSpan& span);

/// What EXPLAIN shows about an entry's connector options, e.g.
/// "topic=bids format=json".
std::string ConnectorDetail(const catalog::ConnectorRegistry& connectors,
                            const catalog::Entry& entry);

}  // namespace weir::sql::internal
