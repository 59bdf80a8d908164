#include "clients/capture/session_render.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/api/api_text.h"

namespace burnout::capture {
namespace {

namespace v1 = burnout::v1;

// The API's names, with this client's way of showing values it does not know.
std::string ModalityName(v1::Modality m) {
  const std::string name = api::ModalityName(m);
  return name == "unknown" ? absl::StrCat("modality ", static_cast<int>(m)) : name;
}

std::string RiskName(v1::RiskLevel level) {
  const std::string name = api::RiskName(level);
  return name == "unknown" ? "-" : name;
}

std::vector<v1::LabelScore> Sorted(const google::protobuf::RepeatedPtrField<v1::LabelScore>& e) {
  std::vector<v1::LabelScore> out(e.begin(), e.end());
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.probability() > b.probability(); });
  return out;
}

// "sad 45%  neutral 30%" (the top `n`), or "-".
std::string TopEmotions(const google::protobuf::RepeatedPtrField<v1::LabelScore>& emotions, size_t n) {
  const auto e = Sorted(emotions);
  std::vector<std::string> parts;
  for (size_t i = 0; i < std::min(n, e.size()); ++i) {
    parts.push_back(absl::StrFormat("%s %.0f%%", e[i].label(), 100 * e[i].probability()));
  }
  return parts.empty() ? "-" : absl::StrJoin(parts, "  ");
}

std::string ModalityList(const google::protobuf::RepeatedField<int>& modalities) {
  std::vector<std::string> names;
  for (int m : modalities) names.push_back(ModalityName(static_cast<v1::Modality>(m)));
  return names.empty() ? "none" : absl::StrJoin(names, "+");
}

std::string Started(const v1::SessionStarted& s) {
  std::string line = absl::StrFormat(
      "started   session %s: %s, a fused update every %d ms over %d ms, face analysis <= %g fps, "
      "max %g s, idle timeout %d ms",
      s.session_id(), ModalityList(s.modalities()), s.update_interval_ms(), s.window_ms(),
      s.face_analysis_fps(), s.max_session_s(), s.idle_timeout_ms());
  return line;
}

std::string Modality(const v1::ModalityUpdate& m) {
  std::string line = absl::StrFormat("%-9s t=%7.2f s  ", ModalityName(m.modality()), m.t_s());
  if (m.masked()) return absl::StrCat(line, "MASKED: ", m.mask_reason());
  const auto& r = m.result();
  absl::StrAppend(&line, TopEmotions(r.emotions(), 2), absl::StrFormat("  | quality %.2f", r.quality()));
  if (!r.quality_issues().empty()) absl::StrAppend(&line, " (", r.quality_issues(0), ")");
  // A face frame carries the fatigue measures once the face analyzer's window spans enough frames.
  for (const auto& i : r.indicators()) {
    if (i.name() == "perclos") absl::StrAppendFormat(&line, "  | PERCLOS %.2f", i.value());
  }
  return line;
}

// "used voice,face,text  masked face (reason)"; modalities not provided are left out.
std::string UsedAndMasked(const v1::Assessment& a) {
  std::vector<std::string> used, masked;
  for (const auto& m : a.modalities()) {
    if (m.used()) {
      used.push_back(ModalityName(m.modality()));
    } else if (m.mask_reason() != api::kNotProvided) {
      masked.push_back(m.mask_reason().empty()
                           ? ModalityName(m.modality())
                           : absl::StrCat(ModalityName(m.modality()), " (", m.mask_reason(), ")"));
    }
  }
  std::string out = absl::StrCat("used ", used.empty() ? "-" : absl::StrJoin(used, ","));
  if (!masked.empty()) absl::StrAppend(&out, "  masked ", absl::StrJoin(masked, ", "));
  return out;
}

std::string Fused(const v1::FusedUpdate& f) {
  const auto& a = f.assessment();
  const auto& c = f.counters();
  std::string line = absl::StrFormat(
      "fused     %6.1f-%6.1f s  risk %-8s %3.0f%%  stress %.2f  energy %.2f  %s  | frames analysed %d, "
      "skipped %d",
      f.window_start_s(), f.window_end_s(), api::RiskLabel(a.risk()), 100 * a.risk().confidence(),
      a.state().stress(), a.state().energy(), UsedAndMasked(a), c.frames_analyzed(), c.frames_skipped());
  if (c.frames_over_rate() > 0) absl::StrAppend(&line, ", over rate ", c.frames_over_rate());
  if (c.audio_chunks_dropped() > 0) absl::StrAppend(&line, ", audio chunks dropped ", c.audio_chunks_dropped());
  if (c.updates_dropped() > 0) absl::StrAppend(&line, ", updates dropped ", c.updates_dropped());
  if (c.fusions_failed() > 0) absl::StrAppend(&line, ", fusions failed ", c.fusions_failed());
  for (const auto& sp : f.spikes()) {
    absl::StrAppendFormat(&line, "  SPIKE %s %.2f (recent %.2f)", sp.kind(), sp.value(), sp.recent_average());
  }
  return line;
}

std::string SummaryLine(const v1::Assessment& a) {
  const auto& s = a.session();
  return absl::StrFormat("summary   risk %s %.0f%% over %.1f s of session %s (%s)", api::RiskLabel(a.risk()),
                         100 * a.risk().confidence(), s.duration_s(), s.session_id(),
                         s.ended().empty() ? "ended" : s.ended());
}

