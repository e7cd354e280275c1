// Decode throughput of Weir's JSON decoder on Nexmark bid records, as a
// ratio to simdjson's own On-Demand iteration over the same records that
// reads every field without storing it (the floor any simdjson-based
// decoder pays). Both run in this process on the same bytes.
//
//   formats_bench [records=200000] [rounds=7] [decode-only]
//
// Prints the best round of each variant: records/s, MB/s, and the ratio.

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "connectors/formats/format.h"
#include "engine/types/batch.h"

namespace {

using weir::types::Batch;
using weir::types::Field;
using weir::types::LogicalType;
using weir::types::Schema;

struct Records {
  std::string bytes;  // records back to back, each followed by padding
  std::vector<std::pair<size_t, size_t>> spans;  // offset, length
  size_t payload_bytes = 0;
};

Records MakeRecords(size_t n) {
  Records r;
  static const char* kChannels[] = {"Google", "Facebook", "Baidu", "Apple"};
  for (size_t i = 0; i < n; ++i) {
    std::string rec = fmt::format(
        R"({{"auction":{},"bidder":{},"price":{},"channel":"{}",)"
        R"("url":"https://www.nexmark.com/{}/item.htm?query=1","date_time":)"
        R"("2026-01-01 00:{:02d}:{:02d}.{:03d}","extra":""}})",
        1000 + i % 997, 1001 + i % 1013, 100 + (i * 7919) % 1000000,
        kChannels[i % 4], i % 10007, (i / 60000) % 60, (i / 1000) % 60,
        i % 1000);
    r.spans.emplace_back(r.bytes.size(), rec.size());
    r.payload_bytes += rec.size();
    r.bytes += rec;
    r.bytes.append(weir::formats::kPayloadPadding, ' ');
  }
  return r;
}

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

template <typename F>
double Best(int rounds, F&& f) {
  double best = 1e100;
  for (int i = 0; i < rounds; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, Seconds(std::chrono::steady_clock::now() - t0));
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200000;
  int rounds = argc > 2 ? std::atoi(argv[2]) : 7;
  bool decode_only = argc > 3 && std::string(argv[3]) == "decode-only";
  Records recs = MakeRecords(n);
  auto schema = std::make_shared<const Schema>(std::vector<Field>{
      {"auction", LogicalType::Bigint(), true},
      {"bidder", LogicalType::Bigint(), true},
      {"price", LogicalType::Bigint(), true},
      {"channel", LogicalType::Varchar(), true},
      {"url", LogicalType::Varchar(), true},
      {"date_time", LogicalType::TimestampOrDie(3), true},
      {"extra", LogicalType::Varchar(), true},
  });

  // simdjson's raw On-Demand iteration: every field read, nothing stored.
  simdjson::ondemand::parser parser;
  uint64_t sink = 0;
  double raw = Best(rounds, [&] {
    for (auto [off, len] : recs.spans) {
      simdjson::padded_string_view view(recs.bytes.data() + off, len,
                                        len + simdjson::SIMDJSON_PADDING);
      simdjson::ondemand::document doc = parser.iterate(view);
      for (auto field : doc.get_object()) {
        std::string_view key = field.unescaped_key();
        sink += key.size();
        auto v = field.value();
        if (v.type() == simdjson::ondemand::json_type::number) {
          sink += static_cast<uint64_t>(int64_t(v.get_int64()));
        } else {
          sink += std::string_view(v.get_string()).size();
        }
      }
    }
  });

  auto decoder = weir::formats::MakeDecoder("json", schema, {});
  if (!decoder.ok()) {
    std::fprintf(stderr, "%s\n", decoder.status().ToString().c_str());
    return 1;
  }
  Batch batch(schema);
  auto run = [&](bool padded) {
    return Best(rounds, [&] {
      for (auto [off, len] : recs.spans) {
        if (batch.num_rows() == Batch::kDefaultCapacity) batch.Clear();
        absl::Status s = (*decoder)->Decode(
            std::string_view(recs.bytes.data() + off, len), padded, &batch);
        if (!s.ok()) {
          std::fprintf(stderr, "%s\n", s.ToString().c_str());
          std::exit(1);
        }
      }
      batch.Clear();
    });
  };
  double weir_padded = run(true);
  if (decode_only) {  // for profiling the decoder alone
    for (int i = 0; i < 5; ++i) weir_padded = std::min(weir_padded, run(true));
    std::printf("weir padded: %.2f M records/s\n", n / weir_padded / 1e6);
    return 0;
  }
  double weir_copy = run(false);

  auto encoder = weir::formats::MakeEncoder("json", schema, {});
  Batch full(schema);
  for (size_t i = 0; i < Batch::kDefaultCapacity; ++i) {
    auto [off, len] = recs.spans[i % recs.spans.size()];
    (void)(*decoder)->Decode(std::string_view(recs.bytes.data() + off, len),
                             &full);
  }
  std::string out;
  double enc = Best(rounds, [&] {
    for (size_t i = 0; i < n; ++i) {
      (void)(*encoder)->Encode(full, i % full.num_rows(), &out);
      sink += out.size();
    }
  });

  double mb = static_cast<double>(recs.payload_bytes) / 1e6;
  auto line = [&](const char* name, double secs) {
    std::printf("%-34s %8.2f M records/s %8.1f MB/s\n", name, n / secs / 1e6,
                mb / secs);
  };
  std::printf("%zu Nexmark bid records, %.1f bytes each, best of %d rounds\n",
              n, static_cast<double>(recs.payload_bytes) / n, rounds);
  std::printf("simdjson stage 1: %s, On-Demand (stage 2): %s\n",
              simdjson::get_active_implementation()->name().c_str(),
              simdjson::builtin_implementation()->name().c_str());
  line("simdjson On-Demand, read all fields", raw);
  line("weir json decode, padded in place", weir_padded);
  line("weir json decode, copied to padding", weir_copy);
  line("weir json encode", enc);
  std::printf("ratio weir/simdjson throughput: padded %.2f, copied %.2f\n",
              raw / weir_padded, raw / weir_copy);
  std::printf("(checksum %llu)\n", static_cast<unsigned long long>(sink));
  return 0;
}
