#include "services/text/bpe_tokenizer.h"

#include <unicode/uchar.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <mutex>
#include <queue>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/text/tokenizer.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace burnout::text {
namespace {

// text::DecodeUtf8 on this file's absl::string_view (a distinct type in Debian's absl).
int DecodeUtf8(absl::string_view s, size_t i, char32_t* c) {
  return text::DecodeUtf8(std::string_view(s.data(), s.size()), i, c);
}

// Ids are stored in vectors indexed by id; anything larger is not a real vocabulary.
constexpr int64_t kMaxId = 1 << 24;

// ---- GPT-2's byte <-> unicode mapping ----

// bytes_to_unicode(): printable Latin-1 bytes map to themselves, the other 68 bytes to
// U+0100.. in byte order (space -> U+0120 'Ġ', '\n' -> U+010A 'Ċ').
std::array<char32_t, 256> BytesToUnicode() {
  std::array<char32_t, 256> map{};
  std::array<bool, 256> printable{};
  for (int b = '!'; b <= '~'; ++b) printable[b] = true;
  for (int b = 0xA1; b <= 0xAC; ++b) printable[b] = true;
  for (int b = 0xAE; b <= 0xFF; ++b) printable[b] = true;
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) map[b] = printable[b] ? char32_t(b) : next++;
  return map;
}

// ---- Character classes of the pre-tokenization pattern ----

enum Cls : uint8_t {
  kSpace,   // U+0020, the optional prefix of the letter/number/other alternatives
  kWhite,   // any other White_Space code point
  kLetter,  // \p{L}
  kNumber,  // \p{N}
  kOther,   // [^\s\p{L}\p{N}], including invalid bytes
};

struct Unit {
  Cls cls;
  uint8_t len;  // bytes
};

constexpr std::array<Cls, 128> AsciiClasses() {
  std::array<Cls, 128> t{};
  for (int c = 0; c < 128; ++c) {
    if (c == ' ') {
      t[c] = kSpace;
    } else if (c >= 0x09 && c <= 0x0D) {
      t[c] = kWhite;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      t[c] = kLetter;
    } else if (c >= '0' && c <= '9') {
      t[c] = kNumber;
    } else {
      t[c] = kOther;  // punctuation, controls (0x1C..0x1F are not White_Space)
    }
  }
  return t;
}
constexpr std::array<Cls, 128> kAscii = AsciiClasses();

Cls Classify(char32_t c) {
  if (u_isUWhiteSpace(static_cast<UChar32>(c))) return kWhite;
  switch (u_charType(static_cast<UChar32>(c))) {
    case U_UPPERCASE_LETTER:
    case U_LOWERCASE_LETTER:
    case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER:
    case U_OTHER_LETTER:
      return kLetter;
    case U_DECIMAL_DIGIT_NUMBER:
    case U_LETTER_NUMBER:
    case U_OTHER_NUMBER:
      return kNumber;
    default:
      return kOther;
  }
}

Unit UnitAt(absl::string_view s, size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) return {kAscii[b], 1};
  char32_t c;
  const int len = DecodeUtf8(s, i, &c);
  if (len == 0) return {kOther, 1};
  return {Classify(c), static_cast<uint8_t>(len)};
}

bool IsSpaceClass(Cls c) { return c == kSpace || c == kWhite; }

// Length of the contraction ('s 't 're 've 'm 'll 'd) at s[i] == '\'', or 0.
size_t ContractionLength(absl::string_view s, size_t i) {
  if (i + 1 >= s.size()) return 0;
  const char a = s[i + 1];
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  if (i + 2 >= s.size()) return 0;
  const char b = s[i + 2];
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  return 0;
}

// Calls emit(word) for each match of GPT-2's pattern, in order; the matches cover the text.
template <typename Emit>
void PreTokenize(absl::string_view s, Emit&& emit) {
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    if (s[i] == '\'') {
      if (const size_t m = ContractionLength(s, i); m > 0) {
        emit(s.substr(i, m));
        i += m;
        continue;
      }
    }
    const Unit u = UnitAt(s, i);
    // " ?\p{L}+ | ?\p{N}+ | ?[^\s\p{L}\p{N}]+": an optional U+0020, then a run of one class.
    size_t j = i;
    Unit v = u;
    if (u.cls == kSpace && i + 1 < n) {
      j = i + 1;
      v = UnitAt(s, j);
    }
    if (!IsSpaceClass(v.cls)) {
      size_t k = j + v.len;
      while (k < n) {
        const Unit w = UnitAt(s, k);
        if (w.cls != v.cls) break;
        k += w.len;
      }
      emit(s.substr(i, k - i));
      i = k;
      continue;
    }
    // "\s+(?!\S)|\s+": the white-space run, less its last code point when a non-space follows
    // (that one starts the next match), unless the run is a single code point.
    size_t k = i, last = i;
    while (k < n) {
      const Unit w = UnitAt(s, k);
      if (!IsSpaceClass(w.cls)) break;
      last = k;
      k += w.len;
    }
    const size_t end = (k == n || last == i) ? k : last;
    emit(s.substr(i, end - i));
    i = end;
  }
}

