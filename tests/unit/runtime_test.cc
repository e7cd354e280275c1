// The runtime's control path, piece by piece, without a query around it:
// exchange channels (order per producer, control events behind the rows
// before them, credit), barrier alignment, watermark combination and
// idleness on a hand-driven clock, the type-normalizing key hash, and the
// operator contract's output budget. Expected values are worked out by hand
// in the comments, not taken from the code under test.
#define BOOST_TEST_MODULE runtime_test
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <tuple>
#include <vector>

#include "engine/base/status.h"
#include "engine/exec/barrier.h"
#include "engine/exec/clock.h"
#include "engine/exec/exchange.h"
#include "engine/exec/key_hash.h"
#include "engine/exec/operator.h"
#include "engine/exec/pipeline.h"
#include "engine/exec/watermark.h"
#include "engine/types/batch.h"

using namespace weir;
using exec::CheckpointId;
using exec::Event;
using exec::EventKind;
using std::chrono::seconds;

namespace {

std::shared_ptr<const types::Schema> OneBigint() {
  types::Schema fields;
  fields.Add({"v", types::LogicalType::Bigint(), false});
  return std::make_shared<const types::Schema>(fields);
}

/// A batch of one BIGINT column holding `values`.
types::Batch Rows(const std::vector<int64_t>& values) {
  types::Batch batch(OneBigint());
  for (int64_t v : values) batch.AppendRow({types::Value::Bigint(v)});
  return batch;
}

}  // namespace

BOOST_AUTO_TEST_CASE(channels_keep_each_producers_order_and_events_behind) {
  // Producer p pushes rows (p, i) for i = 0 .. 1999 in batches of 10, each
  // batch's key spread over the consumers; after every 5th batch it
  // broadcasts a watermark holding the last i pushed, and every 20th a
  // barrier. A consumer must receive each producer's rows in increasing i,
  // and when a control event with value v of producer p arrives, it must
  // already hold every row of p with i <= v that it will ever get.
  constexpr int kProducers = 3, kConsumers = 4, kBatches = 200, kRows = 10;
  constexpr size_t kCredit = 2;
  exec::Exchange exchange({0}, kProducers, kConsumers, kCredit,
                          exec::kDefaultMaxParallelism);
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      int64_t i = 0;
      for (int b = 0; b < kBatches; ++b) {
        std::vector<int64_t> values;
        for (int r = 0; r < kRows; ++r, ++i) values.push_back(p * 100000 + i);
        while (!exchange.HasRoom(p)) std::this_thread::yield();
        exchange.Push(p, Rows(values));
        if (b % 5 == 4) exchange.Broadcast(p, EventKind::kWatermark, i - 1);
        if (b % 20 == 19)
          exchange.Broadcast(p, EventKind::kBarrier, b / 20 + 1);
      }
      exchange.Broadcast(p, EventKind::kEnd, 1);
    });
  }
  // Per consumer: rows received per producer, and for each control event
  // (producer, value, rows of that producer received before it).
  struct Seen {
    std::vector<std::vector<int64_t>> rows{kProducers};
    std::vector<std::tuple<int, EventKind, int64_t, size_t>> events;
    int ends = 0;
    bool order_ok = true;
    bool origin_ok = true;
  };
  std::vector<Seen> seen(kConsumers);
  for (int c = 0; c < kConsumers; ++c) {
    threads.emplace_back([&, c] {
      exec::InputGate gate;
      gate.AddInput(&exchange, c);
      Seen& s = seen[static_cast<size_t>(c)];
      while (!gate.all_ended()) {
        int channel = 0;
        Event event;
        bool freed = false;
        if (!gate.Poll(&channel, &event, &freed)) {
          std::this_thread::yield();
          continue;
        }
        const int p = gate.origin(channel).producer;
        switch (event.kind) {
          case EventKind::kBatch:
            if (event.batch.has_selection())
              event.batch = event.batch.Compact();
            for (size_t r = 0; r < event.batch.num_rows(); ++r) {
              const int64_t v = event.batch.column(0).ints()[r];
              if (v / 100000 != p) s.origin_ok = false;
              auto& mine = s.rows[static_cast<size_t>(p)];
              if (!mine.empty() && mine.back() >= v % 100000)
                s.order_ok = false;
              mine.push_back(v % 100000);
            }
            break;
          case EventKind::kEnd:
            ++s.ends;
            gate.SetEnded(channel);
            break;
          default:
            s.events.emplace_back(p, event.kind, event.value,
                                  s.rows[static_cast<size_t>(p)].size());
            break;
        }
      }
    });
  }
  for (auto& t : threads) t.join();

  size_t total = 0;
  for (int c = 0; c < kConsumers; ++c) {
    const Seen& s = seen[static_cast<size_t>(c)];
    BOOST_TEST(s.order_ok);
    BOOST_TEST(s.origin_ok);
    BOOST_TEST(s.ends == kProducers);
    // 40 watermarks and 10 barriers from each producer, on every channel.
    BOOST_TEST(s.events.size() == size_t{kProducers * (40 + 10)});
    for (const auto& [p, kind, value, before] : s.events) {
      // A watermark v follows the rows with i <= v; barrier n follows
      // the first 20 n batches, i.e. the rows with i < 200 n.
      const int64_t last =
          kind == EventKind::kWatermark ? value : value * 200 - 1;
      const auto& rows = s.rows[static_cast<size_t>(p)];
      const size_t covered = static_cast<size_t>(
          std::upper_bound(rows.begin(), rows.end(), last) - rows.begin());
      BOOST_TEST(before == covered);
    }
    for (const auto& rows : s.rows) total += rows.size();
  }
  BOOST_TEST(total == size_t{kProducers * kBatches * kRows});
  for (int p = 0; p < kProducers; ++p) {
    for (int c = 0; c < kConsumers; ++c)
      BOOST_TEST(exchange.channel(p, c).max_batches() <= kCredit);
  }
}

