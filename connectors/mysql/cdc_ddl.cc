// The statements of the binlog that touch a mysql-cdc source's table
// (cdc_source.h: ParseColumnAlter, IsDdlOn).
#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "connectors/mysql/cdc_source.h"

namespace weir::connectors::mysql {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// The words and identifiers of a statement, lower-cased, with comments
/// and string literals dropped; a qualified name "a.b" stays one token;
/// "(", ")" and "," are tokens of their own (clauses and nesting).
std::vector<std::string> Tokens(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  bool joined = false;  // the last token ended with '.'
  auto flush = [&] {
    if (cur.empty()) return;
    if (joined && !out.empty()) {
      out.back() += cur;
    } else {
      out.push_back(cur);
    }
    cur.clear();
    joined = false;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      flush();
      const size_t end = s.find("*/", i + 2);
      i = end == std::string_view::npos ? s.size() : end + 1;
    } else if (c == '\'' || c == '"') {
      flush();
      for (++i; i < s.size() && s[i] != c; ++i) {
        if (s[i] == '\\') ++i;
      }
    } else if (c == '`') {
      for (++i; i < s.size(); ++i) {
        if (s[i] == '`') {
          if (i + 1 < s.size() && s[i + 1] == '`') {
            cur += '`';
            ++i;
          } else {
            break;
          }
        } else {
          cur += static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
        }
      }
    } else if (c == '.') {
      cur += '.';
      const std::string keep = cur;
      cur.clear();
      if (joined && !out.empty()) {
        out.back() += keep;
      } else {
        out.push_back(keep);
      }
      joined = true;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
               c == '$' || static_cast<unsigned char>(c) >= 0x80) {
      cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      flush();
      joined = false;
      if (c == '(' || c == ')' || c == ',') out.emplace_back(1, c);
    }
  }
  flush();
  return out;
}

/// Whether `name` names something other than a column in an ADD or DROP
/// clause of ALTER TABLE.
bool IsAlterKeyword(std::string_view name) {
  static constexpr std::string_view kWords[] = {
      "index",   "key",     "primary",   "unique", "constraint", "foreign",
      "fulltext", "spatial", "partition", "period", "system",     "check",
      "(",       ")",       ","};
  return std::find(std::begin(kWords), std::end(kWords), name) !=
         std::end(kWords);
}

/// Skips `words` at `t[*i]` when they are all there.
bool Skip(const std::vector<std::string>& t, size_t* i,
          std::initializer_list<std::string_view> words) {
  size_t j = *i;
  for (std::string_view w : words) {
    if (j >= t.size() || t[j] != w) return false;
    ++j;
  }
  *i = j;
  return true;
}

}  // namespace

std::optional<ColumnChanges> ParseColumnAlter(std::string_view statement) {
  const std::vector<std::string> t = Tokens(statement);
  size_t i = 0;
  if (!Skip(t, &i, {"alter"})) return std::nullopt;
  while (Skip(t, &i, {"online"}) || Skip(t, &i, {"ignore"})) {
  }
  if (!Skip(t, &i, {"table"})) return std::nullopt;
  Skip(t, &i, {"if", "exists"});
  if (i >= t.size()) return std::nullopt;
  ++i;  // the table's name
  ColumnChanges changes;
  while (i < t.size()) {
    // One clause: up to the next "," outside parentheses.
    size_t end = i;
    for (int depth = 0; end < t.size(); ++end) {
      if (t[end] == "(") ++depth;
      if (t[end] == ")") --depth;
      if (t[end] == "," && depth == 0) break;
    }
    size_t j = i;
    if (Skip(t, &j, {"add"})) {
      Skip(t, &j, {"column"});
      Skip(t, &j, {"if", "not", "exists"});
      // ADD COLUMN (a INT, b INT) is refused with the rest.
      if (j + 1 >= end || IsAlterKeyword(t[j])) return std::nullopt;
      ColumnChange add;
      add.add = true;
      add.name = t[j];
      // FIRST / AFTER c end the clause (string literals are not tokens).
      if (t[end - 1] == "first") {
        add.first = true;
      } else if (end - j >= 3 && t[end - 2] == "after") {
        add.after = t[end - 1];
      }
      changes.push_back(std::move(add));
    } else if (Skip(t, &j, {"drop"})) {
      Skip(t, &j, {"column"});
      Skip(t, &j, {"if", "exists"});
      if (j + 1 != end || IsAlterKeyword(t[j])) return std::nullopt;
      ColumnChange drop;
      drop.name = t[j];
      changes.push_back(std::move(drop));
    } else if (t[j] != "algorithm" && t[j] != "lock") {
      return std::nullopt;
    }
    i = end + 1;
  }
  if (changes.empty()) return std::nullopt;
  return changes;
}

bool IsDdlOn(std::string_view statement, std::string_view event_database,
             std::string_view database, std::string_view table) {
  const std::vector<std::string> t = Tokens(statement);
  if (t.empty()) return false;
  const std::string db = Lower(database);
  const std::string tbl = Lower(table);
  const std::string& verb = t[0];
  const bool replace = verb == "create" && t.size() > 2 && t[1] == "or" &&
                       t[2] == "replace";
  if (verb != "alter" && verb != "rename" && verb != "truncate" &&
      verb != "drop" && !replace) {
    return false;
  }
  if (verb == "drop" && t.size() > 2 &&
      (t[1] == "database" || t[1] == "schema")) {
    for (size_t i = 2; i < t.size(); ++i) {
      if (t[i] == db) return true;
    }
    return false;
  }
  const bool default_db = Lower(event_database) == db;
  for (const std::string& tok : t) {
    if (tok == db + "." + tbl) return true;
    if (tok == tbl && default_db) return true;
  }
  return false;
}

}  // namespace weir::connectors::mysql
