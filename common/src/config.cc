// The TOML configuration loader. Parsing is in two phases: each section is read and checked
// on its own (types, ranges, well-formed names, unknown keys), then references between
// sections are resolved (instrument warehouses, related members, affiliates, receipt ranges).
// The first problem found is returned as InvalidArgument "<toml path>: <reason> (line N)".
// toml++ reports syntax errors by exception; they are caught here and never leave the module.
#include "dazong/common/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <concepts>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <utility>

namespace dazong {
namespace {

// Propagates a non-OK absl::Status. Local to this file.
#define DZ_RETURN_IF_ERROR(expr)             \
  do {                                       \
    absl::Status dz_status_ = (expr);        \
    if (!dz_status_.ok()) return dz_status_; \
  } while (false)

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
__extension__ typedef __int128 Wide;  // GCC/Clang 128-bit integer for overflow checks

// String building. (Debian's Abseil has its own absl::string_view, which absl::StrCat does not
// accept as std::string_view, so this file concatenates with these helpers instead.)
void AppendOne(std::string* out, std::string_view text) { out->append(text); }
template <std::integral T>
void AppendOne(std::string* out, T value) {
  out->append(std::to_string(value));
}
void AppendOne(std::string* out, char c) = delete;  // ambiguous: a character or a number?
template <typename... Args>
void Append(std::string* out, const Args&... args) {
  (AppendOne(out, args), ...);
}
template <typename... Args>
std::string Cat(const Args&... args) {
  std::string out;
  Append(&out, args...);
  return out;
}
template <typename Range>
std::string Join(const Range& parts, std::string_view separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out.append(separator);
    AppendOne(&out, part);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Paths and messages.

// A value quoted for an error message: escapes quotes and control characters and cuts text
// longer than `max_bytes` (at a UTF-8 character boundary).
std::string Quoted(std::string_view text, size_t max_bytes = 64) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto u = static_cast<unsigned char>(c);
    if (i >= max_bytes && (u & 0xC0) != 0x80) {
      out += "...";
      break;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7F) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsAsciiLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsAsciiAlnum(char c) { return IsAsciiDigit(c) || IsAsciiUpper(c) || IsAsciiLower(c); }

// A key as written in a TOML path: bare when it can be, quoted otherwise.
std::string KeyText(std::string_view key) {
  const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return IsAsciiAlnum(c) || c == '_' || c == '-';
  });
  if (bare) return std::string(key);
  return Quoted(key, std::numeric_limits<size_t>::max());
}

std::string Child(std::string_view parent, std::string_view key) {
  if (parent.empty()) return KeyText(key);
  return Cat(parent, ".", KeyText(key));
}

std::string Element(std::string_view parent, size_t index) { return Cat(parent, "[", index, "]"); }

std::string_view TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

// "<path>: <message> (line N)", the line being that of `at` when known.
absl::Status Invalid(std::string_view path, std::string_view message,
                     const toml::node* at = nullptr) {
  std::string text = Cat(path, ": ", message);
  if (at != nullptr && at->source().begin.line > 0) {
    Append(&text, " (line ", at->source().begin.line, ")");
  }
  return absl::InvalidArgumentError(text);
}

absl::Status WrongType(std::string_view path, const toml::node& node, std::string_view expected) {
  return Invalid(path, Cat("must be ", expected, ", not ", TypeName(node)), &node);
}

std::string RangeRule(int64_t min, int64_t max) {
  if (max == kInt64Max) {
    if (min == 1) return "must be a positive integer";
    if (min == 0) return "must not be negative";
    return Cat("must be at least ", min);
  }
  return Cat("must be between ", min, " and ", max);
}

// ---------------------------------------------------------------------------------------------
// Lexical rules for names, dates, times and hashes.

struct NameRule {
  std::string_view what;  // "symbol"
  std::string_view rule;  // shown in the error message
  size_t max_length;
  bool (*first)(char);
  bool (*rest)(char);
};

bool UpperOrDigit(char c) { return IsAsciiUpper(c) || IsAsciiDigit(c); }
bool LowerOrDigit(char c) { return IsAsciiLower(c) || IsAsciiDigit(c); }
bool SymbolChar(char c) { return UpperOrDigit(c) || c == '-'; }
bool CodeChar(char c) { return UpperOrDigit(c) || c == '-' || c == '_'; }
bool CompIdChar(char c) { return IsAsciiAlnum(c) || c == '-' || c == '_' || c == '.'; }
bool CommodityChar(char c) { return LowerOrDigit(c) || c == '-' || c == '_'; }
bool KeyPrefixChar(char c) { return CompIdChar(c) || c == ':'; }

constexpr NameRule kSymbolRule{
    "symbol", "use 1 to 16 characters A-Z, 0-9 and '-', starting with a letter or digit", 16,
    UpperOrDigit, SymbolChar};
constexpr NameRule kIndexIdRule{
    "index id", "use 1 to 16 characters A-Z, 0-9 and '-', starting with a letter or digit", 16,
    UpperOrDigit, SymbolChar};
constexpr NameRule kCodeRule{
    "code", "use 1 to 16 characters A-Z, 0-9, '-' and '_', starting with a letter or digit", 16,
    UpperOrDigit, CodeChar};
constexpr NameRule kCompIdRule{
    "CompID",
    "use 1 to 32 characters A-Z, a-z, 0-9, '-', '_' and '.', starting with a letter or digit", 32,
    IsAsciiAlnum, CompIdChar};
constexpr NameRule kCommodityRule{
    "commodity name",
    "use 1 to 32 characters a-z, 0-9, '-' and '_', starting with a letter or digit", 32,
    LowerOrDigit, CommodityChar};
constexpr NameRule kReceiptPrefixRule{
    "receipt prefix", "use 1 to 12 characters A-Z, 0-9 and '-', starting with a letter", 12,
    IsAsciiUpper, SymbolChar};
constexpr NameRule kKeyPrefixRule{
    "key prefix",
    "use 1 to 64 characters A-Z, a-z, 0-9, '-', '_', '.' and ':', starting with a letter or digit",
    64, IsAsciiAlnum, KeyPrefixChar};

bool FollowsRule(std::string_view text, const NameRule& rule) {
  if (text.empty() || text.size() > rule.max_length || !rule.first(text.front())) return false;
  return std::all_of(text.begin() + 1, text.end(), rule.rest);
}

absl::Status CheckName(std::string_view path, std::string_view text, const NameRule& rule,
                       const toml::node* at) {
  if (FollowsRule(text, rule)) return absl::OkStatus();
  return Invalid(path, Cat(Quoted(text), " is not a valid ", rule.what, ": ", rule.rule), at);
}

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeapYear(year)) return 29;
  return kDays[month - 1];
}

// Reads `count` ASCII digits at `text[pos]`.
bool Digits(std::string_view text, size_t pos, size_t count, int* out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (!IsAsciiDigit(text[i])) return false;
    value = value * 10 + (text[i] - '0');
  }
  *out = value;
  return true;
}

// True for "YYYY-MM-DD" naming a real day of the Gregorian calendar (year 1..9999).
bool IsCalendarDate(std::string_view text) {
  int year = 0, month = 0, day = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  if (!Digits(text, 0, 4, &year) || !Digits(text, 5, 2, &month) || !Digits(text, 8, 2, &day)) {
    return false;
  }
  if (year < 1 || month < 1 || month > 12) return false;
  return day >= 1 && day <= DaysInMonth(year, month);
}

// Parses "HH:MM" (00:00..23:59) into minutes after midnight.
bool ParseClockTime(std::string_view text, int* minutes) {
  int hours = 0, mins = 0;
  if (text.size() != 5 || text[2] != ':') return false;
  if (!Digits(text, 0, 2, &hours) || !Digits(text, 3, 2, &mins)) return false;
  if (hours > 23 || mins > 59) return false;
  *minutes = hours * 60 + mins;
  return true;
}

bool IsBase64Char(char c) { return IsAsciiAlnum(c) || c == '+' || c == '/'; }

bool ConsumeLiteral(std::string_view* text, std::string_view literal) {
  if (text->substr(0, literal.size()) != literal) return false;
  text->remove_prefix(literal.size());
  return true;
}

bool ConsumeNumber(std::string_view* text, uint64_t* out) {
  size_t n = 0;
  uint64_t value = 0;
  while (n < text->size() && IsAsciiDigit((*text)[n])) {
    if (n == 10) return false;  // no cost parameter needs more digits
    value = value * 10 + static_cast<uint64_t>((*text)[n] - '0');
    ++n;
  }
  if (n == 0) return false;
  text->remove_prefix(n);
  *out = value;
  return true;
}

size_t ConsumeBase64(std::string_view* text) {
  size_t n = 0;
  while (n < text->size() && IsBase64Char((*text)[n])) ++n;
  text->remove_prefix(n);
  return n;
}

constexpr uint64_t kMaxArgonMemoryKib = 1U << 20;  // 1 GiB per verification
constexpr uint64_t kMaxArgonPasses = 64;