// Full Unicode lowercase, code point by code point (no context: Σ is always σ), as the
// tokenizers library's Lowercase normalizer does. Invalid bytes are kept.
std::string Lowercase(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      out.push_back(b >= 'A' && b <= 'Z' ? static_cast<char>(b + 32) : static_cast<char>(b));
      ++i;
      continue;
    }
    char32_t c;
    const int len = DecodeUtf8(s, i, &c);
    if (len == 0) {
      out.push_back(s[i]);
      ++i;
      continue;
    }
    UChar src[2];
    int32_t src_len = 0;
    U16_APPEND_UNSAFE(src, src_len, static_cast<UChar32>(c));
    UChar dst[8];
    UErrorCode err = U_ZERO_ERROR;
    const int32_t dst_len = u_strToLower(dst, 8, src, src_len, "", &err);
    if (U_FAILURE(err) || dst_len > 8) {
      out.append(s.data() + i, len);  // cannot happen: lowercase mappings are at most 3 units
    } else {
      for (int32_t k = 0; k < dst_len;) {
        UChar32 lc;
        U16_NEXT_UNSAFE(dst, k, lc);
        AppendUtf8(static_cast<char32_t>(lc), &out);
      }
    }
    i += len;
  }
  return out;
}

// Length of the White_Space code point ending at s[end) (not before `floor`), or 0.
size_t WhiteSpaceBefore(absl::string_view s, size_t floor, size_t end) {
  for (size_t len = 1; len <= 3 && end >= floor + len; ++len) {
    char32_t c;
    if (DecodeUtf8(s, end - len, &c) == static_cast<int>(len)) {
      return u_isUWhiteSpace(static_cast<UChar32>(c)) ? len : 0;
    }
  }
  return 0;
}

absl::Status FileError(absl::string_view what, const std::string& path, absl::string_view problem) {
  return absl::FailedPreconditionError(absl::StrCat(what, " ", path, ": ", problem));
}

absl::StatusOr<std::string> ReadFile(absl::string_view what, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return FileError(what, path, absl::StrCat("cannot open (", std::strerror(errno), ")"));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return FileError(what, path, "read error");
  return std::move(buf).str();
}

struct Merge {
  int32_t rank;
  int32_t id;  // the merged token
};

uint64_t PairKey(int32_t a, int32_t b) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}

}  // namespace

// ---- Tables and the word cache ----

struct RobertaTokenizer::Tables {
  std::array<int32_t, 256> byte_id{};
  absl::flat_hash_map<uint64_t, Merge> merges;
  std::vector<std::string> token;    // by id; empty for ids not in the vocabulary
  std::vector<std::string> bytes;    // by id: the bytes a token stands for
  std::vector<bool> present;         // by id
  std::vector<bool> special;         // by id: dropped by Decode
};

// Per-word BPE results. Sharded so concurrent encoders rarely contend; each shard is cleared
// when it reaches its bound (a crude LRU that keeps memory bounded under any input).
class RobertaTokenizer::WordCache {
 public:
  static constexpr size_t kShards = 16;
  static constexpr size_t kPerShard = 4096;
  static constexpr size_t kMaxWordBytes = 64;

  bool Lookup(absl::string_view word, size_t hash, std::vector<int64_t>* out) {
    Shard& shard = shards_[hash % kShards];
    std::lock_guard<std::mutex> lock(shard.mu);
    const auto it = shard.map.find(word);
    if (it == shard.map.end()) return false;
    out->insert(out->end(), it->second.begin(), it->second.end());
    return true;
  }
  void Insert(absl::string_view word, size_t hash, std::vector<int64_t> ids) {
    Shard& shard = shards_[hash % kShards];
    std::lock_guard<std::mutex> lock(shard.mu);
    if (shard.map.size() >= kPerShard) shard.map.clear();
    shard.map.try_emplace(word, std::move(ids));
  }

