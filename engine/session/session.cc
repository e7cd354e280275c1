// Creating a session, running a script statement by statement, and the
// dispatch of each bound statement to the handler of its kind.

#include "engine/session/session.h"

#include <variant>

#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/base/strings.h"
#include "engine/exec/executor.h"
#include "engine/exec/query.h"
#include "engine/session/session_internal.h"
#include "engine/sql/binder.h"
#include "engine/sql/optimizer.h"
#include "engine/sql/parser.h"
#include "engine/sql/secrets.h"

namespace weir {
namespace session_internal {

std::string KindWord(catalog::EntryKind kind) {
  return AsciiLower(catalog::EntryKindName(kind));
}

}  // namespace session_internal

absl::StatusOr<std::unique_ptr<Session>> Session::Create(
    SessionOptions options) {
  std::unique_ptr<Session> s(new Session());
  s->options_ = options;
  s->catalog_ = catalog::NewInMemoryCatalog();
  // Without connectors, no CREATE STREAM/TABLE/SINK names a known one.
  s->connectors_ = options.connectors
                       ? options.connectors
                       : std::make_shared<const catalog::ConnectorRegistry>();
  return s;
}

Session::~Session() {
  // Queries run on the pool and may write to what a connector's state holds
  // (an embedded broker): stop them first, then the pool, then (by member
  // order) the connectors' states.
  queries_.clear();
  executor_.reset();
}

absl::Status Session::ExecuteScript(
    std::string_view sql,
    const std::function<void(const StatementResult&)>& on_result) {
  absl::StatusOr<std::vector<sql::ast::StatementPtr>> parsed =
      sql::ParseScript(sql);
  if (!parsed.ok()) {
    return absl::Status(parsed.status().code(),
                        sql::FormatErrorMasked(parsed.status(), sql));
  }
  for (const auto& stmt : *parsed) {
    if (push_handler_.stop_script && push_handler_.stop_script()) {
      return absl::CancelledError("stopped before the next statement");
    }
    // SHOW QUERIES and the query's log lines show it: secrets hidden.
    current_statement_ =
        sql::MaskSecrets(sql.substr(stmt->span.offset, stmt->span.length));
    absl::StatusOr<StatementResult> r = Execute(*stmt, sql);
    if (!r.ok()) {
      absl::Status status = r.status();
      // Errors without a position point at the whole statement.
      if (!ErrorSpan(status)) {
        status =
            SqlError(status.code(), stmt->span, std::string(status.message()));
      }
      return absl::Status(status.code(), sql::FormatErrorMasked(status, sql));
    }
    r->statement_text = current_statement_;
    on_result(*r);
  }
  return absl::OkStatus();
}

absl::StatusOr<StatementResult> Session::Execute(
    const sql::ast::Statement& stmt, std::string_view source) {
  sql::Binder binder(*catalog_, *connectors_,
                     {.connect_to_sources = options_.connect_to_sources});
  WEIR_ASSIGN_OR_RETURN(sql::BoundStatement bound, binder.Bind(stmt, source));
  sql::Optimize(&bound);
  StatementResult result;
  WEIR_RETURN_IF_ERROR(
      std::visit([&](auto& s) { return Run(s, &result); }, bound.kind));
  if (stmt.kind == sql::ast::StatementKind::kCreateView) {
    WEIR_RETURN_IF_ERROR(
        CreateViewSink(static_cast<const sql::ast::CreateViewStatement&>(stmt),
                       source, &result));
  }
  return result;
}

}  // namespace weir