// Checks the shape of a libsodium argon2id string
// "$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt b64>$<hash b64>". Returns "" when it is
// well-formed, else the reason. Never echoes the value: a secret pasted by mistake must not
// end up in logs.
std::string Argon2idProblem(std::string_view hash) {
  std::string_view rest = hash;
  if (!ConsumeLiteral(&rest, "$argon2id$")) return "it does not start with \"$argon2id$\"";
  if (!ConsumeLiteral(&rest, "v=19$")) return "only argon2 version 19 (v=19) is supported";
  uint64_t memory = 0, passes = 0, lanes = 0;
  if (!ConsumeLiteral(&rest, "m=") || !ConsumeNumber(&rest, &memory) ||
      !ConsumeLiteral(&rest, ",t=") || !ConsumeNumber(&rest, &passes) ||
      !ConsumeLiteral(&rest, ",p=") || !ConsumeNumber(&rest, &lanes) ||
      !ConsumeLiteral(&rest, "$")) {
    return "the cost parameters are not \"m=<KiB>,t=<passes>,p=<lanes>\"";
  }
  if (memory < 8 || memory > kMaxArgonMemoryKib) {
    return Cat("the memory cost must be 8..", kMaxArgonMemoryKib, " KiB");
  }
  if (passes < 1 || passes > kMaxArgonPasses) {
    return Cat("the time cost must be 1..", kMaxArgonPasses);
  }
  if (lanes < 1 || lanes > 255) return "the parallelism must be 1..255";
  const size_t salt = ConsumeBase64(&rest);
  if (salt < 11 || !ConsumeLiteral(&rest, "$")) return "the salt is missing or too short";
  const size_t digest = ConsumeBase64(&rest);
  if (digest < 22 || !rest.empty()) return "the hash part is missing, too short or malformed";
  if (hash.size() >= 128) return "it is longer than libsodium's 127-character limit";
  return "";
}

// Resolves `path` against `base_dir` unless it is absolute, then normalizes it.
std::string ResolvePath(std::string_view base_dir, std::string_view path) {
  std::filesystem::path p{std::string(path)};
  if (p.is_relative() && !base_dir.empty()) p = std::filesystem::path(std::string(base_dir)) / p;
  return p.lexically_normal().string();
}

// ---------------------------------------------------------------------------------------------
// Typed access to one TOML table, with the table's path for messages.

enum class Presence : uint8_t { kRequired, kOptional };
constexpr Presence kRequired = Presence::kRequired;
constexpr Presence kOptional = Presence::kOptional;

// Rules for decimal strings (prices, money, ratios).
struct DecimalRule {
  int scale;
  bool allow_zero;
  std::string_view constraint;  // e.g. "must be a positive multiple of 0.01 yuan"
  std::string_view example;     // e.g. "1.00"
};

constexpr DecimalRule kTickRule{2, false, "must be a positive multiple of 0.01 yuan", "1.00"};
constexpr DecimalRule kPriceRule{
    2, false, "must be a positive price in yuan with at most 2 decimals", "3650.00"};
constexpr DecimalRule kMoneyRule{
    2, true, "must be a non-negative amount in yuan with at most 2 decimals", "5.00"};
constexpr DecimalRule kOutlierKRule{3, false, "must be a positive decimal with at most 3 decimals",
                                    "3.0"};

class Table {
 public:
  Table(const toml::table& table, std::string path) : table_(&table), path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  std::string PathOf(std::string_view key) const { return Child(path_, key); }
  const toml::node* Find(std::string_view key) const { return table_->get(key); }

  // Rejects the first key (in file order) that is not in `allowed`.
  absl::Status CheckKeys(std::initializer_list<std::string_view> allowed) const {
    const toml::key* unknown = nullptr;
    for (auto&& [key, node] : *table_) {
      if (std::find(allowed.begin(), allowed.end(), std::string_view(key.str())) != allowed.end()) {
        continue;
      }
      if (unknown == nullptr || Before(key.source().begin, unknown->source().begin)) {
        unknown = &key;
      }
    }
    if (unknown == nullptr) return absl::OkStatus();
    std::string message = Cat("unknown key (allowed keys: ", Join(allowed, ", "), ")");
    if (unknown->source().begin.line > 0) {
      Append(&message, " (line ", unknown->source().begin.line, ")");
    }
    return Invalid(PathOf(unknown->str()), message);
  }

  absl::Status Missing(std::string_view key) const {
    std::string message = "required key is missing";
    if (!path_.empty() && table_->source().begin.line > 0) {
      Append(&message, " (in the table that starts at line ", table_->source().begin.line, ")");
    }
    return Invalid(PathOf(key), message);
  }

  // A forbidden key present: "<path>: <why>".
  absl::Status Forbid(std::string_view key, std::string_view why) const {
    const toml::node* node = Find(key);
    if (node == nullptr) return absl::OkStatus();
    return Invalid(PathOf(key), why, node);
  }

  // A non-empty string. Optional keys leave *out unchanged when absent.
  absl::Status String(std::string_view key, Presence presence, std::string* out) const {
    const toml::node* node = Find(key);
    if (node == nullptr) return presence == kRequired ? Missing(key) : absl::OkStatus();
    const toml::value<std::string>* value = node->as_string();
    if (value == nullptr) return WrongType(PathOf(key), *node, "a string");
    if (value->get().empty()) return Invalid(PathOf(key), "must not be empty", node);
    *out = value->get();
    return absl::OkStatus();
  }

  // A string following a naming rule.
  absl::Status Name(std::string_view key, Presence presence, const NameRule& rule,
                    std::string* out) const {
    std::string text;
    DZ_RETURN_IF_ERROR(String(key, presence, &text));
    if (text.empty()) return absl::OkStatus();  // optional and absent
    DZ_RETURN_IF_ERROR(CheckName(PathOf(key), text, rule, Find(key)));
    *out = std::move(text);
    return absl::OkStatus();
  }

  absl::Status Integer(std::string_view key, Presence presence, int64_t min, int64_t max,
                       int64_t* out) const {
    const toml::node* node = Find(key);
    if (node == nullptr) return presence == kRequired ? Missing(key) : absl::OkStatus();
    const toml::value<int64_t>* value = node->as_integer();
    if (value == nullptr) return WrongType(PathOf(key), *node, "an integer");
    const int64_t v = value->get();
    if (v < min || v > max) {
      return Invalid(PathOf(key), Cat(RangeRule(min, max), ", got ", v), node);
    }
    *out = v;
    return absl::OkStatus();
  }

  absl::Status Bool(std::string_view key, bool* out) const {
    const toml::node* node = Find(key);
    if (node == nullptr) return absl::OkStatus();
    const toml::value<bool>* value = node->as_boolean();
    if (value == nullptr) return WrongType(PathOf(key), *node, "a boolean (true or false)");
    *out = value->get();
    return absl::OkStatus();
  }

  // A decimal written as a string ("3650.00"), parsed at the rule's scale.
  absl::Status Decimal(std::string_view key, Presence presence, const DecimalRule& rule,
                       int64_t* out) const {
    const toml::node* node = Find(key);
    if (node == nullptr) return presence == kRequired ? Missing(key) : absl::OkStatus();
    const toml::value<std::string>* value = node->as_string();
    if (value == nullptr) {
      return Invalid(PathOf(key),
                     Cat("must be a quoted decimal string such as ", Quoted(rule.example), ", not ",
                         TypeName(*node),
                         " (prices, money and ratios are exact decimals written as "
                         "strings, never floating-point numbers)"),
                     node);
    }
    const std::string& text = value->get();
    absl::StatusOr<int64_t> parsed = ParseDecimal(text, rule.scale);
    if (!parsed.ok()) {
      std::string reason(parsed.status().message().data(), parsed.status().message().size());
      if (parsed.status().code() == absl::StatusCode::kOutOfRange) {
        reason = Cat(Quoted(text), " is too large");
      }
      return Invalid(PathOf(key), Cat(rule.constraint, ": ", reason), node);
    }
    if (*parsed < 0 || (*parsed == 0 && !rule.allow_zero)) {
      return Invalid(PathOf(key), Cat(rule.constraint, ", got ", Quoted(text)), node);
    }
    *out = *parsed;
    return absl::OkStatus();
  }

  // A date "YYYY-MM-DD", written as a string or as a TOML local date.
  absl::Status Date(std::string_view key, Presence presence, std::string* out) const {
    const toml::node* node = Find(key);
    if (node == nullptr) return presence == kRequired ? Missing(key) : absl::OkStatus();
    std::string text;
    if (const toml::value<toml::date>* date = node->as_date()) {
      const toml::date& d = date->get();
      std::ostringstream formatted;
      formatted << d;
      text = formatted.str();
    } else if (const toml::value<std::string>* str = node->as_string()) {
      text = str->get();
    } else {
      return WrongType(PathOf(key), *node, "a date \"YYYY-MM-DD\"");
    }
    if (!IsCalendarDate(text)) {
      return Invalid(PathOf(key), Cat(Quoted(text), " is not a calendar date written YYYY-MM-DD"),
                     node);
    }
    *out = std::move(text);
    return absl::OkStatus();
  }

