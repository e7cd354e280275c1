#pragma once

// The abstract syntax tree of Weir's SQL dialect. The parser (ANTLR) ends in
// engine/sql/transformer*.cc, which builds these types; nothing ANTLR leaves
// this module. Every node carries the SourceSpan of the text it came from so
// the binder can point at the offending token.
//
// Identifiers: unquoted identifiers are folded to lower case by the
// transformer; quoted ones (`x` or "x") keep their case. Names are matched
// case-insensitively by the catalog and binder either way.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/base/source_span.h"

namespace weir::sql::ast {

struct Identifier {
  std::string name;
  SourceSpan span;
  bool quoted = false;
};

/// A possibly qualified name: `orders`, `o.amount`.
struct QualifiedName {
  std::vector<Identifier> parts;
  SourceSpan span;
  /// Parts joined with '.'.
  std::string ToString() const;
};

/// A type as written: `DECIMAL(10, 2)`, `TIMESTAMP(3)`, `VARCHAR`. The name is
/// upper-cased; the binder maps synonyms (INTEGER, STRING, ...) to types.
struct TypeName {
  std::string name;
  std::vector<int64_t> params;
  SourceSpan span;
};

// ---------------------------------------------------------------- Expressions

enum class ExprKind {
  kLiteral,
  kColumnRef,
  kStar,  // `*` or `t.*` in a select list, `COUNT(*)` argument
  kUnary,
  kBinary,
  kFunction,  // calls, aggregates, window functions (with `over`)
  kCast,
  kCase,
  kBetween,
  kIn,
  kIsNull,
  kLike,  // LIKE and REGEXP (MySQL's `x REGEXP 'p'`, also RLIKE)
};

struct Expr {
  explicit Expr(ExprKind k) : kind(k) {}
  virtual ~Expr() = default;
  ExprKind kind;
  SourceSpan span;  // the whole expression
};
using ExprPtr = std::unique_ptr<Expr>;

enum class LiteralKind {
  kNull,
  kBoolean,   // text is "true" / "false"
  kInteger,   // text: digits, e.g. "42"
  kDecimal,   // text: digits with a point, e.g. "3.14", ".5"
  kDouble,    // text with an exponent, e.g. "1e3", "2.5E-2"
  kString,    // text: the unescaped string ('it''s' -> it's)
  kTyped,     // DATE '...', TIME '...', TIMESTAMP '...'; type_name holds
              // the type, text the unescaped string
  kInterval,  // INTERVAL '4' SECOND, INTERVAL '1-2' YEAR TO MONTH
};

enum class IntervalUnit { kNone, kYear, kMonth, kDay, kHour, kMinute, kSecond };

struct LiteralExpr : Expr {
  LiteralExpr() : Expr(ExprKind::kLiteral) {}
  LiteralKind literal_kind = LiteralKind::kNull;
  std::string text;
  bool negative = false;  // a leading '-' inside INTERVAL '-5' is in text;
                          // this is for `INTERVAL -'5' SECOND` (rare)
  std::optional<TypeName> type_name;           // kTyped
  IntervalUnit unit = IntervalUnit::kNone;     // kInterval: leading unit
  IntervalUnit to_unit = IntervalUnit::kNone;  // kInterval: `TO` unit, if any
};

struct ColumnRefExpr : Expr {
  ColumnRefExpr() : Expr(ExprKind::kColumnRef) {}
  QualifiedName name;  // 1 part (`price`) or 2 (`b.price`)
};

struct StarExpr : Expr {
  StarExpr() : Expr(ExprKind::kStar) {}
  std::optional<Identifier> qualifier;  // `b.*`
};

enum class UnaryOp { kNot, kNegate, kPlus };

struct UnaryExpr : Expr {
  UnaryExpr() : Expr(ExprKind::kUnary) {}
  UnaryOp op = UnaryOp::kNot;
  ExprPtr operand;
};

enum class BinaryOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAnd,
  kOr,
  kConcat,             // ||
  kIsDistinctFrom,     // NULL-safe <>
  kIsNotDistinctFrom,  // NULL-safe =
};

