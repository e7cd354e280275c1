#include "connectors/generators/nexmark.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <utility>

#include "connectors/generators/random.h"
#include "engine/base/check.h"
#include "engine/base/strings.h"
#include "engine/types/value.h"

namespace weir::connectors::generators {
namespace {

using types::Batch;
using types::Column;
using types::Field;
using types::LogicalType;
using types::TypeId;

// The reference's constants (Beam's GeneratorConfig and the *Generator
// classes; Flink's nexmark uses the same).
constexpr int64_t kPersonProportion = 1;
constexpr int64_t kAuctionProportion = 3;
constexpr int64_t kTotalProportion = 50;  // 1 + 3 + 46
constexpr int64_t kFirstPersonId = 1000;
constexpr int64_t kFirstAuctionId = 1000;
constexpr int64_t kFirstCategoryId = 10;
constexpr uint64_t kNumCategories = 5;
constexpr int64_t kNumActivePeople = 1000;
constexpr int64_t kNumInFlightAuctions = 100;
constexpr uint64_t kHotSellersRatio = 4;
constexpr uint64_t kHotBiddersRatio = 4;
constexpr uint64_t kHotAuctionRatio = 2;
constexpr int64_t kHotSellerBatch = 100;   // AuctionGenerator.HOT_SELLER_RATIO
constexpr int64_t kHotBidderBatch = 100;   // BidGenerator.HOT_BIDDER_RATIO
constexpr int64_t kHotAuctionBatch = 100;  // BidGenerator.HOT_AUCTION_RATIO
constexpr uint64_t kHotChannelsRatio = 2;
constexpr uint64_t kNumChannels = 10000;
constexpr int kAvgPersonBytes = 200;
constexpr int kAvgAuctionBytes = 500;
constexpr int kAvgBidBytes = 100;
constexpr int kMinStringLength = 3;

constexpr const char* kFirstNames[] = {"Peter", "Paul",   "Luke",  "John",
                                       "Saul",  "Vicky",  "Kate",  "Julie",
                                       "Sarah", "Deiter", "Walter"};
constexpr const char* kLastNames[] = {"Shultz", "Abrams",  "Spencer",
                                      "White",  "Bartels", "Walton",
                                      "Smith",  "Jones",   "Noris"};
constexpr const char* kCities[] = {
    "Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland",
    "Bend",    "Redmond",     "Seattle",       "Kent",  "Cheyenne"};
constexpr const char* kStates[] = {"AZ", "CA", "ID", "OR", "WA", "WY"};
constexpr const char* kHotChannels[] = {"Google", "Facebook", "Baidu", "Apple"};

// Stream tags: each string column draws its characters from its own stream,
// so leaving a column out of the schema changes no other column's values.
enum StreamTag : uint64_t {
  kTagName = 1,
  kTagEmail,
  kTagDescription,
  kTagExtra,
};

// Standard column indexes per table (positions in NexmarkStandardFields).
enum PersonCol {
  kPId,
  kPName,
  kPEmail,
  kPCreditCard,
  kPCity,
  kPState,
  kPDateTime,
  kPExtra
};
enum AuctionCol {
  kAId,
  kAItemName,
  kADescription,
  kAInitialBid,
  kAReserve,
  kADateTime,
  kAExpires,
  kASeller,
  kACategory,
  kAExtra
};
enum BidCol {
  kBAuction,
  kBBidder,
  kBPrice,
  kBChannel,
  kBUrl,
  kBDateTime,
  kBExtra
};

SplitMix64 Stream(uint64_t event_key, StreamTag tag) {
  return SplitMix64(
      Mix64(event_key ^ (static_cast<uint64_t>(tag) * 0xD6E8FEB86659FD93ULL)));
}

// https://www.nexmark.com/xxx/yyy/zzz/item.htm?query=1 (StringsGenerator's
// nextString(random, 5, '_') for each part).
std::string BaseUrl(SplitMix64* rng) {
  std::string url = "https://www.nexmark.com/";
  for (int i = 0; i < 3; ++i) {
    AppendNexmarkString(
        &url, kMinStringLength + rng->Below(5 - kMinStringLength), '_', rng);
    url += '/';
  }
  url += "item.htm?query=1";
  return url;
}

// The reference caches a (channel, url) pair per channel number, drawn from
// a shared java.util.Random (so its URLs depend on load order). Here the
// table is built once from a fixed seed: the same on every run.
struct ChannelTable {
  std::vector<std::string> channels;  // 4 hot channels, then kNumChannels
  std::vector<std::string> urls;
};

const ChannelTable& Channels() {
  static const ChannelTable* table = [] {
    auto* t = new ChannelTable;
    SplitMix64 rng(0x6E65786D61726BULL);  // "nexmark"
    for (const char* hot : kHotChannels) {
      t->channels.emplace_back(hot);
      t->urls.push_back(BaseUrl(&rng));
    }
    for (uint64_t i = 0; i < kNumChannels; ++i) {
      SplitMix64 r(ItemKey(0x6368616E6E656CULL, i));  // "channel"
      std::string url = BaseUrl(&r);
      if (r.Below(10) > 0) {
        // Math.abs(Integer.reverse(i)), without Java's abs(MIN_VALUE) quirk.
        uint32_t x = static_cast<uint32_t>(i), rev = 0;
        for (int b = 0; b < 32; ++b) rev |= ((x >> b) & 1u) << (31 - b);
        const int64_t id =
            std::llabs(static_cast<int64_t>(static_cast<int32_t>(rev)));
        url += fmt::format("&channel_id={}", id);
      }
      t->channels.push_back(fmt::format("channel-{}", i));
      t->urls.push_back(std::move(url));
    }
    return t;
  }();
  return *table;
}

// PriceGenerator.nextPrice: 10^(6u) * 100, log-uniform in [100, 10^8] cents.
int64_t NextPrice(SplitMix64* rng) {
  constexpr double kSixLn10 = 6.0 * 2.302585092994045684;
  return std::llround(std::exp(rng->Unit() * kSixLn10) * 100.0);
}

// StringsGenerator.nextExtra: the padding length that brings a row of
// `current` bytes to about `average` bytes (+-20%).
int64_t NextExtraLength(SplitMix64* rng, int64_t current, int64_t average) {
  if (current > average) return 0;
  const int64_t desired = average - current;
  const int64_t delta = std::llround(static_cast<double>(desired) * 0.2);
  const int64_t min_size = desired - delta;
  return min_size +
         (delta == 0 ? 0 : static_cast<int64_t>(rng->Below(2 * delta)));
}

// PersonGenerator.lastBase0PersonId.
int64_t LastBase0PersonId(int64_t event) {
  const int64_t epoch = event / kTotalProportion;
  int64_t offset = event % kTotalProportion;
  if (offset >= kPersonProportion) offset = kPersonProportion - 1;
  return epoch * kPersonProportion + offset;
}

// AuctionGenerator.lastBase0AuctionId.
int64_t LastBase0AuctionId(int64_t event) {
  int64_t epoch = event / kTotalProportion;
  int64_t offset = event % kTotalProportion;
  if (offset < kPersonProportion) {
    --epoch;
    offset = kAuctionProportion - 1;
  } else if (offset >= kPersonProportion + kAuctionProportion) {
    offset = kAuctionProportion - 1;
  } else {
    offset -= kPersonProportion;
  }
  return epoch * kAuctionProportion + offset;
}

// PersonGenerator.nextBase0PersonId without PERSON_ID_LEAD: one of the last
// kNumActivePeople people, all of them already generated.
int64_t NextBase0PersonId(int64_t event, SplitMix64* rng) {
  const int64_t num_people = LastBase0PersonId(event) + 1;
  const int64_t active = std::min(num_people, kNumActivePeople);
  return num_people - active +
         static_cast<int64_t>(rng->Below(static_cast<uint64_t>(active)));
}

// AuctionGenerator.nextBase0AuctionId without AUCTION_ID_LEAD.
int64_t NextBase0AuctionId(int64_t event, SplitMix64* rng) {
  const int64_t max_auction = LastBase0AuctionId(event);
  const int64_t min_auction =
      std::max<int64_t>(max_auction - kNumInFlightAuctions, 0);
  return min_auction + static_cast<int64_t>(rng->Below(static_cast<uint64_t>(
                           max_auction - min_auction + 1)));
}

enum class Kind { kBigint, kTimestamp, kText };

Kind KindOf(const Field& f) {
  if (f.type.id() == TypeId::kTimestamp) return Kind::kTimestamp;
  if (f.type.id() == TypeId::kBigint) return Kind::kBigint;
  return Kind::kText;
}

void AppendDigits4(std::string* s, uint64_t v) {
  char d[4];
  for (int i = 3; i >= 0; --i) {
    d[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  s->append(d, 4);
}

std::string Letters(size_t n, SplitMix64 rng) {
  std::string s;
  s.reserve(n);
  AppendLetters(&s, n, &rng);
  return s;
}

}  // namespace

absl::StatusOr<NexmarkOptions> NexmarkOptions::FromOptions(
    const std::vector<std::pair<std::string, std::string>>& options) {
  NexmarkOptions out;
  auto parse_int = [](const std::string& key, const std::string& value,
                      int64_t* dest) -> absl::Status {
    std::string_view text = value;
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    auto [ptr, ec] =
        std::from_chars(text.data(), text.data() + text.size(), *dest);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
      return absl::InvalidArgumentError(
          fmt::format("option '{}' must be an integer, got '{}'", key, value));
    }
    return absl::OkStatus();
  };
  for (const auto& [key, value] : options) {
    if (key == "connector" || key == "table") continue;
    if (key == "events-per-second") {
      if (absl::Status s = parse_int(key, value, &out.events_per_second);
          !s.ok())
        return s;
      if (out.events_per_second <= 0) {
        return absl::InvalidArgumentError(
            fmt::format("option 'events-per-second' must be positive (it "
                        "spaces event times), got '{}'",
                        value));
      }
    } else if (key == "max-events") {
      if (absl::Status s = parse_int(key, value, &out.max_events); !s.ok())
        return s;
      if (out.max_events < 0) {
        return absl::InvalidArgumentError(fmt::format(
            "option 'max-events' must be >= 0 (0 = unbounded), got '{}'",
            value));
      }
    } else if (key == "seed") {
      int64_t seed = 0;
      if (absl::Status s = parse_int(key, value, &seed); !s.ok()) return s;
      out.seed = static_cast<uint64_t>(seed);
    } else if (key == "first-event-time") {
      absl::StatusOr<int64_t> t = types::ParseTimestamp(value);
      if (!t.ok()) {
        return absl::InvalidArgumentError(
            fmt::format("option 'first-event-time' must be a timestamp like "
                        "'2026-01-01 00:00:00', "
                        "got '{}'",
                        value));
      }
      out.first_event_time_micros = *t;
    } else {
      return absl::InvalidArgumentError(
          fmt::format("unknown option '{}' for connector 'nexmark'; it accepts "
                      "table, events-per-second, "
                      "max-events, seed, first-event-time",
                      key));
    }
  }
  return out;
}

absl::StatusOr<NexmarkTable> ParseNexmarkTable(std::string_view name) {
  const std::string lower = AsciiLower(name);
  if (lower == "person") return NexmarkTable::kPerson;
  if (lower == "auction") return NexmarkTable::kAuction;
  if (lower == "bid") return NexmarkTable::kBid;
  return absl::InvalidArgumentError(fmt::format(
      "unknown nexmark table '{}'; expected one of: person, auction, bid",
      name));
}

const char* NexmarkTableName(NexmarkTable table) {
  switch (table) {
    case NexmarkTable::kPerson:
      return "person";
    case NexmarkTable::kAuction:
      return "auction";
    case NexmarkTable::kBid:
      return "bid";
  }
  return "?";
}

std::vector<Field> NexmarkStandardFields(NexmarkTable table) {
  const LogicalType ts = LogicalType::TimestampOrDie(3);
  const LogicalType big = LogicalType::Bigint();
  const LogicalType str = LogicalType::Varchar();
  switch (table) {
    case NexmarkTable::kPerson:
      return {{"id", big, false},           {"name", str, true},
              {"email_address", str, true}, {"credit_card", str, true},
              {"city", str, true},          {"state", str, true},
              {"date_time", ts, false},     {"extra", str, true}};
    case NexmarkTable::kAuction:
      return {{"id", big, false},         {"item_name", str, true},
              {"description", str, true}, {"initial_bid", big, true},
              {"reserve", big, true},     {"date_time", ts, false},
              {"expires", ts, true},      {"seller", big, true},
              {"category", big, true},    {"extra", str, true}};
    case NexmarkTable::kBid:
      return {{"auction", big, false}, {"bidder", big, false},
              {"price", big, false},   {"channel", str, true},
              {"url", str, true},      {"date_time", ts, false},
              {"extra", str, true}};
  }
  return {};
}

absl::StatusOr<std::unique_ptr<NexmarkGenerator>> NexmarkGenerator::Create(
    NexmarkTable table, const NexmarkOptions& options,
    std::shared_ptr<const types::Schema> schema) {
  return CreateSplit(table, options, std::move(schema), 0, 1);
}

absl::StatusOr<std::unique_ptr<NexmarkGenerator>> NexmarkGenerator::CreateSplit(
    NexmarkTable table, const NexmarkOptions& options,
    std::shared_ptr<const types::Schema> schema, int split_index,
    int num_splits) {
  if (schema == nullptr)
    return absl::InvalidArgumentError("nexmark: no schema");
  if (num_splits < 1 || split_index < 0 || split_index >= num_splits) {
    return absl::InvalidArgumentError(fmt::format(
        "nexmark: split {} of {} does not exist", split_index, num_splits));
  }
  if (options.events_per_second <= 0) {
    return absl::InvalidArgumentError(
        "option 'events-per-second' must be positive");
  }
  if (options.max_events < 0) {
    return absl::InvalidArgumentError(
        "option 'max-events' must be >= 0 (0 = unbounded)");
  }
  const std::vector<Field> standard = NexmarkStandardFields(table);
  std::vector<int> columns;
  std::vector<int64_t> units;
  for (const Field& f : schema->fields()) {
    int found = -1;
    for (size_t i = 0; i < standard.size(); ++i) {
      if (EqualsIgnoreCase(standard[i].name, f.name))
        found = static_cast<int>(i);
    }
    if (found < 0) {
      std::vector<std::string> names;
      for (const Field& s : standard) names.push_back(s.name);
      return absl::InvalidArgumentError(fmt::format(
          "nexmark {} has no column '{}'; its columns are {}",
          NexmarkTableName(table), f.name, JoinStrings(names, ", ")));
    }
    const Field& want = standard[static_cast<size_t>(found)];
    const Kind kind = KindOf(want);
    const TypeId id = f.type.id();
    const bool ok = (kind == Kind::kBigint && id == TypeId::kBigint) ||
                    (kind == Kind::kTimestamp && id == TypeId::kTimestamp) ||
                    (kind == Kind::kText &&
                     (id == TypeId::kVarchar || id == TypeId::kBytes));
    if (!ok) {
      return absl::InvalidArgumentError(
          fmt::format("column '{}' of nexmark {} must be {}, not {}", f.name,
                      NexmarkTableName(table),
                      kind == Kind::kBigint      ? "BIGINT"
                      : kind == Kind::kTimestamp ? "TIMESTAMP"
                                                 : "VARCHAR",
                      f.type.ToString()));
    }
    int64_t unit = 1;
    if (kind == Kind::kTimestamp) {
      for (int p = f.type.precision(); p < 6; ++p) unit *= 10;
    }
    columns.push_back(found);
    units.push_back(unit);
  }
  return std::unique_ptr<NexmarkGenerator>(new NexmarkGenerator(
      table, options, std::move(schema), std::move(columns), std::move(units),
      split_index, num_splits));
}

NexmarkGenerator::NexmarkGenerator(NexmarkTable table,
                                   const NexmarkOptions& options,
                                   std::shared_ptr<const types::Schema> schema,
                                   std::vector<int> columns,
                                   std::vector<int64_t> units, int split_index,
                                   int num_splits)
    : table_(table),
      options_(options),
      schema_(std::move(schema)),
      columns_(std::move(columns)),
      units_(std::move(units)),
      split_index_(split_index),
      num_splits_(num_splits),
      seed_key_(Mix64(options.seed ^ 0x4E45584D41524B31ULL)) {
  switch (table) {
    case NexmarkTable::kPerson:
      first_offset_ = 0;
      last_offset_ = kPersonProportion - 1;
      break;
    case NexmarkTable::kAuction:
      first_offset_ = kPersonProportion;
      last_offset_ = kPersonProportion + kAuctionProportion - 1;
      break;
    case NexmarkTable::kBid:
      first_offset_ = kPersonProportion + kAuctionProportion;
      last_offset_ = kTotalProportion - 1;
      break;
  }
  next_event_ =
      static_cast<int64_t>(split_index) * kEventsPerBlock + first_offset_;
  if (table == NexmarkTable::kBid)
    (void)Channels();  // build it outside the hot loop
}

int64_t NexmarkGenerator::EventTimeMicros(int64_t event_number) const {
  const __int128 offset = static_cast<__int128>(event_number) * 1000000 /
                          options_.events_per_second;
  return options_.first_event_time_micros + static_cast<int64_t>(offset);
}

int64_t NexmarkGenerator::Truncate(int64_t micros, size_t column) const {
  const int64_t unit = units_[column];
  if (unit == 1) return micros;
  int64_t rem = micros % unit;
  if (rem < 0) rem += unit;
  return micros - rem;
}

int64_t NexmarkGenerator::Advance(int64_t event) const {
  if (event % kEventsPerBlock < last_offset_) return event + 1;
  const int64_t block = event / kEventsPerBlock + num_splits_;
  return block * kEventsPerBlock + first_offset_;
}

bool NexmarkGenerator::finished() const {
  return options_.max_events > 0 && next_event_ >= options_.max_events;
}

int64_t NexmarkGenerator::events_generated() const {
  int64_t x = next_event_;
  if (options_.max_events > 0) x = std::min(x, options_.max_events);
  const int64_t block = x / kEventsPerBlock;
  const int64_t k = num_splits_, i = split_index_;
  const int64_t owned_before = block > i ? (block - i + k - 1) / k : 0;
  int64_t n = owned_before * kEventsPerBlock;
  if (block % k == i) n += x % kEventsPerBlock;
  return n;
}

size_t NexmarkGenerator::Next(Batch* out, size_t max_rows) {
  WEIR_CHECK(out->num_columns() == columns_.size());
  WEIR_CHECK(!out->has_selection());
  const size_t base = out->num_rows();
  const size_t reserve = base + std::min<size_t>(max_rows, 1 << 16);
  for (size_t c = 0; c < columns_.size(); ++c) out->column(c).Reserve(reserve);
  size_t rows = 0;
  while (rows < max_rows && !finished()) {
    switch (table_) {
      case NexmarkTable::kPerson:
        AppendPerson(next_event_, out);
        break;
      case NexmarkTable::kAuction:
        AppendAuction(next_event_, out);
        break;
      case NexmarkTable::kBid:
        AppendBid(next_event_, out);
        break;
    }
    next_event_ = Advance(next_event_);
    ++rows;
  }
  out->SetNumRows(base + rows);
  return rows;
}

void NexmarkGenerator::AppendPerson(int64_t event, Batch* out) {
  const uint64_t key = ItemKey(seed_key_, static_cast<uint64_t>(event));
  SplitMix64 r(key);
  const int64_t id = LastBase0PersonId(event) + kFirstPersonId;
  const uint64_t first = r.Below(std::size(kFirstNames));
  const uint64_t last = r.Below(std::size(kLastNames));
  const size_t email_user = kMinStringLength + r.Below(7 - kMinStringLength);
  const size_t email_domain = kMinStringLength + r.Below(5 - kMinStringLength);
  uint64_t card[4];
  for (uint64_t& c : card) c = r.Below(10000);
  const uint64_t city = r.Below(std::size(kCities));
  const uint64_t state = r.Below(std::size(kStates));
  const size_t name_len =
      std::strlen(kFirstNames[first]) + 1 + std::strlen(kLastNames[last]);
  const size_t email_len = email_user + 1 + email_domain + 4;
  const int64_t current = static_cast<int64_t>(8 + name_len + email_len + 19 +
                                               std::strlen(kCities[city]) +
                                               std::strlen(kStates[state]));
  const int64_t extra_len = NextExtraLength(&r, current, kAvgPersonBytes);
  const int64_t ts = EventTimeMicros(event);

  for (size_t c = 0; c < columns_.size(); ++c) {
    Column& col = out->column(c);
    switch (columns_[c]) {
      case kPId:
        col.AppendInt(id);
        break;
      case kPName: {
        std::string s;
        s.reserve(name_len);
        s += kFirstNames[first];
        s += ' ';
        s += kLastNames[last];
        col.AppendString(std::move(s));
        break;
      }
      case kPEmail: {
        SplitMix64 sr = Stream(key, kTagEmail);
        std::string s;
        s.reserve(email_len);
        AppendLetters(&s, email_user, &sr);
        s += '@';
        AppendLetters(&s, email_domain, &sr);
        s += ".com";
        col.AppendString(std::move(s));
        break;
      }
      case kPCreditCard: {
        std::string s;
        s.reserve(19);
        for (int i = 0; i < 4; ++i) {
          if (i > 0) s += ' ';
          AppendDigits4(&s, card[i]);
        }
        col.AppendString(std::move(s));
        break;
      }
      case kPCity:
        col.AppendString(kCities[city]);
        break;
      case kPState:
        col.AppendString(kStates[state]);
        break;
      case kPDateTime:
        col.AppendInt(Truncate(ts, c));
        break;
      case kPExtra:
        col.AppendString(
            Letters(static_cast<size_t>(extra_len), Stream(key, kTagExtra)));
        break;
    }
  }
}

void NexmarkGenerator::AppendAuction(int64_t event, Batch* out) {
  const uint64_t key = ItemKey(seed_key_, static_cast<uint64_t>(event));
  SplitMix64 r(key);
  const int64_t id = LastBase0AuctionId(event) + kFirstAuctionId;
  int64_t seller;
  if (r.Below(kHotSellersRatio) > 0) {
    seller = (LastBase0PersonId(event) / kHotSellerBatch) * kHotSellerBatch;
  } else {
    seller = NextBase0PersonId(event, &r);
  }
  seller += kFirstPersonId;
  const int64_t category =
      kFirstCategoryId + static_cast<int64_t>(r.Below(kNumCategories));
  const int64_t initial_bid = NextPrice(&r);
  const int64_t ts = EventTimeMicros(event);
  // AuctionGenerator.nextAuctionLengthMs: on average, the time until
  // kNumInFlightAuctions more auctions have been generated.
  const int64_t events_for_auctions =
      kNumInFlightAuctions * kTotalProportion / kAuctionProportion;
  const int64_t horizon_ms =
      (EventTimeMicros(event + events_for_auctions) - ts) / 1000;
  const int64_t length_ms =
      1 + static_cast<int64_t>(r.Below(
              static_cast<uint64_t>(std::max<int64_t>(horizon_ms * 2, 1))));
  const int64_t expires = ts + length_ms * 1000;
  const size_t name_len = kMinStringLength + r.Below(20 - kMinStringLength);
  const size_t desc_len = kMinStringLength + r.Below(100 - kMinStringLength);
  const int64_t reserve = initial_bid + NextPrice(&r);
  const int64_t extra_len = NextExtraLength(
      &r, static_cast<int64_t>(8 + name_len + desc_len + 8 + 8 + 8 + 8 + 8),
      kAvgAuctionBytes);

  for (size_t c = 0; c < columns_.size(); ++c) {
    Column& col = out->column(c);
    switch (columns_[c]) {
      case kAId:
        col.AppendInt(id);
        break;
      case kAItemName: {
        SplitMix64 sr = Stream(key, kTagName);
        std::string s;
        s.reserve(name_len);
        AppendNexmarkString(&s, name_len, ' ', &sr);
        col.AppendString(std::move(s));
        break;
      }
      case kADescription: {
        SplitMix64 sr = Stream(key, kTagDescription);
        std::string s;
        s.reserve(desc_len);
        AppendNexmarkString(&s, desc_len, ' ', &sr);
        col.AppendString(std::move(s));
        break;
      }
      case kAInitialBid:
        col.AppendInt(initial_bid);
        break;
      case kAReserve:
        col.AppendInt(reserve);
        break;
      case kADateTime:
        col.AppendInt(Truncate(ts, c));
        break;
      case kAExpires:
        col.AppendInt(Truncate(expires, c));
        break;
      case kASeller:
        col.AppendInt(seller);
        break;
      case kACategory:
        col.AppendInt(category);
        break;
      case kAExtra:
        col.AppendString(
            Letters(static_cast<size_t>(extra_len), Stream(key, kTagExtra)));
        break;
    }
  }
}

void NexmarkGenerator::AppendBid(int64_t event, Batch* out) {
  const uint64_t key = ItemKey(seed_key_, static_cast<uint64_t>(event));
  SplitMix64 r(key);
  int64_t auction;
  if (r.Below(kHotAuctionRatio) > 0) {
    auction = (LastBase0AuctionId(event) / kHotAuctionBatch) * kHotAuctionBatch;
  } else {
    auction = NextBase0AuctionId(event, &r);
  }
  auction += kFirstAuctionId;
  int64_t bidder;
  if (r.Below(kHotBiddersRatio) > 0) {
    // The second person of the batch of the last kHotBidderBatch people (so
    // hot bidders and hot sellers differ), but never one not generated yet.
    const int64_t last = LastBase0PersonId(event);
    bidder = std::min(last, (last / kHotBidderBatch) * kHotBidderBatch + 1);
  } else {
    bidder = NextBase0PersonId(event, &r);
  }
  bidder += kFirstPersonId;
  const int64_t price = NextPrice(&r);
  size_t channel;
  if (r.Below(kHotChannelsRatio) > 0) {
    channel = r.Below(std::size(kHotChannels));
  } else {
    channel = std::size(kHotChannels) + r.Below(kNumChannels);
  }
  const int64_t extra_len = NextExtraLength(&r, 8 + 8 + 8 + 8, kAvgBidBytes);
  const int64_t ts = EventTimeMicros(event);
  const ChannelTable& channels = Channels();

  for (size_t c = 0; c < columns_.size(); ++c) {
    Column& col = out->column(c);
    switch (columns_[c]) {
      case kBAuction:
        col.AppendInt(auction);
        break;
      case kBBidder:
        col.AppendInt(bidder);
        break;
      case kBPrice:
        col.AppendInt(price);
        break;
      case kBChannel:
        col.AppendString(channels.channels[channel]);
        break;
      case kBUrl:
        col.AppendString(channels.urls[channel]);
        break;
      case kBDateTime:
        col.AppendInt(Truncate(ts, c));
        break;
      case kBExtra:
        col.AppendString(
            Letters(static_cast<size_t>(extra_len), Stream(key, kTagExtra)));
        break;
    }
  }
}

}  // namespace weir::connectors::generators