  // An argon2id hash string from dazong-passwd.
  absl::Status Hash(std::string_view key, std::string* out) const {
    const toml::node* node = Find(key);
    if (node == nullptr) return Missing(key);
    const toml::value<std::string>* value = node->as_string();
    if (value == nullptr) return WrongType(PathOf(key), *node, "a string");
    const std::string problem = Argon2idProblem(value->get());
    if (!problem.empty()) {
      return Invalid(PathOf(key),
                     Cat("must be an argon2id hash made with dazong-passwd "
                         "(\"$argon2id$v=19$m=...,t=...,p=...$<salt>$<hash>\"), but ",
                         problem, "; the value is not shown"),
                     node);
    }
    *out = value->get();
    return absl::OkStatus();
  }

  // An array of distinct non-empty strings, each following `rule` when it is given.
  absl::Status Strings(std::string_view key, Presence presence, bool allow_empty,
                       const NameRule* rule, std::vector<std::string>* out) const {
    const toml::node* node = Find(key);
    if (node == nullptr) return presence == kRequired ? Missing(key) : absl::OkStatus();
    const toml::array* array = node->as_array();
    if (array == nullptr) return WrongType(PathOf(key), *node, "an array of strings");
    if (array->empty() && !allow_empty) {
      return Invalid(PathOf(key), "must list at least one value", node);
    }
    std::vector<std::string> values;
    for (size_t i = 0; i < array->size(); ++i) {
      const toml::node& element = (*array)[i];
      const std::string path = Element(PathOf(key), i);
      const toml::value<std::string>* value = element.as_string();
      if (value == nullptr) return WrongType(path, element, "a string");
      const std::string& text = value->get();
      if (text.empty()) return Invalid(path, "must not be empty", &element);
      if (rule != nullptr) DZ_RETURN_IF_ERROR(CheckName(path, text, *rule, &element));
      const auto previous = std::find(values.begin(), values.end(), text);
      if (previous != values.end()) {
        return Invalid(path,
                       Cat(Quoted(text), " is listed twice (also at ",
                           Element(KeyText(key), previous - values.begin()), ")"),
                       &element);
      }
      values.push_back(text);
    }
    *out = std::move(values);
    return absl::OkStatus();
  }

  // An array of integers, each in [min, max].
  absl::Status Integers(std::string_view key, Presence presence, int64_t min, int64_t max,
                        std::vector<int64_t>* out) const {
    const toml::node* node = Find(key);
    if (node == nullptr) return presence == kRequired ? Missing(key) : absl::OkStatus();
    const toml::array* array = node->as_array();
    if (array == nullptr) return WrongType(PathOf(key), *node, "an array of integers");
    std::vector<int64_t> values;
    for (size_t i = 0; i < array->size(); ++i) {
      const toml::node& element = (*array)[i];
      const std::string path = Element(PathOf(key), i);
      const toml::value<int64_t>* value = element.as_integer();
      if (value == nullptr) return WrongType(path, element, "an integer");
      if (value->get() < min || value->get() > max) {
        return Invalid(path, Cat(RangeRule(min, max), ", got ", value->get()), &element);
      }
      values.push_back(value->get());
    }
    *out = std::move(values);
    return absl::OkStatus();
  }

  // A sub-table; nullopt when optional and absent.
  absl::StatusOr<std::optional<Table>> SubTable(std::string_view key, Presence presence) const {
    const toml::node* node = Find(key);
    if (node == nullptr) {
      if (presence == kRequired) return Missing(key);
      return std::optional<Table>();
    }
    const toml::table* table = node->as_table();
    if (table == nullptr) return WrongType(PathOf(key), *node, "a table");
    return std::optional<Table>(Table(*table, PathOf(key)));
  }

  // An array of tables ([[key]]); empty when absent.
  absl::StatusOr<std::vector<Table>> TableArray(std::string_view key) const {
    std::vector<Table> tables;
    const toml::node* node = Find(key);
    if (node == nullptr) return tables;
    const toml::array* array = node->as_array();
    if (array == nullptr) {
      return WrongType(PathOf(key), *node,
                       Cat("an array of tables (write each entry as [[", PathOf(key), "]])"));
    }
    for (size_t i = 0; i < array->size(); ++i) {
      const toml::node& element = (*array)[i];
      const toml::table* table = element.as_table();
      if (table == nullptr) return WrongType(Element(PathOf(key), i), element, "a table");
      tables.emplace_back(*table, Element(PathOf(key), i));
    }
    return tables;
  }

 private:
  static bool Before(const toml::source_position& a, const toml::source_position& b) {
    return a.line < b.line || (a.line == b.line && a.column < b.column);
  }

  const toml::table* table_;
  std::string path_;
};

// ---------------------------------------------------------------------------------------------
// Sections.

constexpr std::string_view kProfileUnrestricted = "unrestricted";
constexpr std::string_view kProfileCnSpot = "cn-spot";

constexpr TradingMode kAllTradingModes[] = {TradingMode::kContinuous, TradingMode::kCallAuction,
                                            TradingMode::kListing, TradingMode::kOneSidedAuction,
                                            TradingMode::kNegotiated};

// Under the "cn-spot" profile only listing, one-sided auction and negotiated trade are
// allowed (国发〔2011〕38号: continuous anonymous matching belongs to futures exchanges).
bool AllowedUnderCnSpot(TradingMode mode) {
  return mode == TradingMode::kListing || mode == TradingMode::kOneSidedAuction ||
         mode == TradingMode::kNegotiated;
}

std::string AllModeNames() {
  std::vector<std::string_view> names;
  for (TradingMode mode : kAllTradingModes) names.push_back(TradingModeName(mode));
  return Join(names, ", ");
}

// Where a name was first defined, for "already used by" messages.
using Registry = std::map<std::string, std::string, std::less<>>;

struct Context {
  std::string base_dir;
  std::string profile = std::string(kProfileUnrestricted);
  Registry symbols;          // instrument symbol -> "instruments[i]"
  Registry principal_codes;  // member/warehouse/bank/supervisor code -> "members[i]" etc.
  Registry comp_ids;         // FIX CompID -> "members[i].sessions[j]" / "exchange"
  Registry licences;         // warehouse licence -> "warehouses[i]"
  Registry index_ids;        // index id -> "indices[i]"
};

// Records `name` in `registry`, or fails naming the earlier user.
absl::Status Register(Registry* registry, const std::string& name, const std::string& owner,
                      const std::string& path, const toml::node* at) {
  auto [it, inserted] = registry->emplace(name, owner);
  if (inserted) return absl::OkStatus();
  return Invalid(path, Cat(Quoted(name), " is already used by ", it->second), at);
}

absl::Status ParseExchange(const Table& root, Context* ctx, ExchangeConfig* cfg) {
  absl::StatusOr<std::optional<Table>> section = root.SubTable("exchange", kRequired);
  if (!section.ok()) return section.status();
  const Table& t = **section;
  DZ_RETURN_IF_ERROR(t.CheckKeys({"name", "comp_id", "data_dir", "profile", "sequencer_nice",
                                  "journal_wal_prewrite_mb"}));
  DZ_RETURN_IF_ERROR(t.String("name", kRequired, &cfg->name));
  DZ_RETURN_IF_ERROR(t.Name("comp_id", kRequired, kCompIdRule, &cfg->comp_id));
  DZ_RETURN_IF_ERROR(
      Register(&ctx->comp_ids, cfg->comp_id, "exchange.comp_id", t.PathOf("comp_id"), nullptr));
  DZ_RETURN_IF_ERROR(t.String("data_dir", kRequired, &cfg->data_dir));
  cfg->data_dir = ResolvePath(ctx->base_dir, cfg->data_dir);
  DZ_RETURN_IF_ERROR(t.String("profile", kOptional, &ctx->profile));
  if (ctx->profile != kProfileUnrestricted && ctx->profile != kProfileCnSpot) {
    return Invalid(t.PathOf("profile"),
                   Cat("unknown profile ", Quoted(ctx->profile), " (expected \"",
                       kProfileUnrestricted, "\" or \"", kProfileCnSpot, "\")"),
                   t.Find("profile"));
  }
  cfg->profile = ctx->profile;
  int64_t nice = cfg->sequencer_nice;
  DZ_RETURN_IF_ERROR(t.Integer("sequencer_nice", kOptional, -20, 19, &nice));
  cfg->sequencer_nice = static_cast<int>(nice);
  int64_t prewrite = cfg->journal_wal_prewrite_mb;
  DZ_RETURN_IF_ERROR(t.Integer("journal_wal_prewrite_mb", kOptional, 0, 4096, &prewrite));
  cfg->journal_wal_prewrite_mb = static_cast<int>(prewrite);
  return absl::OkStatus();
}

absl::Status CheckHost(const Table& t, const std::string& host) {
  const bool ok = std::all_of(host.begin(), host.end(), [](char c) {
    return IsAsciiAlnum(c) || c == '.' || c == '-' || c == ':' || c == '_';
  });
  if (ok) return absl::OkStatus();
  return Invalid(t.PathOf("host"), Cat(Quoted(host), " is not a host name or IP address"),
                 t.Find("host"));
}