struct BinaryExpr : Expr {
  BinaryExpr() : Expr(ExprKind::kBinary) {}
  BinaryOp op = BinaryOp::kAdd;
  SourceSpan op_span;  // the operator token
  ExprPtr left;
  ExprPtr right;
};

enum class SortDirection { kAsc, kDesc };
enum class NullsOrder { kDefault, kFirst, kLast };

struct OrderItem {
  ExprPtr expr;
  SortDirection direction = SortDirection::kAsc;
  NullsOrder nulls = NullsOrder::kDefault;
  SourceSpan span;
};

/// OVER (PARTITION BY ... ORDER BY ...).
struct WindowSpec {
  std::vector<ExprPtr> partition_by;
  std::vector<OrderItem> order_by;
  SourceSpan span;
};

struct FunctionExpr : Expr {
  FunctionExpr() : Expr(ExprKind::kFunction) {}
  Identifier name;  // upper-cased by the transformer (COUNT, TUMBLE...)
  std::vector<ExprPtr> args;  // COUNT(*) has one StarExpr argument
  bool distinct = false;      // COUNT(DISTINCT x)
  std::optional<WindowSpec> over;
  // EXTRACT(YEAR FROM ts) is a call to EXTRACT with a string literal 'YEAR'
  // first; SUBSTRING(s FROM 2 FOR 3) is SUBSTRING(s, 2, 3); POSITION(a IN b)
  // is POSITION(a, b); TRIM is TRIM(s) / LTRIM / RTRIM.
};

struct CastExpr : Expr {
  CastExpr() : Expr(ExprKind::kCast) {}
  ExprPtr operand;
  TypeName target;
  bool try_cast = false;  // TRY_CAST: NULL instead of an error
};

struct CaseExpr : Expr {
  CaseExpr() : Expr(ExprKind::kCase) {}
  ExprPtr operand;  // CASE x WHEN ...; null for searched CASE WHEN cond ...
  struct When {
    ExprPtr condition;
    ExprPtr result;
  };
  std::vector<When> whens;
  ExprPtr else_result;  // may be null
};

struct BetweenExpr : Expr {
  BetweenExpr() : Expr(ExprKind::kBetween) {}
  ExprPtr operand;
  ExprPtr low;
  ExprPtr high;
  bool negated = false;
};

struct InExpr : Expr {
  InExpr() : Expr(ExprKind::kIn) {}
  ExprPtr operand;
  std::vector<ExprPtr> list;
  bool negated = false;
};

struct IsNullExpr : Expr {
  IsNullExpr() : Expr(ExprKind::kIsNull) {}
  ExprPtr operand;
  bool negated = false;  // IS NOT NULL
};

struct LikeExpr : Expr {
  LikeExpr() : Expr(ExprKind::kLike) {}
  ExprPtr operand;
  ExprPtr pattern;
  ExprPtr escape;  // may be null
  bool negated = false;
  bool regexp = false;  // REGEXP / RLIKE instead of LIKE
};

// ------------------------------------------------------------------ Queries

struct Query;

enum class TableRefKind { kNamed, kSubquery, kWindow, kJoin };

struct TableRef {
  explicit TableRef(TableRefKind k) : kind(k) {}
  virtual ~TableRef() = default;
  TableRefKind kind;
  std::optional<Identifier> alias;
  SourceSpan span;
};
using TableRefPtr = std::unique_ptr<TableRef>;

struct NamedTableRef : TableRef {
  NamedTableRef() : TableRef(TableRefKind::kNamed) {}
  QualifiedName name;
};

struct SubqueryRef : TableRef {
  SubqueryRef() : TableRef(TableRefKind::kSubquery) {}
  std::unique_ptr<Query> query;
};

enum class WindowKind { kTumble, kHop, kCumulate, kSession };

