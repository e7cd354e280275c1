#include "bench/nexmark/reference_consumer.h"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

namespace weir::bench {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "reference consumer: %s\n", message.c_str());
  std::exit(1);
}

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const {
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  }
};
struct ListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* m) const {
    rd_kafka_metadata_destroy(m);
  }
};
using ListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;

std::unique_ptr<rd_kafka_t, HandleDeleter> NewConsumer(
    const std::string& bootstrap, int index) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  const std::string group =
      fmt::format("weir-bench-reference-{}-{}", getpid(), index);
  for (const auto& [name, value] : {std::pair<const char*, const char*>{
                                        "bootstrap.servers", bootstrap.c_str()},
                                    {"group.id", group.c_str()},
                                    {"enable.auto.commit", "false"},
                                    {"enable.partition.eof", "false"},
                                    // As Weir's consumers (kafka_client.cc).
                                    {"fetch.wait.max.ms", "100"}}) {
    if (rd_kafka_conf_set(conf, name, value, errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      Die(fmt::format("{}: {}", name, errstr));
    }
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    Die(errstr);
  }
  return std::unique_ptr<rd_kafka_t, HandleDeleter>(rk);
}

int PartitionCount(rd_kafka_t* rk, const std::string& topic) {
  const rd_kafka_metadata_t* raw = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &raw, 10000);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    Die(fmt::format("metadata: {}", rd_kafka_err2str(err)));
  std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter> metadata(raw);
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    if (topic == metadata->topics[i].topic)
      return metadata->topics[i].partition_cnt;
  }
  Die(fmt::format("no topic '{}'", topic));
}

// Offsets of every partition of `list` at `which` (RD_KAFKA_OFFSET_BEGINNING
// or _END): one ListOffsets request per leader.
std::vector<int64_t> ListOffsets(rd_kafka_t* rk,
                                 const rd_kafka_topic_partition_list_t& list,
                                 int64_t which) {
  ListPtr query(rd_kafka_topic_partition_list_copy(&list));
  for (int i = 0; i < query->cnt; ++i) query->elems[i].offset = which;
  rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(rk, query.get(), 10000);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    Die(fmt::format("list offsets: {}", rd_kafka_err2str(err)));
  std::vector<int64_t> out;
  for (int i = 0; i < query->cnt; ++i) {
    if (query->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR)
      Die(fmt::format("list offsets of partition {}: {}",
                      query->elems[i].partition,
                      rd_kafka_err2str(query->elems[i].err)));
    out.push_back(query->elems[i].offset);
  }
  return out;
}

// Reads one record's JSON object field by field, each value by its JSON
// type, into `checksum`. Dies on malformed JSON.
class Decoder {
 public:
  void Decode(const char* data, size_t size, uint64_t* checksum) {
    if (buffer_.size() < size + simdjson::SIMDJSON_PADDING)
      buffer_.resize(2 * (size + simdjson::SIMDJSON_PADDING));
    std::memcpy(buffer_.data(), data, size);
    simdjson::ondemand::document doc;
    auto e = parser_.iterate(buffer_.data(), size, buffer_.size()).get(doc);
    simdjson::ondemand::object object;
    if (!e) e = doc.get_object().get(object);
    if (e) Die(fmt::format("bad JSON: {}", simdjson::error_message(e)));
    for (auto field : object) {
      simdjson::ondemand::value value;
      if ((e = field.value().get(value))) break;
      simdjson::ondemand::json_type type;
      if ((e = value.type().get(type))) break;
      if (type == simdjson::ondemand::json_type::number) {
        int64_t n = 0;
        if ((e = value.get_int64().get(n))) break;
        *checksum += static_cast<uint64_t>(n);
      } else if (type == simdjson::ondemand::json_type::string) {
        std::string_view s;
        if ((e = value.get_string().get(s))) break;
        *checksum += s.size();
      }
    }
    if (e) Die(fmt::format("bad JSON: {}", simdjson::error_message(e)));
  }

 private:
  simdjson::ondemand::parser parser_;
  std::vector<char> buffer_;
};

