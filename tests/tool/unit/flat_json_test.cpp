// The dump reader's flat JSON fast path (input/flat_json.h): what it takes
// it reads as simdjson does, and it leaves everything else to simdjson
// (a nested value, an escape, non-ASCII, a fraction, a huge integer,
// anything after the object, anything that is not JSON).
#include <gtest/gtest.h>

#include <map>
#include <string>

#include <simdjson.h>

#include "input/flat_json.h"

namespace fdscope::tool {
namespace {

using flat_json::Value;

// What a line's members read as: key -> "s:text", "i:123", "true", "false", "null".
using Members = std::map<std::string, std::string>;

std::string text_of(const Value& v) {
  switch (v.type) {
    case Value::Type::kString: return "s:" + std::string(v.str);
    case Value::Type::kInt: return "i:" + std::to_string(v.i);
    case Value::Type::kTrue: return "true";
    case Value::Type::kFalse: return "false";
    case Value::Type::kNull: return "null";
  }
  return "?";
}

// The line as the reader holds it: a '\n' after it, then padding.
simdjson::padded_string as_read(const std::string& line) { return simdjson::padded_string(line + "\n"); }

bool flat(const std::string& line, Members* out, const flat_json::KeyOrder* order = nullptr) {
  simdjson::padded_string text = as_read(line);
  out->clear();
  return flat_json::parse(std::string_view(text.data(), line.size()),
                          [&](std::string_view k, const Value& v) { (*out)[std::string(k)] = text_of(v); },
                          order);
}

// simdjson's reading of the same line, in the same terms; false if it is
// not a flat object simdjson accepts.
bool simd(const std::string& line, Members* out) {
  simdjson::padded_string text = as_read(line);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  out->clear();
  if (parser.parse(text.data(), line.size(), false).get(doc) != simdjson::SUCCESS || !doc.is_object())
    return false;
  for (auto field : simdjson::dom::object(doc)) {
    simdjson::dom::element v = field.value;
    std::string t;
    int64_t i;
    std::string_view s;
    if (v.get(s) == simdjson::SUCCESS) t = "s:" + std::string(s);
    else if (v.get(i) == simdjson::SUCCESS) t = "i:" + std::to_string(i);
    else if (v.is_bool()) t = bool(v) ? "true" : "false";
    else if (v.is_null()) t = "null";
    else t = "other";
    (*out)[std::string(field.key)] = t;
  }
  return true;
}

const flat_json::KeyOrder kOrder{"type", "pid", "fd", "kind", "target", "tracked"};

TEST(FlatJson, ReadsWhatSimdjsonReads) {
  for (const std::string& line : {
           std::string(R"({"type":"fd","pid":7,"fd":3,"kind":"socket","target":"tcp 1.2.3.4:5 -> 6.7.8.9:3306","tracked":true})"),
           std::string(R"({"type":"fd","pid":-7,"seq":0,"x":null,"y":false,"target":""})"),
           std::string(R"({ "type" : "fd" ,	"pid" : 12 } )"),
           std::string(R"({"tracked":true,"type":"fd","pid":1})"),         // out of order
           std::string(R"({"pidx":1,"pid":2,"pid":3})"),                    // a longer key, a repeated one
           std::string(R"({"target":"a string longer than sixteen bytes, and longer still","fd":999999999999999999})"),
           std::string(R"({})"),
       }) {
    Members f, s, o;
    ASSERT_TRUE(simd(line, &s)) << line;
    EXPECT_TRUE(flat(line, &f)) << line;
    EXPECT_EQ(f, s) << line;
    EXPECT_TRUE(flat(line, &o, &kOrder)) << line;
    EXPECT_EQ(o, s) << line;
  }
}

TEST(FlatJson, LeavesEverythingElseToSimdjson) {
  for (const std::string& line : {
           std::string(R"({"type":"stack","frames":[{"addr":"0x1"}]})"),  // nested
           std::string(R"({"a":{"b":1}})"),
           std::string(R"({"target":"a \"quoted\" name"})"),               // escapes
           std::string(R"({"target":"tab\there"})"),
           std::string("{\"target\":\"caf\xc3\xa9\"}"),                     // non-ASCII
           std::string(R"({"age_ms":1.5})"),                                // fraction, exponent
           std::string(R"({"age_ms":1e3})"),
           std::string(R"({"fd":1234567890123456789})"),                    // 19 digits
           std::string(R"({"fd":01})"),                                     // not JSON
           std::string(R"({"fd":-})"),
           std::string(R"({"fd":1,})"),
           std::string(R"({"fd" 1})"),
           std::string(R"({"fd":1} trailing)"),
           std::string(R"({"fd":tru})"),
           std::string(R"({"fd":1)"),
           std::string(R"({"target":"cut)"),
           std::string("{\"target\":\"nul\x01\"}"),
       }) {
    Members f;
    EXPECT_FALSE(flat(line, &f)) << line;
    EXPECT_FALSE(flat(line, &f, &kOrder)) << line;
  }
}

}  // namespace
}  // namespace fdscope::tool
