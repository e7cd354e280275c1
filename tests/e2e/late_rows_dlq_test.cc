// Late rows to the dead-letter topic ('late-rows' = 'dlq') on the embedded
// broker: a TUMBLE, a HOP and a SESSION aggregate over a hand-made topic with
// rows late by known amounts. The late rows are worked out in the test from the
// row times and the watermark (a plain rule, not the engine's code); the
// DLQ topic must hold exactly those rows with their offsets, SHOW QUERIES
// must count them, and the query's output (folded here the same plain way
// over the rows that are not late) must leave them out.
#define BOOST_TEST_MODULE late_rows_dlq_test
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_client.h"
#include "connectors/registry.h"
#include "engine/session/session.h"

using namespace weir;
namespace kafka = weir::connectors::kafka;

namespace {

struct Run {
  std::string error;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};

Run Execute(Session& s, const std::string& sql) {
  Run run;
  absl::Status st = s.ExecuteScript(sql, [&](const StatementResult& r) {
    if (!r.columns.empty()) {
      run.columns = r.columns;
      run.rows = r.rows;
    }
  });
  run.error = st.ok() ? "" : std::string(st.message());
  return run;
}

std::unique_ptr<Session> OnlineSession() {
  auto s =
      Session::Create({.connect_to_sources = true,
                       .connectors = weir::connectors::BuiltinConnectors()});
  BOOST_REQUIRE(s.ok());
  return std::move(*s);
}

/// The query's "late rows" in SHOW QUERIES.
std::string LateRowsShown(Session& s) {
  Run r = Execute(s, "SHOW QUERIES;");
  if (!r.error.empty() || r.rows.empty()) return "";
  for (size_t c = 0; c < r.columns.size(); ++c) {
    if (r.columns[c] == "late rows") return r.rows[0][c];
  }
  return "";
}

/// Writes `values` to partition 0 of `topic`, in order, and waits for them.
void Produce(const std::string& bootstrap, const std::string& topic,
             const std::vector<std::string>& values) {
  auto producer =
      kafka::KafkaProducer::Create({{"bootstrap.servers", bootstrap}});
  BOOST_REQUIRE(producer.ok());
  for (const std::string& v : values)
    BOOST_REQUIRE((*producer)->Produce(topic, 0, std::nullopt, v).ok());
  BOOST_REQUIRE((*producer)->Flush(std::chrono::seconds(30)).ok());
}

/// A reader of partition 0 of a topic from its start, which keeps what it
/// read: each Read waits (up to 60 s) until `total` records came in all.
class TopicReader {
 public:
  TopicReader(const std::string& bootstrap, const std::string& topic) {
    auto consumer =
        kafka::KafkaConsumer::Create({{"bootstrap.servers", bootstrap}});
    BOOST_REQUIRE(consumer.ok());
    consumer_ = std::move(*consumer);
    BOOST_REQUIRE(consumer_->Assign(topic, {0}, kafka::StartOffset{}).ok());
  }
  const std::vector<kafka::KafkaMessage>& Read(size_t total) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (got_.size() < total && std::chrono::steady_clock::now() < deadline)
      Poll(std::chrono::milliseconds(100));
    // Anything beyond `total` that is already on its way.
    Poll(std::chrono::milliseconds(300));
    return got_;
  }

 private:
  void Poll(std::chrono::milliseconds wait) {
    auto polled = consumer_->Poll(1000, wait);
    BOOST_REQUIRE_MESSAGE(polled.ok(), polled.status().message());
    for (auto& m : *polled) got_.push_back(std::move(m));
  }
  std::unique_ptr<kafka::KafkaConsumer> consumer_;
  std::vector<kafka::KafkaMessage> got_;
};

/// One hand-made row: its key, its time in seconds after 2026-01-01
/// 00:00:00, and (once written) its offset in the single partition.
struct Ev {
  int64_t k = 0;
  int64_t sec = 0;
  int64_t offset = -1;
};

std::string Ts(int64_t sec) {
  // A HOP window may start before the day.
  const char* day = sec < 0 ? "2025-12-31" : "2026-01-01";
  if (sec < 0) sec += 86400;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s %02lld:%02lld:%02lld", day,
                static_cast<long long>(sec / 3600),
                static_cast<long long>(sec / 60 % 60),
                static_cast<long long>(sec % 60));
  return buf;
}

std::string Json(const Ev& e) {
  return nlohmann::json{{"k", e.k}, {"ts", Ts(e.sec)}}.dump();
}

