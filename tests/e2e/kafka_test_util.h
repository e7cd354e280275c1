#pragma once

// Shared by the Kafka test programs (kafka_test.cc, kafka_source_test.cc):
// embedded brokers and clients that fail the test when they cannot be
// made, bounded reads, `weir` child processes, and catalog entries for the
// connector-level tests. Every wait is bounded.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_client.h"
#include "connectors/kafka/kafka_source.h"
#include "engine/catalog/catalog.h"
#include "engine/exec/sink.h"
#include "engine/exec/source.h"
#include "engine/types/batch.h"

namespace weir::kafka_test {

namespace kafka = weir::connectors::kafka;
using kafka::EmbeddedBroker;
using kafka::KafkaAdmin;
using kafka::KafkaConfig;
using kafka::KafkaConsumer;
using kafka::KafkaMessage;
using kafka::KafkaProducer;
using kafka::StartOffset;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;
using weir::catalog::Entry;
using weir::types::Batch;
using weir::types::Field;
using weir::types::Schema;
using weir::types::Value;

inline std::unique_ptr<EmbeddedBroker> StartBroker(int brokers = 1) {
  auto broker = EmbeddedBroker::Start(brokers);
  BOOST_REQUIRE_MESSAGE(broker.ok(), broker.status().ToString());
  return std::move(*broker);
}

inline std::unique_ptr<KafkaProducer> MakeProducer(const std::string& bootstrap,
                                                   KafkaConfig extra = {}) {
  extra["bootstrap.servers"] = bootstrap;
  extra.emplace("linger.ms", "5");
  auto producer = KafkaProducer::Create(extra);
  BOOST_REQUIRE_MESSAGE(producer.ok(), producer.status().ToString());
  return std::move(*producer);
}

inline std::unique_ptr<KafkaConsumer> MakeConsumer(const std::string& bootstrap,
                                                   KafkaConfig extra = {}) {
  extra["bootstrap.servers"] = bootstrap;
  auto consumer = KafkaConsumer::Create(extra);
  BOOST_REQUIRE_MESSAGE(consumer.ok(), consumer.status().ToString());
  return std::move(*consumer);
}

inline std::unique_ptr<KafkaAdmin> MakeAdmin(const std::string& bootstrap) {
  auto admin = KafkaAdmin::Create({{"bootstrap.servers", bootstrap}});
  BOOST_REQUIRE_MESSAGE(admin.ok(), admin.status().ToString());
  return std::move(*admin);
}

inline void RequireOk(const absl::Status& status) {
  BOOST_REQUIRE_MESSAGE(status.ok(), status.ToString());
}

// Polls until `n` records arrived or `limit` passed; then checks that no
// more come within a short grace period.
inline std::vector<KafkaMessage> ConsumeExactly(
    KafkaConsumer& consumer, size_t n, milliseconds limit = seconds(30)) {
  std::vector<KafkaMessage> out;
  const auto deadline = Clock::now() + limit;
  while (out.size() < n && Clock::now() < deadline) {
    auto batch = consumer.Poll(1000, milliseconds(200));
    BOOST_REQUIRE_MESSAGE(batch.ok(), batch.status().ToString());
    for (KafkaMessage& m : *batch) out.push_back(std::move(m));
  }
  BOOST_REQUIRE_EQUAL(out.size(), n);
  auto extra = consumer.Poll(1000, milliseconds(300));
  BOOST_REQUIRE(extra.ok());
  BOOST_REQUIRE_EQUAL(extra->size(), 0u);
  return out;
}

// A loopback port nobody listens on (bound, then released).
inline int UnusedPort() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
  close(s);
  return ntohs(addr.sin_port);
}

struct ChildResult {
  int exit_code = -1;  // -1: killed or did not end in time
  std::string out;
  std::string err;
};

