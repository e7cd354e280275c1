#include "engine/base/log.h"

#include <cstdio>
#include <mutex>

namespace weir {
namespace {

std::mutex& SinkMutex() {
  static std::mutex mu;
  return mu;
}

LogSink& CurrentSink() {
  static LogSink* sink =
      new LogSink();  // never destroyed: threads may log at exit
  return *sink;
}

}  // namespace

LogSink SetLogSink(LogSink sink) {
  std::lock_guard lock(SinkMutex());
  LogSink previous = std::move(CurrentSink());
  CurrentSink() = std::move(sink);
  return previous;
}

void Log(LogLevel level, const std::string& message) {
  std::lock_guard lock(SinkMutex());
  if (CurrentSink()) {
    CurrentSink()(level, message);
    return;
  }
  std::fprintf(stderr, "weir: %s\n", message.c_str());
}

}  // namespace weir