 private:
  struct Shard {
    std::mutex mu;
    absl::flat_hash_map<std::string, std::vector<int64_t>> map;
  };
  std::array<Shard, kShards> shards_;
};

RobertaTokenizer::RobertaTokenizer() = default;
RobertaTokenizer::~RobertaTokenizer() = default;

// ---- Loading ----

absl::StatusOr<std::unique_ptr<RobertaTokenizer>> RobertaTokenizer::Load(
    const std::string& vocab_path, const std::string& merges_path, BpeOptions options) {
  constexpr char kVocab[] = "BPE vocab file";
  constexpr char kMerges[] = "BPE merges file";
  auto tok = std::unique_ptr<RobertaTokenizer>(new RobertaTokenizer());
  auto tables = std::make_unique<Tables>();

  // vocab.json: {"token": id, ...}
  absl::StatusOr<std::string> vocab_text = ReadFile(kVocab, vocab_path);
  if (!vocab_text.ok()) return vocab_text.status();
  absl::flat_hash_map<std::string, int32_t> vocab;
  try {
    const nlohmann::json json = nlohmann::json::parse(*vocab_text);
    if (!json.is_object()) {
      return FileError(kVocab, vocab_path,
                       absl::StrCat("expected a JSON object of token -> id, found a JSON ",
                                    json.type_name()));
    }
    if (json.empty()) return FileError(kVocab, vocab_path, "the vocabulary is empty");
    vocab.reserve(json.size());
    for (const auto& [key, value] : json.items()) {
      if (!value.is_number_integer() || value.get<int64_t>() < 0 ||
          value.get<int64_t>() >= kMaxId) {
        return FileError(kVocab, vocab_path,
                         absl::StrCat("the id of token \"", key, "\" is ", value.dump(),
                                      "; expected an integer in [0, ", kMaxId, ")"));
      }
      const auto id = static_cast<int32_t>(value.get<int64_t>());
      if (static_cast<size_t>(id) >= tables->token.size()) {
        tables->token.resize(id + 1);
        tables->present.resize(id + 1, false);
      }
      if (tables->present[id]) {
        return FileError(kVocab, vocab_path,
                         absl::StrCat("tokens \"", tables->token[id], "\" and \"", key,
                                      "\" share the id ", id));
      }
      tables->present[id] = true;
      tables->token[id] = key;
      vocab[key] = id;
    }
  } catch (const nlohmann::json::exception& e) {
    return FileError(kVocab, vocab_path, absl::StrCat("not valid JSON (", e.what(), ")"));
  }
  tok->vocab_size_ = vocab.size();

  // Each token's bytes, through the inverse of bytes_to_unicode (other characters, as in
  // added tokens, stand for their own UTF-8).
  const std::array<char32_t, 256> byte_to_char = BytesToUnicode();
  absl::flat_hash_map<char32_t, unsigned char> char_to_byte;
  for (int b = 0; b < 256; ++b) char_to_byte[byte_to_char[b]] = static_cast<unsigned char>(b);
  tables->bytes.resize(tables->token.size());
  for (size_t id = 0; id < tables->token.size(); ++id) {
    const std::string& t = tables->token[id];
    std::string& bytes = tables->bytes[id];
    for (size_t i = 0; i < t.size();) {
      char32_t c;
      const int len = text::DecodeUtf8(t, i, &c);
      const auto it = len > 0 ? char_to_byte.find(c) : char_to_byte.end();
      if (it != char_to_byte.end()) {
        bytes.push_back(static_cast<char>(it->second));
        i += len;
      } else {
        const size_t n = len > 0 ? static_cast<size_t>(len) : 1;
        bytes.append(t, i, n);
        i += n;
      }
    }
  }
  for (int b = 0; b < 256; ++b) {
    std::string ch;
    AppendUtf8(byte_to_char[b], &ch);
    const auto it = vocab.find(ch);
    if (it == vocab.end()) {
      return FileError(kVocab, vocab_path,
                       absl::StrCat("the byte token \"", ch, "\" (byte ", b,
                                    ") is missing; a byte-level BPE vocabulary has all 256"));
    }
    tables->byte_id[b] = it->second;
  }

  // merges.txt: "#version: ..." then "left right" per line, in rank order.
  absl::StatusOr<std::string> merges_text = ReadFile(kMerges, merges_path);
  if (!merges_text.ok()) return merges_text.status();
  std::vector<absl::string_view> lines = absl::StrSplit(*merges_text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();  // the final newline
  int32_t rank = 0;
  for (size_t n = 0; n < lines.size(); ++n) {
    absl::string_view line = lines[n];
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (n == 0 && absl::StartsWith(line, "#version")) continue;
    const std::vector<absl::string_view> parts = absl::StrSplit(line, ' ');
    if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
      return FileError(kMerges, merges_path,
                       absl::StrCat("line ", n + 1, " is \"", line.substr(0, 80),
                                    "\"; expected two tokens separated by one space"));
    }
    int32_t ids[3];
    const std::string merged = absl::StrCat(parts[0], parts[1]);
    const absl::string_view names[3] = {parts[0], parts[1], merged};
    for (int k = 0; k < 3; ++k) {
      const auto it = vocab.find(names[k]);
      if (it == vocab.end()) {
        return FileError(kMerges, merges_path,
                         absl::StrCat("line ", n + 1, " (\"", line, "\"): ",
                                      k < 2 ? "its part \"" : "its result \"", names[k],
                                      "\" is not in the vocab file ", vocab_path));
      }
      ids[k] = it->second;
    }
    // A repeated pair takes the later rank, as Hugging Face's tables do.
    tables->merges.insert_or_assign(PairKey(ids[0], ids[1]), Merge{rank++, ids[2]});
  }

  // Special tokens.
  tables->special.assign(tables->token.size(), false);
  struct Named {
    const char* option;
    const std::string* text;
    int64_t* id;
    bool lstrip;
    bool optional;
  };
  const Named named[] = {
      {"bos_token", &options.bos_token, &tok->bos_id_, false, false},
      {"eos_token", &options.eos_token, &tok->eos_id_, false, false},
      {"pad_token", &options.pad_token, &tok->pad_id_, false, false},
      {"unk_token", &options.unk_token, &tok->unk_id_, false, false},
      {"mask_token", &options.mask_token, &tok->mask_id_, true, true},
  };
  for (const Named& s : named) {
    if (s.text->empty()) {
      if (s.optional) continue;
      return absl::InvalidArgumentError(absl::StrCat("BpeOptions.", s.option, " is empty"));
    }
    const auto it = vocab.find(*s.text);
    if (it == vocab.end()) {
      return FileError(kVocab, vocab_path,
                       absl::StrCat("the special token ", s.option, " \"", *s.text,
                                    "\" is not in the vocabulary"));
    }
    *s.id = it->second;
    tables->special[it->second] = true;
    const bool seen = std::any_of(tok->specials_.begin(), tok->specials_.end(),
                                  [&](const Special& sp) { return sp.text == *s.text; });
    if (!seen) tok->specials_.push_back(Special{*s.text, it->second, s.lstrip});
  }

  tok->options_ = std::move(options);
  tok->tables_ = std::move(tables);
  tok->cache_ = std::make_unique<WordCache>();
  return tok;
}

