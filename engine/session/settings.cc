// SET and RESET: session settings and their checks.

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/base/duration.h"
#include "engine/base/strings.h"
#include "engine/base/suggest.h"
#include "engine/exec/key_hash.h"
#include "engine/exec/query.h"
#include "engine/session/session.h"
#include "engine/session/session_internal.h"
#include "engine/sql/binder.h"
#include "fmt/format.h"

namespace weir {
namespace session_internal {
namespace {

bool IsDuration(std::string_view v) { return ParseDuration(v).has_value(); }

/// The settings the engine itself reads; connectors declare theirs.
const std::vector<catalog::SettingSpec>& EngineSettings() {
  static const std::vector<catalog::SettingSpec> settings{
      catalog::PositiveIntegerSetting("parallelism", 1024),
      catalog::PositiveIntegerSetting("max-parallelism",
                                      exec::kMaxMaxParallelism),
      {"watermark.idle-timeout",
       "a duration like '5s' or '500ms' ('0s': never idle)",
       [](const std::string& v) { return IsDuration(v); }},
      {"checkpoint.interval", "a duration like '10s' or '500ms'",
       [](const std::string& v) { return IsDuration(v); }},
      {"batch.timeout", "a duration like '10ms'",
       [](const std::string& v) { return IsDuration(v); }},
      catalog::PositiveIntegerSetting("batch.max-rows", 65536),
      {"state.dir", "a directory path",
       [](const std::string& v) { return !v.empty(); }},
      {"state.cache-size", "a size like '64MB', '512KB' or '1GB'",
       [](const std::string& v) { return ParseByteSize(v).has_value(); }},
  };
  return settings;
}

}  // namespace

absl::Status CheckSetting(const catalog::ConnectorRegistry& connectors,
                          const std::string& key, const std::string* value,
                          bool* bad_value) {
  *bad_value = false;
  // The engine's settings, then each connector's, in registration order;
  // families (each checked by its connector) last.
  std::vector<const catalog::SettingSpec*> specs;
  std::vector<const catalog::SettingFamily*> families;
  for (const catalog::SettingSpec& spec : EngineSettings()) {
    specs.push_back(&spec);
  }
  for (const auto& connector : connectors.connectors()) {
    for (const catalog::SettingSpec& spec : connector->info().settings) {
      specs.push_back(&spec);
    }
    for (const catalog::SettingFamily& family :
         connector->info().setting_families) {
      families.push_back(&family);
    }
  }
  for (const catalog::SettingFamily* family : families) {
    if (key.rfind(family->prefix, 0) != 0) continue;
    if (key.size() == family->prefix.size()) {
      return absl::InvalidArgumentError(fmt::format(
          "setting '{}' needs a name after the '{}'", key, family->prefix));
    }
    if (!family->check) return absl::OkStatus();
    std::optional<std::string_view> checked;
    if (value != nullptr) checked = *value;
    absl::Status status = family->check(key, checked);
    if (status.ok()) return status;
    // Unknown names point at the key, bad values at the value.
    *bad_value = status.code() != absl::StatusCode::kNotFound;
    return absl::InvalidArgumentError(status.message());
  }
  // A key declared more than once must suit every declaration.
  std::vector<std::string> names;
  bool known = false;
  for (const catalog::SettingSpec* spec : specs) {
    if (std::find(names.begin(), names.end(), spec->key) == names.end()) {
      names.push_back(spec->key);
    }
    if (key != spec->key) continue;
    known = true;
    if (value != nullptr && !spec->valid(*value)) {
      *bad_value = true;
      return absl::InvalidArgumentError(
          fmt::format("setting '{}' expects {}, got '{}'", key, spec->expects,
                      ShownValue(key, *value)));
    }
  }
  if (known) return absl::OkStatus();
  std::string hint = DidYouMean(key, names);
  if (!hint.empty()) {
    return absl::InvalidArgumentError(
        fmt::format("unknown setting '{}'{}", key, hint));
  }
  for (const catalog::SettingFamily* family : families) {
    names.push_back(family->shown_as);
  }
  return absl::InvalidArgumentError(
      fmt::format("unknown setting '{}'; known settings: {}", key,
                  JoinStrings(names, ", ")));
}

int Parallelism(const std::map<std::string, std::string>& settings) {
  auto it = settings.find("parallelism");
  return it == settings.end() ? 0 : std::atoi(it->second.c_str());
}

std::string ShownValue(const std::string& key, const std::string& value) {
  return catalog::IsSecretOption(key) ? "***" : value;
}

int MaxParallelism(const std::map<std::string, std::string>& settings) {
  auto it = settings.find("max-parallelism");
  return it == settings.end() ? exec::kDefaultMaxParallelism
                              : std::atoi(it->second.c_str());
}

std::optional<size_t> ParseByteSize(std::string_view v) {
  size_t i = 0;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) ++i;
  // Up to 12 digits: any of them times 2^30 fits in 64 bits.
  if (i == 0 || i > 12) return std::nullopt;
  const uint64_t n =
      std::strtoull(std::string(v.substr(0, i)).c_str(), nullptr, 10);
  const std::string unit = AsciiLower(std::string(v.substr(i)));
  uint64_t scale = 0;
  if (unit.empty() || unit == "b") {
    scale = 1;
  } else if (unit == "kb" || unit == "kib") {
    scale = uint64_t{1} << 10;
  } else if (unit == "mb" || unit == "mib") {
    scale = uint64_t{1} << 20;
  } else if (unit == "gb" || unit == "gib") {
    scale = uint64_t{1} << 30;
  }
  if (scale == 0 || n == 0) return std::nullopt;
  return static_cast<size_t>(n * scale);
}

size_t StateCacheBytes(const std::map<std::string, std::string>& settings) {
  auto it = settings.find("state.cache-size");
  if (it != settings.end()) {
    if (auto bytes = ParseByteSize(it->second)) return *bytes;
  }
  return exec::kDefaultStateCacheBytes;
}

std::string StateDir(const std::map<std::string, std::string>& settings) {
  auto it = settings.find("state.dir");
  return it == settings.end() ? std::string() : it->second;
}

absl::Status MakePrivateDirectory(const std::string& path) {
  // Outermost first, so each directory created gets mode 0700.
  std::vector<std::filesystem::path> missing;
  std::error_code ec;
  for (std::filesystem::path p(path); !p.empty() && p != p.parent_path();
       p = p.parent_path()) {
    if (std::filesystem::exists(p, ec)) break;
    missing.push_back(p);
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST) {
      return absl::FailedPreconditionError(fmt::format(
          "cannot create state directory '{}': {}; SET 'state.dir' to keep "
          "state elsewhere",
          it->string(), std::strerror(errno)));
    }
  }
  return absl::OkStatus();
}