struct ThreadResult {
  Clock::time_point first{};
  Clock::time_point last{};
  int64_t records = 0;
  int64_t bytes = 0;
  uint64_t checksum = 0;
};

void ReadShare(const ReferenceOptions& options, int index,
               ThreadResult* result) {
  auto rk = NewConsumer(options.bootstrap, index);
  const int partitions = PartitionCount(rk.get(), options.topic);
  ListPtr list(rd_kafka_topic_partition_list_new(partitions));
  for (int p = index; p < partitions; p += options.threads) {
    rd_kafka_topic_partition_list_add(list.get(), options.topic.c_str(), p)
        ->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  if (list->cnt == 0) return;
  const std::vector<int64_t> low =
      ListOffsets(rk.get(), *list, RD_KAFKA_OFFSET_BEGINNING);
  const std::vector<int64_t> high =
      ListOffsets(rk.get(), *list, RD_KAFKA_OFFSET_END);
  int64_t expected = 0;
  for (size_t i = 0; i < low.size(); ++i) {
    expected += high[i] - low[i];
    // Concrete offsets, as Weir's consumer assigns them: librdkafka would
    // look a logical one up again, 500 ms later for a partition whose
    // leader its broker thread has not taken on yet.
    list->elems[i].offset = low[i];
  }
  rd_kafka_resp_err_t err = rd_kafka_assign(rk.get(), list.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    Die(fmt::format("assign: {}", rd_kafka_err2str(err)));
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue(
      rd_kafka_queue_get_consumer(rk.get()));
  Decoder decoder;
  std::vector<rd_kafka_message_t*> messages(1024);
  auto last_progress = Clock::now();
  while (result->records < expected) {
    // The call returns when it has all it asked for (or after 100 ms): so
    // never more than what is left.
    const size_t want = static_cast<size_t>(std::min<int64_t>(
        static_cast<int64_t>(messages.size()), expected - result->records));
    const ssize_t n =
        rd_kafka_consume_batch_queue(queue.get(), 100, messages.data(), want);
    if (n < 0) Die("consume_batch_queue failed");
    const auto now = Clock::now();
    if (n == 0 && now - last_progress > std::chrono::seconds(60))
      Die(fmt::format("nothing for 60 s after {} of {} records",
                      result->records, expected));
    for (ssize_t i = 0; i < n; ++i) {
      rd_kafka_message_t* m = messages[static_cast<size_t>(i)];
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        Die(fmt::format("partition {}: {}", m->partition,
                        rd_kafka_message_errstr(m)));
      }
      if (result->records++ == 0) result->first = now;
      result->bytes += static_cast<int64_t>(m->len);
      if (options.decode) {
        decoder.Decode(static_cast<const char*>(m->payload), m->len,
                       &result->checksum);
      } else if (m->len > 0) {
        result->checksum += static_cast<const unsigned char*>(m->payload)[0];
      }
      rd_kafka_message_destroy(m);
    }
    if (n > 0) last_progress = now;
  }
  result->last = Clock::now();
}

}  // namespace

ReferenceResult RunReferenceConsumers(const ReferenceOptions& options) {
  const auto start = Clock::now();
  std::vector<ThreadResult> results(static_cast<size_t>(options.threads));
  std::vector<std::thread> threads;
  for (int i = 0; i < options.threads; ++i) {
    threads.emplace_back(ReadShare, std::cref(options), i,
                         &results[static_cast<size_t>(i)]);
  }
  for (std::thread& t : threads) t.join();
  ReferenceResult out;
  Clock::time_point first = Clock::time_point::max();
  Clock::time_point last = start;
  for (const ThreadResult& r : results) {
    if (r.records == 0) continue;
    first = std::min(first, r.first);
    last = std::max(last, r.last);
    out.records += r.records;
    out.bytes += r.bytes;
    out.checksum += r.checksum;
  }
  auto seconds = [start](Clock::time_point t) {
    return std::chrono::duration<double>(t - start).count();
  };
  out.first_record = out.records > 0 ? seconds(first) : 0;
  out.total = seconds(last);
  return out;
}

}  // namespace weir::bench