// Runs the weir binary with `args`, collecting stdout and stderr, for at
// most `limit` (then kills it).
inline ChildResult RunWeir(const std::vector<std::string>& args,
                           milliseconds limit = seconds(30)) {
  int out[2];
  int err[2];
  BOOST_REQUIRE(pipe(out) == 0);
  BOOST_REQUIRE(pipe(err) == 0);
  std::vector<char*> argv{const_cast<char*>(WEIR_BINARY)};
  for (const std::string& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    dup2(err[1], STDERR_FILENO);
    close(out[0]);
    close(out[1]);
    close(err[0]);
    close(err[1]);
    execv(WEIR_BINARY, argv.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  ChildResult result;
  const auto deadline = Clock::now() + limit;
  bool out_open = true;
  bool err_open = true;
  while ((out_open || err_open) && Clock::now() < deadline) {
    pollfd p[2] = {{out_open ? out[0] : -1, POLLIN, 0},
                   {err_open ? err[0] : -1, POLLIN, 0}};
    if (poll(p, 2, 200) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if ((p[i].revents & (POLLIN | POLLHUP)) == 0) continue;
      char buf[4096];
      const ssize_t n = read(p[i].fd, buf, sizeof buf);
      if (n <= 0) {
        (i == 0 ? out_open : err_open) = false;
      } else {
        (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  if (out_open || err_open) kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  close(out[0]);
  close(err[0]);
  if (WIFEXITED(status) && !out_open && !err_open) {
    result.exit_code = WEXITSTATUS(status);
  }
  return result;
}

/// `weir broker ARGS...` as a child process: started by the constructor,
/// which reads the address from its first line of output, and stopped with
/// SIGTERM by Stop or the destructor (SIGKILL if it does not end).
class WeirBroker {
 public:
  explicit WeirBroker(const std::vector<std::string>& args = {}) {
    int out[2];
    BOOST_REQUIRE(pipe(out) == 0);
    std::vector<std::string> argv_strings = {WEIR_BINARY, "broker"};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : argv_strings) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = fork();
    BOOST_REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      execv(WEIR_BINARY, argv.data());
      _exit(127);
    }
    close(out[1]);
    out_ = out[0];
    std::string first_line;
    const auto deadline = Clock::now() + seconds(10);
    while (first_line.find('\n') == std::string::npos &&
           Clock::now() < deadline) {
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      char buf[256];
      const ssize_t n = read(out_, buf, sizeof buf);
      if (n <= 0) break;
      first_line.append(buf, static_cast<size_t>(n));
    }
    first_line = first_line.substr(0, first_line.find('\n'));
    BOOST_TEST_MESSAGE("weir broker: " << first_line);
    const std::string prefix = "Embedded Kafka broker listening on ";
    BOOST_REQUIRE(first_line.rfind(prefix, 0) == 0);
    address_ = first_line.substr(prefix.size());
    BOOST_REQUIRE(address_.rfind("127.0.0.1:", 0) == 0);
  }
  ~WeirBroker() {
    if (pid_ > 0 && Stop() < 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) close(out_);
  }
  WeirBroker(const WeirBroker&) = delete;
  WeirBroker& operator=(const WeirBroker&) = delete;

  const std::string& address() const { return address_; }

  /// SIGTERM, then waits up to 10 s. The exit status, or -1 when it did
  /// not exit normally in time.
  int Stop() {
    if (pid_ <= 0) return exit_status_;
    kill(pid_, SIGTERM);
    int status = 0;
    pid_t waited = 0;
    const auto deadline = Clock::now() + seconds(10);
    while ((waited = waitpid(pid_, &status, WNOHANG)) == 0 &&
           Clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(20));
    }
    if (waited != pid_) return -1;
    pid_ = 0;
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return exit_status_;
  }

 private:
  pid_t pid_ = 0;
  int out_ = -1;
  int exit_status_ = -1;
  std::string address_;
};

inline Entry MakeEntry(
    const std::string& topic, std::vector<Field> fields,
    std::vector<std::pair<std::string, std::string>> options = {}) {
  Entry entry;
  entry.name = topic;
  entry.connector = "kafka";
  entry.schema = Schema(std::move(fields));
  entry.options = {{"connector", "kafka"}, {"topic", topic}};
  for (auto& o : options) entry.options.push_back(std::move(o));
  return entry;
}

inline std::shared_ptr<const Schema> SchemaOf(const Entry& entry) {
  return std::make_shared<Schema>(entry.schema);
}

inline std::unique_ptr<weir::exec::Sink> OpenSink(
    const Entry& entry, const std::string& bootstrap) {
  auto sink = kafka::OpenKafkaSink(entry, SchemaOf(entry), 0, 1, bootstrap);
  BOOST_REQUIRE_MESSAGE(sink.ok(), sink.status().ToString());
  return std::move(*sink);
}

inline std::unique_ptr<weir::exec::Source> OpenSource(
    const Entry& entry, const std::string& bootstrap) {
  auto source = kafka::OpenKafkaSource(entry, SchemaOf(entry), 0, 1, bootstrap);
  BOOST_REQUIRE_MESSAGE(source.ok(), source.status().ToString());
  return std::move(*source);
}

// Every record of `topic` (all `partitions`), from the start.
inline std::vector<KafkaMessage> ReadTopic(const std::string& bootstrap,
                                           const std::string& topic,
                                           int partitions, size_t n) {
  auto consumer = MakeConsumer(bootstrap);
  std::vector<int32_t> all;
  for (int p = 0; p < partitions; ++p) all.push_back(p);
  RequireOk(consumer->Assign(topic, all, StartOffset::Earliest()));
  return ConsumeExactly(*consumer, n);
}

// Rows from `source` until `n` arrived (bounded wait), as printed values.
inline std::vector<std::vector<std::string>> ReadRows(
    weir::exec::Source& source, const Entry& entry, size_t n) {
  std::vector<std::vector<std::string>> rows;
  const auto deadline = Clock::now() + seconds(30);
  while (rows.size() < n && Clock::now() < deadline) {
    Batch out(SchemaOf(entry));  // Next wants an empty batch
    auto got = source.Next(&out, 1000);
    BOOST_REQUIRE_MESSAGE(got.ok(), got.status().ToString());
    for (const auto& row : out.ToRows()) {
      std::vector<std::string> cells;
      for (const Value& v : row)
        cells.push_back(v.is_null() ? "NULL" : v.ToString());
      rows.push_back(std::move(cells));
    }
    if (*got == 0) std::this_thread::sleep_for(milliseconds(10));
  }
  BOOST_REQUIRE_EQUAL(rows.size(), n);
  return rows;
}

}  // namespace weir::kafka_test
