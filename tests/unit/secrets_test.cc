// engine/sql/secrets.h: secret option values found and masked in SQL text.
// Every expectation is the input with the secret value replaced by hand.
#define BOOST_TEST_MODULE secrets_test
#include "engine/sql/secrets.h"

#include <boost/test/unit_test.hpp>
#include <string>

#include "engine/base/sql_error.h"
#include "engine/sql/parser.h"

namespace weir::sql {
namespace {

BOOST_AUTO_TEST_SUITE(mask_secrets)

BOOST_AUTO_TEST_CASE(with_options_of_every_secret_kind) {
  BOOST_TEST(MaskSecrets("CREATE TABLE o WITH (connector = 'mysql-cdc', "
                         "user = 'weir', password = 'hunter2', port = 3306)") ==
             "CREATE TABLE o WITH (connector = 'mysql-cdc', user = 'weir', "
             "password = '***', port = 3306)");
  BOOST_TEST(MaskSecrets("WITH (properties.sasl.password = 'p1', "
                         "properties.sasl.jaas.config = 'x required "
                         "password=\"p2\";', properties.ssl.key.password = "
                         "'p3', properties.ssl.key.pem = 'p4', "
                         "properties.sasl.oauthbearer.client.secret = 'p5', "
                         "properties.sasl.username = 'alice')") ==
             "WITH (properties.sasl.password = '***', "
             "properties.sasl.jaas.config = '***', "
             "properties.ssl.key.password = '***', properties.ssl.key.pem = "
             "'***', properties.sasl.oauthbearer.client.secret = '***', "
             "properties.sasl.username = 'alice')");
}

BOOST_AUTO_TEST_CASE(keys_as_strings_quoted_identifiers_any_case) {
  BOOST_TEST(MaskSecrets("WITH ('properties.sasl.password' = 's1', "
                         "\"Password\" = 's2', `SECRET` = 's3', PASSWORD = "
                         "'s4', 'pass''word' = 'not a secret key')") ==
             "WITH ('properties.sasl.password' = '***', \"Password\" = "
             "'***', `SECRET` = '***', PASSWORD = '***', 'pass''word' = "
             "'not a secret key')");
}

BOOST_AUTO_TEST_CASE(values_with_quotes_escapes_and_separators) {
  // '' and \' stay inside the string; ',', ')' and ';' inside it do not
  // end the option or the statement.
  BOOST_TEST(MaskSecrets("WITH (password = 'a''b,c)', topic = 't');") ==
             "WITH (password = '***', topic = 't');");
  BOOST_TEST(MaskSecrets("WITH (password = 'a\\'b;c', topic = 't');") ==
             "WITH (password = '***', topic = 't');");
  // Numbers, signs and bare words are values too; the masked value is
  // always a string.
  BOOST_TEST(MaskSecrets("WITH (password = 12345, x = 1)") ==
             "WITH (password = '***', x = 1)");
  BOOST_TEST(MaskSecrets("WITH (password = -12.5e3)") ==
             "WITH (password = '***')");
  BOOST_TEST(MaskSecrets("WITH (password = hunter.two)") ==
             "WITH (password = '***')");
  // Malformed: everything up to the end of the option.
  BOOST_TEST(MaskSecrets("WITH (password = 'a' 'b' (c, d), x = 1)") ==
             "WITH (password = '***', x = 1)");
}

BOOST_AUTO_TEST_CASE(comments_around_keys_and_values) {
  BOOST_TEST(MaskSecrets("WITH (password /* the key */ = -- the value:\n"
                         "  'hunter2' /* end */, x = 1)") ==
             "WITH (password /* the key */ = -- the value:\n"
             "  '***' /* end */, x = 1)");
  // Blanks between the words of a dotted key.
  BOOST_TEST(MaskSecrets("WITH (properties . sasl . password = 'p')") ==
             "WITH (properties . sasl . password = '***')");
}

BOOST_AUTO_TEST_CASE(set_statements) {
  BOOST_TEST(MaskSecrets("SET 'properties.sasl.password' = 'hunter2';") ==
             "SET 'properties.sasl.password' = '***';");
  BOOST_TEST(MaskSecrets("set properties.ssl.key.password = hunter2") ==
             "set properties.ssl.key.password = '***'");
  BOOST_TEST(MaskSecrets("SET 'bootstrap.servers' = 'k:9092'; SET "
                         "'properties.sasl.password' = 'p'; SELECT 1;") ==
             "SET 'bootstrap.servers' = 'k:9092'; SET "
             "'properties.sasl.password' = '***'; SELECT 1;");
  // RESET has no value; SET as an option word inside WITH is not a SET.
  BOOST_TEST(MaskSecrets("RESET 'properties.sasl.password';") ==
             "RESET 'properties.sasl.password';");
}

BOOST_AUTO_TEST_CASE(sinks_with_options_before_and_after_the_query) {
  BOOST_TEST(MaskSecrets("CREATE SINK s WITH (password = 'a') AS SELECT * "
                         "FROM t WITH (secret = 'b');") ==
             "CREATE SINK s WITH (password = '***') AS SELECT * FROM t WITH "
             "(secret = '***');");
}

BOOST_AUTO_TEST_CASE(only_option_values_are_masked) {
  // A column named password, strings and comments that look like options,
  // an option whose value mentions a password: all kept.
  for (const char* sql :
       {"SELECT * FROM users WHERE password = 'x'",
        "SELECT 'WITH (password = ''x'')' AS s",
        "-- WITH (password = 'x')\nSELECT 1",
        "WITH (topic = 'password', format = 'json')",
        "CREATE STREAM s (password VARCHAR) WITH (topic = 't')"}) {
    BOOST_TEST(MaskSecrets(sql) == sql);
  }
}

BOOST_AUTO_TEST_CASE(any_bytes_never_fail) {
  // An unterminated secret runs to the end of the text.
  BOOST_TEST(MaskSecrets("WITH (password = 'hunter2") ==
             "WITH (password = '***'");
  BOOST_TEST(MaskSecrets("SET password = ") == "SET password = ");
  BOOST_TEST(MaskSecrets("") == "");
  // Invalid UTF-8 and multi-byte characters before the value: byte offsets
  // stay right.
  BOOST_TEST(MaskSecrets("WITH (n = '\xE6\x97\xA5\xFF', password = 'p')") ==
             "WITH (n = '\xE6\x97\xA5\xFF', password = '***')");
  BOOST_TEST(MaskSecrets(std::string("WITH (password = 'a\0b')", 23)) ==
             "WITH (password = '***')");
}

BOOST_AUTO_TEST_CASE(the_masked_statement_still_parses) {
  const std::string sql =
      "CREATE TABLE o WITH (connector = 'mysql-cdc', password = 'a''b', "
      "port = 3306); SET 'properties.sasl.password' = 'x';";
  BOOST_TEST(ParseScript(MaskSecrets(sql)).ok());
}

BOOST_AUTO_TEST_CASE(find_reports_byte_ranges) {
  const std::string sql = "WITH (password = 'ab', secret = 7)";
  const std::vector<Redaction> found = FindSecretValues(sql);
  BOOST_REQUIRE_EQUAL(found.size(), 2u);
  BOOST_TEST(found[0].offset == 17u);  // 'ab' after "WITH (password = "
  BOOST_TEST(found[0].length == 4u);
  BOOST_TEST(found[1].offset == 32u);  // 7 after ", secret = "
  BOOST_TEST(found[1].length == 1u);
  BOOST_TEST(found[1].replacement == "'***'");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(error_excerpts)

BOOST_AUTO_TEST_CASE(a_syntax_error_next_to_a_secret) {
  const std::string sql =
      "CREATE TABLE o (a INT) WITH (password = 'hunter2', port = = 1);";
  auto parsed = ParseScript(sql);
  BOOST_REQUIRE(!parsed.ok());
  // The second '=' is byte 58 (column 59): 'hunter2' (9 bytes) shows as
  // '***' (5), so the caret moves 4 columns left, after 54 blanks.
  BOOST_TEST(FormatErrorMasked(parsed.status(), sql) ==
             "line 1:59: syntax error at '='; expected a statement (SELECT, "
             "CREATE, INSERT, DROP, SHOW, ...)\n"
             "CREATE TABLE o (a INT) WITH (password = '***', port = = 1);\n" +
                 std::string(54, ' ') + "^");
}

BOOST_AUTO_TEST_CASE(a_syntax_error_inside_a_secret_value) {
  // The second string of the value is the offending token: the message
  // quotes it, and must not show it.
  const std::string sql =
      "CREATE STREAM s (a INT) WITH (password = 'ab' 'cdef', x = 1);";
  auto parsed = ParseScript(sql);
  BOOST_REQUIRE(!parsed.ok());
  const std::string shown = FormatErrorMasked(parsed.status(), sql);
  BOOST_TEST(shown.starts_with("line 1:47: syntax error at ''***''"), shown);
  BOOST_TEST(shown.find("\nCREATE STREAM s (a INT) WITH (password = '***', x "
                        "= 1);\n") != std::string::npos,
             shown);
  BOOST_TEST(shown.find("cdef") == std::string::npos, shown);
}

BOOST_AUTO_TEST_CASE(an_error_on_the_secret_itself) {
  // An unterminated secret: the error points at its quote, and neither the
  // line nor the message shows it.
  const std::string sql = "SET 'sasl.password' = 'hunter2";
  auto parsed = ParseScript(sql);
  BOOST_REQUIRE(!parsed.ok());
  const std::string shown = FormatErrorMasked(parsed.status(), sql);
  BOOST_TEST(shown ==
             "line 1:23: unterminated string literal\n"
             "SET 'sasl.password' = '***'\n" +
                 std::string(22, ' ') + "^~~~~");
  BOOST_TEST(shown.find("hunter2") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace weir::sql
