// engine/base: status macros, SQL error rendering with carets, suggestions,
// string helpers.
#define BOOST_TEST_MODULE base_test
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/base/failpoint.h"
#include "engine/base/log.h"
#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/base/strings.h"
#include "engine/base/suggest.h"

using weir::SourceSpan;

namespace {

SourceSpan Span(uint32_t offset, uint32_t length, uint32_t line,
                uint32_t column) {
  SourceSpan s;
  s.offset = offset;
  s.length = length;
  s.line = line;
  s.column = column;
  return s;
}

absl::StatusOr<int> Half(int x) {
  if (x % 2 != 0) return absl::InvalidArgumentError("odd");
  return x / 2;
}

absl::StatusOr<int> Quarter(int x) {
  WEIR_ASSIGN_OR_RETURN(int h, Half(x));
  WEIR_ASSIGN_OR_RETURN(h, Half(h));
  return h;
}

absl::Status CheckEven(int x) {
  WEIR_RETURN_IF_ERROR(Half(x).status());
  return absl::OkStatus();
}

}  // namespace

BOOST_AUTO_TEST_CASE(status_macros_return_early) {
  BOOST_TEST(*Quarter(12) == 3);
  BOOST_TEST(Quarter(6).status().message() == "odd");  // 6 -> 3 is odd
  BOOST_TEST(CheckEven(4).ok());
  BOOST_TEST(CheckEven(5).message() == "odd");
}

BOOST_AUTO_TEST_CASE(sql_error_carries_its_position) {
  absl::Status s = weir::SqlError(Span(7, 6, 1, 8), "unknown column 'pricee'");
  BOOST_TEST(s.code() == absl::StatusCode::kInvalidArgument);
  BOOST_TEST(std::string(s.message()) == "line 1:8: unknown column 'pricee'");
  auto span = weir::ErrorSpan(s);
  BOOST_REQUIRE(span.has_value());
  BOOST_TEST(span->offset == 7u);
  BOOST_TEST(span->length == 6u);
  // Without a known position there is no prefix and no payload.
  absl::Status plain = weir::SqlError(SourceSpan{}, "no position");
  BOOST_TEST(std::string(plain.message()) == "no position");
  BOOST_TEST(!weir::ErrorSpan(plain).has_value());
}

BOOST_AUTO_TEST_CASE(format_error_draws_a_caret_under_the_span) {
  std::string sql = "SELECT pricee FROM bids;";
  absl::Status s = weir::SqlError(Span(7, 6, 1, 8), "unknown column 'pricee'");
  BOOST_TEST(weir::FormatError(s, sql) ==
             "line 1:8: unknown column 'pricee'\n"
             "SELECT pricee FROM bids;\n"
             "       ^~~~~~");
}

BOOST_AUTO_TEST_CASE(format_error_quotes_the_right_line) {
  std::string sql = "SELECT a,\n  b\nFROM t;";
  // 'b' is at byte 12 (after "SELECT a,\n  "), line 2, column 3.
  absl::Status s = weir::SqlError(Span(12, 1, 2, 3), "bad b");
  BOOST_TEST(weir::FormatError(s, sql) == "line 2:3: bad b\n  b\n  ^");
  // A span at the very start of a line.
  absl::Status f = weir::SqlError(Span(14, 4, 3, 1), "bad FROM");
  BOOST_TEST(weir::FormatError(f, sql) == "line 3:1: bad FROM\nFROM t;\n^~~~");
}

BOOST_AUTO_TEST_CASE(format_error_aligns_under_utf8_and_tabs) {
  // 'é' is two bytes: the caret line needs one space for it, not two.
  std::string sql = "SELECT 'é', x;";
  // x is at byte 13: S,E,L,E,C,T,space,',é(2),',comma,space -> 13.
  absl::Status s = weir::SqlError(Span(13, 1, 1, 14), "bad x");
  BOOST_TEST(weir::FormatError(s, sql) ==
             "line 1:14: bad x\nSELECT 'é', x;\n            ^");
  std::string tabbed = "\tSELECT y";
  absl::Status t = weir::SqlError(Span(8, 1, 1, 9), "bad y");
  BOOST_TEST(weir::FormatError(t, tabbed) ==
             "line 1:9: bad y\n\tSELECT y\n\t       ^");
}

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

BOOST_AUTO_TEST_CASE(format_error_cuts_very_long_lines_around_the_span) {
  // "bad" at byte 301 of a 604-byte line: the excerpt starts 80 bytes
  // before it (79 'a' and the blank), keeps 160 bytes, and says on each side
  // that it was cut.
  std::string sql = std::string(300, 'a') + " bad " + std::string(300, 'b');
  absl::Status s = weir::SqlError(Span(301, 3, 1, 302), "bad");
  BOOST_TEST(weir::FormatError(s, sql) ==
             "line 1:302: bad\n..." + std::string(79, 'a') + " bad " +
                 std::string(76, 'b') + "...\n" + std::string(83, ' ') + "^~~");
}

