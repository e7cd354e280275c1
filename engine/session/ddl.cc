// CREATE STREAM/TABLE, CREATE MATERIALIZED VIEW, CREATE SINK and DROP:
// catalog changes. A sink also starts the persistent query that feeds it.

#include <filesystem>
#include <optional>

#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/exec/query.h"
#include "engine/session/session.h"
#include "engine/session/session_internal.h"
#include "engine/sql/binder.h"
#include "fmt/format.h"

namespace weir {

using session_internal::KindWord;

absl::StatusOr<bool> Session::CreateEntry(sql::BoundCreate& s,
                                          StatementResult* result) {
  const std::string name = s.entry.name;
  const catalog::EntryKind kind = s.entry.kind;
  const catalog::Entry* existing = catalog_->Find(name);
  std::optional<catalog::EntryKind> existing_kind;
  if (existing != nullptr) existing_kind = existing->kind;
  absl::Status created =
      catalog_->Create(std::move(s.entry), s.if_not_exists, s.or_replace);
  if (!created.ok()) {
    return SqlError(created.code(), s.name_span,
                    std::string(created.message()));
  }
  if (existing_kind && s.if_not_exists) {
    result->message = fmt::format("{} '{}' already exists; nothing changed.",
                                  catalog::EntryKindName(*existing_kind), name);
    return false;
  }
  result->message =
      fmt::format("{} {} '{}'.", existing_kind ? "Replaced" : "Created",
                  KindWord(kind), name);
  return true;
}

absl::Status Session::Run(sql::BoundCreateSource& s, StatementResult* result) {
  return CreateEntry(s, result).status();
}

absl::Status Session::Run(sql::BoundCreateSink& s, StatementResult* result) {
  const std::string name = s.entry.name;
  const std::vector<std::string> reads = s.entry.depends_on;
  WEIR_ASSIGN_OR_RETURN(bool created, CreateEntry(s, result));
  if (!created || !options_.connect_to_sources) return absl::OkStatus();
  // A sink runs as soon as it exists; one that cannot run would only
  // mislead, so it is taken back. Its message names the query instead.
  result->message.clear();
  absl::StatusOr<std::string> id = StartPersistentQuery(s.plan, reads, result);
  if (!id.ok()) {
    catalog_->Drop(name, catalog::EntryKind::kSink, /*if_exists=*/true)
        .IgnoreError();
    return id.status();
  }
  result->message += fmt::format("Created sink '{}'. Query {} writes to it{}.",
                                 name, *id, TargetNote(name));
  return absl::OkStatus();
}

void Session::DropKeptState(const std::string& name, StatementResult* result) {
  const std::string dir = EffectiveStateDir();
  if (dir.empty() || !std::filesystem::exists(std::filesystem::path(dir) / name))
    return;
  absl::Status state = exec::DropQueryState(dir, name);
  result->message +=
      state.ok() ? fmt::format(" Removed the query state of '{}'.", name)
                 : fmt::format(" The query state of '{}' was not removed: {}.",
                               name, std::string(state.message()));
}

absl::Status Session::Run(const sql::BoundDrop& s, StatementResult* result) {
  if (s.if_exists && catalog_->Find(s.name) == nullptr) {
    result->message = fmt::format("{} '{}' does not exist; nothing dropped.",
                                  catalog::EntryKindName(s.kind), s.name);
    // A query state kept from an earlier run goes all the same: this is
    // how a script starts a changed query afresh.
    DropKeptState(s.name, result);
    return absl::OkStatus();
  }
  if (s.kind == catalog::EntryKind::kView) return DropView(s, result);
  absl::Status dropped = catalog_->Drop(s.name, s.kind, s.if_exists);
  if (!dropped.ok()) {
    return SqlError(dropped.code(), s.name_span,
                    std::string(dropped.message()));
  }
  result->message = fmt::format("Dropped {} '{}'.", KindWord(s.kind), s.name);
  // The kept state of the query that wrote it goes too: the next one
  // starts afresh (docs/state-and-recovery.md).
  DropKeptState(s.name, result);
  return absl::OkStatus();
}

}  // namespace weir
