#pragma once

// The binder: resolves names against the catalog, infers types, inserts
// implicit casts, checks aggregate, window-function, watermark and connector
// option rules, and turns a statement's AST into a logical plan or a catalog
// change. Errors point at the offending token (SqlError spans).

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/catalog/catalog.h"
#include "engine/sql/ast.h"
#include "engine/sql/logical_plan.h"

namespace weir::sql {

enum class BoundKind {
  kQuery,         // plan rooted at OutputNode(kClient)
  kCreateSource,  // entry
  kCreateView,    // entry + plan (OutputNode kMaterialize)
  kCreateSink,    // entry + plan (OutputNode kSink)
  kInsert,        // plan (OutputNode kInsert); `rows` for VALUES
  kDrop,
  kShow,
  kDescribe,
  kExplain,  // inner
  kSet,
  kReset,
  kTerminate,
};

/// The result of binding one statement. Plain data.
struct BoundStatement {
  BoundKind kind = BoundKind::kQuery;
  PlanPtr plan;
  catalog::Entry entry;  // CREATE ...: the new catalog entry
  bool if_not_exists = false;
  bool or_replace = false;
  bool if_exists = false;
  catalog::EntryKind object_kind = catalog::EntryKind::kStream;  // DROP
  std::string name;   // DROP, DESCRIBE, TERMINATE, SET/RESET key
  std::string value;  // SET value
  /// Where the name (or SET key, TERMINATE id) and the SET value are, so
  /// errors found when the statement is applied point at them.
  SourceSpan name_span;
  SourceSpan value_span;
  bool extended = false;  // DESCRIBE EXTENDED
  bool all = false;       // TERMINATE ALL, RESET ALL
  ast::ShowKind show = ast::ShowKind::kStreams;
  /// Pull query over constants only (SELECT without FROM, VALUES): the
  /// session can answer it at once.
  bool constant_query = false;
  /// The catalog objects a query reads (for SHOW QUERIES and DROP checks).
  std::vector<std::string> reads;
  std::unique_ptr<BoundStatement> inner;  // EXPLAIN
};

/// Columns and key of a source read from outside Weir (the MySQL table of a
/// mysql-cdc TABLE declared without columns).
struct ExternalSchema {
  types::Schema schema;
  std::vector<int> key;
};

/// Looks up the schema of `entry` (connector and options are set). Errors
/// name the server that failed; the binder adds the statement position.
using SchemaResolver =
    std::function<absl::StatusOr<ExternalSchema>(const catalog::Entry& entry)>;

/// Binds statements against a catalog it only reads. Not thread-safe; cheap
/// to create per statement.
class Binder {
 public:
  /// Without a `resolver`, a mysql-cdc TABLE declared without columns is
  /// an error when a query reads it.
  explicit Binder(const catalog::Catalog& catalog,
                  SchemaResolver resolver = nullptr)
      : catalog_(catalog), resolver_(std::move(resolver)) {}

  /// Binds `stmt`. `source` is the whole script text the statement's spans
  /// point into (used to keep the exact text of view queries).
  absl::StatusOr<BoundStatement> Bind(const ast::Statement& stmt,
                                      std::string_view source);

 private:
  const catalog::Catalog& catalog_;
  SchemaResolver resolver_;
};

/// Maps a written type name (INTEGER, STRING, DECIMAL(10, 2), ...) to a
/// logical type; errors point at the type.
absl::StatusOr<types::LogicalType> ResolveTypeName(const ast::TypeName& type);

}  // namespace weir::sql
