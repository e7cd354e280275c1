#pragma once

// The session every fuzz input runs in: it never connects to outside
// systems, and plans push queries without running them, so that no input
// can start an unbounded query (a generator without max-events, a Kafka
// topic) and run the fuzzer out of time or memory.

#include "connectors/registry.h"
#include "engine/session/session.h"

namespace weir::fuzz {

inline SessionOptions FuzzSessionOptions() {
  return {.connect_to_sources = false,
          .connectors = connectors::BuiltinConnectors(),
          .run_push_queries = false};
}

}  // namespace weir::fuzz
