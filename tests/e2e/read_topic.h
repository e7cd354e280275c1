#pragma once

// Reading back what Weir wrote to a topic, with Weir's own Kafka consumer
// (not through a query), so a test counts its output independently of the
// engine.

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "connectors/kafka/kafka_client.h"

namespace weir::testing {

/// A consumer of every partition (0..partitions-1) of `topic`, from the
/// start.
inline std::unique_ptr<connectors::kafka::KafkaConsumer> ConsumeAll(
    const std::string& bootstrap, const std::string& topic, int partitions) {
  namespace kafka = connectors::kafka;
  auto consumer =
      kafka::KafkaConsumer::Create({{"bootstrap.servers", bootstrap}});
  BOOST_REQUIRE_MESSAGE(consumer.ok(), consumer.status().message());
  std::vector<int32_t> all;
  for (int p = 0; p < partitions; ++p) all.push_back(p);
  BOOST_REQUIRE((*consumer)->Assign(topic, all, kafka::StartOffset{}).ok());
  return std::move(*consumer);
}

/// Every record of `topic` (partitions 0..partitions-1), from the start.
/// The writers are gone, so what is there is all there is: polls until at
/// least `at_least` records arrived and then 2 s pass with none (a minute
/// with nothing gives up). Fails when the embedded broker dropped a
/// partition's first records (it keeps each partition's last 5 MiB only),
/// which would read as lost rows.
inline std::vector<connectors::kafka::KafkaMessage> ReadWhatIsThere(
    const std::string& bootstrap, const std::string& topic, int partitions,
    size_t at_least) {
  namespace kafka = connectors::kafka;
  auto consumer = ConsumeAll(bootstrap, topic, partitions);
  std::vector<kafka::KafkaMessage> out;
  int empty_polls = 0;
  while (out.size() < at_least || empty_polls < 20) {
    auto polled = consumer->Poll(10000, std::chrono::milliseconds(100));
    BOOST_REQUIRE_MESSAGE(polled.ok(), polled.status().message());
    if (polled->empty()) {
      if (++empty_polls > 600) break;
      continue;
    }
    empty_polls = 0;
    for (auto& m : *polled) out.push_back(std::move(m));
  }
  std::map<int32_t, int64_t> first;
  for (const auto& m : out) first.emplace(m.partition, m.offset);
  for (const auto& [p, offset] : first) {
    BOOST_REQUIRE_MESSAGE(offset == 0, "the embedded broker dropped the first "
                                           << offset << " records of " << topic
                                           << " partition " << p
                                           << ": spread the topic wider");
  }
  return out;
}

}  // namespace weir::testing
