#pragma once

// For tests that copy records {"id": N} through Weir: how often each id
// occurs in a topic, read with Weir's own Kafka consumer (not through a
// query), so a test counts its output independently of the engine.

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "connectors/kafka/kafka_client.h"
#include "tests/e2e/read_topic.h"

namespace weir::testing {

/// Reads every partition of `topic` from the start until `distinct` ids
/// were seen or `limit` passed, then for `settle` more (to catch extra
/// copies); returns id -> occurrences.
inline std::map<int64_t, int> ReadIds(
    const std::string& bootstrap, const std::string& topic, int partitions,
    size_t distinct, std::chrono::milliseconds settle,
    std::chrono::seconds limit = std::chrono::seconds(120)) {
  auto consumer = ConsumeAll(bootstrap, topic, partitions);
  std::map<int64_t, int> seen;
  auto poll = [&] {
    auto polled = consumer->Poll(10000, std::chrono::milliseconds(100));
    BOOST_REQUIRE_MESSAGE(polled.ok(), polled.status().message());
    for (const auto& m : *polled) {
      ++seen[nlohmann::json::parse(m.value.value_or("{}"))
                 .at("id")
                 .get<int64_t>()];
    }
  };
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (seen.size() < distinct && std::chrono::steady_clock::now() < deadline)
    poll();
  auto settle_end = std::chrono::steady_clock::now() + settle;
  while (std::chrono::steady_clock::now() < settle_end) poll();
  return seen;
}

}  // namespace weir::testing
