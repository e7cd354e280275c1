// The generators as connectors: nexmark (fixed schemas per table) and
// datagen (fields.<column>.<attribute> options). Both only read, need no
// outside system, and run in offline sessions too.

#include "connectors/generators/generator_connectors.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/generators/generator_source.h"
#include "connectors/generators/nexmark.h"
#include "engine/base/status.h"
#include "engine/base/suggest.h"
#include "engine/exec/source.h"
#include "fmt/format.h"

namespace weir::connectors::generators {
namespace {

using catalog::OptionSpec;
using catalog::ValueKind;

/// A generator in a session: nothing to keep, nothing to reach.
class GeneratorSession : public catalog::ConnectorSession {
 public:
  absl::StatusOr<catalog::SourceOpener> PrepareSource(
      const catalog::Entry& entry,
      const catalog::QueryContext& context) override {
    return catalog::SourceOpener(OpenGeneratorSource);
  }

  absl::StatusOr<catalog::SinkOpener> PrepareSink(
      const catalog::Entry& target,
      const catalog::QueryContext& context) override {
    return absl::FailedPreconditionError(fmt::format(
        "connector '{}' is a source; it cannot be written", target.connector));
  }
};

class NexmarkConnector : public catalog::Connector {
 public:
  NexmarkConnector() : Connector(Info()) {}

  /// The standard Nexmark columns of the entry's table.
  absl::StatusOr<catalog::DefaultColumns> DefaultSchema(
      const catalog::Entry& entry,
      const catalog::DeclareContext& context) const override {
    WEIR_ASSIGN_OR_RETURN(
        NexmarkTable table,
        ParseNexmarkTable(entry.Option("table").value_or("bid")));
    catalog::DefaultColumns columns;
    columns.kind = catalog::DefaultColumns::Kind::kKnown;
    columns.schema = types::Schema(NexmarkStandardFields(table));
    return columns;
  }

  std::unique_ptr<catalog::ConnectorSession> NewSession() const override {
    return std::make_unique<GeneratorSession>();
  }

 private:
  static catalog::ConnectorInfo Info() {
    catalog::ConnectorInfo info;
    info.name = "nexmark";
    info.display_name = "Nexmark";
    info.stream = true;
    info.runs_source = true;
    info.options.options = {
        OptionSpec::OneOf("table", {"person", "auction", "bid"},
                          /*required=*/true),
        OptionSpec::Integer("events-per-second", 0),
        OptionSpec::Integer("max-events", 0),
        OptionSpec::Integer("seed"),
        OptionSpec::Of("first-event-time", ValueKind::kTimestamp),
    };
    info.explain_options = {"table"};
    return info;
  }
};

const std::vector<std::string>& FieldAttributes() {
  static const std::vector<std::string> attributes{
      "kind", "min", "max", "start", "end", "length", "null-rate"};
  return attributes;
}

/// The spec of one attribute of a fields.<column>.<attribute> option, or
/// nullopt when the attribute is unknown.
std::optional<OptionSpec> FieldOptionSpec(std::string_view attribute) {
  if (attribute == "kind")
    return OptionSpec::OneOf("kind", {"random", "sequence"});
  if (attribute == "length") return OptionSpec::Integer("length", 0);
  if (attribute == "null-rate") {
    OptionSpec spec = OptionSpec::Of("null-rate", ValueKind::kNumber);
    spec.min_number = 0;
    spec.max_number = 1;
    return spec;
  }
  if (attribute == "min" || attribute == "max") {
    return OptionSpec::Of(std::string(attribute), ValueKind::kBound);
  }
  if (attribute == "start" || attribute == "end") {
    return OptionSpec::Of(std::string(attribute), ValueKind::kNumber);
  }
  return std::nullopt;
}

/// fields.<column>.<attribute> split at its last dot: (column, attribute),
/// or nullopt when it has no attribute.
std::optional<std::pair<std::string, std::string>> SplitFieldKey(
    std::string_view key) {
  const std::string_view rest = key.substr(std::string_view("fields.").size());
  const size_t dot = rest.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  return std::make_pair(std::string(rest.substr(0, dot)),
                        std::string(rest.substr(dot + 1)));
}

class DatagenConnector : public catalog::Connector {
 public:
  DatagenConnector() : Connector(Info()) {}

