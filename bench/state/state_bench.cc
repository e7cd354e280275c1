// The state store's hot path: an aggregate's per-event step (look up the
// group, update its counter) over a map of many keys, through StateStore
// with the hot-state cache larger and smaller than the state, against a
// plain std::unordered_map folding the same events in the same run (the
// in-memory ceiling). Not a test: it prints, it asserts only that every
// variant counted every event.
//
//   state_bench [--keys N] [--updates N] [--small-cache-mib N] [--dir PATH]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "fmt/format.h"
#include "storage/key_codec.h"
#include "storage/state_store.h"

namespace {

namespace fs = std::filesystem;
using weir::storage::StateBackend;
using weir::storage::StateStore;

struct Args {
  int64_t keys = 1'000'000;
  int64_t updates = 5'000'000;
  size_t small_cache_mib = 16;
  fs::path dir;
};

constexpr int kMaxParallelism = 128;
constexpr weir::storage::OperatorId kOperator = 1;

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since)
      .count();
}

/// The events: group keys, uniform over `keys` (a skewed stream would
/// favour the cache; uniform is its worst case).
std::vector<int64_t> MakeEvents(const Args& args) {
  std::mt19937_64 rng(12345);
  std::uniform_int_distribution<int64_t> key(0, args.keys - 1);
  std::vector<int64_t> events(static_cast<size_t>(args.updates));
  for (int64_t& e : events) e = key(rng);
  return events;
}

/// The ceiling: one hash map, one increment per event.
double RunUnorderedMap(const std::vector<int64_t>& events, int64_t* total) {
  auto start = std::chrono::steady_clock::now();
  std::unordered_map<int64_t, int64_t> counts;
  for (int64_t k : events) ++counts[k];
  double s = Seconds(start);
  *total = 0;
  for (const auto& [k, c] : counts) *total += c;
  return s;
}

/// Appends the state key of group key `k` (its key group from its hash).
void EncodeKey(int64_t k, std::string* key) {
  weir::types::Value v = weir::types::Value::Bigint(k);
  int group =
      weir::storage::KeyGroupOf(weir::storage::HashValue(v), kMaxParallelism);
  weir::storage::AppendKeyPrefix(key, kOperator, group);
  weir::storage::AppendValue(key, v);
}

absl::Status Increment(StateStore* store, std::string_view key) {
  absl::StatusOr<StateStore::Slot> slot = store->Mutable(key);
  if (!slot.ok()) return slot.status();
  int64_t count = 0;
  if (slot->existed) std::memcpy(&count, slot->value->data(), sizeof count);
  ++count;
  slot->value->assign(reinterpret_cast<const char*>(&count), sizeof count);
  return absl::OkStatus();
}

/// The operator's step through the store: hash the key for its group,
/// encode the state key, update the 8-byte counter in place. With
/// `batch` > 1, events go in batches as an operator gets them: the batch's
/// keys are encoded and prefetched (one MultiGet for the misses) inside a
/// BatchScope, then updated.
absl::StatusOr<double> RunStore(StateStore* store,
                                const std::vector<int64_t>& events,
                                size_t batch) {
  auto start = std::chrono::steady_clock::now();
  if (batch <= 1) {
    std::string key;
    for (int64_t k : events) {
      key.clear();
      EncodeKey(k, &key);
      absl::Status st = Increment(store, key);
      if (!st.ok()) return st;
    }
    return Seconds(start);
  }
  std::vector<std::string> keys(batch);
  std::vector<std::string_view> views(batch);
  for (size_t first = 0; first < events.size(); first += batch) {
    size_t n = std::min(batch, events.size() - first);
    for (size_t i = 0; i < n; ++i) {
      keys[i].clear();
      EncodeKey(events[first + i], &keys[i]);
      views[i] = keys[i];
    }
    StateStore::BatchScope scope(store);
    absl::Status st = store->Prefetch(std::span(views.data(), n));
    for (size_t i = 0; i < n && st.ok(); ++i) st = Increment(store, keys[i]);
    if (!st.ok()) return st;
    st = scope.Close();
    if (!st.ok()) return st;
  }
  return Seconds(start);
}

/// The sum of every counter, read back by a scan of the operator's state.
absl::StatusOr<int64_t> SumOfCounters(StateStore* store) {
  int64_t total = 0;
  StateStore::Scanner scanner;
  for (int g = 0; g < kMaxParallelism; ++g) {
    absl::Status st = store->Seek(
        weir::storage::KeyRange::Prefix(weir::storage::KeyPrefix(kOperator, g)),
        &scanner);
    if (!st.ok()) return st;
    for (; scanner.Valid(); scanner.Next()) {
      int64_t c = 0;
      std::memcpy(&c, scanner.value().data(), sizeof c);
      total += c;
    }
    if (!scanner.status().ok()) return scanner.status();
  }
  return total;
}

