#include "orchestrator/store/redact.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"

namespace burnout::store {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

using Replacements = std::vector<std::pair<std::string, std::string>>;

int Scrub(Message* m, const Replacements& repl) {
  const Reflection* r = m->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(*m, &fields);
  int changed = 0;
  for (const FieldDescriptor* f : fields) {
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING && f->type() == FieldDescriptor::TYPE_STRING) {
      auto fix = [&](const std::string& in) {
        std::string out = absl::StrReplaceAll(in, repl);
        if (out != in) ++changed;
        return out;
      };
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(*m, f); ++i) {
          r->SetRepeatedString(m, f, i, fix(r->GetRepeatedString(*m, f, i)));
        }
      } else {
        r->SetString(m, f, fix(r->GetString(*m, f)));
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(*m, f); ++i) {
          changed += Scrub(r->MutableRepeatedMessage(m, f, i), repl);
        }
      } else {
        changed += Scrub(r->MutableMessage(m, f), repl);
      }
    }
  }
  return changed;
}

}  // namespace

int RedactJournalWords(burnout::v1::Assessment* a) {
  int changed = a->text().empty() ? 0 : 1;
  a->clear_text();
  std::set<std::string> phrases;
  for (auto& o : *a->mutable_modalities()) {
    if (o.modality() != burnout::v1::MODALITY_TEXT || !o.has_result()) continue;
    for (auto& ev : *o.mutable_result()->mutable_evidence()) {
      if (!ev.feature().empty()) {
        phrases.insert(ev.feature());
        ev.clear_feature();
        ++changed;
      }
    }
    if (o.result().findings_size() > 0) {
      o.mutable_result()->clear_findings();
      ++changed;
    }
  }
  if (phrases.empty()) return changed;
  // Longest first, so "so tired" is replaced before "tired".
  std::vector<std::string> ordered(phrases.begin(), phrases.end());
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const std::string& x, const std::string& y) { return x.size() > y.size(); });
  Replacements repl;
  for (const auto& p : ordered) {
    repl.emplace_back(absl::StrCat("\"", p, "\""), absl::StrCat("\"", kRedacted, "\""));
    repl.emplace_back(absl::StrCat("\xE2\x80\x9C", p, "\xE2\x80\x9D"),
                      absl::StrCat("\xE2\x80\x9C", kRedacted, "\xE2\x80\x9D"));
    repl.emplace_back(absl::StrCat("'", p, "'"), absl::StrCat("'", kRedacted, "'"));
  }
  return changed + Scrub(a, repl);
}

}  // namespace burnout::store
