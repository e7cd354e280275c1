#include "engine/exec/exchange.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "engine/base/check.h"
#include "xxhash.h"

namespace weir::exec {
namespace {

// Seeds a NULL with a constant of its own, so NULL differs from 0 and "".
constexpr uint64_t kNullMarker = 0x9e3779b97f4a7c15ULL;

inline uint64_t Mix(const void* data, size_t len, uint64_t seed) {
  return XXH3_64bits_withSeed(data, len, seed);
}

/// Folds column `col` into the running hash of each live row.
void HashColumn(const types::Batch& batch, const types::Column& col,
                std::vector<uint64_t>* hashes) {
  size_t i = 0;
  auto for_each_row = [&](auto&& fn) {
    i = 0;
    if (batch.has_selection()) {
      for (uint32_t r : batch.selection()) fn(r, (*hashes)[i++]);
    } else {
      for (size_t r = 0; r < batch.num_rows(); ++r) fn(r, (*hashes)[i++]);
    }
  };
  for_each_row([&](size_t r, uint64_t& h) {
    if (col.IsNull(r) || col.physical() == types::PhysicalType::kNull) {
      h = Mix(&kNullMarker, sizeof kNullMarker, h);
      return;
    }
    switch (col.physical()) {
      case types::PhysicalType::kInt64: {
        int64_t v = col.ints()[r];
        h = Mix(&v, sizeof v, h);
        break;
      }
      case types::PhysicalType::kDouble: {
        double v = col.doubles()[r];
        if (v == 0) v = 0;  // -0.0 equals 0.0
        if (std::isnan(v)) v = std::numeric_limits<double>::quiet_NaN();
        h = Mix(&v, sizeof v, h);
        break;
      }
      case types::PhysicalType::kInt128: {
        __int128 v = col.decimals()[r];
        h = Mix(&v, sizeof v, h);
        break;
      }
      case types::PhysicalType::kString: {
        const std::string_view s = col.StringAt(r);
        // The length first, so ("ab","c") and ("a","bc") differ.
        uint64_t len = s.size();
        h = Mix(&len, sizeof len, h);
        h = Mix(s.data(), s.size(), h);
        break;
      }
      case types::PhysicalType::kInterval: {
        const types::IntervalValue& v = col.intervals()[r];
        int64_t parts[2] = {v.months, v.micros};
        h = Mix(parts, sizeof parts, h);
        break;
      }
      case types::PhysicalType::kNull:
        break;
    }
  });
}

}  // namespace

void HashKeyColumns(const types::Batch& batch,
                    const std::vector<int>& key_columns,
                    std::vector<uint64_t>* hashes) {
  hashes->assign(batch.num_selected(), 0);
  for (int c : key_columns) {
    WEIR_CHECK(c >= 0 && static_cast<size_t>(c) < batch.num_columns());
    HashColumn(batch, batch.column(static_cast<size_t>(c)), hashes);
  }
}

HashExchange::HashExchange(std::vector<int> key_columns, int producers,
                           int consumers, size_t queue_batches)
    : key_columns_(std::move(key_columns)),
      producers_(producers),
      producers_left_(producers),
      acked_(static_cast<size_t>(std::max(producers, 0) * consumers)) {
  WEIR_CHECK(consumers > 0);
  for (int c = 0; c < consumers; ++c) {
    queues_.push_back(std::make_unique<BoundedQueue<Item>>(queue_batches));
  }
}

void HashExchange::Partition(const types::Batch& batch,
                             std::vector<types::SelectionVector>* parts) const {
  parts->assign(queues_.size(), {});
  std::vector<uint64_t> hashes;
  HashKeyColumns(batch, key_columns_, &hashes);
  const int n = consumers();
  size_t i = 0;
  auto place = [&](uint32_t row) {
    (*parts)[ConsumerOfHash(hashes[i++], n)].push_back(row);
  };
  if (batch.has_selection()) {
    for (uint32_t r : batch.selection()) place(r);
  } else {
    for (size_t r = 0; r < batch.num_rows(); ++r)
      place(static_cast<uint32_t>(r));
  }
}

bool HashExchange::HasRoom() const {
  for (const auto& q : queues_) {
    if (!q->HasRoom()) return false;
  }
  return true;
}

std::vector<int> HashExchange::Push(types::Batch batch) {
  std::vector<int> received;
  if (batch.num_selected() == 0) return received;
  std::vector<types::SelectionVector> parts;
  Partition(batch, &parts);
  int last = -1;
  for (int c = 0; c < consumers(); ++c) {
    if (!parts[static_cast<size_t>(c)].empty()) last = c;
  }
  for (int c = 0; c <= last; ++c) {
    types::SelectionVector& part = parts[static_cast<size_t>(c)];
    if (part.empty()) continue;
    if (c == last) {
      // The last part takes the batch itself, narrowed by a selection: one
      // copy fewer (none at all when every row goes to one consumer).
      if (part.size() == batch.num_rows()) {
        batch.ClearSelection();
      } else {
        batch.SetSelection(std::move(part));
      }
      if (queues_[static_cast<size_t>(c)]->Push(Item{std::move(batch)}))
        received.push_back(c);
      break;
    }
    batch.SetSelection(std::move(part));
    if (queues_[static_cast<size_t>(c)]->Push(Item{batch.Compact()}))
      received.push_back(c);
  }
  return received;
}

void HashExchange::PushMark(int producer, uint64_t mark) {
  WEIR_CHECK(producer >= 0 && producer < producers_);
  for (auto& q : queues_) q->Push(Item{types::Batch(), producer, mark});
}

void HashExchange::Ack(int consumer, int producer, uint64_t mark) {
  std::atomic<uint64_t>& slot =
      acked_[static_cast<size_t>(producer * consumers() + consumer)];
  // Marks of one producer reach a consumer in order; never move back.
  uint64_t seen = slot.load();
  while (seen < mark && !slot.compare_exchange_weak(seen, mark)) {
  }
}

uint64_t HashExchange::Acked(int producer) const {
  uint64_t least = UINT64_MAX;
  for (int c = 0; c < consumers(); ++c) {
    least = std::min(
        least, acked_[static_cast<size_t>(producer * consumers() + c)].load());
  }
  return least;
}

void HashExchange::ProducerDone() { producers_left_.fetch_sub(1); }

HashExchange::PollResult HashExchange::Poll(int consumer, types::Batch* out,
                                            Mark* mark, bool* was_full) {
  // Read the producer count before the queue: pushes happen before a
  // producer's ProducerDone, so "no producers left, queue empty" is final.
  bool producers_done = producers_left_.load() <= 0;
  Item item;
  switch (queues_[static_cast<size_t>(consumer)]->TryPop(&item, was_full)) {
    case BoundedQueue<Item>::PopResult::kItem:
      if (item.producer >= 0) {
        if (mark != nullptr) *mark = Mark{item.producer, item.mark};
        return PollResult::kMark;
      }
      *out = std::move(item.batch);
      return PollResult::kBatch;
    case BoundedQueue<Item>::PopResult::kClosed:
      return PollResult::kEnd;
    case BoundedQueue<Item>::PopResult::kTimeout:
      break;
  }
  return producers_done ? PollResult::kEnd : PollResult::kEmpty;
}

void HashExchange::Close() {
  for (auto& q : queues_) q->Close();
}

}  // namespace weir::exec