// ---- Encoding ----

void RobertaTokenizer::BpeWord(absl::string_view word, std::vector<int64_t>* out) const {
  struct Symbol {
    int32_t id;  // -1: merged into its left neighbour
    int32_t prev;
    int32_t next;
  };
  struct Candidate {
    int32_t rank;
    int32_t pos;
    int32_t left, right, merged;
    bool operator>(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  const int32_t n = static_cast<int32_t>(word.size());
  std::vector<Symbol> sym(n);
  for (int32_t i = 0; i < n; ++i) {
    sym[i] = {tables_->byte_id[static_cast<unsigned char>(word[i])], i - 1, i + 1 < n ? i + 1 : -1};
  }
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> queue;
  const auto consider = [&](int32_t pos) {
    const int32_t next = sym[pos].next;
    if (next < 0) return;
    const auto it = tables_->merges.find(PairKey(sym[pos].id, sym[next].id));
    if (it != tables_->merges.end()) {
      queue.push(Candidate{it->second.rank, pos, sym[pos].id, sym[next].id, it->second.id});
    }
  };
  for (int32_t i = 0; i + 1 < n; ++i) consider(i);
  // Lowest rank first, leftmost first among equal ranks (the tokenizers library's order). A
  // candidate is stale once either side has changed: merged tokens only grow, so an unchanged
  // id means an unchanged symbol.
  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    Symbol& left = sym[top.pos];
    if (left.id != top.left || left.next < 0) continue;
    Symbol& right = sym[left.next];
    if (right.id != top.right) continue;
    left.id = top.merged;
    right.id = -1;
    left.next = right.next;
    if (left.next >= 0) sym[left.next].prev = top.pos;
    if (left.prev >= 0) consider(left.prev);
    consider(top.pos);
  }
  for (int32_t i = 0; i >= 0; i = sym[i].next) out->push_back(sym[i].id);
}

void RobertaTokenizer::EncodeWord(absl::string_view word, std::vector<int64_t>* out) const {
  if (word.size() == 1) {
    out->push_back(tables_->byte_id[static_cast<unsigned char>(word[0])]);
    return;
  }
  if (word.size() > WordCache::kMaxWordBytes) {
    BpeWord(word, out);
    return;
  }
  const size_t hash = absl::Hash<absl::string_view>{}(word);
  if (cache_->Lookup(word, hash, out)) return;
  std::vector<int64_t> ids;
  BpeWord(word, &ids);
  out->insert(out->end(), ids.begin(), ids.end());
  cache_->Insert(word, hash, std::move(ids));
}

void RobertaTokenizer::EncodePiece(absl::string_view piece, std::vector<int64_t>* out) const {
  if (piece.empty()) return;
  std::string lowered;
  if (options_.lowercase) {
    lowered = Lowercase(piece);
    piece = lowered;
  }
  PreTokenize(piece, [&](absl::string_view word) { EncodeWord(word, out); });
}

std::vector<int64_t> RobertaTokenizer::EncodeOrdinary(std::string_view text_in) const {
  absl::string_view text(text_in.data(), text_in.size());
  std::string prefixed;
  if (options_.add_prefix_space && !text.empty() && text[0] != ' ') {
    prefixed = absl::StrCat(" ", text);
    text = prefixed;
  }
  std::vector<int64_t> out;
  out.reserve(text.size() / 3 + 4);
  // Special tokens: leftmost, then longest; the pieces between them are encoded on their own.
  size_t piece_start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const Special* match = nullptr;
    for (const Special& sp : specials_) {
      if (text[i] == sp.text[0] && text.substr(i, sp.text.size()) == sp.text &&
          (match == nullptr || sp.text.size() > match->text.size())) {
        match = &sp;
      }
    }
    if (match == nullptr) continue;
    size_t start = i;
    if (match->lstrip) {
      while (const size_t len = WhiteSpaceBefore(text, piece_start, start)) start -= len;
    }
    EncodePiece(text.substr(piece_start, start - piece_start), &out);
    out.push_back(match->id);
    piece_start = i + match->text.size();
    i = piece_start - 1;
  }
  EncodePiece(text.substr(piece_start), &out);
  return out;
}