BOOST_AUTO_TEST_CASE(format_error_cuts_long_lines_between_characters) {
  // 100 two-byte 'é' after "SELECT '" (8 bytes): 'pricee' is at byte 211.
  // 80 bytes before it is byte 131, the second byte of an 'é': the excerpt
  // must start at its first byte (130) and show 39 whole 'é', not a broken
  // first character.
  std::string sql = "SELECT '" + Repeat("é", 100) + "', pricee FROM t;";
  absl::Status s = weir::SqlError(Span(211, 6, 1, 212), "unknown column");
  BOOST_TEST(weir::FormatError(s, sql) ==
             "line 1:212: unknown column\n..." + Repeat("é", 39) +
                 "', pricee FROM t;\n" + std::string(3 + 39 + 3, ' ') +
                 "^~~~~~");
}

BOOST_AUTO_TEST_CASE(format_error_hides_redacted_text_and_keeps_the_caret) {
  const std::string sql =
      "CREATE STREAM s (a INT) WITH (password = 'hunter2', tpoic = 'x');";
  const uint32_t secret = static_cast<uint32_t>(sql.find("'hunter2'"));
  const uint32_t typo = static_cast<uint32_t>(sql.find("tpoic"));
  const std::vector<weir::Redaction> hidden = {{secret, 9, "'***'"}};
  const std::string shown =
      "CREATE STREAM s (a INT) WITH (password = '***', tpoic = 'x');";
  absl::Status s =
      weir::SqlError(Span(typo, 5, 1, typo + 1), "unknown option 'tpoic'");
  BOOST_TEST(weir::FormatError(s, sql, hidden) ==
             "line 1:53: unknown option 'tpoic'\n" + shown + "\n" +
                 std::string(shown.find("tpoic"), ' ') + "^~~~~");
  // A span on the secret points at the whole replacement, and the secret
  // is hidden in the message too.
  absl::Status on = weir::SqlError(Span(secret, 9, 1, secret + 1),
                                   "bad value 'hunter2' for password");
  BOOST_TEST(weir::FormatError(on, sql, hidden) ==
             "line 1:42: bad value '***' for password\n" + shown + "\n" +
                 std::string(41, ' ') + "^~~~~");
  // A message about another token keeps its words, even one that is also
  // a secret (here the user name is the password).
  const std::string same = "WITH (user = 'weir', password = 'weir', x = = 1)";
  const uint32_t pw = static_cast<uint32_t>(same.find("'weir'", 20));
  absl::Status user = weir::SqlError(Span(6, 4, 1, 7), "no user 'weir'");
  BOOST_TEST(weir::FormatError(user, same, {{pw, 6, "'***'"}}) ==
             "line 1:7: no user 'weir'\n"
             "WITH (user = 'weir', password = '***', x = = 1)\n      ^~~~");
  // A redaction that spans lines hides its part of every line.
  const std::string two = "SET 'sasl.password' = 'a\nsecret2';\nbad;";
  const uint32_t value = static_cast<uint32_t>(two.find("'a"));
  absl::Status second = weir::SqlError(Span(value + 3, 1, 2, 1), "here");
  BOOST_TEST(weir::FormatError(second, two, {{value, 11, "'***'"}}) ==
             "line 2:1: here\n'***';\n^~~~~");
}

BOOST_AUTO_TEST_CASE(redact_replaces_every_covered_byte) {
  BOOST_TEST(weir::Redact("a=secret, b=x", {{2, 6, "***"}}) == "a=***, b=x");
  // Out of order, overlapping and past the end.
  BOOST_TEST(
      weir::Redact("0123456789", {{6, 10, "#"}, {1, 2, "*"}, {2, 2, "*"}}) ==
      "0*4"
      "5#");
  BOOST_TEST(weir::Redact("abc", {}) == "abc");
}

BOOST_AUTO_TEST_CASE(edit_distance_counts_transpositions_as_one) {
  BOOST_TEST(weir::EditDistance("topic", "topic") == 0);
  BOOST_TEST(weir::EditDistance("tpoic", "topic") == 1);
  BOOST_TEST(weir::EditDistance("TOPIC", "topic") == 0);
  BOOST_TEST(weir::EditDistance("kitten", "sitting") == 3);
  BOOST_TEST(weir::EditDistance("", "abc") == 3);
}

BOOST_AUTO_TEST_CASE(closest_match_suggests_likely_typos_only) {
  std::vector<std::string> names = {"price", "bidder", "auction", "date_time"};
  BOOST_TEST(weir::ClosestMatch("pricee", names).value_or("") == "price");
  BOOST_TEST(weir::ClosestMatch("aucton", names).value_or("") == "auction");
  BOOST_TEST(!weir::ClosestMatch("zzz", names).has_value());
  // A unique prefix counts: "date" -> "date_time".
  BOOST_TEST(weir::ClosestMatch("date", names).value_or("") == "date_time");
  BOOST_TEST(weir::DidYouMean("bidr", names) == "; did you mean 'bidder'?");
  BOOST_TEST(weir::DidYouMean("nothing_like_it", names).empty());
}