absl::Status ParsePort(const Table& t, uint16_t* out) {
  int64_t port = 0;
  DZ_RETURN_IF_ERROR(t.Integer("port", kRequired, 1, 65535, &port));
  *out = static_cast<uint16_t>(port);
  return absl::OkStatus();
}

absl::Status ParseFix(const Table& root, const Context& ctx, FixConfig* fix) {
  absl::StatusOr<std::optional<Table>> section = root.SubTable("fix", kRequired);
  if (!section.ok()) return section.status();
  const Table& t = **section;
  DZ_RETURN_IF_ERROR(t.CheckKeys({"host", "port", "heartbeat_seconds", "dictionary", "outbound_queue"}));
  DZ_RETURN_IF_ERROR(t.String("host", kOptional, &fix->host));
  DZ_RETURN_IF_ERROR(CheckHost(t, fix->host));
  DZ_RETURN_IF_ERROR(ParsePort(t, &fix->port));
  int64_t heartbeat = fix->heartbeat_seconds;
  DZ_RETURN_IF_ERROR(t.Integer("heartbeat_seconds", kOptional, 1, 300, &heartbeat));
  fix->heartbeat_seconds = static_cast<int32_t>(heartbeat);
  int64_t outbound_queue = fix->outbound_queue;
  DZ_RETURN_IF_ERROR(t.Integer("outbound_queue", kOptional, 16, 1 << 22, &outbound_queue));
  fix->outbound_queue = static_cast<int32_t>(outbound_queue);
  DZ_RETURN_IF_ERROR(t.String("dictionary", kRequired, &fix->dictionary_path));
  fix->dictionary_path = ResolvePath(ctx.base_dir, fix->dictionary_path);
  return absl::OkStatus();
}

absl::Status ParseRedis(const Table& root, RedisConfig* redis) {
  absl::StatusOr<std::optional<Table>> section = root.SubTable("redis", kRequired);
  if (!section.ok()) return section.status();
  const Table& t = **section;
  DZ_RETURN_IF_ERROR(t.CheckKeys({"host", "port", "key_prefix"}));
  DZ_RETURN_IF_ERROR(t.String("host", kOptional, &redis->host));
  DZ_RETURN_IF_ERROR(CheckHost(t, redis->host));
  DZ_RETURN_IF_ERROR(ParsePort(t, &redis->port));
  DZ_RETURN_IF_ERROR(t.Name("key_prefix", kOptional, kKeyPrefixRule, &redis->key_prefix));
  return absl::OkStatus();
}

absl::Status ParseHttp(const Table& root, const FixConfig& fix, HttpConfig* http) {
  absl::StatusOr<std::optional<Table>> section = root.SubTable("http", kRequired);
  if (!section.ok()) return section.status();
  const Table& t = **section;
  DZ_RETURN_IF_ERROR(t.CheckKeys({"host", "port"}));
  DZ_RETURN_IF_ERROR(t.String("host", kOptional, &http->host));
  DZ_RETURN_IF_ERROR(CheckHost(t, http->host));
  DZ_RETURN_IF_ERROR(ParsePort(t, &http->port));
  if (http->port == fix.port) {
    return Invalid(t.PathOf("port"),
                   Cat(http->port,
                       " is also fix.port; the HTTP and FIX listeners need "
                       "different ports"),
                   t.Find("port"));
  }
  return absl::OkStatus();
}

absl::Status ParseFees(const Table& instrument, FeeSchedule* fees) {
  absl::StatusOr<std::optional<Table>> section = instrument.SubTable("fees", kRequired);
  if (!section.ok()) return section.status();
  const Table& t = **section;
  DZ_RETURN_IF_ERROR(t.CheckKeys({"buyer_bps", "seller_bps", "minimum"}));
  DZ_RETURN_IF_ERROR(t.Integer("buyer_bps", kRequired, 0, 1000, &fees->buyer_bps));
  DZ_RETURN_IF_ERROR(t.Integer("seller_bps", kRequired, 0, 1000, &fees->seller_bps));
  int64_t minimum = 0;
  DZ_RETURN_IF_ERROR(t.Decimal("minimum", kOptional, kMoneyRule, &minimum));
  fees->minimum = Money::FromRaw(minimum);
  return absl::OkStatus();
}

absl::Status ParseTradingModes(const Table& t, const Context& ctx,
                               std::vector<TradingMode>* modes) {
  std::vector<std::string> names;
  DZ_RETURN_IF_ERROR(t.Strings("trading_modes", kRequired, false, nullptr, &names));
  const toml::array* array = t.Find("trading_modes")->as_array();
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string path = Element(t.PathOf("trading_modes"), i);
    const toml::node* at = array->get(i);
    const TradingMode* found =
        std::find_if(std::begin(kAllTradingModes), std::end(kAllTradingModes),
                     [&](TradingMode mode) { return TradingModeName(mode) == names[i]; });
    if (found == std::end(kAllTradingModes)) {
      return Invalid(
          path,
          Cat("unknown trading mode ", Quoted(names[i]), " (expected one of ", AllModeNames(), ")"),
          at);
    }
    if (ctx.profile == kProfileCnSpot && !AllowedUnderCnSpot(*found)) {
      return Invalid(path,
                     Cat(Quoted(names[i]),
                         " is not permitted under exchange.profile \"cn-spot\" (only "
                         "listing, one_sided_auction and negotiated)"),
                     at);
    }
    modes->push_back(*found);
  }
  return absl::OkStatus();
}

// "pre_open", "opening_auction", "continuous", "closing_auction", "closed": the phases a
// timetable may set (volatility auctions and halts are not scheduled).
constexpr std::pair<std::string_view, Phase> kScheduledPhaseNames[] = {
    {"pre_open", Phase::kPreOpen},
    {"opening_auction", Phase::kOpeningAuction},
    {"continuous", Phase::kContinuous},
    {"closing_auction", Phase::kClosingAuction},
    {"closed", Phase::kClosed},
};

absl::Status ParseSchedule(const Table& instrument, TradingScheduleConfig* out) {
  absl::StatusOr<std::optional<Table>> section = instrument.SubTable("schedule", kOptional);
  if (!section.ok()) return section.status();
  if (!section->has_value()) return absl::OkStatus();
  const Table& t = **section;
  DZ_RETURN_IF_ERROR(t.CheckKeys({"utc_offset_minutes", "phases"}));
  DZ_RETURN_IF_ERROR(t.Integer("utc_offset_minutes", kOptional, -720, 840, &out->utc_offset_minutes));
  if (t.Find("phases") == nullptr) return t.Missing("phases");
  absl::StatusOr<std::vector<Table>> entries = t.TableArray("phases");
  if (!entries.ok()) return entries.status();
  if (entries->empty()) {
    return Invalid(t.PathOf("phases"), "must list at least one { at = \"HH:MM\", phase = ... }",
                   t.Find("phases"));
  }
  std::string previous;
  for (const Table& e : *entries) {
    DZ_RETURN_IF_ERROR(e.CheckKeys({"at", "phase"}));
    std::string at;
    std::string phase;
    DZ_RETURN_IF_ERROR(e.String("at", kRequired, &at));
    DZ_RETURN_IF_ERROR(e.String("phase", kRequired, &phase));
    ScheduledPhase entry;
    if (!ParseClockTime(at, &entry.minute)) {
      return Invalid(e.PathOf("at"), Cat(Quoted(at), " is not a time of day HH:MM (00:00..23:59)"),
                     e.Find("at"));
    }
    if (!out->phases.empty() && entry.minute <= out->phases.back().minute) {
      return Invalid(e.PathOf("at"),
                     Cat(Quoted(at), " must be later than the entry before it (", Quoted(previous), ")"),
                     e.Find("at"));
    }
    const auto* name = std::find_if(std::begin(kScheduledPhaseNames), std::end(kScheduledPhaseNames),
                                    [&](const auto& n) { return n.first == phase; });
    if (name == std::end(kScheduledPhaseNames)) {
      return Invalid(e.PathOf("phase"),
                     Cat("unknown phase ", Quoted(phase),
                         " (expected one of pre_open, opening_auction, continuous, closing_auction, "
                         "closed)"),
                     e.Find("phase"));
    }
    entry.phase = name->second;
    previous = at;
    out->phases.push_back(entry);
  }
  return absl::OkStatus();
}

