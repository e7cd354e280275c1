#pragma once

// The settings file of `weir --config FILE`: one `key = value` per line,
// the keys of SET, so a cluster address, Kafka security settings or a
// default parallelism need not be repeated in every script.
//
//   # comments and blank lines are ignored
//   bootstrap.servers = kafka-1:9092,kafka-2:9092
//   properties.security.protocol = 'SASL_SSL'
//   properties.sasl.password = '...'
//
// Keys and values may be quoted with single or double quotes (needed only
// for a value with a leading or trailing space or a '#').
//
// main.cc applies each line with Session::ApplySetting before any
// statement runs: the checks of SET (a `properties.*` key must be a
// librdkafka property that takes the value), one level beneath SET. A
// SET of the key overrides it, RESET brings it back, SHOW PROPERTIES and
// DESCRIBE say "config file". The `properties.*` and `bootstrap.servers`
// keys reach every Kafka client of the session (producers, consumers, the
// admin client), beneath a stream's own WITH options and above Weir's
// defaults. Secret values are never shown.

#include <string>
#include <string_view>
#include <vector>

namespace weir::cli {

struct ConfigSetting {
  std::string key;
  std::string value;
  int line = 0;  // 1-based, for error messages
};

/// Parses the file's text. On a malformed line returns false with
/// `error_line` (1-based) and `error` (what is wrong) set.
bool ParseConfig(std::string_view text, std::vector<ConfigSetting>* out,
                 int* error_line, std::string* error);

}  // namespace weir::cli
