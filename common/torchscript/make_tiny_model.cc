// burnout-make-tiny-model: writes a tiny TorchScript model with an exported signature as a
// repository entry, to try the TorchScript serving path (and hot reload) without the real
// weights. Example:
//   burnout-make-tiny-model --kind torchscript-text --out /tmp/repo/text-tiny/1
//   burnout-text --model_dir /tmp/repo/text-tiny
#include <iostream>

#include "CLI/CLI.hpp"
#include "common/torchscript/tiny_models.h"

int main(int argc, char** argv) {
  burnout::torchscript::TinyModelOptions o;
  std::string out;
  CLI::App app{"burnout-make-tiny-model"};
  app.add_option("--kind", o.kind, "torchscript-text, torchscript-voice or torchscript-face")->required();
  app.add_option("--out", out, "the version directory to write (<repo>/<name>/<version>)")->required();
  app.add_option("--name", o.name, "model name in the manifest")->capture_default_str();
  app.add_option("--version", o.version, "model version in the manifest")->capture_default_str();
  app.add_option("--seed", o.seed, "weight seed")->capture_default_str();
  app.add_option("--embedding_dim", o.embedding_dim, "embedding size")->capture_default_str();
  app.add_option("--tokenizer_dir", o.tokenizer_dir,
                 "text: copy vocab.json and merges.txt from here (default: a byte-level vocabulary)");
  app.add_option("--max_length", o.max_length, "text: tokens per input")->capture_default_str();
  app.add_option("--image_size", o.image_size, "face: input side")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (auto s = burnout::torchscript::WriteTinyModel(out, o); !s.ok()) {
    std::cerr << "burnout-make-tiny-model: " << s.message() << std::endl;
    return 2;
  }
  std::cout << "wrote " << out << std::endl;
  return 0;
}