absl::Status ParseInstrument(const Table& t, size_t index, Context* ctx, InstrumentConfig* out) {
  DZ_RETURN_IF_ERROR(
      t.CheckKeys({"symbol", "commodity", "grade", "price_unit", "base_unit",
                   "base_units_per_price_unit", "lot_size", "tick", "reference_price",
                   "price_band_bps", "trading_modes", "warehouses", "fees", "max_orders",
                   "depth_levels", "volatility_bps", "volatility_window_seconds",
                   "volatility_auction_seconds", "schedule"}));
  out->id = InstrumentId(static_cast<uint32_t>(index + 1));
  DZ_RETURN_IF_ERROR(t.Name("symbol", kRequired, kSymbolRule, &out->symbol));
  DZ_RETURN_IF_ERROR(
      Register(&ctx->symbols, out->symbol, t.path(), t.PathOf("symbol"), t.Find("symbol")));
  DZ_RETURN_IF_ERROR(t.Name("commodity", kRequired, kCommodityRule, &out->commodity));
  DZ_RETURN_IF_ERROR(t.String("grade", kRequired, &out->grade));
  DZ_RETURN_IF_ERROR(t.String("price_unit", kRequired, &out->price_unit));
  DZ_RETURN_IF_ERROR(t.String("base_unit", kRequired, &out->base_unit));
  DZ_RETURN_IF_ERROR(t.Integer("base_units_per_price_unit", kRequired, 1, kInt64Max,
                               &out->base_units_per_price_unit));
  int64_t lot = 0;
  DZ_RETURN_IF_ERROR(t.Integer("lot_size", kRequired, 1, kInt64Max, &lot));
  out->lot_size = Quantity::FromRaw(lot);

  int64_t tick = 0;
  DZ_RETURN_IF_ERROR(t.Decimal("tick", kRequired, kTickRule, &tick));
  out->tick = Price::FromRaw(tick);
  int64_t reference = 0;
  DZ_RETURN_IF_ERROR(t.Decimal("reference_price", kRequired, kPriceRule, &reference));
  out->reference_price = Price::FromRaw(reference);
  if (reference % tick != 0) {
    return Invalid(t.PathOf("reference_price"),
                   Cat(Quoted(FormatPrice(out->reference_price)), " is not a multiple of the tick ",
                       Quoted(FormatPrice(out->tick))),
                   t.Find("reference_price"));
  }
  DZ_RETURN_IF_ERROR(t.Integer("price_band_bps", kRequired, 1, 10000, &out->price_band_bps));
  const Wide upper_limit = static_cast<Wide>(reference) * (10000 + out->price_band_bps) / 10000;
  if (upper_limit > kInt64Max) {
    return Invalid(t.PathOf("reference_price"),
                   "is too large: the upper price band limit would overflow",
                   t.Find("reference_price"));
  }
  DZ_RETURN_IF_ERROR(ParseTradingModes(t, *ctx, &out->trading_modes));
  DZ_RETURN_IF_ERROR(t.Strings("warehouses", kRequired, false, &kCodeRule, &out->warehouses));
  DZ_RETURN_IF_ERROR(t.Integer("max_orders", kOptional, 1, 1 << 24, &out->max_orders));
  DZ_RETURN_IF_ERROR(t.Integer("depth_levels", kOptional, 0, 50, &out->depth_levels));
  DZ_RETURN_IF_ERROR(t.Integer("volatility_bps", kOptional, 0, 10000, &out->volatility_bps));
  DZ_RETURN_IF_ERROR(t.Integer("volatility_window_seconds", kOptional, 0, 86400,
                               &out->volatility_window_seconds));
  DZ_RETURN_IF_ERROR(t.Integer("volatility_auction_seconds", kOptional, 1, 3600,
                               &out->volatility_auction_seconds));
  DZ_RETURN_IF_ERROR(ParseSchedule(t, &out->schedule));
  return ParseFees(t, &out->fees);
}

absl::Status ParseSession(const Table& t, bool for_member, Context* ctx, FixSessionConfig* out) {
  DZ_RETURN_IF_ERROR(t.CheckKeys({"comp_id", "role", "password_hash", "enabled",
                                  "cancel_on_disconnect", "throttle_per_second"}));
  DZ_RETURN_IF_ERROR(t.Name("comp_id", kRequired, kCompIdRule, &out->comp_id));
  DZ_RETURN_IF_ERROR(
      Register(&ctx->comp_ids, out->comp_id, t.path(), t.PathOf("comp_id"), t.Find("comp_id")));
  std::string role;
  DZ_RETURN_IF_ERROR(t.String("role", kRequired, &role));
  const toml::node* role_node = t.Find("role");
  if (role == SessionRoleName(SessionRole::kOrderEntry)) {
    out->role = SessionRole::kOrderEntry;
  } else if (role == SessionRoleName(SessionRole::kMarketData)) {
    out->role = SessionRole::kMarketData;
  } else if (role == SessionRoleName(SessionRole::kDropCopy)) {
    out->role = SessionRole::kDropCopy;
  } else {
    return Invalid(t.PathOf("role"),
                   Cat("unknown session role ", Quoted(role),
                       " (expected order_entry, market_data or drop_copy)"),
                   role_node);
  }
  if (for_member && out->role == SessionRole::kDropCopy) {
    return Invalid(t.PathOf("role"),
                   "drop_copy sessions are for supervisors only; members use order_entry or "
                   "market_data",
                   role_node);
  }
  if (!for_member && out->role == SessionRole::kOrderEntry) {
    return Invalid(t.PathOf("role"),
                   "supervisors cannot enter orders; use drop_copy or market_data", role_node);
  }
  DZ_RETURN_IF_ERROR(t.Hash("password_hash", &out->password_hash));
  DZ_RETURN_IF_ERROR(t.Bool("enabled", &out->enabled));
  DZ_RETURN_IF_ERROR(t.Bool("cancel_on_disconnect", &out->cancel_on_disconnect));
  if (out->cancel_on_disconnect && out->role != SessionRole::kOrderEntry) {
    return Invalid(t.PathOf("cancel_on_disconnect"),
                   "only order_entry sessions have orders to cancel",
                   t.Find("cancel_on_disconnect"));
  }
  int64_t throttle = 0;
  DZ_RETURN_IF_ERROR(t.Integer("throttle_per_second", kOptional, 0, 100000, &throttle));
  out->throttle_per_second = static_cast<int32_t>(throttle);
  return absl::OkStatus();
}

absl::Status ParseSessions(const Table& owner, bool for_member, Context* ctx,
                           std::vector<FixSessionConfig>* out) {
  absl::StatusOr<std::vector<Table>> sessions = owner.TableArray("sessions");
  if (!sessions.ok()) return sessions.status();
  for (const Table& t : *sessions) {
    FixSessionConfig session;
    DZ_RETURN_IF_ERROR(ParseSession(t, for_member, ctx, &session));
    out->push_back(std::move(session));
  }
  return absl::OkStatus();
}

absl::Status ParseMember(const Table& t, size_t index, Context* ctx, MemberConfig* out) {
  DZ_RETURN_IF_ERROR(
      t.CheckKeys({"code", "name", "enabled", "api_token_hash", "related_members", "sessions",
                   "self_trade_prevention"}));
  out->id = MemberId(static_cast<uint32_t>(index + 1));
  DZ_RETURN_IF_ERROR(t.Name("code", kRequired, kCodeRule, &out->code));
  DZ_RETURN_IF_ERROR(
      Register(&ctx->principal_codes, out->code, t.path(), t.PathOf("code"), t.Find("code")));
  DZ_RETURN_IF_ERROR(t.String("name", kRequired, &out->name));
  DZ_RETURN_IF_ERROR(t.Bool("enabled", &out->enabled));
  DZ_RETURN_IF_ERROR(t.Hash("api_token_hash", &out->api_token_hash));
  DZ_RETURN_IF_ERROR(
      t.Strings("related_members", kOptional, true, &kCodeRule, &out->related_members));
  std::string stp = "none";
  DZ_RETURN_IF_ERROR(t.String("self_trade_prevention", kOptional, &stp));
  if (stp == "none") {
    out->self_trade_prevention = SelfTradePrevention::kNone;
  } else if (stp == "cancel_resting") {
    out->self_trade_prevention = SelfTradePrevention::kCancelResting;
  } else if (stp == "cancel_incoming") {
    out->self_trade_prevention = SelfTradePrevention::kCancelIncoming;
  } else if (stp == "cancel_both") {
    out->self_trade_prevention = SelfTradePrevention::kCancelBoth;
  } else {
    return Invalid(t.PathOf("self_trade_prevention"),
                   Cat("unknown mode ", Quoted(stp),
                       " (expected \"none\", \"cancel_resting\", \"cancel_incoming\" or \"cancel_both\")"),
                   t.Find("self_trade_prevention"));
  }
  return ParseSessions(t, /*for_member=*/true, ctx, &out->sessions);
}

absl::Status ParseReceiptRange(const Table& t, WarehouseConfig* out) {
  const toml::node* node = t.Find("receipt_range");
  if (node == nullptr) return t.Missing("receipt_range");
  const std::string path = t.PathOf("receipt_range");
  const toml::array* array = node->as_array();
  if (array == nullptr || array->size() != 2 || !(*array)[0].is_integer() ||
      !(*array)[1].is_integer()) {
    return Invalid(path, "must be an array of two integers [first, last]", node);
  }
  const int64_t first = (*array)[0].as_integer()->get();
  const int64_t last = (*array)[1].as_integer()->get();
  if (first < 1) {
    return Invalid(Element(path, 0),
                   Cat("the first receipt number must be at least 1, got ", first), node);
  }
  if (first > last) {
    return Invalid(path, Cat("first (", first, ") must not be greater than last (", last, ")"),
                   node);
  }
  out->receipt_range_first = static_cast<uint64_t>(first);
  out->receipt_range_last = static_cast<uint64_t>(last);
  return absl::OkStatus();
}

