#pragma once

// The options each connector accepts in WITH (...), with their checks. The
// binder calls ValidateOptions for CREATE STREAM / TABLE / SINK so a typo
// ("tpoic") or a bad value ("port = 'abc'") is caught when the statement is
// written, not when the query runs.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace weir::catalog {

/// What is being declared with the options.
enum class OptionUse { kSource, kTableSource, kSink };

/// Checks `options` (keys lower-cased) for `use`. Errors name the option
/// and, for unknown keys, suggest the closest known one:
///   "unknown option 'tpoic' for connector 'kafka'; did you mean 'topic'?"
///   "connector 'mysql-cdc' needs option 'table'"
///   "option 'port' must be an integer between 1 and 65535, got 'abc'"
/// The returned status has no position; the caller attaches one. `bad_key`
/// (when not null) receives the index of the offending option, or -1 when
/// the problem is a missing option.
absl::Status ValidateOptions(
    OptionUse use,
    const std::vector<std::pair<std::string, std::string>>& options,
    int* bad_key);

/// True for options whose values are secrets (passwords, SASL/TLS keys):
/// EXPLAIN and DESCRIBE show them as ***.
bool IsSecretOption(std::string_view key);

/// Names of the known connectors, for messages and completion.
std::vector<std::string> ConnectorNames();

}  // namespace weir::catalog
