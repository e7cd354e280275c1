#pragma once

// Helpers shared by the session's files (not part of its public surface,
// which is session.h). The session's methods are spread over one file per
// concern:
//
//   session.cc      creating a session, running a script, the dispatch of
//                   a bound statement to its handler
//   queries.cc      queries, INSERT, persistent queries, TERMINATE
//   ddl.cc          CREATE and DROP
//   show.cc         SHOW, DESCRIBE, EXPLAIN
//   settings.cc     SET, RESET and the settings' checks
//   connectors.cc   preparing what a query reads and writes through the
//                   connectors (engine/catalog/connector.h)

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/catalog/catalog.h"
#include "engine/catalog/connector_registry.h"
#include "engine/sql/binder.h"

namespace weir::session_internal {

/// "stream", "table", "materialized view", "sink".
std::string KindWord(catalog::EntryKind kind);

/// SET 'parallelism', or 0 (one task per core) when not set.
int Parallelism(const std::map<std::string, std::string>& settings);

/// SET 'max-parallelism', or its default (128).
int MaxParallelism(const std::map<std::string, std::string>& settings);

/// `watermark.idle-timeout` when not set.
inline constexpr std::chrono::milliseconds kDefaultIdleTimeout{5000};

/// The default of SET 'checkpoint.interval'.
inline constexpr std::chrono::milliseconds kDefaultCheckpointInterval{5000};
/// SET 'checkpoint.interval', or kDefaultCheckpointInterval.
std::chrono::milliseconds CheckpointInterval(
    const std::map<std::string, std::string>& settings);

/// SET 'watermark.idle-timeout', or kDefaultIdleTimeout.
std::chrono::milliseconds IdleTimeout(
    const std::map<std::string, std::string>& settings);

/// A size setting: digits (up to 12) then B, KB, MB or GB (powers of
/// 1024; KiB, MiB, GiB alike; any case), or bytes without a unit; nullopt
/// when it is not one or is zero.
std::optional<size_t> ParseByteSize(std::string_view v);

/// SET 'state.cache-size', or exec::kDefaultStateCacheBytes.
size_t StateCacheBytes(const std::map<std::string, std::string>& settings);
/// SET 'state.dir', or empty (a temporary directory per query).
std::string StateDir(const std::map<std::string, std::string>& settings);
/// Creates directory `path` and its missing parents, each with mode 0700
/// (the XDG base directory rule for data directories); an error naming
/// the path when one cannot be created.
absl::Status MakePrivateDirectory(const std::string& path);

/// Checks a SET key and `value` (settings.cc) against the engine's
/// settings and those the connectors declare; keys of a connector's
/// setting family (e.g. `properties.*`) are checked by the family's check,
/// if it has one. With a null `value` (RESET) only the key is checked.
/// Unknown keys come with a suggestion. `bad_value` tells whether the
/// value (rather than the key) is what is wrong. No message quotes a
/// secret value.
absl::Status CheckSetting(const catalog::ConnectorRegistry& connectors,
                          const std::string& key, const std::string* value,
                          bool* bad_value);

/// `value` as SHOW PROPERTIES and messages show the setting `key`: "***"
/// for a secret (catalog::IsSecretOption).
std::string ShownValue(const std::string& key, const std::string& value);

}  // namespace weir::session_internal
