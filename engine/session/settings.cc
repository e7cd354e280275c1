// SET and RESET: session settings and their checks.

#include <cctype>
#include <cstdlib>

#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/base/strings.h"
#include "engine/base/suggest.h"
#include "engine/session/session.h"
#include "engine/session/session_internal.h"
#include "engine/sql/binder.h"
#include "fmt/format.h"

namespace weir {
namespace session_internal {
namespace {

bool IsDuration(std::string_view v) {
  size_t i = 0;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) ++i;
  if (i == 0) return false;
  std::string_view unit = v.substr(i);
  return unit == "ms" || unit == "s" || unit == "min" || unit == "h";
}

bool IsPositiveInt(std::string_view v, int64_t max) {
  if (v.empty() || v.size() > 9) return false;
  for (char c : v) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  int64_t n = std::stoll(std::string(v));
  return n >= 1 && n <= max;
}

}  // namespace

absl::Status CheckSetting(const std::string& key, const std::string& value,
                          bool* bad_value) {
  *bad_value = false;
  struct Known {
    const char* key;
    const char* expects;
    bool (*ok)(const std::string&);
  };
  static const Known kKnown[] = {
      {"bootstrap.servers", "a host:port list",
       [](const std::string& v) { return v.find(':') != std::string::npos; }},
      {"parallelism", "an integer from 1 to 1024",
       [](const std::string& v) { return IsPositiveInt(v, 1024); }},
      {"scan.startup.mode", "'earliest-offset' or 'latest-offset'",
       [](const std::string& v) {
         return v == "earliest-offset" || v == "latest-offset";
       }},
      {"checkpoint.interval", "a duration like '10s' or '500ms'",
       [](const std::string& v) { return IsDuration(v); }},
      {"batch.timeout", "a duration like '10ms'",
       [](const std::string& v) { return IsDuration(v); }},
      {"batch.max-rows", "an integer from 1 to 65536",
       [](const std::string& v) { return IsPositiveInt(v, 65536); }},
      {"state.dir", "a directory path",
       [](const std::string& v) { return !v.empty(); }},
      {"topic.partitions", "an integer from 1 to 10000",
       [](const std::string& v) { return IsPositiveInt(v, 10000); }},
  };
  if (key.rfind("properties.", 0) == 0 && key.size() > 11)
    return absl::OkStatus();
  std::vector<std::string> names;
  for (const auto& k : kKnown) {
    names.push_back(k.key);
    if (key != k.key) continue;
    if (!k.ok(value)) {
      *bad_value = true;
      return absl::InvalidArgumentError(fmt::format(
          "setting '{}' expects {}, got '{}'", key, k.expects, value));
    }
    return absl::OkStatus();
  }
  std::string hint = DidYouMean(key, names);
  if (!hint.empty()) {
    return absl::InvalidArgumentError(
        fmt::format("unknown setting '{}'{}", key, hint));
  }
  names.push_back("properties.<kafka client setting>");
  return absl::InvalidArgumentError(
      fmt::format("unknown setting '{}'; known settings: {}", key,
                  JoinStrings(names, ", ")));
}

int Parallelism(const std::map<std::string, std::string>& settings) {
  auto it = settings.find("parallelism");
  return it == settings.end() ? 0 : std::atoi(it->second.c_str());
}

}  // namespace session_internal

absl::Status Session::ApplySetting(const std::string& key,
                                   const std::string& value) {
  const std::string lower = AsciiLower(key);
  bool bad_value = false;
  WEIR_RETURN_IF_ERROR(
      session_internal::CheckSetting(lower, value, &bad_value));
  settings_[lower] = value;
  return absl::OkStatus();
}

absl::Status Session::Run(const sql::BoundSet& s, StatementResult* result) {
  bool bad_value = false;
  absl::Status ok = session_internal::CheckSetting(s.key, s.value, &bad_value);
  if (!ok.ok()) {
    return SqlError(ok.code(), bad_value ? s.value_span : s.key_span,
                    std::string(ok.message()));
  }
  settings_[s.key] = s.value;
  result->message = fmt::format("Set '{}' to '{}'.", s.key, s.value);
  return absl::OkStatus();
}

absl::Status Session::Run(const sql::BoundReset& s, StatementResult* result) {
  if (s.all) {
    settings_.clear();
    result->message = "Reset all settings.";
  } else {
    settings_.erase(s.key);
    result->message = fmt::format("Reset '{}'.", s.key);
  }
  return absl::OkStatus();
}

}  // namespace weir