BOOST_AUTO_TEST_CASE(string_helpers) {
  BOOST_TEST(weir::AsciiLower("MiXeD_1") == "mixed_1");
  BOOST_TEST(weir::AsciiUpper("MiXeD_1") == "MIXED_1");
  BOOST_TEST(weir::EqualsIgnoreCase("Bids", "bIDS"));
  BOOST_TEST(!weir::EqualsIgnoreCase("bids", "bid"));
  BOOST_TEST(weir::JoinStrings({"a", "b", "c"}, ", ") == "a, b, c");
  BOOST_TEST(weir::JoinStrings({}, ", ").empty());
}

BOOST_AUTO_TEST_CASE(log_messages_go_to_the_sink_once_each) {
  std::vector<std::pair<weir::LogLevel, std::string>> got;
  weir::LogSink previous =
      weir::SetLogSink([&](weir::LogLevel level, const std::string& message) {
        got.emplace_back(level, message);
      });
  // Four threads log 500 messages each; the sink is never called
  // concurrently, so the unsynchronized vector above must end with all.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 500; ++i) {
        weir::Log(weir::LogLevel::kWarning,
                  "t" + std::to_string(t) + " m" + std::to_string(i));
      }
    });
  }
  for (auto& th : threads) th.join();
  weir::Log(weir::LogLevel::kError, "last");
  weir::SetLogSink(previous);
  BOOST_REQUIRE_EQUAL(got.size(), 2001u);
  BOOST_TEST((got.back().first == weir::LogLevel::kError));
  BOOST_TEST(got.back().second == "last");
  std::set<std::string> distinct;
  for (const auto& [level, message] : got) distinct.insert(message);
  BOOST_TEST(distinct.size() == 2001u);
}

// ------------------------------------------------------------ failpoints

namespace {

absl::Status PassesPoint() {
  WEIR_FAILPOINT("test.point");
  return absl::OkStatus();
}

absl::StatusOr<int> PassesPointOr() {
  WEIR_FAILPOINT("test.point");
  return 7;
}

}  // namespace

BOOST_AUTO_TEST_CASE(failpoint_disarmed_passes_armed_errors) {
  weir::DisarmAllFailpoints();
  BOOST_TEST(PassesPoint().ok());
  weir::ArmFailpoint("other.point", weir::FailpointAction::kError);
  BOOST_TEST(PassesPoint().ok());  // another point armed: this one passes
  weir::ArmFailpoint("test.point", weir::FailpointAction::kError);
  absl::Status st = PassesPoint();
  BOOST_TEST(absl::IsInternal(st));
  BOOST_TEST(std::string(st.message()).find("test.point") !=
             std::string::npos);
  BOOST_TEST(!PassesPointOr().ok());
  BOOST_TEST(weir::FailpointHits("test.point") == 2);
  weir::DisarmFailpoint("test.point");
  BOOST_TEST(PassesPoint().ok());
  BOOST_TEST(*PassesPointOr() == 7);
  weir::DisarmAllFailpoints();
}

BOOST_AUTO_TEST_CASE(failpoint_acts_from_the_nth_hit) {
  weir::DisarmAllFailpoints();
  weir::ArmFailpoint("test.point", weir::FailpointAction::kError, 3);
  BOOST_TEST(PassesPoint().ok());
  BOOST_TEST(PassesPoint().ok());
  BOOST_TEST(!PassesPoint().ok());
  BOOST_TEST(!PassesPoint().ok());  // and every hit after it
  weir::DisarmAllFailpoints();
}

BOOST_AUTO_TEST_CASE(failpoint_spec_parses_and_refuses_bad_parts) {
  weir::DisarmAllFailpoints();
  BOOST_TEST(weir::ArmFailpoints(" test.point = error@2 , a.b=crash ").ok());
  BOOST_TEST(PassesPoint().ok());
  BOOST_TEST(!PassesPoint().ok());
  weir::DisarmAllFailpoints();
  for (const char* bad : {"test.point", "test.point=explode", "=crash",
                          "test.point=crash@0", "test.point=error@x"}) {
    absl::Status st = weir::ArmFailpoints(bad);
    BOOST_TEST(absl::IsInvalidArgument(st), bad);
  }
  // A bad part arms nothing, not even the good parts before it.
  BOOST_TEST(!weir::ArmFailpoints("test.point=error,nope").ok());
  BOOST_TEST(PassesPoint().ok());
}

BOOST_AUTO_TEST_CASE(failpoint_crash_ends_the_process_at_once) {
  weir::DisarmAllFailpoints();
  const pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    ::setenv("WEIR_FAILPOINTS", "test.point=crash", 1);
    if (!weir::ArmFailpointsFromEnvironment().ok()) ::_exit(1);
    (void)PassesPoint();
    ::_exit(0);  // not reached when the point crashed
  }
  int status = 0;
  BOOST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == weir::kFailpointExitCode);
}
