// The option machinery: value checks and the validator. Each connector
// declares its own options (engine/catalog/connector.h).

#include "engine/catalog/connector_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/base/duration.h"
#include "engine/base/status.h"
#include "engine/base/strings.h"
#include "engine/base/suggest.h"
#include "engine/catalog/connector_registry.h"
#include "engine/types/value.h"

namespace weir::catalog {

namespace {

constexpr auto ToLower = [](std::string_view s) { return weir::AsciiLower(s); };

std::optional<int64_t> ParseInteger(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  int64_t value = 0;
  auto [ptr, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size())
    return std::nullopt;
  return value;
}

std::optional<double> ParseNumber(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  double value = 0;
  auto [ptr, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size())
    return std::nullopt;
  if (value != value) return std::nullopt;  // NaN
  return value;
}

bool IsDuration(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    ++i;
  }
  if (i == 0) return false;
  while (i < text.size() && text[i] == ' ') ++i;
  const std::string unit = ToLower(text.substr(i));
  static const auto* units =
      new std::vector<std::string>{"ms",      "millisecond", "milliseconds",
                                   "s",       "sec",         "second",
                                   "seconds", "m",           "min",
                                   "minute",  "minutes",     "h",
                                   "hour",    "hours",       "d",
                                   "day",     "days"};
  return std::find(units->begin(), units->end(), unit) != units->end();
}

bool Digits(std::string_view text, size_t pos, size_t count) {
  if (pos + count > text.size()) return false;
  for (size_t i = pos; i < pos + count; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

int TwoDigits(std::string_view text, size_t pos) {
  return (text[pos] - '0') * 10 + (text[pos + 1] - '0');
}

// 'YYYY-MM-DD', optionally followed by ' HH:MM[:SS[.f{1,6}]]' (or 'T').
bool IsTimestamp(std::string_view t) {
  if (!Digits(t, 0, 4) || t.size() < 10 || t[4] != '-' || !Digits(t, 5, 2) ||
      t[7] != '-' || !Digits(t, 8, 2)) {
    return false;
  }
  const int month = TwoDigits(t, 5);
  const int day = TwoDigits(t, 8);
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  if (t.size() == 10) return true;
  if ((t[10] != ' ' && t[10] != 'T') || !Digits(t, 11, 2) || t.size() < 16 ||
      t[13] != ':' || !Digits(t, 14, 2)) {
    return false;
  }
  if (TwoDigits(t, 11) > 23 || TwoDigits(t, 14) > 59) return false;
  if (t.size() == 16) return true;
  if (t[16] != ':' || !Digits(t, 17, 2) || TwoDigits(t, 17) > 59) return false;
  if (t.size() == 19) return true;
  if (t[19] != '.' || t.size() < 21 || t.size() > 26) return false;
  return Digits(t, 20, t.size() - 20);
}

// 'partition:0,offset:42;partition:1,offset:7' (a trailing ';' is fine).
bool IsSpecificOffsets(std::string_view text) {
  bool any = false;
  while (!text.empty()) {
    const size_t end = text.find(';');
    std::string_view part = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view()
                                         : text.substr(end + 1);
    if (part.empty() && text.empty() && any) break;
    constexpr std::string_view kPartition = "partition:";
    constexpr std::string_view kOffset = ",offset:";
    if (part.substr(0, kPartition.size()) != kPartition) return false;
    part.remove_prefix(kPartition.size());
    const size_t comma = part.find(kOffset);
    if (comma == std::string_view::npos) return false;
    std::optional<int64_t> partition = ParseInteger(part.substr(0, comma));
    std::optional<int64_t> offset =
        ParseInteger(part.substr(comma + kOffset.size()));
    if (!partition || !offset || *partition < 0 || *offset < 0) return false;
    any = true;
  }
  return any;
}

std::string IntegerRange(const OptionSpec& spec) {
  const bool has_min = spec.min != std::numeric_limits<int64_t>::min();
  const bool has_max = spec.max != std::numeric_limits<int64_t>::max();
  if (has_min && has_max) {
    return fmt::format("an integer between {} and {}", spec.min, spec.max);
  }
  if (has_min) return fmt::format("an integer >= {}", spec.min);
  if (has_max) return fmt::format("an integer <= {}", spec.max);
  return "an integer";
}

}  // namespace

absl::Status CheckOptionValue(const OptionSpec& spec, std::string_view key,
                              std::string_view value) {
  auto bad = [&](std::string_view expected, std::string_view hint = "") {
    // A secret's value is never quoted back.
    return absl::InvalidArgumentError(fmt::format(
        "option '{}' must be {}, got '{}'{}", key, expected,
        IsSecretOption(key) ? std::string_view("***") : value, hint));
  };
  switch (spec.kind) {
    case ValueKind::kString:
      if (spec.required && value.empty()) {
        return absl::InvalidArgumentError(
            fmt::format("option '{}' must not be empty", key));
      }
      return absl::OkStatus();
    case ValueKind::kInteger: {
      std::optional<int64_t> n = ParseInteger(value);
      if (!n || *n < spec.min || *n > spec.max) return bad(IntegerRange(spec));
      return absl::OkStatus();
    }
    case ValueKind::kNumber: {
      std::optional<double> n = ParseNumber(value);
      const bool has_range =
          spec.min_number != -std::numeric_limits<double>::infinity() ||
          spec.max_number != std::numeric_limits<double>::infinity();
      if (!n || *n < spec.min_number || *n > spec.max_number) {
        return bad(has_range ? fmt::format("a number between {} and {}",
                                           spec.min_number, spec.max_number)
                             : std::string("a number"));
      }
      return absl::OkStatus();
    }
    case ValueKind::kBound: {
      if (ParseNumber(value) || types::ParseTimestamp(value).ok() ||
          types::ParseTime(value).ok()) {
        return absl::OkStatus();
      }
      return bad("a number, or a date or time like '2026-01-01 00:00:00'");
    }
    case ValueKind::kBoolean: {
      const std::string lower = ToLower(value);
      if (lower != "true" && lower != "false") return bad("true or false");
      return absl::OkStatus();
    }
    case ValueKind::kEnum: {
      const std::string lower = ToLower(value);
      if (std::find(spec.choices.begin(), spec.choices.end(), lower) !=
          spec.choices.end()) {
        return absl::OkStatus();
      }
      return bad(fmt::format("one of {}", ListNames(spec.choices)),
                 DidYouMean(value, spec.choices));
    }
    case ValueKind::kDuration:
      if (!IsDuration(value)) return bad("a duration like '30s' or '500ms'");
      return absl::OkStatus();
    case ValueKind::kChar:
      if (value.size() != 1 && value != "\\t") return bad("a single character");
      return absl::OkStatus();
    case ValueKind::kTimestamp:
      if (!IsTimestamp(value)) {
        return bad("a timestamp like '2026-01-01 00:00:00'");
      }
      return absl::OkStatus();
    case ValueKind::kOffsets:
      if (!IsSpecificOffsets(value)) {
        return bad("like 'partition:0,offset:42;partition:1,offset:7'");
      }
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

namespace {

std::string_view UseNoun(OptionUse use) {
  switch (use) {
    case OptionUse::kSource:
      return "a STREAM";
    case OptionUse::kTableSource:
      return "a TABLE";
    case OptionUse::kSink:
      return "a SINK";
  }
  return "";
}

// Why `connector` cannot serve `use`; OK when it can.
absl::Status CheckUse(const ConnectorInfo& info, OptionUse use) {
  const bool ok = (use == OptionUse::kSource && info.stream) ||
                  (use == OptionUse::kTableSource && info.table) ||
                  (use == OptionUse::kSink && info.sink);
  if (ok) return absl::OkStatus();
  std::string message;
  if (use == OptionUse::kSink) {
    message = fmt::format(
        "connector '{}' is a source; it cannot be written as a sink",
        info.name);
  } else if (!info.stream && !info.table) {
    message = fmt::format(
        "connector '{}' is a sink; it cannot be read as a source", info.name);
  } else if (use == OptionUse::kSource) {
    message = fmt::format(
        "connector '{}' can only back a TABLE (it produces a changelog); use "
        "CREATE TABLE",
        info.name);
  } else {
    message = fmt::format(
        "connector '{}' produces an append-only stream and cannot back {}; "
        "use CREATE STREAM",
        info.name, UseNoun(use));
  }
  return absl::InvalidArgumentError(message);
}

bool HasPrefix(std::string_view key, std::string_view prefix) {
  return !prefix.empty() && key.substr(0, prefix.size()) == prefix;
}

// "; it accepts a, b and properties.*" (or a suggestion) for an unknown key.
std::string UnknownKeyHint(const std::string& key, const OptionsSpec& spec) {
  std::vector<std::string> names;
  for (const OptionSpec& o : spec.options) names.push_back(o.name);
  std::vector<std::string> candidates = {"connector"};
  candidates.insert(candidates.end(), names.begin(), names.end());
  std::string hint = DidYouMean(key, candidates);
  if (!hint.empty()) return hint;
  if (names.empty()) return "; it takes no other options";
  hint = fmt::format("; it accepts {}", ListNames(names));
  if (!spec.passthrough_prefix.empty()) {
    hint += fmt::format(" and {}*", spec.passthrough_prefix);
  }
  for (const OptionFamily& family : spec.families) {
    hint += " and " + family.shown_as;
  }
  return hint;
}

// Checks one option (not `connector`) of `connector` for `use`.
absl::Status CheckOne(const Connector& connector, OptionUse use,
                      const std::string& key, const std::string& value) {
  const ConnectorInfo& info = connector.info();
  if (key == kIdleTimeoutOption) {
    if (use == OptionUse::kSink) {
      return absl::InvalidArgumentError(fmt::format(
          "option '{}' applies to a STREAM or TABLE that is read, not to a "
          "sink",
          key));
    }
    if (!ParseDuration(value)) {
      return absl::InvalidArgumentError(fmt::format(
          "option '{}' must be a duration like '5s' or '500ms' ('0s': never "
          "idle), got '{}'",
          key, value));
    }
    return absl::OkStatus();
  }
  if (key == kLateRowsOption) {
    if (use == OptionUse::kSink) {
      return absl::InvalidArgumentError(fmt::format(
          "option '{}' applies to a STREAM or TABLE that is read, not to a "
          "sink",
          key));
    }
    const std::string v = ToLower(value);
    if (v != "drop" && v != "dlq") {
      return absl::InvalidArgumentError(fmt::format(
          "option '{}' must be 'drop' or 'dlq', got '{}'", key, value));
    }
    if (v == "dlq" && !info.dead_letters) {
      return absl::InvalidArgumentError(fmt::format(
          "option '{}' = 'dlq' needs a dead-letter topic, which connector "
          "'{}' does not have (Kafka streams do); use 'drop', the default",
          key, info.name));
    }
    return absl::OkStatus();
  }
  const OptionsSpec& spec = info.options;
  if (HasPrefix(key, spec.passthrough_prefix)) {
    if (key.size() == spec.passthrough_prefix.size()) {
      return absl::InvalidArgumentError(
          fmt::format("option '{}' needs a name after the '{}'", key,
                      spec.passthrough_prefix));
    }
    return absl::OkStatus();
  }
  for (const OptionFamily& family : spec.families) {
    if (HasPrefix(key, family.prefix)) {
      return connector.CheckFamilyOption(key, value);
    }
  }
  const OptionSpec* option = nullptr;
  for (const OptionSpec& candidate : spec.options) {
    if (candidate.name == key) option = &candidate;
  }
  if (option == nullptr) {
    return absl::InvalidArgumentError(
        fmt::format("unknown option '{}' for connector '{}'{}", key, info.name,
                    UnknownKeyHint(key, spec)));
  }
  if (option->applies == Applies::kSourceOnly && use == OptionUse::kSink) {
    return absl::InvalidArgumentError(fmt::format(
        "option '{}' applies only when connector '{}' is read, not to a sink",
        key, info.name));
  }
  if (option->applies == Applies::kSinkOnly && use != OptionUse::kSink) {
    return absl::InvalidArgumentError(
        fmt::format("option '{}' applies only when connector '{}' is a sink",
                    key, info.name));
  }
  return CheckOptionValue(*option, key, value);
}

// Required options, and options that go with a value of another.
absl::Status CheckNeeded(const ConnectorInfo& info, const Options& options,
                         int* bad_key) {
  auto find = [&](std::string_view key) -> std::optional<size_t> {
    for (size_t i = 0; i < options.size(); ++i) {
      if (options[i].first == key) return i;
    }
    return std::nullopt;
  };
  auto switched_on = [&](const Conditional& cond) {
    std::optional<size_t> at = find(cond.option);
    return at && ToLower(options[*at].second) == cond.value;
  };
  const OptionsSpec& spec = info.options;
  for (const OptionSpec& option : spec.options) {
    if (option.required && !find(option.name)) {
      return absl::InvalidArgumentError(fmt::format(
          "connector '{}' needs option '{}'", info.name, option.name));
    }
  }
  for (const Conditional& cond : spec.conditionals) {
    if (!cond.required || !switched_on(cond)) continue;
    if (!find(cond.needed) &&
        (cond.or_needed.empty() || !find(cond.or_needed))) {
      return absl::InvalidArgumentError(
          fmt::format("option '{}' is required when '{}' = '{}'", cond.needed,
                      cond.option, cond.value));
    }
  }
  for (const Conditional& cond : spec.conditionals) {
    if (!cond.only_then) continue;
    std::optional<size_t> needed_index = find(cond.needed);
    if (!needed_index) continue;
    // Fine when any conditional that needs it is switched on.
    bool wanted = false;
    std::vector<std::string> when;
    for (const Conditional& other : spec.conditionals) {
      if (other.needed != cond.needed) continue;
      wanted |= switched_on(other);
      when.push_back(fmt::format("'{}' = '{}'", other.option, other.value));
    }
    if (!wanted) {
      *bad_key = static_cast<int>(*needed_index);
      return absl::InvalidArgumentError(
          fmt::format("option '{}' is only used when {}", cond.needed,
                      JoinStrings(when, " or ")));
    }
  }
  return absl::OkStatus();
}

}  // namespace

OptionSpec OptionSpec::String(std::string name, bool required,
                              Applies applies) {
  OptionSpec spec;
  spec.name = std::move(name);
  spec.required = required;
  spec.applies = applies;
  return spec;
}

OptionSpec OptionSpec::Integer(std::string name, int64_t min, int64_t max,
                               Applies applies) {
  OptionSpec spec;
  spec.name = std::move(name);
  spec.kind = ValueKind::kInteger;
  spec.min = min;
  spec.max = max;
  spec.applies = applies;
  return spec;
}

OptionSpec OptionSpec::OneOf(std::string name, std::vector<std::string> choices,
                             bool required, Applies applies) {
  OptionSpec spec;
  spec.name = std::move(name);
  spec.kind = ValueKind::kEnum;
  spec.choices = std::move(choices);
  spec.required = required;
  spec.applies = applies;
  return spec;
}

OptionSpec OptionSpec::Of(std::string name, ValueKind kind, Applies applies) {
  OptionSpec spec;
  spec.name = std::move(name);
  spec.kind = kind;
  spec.applies = applies;
  return spec;
}

std::optional<double> ParseOptionNumber(std::string_view text) {
  return ParseNumber(text);
}

std::string ListNames(const std::vector<std::string>& names) {
  return JoinStrings(names, ", ");
}

bool IsSecretOption(std::string_view key) {
  std::string k = weir::AsciiLower(key);
  for (const char* word :
       {"password", "secret", "sasl.jaas", "ssl.key", "token"}) {
    if (k.find(word) != std::string::npos) return true;
  }
  return false;
}

std::string HideSecretValue(std::string_view key, std::string_view value,
                            std::string message) {
  if (!IsSecretOption(key) || value.empty()) return message;
  for (size_t at = message.find(value); at != std::string::npos;
       at = message.find(value, at + 3)) {
    message.replace(at, value.size(), "***");
  }
  return message;
}

absl::Status ValidateOptions(const ConnectorRegistry& connectors, OptionUse use,
                             const Options& options, int* bad_key) {
  int ignored = -1;
  if (bad_key == nullptr) bad_key = &ignored;
  *bad_key = -1;
  auto fail_at = [&](size_t index, absl::Status status) {
    *bad_key = static_cast<int>(index);
    return status;
  };

  // Each key once.
  for (size_t i = 0; i < options.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (options[j].first == options[i].first) {
        return fail_at(i, absl::InvalidArgumentError(fmt::format(
                              "option '{}' is given twice", options[i].first)));
      }
    }
  }

  // The connector.
  std::optional<size_t> connector_index;
  for (size_t i = 0; i < options.size(); ++i) {
    if (options[i].first == "connector") connector_index = i;
  }
  const std::vector<std::string> names = connectors.Names();
  if (!connector_index) {
    return absl::InvalidArgumentError(fmt::format(
        "missing option 'connector'; expected one of: {}", ListNames(names)));
  }
  const std::string& written = options[*connector_index].second;
  const Connector* connector = connectors.Find(written);
  if (connector == nullptr) {
    std::string hint = DidYouMean(written, names);
    if (hint.empty()) {
      hint = fmt::format("; expected one of: {}", ListNames(names));
    }
    return fail_at(*connector_index,
                   absl::InvalidArgumentError(
                       fmt::format("unknown connector '{}'{}", written, hint)));
  }
  if (absl::Status status = CheckUse(connector->info(), use); !status.ok()) {
    return fail_at(*connector_index, status);
  }

  // Every key known, every value well-formed.
  for (size_t i = 0; i < options.size(); ++i) {
    const auto& [key, value] = options[i];
    if (key == "connector") continue;
    if (absl::Status status = CheckOne(*connector, use, key, value);
        !status.ok()) {
      return fail_at(i, status);
    }
  }
  WEIR_RETURN_IF_ERROR(connector->CheckOptionSet(options, bad_key));
  return CheckNeeded(connector->info(), options, bad_key);
}

}  // namespace weir::catalog
