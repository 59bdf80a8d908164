// RoBERTa's byte-level BPE (RobertaTokenizer): the reference ids of
// ../shared/data/tokenizer/roberta-base/expected_token_ids.json, the pre-tokenization pattern's
// corners (white space runs, contractions, digits, emoji, CJK, invalid bytes), special tokens,
// truncation, Decode round trips, Load errors on broken files, merge order on a tiny vocabulary
// built here, and concurrent use. Tests needing the roberta-base files skip without them.
//
// Expected token strings below were derived from the vocab and merges (GPT-2's reference BPE
// algorithm run over them), not copied from elsewhere; the reference ids are in the JSON file.
#include "services/text/bpe_tokenizer.h"

#include <array>
#include <cstdio>
#include <unistd.h>

#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace burnout::text {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

bool FileExists(const std::string& path) { return std::ifstream(path).good(); }

// ../shared/data/tokenizer/roberta-base from the working directory (the repository root), else
// beside the source tree. Empty when absent.
std::string RobertaDir() {
  const std::vector<std::string> candidates = {
      "../shared",
#ifdef BURNOUT_SOURCE_DIR
      std::string(BURNOUT_SOURCE_DIR) + "/../shared",
#endif
  };
  for (const auto& shared : candidates) {
    const std::string dir = shared + "/data/tokenizer/roberta-base";
    if (FileExists(dir + "/vocab.json") && FileExists(dir + "/merges.txt")) return dir;
  }
  return "";
}

#define REQUIRE_ROBERTA()                                                                    \
  if (RobertaDir().empty()) {                                                                \
    GTEST_SKIP() << "roberta-base vocab.json/merges.txt not found in "                       \
                    "../shared/data/tokenizer/roberta-base (relative to the repository root)"; \
  }

// One loaded tokenizer per option combination, shared by the tests of this process.
const RobertaTokenizer& Roberta(bool add_prefix_space = false, bool lowercase = false) {
  static auto* loaded = new std::map<std::pair<bool, bool>, std::unique_ptr<RobertaTokenizer>>();
  auto& slot = (*loaded)[{add_prefix_space, lowercase}];
  if (slot == nullptr) {
    BpeOptions options;
    options.add_prefix_space = add_prefix_space;
    options.lowercase = lowercase;
    const std::string dir = RobertaDir();
    auto tok = RobertaTokenizer::Load(dir + "/vocab.json", dir + "/merges.txt", options);
    EXPECT_TRUE(tok.ok()) << tok.status();
    if (tok.ok()) slot = std::move(*tok);
  }
  return *slot;
}

std::vector<std::string> TokensOf(const RobertaTokenizer& tok, std::string_view text) {
  return tok.Tokens(tok.EncodeOrdinary(text));
}