BOOST_AUTO_TEST_CASE(barrier_alignment_waits_for_every_open_channel) {
  exec::BarrierAligner aligner(3);
  BOOST_TEST(!aligner.OnBarrier(0, CheckpointId{1}).has_value());
  BOOST_TEST(aligner.blocked(0));
  BOOST_TEST(!aligner.blocked(1));
  BOOST_TEST(!aligner.OnBarrier(2, CheckpointId{1}).has_value());
  // Channel 1 is the last one open: its barrier completes checkpoint 1.
  auto aligned = aligner.OnBarrier(1, CheckpointId{1});
  BOOST_REQUIRE(aligned.has_value());
  BOOST_TEST(exec::ToInt(*aligned) == 1u);
  BOOST_TEST(!aligner.blocked(0));
  BOOST_TEST(!aligner.blocked(2));
  BOOST_TEST(aligner.last_aligned() == 1u);
  // Checkpoint 2: two channels deliver it, the third ends instead.
  BOOST_TEST(!aligner.OnBarrier(1, CheckpointId{2}).has_value());
  BOOST_TEST(!aligner.OnBarrier(0, CheckpointId{2}).has_value());
  aligned = aligner.OnEnded(2);
  BOOST_REQUIRE(aligned.has_value());
  BOOST_TEST(exec::ToInt(*aligned) == 2u);
  // From now on two channels take part.
  BOOST_TEST(!aligner.OnBarrier(0, CheckpointId{3}).has_value());
  BOOST_TEST(aligner.OnBarrier(1, CheckpointId{3}).has_value());
}

