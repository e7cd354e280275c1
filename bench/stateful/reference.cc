#include "bench/stateful/reference.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "bench/common/bench_util.h"
#include "connectors/generators/nexmark.h"
#include "engine/types/batch.h"
#include "fmt/format.h"

namespace weir::bench {
namespace {

namespace gen = weir::connectors::generators;
using Clock = BenchClock;
using types::Batch;

/// The columns both sides generate, in this order.
constexpr std::string_view kColumns[] = {"auction", "bidder", "price",
                                         "date_time"};

std::shared_ptr<const types::Schema> BidColumns() {
  auto schema = std::make_shared<types::Schema>();
  for (std::string_view name : kColumns) {
    for (const types::Field& f :
         gen::NexmarkStandardFields(gen::NexmarkTable::kBid)) {
      if (f.name == name) schema->Add(f);
    }
  }
  return schema;
}

std::unique_ptr<gen::NexmarkGenerator> MakeGenerator(
    const GeneratorSettings& settings) {
  gen::NexmarkOptions options;
  options.events_per_second = settings.events_per_second;
  options.max_events = settings.events;
  auto generator = gen::NexmarkGenerator::Create(gen::NexmarkTable::kBid,
                                                 options, BidColumns());
  if (!generator.ok()) {
    std::fprintf(stderr, "stateful_bench: nexmark generator: %s\n",
                 generator.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(*generator);
}

struct PairKey {
  int64_t a;
  int64_t b;
  bool operator==(const PairKey&) const = default;
};

struct PairHash {
  size_t operator()(const PairKey& k) const {
    uint64_t h = static_cast<uint64_t>(k.a) * 0x9E3779B97F4A7C15ull;
    h ^= static_cast<uint64_t>(k.b) + 0x632BE59BD9B4E019ull + (h << 6) +
         (h >> 2);
    return h;
  }
};

int64_t FloorTo(int64_t t, int64_t unit) {
  int64_t r = t % unit;
  return r < 0 ? t - r - unit : t - r;
}

/// Runs `fold(auction, bidder, price, micros)` over every generated bid;
/// returns the bids folded.
template <typename Fold>
int64_t ForEachBid(const GeneratorSettings& settings, Fold&& fold) {
  auto generator = MakeGenerator(settings);
  Batch batch(generator->schema());
  int64_t bids = 0;
  size_t n = 0;
  while ((n = generator->Next(&batch, Batch::kDefaultCapacity)) > 0) {
    const int64_t* auction = batch.column(0).ints();
    const int64_t* bidder = batch.column(1).ints();
    const int64_t* price = batch.column(2).ints();
    const int64_t* time = batch.column(3).ints();
    for (size_t r = 0; r < n; ++r)
      fold(auction[r], bidder[r], price[r], time[r]);
    bids += static_cast<int64_t>(n);
    batch.Clear();
  }
  return bids;
}

using KeyWindowCounts = std::unordered_map<PairKey, int64_t, PairHash>;

/// Counts per (key, window start) as rows "key|start|end" -> "count".
ResultRows KeyWindowRows(const KeyWindowCounts& counts, int64_t size) {
  ResultRows rows;
  for (const auto& [k, c] : counts)
    rows[fmt::format("{}|{}|{}", k.a, k.b, k.b + size)] = fmt::format("{}", c);
  return rows;
}

struct Session {
  int64_t start;
  int64_t last;
  int64_t count;
};

}  // namespace

ReferenceRun RunReference(StatefulQuery query, const GeneratorSettings& gen,
                          const WindowSizes& w, bool want_rows) {
  ReferenceRun run;
  const auto start = Clock::now();
  switch (query) {
    case StatefulQuery::kQ5: {
      KeyWindowCounts counts;
      run.bids =
          ForEachBid(gen, [&](int64_t auction, int64_t, int64_t, int64_t t) {
            for (int64_t s = FloorTo(t, w.slide); s > t - w.size; s -= w.slide)
              ++counts[PairKey{auction, s}];
          });
      run.seconds = SecondsSince(start);
      run.groups = counts.size();
      if (want_rows) run.rows = KeyWindowRows(counts, w.size);
      break;
    }
    case StatefulQuery::kQ7: {
      std::unordered_map<int64_t, int64_t> max_price;
      run.bids =
          ForEachBid(gen, [&](int64_t, int64_t, int64_t price, int64_t t) {
            auto [it, added] = max_price.try_emplace(FloorTo(t, w.size), price);
            if (!added) it->second = std::max(it->second, price);
          });
      run.seconds = SecondsSince(start);
      run.groups = max_price.size();
      if (want_rows) {
        for (const auto& [s, m] : max_price)
          run.rows[fmt::format("{}|{}", s, s + w.size)] = fmt::format("{}", m);
      }
      break;
    }
    case StatefulQuery::kQ11: {
      // Rows come in event-time order: a bidder's session ends when its
      // next bid is `gap` or more after its last one.
      std::unordered_map<int64_t, Session> open;
      std::unordered_map<PairKey, Session, PairHash> closed;
      run.bids =
          ForEachBid(gen, [&](int64_t, int64_t bidder, int64_t, int64_t t) {
            auto [it, added] = open.try_emplace(bidder, Session{t, t, 1});
            if (added) return;
            Session& s = it->second;
            if (t - s.last >= w.gap) {
              closed.emplace(PairKey{bidder, s.start}, s);
              s = Session{t, t, 1};
            } else {
              s.last = std::max(s.last, t);
              ++s.count;
            }
          });
      for (const auto& [bidder, s] : open)
        closed.emplace(PairKey{bidder, s.start}, s);
      run.seconds = SecondsSince(start);
      run.groups = closed.size();
      if (want_rows) {
        for (const auto& [k, s] : closed) {
          run.rows[fmt::format("{}|{}|{}", k.a, s.start, s.last + w.gap)] =
              fmt::format("{}", s.count);
        }
      }
      break;
    }
    case StatefulQuery::kQ12: {
      KeyWindowCounts counts;
      run.bids =
          ForEachBid(gen, [&](int64_t, int64_t bidder, int64_t, int64_t t) {
            ++counts[PairKey{bidder, FloorTo(t, w.size)}];
          });
      run.seconds = SecondsSince(start);
      run.groups = counts.size();
      if (want_rows) run.rows = KeyWindowRows(counts, w.size);
      break;
    }
    case StatefulQuery::kAgg1m: {
      struct CountSum {
        int64_t count = 0;
        int64_t sum = 0;
      };
      std::unordered_map<int64_t, CountSum> groups;
      run.bids = ForEachBid(
          gen, [&](int64_t auction, int64_t, int64_t price, int64_t) {
            CountSum& g = groups[AggKey(auction, price)];
            ++g.count;
            g.sum += price;
          });
      run.seconds = SecondsSince(start);
      run.groups = groups.size();
      if (want_rows) {
        for (const auto& [k, g] : groups)
          run.rows[fmt::format("{}", k)] = fmt::format("{}|{}", g.count, g.sum);
      }
      break;
    }
  }
  return run;
}

double GeneratorOnlyRate(const GeneratorSettings& gen) {
  const auto start = Clock::now();
  int64_t sum = 0;
  ForEachBid(gen, [&](int64_t a, int64_t, int64_t, int64_t) { sum += a; });
  const double seconds = SecondsSince(start);
  if (sum == 42) std::fprintf(stderr, " ");  // keeps the loop
  return static_cast<double>(gen.events) / seconds;
}

}  // namespace weir::bench
