// storage/state_store.h: the RocksDB state store against a std::map model
// (point operations, scans, range deletion), the hot-state cache with a
// tiny budget against a large one, checkpoints and reopening, and errors
// that name their path.
#define BOOST_TEST_MODULE storage_test
#include <stdlib.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "fmt/format.h"
#include "storage/key_codec.h"
#include "storage/state_store.h"

using namespace weir::storage;
namespace fs = std::filesystem;
using Model = std::map<std::string, std::string>;

namespace {

/// A fresh directory, removed with everything below it at the end.
struct TempDir {
  fs::path path;
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        (fs::path(base != nullptr && base[0] != '\0' ? base : "/tmp") /
         "weir-storage-test-XXXXXX")
            .string();
    BOOST_REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::unique_ptr<StateBackend> OpenBackend(const fs::path& dir) {
  StateBackendOptions o;
  o.dir = dir;
  o.block_cache_bytes = 4 * kMiB;
  o.memtable_bytes = 8 * kMiB;
  auto backend = StateBackend::Open(o);
  BOOST_REQUIRE_MESSAGE(backend.ok(), backend.status().ToString());
  return std::move(*backend);
}

std::unique_ptr<StateStore> OpenStore(StateBackend* backend,
                                      std::string_view name,
                                      size_t cache_bytes = 64 * kMiB) {
  auto store = backend->OpenStore(name, StoreOptions{cache_bytes});
  BOOST_REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  return std::move(*store);
}

void Ok(const absl::Status& st) {
  BOOST_REQUIRE_MESSAGE(st.ok(), st.ToString());
}

std::optional<std::string> GetOf(StateStore* store, std::string_view key) {
  auto v = store->Get(key);
  BOOST_REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  if (*v == nullptr) return std::nullopt;
  return **v;
}

/// Everything in `range`, in the store's scan order.
Model ScanOf(StateStore* store, const KeyRange& range,
             StateStore::Scanner* scanner) {
  Ok(store->Seek(range, scanner));
  Model out;
  std::string last;
  for (; scanner->Valid(); scanner->Next()) {
    std::string key(scanner->key());
    BOOST_REQUIRE_MESSAGE(out.empty() || last < key, "scan out of order");
    out.emplace(key, std::string(scanner->value()));
    last = key;
  }
  Ok(scanner->status());
  return out;
}

Model ScanAll(StateStore* store) {
  StateStore::Scanner scanner;
  return ScanOf(store, KeyRange{"", ""}, &scanner);
}

/// The model's entries in [begin, end) (end empty: no bound).
Model Slice(const Model& m, const KeyRange& r) {
  Model out;
  auto it = m.lower_bound(r.begin);
  auto stop = r.end.empty() ? m.end() : m.lower_bound(r.end);
  for (; it != stop; ++it) out.insert(*it);
  return out;
}

void EraseRange(Model* m, const std::string& begin, const std::string& end) {
  if (begin >= end) return;
  m->erase(m->lower_bound(begin), m->lower_bound(end));
}

// Keys as operators will lay them out (docs/state.md): an aggregate
// (operator 1: key group | BIGINT group key) and a window operator
// (operator 2: key group | window end | BIGINT key).
constexpr int kGroups = 8;

std::string AggKey(int64_t k) {
  weir::types::Value v = weir::types::Value::Bigint(k);
  std::string key = KeyPrefix(1, KeyGroupOf(HashValue(v), kGroups));
  AppendValue(&key, v);
  return key;
}

std::string WindowKey(int group, int64_t window_end, int64_t k) {
  std::string key = KeyPrefix(2, group);
  AppendTime(&key, window_end);
  AppendValue(&key, weir::types::Value::Bigint(k));
  return key;
}

/// The range deletions a watermark implies for the window operator: in
/// every key group, the windows that end at or before it.
std::vector<KeyRange> ExpiredWindows(int64_t watermark) {
  std::vector<KeyRange> ranges;
  for (int g = 0; g < kGroups; ++g) {
    KeyRange r;
    r.begin = KeyPrefix(2, g);
    r.end = r.begin;
    AppendTime(&r.end, watermark + 1);
    ranges.push_back(std::move(r));
  }
  return ranges;
}

/// Random operations of an aggregate and a window operator, applied to the
/// store and the model alike; every read is compared with the model.
void RunRandomOps(StateStore* store, Model* model, std::mt19937_64& rng,
                  int ops, int keys) {
  StateStore::Scanner scanner;  // reused for every scan
  int64_t watermark = 0;
  for (int i = 0; i < ops; ++i) {
    int kind = static_cast<int>(rng() % 100);
    int64_t k = static_cast<int64_t>(rng() % static_cast<uint64_t>(keys));
    if (kind < 40) {
      // The aggregate's step: look up the group, update its counter.
      std::string key = AggKey(k);
      auto slot = store->Mutable(key);
      Ok(slot.status());
      auto it = model->find(key);
      BOOST_REQUIRE_EQUAL(slot->existed, it != model->end());
      if (it != model->end()) BOOST_REQUIRE_EQUAL(*slot->value, it->second);
      // A growing value, so that entries change their size in the cache.
      slot->value->append(std::to_string(i % 10));
      (*model)[key] = *slot->value;
    } else if (kind < 60) {
      std::string key = AggKey(k);
      auto got = GetOf(store, key);
      auto it = model->find(key);
      BOOST_REQUIRE_EQUAL(got.has_value(), it != model->end());
      if (got) BOOST_REQUIRE_EQUAL(*got, it->second);
    } else if (kind < 70) {
      std::string key = AggKey(k);
      Ok(store->Delete(key));
      model->erase(key);
    } else if (kind < 92) {
      // A row lands in a window that ends after the watermark.
      int64_t end = watermark + 1 + static_cast<int64_t>(rng() % 5);
      std::string key = WindowKey(static_cast<int>(k % kGroups), end, k);
      std::string value(static_cast<size_t>(rng() % 40), 'w');
      Ok(store->Put(key, value));
      (*model)[key] = value;
    } else if (kind < 95) {
      // The watermark advances: expired windows go.
      watermark += static_cast<int64_t>(rng() % 3);
      std::vector<KeyRange> ranges = ExpiredWindows(watermark);
      Ok(store->DeleteRanges(ranges));
      for (const KeyRange& r : ranges) EraseRange(model, r.begin, r.end);
    } else {
      // One key group of one operator, as a task reads it.
      KeyRange r =
          KeyRange::Prefix(KeyPrefix(static_cast<OperatorId>(1 + rng() % 2),
                                     static_cast<int>(k % kGroups)));
      Model got = ScanOf(store, r, &scanner);
      BOOST_REQUIRE(got == Slice(*model, r));
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(put_get_delete_and_mutable) {
  TempDir tmp;
  auto backend = OpenBackend(tmp.path / "q");
  auto store = OpenStore(backend.get(), "t0");
  BOOST_TEST(!GetOf(store.get(), "a").has_value());
  Ok(store->Put("a", "1"));
  Ok(store->Put(std::string("b\0c", 3), std::string("\0\xff", 2)));
  BOOST_TEST(*GetOf(store.get(), "a") == "1");
  BOOST_TEST(*GetOf(store.get(), std::string("b\0c", 3)) ==
             std::string("\0\xff", 2));
  BOOST_TEST(!GetOf(store.get(), "b").has_value());

  auto slot = store->Mutable("a");
  Ok(slot.status());
  BOOST_TEST(slot->existed);
  BOOST_TEST(*slot->value == "1");
  *slot->value = "2";
  slot = store->Mutable("new");
  Ok(slot.status());
  BOOST_TEST(!slot->existed);
  BOOST_TEST(slot->value->empty());
  BOOST_TEST(*GetOf(store.get(), "a") == "2");
  BOOST_TEST((GetOf(store.get(), "new") == std::optional<std::string>("")));

  Ok(store->Delete("a"));
  BOOST_TEST(!GetOf(store.get(), "a").has_value());
  // The same after the cache has been written back to RocksDB.
  Ok(store->Flush());
  BOOST_TEST(!GetOf(store.get(), "a").has_value());
  Ok(store->Put("a", "3"));
  Ok(store->Flush());
  Ok(store->Delete("a"));
  BOOST_TEST(!GetOf(store.get(), "a").has_value());
  Model all = ScanAll(store.get());
  BOOST_TEST((all == Model{{std::string("b\0c", 3), std::string("\0\xff", 2)},
                           {"new", ""}}));
}

BOOST_AUTO_TEST_CASE(
    scans_see_writes_before_seek_and_may_write_while_scanning) {
  TempDir tmp;
  auto backend = OpenBackend(tmp.path / "q");
  auto store = OpenStore(backend.get(), "t0");
  for (int i = 0; i < 20; ++i) {
    Ok(store->Put(fmt::format("k{:02}", i), std::to_string(i)));
  }
  StateStore::Scanner scanner;
  KeyRange r{"k05", "k10"};
  Model want;
  for (int i = 5; i < 10; ++i)
    want[fmt::format("k{:02}", i)] = std::to_string(i);
  BOOST_TEST((ScanOf(store.get(), r, &scanner) == want));

  // Deleting and writing while scanning: the scan goes on over its view.
  Ok(store->Seek(r, &scanner));
  int seen = 0;
  for (; scanner.Valid(); scanner.Next()) {
    Ok(store->Delete(std::string(scanner.key())));
    Ok(store->Put("k07x", "new"));
    ++seen;
  }
  BOOST_TEST(seen == 5);
  // The same scanner again: a fresh view sees those writes.
  BOOST_TEST((ScanOf(store.get(), r, &scanner) == Model{{"k07x", "new"}}));
  BOOST_TEST(
      (ScanOf(store.get(), KeyRange::Prefix("k1"), &scanner).size() == 10u));
  // Prefix of all 0xFF bytes: no upper bound.
  Ok(store->Put("\xff\xff", "top"));
  BOOST_TEST((ScanOf(store.get(), KeyRange::Prefix("\xff\xff"), &scanner) ==
              Model{{"\xff\xff", "top"}}));
}

BOOST_AUTO_TEST_CASE(range_deletion_drops_expired_windows_only) {
  TempDir tmp;
  auto backend = OpenBackend(tmp.path / "q");
  auto store = OpenStore(backend.get(), "t0");
  Model model;
  for (int g = 0; g < kGroups; ++g) {
    for (int64_t end = 1; end <= 6; ++end) {
      for (int64_t k = -2; k <= 2; ++k) {
        std::string key = WindowKey(g, end * 1000, k);
        Ok(store->Put(key, "v"));
        model[key] = "v";
      }
    }
    if (g % 2) Ok(store->Flush());  // half of it in RocksDB, half cached
  }
  // Another operator's keys in the same key groups stay.
  Ok(store->Put(KeyPrefix(3, 0) + "x", "other"));
  model[KeyPrefix(3, 0) + "x"] = "other";

  std::vector<KeyRange> ranges = ExpiredWindows(3000);  // ends 1000..3000 go
  Ok(store->DeleteRanges(ranges));
  for (const KeyRange& r : ranges) EraseRange(&model, r.begin, r.end);
  // By hand: 8 groups x 3 remaining windows x 5 keys, plus the other one.
  BOOST_TEST(model.size() == 8u * 3 * 5 + 1);
  BOOST_TEST((ScanAll(store.get()) == model));
  BOOST_TEST(!GetOf(store.get(), WindowKey(0, 3000, 0)).has_value());
  BOOST_TEST(GetOf(store.get(), WindowKey(0, 4000, 0)).has_value());

  // Large ranges (more keys than are deleted one by one) become range
  // tombstones, many of them: still exact.
  for (int64_t end = 10; end < 50; ++end) {
    for (int64_t k = 0; k < 700; ++k) {
      std::string key = WindowKey(5, end * 1000, k);
      Ok(store->Put(key, "big"));
      model[key] = "big";
    }
    Ok(store->Flush());
    std::vector<KeyRange> expired = ExpiredWindows(end * 1000 - 1);
    Ok(store->DeleteRanges(expired));
    for (const KeyRange& r : expired) EraseRange(&model, r.begin, r.end);
    BOOST_REQUIRE(!GetOf(store.get(), WindowKey(5, end * 1000 - 1000, 3)));
    BOOST_REQUIRE(GetOf(store.get(), WindowKey(5, end * 1000, 3)));
  }
  BOOST_TEST(model.size() == 700u + 1);  // window 49000 and the other key
  BOOST_TEST((ScanAll(store.get()) == model));

  // Empty and reversed ranges change nothing; an open end is refused.
  Ok(store->DeleteRange("b", "a"));
  BOOST_TEST(ScanAll(store.get()).size() == model.size());
  BOOST_TEST(store->DeleteRange("a", "").code() ==
             absl::StatusCode::kInvalidArgument);
}

BOOST_AUTO_TEST_CASE(random_operations_match_a_model_with_any_cache_size) {
  // The same operations with a cache far larger than the state and with a
  // tiny one (state mostly in RocksDB): every read equals the model.
  TempDir tmp;
  auto backend = OpenBackend(tmp.path / "q");
  Model end_state;
  for (size_t budget : {size_t{256} * kMiB, size_t{4096}}) {
    BOOST_TEST_CONTEXT("cache budget " << budget) {
      auto store = OpenStore(backend.get(), fmt::format("t{}", budget), budget);
      std::mt19937_64 rng(42);
      Model model;
      RunRandomOps(store.get(), &model, rng, 60000, 3000);
      BOOST_TEST((ScanAll(store.get()) == model));
      StoreStats s = store->stats();
      if (budget < kMiB) {
        BOOST_TEST(s.evicted > 0u);
        BOOST_TEST(s.misses > 0u);
        BOOST_TEST(s.cached_bytes <= budget);
        BOOST_TEST(s.cached_entries < model.size() / 4);
        BOOST_TEST(end_state == model);  // the same operations, same state
      } else {
        BOOST_TEST(s.evicted == 0u);
        end_state = model;
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(batch_scope_keeps_pointers_valid) {
  TempDir tmp;
  auto backend = OpenBackend(tmp.path / "q");
  auto store = OpenStore(backend.get(), "t0", 2048);
  for (int i = 0; i < 200; ++i) Ok(store->Put(AggKey(i), std::to_string(i)));
  std::vector<std::string*> values;
  {
    StateStore::BatchScope scope(store.get());
    for (int i = 0; i < 200; ++i) {
      auto slot = store->Mutable(AggKey(i));
      Ok(slot.status());
      values.push_back(slot->value);
    }
    // Every pointer still points at its own entry; update them all now.
    for (int i = 0; i < 200; ++i) {
      BOOST_REQUIRE_EQUAL(*values[i], std::to_string(i));
      *values[i] += "+";
    }
    Ok(scope.Close());
  }
  BOOST_TEST(store->stats().cached_bytes <= 2048u);
  for (int i = 0; i < 200; ++i) {
    BOOST_REQUIRE_EQUAL(*GetOf(store.get(), AggKey(i)),
                        std::to_string(i) + "+");
  }
}

BOOST_AUTO_TEST_CASE(deleting_a_key_rocksdb_never_held_drops_its_entry) {
  TempDir tmp;
  auto backend = OpenBackend(tmp.path / "q");
  auto store = OpenStore(backend.get(), "t0");
  // Key 0 reaches RocksDB. Keys 1 and 2 are then read (RocksDB lacks
  // them) and written; key 3 is written blind (whether RocksDB has it is
  // not known).
  Ok(store->Put(AggKey(0), "zero"));
  Ok(store->Flush());
  for (int i : {1, 2}) {
    auto slot = store->Mutable(AggKey(i));
    Ok(slot.status());
    BOOST_TEST(!slot->existed);
    *slot->value = "x";
  }
  Ok(store->Put(AggKey(3), "three"));
  BOOST_TEST(store->stats().cached_entries == 4u);
  // Outside a scope the entry goes at once; inside one, when it ends.
  Ok(store->Delete(AggKey(1)));
  BOOST_TEST(store->stats().cached_entries == 3u);
  {
    StateStore::BatchScope scope(store.get());
    auto slot = store->Mutable(AggKey(2));
    Ok(slot.status());
    Ok(store->Delete(AggKey(2)));
    BOOST_TEST(store->stats().cached_entries == 3u);
    Ok(scope.Close());
  }
  BOOST_TEST(store->stats().cached_entries == 2u);
  // Keys 0 and 3 may be in RocksDB: their deletions stay, dirty, and are
  // written back.
  Ok(store->Delete(AggKey(0)));
  Ok(store->Delete(AggKey(3)));
  BOOST_TEST(store->stats().dirty_entries == 2u);
  Ok(store->Flush());
  for (int i = 0; i < 4; ++i) BOOST_TEST(!GetOf(store.get(), AggKey(i)));
  BOOST_TEST(ScanAll(store.get()).empty());
}

BOOST_AUTO_TEST_CASE(prefetch_reads_a_batch_of_keys_at_once) {
  TempDir tmp;
  auto backend = OpenBackend(tmp.path / "q");
  auto store = OpenStore(backend.get(), "t0", 4096);
  // Keys 0..299 hold their number, written back to RocksDB by eviction;
  // key 150 is deleted after that.
  for (int i = 0; i < 300; ++i) Ok(store->Put(AggKey(i), std::to_string(i)));
  Ok(store->Flush());
  Ok(store->Delete(AggKey(150)));
  // A batch of events: keys 100..399, some twice (300..399 never written).
  std::vector<std::string> keys;
  for (int i = 100; i < 400; ++i) keys.push_back(AggKey(i));
  for (int i = 100; i < 120; ++i) keys.push_back(AggKey(i));
  std::vector<std::string_view> views(keys.begin(), keys.end());
  StoreStats before = store->stats();
  {
    StateStore::BatchScope scope(store.get());
    Ok(store->Prefetch(views));
    StoreStats fetched = store->stats();
    // Each key of the batch was either cached (or a repeat) or read once,
    // and most were read (the cache holds about 25 entries).
    BOOST_TEST((fetched.misses - before.misses) +
                   (fetched.hits - before.hits) ==
               keys.size());
    BOOST_TEST(fetched.misses - before.misses >= 250u);
    for (size_t j = 0; j < keys.size(); ++j) {
      auto slot = store->Mutable(keys[j]);
      Ok(slot.status());
      int i = 100 + static_cast<int>(j % 300);
      bool had = i < 300 && i != 150;
      BOOST_REQUIRE_EQUAL(slot->existed, had || j >= 300);
      if (had && j < 300) BOOST_REQUIRE_EQUAL(*slot->value, std::to_string(i));
      *slot->value += "+";
    }
    // The batch's updates read nothing more from RocksDB.
    BOOST_TEST(store->stats().misses == fetched.misses);
    Ok(scope.Close());
  }
  BOOST_TEST(store->stats().cached_bytes <= 4096u);
  for (int i = 0; i < 400; ++i) {
    std::string want = i < 100               ? std::to_string(i)
                       : i < 120             ? std::to_string(i) + "++"
                       : i < 300 && i != 150 ? std::to_string(i) + "+"
                                             : "+";
    BOOST_REQUIRE_EQUAL(*GetOf(store.get(), AggKey(i)), want);
  }
}

BOOST_AUTO_TEST_CASE(state_larger_than_the_cache_lives_in_rocksdb) {
  TempDir tmp;
  auto backend = OpenBackend(tmp.path / "q");
  auto store = OpenStore(backend.get(), "t0", 64 * 1024);
  constexpr int kKeys = 100000;
  for (int i = 0; i < kKeys; ++i) {
    auto slot = store->Mutable(AggKey(i % (kKeys / 2)));
    Ok(slot.status());
    *slot->value = std::to_string(i);
  }
  StoreStats s = store->stats();
  BOOST_TEST(s.cached_bytes <= 64u * 1024);
  BOOST_TEST(s.written_back + s.cached_entries >= uint64_t{kKeys / 2});
  // Every key holds its last value: i for the second half of the loop.
  for (int k = 0; k < kKeys / 2; k += 997) {
    BOOST_REQUIRE_EQUAL(*GetOf(store.get(), AggKey(k)),
                        std::to_string(k + kKeys / 2));
  }
  BOOST_TEST(ScanAll(store.get()).size() == static_cast<size_t>(kKeys / 2));
}

BOOST_AUTO_TEST_CASE(entries_reused_after_eviction_start_fresh) {
  // A small cache evicts (and reuses the memory of) entries all the time:
  // a key never written must read as absent, never as the value an
  // evicted entry held, and a new key's Mutable starts empty.
  TempDir tmp;
  auto backend = OpenBackend(tmp.path / "q");
  auto store = OpenStore(backend.get(), "t0", 16 * 1024);
  const std::string long_value(200, 'v');
  for (int i = 0; i < 5000; ++i) {
    if (i % 2 == 0) {
      Ok(store->Put(AggKey(i), long_value + std::to_string(i)));
      continue;
    }
    BOOST_REQUIRE(!GetOf(store.get(), AggKey(i)).has_value());
    auto slot = store->Mutable(AggKey(i));
    Ok(slot.status());
    BOOST_REQUIRE(!slot->existed);
    BOOST_REQUIRE(slot->value->empty());
    *slot->value = std::to_string(i);
  }
  BOOST_TEST(store->stats().evicted > 0u);
  for (int i = 0; i < 5000; i += 7) {
    const std::string want =
        i % 2 == 0 ? long_value + std::to_string(i) : std::to_string(i);
    BOOST_REQUIRE_EQUAL(*GetOf(store.get(), AggKey(i)), want);
  }
}

BOOST_AUTO_TEST_CASE(reopen_finds_committed_state_and_not_the_rest) {
  TempDir tmp;
  const fs::path dir = tmp.path / "q";
  Model at_commit;
  {
    auto backend = OpenBackend(dir);
    BOOST_TEST(!backend->last_commit().has_value());
    auto t0 = OpenStore(backend.get(), "t0", 4096);
    auto t1 = OpenStore(backend.get(), "t1");
    std::mt19937_64 rng(1);
    Model m0;
    RunRandomOps(t0.get(), &m0, rng, 5000, 500);
    Ok(t1->Put("t1-key", "one"));
    // Checkpoint 1 completes.
    auto stats = t0->Checkpoint(CheckpointId{1});
    Ok(stats.status());
    BOOST_TEST(stats->files > 0u);
    BOOST_TEST(stats->new_bytes == stats->bytes);  // the first snapshot
    Ok(t1->Checkpoint(CheckpointId{1}).status());
    Ok(backend->Commit(CheckpointId{1}, "plan-fingerprint-1"));
    at_commit = m0;
    // Then more writes, and checkpoint 2 taken by t0 only: never completes.
    RunRandomOps(t0.get(), &m0, rng, 3000, 500);
    Ok(t1->Put("t1-key", "two"));
    Ok(t1->Put("t1-other", "x"));
    Ok(t0->Checkpoint(CheckpointId{2}).status());
    absl::Status st = backend->Commit(CheckpointId{2}, "md");
    BOOST_TEST(st.code() == absl::StatusCode::kFailedPrecondition);
    BOOST_TEST(std::string(st.message()).find("'t1'") != std::string::npos);
    BOOST_TEST(at_commit != m0);  // there was something to lose
  }
  auto backend = OpenBackend(dir);
  auto record = backend->last_commit();
  BOOST_REQUIRE(record.has_value());
  BOOST_TEST(record->id.value == 1u);
  BOOST_TEST(record->metadata == "plan-fingerprint-1");
  BOOST_TEST(record->stores.size() == 2u);
  auto t0 = OpenStore(backend.get(), "t0", 4096);
  auto t1 = OpenStore(backend.get(), "t1");
  BOOST_TEST((ScanAll(t0.get()) == at_commit));
  BOOST_TEST((ScanAll(t1.get()) == Model{{"t1-key", "one"}}));
  // A store the record does not name starts empty.
  auto t2 = OpenStore(backend.get(), "t2");
  BOOST_TEST(ScanAll(t2.get()).empty());
  // Reads through the restored store, and its next checkpoint and commit.
  Ok(t1->Put("t1-key", "three"));
  Ok(t0->Checkpoint(CheckpointId{3}).status());
  Ok(t1->Checkpoint(CheckpointId{3}).status());
  Ok(t2->Checkpoint(CheckpointId{3}).status());
  Ok(backend->Commit(CheckpointId{3}, "md3"));
  BOOST_TEST(backend->Commit(CheckpointId{3}, "again").code() ==
             absl::StatusCode::kFailedPrecondition);
  // Only the committed snapshot of each store is left.
  for (const char* name : {"t0", "t1", "t2"}) {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir / name / "checkpoints")) {
      BOOST_TEST(e.path().filename() == "00000000000000000003");
      ++n;
    }
    BOOST_TEST(n == 1u);
  }
  t0.reset();
  t1.reset();
  t2.reset();
  backend.reset();
  backend = OpenBackend(dir);
  t1 = OpenStore(backend.get(), "t1");
  BOOST_TEST(*GetOf(t1.get(), "t1-key") == "three");
}

// A task that took part in checkpoint 1 may reach the end of its input
// and take its final snapshot (2) before checkpoint 1 completes: 1's
// record names the store's snapshot 1 (checkpoint_test once failed with
// "state store ... has not taken its snapshot" there), and 2 completes
// after it.
BOOST_AUTO_TEST_CASE(a_later_snapshot_before_the_commit_keeps_the_earlier) {
  TempDir tmp;
  const fs::path dir = tmp.path / "q";
  {
    auto backend = OpenBackend(dir);
    auto t0 = OpenStore(backend.get(), "t0");
    auto t1 = OpenStore(backend.get(), "t1");
    Ok(t0->Put("k", "at 1"));
    Ok(t0->Checkpoint(CheckpointId{1}).status());
    Ok(t0->Put("k", "at 2"));
    Ok(t0->Checkpoint(CheckpointId{2}).status());  // its final snapshot
    Ok(t1->Checkpoint(CheckpointId{1}).status());  // the last to take 1
    Ok(backend->Commit(CheckpointId{1}, "md1"));
    const auto record = backend->last_commit();
    BOOST_REQUIRE(record.has_value());
    BOOST_TEST(record->stores.size() == 2u);
    for (const auto& s : record->stores)
      BOOST_TEST(s.snapshot.value == 1u, s.name);
  }
  {
    // A crash here resumes from 1, with t0's state as it was at 1.
    auto backend = OpenBackend(dir);
    auto t0 = OpenStore(backend.get(), "t0");
    BOOST_TEST(*GetOf(t0.get(), "k") == "at 1");
  }
  auto backend = OpenBackend(dir);
  auto t0 = OpenStore(backend.get(), "t0");
  auto t1 = OpenStore(backend.get(), "t1");
  Ok(t0->Put("k", "at 2"));
  Ok(t0->Checkpoint(CheckpointId{2}).status());
  Ok(t0->Put("k", "at 3"));
  Ok(t0->Checkpoint(CheckpointId{3}).status());
  Ok(t1->Checkpoint(CheckpointId{2}).status());
  Ok(backend->Commit(CheckpointId{2}, "md2"));
  Ok(t1->Checkpoint(CheckpointId{3}).status());
  Ok(backend->Commit(CheckpointId{3}, "md3"));
  const auto record = backend->last_commit();
  BOOST_REQUIRE(record.has_value());
  for (const auto& s : record->stores)
    BOOST_TEST(s.snapshot.value == 3u, s.name);
}

BOOST_AUTO_TEST_CASE(snapshots_after_the_last_commit_roll_forward_or_go) {
  // A crash between a sink's commit of checkpoint 2 and commit record 2:
  // every store has its snapshot 2, the record names 1. The runtime may
  // roll forward to 2, or open the stores (which discards 2).
  TempDir tmp;
  const fs::path dir = tmp.path / "q";
  auto crash_after_snapshot_2 = [&](const fs::path& d) {
    auto backend = OpenBackend(d);
    auto t0 = OpenStore(backend.get(), "t0");
    auto t1 = OpenStore(backend.get(), "t1");
    auto t2 = OpenStore(backend.get(), "t2");  // closed before checkpoint 2
    Ok(t0->Put("k", "1"));
    Ok(t2->Put("k2", "only"));
    for (auto* t : {t0.get(), t1.get(), t2.get()})
      Ok(t->Checkpoint(CheckpointId{1}).status());
    Ok(backend->Commit(CheckpointId{1}, "md1"));
    t2.reset();
    Ok(t0->Put("k", "2"));
    Ok(t1->Put("k1", "2"));
    Ok(t0->Checkpoint(CheckpointId{2}).status());
    Ok(t1->Checkpoint(CheckpointId{2}).status());
    Ok(t0->Put("k", "3"));  // after checkpoint 2: never kept
  };
  crash_after_snapshot_2(dir);
  {
    auto backend = OpenBackend(dir);
    BOOST_TEST(backend->last_commit()->id.value == 1u);
    BOOST_REQUIRE(backend->newest_uncommitted().has_value());
    BOOST_TEST(backend->newest_uncommitted()->value == 2u);
    BOOST_TEST(backend->RollForward(CheckpointId{1}, "x").code() ==
               absl::StatusCode::kFailedPrecondition);
    BOOST_TEST(backend->RollForward(CheckpointId{5}, "x").code() ==
               absl::StatusCode::kFailedPrecondition);  // no such snapshot
    Ok(backend->RollForward(CheckpointId{2}, "md2"));
    BOOST_TEST(backend->last_commit()->id.value == 2u);
    BOOST_TEST(backend->last_commit()->metadata == "md2");
    BOOST_TEST(!backend->newest_uncommitted().has_value());
    auto t0 = OpenStore(backend.get(), "t0");
    auto t1 = OpenStore(backend.get(), "t1");
    auto t2 = OpenStore(backend.get(), "t2");
    BOOST_TEST(*GetOf(t0.get(), "k") == "2");
    BOOST_TEST(*GetOf(t1.get(), "k1") == "2");
    BOOST_TEST(*GetOf(t2.get(), "k2") == "only");  // its snapshot 1
    BOOST_TEST(backend->RollForward(CheckpointId{3}, "x").code() ==
               absl::StatusCode::kFailedPrecondition);  // stores are open
  }
  // Discarding: opening the stores goes back to checkpoint 1.
  const fs::path other = tmp.path / "q2";
  crash_after_snapshot_2(other);
  auto backend = OpenBackend(other);
  auto t0 = OpenStore(backend.get(), "t0");
  BOOST_TEST(*GetOf(t0.get(), "k") == "1");
  BOOST_TEST(backend->newest_uncommitted()->value == 2u);  // t1's, unopened
  auto t1 = OpenStore(backend.get(), "t1");
  BOOST_TEST(!GetOf(t1.get(), "k1").has_value());
  BOOST_TEST(!backend->newest_uncommitted().has_value());
}

// Prepare keeps a checkpoint's metadata for a roll forward until a commit
// record reaches it; a query without stores rolls forward to what it
// prepared.
BOOST_AUTO_TEST_CASE(prepared_metadata_survives_until_committed) {
  TempDir tmp;
  const fs::path dir = tmp.path / "q";
  {
    auto backend = OpenBackend(dir);
    BOOST_TEST(!backend->prepared()->has_value());
    Ok(backend->Commit(CheckpointId{1}, "md1"));
    Ok(backend->Prepare(CheckpointId{2}, "md2\nwith lines"));
  }
  {
    auto backend = OpenBackend(dir);
    auto p = backend->prepared();
    BOOST_REQUIRE(p.ok());
    BOOST_REQUIRE(p->has_value());
    BOOST_TEST((*p)->id.value == 2u);
    BOOST_TEST((*p)->metadata == "md2\nwith lines");
    BOOST_TEST(backend->RollForward(CheckpointId{3}, "x").code() ==
               absl::StatusCode::kFailedPrecondition);  // not prepared
    Ok(backend->RollForward(CheckpointId{2}, (*p)->metadata));
    BOOST_TEST(backend->last_commit()->id.value == 2u);
    BOOST_TEST(!backend->prepared()->has_value());  // reached by the record
  }
}

BOOST_AUTO_TEST_CASE(
    a_store_reopened_in_the_same_run_restarts_from_the_commit) {
  // A task restarted after a failure (its store closed and opened again)
  // resumes from the last completed checkpoint, not from a snapshot it
  // took for a checkpoint that never completed.
  TempDir tmp;
  auto backend = OpenBackend(tmp.path / "q");
  auto t0 = OpenStore(backend.get(), "t0");
  Ok(t0->Put("k", "1"));
  Ok(t0->Checkpoint(CheckpointId{1}).status());
  Ok(backend->Commit(CheckpointId{1}, ""));
  Ok(t0->Put("k", "2"));
  Ok(t0->Checkpoint(CheckpointId{2}).status());
  Ok(t0->Put("k", "3"));
  t0.reset();
  t0 = OpenStore(backend.get(), "t0");
  BOOST_TEST(*GetOf(t0.get(), "k") == "1");
  // Opened twice at once: refused.
  BOOST_TEST(backend->OpenStore("t0").status().code() ==
             absl::StatusCode::kAlreadyExists);
  BOOST_TEST(backend->OpenStore("../x").status().code() ==
             absl::StatusCode::kInvalidArgument);
}

BOOST_AUTO_TEST_CASE(errors_name_the_path) {
  TempDir tmp;
  // A directory below a regular file cannot be created.
  const fs::path file = tmp.path / "plain-file";
  std::ofstream(file) << "x";
  StateBackendOptions o;
  o.dir = file / "state";
  auto backend = StateBackend::Open(o);
  BOOST_REQUIRE(!backend.ok());
  BOOST_TEST(std::string(backend.status().message())
                     .find("cannot create state directory '" + o.dir.string() +
                           "'") != std::string::npos,
             backend.status().message());

  // A directory one backend has open is refused to another one.
  auto first = OpenBackend(tmp.path / "q");
  o.dir = tmp.path / "q";
  auto second = StateBackend::Open(o);
  BOOST_TEST(second.status().code() == absl::StatusCode::kFailedPrecondition);
  BOOST_TEST(std::string(second.status().message()).find(o.dir.string()) !=
             std::string::npos);
  BOOST_TEST(StateBackend::Destroy(o.dir).code() ==
             absl::StatusCode::kFailedPrecondition);
  first.reset();

  // A damaged commit record: DataLoss naming the file, never a guess.
  {
    auto b = OpenBackend(tmp.path / "q");
    auto s = OpenStore(b.get(), "t0");
    Ok(s->Put("k", "v"));
    Ok(s->Checkpoint(CheckpointId{1}).status());
    Ok(b->Commit(CheckpointId{1}, "md"));
  }
  const fs::path commit = tmp.path / "q" / "COMMIT";
  {
    std::fstream f(commit, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(10);
    f.put('\x5a');
  }
  auto damaged = StateBackend::Open(o);
  BOOST_TEST(damaged.status().code() == absl::StatusCode::kDataLoss);
  BOOST_TEST(std::string(damaged.status().message()).find(commit.string()) !=
             std::string::npos);
  // Destroy removes the whole directory.
  Ok(StateBackend::Destroy(o.dir));
  BOOST_TEST(!fs::exists(o.dir));
  Ok(StateBackend::Destroy(o.dir));  // nothing there: fine
}

BOOST_AUTO_TEST_CASE(default_and_temporary_state_dirs) {
  ::setenv("XDG_DATA_HOME", "/data/x", 1);
  BOOST_TEST(DefaultStateDir() == fs::path("/data/x/weir/state"));
  ::unsetenv("XDG_DATA_HOME");
  ::setenv("HOME", "/home/u", 1);
  BOOST_TEST(DefaultStateDir() == fs::path("/home/u/.local/share/weir/state"));
  auto a = MakeTemporaryStateDir();
  auto b = MakeTemporaryStateDir();
  Ok(a.status());
  Ok(b.status());
  BOOST_TEST(*a != *b);
  BOOST_TEST(fs::is_directory(*a));
  Ok(StateBackend::Destroy(*a));
  Ok(StateBackend::Destroy(*b));
  BOOST_TEST(!fs::exists(*a));
}
