// Feeds arbitrary bytes through the whole front end: parse, bind, plan,
// optimize, EXPLAIN and catalog changes. Any crash, sanitizer report or
// uncaught exception is a bug; errors are expected and ignored. The session
// (FuzzSessionOptions) never connects to outside systems and never runs a
// push query, so no input can open a network connection or start a query
// that never ends.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "connectors/registry.h"
#include "engine/session/session.h"
#include "tests/fuzz/fuzz_session.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto session = weir::Session::Create(weir::fuzz::FuzzSessionOptions());
  if (!session.ok()) return 0;
  std::string_view sql(reinterpret_cast<const char*>(data), size);
  // Run the input twice in one session: the second run sees the catalog
  // objects the first one created (duplicates, drops, dependents).
  for (int round = 0; round < 2; ++round) {
    (void)(*session)->ExecuteScript(sql, [](const weir::StatementResult&) {});
  }
  return 0;
}