/// TUMBLE(src, ts, size [, offset]), HOP(src, ts, slide, size [, offset]),
/// CUMULATE(src, ts, step, max_size [, offset]), SESSION(src, ts, gap). Also
/// accepted in Flink's spelling: TUMBLE(TABLE src, DESCRIPTOR(ts), size).
struct WindowTableRef : TableRef {
  WindowTableRef() : TableRef(TableRefKind::kWindow) {}
  WindowKind window = WindowKind::kTumble;
  TableRefPtr input;  // a NamedTableRef or SubqueryRef
  Identifier time_column;
  std::vector<ExprPtr> args;  // the interval arguments, in written order
  SourceSpan name_span;       // the TUMBLE/HOP/SESSION keyword
};

enum class JoinType { kInner, kLeft, kRight, kFull, kCross };

struct JoinRef : TableRef {
  JoinRef() : TableRef(TableRefKind::kJoin) {}
  JoinType join_type = JoinType::kInner;
  TableRefPtr left;
  TableRefPtr right;
  ExprPtr condition;  // ON ...; null for CROSS and comma joins
  std::vector<Identifier> using_columns;  // JOIN ... USING (a, b)
};

struct SelectItem {
  ExprPtr expr;  // may be a StarExpr
  std::optional<Identifier> alias;
  SourceSpan span;
};

/// One SELECT ... FROM ... WHERE ... GROUP BY ... HAVING block.
struct SelectCore {
  bool distinct = false;
  std::vector<SelectItem> items;
  TableRefPtr from;  // null for SELECT without FROM
  ExprPtr where;
  std::vector<ExprPtr> group_by;
  ExprPtr having;
  SourceSpan span;
};

enum class SetOpKind { kUnion, kUnionAll };

/// The body of a query: a SELECT block or a set operation of two bodies.
struct QueryBody {
  std::unique_ptr<SelectCore> select;  // set when this is a leaf
  // Set operation (left op right) when `select` is null.
  SetOpKind set_op = SetOpKind::kUnionAll;
  std::unique_ptr<QueryBody> left;
  std::unique_ptr<QueryBody> right;
  SourceSpan span;
};

enum class EmitMode {
  kDefault,        // no EMIT clause
  kChanges,        // EMIT CHANGES: a push query / changelog output
  kOnWindowClose,  // EMIT ON WINDOW CLOSE: final rows when watermark passes
};

struct Query {
  std::unique_ptr<QueryBody> body;
  std::vector<OrderItem> order_by;
  ExprPtr limit;  // an integer literal
  EmitMode emit = EmitMode::kDefault;
  SourceSpan emit_span;
  ExprPtr allowed_lateness;  // ALLOWED LATENESS INTERVAL ...; may be null
  SourceSpan span;
};

// ---------------------------------------------------------------- Statements

enum class StatementKind {
  kQuery,         // SELECT ...
  kCreateSource,  // CREATE STREAM / CREATE TABLE
  kCreateView,    // CREATE MATERIALIZED VIEW
  kCreateSink,    // CREATE SINK
  kInsert,        // INSERT INTO ... VALUES / SELECT
  kDrop,
  kShow,
  kDescribe,
  kExplain,
  kSet,
  kReset,
  kTerminate,
};

struct Statement {
  explicit Statement(StatementKind k) : kind(k) {}
  virtual ~Statement() = default;
  StatementKind kind;
  SourceSpan span;  // the whole statement, without the trailing ';'
};
using StatementPtr = std::unique_ptr<Statement>;

/// `key = value` in WITH (...). Keys may be written as identifiers with dots
/// (properties.security.protocol) or quoted strings; values as strings,
/// numbers or TRUE/FALSE, all kept as text.
struct Option {
  std::string key;
  std::string value;
  SourceSpan key_span;
  SourceSpan value_span;
};

struct ColumnDef {
  Identifier name;
  TypeName type;
  bool not_null = false;
  bool primary_key = false;  // inline `id BIGINT PRIMARY KEY`
  /// `METADATA [FROM 'key'] [VIRTUAL]`: the column is read from the record's
  /// metadata (Kafka: key, topic, partition, offset, timestamp), not its
  /// value; the key defaults to the column name.
  std::optional<std::string> metadata_key;
  SourceSpan metadata_span;
  SourceSpan span;
};