absl::Status ParseWarehouse(const Table& t, size_t index, Context* ctx, WarehouseConfig* out) {
  DZ_RETURN_IF_ERROR(
      t.CheckKeys({"code", "name", "licence", "licence_expiry", "operator", "affiliates",
                   "receipt_prefix", "receipt_range", "commodities", "api_token_hash"}));
  out->id = WarehouseId(static_cast<uint32_t>(index + 1));
  DZ_RETURN_IF_ERROR(t.Name("code", kRequired, kCodeRule, &out->code));
  DZ_RETURN_IF_ERROR(
      Register(&ctx->principal_codes, out->code, t.path(), t.PathOf("code"), t.Find("code")));
  DZ_RETURN_IF_ERROR(t.String("name", kRequired, &out->name));
  DZ_RETURN_IF_ERROR(t.String("licence", kRequired, &out->licence));
  DZ_RETURN_IF_ERROR(
      Register(&ctx->licences, out->licence, t.path(), t.PathOf("licence"), t.Find("licence")));
  DZ_RETURN_IF_ERROR(t.Date("licence_expiry", kRequired, &out->licence_expiry));
  DZ_RETURN_IF_ERROR(t.String("operator", kRequired, &out->operator_name));
  DZ_RETURN_IF_ERROR(t.Strings("affiliates", kOptional, true, &kCodeRule, &out->affiliates));
  DZ_RETURN_IF_ERROR(t.Name("receipt_prefix", kRequired, kReceiptPrefixRule, &out->receipt_prefix));
  DZ_RETURN_IF_ERROR(ParseReceiptRange(t, out));
  DZ_RETURN_IF_ERROR(
      t.Strings("commodities", kRequired, false, &kCommodityRule, &out->commodities));
  return t.Hash("api_token_hash", &out->api_token_hash);
}

absl::Status ParseBank(const Table& t, Context* ctx, BankConfig* out) {
  DZ_RETURN_IF_ERROR(t.CheckKeys({"code", "name", "api_token_hash"}));
  DZ_RETURN_IF_ERROR(t.Name("code", kRequired, kCodeRule, &out->code));
  DZ_RETURN_IF_ERROR(
      Register(&ctx->principal_codes, out->code, t.path(), t.PathOf("code"), t.Find("code")));
  DZ_RETURN_IF_ERROR(t.String("name", kRequired, &out->name));
  return t.Hash("api_token_hash", &out->api_token_hash);
}

absl::Status ParseSupervisor(const Table& t, Context* ctx, SupervisorConfig* out) {
  DZ_RETURN_IF_ERROR(t.CheckKeys({"code", "name", "api_token_hash", "sessions"}));
  DZ_RETURN_IF_ERROR(t.Name("code", kRequired, kCodeRule, &out->code));
  DZ_RETURN_IF_ERROR(
      Register(&ctx->principal_codes, out->code, t.path(), t.PathOf("code"), t.Find("code")));
  DZ_RETURN_IF_ERROR(t.String("name", kRequired, &out->name));
  DZ_RETURN_IF_ERROR(t.Hash("api_token_hash", &out->api_token_hash));
  return ParseSessions(t, /*for_member=*/false, ctx, &out->sessions);
}

absl::Status ParseFixingWindow(const Table& t, IndexConfig* out) {
  const toml::node* node = t.Find("fixing_window");
  if (node == nullptr) return t.Missing("fixing_window");
  const std::string path = t.PathOf("fixing_window");
  const toml::array* array = node->as_array();
  if (array == nullptr || array->size() != 2) {
    return Invalid(path, "must be an array of two times [\"HH:MM\", \"HH:MM\"]", node);
  }
  int minutes[2] = {0, 0};
  std::string texts[2];
  for (size_t i = 0; i < 2; ++i) {
    const toml::node& element = (*array)[i];
    const toml::value<std::string>* value = element.as_string();
    if (value == nullptr) return WrongType(Element(path, i), element, "a string \"HH:MM\"");
    texts[i] = value->get();
    if (!ParseClockTime(texts[i], &minutes[i])) {
      return Invalid(Element(path, i),
                     Cat(Quoted(texts[i]), " is not a time of day HH:MM (00:00..23:59)"), &element);
    }
  }
  if (minutes[0] >= minutes[1]) {
    return Invalid(path,
                   Cat("the window must start before it ends, got ", Quoted(texts[0]), " to ",
                       Quoted(texts[1])),
                   node);
  }
  out->fixing_window_start = texts[0];
  out->fixing_window_end = texts[1];
  return absl::OkStatus();
}

constexpr DecimalRule kPercentRule{2, false,
                                   "must be a positive percentage with at most 2 decimals", "5.00"};

// Weights of a composite: one per instrument, 1..10000 basis points, summing to 10000.
absl::Status ParseWeights(const Table& t, std::string_view key, Presence presence, size_t count,
                          std::vector<int64_t>* out) {
  if (t.Find(key) == nullptr && presence == kOptional) return absl::OkStatus();
  DZ_RETURN_IF_ERROR(t.Integers(key, kRequired, 1, 10000, out));
  if (out->size() != count) {
    return Invalid(t.PathOf(key),
                   Cat("has ", out->size(), out->size() == 1 ? " weight for " : " weights for ",
                       count, " instruments; give one weight per instrument"),
                   t.Find(key));
  }
  int64_t sum = 0;
  for (int64_t w : *out) sum += w;
  if (sum != 10000) {
    return Invalid(t.PathOf(key), Cat("must sum to 10000 basis points, sum is ", sum), t.Find(key));
  }
  return absl::OkStatus();
}

// The methodology keys an [[indices]] entry and its [[indices.versions]] share.
absl::Status ParseIndexMethodology(const Table& t, bool composite, bool version, IndexConfig* out) {
  DZ_RETURN_IF_ERROR(
      t.String("methodology_version", version ? kRequired : kOptional, &out->methodology_version));
  if (out->methodology_version.size() > 16) {
    return Invalid(t.PathOf("methodology_version"), "must be at most 16 characters",
                   t.Find("methodology_version"));
  }
  DZ_RETURN_IF_ERROR(t.Date("effective_date", version ? kRequired : kOptional, &out->effective_date));
  DZ_RETURN_IF_ERROR(t.Integer("intraday_interval_seconds", kOptional, 1, 86400,
                               &out->intraday_interval_seconds));
  if (86400 % out->intraday_interval_seconds != 0) {
    return Invalid(t.PathOf("intraday_interval_seconds"),
                   Cat("must divide a day (86400 seconds) so the grid starts again at midnight, got ",
                       out->intraday_interval_seconds),
                   t.Find("intraday_interval_seconds"));
  }
  DZ_RETURN_IF_ERROR(
      t.Integer("outlier_min_trades", kOptional, 3, kInt64Max, &out->outlier_min_trades));
  DZ_RETURN_IF_ERROR(t.Bool("weekdays_only", &out->weekdays_only));
  DZ_RETURN_IF_ERROR(t.Decimal("alert_move_pct", kOptional, kPercentRule, &out->alert_move_bps));
  DZ_RETURN_IF_ERROR(
      t.Decimal("alert_largest_share_pct", kOptional, kPercentRule, &out->alert_largest_share_bps));
  if (out->alert_largest_share_bps > 10000) {
    return Invalid(t.PathOf("alert_largest_share_pct"), "must be at most 100.00 (percent)",
                   t.Find("alert_largest_share_pct"));
  }
  DZ_RETURN_IF_ERROR(t.Bool("alert_fallback", &out->alert_fallback));
  DZ_RETURN_IF_ERROR(t.Bool("alert_thresholds_missed", &out->alert_thresholds_missed));
  if (!composite) return t.Forbid("links", "only composite indices have link dates");
  if (t.Find("links") == nullptr) return absl::OkStatus();
  absl::StatusOr<std::vector<Table>> links = t.TableArray("links");
  if (!links.ok()) return links.status();
  std::vector<IndexLinkConfig> parsed;
  for (const Table& l : *links) {
    DZ_RETURN_IF_ERROR(l.CheckKeys({"date", "weights"}));
    IndexLinkConfig link;
    DZ_RETURN_IF_ERROR(l.Date("date", kRequired, &link.date));
    if (link.date <= out->base_date) {
      return Invalid(l.PathOf("date"),
                     Cat("a link date must be after the base date ", Quoted(out->base_date),
                         ", got ", Quoted(link.date)),
                     l.Find("date"));
    }
    if (!parsed.empty() && link.date <= parsed.back().date) {
      return Invalid(l.PathOf("date"),
                     Cat("link dates must be in increasing order, ", Quoted(link.date),
                         " is not after ", Quoted(parsed.back().date)),
                     l.Find("date"));
    }
    DZ_RETURN_IF_ERROR(ParseWeights(l, "weights", kRequired, out->instruments.size(), &link.weights));
    parsed.push_back(std::move(link));
  }
  out->links = std::move(parsed);
  return absl::OkStatus();
}

