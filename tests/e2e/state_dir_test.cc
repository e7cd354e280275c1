// Where the `weir` binary keeps the state of persistent queries when
// 'state.dir' is not set (docs/state-and-recovery.md): the shell and -f
// keep it under $XDG_DATA_HOME/weir/state when everything the query reads
// and writes outlives the process, so running the same statements again
// resumes; a query over the embedded broker, and every query of `weir -e`,
// keeps it in a temporary directory. Each run here gets a fresh
// XDG_DATA_HOME and HOME (or the same one again to resume), never the
// real ones. The output topics live in a broker held by the test, so they
// outlive each weir process; the rows they hold are compared with the
// generator's rows computed here.
#define BOOST_TEST_MODULE state_dir_test
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "connectors/generators/nexmark.h"
#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_client.h"
#include "tests/e2e/read_topic.h"
#include "tests/unit/plan_test_util.h"
#include "tests/unit/run_weir.h"

using namespace weir;
namespace fs = std::filesystem;
namespace kafka = weir::connectors::kafka;
namespace gen = weir::connectors::generators;

namespace {

constexpr int64_t kEvents = 20000;
constexpr int64_t kEventsPerSecond = 200000;

/// (auction, price) of every bid the script's stream generates, in a
/// multiset, and COUNT(*) per auction: a plain fold, written here.
struct Expected {
  std::map<std::pair<int64_t, int64_t>, int64_t> bids;
  std::map<int64_t, int64_t> per_auction;
  size_t rows = 0;
};

Expected Fold() {
  gen::NexmarkOptions options;
  options.max_events = kEvents;
  options.events_per_second = kEventsPerSecond;
  const types::Schema schema(
      gen::NexmarkStandardFields(gen::NexmarkTable::kBid));
  const size_t auction = *schema.IndexOf("auction");
  const size_t price = *schema.IndexOf("price");
  Expected e;
  test::ForEachNexmarkBid(options, [&](const types::Batch& b, size_t r) {
    const int64_t a = b.column(auction).ints()[r];
    ++e.bids[{a, b.column(price).ints()[r]}];
    ++e.per_auction[a];
    ++e.rows;
  });
  return e;
}

/// The statements: a bounded nexmark stream copied to topic `prefix`copy
/// and counted per auction into `prefix`counts, both on `bootstrap`
/// (empty: the embedded broker of the weir process).
std::string Script(const std::string& bootstrap, const std::string& prefix) {
  std::string script;
  if (!bootstrap.empty()) {
    script += "SET 'bootstrap.servers' = '" + bootstrap + "';\n";
  }
  script +=
      "CREATE STREAM bids (auction BIGINT NOT NULL, price BIGINT NOT NULL) "
      "WITH (connector = 'nexmark', table = 'bid', max-events = " +
      std::to_string(kEvents) +
      ", events-per-second = " + std::to_string(kEventsPerSecond) +
      ");\n"
      "CREATE SINK copy WITH (connector = 'kafka', topic = '" +
      prefix +
      "copy') AS SELECT auction, price FROM bids;\n"
      "CREATE SINK counts WITH (connector = 'kafka', topic = '" +
      prefix +
      "counts') AS SELECT auction, COUNT(*) AS n FROM bids GROUP BY "
      "auction;\n"
      "SHOW QUERIES;\n"
      "SHOW PROPERTIES;\n";
  return script;
}

/// Every record of `topic` (partition 0 of 1), from the start; weir has
/// exited, so what is there is all there is.
std::vector<kafka::KafkaMessage> ReadAll(const std::string& bootstrap,
                                         const std::string& topic,
                                         size_t at_least) {
  return testing::ReadWhatIsThere(bootstrap, topic, 1, at_least);
}

/// The bids of the copy topic, as the fold counts them.
std::map<std::pair<int64_t, int64_t>, int64_t> Bids(
    const std::vector<kafka::KafkaMessage>& messages) {
  std::map<std::pair<int64_t, int64_t>, int64_t> bids;
  for (const auto& m : messages) {
    const auto v = nlohmann::json::parse(m.value.value_or("{}"));
    ++bids[{v.at("auction").get<int64_t>(), v.at("price").get<int64_t>()}];
  }
  return bids;
}

/// The last COUNT per auction of the counts topic (an upsert stream).
std::map<int64_t, int64_t> LastCounts(
    const std::vector<kafka::KafkaMessage>& messages) {
  std::map<int64_t, int64_t> counts;
  for (const auto& m : messages) {
    const auto v = nlohmann::json::parse(m.value.value_or("{}"));
    counts[v.at("auction").get<int64_t>()] = v.at("n").get<int64_t>();
  }
  return counts;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// The permission bits of `path`.
unsigned Mode(const fs::path& path) {
  struct stat st {};
  BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

/// Everything under `dir` (relative paths), for messages.
std::vector<std::string> Tree(const fs::path& dir) {
  std::vector<std::string> paths;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return paths;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    paths.push_back(fs::relative(e.path(), dir).string());
  }
  return paths;
}

/// A fresh HOME and XDG_DATA_HOME (missing: the shell creates what it
/// needs), removed at the end.
struct Homes {
  Homes() : root(testing::MakeTempDir()) {
    fs::create_directory(root + "/home");
  }
  ~Homes() { fs::remove_all(root); }
  std::vector<std::string> env() const {
    return {"HOME=" + root + "/home", "XDG_DATA_HOME=" + data()};
  }
  std::string data() const { return root + "/data"; }
  fs::path state() const { return fs::path(data()) / "weir" / "state"; }
  std::string root;
};

}  // namespace

// The shell's script (-f) keeps the state under XDG_DATA_HOME (created
// 0700) and says so; run again it resumes at the end of its bounded input
// and writes nothing: each bid is in the copy topic exactly once, and the
// counts' last rows equal the fold. DROP ... IF EXISTS removes the kept
// state.
BOOST_AUTO_TEST_CASE(the_shell_keeps_state_and_a_second_run_resumes) {
  const Expected expected = Fold();
  auto broker = kafka::EmbeddedBroker::Start();
  BOOST_REQUIRE_MESSAGE(broker.ok(), broker.status().message());
  const std::string bootstrap = (*broker)->bootstrap_servers();
  BOOST_REQUIRE((*broker)->CreateTopic("kept_copy", 1).ok());
  BOOST_REQUIRE((*broker)->CreateTopic("kept_counts", 1).ok());
  const Homes homes;
  const std::string script = Script(bootstrap, "kept_");

  const testing::WeirRun first =
      testing::RunWeir({"-f", "-"}, script, homes.env());
  BOOST_REQUIRE_EQUAL(first.exit_code, 0);
  const fs::path copy_dir = homes.state() / "copy";
  BOOST_TEST(Contains(first.out, "The state of 'copy' is kept in '" +
                                     copy_dir.string() +
                                     "': running this statement again "
                                     "resumes it."),
             first.out);
  BOOST_TEST(!Contains(first.out, "resumed from"), first.out);
  // SHOW PROPERTIES names the default.
  BOOST_TEST(Contains(first.out, homes.state().string()), first.out);
  BOOST_TEST(Contains(first.out, "weir default"), first.out);
  // Created private, with the query's commit record.
  BOOST_TEST(fs::exists(copy_dir / "COMMIT"));
  BOOST_TEST(fs::exists(homes.state() / "counts" / "COMMIT"));
  for (const fs::path& created :
       {fs::path(homes.data()), fs::path(homes.data()) / "weir",
        homes.state()}) {
    BOOST_TEST(Mode(created) == 0700u, created);
  }
  const auto copy = ReadAll(bootstrap, "kept_copy", expected.rows);
  BOOST_TEST(copy.size() == expected.rows);
  BOOST_TEST((Bids(copy) == expected.bids));
  const auto counts =
      ReadAll(bootstrap, "kept_counts", expected.per_auction.size());
  BOOST_TEST((LastCounts(counts) == expected.per_auction));

  // The same statements again: both queries resume from their final
  // checkpoints, and nothing more is written.
  const testing::WeirRun second =
      testing::RunWeir({"-f", "-"}, script, homes.env());
  BOOST_REQUIRE_EQUAL(second.exit_code, 0);
  BOOST_TEST(Contains(second.out, "The state of 'copy' is kept in '" +
                                      copy_dir.string() +
                                      "': resumed from checkpoint"),
             second.out);
  // SHOW QUERIES' checkpoint column, for each query.
  size_t resumed = 0;
  for (size_t at = second.out.find("resumed from "); at != std::string::npos;
       at = second.out.find("resumed from ", at + 1)) {
    ++resumed;
  }
  BOOST_TEST(resumed >= 4u, second.out);  // 2 notes, 2 SHOW QUERIES rows
  const auto copy_again = ReadAll(bootstrap, "kept_copy", copy.size());
  BOOST_TEST(copy_again.size() == expected.rows);
  BOOST_TEST((Bids(copy_again) == expected.bids));
  BOOST_TEST(ReadAll(bootstrap, "kept_counts", counts.size()).size() ==
             counts.size());

  // Starting afresh: DROP removes the kept state.
  const testing::WeirRun dropped =
      testing::RunWeir({"-f", "-"}, "DROP SINK IF EXISTS copy;\n", homes.env());
  BOOST_REQUIRE_EQUAL(dropped.exit_code, 0);
  BOOST_TEST(Contains(dropped.out, "Removed the query state of 'copy'."),
             dropped.out);
  BOOST_TEST(!fs::exists(copy_dir));
  BOOST_TEST(fs::exists(homes.state() / "counts"));
}

// A query over the embedded broker of the weir process (its input, or
// its output) keeps nothing: that broker's topics end with the process, so
// resuming would skip the next run's input. Run twice, neither run
// resumes, and nothing is left under XDG_DATA_HOME's state directory.
BOOST_AUTO_TEST_CASE(queries_over_the_embedded_broker_do_not_resume) {
  const Homes homes;
  // A generator (which outlives the process) into the embedded broker;
  // then a topic of the embedded broker into another one, stopped by
  // TERMINATE as its input never ends.
  const std::string script =
      Script("", "emb_") +
      "CREATE STREAM src (v BIGINT) WITH (connector = 'kafka', topic = "
      "'src');\n"
      "INSERT INTO src VALUES (1), (2), (3);\n"
      "CREATE SINK out WITH (connector = 'kafka', topic = 'out') AS SELECT v "
      "FROM src;\n"
      "SHOW QUERIES;\n"
      "TERMINATE ALL;\n";
  for (int run = 0; run < 2; ++run) {
    const testing::WeirRun r =
        testing::RunWeir({"-f", "-"}, script, homes.env());
    BOOST_REQUIRE_EQUAL(r.exit_code, 0);
    BOOST_TEST(Contains(r.out,
                        "The state of 'copy' is not kept (SET 'state.dir' "
                        "to keep it): it writes to 'copy': topic 'emb_copy' "
                        "is on the embedded Kafka broker, which ends with "
                        "this process."),
               r.out);
    BOOST_TEST(Contains(r.out,
                        "The state of 'out' is not kept (SET 'state.dir' to "
                        "keep it): it reads 'src': topic 'src' is on the "
                        "embedded Kafka broker, which ends with this "
                        "process."),
               r.out);
    BOOST_TEST(!Contains(r.out, "resumed from"), r.out);
    const std::vector<std::string> left = Tree(homes.state());
    BOOST_TEST(left.empty(),
               "left under the state directory: " << left.size() << " paths");
  }
}

// `weir -e` is a one-off: the same durable queries keep their state in a
// temporary directory, and nothing is written under XDG_DATA_HOME. SHOW
// PROPERTIES shows no default state.dir there.
BOOST_AUTO_TEST_CASE(weir_e_leaves_nothing_under_the_data_home) {
  const Expected expected = Fold();
  auto broker = kafka::EmbeddedBroker::Start();
  BOOST_REQUIRE_MESSAGE(broker.ok(), broker.status().message());
  const std::string bootstrap = (*broker)->bootstrap_servers();
  BOOST_REQUIRE((*broker)->CreateTopic("once_copy", 1).ok());
  BOOST_REQUIRE((*broker)->CreateTopic("once_counts", 1).ok());
  const Homes homes;
  const std::string script = Script(bootstrap, "once_");
  for (int run = 0; run < 2; ++run) {
    const testing::WeirRun r =
        testing::RunWeir({"-e", script}, "", homes.env());
    BOOST_REQUIRE_EQUAL(r.exit_code, 0);
    BOOST_TEST(!Contains(r.out, "The state of"), r.out);
    BOOST_TEST(!Contains(r.out, "resumed from"), r.out);
    BOOST_TEST(!Contains(r.out, "weir default"), r.out);
    BOOST_TEST(!fs::exists(homes.data()),
               "XDG_DATA_HOME holds " << Tree(homes.data()).size() << " paths");
  }
  // Not resumed: the second run wrote every bid again.
  const auto copy = ReadAll(bootstrap, "once_copy", 2 * expected.rows);
  BOOST_TEST(copy.size() == 2 * expected.rows);
}