BOOST_AUTO_TEST_CASE(a_blocked_channel_holds_its_rows_behind_the_barrier) {
  // Producer 0 sends barrier 1 then rows {1}; producer 1 sends rows {2}
  // then barrier 1. Aligning, the consumer must take {2} before {1}: the
  // rows behind producer 0's barrier wait until producer 1's arrives.
  exec::Exchange exchange({}, 2, 1, 4, exec::kDefaultMaxParallelism);
  exchange.Broadcast(0, EventKind::kBarrier, 1);
  exchange.Push(0, Rows({1}));
  exchange.Push(1, Rows({2}));
  exchange.Broadcast(1, EventKind::kBarrier, 1);
  exec::InputGate gate;
  gate.AddInput(&exchange, 0);
  exec::BarrierAligner aligner(gate.channels());
  std::vector<std::string> order;
  int channel = 0;
  Event event;
  bool freed = false;
  while (gate.Poll(&channel, &event, &freed)) {
    const int p = gate.origin(channel).producer;
    if (event.kind == EventKind::kBatch) {
      order.push_back("rows " +
                      std::to_string(event.batch.column(0).ints()[0]) + " p" +
                      std::to_string(p));
      continue;
    }
    BOOST_REQUIRE(event.kind == EventKind::kBarrier);
    order.push_back("barrier p" + std::to_string(p));
    gate.SetBlocked(channel, true);
    if (auto aligned = aligner.OnBarrier(
            channel, CheckpointId{static_cast<uint64_t>(event.value)})) {
      order.push_back("aligned " + std::to_string(exec::ToInt(*aligned)));
      for (int c = 0; c < gate.channels(); ++c) gate.SetBlocked(c, false);
    }
  }
  const std::vector<std::string> expected = {
      "barrier p0", "rows 2 p1", "barrier p1", "aligned 1", "rows 1 p0"};
  BOOST_TEST(order == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(watermark_is_the_minimum_over_active_inputs) {
  exec::WatermarkCombiner c(3);
  c.Update();
  BOOST_TEST(c.watermark() == exec::kNoWatermark);
  c.Advance(0, 100);
  c.Advance(1, 40);
  c.Update();
  // Input 2 has no watermark yet: it holds everything back.
  BOOST_TEST(c.watermark() == exec::kNoWatermark);
  c.Advance(2, 70);
  BOOST_TEST(c.Update());
  BOOST_TEST(c.watermark() == 40);  // min(100, 40, 70)
  c.Advance(1, 30);                 // an input never moves back
  BOOST_TEST(c.input_watermark(1) == 40);
  c.SetIdle(1, true);
  c.Update();
  BOOST_TEST(c.watermark() == 70);  // min(100, 70): 1 is idle
  BOOST_TEST(!c.idle());
  c.SetIdle(1, false);  // active again at 40: holds, but no step back
  c.Update();
  BOOST_TEST(c.watermark() == 70);
  c.Advance(1, 90);
  c.Advance(2, 95);
  c.Update();
  BOOST_TEST(c.watermark() == 90);  // min(100, 90, 95)
  c.SetEnded(1);
  c.Update();
  BOOST_TEST(c.watermark() == 95);  // min(100, 95)
  c.SetIdle(0, true);
  c.SetIdle(2, true);
  c.Update();
  BOOST_TEST(c.idle());
  BOOST_TEST(c.watermark() == 100);  // all idle: the largest of them
}

BOOST_AUTO_TEST_CASE(an_idle_partition_stops_holding_and_holds_again) {
  exec::ManualClock clock;
  const auto t0 = clock.Now();
  exec::PartitionWatermarks wm({0, 1, 2}, seconds(5), t0);
  wm.OnRows(0, 100, t0);
  wm.OnRows(1, 50, t0);
  wm.Update(t0);
  BOOST_TEST(wm.watermark() == exec::kNoWatermark);  // 2 sent nothing yet
  clock.Advance(seconds(4));
  wm.OnRows(0, 200, clock.Now());
  wm.OnRows(1, 60, clock.Now());
  wm.Update(clock.Now());
  BOOST_TEST(wm.watermark() == exec::kNoWatermark);  // 2 silent for 4 s only
  clock.Advance(seconds(1));                         // t0 + 5 s
  BOOST_TEST(wm.Update(clock.Now()));
  BOOST_TEST(wm.watermark() == 60);  // min(200, 60): 2 is idle
  BOOST_TEST(!wm.idle());
  clock.Advance(seconds(2));  // t0 + 7 s: 2 is back, behind
  wm.OnRows(2, 30, clock.Now());
  wm.Update(clock.Now());
  BOOST_TEST(wm.watermark() == 60);  // min is 30, but no step back
  wm.OnRows(1, 100, clock.Now());
  wm.Update(clock.Now());
  BOOST_TEST(wm.watermark() == 60);  // min(200, 100, 30): 2 holds it
  wm.OnRows(2, 80, clock.Now());
  wm.Update(clock.Now());
  BOOST_TEST(wm.watermark() == 80);  // min(200, 100, 80)
  clock.Advance(seconds(5));         // t0 + 12 s: all silent for 5 s
  wm.Update(clock.Now());
  BOOST_TEST(wm.idle());
  BOOST_TEST(wm.watermark() == 200);
}

BOOST_AUTO_TEST_CASE(the_longest_idle_timeout_does_not_overflow) {
  // SET 'watermark.idle-timeout' = '999999999h' (9 digits, the most a
  // duration has): about 3.6e21 ns, beyond int64 nanoseconds. An hour of
  // silence must not make the partition idle.
  exec::ManualClock clock;
  exec::PartitionWatermarks wm({0, 1}, std::chrono::hours(999999999),
                               clock.Now());
  wm.OnRows(0, 10, clock.Now());
  wm.Update(clock.Now());
  clock.Advance(std::chrono::hours(1));
  wm.Update(clock.Now());
  BOOST_TEST(!wm.idle());
  BOOST_TEST(wm.watermark() == exec::kNoWatermark);  // 1 still holds it
}

BOOST_AUTO_TEST_CASE(a_paused_clock_does_not_count_waiting_time) {
  exec::ManualClock clock;
  exec::PausableClock running(&clock);
  const auto start = running.Now();
  clock.Advance(seconds(2));
  running.Pause();  // downstream full: not reading, so not silent
  clock.Advance(seconds(10));
  BOOST_TEST((running.Now() - start == seconds(2)));
  running.Resume();
  clock.Advance(seconds(1));
  BOOST_TEST((running.Now() - start == seconds(3)));
}

BOOST_AUTO_TEST_CASE(sql_equal_keys_hash_to_one_key_group) {
  // INT 1, BIGINT 1, DECIMAL(10,1) 1.0 and DOUBLE 1.0 are one key in SQL.
  auto one_column = [](types::LogicalType type, types::Value v) {
    types::Schema fields;
    fields.Add({"k", type, true});
    types::Batch batch(std::make_shared<const types::Schema>(fields));
    batch.AppendRow({std::move(v)});
    std::vector<uint64_t> hashes;
    exec::KeyHash(batch, {0}, &hashes);
    BOOST_REQUIRE_EQUAL(hashes.size(), 1u);
    return hashes[0];
  };
  const auto dec = types::LogicalType::DecimalOrDie(10, 1);
  const uint64_t h_int =
      one_column(types::LogicalType::Int(), types::Value::Int(1));
  BOOST_TEST(h_int ==
             one_column(types::LogicalType::Bigint(), types::Value::Bigint(1)));
  BOOST_TEST(h_int == one_column(dec, types::Value::Decimal(10, dec)));
  BOOST_TEST(h_int ==
             one_column(types::LogicalType::Double(), types::Value::Double(1)));
  BOOST_TEST(h_int !=
             one_column(types::LogicalType::Bigint(), types::Value::Bigint(2)));
  // -0.0 is 0.0.
  BOOST_TEST(
      one_column(types::LogicalType::Double(), types::Value::Double(-0.0)) ==
      one_column(types::LogicalType::Int(), types::Value::Int(0)));
}

BOOST_AUTO_TEST_CASE(key_groups_split_into_contiguous_ranges) {
  // 128 key groups over 3 tasks: group g belongs to task g * 3 / 128, so
  // task 0 owns 0..42, task 1 43..85, task 2 86..127.
  const std::vector<std::pair<int, int>> expected = {
      {0, 43}, {43, 86}, {86, 128}};
  for (int t = 0; t < 3; ++t) {
    BOOST_TEST((exec::KeyGroupRange(t, 3, 128) == expected[size_t(t)]));
    for (int g = expected[size_t(t)].first; g < expected[size_t(t)].second; ++g)
      BOOST_TEST(exec::TaskOfKeyGroup(g, 3, 128) == t);
  }
}

// ------------------------------------------------------- output budget

namespace {

/// A trivial stateful operator: counts the rows it is given and, at each
/// watermark, emits that many rows (0, 1, ...) -- a stand-in for many
/// windows closing at once -- at most output_budget() rows per call, then
/// the watermark.
class BurstOperator : public exec::Operator {
 public:
  absl::Status AddInput(types::Batch batch) override {
    count_ += static_cast<int64_t>(batch.num_selected());
    return absl::OkStatus();
  }
  absl::Status OnWatermark(int64_t micros) override {
    owed_ = count_;
    next_ = 0;
    watermark_ = micros;
    return ContinueOutput();
  }
  bool HasPendingOutput() const override { return watermark_.has_value(); }
  absl::Status ContinueOutput() override {
    std::vector<int64_t> values;
    while (next_ < owed_ && values.size() < output_budget())
      values.push_back(next_++);
    if (!values.empty()) WEIR_RETURN_IF_ERROR(Emit(Rows(values)));
    if (next_ < owed_) return absl::OkStatus();
    const int64_t wm = *watermark_;
    watermark_.reset();
    return EmitWatermark(wm);
  }

 private:
  int64_t count_ = 0;
  int64_t owed_ = 0;
  int64_t next_ = 0;
  std::optional<int64_t> watermark_;
};

}  // namespace

/// The end of the chain: pushes into a channel, as an exchange output does.
class ChannelOutput : public exec::Operator {
 public:
  explicit ChannelOutput(exec::Channel* channel) : channel_(channel) {}
  absl::Status AddInput(types::Batch batch) override {
    Event event;
    event.batch = std::move(batch);
    channel_->Push(std::move(event));
    return absl::OkStatus();
  }
  absl::Status OnWatermark(int64_t micros) override {
    Event event;
    event.kind = EventKind::kWatermark;
    event.value = micros;
    channel_->Push(std::move(event));
    return absl::OkStatus();
  }

 private:
  exec::Channel* channel_;
};

BOOST_AUTO_TEST_CASE(a_large_emission_goes_out_over_steps_within_credit) {
  // 95 rows owed at one watermark, a budget of 10 rows per call and a
  // channel credit of 2 batches: ceil(95 / 10) = 10 calls (OnWatermark and
  // 9 ContinueOutput), each emitting one batch, the channel never holding
  // more than 2, and the watermark after the last row.
  constexpr size_t kCredit = 2, kBudget = 10;
  constexpr int64_t kOwed = 95;
  exec::Channel channel(kCredit);
  BurstOperator burst;
  ChannelOutput out(&channel);
  burst.set_downstream(&out);
  burst.set_output_budget(kBudget);
  for (int64_t i = 0; i < kOwed; i += 19) {  // 5 batches of 19 rows
    std::vector<int64_t> values(19, i);
    BOOST_REQUIRE(burst.AddInput(Rows(values)).ok());
  }
  std::vector<Event> received;
  auto take_one = [&] {
    Event event;
    BOOST_REQUIRE(channel.Pop(&event) == exec::Channel::PopResult::kEvent);
    received.push_back(std::move(event));
  };
  // The task's loop: a call only when downstream has room for a batch.
  int calls = 1;
  BOOST_REQUIRE(burst.OnWatermark(500).ok());
  while (burst.HasPendingOutput()) {
    if (!channel.HasRoom()) {
      take_one();  // the consumer frees a credit
      continue;
    }
    BOOST_REQUIRE(burst.ContinueOutput().ok());
    ++calls;
  }
  while (channel.size() > 0) take_one();
  BOOST_TEST(calls == 10);
  BOOST_TEST(channel.max_batches() <= kCredit);
  BOOST_REQUIRE_EQUAL(received.size(), 11u);  // 10 batches, 1 watermark
  std::vector<int64_t> rows;
  for (size_t e = 0; e < 10; ++e) {
    BOOST_REQUIRE(received[e].kind == EventKind::kBatch);
    BOOST_TEST(received[e].batch.num_rows() <= kBudget);
    for (size_t r = 0; r < received[e].batch.num_rows(); ++r)
      rows.push_back(received[e].batch.column(0).ints()[r]);
  }
  BOOST_REQUIRE_EQUAL(rows.size(), size_t{kOwed});
  for (int64_t i = 0; i < kOwed; ++i) BOOST_TEST(rows[size_t(i)] == i);
  BOOST_TEST((received[10].kind == EventKind::kWatermark));
  BOOST_TEST(received[10].value == 500);
}

// ------------------------------------------- the budget inside a real task

namespace {

/// 0, 1, ..., count-1 as BIGINT rows, then finished.
class CountingSource : public exec::Source {
 public:
  explicit CountingSource(int64_t count) : count_(count) {}
  absl::StatusOr<size_t> Next(types::Batch* out, size_t max_rows) override {
    size_t n = 0;
    while (next_ < count_ && n < max_rows) {
      out->AppendRow({types::Value::Bigint(next_++)});
      ++n;
    }
    return n;
  }
  bool finished() const override { return next_ >= count_; }

 private:
  int64_t count_;
  int64_t next_ = 0;
};

/// Stands for a consumer task; never submitted, so waking it does nothing.
struct IdleTask : exec::Executor::Task {
  exec::Executor::StepResult Step() override {
    return exec::Executor::StepResult::kDone;
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_source_task_drains_owed_output_within_credit) {
  // A source task over 95 rows with the BurstOperator in its chain, into an
  // exchange channel of credit 2, stepped by hand; the test takes a batch
  // from the channel whenever it is full. At the end of input the burst
  // owes 95 rows: with a budget of 10 rows (batch_rows) they must leave in
  // 10 batches, at most one per step, the channel never above its credit,
  // then the end-of-time watermark, then the end.
  using State = exec::RunningQuery::State;
  auto state = std::make_shared<State>();
  exec::Executor pool(1);
  state->executor = &pool;
  state->batch_rows = 10;
  state->clock = &exec::SystemClock();
  State::Link link;
  link.exchange = std::make_unique<exec::Exchange>(
      std::vector<int>{}, 1, 1, 2, exec::kDefaultMaxParallelism);
  state->exchanges.push_back(std::move(link));
  auto consumer = std::make_shared<IdleTask>();
  auto task =
      std::make_shared<exec::PipelineTask>(state, exec::OutputTo::kExchange);
  state->exchanges[0].producers.push_back(task.get());
  state->exchanges[0].consumers.push_back(consumer.get());
  task->source = std::make_unique<CountingSource>(95);
  task->source_schema = OneBigint();
  task->out_exchange = 0;
  task->producer = 0;
  task->ops.push_back(std::make_unique<BurstOperator>());
  task->ops.push_back(exec::MakeExchangeOutput(state.get(), task.get()));
  task->ops[0]->set_downstream(task->ops[1].get());
  state->tasks.push_back(task.get());
  state->live_tasks = 1;

  exec::Channel& channel = state->exchanges[0].exchange->channel(0, 0);
  std::vector<Event> received;
  bool at_most_one_batch_per_step = true;
  int steps = 0;
  for (; steps < 1000; ++steps) {
    const size_t before = channel.batches();
    const auto r = task->Step();
    if (channel.batches() > before + 1) at_most_one_batch_per_step = false;
    if (r == exec::Executor::StepResult::kDone) break;
    if (!channel.HasRoom()) {
      Event event;
      BOOST_REQUIRE(channel.Pop(&event) == exec::Channel::PopResult::kEvent);
      received.push_back(std::move(event));
    }
  }
  BOOST_REQUIRE(steps < 1000);
  Event event;
  while (channel.Pop(&event) == exec::Channel::PopResult::kEvent)
    received.push_back(std::move(event));
  BOOST_TEST(at_most_one_batch_per_step);
  BOOST_TEST(channel.max_batches() <= 2u);
  BOOST_REQUIRE_EQUAL(received.size(), 12u);  // 10 batches, watermark, end
  std::vector<int64_t> rows;
  for (size_t e = 0; e < 10; ++e) {
    BOOST_REQUIRE(received[e].kind == EventKind::kBatch);
    BOOST_TEST(received[e].batch.num_rows() <= 10u);
    for (size_t r = 0; r < received[e].batch.num_rows(); ++r)
      rows.push_back(received[e].batch.column(0).ints()[r]);
  }
  std::vector<int64_t> expected;
  for (int64_t i = 0; i < 95; ++i) expected.push_back(i);
  BOOST_TEST(rows == expected, boost::test_tools::per_element());
  BOOST_TEST((received[10].kind == EventKind::kWatermark));
  BOOST_TEST(received[10].value == exec::kEndOfTime);
  BOOST_TEST((received[11].kind == EventKind::kEnd));
  BOOST_TEST(received[11].value == 1);  // ended naturally
}