/// Appends `rows` to the topic, numbering their offsets after `*next`.
void Write(const std::string& bootstrap, std::vector<Ev>& rows, int64_t* next) {
  std::vector<std::string> values;
  for (Ev& e : rows) {
    e.offset = (*next)++;
    values.push_back(Json(e));
  }
  Produce(bootstrap, "ev", values);
}

/// "offset k ts" of each record of the DLQ, from its weir.source header
/// and its JSON value; checks the headers a malformed record also has.
std::multiset<std::string> DeadLetters(
    const std::vector<kafka::KafkaMessage>& got) {
  std::multiset<std::string> out;
  for (const kafka::KafkaMessage& m : got) {
    std::string source, error;
    for (const auto& h : m.headers) {
      if (h.key == "weir.source") source = h.value.value_or("");
      if (h.key == "weir.error") error = h.value.value_or("");
    }
    BOOST_TEST(error.rfind("late row: ", 0) == 0, error);
    long long offset = -1;
    int partition = -1;
    BOOST_TEST(
        std::sscanf(source.c_str(), "topic 'ev' partition %d offset %lld",
                    &partition, &offset) == 2,
        source);
    BOOST_TEST(partition == 0);
    BOOST_REQUIRE(m.value.has_value());
    const auto row = nlohmann::json::parse(*m.value);
    out.insert(std::to_string(offset) + " " + row.at("k").dump() + " " +
               row.at("ts").get<std::string>().substr(0, 19));
  }
  return out;
}

std::string Expected(const Ev& e) {
  return std::to_string(e.offset) + " " + std::to_string(e.k) + " " + Ts(e.sec);
}

/// "k start end n" of each result record of the sink.
std::multiset<std::string> Results(
    const std::vector<kafka::KafkaMessage>& got) {
  std::multiset<std::string> out;
  for (const kafka::KafkaMessage& m : got) {
    BOOST_REQUIRE(m.value.has_value());
    const auto row = nlohmann::json::parse(*m.value);
    out.insert(row.value("k", nlohmann::json(0)).dump() + " " +
               row.at("window_start").get<std::string>().substr(0, 19) + " " +
               row.at("window_end").get<std::string>().substr(0, 19) + " " +
               row.at("n").dump());
  }
  return out;
}

std::string Result(int64_t k, int64_t start, int64_t end, int64_t n) {
  return std::to_string(k) + " " + Ts(start) + " " + Ts(end) + " " +
         std::to_string(n);
}

constexpr int64_t kDelay = 2;     // WATERMARK FOR ts AS ts - 2 s
constexpr int64_t kLateness = 3;  // ALLOWED LATENESS 3 s

std::string CreateStream(const std::string& bootstrap) {
  return "SET 'bootstrap.servers' = '" + bootstrap +
         "'; SET 'parallelism' = '1'; CREATE STREAM ev (k BIGINT, ts "
         "TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '2' SECOND) WITH "
         "(connector = 'kafka', topic = 'ev', format = 'json', late-rows = "
         "'dlq');";
}

/// The windows [start, end) of a row at `sec`.
using WindowsOf = std::vector<std::pair<int64_t, int64_t>> (*)(int64_t sec);