std::vector<int64_t> Concat(std::vector<std::vector<int64_t>> parts) {
  std::vector<int64_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Texts spanning the pre-tokenizer's classes, for round trips and the concurrency test.
const std::vector<std::string>& VariedTexts() {
  static const auto* texts = new std::vector<std::string>{
      "Hello world!",
      "I've been exhausted lately; work never stops and I can't sleep.",
      "  leading and trailing spaces   ",
      "tabs\tand\nnewlines\r\n\n\nand a blank line",
      "digits 0123456789, 3.14159, 1,000,000 and 2024-01-01",
      "emoji \xF0\x9F\x98\x80\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD and a family "
      "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7",
      "CJK \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E \xE4\xB8\xAD\xE6\x96\x87 "
      "\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4",
      "accents: caf\xC3\xA9 na\xC3\xAFve Stra\xC3\x9F" "e \xC3\x89" "cole e\xCC\x81",
      "Arabic \xD8\xA7\xD9\x84\xD8\xB9\xD8\xB1\xD8\xA8\xD9\x8A\xD8\xA9 and Hindi "
      "\xE0\xA4\xB9\xE0\xA4\xBF\xE0\xA4\xA8\xE0\xA5\x8D\xE0\xA4\xA6\xE0\xA5\x80",
      "non-breaking\xC2\xA0space, ideographic\xE3\x80\x80space, thin\xE2\x80\x89space",
      "contractions: I'm, don't, they'll, we're, you've, I'd, it's, O'Neil's, I'M",
      "punctuation!!! ??? ... --- \"quoted\" (parens) [NAME] #tag @user $5 \xE2\x82\xAC" "10",
      "https://example.com/path?query=1&b=2 user@example.com",
      "x\xC2\xB2 \xC2\xBD \xE2\x85\xAB superscripts and fractions",
      "",
      " ",
      "\n",
  };
  return *texts;
}

// ---- The reference ids ----

TEST(RobertaTokenizerTest, MatchesEveryExpectedCase) {
  REQUIRE_ROBERTA();
  std::ifstream in(RobertaDir() + "/expected_token_ids.json");
  ASSERT_TRUE(in.good()) << "expected_token_ids.json missing beside vocab.json";
  const nlohmann::json expected = nlohmann::json::parse(in);
  ASSERT_FALSE(expected["cases"].empty());
  for (const auto& c : expected["cases"]) {
    const std::string text = c["text"];
    const bool specials = c.value("add_special_tokens", true);
    const bool prefix = c.value("add_prefix_space", false);
    const bool lower = c.value("lowercase", false);
    SCOPED_TRACE(absl::StrCat("text \"", text, "\" add_special_tokens=", specials,
                              " add_prefix_space=", prefix, " lowercase=", lower));
    const RobertaTokenizer& tok = Roberta(prefix, lower);
    const BpeEncoding enc = tok.Encode(text, /*max_length=*/0, specials);
    EXPECT_THAT(enc.ids, ElementsAreArray(c["ids"].get<std::vector<int64_t>>()));
    EXPECT_FALSE(enc.truncated);
    EXPECT_EQ(enc.full_length, static_cast<int>(enc.ids.size()));
    if (c.contains("tokens")) {
      EXPECT_THAT(tok.Tokens(enc.ids),
                  ElementsAreArray(c["tokens"].get<std::vector<std::string>>()));
    }
  }
}

TEST(RobertaTokenizerTest, SpecialIdsAndVocabSizeMatchTheReference) {
  REQUIRE_ROBERTA();
  std::ifstream in(RobertaDir() + "/expected_token_ids.json");
  const nlohmann::json expected = nlohmann::json::parse(in);
  const RobertaTokenizer& tok = Roberta();
  EXPECT_EQ(tok.bos_id(), expected["special_ids"]["<s>"].get<int64_t>());
  EXPECT_EQ(tok.pad_id(), expected["special_ids"]["<pad>"].get<int64_t>());
  EXPECT_EQ(tok.eos_id(), expected["special_ids"]["</s>"].get<int64_t>());
  EXPECT_EQ(tok.unk_id(), expected["special_ids"]["<unk>"].get<int64_t>());
  EXPECT_EQ(tok.mask_id(), expected["special_ids"]["<mask>"].get<int64_t>());
  EXPECT_EQ(tok.vocab_size(), expected["vocab_size"].get<size_t>());
}

// ---- Pre-tokenization corners ----

TEST(RobertaTokenizerTest, EmptyTextIsJustTheSpecials) {
  REQUIRE_ROBERTA();
  for (const bool prefix : {false, true}) {
    const RobertaTokenizer& tok = Roberta(prefix);
    EXPECT_TRUE(tok.EncodeOrdinary("").empty());
    const BpeEncoding enc = tok.Encode("", 0);
    EXPECT_THAT(enc.ids, ElementsAre(0, 2));
    EXPECT_EQ(enc.full_length, 2);
    EXPECT_FALSE(enc.truncated);
    EXPECT_TRUE(tok.Encode("", 0, /*add_special_tokens=*/false).ids.empty());
  }
}

TEST(RobertaTokenizerTest, WordsTakeTheirLeadingSpace) {
  REQUIRE_ROBERTA();
  const RobertaTokenizer& tok = Roberta();
  EXPECT_THAT(TokensOf(tok, "Hello"), ElementsAre("Hello"));
  EXPECT_THAT(TokensOf(tok, " Hello"), ElementsAre("ĠHello"));
  EXPECT_THAT(tok.EncodeOrdinary(" Hello"), ElementsAre(20920));  // vocab["ĠHello"]
  EXPECT_THAT(TokensOf(tok, "Call 911 now"), ElementsAre("Call", "Ġ911", "Ġnow"));
}

TEST(RobertaTokenizerTest, RunsOfSpacesLeaveTheLastToTheWord) {
  REQUIRE_ROBERTA();
  const RobertaTokenizer& tok = Roberta();
  // "\s+(?!\S)": the run less its last space, then " world".
  EXPECT_THAT(TokensOf(tok, "Hello  world"), ElementsAre("Hello", "Ġ", "Ġworld"));
  EXPECT_THAT(TokensOf(tok, "a   b"), ElementsAre("a", "Ġ", "Ġ", "Ġb"));
  EXPECT_THAT(TokensOf(tok, "   hi"), ElementsAre("Ġ", "Ġ", "Ġhi"));
  EXPECT_EQ(tok.EncodeOrdinary("a   b"),
            Concat({tok.EncodeOrdinary("a"), tok.EncodeOrdinary("  "), tok.EncodeOrdinary(" b")}));
  // GPT-2's merges have no "Ġ Ġ": white space alone stays one token per space.
  EXPECT_THAT(TokensOf(tok, "   "), ElementsAre("Ġ", "Ġ", "Ġ"));
  EXPECT_THAT(TokensOf(tok, " "), ElementsAre("Ġ"));
}

TEST(RobertaTokenizerTest, NewlinesAndTabs) {
  REQUIRE_ROBERTA();
  const RobertaTokenizer& tok = Roberta();
  EXPECT_THAT(TokensOf(tok, "\n"), ElementsAre("Ċ"));
  EXPECT_THAT(TokensOf(tok, " \n"), ElementsAre("Ġ", "Ċ"));
  // Before a word the run gives up its last newline, which then stands alone (it is not ' ').
  EXPECT_THAT(TokensOf(tok, "a\n\nb"), ElementsAre("a", "Ċ", "Ċ", "b"));
  // At the end the whole run is one pre-token, and "ĊĊ" is a merge.
  EXPECT_THAT(TokensOf(tok, "a\n\n"), ElementsAre("a", "ĊĊ"));
  EXPECT_THAT(TokensOf(tok, "tab\there"), ElementsAre("tab", "ĉ", "here"));
  EXPECT_THAT(TokensOf(tok, "\t\n"), ElementsAre("ĉ", "Ċ"));
  // U+00A0 is White_Space but not ' ': it never attaches to the next word.
  EXPECT_THAT(TokensOf(tok, "x\xC2\xA0y"), ElementsAre("x", "Âł", "y"));
}

TEST(RobertaTokenizerTest, DigitsAndNumbers) {
  REQUIRE_ROBERTA();
  const RobertaTokenizer& tok = Roberta();
  EXPECT_THAT(TokensOf(tok, "12345"), ElementsAre("123", "45"));
  EXPECT_THAT(TokensOf(tok, "3.14"), ElementsAre("3", ".", "14"));
  EXPECT_THAT(TokensOf(tok, "x\xC2\xB2"), ElementsAre("x", "Â²"));  // ² is \p{N}, apart from x
}

TEST(RobertaTokenizerTest, EmojiCjkAndAccents) {
  REQUIRE_ROBERTA();
  const RobertaTokenizer& tok = Roberta();
  EXPECT_THAT(TokensOf(tok, "\xF0\x9F\x98\x80"), ElementsAre("ðŁĺ", "Ģ"));  // U+1F600, 4 bytes
  EXPECT_THAT(TokensOf(tok, "I \xF0\x9F\x98\x80 it"), ElementsAre("I", "ĠðŁĺ", "Ģ", "Ġit"));
  EXPECT_THAT(TokensOf(tok, "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"),  // 日本語
              ElementsAre("æĹ", "¥", "æľ", "¬", "èª", "ŀ"));
  EXPECT_THAT(TokensOf(tok, "caf\xC3\xA9 na\xC3\xAFve"), ElementsAre("c", "af", "Ã©", "ĠnaÃ¯ve"));
  for (const std::string text : {"\xF0\x9F\x98\x80", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E",
                                 "caf\xC3\xA9 na\xC3\xAFve"}) {
    EXPECT_EQ(tok.Decode(tok.EncodeOrdinary(text)), text);
  }
}

TEST(RobertaTokenizerTest, Contractions) {
  REQUIRE_ROBERTA();
  const RobertaTokenizer& tok = Roberta();
  EXPECT_THAT(TokensOf(tok, "I'm"), ElementsAre("I", "'m"));
  EXPECT_THAT(TokensOf(tok, "don't"), ElementsAre("don", "'t"));
  EXPECT_THAT(TokensOf(tok, "they'll"), ElementsAre("they", "'ll"));
  EXPECT_THAT(TokensOf(tok, "We're here, you've seen, I'd go"),
              ElementsAre("We", "'re", "Ġhere", ",", "Ġyou", "'ve", "Ġseen", ",", "ĠI", "'d",
                          "Ġgo"));
  EXPECT_THAT(TokensOf(tok, "O'Neil's"), ElementsAre("O", "'", "Neil", "'s"));
  // The contraction alternatives are lowercase only.
  EXPECT_THAT(TokensOf(tok, "I'M"), ElementsAre("I", "'", "M"));
}

TEST(RobertaTokenizerTest, InvalidUtf8IsEncodedBytewise) {
  REQUIRE_ROBERTA();
  const RobertaTokenizer& tok = Roberta();
  // Each invalid byte is a punctuation-class character of its own.
  EXPECT_THAT(TokensOf(tok, "a\xFF" "b"), ElementsAre("a", "ÿ", "b"));
  EXPECT_THAT(TokensOf(tok, " \xFF\xFE"), ElementsAre("Ġ", "ÿ", "þ"));
  EXPECT_THAT(TokensOf(tok, "caf\xC3"), ElementsAre("c", "af", "Ã"));  // truncated é
  const std::vector<std::string> invalid = {
      "\xFF", "\x80", "\xC3", "\xE2\x82", "\xE2\x82!", "\xF0\x9F\x98", "\xC0\x80x",
      "\xED\xA0\x80",                  // a surrogate
      "\xF4\x90\x80\x80",              // above U+10FFFF
      "ok \xF0\x9F\x98\x80\xFF mixed \xC3\xA9\xC3",
      std::string("nul\0byte", 8),
  };
  for (const std::string& text : invalid) {
    SCOPED_TRACE(absl::StrCat("bytes of length ", text.size()));
    const std::vector<int64_t> ids = tok.EncodeOrdinary(text);
    EXPECT_FALSE(ids.empty());
    EXPECT_EQ(tok.Decode(ids), text);
    const RobertaTokenizer& prefix_lower = Roberta(true, true);  // leaves invalid bytes be
    EXPECT_EQ(prefix_lower.Decode(prefix_lower.EncodeOrdinary(text)), " " + text);
  }
}

TEST(RobertaTokenizerTest, DecodeInvertsEncode) {
  REQUIRE_ROBERTA();
  const RobertaTokenizer& tok = Roberta();
  for (const std::string& text : VariedTexts()) {
    EXPECT_EQ(tok.Decode(tok.EncodeOrdinary(text)), text);
    EXPECT_EQ(tok.Decode(tok.Encode(text, 0).ids), text);  // <s> and </s> dropped
  }
}

// ---- Options ----

TEST(RobertaTokenizerTest, PrefixSpaceIsAddedOnce) {
  REQUIRE_ROBERTA();
  const RobertaTokenizer& plain = Roberta();
  const RobertaTokenizer& prefixed = Roberta(/*add_prefix_space=*/true);
  EXPECT_THAT(TokensOf(prefixed, "hello"), ElementsAre("Ġhello"));
  EXPECT_EQ(prefixed.EncodeOrdinary(" hello"), plain.EncodeOrdinary(" hello"));
  EXPECT_EQ(prefixed.EncodeOrdinary("hello world"), plain.EncodeOrdinary(" hello world"));
  EXPECT_EQ(prefixed.EncodeOrdinary("\nhello"), plain.EncodeOrdinary(" \nhello"));
}

TEST(RobertaTokenizerTest, LowercaseIsUnicodeAware) {
  REQUIRE_ROBERTA();
  const RobertaTokenizer& plain = Roberta();
  const RobertaTokenizer& lower = Roberta(false, /*lowercase=*/true);
  EXPECT_EQ(lower.EncodeOrdinary("\xC3\x89" "COLE"), plain.EncodeOrdinary("\xC3\xA9" "cole"));
  EXPECT_EQ(lower.EncodeOrdinary("STRASSE \xCE\xA3\xCE\x91\xCE\xA3"),  // ΣΑΣ -> σασ (no context)
            plain.EncodeOrdinary("strasse \xCF\x83\xCE\xB1\xCF\x83"));
  // Full mapping: İ (U+0130) -> i + U+0307.
  EXPECT_EQ(lower.EncodeOrdinary("\xC4\xB0"), plain.EncodeOrdinary("i\xCC\x87"));
  EXPECT_EQ(lower.EncodeOrdinary("Hello World"), plain.EncodeOrdinary("hello world"));
}

// ---- Special tokens in the text ----

TEST(RobertaTokenizerTest, SpecialTokensInTextAreSingleTokens) {
  REQUIRE_ROBERTA();
  const RobertaTokenizer& tok = Roberta();
  EXPECT_EQ(tok.EncodeOrdinary("hello<s>world</s>"),
            Concat({tok.EncodeOrdinary("hello"), {0}, tok.EncodeOrdinary("world"), {2}}));
  EXPECT_EQ(tok.EncodeOrdinary("<pad><unk>"), (std::vector<int64_t>{1, 3}));
  // <s> has no lstrip: the space before it is a token of its own.
  EXPECT_EQ(tok.EncodeOrdinary("a <s>"),
            Concat({tok.EncodeOrdinary("a"), tok.EncodeOrdinary(" "), {0}}));
  // <mask> has lstrip: it swallows all white space before it, not after it.
  EXPECT_EQ(tok.EncodeOrdinary("a  \t<mask>b"),
            Concat({tok.EncodeOrdinary("a"), {50264}, tok.EncodeOrdinary("b")}));
  EXPECT_EQ(tok.EncodeOrdinary("<mask> b"), Concat({{50264}, tok.EncodeOrdinary(" b")}));
  EXPECT_EQ(tok.EncodeOrdinary("<s> <mask>"), (std::vector<int64_t>{0, 50264}));
  // Near misses are ordinary text.
  EXPECT_THAT(TokensOf(tok, "<mas"), ::testing::Not(::testing::Contains("<mask>")));
  EXPECT_EQ(tok.Decode(tok.EncodeOrdinary("x<mask>y</s>")), "xy");
  EXPECT_THAT(tok.Tokens({0, 50264, 2, -1, 999999}),
              ElementsAre("<s>", "<mask>", "</s>", "<unk>", "<unk>"));
  EXPECT_EQ(tok.Decode({31414, -1, 999999, 1}), "Hello");
}

// ---- Truncation ----

TEST(RobertaTokenizerTest, TruncationKeepsTheBeginningAndEndsWithEos) {
  REQUIRE_ROBERTA();
  const RobertaTokenizer& tok = Roberta();
  const std::string text = "The quick brown fox jumps over the lazy dog";
  const std::vector<int64_t> body = tok.EncodeOrdinary(text);
  ASSERT_EQ(body.size(), 9u);

  const BpeEncoding full = tok.Encode(text, 0);
  EXPECT_EQ(full.ids.size(), 11u);
  EXPECT_FALSE(full.truncated);
  EXPECT_EQ(full.full_length, 11);
  EXPECT_EQ(tok.Encode(text, 11).ids, full.ids);
  EXPECT_FALSE(tok.Encode(text, 11).truncated);
  EXPECT_EQ(tok.Encode(text, -5).ids, full.ids);

  const BpeEncoding cut = tok.Encode(text, 5);
  EXPECT_TRUE(cut.truncated);
  EXPECT_EQ(cut.full_length, 11);
  EXPECT_THAT(cut.ids, ElementsAre(0, body[0], body[1], body[2], 2));

  const BpeEncoding ten = tok.Encode(text, 10);
  EXPECT_TRUE(ten.truncated);
  EXPECT_EQ(ten.ids.size(), 10u);
  EXPECT_EQ(ten.ids.back(), tok.eos_id());

  EXPECT_THAT(tok.Encode(text, 2).ids, ElementsAre(0, 2));
  EXPECT_THAT(tok.Encode(text, 1).ids, ElementsAre(2));

  const BpeEncoding bare = tok.Encode(text, 3, /*add_special_tokens=*/false);
  EXPECT_TRUE(bare.truncated);
  EXPECT_EQ(bare.full_length, 9);
  EXPECT_THAT(bare.ids, ElementsAre(body[0], body[1], body[2]));
  EXPECT_FALSE(tok.Encode(text, 9, false).truncated);
}

// ---- Concurrency and the word cache ----

TEST(RobertaTokenizerTest, ConcurrentEncodeMatchesSerial) {
  REQUIRE_ROBERTA();
  const RobertaTokenizer& serial = Roberta();
  std::vector<std::string> texts = VariedTexts();
  for (int i = 0; i < 200; ++i) {
    texts.push_back(absl::StrCat("sentence ", i, " says word", i * 7919, " and w", i % 13,
                                 "'s friend \xF0\x9F\x98\x80", i));
  }
  std::vector<std::vector<int64_t>> expected;
  for (const auto& t : texts) expected.push_back(serial.Encode(t, 64).ids);

  // A fresh tokenizer, so the threads fill its cache concurrently.
  const std::string dir = RobertaDir();
  auto fresh = RobertaTokenizer::Load(dir + "/vocab.json", dir + "/merges.txt");
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  const RobertaTokenizer& tok = **fresh;
  std::array<int, 4> mismatches{};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        for (size_t k = 0; k < texts.size(); ++k) {
          const size_t i = (k * (t + 1) + round) % texts.size();  // different orders per thread
          if (tok.Encode(texts[i], 64).ids != expected[i]) ++mismatches[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_THAT(mismatches, ElementsAre(0, 0, 0, 0));
}

TEST(RobertaTokenizerTest, ResultsSurviveCacheEviction) {
  REQUIRE_ROBERTA();
  const std::string dir = RobertaDir();
  auto fresh = RobertaTokenizer::Load(dir + "/vocab.json", dir + "/merges.txt");
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  const RobertaTokenizer& tok = **fresh;
  const std::string probe = "I'm exhausted; they'll understand, don't worry.";
  const std::vector<int64_t> before = tok.EncodeOrdinary(probe);
  std::string many;
  for (int i = 0; i < 100000; ++i) absl::StrAppend(&many, " w", i);  // more words than it holds
  const std::vector<int64_t> first = tok.EncodeOrdinary(many);
  EXPECT_EQ(tok.EncodeOrdinary(many), first);
  EXPECT_EQ(tok.EncodeOrdinary(probe), before);
  EXPECT_EQ(tok.Decode(first), many);
}

// ---- Merge order on a tiny vocabulary ----

// Per process: ctest runs each case as its own process, two at a time, in one temp dir.
std::string TinyPath(const std::string& name) {
  return ::testing::TempDir() + "/bpe_tiny_" + std::to_string(::getpid()) + "_" + name;
}

class TinyVocab : public ::testing::Test {
 protected:
  // GPT-2's bytes_to_unicode, as UTF-8.
  static std::string ByteChar(int b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
    int cp = b;
    if (!printable) {
      cp = 256;
      for (int k = 0; k < b; ++k) {
        if (!((k >= '!' && k <= '~') || (k >= 0xA1 && k <= 0xAC) || k >= 0xAE)) ++cp;
      }
    }
    std::string out;
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
    return out;
  }

  // Specials 0..4, the 256 byte tokens, then `extra`.
  static nlohmann::json Vocab(const std::vector<std::string>& extra) {
    nlohmann::json v = nlohmann::json::object();
    int id = 0;
    for (const char* s : {"<s>", "<pad>", "</s>", "<unk>", "<mask>"}) v[s] = id++;
    for (int b = 0; b < 256; ++b) v[ByteChar(b)] = id++;
    for (const auto& t : extra) v[t] = id++;
    return v;
  }

  std::string Write(const std::string& name, const std::string& content) {
    const std::string path = TinyPath(name);
    std::ofstream(path, std::ios::binary) << content;
    written_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const auto& p : written_) std::remove(p.c_str());
  }

  absl::StatusOr<std::unique_ptr<RobertaTokenizer>> LoadTiny(const nlohmann::json& vocab,
                                                             const std::string& merges,
                                                             BpeOptions options = {}) {
    return RobertaTokenizer::Load(Write("vocab.json", vocab.dump()), Write("merges.txt", merges),
                                  options);
  }

  std::vector<std::string> written_;
};

TEST_F(TinyVocab, LowestRankMergesFirst) {
  auto ab_first = LoadTiny(Vocab({"ab", "bc"}), "#version: 0.2\na b\nb c\n");
  ASSERT_TRUE(ab_first.ok()) << ab_first.status();
  EXPECT_THAT(TokensOf(**ab_first, "abc"), ElementsAre("ab", "c"));
  auto bc_first = LoadTiny(Vocab({"ab", "bc"}), "#version: 0.2\nb c\na b\n");
  ASSERT_TRUE(bc_first.ok()) << bc_first.status();
  EXPECT_THAT(TokensOf(**bc_first, "abc"), ElementsAre("a", "bc"));
}

TEST_F(TinyVocab, EqualRanksMergeLeftmostFirstAndResultsMergeOn) {
  auto pairs = LoadTiny(Vocab({"aa"}), "#version: 0.2\na a\n");
  ASSERT_TRUE(pairs.ok()) << pairs.status();
  EXPECT_THAT(TokensOf(**pairs, "aaa"), ElementsAre("aa", "a"));
  EXPECT_THAT(TokensOf(**pairs, "aaaaa"), ElementsAre("aa", "aa", "a"));
  // "Ġ a" ranked after "aa aa": the a's pair up first and Ġ joins the result.
  auto space_late = LoadTiny(Vocab({"aa", "aaaa", "Ġa", "Ġaaaa"}),
                             "#version: 0.2\na a\naa aa\nĠ a\nĠ aaaa\n");
  ASSERT_TRUE(space_late.ok()) << space_late.status();
  EXPECT_THAT(TokensOf(**space_late, "aaaa"), ElementsAre("aaaa"));
  EXPECT_THAT(TokensOf(**space_late, " aaaa"), ElementsAre("Ġaaaa"));
  EXPECT_THAT(TokensOf(**space_late, "x aaaaa"), ElementsAre("x", "Ġaaaa", "a"));
  // "Ġ a" ranked first: it takes the first a, and the rest pair up behind it.
  auto space_early = LoadTiny(Vocab({"aa", "aaaa", "Ġa", "Ġaaaa"}),
                              "#version: 0.2\nĠ a\na a\naa aa\nĠ aaaa\n");
  ASSERT_TRUE(space_early.ok()) << space_early.status();
  EXPECT_THAT(TokensOf(**space_early, " aaaa"), ElementsAre("Ġa", "aa", "a"));
  EXPECT_THAT(TokensOf(**space_early, "x aaaaa"), ElementsAre("x", "Ġa", "aaaa"));
  // No header line and CRLF line ends are accepted.
  auto crlf = LoadTiny(Vocab({"aa"}), "a a\r\n");
  ASSERT_TRUE(crlf.ok()) << crlf.status();
  EXPECT_THAT(TokensOf(**crlf, "aaa"), ElementsAre("aa", "a"));
}

// ---- Load errors ----

void ExpectFailedPrecondition(const absl::Status& status, const std::vector<std::string>& parts) {
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  for (const auto& p : parts) EXPECT_THAT(std::string(status.message()), HasSubstr(p));
}

TEST_F(TinyVocab, MissingFilesNameThePath) {
  const std::string merges = Write("merges.txt", "#version: 0.2\n");
  const std::string vocab = Write("vocab.json", Vocab({}).dump());
  const std::string missing = ::testing::TempDir() + "/no_such_dir/vocab.json";
  ExpectFailedPrecondition(RobertaTokenizer::Load(missing, merges).status(), {missing, "vocab"});
  ExpectFailedPrecondition(RobertaTokenizer::Load(vocab, missing + ".txt").status(),
                           {missing + ".txt", "merges"});
  EXPECT_TRUE(RobertaTokenizer::Load(vocab, merges).ok());
}

TEST_F(TinyVocab, CorruptVocabIsRejected) {
  const std::string merges = Write("merges.txt", "#version: 0.2\n");
  const std::string truncated = Write("truncated.json", Vocab({}).dump().substr(0, 100));
  ExpectFailedPrecondition(RobertaTokenizer::Load(truncated, merges).status(),
                           {truncated, "not valid JSON"});
  const std::string array = Write("array.json", "[1, 2, 3]");
  ExpectFailedPrecondition(RobertaTokenizer::Load(array, merges).status(), {array, "object"});
  nlohmann::json bad_id = Vocab({});
  bad_id["zz"] = "seven";
  ExpectFailedPrecondition(LoadTiny(bad_id, "").status(), {"zz", "seven"});
  nlohmann::json negative = Vocab({});
  negative["zz"] = -1;
  ExpectFailedPrecondition(LoadTiny(negative, "").status(), {"zz"});
  nlohmann::json shared = Vocab({});
  shared["zz"] = 0;
  ExpectFailedPrecondition(LoadTiny(shared, "").status(), {"share the id 0"});
}

TEST_F(TinyVocab, MissingByteOrSpecialTokensAreRejected) {
  nlohmann::json no_space = Vocab({});
  no_space.erase("Ġ");
  ExpectFailedPrecondition(LoadTiny(no_space, "").status(), {"Ġ", "byte 32"});
  nlohmann::json no_mask = Vocab({});
  no_mask.erase("<mask>");
  ExpectFailedPrecondition(LoadTiny(no_mask, "").status(), {"<mask>", "vocab"});
  BpeOptions without_mask;
  without_mask.mask_token = "";
  auto loaded = LoadTiny(no_mask, "", without_mask);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->mask_id(), -1);
  BpeOptions odd_bos;
  odd_bos.bos_token = "<bos>";
  ExpectFailedPrecondition(LoadTiny(Vocab({}), "", odd_bos).status(), {"<bos>", "bos_token"});
}

TEST_F(TinyVocab, BadMergeLinesNameTheFileAndLine) {
  const nlohmann::json vocab = Vocab({"ab"});
  const auto merges_error = [&](const std::string& merges) {
    return LoadTiny(vocab, merges).status();
  };
  const std::string path = TinyPath("merges.txt");
  ExpectFailedPrecondition(merges_error("#version: 0.2\na b\na b c\n"), {path, "line 3"});
  ExpectFailedPrecondition(merges_error("#version: 0.2\nab\n"), {path, "line 2"});
  ExpectFailedPrecondition(merges_error("#version: 0.2\na b\n\nb c\n"), {path, "line 3"});
  ExpectFailedPrecondition(merges_error("#version: 0.2\nab c\n"), {path, "line 2", "\"abc\""});
  ExpectFailedPrecondition(merges_error("#version: 0.2\nabc d\n"), {path, "line 2", "\"abc\""});
  EXPECT_TRUE(LoadTiny(vocab, "#version: 0.2\na b\n").ok());
}

}  // namespace
}  // namespace burnout::text
