#pragma once

// Messages for whoever runs Weir, as opposed to query results: a broker
// that went away and came back, a record skipped under format.on-error,
// a commit that failed. One line each. By default they go to standard
// error as "weir: <message>"; a sink can take them instead (tests capture
// them, a server will route them to its own log).

#include <functional>
#include <string>

namespace weir {

enum class LogLevel { kInfo, kWarning, kError };

/// Receives each message (without the "weir: " prefix or a newline).
using LogSink = std::function<void(LogLevel level, const std::string& message)>;

/// Replaces the sink for the whole process and returns the previous one;
/// an empty sink restores standard error. Thread-safe.
LogSink SetLogSink(LogSink sink);

/// Writes one message through the sink. Thread-safe (connectors log from
/// worker threads and from librdkafka's threads); the sink is never called
/// concurrently.
void Log(LogLevel level, const std::string& message);

}  // namespace weir