// The values an [[indices]] entry sets and an [[indices.versions]] entry may override (all
// optional in a version: absent keys keep the entry's value).
absl::Status ParseIndexValues(const Table& t, bool composite, bool version, IndexConfig* out) {
  const Presence required = version ? kOptional : kRequired;
  if (composite) {
    DZ_RETURN_IF_ERROR(ParseWeights(t, "weights", required, out->instruments.size(), &out->weights));
  } else {
    DZ_RETURN_IF_ERROR(t.Forbid("weights", "only composite indices have weights"));
  }
  if (!version || t.Find("fixing_window") != nullptr) DZ_RETURN_IF_ERROR(ParseFixingWindow(t, out));
  DZ_RETURN_IF_ERROR(
      t.Integer("intraday_window_seconds", kOptional, 1, 86400, &out->intraday_window_seconds));
  DZ_RETURN_IF_ERROR(t.Integer("min_trades", required, 1, kInt64Max, &out->min_trades));
  int64_t min_volume = out->min_volume.raw();
  DZ_RETURN_IF_ERROR(t.Integer("min_volume", required, 0, kInt64Max, &min_volume));
  out->min_volume = Quantity::FromRaw(min_volume);
  DZ_RETURN_IF_ERROR(
      t.Integer("min_distinct_buyers", required, 1, kInt64Max, &out->min_distinct_buyers));
  DZ_RETURN_IF_ERROR(
      t.Integer("min_distinct_sellers", required, 1, kInt64Max, &out->min_distinct_sellers));
  DZ_RETURN_IF_ERROR(t.Decimal("outlier_k", required, kOutlierKRule, &out->outlier_k_milli));
  return absl::OkStatus();
}

absl::Status ParseIndexVersions(const Table& t, bool composite, IndexConfig* out) {
  absl::StatusOr<std::vector<Table>> versions = t.TableArray("versions");
  if (!versions.ok()) return versions.status();
  for (const Table& v : *versions) {
    DZ_RETURN_IF_ERROR(v.CheckKeys(
        {"methodology_version", "effective_date", "weights", "fixing_window",
         "intraday_window_seconds", "min_trades", "min_volume", "min_distinct_buyers",
         "min_distinct_sellers", "outlier_k", "intraday_interval_seconds", "outlier_min_trades",
         "weekdays_only", "alert_move_pct", "alert_largest_share_pct", "alert_fallback",
         "alert_thresholds_missed", "links"}));
    IndexConfig version = *out;
    version.versions.clear();
    DZ_RETURN_IF_ERROR(ParseIndexValues(v, composite, /*version=*/true, &version));
    DZ_RETURN_IF_ERROR(ParseIndexMethodology(v, composite, /*version=*/true, &version));
    const std::string& earliest = out->effective_date;
    if (version.effective_date <= earliest) {
      return Invalid(v.PathOf("effective_date"),
                     Cat("a later version must take effect after the entry's effective_date ",
                         Quoted(earliest)),
                     v.Find("effective_date"));
    }
    for (const IndexConfig& other : out->versions) {
      if (other.effective_date == version.effective_date) {
        return Invalid(v.PathOf("effective_date"),
                       Cat("two versions take effect on ", Quoted(version.effective_date)),
                       v.Find("effective_date"));
      }
    }
    bool clash = out->methodology_version == version.methodology_version;
    for (const IndexConfig& other : out->versions) {
      clash = clash || other.methodology_version == version.methodology_version;
    }
    if (clash) {
      return Invalid(v.PathOf("methodology_version"),
                     Cat("version ", Quoted(version.methodology_version),
                         " is already used by this index; give each version its own label"),
                     v.Find("methodology_version"));
    }
    out->versions.push_back(std::move(version));
  }
  std::sort(out->versions.begin(), out->versions.end(),
            [](const IndexConfig& a, const IndexConfig& b) { return a.effective_date < b.effective_date; });
  return absl::OkStatus();
}

absl::Status ParseIndex(const Table& t, Context* ctx, IndexConfig* out) {
  DZ_RETURN_IF_ERROR(t.CheckKeys(
      {"id", "name", "kind", "instruments", "weights", "fixing_window", "intraday_window_seconds",
       "min_trades", "min_volume", "min_distinct_buyers", "min_distinct_sellers", "outlier_k",
       "base_date", "base_value", "methodology_version", "effective_date",
       "intraday_interval_seconds", "outlier_min_trades", "weekdays_only", "alert_move_pct",
       "alert_largest_share_pct", "alert_fallback", "alert_thresholds_missed", "links",
       "versions"}));
  DZ_RETURN_IF_ERROR(t.Name("id", kRequired, kIndexIdRule, &out->id));
  DZ_RETURN_IF_ERROR(Register(&ctx->index_ids, out->id, t.path(), t.PathOf("id"), t.Find("id")));
  DZ_RETURN_IF_ERROR(t.String("name", kRequired, &out->name));
  std::string kind;
  DZ_RETURN_IF_ERROR(t.String("kind", kRequired, &kind));
  if (kind == "single") {
    out->kind = IndexKind::kSingle;
  } else if (kind == "composite") {
    out->kind = IndexKind::kComposite;
  } else {
    return Invalid(
        t.PathOf("kind"),
        Cat("unknown index kind ", Quoted(kind), " (expected \"single\" or \"composite\")"),
        t.Find("kind"));
  }
  const bool composite = out->kind == IndexKind::kComposite;

  DZ_RETURN_IF_ERROR(t.Strings("instruments", kRequired, false, &kSymbolRule, &out->instruments));
  const toml::array* symbols = t.Find("instruments")->as_array();
  for (size_t i = 0; i < out->instruments.size(); ++i) {
    if (ctx->symbols.find(out->instruments[i]) == ctx->symbols.end()) {
      return Invalid(
          Element(t.PathOf("instruments"), i),
          Cat(Quoted(out->instruments[i]), " is not the symbol of any [[instruments]] entry"),
          symbols->get(i));
    }
  }
  if (!composite && out->instruments.size() != 1) {
    return Invalid(t.PathOf("instruments"),
                   Cat("a single index has exactly one instrument, got ", out->instruments.size()),
                   t.Find("instruments"));
  }
  if (composite && out->instruments.size() < 2) {
    return Invalid(t.PathOf("instruments"),
                   "a composite index needs at least two instruments (use kind = \"single\" "
                   "for one)",
                   t.Find("instruments"));
  }

  if (!composite) {
    DZ_RETURN_IF_ERROR(t.Forbid("base_date", "only composite indices have a base date"));
    DZ_RETURN_IF_ERROR(t.Forbid("base_value", "only composite indices have a base value"));
  }
  DZ_RETURN_IF_ERROR(ParseIndexValues(t, composite, /*version=*/false, out));
  if (composite) {
    DZ_RETURN_IF_ERROR(t.Date("base_date", kRequired, &out->base_date));
    DZ_RETURN_IF_ERROR(t.Integer("base_value", kOptional, 1, kInt64Max, &out->base_value));
  }
  DZ_RETURN_IF_ERROR(ParseIndexMethodology(t, composite, /*version=*/false, out));
  return ParseIndexVersions(t, composite, out);
}

// ---------------------------------------------------------------------------------------------
// References between sections.

const toml::node* NodeAt(const toml::table& root, std::string_view section, size_t index,
                         std::string_view key, size_t element) {
  return root[section][index][key][element].node();
}

