// TLS on a real service process (burnout-temporal, the lightest): with mutual TLS a client
// needs a certificate from the service's CA; no certificate, a certificate from another CA,
// an expired certificate and plaintext are all refused; a renewed certificate is served
// without a restart. Certificates come from deploy/make-certs.sh.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "common/grpc/channel.h"
#include "common/grpc/health_client.h"
#include "tests/testing/service_process.h"

namespace {

namespace fs = std::filesystem;
using burnout::grpcx::CheckHealth;
using burnout::grpcx::Health;
using burnout::grpcx::MakeChannel;

constexpr char kReadiness[] = "burnout.v1.Temporal";

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("tls_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    auto certs = [](const fs::path& d, const std::string& args) {
      const std::string cmd = "bash deploy/make-certs.sh " + d.string() + " " + args + " >/dev/null";
      return std::system(cmd.c_str()) == 0;
    };
    ok_ = certs(dir_ / "ca1", "--names 'temporal client'") &&
          certs(dir_ / "ca1", "--expired stale") &&   // same CA, but expired yesterday
          certs(dir_ / "ca2", "--names client");       // another CA
  }
  static void TearDownTestSuite() {
    if (!::testing::Test::HasFailure()) fs::remove_all(dir_);
  }

  void SetUp() override {
    if (!ok_) GTEST_SKIP() << "deploy/make-certs.sh failed (openssl missing?)";
  }

  // burnout-temporal with mutual TLS, its certificate files re-read every second.
  void StartService(const fs::path& cert, const fs::path& key) {
    const fs::path ca1 = dir_ / "ca1";
    service_.Start("burnout-temporal",
                   "--config config/temporal.textproto --port 0 --tls_ca " +
                       (ca1 / "ca.crt").string() + " --tls_cert " + cert.string() +
                       " --tls_key " + key.string() + " --tls_require_client_cert --tls_reload_s 1",
                   dir_ / ("port" + std::to_string(++starts_)), dir_ / "temporal.log");
  }

  burnout::v1::TlsConfig Client(const std::string& ca_dir, const std::string& name) const {
    burnout::v1::TlsConfig tls;
    tls.set_ca_file((dir_ / "ca1" / "ca.crt").string());  // trusts the service's CA
    if (!name.empty()) {
      tls.set_cert_file((dir_ / ca_dir / (name + ".crt")).string());
      tls.set_key_file((dir_ / ca_dir / (name + ".key")).string());
    }
    return tls;
  }

  // The readiness a client with `tls` sees, within 5 s (SERVING, or the failure's words).
  std::string Probe(const burnout::v1::TlsConfig& tls, int attempts = 1) {
    std::string last;
    for (int i = 0; i < attempts; ++i) {
      auto channel = MakeChannel("127.0.0.1:" + std::to_string(service_.port), 0, tls);
      auto h = CheckHealth(channel, kReadiness, std::chrono::seconds(5));
      last = h.ok() ? burnout::grpcx::HealthName(*h) : std::string(h.status().message());
      if (last == "SERVING") return last;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return last;
  }

  static fs::path dir_;
  static bool ok_;
  burnout::testutil::ServiceProcess service_;
  static int starts_;
};
fs::path TlsTest::dir_;
bool TlsTest::ok_ = false;
int TlsTest::starts_ = 0;

TEST_F(TlsTest, OnlyAClientCertificateFromTheServicesCaGetsIn) {
  const fs::path ca1 = dir_ / "ca1";
  StartService(ca1 / "temporal.crt", ca1 / "temporal.key");
  ASSERT_GT(service_.port, 0);
  EXPECT_EQ(Probe(Client("ca1", "client"), 40), "SERVING") << service_.Log();
  EXPECT_NE(Probe(Client("ca1", "")), "SERVING");        // no client certificate
  EXPECT_NE(Probe(Client("ca2", "client")), "SERVING");  // a certificate from another CA
  EXPECT_NE(Probe(Client("ca1", "stale")), "SERVING");   // expired yesterday
  EXPECT_NE(Probe(burnout::v1::TlsConfig()), "SERVING"); // plaintext
  EXPECT_EQ(Probe(Client("ca1", "client")), "SERVING");  // and the good one still does
}

TEST_F(TlsTest, ARenewedCertificateIsServedWithoutARestart) {
  // The service starts with a certificate that expired yesterday: nobody can connect.
  const fs::path live = dir_ / "live";
  fs::create_directories(live);
  fs::copy_file(dir_ / "ca1" / "stale.crt", live / "server.crt", fs::copy_options::overwrite_existing);
  fs::copy_file(dir_ / "ca1" / "stale.key", live / "server.key", fs::copy_options::overwrite_existing);
  StartService(live / "server.crt", live / "server.key");
  ASSERT_GT(service_.port, 0);
  const pid_t pid = service_.pid;
  EXPECT_NE(Probe(Client("ca1", "client")), "SERVING");
  // Renewed in place (key first, then the certificate, as a renewal tool would).
  fs::copy_file(dir_ / "ca1" / "temporal.key", live / "server.key", fs::copy_options::overwrite_existing);
  fs::copy_file(dir_ / "ca1" / "temporal.crt", live / "server.crt", fs::copy_options::overwrite_existing);
  EXPECT_EQ(Probe(Client("ca1", "client"), 20), "SERVING") << service_.Log();
  EXPECT_EQ(service_.pid, pid);  // the same process
  EXPECT_EQ(kill(pid, 0), 0);
}

TEST_F(TlsTest, AConfigWithUnreadableCertificatesStopsWithTheFileNamed) {
  burnout::testutil::ServiceProcess bad;
  const std::string cmd = std::string(BURNOUT_BIN_DIR) +
                          "/burnout-temporal --config config/temporal.textproto --port 0 "
                          "--tls_cert /nonexistent/cert.pem --tls_key /nonexistent/key.pem > " +
                          (dir_ / "bad.log").string() + " 2>&1";
  EXPECT_NE(std::system(cmd.c_str()), 0);
  std::ifstream in(dir_ / "bad.log");
  const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(log.find("/nonexistent/cert.pem"), std::string::npos) << log;
}

}  // namespace