  absl::Status CheckFamilyOption(std::string_view key,
                                 std::string_view value) const override {
    auto field = SplitFieldKey(key);
    if (!field) {
      return absl::InvalidArgumentError(
          fmt::format("option '{}' for connector '{}' must look like "
                      "'fields.<column>.<attribute>' with attribute one of {}",
                      key, name(), catalog::ListNames(FieldAttributes())));
    }
    const auto& [column, attribute] = *field;
    std::optional<OptionSpec> spec = FieldOptionSpec(attribute);
    if (!spec) {
      std::vector<std::string> candidates;
      for (const std::string& a : FieldAttributes()) {
        candidates.push_back(fmt::format("fields.{}.{}", column, a));
      }
      std::string hint = DidYouMean(key, candidates);
      if (hint.empty()) {
        hint = fmt::format("; the attributes of a field are {}",
                           catalog::ListNames(FieldAttributes()));
      }
      return absl::InvalidArgumentError(fmt::format(
          "unknown option '{}' for connector '{}'{}", key, name(), hint));
    }
    return catalog::CheckOptionValue(*spec, key, value);
  }

  /// A field's min must not be above its max.
  absl::Status CheckOptionSet(const catalog::Options& options,
                              int* bad_key) const override {
    struct FieldRange {
      std::string column;
      std::optional<double> min, max;
      size_t max_index = 0;
    };
    std::vector<FieldRange> ranges;
    for (size_t i = 0; i < options.size(); ++i) {
      const auto& [key, value] = options[i];
      if (key.rfind("fields.", 0) != 0) continue;
      auto field = SplitFieldKey(key);
      if (!field || (field->second != "min" && field->second != "max")) {
        continue;
      }
      auto it = std::find_if(
          ranges.begin(), ranges.end(),
          [&](const FieldRange& r) { return r.column == field->first; });
      if (it == ranges.end()) {
        ranges.push_back(FieldRange{field->first, {}, {}, 0});
        it = ranges.end() - 1;
      }
      (field->second == "min" ? it->min : it->max) =
          catalog::ParseOptionNumber(value);
      it->max_index = i;
    }
    for (const FieldRange& range : ranges) {
      if (range.min && range.max && *range.min > *range.max) {
        *bad_key = static_cast<int>(range.max_index);
        return absl::InvalidArgumentError(
            fmt::format("option 'fields.{0}.min' ({1}) is greater than "
                        "'fields.{0}.max' ({2})",
                        range.column, *range.min, *range.max));
      }
    }
    return absl::OkStatus();
  }

  std::unique_ptr<catalog::ConnectorSession> NewSession() const override {
    return std::make_unique<GeneratorSession>();
  }

 private:
  static catalog::ConnectorInfo Info() {
    catalog::ConnectorInfo info;
    info.name = "datagen";
    info.display_name = "datagen";
    info.stream = true;
    info.runs_source = true;
    info.options.options = {
        OptionSpec::Integer("rows-per-second", 0),
        OptionSpec::Integer("number-of-rows", 0),
        OptionSpec::Integer("seed"),
    };
    info.options.families = {{"fields.", "fields.<column>.*"}};
    return info;
  }
};

}  // namespace

std::unique_ptr<catalog::Connector> NewNexmarkConnector() {
  return std::make_unique<NexmarkConnector>();
}

std::unique_ptr<catalog::Connector> NewDatagenConnector() {
  return std::make_unique<DatagenConnector>();
}

}  // namespace weir::connectors::generators
