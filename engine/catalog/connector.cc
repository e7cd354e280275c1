// The defaults of the Connector interface and the registry of connectors.

#include "engine/catalog/connector.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "engine/base/strings.h"
#include "engine/catalog/connector_registry.h"

namespace weir::catalog {

SettingSpec PositiveIntegerSetting(std::string key, int64_t max) {
  SettingSpec spec;
  spec.key = std::move(key);
  spec.expects = fmt::format("an integer from 1 to {}", max);
  spec.valid = [max](const std::string& v) {
    if (v.empty() || v.size() > 9) return false;
    for (char c : v) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    }
    const int64_t n = std::stoll(v);
    return n >= 1 && n <= max;
  };
  return spec;
}

absl::Status Connector::CheckFamilyOption(std::string_view key,
                                          std::string_view value) const {
  return absl::OkStatus();
}

absl::Status Connector::CheckOptionSet(const Options& options,
                                       int* bad_key) const {
  return absl::OkStatus();
}

absl::StatusOr<DefaultColumns> Connector::DefaultSchema(
    const Entry& entry, const DeclareContext& context) const {
  return DefaultColumns{};
}

absl::Status Connector::CheckSinkInput(const Entry& sink,
                                       const SinkInput& input) const {
  return absl::OkStatus();
}

std::string Connector::Detail(const Entry& entry) const {
  std::vector<std::string> parts;
  for (const std::string& key : info_.explain_options) {
    if (auto v = entry.Option(key))
      parts.push_back(fmt::format("{}={}", key, *v));
  }
  return JoinStrings(parts, " ");
}

std::string Connector::ScanState(EntryKind kind) const { return ""; }

std::string Connector::TargetNote(const Entry& target) const { return ""; }

std::string Connector::EndsWithProcess(
    const Entry& entry,
    const std::map<std::string, std::string>& settings) const {
  return "";
}

std::vector<ClientSetting> Connector::ClientSettings(
    const Entry& entry, const SessionSettings& settings) const {
  return {};
}

std::unique_ptr<ConnectorSession> Connector::NewSession() const {
  return nullptr;
}

const ConnectorRegistry& ConnectorRegistry::Empty() {
  static const auto* empty = new ConnectorRegistry();
  return *empty;
}

absl::Status ConnectorRegistry::Register(std::unique_ptr<Connector> connector) {
  const std::string& name = connector->name();
  if (name.empty() || name != AsciiLower(name)) {
    return absl::InvalidArgumentError(fmt::format(
        "a connector's name must be non-empty and lower-case, got '{}'", name));
  }
  if (Find(name) != nullptr) {
    return absl::AlreadyExistsError(
        fmt::format("connector '{}' is registered twice", name));
  }
  connectors_.push_back(std::move(connector));
  return absl::OkStatus();
}

const Connector* ConnectorRegistry::Find(std::string_view name) const {
  const std::string lower = AsciiLower(name);
  for (const auto& c : connectors_) {
    if (c->name() == lower) return c.get();
  }
  return nullptr;
}

std::string ConnectorRegistry::DisplayNameOf(std::string_view connector) const {
  const Connector* c = Find(connector);
  return c == nullptr ? std::string(connector) : c->info().display_name;
}

std::vector<std::string> ConnectorRegistry::Names() const {
  std::vector<std::string> names;
  for (const auto& c : connectors_) names.push_back(c->name());
  return names;
}

std::string ConnectorRegistry::DisplayNames(
    const std::function<bool(const ConnectorInfo&)>& pred) const {
  std::vector<std::string> names;
  for (const auto& c : connectors_) {
    const std::string& shown = c->info().display_name;
    if (pred(c->info()) &&
        std::find(names.begin(), names.end(), shown) == names.end()) {
      names.push_back(shown);
    }
  }
  return JoinWithAnd(names);
}

std::string ConnectorRegistry::NamesWhere(
    const std::function<bool(const ConnectorInfo&)>& pred) const {
  std::vector<std::string> names;
  for (const auto& c : connectors_) {
    if (pred(c->info())) names.push_back(c->name());
  }
  return JoinWithAnd(names);
}

std::string JoinWithAnd(const std::vector<std::string>& names) {
  if (names.empty()) return "";
  if (names.size() == 1) return names[0];
  std::vector<std::string> head(names.begin(), names.end() - 1);
  return JoinStrings(head, ", ") + " and " + names.back();
}

}  // namespace weir::catalog
