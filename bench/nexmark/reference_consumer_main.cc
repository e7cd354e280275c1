// kafka_reference_consumer: reads a whole topic with the reference
// consumers of reference_consumer.h and reports the counts and times on one
// line. The outside reference of weir_e_vs_consumer.sh.
//
//   kafka_reference_consumer --bootstrap HOST:PORT --topic NAME
//                            [--threads N] [--decode]

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bench/nexmark/reference_consumer.h"

int main(int argc, char** argv) {
  weir::bench::ReferenceOptions options;
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (std::strcmp(argv[i], "--bootstrap") == 0 && has_value) {
      options.bootstrap = argv[++i];
    } else if (std::strcmp(argv[i], "--topic") == 0 && has_value) {
      options.topic = argv[++i];
    } else if (std::strcmp(argv[i], "--threads") == 0 && has_value) {
      options.threads = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--decode") == 0) {
      options.decode = true;
    } else {
      std::fprintf(stderr,
                   "usage: kafka_reference_consumer --bootstrap HOST:PORT "
                   "--topic NAME [--threads N] [--decode]\n");
      return 2;
    }
  }
  if (options.bootstrap.empty() || options.topic.empty() ||
      options.threads < 1) {
    std::fprintf(stderr,
                 "kafka_reference_consumer: needs --bootstrap, --topic and "
                 "--threads >= 1\n");
    return 2;
  }
  const weir::bench::ReferenceResult r =
      weir::bench::RunReferenceConsumers(options);
  std::printf(
      "records %lld bytes %lld first_record_s %.3f total_s %.3f checksum "
      "%llu\n",
      static_cast<long long>(r.records), static_cast<long long>(r.bytes),
      r.first_record, r.total, static_cast<unsigned long long>(r.checksum));
  return 0;
}
