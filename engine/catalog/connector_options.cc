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

#include "engine/base/strings.h"
#include "engine/base/suggest.h"
#include "engine/types/value.h"

namespace weir::catalog {

namespace {

constexpr auto ToLower = [](std::string_view s) { return weir::AsciiLower(s); };
using Options = std::vector<std::pair<std::string, std::string>>;

// What values an option accepts.
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

// Which declarations an option applies to.
enum class Applies { kAll, kSourceOnly, kSinkOnly };

struct OptionSpec {
  std::string name;
  ValueKind kind = ValueKind::kString;
  bool required = false;
  Applies applies = Applies::kAll;
  int64_t min = std::numeric_limits<int64_t>::min();
  int64_t max = std::numeric_limits<int64_t>::max();
  std::vector<std::string> choices;
  double min_number = -std::numeric_limits<double>::infinity();
  double max_number = std::numeric_limits<double>::infinity();
};

// When option `option` has the value `value`, option `needed` must be
// given; `needed` is rejected when no conditional that names it is on.
struct Conditional {
  std::string option;
  std::string value;
  std::string needed;
  // Another option that satisfies the need (e.g. properties.group.id).
  std::string or_needed = {};
  // False when `needed` also has uses of its own without the switch.
  bool only_then = true;
};

struct ConnectorSpec {
  std::string name;
  bool source = false;        // CREATE STREAM ... WITH
  bool table_source = false;  // CREATE TABLE ... WITH
  bool sink = false;          // CREATE SINK ... WITH
  std::vector<OptionSpec> options;
  std::vector<Conditional> conditionals;
  // Keys starting with this prefix are passed through unchecked
  // (e.g. "properties." for librdkafka settings); empty when none.
  std::string passthrough_prefix;
  // datagen: "fields.<column>.<attribute>" options.
  bool has_field_options = false;
};

OptionSpec Str(std::string name, bool required = false,
               Applies applies = Applies::kAll) {
  OptionSpec spec;
  spec.name = std::move(name);
  spec.required = required;
  spec.applies = applies;
  return spec;
}

OptionSpec Int(std::string name,
               int64_t min = std::numeric_limits<int64_t>::min(),
               int64_t max = std::numeric_limits<int64_t>::max(),
               Applies applies = Applies::kAll) {
  OptionSpec spec;
  spec.name = std::move(name);
  spec.kind = ValueKind::kInteger;
  spec.min = min;
  spec.max = max;
  spec.applies = applies;
  return spec;
}

OptionSpec Enum(std::string name, std::vector<std::string> choices,
                bool required = false, Applies applies = Applies::kAll) {
  OptionSpec spec;
  spec.name = std::move(name);
  spec.kind = ValueKind::kEnum;
  spec.choices = std::move(choices);
  spec.required = required;
  spec.applies = applies;
  return spec;
}

OptionSpec Of(std::string name, ValueKind kind,
              Applies applies = Applies::kAll) {
  OptionSpec spec;
  spec.name = std::move(name);
  spec.kind = kind;
  spec.applies = applies;
  return spec;
}

const std::vector<std::string>& Formats() {
  static const auto* formats = new std::vector<std::string>{
      "json", "csv", "avro", "debezium-json", "raw"};
  return *formats;
}

constexpr int64_t kMaxPort = 65535;
constexpr int64_t kMaxServerId = 4294967295;  // MySQL's server_id is 32-bit

std::vector<ConnectorSpec> BuildSpecs() {
  std::vector<ConnectorSpec> specs;
  const Applies source_only = Applies::kSourceOnly;
  {
    ConnectorSpec kafka;
    kafka.name = "kafka";
    kafka.source = kafka.table_source = kafka.sink = true;
    kafka.options = {
        Str("topic", /*required=*/true),
        Enum("format", Formats()),
        Str("bootstrap.servers"),
        Enum("scan.startup.mode",
             {"earliest-offset", "latest-offset", "group-offsets", "timestamp",
              "specific-offsets"},
             false, source_only),
        Int("scan.startup.timestamp-millis", 0,
            std::numeric_limits<int64_t>::max(), source_only),
        Of("scan.startup.specific-offsets", ValueKind::kOffsets, source_only),
        Str("group.id", false, source_only),
        Enum("key.format", Formats()),
        Str("key.fields"),
        Enum("value.fields-include", {"all", "except_key"}),
        Enum("format.on-error", {"skip", "fail", "dlq"}, false, source_only),
        Str("format.dlq.topic", false, source_only),
        Int("partitions", 1),
        Of("csv.delimiter", ValueKind::kChar),
    };
    kafka.conditionals = {
        {"scan.startup.mode", "timestamp", "scan.startup.timestamp-millis"},
        {"scan.startup.mode", "specific-offsets",
         "scan.startup.specific-offsets"},
        {"format.on-error", "dlq", "format.dlq.topic"},
        {"scan.startup.mode", "group-offsets", "group.id",
         "properties.group.id",
         /*only_then=*/false},
    };
    kafka.passthrough_prefix = "properties.";
    specs.push_back(std::move(kafka));
  }
  {
    ConnectorSpec cdc;
    cdc.name = "mysql-cdc";
    cdc.table_source = true;
    cdc.options = {
        Str("host", true),
        Str("user", true),
        Str("database", true),
        Str("table", true),
        Int("port", 1, kMaxPort),
        Str("password"),
        Int("server-id", 1, kMaxServerId),
        Int("scan.snapshot.chunk-size", 1),
        Enum("scan.startup.mode",
             {"initial", "latest-offset", "gtid", "binlog-position"}),
        Str("scan.startup.gtid"),
        Str("scan.startup.binlog-file"),
        Int("scan.startup.binlog-position", 0),
        Of("connect.timeout", ValueKind::kDuration),
    };
    cdc.conditionals = {
        {"scan.startup.mode", "gtid", "scan.startup.gtid"},
        {"scan.startup.mode", "binlog-position", "scan.startup.binlog-file"},
        {"scan.startup.mode", "binlog-position",
         "scan.startup.binlog-position"},
    };
    specs.push_back(std::move(cdc));
  }
  {
    ConnectorSpec mysql;
    mysql.name = "mysql";
    mysql.sink = true;
    mysql.options = {
        Str("host", true),         Str("user", true),
        Str("database", true),     Str("table", true),
        Int("port", 1, kMaxPort),  Str("password"),
        Int("sink.batch-size", 1), Of("sink.create-table", ValueKind::kBoolean),
    };
    specs.push_back(std::move(mysql));
  }
  {
    ConnectorSpec datagen;
    datagen.name = "datagen";
    datagen.source = true;
    datagen.options = {
        Int("rows-per-second", 0),
        Int("number-of-rows", 0),
        Int("seed"),
    };
    datagen.has_field_options = true;
    specs.push_back(std::move(datagen));
  }
  {
    ConnectorSpec nexmark;
    nexmark.name = "nexmark";
    nexmark.source = true;
    nexmark.options = {
        Enum("table", {"person", "auction", "bid"}, /*required=*/true),
        Int("events-per-second", 0),
        Int("max-events", 0),
        Int("seed"),
        Of("first-event-time", ValueKind::kTimestamp),
    };
    specs.push_back(std::move(nexmark));
  }
  {
    ConnectorSpec print;
    print.name = "print";
    print.sink = true;
    print.options = {Str("prefix")};
    specs.push_back(std::move(print));
  }
  {
    ConnectorSpec blackhole;
    blackhole.name = "blackhole";
    blackhole.sink = true;
    specs.push_back(std::move(blackhole));
  }
  return specs;
}

const std::vector<ConnectorSpec>& Specs() {
  static const auto* specs = new std::vector<ConnectorSpec>(BuildSpecs());
  return *specs;
}

std::string Quoted(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
  return out;
}

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

absl::Status CheckValue(const OptionSpec& spec, std::string_view key,
                        std::string_view value) {
  auto bad = [&](std::string_view expected, std::string_view hint = "") {
    return absl::InvalidArgumentError(fmt::format(
        "option '{}' must be {}, got '{}'{}", key, expected, value, hint));
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
      return bad(fmt::format("one of {}", Quoted(spec.choices)),
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

// The spec of one "fields.<column>.<attribute>" option of datagen, or
// nullopt (with `attribute` set) when the attribute is unknown.
std::optional<OptionSpec> FieldOptionSpec(std::string_view attribute) {
  if (attribute == "kind") return Enum("kind", {"random", "sequence"});
  if (attribute == "length") return Int("length", 0);
  if (attribute == "null-rate") {
    OptionSpec spec = Of("null-rate", ValueKind::kNumber);
    spec.min_number = 0;
    spec.max_number = 1;
    return spec;
  }
  if (attribute == "min" || attribute == "max") {
    return Of(std::string(attribute), ValueKind::kBound);
  }
  if (attribute == "start" || attribute == "end") {
    return Of(std::string(attribute), ValueKind::kNumber);
  }
  return std::nullopt;
}

const std::vector<std::string>& FieldAttributes() {
  static const auto* attributes = new std::vector<std::string>{
      "kind", "min", "max", "start", "end", "length", "null-rate"};
  return *attributes;
}

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

// Why `spec` cannot serve `use`; OK when it can.
absl::Status CheckUse(const ConnectorSpec& spec, OptionUse use) {
  const bool ok = (use == OptionUse::kSource && spec.source) ||
                  (use == OptionUse::kTableSource && spec.table_source) ||
                  (use == OptionUse::kSink && spec.sink);
  if (ok) return absl::OkStatus();
  std::string message;
  if (use == OptionUse::kSink) {
    message = fmt::format(
        "connector '{}' is a source; it cannot be written "
        "as a sink",
        spec.name);
  } else if (!spec.source && !spec.table_source) {
    message = fmt::format(
        "connector '{}' is a sink; it cannot be read as a source", spec.name);
  } else if (use == OptionUse::kSource) {
    message = fmt::format(
        "connector '{}' can only back a TABLE (it produces a changelog); use "
        "CREATE TABLE",
        spec.name);
  } else {
    message = fmt::format(
        "connector '{}' produces an append-only stream and cannot back {}; "
        "use CREATE STREAM",
        spec.name, UseNoun(use));
  }
  return absl::InvalidArgumentError(message);
}

std::vector<std::string> KnownKeys(const ConnectorSpec& spec, OptionUse use) {
  std::vector<std::string> keys = {"connector"};
  for (const OptionSpec& option : spec.options) keys.push_back(option.name);
  return keys;
}

}  // namespace

bool IsSecretOption(std::string_view key) {
  std::string k = weir::AsciiLower(key);
  for (const char* word :
       {"password", "secret", "sasl.jaas", "ssl.key", "token"}) {
    if (k.find(word) != std::string::npos) return true;
  }
  return false;
}

std::vector<std::string> ConnectorNames() {
  std::vector<std::string> names;
  for (const ConnectorSpec& spec : Specs()) names.push_back(spec.name);
  return names;
}

absl::Status ValidateOptions(OptionUse use, const Options& options,
                             int* bad_key) {
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
  if (!connector_index) {
    return absl::InvalidArgumentError(
        fmt::format("missing option 'connector'; expected one of: {}",
                    Quoted(ConnectorNames())));
  }
  const std::string connector = ToLower(options[*connector_index].second);
  const ConnectorSpec* spec = nullptr;
  for (const ConnectorSpec& candidate : Specs()) {
    if (candidate.name == connector) spec = &candidate;
  }
  if (spec == nullptr) {
    const std::string& written = options[*connector_index].second;
    std::string hint = DidYouMean(written, ConnectorNames());
    if (hint.empty()) {
      hint = fmt::format("; expected one of: {}", Quoted(ConnectorNames()));
    }
    return fail_at(*connector_index,
                   absl::InvalidArgumentError(
                       fmt::format("unknown connector '{}'{}", written, hint)));
  }
  if (absl::Status status = CheckUse(*spec, use); !status.ok()) {
    return fail_at(*connector_index, status);
  }

  // Every key known, every value well-formed.
  struct FieldRange {
    std::string column;
    std::optional<double> min, max;
    size_t max_index = 0;
  };
  std::vector<FieldRange> field_ranges;
  for (size_t i = 0; i < options.size(); ++i) {
    const auto& [key, value] = options[i];
    if (key == "connector") continue;
    if (!spec->passthrough_prefix.empty() &&
        key.rfind(spec->passthrough_prefix, 0) == 0) {
      if (key.size() == spec->passthrough_prefix.size()) {
        return fail_at(i, absl::InvalidArgumentError(fmt::format(
                              "option '{}' needs a name after the '{}'", key,
                              spec->passthrough_prefix)));
      }
      continue;
    }
    if (spec->has_field_options && key.rfind("fields.", 0) == 0) {
      const std::string_view rest = std::string_view(key).substr(7);
      const size_t dot = rest.rfind('.');
      if (dot == std::string_view::npos || dot == 0) {
        return fail_at(
            i, absl::InvalidArgumentError(fmt::format(
                   "option '{}' for connector '{}' must look like "
                   "'fields.<column>.<attribute>' with attribute one of {}",
                   key, spec->name, Quoted(FieldAttributes()))));
      }
      const std::string column(rest.substr(0, dot));
      const std::string_view attribute = rest.substr(dot + 1);
      std::optional<OptionSpec> field_spec = FieldOptionSpec(attribute);
      if (!field_spec) {
        std::vector<std::string> candidates;
        for (const std::string& a : FieldAttributes()) {
          candidates.push_back(fmt::format("fields.{}.{}", column, a));
        }
        std::string hint = DidYouMean(key, candidates);
        if (hint.empty()) {
          hint = fmt::format("; the attributes of a field are {}",
                             Quoted(FieldAttributes()));
        }
        return fail_at(i, absl::InvalidArgumentError(fmt::format(
                              "unknown option '{}' for connector '{}'{}", key,
                              spec->name, hint)));
      }
      if (absl::Status status = CheckValue(*field_spec, key, value);
          !status.ok()) {
        return fail_at(i, status);
      }
      if (attribute == "min" || attribute == "max") {
        auto it = std::find_if(
            field_ranges.begin(), field_ranges.end(),
            [&](const FieldRange& r) { return r.column == column; });
        if (it == field_ranges.end()) {
          field_ranges.push_back(FieldRange{column, {}, {}, 0});
          it = field_ranges.end() - 1;
        }
        (attribute == "min" ? it->min : it->max) = ParseNumber(value);
        it->max_index = i;
      }
      continue;
    }
    const OptionSpec* option = nullptr;
    for (const OptionSpec& candidate : spec->options) {
      if (candidate.name == key) option = &candidate;
    }
    if (option == nullptr) {
      std::string hint = DidYouMean(key, KnownKeys(*spec, use));
      if (hint.empty() && !spec->options.empty()) {
        std::vector<std::string> names;
        for (const OptionSpec& o : spec->options) names.push_back(o.name);
        hint = fmt::format("; it accepts {}", Quoted(names));
        if (!spec->passthrough_prefix.empty()) {
          hint += fmt::format(" and {}*", spec->passthrough_prefix);
        }
        if (spec->has_field_options) hint += " and fields.<column>.*";
      } else if (hint.empty()) {
        hint = "; it takes no other options";
      }
      return fail_at(i, absl::InvalidArgumentError(fmt::format(
                            "unknown option '{}' for connector '{}'{}", key,
                            spec->name, hint)));
    }
    if (option->applies == Applies::kSourceOnly && use == OptionUse::kSink) {
      return fail_at(i, absl::InvalidArgumentError(fmt::format(
                            "option '{}' applies only when connector '{}' is "
                            "read, not to a sink",
                            key, spec->name)));
    }
    if (option->applies == Applies::kSinkOnly && use != OptionUse::kSink) {
      return fail_at(i, absl::InvalidArgumentError(fmt::format(
                            "option '{}' applies only when connector '{}' is "
                            "a sink",
                            key, spec->name)));
    }
    if (absl::Status status = CheckValue(*option, key, value); !status.ok()) {
      return fail_at(i, status);
    }
  }
  for (const FieldRange& range : field_ranges) {
    if (range.min && range.max && *range.min > *range.max) {
      return fail_at(range.max_index,
                     absl::InvalidArgumentError(fmt::format(
                         "option 'fields.{0}.min' ({1}) is greater than "
                         "'fields.{0}.max' ({2})",
                         range.column, *range.min, *range.max)));
    }
  }

  auto find = [&](std::string_view key) -> std::optional<size_t> {
    for (size_t i = 0; i < options.size(); ++i) {
      if (options[i].first == key) return i;
    }
    return std::nullopt;
  };

  // Required options.
  for (const OptionSpec& option : spec->options) {
    if (option.required && !find(option.name)) {
      return absl::InvalidArgumentError(fmt::format(
          "connector '{}' needs option '{}'", spec->name, option.name));
    }
  }

  // Options that go with a particular value of another option.
  for (const Conditional& cond : spec->conditionals) {
    std::optional<size_t> switch_index = find(cond.option);
    const bool on =
        switch_index && ToLower(options[*switch_index].second) == cond.value;
    std::optional<size_t> needed_index = find(cond.needed);
    if (!needed_index && !cond.or_needed.empty())
      needed_index = find(cond.or_needed);
    if (on && !needed_index) {
      return absl::InvalidArgumentError(
          fmt::format("option '{}' is required when '{}' = '{}'", cond.needed,
                      cond.option, cond.value));
    }
  }
  for (const Conditional& cond : spec->conditionals) {
    if (!cond.only_then) continue;
    std::optional<size_t> needed_index = find(cond.needed);
    if (!needed_index) continue;
    // Fine when any conditional that needs it is switched on.
    bool wanted = false;
    for (const Conditional& other : spec->conditionals) {
      if (other.needed != cond.needed) continue;
      std::optional<size_t> switch_index = find(other.option);
      if (switch_index &&
          ToLower(options[*switch_index].second) == other.value) {
        wanted = true;
      }
    }
    if (!wanted) {
      return fail_at(*needed_index,
                     absl::InvalidArgumentError(fmt::format(
                         "option '{}' is only used when '{}' = '{}'",
                         cond.needed, cond.option, cond.value)));
    }
  }
  return absl::OkStatus();
}

}  // namespace weir::catalog
