// burnoutctl: start and stop the stack, assess, and read or delete what is stored.
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "burnout/v1/burnout_risk.grpc.pb.h"
#include "clients/burnoutctl/render.h"
#include "clients/burnoutctl/stack_control.h"
#include "clients/burnoutctl/stream_options.h"
#include "common/auth/token.h"
#include "common/grpc/channel.h"

namespace {

using namespace burnout;

int Fail(const std::string& what) {
  std::cerr << "burnoutctl: " << what << std::endl;
  return 1;
}

int FailRpc(const grpc::Status& s) {
  return Fail(absl::StrFormat("%s: %s", absl::StatusCodeToString(static_cast<absl::StatusCode>(
                                            s.error_code())),
                              s.error_message()));
}

// `listen` and `watch` run in burnout-stream, next to this binary (it holds the media code).
int RunStream(const char* argv0, const std::string& command, std::vector<std::string> args) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::string exe = ((ec ? std::filesystem::path(argv0) : self).parent_path() / "burnout-stream").string();
  args.insert(args.begin(), command);
  std::vector<char*> cargv = {const_cast<char*>(exe.c_str())};
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::cout.flush();
  ::execv(exe.c_str(), cargv.data());
  return Fail(absl::StrFormat("cannot run %s (%s): %s needs it beside burnoutctl", exe, std::strerror(errno), command));
}

