#pragma once

// The binder: resolves names against the catalog, infers types, inserts
// implicit casts, checks aggregate, window-function and watermark rules and
// (through the connectors) connector options, and turns a statement's AST into
// a logical plan or a catalog change. Errors point at the offending token
// (SqlError spans).

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/catalog/catalog.h"
#include "engine/catalog/connector.h"
#include "engine/catalog/connector_registry.h"
#include "engine/sql/ast.h"
#include "engine/sql/logical_plan.h"

namespace weir::sql {

/// SELECT ...: a push query (EMIT ...), a pull query on views, or a query
/// over constants only (SELECT without FROM, VALUES), answered at once.
struct BoundQuery {
  PlanPtr plan;  // rooted at OutputNode(kClient)
  /// The catalog objects it reads (for SHOW QUERIES and DROP checks).
  std::vector<std::string> reads;
  bool push = false;      // ends in EMIT CHANGES or EMIT ON WINDOW CLOSE
  bool constant = false;  // reads no catalog object
};

/// INSERT INTO stream VALUES ... or INSERT INTO stream SELECT ...
struct BoundInsert {
  PlanPtr plan;  // rooted at OutputNode(kInsert); VALUES are a ValuesNode
  std::vector<std::string> reads;
  bool constant = false;  // VALUES, or a query over constants only
  std::string target;     // the stream written
};

/// What the CREATE statements have in common: the catalog entry they add.
struct BoundCreate {
  catalog::Entry entry;
  /// Where the name is, so errors found when the entry is added point at it.
  SourceSpan name_span;
  bool if_not_exists = false;
  bool or_replace = false;
};

/// CREATE STREAM / CREATE TABLE.
struct BoundCreateSource : BoundCreate {};

/// CREATE MATERIALIZED VIEW: the entry (its dependencies in
/// entry.depends_on) and the plan that maintains it.
struct BoundCreateView : BoundCreate {
  PlanPtr plan;  // rooted at OutputNode(kMaterialize)
};

/// `WITH (sink = 'connector', ...)` on a materialized view writes the view
/// out through a sink reading it: the sink's options are the view's, with
/// `sink` as `connector`; nullopt when the options have no `sink`.
std::optional<std::vector<ast::Option>> ViewSinkOptions(
    const std::vector<ast::Option>& view_options);
/// The name of the sink that `WITH (sink = ...)` on view `view` creates.
std::string ViewSinkName(std::string_view view);

/// CREATE SINK: the entry (its dependencies in entry.depends_on) and the
/// persistent query that feeds it.
struct BoundCreateSink : BoundCreate {
  PlanPtr plan;  // rooted at OutputNode(kSink)
};

/// DROP STREAM | TABLE | MATERIALIZED VIEW | SINK [IF EXISTS] name.
struct BoundDrop {
  catalog::EntryKind kind = catalog::EntryKind::kStream;
  std::string name;
  SourceSpan name_span;
  bool if_exists = false;
};

/// SHOW STREAMS | TABLES | VIEWS | SINKS | QUERIES | FUNCTIONS | PROPERTIES.
struct BoundShow {
  ast::ShowKind what = ast::ShowKind::kStreams;
};

/// DESCRIBE [EXTENDED] name (the entry exists when bound).
struct BoundDescribe {
  std::string name;
  bool extended = false;
};

struct BoundStatement;

/// EXPLAIN statement: a query, INSERT or CREATE, bound (never run).
struct BoundExplain {
  std::unique_ptr<BoundStatement> statement;
};

/// SET 'key' = 'value' (the key lower-cased), with where both are written
/// so errors found when the setting is applied point at them.
struct BoundSet {
  std::string key;
  std::string value;
  SourceSpan key_span;
  SourceSpan value_span;
};

/// RESET 'key' | RESET ALL.
struct BoundReset {
  std::string key;  // lower-cased; empty with all
  SourceSpan key_span;
  bool all = false;
};

/// TERMINATE query_id | TERMINATE ALL.
struct BoundTerminate {
  std::string id;  // lower-cased; empty with all
  SourceSpan id_span;
  bool all = false;
};

/// The result of binding one statement: one bound type per statement kind,
/// each with only its own fields. Plain data.
struct BoundStatement {
  std::variant<BoundQuery, BoundInsert, BoundCreateSource, BoundCreateView,
               BoundCreateSink, BoundDrop, BoundShow, BoundDescribe,
               BoundExplain, BoundSet, BoundReset, BoundTerminate>
      kind;
};

/// Binds statements against a catalog it only reads, asking the connectors
/// of `connectors` about their options, columns and rules. Not
/// thread-safe; cheap to create per statement.
class Binder {
 public:
  /// `connectors` (by default none, enough for statements over existing
  /// entries) and `context` must outlive the binder. With
  /// `context.connect_to_sources` false, a connector never reaches its
  /// outside system (a mysql-cdc TABLE declared without columns gets them
  /// when first opened, an error until the runtime can read them).
  explicit Binder(const catalog::Catalog& catalog,
                  const catalog::ConnectorRegistry& connectors =
                      catalog::ConnectorRegistry::Empty(),
                  catalog::DeclareContext context = {})
      : catalog_(catalog), connectors_(connectors), context_(context) {}

  /// Binds `stmt`. `source` is the whole script text the statement's spans
  /// point into (used to keep the exact text of view queries).
  absl::StatusOr<BoundStatement> Bind(const ast::Statement& stmt,
                                      std::string_view source);

 private:
  const catalog::Catalog& catalog_;
  const catalog::ConnectorRegistry& connectors_;
  catalog::DeclareContext context_;
};

/// Maps a written type name (INTEGER, STRING, DECIMAL(10, 2), ...) to a
/// logical type; errors point at the type.
absl::StatusOr<types::LogicalType> ResolveTypeName(const ast::TypeName& type);

}  // namespace weir::sql