int Fail(const absl::Status& st) {
  std::fprintf(stderr, "state_bench: %s\n", st.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--keys") {
      args.keys = std::atoll(value);
    } else if (flag == "--updates") {
      args.updates = std::atoll(value);
    } else if (flag == "--small-cache-mib") {
      args.small_cache_mib = static_cast<size_t>(std::atoll(value));
    } else if (flag == "--dir") {
      args.dir = value;
    } else {
      std::fprintf(stderr, "state_bench: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (args.keys < 1 || args.updates < 1) {
    std::fprintf(stderr, "state_bench: --keys and --updates must be >= 1\n");
    return 2;
  }
  bool own_dir = args.dir.empty();
  if (own_dir) {
    absl::StatusOr<fs::path> dir = weir::storage::MakeTemporaryStateDir();
    if (!dir.ok()) return Fail(dir.status());
    args.dir = *dir;
  }

  std::vector<int64_t> events = MakeEvents(args);
  std::printf("%lld updates over %lld keys (uniform), state in %s\n",
              static_cast<long long>(args.updates),
              static_cast<long long>(args.keys), args.dir.c_str());

  int64_t map_total = 0;
  double map_s = RunUnorderedMap(events, &map_total);
  double map_rate = static_cast<double>(args.updates) / map_s;
  std::printf("%-46s %12.0f updates/s  1.00x\n", "std::unordered_map",
              map_rate);

  int failures = map_total == args.updates ? 0 : 1;
  {
    weir::storage::StateBackendOptions options;
    options.dir = args.dir;
    absl::StatusOr<std::unique_ptr<StateBackend>> backend =
        StateBackend::Open(options);
    if (!backend.ok()) return Fail(backend.status());
    struct Variant {
      const char* name;
      size_t cache_bytes;
      size_t batch;
    };
    const size_t large = size_t{4096} * weir::storage::kMiB;
    const size_t small = args.small_cache_mib * weir::storage::kMiB;
    const Variant variants[] = {
        {"cache > state, per event", large, 1},
        {"cache > state, batches of 1024", large, 1024},
        {"cache < state, per event", small, 1},
        {"cache < state, batches of 1024", small, 1024},
    };
    int n = 0;
    for (const Variant& v : variants) {
      absl::StatusOr<std::unique_ptr<StateStore>> store =
          (*backend)->OpenStore(fmt::format("bench{}", n++),
                                weir::storage::StoreOptions{v.cache_bytes});
      if (!store.ok()) return Fail(store.status());
      absl::StatusOr<double> s = RunStore(store->get(), events, v.batch);
      if (!s.ok()) return Fail(s.status());
      double rate = static_cast<double>(args.updates) / *s;
      absl::Status flushed = (*store)->Flush();
      if (!flushed.ok()) return Fail(flushed);
      weir::storage::StoreStats st = (*store)->stats();
      std::string name = fmt::format("{} ({} MiB)", v.name,
                                     v.cache_bytes / weir::storage::kMiB);
      std::printf(
          "%-46s %12.0f updates/s  %.2fx  (cached %zu keys, %.0f MiB; "
          "hits %llu, misses %llu, written back %llu in %llu batches; "
          "RocksDB %.0f MiB SST + %.0f MiB memtables)\n",
          name.c_str(), rate, rate / map_rate, st.cached_entries,
          static_cast<double>(st.cached_bytes) / weir::storage::kMiB,
          static_cast<unsigned long long>(st.hits),
          static_cast<unsigned long long>(st.misses),
          static_cast<unsigned long long>(st.written_back),
          static_cast<unsigned long long>(st.write_batches),
          static_cast<double>(st.disk_bytes) / weir::storage::kMiB,
          static_cast<double>(st.memtable_bytes) / weir::storage::kMiB);
      absl::StatusOr<int64_t> total = SumOfCounters(store->get());
      if (!total.ok()) return Fail(total.status());
      if (*total != args.updates) {
        std::fprintf(stderr, "state_bench: %s counted %lld of %lld events\n",
                     v.name, static_cast<long long>(*total),
                     static_cast<long long>(args.updates));
        ++failures;
      }
    }
  }
  if (own_dir) {
    absl::Status st = StateBackend::Destroy(args.dir);
    if (!st.ok()) return Fail(st);
  }
  return failures == 0 ? 0 : 1;
}