absl::Status CheckReferences(const toml::table& root, const ExchangeConfig& cfg) {
  for (size_t i = 0; i < cfg.instruments.size(); ++i) {
    const InstrumentConfig& instrument = cfg.instruments[i];
    for (size_t j = 0; j < instrument.warehouses.size(); ++j) {
      const std::string path = Element(Child(Element("instruments", i), "warehouses"), j);
      const toml::node* at = NodeAt(root, "instruments", i, "warehouses", j);
      const std::string& code = instrument.warehouses[j];
      const auto warehouse = std::find_if(cfg.warehouses.begin(), cfg.warehouses.end(),
                                          [&](const WarehouseConfig& w) { return w.code == code; });
      if (warehouse == cfg.warehouses.end()) {
        return Invalid(path, Cat(Quoted(code), " is not the code of any [[warehouses]] entry"), at);
      }
      if (std::find(warehouse->commodities.begin(), warehouse->commodities.end(),
                    instrument.commodity) == warehouse->commodities.end()) {
        return Invalid(path,
                       Cat("warehouse ", Quoted(code), " does not list commodity ",
                           Quoted(instrument.commodity), " in its commodities"),
                       at);
      }
    }
  }
  for (size_t i = 0; i < cfg.members.size(); ++i) {
    const MemberConfig& member = cfg.members[i];
    for (size_t j = 0; j < member.related_members.size(); ++j) {
      const std::string path = Element(Child(Element("members", i), "related_members"), j);
      const toml::node* at = NodeAt(root, "members", i, "related_members", j);
      const std::string& code = member.related_members[j];
      if (code == member.code) {
        return Invalid(path, "a member cannot be related to itself", at);
      }
      if (cfg.FindMemberByCode(code) == nullptr) {
        return Invalid(path, Cat(Quoted(code), " is not the code of any [[members]] entry"), at);
      }
    }
  }
  for (size_t i = 0; i < cfg.warehouses.size(); ++i) {
    const WarehouseConfig& warehouse = cfg.warehouses[i];
    for (size_t j = 0; j < warehouse.affiliates.size(); ++j) {
      const std::string& code = warehouse.affiliates[j];
      if (cfg.FindMemberByCode(code) == nullptr) {
        return Invalid(Element(Child(Element("warehouses", i), "affiliates"), j),
                       Cat(Quoted(code), " is not the code of any [[members]] entry"),
                       NodeAt(root, "warehouses", i, "affiliates", j));
      }
    }
    for (size_t k = 0; k < i; ++k) {
      const WarehouseConfig& other = cfg.warehouses[k];
      if (other.receipt_prefix != warehouse.receipt_prefix) continue;
      if (warehouse.receipt_range_first <= other.receipt_range_last &&
          other.receipt_range_first <= warehouse.receipt_range_last) {
        return Invalid(Child(Element("warehouses", i), "receipt_range"),
                       Cat("[", warehouse.receipt_range_first, ", ", warehouse.receipt_range_last,
                           "] overlaps warehouses[", k, "].receipt_range [",
                           other.receipt_range_first, ", ", other.receipt_range_last,
                           "] with the same receipt_prefix ", Quoted(warehouse.receipt_prefix)),
                       root["warehouses"][i]["receipt_range"].node());
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ParseRoot(const toml::table& root_table, Context* ctx, ExchangeConfig* cfg) {
  const Table root(root_table, "");
  DZ_RETURN_IF_ERROR(root.CheckKeys({"exchange", "fix", "redis", "http", "instruments", "members",
                                     "warehouses", "banks", "supervisors", "operators",
                                     "indices"}));
  DZ_RETURN_IF_ERROR(ParseExchange(root, ctx, cfg));
  DZ_RETURN_IF_ERROR(ParseFix(root, *ctx, &cfg->fix));
  DZ_RETURN_IF_ERROR(ParseRedis(root, &cfg->redis));
  DZ_RETURN_IF_ERROR(ParseHttp(root, cfg->fix, &cfg->http));

  absl::StatusOr<std::vector<Table>> instruments = root.TableArray("instruments");
  if (!instruments.ok()) return instruments.status();
  if (instruments->empty()) {
    return Invalid("instruments", "at least one [[instruments]] entry is required");
  }
  for (size_t i = 0; i < instruments->size(); ++i) {
    InstrumentConfig instrument;
    DZ_RETURN_IF_ERROR(ParseInstrument((*instruments)[i], i, ctx, &instrument));
    cfg->instruments.push_back(std::move(instrument));
  }

  absl::StatusOr<std::vector<Table>> members = root.TableArray("members");
  if (!members.ok()) return members.status();
  for (size_t i = 0; i < members->size(); ++i) {
    MemberConfig member;
    DZ_RETURN_IF_ERROR(ParseMember((*members)[i], i, ctx, &member));
    cfg->members.push_back(std::move(member));
  }

  absl::StatusOr<std::vector<Table>> warehouses = root.TableArray("warehouses");
  if (!warehouses.ok()) return warehouses.status();
  for (size_t i = 0; i < warehouses->size(); ++i) {
    WarehouseConfig warehouse;
    DZ_RETURN_IF_ERROR(ParseWarehouse((*warehouses)[i], i, ctx, &warehouse));
    cfg->warehouses.push_back(std::move(warehouse));
  }

  absl::StatusOr<std::vector<Table>> banks = root.TableArray("banks");
  if (!banks.ok()) return banks.status();
  for (const Table& t : *banks) {
    BankConfig bank;
    DZ_RETURN_IF_ERROR(ParseBank(t, ctx, &bank));
    cfg->banks.push_back(std::move(bank));
  }

  absl::StatusOr<std::vector<Table>> supervisors = root.TableArray("supervisors");
  if (!supervisors.ok()) return supervisors.status();
  for (const Table& t : *supervisors) {
    SupervisorConfig supervisor;
    DZ_RETURN_IF_ERROR(ParseSupervisor(t, ctx, &supervisor));
    cfg->supervisors.push_back(std::move(supervisor));
  }

  absl::StatusOr<std::vector<Table>> operators = root.TableArray("operators");
  if (!operators.ok()) return operators.status();
  for (const Table& t : *operators) {
    BankConfig op;  // same keys: code, name, api_token_hash
    DZ_RETURN_IF_ERROR(ParseBank(t, ctx, &op));
    cfg->operators.push_back(OperatorConfig{op.code, op.name, op.api_token_hash});
  }

  absl::StatusOr<std::vector<Table>> indices = root.TableArray("indices");
  if (!indices.ok()) return indices.status();
  for (const Table& t : *indices) {
    IndexConfig index;
    DZ_RETURN_IF_ERROR(ParseIndex(t, ctx, &index));
    cfg->indices.push_back(std::move(index));
  }

  return CheckReferences(root_table, *cfg);
}

#undef DZ_RETURN_IF_ERROR

}  // namespace

std::string_view TradingModeName(TradingMode mode) {
  switch (mode) {
    case TradingMode::kContinuous: return "continuous";
    case TradingMode::kCallAuction: return "call_auction";
    case TradingMode::kListing: return "listing";
    case TradingMode::kOneSidedAuction: return "one_sided_auction";
    case TradingMode::kNegotiated: return "negotiated";
  }
  return "unknown";
}

std::string_view SessionRoleName(SessionRole role) {
  switch (role) {
    case SessionRole::kOrderEntry: return "order_entry";
    case SessionRole::kMarketData: return "market_data";
    case SessionRole::kDropCopy: return "drop_copy";
  }
  return "unknown";
}

const InstrumentConfig* ExchangeConfig::FindInstrument(std::string_view symbol) const {
  for (const InstrumentConfig& instrument : instruments) {
    if (instrument.symbol == symbol) return &instrument;
  }
  return nullptr;
}

const InstrumentConfig* ExchangeConfig::FindInstrument(InstrumentId id) const {
  if (!id.valid() || id.value() > instruments.size()) return nullptr;
  return &instruments[id.value() - 1];
}

const MemberConfig* ExchangeConfig::FindMember(MemberId id) const {
  if (!id.valid() || id.value() > members.size()) return nullptr;
  return &members[id.value() - 1];
}

const MemberConfig* ExchangeConfig::FindMemberByCode(std::string_view code) const {
  for (const MemberConfig& member : members) {
    if (member.code == code) return &member;
  }
  return nullptr;
}

std::optional<ExchangeConfig::SessionOwner> ExchangeConfig::FindSession(
    std::string_view sender_comp_id) const {
  for (const MemberConfig& member : members) {
    for (const FixSessionConfig& session : member.sessions) {
      if (session.comp_id == sender_comp_id) return SessionOwner{&member, &session};
    }
  }
  return std::nullopt;
}

absl::StatusOr<ExchangeConfig> ParseConfig(std::string_view toml_text, std::string_view base_dir) {
  toml::table root;
  try {
    root = toml::parse(toml_text);
  } catch (const toml::parse_error& error) {
    return absl::InvalidArgumentError(Cat("TOML syntax error at line ", error.source().begin.line,
                                          ", column ", error.source().begin.column, ": ",
                                          error.description()));
  } catch (const std::exception& error) {
    return absl::InternalError(Cat("TOML parser failed: ", error.what()));
  }
  Context ctx;
  ctx.base_dir = std::string(base_dir);
  ExchangeConfig cfg;
  absl::Status status = ParseRoot(root, &ctx, &cfg);
  if (!status.ok()) return status;
  return cfg;
}

absl::StatusOr<ExchangeConfig> LoadConfigFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return absl::InvalidArgumentError(Cat(path, ": is a directory, not a config file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    return absl::NotFoundError(Cat(path, ": cannot open the config file: ", std::strerror(error)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::DataLossError(Cat(path, ": read error"));

  std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  if (ec) absolute = std::filesystem::path(path);
  const std::string base_dir = absolute.lexically_normal().parent_path().string();

  absl::StatusOr<ExchangeConfig> config = ParseConfig(text.str(), base_dir);
  if (!config.ok()) {
    const absl::string_view message = config.status().message();
    return absl::Status(config.status().code(),
                        Cat(path, ": ", std::string_view(message.data(), message.size())));
  }
  return config;
}

PriceBand ComputePriceBand(const InstrumentConfig& instrument) {
  const Wide ref = instrument.reference_price.raw();
  const Wide tick = instrument.tick.raw();
  const Wide lo = ref * (10000 - instrument.price_band_bps);
  const Wide hi = ref * (10000 + instrument.price_band_bps);
  // Inward to whole ticks: low rounds up, high rounds down.
  const Wide lo_ticks = (lo + tick * 10000 - 1) / (tick * 10000);
  const Wide hi_ticks = hi / (tick * 10000);
  return {Price::FromRaw(static_cast<int64_t>(lo_ticks * tick)),
          Price::FromRaw(static_cast<int64_t>(hi_ticks * tick))};
}

}  // namespace dazong