std::string DefaultUser() {
  const char* u = std::getenv("USER");
  return u && *u ? u : "me";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"burnoutctl: explained burnout-risk signals (a self-awareness tool, not a diagnosis)"};
  app.require_subcommand(1);
  app.fallthrough();  // global options (--token, --server, ...) also after the subcommand
  ctl::StackOptions stack;
  std::string server;
  int timeout_ms = 30000;
  bool json = false;
  std::string user = DefaultUser();
  app.add_option("--config", stack.config_path, "stack config")->capture_default_str();
  app.add_option("--run_dir", stack.run_dir, "pid/port/log/store directory (overrides config)");
  app.add_option("--server", server, "orchestrator address (default: the running stack's)");
  app.add_option("--timeout_ms", timeout_ms, "deadline for each call")->capture_default_str();
  std::string token = std::getenv("BURNOUT_TOKEN") ? std::getenv("BURNOUT_TOKEN") : "";
  app.add_option("--token", token,
                 "bearer token for the orchestrator (default: $BURNOUT_TOKEN, else one signed for "
                 "--user by the local stack's issuer in <run_dir>/auth)");

  auto* up = app.add_subcommand("up", "start every service on loopback and wait until ready");
  up->add_option("--base_port", stack.base_port, "service i listens on base_port+i (0: any free)");
  up->add_option("--bin_dir", stack.bin_dir, "where the service binaries are");
  up->add_option("--store", stack.store, "sqlite, or postgres (a local cluster in <run_dir>/pg)")
      ->check(CLI::IsMember({"sqlite", "postgres"}))
      ->capture_default_str();
  up->add_flag("--tls", stack.tls,
               "mutual TLS on every port (certificates from deploy/make-certs.sh in <run_dir>/certs)");
  auto* down = app.add_subcommand("down", "stop every service");
  auto* status = app.add_subcommand("status", "health and pid of each service");

  auto* assess = app.add_subcommand(
      "assess", "assess what you wrote, a voice recording and/or a photo of your face");
  std::string text, text_file, audio_file, image_file, request_id;
  assess->add_option("--text", text, "what you wrote");
  assess->add_option("--text_file", text_file, "read the text from a file ('-' = stdin)");
  assess->add_option("--audio", audio_file, "a WAV recording of your voice");
  assess->add_option("--image", image_file, "a JPEG or PNG photo of your face");
  assess->add_option("--request_id", request_id, "makes a retried assess return the stored result");
  for (auto* sc : {assess}) {
    sc->add_option("--user", user, "whose assessment")->capture_default_str();
    sc->add_flag("--json", json, "print proto JSON");
  }
  auto* listen = app.add_subcommand(
      "listen", "stream a WAV to the voice analyzer as a microphone would; print rolling results");
  ctl::ListenOptions lo;
  bool fast = false;
  ctl::AddListenOptions(listen, &lo, &fast, &json);
  auto* watch = app.add_subcommand(
      "watch", "stream video frames to the face analyzer as a webcam would; print results");
  ctl::WatchOptions wo;
  ctl::AddWatchOptions(watch, &wo, &fast, &json);
  auto* history = app.add_subcommand("history", "stored assessments, newest first");
  int limit = 20;
  history->add_option("--limit", limit)->capture_default_str();
  auto* trend = app.add_subcommand("trend", "the trend over stored assessments");
  auto* exp = app.add_subcommand("export", "all stored assessments as CSV or JSON");
  std::string format = "csv", out_path;
  exp->add_option("--format", format, "csv or json")->check(CLI::IsMember({"csv", "json"}));
  exp->add_option("--out", out_path, "file to write (default: stdout)");
  auto* del = app.add_subcommand("delete", "delete everything stored for a user");
  bool yes = false;
  del->add_flag("--yes", yes, "confirm");
  auto* checkin = app.add_subcommand(
      "checkin", "answer the Copenhagen Burnout Inventory (13 questions) as a self-check");
  std::string answers;
  checkin->add_option("--answers", answers,
                      "13 answers 1..5 in item order (1 = never / very low degree, 5 = always / "
                      "very high degree; 0 = skip); without it, asks each question");
  checkin->add_option("--request_id", request_id, "makes a retried check-in return the stored one");
  auto* checkins = app.add_subcommand("checkins", "your check-ins and how your passive estimate agrees");
  auto* baseline = app.add_subcommand("baseline", "your personal baseline (your own usual)");
  auto* alerts = app.add_subcommand("alerts", "escalation alerts: rising risk or stress against your usual");
  bool all_alerts = false;
  alerts->add_flag("--all", all_alerts, "also the cleared ones");
  auto* summary = app.add_subcommand("summary", "your period: risk levels, means, alerts, check-ins");
  int days = 30;
  summary->add_option("--days", days, "the period: the last N days")->capture_default_str();
  auto* org = app.add_subcommand(
      "org-summary", "aggregates over groups of at least privacy.min_group_size people, no individual rows");
  org->add_option("--days", days, "the period: the last N days")->capture_default_str();
  org->add_flag("--json", json, "print proto JSON");
  auto* tok = app.add_subcommand(
      "token", "print a bearer token signed by the local stack's issuer (development sign-in)");
  std::string role = "person";
  int ttl_s = 3600;
  tok->add_option("--role", role, "person or operator")->check(CLI::IsMember({"person", "operator"}));
  tok->add_option("--ttl_s", ttl_s, "seconds until it expires")->capture_default_str();
  auto* audit = app.add_subcommand("audit", "who read, exported or changed your data, and when");
  auto* group = app.add_subcommand(
      "group", "choose the group your assessments count in for org-summary (or --leave)");
  std::string group_name;
  bool leave = false;
  group->add_option("--set", group_name, "the group's name");
  group->add_flag("--leave", leave, "count in no group");
  for (auto* sc : {history, trend, exp, del, checkin, checkins, baseline, alerts, summary, group, tok,
                   audit}) {
    sc->add_option("--user", user, "whose data")->capture_default_str();
    if (sc != exp && sc != del && sc != group && sc != tok) {
      sc->add_flag("--json", json, "print proto JSON");
    }
  }
  CLI11_PARSE(app, argc, argv);

  if (up->parsed() || down->parsed()) {
    std::string report;
    absl::Status s = up->parsed() ? ctl::Up(stack, &report) : ctl::Down(stack, &report);
    std::cout << report;
    return s.ok() ? 0 : Fail(std::string(s.message()));
  }
  if (status->parsed()) {
    auto states = ctl::Status(stack);
    if (!states.ok()) return Fail(std::string(states.status().message()));
    bool all_ready = true;
    std::cout << absl::StrFormat("%-13s %-8s %-6s %-12s %s\n", "service", "pid", "port", "live", "ready");
    for (const auto& s : *states) {
      std::cout << absl::StrFormat("%-13s %-8s %-6d %-12s %s\n", s.name,
                                   s.alive ? std::to_string(s.pid) : "-", s.port, s.liveness,
                                   s.readiness);
      all_ready &= s.readiness == "SERVING";
    }
    return all_ready ? 0 : 3;
  }

  if (listen->parsed() || watch->parsed()) {
    if (auto loaded_stack = ctl::LoadStack(stack); loaded_stack.ok()) {
      const v1::TlsConfig tls = ctl::ClientTls(loaded_stack->run_dir());
      if (lo.tls.ca_file().empty()) lo.tls = tls;
      if (wo.tls.ca_file().empty()) wo.tls = tls;
    }
  }
  if (listen->parsed()) {
    if (lo.target.empty()) {
      auto addr = ctl::ServiceAddress(stack, "voice");
      if (!addr.ok()) return Fail(std::string(addr.status().message()));
      lo.target = *addr;
    }
    return RunStream(argv[0], "listen", ctl::ListenArguments(lo, fast, json));
  }
  if (watch->parsed()) {
    if (wo.target.empty()) {
      auto addr = ctl::ServiceAddress(stack, "face");
      if (!addr.ok()) return Fail(std::string(addr.status().message()));
      wo.target = *addr;
    }
    return RunStream(argv[0], "watch", ctl::WatchArguments(wo, fast, json));
  }
  auto loaded = ctl::LoadStack(stack);
  const std::string run_dir = loaded.ok() ? loaded->run_dir() : std::string();
  if (tok->parsed()) {
    auto t = auth::LocalToken(run_dir, user, role, ttl_s);
    if (!t.ok()) {
      return Fail(absl::StrCat(t.status().message(), " (start the stack with `burnoutctl up` first)"));
    }
    std::cout << *t << "\n";
    return 0;
  }
  if (server.empty()) {
    auto addr = ctl::OrchestratorAddress(stack);
    if (!addr.ok()) return Fail(std::string(addr.status().message()));
    server = *addr;
  }
  auto stub =
      v1::BurnoutRisk::NewStub(grpcx::MakeChannel(server, 64 << 20, ctl::ClientTls(run_dir)));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
  // The development stack's local sign-in: a short-lived token for --user, when no token was
  // given and this machine holds the stack's issuer key.
  if (token.empty() && !run_dir.empty() && std::filesystem::exists(auth::LocalIssuerKey(run_dir))) {
    auto t = auth::LocalToken(run_dir, user, org->parsed() ? "operator" : "person", 600);
    if (t.ok()) token = *t;
  }
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);

  if (assess->parsed()) {
    v1::AssessRequest req;
    req.set_user_id(user);
    req.set_request_id(request_id);
    if (!text_file.empty()) {
      auto t = ctl::ReadTextArg(text_file);
      if (!t.ok()) return Fail(std::string(t.status().message()));
      req.set_text(*std::move(t));
    } else if (assess->count("--text")) {
      req.set_text(text);
    }
    if (!audio_file.empty()) {
      std::ifstream in(audio_file, std::ios::binary);
      if (!in) return Fail("cannot read " + audio_file);
      std::stringstream ss;
      ss << in.rdbuf();
      req.mutable_audio()->set_data(ss.str());
      req.mutable_audio()->set_filename(std::filesystem::path(audio_file).filename().string());
    }
    if (!image_file.empty()) {
      std::ifstream in(image_file, std::ios::binary);
      if (!in) return Fail("cannot read " + image_file);
      std::stringstream ss;
      ss << in.rdbuf();
      req.mutable_image()->set_data(ss.str());
      req.mutable_image()->set_filename(std::filesystem::path(image_file).filename().string());
    }
    if (!req.has_text() && !req.has_audio() && !req.has_image()) {
      return Fail("assess: give --text, --text_file, --audio or --image");
    }
    v1::Assessment a;
    grpc::Status s = stub->Assess(&ctx, req, &a);
    if (!s.ok()) return FailRpc(s);
    std::cout << (json ? ctl::ToJson(a) + "\n" : ctl::RenderAssessment(a));
    return 0;
  }
  if (history->parsed()) {
    v1::HistoryRequest req;
    req.set_user_id(user);
    req.set_limit(limit);
    v1::HistoryResponse h;
    grpc::Status s = stub->GetHistory(&ctx, req, &h);
    if (!s.ok()) return FailRpc(s);
    std::cout << (json ? ctl::ToJson(h) + "\n" : ctl::RenderHistory(h));
    return 0;
  }
  if (trend->parsed()) {
    v1::TrendQuery req;
    req.set_user_id(user);
    v1::TrendSummary t;
    grpc::Status s = stub->GetTrend(&ctx, req, &t);
    if (!s.ok()) return FailRpc(s);
    std::cout << (json ? ctl::ToJson(t) + "\n" : ctl::RenderTrend(t));
    return 0;
  }
  if (exp->parsed()) {
    v1::ExportRequest req;
    req.set_user_id(user);
    req.set_format(format == "json" ? v1::EXPORT_FORMAT_JSON : v1::EXPORT_FORMAT_CSV);
    v1::ExportResponse r;
    grpc::Status s = stub->Export(&ctx, req, &r);
    if (!s.ok()) return FailRpc(s);
    if (out_path.empty()) {
      std::cout << r.data();
    } else {
      std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
      out << r.data();
      if (!out) return Fail("cannot write " + out_path);
      std::cerr << "wrote " << r.assessments() << " assessments to " << out_path << "\n";
    }
    return 0;
  }
  if (del->parsed()) {
    if (!yes) {
      return Fail("delete removes every stored assessment, check-in, alert and baseline of " +
                  user + "; add --yes");
    }
    v1::DeleteUserDataRequest req;
    req.set_user_id(user);
    v1::DeleteUserDataResponse r;
    grpc::Status s = stub->DeleteUserData(&ctx, req, &r);
    if (!s.ok()) return FailRpc(s);
    std::cout << absl::StrFormat(
        "deleted %d assessments, %d check-ins, %d alerts%s%s of %s; none of it can be read back\n",
        r.assessments_deleted(), r.checkins_deleted(), r.alerts_deleted(),
        r.baseline_deleted() ? ", the baseline" : "",
        r.group_membership_deleted() ? ", the group membership" : "", user);
    return 0;
  }
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  if (checkin->parsed()) {
    v1::CheckInRequest req;
    req.set_user_id(user);
    req.set_request_id(request_id);
    if (!answers.empty()) {
      auto parsed = ctl::ParseAnswers(answers);
      if (!parsed.ok()) return Fail(std::string(parsed.status().message()));
      for (int a : *parsed) req.add_answers(a);
    } else {
      grpc::ClientContext form_ctx;
      form_ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
      v1::CheckInForm form;
      grpc::Status s = stub->GetCheckInForm(&form_ctx, v1::CheckInFormRequest(), &form);
      if (!s.ok()) return FailRpc(s);
      std::cout << form.instrument() << "\n" << form.notice() << "\n";
      for (const auto& item : form.items()) {
        std::cout << "\n" << item.number() << ". " << item.text() << "\n";
        for (int k = item.responses_size(); k >= 1; --k) {
          std::cout << "   " << k << " " << item.responses(k - 1) << "\n";
        }
        for (;;) {
          std::cout << "   your answer (1-5, 0 to skip): " << std::flush;
          std::string line;
          if (!std::getline(std::cin, line)) return Fail("check-in cancelled; nothing was stored");
          int v = -1;
          if (absl::SimpleAtoi(line, &v) && v >= 0 && v <= 5) {
            req.add_answers(v);
            break;
          }
          std::cout << "   please type a number from 1 to 5, or 0 to skip\n";
        }
      }
      std::cout << "\n";
    }
    v1::CheckInResponse r;
    grpc::Status s = stub->CheckIn(&ctx, req, &r);
    if (!s.ok()) return FailRpc(s);
    std::cout << (json ? ctl::ToJson(r) + "\n" : ctl::RenderCheckIn(r));
    return 0;
  }
  if (checkins->parsed()) {
    v1::CheckInsRequest req;
    req.set_user_id(user);
    v1::CheckInsResponse r;
    grpc::Status s = stub->GetCheckIns(&ctx, req, &r);
    if (!s.ok()) return FailRpc(s);
    std::cout << (json ? ctl::ToJson(r) + "\n" : ctl::RenderCheckIns(r));
    return 0;
  }
  if (baseline->parsed()) {
    v1::TrendQuery req;
    req.set_user_id(user);
    v1::PersonalBaseline r;
    grpc::Status s = stub->GetBaseline(&ctx, req, &r);
    if (!s.ok()) return FailRpc(s);
    std::cout << (json ? ctl::ToJson(r) + "\n" : ctl::RenderBaseline(r));
    return 0;
  }
  if (alerts->parsed()) {
    v1::AlertsRequest req;
    req.set_user_id(user);
    req.set_include_cleared(all_alerts);
    v1::AlertsResponse r;
    grpc::Status s = stub->GetAlerts(&ctx, req, &r);
    if (!s.ok()) return FailRpc(s);
    std::cout << (json ? ctl::ToJson(r) + "\n" : ctl::RenderAlerts(r));
    return 0;
  }
  if (summary->parsed() || org->parsed()) {
    if (days < 1) return Fail("--days must be at least 1");
    const int64_t since = now_ms - static_cast<int64_t>(days) * 86400000;
    if (summary->parsed()) {
      v1::SummaryRequest req;
      req.set_user_id(user);
      req.set_since_ms(since);
      req.set_until_ms(now_ms + 1);
      v1::PersonSummary r;
      grpc::Status s = stub->GetSummary(&ctx, req, &r);
      if (!s.ok()) return FailRpc(s);
      std::cout << (json ? ctl::ToJson(r) + "\n" : ctl::RenderSummary(r));
    } else {
      v1::OrgSummaryRequest req;
      req.set_since_ms(since);
      req.set_until_ms(now_ms + 1);
      v1::OrgSummary r;
      grpc::Status s = stub->GetOrgSummary(&ctx, req, &r);
      if (!s.ok()) return FailRpc(s);
      std::cout << (json ? ctl::ToJson(r) + "\n" : ctl::RenderOrgSummary(r));
    }
    return 0;
  }
  if (audit->parsed()) {
    v1::AuditLogRequest req;
    req.set_user_id(user);
    v1::AuditLogResponse r;
    grpc::Status s = stub->GetAuditLog(&ctx, req, &r);
    if (!s.ok()) return FailRpc(s);
    if (json) {
      std::cout << ctl::ToJson(r) << "\n";
    } else if (r.records().empty()) {
      std::cout << "Nothing recorded.\n";
    } else {
      for (const auto& e : r.records()) {
        std::cout << absl::StrFormat("%-19s  %-10s  %-22s  %s%s\n", ctl::When(e.at_ms()), e.action(),
                                     e.actor(), e.outcome(), e.detail().empty() ? "" : "  " + e.detail());
      }
    }
    return 0;
  }
  if (group->parsed()) {
    if (leave == !group_name.empty()) return Fail("group: give --set NAME or --leave");
    v1::SetGroupRequest req;
    req.set_user_id(user);
    req.set_group(group_name);
    v1::SetGroupResponse r;
    grpc::Status s = stub->SetGroup(&ctx, req, &r);
    if (!s.ok()) return FailRpc(s);
    std::cout << (r.group().empty()
                      ? "Your assessments count in no group.\n"
                      : absl::StrCat("Your assessments now count in the aggregates of group \"",
                                     r.group(), "\" (shown only while it has enough people).\n"));
    return 0;
  }
  return 0;
}