BpeEncoding RobertaTokenizer::Encode(std::string_view text, int max_length,
                                     bool add_special_tokens) const {
  std::vector<int64_t> body = EncodeOrdinary(text);
  BpeEncoding enc;
  const size_t specials = add_special_tokens ? 2 : 0;
  const size_t full = body.size() + specials;
  enc.full_length = static_cast<int>(std::min<size_t>(full, std::numeric_limits<int>::max()));
  size_t keep = body.size();
  if (max_length > 0 && full > static_cast<size_t>(max_length)) {
    enc.truncated = true;
    keep = static_cast<size_t>(max_length) > specials ? max_length - specials : 0;
  }
  if (!add_special_tokens) {
    body.resize(keep);
    enc.ids = std::move(body);
    return enc;
  }
  if (max_length == 1 && enc.truncated) {
    enc.ids = {eos_id_};
    return enc;
  }
  enc.ids.reserve(keep + 2);
  enc.ids.push_back(bos_id_);
  enc.ids.insert(enc.ids.end(), body.begin(), body.begin() + keep);
  enc.ids.push_back(eos_id_);
  return enc;
}

// ---- Ids back to text ----

std::vector<std::string> RobertaTokenizer::Tokens(const std::vector<int64_t>& ids) const {
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (const int64_t id : ids) {
    const bool known = id >= 0 && static_cast<size_t>(id) < tables_->token.size() &&
                       tables_->present[id];
    out.push_back(known ? tables_->token[id] : options_.unk_token);
  }
  return out;
}

std::string RobertaTokenizer::Decode(const std::vector<int64_t>& ids) const {
  std::string out;
  for (const int64_t id : ids) {
    if (id < 0 || static_cast<size_t>(id) >= tables_->token.size() || !tables_->present[id] ||
        tables_->special[id]) {
      continue;
    }
    out += tables_->bytes[id];
  }
  return out;
}

}  // namespace burnout::text
