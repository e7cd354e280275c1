#pragma once

// The machinery behind WITH (...) options: what a connector declares about
// each option it accepts (its kind of value, whether it is required, which
// declarations it applies to, options that go with a value of another), and
// the one validator that checks a statement's options against the
// declaration of the connector they name. The binder calls ValidateOptions
// for CREATE STREAM / TABLE / SINK so a typo ("tpoic") or a bad value
// ("port = 'abc'") is caught when the statement is written, not when the
// query runs. The connectors themselves declare their options (see
// connector.h); nothing here knows any connector.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace weir::catalog {

class ConnectorRegistry;

/// The WITH option every source takes, whatever its connector: how long a
/// partition of it may return no rows before it stops holding the
/// watermark back, over SET 'watermark.idle-timeout' for this source.
inline constexpr char kIdleTimeoutOption[] = "watermark.idle-timeout";

/// The WITH option every source takes: what windowed queries do with its
/// late rows, 'drop' (the default: dropped and counted in SHOW QUERIES) or
/// 'dlq' (also written to its dead-letter topic; only for connectors whose
/// ConnectorInfo::dead_letters is set).
inline constexpr char kLateRowsOption[] = "late-rows";

/// WITH options as written: keys lower-cased, in declaration order.
using Options = std::vector<std::pair<std::string, std::string>>;

/// What is being declared with the options.
enum class OptionUse { kSource, kTableSource, kSink };

/// What values an option accepts.
enum class ValueKind {
  kString,     // anything (non-empty when required)
  kInteger,    // int64 in [min, max]
  kNumber,     // a decimal or floating-point number in [min_number, max_number]
  kBoolean,    // true | false, case-insensitive
  kEnum,       // one of `choices`, case-insensitive
  kDuration,   // '30s', '500ms', '5 min', '1h', '2d'
  kChar,       // exactly one character ('\t' accepted for a tab)
  kTimestamp,  // 'YYYY-MM-DD HH:MM:SS[.ffffff]' (or with 'T')
  kBound,      // a number, or a DATE/TIME/TIMESTAMP literal (datagen bounds)
  kOffsets,    // 'partition:0,offset:42;partition:1,offset:7'
};

/// Which declarations an option applies to.
enum class Applies { kAll, kSourceOnly, kSinkOnly };

/// One option a connector accepts. Build it with the named constructors.
struct OptionSpec {
  std::string name;
  ValueKind kind = ValueKind::kString;
  bool required = false;
  Applies applies = Applies::kAll;
  int64_t min = std::numeric_limits<int64_t>::min();
  int64_t max = std::numeric_limits<int64_t>::max();
  std::vector<std::string> choices;  // kEnum, lower-case
  double min_number = -std::numeric_limits<double>::infinity();
  double max_number = std::numeric_limits<double>::infinity();

  /// Any text; a required one must not be empty.
  static OptionSpec String(std::string name, bool required = false,
                           Applies applies = Applies::kAll);
  /// An integer in [min, max].
  static OptionSpec Integer(std::string name,
                            int64_t min = std::numeric_limits<int64_t>::min(),
                            int64_t max = std::numeric_limits<int64_t>::max(),
                            Applies applies = Applies::kAll);
  /// One of `choices` (lower-case; the value is compared ignoring case).
  static OptionSpec OneOf(std::string name, std::vector<std::string> choices,
                          bool required = false,
                          Applies applies = Applies::kAll);
  /// A value of `kind`.
  static OptionSpec Of(std::string name, ValueKind kind,
                       Applies applies = Applies::kAll);
};

/// When option `option` has the value `value`, option `needed` goes with
/// it: it must be given (unless not `required`: then the connector has a
/// default), and, when `only_then`, it is rejected unless some conditional
/// that names it is switched on.
struct Conditional {
  std::string option;
  std::string value;
  std::string needed;
  /// Another option that satisfies the need (e.g. properties.group.id).
  std::string or_needed = {};
  /// False when `needed` also has uses of its own without the switch.
  bool only_then = true;
  /// False when the connector has a default for `needed`.
  bool required = true;
};

/// Options whose keys start with `prefix` and that the connector checks
/// itself, one by one (Connector::CheckFamilyOption), e.g. datagen's
/// fields.<column>.<attribute>.
struct OptionFamily {
  std::string prefix;    // "fields."
  std::string shown_as;  // "fields.<column>.*", in the list of accepted keys
};

/// Everything a connector declares about its WITH options.
struct OptionsSpec {
  std::vector<OptionSpec> options;
  std::vector<Conditional> conditionals;
  /// Keys starting with this prefix are passed through unchecked
  /// (e.g. "properties." for librdkafka settings); empty when none.
  std::string passthrough_prefix;
  std::vector<OptionFamily> families;
};

/// Checks `options` (keys lower-cased) for `use` against the connector
/// they name in `connectors`. Errors name the option and, for unknown
/// keys, suggest the closest known one:
///   "unknown option 'tpoic' for connector 'kafka'; did you mean 'topic'?"
///   "connector 'mysql-cdc' needs option 'table'"
///   "option 'port' must be an integer between 1 and 65535, got 'abc'"
/// The returned status has no position; the caller attaches one. `bad_key`
/// (when not null) receives the index of the offending option, or -1 when
/// the problem is a missing option.
absl::Status ValidateOptions(const ConnectorRegistry& connectors, OptionUse use,
                             const Options& options, int* bad_key);

/// Checks one value against `spec`; `key` names the option in the message
/// ("option 'port' must be ..."). For connectors checking their option
/// families with the same messages.
absl::Status CheckOptionValue(const OptionSpec& spec, std::string_view key,
                              std::string_view value);

/// The number `text` holds (as kNumber accepts it), or nullopt.
std::optional<double> ParseOptionNumber(std::string_view text);

/// "a, b, c": names joined for messages.
std::string ListNames(const std::vector<std::string>& names);

/// True for options and settings whose values are secrets: `password`,
/// `*.password`, anything with `secret` or `token`, `ssl.key.*`,
/// `sasl.jaas.config`. Wherever Weir shows or stores a statement or an
/// option (SHOW, DESCRIBE, EXPLAIN, messages, the shell's history) their
/// values are shown as ***.
bool IsSecretOption(std::string_view key);

/// `message` with each occurrence of `value` replaced by *** when `key` is
/// secret (IsSecretOption); `message` unchanged otherwise. For messages
/// that may quote a value, such as a client library's.
std::string HideSecretValue(std::string_view key, std::string_view value,
                            std::string message);

}  // namespace weir::catalog