/// Runs `window` (a window table function over ev, by ts) under a COUNT
/// per window with ALLOWED LATENESS 3 s, into a sink, over rows in three
/// phases, and checks the DLQ, SHOW QUERIES and the output against a plain
/// fold over `windows_of`.
void CheckWindowed(const std::string& window, WindowsOf windows_of) {
  auto broker = kafka::EmbeddedBroker::Start();
  BOOST_REQUIRE(broker.ok());
  BOOST_REQUIRE((*broker)->CreateTopic("ev", 1).ok());
  BOOST_REQUIRE((*broker)->CreateTopic("ev.dlq", 1).ok());
  BOOST_REQUIRE((*broker)->CreateTopic("counts", 1).ok());
  const std::string bootstrap = (*broker)->bootstrap_servers();
  // window -> rows in it, folded as rows come; a row adds to the windows
  // still open when it arrives (end + lateness after the watermark).
  std::map<std::pair<int64_t, int64_t>, int64_t> fold;
  auto add = [&](const std::vector<Ev>& rows, int64_t watermark) {
    for (const Ev& e : rows) {
      for (const auto& w : windows_of(e.sec)) {
        if (w.second + kLateness > watermark) ++fold[w];
      }
    }
  };
  auto closed_at = [&](int64_t watermark) {
    std::multiset<std::string> out;
    for (const auto& [w, n] : fold) {
      if (w.second + kLateness <= watermark)
        out.insert(Result(0, w.first, w.second, n));
    }
    return out;
  };

  // Phase 1, in time order (nothing late), moves the watermark to 31 s.
  int64_t next = 0;
  std::vector<Ev> first = {{1, 1}, {2, 4}, {1, 12}, {1, 15}, {2, 33}};
  Write(bootstrap, first, &next);
  auto s = OnlineSession();
  Run r =
      Execute(*s, CreateStream(bootstrap) +
                      "CREATE SINK counts WITH (connector = 'kafka', topic = "
                      "'counts', format = 'json') AS SELECT window_start, "
                      "window_end, COUNT(*) AS n FROM " +
                      window +
                      " GROUP BY window_start, window_end EMIT ON WINDOW CLOSE "
                      "ALLOWED LATENESS INTERVAL '3' SECOND;");
  BOOST_REQUIRE_EQUAL(r.error, "");
  int64_t watermark = 0;
  for (const Ev& e : first) watermark = std::max(watermark, e.sec - kDelay);
  add(first, INT64_MIN);
  // The windows closed by then are out, so the watermark reached the
  // window operator (which runs before the aggregate).
  const size_t closed = closed_at(watermark).size();
  TopicReader counts(bootstrap, "counts");
  BOOST_REQUIRE_EQUAL(counts.Read(closed).size(), closed);

  // Phase 2: none later than 33 s, so the watermark stays; a row is late
  // when its last window ends at or before the watermark less the
  // lateness.
  std::vector<Ev> second = {{3, 5},  {3, 19}, {3, 21}, {3, 29}, {3, 9},
                            {3, 30}, {3, 27}, {3, 18}, {3, 24}, {3, 2}};
  Write(bootstrap, second, &next);
  std::multiset<std::string> late;
  for (const Ev& e : second) {
    if (windows_of(e.sec).back().second + kLateness <= watermark)
      late.insert(Expected(e));
  }
  add(second, watermark);
  BOOST_REQUIRE_GE(late.size(), 3u);
  TopicReader dlq(bootstrap, "ev.dlq");
  BOOST_TEST((DeadLetters(dlq.Read(late.size())) == late));
  BOOST_TEST(LateRowsShown(*s) == std::to_string(late.size()));

  // Phase 3 closes every window up to 100 s: the output counts only the
  // rows that were not late, in the windows open when they came.
  std::vector<Ev> third = {{4, 120}};
  Write(bootstrap, third, &next);
  const std::multiset<std::string> expected = closed_at(120 - kDelay);
  BOOST_TEST((Results(counts.Read(expected.size())) == expected));
  Execute(*s, "TERMINATE q1;");
}

int64_t FloorTo(int64_t sec, int64_t unit) {
  return (sec >= 0 ? sec : sec - unit + 1) / unit * unit;
}

}  // namespace

BOOST_AUTO_TEST_CASE(late_rows_of_a_tumble_go_to_the_dlq_with_their_offsets) {
  CheckWindowed("TUMBLE(ev, ts, INTERVAL '10' SECOND)", [](int64_t sec) {
    const int64_t start = FloorTo(sec, 10);
    return std::vector<std::pair<int64_t, int64_t>>{{start, start + 10}};
  });
}

BOOST_AUTO_TEST_CASE(late_rows_of_a_hop_go_to_the_dlq_with_their_offsets) {
  // Size 10 s every 5 s: two windows per row; a row with one closed keeps
  // the other, and is late only when both are closed.
  CheckWindowed("HOP(ev, ts, INTERVAL '5' SECOND, INTERVAL '10' SECOND)",
                [](int64_t sec) {
                  const int64_t last = FloorTo(sec, 5);
                  return std::vector<std::pair<int64_t, int64_t>>{
                      {last - 5, last + 5}, {last, last + 10}};
                });
}

