// Both tokenizers on any bytes: RoBERTa's byte-level BPE (the TorchScript text model's, with
// the roberta-base vocabulary from ../shared/data/tokenizer, or BURNOUT_FUZZ_TOKENIZER) and the
// bag model's word tokenizer. Every id is in the vocabulary; truncation keeps the limit.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "services/text/bpe_tokenizer.h"
#include "services/text/tokenizer.h"

namespace {

const burnout::text::RobertaTokenizer* Bpe() {
  static const burnout::text::RobertaTokenizer* tokenizer = [] {
    const char* dir = std::getenv("BURNOUT_FUZZ_TOKENIZER");
    const std::string d = dir ? dir : "../shared/data/tokenizer/roberta-base";
    auto t = burnout::text::RobertaTokenizer::Load(d + "/vocab.json", d + "/merges.txt");
    if (!t.ok()) {
      std::fprintf(stderr, "fuzz_tokenizers: %s\n", std::string(t.status().message()).c_str());
      std::abort();
    }
    return t->release();
  }();
  return tokenizer;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto* bpe = Bpe();
  const auto enc = bpe->Encode(text, 64);
  if (enc.ids.size() > 64) __builtin_trap();
  for (int64_t id : enc.ids) {
    if (id < 0) __builtin_trap();
  }
  (void)bpe->Decode(bpe->EncodeOrdinary(text));
  for (const auto& token : burnout::text::Tokenize(text)) {
    if (token.text.empty()) __builtin_trap();
  }
  return 0;
}
