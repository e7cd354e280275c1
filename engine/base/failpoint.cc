#include "engine/base/failpoint.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <charconv>
#include <map>
#include <mutex>
#include <vector>

#include "fmt/format.h"

namespace weir {
namespace failpoint_internal {

std::atomic<int> armed{0};

namespace {

struct Point {
  FailpointAction action = FailpointAction::kError;
  int nth = 1;   // the hit that acts first
  int hits = 0;  // while armed
};

std::mutex& Mu() {
  static std::mutex mu;
  return mu;
}
std::map<std::string, Point, std::less<>>& Points() {
  static auto* points = new std::map<std::string, Point, std::less<>>();
  return *points;
}

void Publish() {
  armed.store(static_cast<int>(Points().size()), std::memory_order_relaxed);
}

}  // namespace

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

absl::Status Hit(std::string_view name) {
  FailpointAction action;
  {
    std::lock_guard lock(Mu());
    auto it = Points().find(name);
    if (it == Points().end()) return absl::OkStatus();
    if (++it->second.hits < it->second.nth) return absl::OkStatus();
    action = it->second.action;
  }
  if (action == FailpointAction::kCrash) {
    std::string line = fmt::format("weir: failpoint '{}' crashed the process\n",
                                   name);
    (void)!::write(STDERR_FILENO, line.data(), line.size());
    ::_exit(kFailpointExitCode);
  }
  return absl::InternalError(fmt::format("failpoint '{}' failed", name));
}

}  // namespace failpoint_internal

using failpoint_internal::Mu;
using failpoint_internal::Points;
using failpoint_internal::Publish;

void ArmFailpoint(std::string_view name, FailpointAction action, int nth) {
  std::lock_guard lock(Mu());
  failpoint_internal::Point& p = Points()[std::string(name)];
  p.action = action;
  p.nth = nth < 1 ? 1 : nth;
  p.hits = 0;
  Publish();
}

void DisarmFailpoint(std::string_view name) {
  std::lock_guard lock(Mu());
  auto it = Points().find(name);
  if (it != Points().end()) Points().erase(it);
  Publish();
}

void DisarmAllFailpoints() {
  std::lock_guard lock(Mu());
  Points().clear();
  Publish();
}

int FailpointHits(std::string_view name) {
  std::lock_guard lock(Mu());
  auto it = Points().find(name);
  return it == Points().end() ? 0 : it->second.hits;
}

absl::Status ArmFailpoints(std::string_view spec) {
  struct Arm {
    std::string name;
    FailpointAction action;
    int nth;
  };
  std::vector<Arm> arms;
  while (!spec.empty()) {
    const size_t comma = spec.find(',');
    std::string_view part = failpoint_internal::Trim(spec.substr(0, comma));
    spec = comma == std::string_view::npos ? std::string_view()
                                           : spec.substr(comma + 1);
    if (part.empty()) continue;
    auto bad = [&](std::string_view why) {
      return absl::InvalidArgumentError(fmt::format(
          "bad failpoint '{}' ({}): expected name=crash or name=error, "
          "optionally @N for the Nth hit",
          part, why));
    };
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos ||
        part.find('=', eq + 1) != std::string_view::npos)
      return bad("no single '='");
    Arm arm;
    arm.name = std::string(failpoint_internal::Trim(part.substr(0, eq)));
    if (arm.name.empty()) return bad("no name");
    std::string_view what = failpoint_internal::Trim(part.substr(eq + 1));
    arm.nth = 1;
    if (size_t at = what.find('@'); at != std::string_view::npos) {
      std::string_view n = what.substr(at + 1);
      auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), arm.nth);
      if (ec != std::errc() || end != n.data() + n.size() || arm.nth < 1)
        return bad("the hit after '@' is not a positive number");
      what = what.substr(0, at);
    }
    if (what == "crash") {
      arm.action = FailpointAction::kCrash;
    } else if (what == "error") {
      arm.action = FailpointAction::kError;
    } else {
      return bad("unknown action");
    }
    arms.push_back(std::move(arm));
  }
  for (const Arm& arm : arms) ArmFailpoint(arm.name, arm.action, arm.nth);
  return absl::OkStatus();
}

absl::Status ArmFailpointsFromEnvironment() {
  const char* spec = std::getenv("WEIR_FAILPOINTS");
  if (spec == nullptr || *spec == '\0') return absl::OkStatus();
  absl::Status st = ArmFailpoints(spec);
  if (!st.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("WEIR_FAILPOINTS: {}", std::string(st.message())));
  }
  return st;
}

}  // namespace weir