// "sad (0.72)" for a segment's modality.
std::string SegmentModality(const v1::SegmentStats& seg, v1::Modality m) {
  for (const auto& sm : seg.modalities()) {
    if (sm.modality() != m || sm.results() == 0) continue;
    std::string dominant = sm.dominant();
    if (dominant.empty()) {
      const auto e = Sorted(sm.emotions());
      dominant = e.empty() ? "-" : e[0].label();
    }
    return absl::StrFormat("%s q%.2f n%d", dominant, sm.quality(), sm.results());
  }
  return "-";
}

}  // namespace

std::string RenderUpdate(const v1::SessionUpdate& u) {
  switch (u.update_case()) {
    case v1::SessionUpdate::kStarted: return Started(u.started());
    case v1::SessionUpdate::kModality: return Modality(u.modality());
    case v1::SessionUpdate::kFused: return Fused(u.fused());
    case v1::SessionUpdate::kSummary: return SummaryLine(u.summary());
    default: return "(empty update)";
  }
}

std::string RenderSummary(const v1::Assessment& a) {
  const auto& s = a.session();
  const auto& r = a.risk();
  std::string out = absl::StrFormat("Session %s: %.1f s, ended: %s\n", s.session_id(), s.duration_s(),
                                    s.ended().empty() ? "-" : s.ended());
  absl::StrAppendFormat(&out, "Burnout risk over the session: %s (%.0f%%), uncertainty %.3f, %s\n",
                        api::RiskLabel(r), 100 * r.confidence(), r.uncertainty(),
                        r.reliable() ? "reliable" : "not reliable: read as a weak signal");
  out += "Modalities:\n";
  for (const auto& m : a.modalities()) {
    if (m.used()) {
      absl::StrAppendFormat(&out, "  %-6s used, weight %.2f, quality %.2f\n", ModalityName(m.modality()),
                            m.attention_weight(), m.result().quality());
    } else if (m.mask_reason() == api::kNotProvided) {
      absl::StrAppendFormat(&out, "  %-6s not provided\n", ModalityName(m.modality()));
    } else {
      absl::StrAppendFormat(&out, "  %-6s masked: %s\n", ModalityName(m.modality()), m.mask_reason());
    }
  }
  absl::StrAppendFormat(&out, "State: energy %.2f  stress %.2f  work %.2f\n", a.state().energy(),
                        a.state().stress(), a.state().work());
  if (!a.narratives().empty()) {
    out += "What this rests on:\n";
    for (const auto& n : a.narratives()) absl::StrAppend(&out, "  - ", n.text(), "\n");
  }
  if (!s.segments().empty()) {
    absl::StrAppendFormat(&out, "Segments:\n  %-9s %15s %6s %5s %5s %6s %6s  %-22s %s\n", "segment",
                          "time (s)", "points", "risk", "conf", "stress", "energy", "voice", "face");
    for (const auto& seg : s.segments()) {
      absl::StrAppendFormat(&out, "  %-9s %7.1f-%7.1f %6d %5.2f %5.2f %6.2f %6.2f  %-22s %s\n", seg.name(),
                            seg.start_s(), seg.end_s(), seg.fused_points(), seg.mean_risk_score(),
                            seg.mean_confidence(), seg.mean_stress(), seg.mean_energy(),
                            SegmentModality(seg, v1::MODALITY_VOICE), SegmentModality(seg, v1::MODALITY_FACE));
    }
  }
  if (s.spikes().empty()) {
    out += "Spikes: none\n";
  } else {
    absl::StrAppendFormat(&out, "Spikes: %d\n", s.spikes_size());
    constexpr int kShown = 10;
    for (int i = 0; i < std::min(kShown, s.spikes_size()); ++i) {
      const auto& sp = s.spikes(i);
      absl::StrAppendFormat(&out, "  t=%7.1f s  %-15s %.2f against %.2f (by %.2f)\n", sp.t_s(), sp.kind(),
                            sp.value(), sp.recent_average(), sp.magnitude());
    }
    if (s.spikes_size() > kShown) absl::StrAppendFormat(&out, "  ... and %d more\n", s.spikes_size() - kShown);
  }
  std::vector<std::string> series;
  for (const auto& ms : s.series()) {
    series.push_back(absl::StrFormat("%s %d points every %g s", ModalityName(ms.modality()), ms.points_size(),
                                     ms.step_s()));
  }
  series.push_back(absl::StrFormat("fused %d points every %g s", s.fused_series_size(), s.fused_step_s()));
  absl::StrAppend(&out, "Series: ", absl::StrJoin(series, "; "), "\n");
  const auto& c = s.counters();
  absl::StrAppendFormat(&out,
                        "Counters: frames received %d, forwarded %d, analysed %d, skipped %d, over rate %d\n"
                        "          audio chunks %d (%.1f s), dropped %d; voice windows analysed %d, "
                        "skipped %d\n"
                        "          updates sent %d, dropped %d; fused updates %d, fusions failed %d\n",
                        c.frames_received(), c.frames_forwarded(), c.frames_analyzed(), c.frames_skipped(),
                        c.frames_over_rate(), c.audio_chunks_received(), c.audio_s_received(),
                        c.audio_chunks_dropped(), c.voice_windows_analyzed(), c.voice_windows_skipped(),
                        c.updates_sent(), c.updates_dropped(), c.fused_updates(), c.fusions_failed());
  for (const auto& note : s.notes()) absl::StrAppend(&out, "Note: ", note, "\n");
  if (s.store_error().empty()) {
    absl::StrAppend(&out, "Stored as assessment ", a.assessment_id().empty() ? "-" : a.assessment_id(),
                    " for ", a.user_id(), "\n");
  } else {
    absl::StrAppend(&out, "Not stored: ", s.store_error(), "\n");
  }
  absl::StrAppend(&out, "\n", a.notice().empty() ? api::kNotice : a.notice(), "\n");
  return out;
}

}  // namespace burnout::capture