BOOST_AUTO_TEST_CASE(late_rows_of_a_session_go_to_the_dlq_with_their_offsets) {
  auto broker = kafka::EmbeddedBroker::Start();
  BOOST_REQUIRE(broker.ok());
  BOOST_REQUIRE((*broker)->CreateTopic("ev", 1).ok());
  BOOST_REQUIRE((*broker)->CreateTopic("ev.dlq", 1).ok());
  BOOST_REQUIRE((*broker)->CreateTopic("sessions", 1).ok());
  const std::string bootstrap = (*broker)->bootstrap_servers();
  constexpr int64_t kGap = 5;  // SESSION gap 5 s

  // Sessions of the rows that are not late, per key: [first, last + gap)
  // over times less than the gap apart; those closed at `watermark`.
  auto sessions = [&](const std::vector<Ev>& rows, int64_t watermark) {
    std::map<int64_t, std::multiset<int64_t>> times;
    for (const Ev& e : rows) times[e.k].insert(e.sec);
    std::multiset<std::string> out;
    for (const auto& entry : times) {
      const int64_t k = entry.first;  // clang 14 cannot capture a binding
      const std::multiset<int64_t>& ts = entry.second;
      int64_t start = *ts.begin(), last = start, n = 0;
      auto close = [&] {
        if (last + kGap + kLateness <= watermark)
          out.insert(Result(k, start, last + kGap, n));
      };
      for (int64_t t : ts) {
        if (t - last >= kGap) {
          close();
          start = t;
          n = 0;
        }
        last = t;
        ++n;
      }
      close();
    }
    return out;
  };

  int64_t next = 0;
  std::vector<Ev> first = {{1, 1}, {1, 3}, {2, 10}, {1, 20}, {2, 24}, {1, 40}};
  Write(bootstrap, first, &next);
  auto s = OnlineSession();
  Run r = Execute(
      *s, CreateStream(bootstrap) +
              "CREATE SINK sessions WITH (connector = 'kafka', topic = "
              "'sessions', format = 'json') AS SELECT k, window_start, "
              "window_end, COUNT(*) AS n FROM SESSION(ev, ts, INTERVAL '5' "
              "SECOND) GROUP BY k, window_start, window_end EMIT ON WINDOW "
              "CLOSE ALLOWED LATENESS INTERVAL '3' SECOND;");
  BOOST_REQUIRE_EQUAL(r.error, "");
  int64_t watermark = 0;
  for (const Ev& e : first) watermark = std::max(watermark, e.sec - kDelay);
  // The sessions closed by then are out: the session operator has seen
  // the watermark.
  const std::multiset<std::string> closed = sessions(first, watermark);
  BOOST_REQUIRE_EQUAL(closed.size(), 4u);
  TopicReader out(bootstrap, "sessions");
  BOOST_REQUIRE_EQUAL(out.Read(closed.size()).size(), closed.size());

  // Phase 2, none later than 40 s: a row is late when its time is below
  // the watermark less the lateness.
  std::vector<Ev> second = {{1, 2},  {2, 34}, {2, 35}, {1, 37},
                            {2, 12}, {1, 36}, {3, 30}, {3, 38}};
  Write(bootstrap, second, &next);
  std::multiset<std::string> late;
  std::vector<Ev> kept = first;
  for (const Ev& e : second) {
    if (e.sec < watermark - kLateness) {
      late.insert(Expected(e));
    } else {
      kept.push_back(e);
    }
  }
  BOOST_REQUIRE_EQUAL(late.size(), 4u);  // 2, 34, 12 and 30
  TopicReader dlq(bootstrap, "ev.dlq");
  BOOST_TEST((DeadLetters(dlq.Read(late.size())) == late));
  BOOST_TEST(LateRowsShown(*s) == std::to_string(late.size()));

  // Phase 3 closes every session before 100 s.
  std::vector<Ev> third = {{9, 120}};
  Write(bootstrap, third, &next);
  const std::multiset<std::string> expected = sessions(kept, 120 - kDelay);
  BOOST_TEST((Results(out.Read(expected.size())) == expected));
  Execute(*s, "TERMINATE q1;");
}

BOOST_AUTO_TEST_CASE(late_rows_dlq_is_refused_where_there_is_no_dlq) {
  auto s = OnlineSession();
  Run r = Execute(*s,
                  "CREATE STREAM g (id BIGINT) WITH (connector = 'datagen', "
                  "late-rows = 'dlq');");
  BOOST_TEST(
      r.error.find("option 'late-rows' = 'dlq' needs a dead-letter topic, "
                   "which connector 'datagen' does not have") !=
          std::string::npos,
      r.error);
  r = Execute(*s,
              "CREATE STREAM g (id BIGINT) WITH (connector = 'datagen', "
              "late-rows = 'later');");
  BOOST_TEST(
      r.error.find("must be 'drop' or 'dlq', got 'later'") != std::string::npos,
      r.error);
  r = Execute(*s,
              "CREATE STREAM g (id BIGINT) WITH (connector = 'datagen', "
              "late-rows = 'drop');");
  BOOST_TEST(r.error == "");
}
