// The configuration of Weir's Kafka clients (see kafka_client.h): Weir's
// defaults for each kind of client, librdkafka's own table of properties
// (which kinds of client each one applies to), checking one property on a
// scratch configuration, and the one function that builds a client's
// configuration.

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/kafka/kafka_client.h"
#include "connectors/kafka/rdkafka_util.h"
#include "engine/base/status.h"
#include "engine/base/suggest.h"

namespace weir::connectors::kafka {
namespace {

/// librdkafka's properties by name, with the clients each applies to.
struct PropertyTable {
  std::map<std::string, PropertyScope, std::less<>> scopes;
  std::vector<std::string> names;  // for suggestions
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

/// Reads the table librdkafka prints (rd_kafka_conf_properties_show, the
/// source of its CONFIGURATION.md): global and topic properties, one per
/// line, "name | C/P | range | default | importance | description", where
/// C/P is '*' (every client), 'C' (consumers) or 'P' (producers).
PropertyTable LoadPropertyTable() {
  PropertyTable table;
  char* buffer = nullptr;
  size_t size = 0;
  std::FILE* out = open_memstream(&buffer, &size);
  if (out == nullptr) return table;
  rd_kafka_conf_properties_show(out);
  std::fclose(out);
  const std::unique_ptr<char, decltype(&std::free)> owned(buffer, &std::free);
  std::string_view text(buffer, size);
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view()
                                         : text.substr(end + 1);
    // Property lines start with a lower-case name; headers do not.
    if (line.empty() || line.front() < 'a' || line.front() > 'z') continue;
    const size_t bar = line.find('|');
    if (bar == std::string_view::npos) continue;
    const std::string_view name = Trim(line.substr(0, bar));
    const std::string_view rest = line.substr(bar + 1);
    const std::string_view scope = Trim(rest.substr(0, rest.find('|')));
    PropertyScope parsed = PropertyScope::kAll;
    if (scope == "C") parsed = PropertyScope::kConsumer;
    if (scope == "P") parsed = PropertyScope::kProducer;
    // A property in both tables (enable.auto.commit) keeps its first row.
    if (table.scopes.emplace(std::string(name), parsed).second)
      table.names.emplace_back(name);
  }
  return table;
}

const PropertyTable& Properties() {
  static const PropertyTable table = LoadPropertyTable();
  return table;
}

}  // namespace

bool AppliesTo(PropertyScope scope, ClientKind kind) {
  switch (scope) {
    case PropertyScope::kAll:
      return true;
    case PropertyScope::kConsumer:
      return kind == ClientKind::kConsumer;
    case PropertyScope::kProducer:
      return kind != ClientKind::kConsumer;
  }
  return true;
}

std::string_view ClientKindName(ClientKind kind) {
  switch (kind) {
    case ClientKind::kProducer:
      return "producer";
    case ClientKind::kConsumer:
      return "consumer";
    case ClientKind::kAdmin:
      return "admin client";
  }
  return "";
}

const KafkaConfig& WeirDefaults(ClientKind kind) {
  // Also in docs/connectors/kafka.md, "Client settings". The producer:
  // retries after a broker failure neither lose, duplicate nor reorder.
  static const KafkaConfig producer{{"enable.idempotence", "true"}};
  // The consumer: Weir commits itself, only what was delivered; an offset
  // no longer stored (retention passed it) restarts at the oldest record
  // kept rather than skipping to the end; and a broker may hold a fetch
  // that finds no data for 100 ms, not librdkafka's 500 ms, which delays a
  // new record that long on brokers that do not answer early when data
  // arrives (the embedded one), and the first records of a partition whose
  // offset lookup finished just after a fetch left. Only committed
  // transactions are read (librdkafka's default too, but Java clients'
  // is the opposite; pinned and shown because Weir's transactional sinks
  // rely on it: docs/state-and-recovery.md, "Kafka transactions").
  static const KafkaConfig consumer{{"enable.auto.commit", "false"},
                                    {"enable.partition.eof", "false"},
                                    {"auto.offset.reset", "earliest"},
                                    {"fetch.wait.max.ms", "100"},
                                    {"isolation.level", "read_committed"}};
  // The admin client: asking about a topic never creates it.
  static const KafkaConfig admin{{"allow.auto.create.topics", "false"}};
  switch (kind) {
    case ClientKind::kProducer:
      return producer;
    case ClientKind::kConsumer:
      return consumer;
    case ClientKind::kAdmin:
      return admin;
  }
  return admin;
}

std::optional<PropertyScope> ScopeOfProperty(std::string_view name) {
  const PropertyTable& table = Properties();
  auto it = table.scopes.find(name);
  if (it == table.scopes.end()) return std::nullopt;
  return it->second;
}

absl::Status CheckProperty(std::string_view name,
                           std::optional<std::string_view> value) {
  auto unknown = [&] {
    return absl::NotFoundError(
        fmt::format("librdkafka has no property '{}'{}", name,
                    DidYouMean(name, Properties().names)));
  };
  // librdkafka loads the plugins of plugin.library.paths as soon as the
  // property is set: that waits for a client, and only the name is
  // checked here.
  if (!value || name == "plugin.library.paths") {
    // The table is empty only if librdkafka could not print it; then only
    // a value can be checked.
    if (Properties().scopes.empty() || ScopeOfProperty(name)) {
      return absl::OkStatus();
    }
    return unknown();
  }
  internal::ConfPtr scratch(rd_kafka_conf_new());
  char errstr[512];
  const std::string n(name);
  const std::string v(*value);
  switch (rd_kafka_conf_set(scratch.get(), n.c_str(), v.c_str(), errstr,
                            sizeof errstr)) {
    case RD_KAFKA_CONF_OK:
      return absl::OkStatus();
    case RD_KAFKA_CONF_UNKNOWN:
      return unknown();
    case RD_KAFKA_CONF_INVALID:
      break;
  }
  return absl::InvalidArgumentError(std::string(Trim(errstr)));
}

namespace internal {

absl::StatusOr<ConfPtr> ClientConf(ClientKind kind, const KafkaConfig& config) {
  KafkaConfig effective = WeirDefaults(kind);
  for (const auto& [name, value] : config) {
    // A property of another kind of client would only be ignored, with a
    // warning on stderr; names librdkafka does not know go on, so that
    // it reports them.
    const std::optional<PropertyScope> scope = ScopeOfProperty(name);
    if (scope && !AppliesTo(*scope, kind)) continue;
    effective[name] = value;
  }
  return MakeConf(effective);
}

}  // namespace internal

absl::StatusOr<KafkaConfig> EffectiveClientConfig(ClientKind kind,
                                                  const KafkaConfig& config) {
  WEIR_ASSIGN_OR_RETURN(internal::ConfPtr conf,
                        internal::ClientConf(kind, config));
  KafkaConfig out;
  auto read = [&out](const char** dump, size_t count) {
    for (size_t i = 0; i + 1 < count; i += 2) out[dump[i]] = dump[i + 1];
  };
  size_t count = 0;
  const char** dump = rd_kafka_conf_dump(conf.get(), &count);
  read(dump, count);
  rd_kafka_conf_dump_free(dump, count);
  // Topic properties (acks, auto.offset.reset, ...) live in the default
  // topic configuration.
  if (rd_kafka_topic_conf_t* topic =
          rd_kafka_conf_get_default_topic_conf(conf.get())) {
    dump = rd_kafka_topic_conf_dump(topic, &count);
    read(dump, count);
    rd_kafka_conf_dump_free(dump, count);
  }
  return out;
}

}  // namespace weir::connectors::kafka