std::chrono::milliseconds CheckpointInterval(
    const std::map<std::string, std::string>& settings) {
  auto it = settings.find("checkpoint.interval");
  if (it != settings.end()) {
    if (auto d = ParseDuration(it->second); d && d->count() > 0) return *d;
  }
  return kDefaultCheckpointInterval;
}

std::chrono::milliseconds IdleTimeout(
    const std::map<std::string, std::string>& settings) {
  auto it = settings.find("watermark.idle-timeout");
  if (it != settings.end()) {
    if (auto d = ParseDuration(it->second)) return *d;
  }
  return kDefaultIdleTimeout;
}

}  // namespace session_internal

using session_internal::ShownValue;

absl::Status Session::ApplySetting(const std::string& key,
                                   const std::string& value) {
  const std::string lower = AsciiLower(key);
  bool bad_value = false;
  WEIR_RETURN_IF_ERROR(
      session_internal::CheckSetting(*connectors_, lower, &value, &bad_value));
  config_file_settings_[lower] = value;
  // Beneath SET: a value the session already SET stays.
  if (set_keys_.count(lower) == 0) settings_[lower] = value;
  return absl::OkStatus();
}

catalog::SettingLevel Session::SettingLevelOf(const std::string& key) const {
  return set_keys_.count(key) > 0 || config_file_settings_.count(key) == 0
             ? catalog::SettingLevel::kSet
             : catalog::SettingLevel::kConfigFile;
}

absl::Status Session::Run(const sql::BoundSet& s, StatementResult* result) {
  bool bad_value = false;
  absl::Status ok =
      session_internal::CheckSetting(*connectors_, s.key, &s.value, &bad_value);
  if (!ok.ok()) {
    return SqlError(ok.code(), bad_value ? s.value_span : s.key_span,
                    std::string(ok.message()));
  }
  settings_[s.key] = s.value;
  set_keys_.insert(s.key);
  result->message =
      fmt::format("Set '{}' to '{}'.", s.key, ShownValue(s.key, s.value));
  return absl::OkStatus();
}

absl::Status Session::Run(const sql::BoundReset& s, StatementResult* result) {
  if (s.all) {
    settings_ = config_file_settings_;
    set_keys_.clear();
    result->message = config_file_settings_.empty()
                          ? "Reset all settings."
                          : "Reset all settings to the config file's.";
    return absl::OkStatus();
  }
  // A key no one could have set is a typo: say so, as SET does.
  bool bad_value = false;
  absl::Status known =
      session_internal::CheckSetting(*connectors_, s.key, nullptr, &bad_value);
  if (!known.ok()) {
    return SqlError(known.code(), s.key_span, std::string(known.message()));
  }
  set_keys_.erase(s.key);
  auto from_file = config_file_settings_.find(s.key);
  if (from_file == config_file_settings_.end()) {
    settings_.erase(s.key);
    result->message = fmt::format("Reset '{}'.", s.key);
  } else {
    settings_[s.key] = from_file->second;
    result->message = fmt::format("Reset '{}' to '{}' (from the config file).",
                                  s.key, ShownValue(s.key, from_file->second));
  }
  return absl::OkStatus();
}

}  // namespace weir