struct WatermarkDef {
  Identifier column;
  ExprPtr expr;  // e.g. date_time - INTERVAL '4' SECOND
  SourceSpan span;
};

enum class SourceKind { kStream, kTable };

struct QueryStatement : Statement {
  QueryStatement() : Statement(StatementKind::kQuery) {}
  std::unique_ptr<Query> query;
};

/// CREATE STREAM / CREATE TABLE name [(columns, PRIMARY KEY (...),
/// WATERMARK FOR ...)] WITH (...).
struct CreateSourceStatement : Statement {
  CreateSourceStatement() : Statement(StatementKind::kCreateSource) {}
  SourceKind source_kind = SourceKind::kStream;
  QualifiedName name;
  bool if_not_exists = false;
  bool or_replace = false;
  std::vector<ColumnDef> columns;       // empty: read from the connector
  std::vector<Identifier> primary_key;  // table-level PRIMARY KEY (a, b)
  SourceSpan primary_key_span;
  std::optional<WatermarkDef> watermark;
  std::vector<Option> options;
  SourceSpan options_span;
};

struct CreateViewStatement : Statement {
  CreateViewStatement() : Statement(StatementKind::kCreateView) {}
  QualifiedName name;
  bool if_not_exists = false;
  bool or_replace = false;
  std::vector<Identifier> column_names;  // optional `v (a, b) AS ...`
  std::vector<Option> options;           // optional WITH (...) before AS
  std::unique_ptr<Query> query;
  std::string query_text;  // the exact text of the query, for the catalog
};

/// CREATE SINK name FROM source WITH (...) or
/// CREATE SINK name AS SELECT ... WITH (...).
struct CreateSinkStatement : Statement {
  CreateSinkStatement() : Statement(StatementKind::kCreateSink) {}
  QualifiedName name;
  bool if_not_exists = false;
  std::optional<QualifiedName> from;  // FROM form
  std::unique_ptr<Query> query;       // AS form
  std::string query_text;
  std::vector<Option> options;
  SourceSpan options_span;
};

struct InsertStatement : Statement {
  InsertStatement() : Statement(StatementKind::kInsert) {}
  QualifiedName target;
  std::vector<Identifier> columns;           // optional column list
  std::vector<std::vector<ExprPtr>> values;  // VALUES rows, or
  std::unique_ptr<Query> query;              // INSERT INTO ... SELECT
  std::string query_text;
};

enum class ObjectKind { kStream, kTable, kView, kSink };

struct DropStatement : Statement {
  DropStatement() : Statement(StatementKind::kDrop) {}
  ObjectKind object = ObjectKind::kStream;
  QualifiedName name;
  bool if_exists = false;
};

enum class ShowKind {
  kStreams,
  kTables,
  kViews,
  kSinks,
  kQueries,
  kFunctions,
  kProperties
};

struct ShowStatement : Statement {
  ShowStatement() : Statement(StatementKind::kShow) {}
  ShowKind what = ShowKind::kStreams;
};

struct DescribeStatement : Statement {
  DescribeStatement() : Statement(StatementKind::kDescribe) {}
  QualifiedName name;
  bool extended = false;
};

struct ExplainStatement : Statement {
  ExplainStatement() : Statement(StatementKind::kExplain) {}
  StatementPtr statement;
};

/// SET 'key' = 'value' (also SET key = value with a dotted identifier key).
struct SetStatement : Statement {
  SetStatement() : Statement(StatementKind::kSet) {}
  std::string key;
  std::string value;
  SourceSpan key_span;
  SourceSpan value_span;
};

struct ResetStatement : Statement {
  ResetStatement() : Statement(StatementKind::kReset) {}
  std::string key;  // empty: RESET ALL
  SourceSpan key_span;
};

struct TerminateStatement : Statement {
  TerminateStatement() : Statement(StatementKind::kTerminate) {}
  std::string query_id;  // empty with all = true
  bool all = false;
  SourceSpan id_span;
};

}  // namespace weir::sql::ast
