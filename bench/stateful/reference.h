#pragma once

// The in-memory ceiling of stateful_bench: each query as a plain
// single-threaded C++ loop that generates the same nexmark bids as the
// engine's source (NexmarkGenerator, the same four columns, the same
// options) and folds them into an std::unordered_map. Generation is timed
// here as it is in the engine, where the source tasks generate the events.
// Written without any of Weir's operators or state code: it is also the
// independent result the engine's output is checked against.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace weir::bench {

/// The queries of the benchmark; see kStatefulQueries (stateful_bench.cc)
/// for their SQL.
enum class StatefulQuery {
  kQ5,     // COUNT(*) per (auction, HOP window)
  kQ7,     // MAX(price) per TUMBLE window
  kQ11,    // COUNT(*) per (bidder, SESSION window)
  kQ12,    // COUNT(*) per (bidder, TUMBLE window)
  kAgg1m,  // COUNT(*), SUM(price) per AggKey(...) (about 1M keys)
};

/// Window sizes (microseconds of event time).
struct WindowSizes {
  int64_t size = 0;   // TUMBLE and HOP
  int64_t slide = 0;  // HOP
  int64_t gap = 0;    // SESSION
};

/// The generator's settings, shared with the engine's stream.
struct GeneratorSettings {
  int64_t events = 0;             // max-events of the nexmark sequence
  int64_t events_per_second = 0;  // the event-time rate
};

/// The key of the 1M-key aggregate; the SQL computes the same expression
/// (kAgg1mKeySql).
inline int64_t AggKey(int64_t auction, int64_t price) {
  return (auction * 1000 + price) % 1000000;
}
inline constexpr char kAgg1mKeySql[] = "(auction * 1000 + price) % 1000000";

/// A query's result as text, to compare with the engine's: the key cells
/// joined by '|' -> the value cells joined by '|' (integers in decimal,
/// times as microseconds since the epoch).
using ResultRows = std::unordered_map<std::string, std::string>;

struct ReferenceRun {
  double seconds = 0;  // generating and folding, the whole run
  int64_t bids = 0;    // rows folded
  size_t groups = 0;   // entries of the result (windows x keys, or keys)
  ResultRows rows;     // only when asked for (untimed)
};

/// Generates and folds once. With `want_rows`, also returns the result as
/// text (converted after the clock stopped).
ReferenceRun RunReference(StatefulQuery query, const GeneratorSettings& gen,
                          const WindowSizes& windows, bool want_rows);

/// Generates the bids only (no fold), one thread: nexmark events (of the
/// whole sequence, as the engine's rates count them) per second.
double GeneratorOnlyRate(const GeneratorSettings& gen);

}  // namespace weir::bench
