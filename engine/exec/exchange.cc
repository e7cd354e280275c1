#include "engine/exec/exchange.h"

#include <algorithm>

#include "engine/base/check.h"
#include "engine/exec/key_hash.h"

namespace weir::exec {

// ------------------------------------------------------------- channel

bool Channel::Push(Event event) {
  std::lock_guard lock(mu_);
  if (closed_) return false;
  if (event.kind == EventKind::kBatch) {
    ++batches_;
    max_batches_ = std::max(max_batches_, batches_);
  }
  events_.push_back(std::move(event));
  return true;
}

Channel::PopResult Channel::Pop(Event* out, bool* freed) {
  std::lock_guard lock(mu_);
  if (events_.empty()) return closed_ ? PopResult::kClosed : PopResult::kEmpty;
  *out = std::move(events_.front());
  events_.pop_front();
  if (out->kind == EventKind::kBatch) {
    if (freed != nullptr) *freed = batches_ >= credit_;
    --batches_;
  } else if (freed != nullptr) {
    *freed = false;
  }
  return PopResult::kEvent;
}

void Channel::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
}

// ------------------------------------------------------------ exchange

Exchange::Exchange(std::vector<int> key_columns, int producers, int consumers,
                   size_t channel_batches, int max_parallelism)
    : key_columns_(std::move(key_columns)),
      producers_(producers),
      consumers_(consumers),
      max_parallelism_(max_parallelism),
      acked_(static_cast<size_t>(std::max(producers, 0) * consumers)),
      consumers_left_(consumers) {
  WEIR_CHECK(consumers > 0 && consumers <= max_parallelism);
  for (int i = 0; i < producers * consumers; ++i)
    channels_.push_back(std::make_unique<Channel>(channel_batches));
}

void Exchange::Partition(const types::Batch& batch,
                         std::vector<types::SelectionVector>* parts) const {
  parts->assign(static_cast<size_t>(consumers_), {});
  std::vector<uint64_t> hashes;
  KeyHash(batch, key_columns_, &hashes);
  size_t i = 0;
  auto place = [&](uint32_t row) {
    int group = KeyGroupOf(hashes[i++], max_parallelism_);
    (*parts)[static_cast<size_t>(
                 TaskOfKeyGroup(group, consumers_, max_parallelism_))]
        .push_back(row);
  };
  if (batch.has_selection()) {
    for (uint32_t r : batch.selection()) place(r);
  } else {
    for (size_t r = 0; r < batch.num_rows(); ++r)
      place(static_cast<uint32_t>(r));
  }
}

bool Exchange::HasRoom(int producer) const {
  for (int c = 0; c < consumers_; ++c) {
    if (!channels_[Index(producer, c)]->HasRoom()) return false;
  }
  return true;
}

std::vector<int> Exchange::Push(int producer, types::Batch batch) {
  std::vector<int> received;
  if (batch.num_selected() == 0) return received;
  std::vector<types::SelectionVector> parts;
  Partition(batch, &parts);
  int last = -1;
  for (int c = 0; c < consumers_; ++c) {
    if (!parts[static_cast<size_t>(c)].empty()) last = c;
  }
  for (int c = 0; c <= last; ++c) {
    types::SelectionVector& part = parts[static_cast<size_t>(c)];
    if (part.empty()) continue;
    Event event;
    if (c == last) {
      // The last part takes the batch itself, narrowed by a selection: one
      // copy fewer (none at all when every row goes to one consumer).
      if (part.size() == batch.num_rows()) {
        batch.ClearSelection();
      } else {
        batch.SetSelection(std::move(part));
      }
      event.batch = std::move(batch);
    } else {
      batch.SetSelection(std::move(part));
      event.batch = batch.Compact();
    }
    if (channels_[Index(producer, c)]->Push(std::move(event)))
      received.push_back(c);
  }
  return received;
}

void Exchange::Broadcast(int producer, EventKind kind, int64_t value) {
  WEIR_CHECK(kind != EventKind::kBatch);
  WEIR_CHECK(producer >= 0 && producer < producers_);
  for (int c = 0; c < consumers_; ++c) {
    Event event;
    event.kind = kind;
    event.value = value;
    channels_[Index(producer, c)]->Push(std::move(event));
  }
}

void Exchange::Ack(int consumer, int producer, uint64_t mark) {
  std::atomic<uint64_t>& slot = acked_[Index(producer, consumer)];
  // Marks of one producer reach a consumer in order; never move back.
  uint64_t seen = slot.load();
  while (seen < mark && !slot.compare_exchange_weak(seen, mark)) {
  }
}

uint64_t Exchange::Acked(int producer) const {
  uint64_t least = UINT64_MAX;
  for (int c = 0; c < consumers_; ++c)
    least = std::min(least, acked_[Index(producer, c)].load());
  return least;
}

void Exchange::Close() {
  for (auto& channel : channels_) channel->Close();
}

// ----------------------------------------------------------- input gate

int InputGate::AddInput(Exchange* exchange, int consumer) {
  const int input = static_cast<int>(inputs_.size());
  inputs_.push_back(Input{exchange, consumer});
  for (int p = 0; p < exchange->producers(); ++p) {
    ChannelState state;
    state.channel = &exchange->channel(p, consumer);
    state.origin = Origin{input, p};
    channels_.push_back(state);
    ++open_;
  }
  return input;
}

bool InputGate::Poll(int* channel, Event* out, bool* freed) {
  const size_t n = channels_.size();
  for (size_t k = 0; k < n; ++k) {
    const size_t i = (next_ + k) % n;
    ChannelState& state = channels_[i];
    if (state.blocked || state.ended) continue;
    switch (state.channel->Pop(out, freed)) {
      case Channel::PopResult::kEvent:
        break;
      case Channel::PopResult::kClosed:
        *out = Event();
        out->kind = EventKind::kEnd;
        out->value = 0;
        if (freed != nullptr) *freed = false;
        break;
      case Channel::PopResult::kEmpty:
        continue;
    }
    next_ = i + 1;
    *channel = static_cast<int>(i);
    return true;
  }
  return false;
}

void InputGate::SetEnded(int channel) {
  ChannelState& state = channels_[static_cast<size_t>(channel)];
  if (state.ended) return;
  state.ended = true;
  state.blocked = false;
  --open_;
}

int64_t InputGate::DropQueued() {
  int64_t rows = 0;
  for (ChannelState& state : channels_) {
    if (state.ended) continue;
    Event event;
    while (state.channel->Pop(&event) == Channel::PopResult::kEvent) {
      if (event.kind == EventKind::kBatch)
        rows += static_cast<int64_t>(event.batch.num_selected());
    }
  }
  return rows;
}

}  // namespace weir::exec
